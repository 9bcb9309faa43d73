"""Training-institution use cases (RULES.md §5). Every door calls these; each checks the rules,
writes the ledger entry (``InstitutionVersion``) or the audit entry, and returns the object."""

import datetime as dt
import hashlib
import hmac

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from stdnum.cn import uscc

from audit.actions import log_action
from core.access import require
from core.errors import Conflict, Forbidden, RuleViolation
from core.masking import mask_id_number
from institutions.models import (
    NON_SUBJECT_CATEGORIES,
    SUBJECT_TYPE_SUBJECTS,
    AnnualReview,
    Card,
    GuidePrice,
    Institution,
    InstitutionVersion,
    ListEntry,
    ScheduleFlag,
    Staff,
    TeacherMatch,
    TrainingCourse,
    TrainingSession,
)
from org.roles import Role
from org.validators import clean_id_number
from policy.services import Policy
from schoolcal.calendar import DayKind, SchoolCalendar

STANDARD_MINUTES = {"online": 30, "offline": 45}  # TP-2


def _minutes(t):
    return t.hour * 60 + t.minute


def _hm(text):
    hours, minutes = (int(p) for p in str(text).split(":"))
    return hours * 60 + minutes


def _fmt(minutes):
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


# ---- the ledger --------------------------------------------------------------------------------


def _value(v):
    return v.isoformat() if isinstance(v, dt.date) else v


def _ledger(institution, event, actor, changes=None, reason=""):
    """Append a version to the dynamic ledger (the caller holds the institution's row lock)."""
    institution.version = (institution.version or 0) + 1
    Institution.objects.filter(pk=institution.pk).update(version=institution.version)
    InstitutionVersion.objects.create(institution=institution, version=institution.version,
                                      event=event, changes=changes or {}, reason=reason[:300],
                                      changed_by=actor if getattr(actor, "pk", None) else None)
    log_action(institution, f"institutions.{event}", actor=actor,
               data={"version": institution.version, "reason": reason[:300]})


def _locked(institution):
    return Institution.objects.select_for_update(of=("self",)).select_related("bureau__parent").get(
        pk=institution.pk)


# ---- registry and applications (TI) -----------------------------------------------------------

REGISTRY_FIELDS = ("name", "credit_code", "subject_type", "category", "mode", "for_profit",
                   "serves_preschool", "serves_compulsory", "serves_senior_high",
                   "licence_status", "school_permit_no", "permit_valid_until",
                   "business_licence_no", "licence_valid_until", "legal_representative", "phone",
                   "address")
# What an institution may change about itself; the rest is the supervision section's.
SELF_SERVICE_FIELDS = {"phone", "address", "legal_representative"}


def clean_credit_code(code, required=True):
    code = (code or "").strip().upper()
    if not code:
        if required:
            raise RuleViolation("required", "请填写统一社会信用代码。", "credit_code")
        return ""
    if not uscc.is_valid(code):
        raise RuleViolation("invalid", "统一社会信用代码无效（GB 32100 校验未通过）。", "credit_code")
    return uscc.compact(code)


def banned_kind(fields):
    """The rule an application for this kind of institution breaks, or None (TI-1, TI-3, TI-4)."""
    if fields.get("serves_preschool"):
        if fields.get("mode") == Institution.Mode.ONLINE:
            return "TI-4", "不得开展面向学龄前儿童的线上培训。"
        if fields.get("subject_type"):
            return "TI-4", "严禁面向学龄前儿童开展线下学科类（含外语）培训。"
        return "TI-3", "不再审批新的面向学龄前儿童的校外培训机构。"
    if fields.get("subject_type") and fields.get("serves_compulsory"):
        return "TI-1", "不再审批新的面向义务教育阶段学生的学科类校外培训机构。"
    if fields.get("subject_type") and fields.get("serves_senior_high"):
        return "TI-3", "不再审批新的面向普通高中学生的学科类校外培训机构。"
    return None


def _clean_fields(fields):
    fields = {k: v for k, v in fields.items() if k in REGISTRY_FIELDS}
    if "name" in fields:
        fields["name"] = (fields["name"] or "").strip()
        if not fields["name"]:
            raise RuleViolation("required", "请填写机构名称。", "name")
    if fields.get("mode") is not None and fields["mode"] not in Institution.Mode.values:
        raise RuleViolation("invalid", "培训形式应为 online 或 offline。", "mode")
    if fields.get("licence_status") is not None and \
            fields["licence_status"] not in Institution.LicenceStatus.values:
        raise RuleViolation("invalid", "证照状态无效。", "licence_status")
    if fields.get("category") and fields["category"] not in NON_SUBJECT_CATEGORIES:
        raise RuleViolation("invalid", f"非学科类类别无效：{fields['category']}。", "category")
    for key in ("school_permit_no", "business_licence_no", "legal_representative", "phone",
                "address"):
        if key in fields and fields[key] is not None:
            fields[key] = str(fields[key]).strip()
    return fields


