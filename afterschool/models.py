"""After-school services (课后服务, "5+2"; RULES.md §4 AS-*, QM-4).

A school runs one ``Programme`` a term (or a summer care programme): a timetable of ``Slot`` rows
per weekday and grade, segment 1 homework guidance and segment 2 menu courses (AS-6), plus delayed
care and junior evening self-study as their own session types (AS-7, AS-8).

Every group a pupil can be in is a ``Course``: one homework-guidance group per class (the base
service, open to everyone who applies: 愿留尽留, AS-12), the menu courses (菜单式, capacity-limited and
allocated by a seeded lottery, ``afterschool.allocation``), delayed care and evening study.
A pupil's place in a course is an ``Enrolment``; a guardian's request is an ``Application`` with
ranked ``Choice`` rows. ``Session`` rows are the dated occurrences on school days (from the
foundation calendar, 调休 included), and ``Attendance`` holds the mark and the safe pick-up.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from org.models import GRADE_NAMES
from org.roles import Role
from org.scope import scope_of

WEEKDAYS = {1: "周一", 2: "周二", 3: "周三", 4: "周四", 5: "周五", 6: "周六", 7: "周日"}
STAFF_VIEW = {Role.BUREAU_ADMIN, Role.INSPECTOR, Role.SCHOOL_ADMIN, Role.GRADE_LEADER,
              Role.HEAD_TEACHER, Role.SUBJECT_TEACHER}
SCHOOL_RUNS = {Role.SCHOOL_ADMIN}


def school_q(user, prefix="school__", *, guardians=True):
    """Rows of schools the user reaches: bureau staff, the school's staff, and (for programme
    information) the guardians of its pupils."""
    from org.models import Pupil

    s = scope_of(user)
    q = Q(**{f"{prefix}bureau_id__in": s.bureau_ids_for(Role.BUREAU_ADMIN, Role.INSPECTOR)})
    q |= Q(**{f"{prefix}pk__in": s.school_ids})
    if guardians and s.pupil_ids:
        q |= Q(**{f"{prefix}pk__in": Pupil.objects.filter(pk__in=s.pupil_ids).values("school_id")})
    return q


def family_q(user, prefix="school__"):
    """Rows of the schools a guardian's children attend (Q() matching nothing for others)."""
    from org.models import Pupil

    s = scope_of(user)
    if not s.pupil_ids:
        return Q(pk__in=[])
    return Q(**{f"{prefix}pk__in": Pupil.objects.filter(pk__in=s.pupil_ids).values("school_id")})


def pupil_q(user, prefix="pupil__"):
    """Rows about pupils the user reaches: bureau staff and school admins of the school, grade
    leaders of the grade, head teachers of the class, the pupil's own guardians."""
    s = scope_of(user)
    q = Q(**{f"{prefix}school__bureau_id__in": s.bureau_ids_for(Role.BUREAU_ADMIN)})
    q |= Q(**{f"{prefix}school_id__in": s.admin_school_ids})
    q |= Q(**{f"{prefix}school_class_id__in": s.head_class_ids})
    q |= Q(**{f"{prefix}pk__in": s.pupil_ids})
    for school_id, grade in s.grade_scopes:
        q |= Q(**{f"{prefix}school_id": school_id, f"{prefix}school_class__grade": grade})
    return q


class Segment(models.TextChoices):
    GUIDANCE = "guidance", "第一时段：作业辅导"
    MENU = "menu", "第二时段：菜单课程"
    DELAYED_CARE = "delayed_care", "延时托管"
    EVENING_STUDY = "evening_study", "晚自习（初中）"


# The segments that are after-school service proper and count toward AS-1's two hours. Evening
# self-study is not after-school service (AS-5) and delayed care comes after the service ends.
SERVICE_SEGMENTS = {Segment.GUIDANCE, Segment.MENU}


class Category(models.TextChoices):
    SPORT = "sport", "体育"
    ART = "art", "艺术"
    SCIENCE = "science", "科技"
    LABOUR = "labour", "劳动"
    READING = "reading", "阅读"
    PSYCHOLOGY = "psychology", "心理健康"
    CLUB = "club", "社团活动"
    OTHER = "other", "其他"


# ---- programme -------------------------------------------------------------------------------


class ProgrammeQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Staff in scope see every programme; guardians see their children's schools'
        programmes once applications open (a draft is the school's own business)."""
        return self.filter(school_q(user, guardians=False)
                           | (family_q(user) & ~Q(status=Programme.Status.DRAFT)))


class Programme(models.Model):
    """A school's after-school programme for one term (or a summer care programme)."""

    class Kind(models.TextChoices):
        TERM = "term", "学期课后服务"
        SUMMER = "summer", "暑期托管"

    class Status(models.TextChoices):
        DRAFT = "draft", "编制中"
        OPEN = "open", "报名中"
        PUBLISHED = "published", "已公布分配结果"

    school = models.ForeignKey("org.School", verbose_name="学校", on_delete=models.PROTECT,
                               related_name="after_school_programmes")
    term = models.ForeignKey("schoolcal.Term", verbose_name="学期", on_delete=models.PROTECT,
                             related_name="after_school_programmes")
    kind = models.CharField("类型", max_length=10, choices=Kind.choices, default=Kind.TERM)
    name = models.CharField("名称", max_length=100)
    start = models.DateField("开始日期")
    end = models.DateField("结束日期")
    grades = models.JSONField("服务年级", default=list)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.DRAFT)
    max_courses = models.PositiveSmallIntegerField(
        "每生最多分配菜单课程数", default=2,
        help_text="抽签时每名学生最多获得的菜单课程门数（时间不冲突）")
    makeup_weekday = models.PositiveSmallIntegerField(
        "调休上课日按周几课表", default=1, choices=[(d, WEEKDAYS[d]) for d in range(1, 6)])
    fee_per_term_fen = models.PositiveIntegerField(
        "基本服务费（分/学期）", default=0, help_text="由教育局统一规定（AS-10），0 为免费（财政保障）")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ProgrammeQuerySet.as_manager()

    ACCESS = {
        "view": STAFF_VIEW | {Role.GUARDIAN},
        "create": SCHOOL_RUNS,
        "change": SCHOOL_RUNS,
        "allocate": SCHOOL_RUNS,
        "report": {Role.BUREAU_ADMIN, Role.INSPECTOR, Role.SCHOOL_ADMIN},
    }

    class Meta:
        verbose_name = "课后服务方案"
        verbose_name_plural = "课后服务方案"
        ordering = ["-start", "school_id"]
        constraints = [
            models.UniqueConstraint(fields=["school", "term", "kind"],
                                    name="programme_one_per_school_term_kind"),
            models.CheckConstraint(condition=Q(end__gte=F("start")),
                                   name="programme_end_after_start"),
        ]

    def __str__(self):
        return self.name

    def permits(self, scope, action):
        if action in ("create", "change", "allocate"):
            return self.school_id in scope.admin_school_ids
        if action == "report":
            return (self.school_id in scope.admin_school_ids
                    or self.school.bureau_id in scope.bureau_ids_for(Role.BUREAU_ADMIN,
                                                                      Role.INSPECTOR))
        return True

    @property
    def grade_names(self):
        return "、".join(GRADE_NAMES.get(g, str(g)) for g in self.grades)


