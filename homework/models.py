"""Homework filing (作业备案), class-day totals, publication (公示), weekly review and
guardians' reported times.

The class-day total is kept incrementally: each filing, change or withdrawal adjusts one
``ClassDay`` row under a row lock, so boards and monitoring read one row per class and day
instead of summing every item.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from org.models import SUBJECTS
from org.roles import Role
from org.scope import scope_of

STAFF_VIEW = {Role.BUREAU_ADMIN, Role.INSPECTOR, Role.SCHOOL_ADMIN, Role.GRADE_LEADER,
              Role.HEAD_TEACHER, Role.SUBJECT_TEACHER}


def class_scope_q(user, prefix="school_class__"):
    """Q for rows of classes the user reaches as staff (mirrors SchoolClass.visible_to)."""
    s = scope_of(user)
    q = Q(**{f"{prefix}school__bureau_id__in": s.bureau_ids_for(Role.BUREAU_ADMIN,
                                                                 Role.INSPECTOR)})
    q |= Q(**{f"{prefix}school_id__in": s.admin_school_ids})
    q |= Q(**{f"{prefix}pk__in": s.class_ids})
    for school_id, grade in s.grade_scopes:
        q |= Q(**{f"{prefix}school_id": school_id, f"{prefix}grade": grade})
    return q


class Kind(models.TextChoices):
    WRITTEN = "written", "书面作业"
    ORAL = "oral", "口头/阅读"
    PRACTICAL = "practical", "实践/探究"
    LABOUR = "labour", "劳动"
    CROSS_SUBJECT = "cross_subject", "跨学科"
    # HW-8: declared so that they can be refused by name.
    REPETITIVE = "repetitive", "重复性作业（禁止）"
    PUNITIVE = "punitive", "惩罚性作业（禁止）"


FORBIDDEN_KINDS = {Kind.REPETITIVE, Kind.PUNITIVE}


class Layer(models.TextChoices):
    REQUIRED = "required", "全体必做"
    BASIC = "basic", "分层·基础"
    ADVANCED = "advanced", "分层·提高"
    CHALLENGE = "challenge", "分层·挑战"
    OPTIONAL = "optional", "弹性（选做）"
    PERSONALISED = "personalised", "个性化（指定学生）"


# Layers every pupil must do, so they count toward the class-day limit. Of layered homework the
# basic layer is the one every pupil does at least; the others are extra for those who choose.
COUNTED_LAYERS = {Layer.REQUIRED, Layer.BASIC}


class Place(models.TextChoices):
    IN_SCHOOL = "in_school", "校内完成"
    AFTER_SCHOOL = "after_school", "课后服务时段完成"
    HOME = "home", "回家完成"


class ParentRole(models.TextChoices):
    NONE = "none", "无需家长参与"
    # HW-9: both forbidden.
    PARENT_TASK = "parent_task", "给家长布置任务（禁止）"
    PARENT_GRADING = "parent_grading", "要求家长检查或批改（禁止）"


class Channel(models.TextChoices):
    IN_CLASS = "in_class", "课堂布置"
    PAPER = "paper", "纸质/作业本"
    PLATFORM = "platform", "本平台公示"
    PHONE = "phone", "通过手机布置（禁止）"  # HW-11


class HomeworkQuerySet(models.QuerySet):
    def visible_to(self, user):
        s = scope_of(user)
        staff = class_scope_q(user)
        # Guardians see published items of their own children's classes (personalised items
        # are narrowed to the child where they are listed).
        if not s.pupil_ids:
            return self.filter(staff)
        family = Q(school_class__pupils__pk__in=s.pupil_ids, class_day__published=True) & (
            ~Q(layer=Layer.PERSONALISED) | Q(pupils__pk__in=s.pupil_ids))
        return self.filter(staff | family).distinct()


class Homework(models.Model):
    """One homework item a teacher files for a class and a date."""

    school_class = models.ForeignKey("org.SchoolClass", verbose_name="班级",
                                     on_delete=models.PROTECT, related_name="homework")
    class_day = models.ForeignKey("ClassDay", on_delete=models.PROTECT, related_name="items")
    date = models.DateField("日期")
    subject = models.CharField("学科", max_length=20, choices=SUBJECTS)
    teacher = models.ForeignKey("org.Teacher", verbose_name="布置教师", null=True,
                                on_delete=models.SET_NULL, related_name="homework")
    title = models.CharField("标题", max_length=100)
    content = models.TextField("内容", blank=True)
    kind = models.CharField("类型", max_length=20, choices=Kind.choices, default=Kind.WRITTEN)
    minutes = models.PositiveSmallIntegerField("预计完成时间（分钟）")
    layer = models.CharField("分层", max_length=20, choices=Layer.choices, default=Layer.REQUIRED)
    place = models.CharField("完成地点", max_length=20, choices=Place.choices, default=Place.HOME)
    parent_role = models.CharField("家长参与", max_length=20, choices=ParentRole.choices,
                                   default=ParentRole.NONE)
    channel = models.CharField("布置方式", max_length=20, choices=Channel.choices,
                               default=Channel.PLATFORM)
    requires_phone = models.BooleanField("需要使用手机完成", default=False)
    self_grading = models.BooleanField("要求学生自批自改", default=False)
    pupils = models.ManyToManyField("org.Pupil", verbose_name="指定学生（个性化作业）",
                                    blank=True, related_name="personal_homework")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = HomeworkQuerySet.as_manager()

    ACCESS = {
        "view": STAFF_VIEW | {Role.GUARDIAN},
        "create": {Role.SUBJECT_TEACHER, Role.HEAD_TEACHER},
        "change": {Role.SUBJECT_TEACHER, Role.HEAD_TEACHER, Role.SCHOOL_ADMIN},
    }

    class Meta:
        verbose_name = "作业"
        verbose_name_plural = "作业"
        indexes = [models.Index(fields=["school_class", "date"]),
                   models.Index(fields=["teacher", "date"]),
                   models.Index(fields=["date"])]
        constraints = [
            models.CheckConstraint(condition=Q(minutes__gte=1, minutes__lte=300),
                                   name="homework_minutes_1_300"),
        ]

    def __str__(self):
        return self.title

    @property
    def counts_toward_limit(self):
        """Written homework to be done at home that every pupil must do (HW-1..HW-4)."""
        return (self.kind == Kind.WRITTEN and self.place == Place.HOME
                and self.layer in COUNTED_LAYERS)

    def permits(self, scope, action):
        if action == "change":
            # The filing teacher, the class's head teacher, or the school's admin.
            return (self.teacher_id == scope.teacher_id
                    or self.school_class_id in scope.head_class_ids
                    or self.school_class.school_id in scope.admin_school_ids)
        return True


class ClassDayQuerySet(models.QuerySet):
    def visible_to(self, user):
        s = scope_of(user)
        q = class_scope_q(user)
        if s.pupil_ids:
            q |= Q(school_class__pupils__pk__in=s.pupil_ids, published=True)
            return self.filter(q).distinct()
        return self.filter(q)


class ClassDay(models.Model):
    """A class's homework on one date: the running totals and the publication state."""

    school_class = models.ForeignKey("org.SchoolClass", on_delete=models.PROTECT,
                                     related_name="class_days")
    date = models.DateField("日期")
    counted_minutes = models.PositiveIntegerField("计入上限的书面家庭作业（分钟）", default=0)
    total_minutes = models.PositiveIntegerField("全部作业（分钟）", default=0)
    item_count = models.PositiveIntegerField(default=0)
    written_subjects = models.JSONField("布置书面家庭作业的学科（学科→分钟）", default=dict)
    # Minutes of all the day's items by kind, layer and place, kept like the totals so that
    # monitoring reads one row per class-day instead of every item.
    kind_minutes = models.JSONField(default=dict)
    layer_minutes = models.JSONField(default=dict)
    place_minutes = models.JSONField(default=dict)
    limit_minutes = models.PositiveIntegerField("上限（分钟）", default=0)
    limit_rule = models.CharField("上限依据", max_length=10, blank=True)
    over_limit = models.BooleanField("超过上限", default=False)
    published = models.BooleanField("已公示", default=False)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    exception_reason = models.CharField("超限例外说明", max_length=300, blank=True)
    exception_minutes = models.PositiveIntegerField(
        "例外覆盖的分钟数", default=0,
        help_text="登记例外时的计入分钟数；之后再增加作业，例外不再覆盖，须重新登记")
    exception_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")

    objects = ClassDayQuerySet.as_manager()

    ACCESS = {
        "view": STAFF_VIEW | {Role.GUARDIAN},
        "publish": {Role.HEAD_TEACHER, Role.SCHOOL_ADMIN},
        "except": {Role.SCHOOL_ADMIN},
        "monitor": {Role.BUREAU_ADMIN, Role.INSPECTOR, Role.SCHOOL_ADMIN, Role.GRADE_LEADER},
    }

    class Meta:
        verbose_name = "班级作业日"
        verbose_name_plural = "班级作业日"
        constraints = [models.UniqueConstraint(fields=["school_class", "date"],
                                               name="class_day_unique")]
        indexes = [models.Index(fields=["date", "over_limit"])]

    def __str__(self):
        return f"{self.school_class} {self.date}"

    def permits(self, scope, action):
        if action == "publish":
            return (self.school_class_id in scope.head_class_ids
                    or self.school_class.school_id in scope.admin_school_ids)
        if action == "except":
            return self.school_class.school_id in scope.admin_school_ids
        return True


