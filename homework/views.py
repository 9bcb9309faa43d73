"""Homework pages: filing, the class-day board, publication, the weekly review, guardians' view.

Each view: gate (core.access) → form → one service of homework.services → redirect. Dates in
URLs are ISO dates (``2026-11-23``); anything else is a missing page.
"""

import datetime as dt
from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch, Sum
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.access import can, get_for, require, visible
from core.errors import RuleViolation, add_to_form
from core.paging import paginate
from homework import services
from homework.forms import ITEM_FIELDS, HomeworkForm, TimeReportForm
from homework.models import ClassDay, Homework, Kind, Layer, WeekReview
from org.models import SUBJECT_NAMES, SUBJECTS, Pupil, SchoolClass, TeachingAssignment
from org.roles import Role
from resources import services as resource_services
from resources.models import ResourceItem

CLASSES = SchoolClass.objects.select_related("school__bureau__parent")  # Policy walks the bureau chain
WEEK = dt.timedelta(days=7)
DAY = dt.timedelta(days=1)


# ---- small helpers -------------------------------------------------------------------------

def _date(value):
    """A date from the URL; anything but an ISO date is a missing page."""
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        raise Http404 from None


def _query_date(request, name="date"):
    try:
        return dt.date.fromisoformat(request.GET.get(name, ""))
    except ValueError:
        return timezone.localdate()


def _monday(date):
    return date - dt.timedelta(days=date.weekday())


def _rule_text(error):
    """A refusal as one line, with its rule id when it names a rule (…（HW-2）)."""
    if "-" in error.rule and error.rule not in error.message:
        return f"{error.message}（{error.rule}）"
    return error.message


def _warn(request, warnings):
    # Over the limit is allowed to file but never silent: each warning names its rule.
    for warning in warnings:
        messages.warning(request, warning["message"])


def _board_url(school_class_id, date):
    return reverse("homework:board", args=[school_class_id, date.isoformat()])


# ---- entry page ----------------------------------------------------------------------------

@login_required
def index(request):
    require(request.user, "view", Homework)
    scope = request.user.scope
    # A guardian and nothing else, with one child: straight to that child's homework.
    if not scope.has(*Role.ALL_STAFF) and len(scope.pupil_ids) == 1:
        return redirect("homework:child", next(iter(scope.pupil_ids)))
    date = _query_date(request)
    page = None
    if scope.has(Role.SUBJECT_TEACHER, Role.HEAD_TEACHER, Role.GRADE_LEADER, Role.SCHOOL_ADMIN):
        mine = TeachingAssignment.objects.filter(teacher_id=scope.teacher_id).order_by("subject")
        classes = visible(request.user, SchoolClass).select_related("school").prefetch_related(
            Prefetch("assignments", queryset=mine, to_attr="my_assignments"))
        page = paginate(request, classes.order_by("school__code", "grade", "number"))
        days = {d.school_class_id: d for d in visible(request.user, ClassDay).filter(
            school_class__in=[c.pk for c in page], date=date)}
        for c in page:
            c.day = days.get(c.pk)
            c.is_head = c.pk in scope.head_class_ids
            c.can_file = c.is_head or bool(c.my_assignments)
    children = visible(request.user, Pupil).filter(pk__in=scope.pupil_ids).select_related(
        "school_class__school") if scope.pupil_ids else []
    return render(request, "homework/index.html", {
        "date": date, "page": page, "children": children,
        "is_admin": bool(scope.admin_school_ids), "is_teacher": bool(scope.teacher_id),
        "is_bureau": scope.has(Role.BUREAU_ADMIN, Role.INSPECTOR),
        "monitoring_url": _monitoring_url()})


def _monitoring_url():
    """The bureau's monitoring page, built separately: linked only once it exists."""
    try:
        return reverse("monitoring:homework")
    except NoReverseMatch:
        return None


# ---- filing --------------------------------------------------------------------------------

def _subjects(user, school_class, current=None):
    """Subject codes the user may file for in the class: every subject for its head teacher."""
    scope = user.scope
    if school_class.pk in scope.head_class_ids:
        codes = [code for code, _ in SUBJECTS]
    else:
        taught = set(school_class.assignments.filter(teacher_id=scope.teacher_id)
                     .values_list("subject", flat=True)) if scope.teacher_id else set()
        codes = [code for code, _ in SUBJECTS if code in taught]
    if current and current not in codes:  # a school admin correcting someone else's item
        codes.insert(0, current)
    return codes


