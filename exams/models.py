"""Exams and tests (考试与测试): what a school files, and each pupil's level (RULES.md §2).

An ``Exam`` is one exam session a school files for one grade (the academic office: finals,
mid-terms, mocks) or for one class (a subject teacher's classroom quiz). It may cover several
subjects; an ``ExamResult`` is one pupil's level in one subject of it. There is no numeric score
anywhere (EX-8) and no ranking (EX-9): results are read one pupil at a time, by the pupil's own
guardians and the school staff in scope, never as a class list.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from org.models import GRADE_NAMES, SUBJECT_NAMES, Pupil, SchoolClass
from org.roles import Role
from org.scope import scope_of

STAFF_VIEW = {Role.BUREAU_ADMIN, Role.INSPECTOR, Role.SCHOOL_ADMIN, Role.GRADE_LEADER,
              Role.HEAD_TEACHER, Role.SUBJECT_TEACHER}
FILERS = {Role.SCHOOL_ADMIN, Role.SUBJECT_TEACHER, Role.HEAD_TEACHER}


# ---- levels (EX-8) -----------------------------------------------------------------------------
# ``ex.grade_levels`` (RULES EX-8, confidence M): results are levels, "generally 4 to 5". The
# national default of 4 levels is a constant here because policy/params.py has no exams
# parameter yet; when it gains ``ex.grade_levels``, ``levels_for`` should read
# ``Policy(bureau)["ex.grade_levels"]`` instead of GRADE_LEVELS. The codes A–E are stored; the
# Chinese labels are what people see.
GRADE_LEVELS = 4
LEVELS = {
    4: (("A", "优秀"), ("B", "良好"), ("C", "合格"), ("D", "待合格")),
    5: (("A", "优秀"), ("B", "良好"), ("C", "中等"), ("D", "合格"), ("E", "待合格")),
}
ALL_LEVEL_CODES = ("A", "B", "C", "D", "E")


def levels_for(bureau=None, count=None):
    """((code, label), …) of the levels results are given in for the bureau's schools."""
    return LEVELS[count or GRADE_LEVELS]


class Kind(models.TextChoices):
    FINAL = "final", "期末考试"
    MIDTERM = "midterm", "期中考试"
    MOCK = "mock", "模拟考试（九年级）"
    QUIZ = "quiz", "测验/限时练习"
    OTHER = "other", "其他"
    # EX-5: declared so that they can be refused by name.
    WEEKLY = "weekly", "周考（禁止）"
    MONTHLY = "monthly", "月考（禁止）"
    UNIT = "unit", "单元考试（禁止）"


FORBIDDEN_KINDS = {Kind.WEEKLY, Kind.MONTHLY, Kind.UNIT}
# Exams the school organises for a whole grade; they are never filed for a single class.
GRADE_KINDS = {Kind.FINAL, Kind.MIDTERM, Kind.MOCK}


class ExamScope(models.TextChoices):
    SCHOOL = "school", "校内"
    REGIONAL = "regional", "区域性（统考）"
    INTER_SCHOOL = "inter_school", "跨校际（联考）"


def _class_grades(class_ids):
    return set(SchoolClass.objects.filter(pk__in=class_ids).values_list("school_id", "grade"))


class ExamQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Bureau staff: their schools; school admins: their school; grade leaders: their grade;
        teachers: their classes' quizzes and the grade exams of the grades they teach in;
        guardians: the filed exams their child sits."""
        s = scope_of(user)
        q = Q(school__bureau_id__in=s.bureau_ids_for(Role.BUREAU_ADMIN, Role.INSPECTOR))
        q |= Q(school_id__in=s.admin_school_ids)
        for school_id, grade in s.grade_scopes:
            q |= Q(school_id=school_id, grade=grade)
        if s.class_ids:
            q |= Q(school_class_id__in=s.class_ids)
            for school_id, grade in _class_grades(s.class_ids):
                q |= Q(school_id=school_id, grade=grade, school_class__isnull=True)
        if s.pupil_ids:
            children = Pupil.objects.filter(pk__in=s.pupil_ids).values_list(
                "school_id", "school_class_id", "school_class__grade")
            for school_id, class_id, grade in children:
                q |= Q(status=Exam.Status.FILED) & (
                    Q(school_class_id=class_id)
                    | Q(school_id=school_id, grade=grade, school_class__isnull=True))
        return self.filter(q)

    def filed(self):
        return self.filter(status=Exam.Status.FILED)


class Exam(models.Model):
    """One exam or test a school files for a grade (or a teacher for one class), on one date."""

    class Status(models.TextChoices):
        FILED = "filed", "已备案"
        WITHDRAWN = "withdrawn", "已撤回"

    school = models.ForeignKey("org.School", verbose_name="学校", on_delete=models.PROTECT,
                               related_name="exams")
    grade = models.PositiveSmallIntegerField("年级", choices=list(GRADE_NAMES.items()))
    school_class = models.ForeignKey("org.SchoolClass", verbose_name="班级（班级测验）", null=True,
                                     blank=True, on_delete=models.PROTECT, related_name="exams")
    subjects = models.JSONField("学科", default=list, help_text="学科代码列表，如 [\"maths\"]")
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    paper_based = models.BooleanField("纸笔考试", default=True)
    scope = models.CharField("范围", max_length=12, choices=ExamScope.choices,
                             default=ExamScope.SCHOOL)
    date = models.DateField("考试日期")
    term = models.ForeignKey("schoolcal.Term", verbose_name="学期", on_delete=models.PROTECT,
                             related_name="exams")
    title = models.CharField("名称", max_length=100)
    note = models.CharField("说明", max_length=300, blank=True)
    status = models.CharField("状态", max_length=10, choices=Status.choices,
                              default=Status.FILED)
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="备案人", null=True,
                                 on_delete=models.SET_NULL, related_name="+")
    teacher = models.ForeignKey("org.Teacher", verbose_name="备案教师", null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="exams")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ExamQuerySet.as_manager()

    ACCESS = {
        "view": STAFF_VIEW | {Role.GUARDIAN},
        "create": FILERS,
        "change": FILERS,
        "record": FILERS,
    }

    class Meta:
        verbose_name = "考试"
        verbose_name_plural = "考试"
        ordering = ["date", "grade", "pk"]
        indexes = [models.Index(fields=["school", "term", "grade"]),
                   models.Index(fields=["school_class", "date"])]
        constraints = [
            models.CheckConstraint(condition=Q(grade__gte=1, grade__lte=9), name="exam_grade_1_9"),
            # EX-2 / EX-3 backstop (the services check first, under a lock on the school row).
            models.UniqueConstraint(
                fields=["school", "grade", "term", "kind"],
                condition=Q(kind__in=["final", "midterm"], status="filed"),
                name="exam_one_final_midterm_per_term"),
        ]

    def __str__(self):
        return self.title

    @property
    def grade_name(self):
        return GRADE_NAMES.get(self.grade, str(self.grade))

    @property
    def subject_names(self):
        return "、".join(SUBJECT_NAMES.get(s, s) for s in self.subjects)

    @property
    def covers(self):
        """What the exam covers, in words: a class, or the whole grade."""
        return self.school_class.name if self.school_class_id else f"{self.grade_name}（全年级）"

    def permits(self, scope, action):
        admin = self.school_id in scope.admin_school_ids
        if action == "change":
            # The academic office, or the teacher who filed a class quiz.
            return admin or (self.school_class_id is not None and self.teacher_id is not None
                             and self.teacher_id == scope.teacher_id)
        if action == "record":
            # The academic office, or the teachers of the class (of a class in the grade).
            if admin:
                return True
            if self.school_class_id is not None:
                return self.school_class_id in scope.class_ids
            return (self.school_id, self.grade) in _class_grades(scope.class_ids)
        return True


class ExamResultQuerySet(models.QuerySet):
    def visible_to(self, user):
        """EX-9: a pupil's own guardians and the school staff in scope; nobody else (bureau
        staff included: results are not published beyond the school)."""
        s = scope_of(user)
        q = Q(pupil__school_id__in=s.admin_school_ids)
        q |= Q(pupil__school_class_id__in=s.class_ids)
        for school_id, grade in s.grade_scopes:
            q |= Q(pupil__school_id=school_id, pupil__school_class__grade=grade)
        q |= Q(pupil_id__in=s.pupil_ids, exam__status=Exam.Status.FILED)
        return self.filter(q)


class ExamResult(models.Model):
    """A pupil's level in one subject of an exam (EX-8). Never a score, never a rank (EX-9)."""

    exam = models.ForeignKey(Exam, on_delete=models.CASCADE, related_name="results")
    pupil = models.ForeignKey("org.Pupil", on_delete=models.CASCADE, related_name="exam_results")
    subject = models.CharField("学科", max_length=20)
    level = models.CharField("等级", max_length=1)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                    related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    objects = ExamResultQuerySet.as_manager()

    ACCESS = {"view": {Role.SCHOOL_ADMIN, Role.GRADE_LEADER, Role.HEAD_TEACHER,
                       Role.SUBJECT_TEACHER, Role.GUARDIAN}}

    class Meta:
        verbose_name = "考试等级"
        verbose_name_plural = "考试等级"
        constraints = [
            models.UniqueConstraint(fields=["exam", "pupil", "subject"], name="exam_result_unique"),
            # EX-8 backstop: a level letter, never a number.
            models.CheckConstraint(condition=Q(level__in=ALL_LEVEL_CODES), name="exam_result_level"),
        ]
        indexes = [models.Index(fields=["pupil", "exam"])]

    def __str__(self):
        return f"{self.pupil} {self.subject} {self.level}"

    @property
    def subject_name(self):
        return SUBJECT_NAMES.get(self.subject, self.subject)

    @property
    def level_label(self):
        return dict(levels_for()).get(self.level, self.level)
