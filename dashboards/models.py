"""Dashboards, the school evaluation's weights (QM-2) and the monthly bulletin (月月出快报, QM-3).

Who may read which level (``core.access`` reads ``ACCESS``; the querysets below narrow it to
the organisation scope):

- the district page: the bureau's admins, supervisors and inspectors (督学);
- a school's page: the district's admins and inspectors, and the school's admins;
- a class's page: those, the grade's leader and the class's head teacher.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from org.models import Bureau, School, SchoolClass
from org.roles import Role
from org.scope import scope_of

B, S, INS, SA, GL, HT = (Role.BUREAU_ADMIN, Role.SUPERVISOR, Role.INSPECTOR, Role.SCHOOL_ADMIN,
                         Role.GRADE_LEADER, Role.HEAD_TEACHER)
DISTRICT_READERS = (B, S, INS)


class Dashboard:
    """Not stored: the access rules of the three dashboard levels."""

    ACCESS = {"district": {B, S, INS}, "school": {B, INS, SA}, "class": {B, INS, SA, GL, HT}}

    @staticmethod
    def districts(user):
        """District bureaus whose dashboard the user may read."""
        ids = scope_of(user).bureau_ids_for(*DISTRICT_READERS)
        return Bureau.objects.filter(pk__in=ids, level=Bureau.Level.DISTRICT).order_by("code")

    @staticmethod
    def schools(user):
        s = scope_of(user)
        return School.objects.filter(Q(bureau_id__in=s.bureau_ids_for(B, INS))
                                     | Q(pk__in=s.admin_school_ids))

    @staticmethod
    def classes(user):
        s = scope_of(user)
        q = Q(school__bureau_id__in=s.bureau_ids_for(B, INS)) | Q(school_id__in=s.admin_school_ids)
        q |= Q(pk__in=s.head_class_ids)
        for school_id, grade in s.grade_scopes:
            q |= Q(school_id=school_id, grade=grade)
        return SchoolClass.objects.filter(q)


class SchemeQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(bureau_id__in=scope_of(user).bureau_ids_for(B, INS))


class EvaluationScheme(models.Model):
    """A district's weights for the double-reduction part of school evaluation (QM-2): one
    weight (0–100) per indicator of ``dashboards.evaluation.INDICATORS``; a school's score is
    the weighted mean of its indicator scores."""

    bureau = models.OneToOneField("org.Bureau", on_delete=models.CASCADE,
                                  related_name="evaluation_scheme")
    weights = models.JSONField("权重", default=dict)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                   related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    objects = SchemeQuerySet.as_manager()
    ACCESS = {"view": {B, INS}, "change": {B}}

    class Meta:
        verbose_name = "学校“双减”评价权重"
        verbose_name_plural = "学校“双减”评价权重"

    def permits(self, scope, action):
        if action == "change":
            return self.bureau_id in scope.bureau_ids_for(B)
        return True


class BulletinQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(bureau_id__in=scope_of(user).bureau_ids_for(*DISTRICT_READERS))


class Bulletin(models.Model):
    """The district's monthly bulletin (月月出快报): the month's figures frozen as a snapshot
    when it is generated, the PDF made from it, and the same data as a spreadsheet."""

    class Status(models.TextChoices):
        QUEUED = "queued", "排队生成中"
        READY = "ready", "已生成"
        FAILED = "failed", "生成失败"

    bureau = models.ForeignKey("org.Bureau", on_delete=models.CASCADE, related_name="bulletins")
    month = models.DateField("月份", help_text="该月第一天")
    status = models.CharField("状态", max_length=10, choices=Status.choices,
                              default=Status.QUEUED)
    data = models.JSONField("数据快照", default=dict, blank=True)
    pdf = models.BinaryField("PDF", null=True, blank=True, editable=False)
    error = models.TextField("错误", blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    generated_at = models.DateTimeField(null=True, blank=True)
    seconds = models.FloatField("生成耗时（秒）", null=True, blank=True)

    objects = BulletinQuerySet.as_manager()
    ACCESS = {"view": {B, S, INS}, "create": {B}}

    class Meta:
        verbose_name = "月度快报"
        verbose_name_plural = "月度快报"
        ordering = ["-month"]
        constraints = [models.UniqueConstraint(fields=["bureau", "month"],
                                               name="bulletin_one_per_month")]

    def __str__(self):
        return f"{self.bureau.name} {self.month:%Y年%m月}快报"

    def permits(self, scope, action):
        if action == "create":
            return self.bureau_id in scope.bureau_ids_for(B)
        return True

    @property
    def label(self):
        return f"{self.month.year}年{self.month.month}月"


class DistrictFigures(models.Model):
    """A district dashboard's figures for one period, kept because computing them is slow: the
    district's page reads a term of every school's rows (10⁵ pupils: 2–3 s on PostgreSQL), where
    the target is half a second. ``dashboards.figures`` serves them while younger than
    ``DASHBOARD_MAX_AGE``; ``manage.py refresh_dashboards`` recomputes them in the background;
    the page's 重新计算 button recomputes at once. Districts computed faster than
    ``DASHBOARD_STORE_AFTER`` are never stored: their pages are always live."""

    bureau = models.ForeignKey("org.Bureau", on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=40, help_text="学期编号:起:止")
    data = models.JSONField(default=dict)
    computed_at = models.DateTimeField()
    seconds = models.FloatField("计算耗时（秒）")

    class Meta:
        verbose_name = "区级看板数据"
        verbose_name_plural = "区级看板数据"
        constraints = [models.UniqueConstraint(fields=["bureau", "key"],
                                               name="district_figures_unique")]

    def __str__(self):
        return f"{self.bureau_id} {self.key}"
