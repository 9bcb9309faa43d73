"""Random-inspection pages (双随机一公开, IN-1) of the bureau, the supervision section and
inspectors: the draws and a new draw, one draw's record with its verification (复核) and export,
one inspection with its result and publication, and the inspector roster with declared conflicts.

Each view: gate (core.access) → form → one service of ``inspections.services`` → redirect. A
refusal shows on its form, or as a message for one-button forms, with its rule id.

Who does what (``inspections.models``): the bureau admin and the supervision section run draws,
keep the roster and publish; an inspector reads the district's draws and records the results of
the inspections they are on (the section records for any team: joint teams include people
without logins). Other roles get 403; another district's objects are 404.
"""

import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Case, Count, Prefetch, Q, When
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST
from openpyxl import Workbook

from core.access import can, get_for, require, visible
from core.errors import Conflict, RuleViolation, add_to_form
from core.paging import paginate
from inspections import draw as algorithm
from inspections import services
from inspections.forms import ConflictForm, DrawForm, InspectorForm, ResultForm
from inspections.models import RUNS, Draw, Inspection, Inspector
from inspections.models import Conflict as Recusal
from institutions.models import Institution
from org.models import Bureau, School, User
from org.roles import Role
from policy.services import Policy

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Status, Outcome = Inspection.Status, Inspection.Outcome
TEAM = Prefetch("inspectors", queryset=Inspector.objects.order_by("department", "name", "pk"))
INSPECTIONS = Inspection.objects.select_related(
    "draw__bureau__parent__parent", "institution", "school").prefetch_related(TEAM)


def _inspections(user):
    """The inspections the user may read, with what their tables show."""
    return visible(user, Inspection).select_related(
        "draw__bureau", "institution", "school").prefetch_related(TEAM)


def _rule_text(error):
    """A refusal as one line, with its rule id when it names a rule (…（IN-1））."""
    if "-" in error.rule and error.rule not in error.message:
        return f"{error.message}（{error.rule}）"
    return error.message


def _gate(user):
    """The pages belong to the bureau admin, the supervision section and inspectors: anybody
    else is refused before any object is looked up (403, not 404)."""
    require(user, "view", Draw)


def _run_bureaus(user):
    """The bureaus where the user may run draws and keep the roster (their own and below)."""
    return visible(user, Bureau).filter(pk__in=user.scope.bureau_ids_for(*RUNS)).order_by("code")


def _home_rules(user):
    """The IN-1 parameters of the user's own bureau, for the hint next to the draw form."""
    bureau_id = user.scope.home_bureau_id
    bureau = visible(user, Bureau).select_related("parent__parent").filter(pk=bureau_id).first()
    if bureau is None:
        return None
    policy = Policy(bureau)
    return {key.split(".")[1]: policy[key] for key in (
        "in.sample_percent", "in.inspectors_per_check", "in.publish_days")}


def _team_text(inspection):
    return "、".join(f"{i.name}（{i.get_department_display()}）" for i in inspection.inspectors.all())


def _rows(inspections, today):
    """Inspections with their overdue state (一公开) for a table."""
    return [{"inspection": i, "overdue": services.is_overdue(i, today),
             "days_late": services.days_late(i, today)} for i in inspections]


def _nav(user, **extra):
    return {"can_run": can(user, "run", Draw), **extra}


# ---- the draws -----------------------------------------------------------------------------------

OUTCOME_SLICES = [("assigned", "待检查")] + list(Outcome.choices)


def _outcome_chart(inspections):
    """Inspections per outcome (and not yet checked), for the pie on the index."""
    counts = {row["outcome"] or "assigned": row["n"] for row in inspections.values("outcome")
              .annotate(n=Count("pk")).order_by()}
    return {"x": [text for _, text in OUTCOME_SLICES],
            "series": [{"name": "检查数", "data": [counts.get(k, 0) for k, _ in OUTCOME_SLICES]}]}


def _index_page(request, form):
    user, today = request.user, timezone.localdate()
    draws = visible(user, Draw).select_related("bureau").annotate(
        checks=Count("inspections"),
        recorded=Count("inspections", filter=Q(inspections__status__in=[Status.RECORDED,
                                                                         Status.PUBLISHED])),
        published=Count("inspections", filter=Q(inspections__status=Status.PUBLISHED)),
        late=Count("inspections", filter=Q(inspections__status=Status.RECORDED,
                                           inspections__publish_due__lt=today)),
    ).order_by("-created_at", "-pk")
    page = paginate(request, draws, per_page=20)
    for d in page:
        d.roster_size = len(d.inputs.get("targets", []))
    inspections = visible(user, Inspection)
    # 我的检查任务: to check first, then to publish, then published; newest draws first.
    mine = _rows(_inspections(user).filter(inspectors__user=user).annotate(
        stage=Case(When(status=Status.ASSIGNED, then=0), When(status=Status.RECORDED, then=1),
                   default=2)).order_by("stage", "-draw__created_at", "position")[:100], today)
    return render(request, "inspections/index.html", _nav(
        user, form=form, page=page, mine=mine, rules=_home_rules(user) if form else None,
        show_mine=bool(mine) or user.scope.has(Role.INSPECTOR),
        overdue=services.overdue(inspections, today).count(),
        chart=_outcome_chart(inspections), multi_bureau=len({d.bureau_id for d in page}) > 1))


