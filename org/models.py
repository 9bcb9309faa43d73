"""The organisation tree (bureau → school → grade → class), people and roles.

Every model here that users reach has a QuerySet with ``visible_to(user)`` (its organisation
scope) and an ``ACCESS`` table of the roles allowed each action. ``core.access`` is the one gate
that combines the two; views and API endpoints never query these models unscoped.
"""

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce

from core.masking import mask_id_number, mask_phone
from org.roles import Role
from org.scope import scope_of


class UserQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Accounts in the user's administrative reach: bureau admins see their tree's staff,
        school admins their school's staff; everyone sees themselves."""
        s = scope_of(user)
        bureaus = s.bureau_ids_for(Role.BUREAU_ADMIN)
        schools = s.admin_school_ids
        q = Q(pk=user.pk)
        if bureaus:
            q |= Q(role_assignments__bureau_id__in=bureaus)
            q |= Q(role_assignments__school__bureau_id__in=bureaus)
            q |= Q(role_assignments__institution__bureau_id__in=bureaus)
            q |= Q(teacher__school__bureau_id__in=bureaus)
        if schools:
            q |= Q(teacher__school_id__in=schools) | Q(role_assignments__school_id__in=schools)
        return self.filter(q).distinct()


class ScopedUserManager(UserManager.from_queryset(UserQuerySet)):
    pass


class User(AbstractUser):
    """A login. What it may do comes from its role assignments and its teacher/guardian profile."""

    name = models.CharField("姓名", max_length=50, blank=True)
    phone = models.CharField("手机号", max_length=20, blank=True)

    objects = ScopedUserManager()

    ACCESS = {
        "view": {Role.BUREAU_ADMIN, Role.SCHOOL_ADMIN},
        "change": {Role.BUREAU_ADMIN, Role.SCHOOL_ADMIN},
        "create": {Role.BUREAU_ADMIN, Role.SCHOOL_ADMIN},
    }

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"

    def __str__(self):
        return self.name or self.username

    @property
    def scope(self):
        return scope_of(self)


class BureauQuerySet(models.QuerySet):
    def visible_to(self, user):
        s = scope_of(user)
        return self.filter(Q(pk__in=s.bureau_ids) | Q(schools__pk__in=s.school_ids)).distinct()


class Bureau(models.Model):
    """An education bureau: a city bureau, or a district/county bureau under it."""

    class Level(models.TextChoices):
        PROVINCE = "province", "省级"
        CITY = "city", "市级"
        DISTRICT = "district", "区县级"

    name = models.CharField("名称", max_length=100)
    code = models.CharField("行政区划代码", max_length=12, unique=True)
    level = models.CharField("层级", max_length=10, choices=Level.choices, default=Level.DISTRICT)
    parent = models.ForeignKey(
        "self", verbose_name="上级教育局", null=True, blank=True, on_delete=models.PROTECT,
        related_name="children",
    )

    objects = BureauQuerySet.as_manager()

    ACCESS = {"view": Role.ALL_STAFF | {Role.CUSTODIAN_BANK}}

    class Meta:
        verbose_name = "教育局"
        verbose_name_plural = "教育局"

    def __str__(self):
        return self.name


class Stage(models.TextChoices):
    PRIMARY = "primary", "小学"
    JUNIOR = "junior", "初中"
    NINE_YEAR = "nine_year", "九年一贯制"


class SchoolSystem(models.TextChoices):
    SIX_THREE = "6-3", "六三制"
    FIVE_FOUR = "5-4", "五四制"


SUBJECTS = [
    ("chinese", "语文"), ("maths", "数学"), ("english", "英语"), ("morality", "道德与法治"),
    ("science", "科学"), ("physics", "物理"), ("chemistry", "化学"), ("biology", "生物"),
    ("history", "历史"), ("geography", "地理"), ("pe", "体育与健康"), ("music", "音乐"),
    ("art", "美术"), ("it", "信息科技"), ("labour", "劳动"),
]
SUBJECT_NAMES = dict(SUBJECTS)

GRADE_NAMES = {1: "一年级", 2: "二年级", 3: "三年级", 4: "四年级", 5: "五年级", 6: "六年级",
               7: "七年级", 8: "八年级", 9: "九年级"}


class SchoolQuerySet(models.QuerySet):
    def visible_to(self, user):
        s = scope_of(user)
        return self.filter(Q(bureau_id__in=s.bureau_ids) | Q(pk__in=s.school_ids))


