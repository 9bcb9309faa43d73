"""The quality homework library (优质作业资源库, QM-5): reusable homework items, teachers' ratings
and the school's and district's "excellent design" selections.

Who reaches what (``ResourceItem.objects.visible_to``):

- staff of a school (teachers, grade leaders, school admins) see the shared items of their school
  and the shared district-visible items of their bureau and every bureau above it;
- bureau admins see every shared item of the schools in their tree, and district-visible items
  from above;
- drafts are seen only by their owner (the teacher, or the admins of the owning bureau);
- guardians, institutions and the bank see nothing (403).

The rating aggregates (count, sum of stars) and the usage count live on the item and change only
through ``F()`` updates, so concurrent ratings never lose one another.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, FloatField, Q
from django.db.models.functions import Cast, NullIf

from homework.models import FORBIDDEN_KINDS, Kind, Layer
from org.models import GRADE_NAMES, SUBJECT_NAMES, SUBJECTS, Bureau, School
from org.roles import Role
from org.scope import scope_of

VIEWERS = frozenset({Role.SUBJECT_TEACHER, Role.HEAD_TEACHER, Role.GRADE_LEADER,
                     Role.SCHOOL_ADMIN, Role.BUREAU_ADMIN})
AUTHORS = frozenset({Role.SUBJECT_TEACHER, Role.HEAD_TEACHER, Role.BUREAU_ADMIN})
RATERS = frozenset({Role.SUBJECT_TEACHER, Role.HEAD_TEACHER})
SELECTORS = frozenset({Role.SCHOOL_ADMIN, Role.BUREAU_ADMIN})

# HW-8: the library never holds repetitive or punitive homework.
KIND_CHOICES = [(value, label) for value, label in Kind.choices if value not in FORBIDDEN_KINDS]
DIFFICULTY_CHOICES = [(1, "1 基础"), (2, "2 较易"), (3, "3 适中"), (4, "4 较难"), (5, "5 拓展")]


class Visibility(models.TextChoices):
    SCHOOL = "school", "仅本校"
    DISTRICT = "district", "全区共享"


class Status(models.TextChoices):
    DRAFT = "draft", "草稿"
    SHARED = "shared", "已共享"


class Level(models.TextChoices):
    SCHOOL = "school", "校级"
    DISTRICT = "district", "区级"


def upward_bureau_ids(bureau_ids):
    """The given bureaus and every bureau above them (the tree is shallow: province → district)."""
    found, frontier = set(), set(bureau_ids)
    while frontier:
        found |= frontier
        parents = Bureau.objects.filter(pk__in=frontier, parent__isnull=False).values_list(
            "parent_id", flat=True)
        frontier = set(parents) - found
    return found


class ResourceItemQuerySet(models.QuerySet):
    def visible_to(self, user):
        s = scope_of(user)
        if not s.roles & VIEWERS:
            return self.none()
        shared = Q(status=Status.SHARED)
        admin_bureaus = s.bureau_ids_for(Role.BUREAU_ADMIN)
        # Drafts: only the owner (a teacher, or the admins of the owning bureau).
        q = Q(teacher_id=s.teacher_id) if s.teacher_id else Q(pk__in=[])
        q |= Q(school__isnull=True, bureau_id__in=admin_bureaus)
        # Shared items of the user's own schools, whatever their visibility.
        q |= shared & Q(school_id__in=s.school_ids)
        # A bureau admin supervises every shared item of the schools in the tree.
        q |= shared & Q(bureau_id__in=admin_bureaus)
        # District-visible items of the bureau the user's schools belong to, and of those above.
        home = set(School.objects.filter(pk__in=s.school_ids).values_list("bureau_id", flat=True))
        q |= shared & Q(visibility=Visibility.DISTRICT,
                        bureau_id__in=upward_bureau_ids(home | admin_bureaus))
        return self.filter(q)

    def for_cards(self):
        return self.select_related("teacher", "school", "bureau").prefetch_related("selections")

    def search(self, *, q="", subject="", grade=None, kind="", difficulty=None, selected="",
               order=""):
        """The library's filters (web and API): text, subject, grade, kind, difficulty, award."""
        qs = self
        if q := (q or "").strip():
            qs = qs.filter(Q(title__icontains=q) | Q(content__icontains=q)
                           | Q(unit__icontains=q) | Q(textbook__icontains=q))
        if subject:
            qs = qs.filter(subject=subject)
        if grade:
            qs = qs.filter(grade_from__lte=grade, grade_to__gte=grade)
        if kind:
            qs = qs.filter(kind=kind)
        if difficulty:
            qs = qs.filter(difficulty=difficulty)
        if selected in Level.values:
            qs = qs.filter(pk__in=Selection.objects.filter(level=selected).values("item_id"))
        elif selected:  # "any": an award of either level
            qs = qs.filter(pk__in=Selection.objects.values("item_id"))
        if order == "rating":
            average = Cast("rating_total", FloatField()) / NullIf("rating_count", 0)
            return qs.annotate(average=average).order_by(F("average").desc(nulls_last=True),
                                                         "-rating_count", "-pk")
        if order == "used":
            return qs.order_by("-times_used", "-pk")
        return qs.order_by("-updated_at", "-pk")


