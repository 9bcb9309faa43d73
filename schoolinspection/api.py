"""School supervision API (/api/v1/school-inspection/): responsible inspectors and their load
(IN-3), weekly self-checks pre-filled with the platform's figures, visits and their coverage per
month (IN-4), rectification tasks and their transitions.

Who: the district's bureau admin (assigns inspectors, reads everything, may verify tasks),
inspectors (read the district; record visits to and verify tasks of the schools they are
responsible for), a school admin (their own school: self-checks, answering tasks). Everybody
else gets 403; objects of another district or school are 404.
"""

import datetime as dt
from typing import Annotated

from django.db.models import Prefetch
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from api.pagination import LimitOffsetPagination
from api.schemas import READ_ERRORS, WRITE_ERRORS
from core.access import get_for, require, visible
from core.errors import Forbidden, RuleViolation
from org.models import School, User
from org.roles import Role
from schoolinspection import checklist, reports, services
from schoolinspection.models import (
    InspectorAssignment,
    RectificationTask,
    SelfCheck,
    SelfCheckItem,
    TaskEvent,
    Visit,
)

router = Router(tags=["责任督学与学校督导"])

Id = Annotated[int, Field(ge=1, le=2_147_483_647)]
STATES = "submitted 已提交 / missing 逾期未交（该周已结束）/ due 本周待提交 / none 无上课日"
MONTH_STATES = "ok 已达标 / missing 未达标（该月已结束）/ due 本月进行中 / none 无上课日（假期）"


def _name(user):
    return (user.name or user.username) if user else ""


# ---- schemas ------------------------------------------------------------------------------------


class SchoolInspectionAssignmentIn(Schema):
    school: Id
    inspector: Id = Field(..., description="本区督学的账号编号")
    since: dt.date | None = Field(None, description="起始日期，省略为今天；不能晚于今天")
    contact_phone: str = Field("", max_length=20, description="公示联系电话，省略为账号手机号")


class SchoolInspectionAssignmentOut(Schema):
    id: int
    school: int = Field(..., alias="school_id")
    school_name: str
    inspector: int = Field(..., alias="inspector_id")
    inspector_name: str
    phone: str = Field(..., description="公示联系电话")
    since: dt.date
    until: dt.date | None = Field(None, description="结束日期（下一任的起始日期）；现任为空")

    @staticmethod
    def resolve_school_name(obj):
        return obj.school.name

    @staticmethod
    def resolve_inspector_name(obj):
        return _name(obj.inspector)


class SchoolInspectionWarningOut(Schema):
    code: str
    message: str


class SchoolInspectionAssignedOut(Schema):
    assignment: SchoolInspectionAssignmentOut
    warnings: list[SchoolInspectionWarningOut] = Field(
        ..., description="IN-3：督学负责的学校数超过本区 in.schools_per_inspector 时提示（不拒绝）")


class SchoolInspectionLoadOut(Schema):
    inspector: int
    inspector_name: str
    phone: str
    schools: int = Field(..., description="现负责的学校数")
    limit: int = Field(..., description="本区每名责任督学负责学校数（in.schools_per_inspector）")
    over: bool = Field(..., description="超过标准（IN-3）")


class SchoolInspectionChecklistItemOut(Schema):
    code: str
    group: str
    label: str
    rules: str
    auto: bool = Field(..., description="由平台数据预填")
    text: str = Field(..., description="平台数据说明")
    suggested: bool | None = Field(..., description="平台数据提示：true 符合 / false 不符合 / "
                                                    "null 需学校人工确认")
    figures: dict
    compliant: bool | None = Field(None, description="已提交时为学校的结论")
    note: str = ""


class SchoolInspectionSelfCheckFormOut(Schema):
    school: int
    school_name: str
    week_start: dt.date
    week_end: dt.date
    checked_through: dt.date = Field(..., description="平台数据截至日期")
    school_days: list[dt.date]
    submitted: bool
    self_check: int | None = Field(None, description="已提交的自查编号")
    items: list[SchoolInspectionChecklistItemOut]


