"""Five managements (五项管理: sleep, phones, reading, physical fitness; RULES §3 SL, PH, RD, PE)
and burden monitoring (课业负担监测, QM-1, QM-3).

- ``SchoolSettings``: what a school declares for a term (class start times, PE lessons, breaks,
  phone policy, ways to reach parents). ``wellbeing.compliance`` checks it against the
  district's effective values and shows 符合/不符合 per rule.
- ``ReadingList``: a school's recommended extracurricular reading for a school year, taken
  through selection → review → confirmation → filing (RD-1), disclosed to parents and bought
  voluntarily (RD-2). ``ReadingListStep`` is its history.
- ``Survey``: a school's termly questionnaire to guardians. A guardian answers once per child:
  the ``SurveyReceipt`` records *that* the child's family answered, the ``SurveyAnswer`` holds
  *what* was answered, without pupil, guardian or time, under a random key, so that neither
  staff nor anyone reading the tables can tie an answer to a family. Results are only shown in
  aggregate, with small groups suppressed (``wellbeing.aggregates``).
- ``BurdenPublication``: the bureau's publication (负担公示) of a term's burden report: a frozen
  snapshot of the figures, visible to guardians of the district's schools and optionally on
  the public page.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from org.models import Pupil, Stage
from org.roles import Role
from org.scope import scope_of

BUREAU_READERS = (Role.BUREAU_ADMIN, Role.INSPECTOR)


def school_staff_q(user, prefix="school__", readers=BUREAU_READERS):
    """Rows of schools the user oversees: bureau readers of the district, the school's admins."""
    s = scope_of(user)
    q = Q(**{f"{prefix}bureau_id__in": s.bureau_ids_for(*readers)})
    q |= Q(**{f"{prefix}pk__in": s.admin_school_ids})
    return q


def family_school_ids(user):
    """The schools a guardian's children attend (a subquery; empty for everyone else)."""
    return Pupil.objects.filter(pk__in=scope_of(user).pupil_ids).values("school_id")


def runs_school(scope, school):
    """A school admin of the school, or a bureau admin of its district (or a bureau above)."""
    return (school.pk in scope.admin_school_ids
            or school.bureau_id in scope.bureau_ids_for(Role.BUREAU_ADMIN))


def oversees_school(scope, school):
    """The school's admins and the district's bureau admins and inspectors."""
    return (school.pk in scope.admin_school_ids
            or school.bureau_id in scope.bureau_ids_for(*BUREAU_READERS))


# ---- school settings (SL-2, PE-1, PE-2, PE-3, PH-1, PH-2) ---------------------------------------