class Slot(models.Model):
    """One segment of the timetable: on a weekday, for some grades, from start to end."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="slots")
    weekday = models.PositiveSmallIntegerField("星期", choices=list(WEEKDAYS.items()))
    segment = models.CharField("时段", max_length=15, choices=Segment.choices)
    grades = models.JSONField("年级", default=list)
    start = models.TimeField("开始时间")
    end = models.TimeField("结束时间")

    class Meta:
        verbose_name = "课后服务时段"
        verbose_name_plural = "课后服务时段"
        ordering = ["weekday", "start", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="slot_end_after_start"),
            models.CheckConstraint(condition=Q(weekday__gte=1, weekday__lte=7),
                                   name="slot_weekday_range"),
        ]

    def __str__(self):
        return f"{WEEKDAYS[self.weekday]} {self.get_segment_display()} {self.start:%H:%M}–{self.end:%H:%M}"

    @property
    def minutes(self):
        return (self.end.hour * 60 + self.end.minute) - (self.start.hour * 60 + self.start.minute)


# ---- instructors (AS-9) ----------------------------------------------------------------------


class InstructorQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(school_q(user, guardians=False))


class Instructor(models.Model):
    """Who teaches an after-school course: mainly the school's own teachers; retired teachers,
    qualified professionals, volunteers and non-subject institutions from the bureau's list may
    supplement (AS-9). Outsiders need a qualification and the school's approval."""

    class Kind(models.TextChoices):
        OWN_TEACHER = "own_teacher", "本校教师"
        RETIRED_TEACHER = "retired_teacher", "退休教师"
        PROFESSIONAL = "professional", "专业人员"
        VOLUNTEER = "volunteer", "志愿者"
        INSTITUTION = "institution", "非学科类培训机构"

    class Status(models.TextChoices):
        PENDING = "pending", "待审核"
        APPROVED = "approved", "已批准"
        REJECTED = "rejected", "未批准"

    school = models.ForeignKey("org.School", verbose_name="学校", on_delete=models.PROTECT,
                               related_name="after_school_instructors")
    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    teacher = models.ForeignKey("org.Teacher", verbose_name="本校教师", null=True, blank=True,
                                on_delete=models.PROTECT, related_name="instructor_profiles")
    institution = models.ForeignKey("institutions.Institution", verbose_name="培训机构", null=True,
                                    blank=True, on_delete=models.PROTECT, related_name="+")
    name = models.CharField("姓名", max_length=50)
    phone = models.CharField("手机号", max_length=20, blank=True)
    qualification = models.CharField("资质", max_length=100, blank=True,
                                     help_text="如 教师资格证、教练员证、专业技术职称")
    certificate_no = models.CharField("资格证书编号", max_length=40, blank=True)
    background_checked = models.BooleanField(
        "已完成背景审查", default=False, help_text="校外人员须经审查（含违法犯罪记录查询）")
    status = models.CharField("状态", max_length=10, choices=Status.choices,
                              default=Status.PENDING)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    review_note = models.CharField("审核意见", max_length=200, blank=True)

    objects = InstructorQuerySet.as_manager()

    ACCESS = {
        "view": STAFF_VIEW,
        "create": SCHOOL_RUNS,
        "review": SCHOOL_RUNS,
    }

    class Meta:
        verbose_name = "课后服务授课人员"
        verbose_name_plural = "课后服务授课人员"
        ordering = ["school_id", "kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["school", "teacher"], condition=Q(teacher__isnull=False),
                                    name="instructor_one_per_teacher"),
        ]

    def __str__(self):
        return f"{self.name}（{self.get_kind_display()}）"

    def permits(self, scope, action):
        if action in ("create", "review"):
            return self.school_id in scope.admin_school_ids
        return True

    @property
    def phone_masked(self):
        from core.masking import mask_phone

        return mask_phone(self.phone)


# ---- courses ---------------------------------------------------------------------------------


class CourseQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Staff in scope see every course; guardians see the approved courses of open
        programmes at their children's schools, but of the per-class groups only their
        children's own class's."""
        from org.models import Pupil

        family = family_q(user, prefix="programme__school__") & Q(
            review_status=Course.Review.APPROVED) & ~Q(programme__status=Programme.Status.DRAFT)
        children_classes = Pupil.objects.filter(pk__in=scope_of(user).pupil_ids).values(
            "school_class_id")
        family &= ~Q(kind=Segment.GUIDANCE) | Q(school_class_id__in=children_classes)
        return self.filter(school_q(user, prefix="programme__school__", guardians=False) | family)

    def offered(self):
        """Courses guardians can see and choose: approved menu courses."""
        return self.filter(kind=Segment.MENU, review_status=Course.Review.APPROVED)


class Course(models.Model):
    """A group pupils enrol in: a class's homework-guidance group, a menu course, delayed care or
    evening study. Menu courses have a capacity; the others take everyone who applies."""

    class Review(models.TextChoices):
        PENDING = "pending", "待审核"
        APPROVED = "approved", "已通过"
        REJECTED = "rejected", "未通过"

    programme = models.ForeignKey(Programme, verbose_name="课后服务方案", on_delete=models.CASCADE,
                                  related_name="courses")
    kind = models.CharField("类型", max_length=15, choices=Segment.choices)
    school_class = models.ForeignKey("org.SchoolClass", verbose_name="班级（作业辅导）", null=True,
                                     blank=True, on_delete=models.PROTECT, related_name="+")
    name = models.CharField("名称", max_length=100)
    category = models.CharField("类别", max_length=15, choices=Category.choices, blank=True)
    instructor = models.ForeignKey(Instructor, verbose_name="授课人员", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="courses")
    duty_teacher = models.ForeignKey(
        "org.Teacher", verbose_name="负责教师（考勤与安全）", null=True, blank=True,
        on_delete=models.PROTECT, related_name="after_school_duties",
        help_text="本校教师：点名、接送登记；校外人员授课时必须指定")
    capacity = models.PositiveIntegerField("容量", null=True, blank=True,
                                           help_text="菜单课程必填；作业辅导等不限人数")
    grades = models.JSONField("年级", default=list)
    weekdays = models.JSONField("星期", default=list)
    start = models.TimeField("开始时间")
    end = models.TimeField("结束时间")
    place = models.CharField("地点", max_length=100, blank=True)
    fee_per_term_fen = models.PositiveIntegerField(
        "课程收费（分/学期）", default=0, help_text="仅限公示的收费项目（AS-10），报名开始后不得调整")
    content_summary = models.CharField("内容简介", max_length=500, blank=True)
    teaches_new_content = models.BooleanField(
        "含讲授新课/集体补课/刷题", default=False,
        help_text="AS-6：课后服务不得讲新课、集体补课或组织刷题；申报为“是”的课程不能通过审核")
    review_status = models.CharField("审核", max_length=10, choices=Review.choices,
                                     default=Review.PENDING)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    review_note = models.CharField("审核意见", max_length=200, blank=True)
    enrolled_count = models.PositiveIntegerField("已录取人数", default=0)

    objects = CourseQuerySet.as_manager()

    ACCESS = {
        "view": STAFF_VIEW | {Role.GUARDIAN},
        "create": SCHOOL_RUNS,
        "change": SCHOOL_RUNS,
        "review": SCHOOL_RUNS,
    }

    class Meta:
        verbose_name = "课后服务课程"
        verbose_name_plural = "课后服务课程"
        ordering = ["programme_id", "kind", "name", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="course_end_after_start"),
            # The backstop of the capacity check done under a row lock in the services.
            models.CheckConstraint(condition=Q(capacity__isnull=True)
                                   | Q(enrolled_count__lte=F("capacity")),
                                   name="course_within_capacity"),
            models.UniqueConstraint(fields=["programme", "school_class"],
                                    condition=Q(kind="guidance"),
                                    name="course_one_guidance_group_per_class"),
        ]

    def __str__(self):
        return self.name

    def permits(self, scope, action):
        if action in ("create", "change", "review"):
            return self.programme.school_id in scope.admin_school_ids
        return True

    @property
    def free_seats(self):
        return None if self.capacity is None else max(0, self.capacity - self.enrolled_count)

    @property
    def weekday_names(self):
        return "、".join(WEEKDAYS.get(d, str(d)) for d in self.weekdays)

    @property
    def grade_names(self):
        return "、".join(GRADE_NAMES.get(g, str(g)) for g in self.grades)

    @property
    def minutes(self):
        return (self.end.hour * 60 + self.end.minute) - (self.start.hour * 60 + self.start.minute)

    def staff_teacher_id(self):
        """The own teacher credited with the hours (AS-11): the instructor if a teacher of the
        school, else the duty teacher."""
        if self.instructor_id and self.instructor.teacher_id:
            return self.instructor.teacher_id
        return self.duty_teacher_id


# ---- applications and enrolments (AS-4, AS-12) -----------------------------------------------


class ApplicationQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(pupil_q(user))

    def active(self):
        return self.filter(status=Application.Status.ACTIVE)


class Application(models.Model):
    """A guardian's voluntary application for their child (AS-4): the base service and ranked
    menu-course choices."""

    class Status(models.TextChoices):
        ACTIVE = "active", "有效"
        WITHDRAWN = "withdrawn", "已撤回"

    programme = models.ForeignKey(Programme, verbose_name="课后服务方案", on_delete=models.CASCADE,
                                  related_name="applications")
    pupil = models.ForeignKey("org.Pupil", verbose_name="学生", on_delete=models.CASCADE,
                              related_name="after_school_applications")
    applicant = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="申请人", null=True,
                                  on_delete=models.SET_NULL, related_name="+")
    base_service = models.BooleanField("参加基本课后服务（作业辅导）", default=True)
    delayed_care = models.BooleanField("申请延时托管", default=False)
    special_need = models.CharField("延时托管原因", max_length=200, blank=True,
                                    help_text="AS-7：对有特殊需要的学生提供延时托管")
    evening_study = models.BooleanField("参加晚自习（初中）", default=False)
    status = models.CharField("状态", max_length=10, choices=Status.choices,
                              default=Status.ACTIVE)
    submitted_at = models.DateTimeField("提交时间", auto_now_add=True)
    changed_at = models.DateTimeField("修改时间", auto_now=True)

    objects = ApplicationQuerySet.as_manager()

    ACCESS = {
        "view": {Role.BUREAU_ADMIN, Role.SCHOOL_ADMIN, Role.GRADE_LEADER, Role.HEAD_TEACHER,
                 Role.GUARDIAN},
        "create": {Role.GUARDIAN},
        "change": {Role.GUARDIAN},
    }

    class Meta:
        verbose_name = "课后服务报名"
        verbose_name_plural = "课后服务报名"
        ordering = ["submitted_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "pupil"],
                                    name="application_one_per_pupil"),
        ]

    def __str__(self):
        return f"{self.pupil} {self.programme}"

    def permits(self, scope, action):
        if action in ("create", "change"):
            return self.pupil_id in scope.pupil_ids
        return True


class Choice(models.Model):
    """One ranked menu-course choice of an application (rank 1 = most wanted)."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE,
                                    related_name="choices")
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="choices")
    rank = models.PositiveSmallIntegerField("志愿顺序")

    class Meta:
        ordering = ["application_id", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["application", "rank"], name="choice_rank_unique"),
            models.UniqueConstraint(fields=["application", "course"], name="choice_course_unique"),
        ]