class SchoolInspectionAnswerIn(Schema):
    code: str = Field(..., max_length=20, description="检查项代码：" + "、".join(checklist.CODES))
    compliant: bool = Field(..., description="true 符合 / false 不符合（形成整改任务）")
    note: str = Field("", max_length=500,
                      description="不符合时写明问题；平台数据提示不符合而标为符合时写明理由")


class SchoolInspectionSelfCheckIn(Schema):
    week: dt.date = Field(..., description="该周任一日期（按周一至周日计）；不能是未来的周")
    items: list[SchoolInspectionAnswerIn] = Field(..., max_length=50,
                                                  description="每个检查项一条")


class SchoolInspectionSelfCheckItemOut(Schema):
    code: str
    label: str
    compliant: bool
    suggested: bool | None
    figures_text: str
    note: str
    task: int | None = Field(None, description="不符合项形成的整改任务编号")

    @staticmethod
    def resolve_label(obj):
        item = obj.item
        return item.label if item else obj.code

    @staticmethod
    def resolve_task(obj):
        task = getattr(obj, "task", None)
        return task.pk if task else None


class SchoolInspectionSelfCheckOut(Schema):
    id: int
    school: int = Field(..., alias="school_id")
    school_name: str
    week_start: dt.date
    checked_through: dt.date
    non_compliant: int
    submitted_by: str
    submitted_at: dt.datetime
    items: list[SchoolInspectionSelfCheckItemOut]

    @staticmethod
    def resolve_school_name(obj):
        return obj.school.name

    @staticmethod
    def resolve_submitted_by(obj):
        return _name(obj.submitted_by)

    @staticmethod
    def resolve_items(obj):
        return list(obj.items.all())


class SchoolInspectionWeekStateOut(Schema):
    school: int
    school_name: str
    week_start: dt.date
    state: str = Field(..., description=STATES)


class SchoolInspectionVisitIn(Schema):
    school: Id
    visited_on: dt.date | None = Field(None, description="督导日期，省略为今天")
    items: list[str] = Field(..., max_length=20, description="检查事项代码：" + "、".join(
        code for code, _ in checklist.VISIT_ITEMS))
    summary: str = Field("", max_length=5000, description="督导情况")
    findings: list[Annotated[str, Field(max_length=2000)]] = Field(
        [], max_length=50, description="发现的问题，每条形成一项整改任务")
    due: dt.date | None = Field(None, description="整改期限，省略为 in.rectify_days 个工作日后")


class SchoolInspectionVisitOut(Schema):
    id: int
    school: int = Field(..., alias="school_id")
    school_name: str
    inspector: int = Field(..., alias="inspector_id")
    inspector_name: str
    visited_on: dt.date
    items: list[str]
    item_labels: list[str]
    summary: str
    findings: list[str]
    tasks: list[int]
    created_at: dt.datetime

    @staticmethod
    def resolve_school_name(obj):
        return obj.school.name

    @staticmethod
    def resolve_inspector_name(obj):
        return _name(obj.inspector)

    @staticmethod
    def resolve_tasks(obj):
        return [t.pk for t in obj.tasks.all()]


class SchoolInspectionCoverageCellOut(Schema):
    month: str = Field(..., description="YYYY-MM")
    visits: int
    state: str = Field(..., description=MONTH_STATES)


class SchoolInspectionCoverageOut(Schema):
    school: int
    school_name: str
    required: int = Field(..., description="每月入校督导次数（in.visits_per_month）")
    months: list[SchoolInspectionCoverageCellOut]


class SchoolInspectionTaskIn(Schema):
    school: Id
    description: str = Field(..., max_length=2000, description="问题与整改要求")
    due: dt.date | None = Field(None, description="整改期限，省略为 in.rectify_days 个工作日后")


