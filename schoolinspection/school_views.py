"""School-supervision pages about one school and its tasks (/school-inspection/schools/…,
/school-inspection/tasks/…): the school's page (its responsible inspector, 责任督学公示; the week's
self-check form pre-filled with the platform's figures; tasks to answer; visits), a submitted
self-check, recording and reading visits, and the rectification tasks with their transitions.

Each view: gate (core.access) → form → one service → redirect, or the task's row of the same
page when HTMX asks (STYLE 10). School admins act for their own school only; inspectors record
visits to and verify tasks of the schools they are responsible for; bureau admins read all and
may verify. Other roles 403 (``views.gate``); other districts' or schools' objects 404.
"""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Case, IntegerField, Prefetch, Value, When
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.access import can, get_for, require, visible
from core.errors import RuleViolation, add_to_form
from core.paging import paginate
from org.models import School
from org.roles import Role
from schoolinspection import checklist, reports, services
from schoolinspection.forms import (
    AcceptForm,
    EvidenceForm,
    ReturnForm,
    SelfCheckForm,
    TaskForm,
    VisitForm,
)
from schoolinspection.models import (
    InspectorAssignment,
    RectificationTask,
    SelfCheck,
    SelfCheckItem,
    Visit,
)
from schoolinspection.tasks_ui import ROW, decorate_tasks
from schoolinspection.views import gate, page

TASKS = RectificationTask.objects.select_related("school__bureau__parent__parent", *ROW[1:])
ORDER = Case(When(status="open", then=Value(0)), When(status="submitted", then=Value(1)),
             default=Value(2), output_field=IntegerField())


def _rule_text(error):
    if "-" in error.rule and error.rule not in error.message:
        return f"{error.message}（{error.rule}）"
    return error.message


def _school(request, pk):
    gate(request.user)
    return get_for(request.user, School, pk, queryset=School.objects.select_related(
        "bureau__parent__parent").filter(reports.schools_q(request.user)))


def _date(value, default):
    try:
        return dt.date.fromisoformat(value or "")
    except ValueError:
        return default


def _week_param(request, today):
    """The week a page shows (?week=YYYY-MM-DD, any day of it): this week unless a week of
    the past year is asked for."""
    day = _date(request.GET.get("week"), today)
    if day > today or (today - day).days > 366:
        day = today
    return checklist.week_start_of(day)


# ---- the school's page ------------------------------------------------------------------------

def _school_page(request, school, form=None, week_start=None):
    user, today = request.user, timezone.localdate()
    week_start = week_start or _week_param(request, today)
    week, rows = services.self_check_form(school, week_start, today)
    check = SelfCheck.objects.filter(school=school, week_start=week.start).first()
    may_submit = can(user, "submit", SelfCheck(school=school))
    if may_submit and check is None and week.school_days and form is None:
        form = SelfCheckForm(rows=rows)
    tasks = visible(user, RectificationTask).filter(school=school).select_related(*ROW) \
        .annotate(stage=ORDER).order_by("stage", "due", "pk")
    assignments = InspectorAssignment.objects.visible_to(user).filter(school=school) \
        .select_related("inspector").order_by("-since", "-pk")
    responsible_now = can(user, "record", Visit(school=school, inspector=user, visited_on=today))
    return page(request, "schoolinspection/school.html", {
        "school": school, "today": today, "week": week, "rows": rows, "check": check,
        "form": form if may_submit and check is None and week.school_days else None,
        "weeks": reports.self_check_grid([school], today, 8)["rows"][0]["cells"],
        "current": next((a for a in assignments if a.until is None), None),
        "history": [a for a in assignments if a.until is not None],
        "tasks": decorate_tasks(user, tasks[:100], today),
        "visits": visible(user, Visit).filter(school=school).select_related("inspector")
        .order_by("-visited_on", "-pk")[:12],
        "can_record_visit": responsible_now,
        "task_form": TaskForm() if can(user, "create", RectificationTask(school=school)) else None,
    })


@login_required
def school(request, pk):
    return _school_page(request, _school(request, pk))