@transaction.atomic
def register_institution(*, actor, bureau, found=False, **fields):
    """An institution applies (status 申请中), or supervision staff record one: an existing
    licensed institution, or (``found``) one found in an inspection, without its cooperation."""
    require(actor, "create", Institution)
    scope = actor.scope
    supervising = bureau.pk in scope.bureau_ids_for(Role.SUPERVISOR, Role.BUREAU_ADMIN,
                                                    Role.INSPECTOR)
    if not supervising and not scope.has(Role.INSTITUTION_STAFF):
        raise RuleViolation("forbidden_unit", "只能在本局登记机构。", "bureau")
    fields = _clean_fields(fields)
    if not fields.get("name"):
        raise RuleViolation("required", "请填写机构名称。", "name")
    fields.setdefault("mode", Institution.Mode.OFFLINE)
    if not fields.get("subject_type") and not fields.get("category"):
        raise RuleViolation("required", "非学科类机构须选择类别（体育、艺术、科技等，TI-7）。",
                            "category")
    if fields.get("subject_type"):
        fields["category"] = ""
    if found:
        if not supervising:
            raise Forbidden("只有监管和执法人员可以登记检查发现的机构。")
        fields["credit_code"] = clean_credit_code(fields.get("credit_code"), required=False)
        fields.setdefault("licence_status", Institution.LicenceStatus.NEITHER)
        status = Institution.Status.FOUND
    else:
        fields["credit_code"] = clean_credit_code(fields.get("credit_code"))
        # Only those who review applications record an institution as approved (inspectors'
        # and institutions' registrations wait for the review).
        approving = bureau.pk in scope.bureau_ids_for(Role.SUPERVISOR, Role.BUREAU_ADMIN)
        applying = not approving or not fields.get("school_permit_no")
        # The bans (TI-1, TI-3, TI-4) stop new approvals; an institution licensed before them,
        # recorded by the section with its permit, is registered as it is.
        banned = banned_kind(fields) if applying else None
        if banned:
            raise RuleViolation(banned[0], banned[1], "subject_type")
        status = Institution.Status.APPLYING if applying else Institution.Status.APPROVED
        fields.setdefault("licence_status", Institution.LicenceStatus.PERMIT_AND_LICENCE
                          if status == Institution.Status.APPROVED
                          else Institution.LicenceStatus.LICENCE_ONLY)
    if fields.get("credit_code") and Institution.objects.filter(
            credit_code=fields["credit_code"]).exists():
        raise Conflict("该统一社会信用代码已登记。", "credit_code")
    institution = Institution.objects.create(bureau=bureau, status=status, version=0, **fields)
    _ledger(institution, "registered" if not found else "found", actor,
            {k: [None, _value(v)] for k, v in fields.items() if v not in ("", None, False)})
    if not supervising:
        # The applicant works for the new institution from now on.
        from org.models import RoleAssignment

        RoleAssignment.objects.get_or_create(user=actor, role=Role.INSTITUTION_STAFF,
                                             institution=institution)
        actor.__dict__.pop("_scope_cache", None)
    return institution


@transaction.atomic
def review_application(*, actor, institution, approve, note="", school_permit_no="",
                       permit_valid_until=None):
    institution = _locked(institution)
    require(actor, "review", institution)
    if institution.status != Institution.Status.APPLYING:
        raise Conflict("该机构不在申请状态。", "status")
    changes = {"status": [institution.status, None]}
    if approve:
        banned = banned_kind({f: getattr(institution, f) for f in REGISTRY_FIELDS})
        if banned:
            raise RuleViolation(banned[0], banned[1], "subject_type")
        if not school_permit_no.strip():
            raise RuleViolation("required", "批准时须填写办学许可证号。", "school_permit_no")
        if permit_valid_until is not None and permit_valid_until < timezone.localdate():
            raise RuleViolation("invalid", "办学许可证有效期不能早于今天。", "permit_valid_until")
        institution.status = Institution.Status.APPROVED
        institution.school_permit_no = school_permit_no.strip()
        institution.permit_valid_until = permit_valid_until
        institution.licence_status = Institution.LicenceStatus.PERMIT_AND_LICENCE
        changes.update(school_permit_no=[None, institution.school_permit_no],
                       licence_status=[None, institution.licence_status])
    else:
        if not note.strip():
            raise RuleViolation("required", "不予批准须说明理由。", "note")
        institution.status = Institution.Status.REJECTED
    changes["status"][1] = institution.status
    institution.save()
    _ledger(institution, "reviewed", actor, changes, note)
    return institution


@transaction.atomic
def change_institution(*, actor, institution, reason="", **fields):
    """Change the record; every change is a new ledger version. Institutions may change their
    contact details; licences, status and classification are the supervision section's."""
    institution = _locked(institution)
    require(actor, "change", institution)
    supervising = institution.bureau_id in actor.scope.bureau_ids_for(Role.SUPERVISOR,
                                                                      Role.BUREAU_ADMIN)
    fields = {k: v for k, v in fields.items() if v is not None}
    if not supervising:
        denied = sorted(set(fields) - SELF_SERVICE_FIELDS)
        if denied:
            raise Forbidden(f"机构只能修改联系方式和地址；{'、'.join(denied)} 由监管部门变更。",
                            denied[0])
    fields = _clean_fields(fields)
    if "credit_code" in fields:
        fields["credit_code"] = clean_credit_code(fields["credit_code"], required=False)
        if fields["credit_code"] and Institution.objects.filter(
                credit_code=fields["credit_code"]).exclude(pk=institution.pk).exists():
            raise Conflict("该统一社会信用代码已登记。", "credit_code")
    changes = {k: [_value(getattr(institution, k)), _value(v)] for k, v in fields.items()
               if getattr(institution, k) != v}
    if not changes:
        return institution
    if supervising and not (reason or "").strip():
        raise RuleViolation("required", "请填写变更原因（记入动态管理台账）。", "reason")
    for key, value in fields.items():
        setattr(institution, key, value)
    institution.save()
    _ledger(institution, "changed", actor, changes, reason or "")
    return institution


