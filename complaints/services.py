"""Complaint use cases (IN-6, IN-8). Every door (the public form and API, the staff pages and
API, the daily command) calls these; each checks the rules, writes the history row
(``ComplaintEvent``) and the audit entry in the same transaction, and returns the object.

Locking: every change locks the complaint row first (``_locked``: ``select_for_update`` of the
complaint table only, so the nullable joins are not locked); a merge locks both complaints in
primary-key order, so two staff merging or acknowledging the same complaints at once queue up
and the second one sees the first one's result (409) instead of overwriting it.
"""

import os

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from audit.actions import log_action
from complaints.models import (
    DETAILS_MAX,
    DETAILS_MIN,
    NOTE_MAX,
    SECTIONS,
    SUBJECT_MAX,
    Complaint,
    ComplaintAttachment,
    ComplaintEvent,
    ComplaintLink,
    new_code,
)
from core.access import require
from core.errors import Conflict, RuleViolation
from institutions.models import Institution
from org.models import Bureau, School
from org.roles import Role
from org.validators import clean_name, clean_phone
from policy.services import Policy
from schoolcal.calendar import SchoolCalendar

Status = Complaint.Status
Kind = ComplaintEvent.Kind

MAX_ATTACHMENTS = 3
MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024
# Magic bytes of the accepted types: the declared content type and the name are not trusted.
SIGNATURES = [
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"%PDF-", "application/pdf", ".pdf"),
]
STAFF_CHANNELS = (Complaint.Channel.HOTLINE, Complaint.Channel.LETTER, Complaint.Channel.VISIT)


def cn_date(date):
    return f"{date.year}年{date.month}月{date.day}日"


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def _text(value, field, label, *, maximum, minimum=0, required=True):
    text = str(value or "").strip()
    if not text:
        if required:
            raise RuleViolation("required", f"请填写{label}。", field)
        return ""
    if len(text) < minimum:
        raise RuleViolation("too_short", f"{label}至少{minimum}个字，请具体描述。", field)
    if len(text) > maximum:
        raise RuleViolation("too_long", f"{label}最多{maximum}个字（现为{len(text)}个字）。", field)
    return text


def _pk(value):
    if value is None or value == "":
        return None
    if hasattr(value, "pk"):
        return value.pk
    try:
        pk = int(value)
    except (TypeError, ValueError):
        return 0
    return pk if 0 < pk < 2**63 else 0


def _school_of(bureau, value, field="school"):
    pk = _pk(value)
    if pk is None:
        return None
    school = School.objects.filter(pk=pk, bureau=bureau).first()
    if school is None:
        raise RuleViolation("invalid", "所选学校不属于受理的教育局。", field)
    return school


def _institution_of(bureau, value):
    pk = _pk(value)
    if pk is None:
        return None
    institution = Institution.objects.public().filter(pk=pk, bureau=bureau).first()
    if institution is None:
        raise RuleViolation("invalid", "所选培训机构不属于受理的教育局。", "institution")
    return institution


# ---- routing and deadlines ---------------------------------------------------------------------


def route(category, school):
    """The responsible unit: the named school for school matters (homework, exams, after-school
    service), else a bureau section: supervision for institutions and fees, the ethics officer
    for in-service teachers' paid tutoring (PN-8, IN-8), the bureau admin otherwise.
    Returns ``(school or None, section role or "")``."""
    if category in Complaint.SCHOOL_CATEGORIES and school is not None:
        return school, ""
    return None, str(Complaint.SECTION_OF.get(category, Role.BUREAU_ADMIN))


def deadlines(bureau, filed_on):
    """(ack_due, resolve_due): IN-6's working-day periods counted from the filing date on the
    district's calendar (statutory holidays skipped, 调休 make-up days counted)."""
    policy, calendar = Policy(bureau), SchoolCalendar(bureau)
    ack_due = calendar.add_working_days(filed_on, int(policy["in.complaint_ack_days"]))
    resolve_due = calendar.add_working_days(filed_on, int(policy["in.complaint_resolve_days"]))
    return ack_due, max(ack_due, resolve_due)


# ---- attachments -------------------------------------------------------------------------------


