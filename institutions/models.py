"""Off-campus training institutions (校外培训机构; RULES.md §5 TI, TS, TT, TP).

The registry keeps every institution with its licences and a dynamic ledger (动态管理台账): each
change is an ``InstitutionVersion`` row with who, when, what changed and why. Institutions apply
for approval (``status``), their staff are checked against the teacher roster without revealing
matches to them (TT-2), their courses against the guide price (TP-1..TP-3) and every scheduled
session against the calendar and the clock (TS-1..TS-4). Cards and lists (TI-13) are the
supervision section's tools; the public lookup shows only what the rules make public.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from org.roles import Role
from org.scope import scope_of

SUPERVISION = {Role.BUREAU_ADMIN, Role.SUPERVISOR, Role.INSPECTOR}
READERS = SUPERVISION | {Role.CUSTODIAN_BANK, Role.INSTITUTION_STAFF}

# TI-5: subjects managed as subject-type (学科类) for compulsory education.
SUBJECT_TYPE_SUBJECTS = {
    "morality": "道德与法治", "chinese": "语文", "history": "历史", "geography": "地理",
    "maths": "数学", "english": "英语", "japanese": "日语", "russian": "俄语", "physics": "物理",
    "chemistry": "化学", "biology": "生物",
}
NON_SUBJECT_CATEGORIES = {
    "sport": "体育", "art": "艺术（音乐、美术、舞蹈、书法等）", "science": "科技（信息技术、编程等）",
    "practice": "综合实践（劳动与技术等）", "other": "其他非学科类",
}


class InstitutionQuerySet(models.QuerySet):
    def visible_to(self, user):
        s = scope_of(user)
        return self.filter(
            Q(bureau_id__in=s.bureau_ids_for(Role.BUREAU_ADMIN, Role.SUPERVISOR, Role.INSPECTOR,
                                             Role.CUSTODIAN_BANK))
            | Q(pk__in=s.institution_ids)
        )

    def public(self):
        """What the public lookup lists: registered institutions, not mere applications."""
        return self.exclude(status__in=[Institution.Status.APPLYING, Institution.Status.REJECTED])


class Institution(models.Model):
    """A training institution licensed by (or found in) one district bureau."""

    class LicenceStatus(models.TextChoices):
        # TI-12: the three registration classes.
        PERMIT_AND_LICENCE = "permit_and_licence", "有证有照"
        LICENCE_ONLY = "licence_only", "有照无证"
        NEITHER = "neither", "无照无证"

    class Mode(models.TextChoices):
        OFFLINE = "offline", "线下"
        ONLINE = "online", "线上"

    class Status(models.TextChoices):
        APPLYING = "applying", "申请中"
        APPROVED = "approved", "已审批"
        REJECTED = "rejected", "未获批准"
        FOUND = "found", "检查发现（未审批）"
        SUSPENDED = "suspended", "暂停招生"
        CLOSED = "closed", "已注销/停业"

    bureau = models.ForeignKey("org.Bureau", verbose_name="审批教育局", on_delete=models.PROTECT,
                               related_name="institutions")
    name = models.CharField("机构名称", max_length=150)
    credit_code = models.CharField("统一社会信用代码", max_length=18, blank=True)
    subject_type = models.BooleanField("学科类", default=False)
    category = models.CharField("非学科类类别", max_length=12, blank=True,
                                choices=list(NON_SUBJECT_CATEGORIES.items()))
    mode = models.CharField("培训形式", max_length=10, choices=Mode.choices, default=Mode.OFFLINE)
    for_profit = models.BooleanField("营利性", default=False)
    serves_preschool = models.BooleanField("面向学龄前儿童", default=False)
    serves_compulsory = models.BooleanField("面向义务教育阶段学生", default=True)
    serves_senior_high = models.BooleanField("面向普通高中学生", default=False)
    licence_status = models.CharField("证照状态", max_length=30, choices=LicenceStatus.choices)
    status = models.CharField("审批状态", max_length=10, choices=Status.choices,
                              default=Status.APPROVED)
    school_permit_no = models.CharField("办学许可证号", max_length=40, blank=True)
    permit_valid_until = models.DateField("办学许可证有效期至", null=True, blank=True)
    business_licence_no = models.CharField("营业执照号", max_length=40, blank=True)
    licence_valid_until = models.DateField("营业执照有效期至", null=True, blank=True)
    legal_representative = models.CharField("法定代表人/负责人", max_length=50, blank=True)
    phone = models.CharField("联系电话", max_length=20, blank=True)
    address = models.CharField("地址", max_length=200, blank=True)
    enrolment_suspended = models.BooleanField("暂停招生", default=False,
                                              help_text="红牌或整改期间不得招生、收费")
    version = models.PositiveIntegerField("台账版本", default=1)

    objects = InstitutionQuerySet.as_manager()

    ACCESS = {
        "view": READERS,
        "change": {Role.SUPERVISOR, Role.BUREAU_ADMIN, Role.INSTITUTION_STAFF},
        "create": {Role.SUPERVISOR, Role.BUREAU_ADMIN, Role.INSPECTOR, Role.INSTITUTION_STAFF},
        "review": {Role.SUPERVISOR, Role.BUREAU_ADMIN},
        "card": {Role.SUPERVISOR, Role.BUREAU_ADMIN, Role.INSPECTOR},
        "list": {Role.SUPERVISOR, Role.BUREAU_ADMIN},
        "staff": {Role.INSTITUTION_STAFF, Role.SUPERVISOR, Role.BUREAU_ADMIN},
        "schedule": {Role.INSTITUTION_STAFF},
        "supervise": SUPERVISION,
    }

    class Meta:
        verbose_name = "校外培训机构"
        verbose_name_plural = "校外培训机构"
        constraints = [
            models.UniqueConstraint(fields=["credit_code"], condition=~Q(credit_code=""),
                                    name="institution_credit_code_unique"),
        ]

    def __str__(self):
        return self.name

    def permits(self, scope, action):
        own = self.pk in scope.institution_ids
        in_bureau = self.bureau_id in scope.bureau_ids_for(Role.SUPERVISOR, Role.BUREAU_ADMIN)
        if action in ("review", "list"):
            return in_bureau
        if action in ("card", "supervise"):
            return in_bureau or self.bureau_id in scope.bureau_ids_for(Role.INSPECTOR)
        if action in ("change", "staff"):
            return own or in_bureau
        if action == "schedule":
            return own
        return True


class InstitutionVersion(models.Model):
    """One entry of the dynamic ledger (动态管理台账): a version of an institution's record."""

    institution = models.ForeignKey(Institution, on_delete=models.CASCADE,
                                    related_name="versions")
    version = models.PositiveIntegerField("版本")
    event = models.CharField("事项", max_length=40)
    changes = models.JSONField("变更内容", default=dict)
    reason = models.CharField("原因", max_length=300, blank=True)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                   related_name="+")
    changed_at = models.DateTimeField(auto_now_add=True)

    class QuerySet(models.QuerySet):
        def visible_to(self, user):
            return self.filter(institution__in=Institution.objects.visible_to(user))

    objects = QuerySet.as_manager()
    ACCESS = {"view": READERS}

    class Meta:
        verbose_name = "机构台账记录"
        verbose_name_plural = "机构台账记录"
        ordering = ["institution_id", "version"]
        constraints = [models.UniqueConstraint(fields=["institution", "version"],
                                               name="institution_version_unique")]