class EnrolmentQuerySet(models.QuerySet):
    def visible_to(self, user):
        s = scope_of(user)
        q = pupil_q(user)
        # The teachers who run a course see its roster.
        if s.teacher_id:
            q |= Q(course__duty_teacher_id=s.teacher_id) | Q(course__instructor__teacher_id=s.teacher_id)
        return self.filter(q)

    def current(self):
        return self.filter(status=Enrolment.Status.ENROLLED)


class Enrolment(models.Model):
    """A pupil's place in a course: enrolled, on the waitlist, or withdrawn."""

    class Status(models.TextChoices):
        ENROLLED = "enrolled", "已录取"
        WAITLISTED = "waitlisted", "候补"
        WITHDRAWN = "withdrawn", "已退出"

    class Source(models.TextChoices):
        APPLICATION = "application", "报名即录取"
        LOTTERY = "lottery", "抽签录取"
        WAITLIST = "waitlist", "候补递补"
        LATE = "late", "补报名（余额）"

    course = models.ForeignKey(Course, verbose_name="课程", on_delete=models.CASCADE,
                               related_name="enrolments")
    pupil = models.ForeignKey("org.Pupil", verbose_name="学生", on_delete=models.CASCADE,
                              related_name="after_school_enrolments")
    application = models.ForeignKey(Application, null=True, blank=True, on_delete=models.CASCADE,
                                    related_name="enrolments")
    status = models.CharField("状态", max_length=10, choices=Status.choices)
    source = models.CharField("来源", max_length=12, choices=Source.choices)
    rank = models.PositiveSmallIntegerField("志愿顺序", null=True, blank=True)
    waitlist_position = models.PositiveIntegerField("候补顺位", null=True, blank=True)
    allocation = models.ForeignKey("Allocation", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="enrolments")
    created_at = models.DateTimeField(auto_now_add=True)
    changed_at = models.DateTimeField(auto_now=True)

    objects = EnrolmentQuerySet.as_manager()

    ACCESS = {
        "view": STAFF_VIEW | {Role.GUARDIAN},
        "withdraw": {Role.GUARDIAN},
    }

    class Meta:
        verbose_name = "课后服务录取"
        verbose_name_plural = "课后服务录取"
        ordering = ["course_id", "status", "waitlist_position", "pk"]
        constraints = [
            # One live place (enrolled or waitlisted) per pupil and course.
            models.UniqueConstraint(fields=["course", "pupil"],
                                    condition=Q(status__in=["enrolled", "waitlisted"]),
                                    name="enrolment_one_live_per_course"),
        ]
        indexes = [models.Index(fields=["pupil", "status"])]

    def __str__(self):
        return f"{self.pupil} {self.course} {self.get_status_display()}"

    def permits(self, scope, action):
        if action == "withdraw":
            return self.pupil_id in scope.pupil_ids
        return True


