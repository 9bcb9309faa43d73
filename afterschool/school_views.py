"""After-school pages for the school admin (校长/教导处): programmes and their timetables,
instructors, menu courses and their review, the lottery, fees and exemptions, teachers' hours and
pay. Bureau admins and inspectors may read the same pages (``Programme`` action "report"); only
the school's admin changes anything.

Each view: gate (core.access) → form → one service of afterschool.services → redirect. Money is
stored in fen and shown in 元 (``forms.yuan_text``). Refusals show their rule id; the timetable
checks list every problem row (AS-1, AS-2/AS-3, AS-5, AS-7, AS-8).
"""

import io
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST
from openpyxl import Workbook
from openpyxl.styles import Font

from afterschool import services
from afterschool.forms import (
    CourseForm,
    ExemptionForm,
    InstructorForm,
    ProgrammeForm,
    RunForm,
    TimetableForm,
    timetable_initial,
    yuan,
    yuan_text,
)
from afterschool.models import (
    SERVICE_SEGMENTS,
    WEEKDAYS,
    Allocation,
    Course,
    Enrolment,
    FeeExemption,
    Instructor,
    Programme,
    Segment,
    Session,
)
from core.access import can, get_for, require, visible
from core.errors import RuleViolation, add_to_form
from core.paging import paginate
from institutions.models import Institution
from org.models import GRADE_NAMES, Pupil, School, Teacher
from org.roles import Role
from policy.services import Policy
from schoolcal.models import Term

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PROGRAMMES = Programme.objects.select_related("school__bureau__parent", "term")
COURSES = Course.objects.select_related("programme__school__bureau__parent", "instructor",
                                        "duty_teacher", "school_class")
SCHOOLS = School.objects.select_related("bureau__parent")  # Policy walks the bureau chain
LIVE = [Enrolment.Status.ENROLLED, Enrolment.Status.WAITLISTED]
QUALITY = [  # (key, label, kind) of allocation.quality rows
    ("applicants", "参加抽签人数", "n"), ("assigned", "获得菜单课程人数", "n"),
    ("unassigned", "未获得任何课程人数", "n"), ("first_choice_share", "第一志愿满足率", "share"),
    ("top3_share", "前三志愿满足率", "share"), ("mean_best_rank", "平均最佳志愿序号（越小越好）", "rank"),
    ("seats_filled", "分配座位数", "n")]
DEFAULT_TIMES = {"mode": "same", "guidance_start": "15:30", "guidance_end": "16:30",
                 "menu_start": "16:30", "menu_end": "17:30"}


# ---- small helpers -------------------------------------------------------------------------


def _rule_text(error):
    """A refusal as one line, with its rule id when it names a rule (…（AS-6））."""
    if "-" in error.rule and error.rule not in error.message:
        return f"{error.message}（{error.rule}）"
    return error.message


def _refuse(error, *forms):
    """Show a refusal on the form that has its field (else the last form); return its problem
    rows (every broken timetable rule, with weekday and grade names) for the page."""
    target = next((f for f in forms if error.field in f.fields), forms[-1])
    add_to_form(target, error)
    return [{**row, "weekday_name": WEEKDAYS.get(row.get("weekday"), "—"),
             "grade_name": GRADE_NAMES.get(row.get("grade"), "—")}
            for row in error.rows or [] if isinstance(row, dict)]


def _course_refusal(form, error):
    """The course form takes the fee in 元 (``fee_yuan``); the services name it in fen."""
    if error.field == "fee_per_term_fen":
        error.field = "fee_yuan"
    add_to_form(form, error)


def _programme(request, pk, action="report"):
    """The programme, for its school's admin (any action) or the bureau (reading only)."""
    return get_for(request.user, Programme, pk, action, queryset=PROGRAMMES)


def _oversees(user, school="pk", bureau="bureau_id"):
    """Rows of the schools whose after-school set-up the user runs (school admin) or oversees
    (bureau admin, inspector): ``school`` and ``bureau`` name the fields of the filtered model."""
    s = user.scope
    return (Q(**{f"{school}__in": s.admin_school_ids})
            | Q(**{f"{bureau}__in": s.bureau_ids_for(Role.BUREAU_ADMIN, Role.INSPECTOR)}))


