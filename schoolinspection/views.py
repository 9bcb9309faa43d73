"""School-supervision pages of the bureau and the inspectors (/school-inspection/…): the index
(which sends each role to its page), the bureau overview (responsible inspectors and their load,
self-check and visit coverage per school with the missing ones highlighted, overdue tasks, an
Excel export), the assignment of inspectors, and the inspector's own page.

Each view: gate (core.access) → form → one service of ``schoolinspection.services`` → redirect.
Who: bureau admins and inspectors of the district read the overview (only bureau admins assign);
the inspector page is the inspectors'; school admins are sent to their school's page
(``school_views``). Every other role gets 403; another district's objects are 404.
"""

import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect
from openpyxl import Workbook

from core.access import can, require, visible
from core.errors import RuleViolation, add_to_form
from core.paging import paginate
from org.models import User
from org.roles import Role
from schoolinspection import reports, services
from schoolinspection.forms import AssignmentForm
from schoolinspection.models import InspectorAssignment, RectificationTask
from schoolinspection.tasks_ui import ROW, decorate_tasks

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
WEEKS, MONTHS = 4, 6  # columns of the overview's self-check and coverage tables
WEEK_TEXT = {"submitted": "已提交", "missing": "逾期未交", "due": "待提交", "none": "无上课日"}
MONTH_TEXT = {"ok": "已达标", "missing": "未达标", "due": "本月进行中", "none": "假期"}


def gate(user):
    """The app's pages belong to bureau admins, inspectors and school admins: anybody else is
    refused before any object is looked up (403, not 404)."""
    require(user, "view", RectificationTask)


def district_gate(user):
    gate(user)
    if not user.scope.has(Role.BUREAU_ADMIN, Role.INSPECTOR):
        raise PermissionDenied("只有教育局管理员和督学可以查看全区督导情况。")


def page(request, template, context):
    """Render one of the app's pages with what its section navigation needs."""
    scope = request.user.scope
    return render(request, template, {
        **context, "nav_district": scope.has(Role.BUREAU_ADMIN, Role.INSPECTOR),
        "nav_inspector": scope.has(Role.INSPECTOR),
        "nav_school": min(scope.admin_school_ids) if scope.admin_school_ids else None})


@login_required
def index(request):
    """Each role's page: the bureau overview, the inspector's schools, or the school's page."""
    user = request.user
    gate(user)
    scope = user.scope
    if scope.has(Role.BUREAU_ADMIN):
        return redirect("schoolinspection:overview")
    if scope.has(Role.INSPECTOR):
        return redirect("schoolinspection:mine")
    return redirect("schoolinspection:school", min(scope.admin_school_ids))


# ---- the bureau overview ----------------------------------------------------------------------

def _inspector_logins(user):
    """Active inspector logins of the districts where the user assigns inspectors."""
    bureaus = user.scope.bureau_ids_for(Role.BUREAU_ADMIN)
    return (User.objects.filter(is_active=True, role_assignments__role=Role.INSPECTOR,
                                role_assignments__bureau_id__in=bureaus)
            .distinct().order_by("name", "username"))


def _assignment_form(user, data=None):
    schools = reports.schools_for(user).filter(bureau_id__in=user.scope.bureau_ids_for(
        Role.BUREAU_ADMIN))
    return AssignmentForm(data, schools=schools, inspectors=_inspector_logins(user))


def _school_rows(schools, today, bureaus):
    """One row per school: its responsible inspector, recent weeks' self-checks, recent
    months' visits."""
    assignments = reports.current_assignments(schools)
    grid = reports.self_check_grid(schools, today, WEEKS, bureaus)
    cover = reports.coverage(schools, reports.recent_months(today, MONTHS), today, bureaus)
    rows = [{"school": s, "assignment": assignments.get(s.pk), "weeks": g["cells"],
             "months": c["months"], "required": c["required"]}
            for s, g, c in zip(schools, grid["rows"], cover, strict=True)]
    return rows, grid["weeks"]


def _overview_page(request, form=None):
    user, today = request.user, timezone.localdate()
    bureaus = reports.PerBureau()
    schools = reports.schools_for(user)
    listed = paginate(request, schools)
    rows, weeks = _school_rows(list(listed), today, bureaus)
    tasks = visible(user, RectificationTask).select_related(*ROW)
    overdue = tasks.overdue(today).order_by("due", "pk")
    can_assign = can(user, "manage", InspectorAssignment)
    if can_assign and form is None:
        form = _assignment_form(user)
    return page(request, "schoolinspection/overview.html", {
        "page": listed, "rows": rows, "weeks": weeks, "today": today,
        "months": reports.recent_months(today, MONTHS),
        "load": reports.district_load(user, bureaus),
        "unassigned": schools.exclude(pk__in=InspectorAssignment.objects.current().values(
            "school_id")).count(),
        "overdue": decorate_tasks(user, overdue[:100], today), "overdue_count": overdue.count(),
        "to_verify": tasks.to_verify(user).count(),
        "form": form if can_assign else None})


@login_required
def overview(request):
    district_gate(request.user)
    return _overview_page(request)