class Allocation(models.Model):
    """One run of the menu-course lottery: its seed, inputs and algorithm, so anyone with the
    record can re-run it and get the same result; and the quality against first-come-first-served."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="allocations")
    number = models.PositiveIntegerField("第几次")
    seed = models.CharField("随机种子", max_length=64)
    algorithm = models.CharField("算法版本", max_length=40)
    inputs = models.JSONField("输入（课程与志愿）")
    inputs_digest = models.CharField("输入摘要 SHA-256", max_length=64)
    result = models.JSONField("结果")
    quality = models.JSONField("分配质量")
    reason = models.CharField("重新抽签原因", max_length=300, blank=True)
    run_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                               related_name="+")
    run_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")

    class QuerySet(models.QuerySet):
        def visible_to(self, user):
            s = scope_of(user)
            return self.filter(
                Q(programme__school__bureau_id__in=s.bureau_ids_for(Role.BUREAU_ADMIN,
                                                                     Role.INSPECTOR))
                | Q(programme__school_id__in=s.admin_school_ids))

    objects = QuerySet.as_manager()

    ACCESS = {
        "view": {Role.BUREAU_ADMIN, Role.INSPECTOR, Role.SCHOOL_ADMIN},
        "publish": SCHOOL_RUNS,
    }

    class Meta:
        verbose_name = "菜单课程抽签"
        verbose_name_plural = "菜单课程抽签"
        ordering = ["programme_id", "number"]
        constraints = [models.UniqueConstraint(fields=["programme", "number"],
                                               name="allocation_number_unique")]

    def __str__(self):
        return f"{self.programme} 第{self.number}次抽签"

    def permits(self, scope, action):
        if action == "publish":
            return self.programme.school_id in scope.admin_school_ids
        return True


# ---- sessions, attendance, pick-up -----------------------------------------------------------


class SessionQuerySet(models.QuerySet):
    def visible_to(self, user):
        s = scope_of(user)
        q = Q(course__programme__school__bureau_id__in=s.bureau_ids_for(Role.BUREAU_ADMIN,
                                                                         Role.INSPECTOR))
        q |= Q(course__programme__school_id__in=s.admin_school_ids)
        if s.teacher_id:
            q |= Q(course__duty_teacher_id=s.teacher_id) | Q(
                course__instructor__teacher_id=s.teacher_id)
        if s.head_class_ids:
            q |= Q(course__school_class_id__in=s.head_class_ids)
        return self.filter(q)


class Session(models.Model):
    """One dated occurrence of a course on a school day."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "待上课"
        DELIVERED = "delivered", "已上课"
        CANCELLED = "cancelled", "已取消"

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="sessions")
    date = models.DateField("日期")
    start = models.TimeField("开始时间")
    end = models.TimeField("结束时间")
    status = models.CharField("状态", max_length=10, choices=Status.choices,
                              default=Status.SCHEDULED)
    teacher = models.ForeignKey("org.Teacher", verbose_name="计酬教师", null=True, blank=True,
                                on_delete=models.PROTECT, related_name="after_school_sessions")
    delivered_minutes = models.PositiveIntegerField("服务时长（分钟）", default=0)
    delivered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    delivered_at = models.DateTimeField(null=True, blank=True)

    objects = SessionQuerySet.as_manager()

    ACCESS = {
        "view": STAFF_VIEW,
        "attend": {Role.SCHOOL_ADMIN, Role.SUBJECT_TEACHER, Role.HEAD_TEACHER},
    }

    class Meta:
        verbose_name = "课后服务课次"
        verbose_name_plural = "课后服务课次"
        ordering = ["date", "start", "course_id"]
        constraints = [models.UniqueConstraint(fields=["course", "date"],
                                               name="session_one_per_course_day")]
        indexes = [models.Index(fields=["teacher", "date"]), models.Index(fields=["date"])]

    def __str__(self):
        return f"{self.course} {self.date}"

    def permits(self, scope, action):
        if action == "attend":
            course = self.course
            return (course.programme.school_id in scope.admin_school_ids
                    or (scope.teacher_id is not None
                        and scope.teacher_id in (course.duty_teacher_id,
                                                 course.instructor.teacher_id
                                                 if course.instructor_id else None)))
        return True


class AttendanceQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(Q(session__in=Session.objects.visible_to(user)) | pupil_q(user))