class WeekReview(models.Model):
    """The academic office's weekly review and filing (备案) of a class's week (HW-16)."""

    class Status(models.TextChoices):
        APPROVED = "approved", "已审核备案"
        RETURNED = "returned", "退回修改"
        REOPENED = "reopened", "已撤销备案（修改中）"

    TRANSITIONS = {
        None: {Status.APPROVED, Status.RETURNED},
        Status.RETURNED: {Status.APPROVED, Status.RETURNED},
        Status.REOPENED: {Status.APPROVED, Status.RETURNED},
        Status.APPROVED: {Status.REOPENED},
    }

    school_class = models.ForeignKey("org.SchoolClass", on_delete=models.PROTECT,
                                     related_name="week_reviews")
    week_start = models.DateField("周一日期")
    status = models.CharField("状态", max_length=10, choices=Status.choices)
    version = models.PositiveIntegerField("版本", default=1)
    comment = models.CharField("审核意见", max_length=500, blank=True)
    snapshot = models.JSONField("备案内容", default=dict)
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                 related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class QuerySet(models.QuerySet):
        def visible_to(self, user):
            return self.filter(class_scope_q(user))

    objects = QuerySet.as_manager()

    ACCESS = {"view": STAFF_VIEW, "review": {Role.SCHOOL_ADMIN}}

    class Meta:
        verbose_name = "周作业备案"
        verbose_name_plural = "周作业备案"
        constraints = [models.UniqueConstraint(fields=["school_class", "week_start"],
                                               name="week_review_unique")]

    def permits(self, scope, action):
        if action == "review":
            return self.school_class.school_id in scope.admin_school_ids
        return True