def _item_form(request, school_class, subjects, item=None, resource=None):
    initial = None
    if item is not None:
        initial = {f: getattr(item, f) for f in ITEM_FIELDS}
        initial.update(date=item.date, pupils=list(item.pupils.all()))
    elif resource is not None:  # picked from the homework library (?resource=<id>)
        initial = resource.homework_initial(subjects)
    return HomeworkForm(
        request.POST or None, initial=initial, subjects=subjects, with_date=item is not None,
        pupils=visible(request.user, Pupil).filter(school_class=school_class).order_by("name"),
        calibration_url=reverse("homework:calibration", args=[school_class.pk]))


def _calibration(user, school_class, subject, minutes):
    """services.calibrated_minutes for the user's own estimates, or None."""
    try:
        minutes = int(minutes)
    except (TypeError, ValueError):
        return None
    if not (user.scope.teacher_id and subject in SUBJECT_NAMES and 1 <= minutes <= 300):
        return None
    return services.calibrated_minutes(teacher_id=user.scope.teacher_id,
                                       school_class=school_class, subject=subject,
                                       estimate=minutes)


def _form_page(request, form, school_class, date, title, item=None, resource=None):
    subject, minutes = form["subject"].value(), form["minutes"].value()
    return render(request, "homework/item_form.html", {
        "form": form, "school_class": school_class, "date": date, "title": title, "item": item,
        "resource": resource,
        "estimate": minutes, "calibration": _calibration(request.user, school_class, subject,
                                                         minutes)})


@login_required
def file_homework(request, class_pk, date):
    school_class = get_for(request.user, SchoolClass, class_pk, queryset=CLASSES)
    require(request.user, "create", Homework)
    date = _date(date)
    subjects = _subjects(request.user, school_class)
    if not subjects:
        raise PermissionDenied("您不担任该班的教学，不能为其布置作业。")
    resource = None
    if request.GET.get("resource"):  # a library item: pre-fills the form, its use is counted
        resource = get_for(request.user, ResourceItem, request.GET["resource"])
    form = _item_form(request, school_class, subjects, resource=resource)
    if request.method == "POST" and form.is_valid():
        data, pupils = form.service_data()
        filing = (partial(resource_services.file_homework_from, resource=resource) if resource
                  else services.file_homework)
        try:
            item, warnings = filing(actor=request.user, school_class=school_class, date=date,
                                    pupils=pupils, **data)
        except RuleViolation as e:
            add_to_form(form, e)
        else:
            messages.success(request, f"已布置“{item.title}”。")
            _warn(request, warnings)
            return redirect(_board_url(school_class.pk, date))
    return _form_page(request, form, school_class, date, "布置作业", resource=resource)


@login_required
def edit(request, pk):
    item = get_for(request.user, Homework, pk, "change",
                   queryset=Homework.objects.select_related("school_class__school__bureau"))
    school_class = item.school_class
    form = _item_form(request, school_class, _subjects(request.user, school_class, item.subject),
                      item)
    if request.method == "POST" and form.is_valid():
        data, pupils = form.service_data()
        try:
            item, warnings = services.update_homework(actor=request.user, homework=item,
                                                      pupils=pupils, **data)
        except RuleViolation as e:
            add_to_form(form, e)
        else:
            messages.success(request, f"已修改“{item.title}”。")
            _warn(request, warnings)
            return redirect(_board_url(school_class.pk, item.date))
    return _form_page(request, form, school_class, item.date, "修改作业", item)


@login_required
def calibration(request, class_pk):
    """Fragment next to the minutes field: the time parents' reports suggest."""
    school_class = get_for(request.user, SchoolClass, class_pk)
    require(request.user, "create", Homework)
    subject, minutes = request.GET.get("subject"), request.GET.get("minutes")
    return render(request, "homework/item_form.html#calibration", {
        "estimate": minutes, "calibration": _calibration(request.user, school_class, subject,
                                                         minutes)})


