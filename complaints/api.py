"""Complaints API: the public doors (/api/v1/public/complaints: file without login, track by
code) and the staff's (/api/v1/complaints: list, detail, hotline filing, the transitions,
attachments, cards and links, statistics)."""

import datetime as dt
from typing import Annotated

from django.db.models import Prefetch
from django.urls import reverse
from django.utils import timezone
from ninja import Field, File, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from api.pagination import LimitOffsetPagination
from api.schemas import READ_ERRORS, WRITE_ERRORS, errors
from complaints import services, stats
from complaints.models import (
    Complaint,
    ComplaintEvent,
    normalise_code,
)
from complaints.throttle import PublicFilingThrottle
from core.access import get_for, require, visible
from core.errors import RuleViolation
from org.models import Bureau

router = Router(tags=["投诉举报"])
public_router = Router(tags=["公开：投诉举报"])

Id = Annotated[int, Field(ge=1, le=2_147_483_647)]
CATEGORIES = " / ".join(f"{v} {label}" for v, label in Complaint.Category.choices)
STATUSES = " / ".join(f"{v} {label}" for v, label in Complaint.Status.choices)


class NotFound(RuleViolation):
    status = 404

    def __init__(self, message):
        super().__init__("not_found", message, "code")


# ---- schemas -----------------------------------------------------------------------------------


class ComplaintPublicIn(Schema):
    bureau_code: str = Field(..., description="受理投诉的区县教育局行政区划代码，如 410402")
    category: str = Field(..., description=CATEGORIES)
    subject: str = Field(..., description="标题（最多100字）")
    details: str = Field(..., description="投诉内容（10–3000字）")
    anonymous: bool = Field(False, description="匿名投诉：不保存姓名和电话，凭查询码查看办理进展")
    complainant_name: str = Field("", description="投诉人姓名（非匿名时必填）")
    complainant_phone: str = Field("", description="手机号或带区号的固定电话（非匿名时必填）")
    school: Id | None = Field(None, description="涉及的学校（该区学校编号）")
    institution: Id | None = Field(None, description="涉及的培训机构（公开查询中的机构编号）")
    teacher_name: str = Field("", description="涉及的教师姓名（选填）")


class ComplaintFiledOut(Schema):
    code: str = Field(..., description="查询码（12位）：凭此查询办理进展，请妥善保存")
    code_display: str = Field(..., description="分组显示的查询码，如 ABCD-EFGH-JKMN")
    status: str
    filed_at: dt.datetime
    ack_due: dt.date = Field(..., description="受理期限（工作日，IN-6）")
    resolve_due: dt.date = Field(..., description="办结期限（工作日，IN-6）")


class ComplaintTrackEventOut(Schema):
    at: dt.datetime
    kind: str
    kind_label: str
    status: str = Field(..., description="该记录后的状态（答复为空）")
    note: str


class ComplaintTrackOut(Schema):
    code: str
    status: str = Field(..., description=STATUSES)
    status_label: str
    category: str
    category_label: str
    filed_on: dt.date
    ack_due: dt.date
    resolve_due: dt.date
    merged: bool = Field(..., description="已与相同事项合并办理：进展为主件的进展")
    handling_status: str = Field(..., description="实际办理状态（合并后为主件的状态）")
    handling_status_label: str
    outcome: str = Field(..., description="办理结果（办结后）")
    replies: list[ComplaintTrackEventOut] = Field(..., description="向投诉人公开的办理记录和答复")


class ComplaintIn(Schema):
    bureau: Id | None = Field(None, description="受理教育局；省略为本人所在教育局")
    channel: str = Field("hotline", description="hotline 热线电话 / letter 来信 / visit 来访")
    category: str = Field(..., description=CATEGORIES)
    subject: str
    details: str
    anonymous: bool = False
    complainant_name: str = ""
    complainant_phone: str = ""
    school: Id | None = None
    institution: Id | None = None
    teacher_name: str = ""


