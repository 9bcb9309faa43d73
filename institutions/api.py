"""API for training institutions: the public lookup, the registry and its ledger, applications,
staff, courses, sessions, guide prices, cards and lists, the risk view."""

import datetime as dt
from typing import Annotated

from django.db.models import Q
from django.http import Http404
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from api.pagination import LimitOffsetPagination
from api.schemas import READ_ERRORS, WRITE_ERRORS, errors
from core.access import get_for, require, visible
from core.errors import RuleViolation
from institutions import services
from institutions.models import (
    Card,
    GuidePrice,
    Institution,
    InstitutionVersion,
    ListEntry,
    Staff,
    TeacherMatch,
    TrainingCourse,
    TrainingSession,
)
from org.models import Bureau
from org.roles import Role
from schoolcal.api import home_bureau

router = Router(tags=["校外培训机构"])
public_router = Router(tags=["公开查询"])

Id = Annotated[int, Field(ge=1, le=2_147_483_647)]
Fen = Annotated[int, Field(ge=0, le=100_000_000)]


class InstitutionIn(Schema):
    name: str
    credit_code: str = Field("", description="统一社会信用代码（GB 32100 校验）；检查发现的无照机构可空")
    subject_type: bool = Field(False, description="学科类（TI-5）")
    category: str = Field("", description="非学科类类别：sport / art / science / practice / other")
    mode: str = Field("offline", description="offline 线下 / online 线上")
    for_profit: bool = False
    serves_preschool: bool = False
    serves_compulsory: bool = True
    serves_senior_high: bool = False
    school_permit_no: str = ""
    permit_valid_until: dt.date | None = None
    business_licence_no: str = ""
    licence_valid_until: dt.date | None = None
    legal_representative: str = ""
    phone: str = ""
    address: str = ""
    found: bool = Field(False, description="监管、执法人员登记检查发现的机构（无需机构配合）")
    bureau: Id | None = Field(None, description="审批教育局；省略为本人所在教育局")


class InstitutionPatch(Schema):
    name: str | None = None
    credit_code: str | None = None
    category: str | None = None
    mode: str | None = None
    for_profit: bool | None = None
    licence_status: str | None = None
    school_permit_no: str | None = None
    permit_valid_until: dt.date | None = None
    business_licence_no: str | None = None
    licence_valid_until: dt.date | None = None
    legal_representative: str | None = None
    phone: str | None = None
    address: str | None = None
    reason: str = Field("", description="变更原因（监管部门变更时必填，记入动态管理台账）")


class InstitutionOut(Schema):
    id: int
    bureau: int = Field(..., alias="bureau_id")
    name: str
    credit_code: str
    subject_type: bool
    category: str
    mode: str
    for_profit: bool
    serves_preschool: bool
    serves_compulsory: bool
    serves_senior_high: bool
    licence_status: str = Field(..., description="permit_and_licence 有证有照 / licence_only 有照无证 "
                                                 "/ neither 无照无证（TI-12）")
    status: str = Field(..., description="applying / approved / rejected / found / suspended / closed")
    school_permit_no: str
    permit_valid_until: dt.date | None
    business_licence_no: str
    licence_valid_until: dt.date | None
    legal_representative: str
    phone: str = Field(..., description="机构联系电话（单位电话，非个人信息）")
    address: str
    enrolment_suspended: bool
    version: int = Field(..., description="动态管理台账版本号")


class ApplicationReviewIn(Schema):
    approve: bool
    note: str = ""
    school_permit_no: str = ""
    permit_valid_until: dt.date | None = None


class AnnualReviewIn(Schema):
    year: int = Field(..., ge=2000, le=2100)
    result: str = Field(..., description="pass 合格 / rectify 限期整改 / fail 不合格")
    note: str = ""


class AnnualReviewOut(Schema):
    id: int
    year: int
    result: str
    note: str


class VersionOut(Schema):
    version: int
    event: str
    changes: dict
    reason: str
    changed_by: str | None
    changed_at: dt.datetime

    @staticmethod
    def resolve_changed_by(obj):
        return obj.changed_by.name or obj.changed_by.username if obj.changed_by_id else None