@transaction.atomic
def record_annual_review(*, actor, institution, year, result, note=""):
    institution = _locked(institution)
    require(actor, "review", institution)
    if result not in AnnualReview.Result.values:
        raise RuleViolation("invalid", "年检结论无效。", "result")
    if AnnualReview.objects.filter(institution=institution, year=year).exists():
        raise Conflict(f"{year} 年度已年检。", "year")
    review = AnnualReview.objects.create(institution=institution, year=year, result=result,
                                         note=note.strip(), reviewed_by=actor)
    _ledger(institution, "annual_review", actor, {"annual_review": [None, f"{year}:{result}"]},
            note)
    return review


def expiring(institutions, *, today=None, days=None):
    """(institution, which, date, expired) for permits and licences that have expired or expire
    within the reminder window."""
    today = today or timezone.localdate()
    rows, windows = [], {}
    for inst in institutions:
        if days is None and inst.bureau_id not in windows:
            windows[inst.bureau_id] = int(Policy(inst.bureau)["ti.permit_reminder_days"])
        window = days if days is not None else windows[inst.bureau_id]
        for label, date in (("办学许可证", inst.permit_valid_until),
                            ("营业执照", inst.licence_valid_until)):
            if date and date <= today + dt.timedelta(days=window):
                rows.append({"institution": inst, "which": label, "date": date,
                             "expired": date < today, "days_left": (date - today).days})
    return sorted(rows, key=lambda r: r["date"])


# ---- staff (TT) --------------------------------------------------------------------------------


def id_hash(id_number):
    """Keyed hash of a resident ID number: the same number gives the same hash on this platform
    and nothing else can be read from it."""
    key = hashlib.sha256(("institution-staff:" + settings.SECRET_KEY).encode()).digest()
    return hmac.new(key, id_number.strip().upper().encode(), hashlib.sha256).hexdigest()


def _match_teachers(staff, id_number):
    from org.models import Teacher

    made = []
    for teacher in Teacher.objects.filter(id_number__iexact=id_number):
        match, created = TeacherMatch.objects.get_or_create(staff=staff, teacher=teacher)
        if created:
            made.append(match)
            log_action(match, "institutions.staff.teacher_match", actor=None,
                       data={"institution": staff.institution_id})
    return made


@transaction.atomic
def add_staff(*, actor, institution, name, id_number, kind, full_time=True, subjects=(),
              teacher_certificate_no="", other_certificate="", foreign=False,
              located_abroad=False, labour_contract=True, hired_on=None):
    """Register a staff member. The ID number is checked (GB 11643), hashed and matched against
    the teacher rosters (TT-2); a match reaches supervision staff, never the institution."""
    institution = _locked(institution)
    require(actor, "change", institution)
    if not actor.scope.has(Role.INSTITUTION_STAFF, Role.SUPERVISOR, Role.BUREAU_ADMIN):
        raise Forbidden("无权登记从业人员。")
    name = (name or "").strip()
    if not name:
        raise RuleViolation("required", "请填写姓名。", "name")
    if kind not in Staff.Kind.values:
        raise RuleViolation("invalid", "岗位应为 teaching / research / other。", "kind")
    id_number = clean_id_number(id_number)
    if located_abroad:
        raise RuleViolation("TT-8", "严禁聘请在境外的外籍人员开展培训活动。", "located_abroad")
    if not labour_contract:
        raise RuleViolation("TT-7", "须与从业人员签订书面劳动合同。", "labour_contract")
    subjects = [str(s) for s in subjects or []]
    teaches_subject = kind in (Staff.Kind.TEACHING, Staff.Kind.RESEARCH) and (
        institution.subject_type or any(s in SUBJECT_TYPE_SUBJECTS for s in subjects))
    if teaches_subject and not teacher_certificate_no.strip():
        raise RuleViolation("TT-1", "从事学科类培训的教学、教研人员须具备相应教师资格证书。",
                            "teacher_certificate_no")
    if kind == Staff.Kind.TEACHING and not teaches_subject and not (
            other_certificate.strip() or teacher_certificate_no.strip()):
        raise RuleViolation("TT-1", "非学科类培训的教学人员须具备相应职业（专业）能力证书。",
                            "other_certificate")
    digest = id_hash(id_number)
    if Staff.objects.current().filter(institution=institution, id_hash=digest).exists():
        raise Conflict("该人员已在本机构登记。", "id_number")
    staff = Staff.objects.create(
        institution=institution, name=name, id_hash=digest, id_masked=mask_id_number(id_number),
        kind=kind, full_time=bool(full_time), subjects=subjects,
        teacher_certificate_no=teacher_certificate_no.strip(),
        other_certificate=other_certificate.strip(), foreign=bool(foreign),
        labour_contract=bool(labour_contract), hired_on=hired_on)
    _match_teachers(staff, id_number)
    _ledger(institution, "staff.added", actor, {"staff": [None, f"{name}（{staff.id_masked}）"]})
    return staff