class SchoolInspectionTaskOut(Schema):
    id: int
    school: int = Field(..., alias="school_id")
    school_name: str
    source: str = Field(..., description="self_check 学校自查 / visit 督学督导 / other 其他")
    self_check: int | None
    visit: int | None = Field(None, alias="visit_id")
    item_code: str
    description: str
    due: dt.date
    status: str = Field(..., description="open 待整改 / submitted 待验收 / accepted 已验收")
    evidence: str
    submitted_at: dt.datetime | None
    return_count: int
    closed_at: dt.datetime | None
    overdue: bool = Field(..., description="待整改且已超过整改期限")
    created_at: dt.datetime

    @staticmethod
    def resolve_school_name(obj):
        return obj.school.name

    @staticmethod
    def resolve_self_check(obj):
        item = obj.self_check_item
        return item.self_check_id if item else None

    @staticmethod
    def resolve_overdue(obj):
        return obj.is_overdue(timezone.localdate())


class SchoolInspectionTaskEventOut(Schema):
    action: str = Field(..., description="created / submitted / accepted / returned")
    from_status: str
    to_status: str
    text: str
    actor: str
    at: dt.datetime

    @staticmethod
    def resolve_actor(obj):
        return _name(obj.actor)


class SchoolInspectionTaskDetailOut(SchoolInspectionTaskOut):
    events: list[SchoolInspectionTaskEventOut]

    @staticmethod
    def resolve_events(obj):
        return list(obj.events.all())


class SchoolInspectionEvidenceIn(Schema):
    evidence: str = Field(..., max_length=5000, description="整改措施和结果")


class SchoolInspectionAcceptIn(Schema):
    note: str = Field("", max_length=2000, description="验收意见")


class SchoolInspectionReturnIn(Schema):
    reason: str = Field(..., max_length=2000, description="退回理由")
    due: dt.date | None = Field(None, description="新的整改期限（可空：不变）")


# ---- helpers ------------------------------------------------------------------------------------

ASSIGNMENTS = InspectorAssignment.objects.select_related("school", "inspector")
SELF_CHECKS = SelfCheck.objects.select_related("school", "submitted_by").prefetch_related(
    Prefetch("items", queryset=SelfCheckItem.objects.select_related("task").order_by("position")))
VISITS = Visit.objects.select_related("school", "inspector").prefetch_related("tasks")
TASKS = RectificationTask.objects.select_related("school", "self_check_item")
TASK_DETAIL = TASKS.select_related("school__bureau__parent__parent").prefetch_related(
    Prefetch("events", queryset=TaskEvent.objects.select_related("actor")))


def _school(request, school_id):
    require(request.user, "view", SelfCheck)  # wrong role: 403 before any lookup
    return get_for(request.user, School, school_id,
                   queryset=School.objects.select_related("bureau__parent__parent"))


def _district_only(user):
    """Pages of the district (load, coverage): bureau admins and inspectors."""
    if not user.scope.has(Role.BUREAU_ADMIN, Role.INSPECTOR):
        raise Forbidden("只有教育局管理员和督学可以查看。")


def _week(value, today):
    """The Monday of a week a form may be read for: not in the future, within a year."""
    monday = checklist.week_start_of(value)
    if monday > checklist.week_start_of(today):
        raise RuleViolation("IN-4", "不能填写未来周的自查。", "week")
    if (today - monday).days > 366:
        raise RuleViolation("invalid", "只能查看一年之内的自查。", "week")
    return monday


def _form_items(rows, check):
    answers = {i.code: i for i in check.items.all()} if check else {}
    return [{**row, "compliant": answers[row["code"]].compliant if row["code"] in answers else None,
             "note": answers[row["code"]].note if row["code"] in answers else ""}
            for row in rows]


# ---- responsible inspectors (IN-3) --------------------------------------------------------------