class StaffIn(Schema):
    name: str
    id_number: str = Field(..., description="居民身份证号：只保存摘要和脱敏号码，用于与在职教师比对（TT-2）")
    kind: str = Field(..., description="teaching 教学 / research 教研 / other 其他")
    full_time: bool = True
    subjects: list[str] = []
    teacher_certificate_no: str = Field("", description="学科类教学教研人员必填（TT-1）")
    other_certificate: str = ""
    foreign: bool = False
    located_abroad: bool = Field(False, description="在境外的外籍人员：一律拒绝（TT-8）")
    labour_contract: bool = Field(True, description="已签订书面劳动合同（TT-7）")
    hired_on: dt.date | None = None


class StaffOut(Schema):
    id: int
    institution: int = Field(..., alias="institution_id")
    name: str
    id_number: str = Field(..., alias="id_masked", description="脱敏身份证号")
    kind: str
    full_time: bool
    subjects: list[str]
    teacher_certificate_no: str
    other_certificate: str
    foreign: bool
    hired_on: dt.date | None
    left_on: dt.date | None


class MatchOut(Schema):
    id: int
    staff: int = Field(..., alias="staff_id")
    staff_name: str = Field(..., alias="staff.name")
    institution: int = Field(..., alias="staff.institution_id")
    institution_name: str = Field(..., alias="staff.institution.name")
    teacher: int = Field(..., alias="teacher_id")
    teacher_name: str = Field(..., alias="teacher.name")
    school_name: str = Field(..., alias="teacher.school.name")
    status: str
    note: str
    found_at: dt.datetime


class MatchCloseIn(Schema):
    confirmed: bool = Field(..., description="true 核实（转师德师风处理）/ false 排除")
    note: str


class TrainingCourseIn(Schema):
    name: str
    subject: str = Field(..., description="学科类科目（chinese、maths、english…）或非学科类类别"
                                          "（sport、art、science、practice、other）")
    mode: str = Field(..., description="offline / online")
    grades: list[Annotated[int, Field(ge=0, le=12)]] = Field(..., description="0 学前，1–9 义务教育")
    class_size: int = Field(..., ge=1, le=500)
    lesson_minutes: int = Field(..., ge=1, le=240)
    lessons: int = Field(1, ge=1, le=1000)
    price_per_lesson_fen: Fen
    content_summary: str


class TrainingCourseOut(Schema):
    id: int
    institution: int = Field(..., alias="institution_id")
    name: str
    subject: str
    subject_type: bool
    mode: str
    grades: list[int]
    class_size: int
    lesson_minutes: int
    lessons: int
    price_per_lesson_fen: int
    content_summary: str
    published: bool


class TrainingSessionIn(Schema):
    course: Id
    start: dt.datetime = Field(..., examples=["2026-10-12T18:00:00+08:00"])
    end: dt.datetime = Field(..., examples=["2026-10-12T19:30:00+08:00"])
    mode: str | None = Field(None, description="省略则与课程一致")


class TrainingSessionOut(Schema):
    id: int
    course: int = Field(..., alias="course_id")
    start: dt.datetime
    end: dt.datetime
    mode: str
    cancelled: bool


class CardIn(Schema):
    colour: str = Field(..., description="yellow 黄牌 / red 红牌")
    reason: str
    evidence: str = ""
    rule: str = Field("", description="违反的规则编号，如 TS-1")


class CardOut(Schema):
    id: int
    institution: int = Field(..., alias="institution_id")
    colour: str
    reason: str
    evidence: str
    rule: str
    escalated_from: list[int]
    escalated_into: int | None = Field(None, alias="escalated_into_id",
                                       description="黄牌已升级为的红牌")
    issued_at: dt.datetime
    revoked_at: dt.datetime | None
    revoke_reason: str


class ReasonIn(Schema):
    reason: str


class ListIn(Schema):
    kind: str = Field(..., description="white 白名单 / black 黑名单 / negative 负面清单")
    reason: str


