"""Random inspections API (/api/v1/inspections/): the inspector roster and conflicts of
interest, draws with their seed and verification, results and publication; and the public
results (/api/v1/public/inspections, no login: 一公开)."""

import datetime as dt
from typing import Annotated

from django.db.models import Prefetch
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from api.pagination import LimitOffsetPagination
from api.schemas import READ_ERRORS, WRITE_ERRORS, errors
from core.access import get_for, require, visible
from core.errors import RuleViolation
from inspections import services
from inspections.models import Draw, Inspection, Inspector, JointOperation
from institutions.models import Institution
from org.models import Bureau, School, User

router = Router(tags=["双随机抽查"])
public_router = Router(tags=["公开查询"])

Id = Annotated[int, Field(ge=1, le=2_147_483_647)]


class InspectorIn(Schema):
    name: str = Field(..., max_length=50)
    department: str = Field("education", description="education 教育 / market 市场监管 / "
                                                     "civil_affairs 民政 / human_resources 人社 / "
                                                     "housing 住建 / fire 消防 / police 公安 / "
                                                     "health 卫健 / other")
    certificate_no: str = Field("", max_length=40, description="执法证号")
    user: Id | None = Field(None, description="本区督学账号（可空：其他部门人员）")
    bureau: Id | None = Field(None, description="省略为本人所在教育局")


class InspectorOut(Schema):
    id: int
    name: str
    department: str
    certificate_no: str
    user: int | None = Field(None, alias="user_id")
    active: bool


class InspectionConflictIn(Schema):
    institution: Id | None = None
    school: Id | None = None
    reason: str = Field(..., max_length=200)


class InspectionConflictOut(Schema):
    id: int
    inspector: int = Field(..., alias="inspector_id")
    target: str = Field(..., alias="target_key")
    reason: str


class DrawIn(Schema):
    title: str = Field(..., max_length=100)
    target_kind: str = Field(..., description="institution 校外培训机构 / school 学校")
    count: int | None = Field(None, ge=1, le=100_000, description="抽取数量；与 percent 二选一")
    percent: int | None = Field(None, ge=1, le=100,
                                description="抽取比例（不低于本区 in.sample_percent，默认 5%）")
    per_target: int | None = Field(None, ge=1, le=10,
                                   description="每组人数（不少于 in.inspectors_per_check，默认 2）")
    min_departments: int = Field(1, ge=1, le=10, description="联合检查：每组至少几个部门")
    check_items: str = Field("", max_length=2000, description="检查事项清单")
    seed: str = Field("", max_length=64, description="随机种子；省略由系统生成（可用公开来源的数字）")
    bureau: Id | None = Field(None, description="省略为本人所在教育局")


class DrawInspectionOut(Schema):
    id: int
    position: int
    target: str = Field(..., alias="target_key")
    target_name: str
    inspectors: list[int]
    status: str = Field(..., description="assigned 待检查 / recorded 已录入 / published 已公示")
    outcome: str = Field(..., description="pass / rectify / penalise / not_found；未录入为空")
    findings: str
    checked_on: dt.date | None
    publish_due: dt.date | None
    published_at: dt.datetime | None
    overdue: bool = Field(..., description="已录入但超过公示期限未公示")

    @staticmethod
    def resolve_target_name(obj):
        return obj.target.name

    @staticmethod
    def resolve_inspectors(obj):
        return sorted(i.pk for i in obj.inspectors.all())

    @staticmethod
    def resolve_overdue(obj):
        return services.is_overdue(obj)


class DrawOut(Schema):
    id: int
    number: int
    bureau: int = Field(..., alias="bureau_id")
    title: str
    target_kind: str
    check_items: str = Field(..., alias="items", description="检查事项清单")
    count: int
    per_target: int
    min_departments: int
    seed: str
    algorithm: str
    inputs_digest: str
    roster_size: int
    created_at: dt.datetime
    inspections: list[DrawInspectionOut]

    @staticmethod
    def resolve_roster_size(obj):
        return len(obj.inputs["targets"])

    @staticmethod
    def resolve_inspections(obj):
        return list(obj.inspections.all())


class DrawVerifyOut(Schema):
    ok: bool = Field(..., description="输入摘要、重算结果和已派检查三者一致")
    digest_ok: bool
    result_ok: bool
    inspections_ok: bool
    algorithm: str
    seed: str
    inputs: dict
    recomputed: list


class InspectionResultIn(Schema):
    outcome: str = Field(..., description="pass 未发现问题 / rectify 责令整改 / penalise 立案查处 / "
                                          "not_found 未找到检查对象")
    findings: str = Field("", max_length=5000)
    checked_on: dt.date | None = None


class PublicInspectionOut(Schema):
    id: int
    bureau: str
    draw_title: str
    target_kind: str
    target_name: str
    outcome: str
    outcome_label: str
    findings: str
    checked_on: dt.date | None
    published_at: dt.datetime

    @staticmethod
    def resolve_bureau(obj):
        return obj.draw.bureau.name

    @staticmethod
    def resolve_draw_title(obj):
        return obj.draw.title

    @staticmethod
    def resolve_target_kind(obj):
        return obj.draw.target_kind

    @staticmethod
    def resolve_target_name(obj):
        return obj.target.name

    @staticmethod
    def resolve_outcome_label(obj):
        return obj.get_outcome_display()