class School(models.Model):
    """A compulsory-education school. Its stage and system decide which limits apply (XC-1)."""

    class Ownership(models.TextChoices):
        PUBLIC = "public", "公办"
        PRIVATE = "private", "民办"

    bureau = models.ForeignKey(Bureau, verbose_name="主管教育局", on_delete=models.PROTECT,
                               related_name="schools")
    name = models.CharField("学校名称", max_length=100)
    code = models.CharField("学校代码", max_length=20, unique=True)
    stage = models.CharField("学段", max_length=10, choices=Stage.choices)
    system = models.CharField("学制", max_length=3, choices=SchoolSystem.choices,
                              default=SchoolSystem.SIX_THREE)
    ownership = models.CharField("办学性质", max_length=10, choices=Ownership.choices,
                                 default=Ownership.PUBLIC)
    address = models.CharField("地址", max_length=200, blank=True)

    objects = SchoolQuerySet.as_manager()

    ACCESS = {
        "view": Role.ALL_STAFF,
        "change": {Role.BUREAU_ADMIN},
        "create": {Role.BUREAU_ADMIN},
    }

    class Meta:
        verbose_name = "学校"
        verbose_name_plural = "学校"
        unique_together = [("bureau", "name")]

    def __str__(self):
        return self.name

    @property
    def grades(self):
        """The grades this school teaches, by stage and system (XC-1)."""
        primary_top = 5 if self.system == SchoolSystem.FIVE_FOUR else 6
        if self.stage == Stage.PRIMARY:
            return range(1, primary_top + 1)
        if self.stage == Stage.JUNIOR:
            return range(primary_top + 1, 10)
        return range(1, 10)

    def stage_of_grade(self, grade):
        """XC-1: the stage a grade belongs to here (五四制: primary G1–5, junior G6–9)."""
        primary_top = 5 if self.system == SchoolSystem.FIVE_FOUR else 6
        return Stage.PRIMARY if grade <= primary_top else Stage.JUNIOR


class Teacher(models.Model):
    """A member of a school's staff (teacher, principal, academic office), with or without a login."""

    school = models.ForeignKey(School, verbose_name="学校", on_delete=models.PROTECT,
                               related_name="teachers")
    user = models.OneToOneField(User, verbose_name="登录账号", null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="teacher")
    name = models.CharField("姓名", max_length=50)
    gender = models.CharField("性别", max_length=1, choices=[("M", "男"), ("F", "女")], blank=True)
    id_number = models.CharField("身份证号", max_length=18, blank=True)
    phone = models.CharField("手机号", max_length=20, blank=True)
    staff_no = models.CharField("工号", max_length=30, blank=True)

    class QuerySet(models.QuerySet):
        def visible_to(self, user):
            s = scope_of(user)
            return self.filter(
                Q(school__bureau_id__in=s.bureau_ids_for(Role.BUREAU_ADMIN))
                | Q(school_id__in=s.admin_school_ids)
                | Q(user_id=user.pk)
            )

    objects = QuerySet.as_manager()

    ACCESS = {
        "view": {Role.BUREAU_ADMIN, Role.SCHOOL_ADMIN, Role.SUBJECT_TEACHER, Role.HEAD_TEACHER},
        "change": {Role.BUREAU_ADMIN, Role.SCHOOL_ADMIN},
        "create": {Role.BUREAU_ADMIN, Role.SCHOOL_ADMIN},
        "reveal": {Role.BUREAU_ADMIN, Role.SCHOOL_ADMIN},
    }

    class Meta:
        verbose_name = "教职工"
        verbose_name_plural = "教职工"
        constraints = [
            models.UniqueConstraint(fields=["id_number"], condition=~Q(id_number=""),
                                    name="teacher_id_number_unique"),
        ]

    def __str__(self):
        return self.name

    @property
    def id_number_masked(self):
        return mask_id_number(self.id_number)

    @property
    def phone_masked(self):
        return mask_phone(self.phone)


class SchoolClassQuerySet(models.QuerySet):
    def visible_to(self, user):
        s = scope_of(user)
        q = Q(school__bureau_id__in=s.bureau_ids_for(Role.BUREAU_ADMIN, Role.INSPECTOR))
        q |= Q(school_id__in=s.admin_school_ids)
        q |= Q(pk__in=s.class_ids)
        for school_id, grade in s.grade_scopes:
            q |= Q(school_id=school_id, grade=grade)
        return self.filter(q)