@login_required
def index(request):
    user = request.user
    _gate(user)
    form = None
    if can(user, "run", Draw):
        form = DrawForm(request.POST or None, bureaus=_run_bureaus(user),
                        home_id=user.scope.home_bureau_id)
    if request.method == "POST":
        if form is None:
            raise PermissionDenied("只有教育局管理员和监管科可以组织抽查。")
        if form.is_valid():
            try:
                draw = services.run_draw(actor=user, **form.service_data())
            except RuleViolation as e:
                add_to_form(form, e)
            else:
                messages.success(request, f"已完成第 {draw.number} 号抽查：抽取 {draw.count} 个对象"
                                          f"（随机种子 {draw.seed}）。")
                return redirect("inspections:draw", draw.pk)
    return _index_page(request, form)


# ---- one draw ------------------------------------------------------------------------------------

def _draw(request, pk):
    _gate(request.user)
    return get_for(request.user, Draw, pk, queryset=Draw.objects.select_related("bureau",
                                                                                "created_by"))


def _draw_inspections(user, draw):
    return _inspections(user).filter(draw=draw).order_by("position")


def canonical_inputs(draw):
    """The draw's inputs as the exact bytes whose SHA-256 is ``inputs_digest`` (draw.digest)."""
    return algorithm.canonical(draw.inputs).encode("utf-8")


@login_required
def draw_detail(request, pk):
    draw = _draw(request, pk)
    today = timezone.localdate()
    rows = _rows(_draw_inspections(request.user, draw), today)
    for row in rows:
        row["key"] = algorithm.key(draw.seed, row["inspection"].target_key)
    inputs = draw.inputs
    example = rows[0]["inspection"].target_key if rows else None
    return render(request, "inspections/draw.html", _nav(
        request.user, draw=draw, rows=rows, today=today,
        items=[line.strip() for line in draw.items.splitlines() if line.strip()],
        roster_size=len(inputs.get("targets", [])), inspector_count=len(inputs.get("inspectors", [])),
        exclusion_count=len(inputs.get("exclusions", [])),
        previous_count=len(inputs.get("previous", [])),
        example=example, example_text=f"{draw.seed}:{example}" if example else None,
        example_key=algorithm.key(draw.seed, example) if example else None))


@login_required
@require_POST
def draw_verify(request, pk):
    """复核: re-run the stored draw from its record and compare (anyone who may read it)."""
    draw = _draw(request, pk)
    check = services.verify_draw(draw)
    if request.htmx:
        return render(request, "inspections/draw.html#verified", {"draw": draw, "check": check})
    if check["ok"]:
        messages.success(request, f"复核一致：第 {draw.number} 号抽查用记录的种子、输入和算法重新计算，"
                                  "结果与记录和已派检查完全相同。")
    else:
        messages.error(request, f"复核不一致：第 {draw.number} 号抽查重新计算的结果与记录不同，"
                                "请联系管理员。")
    return redirect("inspections:draw", draw.pk)