class AnnualReview(models.Model):
    """The yearly inspection (年检) of an institution."""

    class Result(models.TextChoices):
        PASS = "pass", "合格"
        RECTIFY = "rectify", "限期整改"
        FAIL = "fail", "不合格"

    institution = models.ForeignKey(Institution, on_delete=models.CASCADE,
                                    related_name="annual_reviews")
    year = models.PositiveSmallIntegerField("年度")
    result = models.CharField("结论", max_length=10, choices=Result.choices)
    note = models.CharField("说明", max_length=500, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                    related_name="+")
    reviewed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["institution", "year"],
                                               name="annual_review_once_a_year")]


# ---- staff (TT) --------------------------------------------------------------------------------


class StaffQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(institution__in=Institution.objects.visible_to(user))

    def current(self):
        return self.filter(left_on__isnull=True)


class Staff(models.Model):
    """A member of an institution's staff. The resident ID number is kept only as a keyed hash
    (HMAC) plus a masked form: enough to find an in-service teacher (TT-2), nothing to leak."""

    class Kind(models.TextChoices):
        TEACHING = "teaching", "教学人员"
        RESEARCH = "research", "教研人员"
        OTHER = "other", "其他从业人员"

    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="staff")
    name = models.CharField("姓名", max_length=50)
    id_hash = models.CharField("身份证号摘要", max_length=64, db_index=True)
    id_masked = models.CharField("身份证号（脱敏）", max_length=18)
    kind = models.CharField("岗位", max_length=10, choices=Kind.choices)
    full_time = models.BooleanField("专职", default=True)
    subjects = models.JSONField("任教科目", default=list, blank=True)
    teacher_certificate_no = models.CharField("教师资格证书编号", max_length=40, blank=True)
    other_certificate = models.CharField("职业（专业）能力证书", max_length=100, blank=True)
    foreign = models.BooleanField("外籍人员", default=False)
    labour_contract = models.BooleanField("已签订书面劳动合同", default=True)
    hired_on = models.DateField("入职日期", null=True, blank=True)
    left_on = models.DateField("离职日期", null=True, blank=True)

    objects = StaffQuerySet.as_manager()
    ACCESS = {"view": {Role.INSTITUTION_STAFF, Role.SUPERVISOR, Role.BUREAU_ADMIN,
                       Role.INSPECTOR},
              "change": {Role.INSTITUTION_STAFF, Role.SUPERVISOR, Role.BUREAU_ADMIN}}

    class Meta:
        verbose_name = "机构从业人员"
        verbose_name_plural = "机构从业人员"
        ordering = ["institution_id", "name", "pk"]
        constraints = [models.UniqueConstraint(fields=["institution", "id_hash"],
                                               condition=Q(left_on__isnull=True),
                                               name="staff_once_per_institution")]

    def __str__(self):
        return self.name

    def permits(self, scope, action):
        return self.institution.permits(scope, "staff") if action == "change" else True