@login_required
@require_POST
def withdraw(request, pk):
    item = get_for(request.user, Homework, pk, "change",
                   queryset=Homework.objects.select_related("school_class__school__bureau"))
    try:
        services.withdraw_homework(actor=request.user, homework=item)
    except RuleViolation as e:
        messages.error(request, _rule_text(e))
    else:
        messages.success(request, f"已撤回“{item.title}”。")
    return redirect(_board_url(item.school_class_id, item.date))


# ---- the class-day board -------------------------------------------------------------------

def _breakdown(items, field, choices):
    """Minutes and items per kind or layer, summed by the database."""
    labels = dict(choices)
    rows = items.order_by(field).values(field).annotate(minutes=Sum("minutes"), count=Count("pk"))
    return [{"label": labels.get(r[field], r[field]), "minutes": r["minutes"],
             "count": r["count"]} for r in rows]


def _board_context(user, school_class, date):
    ctx = services.Context.of(school_class)
    day = visible(user, ClassDay).filter(school_class=school_class, date=date).first()
    if day is None:  # nobody filed for that day yet: an empty, unsaved day
        day = ClassDay(school_class=school_class, date=date)
    day.school_class = school_class
    if not day.published:  # the limit in force now (the district may have tightened it)
        services.refresh_limit(day, ctx)
    review = visible(user, WeekReview).filter(school_class=school_class,
                                              week_start=_monday(date)).first()
    week_filed = review is not None and review.status == WeekReview.Status.APPROVED
    # The services refuse changes to a published day or a filed week: offer none.
    open_day = not day.published and not week_filed
    day_items = visible(user, Homework).filter(school_class=school_class, date=date)
    items = list(day_items.select_related("teacher").prefetch_related("pupils")
                 .order_by("subject", "pk"))
    for item in items:
        item.school_class = school_class  # Homework.permits reads it; saves a query per item
        item.can_change = open_day and can(user, "change", item)
    scope = user.scope
    return {
        "school_class": school_class, "date": date, "day": day, "items": items,
        "calendar_day": ctx.calendar.day(date), "warnings": services.day_warnings(day, ctx),
        "written_subjects": [(SUBJECT_NAMES.get(code, code), minutes)
                             for code, minutes in (day.written_subjects or {}).items()],
        "by_kind": _breakdown(day_items, "kind", Kind.choices),
        "by_layer": _breakdown(day_items, "layer", Layer.choices),
        "review": review, "week_filed": week_filed, "monday": _monday(date),
        "can_file": open_day and can(user, "create", Homework) and (
            school_class.pk in scope.class_ids),
        "can_publish": can(user, "publish", day), "can_except": can(user, "except", day),
        "previous": date - DAY, "next": date + DAY}


@login_required
def board(request, class_pk, date):
    school_class = get_for(request.user, SchoolClass, class_pk, queryset=CLASSES)
    if "date" in request.GET:  # the date picker
        return redirect(_board_url(school_class.pk, _query_date(request)))
    return render(request, "homework/board.html",
                  _board_context(request.user, school_class, _date(date)))


def _class_day(request, class_pk, date):
    """The class-day row, or an unsaved one for a day nobody filed for (the service saves it)."""
    school_class = get_for(request.user, SchoolClass, class_pk, queryset=CLASSES)
    date = _date(date)
    day = visible(request.user, ClassDay).filter(school_class=school_class, date=date).first()
    day = day or ClassDay(school_class=school_class, date=date)
    day.school_class = school_class
    return day


def _day_action(request, class_pk, date, action, done):
    day = _class_day(request, class_pk, date)
    try:
        action(day)
    except RuleViolation as e:
        messages.error(request, _rule_text(e))
    else:
        messages.success(request, done)
    return redirect(_board_url(day.school_class_id, day.date))


@login_required
@require_POST
def publish(request, class_pk, date):
    return _day_action(request, class_pk, date, lambda day: services.publish_class_day(
        actor=request.user, class_day=day), "已公示，家长现在可以看到当天的作业。")


@login_required
@require_POST
def unpublish(request, class_pk, date):
    return _day_action(request, class_pk, date, lambda day: services.unpublish_class_day(
        actor=request.user, class_day=day), "已撤回公示，可以修改当天的作业。")