@transaction.atomic
def staff_left(*, actor, staff, left_on=None):
    institution = _locked(staff.institution)
    require(actor, "change", staff)
    if staff.left_on:
        raise Conflict("该人员已离职。", "left_on")
    staff.left_on = left_on or timezone.localdate()
    staff.save(update_fields=["left_on"])
    _ledger(institution, "staff.left", actor, {"staff": [staff.name, None]})
    return staff


def cross_check(bureau_ids=None):
    """Match current staff against every teacher's ID number (run daily and after roster
    imports): teachers join rosters after the staff were registered. Returns new matches."""
    from org.models import Teacher

    staff = {}  # one person may work for several institutions: every record is matched
    for s in Staff.objects.current().select_related("institution"):
        if bureau_ids is None or s.institution.bureau_id in bureau_ids:
            staff.setdefault(s.id_hash, []).append(s)
    made = 0
    for teacher_id, number in Teacher.objects.exclude(id_number="").values_list("pk",
                                                                               "id_number"):
        for found in staff.get(id_hash(number), ()):
            match, created = TeacherMatch.objects.get_or_create(staff=found,
                                                                teacher_id=teacher_id)
            if created:
                made += 1
                log_action(match, "institutions.staff.teacher_match", actor=None,
                           data={"institution": found.institution_id})
    return made


@transaction.atomic
def close_match(*, actor, match, confirmed, note):
    require(actor, "change", TeacherMatch)
    if match.staff.institution.bureau_id not in actor.scope.bureau_ids_for(Role.SUPERVISOR,
                                                                             Role.BUREAU_ADMIN):
        raise RuleViolation("forbidden_unit", "只能核查本区机构的线索。", "match")
    if match.status != TeacherMatch.Status.OPEN:
        raise Conflict("该线索已处理。", "status")
    if not (note or "").strip():
        raise RuleViolation("required", "请填写核查说明。", "note")
    match.status = TeacherMatch.Status.CONFIRMED if confirmed else TeacherMatch.Status.DISMISSED
    match.note, match.closed_by = note.strip()[:300], actor
    match.save(update_fields=["status", "note", "closed_by"])
    log_action(match, "institutions.staff.match_closed", actor=actor,
               changes={"status": ["open", match.status]})
    return match


def fulltime_share(institution):
    """(full-time teaching/research staff, all staff) for TT-3."""
    current = Staff.objects.current().filter(institution=institution)
    total = current.count()
    full = current.filter(full_time=True, kind__in=[Staff.Kind.TEACHING,
                                                   Staff.Kind.RESEARCH]).count()
    return full, total


# ---- courses and prices (TP) -------------------------------------------------------------------


def band_of(class_size):
    """TP-3: under 10, 10 to 35, over 35 (the national text leaves 10 and 35 ambiguous; this
    reads them as belonging to the middle band, RULES discrepancy 9)."""
    if class_size < 10:
        return GuidePrice.Band.SMALL
    if class_size <= 35:
        return GuidePrice.Band.MEDIUM
    return GuidePrice.Band.LARGE


def guide_price(bureau, mode, band):
    """The nearest bureau's guide price (own, else the parent's: prices are set above districts)."""
    node = bureau
    while node is not None:
        found = GuidePrice.objects.filter(bureau=node, mode=mode, band=band).first()
        if found:
            return found
        node = node.parent
    return None


def check_price(institution, *, mode, class_size, lesson_minutes, price_per_lesson_fen):
    """TP-1..TP-3 for a subject-type course: the price per standard lesson may not exceed the
    guide base price plus the district's float (at most 10 %)."""
    band = band_of(class_size)
    guide = guide_price(institution.bureau, mode, band)
    if guide is None:
        raise RuleViolation("TP-1", f"本地尚未公布{GuidePrice.Band(band).label}"
                            f"{Institution.Mode(mode).label}学科类培训指导价，暂不能开设。",
                            "price_per_lesson_fen")
    up = int(Policy(institution.bureau)["tp.max_up_percent"])
    standard = STANDARD_MINUTES[mode]
    # price × standard / minutes ≤ base × (100 + up) / 100, in integers
    if price_per_lesson_fen * standard * 100 > guide.base_price_fen * (100 + up) * lesson_minutes:
        ceiling = guide.base_price_fen * (100 + up) * lesson_minutes // (standard * 100)
        raise RuleViolation("TP-1", f"每课时价格超过政府指导价上限：{lesson_minutes} 分钟课时最高 "
                            f"{ceiling / 100:.2f} 元（基准价 {guide.base_price_fen / 100:.2f} 元/"
                            f"{standard} 分钟，上浮不超过 {up}%）。", "price_per_lesson_fen")
    return guide