def _school(request):
    """The school of a school-level page (?school=, else the user's first) and the choices."""
    require(request.user, "report", Programme)
    schools = list(visible(request.user, School).filter(_oversees(request.user))
                   .select_related("bureau__parent").order_by("code"))
    raw = request.GET.get("school")
    if not raw:
        return (schools[0] if schools else None), schools
    school = get_for(request.user, School, raw, queryset=SCHOOLS)
    # A school the user sees but does not oversee (e.g. another district's) is missing here.
    if school not in schools:
        raise Http404
    return school, schools


def _data(request):
    """A form's data: the POST, even an empty one (a bare POST must bind, and fail, the form)."""
    return request.POST if request.method == "POST" else None


def _decision(request):
    """(approve, error) of a review button: "approve" or "reject", nothing else."""
    decision = request.POST.get("decision")
    if decision not in ("approve", "reject"):
        return None, "请选择“通过”或“不通过”。"
    return decision == "approve", None


def _tell(request, error, notice):
    if error:
        messages.error(request, error)
    else:
        messages.success(request, notice)


def _runs_school(user, school_id):
    return school_id in user.scope.admin_school_ids


def _share(value):
    return "—" if value is None else f"{Decimal(str(value)) * 100:.1f}%"


def _xlsx(book, name):
    out = io.BytesIO()
    book.save(out)
    response = HttpResponse(out.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{name}"
    return response


# ---- programmes ----------------------------------------------------------------------------


@login_required
def programmes(request):
    require(request.user, "report", Programme)
    rows = (visible(request.user, Programme)
            .filter(_oversees(request.user, "school_id", "school__bureau_id"))
            .select_related("school", "term")
            .annotate(menu_courses=Count("courses", filter=Q(courses__kind=Segment.MENU),
                                         distinct=True),
                      active_applications=Count("applications", distinct=True,
                                                filter=Q(applications__status="active")))
            .order_by("-start", "school__code", "pk"))
    return render(request, "afterschool/school/programmes.html", {
        "page": paginate(request, rows), "can_create": can(request.user, "create", Programme)})


def _admin_schools(user):
    return (visible(user, School).filter(pk__in=user.scope.admin_school_ids)
            .select_related("bureau__parent").order_by("code"))


def _policy_hint(school):
    if school is None:
        return None
    policy = Policy(school.bureau)
    offset = int(policy["as.end_offset"])
    return {"minutes": policy["as.min_minutes_per_day"], "office_end": policy["as.office_end_time"],
            "offset": offset, "rule": "AS-3" if offset else "AS-2",
            "evening_end": policy["as.evening_study_latest_end"]}


@login_required
def programme_create(request):
    require(request.user, "create", Programme)
    schools = _admin_schools(request.user)
    form = ProgrammeForm(_data(request), schools=schools,
                         terms=visible(request.user, Term).order_by("start"),
                         initial={"school": schools[0].pk if schools else None})
    timetable = TimetableForm(_data(request), initial=DEFAULT_TIMES, prefix="tt")
    problems = []
    if request.method == "POST" and all([form.is_valid(), timetable.is_valid()]):
        data = form.service_data()
        school = data["school"]
        slots = timetable.slots(grades=data["grades"] or list(school.grades), school=school)
        try:
            programme = services.create_programme(actor=request.user, slots=slots, **data)
        except RuleViolation as e:
            problems = _refuse(e, form, timetable)
        else:
            messages.success(request, f"已创建“{programme.name}”（{programme.slots.count()} 个时段）。"
                                      "请添加菜单课程，审核后开放报名。")
            return redirect("afterschool:programme", programme.pk)
    return render(request, "afterschool/school/programme_form.html", {
        "form": form, "timetable": timetable, "problems": problems,
        "policy": _policy_hint(schools[0] if schools else None)})


def _timetable_grid(programme):
    """Rows of the timetable per segment with a cell per weekday, and the service minutes per
    weekday (the least over the grades: what AS-1 measures)."""
    slots = list(programme.slots.all())
    rows = []
    for segment in Segment:
        cells = [[s for s in slots if s.segment == segment and s.weekday == day]
                 for day in range(1, 6)]
        if any(cells):
            rows.append({"label": segment.label, "cells": cells})
    minutes = []
    for day in range(1, 6):
        per_grade = [sum(s.minutes for s in slots if s.weekday == day and g in s.grades
                         and s.segment in SERVICE_SEGMENTS) for g in programme.grades]
        minutes.append(min(per_grade, default=0))
    return {"days": [WEEKDAYS[d] for d in range(1, 6)], "rows": rows, "minutes": minutes}


def _course_rows(courses):
    for c in courses:
        c.fee_text = yuan_text(c.fee_per_term_fen)
    return courses


@login_required
def programme(request, pk):
    programme = _programme(request, pk)
    # Groups take everyone without a capacity, so enrolled_count stays 0: count their places.
    courses = _course_rows(list(
        visible(request.user, Course).filter(programme=programme)
        .select_related("instructor", "duty_teacher", "school_class")
        .annotate(live=Count("enrolments", filter=Q(enrolments__status=Enrolment.Status.ENROLLED)))
        .order_by("kind", "name", "pk")))
    applications = programme.applications.aggregate(
        active=Count("pk", filter=Q(status="active")),
        withdrawn=Count("pk", filter=Q(status="withdrawn")),
        base=Count("pk", filter=Q(status="active", base_service=True)),
        delayed_care=Count("pk", filter=Q(status="active", delayed_care=True)),
        evening_study=Count("pk", filter=Q(status="active", evening_study=True)))
    applications["with_choices"] = programme.applications.filter(
        status="active", choices__isnull=False).distinct().count()
    sessions = visible(request.user, Session).filter(course__programme=programme).aggregate(
        total=Count("pk"), delivered=Count("pk", filter=Q(status=Session.Status.DELIVERED)))
    can_change = can(request.user, "change", programme)
    return render(request, "afterschool/school/programme.html", {
        "programme": programme, "grid": _timetable_grid(programme),
        # Groups by grade and class number (names sort 一、三、二 as characters).
        "groups": sorted((c for c in courses if c.kind != Segment.MENU),
                         key=lambda c: (c.kind, c.grades[:1], c.school_class.number
                                        if c.school_class_id else 0, c.pk)),
        "menu": [c for c in courses if c.kind == Segment.MENU],
        "applications": applications, "sessions": sessions,
        "fee_text": yuan_text(programme.fee_per_term_fen), "can_change": can_change,
        "can_review": can_change and can(request.user, "review", Course),
        "is_draft": programme.status == Programme.Status.DRAFT})


@login_required
@require_POST
def programme_open(request, pk):
    programme = _programme(request, pk, "change")
    try:
        services.open_programme(actor=request.user, programme=programme)
    except RuleViolation as e:
        messages.error(request, _rule_text(e))
    else:
        messages.success(request, "已开放报名：家长可以为孩子报名，课次已按校历排好。")
    return redirect("afterschool:programme", programme.pk)


@login_required
def timetable(request, pk):
    programme = _programme(request, pk, "change")
    initial, differs_by_grade = timetable_initial(programme)
    form = TimetableForm(_data(request), initial=initial, prefix="tt")
    problems = []
    if request.method == "POST" and form.is_valid():
        slots = form.slots(grades=programme.grades, school=programme.school)
        try:
            services.replace_timetable(actor=request.user, programme=programme, slots=slots)
        except RuleViolation as e:
            problems = _refuse(e, form)
        else:
            messages.success(request, "时间表已更新；作业辅导等分组和已排课次随之调整。")
            return redirect("afterschool:programme", programme.pk)
    return render(request, "afterschool/school/timetable_form.html", {
        "programme": programme, "timetable": form, "problems": problems,
        "differs_by_grade": differs_by_grade, "policy": _policy_hint(programme.school)})


# ---- instructors (AS-9) --------------------------------------------------------------------


def _instructor_form(request, school):
    # AS-9: institutions come from the registry of the school's district (or its city), like
    # the API's _district_institution: school admins have no view on the registry
    # (Institution.ACCESS), so the list is read by bureau. Only approved, non-subject ones are
    # offered; the services refuse an unlicensed one with AS-9.
    bureaus = {school.bureau_id, school.bureau.parent_id} - {None}
    institutions = Institution.objects.filter(
        bureau_id__in=bureaus, subject_type=False,
        status=Institution.Status.APPROVED).order_by("name")
    teachers = visible(request.user, Teacher).filter(school=school).order_by("name")
    return InstructorForm(_data(request), teachers=teachers, institutions=institutions)


@login_required
def instructors(request):
    school, schools = _school(request)
    rows, form = [], None
    can_add = school is not None and _runs_school(request.user, school.pk) and can(
        request.user, "create", Instructor)
    if school is not None:
        rows = sorted(visible(request.user, Instructor).filter(school=school)
                      .select_related("teacher", "institution"),
                      key=lambda i: (i.status != Instructor.Status.PENDING, i.kind, i.name))
    if can_add:
        form = _instructor_form(request, school)
    if request.method == "POST":
        if not can_add:
            raise PermissionDenied
        if form.is_valid():
            try:
                instructor = services.add_instructor(actor=request.user, school=school,
                                                     **form.cleaned_data)
            except RuleViolation as e:
                add_to_form(form, e)
            else:
                messages.success(request, f"已登记“{instructor}”。"
                                 + ("校外人员须审核通过后才能授课。"
                                    if instructor.status == Instructor.Status.PENDING else ""))
                return redirect(f"{reverse('afterschool:instructors')}?school={school.pk}")
    return render(request, "afterschool/school/instructors.html", {
        "school": school, "schools": schools, "rows": rows, "form": form,
        "can_review": can_add and can(request.user, "review", Instructor)})


@login_required
@require_POST
def instructor_review(request, pk):
    instructor = get_for(request.user, Instructor, pk, "review",
                         queryset=Instructor.objects.select_related("teacher", "institution"))
    approve, error = _decision(request)
    notice = None
    if error is None:
        try:
            instructor = services.review_instructor(
                actor=request.user, instructor=instructor, approve=approve,
                note=request.POST.get("note", ""))
        except RuleViolation as e:
            error = _rule_text(e)
        else:
            notice = f"已{'批准' if approve else '不予批准'}“{instructor.name}”。"
    if request.htmx:
        return render(request, "afterschool/school/instructors.html#row", {
            "i": instructor, "can_review": True, "error": error, "notice": notice})
    _tell(request, error, notice)
    return redirect(f"{reverse('afterschool:instructors')}?school={instructor.school_id}")


# ---- courses -------------------------------------------------------------------------------


def _menu_window(programme):
    slot = programme.slots.filter(segment=Segment.MENU).order_by("weekday", "start").first()
    return {"start": slot.start, "end": slot.end} if slot else {}


@login_required
def course_create(request, pk):
    programme = _programme(request, pk, "change")
    require(request.user, "create", Course)
    instructors = (visible(request.user, Instructor).filter(school_id=programme.school_id)
                   .exclude(status=Instructor.Status.REJECTED).order_by("kind", "name"))
    teachers = visible(request.user, Teacher).filter(school_id=programme.school_id).order_by("name")
    form = CourseForm(_data(request), programme=programme, instructors=instructors,
                      teachers=teachers, initial=_menu_window(programme))
    if request.method == "POST" and form.is_valid():
        try:
            course = services.add_course(actor=request.user, programme=programme,
                                         **form.service_data())
        except RuleViolation as e:
            _course_refusal(form, e)
        else:
            messages.success(request, f"已添加“{course.name}”，待审核。")
            return redirect("afterschool:course", course.pk)
    return render(request, "afterschool/school/course_form.html", {
        "form": form, "programme": programme, "title": "添加菜单课程"})


@login_required
def course(request, pk):
    course = get_for(request.user, Course, pk, queryset=COURSES)
    require(request.user, "report", course.programme)
    places = list(visible(request.user, Enrolment).filter(course=course, status__in=LIVE)
                  .select_related("pupil__school_class")
                  .order_by("waitlist_position", "pupil__school_class__grade",
                            "pupil__school_class__number", "pupil__name", "pk"))
    can_change = can(request.user, "change", course)
    return render(request, "afterschool/school/course.html", {
        "course": course, "programme": course.programme,
        "fee_text": yuan_text(course.fee_per_term_fen),
        "enrolled": [e for e in places if e.status == Enrolment.Status.ENROLLED],
        "waitlisted": [e for e in places if e.status == Enrolment.Status.WAITLISTED],
        # Inspectors see the figures; pupils' names only those who keep the roll.
        "names_hidden": not can(request.user, "view", Pupil),
        "enrolled_total": course.enrolments.filter(status=Enrolment.Status.ENROLLED).count(),
        "can_change": can_change, "can_review": can_change and can(request.user, "review", course)})


@login_required
def course_edit(request, pk):
    course = get_for(request.user, Course, pk, "change", queryset=COURSES)
    initial = {f: getattr(course, f) for f in ("name", "category", "capacity", "place",
                                               "content_summary", "teaches_new_content")}
    initial["fee_yuan"] = yuan(course.fee_per_term_fen)
    form = CourseForm(_data(request), initial=initial, menu=course.kind == Segment.MENU)
    if request.method == "POST" and form.is_valid():
        try:
            course = services.change_course(actor=request.user, course=course,
                                            **form.service_data())
        except RuleViolation as e:
            _course_refusal(form, e)
        else:
            messages.success(request, f"已修改“{course.name}”。"
                             + ("申报含讲授新课等内容，需重新审核（AS-6）。"
                                if course.review_status == Course.Review.PENDING
                                and course.teaches_new_content else ""))
            return redirect("afterschool:course", course.pk)
    return render(request, "afterschool/school/course_form.html", {
        "form": form, "programme": course.programme, "course": course, "title": "修改课程"})


@login_required
@require_POST
def course_review(request, pk):
    course = get_for(request.user, Course, pk, "review", queryset=COURSES)
    approve, error = _decision(request)
    notice = None
    if error is None:
        try:
            course = services.review_course(actor=request.user, course=course, approve=approve,
                                            note=request.POST.get("note", ""))
        except RuleViolation as e:
            error = _rule_text(e)
        else:
            notice = f"“{course.name}”{'审核通过' if approve else '未通过审核'}。"
    if request.htmx:
        course = get_for(request.user, Course, pk, queryset=COURSES)
        return render(request, "afterschool/school/programme.html#course-row", {
            "c": _course_rows([course])[0], "can_review": True, "error": error, "notice": notice})
    _tell(request, error, notice)
    if request.POST.get("back") == "course":
        return redirect("afterschool:course", course.pk)
    return redirect("afterschool:programme", course.programme_id)


# ---- the lottery ---------------------------------------------------------------------------


def _quality_rows(quality):
    """Lottery and first-come-first-served figures side by side."""
    rows = []
    for key, label, kind in QUALITY:
        pair = []
        for method in ("lottery", "fcfs"):
            value = (quality.get(method) or {}).get(key)
            pair.append(_share(value) if kind == "share"
                        else "—" if value is None else value)
        rows.append({"label": label, "lottery": pair[0], "fcfs": pair[1]})
    return rows


@login_required
def lottery(request, pk):
    programme = _programme(request, pk)
    can_run = can(request.user, "allocate", programme)
    runs = list(visible(request.user, Allocation).filter(programme=programme)
                .select_related("run_by", "published_by").order_by("-number"))
    form = RunForm(_data(request)) if can_run else None
    if request.method == "POST":
        if not can_run:
            raise PermissionDenied
        if form.is_valid():
            try:
                run = services.run_allocation(actor=request.user, programme=programme,
                                              **form.cleaned_data)
            except RuleViolation as e:
                add_to_form(form, e)
            else:
                messages.success(request, f"已完成第 {run.number} 次抽签（种子 {run.seed}）。"
                                          "请核对分配质量后公布。")
                return redirect("afterschool:lottery", programme.pk)
    demand = (visible(request.user, Course).filter(programme=programme, kind=Segment.MENU)
              .annotate(first=Count("choices", filter=Q(choices__rank=1,
                                                        choices__application__status="active")),
                        wanted=Count("choices", filter=Q(choices__application__status="active")))
              .order_by("name", "pk"))
    latest = runs[0] if runs else None
    return render(request, "afterschool/school/lottery.html", {
        "programme": programme, "runs": runs, "latest": latest, "form": form,
        "quality": _quality_rows(latest.quality) if latest else None,
        "demand": demand, "can_run": can_run,
        "applications": programme.applications.filter(status="active").count(),
        "choosers": programme.applications.filter(status="active", choices__isnull=False)
        .distinct().count(),
        "is_draft": programme.status == Programme.Status.DRAFT})


@login_required
@require_POST
def allocation_verify(request, pk):
    run = get_for(request.user, Allocation, pk, queryset=Allocation.objects.select_related(
        "programme"))
    reproduced = services.verify_allocation(run)
    if request.htmx:
        return render(request, "afterschool/school/lottery.html#verified", {
            "run": run, "reproduced": reproduced})
    if reproduced:
        messages.success(request, f"复核一致：第 {run.number} 次抽签用记录的种子和输入重新运行，结果相同。")
    else:
        messages.error(request, f"复核不一致：第 {run.number} 次抽签重新运行的结果与记录不同。")
    return redirect("afterschool:lottery", run.programme_id)


@login_required
@require_POST
def allocation_publish(request, pk):
    run = get_for(request.user, Allocation, pk, "publish", queryset=Allocation.objects
                  .select_related("programme__school"))
    try:
        services.publish_allocation(actor=request.user, allocation=run)
    except RuleViolation as e:
        messages.error(request, _rule_text(e))
    else:
        messages.success(request, f"已公布第 {run.number} 次抽签结果：录取与候补名单生效，家长可以查看。")
    return redirect("afterschool:lottery", run.programme_id)


# ---- fees (AS-10) --------------------------------------------------------------------------


def _statement(request, programme):
    require(request.user, "view", FeeExemption)
    rows = services.fee_statement(programme)
    for row in rows:
        row["items_text"] = "；".join(f"{name} {yuan_text(amount)}" for name, amount in row["items"])
        row["gross_text"], row["due_text"] = yuan_text(row["gross_fen"]), yuan_text(row["due_fen"])
    return rows


@login_required
def fees(request, pk):
    programme = _programme(request, pk)
    rows = _statement(request, programme)
    can_exempt = _runs_school(request.user, programme.school_id) and can(
        request.user, "create", FeeExemption)
    form = None
    if can_exempt:
        pupils = (visible(request.user, Pupil).filter(pk__in=[r["pupil"].pk for r in rows])
                  .select_related("school_class").order_by("school_class__grade",
                                                           "school_class__number", "name"))
        form = ExemptionForm(_data(request), pupils=pupils)
    if request.method == "POST":
        if not can_exempt:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.grant_exemption(actor=request.user, programme=programme,
                                         **form.cleaned_data)
            except RuleViolation as e:
                add_to_form(form, e)
            else:
                messages.success(request, f"已为{form.cleaned_data['pupil'].name}办理减免。")
                return redirect("afterschool:fees", programme.pk)
    return render(request, "afterschool/school/fees.html", {
        "programme": programme, "page": paginate(request, rows, per_page=100), "form": form,
        "fee_text": yuan_text(programme.fee_per_term_fen), "pupils": len(rows),
        "gross_text": yuan_text(sum(r["gross_fen"] for r in rows)),
        "due_text": yuan_text(sum(r["due_fen"] for r in rows)),
        "exempted": sum(1 for r in rows if r["exemption"])})


@login_required
def fees_export(request, pk):
    programme = _programme(request, pk)
    rows = _statement(request, programme)
    book = Workbook()
    sheet = book.active
    sheet.title = "课后服务收费明细"
    sheet.append([f"{programme.school.name} {programme.name} 收费明细（AS-10：只收公示项目；困难家庭减免）"])
    sheet["A1"].font = Font(bold=True)
    # No ID or student numbers: class and name identify a pupil on a school's own list.
    sheet.append(["序号", "班级", "学生", "收费项目", "应收（元）", "减免原因", "实收（元）"])
    for n, row in enumerate(rows, start=1):
        exemption = row["exemption"]
        sheet.append([n, row["pupil"].school_class.name, row["pupil"].name, row["items_text"],
                      yuan(row["gross_fen"]), exemption.get_reason_display() if exemption else "",
                      yuan(row["due_fen"])])
    sheet.append(["合计", "", f"{len(rows)} 人", "", yuan(sum(r["gross_fen"] for r in rows)), "",
                  yuan(sum(r["due_fen"] for r in rows))])
    for column in ("E", "G"):
        for cell in sheet[column][2:]:
            cell.number_format = "0.00"
    return _xlsx(book, f"after-school-fees-{programme.pk}.xlsx")


# ---- hours and pay (AS-11) -----------------------------------------------------------------


def _hours(request):
    """(school, schools, month, data, error) of the hours page and its export."""
    school, schools = _school(request)
    month = request.GET.get("month") or f"{timezone.localdate():%Y-%m}"
    data = error = None
    if school is not None:
        try:
            data = services.teacher_hours(school=school, month=month)
        except RuleViolation as e:
            error = _rule_text(e)
    if data:
        for row in data["rows"]:
            row["hours_text"] = f"{Decimal(row['minutes']) / 60:.2f}"
            row["pay_text"] = yuan_text(row["pay_fen"])
        data["rate_text"] = yuan_text(data["rate_fen_per_hour"])
        data["total_pay_text"] = yuan_text(data["total_pay_fen"])
        data["total_hours_text"] = f"{Decimal(data['total_minutes']) / 60:.2f}"
    return school, schools, month, data, error


@login_required
def hours(request):
    school, schools, month, data, error = _hours(request)
    return render(request, "afterschool/school/hours.html", {
        "school": school, "schools": schools, "month": month, "data": data, "error": error})


@login_required
def hours_export(request):
    school, _, month, data, error = _hours(request)
    if data is None:
        messages.error(request, error or "没有可导出的学校。")
        return redirect(reverse("afterschool:hours"))
    rated = data["rate_fen_per_hour"] > 0
    book = Workbook()
    sheet = book.active
    sheet.title = "绩效工资增量·课后服务"
    sheet.append([f"{school.name} {data['month']} 绩效工资增量·课后服务（AS-11：单独设立项目，"
                  "不计入下一年度绩效工资基数）"])
    sheet["A1"].font = Font(bold=True)
    sheet.append(["课时补助标准（元/小时）", yuan(data["rate_fen_per_hour"]) if rated else "未设置"])
    sheet.append(["工号", "教师", "课次", "时长（分钟）", "课时（小时）", "金额（元）"])
    for row in data["rows"]:
        sheet.append([row["staff_no"], row["name"], row["sessions"], row["minutes"],
                      Decimal(row["hours_text"]), yuan(row["pay_fen"]) if rated else "未设置"])
    sheet.append(["合计", "", sum(r["sessions"] for r in data["rows"]), data["total_minutes"],
                  Decimal(data["total_hours_text"]),
                  yuan(data["total_pay_fen"]) if rated else "未设置"])
    return _xlsx(book, f"after-school-pay-{school.pk}-{data['month']}.xlsx")


urlpatterns = [
    path("school/", programmes, name="programmes"),
    path("school/new/", programme_create, name="programme-create"),
    path("school/<int:pk>/", programme, name="programme"),
    path("school/<int:pk>/open/", programme_open, name="programme-open"),
    path("school/<int:pk>/timetable/", timetable, name="timetable"),
    path("school/<int:pk>/courses/new/", course_create, name="course-create"),
    path("school/<int:pk>/lottery/", lottery, name="lottery"),
    path("school/<int:pk>/fees/", fees, name="fees"),
    path("school/<int:pk>/fees.xlsx", fees_export, name="fees-export"),
    path("school/courses/<int:pk>/", course, name="course"),
    path("school/courses/<int:pk>/edit/", course_edit, name="course-edit"),
    path("school/courses/<int:pk>/review/", course_review, name="course-review"),
    path("school/instructors/", instructors, name="instructors"),
    path("school/instructors/<int:pk>/review/", instructor_review, name="instructor-review"),
    path("school/allocations/<int:pk>/verify/", allocation_verify, name="allocation-verify"),
    path("school/allocations/<int:pk>/publish/", allocation_publish, name="allocation-publish"),
    path("school/hours/", hours, name="hours"),
    path("school/hours.xlsx", hours_export, name="hours-export"),
]