class ListOut(Schema):
    id: int
    institution: int = Field(..., alias="institution_id")
    kind: str
    reason: str
    added_at: dt.datetime
    removed_at: dt.datetime | None
    removed_reason: str


class GuidePriceIn(Schema):
    mode: str
    band: str = Field(..., description="small 10人以下 / medium 10至35人 / large 35人以上（TP-3）")
    base_price_fen: int = Field(..., ge=1, le=10_000_000,
                                description="基准价（分/标准课时：线上 30 分钟、线下 45 分钟）")
    document: str = ""


class GuidePriceOut(Schema):
    bureau: int = Field(..., alias="bureau_id")
    mode: str
    band: str
    base_price_fen: int
    document: str


class RiskOut(Schema):
    institution: int
    name: str
    licence_status: str
    score: int
    reasons: list[str]
    teacher_matches: int
    schedule_flags: int
    staff_total: int
    staff_fulltime: int
    fund_level: str = Field("", description="预收费资金预警：red / yellow / 空（PF-14）")


class PublicStaffOut(Schema):
    name: str
    kind: str
    subjects: list[str]
    teacher_certificate_no: str
    other_certificate: str


class PublicInstitutionOut(Schema):
    id: int
    name: str
    credit_code: str
    bureau_name: str = Field(..., alias="bureau.name")
    subject_type: bool
    category: str
    mode: str
    licence_status: str
    licence_status_label: str
    status: str
    enrolment_suspended: bool
    lists: list[str] = Field(..., description="当前所在的公开名单：white 白名单 / black 黑名单")
    address: str

    @staticmethod
    def resolve_licence_status_label(obj):
        return obj.get_licence_status_display()

    @staticmethod
    def resolve_lists(obj):
        # The published lists (TI-13): white and black; the negative list is internal.
        return sorted(e.kind for e in obj.list_entries.all()
                      if e.removed_at is None and e.kind in ("white", "black"))


class PublicDetailOut(PublicInstitutionOut):
    courses: list[TrainingCourseOut] = Field(..., description="公示的课程与收费（TP-5）")
    staff: list[PublicStaffOut] = Field(..., description="教学人员及资质（TT-5）")

    @staticmethod
    def resolve_courses(obj):
        return [c for c in obj.courses.all() if c.published]

    @staticmethod
    def resolve_staff(obj):
        return [s for s in obj.staff.all() if s.left_on is None and s.kind != Staff.Kind.OTHER]


INSTITUTIONS = Institution.objects.select_related("bureau__parent")


# ---- public lookup (no login) -----------------------------------------------------------------


@public_router.get("/institutions", auth=None,
                   response={200: list[PublicInstitutionOut], **errors(422)},
                   summary="公开查询培训机构（名称或统一社会信用代码；无需登录）")
@paginate(LimitOffsetPagination)
def public_institutions(request, q: str = ""):
    return services.public_search(q[:100]).prefetch_related("list_entries")


@public_router.get("/institutions/{int:institution_id}", auth=None,
                   response={200: PublicDetailOut, **errors(404, 422)},
                   summary="公开查询：机构证照、名单、公示收费和教师资质")
def public_institution(request, institution_id: int):
    if not 0 < institution_id < 2**31:
        raise Http404
    found = (Institution.objects.public().select_related("bureau")
             .prefetch_related("list_entries", "courses", "staff").filter(pk=institution_id).first())
    if found is None:
        raise Http404
    return found


# ---- registry ------------------------------------------------------------------------------


@router.get("/institutions", response={200: list[InstitutionOut], **READ_ERRORS},
            summary="机构列表（监管人员：本区；机构人员：本机构）")
@paginate(LimitOffsetPagination)
def list_institutions(request, q: str = "", status: str | None = None,
                      licence_status: str | None = None, subject_type: bool | None = None):
    qs = visible(request.user, Institution)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(credit_code__iexact=q.strip().upper()))
    if status:
        qs = qs.filter(status=status)
    if licence_status:
        qs = qs.filter(licence_status=licence_status)
    if subject_type is not None:
        qs = qs.filter(subject_type=subject_type)
    return qs.order_by("name", "pk")


