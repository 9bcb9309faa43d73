"""Complaints and reports (投诉举报; RULES.md IN-6, IN-8, PN-8).

A complaint is filed with one district bureau, by anybody through the public form (anonymous
allowed) or by hotline staff on a caller's behalf. It is routed to the unit responsible for it:
a school (homework, exams, after-school service about a named school) or a section of the
bureau, expressed as the bureau role that staffs it (the supervision section for institutions
and fees, the teacher-ethics officer for in-service teachers' paid tutoring, the bureau admin
otherwise). Its life is a declared set of transitions (``TRANSITIONS``), each recorded as a
``ComplaintEvent``; replies marked public are what the complainant sees on the tracking page,
never the complainant's own data nor internal notes.

Deadlines (``ack_due``, ``resolve_due``) are counted in the district's working days from the
filing date (IN-6 parameters ``in.complaint_ack_days``, ``in.complaint_resolve_days``); the daily
``escalate_complaints`` command raises overdue complaints to the bureau.
"""

import os
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from core.masking import mask_name, mask_phone
from org.roles import Role
from org.scope import scope_of

# 12 characters from an alphabet without look-alikes (no 0/O, 1/I/L): 31**12 ≈ 7.9e17 codes.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 12

SUBJECT_MAX = 100
DETAILS_MIN = 10
DETAILS_MAX = 3000
NOTE_MAX = 2000

# Who reaches complaints at all, and who works on them.
STAFF = frozenset({Role.BUREAU_ADMIN, Role.HOTLINE, Role.SUPERVISOR, Role.ETHICS_OFFICER,
                   Role.SCHOOL_ADMIN, Role.INSPECTOR})
HANDLERS = frozenset({Role.BUREAU_ADMIN, Role.SUPERVISOR, Role.ETHICS_OFFICER, Role.SCHOOL_ADMIN})
INTAKE = frozenset({Role.BUREAU_ADMIN, Role.HOTLINE})

# The bureau sections a complaint can be routed to, as the role that staffs each.
SECTIONS = {
    Role.BUREAU_ADMIN: "教育局（综合办理）",
    Role.SUPERVISOR: "校外培训监管科",
    Role.ETHICS_OFFICER: "师德师风专员",
}


def new_code():
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(text):
    """What a person typed (``abcd-efgh-jkmn``, spaces, lower case) → the stored code, or ""."""
    code = "".join(ch for ch in str(text or "").upper() if ch not in " -")
    if len(code) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in code):
        return ""
    return code


def format_code(code):
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))


class ComplaintQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Hotline staff, bureau admins and inspectors: every complaint of their district;
        the supervision section and the ethics officer: those routed to them; school admins:
        those routed to their school."""
        s = scope_of(user)
        q = Q(bureau_id__in=s.bureau_ids_for(Role.BUREAU_ADMIN, Role.HOTLINE, Role.INSPECTOR))
        for role in (Role.SUPERVISOR, Role.ETHICS_OFFICER):
            if s.bureau_ids_for(role):
                q |= Q(bureau_id__in=s.bureau_ids_for(role), unit_role=role)
        if s.admin_school_ids:
            q |= Q(unit_school_id__in=s.admin_school_ids)
        return self.filter(q)

    def open(self):
        return self.filter(status__in=Complaint.OPEN)

    def overdue(self, today):
        """Not acknowledged by ``ack_due``, or not resolved by ``resolve_due``."""
        return self.filter(Q(status=Complaint.Status.SUBMITTED, ack_due__lt=today)
                           | Q(status__in=Complaint.OPEN, resolve_due__lt=today))


class Complaint(models.Model):
    """A complaint or report (投诉举报) filed with a district bureau."""

    class Channel(models.TextChoices):
        WEB = "web", "网上投诉"
        HOTLINE = "hotline", "热线电话"
        LETTER = "letter", "来信"
        VISIT = "visit", "来访"

    class Category(models.TextChoices):
        HOMEWORK = "homework", "作业负担"
        EXAMS = "exams", "考试"
        AFTER_SCHOOL = "after_school", "课后服务"
        INSTITUTION = "institution", "校外培训机构"
        FEES = "fees", "收费退费"
        PAID_TUTORING = "paid_tutoring", "在职教师有偿补课"
        OTHER = "other", "其他"

    class Status(models.TextChoices):
        SUBMITTED = "submitted", "待受理"
        ACKNOWLEDGED = "acknowledged", "已受理"
        IN_PROGRESS = "in_progress", "办理中"
        RESOLVED = "resolved", "已办结"
        CLOSED = "closed", "已归档"
        REJECTED = "rejected", "不予受理"
        MERGED = "merged", "已合并办理"

    class Level(models.TextChoices):
        SCHOOL = "school", "学校"
        BUREAU = "bureau", "教育局"

    class Overdue(models.TextChoices):
        NONE = "", "—"
        ACK = "ack", "受理超期"
        RESOLVE = "resolve", "办结超期"

    TRANSITIONS = {
        Status.SUBMITTED: {Status.ACKNOWLEDGED, Status.REJECTED, Status.MERGED},
        Status.ACKNOWLEDGED: {Status.IN_PROGRESS, Status.REJECTED, Status.MERGED},
        Status.IN_PROGRESS: {Status.RESOLVED, Status.MERGED},
        Status.RESOLVED: {Status.CLOSED},
        Status.CLOSED: set(),
        Status.REJECTED: set(),
        Status.MERGED: set(),
    }
    # Still being handled: the deadlines run, replies and reassignment are possible.
    OPEN = (Status.SUBMITTED, Status.ACKNOWLEDGED, Status.IN_PROGRESS)
    FINAL = (Status.CLOSED, Status.REJECTED, Status.MERGED)

    # School-level categories go to the named school; the rest to a bureau section.
    SCHOOL_CATEGORIES = (Category.HOMEWORK, Category.EXAMS, Category.AFTER_SCHOOL)
    SECTION_OF = {Category.INSTITUTION: Role.SUPERVISOR, Category.FEES: Role.SUPERVISOR,
                  Category.PAID_TUTORING: Role.ETHICS_OFFICER}

    code = models.CharField("查询码", max_length=CODE_LENGTH, unique=True)
    bureau = models.ForeignKey("org.Bureau", verbose_name="受理教育局", on_delete=models.PROTECT,
                               related_name="complaints")
    channel = models.CharField("渠道", max_length=10, choices=Channel.choices)
    anonymous = models.BooleanField("匿名", default=False)
    complainant_name = models.CharField("投诉人姓名", max_length=50, blank=True)
    complainant_phone = models.CharField("投诉人电话", max_length=20, blank=True)
    category = models.CharField("类别", max_length=20, choices=Category.choices)
    subject = models.CharField("标题", max_length=SUBJECT_MAX)
    details = models.TextField("投诉内容")
    school = models.ForeignKey("org.School", verbose_name="涉及学校", null=True, blank=True,
                               on_delete=models.PROTECT, related_name="complaints_about")
    institution = models.ForeignKey("institutions.Institution", verbose_name="涉及培训机构",
                                    null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="complaints")
    teacher_name = models.CharField("涉及教师", max_length=50, blank=True)

    unit_school = models.ForeignKey("org.School", verbose_name="承办学校", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="routed_complaints")
    unit_role = models.CharField("承办科室", max_length=30, blank=True,
                                 choices=[(str(k), v) for k, v in SECTIONS.items()])
    level = models.CharField("办理层级", max_length=10, choices=Level.choices)
    status = models.CharField("状态", max_length=15, choices=Status.choices,
                              default=Status.SUBMITTED)

    filed_at = models.DateTimeField("登记时间")
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", null=True,
                                 blank=True, on_delete=models.SET_NULL, related_name="+")
    ack_due = models.DateField("受理期限")
    resolve_due = models.DateField("办结期限")
    responded_at = models.DateTimeField("首次答复时间", null=True, blank=True,
                                        help_text="受理或不予受理的时间，用于计算受理及时率")
    resolved_at = models.DateTimeField("办结时间", null=True, blank=True)
    closed_at = models.DateTimeField("归档时间", null=True, blank=True)
    escalated_at = models.DateTimeField("升级督办时间", null=True, blank=True)
    escalated_for = models.CharField("升级原因", max_length=10, blank=True,
                                     choices=Overdue.choices)
    duplicate_of = models.ForeignKey("self", verbose_name="合并到", null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="duplicates")
    outcome = models.TextField("办理结果", blank=True)
    reject_reason = models.CharField("不予受理理由", max_length=NOTE_MAX, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ComplaintQuerySet.as_manager()

    ACCESS = {
        "view": STAFF,
        "file": INTAKE,
        # acknowledge, start, public replies, resolve, close, reject; cards and case links
        "handle": HANDLERS,
        "link": HANDLERS,
        # internal notes and attachments; marking duplicates; the complainant's contact
        "note": HANDLERS | {Role.HOTLINE},
        "merge": HANDLERS | {Role.HOTLINE},
        "reveal": HANDLERS | {Role.HOTLINE},
        "reassign": INTAKE,
    }

    class Meta:
        verbose_name = "投诉举报"
        verbose_name_plural = "投诉举报"
        ordering = ["-filed_at", "-pk"]
        indexes = [
            models.Index(fields=["bureau", "status"]),
            models.Index(fields=["status", "resolve_due"]),
            models.Index(fields=["unit_school", "status"]),
        ]
        constraints = [
            # Routed to exactly one unit: a school, or a bureau section.
            models.CheckConstraint(
                name="complaint_one_unit",
                condition=(Q(unit_school__isnull=False, unit_role="")
                           | (Q(unit_school__isnull=True) & ~Q(unit_role="")))),
            # A merged complaint names its main complaint, and only a merged one does.
            models.CheckConstraint(
                name="complaint_merged_has_main",
                condition=(Q(status="merged", duplicate_of__isnull=False)
                           | (~Q(status="merged") & Q(duplicate_of__isnull=True)))),
            # Anonymous means no name and no phone are kept.
            models.CheckConstraint(
                name="complaint_anonymous_keeps_no_contact",
                condition=Q(anonymous=False) | Q(complainant_name="", complainant_phone="")),
            models.CheckConstraint(name="complaint_resolve_after_ack",
                                   condition=Q(resolve_due__gte=models.F("ack_due"))),
        ]

    def __str__(self):
        return self.code_display

    @property
    def code_display(self):
        return format_code(self.code)

    @property
    def unit_label(self):
        if self.unit_school_id:
            return self.unit_school.name
        return SECTIONS.get(self.unit_role, self.unit_role)

    @property
    def complainant_name_masked(self):
        return "匿名" if self.anonymous else mask_name(self.complainant_name)

    @property
    def complainant_phone_masked(self):
        return "" if self.anonymous else mask_phone(self.complainant_phone)

    def overdue_for(self, today):
        """``resolve`` / ``ack`` when that deadline has passed unmet, else ``""``."""
        if self.status in self.OPEN and today > self.resolve_due:
            return self.Overdue.RESOLVE
        if self.status == self.Status.SUBMITTED and today > self.ack_due:
            return self.Overdue.ACK
        return self.Overdue.NONE

    def public_progress(self):
        """What the complainant sees on the tracking page: status, deadlines and the public
        history; never their own data, the routing or internal notes. A merged complaint shows
        the main complaint's progress (without the main complaint's code)."""
        main = self.duplicate_of if self.status == self.Status.MERGED else None
        events = list(self.events.filter(public=True))
        if main is not None:
            events += list(main.events.filter(public=True).exclude(kind=ComplaintEvent.Kind.FILED))
        events.sort(key=lambda e: (e.at, e.pk))
        handling = main or self
        done = handling.status in (self.Status.RESOLVED, self.Status.CLOSED)
        return {
            "code": self.code_display, "status": self.status,
            "status_label": self.get_status_display(), "category": self.category,
            "category_label": self.get_category_display(),
            "filed_on": timezone.localdate(self.filed_at), "ack_due": self.ack_due,
            "resolve_due": self.resolve_due, "merged": main is not None,
            "handling_status": handling.status,
            "handling_status_label": handling.get_status_display(),
            "outcome": handling.outcome if done else "",
            "replies": [{"at": e.at, "kind": e.kind, "kind_label": e.get_kind_display(),
                         "status": e.to_status, "note": e.note} for e in events],
        }

    def is_responsible(self, scope):
        """Does the user work in the unit the complaint is routed to?"""
        if self.unit_school_id:
            return self.unit_school_id in scope.admin_school_ids
        return self.bureau_id in scope.bureau_ids_for(self.unit_role)

    def permits(self, scope, action):
        """The responsible unit handles; the bureau admin oversees everything of the district;
        hotline staff file, route, mark duplicates and add notes; inspectors only read."""
        if action == "view":
            return True
        responsible = self.is_responsible(scope)
        overseer = self.bureau_id in scope.bureau_ids_for(Role.BUREAU_ADMIN)
        intake = self.bureau_id in scope.bureau_ids_for(Role.HOTLINE)
        if action in ("handle", "link"):
            return responsible or overseer
        if action in ("note", "merge", "reveal"):
            return responsible or overseer or intake
        if action in ("reassign", "file"):
            return overseer or intake
        return False


def _via_complaint(user):
    return Q(complaint__in=Complaint.objects.visible_to(user))


class ComplaintEvent(models.Model):
    """One entry of a complaint's history: a status change, a reply, a note, a routing change.
    ``public`` events are shown to the complainant on the tracking page."""

    class Kind(models.TextChoices):
        FILED = "filed", "登记"
        ACKNOWLEDGED = "acknowledged", "受理"
        STARTED = "started", "开始办理"
        REPLIED = "replied", "答复"
        NOTED = "noted", "内部备注"
        RESOLVED = "resolved", "办结"
        CLOSED = "closed", "归档"
        REJECTED = "rejected", "不予受理"
        MERGED = "merged", "合并办理"
        REASSIGNED = "reassigned", "转办"
        ESCALATED = "escalated", "超期升级督办"
        ATTACHED = "attached", "上传附件"
        LINKED = "linked", "关联处理"

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField("事项", max_length=15, choices=Kind.choices)
    from_status = models.CharField("原状态", max_length=15, blank=True,
                                   choices=Complaint.Status.choices)
    to_status = models.CharField("新状态", max_length=15, blank=True,
                                 choices=Complaint.Status.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField("时间")
    note = models.TextField("说明", blank=True)
    public = models.BooleanField("向投诉人公开", default=False)

    class QuerySet(models.QuerySet):
        def visible_to(self, user):
            return self.filter(_via_complaint(user))

    objects = QuerySet.as_manager()
    ACCESS = {"view": STAFF}

    class Meta:
        verbose_name = "投诉办理记录"
        verbose_name_plural = "投诉办理记录"
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["complaint", "at"])]


def attachment_path(instance, filename):
    # The stored name is random with the extension of the detected type; the person's own file
    # name is kept only in ``name``.
    extension = os.path.splitext(filename)[1].lower()
    return f"complaints/{instance.complaint.filed_at:%Y/%m}/{secrets.token_hex(16)}{extension}"


class ComplaintAttachment(models.Model):
    """Evidence (a photo or a PDF) of a complaint, stored under MEDIA_ROOT and served only
    through the gated view to staff who can see the complaint."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE,
                                  related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=200)
    name = models.CharField("文件名", max_length=200)
    content_type = models.CharField("类型", max_length=50)
    size = models.PositiveIntegerField("大小（字节）")
    from_complainant = models.BooleanField("投诉人提交", default=False)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField("上传时间")

    class QuerySet(models.QuerySet):
        def visible_to(self, user):
            return self.filter(_via_complaint(user))

    objects = QuerySet.as_manager()
    ACCESS = {"view": STAFF}

    class Meta:
        verbose_name = "投诉附件"
        verbose_name_plural = "投诉附件"
        ordering = ["uploaded_at", "pk"]


class ComplaintLink(models.Model):
    """What a complaint led to elsewhere: a card on the institution, a teacher-ethics case, an
    inspection, a refund review. The other object is named by kind and id (those apps keep
    their own records)."""

    class Kind(models.TextChoices):
        CARD = "card", "红黄牌"
        ETHICS_CASE = "ethics_case", "师德师风案件"
        INSPECTION = "inspection", "检查"
        REFUND_REVIEW = "refund_review", "退费审核"

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="links")
    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    object_id = models.PositiveBigIntegerField("对象编号")
    note = models.CharField("说明", max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("时间")

    class QuerySet(models.QuerySet):
        def visible_to(self, user):
            return self.filter(_via_complaint(user))

    objects = QuerySet.as_manager()
    ACCESS = {"view": STAFF}

    class Meta:
        verbose_name = "投诉关联处理"
        verbose_name_plural = "投诉关联处理"
        ordering = ["created_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["complaint", "kind", "object_id"],
                                               name="complaint_link_once")]