def check_upload(upload, field="attachments"):
    """(content type, extension) of an accepted upload; refuses too large or unknown files."""
    name = os.path.basename(getattr(upload, "name", "") or "附件")
    if upload.size > MAX_ATTACHMENT_BYTES:
        raise RuleViolation("too_large", f"附件“{name}”超过 5 MB。", field)
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if not head:
        raise RuleViolation("invalid", f"附件“{name}”是空文件。", field)
    for signature, content_type, extension in SIGNATURES:
        if head.startswith(signature):
            return content_type, extension
    raise RuleViolation("file_type", f"附件“{name}”不是 JPG、PNG 图片或 PDF 文件。", field)


def check_uploads(uploads, existing=0, field="attachments"):
    uploads = [u for u in uploads or () if u]
    if existing + len(uploads) > MAX_ATTACHMENTS:
        raise RuleViolation("too_many", f"每件投诉最多 {MAX_ATTACHMENTS} 个附件。", field)
    return [(u, *check_upload(u, field)) for u in uploads]


def _store(complaint, checked, *, actor, from_complainant):
    """Save checked uploads; the files are removed again if saving their rows fails."""
    stored, names = [], []
    try:
        for upload, content_type, extension in checked:
            attachment = ComplaintAttachment(
                complaint=complaint, content_type=content_type, size=upload.size,
                name=os.path.basename(upload.name or "")[:200] or "附件",
                from_complainant=from_complainant, uploaded_by=_user(actor),
                uploaded_at=timezone.now())
            upload.seek(0)
            attachment.file.save(f"upload{extension}", ContentFile(upload.read()), save=False)
            names.append(attachment.file.name)
            attachment.save()
            stored.append(attachment)
    except Exception:
        for name in names:
            ComplaintAttachment.file.field.storage.delete(name)
        raise
    return stored


# ---- filing ------------------------------------------------------------------------------------


@transaction.atomic
def file_complaint(*, actor, bureau, category, subject, details, channel=None, anonymous=False,
                   complainant_name="", complainant_phone="", school=None, institution=None,
                   teacher_name="", attachments=()):
    """File a complaint with a district bureau: through the public doors (``actor`` None,
    channel web) or by hotline staff / a bureau admin on a caller's behalf (hotline, letter,
    visit). Routes it, sets its deadlines and returns it; ``complaint.code`` is the tracking
    code the complainant keeps."""
    staff = _user(actor)
    if staff is not None:
        require(staff, "file", Complaint)
        if bureau.pk not in staff.scope.bureau_ids_for(Role.HOTLINE, Role.BUREAU_ADMIN):
            raise RuleViolation("forbidden_unit", "只能登记本局受理的投诉。", "bureau")
        channel = channel or Complaint.Channel.HOTLINE
        if channel not in STAFF_CHANNELS:
            raise RuleViolation("invalid", "渠道应为 hotline（热线电话）、letter（来信）或 visit（来访）。",
                                "channel")
    else:
        channel = Complaint.Channel.WEB
    if bureau.level != Bureau.Level.DISTRICT:
        raise RuleViolation("invalid", "请选择受理投诉的区县教育局。", "bureau")
    if category not in Complaint.Category.values:
        raise RuleViolation("invalid" if category else "required", "请选择投诉类别。", "category")
    subject = _text(subject, "subject", "标题", maximum=SUBJECT_MAX)
    details = _text(details, "details", "投诉内容", minimum=DETAILS_MIN, maximum=DETAILS_MAX)
    if anonymous:
        # Anonymous: nothing that identifies the complainant is kept, even if it was typed.
        complainant_name = complainant_phone = ""
    else:
        complainant_name = clean_name(complainant_name, "complainant_name", "投诉人姓名")
        complainant_phone = clean_phone(complainant_phone, "complainant_phone")
    school = _school_of(bureau, school)
    institution = _institution_of(bureau, institution)
    teacher_name = _text(teacher_name, "teacher_name", "教师姓名", maximum=50, required=False)
    checked = check_uploads(attachments)

    now = timezone.now()
    ack_due, resolve_due = deadlines(bureau, timezone.localdate(now))
    unit_school, unit_role = route(category, school)
    fields = dict(
        bureau=bureau, channel=channel, anonymous=bool(anonymous),
        complainant_name=complainant_name, complainant_phone=complainant_phone,
        category=category, subject=subject, details=details, school=school,
        institution=institution, teacher_name=teacher_name, unit_school=unit_school,
        unit_role=unit_role,
        level=Complaint.Level.SCHOOL if unit_school else Complaint.Level.BUREAU,
        filed_at=now, filed_by=staff, ack_due=ack_due, resolve_due=resolve_due)
    code = new_code()
    while Complaint.objects.filter(code=code).exists():  # 31**12 codes: practically never
        code = new_code()
    complaint = Complaint.objects.create(code=code, **fields)
    ComplaintEvent.objects.create(
        complaint=complaint, kind=Kind.FILED, to_status=Status.SUBMITTED, actor=staff, at=now,
        public=True, note=f"已收到您的投诉，将于{cn_date(ack_due)}前受理。")
    _store(complaint, checked, actor=staff, from_complainant=True)
    log_action(complaint, "complaints.filed", actor=staff, kind="create",
               data={"channel": channel, "category": category, "unit": complaint.unit_label,
                     "attachments": len(checked)})
    return complaint