class ResourceItem(models.Model):
    """A reusable homework design: owned by a teacher (and their school) or by a bureau."""

    teacher = models.ForeignKey("org.Teacher", verbose_name="设计教师", null=True, blank=True,
                                on_delete=models.PROTECT, related_name="resource_items")
    school = models.ForeignKey("org.School", verbose_name="学校", null=True, blank=True,
                               on_delete=models.PROTECT, related_name="resource_items")
    bureau = models.ForeignKey("org.Bureau", verbose_name="所属教育局", on_delete=models.PROTECT,
                               related_name="resource_items",
                               help_text="学校资源为学校的主管教育局；教育局资源为发布的教育局")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    title = models.CharField("标题", max_length=100)
    content = models.TextField("作业内容", blank=True)
    subject = models.CharField("学科", max_length=20, choices=SUBJECTS)
    grade_from = models.PositiveSmallIntegerField("适用年级（起）", choices=list(GRADE_NAMES.items()))
    grade_to = models.PositiveSmallIntegerField("适用年级（止）", choices=list(GRADE_NAMES.items()))
    textbook = models.CharField("教材版本及册次", max_length=60, blank=True,
                                help_text="如：人教版 四年级上册")
    unit = models.CharField("单元/课时", max_length=100, blank=True, help_text="如：第三单元 角的度量")
    kind = models.CharField("类型", max_length=20, choices=KIND_CHOICES, default=Kind.WRITTEN)
    difficulty = models.PositiveSmallIntegerField("难度", choices=DIFFICULTY_CHOICES, default=3)
    minutes = models.PositiveSmallIntegerField("预计完成时间（分钟）")
    layer = models.CharField("建议分层", max_length=20, choices=Layer.choices,
                             default=Layer.REQUIRED)
    visibility = models.CharField("共享范围", max_length=10, choices=Visibility.choices,
                                  default=Visibility.SCHOOL)
    status = models.CharField("状态", max_length=10, choices=Status.choices,
                              default=Status.DRAFT)
    within_standard = models.BooleanField("难度不超过国家课程标准（HW-6）", default=False)
    rating_count = models.PositiveIntegerField("评分人数", default=0)
    rating_total = models.PositiveIntegerField("评分星数合计", default=0)
    times_used = models.PositiveIntegerField("被选用布置次数", default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ResourceItemQuerySet.as_manager()

    ACCESS = {
        "view": VIEWERS,
        "create": AUTHORS,
        "change": AUTHORS,
        "rate": RATERS,
        "select": SELECTORS,
    }

    class Meta:
        verbose_name = "作业资源"
        verbose_name_plural = "作业资源"
        indexes = [models.Index(fields=["status", "subject", "grade_from"]),
                   models.Index(fields=["bureau", "visibility"])]
        constraints = [
            models.CheckConstraint(condition=Q(minutes__gte=1, minutes__lte=300),
                                   name="resource_minutes_1_300"),
            models.CheckConstraint(condition=Q(difficulty__gte=1, difficulty__lte=5),
                                   name="resource_difficulty_1_5"),
            models.CheckConstraint(
                condition=Q(grade_from__gte=1, grade_to__lte=9, grade_from__lte=F("grade_to")),
                name="resource_grades_1_9"),
            # A bureau's own item has no school and is always shared district-wide.
            models.CheckConstraint(condition=Q(school__isnull=False)
                                   | Q(visibility=Visibility.DISTRICT, teacher__isnull=True),
                                   name="resource_bureau_items_district"),
            models.CheckConstraint(condition=Q(rating_total__lte=F("rating_count") * 5),
                                   name="resource_rating_total_le_5x"),
        ]

    def __str__(self):
        return self.title

    @property
    def average_stars(self):
        """Mean stars, one decimal; None before the first rating."""
        return round(self.rating_total / self.rating_count, 1) if self.rating_count else None

    @property
    def owner_name(self):
        if self.teacher_id:
            return f"{self.teacher.name}（{self.school.name}）"
        return self.bureau.name

    @property
    def grade_label(self):
        if self.grade_from == self.grade_to:
            return GRADE_NAMES.get(self.grade_from, "")
        return f"{GRADE_NAMES.get(self.grade_from, '')}至{GRADE_NAMES.get(self.grade_to, '')}"

    @property
    def subject_name(self):
        return SUBJECT_NAMES.get(self.subject, self.subject)

    def owned_by(self, scope):
        """The teacher who designed it, or an admin of the bureau that published it."""
        if self.teacher_id:
            return self.teacher_id == scope.teacher_id
        return self.bureau_id in scope.bureau_ids_for(Role.BUREAU_ADMIN)

    def can_select(self, scope, level):
        if level == Level.SCHOOL:
            return self.school_id is not None and self.school_id in scope.admin_school_ids
        if level == Level.DISTRICT:
            return self.bureau_id in scope.bureau_ids_for(Role.BUREAU_ADMIN)
        return False

    def permits(self, scope, action):
        if action == "change":
            return self.owned_by(scope)
        if action == "rate":
            # Teachers rate others' shared designs, never their own.
            return (scope.teacher_id is not None and self.status == Status.SHARED
                    and self.teacher_id != scope.teacher_id)
        if action == "select":
            return any(self.can_select(scope, level) for level in Level.values)
        return True

    def homework_initial(self, subjects):
        """Initial values of the homework filing form when a teacher picks this item."""
        initial = {"title": self.title, "content": self.content, "kind": self.kind,
                   "minutes": self.minutes, "layer": self.layer}
        if self.subject in subjects:
            initial["subject"] = self.subject
        return initial


class Rating(models.Model):
    """A teacher's stars (1–5) and comment on an item: one per teacher and item."""

    item = models.ForeignKey(ResourceItem, on_delete=models.CASCADE, related_name="ratings")
    teacher = models.ForeignKey("org.Teacher", verbose_name="评分教师", on_delete=models.CASCADE,
                                related_name="resource_ratings")
    stars = models.PositiveSmallIntegerField("评分（星）")
    comment = models.CharField("评价", max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "资源评分"
        verbose_name_plural = "资源评分"
        constraints = [
            models.UniqueConstraint(fields=["item", "teacher"], name="rating_one_per_teacher"),
            models.CheckConstraint(condition=Q(stars__gte=1, stars__lte=5), name="rating_stars_1_5"),
        ]


class Selection(models.Model):
    """An "excellent homework design" award (优秀作业设计, QM-5) of a school or a district."""

    item = models.ForeignKey(ResourceItem, on_delete=models.PROTECT, related_name="selections")
    level = models.CharField("级别", max_length=10, choices=Level.choices)
    year = models.PositiveSmallIntegerField("年度")
    reason = models.CharField("推荐理由", max_length=500)
    selected_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                    on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "优秀作业设计评选"
        verbose_name_plural = "优秀作业设计评选"
        ordering = ["-year", "level"]
        constraints = [models.UniqueConstraint(fields=["item", "level", "year"],
                                               name="selection_unique_per_year")]

    def __str__(self):
        return f"{self.year}年度{self.get_level_display()}优秀作业设计"