@transaction.atomic
def add_course(*, actor, institution, name, subject, mode, grades, class_size, lesson_minutes,
               price_per_lesson_fen, content_summary, lessons=1):
    """A course with its published fee (TP-5); subject-type courses are priced within the guide
    band, online lessons are at most 30 minutes (TS-4)."""
    institution = _locked(institution)
    require(actor, "schedule", institution)
    name, content_summary = (name or "").strip(), (content_summary or "").strip()
    if not name:
        raise RuleViolation("required", "请填写课程名称。", "name")
    if not content_summary:
        raise RuleViolation("required", "请填写内容简介（培训内容备案，TI-10）。", "content_summary")
    if institution.status not in (Institution.Status.APPROVED,):
        raise Conflict("机构未获审批，不能开设课程。", "institution")
    if institution.enrolment_suspended:
        raise RuleViolation("TI-13", "机构被亮红牌或暂停招生，不能开设新课程。", "institution")
    if mode not in Institution.Mode.values:
        raise RuleViolation("invalid", "形式应为 online 或 offline。", "mode")
    if not 1 <= int(class_size) <= 500:
        raise RuleViolation("invalid", "班额应在 1–500 人之间。", "class_size")
    if not 1 <= int(lesson_minutes) <= 240:
        raise RuleViolation("invalid", "课时时长应在 1–240 分钟之间。", "lesson_minutes")
    if not 1 <= int(lessons) <= 1000:
        raise RuleViolation("invalid", "总课时应在 1–1000 之间。", "lessons")
    grades = sorted(set(grades or []))
    if not grades or not all(isinstance(g, int) and 0 <= g <= 12 for g in grades):
        raise RuleViolation("invalid", "适用年级为 0（学前）至 12 的整数。", "grades")
    subject_type = subject in SUBJECT_TYPE_SUBJECTS
    if not subject_type and subject not in NON_SUBJECT_CATEGORIES:
        raise RuleViolation("invalid", f"科目/类别无效：{subject}。", "subject")
    if subject_type and not institution.subject_type:
        raise RuleViolation("TI-7", "非学科类培训机构不得从事学科类培训。", "subject")
    if 0 in grades and (subject_type or mode == Institution.Mode.ONLINE):
        raise RuleViolation("TI-4", "不得面向学龄前儿童开展线上培训或学科类培训。", "grades")
    policy = Policy(institution.bureau)
    if mode == Institution.Mode.ONLINE and \
            int(lesson_minutes) > int(policy["ts.online_max_lesson_minutes"]):
        raise RuleViolation("TS-4", f"线上培训每课时不超过 {policy['ts.online_max_lesson_minutes']}"
                            " 分钟。", "lesson_minutes")
    if subject_type:
        check_price(institution, mode=mode, class_size=int(class_size),
                    lesson_minutes=int(lesson_minutes),
                    price_per_lesson_fen=int(price_per_lesson_fen))
    course = TrainingCourse.objects.create(
        institution=institution, name=name, subject=subject, subject_type=subject_type,
        mode=mode, grades=grades, class_size=int(class_size), lesson_minutes=int(lesson_minutes),
        lessons=int(lessons), price_per_lesson_fen=int(price_per_lesson_fen),
        content_summary=content_summary)
    _ledger(institution, "course.added", actor,
            {"course": [None, f"{name}：{int(price_per_lesson_fen) / 100:.2f} 元/课时"]})
    return course


@transaction.atomic
def set_guide_price(*, actor, bureau, mode, band, base_price_fen, document=""):
    require(actor, "change", GuidePrice)
    if bureau.pk not in actor.scope.bureau_ids_for(Role.BUREAU_ADMIN, Role.SUPERVISOR):
        raise RuleViolation("forbidden_unit", "只能设置本局的指导价。", "bureau")
    if mode not in Institution.Mode.values or band not in GuidePrice.Band.values:
        raise RuleViolation("invalid", "形式或班型无效。", "band")
    if not 1 <= int(base_price_fen) <= 10_000_000:
        raise RuleViolation("invalid", "基准价应为正整数（分）。", "base_price_fen")
    price, _ = GuidePrice.objects.update_or_create(
        bureau=bureau, mode=mode, band=band,
        defaults={"base_price_fen": int(base_price_fen), "document": document.strip()[:200]})
    log_action(price, "institutions.guide_price.set", actor=actor,
               data={"mode": mode, "band": band, "base_price_fen": int(base_price_fen)})
    return price


# ---- schedules (TS) ----------------------------------------------------------------------------