@router.get("/assignments", response={200: list[SchoolInspectionAssignmentOut], **READ_ERRORS},
            summary="责任督学（IN-3）；current=false 含历任")
@paginate(LimitOffsetPagination)
def list_inspector_assignments(request, school: int | None = None, current: bool = True):
    qs = visible(request.user, InspectorAssignment).select_related("school", "inspector")
    if school is not None:
        qs = qs.filter(school_id=school)
    if current:
        qs = qs.current()
    return qs.order_by("school__code", "-since", "-pk")


@router.post("/assignments", response={201: SchoolInspectionAssignedOut, **WRITE_ERRORS},
             summary="指定学校的责任督学（教育局管理员）；原责任督学自起始日期卸任，历史保留")
def assign_responsible_inspector(request, payload: SchoolInspectionAssignmentIn):
    require(request.user, "manage", InspectorAssignment)
    school = get_for(request.user, School, payload.school,
                     queryset=School.objects.select_related("bureau__parent__parent"))
    inspector = User.objects.filter(pk=payload.inspector, is_active=True,
                                    role_assignments__role=Role.INSPECTOR).first()
    if inspector is None:
        raise RuleViolation("invalid", "该账号不是本区督学。", "inspector")
    assignment, warnings = services.assign_inspector(
        actor=request.user, school=school, inspector=inspector, since=payload.since,
        contact_phone=payload.contact_phone)
    return Status(201, {"assignment": ASSIGNMENTS.get(pk=assignment.pk), "warnings": warnings})


@router.get("/load", response={200: list[SchoolInspectionLoadOut], **READ_ERRORS},
            summary="每名督学现负责的学校数与 IN-3 标准（教育局管理员、督学）")
def inspector_load(request):
    user = request.user
    require(user, "view", InspectorAssignment)
    _district_only(user)
    return [{"inspector": row["user"].pk, "inspector_name": _name(row["user"]),
             "phone": row["user"].phone, "schools": row["schools"], "limit": row["limit"],
             "over": row["over"]} for row in reports.district_load(user)]


# ---- weekly self-checks (IN-4) ------------------------------------------------------------------


@router.get("/schools/{int:school_id}/self-check",
            response={200: SchoolInspectionSelfCheckFormOut, **READ_ERRORS},
            summary="某周自查表：按平台数据预填（作业超限、未公示、周审核、课后服务、考试备案），"
                    "已提交时附学校的结论")
def get_self_check_form(request, school_id: int, week: dt.date | None = None):
    school = _school(request, school_id)
    today = timezone.localdate()
    monday = _week(week or today, today)
    week_obj, rows = services.self_check_form(school, monday, today)
    check = SELF_CHECKS.filter(school=school, week_start=monday).first()
    return {"school": school.pk, "school_name": school.name, "week_start": week_obj.start,
            "week_end": week_obj.end, "checked_through": week_obj.through,
            "school_days": week_obj.school_days, "submitted": check is not None,
            "self_check": check.pk if check else None, "items": _form_items(rows, check)}


@router.post("/schools/{int:school_id}/self-check",
             response={201: SchoolInspectionSelfCheckOut, **WRITE_ERRORS},
             summary="提交每周自查（学校管理员，每周一次；未来的周 422 IN-4；重复提交 409）；"
                     "不符合项自动形成整改任务")
def submit_self_check(request, school_id: int, payload: SchoolInspectionSelfCheckIn):
    school = _school(request, school_id)
    check = services.submit_self_check(actor=request.user, school=school, week=payload.week,
                                       answers=[a.dict() for a in payload.items])
    return Status(201, SELF_CHECKS.get(pk=check.pk))


@router.get("/self-checks", response={200: list[SchoolInspectionSelfCheckOut], **READ_ERRORS},
            summary="已提交的每周自查")