class WeekReviewEvent(models.Model):
    """History of a week's review: every approval, return and reopening, with its snapshot."""

    review = models.ForeignKey(WeekReview, on_delete=models.CASCADE, related_name="events")
    status = models.CharField(max_length=10, choices=WeekReview.Status.choices)
    version = models.PositiveIntegerField()
    comment = models.CharField(max_length=500, blank=True)
    snapshot = models.JSONField(default=dict)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                              related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]


class TimeReport(models.Model):
    """A guardian's report of how long their child really took on one day's homework."""

    pupil = models.ForeignKey("org.Pupil", on_delete=models.CASCADE, related_name="time_reports")
    school_class = models.ForeignKey("org.SchoolClass", on_delete=models.CASCADE,
                                     related_name="time_reports")
    date = models.DateField("日期")
    minutes = models.PositiveSmallIntegerField("实际用时（分钟）")
    difficulty = models.PositiveSmallIntegerField("难度（1 很容易 – 5 很难）", null=True,
                                                  blank=True)
    estimated_minutes = models.PositiveIntegerField("当天计入上限的预计用时", default=0)
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                    on_delete=models.SET_NULL, related_name="+")
    reported_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "家长反馈用时"
        verbose_name_plural = "家长反馈用时"
        constraints = [
            models.UniqueConstraint(fields=["pupil", "date"], name="time_report_unique"),
            models.CheckConstraint(condition=Q(minutes__lte=600), name="time_report_minutes"),
        ]
        indexes = [models.Index(fields=["school_class", "date"])]