class ComplaintListOut(Schema):
    id: int
    code: str
    bureau: int = Field(..., alias="bureau_id")
    channel: str
    category: str
    category_label: str
    subject: str
    status: str = Field(..., description=STATUSES)
    status_label: str
    anonymous: bool
    complainant_name: str = Field(..., description="脱敏姓名（查看完整信息另有接口并记录日志）")
    complainant_phone: str = Field(..., description="脱敏电话")
    unit_school: int | None = Field(None, alias="unit_school_id")
    unit_role: str = Field(..., description="承办科室：bureau_admin / supervisor / ethics_officer")
    unit_label: str
    level: str = Field(..., description="school 学校 / bureau 教育局")
    filed_at: dt.datetime
    ack_due: dt.date
    resolve_due: dt.date
    overdue: str = Field(..., description="ack 受理超期 / resolve 办结超期 / 空")
    escalated_at: dt.datetime | None
    escalated_for: str
    duplicate_of: int | None = Field(None, alias="duplicate_of_id")

    @staticmethod
    def resolve_category_label(obj):
        return obj.get_category_display()

    @staticmethod
    def resolve_status_label(obj):
        return obj.get_status_display()

    @staticmethod
    def resolve_complainant_name(obj):
        return obj.complainant_name_masked

    @staticmethod
    def resolve_complainant_phone(obj):
        return obj.complainant_phone_masked

    @staticmethod
    def resolve_overdue(obj):
        return str(obj.overdue_for(timezone.localdate()))


class ComplaintEventOut(Schema):
    id: int
    kind: str
    kind_label: str
    from_status: str
    to_status: str
    actor: str | None = Field(None, description="经办人（空为投诉人或系统）")
    at: dt.datetime
    note: str
    public: bool = Field(..., description="向投诉人公开")

    @staticmethod
    def resolve_kind_label(obj):
        return obj.get_kind_display()

    @staticmethod
    def resolve_actor(obj):
        return (obj.actor.name or obj.actor.username) if obj.actor_id else None


class ComplaintAttachmentOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    from_complainant: bool
    uploaded_at: dt.datetime
    url: str = Field(..., description="下载地址（登录后访问，每次下载记录审计日志）")

    @staticmethod
    def resolve_url(obj):
        return reverse("complaints:attachment", args=[obj.pk])


class ComplaintLinkOut(Schema):
    id: int
    kind: str = Field(..., description="card 红黄牌 / ethics_case 师德师风案件 / inspection 检查 / "
                                       "refund_review 退费审核")
    kind_label: str
    object_id: int
    note: str
    created_at: dt.datetime

    @staticmethod
    def resolve_kind_label(obj):
        return obj.get_kind_display()


class ComplaintOut(ComplaintListOut):
    details: str
    school: int | None = Field(None, alias="school_id")
    school_name: str | None = Field(None, alias="school.name")
    institution: int | None = Field(None, alias="institution_id")
    institution_name: str | None = Field(None, alias="institution.name")
    teacher_name: str
    outcome: str
    reject_reason: str
    responded_at: dt.datetime | None
    resolved_at: dt.datetime | None
    closed_at: dt.datetime | None
    duplicates: list[int] = Field(..., description="合并到本件的重复投诉")
    events: list[ComplaintEventOut]
    attachments: list[ComplaintAttachmentOut]
    links: list[ComplaintLinkOut]

    @staticmethod
    def resolve_duplicates(obj):
        return [d.pk for d in obj.duplicates.all()]

    @staticmethod
    def resolve_events(obj):
        return list(obj.events.all())

    @staticmethod
    def resolve_attachments(obj):
        return list(obj.attachments.all())

    @staticmethod
    def resolve_links(obj):
        return list(obj.links.all())


class ComplaintContactOut(Schema):
    id: int
    anonymous: bool
    name: str
    phone: str


class ComplaintNoteIn(Schema):
    note: str = Field("", description="说明（向投诉人公开）")


class ComplaintOutcomeIn(Schema):
    outcome: str = Field(..., description="办理结果（向投诉人公开）")


class ComplaintReasonIn(Schema):
    reason: str = Field(..., description="不予受理的理由（向投诉人公开）")


class ComplaintReplyIn(Schema):
    text: str
    public: bool = Field(..., description="true 答复投诉人（查询页可见）/ false 内部备注")