class SchoolSettings(models.Model):
    """A school's declared five-managements arrangements for one term. Saved as declared, even
    when they break a rule: the compliance view shows each item as 符合/不符合 with its rule id,
    and the bureau follows up."""

    class PhoneDefault(models.TextChoices):
        NOT_ALLOWED = "not_allowed", "原则上不得带入校园"
        ALLOWED = "allowed", "允许带入校园"

    school = models.ForeignKey("org.School", verbose_name="学校", on_delete=models.PROTECT,
                               related_name="wellbeing_settings")
    term = models.ForeignKey("schoolcal.Term", verbose_name="学期", on_delete=models.PROTECT,
                             related_name="wellbeing_settings")
    # SL-2
    class_start_primary = models.TimeField("小学部上午第一节课开始时间", null=True, blank=True)
    class_start_junior = models.TimeField("初中部上午第一节课开始时间", null=True, blank=True)
    early_arrival_required = models.BooleanField(
        "要求学生提前到校参加统一活动", default=False,
        help_text="SL-2：学校不得要求学生提前到校参加统一的教育教学活动")
    # PE-1: {"1": 4, "2": 4, "3": 3, …} lessons per week for every grade of the school
    pe_lessons = models.JSONField("各年级每周体育课时", default=dict)
    # PE-2 / PE-3
    big_break_minutes = models.PositiveSmallIntegerField("大课间时长（分钟）", default=0)
    break_minutes = models.PositiveSmallIntegerField("课间休息时长（分钟）", default=0)
    in_school_activity_minutes = models.PositiveSmallIntegerField(
        "每天校内体育活动时间（分钟）", default=0,
        help_text="体育课、大课间、课外体育活动合计（平均每天）")
    # PH-1
    phone_default = models.CharField("学生手机进校", max_length=12, choices=PhoneDefault.choices,
                                     default=PhoneDefault.NOT_ALLOWED)
    phone_consent_required = models.BooleanField(
        "确需带入的须家长同意、学生书面申请", default=False)
    phone_kept_by_school = models.BooleanField("进校后由学校统一保管", default=False)
    phone_banned_in_class = models.BooleanField("禁止带入课堂", default=False)
    # PH-2
    public_phone = models.BooleanField("设立校内公共电话", default=False)
    head_teacher_hotline = models.BooleanField("建立班主任沟通热线", default=False)
    e_student_card = models.BooleanField("提供具备通话功能的电子学生证", default=False)
    other_channel = models.CharField("其他联系渠道", max_length=200, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class QuerySet(models.QuerySet):
        def visible_to(self, user):
            return self.filter(school_staff_q(user))

    objects = QuerySet.as_manager()

    ACCESS = {
        "view": {Role.BUREAU_ADMIN, Role.INSPECTOR, Role.SCHOOL_ADMIN},
        "change": {Role.SCHOOL_ADMIN},
    }

    class Meta:
        verbose_name = "五项管理学校设置"
        verbose_name_plural = "五项管理学校设置"
        constraints = [
            models.UniqueConstraint(fields=["school", "term"], name="wellbeing_settings_unique"),
        ]

    def __str__(self):
        return f"{self.school} {self.term}"

    def permits(self, scope, action):
        if action == "change":
            return self.school_id in scope.admin_school_ids
        return True


# ---- reading lists (RD-1, RD-2) ---------------------------------------------------------------


class ReadingListQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Staff of the school and district see every list; guardians see the lists of their
        children's schools once confirmed and disclosed to parents (RD-2)."""
        family = Q(school_id__in=family_school_ids(user), disclosed_to_parents=True,
                   status__in=ReadingList.RECOMMENDED)
        return self.filter(school_staff_q(user) | family)


class ReadingList(models.Model):
    """A school's recommended extracurricular reading for one school year (RD-1, RD-2)."""

    class Status(models.TextChoices):
        SELECTED = "selected", "初选"
        REVIEWED = "reviewed", "审核通过"
        CONFIRMED = "confirmed", "学校确认"
        FILED = "filed", "已报教育局备案"

    class Purchase(models.TextChoices):
        VOLUNTARY = "voluntary", "家长自愿购买，学校不组织购买"
        SCHOOL_BULK = "school_bulk", "学校统一组织购买"
        REQUIRED = "required", "要求或变相要求学生购买"

    # RD-1: selection → review → confirmation → filing, one step at a time.
    TRANSITIONS = {
        Status.SELECTED: {Status.REVIEWED},
        Status.REVIEWED: {Status.CONFIRMED},
        Status.CONFIRMED: {Status.FILED},
        Status.FILED: set(),
    }
    RECOMMENDED = (Status.CONFIRMED, Status.FILED)

    school = models.ForeignKey("org.School", verbose_name="学校", on_delete=models.PROTECT,
                               related_name="reading_lists")
    school_year = models.CharField("学年", max_length=9, help_text="如 2026-2027")
    title = models.CharField("名称", max_length=100)
    grades = models.JSONField("适用年级", default=list)
    books = models.TextField("推荐书目", help_text="每行一本：书名 / 作者 / 出版社")
    status = models.CharField("程序", max_length=10, choices=Status.choices,
                              default=Status.SELECTED)
    negative_list_checked = models.BooleanField(
        "审核确认不含 12 种负面情形", default=False,
        help_text="RD-1：推荐读物不得含有《中小学生课外读物进校园管理办法》所列 12 种情形")
    purchase = models.CharField("购买方式", max_length=12, choices=Purchase.choices,
                                default=Purchase.VOLUNTARY)
    disclosed_to_parents = models.BooleanField("推荐书目已向家长公开", default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ReadingListQuerySet.as_manager()

    ACCESS = {
        "view": {Role.BUREAU_ADMIN, Role.INSPECTOR, Role.SCHOOL_ADMIN, Role.GUARDIAN},
        "create": {Role.SCHOOL_ADMIN},
        "change": {Role.SCHOOL_ADMIN},
    }

    class Meta:
        verbose_name = "课外读物推荐"
        verbose_name_plural = "课外读物推荐"
        ordering = ["-school_year", "school_id", "pk"]
        indexes = [models.Index(fields=["school", "school_year"])]

    def __str__(self):
        return f"{self.school} {self.school_year} {self.title}"

    def permits(self, scope, action):
        if action == "change":
            return self.school_id in scope.admin_school_ids
        return True

    @property
    def book_lines(self):
        return [line.strip() for line in self.books.splitlines() if line.strip()]

    @property
    def next_statuses(self):
        return [self.Status(s) for s in self.TRANSITIONS[self.status]]


class ReadingListStep(models.Model):
    """One step of a reading list's procedure (RD-1): who took it, when, with what note."""

    reading_list = models.ForeignKey(ReadingList, on_delete=models.CASCADE, related_name="steps")
    status = models.CharField(max_length=10, choices=ReadingList.Status.choices)
    note = models.CharField("说明", max_length=300, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                              related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]
        constraints = [models.UniqueConstraint(fields=["reading_list", "status"],
                                               name="reading_step_once")]


# ---- surveys ------------------------------------------------------------------------------------


class SurveyQuerySet(models.QuerySet):
    def visible_to(self, user):
        """School admins and the district's bureau see their surveys; guardians see the open and
        closed surveys of their children's schools (to answer, or to see they answered)."""
        return self.filter(school_staff_q(user) | Q(school_id__in=family_school_ids(user)))


class Survey(models.Model):
    """A school's termly five-managements questionnaire to guardians (for minors, the guardian
    answers): sleep, bedtime, homework time, phones, reading, physical activity, burden."""

    class Status(models.TextChoices):
        OPEN = "open", "填写中"
        CLOSED = "closed", "已结束"

    school = models.ForeignKey("org.School", verbose_name="学校", on_delete=models.PROTECT,
                               related_name="wellbeing_surveys")
    term = models.ForeignKey("schoolcal.Term", verbose_name="学期", on_delete=models.PROTECT,
                             related_name="wellbeing_surveys")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.OPEN)
    opens_on = models.DateField("开始日期")
    closes_on = models.DateField("截止日期")
    answer_count = models.PositiveIntegerField("已答卷数", default=0)
    launched_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    launched_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = SurveyQuerySet.as_manager()

    ACCESS = {
        "view": {Role.BUREAU_ADMIN, Role.INSPECTOR, Role.SCHOOL_ADMIN, Role.GUARDIAN},
        "launch": {Role.BUREAU_ADMIN, Role.SCHOOL_ADMIN},
        "close": {Role.BUREAU_ADMIN, Role.SCHOOL_ADMIN},
        "results": {Role.BUREAU_ADMIN, Role.INSPECTOR, Role.SCHOOL_ADMIN},
        "answer": {Role.GUARDIAN},
    }

    class Meta:
        verbose_name = "五项管理问卷"
        verbose_name_plural = "五项管理问卷"
        ordering = ["-term__start", "school_id"]
        constraints = [
            models.UniqueConstraint(fields=["school", "term"], name="wellbeing_survey_unique"),
            models.CheckConstraint(condition=Q(closes_on__gte=F("opens_on")),
                                   name="wellbeing_survey_closes_after_opening"),
        ]

    def __str__(self):
        return f"{self.school} {self.term} 五项管理问卷"

    def permits(self, scope, action):
        if action in ("launch", "close"):
            return runs_school(scope, self.school)
        if action == "results":
            return oversees_school(scope, self.school)
        if action == "answer":
            return self.school_id in {p.school_id for p in
                                      Pupil.objects.filter(pk__in=scope.pupil_ids).only("school_id")}
        return True


class SurveyReceipt(models.Model):
    """That a child's family answered a survey (once per child), and nothing of what."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="receipts")
    pupil = models.ForeignKey("org.Pupil", on_delete=models.CASCADE, related_name="+")
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                    related_name="+")
    answered_at = models.DateTimeField(auto_now_add=True)

    class QuerySet(models.QuerySet):
        def visible_to(self, user):
            return self.filter(pupil_id__in=scope_of(user).pupil_ids)

    objects = QuerySet.as_manager()

    ACCESS = {"view": {Role.GUARDIAN}}

    class Meta:
        verbose_name = "问卷填写记录"
        verbose_name_plural = "问卷填写记录"
        constraints = [
            # Once per child and survey: the backstop of the check made under the survey's lock.
            models.UniqueConstraint(fields=["survey", "pupil"], name="wellbeing_receipt_once"),
        ]


class SurveyAnswerQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Nobody reads answers one by one: only ``wellbeing.aggregates`` sums them."""
        return self.none()


class SurveyAnswer(models.Model):
    """One family's answers about one child, without pupil, guardian or time. The key is
    random, so row order does not line answers up with receipts either. Stage and grade are
    kept for the by-stage comparison (SL-1, SL-3 differ by stage) and the grade breakdown."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="answers")
    stage = models.CharField("学段", max_length=10, choices=Stage.choices[:2])
    grade = models.PositiveSmallIntegerField("年级")
    bedtime = models.TimeField("上学日通常入睡时间")
    wake_time = models.TimeField("上学日通常起床时间")
    # Derived at answering time, so that SQL can compare them with thresholds.
    sleep_minutes = models.PositiveSmallIntegerField("睡眠时长（分钟）")
    bedtime_after_noon = models.PositiveSmallIntegerField("入睡时间（中午 12 点后的分钟数）")
    homework_minutes = models.PositiveSmallIntegerField("每天在家完成书面作业用时（分钟）")
    homework_done_after_noon = models.PositiveSmallIntegerField(
        "书面作业通常完成时刻（中午 12 点后的分钟数）", null=True, blank=True)
    phone_to_school = models.BooleanField("孩子带手机进校")
    screen_minutes = models.PositiveSmallIntegerField("每天使用手机等电子产品娱乐（分钟）")
    reading_minutes = models.PositiveSmallIntegerField("每天课外阅读（分钟）")
    compulsory_purchase = models.BooleanField("学校要求或统一组织购买课外读物")
    pe_in_school_minutes = models.PositiveSmallIntegerField("每天校内体育活动（分钟）")
    pe_out_school_minutes = models.PositiveSmallIntegerField("每天校外体育活动（分钟）")
    burden = models.PositiveSmallIntegerField("课业负担感受（1 很轻 – 5 很重）")
    subject_training = models.BooleanField("参加学科类校外培训")

    objects = SurveyAnswerQuerySet.as_manager()

    ACCESS = {}  # no door reads single answers

    class Meta:
        verbose_name = "问卷答卷（匿名）"
        verbose_name_plural = "问卷答卷（匿名）"
        indexes = [models.Index(fields=["survey", "stage", "grade"])]
        constraints = [
            models.CheckConstraint(condition=Q(burden__gte=1, burden__lte=5),
                                   name="wellbeing_answer_burden_1_5"),
            models.CheckConstraint(condition=Q(grade__gte=1, grade__lte=9),
                                   name="wellbeing_answer_grade_1_9"),
        ]


# ---- burden publication (QM-1, QM-3) -------------------------------------------------------------


class BurdenPublicationQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The district's bureau sees its publications in every state; the district's school
        admins and the guardians of its pupils see published ones."""
        s = scope_of(user)
        q = Q(bureau_id__in=s.bureau_ids_for(*BUREAU_READERS))
        from org.models import School

        school_bureaus = School.objects.filter(
            Q(pk__in=s.admin_school_ids) | Q(pk__in=family_school_ids(user))).values("bureau_id")
        q |= Q(bureau_id__in=school_bureaus, status=BurdenPublication.Status.PUBLISHED)
        return self.filter(q)

    def public(self):
        return self.filter(status=BurdenPublication.Status.PUBLISHED, public=True)


class BurdenPublication(models.Model):
    """The bureau's publication of a term's burden report (负担公示, QM-3): the figures frozen at
    publication, so what guardians read does not move under them. Published again, the snapshot
    is replaced and the version goes up."""

    class Status(models.TextChoices):
        PUBLISHED = "published", "已公布"
        WITHDRAWN = "withdrawn", "已撤回"

    bureau = models.ForeignKey("org.Bureau", verbose_name="教育局", on_delete=models.PROTECT,
                               related_name="burden_publications")
    term = models.ForeignKey("schoolcal.Term", verbose_name="学期", on_delete=models.PROTECT,
                             related_name="burden_publications")
    status = models.CharField("状态", max_length=10, choices=Status.choices,
                              default=Status.PUBLISHED)
    public = models.BooleanField("同时向社会公开", default=False,
                                 help_text="在无需登录的公开页面显示全区和各校的汇总数据")
    version = models.PositiveIntegerField("版本", default=1)
    snapshot = models.JSONField("报告内容")
    note = models.CharField("说明", max_length=300, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    published_at = models.DateTimeField()
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    objects = BurdenPublicationQuerySet.as_manager()

    ACCESS = {
        "view": {Role.BUREAU_ADMIN, Role.INSPECTOR, Role.SCHOOL_ADMIN, Role.GUARDIAN},
        "publish": {Role.BUREAU_ADMIN},
        # the live (unpublished) report
        "report": {Role.BUREAU_ADMIN, Role.INSPECTOR, Role.SCHOOL_ADMIN},
    }

    class Meta:
        verbose_name = "课业负担公示"
        verbose_name_plural = "课业负担公示"
        ordering = ["-published_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["bureau", "term"],
                                               name="burden_publication_unique")]

    def __str__(self):
        return f"{self.bureau} {self.term} 课业负担监测报告"

    def permits(self, scope, action):
        if action == "publish":
            return self.bureau_id in scope.bureau_ids_for(Role.BUREAU_ADMIN)
        return True