class SchoolClass(models.Model):
    """A class (班级) of one grade in one school."""

    school = models.ForeignKey(School, verbose_name="学校", on_delete=models.PROTECT,
                               related_name="classes")
    grade = models.PositiveSmallIntegerField("年级", choices=list(GRADE_NAMES.items()))
    number = models.PositiveSmallIntegerField("班号")
    head_teacher = models.ForeignKey(Teacher, verbose_name="班主任", null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="head_of")

    objects = SchoolClassQuerySet.as_manager()

    ACCESS = {
        "view": {Role.BUREAU_ADMIN, Role.INSPECTOR, Role.SCHOOL_ADMIN, Role.GRADE_LEADER,
                 Role.HEAD_TEACHER, Role.SUBJECT_TEACHER},
        "change": {Role.BUREAU_ADMIN, Role.SCHOOL_ADMIN},
        "create": {Role.BUREAU_ADMIN, Role.SCHOOL_ADMIN},
    }

    class Meta:
        verbose_name = "班级"
        verbose_name_plural = "班级"
        ordering = ["school_id", "grade", "number"]
        constraints = [
            models.UniqueConstraint(fields=["school", "grade", "number"],
                                    name="class_unique_per_school"),
            models.CheckConstraint(condition=Q(grade__gte=1, grade__lte=9), name="class_grade_1_9"),
        ]

    def __str__(self):
        return self.name

    @property
    def name(self):
        return f"{GRADE_NAMES.get(self.grade, self.grade)}（{self.number}）班"

    @property
    def stage(self):
        return self.school.stage_of_grade(self.grade)


class TeachingAssignment(models.Model):
    """A teacher teaches a subject in a class."""

    teacher = models.ForeignKey(Teacher, verbose_name="教师", on_delete=models.CASCADE,
                                related_name="assignments")
    school_class = models.ForeignKey(SchoolClass, verbose_name="班级", on_delete=models.CASCADE,
                                     related_name="assignments")
    subject = models.CharField("学科", max_length=20, choices=SUBJECTS)

    class Meta:
        verbose_name = "任课安排"
        verbose_name_plural = "任课安排"
        constraints = [
            models.UniqueConstraint(fields=["school_class", "subject"],
                                    name="one_teacher_per_class_subject"),
        ]

    def __str__(self):
        return f"{self.teacher} {self.school_class} {self.get_subject_display()}"


class PupilQuerySet(models.QuerySet):
    def visible_to(self, user):
        s = scope_of(user)
        q = Q(school__bureau_id__in=s.bureau_ids_for(Role.BUREAU_ADMIN))
        q |= Q(school_id__in=s.admin_school_ids)
        q |= Q(school_class_id__in=s.class_ids)
        q |= Q(pk__in=s.pupil_ids)
        for school_id, grade in s.grade_scopes:
            q |= Q(school_id=school_id, school_class__grade=grade)
        return self.filter(q)


class Pupil(models.Model):
    """A pupil (a minor): ID numbers and guardians' phones are sensitive personal information."""

    school = models.ForeignKey(School, verbose_name="学校", on_delete=models.PROTECT,
                               related_name="pupils")
    school_class = models.ForeignKey(SchoolClass, verbose_name="班级", on_delete=models.PROTECT,
                                     related_name="pupils")
    name = models.CharField("姓名", max_length=50)
    gender = models.CharField("性别", max_length=1, choices=[("M", "男"), ("F", "女")])
    id_number = models.CharField("身份证号", max_length=18, unique=True)
    student_no = models.CharField("学籍号", max_length=30, blank=True)

    objects = PupilQuerySet.as_manager()

    ACCESS = {
        "view": {Role.BUREAU_ADMIN, Role.SCHOOL_ADMIN, Role.GRADE_LEADER, Role.HEAD_TEACHER,
                 Role.SUBJECT_TEACHER, Role.GUARDIAN},
        "change": {Role.BUREAU_ADMIN, Role.SCHOOL_ADMIN},
        "create": {Role.BUREAU_ADMIN, Role.SCHOOL_ADMIN},
        # Unmasked ID numbers: only those who administer the roll. Every reveal is audited.
        "reveal": {Role.BUREAU_ADMIN, Role.SCHOOL_ADMIN},
    }

    class Meta:
        verbose_name = "学生"
        verbose_name_plural = "学生"
        indexes = [models.Index(fields=["school_class", "name"])]

    def __str__(self):
        return self.name

    def permits(self, scope, action):
        """Object-level check on top of ACCESS: a guardian may only view; reveal needs admin scope."""
        if action == "reveal":
            return (self.school.bureau_id in scope.bureau_ids_for(Role.BUREAU_ADMIN)
                    or self.school_id in scope.admin_school_ids)
        if action in ("change", "create"):
            return (self.school.bureau_id in scope.bureau_ids_for(Role.BUREAU_ADMIN)
                    or self.school_id in scope.admin_school_ids)
        return True

    @property
    def id_number_masked(self):
        return mask_id_number(self.id_number)


class GuardianQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Guardians of pupils the user administers or heads the class of; and oneself."""
        s = scope_of(user)
        q = Q(user_id=user.pk)
        q |= Q(pupils__school__bureau_id__in=s.bureau_ids_for(Role.BUREAU_ADMIN))
        q |= Q(pupils__school_id__in=s.admin_school_ids)
        q |= Q(pupils__school_class_id__in=s.head_class_ids)
        return self.filter(q).distinct()


class Guardian(models.Model):
    """A pupil's guardian (家长). Linked to pupils through Guardianship."""

    user = models.OneToOneField(User, verbose_name="登录账号", null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="guardian")
    name = models.CharField("姓名", max_length=50)
    phone = models.CharField("手机号", max_length=20)
    pupils = models.ManyToManyField(Pupil, through="Guardianship", related_name="guardians")

    objects = GuardianQuerySet.as_manager()

    ACCESS = {"view": {Role.BUREAU_ADMIN, Role.SCHOOL_ADMIN, Role.HEAD_TEACHER, Role.GUARDIAN}}

    class Meta:
        verbose_name = "家长"
        verbose_name_plural = "家长"
        indexes = [models.Index(fields=["phone"])]

    def __str__(self):
        return self.name

    @property
    def phone_masked(self):
        return mask_phone(self.phone)


class Guardianship(models.Model):
    RELATIONS = [("father", "父亲"), ("mother", "母亲"), ("grandparent", "祖父母/外祖父母"),
                 ("other", "其他监护人")]

    guardian = models.ForeignKey(Guardian, on_delete=models.CASCADE, related_name="links")
    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="guardian_links")
    relation = models.CharField("关系", max_length=20, choices=RELATIONS, default="other")

    class Meta:
        verbose_name = "监护关系"
        verbose_name_plural = "监护关系"
        constraints = [models.UniqueConstraint(fields=["guardian", "pupil"],
                                               name="guardianship_unique")]


class RoleAssignment(models.Model):
    """A role held in an organisation unit. Teacher and guardian roles come from their profiles."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField("角色", max_length=30, choices=Role.choices)
    bureau = models.ForeignKey(Bureau, null=True, blank=True, on_delete=models.CASCADE)
    school = models.ForeignKey(School, null=True, blank=True, on_delete=models.CASCADE)
    grade = models.PositiveSmallIntegerField("年级", null=True, blank=True)
    institution = models.ForeignKey("institutions.Institution", null=True, blank=True,
                                    on_delete=models.CASCADE)

    class Meta:
        verbose_name = "角色分配"
        verbose_name_plural = "角色分配"
        constraints = [
            # NULL units count as equal, on SQLite too (nulls_distinct is PostgreSQL-only).
            models.UniqueConstraint(
                "user", "role", Coalesce("bureau", 0), Coalesce("school", 0),
                Coalesce("grade", 0), Coalesce("institution", 0),
                name="role_assignment_unique"),
            # Each role is scoped to exactly the kind of unit it belongs to.
            models.CheckConstraint(
                name="role_has_its_unit",
                condition=(
                    Q(role__in=Role.BUREAU_ROLES, bureau__isnull=False, school__isnull=True,
                      institution__isnull=True)
                    | Q(role__in=[Role.SCHOOL_ADMIN, Role.PSYCHOLOGIST], school__isnull=False,
                        bureau__isnull=True,
                        institution__isnull=True)
                    | Q(role=Role.GRADE_LEADER, school__isnull=False, grade__isnull=False)
                    | Q(role=Role.INSTITUTION_STAFF, institution__isnull=False)
                    | Q(role=Role.CUSTODIAN_BANK, bureau__isnull=False)
                ),
            ),
        ]

    def __str__(self):
        unit = self.bureau or self.school or self.institution
        return f"{self.get_role_display()} @ {unit}"