# ---- transitions -------------------------------------------------------------------------------


def _locked(complaint):
    """The complaint row, locked for this transaction (only its own table: the joined school
    and bureau rows are read, not locked, and nullable joins cannot be locked on PostgreSQL)."""
    return (Complaint.objects.select_for_update(of=("self",))
            .select_related("bureau__parent", "unit_school", "institution").get(pk=complaint.pk))


def _event(complaint, kind, *, actor, note="", public=False, before="", after="", at=None):
    return ComplaintEvent.objects.create(complaint=complaint, kind=kind, from_status=before,
                                         to_status=after, actor=_user(actor),
                                         at=at or timezone.now(), note=note, public=public)


# target status → (event kind, the verb for messages, audit code)
STEPS = {
    Status.ACKNOWLEDGED: (Kind.ACKNOWLEDGED, "受理", "complaints.acknowledged"),
    Status.IN_PROGRESS: (Kind.STARTED, "开始办理", "complaints.started"),
    Status.RESOLVED: (Kind.RESOLVED, "办结", "complaints.resolved"),
    Status.CLOSED: (Kind.CLOSED, "归档", "complaints.closed"),
    Status.REJECTED: (Kind.REJECTED, "作出不予受理决定", "complaints.rejected"),
}


def _check_move(complaint, target, verb):
    if target not in Complaint.TRANSITIONS[complaint.status]:
        raise Conflict(f"该投诉当前为“{complaint.get_status_display()}”，不能{verb}。", "status",
                       code="invalid_transition")


def _transition(*, actor, complaint, target, note="", required_label=None, field="note"):
    """One declared move of ``TRANSITIONS`` by the responsible unit (or the bureau admin). The
    note is shown to the complainant (status changes are theirs to see)."""
    complaint = _locked(complaint)
    require(actor, "handle", complaint)
    kind, verb, code = STEPS[target]
    _check_move(complaint, target, verb)
    note = _text(note, field, required_label or "说明", maximum=NOTE_MAX,
                 required=required_label is not None)
    now, before = timezone.now(), complaint.status
    complaint.status = target
    fields = ["status", "updated_at"]
    if target in (Status.ACKNOWLEDGED, Status.REJECTED) and complaint.responded_at is None:
        complaint.responded_at = now
        fields.append("responded_at")
    if target == Status.RESOLVED:
        complaint.resolved_at, complaint.outcome = now, note
        fields += ["resolved_at", "outcome"]
    elif target == Status.CLOSED:
        complaint.closed_at = now
        fields.append("closed_at")
    elif target == Status.REJECTED:
        complaint.reject_reason = note
        fields.append("reject_reason")
    complaint.save(update_fields=fields)
    _event(complaint, kind, actor=actor, note=note, public=True, before=before, after=target,
           at=now)
    log_action(complaint, code, actor=actor, changes={"status": [before, target]})
    return complaint


@transaction.atomic
def acknowledge(*, actor, complaint, note=""):
    """受理: the responsible unit takes the complaint on (IN-6 deadline ``ack_due``)."""
    return _transition(actor=actor, complaint=complaint, target=Status.ACKNOWLEDGED, note=note)


@transaction.atomic
def start(*, actor, complaint, note=""):
    """开始办理: investigation under way."""
    return _transition(actor=actor, complaint=complaint, target=Status.IN_PROGRESS, note=note)