class ScheduleRules:
    """The schedule rules of one bureau, loaded once (calendar and parameters) for many checks."""

    def __init__(self, bureau):
        self.calendar = SchoolCalendar(bureau)
        policy = Policy(bureau)
        self.offline_end = _hm(policy["ts.offline_latest_end"])
        self.online_end = _hm(policy["ts.online_latest_end"])
        self.online_max = int(policy["ts.online_max_lesson_minutes"])
        self.online_gap = int(policy["ts.online_min_gap_minutes"])
        self.school_start = _hm(policy["ts.school_hours_start"])
        self.school_end = _hm(policy["ts.school_hours_end"])
        self.makeup_is_rest = policy["ts.makeup_workday_is_rest"] == "yes"
        self.tz = timezone.get_current_timezone()  # XC-3; looked up once, not per session

    def problems(self, course, start, end, mode, neighbours=()):
        """[(rule, message)] for one session; ``neighbours`` are (start, end) of the course's
        other sessions that day (for the online gap)."""
        found = []
        start, end = timezone.localtime(start, self.tz), timezone.localtime(end, self.tz)
        if end <= start:
            return [("invalid", "结束时间应晚于开始时间。")]
        if end.date() != start.date():
            found.append(("TS-3" if mode == "offline" else "TS-4", "培训不得跨越午夜。"))
        day = self.calendar.day(start.date())
        rest = day.kind in (DayKind.HOLIDAY, DayKind.REST_DAY, DayKind.VACATION) or (
            self.makeup_is_rest and day.kind == DayKind.MAKEUP_WORKDAY)
        if course.subject_type and rest:
            name = f"（{day.name}）" if day.name else ""
            found.append(("TS-1", f"{start.date()} 为{day.label}{name}，不得组织学科类培训。"))
        begin, finish = _minutes(start.time()), _minutes(end.time())
        if mode == Institution.Mode.OFFLINE and finish > self.offline_end:
            found.append(("TS-3", f"线下培训结束时间不得晚于 {_fmt(self.offline_end)}。"))
        if mode == Institution.Mode.ONLINE:
            if (end - start).total_seconds() / 60 > self.online_max:
                found.append(("TS-4", f"线上培训每课时不超过 {self.online_max} 分钟。"))
            if finish > self.online_end:
                found.append(("TS-4", f"线上培训结束时间不得晚于 {_fmt(self.online_end)}。"))
            gap = dt.timedelta(minutes=self.online_gap)
            for other_start, other_end in neighbours:
                if start < other_end + gap and other_start < end + gap:
                    found.append(("TS-4", f"与同一课程的其他课时间隔不足 {self.online_gap} 分钟。"))
                    break
        school_pupils = any(1 <= g <= 9 for g in course.grades)
        if school_pupils and day.is_school_day and begin < self.school_end and \
                finish > self.school_start:
            found.append(("TS-2", f"上课日 {_fmt(self.school_start)}–{_fmt(self.school_end)} 为"
                                  "中小学教学时间，培训不得与之冲突。"))
        return found


def _neighbours(course, start, exclude=None):
    day = timezone.localtime(start).date()
    qs = TrainingSession.objects.filter(course=course, cancelled=False,
                                        start__date=day).exclude(pk=exclude)
    return [(timezone.localtime(s.start), timezone.localtime(s.end)) for s in qs]


@transaction.atomic
def schedule_session(*, actor, institution, course, start, end, mode=None):
    """File one session: refused with the rule id when it breaks TS-1..TS-4 (nothing saved)."""
    institution = _locked(institution)
    require(actor, "schedule", institution)
    if course.institution_id != institution.pk:
        raise RuleViolation("invalid", "课程不属于该机构。", "course")
    mode = mode or course.mode
    if mode != course.mode:
        raise RuleViolation("invalid", "课次形式应与课程一致。", "mode")
    if institution.enrolment_suspended:
        raise RuleViolation("TI-13", "机构被亮红牌或暂停招生，不能排课。", "institution")
    if timezone.is_naive(start) or timezone.is_naive(end):
        raise RuleViolation("invalid", "时间须带时区（如 +08:00）。", "start")
    rules = ScheduleRules(institution.bureau)
    found = rules.problems(course, start, end, mode, _neighbours(course, start))
    if found:
        rule, message = found[0]
        raise RuleViolation(rule, message if len(found) == 1 else
                            f"{message}（另有 {len(found) - 1} 处问题）", "start",
                            rows=[{"rule": r, "message": m} for r, m in found])
    session = TrainingSession.objects.create(course=course, start=start, end=end, mode=mode,
                                             filed_by=actor)
    log_action(session, "institutions.session.filed", actor=actor, kind="create",
               data={"course": course.pk})
    return session


def recheck_sessions(bureau_ids=None, *, today=None):
    """The daily check: future sessions that the calendar (a new holiday, a vacation, a changed
    parameter) now makes illegal get a ``ScheduleFlag``. Returns the number of new flags.

    Built for a term of 50,000 sessions: sessions are read as plain rows (their courses once),
    times are converted to China Standard Time once, existing flags are read in one query and
    new ones written in one ``bulk_create``."""
    today = today or timezone.localdate()
    tz = timezone.get_current_timezone()
    sessions = TrainingSession.objects.filter(
        cancelled=False, start__gte=timezone.make_aware(dt.datetime.combine(today, dt.time()), tz))
    if bureau_ids is not None:
        sessions = sessions.filter(course__institution__bureau_id__in=bureau_ids)
    courses = {c.pk: c for c in TrainingCourse.objects.filter(
        pk__in=sessions.values("course_id")).select_related("institution__bureau__parent")}
    existing = set(ScheduleFlag.objects.filter(session__in=sessions.values("pk"))
                   .values_list("session_id", "rule"))
    by_course_day = {}
    for pk, course_id, start, end, mode in sessions.order_by("course_id", "start", "pk") \
            .values_list("pk", "course_id", "start", "end", "mode").iterator(chunk_size=5000):
        start, end = start.astimezone(tz), end.astimezone(tz)
        by_course_day.setdefault((course_id, start.date()), []).append((pk, start, end, mode))
    rules, new = {}, {}
    for (course_id, _), group in by_course_day.items():
        course = courses[course_id]
        bureau = course.institution.bureau
        checker = rules.get(bureau.pk) or rules.setdefault(bureau.pk, ScheduleRules(bureau))
        for i, (pk, start, end, mode) in enumerate(group):
            # The course's earlier sessions that day (for the online gap, TS-4).
            others = [(o_start, o_end) for _, o_start, o_end, _ in group[:i] if o_start < start]
            for rule, message in checker.problems(course, start, end, mode, others):
                if (pk, rule) not in existing and (pk, rule) not in new:
                    new[(pk, rule)] = message[:300]
    ScheduleFlag.objects.bulk_create(
        [ScheduleFlag(session_id=pk, rule=rule, message=message)
         for (pk, rule), message in new.items()], batch_size=2000, ignore_conflicts=True)
    return len(new)