@paginate(LimitOffsetPagination)
def list_self_checks(request, school: int | None = None, week: dt.date | None = None):
    qs = visible(request.user, SelfCheck).select_related("school", "submitted_by") \
        .prefetch_related(Prefetch("items", queryset=SelfCheckItem.objects.select_related(
            "task").order_by("position")))
    if school is not None:
        qs = qs.filter(school_id=school)
    if week is not None:
        qs = qs.filter(week_start=checklist.week_start_of(week))
    return qs.order_by("-week_start", "school__code")


@router.get("/self-checks/status", response={200: list[SchoolInspectionWeekStateOut],
                                             **READ_ERRORS},
            summary="各校最近几周的自查提交情况；missing 为逾期未交")
@paginate(LimitOffsetPagination)
def self_check_status(request, weeks: int = Query(4, ge=1, le=26), missing: bool = False):
    user = request.user
    require(user, "view", SelfCheck)
    grid = reports.self_check_grid(list(reports.schools_for(user)), timezone.localdate(), weeks)
    rows = [{"school": row["school"].pk, "school_name": row["school"].name,
             "week_start": cell["week"], "state": cell["state"]}
            for row in grid["rows"] for cell in row["cells"]]
    return [r for r in rows if r["state"] == "missing"] if missing else rows


@router.get("/self-checks/{int:self_check_id}",
            response={200: SchoolInspectionSelfCheckOut, **READ_ERRORS}, summary="一次自查")
def get_self_check(request, self_check_id: int):
    require(request.user, "view", SelfCheck)
    return get_for(request.user, SelfCheck, self_check_id, queryset=SELF_CHECKS)


# ---- visits (IN-4) --------------------------------------------------------------------------------


@router.get("/visits", response={200: list[SchoolInspectionVisitOut], **READ_ERRORS},
            summary="入校督导记录；month=YYYY-MM 筛选月份")
@paginate(LimitOffsetPagination)
def list_school_visits(request, school: int | None = None,
                       month: str = Query("", pattern=r"^(\d{4}-(0[1-9]|1[0-2]))?$")):
    qs = visible(request.user, Visit).select_related("school", "inspector").prefetch_related(
        "tasks")
    if school is not None:
        qs = qs.filter(school_id=school)
    if month:
        first, last = reports.month_bounds(dt.date.fromisoformat(f"{month}-01"))
        qs = qs.filter(visited_on__range=(first, last))
    return qs.order_by("-visited_on", "-pk")


@router.post("/visits", response={201: SchoolInspectionVisitOut, **WRITE_ERRORS},
             summary="录入入校督导（该校责任督学）；每条发现的问题形成一项整改任务")
def record_school_visit(request, payload: SchoolInspectionVisitIn):
    require(request.user, "record", Visit)
    school = get_for(request.user, School, payload.school,
                     queryset=School.objects.select_related("bureau__parent__parent"))
    visit = services.record_visit(actor=request.user, school=school,
                                  visited_on=payload.visited_on, items=payload.items,
                                  summary=payload.summary, findings=payload.findings,
                                  due=payload.due)
    return Status(201, VISITS.get(pk=visit.pk))


@router.get("/visits/{int:visit_id}", response={200: SchoolInspectionVisitOut, **READ_ERRORS},
            summary="一次入校督导")
def get_school_visit(request, visit_id: int):
    require(request.user, "view", Visit)
    return get_for(request.user, Visit, visit_id, queryset=VISITS)


@router.get("/coverage", response={200: list[SchoolInspectionCoverageOut], **READ_ERRORS},
            summary="入校督导覆盖：每校每月督导次数对照 in.visits_per_month（IN-4）")
@paginate(LimitOffsetPagination)
def visit_coverage(request, months: int = Query(6, ge=1, le=24)):
    user = request.user
    require(user, "view", Visit)
    _district_only(user)
    today = timezone.localdate()
    rows = reports.coverage(list(reports.schools_for(user)), reports.recent_months(today, months),
                            today)
    return [{"school": r["school"].pk, "school_name": r["school"].name, "required": r["required"],
             "months": [{"month": c["month"].strftime("%Y-%m"), "visits": c["visits"],
                         "state": c["state"]} for c in r["months"]]} for r in rows]