class TeacherMatch(models.Model):
    """An institution staff member whose ID number matches an in-service teacher of the
    district (TT-2, PN-8). Seen only by supervision and teacher-ethics staff, never by the
    institution."""

    class Status(models.TextChoices):
        OPEN = "open", "待核查"
        CONFIRMED = "confirmed", "已核实（转师德师风处理）"
        DISMISSED = "dismissed", "已排除"

    staff = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="teacher_matches")
    teacher = models.ForeignKey("org.Teacher", on_delete=models.CASCADE, related_name="+")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.OPEN)
    note = models.CharField("核查说明", max_length=300, blank=True)
    found_at = models.DateTimeField(auto_now_add=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")

    class QuerySet(models.QuerySet):
        def visible_to(self, user):
            s = scope_of(user)
            return self.filter(
                Q(staff__institution__bureau_id__in=s.bureau_ids_for(Role.SUPERVISOR,
                                                                     Role.BUREAU_ADMIN))
                # ethics officers: the confirmed ones about their district's teachers, whichever
                # district the institution is in (转师德师风处理)
                | Q(status="confirmed", teacher__school__bureau_id__in=s.bureau_ids_for(
                    Role.ETHICS_OFFICER)))

    objects = QuerySet.as_manager()
    ACCESS = {"view": {Role.SUPERVISOR, Role.BUREAU_ADMIN, Role.ETHICS_OFFICER},
              "change": {Role.SUPERVISOR, Role.BUREAU_ADMIN}}

    class Meta:
        verbose_name = "在职教师比对线索"
        verbose_name_plural = "在职教师比对线索"
        constraints = [models.UniqueConstraint(fields=["staff", "teacher"],
                                               name="teacher_match_once")]


# ---- courses and sessions (TP, TS) -------------------------------------------------------------


class CourseQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(institution__in=Institution.objects.visible_to(user))

    def published(self):
        return self.filter(published=True)


class TrainingCourse(models.Model):
    """A course an institution offers, with its published fee (TP-5)."""

    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="courses")
    name = models.CharField("课程名称", max_length=100)
    subject = models.CharField("科目/类别", max_length=20)
    subject_type = models.BooleanField("学科类", default=False)
    mode = models.CharField("形式", max_length=10, choices=Institution.Mode.choices)
    grades = models.JSONField("适用年级", default=list)
    class_size = models.PositiveIntegerField("班额（人）")
    lesson_minutes = models.PositiveIntegerField("每课时时长（分钟）")
    lessons = models.PositiveIntegerField("总课时", default=1)
    price_per_lesson_fen = models.PositiveIntegerField("每课时价格（分）")
    content_summary = models.CharField("内容简介", max_length=500)
    published = models.BooleanField("已公示", default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CourseQuerySet.as_manager()
    ACCESS = {"view": READERS, "create": {Role.INSTITUTION_STAFF},
              "change": {Role.INSTITUTION_STAFF}}

    class Meta:
        verbose_name = "培训课程"
        verbose_name_plural = "培训课程"
        ordering = ["institution_id", "name", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(lesson_minutes__gt=0), name="course_lesson_positive"),
        ]

    def __str__(self):
        return self.name

    def permits(self, scope, action):
        if action in ("create", "change"):
            return self.institution_id in scope.institution_ids
        return True