class ItemTime(models.Model):
    """The reported time for one homework item, when the guardian gives it per item."""

    report = models.ForeignKey(TimeReport, on_delete=models.CASCADE, related_name="items")
    homework = models.ForeignKey(Homework, on_delete=models.CASCADE, related_name="reported_times")
    minutes = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["report", "homework"],
                                               name="item_time_unique")]


class SurveySample(models.Model):
    """A reproducible random sample of a class's pupils for a week's burden survey (HW-17).

    The seed is recorded, so anyone can redraw the sample from the class roster of that moment
    (``pupil_ids_drawn_from``) and get the same pupils.
    """

    school_class = models.ForeignKey("org.SchoolClass", on_delete=models.PROTECT,
                                     related_name="survey_samples")
    week_start = models.DateField("周一日期")
    seed = models.BigIntegerField("随机种子")
    size = models.PositiveSmallIntegerField("抽样人数")
    pupil_ids_drawn_from = models.JSONField("抽样时的学生名单（编号）", default=list)
    pupils = models.ManyToManyField("org.Pupil", related_name="survey_samples")
    drawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                 related_name="+")
    drawn_at = models.DateTimeField(auto_now_add=True)

    class QuerySet(models.QuerySet):
        def visible_to(self, user):
            return self.filter(class_scope_q(user))

    objects = QuerySet.as_manager()

    ACCESS = {"view": STAFF_VIEW, "draw": {Role.SCHOOL_ADMIN, Role.BUREAU_ADMIN}}

    class Meta:
        verbose_name = "作业负担抽样"
        verbose_name_plural = "作业负担抽样"
        constraints = [models.UniqueConstraint(fields=["school_class", "week_start"],
                                               name="survey_sample_unique")]

    def permits(self, scope, action):
        if action == "draw":
            school = self.school_class.school
            return (school.pk in scope.admin_school_ids
                    or school.bureau_id in scope.bureau_ids_for(Role.BUREAU_ADMIN))
        return True


class ClassWeek(models.Model):
    """A class's week summed from its class-days (rebuilt from them whenever one changes).

    Monitoring reads these (one row per class and week) instead of seven class-day rows, so a
    term of a whole district is 50,000 rows rather than 250,000.
    """

    school_class = models.ForeignKey("org.SchoolClass", on_delete=models.CASCADE,
                                     related_name="class_weeks")
    week_start = models.DateField("周一日期")
    days = models.PositiveSmallIntegerField("有作业的天数", default=0)
    over_days = models.PositiveSmallIntegerField("超限天数", default=0)
    counted_minutes = models.PositiveIntegerField("计入上限的分钟（合计）", default=0)
    total_minutes = models.PositiveIntegerField(default=0)
    written_subjects = models.JSONField(default=dict)
    kind_minutes = models.JSONField(default=dict)
    layer_minutes = models.JSONField(default=dict)
    place_minutes = models.JSONField(default=dict)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["school_class", "week_start"],
                                               name="class_week_unique")]
        indexes = [models.Index(fields=["week_start"])]