# ---- cards and lists (TI-13) -------------------------------------------------------------------


@transaction.atomic
def issue_card(*, actor, institution, colour, reason, evidence="", rule=""):
    """A yellow or red card. Enough yellow cards within the window escalate to a red card; a red
    card suspends enrolment."""
    institution = _locked(institution)
    require(actor, "card", institution)
    if colour not in Card.Colour.values:
        raise RuleViolation("invalid", "类型应为 yellow 或 red。", "colour")
    if not (reason or "").strip():
        raise RuleViolation("required", "请填写事由。", "reason")
    card = Card.objects.create(institution=institution, colour=colour, reason=reason.strip(),
                               evidence=(evidence or "").strip(), rule=(rule or "").strip()[:10],
                               issued_by=actor)
    _ledger(institution, "card.issued", actor, {"card": [None, f"{card.get_colour_display()}"]},
            reason)
    if colour == Card.Colour.YELLOW:
        policy = Policy(institution.bureau)
        months = int(policy["ti.yellow_window_months"])
        since = timezone.now() - dt.timedelta(days=round(months * 30.44))
        yellows = list(Card.objects.active().filter(
            institution=institution, colour=Card.Colour.YELLOW, issued_at__gte=since,
            escalated_into__isnull=True).order_by("issued_at"))
        if len(yellows) >= int(policy["ti.yellow_cards_for_red"]):
            red = Card.objects.create(
                institution=institution, colour=Card.Colour.RED, issued_by=actor,
                reason=f"{months} 个月内累计 {len(yellows)} 张黄牌，升级为红牌。",
                escalated_from=[y.pk for y in yellows])
            Card.objects.filter(pk__in=[y.pk for y in yellows]).update(escalated_into=red)
            _ledger(institution, "card.escalated", actor, {"card": [None, "红牌"]}, red.reason)
            colour = Card.Colour.RED
    if colour == Card.Colour.RED and not institution.enrolment_suspended:
        institution.enrolment_suspended = True
        institution.save(update_fields=["enrolment_suspended"])
        _ledger(institution, "enrolment.suspended", actor,
                {"enrolment_suspended": [False, True]}, "红牌：暂停招生")
    return card


@transaction.atomic
def revoke_card(*, actor, card, reason):
    institution = _locked(card.institution)
    require(actor, "change", card)
    if card.revoked_at:
        raise Conflict("该牌已撤销。", "card")
    if not (reason or "").strip():
        raise RuleViolation("required", "撤销须记录原因。", "reason")
    card.revoked_at, card.revoke_reason = timezone.now(), reason.strip()
    card.save(update_fields=["revoked_at", "revoke_reason"])
    _ledger(institution, "card.revoked", actor, {"card": [card.get_colour_display(), None]},
            reason)
    if institution.enrolment_suspended and not Card.objects.active().filter(
            institution=institution, colour=Card.Colour.RED).exists():
        institution.enrolment_suspended = False
        institution.save(update_fields=["enrolment_suspended"])
        _ledger(institution, "enrolment.resumed", actor, {"enrolment_suspended": [True, False]},
                reason)
    return card


@transaction.atomic
def add_to_list(*, actor, institution, kind, reason):
    institution = _locked(institution)
    require(actor, "list", institution)
    if kind not in ListEntry.Kind.values:
        raise RuleViolation("invalid", "名单应为 white / black / negative。", "kind")
    if not (reason or "").strip():
        raise RuleViolation("required", "请填写事由。", "reason")
    if ListEntry.objects.current().filter(institution=institution, kind=kind).exists():
        raise Conflict("该机构已在此名单中。", "kind")
    if kind == ListEntry.Kind.WHITE and (
            institution.licence_status != Institution.LicenceStatus.PERMIT_AND_LICENCE
            or institution.status != Institution.Status.APPROVED
            or institution.enrolment_suspended or ListEntry.objects.current().filter(
                institution=institution, kind=ListEntry.Kind.BLACK).exists()):
        raise RuleViolation("TI-13", "白名单只收证照齐全、合规经营且不在黑名单的机构。", "kind")
    now = timezone.now()
    if kind == ListEntry.Kind.BLACK:
        ListEntry.objects.current().filter(institution=institution, kind=ListEntry.Kind.WHITE) \
            .update(removed_at=now, removed_reason="列入黑名单")
    entry = ListEntry.objects.create(institution=institution, kind=kind, reason=reason.strip(),
                                     added_by=actor)
    _ledger(institution, "list.added", actor, {"list": [None, entry.get_kind_display()]}, reason)
    return entry