class ComplaintMergeIn(Schema):
    duplicate_of: Id = Field(..., description="主件（相同事项的另一件投诉）的编号")
    note: str = Field("", description="内部说明")


class ComplaintReassignIn(Schema):
    school: Id | None = Field(None, description="改由该校办理（本区学校编号）")
    section: str = Field("", description="或改由教育局科室办理：bureau_admin / supervisor / "
                                         "ethics_officer")
    reason: str


class ComplaintCardIn(Schema):
    colour: str = Field(..., description="yellow 黄牌 / red 红牌")
    reason: str
    evidence: str = ""
    rule: str = Field("", description="违反的规则编号，如 TS-1")


class ComplaintCardOut(Schema):
    card: int
    colour: str
    reason: str
    institution: int
    institution_name: str
    enrolment_suspended: bool


class ComplaintLinkIn(Schema):
    kind: str = Field(..., description="ethics_case 师德师风案件 / inspection 检查 / refund_review 退费审核")
    object_id: Id
    note: str = ""


class ComplaintCountOut(Schema):
    key: str
    label: str
    count: int


class ComplaintRateOut(Schema):
    due: int = Field(..., description="应计件数")
    on_time: int = Field(..., description="按期件数")
    rate: float | None = Field(..., description="百分比，无应计件数时为空")


class ComplaintStatsOut(Schema):
    start: dt.date | None
    end: dt.date | None
    total: int
    open: int
    overdue: int
    escalated: int
    by_category: list[ComplaintCountOut]
    by_status: list[ComplaintCountOut]
    by_unit: list[ComplaintCountOut]
    ack: ComplaintRateOut = Field(..., description="受理及时率")
    resolve: ComplaintRateOut = Field(..., description="办结及时率")


# ---- the public doors (no login) ---------------------------------------------------------------


def _tracked(code):
    complaint = Complaint.objects.filter(code=normalise_code(code)).first() if \
        normalise_code(code) else None
    if complaint is None:
        raise NotFound("没有找到该查询码对应的投诉，请核对查询码（12位字母和数字，不区分大小写）。")
    return complaint


@public_router.post("", auth=None, throttle=[PublicFilingThrottle()],
                    response={201: ComplaintFiledOut, **errors(400, 409, 422, 429)},
                    summary="提交投诉举报（无需登录，可匿名；返回查询码和办理期限）")
def public_file_complaint(request, payload: ComplaintPublicIn):
    bureau = Bureau.objects.filter(code=payload.bureau_code.strip(),
                                   level=Bureau.Level.DISTRICT).first()
    if bureau is None:
        raise RuleViolation("invalid", "没有该行政区划代码的区县教育局。", "bureau_code")
    data = payload.dict(exclude={"bureau_code"})
    complaint = services.file_complaint(actor=None, bureau=bureau, **data)
    return Status(201, complaint)


@public_router.get("/{code}", auth=None, response={200: ComplaintTrackOut, **errors(404, 422)},
                   summary="凭查询码查询办理进展（不显示投诉人信息和内部备注）")
def public_track_complaint(request, code: str):
    return _tracked(code).public_progress()


@public_router.post("/{code}/attachments", auth=None, throttle=[PublicFilingThrottle()],
                    response={201: ComplaintTrackOut, **errors(400, 404, 409, 422, 429)},
                    summary="受理前补充附件（JPG、PNG 或 PDF，每个不超过 5 MB，每件最多 3 个）")
def public_add_complaint_attachment(request, code: str, file: File[UploadedFile]):
    complaint = _tracked(code)
    services.add_attachment(actor=None, complaint=complaint, upload=file)
    return Status(201, complaint.public_progress())


# ---- staff: list, detail, filing ---------------------------------------------------------------

COMPLAINTS = Complaint.objects.select_related("bureau__parent", "unit_school", "school",
                                              "institution")
DETAIL = COMPLAINTS.prefetch_related(
    Prefetch("events", queryset=ComplaintEvent.objects.select_related("actor")),
    "attachments", "links", "duplicates")


def _gate(request):
    """Complaints are the complaint roles' business: anybody else is refused (403) before any
    object is looked up."""
    require(request.user, "view", Complaint)