class Attendance(models.Model):
    """A pupil's mark in one session, and who picked them up and when (safe pick-up)."""

    class Mark(models.TextChoices):
        PRESENT = "present", "出勤"
        ABSENT = "absent", "缺勤"
        LEAVE = "leave", "请假"

    class Pickup(models.TextChoices):
        GUARDIAN = "guardian", "家长接走"
        AUTHORISED = "authorised", "委托人接走"
        ALONE = "alone", "自行离校（家长同意）"
        CARE = "care", "转入延时托管/晚自习"

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="attendance")
    pupil = models.ForeignKey("org.Pupil", on_delete=models.CASCADE,
                              related_name="after_school_attendance")
    mark = models.CharField("考勤", max_length=10, choices=Mark.choices)
    note = models.CharField("备注", max_length=200, blank=True)
    pickup = models.CharField("离校方式", max_length=12, choices=Pickup.choices, blank=True)
    picked_up_by = models.CharField("接走人", max_length=50, blank=True)
    picked_up_at = models.DateTimeField("接走时间", null=True, blank=True)
    marked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                  related_name="+")
    marked_at = models.DateTimeField(auto_now=True)

    objects = AttendanceQuerySet.as_manager()

    ACCESS = {"view": STAFF_VIEW | {Role.GUARDIAN}}

    class Meta:
        verbose_name = "课后服务考勤"
        verbose_name_plural = "课后服务考勤"
        constraints = [models.UniqueConstraint(fields=["session", "pupil"],
                                               name="attendance_one_per_pupil_session")]


# ---- fees (AS-10) and satisfaction (QM-4) ----------------------------------------------------


class FeeExemption(models.Model):
    """A hardship exemption from the programme's fees (AS-10), approved by the school."""

    class Reason(models.TextChoices):
        SUBSISTENCE = "subsistence", "低保家庭"
        EXTREME_POVERTY = "extreme_poverty", "特困供养"
        DISABILITY = "disability", "残疾学生"
        ORPHAN = "orphan", "孤儿/事实无人抚养"
        OTHER = "other", "其他困难"

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="exemptions")
    pupil = models.ForeignKey("org.Pupil", on_delete=models.CASCADE, related_name="+")
    reason = models.CharField("减免原因", max_length=20, choices=Reason.choices)
    note = models.CharField("说明", max_length=200, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                    related_name="+")
    approved_at = models.DateTimeField(auto_now_add=True)

    class QuerySet(models.QuerySet):
        def visible_to(self, user):
            s = scope_of(user)
            return self.filter(
                Q(programme__school__bureau_id__in=s.bureau_ids_for(Role.BUREAU_ADMIN))
                | Q(programme__school_id__in=s.admin_school_ids) | Q(pupil_id__in=s.pupil_ids))

    objects = QuerySet.as_manager()

    ACCESS = {"view": {Role.BUREAU_ADMIN, Role.SCHOOL_ADMIN, Role.GUARDIAN},
              "create": SCHOOL_RUNS}

    class Meta:
        verbose_name = "课后服务费减免"
        verbose_name_plural = "课后服务费减免"
        constraints = [models.UniqueConstraint(fields=["programme", "pupil"],
                                               name="exemption_one_per_pupil")]


class SurveyResponse(models.Model):
    """A guardian's end-of-term answer for one child: the child's liking and the guardian's
    satisfaction, 1 (very low) to 5 (very high) (QM-4). Reported in aggregate only."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="surveys")
    pupil = models.ForeignKey("org.Pupil", on_delete=models.CASCADE, related_name="+")
    liking = models.PositiveSmallIntegerField("孩子喜爱度（1–5）")
    satisfaction = models.PositiveSmallIntegerField("家长满意度（1–5）")
    comment = models.CharField("意见建议", max_length=500, blank=True)
    answered_at = models.DateTimeField(auto_now=True)

    class QuerySet(models.QuerySet):
        def visible_to(self, user):
            return self.filter(pupil_id__in=scope_of(user).pupil_ids)

    objects = QuerySet.as_manager()

    ACCESS = {"view": {Role.GUARDIAN}, "create": {Role.GUARDIAN}}

    class Meta:
        verbose_name = "课后服务满意度"
        verbose_name_plural = "课后服务满意度"
        constraints = [
            models.UniqueConstraint(fields=["programme", "pupil"], name="survey_one_per_pupil"),
            models.CheckConstraint(condition=Q(liking__gte=1, liking__lte=5,
                                               satisfaction__gte=1, satisfaction__lte=5),
                                   name="survey_scale_1_to_5"),
        ]