@transaction.atomic
def remove_from_list(*, actor, entry, reason):
    institution = _locked(entry.institution)
    require(actor, "change", entry)
    if entry.removed_at:
        raise Conflict("已移出该名单。", "entry")
    if not (reason or "").strip():
        raise RuleViolation("required", "移出名单须记录原因。", "reason")
    entry.removed_at, entry.removed_reason = timezone.now(), reason.strip()
    entry.save(update_fields=["removed_at", "removed_reason"])
    _ledger(institution, "list.removed", actor, {"list": [entry.get_kind_display(), None]},
            reason)
    return entry


# ---- public lookup and risk -----------------------------------------------------------------


def public_search(q):
    q = (q or "").strip()
    qs = Institution.objects.public().select_related("bureau").order_by("name", "pk")
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(credit_code__iexact=q.upper()))
    return qs


def risk_rows(institutions, *, today=None):
    """Per institution, what should worry the supervision section, with a simple score:
    expired permits, active cards, open teacher matches, TT-3 shortfall, flagged sessions, the
    licence class and the prepaid-fund warnings (PF-14: red +4, yellow +2)."""
    from funds.warnings import RED, level_of, warnings_for  # funds builds on institutions

    today = today or timezone.localdate()
    rows = []
    institutions = list(institutions)
    ids = [i.pk for i in institutions]
    fund_warnings = warnings_for(institutions, today=today)
    cards = {}
    # A yellow card escalated into a red one is part of that red card, not counted again.
    for inst_id, colour in Card.objects.active().filter(
            institution_id__in=ids, escalated_into__isnull=True).values_list(
            "institution_id", "colour"):
        cards.setdefault(inst_id, []).append(colour)
    matches = {}
    for inst_id in TeacherMatch.objects.filter(status=TeacherMatch.Status.OPEN,
                                               staff__institution_id__in=ids).values_list(
            "staff__institution_id", flat=True):
        matches[inst_id] = matches.get(inst_id, 0) + 1
    flags = {}
    for inst_id in ScheduleFlag.objects.filter(resolved=False,
                                               session__course__institution_id__in=ids).values_list(
            "session__course__institution_id", flat=True):
        flags[inst_id] = flags.get(inst_id, 0) + 1
    staff = {}
    for inst_id, full, kind in Staff.objects.current().filter(institution_id__in=ids).values_list(
            "institution_id", "full_time", "kind"):
        counts = staff.setdefault(inst_id, [0, 0])
        counts[1] += 1
        counts[0] += bool(full and kind in (Staff.Kind.TEACHING, Staff.Kind.RESEARCH))
    min_share = {}
    for inst in institutions:
        reasons, score = [], 0
        expired = [d for d in (inst.permit_valid_until, inst.licence_valid_until) if d and d < today]
        if expired:
            reasons.append("证照过期")
            score += 3
        if inst.licence_status == Institution.LicenceStatus.NEITHER:
            reasons.append("无照无证")
            score += 4
        elif inst.licence_status == Institution.LicenceStatus.LICENCE_ONLY:
            reasons.append("有照无证")
            score += 2
        colours = cards.get(inst.pk, [])
        if Card.Colour.RED in colours:
            reasons.append("红牌")
            score += 4
        if Card.Colour.YELLOW in colours:
            reasons.append(f"黄牌 {colours.count(Card.Colour.YELLOW)} 张")
            score += colours.count(Card.Colour.YELLOW)
        if matches.get(inst.pk):
            reasons.append(f"疑似在职教师 {matches[inst.pk]} 人")
            score += 2 * matches[inst.pk]
        if flags.get(inst.pk):
            reasons.append(f"违规排课 {flags[inst.pk]} 节")
            score += 1
        full, total = staff.get(inst.pk, (0, 0))
        if inst.bureau_id not in min_share:
            min_share[inst.bureau_id] = int(Policy(inst.bureau)["tt.min_fulltime_percent"])
        if total and full * 100 < total * min_share[inst.bureau_id]:
            reasons.append(f"专职比例 {full}/{total} 低于 {min_share[inst.bureau_id]}%")
            score += 1
        funds = fund_warnings[inst.pk]
        fund_level = level_of(funds)
        if fund_level:
            worst = [w for w in funds if w.level == fund_level]
            reasons.append(("资金红色预警：" if fund_level == RED else "资金黄色预警：")
                           + "；".join(w.message for w in worst[:2]))
            score += 4 if fund_level == RED else 2
        rows.append({"institution": inst, "score": score, "reasons": reasons,
                     "fund_level": fund_level, "fund_warnings": funds,
                     "cards": colours, "teacher_matches": matches.get(inst.pk, 0),
                     "schedule_flags": flags.get(inst.pk, 0), "staff_total": total,
                     "staff_fulltime": full})
    rows.sort(key=lambda r: (-r["score"], r["institution"].name))
    return rows