def _bureau(request, bureau_id):
    if bureau_id is None:
        home = request.user.scope.home_bureau_id
        if home is None:
            raise RuleViolation("required", "请指定教育局。", "bureau")
        bureau_id = home
    return get_for(request.user, Bureau, bureau_id)


INSPECTIONS = Inspection.objects.select_related("institution", "school").prefetch_related(
    "inspectors")


def _draws():
    return Draw.objects.prefetch_related(Prefetch("inspections", queryset=INSPECTIONS))


# ---- roster -------------------------------------------------------------------------------------


@router.get("/inspectors", response={200: list[InspectorOut], **READ_ERRORS},
            summary="执法检查人员名录（本区）")
@paginate(LimitOffsetPagination)
def list_inspectors(request, department: str | None = None, active: bool | None = None):
    qs = visible(request.user, Inspector)
    if department:
        qs = qs.filter(department=department)
    if active is not None:
        qs = qs.filter(active=active)
    return qs


@router.post("/inspectors", response={201: InspectorOut, **WRITE_ERRORS},
             summary="人员入库（教育局管理员、监管科）")
def add_inspector(request, payload: InspectorIn):
    require(request.user, "manage", Inspector)
    bureau = _bureau(request, payload.bureau)
    user = None
    if payload.user is not None:
        user = User.objects.filter(pk=payload.user, role_assignments__role="inspector",
                                   role_assignments__bureau=bureau).first()
        if user is None:
            raise RuleViolation("invalid", "该账号不是本区督学。", "user")
    return Status(201, services.add_inspector(
        actor=request.user, bureau=bureau, name=payload.name, department=payload.department,
        certificate_no=payload.certificate_no, user=user))


@router.post("/inspectors/{int:inspector_id}/conflicts",
             response={201: InspectionConflictOut, **WRITE_ERRORS},
             summary="登记利益冲突回避：该人员不会被派往该对象")
def declare_conflict(request, inspector_id: int, payload: InspectionConflictIn):
    inspector = get_for(request.user, Inspector, inspector_id, "manage")
    institution = school = None
    if payload.institution is not None:
        institution = get_for(request.user, Institution, payload.institution)
    if payload.school is not None:
        school = get_for(request.user, School, payload.school)
    return Status(201, services.declare_conflict(
        actor=request.user, inspector=inspector, institution=institution, school=school,
        reason=payload.reason))


# ---- draws --------------------------------------------------------------------------------------


@router.post("/draws", response={201: DrawOut, **WRITE_ERRORS},
             summary="双随机抽取（IN-1）：按比例或数量随机抽取对象，每个对象随机派 2 名以上人员，"
                     "回避利益冲突和上次检查人员；返回种子与结果")
def run_draw(request, payload: DrawIn):
    require(request.user, "run", Draw)
    bureau = _bureau(request, payload.bureau)
    draw = services.run_draw(actor=request.user, bureau=bureau, title=payload.title,
                             target_kind=payload.target_kind, count=payload.count,
                             percent=payload.percent, per_target=payload.per_target,
                             min_departments=payload.min_departments, items=payload.check_items,
                             seed=payload.seed)
    return Status(201, _draws().get(pk=draw.pk))


@router.get("/draws", response={200: list[DrawOut], **READ_ERRORS}, summary="抽查记录")
@paginate(LimitOffsetPagination)
def list_draws(request):
    return visible(request.user, Draw).prefetch_related(
        Prefetch("inspections", queryset=INSPECTIONS))


@router.get("/draws/{int:draw_id}", response={200: DrawOut, **READ_ERRORS}, summary="抽查详情")
def get_draw(request, draw_id: int):
    return get_for(request.user, Draw, draw_id, queryset=_draws())


@router.get("/draws/{int:draw_id}/verify", response={200: DrawVerifyOut, **READ_ERRORS},
            summary="复核：按记录的种子、输入和算法重新计算，结果应与原抽取完全一致")
def verify_draw(request, draw_id: int):
    draw = get_for(request.user, Draw, draw_id)
    check = services.verify_draw(draw)
    return {**check, "algorithm": draw.algorithm, "seed": draw.seed, "inputs": draw.inputs}


# ---- results ------------------------------------------------------------------------------------


@router.get("/inspections", response={200: list[DrawInspectionOut], **READ_ERRORS},
            summary="检查任务；mine=true 只看本人参加的，overdue=true 只看超期未公示的")
@paginate(LimitOffsetPagination)
def list_inspections(request, status: str | None = None, mine: bool = False,
                     overdue: bool = False):
    qs = visible(request.user, Inspection).select_related("institution", "school") \
        .prefetch_related("inspectors")
    if status:
        qs = qs.filter(status=status)
    if mine:
        qs = qs.filter(inspectors__user=request.user)
    if overdue:
        qs = services.overdue(qs)
    return qs.order_by("-draw__created_at", "position")