@router.post("/institutions", response={201: InstitutionOut, **WRITE_ERRORS},
             summary="机构申请（或监管人员登记）：禁止审批的类型返回 422 TI-1 / TI-3 / TI-4")
def register_institution(request, payload: InstitutionIn):
    require(request.user, "create", Institution)
    if payload.bureau:
        bureau = get_for(request.user, Bureau, payload.bureau)
    elif request.user.scope.bureau_ids:
        bureau = home_bureau(request.user)
    else:
        # An institution applies to the bureau that licenses the institutions it works for.
        own = visible(request.user, Institution).select_related("bureau").first()
        if own is None:
            raise RuleViolation("required", "请指定审批教育局。", "bureau")
        bureau = own.bureau
    data = payload.dict(exclude={"bureau", "found"})
    return Status(201, services.register_institution(actor=request.user, bureau=bureau,
                                                     found=payload.found, **data))


@router.get("/institutions/{int:institution_id}", response={200: InstitutionOut, **READ_ERRORS},
            summary="机构详情")
def get_institution(request, institution_id: int):
    return get_for(request.user, Institution, institution_id, queryset=INSTITUTIONS)


@router.patch("/institutions/{int:institution_id}", response={200: InstitutionOut, **WRITE_ERRORS},
              summary="变更机构信息（机构只能改联系方式；每次变更记入动态管理台账）")
def change_institution(request, institution_id: int, payload: InstitutionPatch):
    inst = get_for(request.user, Institution, institution_id, "change", queryset=INSTITUTIONS)
    data = payload.dict(exclude={"reason"}, exclude_unset=True)
    return services.change_institution(actor=request.user, institution=inst,
                                       reason=payload.reason, **data)


@router.post("/institutions/{int:institution_id}/review",
             response={200: InstitutionOut, **WRITE_ERRORS}, summary="审批机构申请（监管科）")
def review_institution(request, institution_id: int, payload: ApplicationReviewIn):
    inst = get_for(request.user, Institution, institution_id, "review", queryset=INSTITUTIONS)
    return services.review_application(actor=request.user, institution=inst, **payload.dict())


@router.get("/institutions/{int:institution_id}/ledger",
            response={200: list[VersionOut], **READ_ERRORS},
            summary="动态管理台账：每次变更的版本、时间、人员和内容")
@paginate(LimitOffsetPagination)
def institution_ledger(request, institution_id: int):
    inst = get_for(request.user, Institution, institution_id)
    return visible(request.user, InstitutionVersion).filter(institution=inst).select_related(
        "changed_by").order_by("-version")


@router.post("/institutions/{int:institution_id}/annual-reviews",
             response={201: AnnualReviewOut, **WRITE_ERRORS}, summary="年检")
def annual_review(request, institution_id: int, payload: AnnualReviewIn):
    inst = get_for(request.user, Institution, institution_id, "review", queryset=INSTITUTIONS)
    return Status(201, services.record_annual_review(actor=request.user, institution=inst,
                                                     **payload.dict()))


@router.get("/institutions/risk", response={200: list[RiskOut], **READ_ERRORS},
            summary="风险视图：证照过期、红黄牌、疑似在职教师、违规排课、专职比例、资金预警（PF-14）")
@paginate(LimitOffsetPagination)
def institution_risk(request):
    require(request.user, "supervise", Institution)
    scope = request.user.scope
    qs = visible(request.user, Institution).filter(
        bureau_id__in=scope.bureau_ids_for(Role.SUPERVISOR, Role.BUREAU_ADMIN, Role.INSPECTOR))
    rows = services.risk_rows(qs.select_related("bureau__parent"))
    return [{**r, "institution": r["institution"].pk, "name": r["institution"].name,
             "licence_status": r["institution"].licence_status} for r in rows]


# ---- staff ------------------------------------------------------------------------------------