@transaction.atomic
def resolve(*, actor, complaint, outcome):
    """办结 with the outcome the complainant reads (deadline ``resolve_due``)."""
    return _transition(actor=actor, complaint=complaint, target=Status.RESOLVED, note=outcome,
                       required_label="办理结果", field="outcome")


@transaction.atomic
def close(*, actor, complaint, note=""):
    """归档 a resolved complaint."""
    return _transition(actor=actor, complaint=complaint, target=Status.CLOSED, note=note)


@transaction.atomic
def reject(*, actor, complaint, reason):
    """不予受理: outside the bureau's remit (e.g. another department's matter), with the reason
    the complainant reads."""
    return _transition(actor=actor, complaint=complaint, target=Status.REJECTED, note=reason,
                       required_label="不予受理的理由", field="reason")


@transaction.atomic
def reply(*, actor, complaint, text, public):
    """A reply to the complainant (``public``: shown on the tracking page; only the handling
    unit gives those, after acknowledging) or an internal note (hotline staff too)."""
    complaint = _locked(complaint)
    require(actor, "handle" if public else "note", complaint)
    if public:
        if complaint.status == Status.SUBMITTED:
            raise Conflict("请先受理，再答复投诉人。", "status", code="not_acknowledged")
        if complaint.status in Complaint.FINAL:
            raise Conflict(f"该投诉已{complaint.get_status_display()}，不能再答复。", "status",
                           code="complaint_final")
    text = _text(text, "text", "答复内容" if public else "备注", maximum=NOTE_MAX)
    _event(complaint, Kind.REPLIED if public else Kind.NOTED, actor=actor, note=text,
           public=bool(public))
    Complaint.objects.filter(pk=complaint.pk).update(updated_at=timezone.now())
    log_action(complaint, "complaints.replied" if public else "complaints.noted", actor=actor,
               data={"public": bool(public)})
    return complaint


@transaction.atomic
def merge(*, actor, complaint, into, note=""):
    """Mark ``complaint`` a duplicate of ``into`` (the main complaint): it is handled there, and
    its tracking page shows the main complaint's progress. Complaints already merged into this
    one follow it to the main complaint, so chains never form."""
    if complaint.pk == into.pk:
        raise RuleViolation("invalid", "不能与自身合并。", "duplicate_of")
    # Both rows, always in primary-key order: two merges of the same pair cannot deadlock.
    rows = {c.pk: c for c in Complaint.objects.select_for_update(of=("self",))
            .select_related("bureau", "unit_school").filter(pk__in=[complaint.pk, into.pk])
            .order_by("pk")}
    complaint, into = rows[complaint.pk], rows[into.pk]
    require(actor, "merge", complaint)
    if into.bureau_id != complaint.bureau_id:
        raise RuleViolation("invalid", "只能合并同一教育局受理的投诉。", "duplicate_of")
    _check_move(complaint, Status.MERGED, "合并")
    if into.status in (Status.MERGED, Status.REJECTED):
        raise Conflict(f"主件已{into.get_status_display()}，不能作为合并对象。", "duplicate_of",
                       code="invalid_merge_target")
    note = _text(note, "note", "说明", maximum=NOTE_MAX, required=False)
    now, before = timezone.now(), complaint.status
    complaint.status, complaint.duplicate_of = Status.MERGED, into
    complaint.save(update_fields=["status", "duplicate_of", "updated_at"])
    followers = list(Complaint.objects.filter(duplicate_of=complaint).values_list("pk", flat=True))
    Complaint.objects.filter(pk__in=followers).update(duplicate_of=into)
    _event(complaint, Kind.MERGED, actor=actor, before=before, after=Status.MERGED, at=now,
           public=True, note="您反映的问题与其他投诉相同，已合并办理，办理进展见下方。")
    if note:
        _event(complaint, Kind.NOTED, actor=actor, note=note, at=now)
    _event(into, Kind.NOTED, actor=actor, at=now,
           note=f"合并了重复投诉 {complaint.code_display}" + (f"：{note}" if note else ""))
    log_action(complaint, "complaints.merged", actor=actor,
               changes={"status": [before, Status.MERGED], "duplicate_of": [None, into.pk]},
               data={"followers": followers})
    return complaint