class GuidePrice(models.Model):
    """The government guide base price of subject-type training (TP-1..TP-3): per standard
    lesson (online 30 min, offline 45 min) for a class-size band, set for a bureau (the province
    or prefecture in reality; districts inherit it from their parent bureau)."""

    class Band(models.TextChoices):
        SMALL = "small", "10人以下"
        MEDIUM = "medium", "10至35人"
        LARGE = "large", "35人以上"

    bureau = models.ForeignKey("org.Bureau", on_delete=models.CASCADE, related_name="guide_prices")
    mode = models.CharField("形式", max_length=10, choices=Institution.Mode.choices)
    band = models.CharField("班型", max_length=10, choices=Band.choices)
    base_price_fen = models.PositiveIntegerField("基准价（分/标准课时）")
    document = models.CharField("文件依据", max_length=200, blank=True)

    class QuerySet(models.QuerySet):
        def visible_to(self, user):
            return self.all()  # published prices: anyone signed in may read them

    objects = QuerySet.as_manager()
    ACCESS = {"view": READERS | Role.SCHOOL_ROLES, "change": {Role.BUREAU_ADMIN, Role.SUPERVISOR}}

    class Meta:
        verbose_name = "政府指导价"
        verbose_name_plural = "政府指导价"
        constraints = [models.UniqueConstraint(fields=["bureau", "mode", "band"],
                                               name="guide_price_unique")]


class SessionQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(course__institution__in=Institution.objects.visible_to(user))


class TrainingSession(models.Model):
    """One scheduled lesson of a course, checked against TS-1..TS-4 when filed."""

    course = models.ForeignKey(TrainingCourse, on_delete=models.CASCADE, related_name="sessions")
    start = models.DateTimeField("开始")
    end = models.DateTimeField("结束")
    mode = models.CharField("形式", max_length=10, choices=Institution.Mode.choices)
    cancelled = models.BooleanField("已取消", default=False)
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                 related_name="+")
    filed_at = models.DateTimeField(auto_now_add=True)

    objects = SessionQuerySet.as_manager()
    ACCESS = {"view": READERS}

    class Meta:
        verbose_name = "培训课次"
        verbose_name_plural = "培训课次"
        ordering = ["start", "pk"]
        constraints = [models.CheckConstraint(condition=Q(end__gt=F("start")),
                                              name="training_session_end_after_start")]
        indexes = [models.Index(fields=["course", "start"]), models.Index(fields=["start"])]