@router.get("/institutions/{int:institution_id}/staff",
            response={200: list[StaffOut], **READ_ERRORS}, summary="从业人员（身份证号脱敏）")
@paginate(LimitOffsetPagination)
def list_staff(request, institution_id: int, include_left: bool = False):
    inst = get_for(request.user, Institution, institution_id)
    qs = visible(request.user, Staff).filter(institution=inst)
    return (qs if include_left else qs.current()).order_by("name", "pk")


@router.post("/institutions/{int:institution_id}/staff",
             response={201: StaffOut, **WRITE_ERRORS},
             summary="登记从业人员（TT-1 资格证、TT-7 劳动合同、TT-8 境外外籍；与在职教师比对 TT-2）")
def add_staff(request, institution_id: int, payload: StaffIn):
    inst = get_for(request.user, Institution, institution_id, "staff", queryset=INSTITUTIONS)
    return Status(201, services.add_staff(actor=request.user, institution=inst, **payload.dict()))


@router.post("/institutions/{int:institution_id}/staff/{int:staff_id}/leave",
             response={200: StaffOut, **WRITE_ERRORS}, summary="登记离职")
def staff_left(request, institution_id: int, staff_id: int):
    inst = get_for(request.user, Institution, institution_id, "staff")
    staff = get_for(request.user, Staff, staff_id, "change",
                    queryset=Staff.objects.filter(institution=inst).select_related("institution"))
    return services.staff_left(actor=request.user, staff=staff)


@router.get("/teacher-matches", response={200: list[MatchOut], **READ_ERRORS},
            summary="疑似在职教师在机构从业的线索（仅监管和师德师风人员可见）")
@paginate(LimitOffsetPagination)
def list_matches(request, status: str | None = None):
    qs = visible(request.user, TeacherMatch).select_related("staff__institution",
                                                            "teacher__school")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-found_at", "pk")


@router.post("/teacher-matches/{int:match_id}/close", response={200: MatchOut, **WRITE_ERRORS},
             summary="核查线索：核实或排除")
def close_match(request, match_id: int, payload: MatchCloseIn):
    match = get_for(request.user, TeacherMatch, match_id, "change",
                    queryset=TeacherMatch.objects.select_related("staff__institution",
                                                                 "teacher__school"))
    return services.close_match(actor=request.user, match=match, **payload.dict())


# ---- courses, prices and sessions ------------------------------------------------------------


@router.get("/institutions/{int:institution_id}/courses",
            response={200: list[TrainingCourseOut], **READ_ERRORS},
            summary="机构课程（subject_type、mode、lesson_minutes、price_per_lesson_fen）")
@paginate(LimitOffsetPagination)
def list_courses(request, institution_id: int):
    inst = get_for(request.user, Institution, institution_id)
    return visible(request.user, TrainingCourse).filter(institution=inst).order_by("name", "pk")


@router.post("/institutions/{int:institution_id}/courses",
             response={201: TrainingCourseOut, **WRITE_ERRORS},
             summary="新增课程并公示收费（学科类须在指导价范围内 TP-1；线上每课时 ≤30 分钟 TS-4）")
def add_course(request, institution_id: int, payload: TrainingCourseIn):
    inst = get_for(request.user, Institution, institution_id, "schedule", queryset=INSTITUTIONS)
    return Status(201, services.add_course(actor=request.user, institution=inst, **payload.dict()))


@router.get("/institutions/{int:institution_id}/sessions",
            response={200: list[TrainingSessionOut], **READ_ERRORS}, summary="排课")
@paginate(LimitOffsetPagination)
def list_sessions(request, institution_id: int, date: dt.date | None = None):
    inst = get_for(request.user, Institution, institution_id)
    qs = visible(request.user, TrainingSession).filter(course__institution=inst)
    if date:
        qs = qs.filter(start__date=date)
    return qs.order_by("start", "pk")


@router.post("/institutions/{int:institution_id}/sessions",
             response={201: TrainingSessionOut, **WRITE_ERRORS},
             summary="排课：违反 TS-1（节假日、休息日、寒暑假学科类）、TS-2、TS-3（线下 20:30）、"
                     "TS-4（线上 30 分钟、间隔 10 分钟、21:00）时 422")