@transaction.atomic
def reassign(*, actor, complaint, reason, school=None, section=""):
    """转办: hotline staff or the bureau admin route an open complaint to another school of the
    district or another bureau section. Deadlines stay those of the filing date."""
    complaint = _locked(complaint)
    require(actor, "reassign", complaint)
    if complaint.status not in Complaint.OPEN:
        raise Conflict(f"该投诉已{complaint.get_status_display()}，不能转办。", "status",
                       code="invalid_transition")
    reason = _text(reason, "reason", "转办原因", maximum=NOTE_MAX)
    section = str(section or "")
    if _pk(school) is not None and section:
        raise RuleViolation("invalid", "承办单位只能选择一个：学校或教育局科室。", "section")
    if _pk(school) is None and not section:
        raise RuleViolation("required", "请选择承办学校或教育局科室。", "school")
    if section and section not in SECTIONS:
        raise RuleViolation("invalid", "承办科室应为 bureau_admin、supervisor 或 ethics_officer。",
                            "section")
    new_school = _school_of(complaint.bureau, school)
    if (new_school and new_school.pk == complaint.unit_school_id) or \
            (section and section == complaint.unit_role):
        raise RuleViolation("unchanged", "承办单位没有改变。", "section" if section else "school")
    old = complaint.unit_label
    complaint.unit_school, complaint.unit_role = new_school, section
    complaint.level = (Complaint.Level.SCHOOL if new_school and not complaint.escalated_at
                       else Complaint.Level.BUREAU)
    complaint.save(update_fields=["unit_school", "unit_role", "level", "updated_at"])
    new = complaint.unit_label
    _event(complaint, Kind.REASSIGNED, actor=actor, note=f"由“{old}”转办至“{new}”：{reason}")
    log_action(complaint, "complaints.reassigned", actor=actor, changes={"unit": [old, new]},
               data={"reason": reason[:300]})
    return complaint


# ---- escalation (the daily command) ------------------------------------------------------------

RANK = {"": 0, Complaint.Overdue.ACK: 1, Complaint.Overdue.RESOLVE: 2}


def escalate_overdue(*, today=None):
    """Raise every complaint whose acknowledgement or resolution deadline has passed to the
    bureau (``level`` bureau, ``escalated_at``), once per missed deadline: running it again the
    same day changes nothing. Returns the number escalated."""
    today = today or timezone.localdate()
    escalated = 0
    candidates = Complaint.objects.overdue(today).order_by("pk").values_list("pk", flat=True)
    for pk in list(candidates):
        with transaction.atomic():
            complaint = (Complaint.objects.select_for_update(of=("self",))
                         .select_related("unit_school").filter(pk=pk).first())
            missed = complaint.overdue_for(today) if complaint else ""
            if not missed or RANK[missed] <= RANK[complaint.escalated_for]:
                continue
            now = timezone.now()
            due = complaint.ack_due if missed == Complaint.Overdue.ACK else complaint.resolve_due
            complaint.escalated_at, complaint.escalated_for = now, missed
            complaint.level = Complaint.Level.BUREAU
            complaint.save(update_fields=["escalated_at", "escalated_for", "level", "updated_at"])
            text = Complaint.Overdue(missed).label
            _event(complaint, Kind.ESCALATED, actor=None, at=now,
                   note=f"{text}（期限 {due:%Y-%m-%d}，承办单位：{complaint.unit_label}），"
                        "升级至教育局督办。")
            log_action(complaint, "complaints.escalated", actor=None,
                       data={"for": missed, "due": due.isoformat()})
            escalated += 1
    return escalated


# ---- attachments, contact, links ---------------------------------------------------------------


@transaction.atomic
def add_attachment(*, actor, complaint, upload, field="file"):
    """Add evidence: staff who may take notes at any stage; the complainant (``actor`` None,
    through the tracking code) only until the complaint is acknowledged."""
    complaint = _locked(complaint)
    staff = _user(actor)
    if staff is not None:
        require(staff, "note", complaint)
    elif complaint.status != Status.SUBMITTED:
        raise Conflict("投诉受理后不能再补充附件，如有新情况请另行投诉或致电热线。", "status",
                       code="invalid_transition")
    checked = check_uploads([upload], existing=complaint.attachments.count(), field=field)
    attachment = _store(complaint, checked, actor=staff, from_complainant=staff is None)[0]
    _event(complaint, Kind.ATTACHED, actor=staff, note=attachment.name)
    log_action(complaint, "complaints.attachment.added", actor=staff,
               data={"attachment": attachment.pk, "content_type": attachment.content_type,
                     "size": attachment.size})
    return attachment