class ScheduleFlag(models.Model):
    """A filed session that a later calendar entry made illegal (the daily check)."""

    session = models.ForeignKey(TrainingSession, on_delete=models.CASCADE, related_name="flags")
    rule = models.CharField("规则", max_length=10)
    message = models.CharField("说明", max_length=300)
    found_at = models.DateTimeField(auto_now_add=True)
    resolved = models.BooleanField("已处理", default=False)

    class QuerySet(models.QuerySet):
        def visible_to(self, user):
            return self.filter(session__in=TrainingSession.objects.visible_to(user))

    objects = QuerySet.as_manager()
    ACCESS = {"view": READERS}

    class Meta:
        constraints = [models.UniqueConstraint(fields=["session", "rule"],
                                               name="schedule_flag_once")]


# ---- cards and lists (TI-13) -------------------------------------------------------------------


class Card(models.Model):
    """A yellow or red card. Two yellow cards within twelve months make a red one (configurable);
    a red card suspends enrolment."""

    class Colour(models.TextChoices):
        YELLOW = "yellow", "黄牌"
        RED = "red", "红牌"

    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="cards")
    colour = models.CharField("类型", max_length=10, choices=Colour.choices)
    reason = models.CharField("事由", max_length=300)
    evidence = models.CharField("证据", max_length=500, blank=True)
    rule = models.CharField("违反规则", max_length=10, blank=True)
    escalated_from = models.JSONField("由黄牌升级", default=list, blank=True)
    escalated_into = models.ForeignKey("self", verbose_name="已升级为", null=True, blank=True,
                                       on_delete=models.SET_NULL, related_name="escalated_cards")
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                  related_name="+")
    issued_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoke_reason = models.CharField("撤销原因", max_length=300, blank=True)

    class QuerySet(models.QuerySet):
        def visible_to(self, user):
            return self.filter(institution__in=Institution.objects.visible_to(user))

        def active(self):
            return self.filter(revoked_at__isnull=True)

    objects = QuerySet.as_manager()
    ACCESS = {"view": READERS, "change": {Role.SUPERVISOR, Role.BUREAU_ADMIN}}

    class Meta:
        verbose_name = "红黄牌"
        verbose_name_plural = "红黄牌"
        ordering = ["-issued_at", "-pk"]

    def permits(self, scope, action):
        return self.institution.permits(scope, "list") if action == "change" else True


class ListEntry(models.Model):
    """Membership of the white, black or negative list, with its reason; removed only with a
    recorded reason."""

    class Kind(models.TextChoices):
        WHITE = "white", "白名单"
        BLACK = "black", "黑名单"
        NEGATIVE = "negative", "负面清单"

    institution = models.ForeignKey(Institution, on_delete=models.CASCADE,
                                    related_name="list_entries")
    kind = models.CharField("名单", max_length=10, choices=Kind.choices)
    reason = models.CharField("事由", max_length=300)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                 related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_reason = models.CharField("移出原因", max_length=300, blank=True)

    class QuerySet(models.QuerySet):
        def visible_to(self, user):
            return self.filter(institution__in=Institution.objects.visible_to(user))

        def current(self):
            return self.filter(removed_at__isnull=True)

    objects = QuerySet.as_manager()
    ACCESS = {"view": READERS, "change": {Role.SUPERVISOR, Role.BUREAU_ADMIN}}

    class Meta:
        verbose_name = "黑白名单"
        verbose_name_plural = "黑白名单"
        ordering = ["-added_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["institution", "kind"],
                                               condition=Q(removed_at__isnull=True),
                                               name="list_entry_once_current")]

    def permits(self, scope, action):
        return self.institution.permits(scope, "list") if action == "change" else True