@router.post("/inspections/{int:inspection_id}/result",
             response={200: DrawInspectionOut, **WRITE_ERRORS},
             summary="录入检查结果（本组督学或监管科）；公示期限按本区 in.publish_days 个工作日计")
def record_result(request, inspection_id: int, payload: InspectionResultIn):
    inspection = get_for(request.user, Inspection, inspection_id, "record", queryset=INSPECTIONS)
    services.record_result(actor=request.user, inspection=inspection, outcome=payload.outcome,
                           findings=payload.findings, checked_on=payload.checked_on)
    return INSPECTIONS.get(pk=inspection.pk)


@router.post("/inspections/{int:inspection_id}/publish",
             response={200: DrawInspectionOut, **WRITE_ERRORS},
             summary="公示检查结果（一公开）；未录入结果 409")
def publish(request, inspection_id: int):
    inspection = get_for(request.user, Inspection, inspection_id, "publish",
                         queryset=INSPECTIONS)
    services.publish(actor=request.user, inspection=inspection)
    return INSPECTIONS.get(pk=inspection.pk)


# ---- joint enforcement operations ---------------------------------------------------------------


class JointOperationIn(Schema):
    title: str = Field(..., max_length=100)
    start: dt.date
    end: dt.date
    departments: list[str] = Field(..., max_length=9, description="至少两个部门（同名录的部门代码）")
    summary: str = Field("", max_length=5000)
    bureau: Id | None = None


class JointVisitIn(Schema):
    institution: Id
    visited_on: dt.date
    outcome: str = Field(..., description="compliant / rectify / card / suspended / closed / "
                                          "referred")
    findings: str = Field("", max_length=5000)
    card_colour: str = Field("", description="outcome=card 时：yellow / red（经机构服务亮牌，TI-13）")


class JointVisitOut(Schema):
    id: int
    institution: int = Field(..., alias="institution_id")
    institution_name: str = Field(..., alias="institution.name")
    visited_on: dt.date
    outcome: str
    findings: str
    card: int | None = Field(None, alias="card_id")


class JointOperationOut(Schema):
    id: int
    title: str
    start: dt.date
    end: dt.date
    departments: list[str]
    summary: str
    visits: list[JointVisitOut]

    @staticmethod
    def resolve_visits(obj):
        return list(obj.visits.all())


class JointCountsOut(Schema):
    operations: int
    visits: int
    compliant: int
    rectify: int
    card: int
    suspended: int
    closed: int
    referred: int


OPERATIONS = JointOperation.objects.prefetch_related("visits__institution")


@router.get("/operations", response={200: list[JointOperationOut], **READ_ERRORS},
            summary="联合执法行动")
@paginate(LimitOffsetPagination)
def list_operations(request, year: int | None = Query(None, ge=2000, le=2100)):
    qs = visible(request.user, JointOperation).prefetch_related("visits__institution")
    if year:
        qs = qs.filter(start__year=year)
    return qs


@router.get("/operations/counts", response={200: JointCountsOut, **READ_ERRORS},
            summary="联合执法统计：行动数、检查机构数和各类处理结果")
def operation_counts(request, year: int | None = Query(None, ge=2000, le=2100)):
    qs = visible(request.user, JointOperation)
    if year:
        qs = qs.filter(start__year=year)
    return services.operation_counts(qs)


@router.post("/operations", response={201: JointOperationOut, **WRITE_ERRORS},
             summary="登记联合执法行动（部门、日期）")
def create_operation(request, payload: JointOperationIn):
    require(request.user, "manage", JointOperation)
    bureau = _bureau(request, payload.bureau)
    operation = services.create_operation(actor=request.user, bureau=bureau, title=payload.title,
                                          start=payload.start, end=payload.end,
                                          departments=payload.departments,
                                          summary=payload.summary)
    return Status(201, OPERATIONS.get(pk=operation.pk))


@router.post("/operations/{int:operation_id}/visits",
             response={201: JointVisitOut, **WRITE_ERRORS},
             summary="录入联合执法检查结果；outcome=card 同时对机构亮牌")
def record_visit(request, operation_id: int, payload: JointVisitIn):
    operation = get_for(request.user, JointOperation, operation_id, "manage")
    institution = get_for(request.user, Institution, payload.institution)
    visit = services.record_visit(actor=request.user, operation=operation,
                                  institution=institution, visited_on=payload.visited_on,
                                  outcome=payload.outcome, findings=payload.findings,
                                  card_colour=payload.card_colour)
    return Status(201, visit)


# ---- public -------------------------------------------------------------------------------------


@public_router.get("/inspections", auth=None,
                   response={200: list[PublicInspectionOut], **errors(422)},
                   summary="公开查询双随机抽查结果（一公开；无需登录）")
@paginate(LimitOffsetPagination)
def public_inspections(request, q: str = "", bureau: str = ""):
    qs = Inspection.objects.published().select_related(
        "draw__bureau", "institution", "school").order_by("-published_at", "-pk")
    if bureau:
        qs = qs.filter(draw__bureau__code=bureau[:20])
    if q:
        q = q[:100]
        qs = qs.filter(institution__name__icontains=q) | qs.filter(school__name__icontains=q)
    return qs