def open_attachment(*, actor, attachment):
    """The stored file of an attachment; every read is audited (it may show people)."""
    require(actor, "view", attachment.complaint)
    handle = attachment.file.open("rb")  # FileNotFoundError when the file has gone
    log_action(attachment.complaint, "complaints.attachment.read", actor=actor, kind="access",
               data={"attachment": attachment.pk})
    return handle


def reveal_complainant(*, actor, complaint):
    """The complainant's name and phone, for those who call back. Every read is audited, like
    pupils' ID numbers; an anonymous complaint has nothing to reveal (and logs nothing)."""
    require(actor, "reveal", complaint)
    if complaint.anonymous:
        return "", ""
    log_action(complaint, "complaints.complainant.read", actor=actor, kind="access")
    return complaint.complainant_name, complaint.complainant_phone


CARD_STATUSES = (Status.ACKNOWLEDGED, Status.IN_PROGRESS, Status.RESOLVED)


@transaction.atomic
def issue_card(*, actor, complaint, colour, reason, evidence="", rule=""):
    """Open a yellow or red card on the complaint's institution (institutions.services, TI-13)
    and record the link. The card's evidence names the complaint by number, never by its
    tracking code: the institution reads its cards."""
    from institutions import services as institutions

    complaint = _locked(complaint)
    require(actor, "link", complaint)
    if complaint.institution_id is None:
        raise RuleViolation("required", "该投诉没有指明培训机构，不能亮牌。", "institution")
    if complaint.status not in CARD_STATUSES:
        raise Conflict(f"该投诉当前为“{complaint.get_status_display()}”，受理后才能据此亮牌。",
                       "status", code="invalid_transition")
    institution = Institution.objects.select_related("bureau__parent").get(
        pk=complaint.institution_id)
    evidence = (evidence or "").strip() or f"投诉举报第 {complaint.pk} 号"
    card = institutions.issue_card(actor=actor, institution=institution, colour=colour,
                                   reason=reason, evidence=evidence, rule=rule)
    note = f"{card.get_colour_display()}：{card.reason}"
    ComplaintLink.objects.create(complaint=complaint, kind=ComplaintLink.Kind.CARD,
                                 object_id=card.pk, note=note[:300], created_by=_user(actor),
                                 created_at=timezone.now())
    _event(complaint, Kind.LINKED, actor=actor, note=f"对“{institution.name}”亮{note}")
    log_action(complaint, "complaints.card.issued", actor=actor,
               data={"card": card.pk, "colour": card.colour, "institution": institution.pk})
    return card


@transaction.atomic
def link_case(*, actor, complaint, kind, object_id, note=""):
    """Record that the complaint led to a teacher-ethics case, an inspection or a refund review
    (kept by those areas; here the kind and the id)."""
    complaint = _locked(complaint)
    require(actor, "link", complaint)
    if kind not in ComplaintLink.Kind.values or kind == ComplaintLink.Kind.CARD:
        raise RuleViolation("invalid", "关联类型应为 ethics_case、inspection 或 refund_review"
                                       "（亮牌请使用亮牌功能）。", "kind")
    object_id = _pk(object_id)
    if not object_id:
        raise RuleViolation("invalid" if object_id == 0 else "required", "请填写关联对象的编号。",
                            "object_id")
    note = _text(note, "note", "说明", maximum=300, required=False)
    if ComplaintLink.objects.filter(complaint=complaint, kind=kind, object_id=object_id).exists():
        raise Conflict("已关联过该对象。", "object_id", code="duplicate")
    link = ComplaintLink.objects.create(complaint=complaint, kind=kind, object_id=object_id,
                                        note=note, created_by=_user(actor),
                                        created_at=timezone.now())
    _event(complaint, Kind.LINKED, actor=actor,
           note=f"关联{link.get_kind_display()}（编号 {object_id}）" + (f"：{note}" if note else ""))
    log_action(complaint, "complaints.linked", actor=actor,
               data={"kind": kind, "object_id": object_id})
    return link