def _complaint(request, complaint_id, action="view", queryset=COMPLAINTS):
    _gate(request)
    return get_for(request.user, Complaint, complaint_id, action, queryset=queryset)


def _detail(request, complaint):
    return get_for(request.user, Complaint, complaint.pk, queryset=DETAIL)


@router.get("", response={200: list[ComplaintListOut], **READ_ERRORS},
            summary="投诉列表（热线、教育局、督学：本区全部；监管科、师德师风专员、学校：承办的）")
@paginate(LimitOffsetPagination)
def list_complaints(request, status: str | None = None, category: str | None = None,
                    overdue: bool | None = None, escalated: bool | None = None, q: str = ""):
    qs = visible(request.user, Complaint).select_related("unit_school")
    if status:
        qs = qs.filter(status=status)
    if category:
        qs = qs.filter(category=category)
    today = timezone.localdate()
    if overdue is True:
        qs = qs.overdue(today)
    elif overdue is False:
        qs = qs.exclude(pk__in=Complaint.objects.overdue(today).values("pk"))
    if escalated is not None:
        qs = qs.filter(escalated_at__isnull=not escalated)
    if q.strip():
        qs = qs.filter(code=normalise_code(q)) if normalise_code(q) else \
            qs.filter(subject__icontains=q.strip()[:100])
    return qs.order_by("-filed_at", "-pk")


@router.post("", response={201: ComplaintOut, **WRITE_ERRORS},
             summary="热线登记投诉（代来电、来信、来访群众登记）")
def file_complaint(request, payload: ComplaintIn):
    require(request.user, "file", Complaint)
    bureau_id = payload.bureau or request.user.scope.home_bureau_id
    bureau = get_for(request.user, Bureau, bureau_id)
    complaint = services.file_complaint(actor=request.user, bureau=bureau,
                                        **payload.dict(exclude={"bureau"}))
    return Status(201, _detail(request, complaint))


@router.get("/statistics", response={200: ComplaintStatsOut, **READ_ERRORS},
            summary="投诉统计：按类别、状态、承办单位计数，受理及时率和办结及时率")
def complaint_statistics(request, start: dt.date | None = None, end: dt.date | None = None):
    complaints = stats.in_period(visible(request.user, Complaint), start, end)
    return {"start": start, "end": end, **stats.statistics(complaints)}


@router.get("/{int:complaint_id}", response={200: ComplaintOut, **READ_ERRORS},
            summary="投诉详情与办理记录（投诉人信息已脱敏）")
def get_complaint(request, complaint_id: int):
    return _complaint(request, complaint_id, queryset=DETAIL)


@router.get("/{int:complaint_id}/complainant", response={200: ComplaintContactOut, **READ_ERRORS},
            summary="查看投诉人姓名和电话（承办单位、热线、教育局；记录审计日志）")
def reveal_complainant(request, complaint_id: int):
    complaint = _complaint(request, complaint_id, "reveal")
    name, phone = services.reveal_complainant(actor=request.user, complaint=complaint)
    return {"id": complaint.pk, "anonymous": complaint.anonymous, "name": name, "phone": phone}


# ---- staff: transitions ------------------------------------------------------------------------


def _transition(request, complaint_id, service, **data):
    complaint = _complaint(request, complaint_id, "handle")
    return _detail(request, service(actor=request.user, complaint=complaint, **data))


@router.post("/{int:complaint_id}/acknowledge", response={200: ComplaintOut, **WRITE_ERRORS},
             summary="受理（待受理 → 已受理）")
def acknowledge_complaint(request, complaint_id: int, payload: ComplaintNoteIn):
    return _transition(request, complaint_id, services.acknowledge, note=payload.note)


@router.post("/{int:complaint_id}/start", response={200: ComplaintOut, **WRITE_ERRORS},
             summary="开始办理（已受理 → 办理中）")
def start_complaint(request, complaint_id: int, payload: ComplaintNoteIn):
    return _transition(request, complaint_id, services.start, note=payload.note)


@router.post("/{int:complaint_id}/resolve", response={200: ComplaintOut, **WRITE_ERRORS},
             summary="办结并填写办理结果（办理中 → 已办结）")