@login_required
@require_POST
def assign(request):
    """Make an inspector a school's responsible inspector (bureau admins, IN-3)."""
    user = request.user
    district_gate(user)
    require(user, "manage", InspectorAssignment)
    form = _assignment_form(user, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            assignment, warnings = services.assign_inspector(
                actor=user, school=data["school"], inspector=data["inspector"],
                since=data["since"], contact_phone=data["contact_phone"])
        except RuleViolation as e:
            add_to_form(form, e)
        else:
            messages.success(request, f"已指定 {assignment.inspector.name or assignment.inspector}"
                                      f" 为{assignment.school.name}的责任督学。")
            for warning in warnings:
                messages.warning(request, warning["message"])
            target = reverse("schoolinspection:overview") + "#assign"
            return HttpResponseClientRedirect(target) if request.htmx else redirect(target)
    if request.htmx:
        return render(request, "schoolinspection/overview.html#assign-form", {"form": form})
    return _overview_page(request, form)


def _local(value):
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


@login_required
def export(request):
    """The overview as an Excel workbook, every school of the user's districts."""
    user, today = request.user, timezone.localdate()
    district_gate(user)
    bureaus = reports.PerBureau()
    schools = list(reports.schools_for(user))
    rows, weeks = _school_rows(schools, today, bureaus)
    months = reports.recent_months(today, MONTHS)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("责任督学")
    sheet.append(["学校代码", "学校", "责任督学", "公示联系电话", "起始日期"])
    for row in rows:
        a = row["assignment"]
        sheet.append([row["school"].code, row["school"].name,
                      (a.inspector.name or a.inspector.username) if a else "（未指定）",
                      a.phone if a else "", a.since if a else None])
    sheet = book.create_sheet("督学工作量")
    sheet.append(["督学", "账号", "现负责学校数", "本区标准（所）", "是否超标", "负责学校"])
    for row in reports.district_load(user, bureaus):
        sheet.append([row["user"].name, row["user"].username, row["schools"], row["limit"],
                      "超过标准" if row["over"] else "", "、".join(row["school_names"])])
    sheet = book.create_sheet("每周自查")
    sheet.append(["学校代码", "学校"] + [f"{w:%m-%d} 周" for w in weeks])
    for row in rows:
        sheet.append([row["school"].code, row["school"].name]
                     + [WEEK_TEXT[c["state"]] for c in row["weeks"]])
    sheet = book.create_sheet("入校督导覆盖")
    sheet.append(["学校代码", "学校", "每月要求（次）"] + [f"{m:%Y-%m}" for m in months])
    for row in rows:
        sheet.append([row["school"].code, row["school"].name, row["required"]] + [
            f"{c['visits']}（{MONTH_TEXT[c['state']]}）" for c in row["months"]])
    sheet = book.create_sheet("超期整改任务")
    sheet.append(["学校", "来源", "问题与整改要求", "整改期限", "超期天数", "退回次数", "生成时间"])
    for task in visible(user, RectificationTask).overdue(today).select_related("school") \
            .order_by("due", "pk"):
        sheet.append([task.school.name, task.get_source_display(), task.description, task.due,
                      (today - task.due).days, task.return_count, _local(task.created_at)])
    out = io.BytesIO()
    book.save(out)
    response = HttpResponse(out.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = (f"attachment; filename*=UTF-8''"
                                       f"school-inspection-{today:%Y%m%d}.xlsx")
    return response


# ---- the inspector's page ---------------------------------------------------------------------

@login_required
def mine(request):
    """My schools (this and last week's self-checks, this month's visits, open tasks) and the
    tasks waiting for my verification."""
    user, today = request.user, timezone.localdate()
    gate(user)
    if not user.scope.has(Role.INSPECTOR):
        raise PermissionDenied("此页面是责任督学的工作台。")
    assignments = list(InspectorAssignment.objects.visible_to(user).current().filter(
        inspector=user).select_related("school__bureau__parent__parent").order_by(
        "school__code"))
    schools = [a.school for a in assignments]
    bureaus = reports.PerBureau()
    grid = reports.self_check_grid(schools, today, 2, bureaus)
    cover = reports.coverage(schools, [today.replace(day=1)], today, bureaus)
    last = reports.last_visits(schools)
    counts = reports.open_task_counts(schools)
    rows = [{"assignment": a, "school": a.school, "weeks": g["cells"], "month": c["months"][0],
             "required": c["required"], "last_visit": last.get(a.school_id),
             "tasks": counts.get(a.school_id, {"open": 0, "submitted": 0})}
            for a, g, c in zip(assignments, grid["rows"], cover, strict=True)]
    tasks = visible(user, RectificationTask).select_related(*ROW)
    to_verify = tasks.to_verify(user).filter(school__in=schools).order_by("submitted_at", "pk")
    overdue = tasks.overdue(today).filter(school__in=schools).order_by("due", "pk")
    limit = bureaus.of(schools[0].bureau)["schools_per_inspector"] if schools else None
    return page(request, "schoolinspection/mine.html", {
        "rows": rows, "weeks": grid["weeks"], "today": today, "limit": limit,
        "to_verify": decorate_tasks(user, to_verify[:100], today),
        "overdue": decorate_tasks(user, overdue[:100], today)})