@login_required
@require_POST
def self_check(request, pk):
    """Submit the week's self-check (the school admin, once a week, IN-4)."""
    school_obj = _school(request, pk)
    user, today = request.user, timezone.localdate()
    require(user, "submit", SelfCheck(school=school_obj))
    # The week sent, as sent: the service refuses a week to come (IN-4) rather than the page
    # quietly filing another week.
    week_start = checklist.week_start_of(_date(request.POST.get("week"), today))
    if week_start > checklist.week_start_of(today):
        messages.error(request, "不能提交未来周的自查（IN-4）。")
        return redirect("schoolinspection:school", school_obj.pk)
    _, rows = services.self_check_form(school_obj, week_start, today)
    form = SelfCheckForm(request.POST, rows=rows)
    if form.is_valid():
        try:
            check = services.submit_self_check(actor=user, school=school_obj, week=week_start,
                                               answers=form.answers())
        except RuleViolation as e:
            for problem in e.rows or []:
                form.add_error(f"{problem['field']}-note", problem["message"])
            if not e.rows:
                add_to_form(form, e)
        else:
            messages.success(request, f"已提交 {check.week_start:%Y年%m月%d日} 起一周的自查"
                                      + (f"，{check.non_compliant} 项不符合已生成整改任务。"
                                         if check.non_compliant else "，各项均符合。"))
            return redirect("schoolinspection:self-check-detail", check.pk)
    return _school_page(request, school_obj, form=form, week_start=week_start)


@login_required
def self_check_detail(request, pk):
    gate(request.user)
    check = get_for(request.user, SelfCheck, pk, queryset=SelfCheck.objects.select_related(
        "school", "submitted_by").prefetch_related(Prefetch(
            "items", queryset=SelfCheckItem.objects.select_related("task").order_by("position"))))
    return page(request, "schoolinspection/self_check.html", {
        "check": check, "week_end": check.week_start + dt.timedelta(days=6),
        "items": list(check.items.all())})


# ---- visits ----------------------------------------------------------------------------------

@login_required
def visit_new(request, pk):
    """Record a visit to the school (its responsible inspector, IN-4)."""
    school_obj = _school(request, pk)
    user, today = request.user, timezone.localdate()
    require(user, "record", Visit(school=school_obj, inspector=user, visited_on=today))
    form = VisitForm(request.POST or None, initial={"visited_on": today})
    if request.method == "POST" and form.is_valid():
        try:
            visit = services.record_visit(actor=user, school=school_obj, **form.service_data())
        except RuleViolation as e:
            add_to_form(form, e)
        else:
            found = len(visit.findings)
            messages.success(request, f"已录入{school_obj.name} {visit.visited_on:%Y年%m月%d日} 的入校督导"
                                      + (f"，{found} 条问题已生成整改任务。" if found else "。"))
            return redirect("schoolinspection:visit", visit.pk)
    return page(request, "schoolinspection/visit_form.html", {
        "school": school_obj, "form": form,
        "rectify_days": reports.PerBureau().of(school_obj.bureau)["rectify_days"]})


@login_required
def visit(request, pk):
    gate(request.user)
    found = get_for(request.user, Visit, pk, queryset=Visit.objects.select_related(
        "school", "inspector"))
    today = timezone.localdate()
    return page(request, "schoolinspection/visit.html", {
        "visit": found, "today": today,
        "tasks": decorate_tasks(request.user, found.tasks.select_related(*ROW).order_by("pk"),
                                today)})


# ---- rectification tasks ----------------------------------------------------------------------

FILTERS = {"status": RectificationTask.Status.values, "source": RectificationTask.Source.values}


@login_required
def tasks(request):
    """Every task the user reaches, filtered by status, source, school, overdue or to verify."""
    user, today = request.user, timezone.localdate()
    gate(user)
    qs = visible(user, RectificationTask).select_related(*ROW)
    for key, values in FILTERS.items():
        if request.GET.get(key) in values:
            qs = qs.filter(**{key: request.GET[key]})
    school_id = request.GET.get("school", "")
    if school_id.isdigit():
        qs = qs.filter(school_id=int(school_id))
    if request.GET.get("overdue"):
        qs = qs.overdue(today)
    if request.GET.get("to_verify"):
        qs = qs.to_verify(user)
    listed = paginate(request, qs.annotate(stage=ORDER).order_by("stage", "due", "pk"))
    listed.object_list = decorate_tasks(user, listed.object_list, today)
    return page(request, "schoolinspection/tasks.html", {
        "page": listed, "today": today, "statuses": RectificationTask.Status.choices,
        "sources": RectificationTask.Source.choices, "filters": request.GET,
        "schools": reports.schools_for(user) if user.scope.has(Role.BUREAU_ADMIN, Role.INSPECTOR)
        else None})