def schedule_session(request, institution_id: int, payload: TrainingSessionIn):
    inst = get_for(request.user, Institution, institution_id, "schedule", queryset=INSTITUTIONS)
    course = get_for(request.user, TrainingCourse, payload.course,
                     queryset=TrainingCourse.objects.filter(institution=inst))
    return Status(201, services.schedule_session(actor=request.user, institution=inst,
                                                 course=course, start=payload.start,
                                                 end=payload.end, mode=payload.mode))


@router.get("/guide-prices", response={200: list[GuidePriceOut], **READ_ERRORS},
            summary="学科类培训政府指导价（本局及上级）")
@paginate(LimitOffsetPagination)
def list_guide_prices(request):
    require(request.user, "view", GuidePrice)
    return GuidePrice.objects.all().order_by("bureau_id", "mode", "band")


@router.put("/guide-prices", response={200: GuidePriceOut, **WRITE_ERRORS},
            summary="设置本局指导价（基准价，分/标准课时）")
def set_guide_price(request, payload: GuidePriceIn):
    require(request.user, "change", GuidePrice)  # 403 before asking which bureau
    return services.set_guide_price(actor=request.user, bureau=home_bureau(request.user),
                                    **payload.dict())


# ---- cards and lists --------------------------------------------------------------------------


@router.get("/institutions/{int:institution_id}/cards",
            response={200: list[CardOut], **READ_ERRORS}, summary="红黄牌记录")
@paginate(LimitOffsetPagination)
def list_cards(request, institution_id: int):
    inst = get_for(request.user, Institution, institution_id)
    return visible(request.user, Card).filter(institution=inst).order_by("-issued_at", "-pk")


@router.post("/institutions/{int:institution_id}/cards",
             response={201: CardOut, **WRITE_ERRORS},
             summary="亮牌（监管、执法人员）：黄牌累计升级为红牌，红牌暂停招生")
def issue_card(request, institution_id: int, payload: CardIn):
    inst = get_for(request.user, Institution, institution_id, "card", queryset=INSTITUTIONS)
    return Status(201, services.issue_card(actor=request.user, institution=inst, **payload.dict()))


@router.post("/cards/{int:card_id}/revoke", response={200: CardOut, **WRITE_ERRORS},
             summary="撤销红黄牌（须记录原因）")
def revoke_card(request, card_id: int, payload: ReasonIn):
    card = get_for(request.user, Card, card_id, "change",
                   queryset=Card.objects.select_related("institution__bureau"))
    return services.revoke_card(actor=request.user, card=card, reason=payload.reason)


@router.post("/institutions/{int:institution_id}/lists",
             response={201: ListOut, **WRITE_ERRORS}, summary="列入白名单、黑名单或负面清单")
def add_to_list(request, institution_id: int, payload: ListIn):
    inst = get_for(request.user, Institution, institution_id, "list", queryset=INSTITUTIONS)
    return Status(201, services.add_to_list(actor=request.user, institution=inst,
                                            **payload.dict()))


@router.get("/list-entries", response={200: list[ListOut], **READ_ERRORS},
            summary="名单记录（含已移出）")
@paginate(LimitOffsetPagination)
def list_entries(request, kind: str | None = None, current: bool = True):
    qs = visible(request.user, ListEntry)
    if kind:
        qs = qs.filter(kind=kind)
    if current:
        qs = qs.current()
    return qs.order_by("-added_at", "-pk")


@router.post("/list-entries/{int:entry_id}/remove", response={200: ListOut, **WRITE_ERRORS},
             summary="移出名单（须记录原因）")
def remove_from_list(request, entry_id: int, payload: ReasonIn):
    entry = get_for(request.user, ListEntry, entry_id, "change",
                    queryset=ListEntry.objects.select_related("institution__bureau"))
    return services.remove_from_list(actor=request.user, entry=entry, reason=payload.reason)