@login_required
@require_POST
def exception(request, class_pk, date):
    return _day_action(request, class_pk, date, lambda day: services.record_exception(
        actor=request.user, class_day=day, reason=request.POST.get("reason", "")),
        "已登记超限例外，班主任可以公示当天的作业。")


# ---- weekly review (HW-16) -----------------------------------------------------------------

def _week_rows(user, classes, monday):
    """Per class: the seven class-days (None where nothing was filed), the review, the rights."""
    ids = [c.pk for c in classes]
    days = {(d.school_class_id, d.date): d for d in visible(user, ClassDay).filter(
        school_class_id__in=ids, date__gte=monday, date__lt=monday + WEEK)}
    reviews = {r.school_class_id: r for r in visible(user, WeekReview).filter(
        school_class_id__in=ids, week_start=monday)}
    dates = [monday + DAY * i for i in range(7)]
    rows = []
    for c in classes:
        review = reviews.get(c.pk)
        probe = review or WeekReview(week_start=monday)
        probe.school_class = c
        cells = [days.get((c.pk, d)) for d in dates]
        rows.append({"school_class": c, "cells": cells, "review": review,
                     "over": any(cell and cell.over_limit for cell in cells),
                     "can_review": can(user, "review", probe)})
    return rows


def _week_context(monday):
    return {"monday": monday, "dates": [monday + DAY * i for i in range(7)],
            "previous": monday - WEEK, "next": monday + WEEK}


@login_required
def weeks(request):
    require(request.user, "view", WeekReview)
    monday = _monday(_query_date(request, "week"))
    classes = visible(request.user, SchoolClass).select_related("school").order_by(
        "school__code", "grade", "number")
    page = paginate(request, classes)
    rows = _week_rows(request.user, list(page.object_list), monday)
    return render(request, "homework/weeks.html", {
        **_week_context(monday), "page": page, "rows": rows,
        "several_schools": len({r["school_class"].school_id for r in rows}) > 1})


@login_required
def week(request, class_pk, week_start):
    school_class = get_for(request.user, SchoolClass, class_pk, queryset=CLASSES)
    monday = _date(week_start)
    if monday.weekday():
        return redirect("homework:week", school_class.pk, _monday(monday).isoformat())
    row = _week_rows(request.user, [school_class], monday)[0]
    items = visible(request.user, Homework).filter(
        school_class=school_class, date__gte=monday, date__lt=monday + WEEK
    ).select_related("teacher").order_by("date", "subject", "pk")
    events = row["review"].events.select_related("actor") if row["review"] else []
    return render(request, "homework/week.html", {
        **_week_context(monday), "school_class": school_class, "row": row, "items": items,
        "events": events})


def _week_answer(request, school_class, monday, error=None, notice=None):
    """HTMX: the class's row again, with the outcome; otherwise a message and a redirect."""
    if request.htmx:
        row = _week_rows(request.user, [school_class], monday)[0]
        return render(request, "homework/weeks.html#row", {
            **_week_context(monday), "row": row, "error": error, "notice": notice})
    if error:
        messages.error(request, error)
    else:
        messages.success(request, notice)
    if request.POST.get("back") == "week":
        return redirect("homework:week", school_class.pk, monday.isoformat())
    return redirect(f"{reverse('homework:weeks')}?week={monday.isoformat()}")


@login_required
@require_POST
def review(request, class_pk, week_start):
    school_class = get_for(request.user, SchoolClass, class_pk, queryset=CLASSES)
    monday = _date(week_start)
    approve = request.POST.get("decision") == "approve"
    try:
        services.review_week(actor=request.user, school_class=school_class, week_start=monday,
                             approve=approve, comment=request.POST.get("comment", ""))
    except RuleViolation as e:
        return _week_answer(request, school_class, monday, error=_rule_text(e))
    outcome = "已审核备案" if approve else "已退回修改"
    return _week_answer(request, school_class, monday, notice=f"{school_class.name}本周作业{outcome}。")


@login_required
@require_POST
def reopen(request, class_pk, week_start):
    school_class = get_for(request.user, SchoolClass, class_pk, queryset=CLASSES)
    monday = _date(week_start)
    found = visible(request.user, WeekReview).filter(school_class=school_class,
                                                     week_start=monday).first()
    if found is None:
        raise Http404
    found.school_class = school_class
    try:
        services.reopen_week(actor=request.user, review=found,
                             reason=request.POST.get("reason", ""))
    except RuleViolation as e:
        return _week_answer(request, school_class, monday, error=_rule_text(e))
    return _week_answer(request, school_class, monday,
                        notice=f"已撤销{school_class.name}本周的备案，教师可以修改作业。")