# ---- rectification tasks --------------------------------------------------------------------------


@router.get("/tasks", response={200: list[SchoolInspectionTaskOut], **READ_ERRORS},
            summary="整改任务；overdue=true 只看超期未整改的，to_verify=true 只看待我验收的")
@paginate(LimitOffsetPagination)
def list_rectification_tasks(request, status: str | None = None, school: int | None = None,
                             source: str | None = None, overdue: bool = False,
                             to_verify: bool = False):
    user = request.user
    qs = visible(user, RectificationTask).select_related("school", "self_check_item")
    if status:
        qs = qs.filter(status=status)
    if school is not None:
        qs = qs.filter(school_id=school)
    if source:
        qs = qs.filter(source=source)
    if overdue:
        qs = qs.overdue(timezone.localdate())
    if to_verify:
        qs = qs.to_verify(user)
    return qs.order_by("due", "pk")


@router.post("/tasks", response={201: SchoolInspectionTaskDetailOut, **WRITE_ERRORS},
             summary="登记其他来源的整改任务（教育局管理员或该校责任督学）")
def create_rectification_task(request, payload: SchoolInspectionTaskIn):
    require(request.user, "create", RectificationTask)
    school = get_for(request.user, School, payload.school,
                     queryset=School.objects.select_related("bureau__parent__parent"))
    task = services.create_task(actor=request.user, school=school,
                                description=payload.description, due=payload.due)
    return Status(201, TASK_DETAIL.get(pk=task.pk))


@router.get("/tasks/{int:task_id}", response={200: SchoolInspectionTaskDetailOut, **READ_ERRORS},
            summary="一项整改任务及其处理记录")
def get_rectification_task(request, task_id: int):
    require(request.user, "view", RectificationTask)
    return get_for(request.user, RectificationTask, task_id, queryset=TASK_DETAIL)


@router.post("/tasks/{int:task_id}/submit",
             response={200: SchoolInspectionTaskDetailOut, **WRITE_ERRORS},
             summary="学校提交整改情况（待整改 → 待验收；其他状态 409 invalid_transition）")
def submit_rectification(request, task_id: int, payload: SchoolInspectionEvidenceIn):
    require(request.user, "view", RectificationTask)
    task = get_for(request.user, RectificationTask, task_id, "submit", queryset=TASK_DETAIL)
    services.submit_rectification(actor=request.user, task=task, evidence=payload.evidence)
    return TASK_DETAIL.get(pk=task.pk)


@router.post("/tasks/{int:task_id}/accept",
             response={200: SchoolInspectionTaskDetailOut, **WRITE_ERRORS},
             summary="验收通过（该校责任督学或教育局管理员；待验收 → 已验收）")
def accept_rectification(request, task_id: int, payload: SchoolInspectionAcceptIn):
    require(request.user, "view", RectificationTask)
    task = get_for(request.user, RectificationTask, task_id, "verify", queryset=TASK_DETAIL)
    services.accept_rectification(actor=request.user, task=task, note=payload.note)
    return TASK_DETAIL.get(pk=task.pk)


@router.post("/tasks/{int:task_id}/return",
             response={200: SchoolInspectionTaskDetailOut, **WRITE_ERRORS},
             summary="退回重新整改（待验收 → 待整改，须写明理由；可给新的期限）")
def return_rectification(request, task_id: int, payload: SchoolInspectionReturnIn):
    require(request.user, "view", RectificationTask)
    task = get_for(request.user, RectificationTask, task_id, "verify", queryset=TASK_DETAIL)
    services.return_rectification(actor=request.user, task=task, reason=payload.reason,
                                  due=payload.due)
    return TASK_DETAIL.get(pk=task.pk)