@login_required
def draw_inputs(request, pk):
    """The inputs file: ``sha256sum`` of it is the draw's inputs digest."""
    draw = _draw(request, pk)
    response = HttpResponse(canonical_inputs(draw), content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = (f"attachment; filename*=UTF-8''"
                                       f"draw-{draw.bureau.code}-{draw.number}-inputs.json")
    return response


def _local(value):
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


@login_required
def draw_export(request, pk):
    draw = _draw(request, pk)
    today = timezone.localdate()
    book = Workbook(write_only=True)
    sheet = book.create_sheet("抽查结果")
    sheet.append(["顺序", "检查对象类型", "检查对象", "对象编号", "排序键 sha256(种子:对象编号)",
                  "执法检查人员（部门）", "状态", "检查结果", "发现的问题与处理", "检查日期", "公示期限",
                  "公示时间", "超期天数"])
    for row in _rows(_draw_inspections(request.user, draw), today):
        i = row["inspection"]
        sheet.append([i.position, draw.get_target_kind_display(), i.target.name, i.target_key,
                      algorithm.key(draw.seed, i.target_key), _team_text(i), i.get_status_display(),
                      i.get_outcome_display(), i.findings, i.checked_on, i.publish_due,
                      _local(i.published_at), row["days_late"] or None])
    record = book.create_sheet("抽查记录")
    for label, value in (
            ("编号", draw.number), ("抽查任务", draw.title), ("教育局", draw.bureau.name),
            ("检查对象", draw.get_target_kind_display()), ("抽取数量", draw.count),
            ("名录对象数", len(draw.inputs.get("targets", []))),
            ("每个对象检查人员数", draw.per_target), ("联合检查部门数", draw.min_departments),
            ("检查事项", draw.items), ("随机种子", draw.seed), ("算法版本", draw.algorithm),
            ("输入摘要 SHA-256", draw.inputs_digest), ("抽取时间", _local(draw.created_at)),
            ("导出日期", today)):
        record.append([label, value])
    out = io.BytesIO()
    book.save(out)
    response = HttpResponse(out.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = (f"attachment; filename*=UTF-8''"
                                       f"inspection-draw-{draw.bureau.code}-{draw.number}.xlsx")
    return response


# ---- one inspection ------------------------------------------------------------------------------

def _events(inspection):
    """The inspection's history with its states and outcomes in Chinese."""
    status, outcome = dict(Status.choices), dict(Outcome.choices)
    events = list(inspection.events.select_related("actor").order_by("pk"))
    for e in events:
        e.from_label = status.get(e.from_status, e.from_status)
        e.to_label = status.get(e.to_status, e.to_status)
        e.note_label = outcome.get(e.note, e.note)  # record_result notes the outcome
    return events


def _inspection_page(request, inspection, form=None):
    user, today = request.user, timezone.localdate()
    open_for_result = inspection.status != Status.PUBLISHED
    can_record = open_for_result and can(user, "record", inspection)
    if can_record and form is None:
        form = ResultForm(initial={"outcome": inspection.outcome or None,
                                   "findings": inspection.findings,
                                   "checked_on": inspection.checked_on or today})
    return render(request, "inspections/inspection.html", _nav(
        user, inspection=inspection, draw=inspection.draw, today=today,
        overdue=services.is_overdue(inspection, today),
        days_late=services.days_late(inspection, today),
        events=_events(inspection),
        form=form if can_record else None,
        can_publish=inspection.status == Status.RECORDED and can(user, "publish", inspection),
        on_team=any(i.user_id == user.pk for i in inspection.inspectors.all())))


@login_required
def inspection_detail(request, pk):
    """One inspection; a POST records (or corrects) the team's result."""
    _gate(request.user)
    action = "record" if request.method == "POST" else "view"
    inspection = get_for(request.user, Inspection, pk, action, queryset=INSPECTIONS)
    form = None
    if request.method == "POST":
        form = ResultForm(request.POST)
        if form.is_valid():
            try:
                inspection = services.record_result(actor=request.user, inspection=inspection,
                                                    **form.cleaned_data)
            except Conflict as e:  # published meanwhile: nothing to show the form on
                messages.error(request, f"未能保存：{_rule_text(e)}")
                return redirect("inspections:inspection", inspection.pk)
            except RuleViolation as e:
                add_to_form(form, e)
            else:
                due = inspection.publish_due
                messages.success(request, f"已录入检查结果：{inspection.get_outcome_display()}。请在 "
                                          f"{due.year}年{due.month}月{due.day}日前公示（一公开）。")
                return redirect("inspections:inspection", inspection.pk)
    return _inspection_page(request, inspection, form)


@login_required
@require_POST
def inspection_publish(request, pk):
    _gate(request.user)
    inspection = get_for(request.user, Inspection, pk, "publish", queryset=INSPECTIONS)
    try:
        services.publish(actor=request.user, inspection=inspection)
    except RuleViolation as e:
        messages.error(request, f"未能公示：{_rule_text(e)}")
    else:
        messages.success(request, f"已公示“{inspection.target.name}”的检查结果，公众可在公开查询页看到。")
    return redirect("inspections:inspection", inspection.pk)


# ---- the roster and conflicts of interest -----------------------------------------------------

def _logins(user):
    """District inspector logins not yet on the roster of the bureaus the user keeps."""
    bureaus = user.scope.bureau_ids_for(*RUNS)
    return (User.objects.filter(is_active=True, role_assignments__role=Role.INSPECTOR,
                                role_assignments__bureau_id__in=bureaus)
            .exclude(inspector_entries__bureau_id__in=bureaus).distinct().order_by("username"))


def _inspector_form(request, data=None):
    user = request.user
    return InspectorForm(data, bureaus=_run_bureaus(user), home_id=user.scope.home_bureau_id,
                         logins=_logins(user))


def _conflict_form(request, data=None):
    user = request.user
    bureaus = user.scope.bureau_ids_for(*RUNS)
    return ConflictForm(
        data,
        inspectors=visible(user, Inspector).filter(bureau_id__in=bureaus, active=True)
        .order_by("name", "pk"),
        institutions=visible(user, Institution).filter(bureau_id__in=bureaus).exclude(
            status__in=[Institution.Status.APPLYING, Institution.Status.REJECTED,
                        Institution.Status.CLOSED]).order_by("name", "pk"),
        schools=visible(user, School).filter(bureau_id__in=bureaus).order_by("name", "pk"))


def _roster_page(request, inspector_form=None, conflict_form=None):
    user = request.user
    can_manage = can(user, "manage", Inspector)
    inspectors = visible(user, Inspector).select_related("bureau", "user").annotate(
        checks=Count("inspections", distinct=True),
        conflict_count=Count("conflicts", distinct=True)).order_by("-active", "department",
                                                                   "name", "pk")
    page = paginate(request, inspectors)
    departments = (visible(user, Inspector).filter(active=True).values("department")
                   .annotate(n=Count("pk")).order_by("department"))
    labels = dict(Inspector._meta.get_field("department").choices)
    conflicts = visible(user, Recusal).select_related("inspector", "institution", "school") \
        .order_by("-declared_at", "-pk")
    if not can_manage:  # an inspector sees only their own declarations
        conflicts = conflicts.filter(inspector__user=user)
    return render(request, "inspections/roster.html", _nav(
        user, page=page, can_manage=can_manage, conflicts=conflicts[:200],
        departments=[{"label": labels.get(d["department"], d["department"]), "n": d["n"]}
                     for d in departments],
        multi_bureau=len(user.scope.bureau_ids_for(*RUNS, Role.INSPECTOR)) > 1,
        inspector_form=(inspector_form or _inspector_form(request)) if can_manage else None,
        conflict_form=(conflict_form or _conflict_form(request)) if can_manage else None))


@login_required
def roster(request):
    """The inspector roster; a POST adds one person."""
    user = request.user
    _gate(user)
    require(user, "view", Inspector)
    form = None
    if request.method == "POST":
        require(user, "manage", Inspector)
        form = _inspector_form(request, request.POST)
        if form.is_valid():
            try:
                inspector = services.add_inspector(actor=user, **form.service_data())
            except RuleViolation as e:
                add_to_form(form, e)
            else:
                messages.success(request, f"已将 {inspector} 加入执法检查人员名录。")
                return redirect(reverse("inspections:roster") + f"#inspector-{inspector.pk}")
    return _roster_page(request, inspector_form=form)


@login_required
@require_POST
def inspector_active(request, pk):
    """Take a person off the roster (no longer drawn) or back on it."""
    _gate(request.user)
    inspector = get_for(request.user, Inspector, pk, "manage")
    active = request.POST.get("active") == "1"
    services.set_inspector_active(actor=request.user, inspector=inspector, active=active)
    messages.success(request, f"{inspector} 已{'恢复在册' if active else '停用，今后不再被抽取'}。")
    return redirect(reverse("inspections:roster") + f"#inspector-{inspector.pk}")


@login_required
@require_POST
def conflict_add(request):
    """Declare a conflict of interest (回避): the person is never sent to that target."""
    user = request.user
    _gate(user)
    require(user, "manage", Inspector)
    form = _conflict_form(request, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        inspector = get_for(user, Inspector, data["inspector"].pk, "manage")
        try:
            services.declare_conflict(actor=user, inspector=inspector,
                                      institution=data["institution"], school=data["school"],
                                      reason=data["reason"])
        except RuleViolation as e:
            add_to_form(form, e)
        else:
            target = data["institution"] or data["school"]
            messages.success(request, f"已登记：{inspector.name} 回避“{target.name}”。")
            return redirect(reverse("inspections:roster") + "#conflicts")
    return _roster_page(request, conflict_form=form)


urlpatterns = [
    path("", index, name="index"),
    path("draws/<int:pk>/", draw_detail, name="draw"),
    path("draws/<int:pk>/verify/", draw_verify, name="draw-verify"),
    path("draws/<int:pk>/export/", draw_export, name="draw-export"),
    path("draws/<int:pk>/inputs/", draw_inputs, name="draw-inputs"),
    path("checks/<int:pk>/", inspection_detail, name="inspection"),
    path("checks/<int:pk>/publish/", inspection_publish, name="publish"),
    path("roster/", roster, name="roster"),
    path("roster/<int:pk>/active/", inspector_active, name="inspector-active"),
    path("roster/conflicts/", conflict_add, name="conflict-add"),
]