# ---- guardians -----------------------------------------------------------------------------

def _child_page(request, pupil, date, form=None):
    day = visible(request.user, ClassDay).filter(school_class_id=pupil.school_class_id,
                                                 date=date, published=True).first()
    items = list(services.published_items_for(pupil, date)) if day else []
    by_kind = {}
    for item in items:  # HW-7: what the day's homework is made of, by kind
        by_kind[item.kind] = by_kind.get(item.kind, 0) + item.minutes
    composition = [(label, by_kind[kind]) for kind, label in Kind.choices if kind in by_kind]
    is_guardian = pupil.pk in request.user.scope.pupil_ids
    report = pupil.time_reports.filter(date=date).prefetch_related("items").first() \
        if is_guardian else None
    if form is None and day and is_guardian:
        initial = {}
        if report:
            initial = {"minutes": report.minutes, "difficulty": report.difficulty,
                       **{f"item_{i.homework_id}": i.minutes for i in report.items.all()}}
        form = TimeReportForm(initial=initial, items=items)
    return render(request, "homework/child.html", {
        "pupil": pupil, "date": date, "day": day, "items": items, "composition": composition,
        "form": form, "report": report, "previous": date - DAY, "next": date + DAY,
        "today": timezone.localdate(),
        # HW-17: the child is in this week's burden-survey sample: ask for every day's time.
        "sampled": pupil.survey_samples.filter(week_start=_monday(date)).exists()})


@login_required
def child(request, pupil_pk):
    pupil = get_for(request.user, Pupil, pupil_pk,
                    queryset=Pupil.objects.select_related("school_class__school"))
    return _child_page(request, pupil, _query_date(request))


@login_required
@require_POST
def report(request, pupil_pk):
    pupil = get_for(request.user, Pupil, pupil_pk,
                    queryset=Pupil.objects.select_related("school_class__school"))
    # Staff may look at a pupil's page, but only the child's own guardians report times.
    if pupil.pk not in request.user.scope.pupil_ids:
        raise PermissionDenied("只有孩子的家长可以反馈作业用时。")
    date = _date(request.POST.get("date"))
    form = TimeReportForm(request.POST, items=services.published_items_for(pupil, date))
    if form.is_valid():
        try:
            services.report_time(actor=request.user, pupil=pupil, date=date,
                                 minutes=form.cleaned_data["minutes"],
                                 difficulty=form.cleaned_data["difficulty"],
                                 items=form.item_pairs())
        except RuleViolation as e:
            add_to_form(form, e)
        else:
            messages.success(request, "已收到您的反馈，谢谢！学校会据此调整作业量。")
            return redirect(f"{reverse('homework:child', args=[pupil.pk])}?date={date.isoformat()}")
    return _child_page(request, pupil, date, form)


# ---- estimates against reported times ------------------------------------------------------

@login_required
def drift(request):
    require(request.user, "view", Homework)
    scope = request.user.scope
    tables = []
    if scope.admin_school_ids:
        tables.append(("本校教师", visible(request.user, Homework).filter(
            school_class__school_id__in=scope.admin_school_ids)))
    if scope.teacher_id:
        # A teacher's own items wherever they were filed, also in classes no longer theirs.
        tables.append(("我布置的作业", Homework.objects.filter(teacher_id=scope.teacher_id)))
    if not tables:
        raise PermissionDenied("只有教师和学校管理员可以查看预计用时偏差。")
    tables = [(title, services.drift_by_teacher(items)) for title, items in tables]
    ids = {row["school_class"] for _, rows in tables for row in rows}
    names = {c.pk: c.name for c in visible(request.user, SchoolClass).filter(pk__in=ids)}
    for _, rows in tables:
        for row in rows:
            row["class_name"] = names.get(row["school_class"], "—")
            row["drifted"] = row["ratio"] is not None and abs(row["ratio"] - 1) > 0.3
    return render(request, "homework/drift.html", {"tables": tables,
                                                   "min_reports": services.MIN_REPORTS})