def _task_page(request, task, forms=None):
    user, today = request.user, timezone.localdate()
    task = decorate_tasks(user, [task], today)[0]
    forms = forms or {}
    return page(request, "schoolinspection/task.html", {
        "task": task, "today": today,
        "events": task.events.select_related("actor").order_by("at", "pk"),
        "evidence_form": (forms.get("evidence") or EvidenceForm()) if task.can_submit else None,
        "accept_form": (forms.get("accept") or AcceptForm()) if task.can_verify else None,
        "return_form": (forms.get("return") or ReturnForm()) if task.can_verify else None})


@login_required
def task(request, pk):
    gate(request.user)
    return _task_page(request, get_for(request.user, RectificationTask, pk, queryset=TASKS))


@login_required
def task_new(request, pk):
    """A task from another source for the school (the bureau admin or its inspector)."""
    school_obj = _school(request, pk)
    user = request.user
    require(user, "create", RectificationTask(school=school_obj))
    form = TaskForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            created = services.create_task(actor=user, school=school_obj, **form.cleaned_data)
        except RuleViolation as e:
            add_to_form(form, e)
        else:
            messages.success(request, f"已生成整改任务，期限 {created.due:%Y年%m月%d日}。")
            return redirect("schoolinspection:task", created.pk)
    return page(request, "schoolinspection/task_form.html", {"school": school_obj, "form": form})


def _moved(request, task, action, form_class, run, done):
    """One transition from a task row or page: the service, then the row (HTMX) or a redirect
    with a message. ``run(task, data)`` calls the service; ``done`` is the success message."""
    user, today = request.user, timezone.localdate()
    form = form_class(request.POST)
    error = None
    if form.is_valid():
        try:
            task = run(task, form.cleaned_data)
        except RuleViolation as e:
            error = _rule_text(e)
            add_to_form(form, e)
    else:
        error = "；".join(str(m) for errors in form.errors.values() for m in errors)
    if request.htmx:
        task = TASKS.filter(pk=task.pk).first()
        return render(request, "schoolinspection/_task_row.html", {
            "task": decorate_tasks(user, [task], today)[0], "today": today,
            "row_error": error, "done": None if error else done, "show_school": True})
    if error:
        task = decorate_tasks(user, [TASKS.filter(pk=task.pk).first()], today)[0]
        if task.can_submit if action == "evidence" else task.can_verify:
            return _task_page(request, task, {action: form})  # the refusal on its form
        messages.error(request, error)  # the state moved on: no form to show it on
        return redirect("schoolinspection:task", task.pk)
    messages.success(request, done)
    back = request.POST.get("next", "")
    return redirect(back if back.startswith("/school-inspection/") else
                    reverse("schoolinspection:task", args=[task.pk]))


def _task_for(request, pk, action):
    gate(request.user)
    return get_for(request.user, RectificationTask, pk, action, queryset=TASKS)


@login_required
@require_POST
def task_submit(request, pk):
    """The school reports what it did (待整改 → 待验收)."""
    found = _task_for(request, pk, "submit")
    return _moved(request, found, "evidence", EvidenceForm, lambda t, data: (
        services.submit_rectification(actor=request.user, task=t, evidence=data["evidence"])),
        "已提交整改情况，等待责任督学验收。")


@login_required
@require_POST
def task_accept(request, pk):
    found = _task_for(request, pk, "verify")
    return _moved(request, found, "accept", AcceptForm, lambda t, data: (
        services.accept_rectification(actor=request.user, task=t, note=data["note"])),
        "整改任务已验收通过。")


@login_required
@require_POST
def task_return(request, pk):
    found = _task_for(request, pk, "verify")
    return _moved(request, found, "return", ReturnForm, lambda t, data: (
        services.return_rectification(actor=request.user, task=t, reason=data["reason"],
                                      due=data["due"])),
        "已退回学校重新整改。")