def resolve_complaint(request, complaint_id: int, payload: ComplaintOutcomeIn):
    return _transition(request, complaint_id, services.resolve, outcome=payload.outcome)


@router.post("/{int:complaint_id}/close", response={200: ComplaintOut, **WRITE_ERRORS},
             summary="归档（已办结 → 已归档）")
def close_complaint(request, complaint_id: int, payload: ComplaintNoteIn):
    return _transition(request, complaint_id, services.close, note=payload.note)


@router.post("/{int:complaint_id}/reject", response={200: ComplaintOut, **WRITE_ERRORS},
             summary="不予受理（不属于受理范围，须说明理由）")
def reject_complaint(request, complaint_id: int, payload: ComplaintReasonIn):
    return _transition(request, complaint_id, services.reject, reason=payload.reason)


@router.post("/{int:complaint_id}/reply", response={200: ComplaintOut, **WRITE_ERRORS},
             summary="答复投诉人（公开）或内部备注")
def reply_complaint(request, complaint_id: int, payload: ComplaintReplyIn):
    complaint = _complaint(request, complaint_id, "handle" if payload.public else "note")
    services.reply(actor=request.user, complaint=complaint, text=payload.text,
                   public=payload.public)
    return _detail(request, complaint)


@router.post("/{int:complaint_id}/merge", response={200: ComplaintOut, **WRITE_ERRORS},
             summary="合并重复投诉：本件并入主件办理，查询页显示主件进展")
def merge_complaint(request, complaint_id: int, payload: ComplaintMergeIn):
    complaint = _complaint(request, complaint_id, "merge")
    into = get_for(request.user, Complaint, payload.duplicate_of, queryset=COMPLAINTS)
    services.merge(actor=request.user, complaint=complaint, into=into, note=payload.note)
    return _detail(request, complaint)


@router.post("/{int:complaint_id}/reassign", response={200: ComplaintOut, **WRITE_ERRORS},
             summary="转办：改由本区另一所学校或教育局科室办理（热线、教育局）")
def reassign_complaint(request, complaint_id: int, payload: ComplaintReassignIn):
    complaint = _complaint(request, complaint_id, "reassign")
    services.reassign(actor=request.user, complaint=complaint, school=payload.school,
                      section=payload.section, reason=payload.reason)
    return _detail(request, complaint)


# ---- staff: attachments, cards, links ---------------------------------------------------------


@router.post("/{int:complaint_id}/attachments",
             response={201: ComplaintAttachmentOut, **WRITE_ERRORS},
             summary="上传附件（JPG、PNG 或 PDF，每个不超过 5 MB，每件最多 3 个）")
def add_complaint_attachment(request, complaint_id: int, file: File[UploadedFile]):
    complaint = _complaint(request, complaint_id, "note")
    return Status(201, services.add_attachment(actor=request.user, complaint=complaint,
                                               upload=file))


@router.post("/{int:complaint_id}/card", response={201: ComplaintCardOut, **WRITE_ERRORS},
             summary="根据投诉对涉及的培训机构亮黄牌或红牌（监管科、教育局；TI-13）")
def issue_complaint_card(request, complaint_id: int, payload: ComplaintCardIn):
    complaint = _complaint(request, complaint_id, "link")
    from institutions.models import Institution

    require(request.user, "card", Institution)
    card = services.issue_card(actor=request.user, complaint=complaint, **payload.dict())
    institution = card.institution
    institution.refresh_from_db(fields=["enrolment_suspended"])
    return Status(201, {"card": card.pk, "colour": card.colour, "reason": card.reason,
                        "institution": institution.pk, "institution_name": institution.name,
                        "enrolment_suspended": institution.enrolment_suspended})


@router.post("/{int:complaint_id}/links", response={201: ComplaintLinkOut, **WRITE_ERRORS},
             summary="关联师德师风案件、检查或退费审核（记录对象类型和编号）")
def link_complaint(request, complaint_id: int, payload: ComplaintLinkIn):
    complaint = _complaint(request, complaint_id, "link")
    return Status(201, services.link_case(actor=request.user, complaint=complaint,
                                          **payload.dict()))
