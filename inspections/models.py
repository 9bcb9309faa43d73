"""Random inspections (双随机一公开, IN-1, IN-2, IN-7): the inspector roster with departments and
declared conflicts of interest, reproducible draws of targets and teams, and each inspection's result,
published for the public (一公开) within the district's ``in.publish_days`` working days.

Targets are training institutions or schools of the drawing bureau; a target key is
``"institution:<id>"`` or ``"school:<id>"`` (the text the draw hashes).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from org.roles import Role
from org.scope import scope_of

RUNS = {Role.BUREAU_ADMIN, Role.SUPERVISOR}
READS = {Role.BUREAU_ADMIN, Role.SUPERVISOR, Role.INSPECTOR}


def _bureaus(user, *roles):
    return scope_of(user).bureau_ids_for(*roles)


class Department(models.TextChoices):
    EDUCATION = "education", "教育"
    MARKET = "market", "市场监管"
    CIVIL_AFFAIRS = "civil_affairs", "民政"
    HUMAN_RESOURCES = "human_resources", "人力资源和社会保障"
    HOUSING = "housing", "住房和城乡建设"
    FIRE = "fire", "消防救援"
    POLICE = "police", "公安"
    HEALTH = "health", "卫生健康"
    OTHER = "other", "其他"


class InspectorQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(bureau_id__in=_bureaus(user, *READS))


class Inspector(models.Model):
    """One person on the district's inspector roster (执法检查人员名录), of any department; those
    of the education bureau usually have a login (``user``) with the inspector role."""

    bureau = models.ForeignKey("org.Bureau", on_delete=models.PROTECT, related_name="inspectors")
    name = models.CharField("姓名", max_length=50)
    department = models.CharField("部门", max_length=20, choices=Department.choices,
                                  default=Department.EDUCATION)
    certificate_no = models.CharField("执法证号", max_length=40, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="inspector_entries")
    active = models.BooleanField("在册", default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = InspectorQuerySet.as_manager()
    ACCESS = {"view": READS, "manage": RUNS}

    class Meta:
        verbose_name = "执法检查人员"
        verbose_name_plural = "执法检查人员名录"
        ordering = ["bureau_id", "department", "name", "pk"]
        constraints = [models.UniqueConstraint(fields=["bureau", "user"],
                                               condition=Q(user__isnull=False),
                                               name="inspector_one_entry_per_user")]

    def __str__(self):
        return f"{self.name}（{self.get_department_display()}）"

    def permits(self, scope, action):
        if action == "manage":
            return self.bureau_id in scope.bureau_ids_for(*RUNS)
        return True


class ConflictQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(inspector__bureau_id__in=_bureaus(user, *READS))


class Conflict(models.Model):
    """A declared conflict of interest: the inspector never goes to this target (回避)."""

    inspector = models.ForeignKey(Inspector, on_delete=models.CASCADE, related_name="conflicts")
    institution = models.ForeignKey("institutions.Institution", null=True, blank=True,
                                    on_delete=models.CASCADE, related_name="+")
    school = models.ForeignKey("org.School", null=True, blank=True, on_delete=models.CASCADE,
                               related_name="+")
    reason = models.CharField("回避理由", max_length=200)
    declared_at = models.DateTimeField(auto_now_add=True)

    objects = ConflictQuerySet.as_manager()
    ACCESS = {"view": READS, "manage": RUNS}

    class Meta:
        verbose_name = "利益冲突回避"
        verbose_name_plural = "利益冲突回避"
        constraints = [models.CheckConstraint(
            condition=Q(institution__isnull=False, school__isnull=True)
            | Q(institution__isnull=True, school__isnull=False), name="conflict_one_target")]

    @property
    def target_key(self):
        return f"institution:{self.institution_id}" if self.institution_id else \
            f"school:{self.school_id}"


class DrawQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(bureau_id__in=_bureaus(user, *READS))


class Draw(models.Model):
    """One draw: its parameters, seed, inputs (with their SHA-256) and result, so anyone with the
    record can re-run ``inspections.draw.draw`` and get the same targets and teams."""

    class TargetKind(models.TextChoices):
        INSTITUTION = "institution", "校外培训机构"
        SCHOOL = "school", "学校"

    bureau = models.ForeignKey("org.Bureau", on_delete=models.PROTECT, related_name="draws")
    number = models.PositiveIntegerField("编号")
    title = models.CharField("抽查任务", max_length=100)
    target_kind = models.CharField("检查对象", max_length=12, choices=TargetKind.choices)
    items = models.TextField("检查事项", blank=True, help_text="抽查事项清单，每行一项")
    count = models.PositiveIntegerField("抽取对象数")
    per_target = models.PositiveSmallIntegerField("每个对象检查人员数")
    min_departments = models.PositiveSmallIntegerField("联合检查部门数", default=1)
    seed = models.CharField("随机种子", max_length=64)
    algorithm = models.CharField("算法版本", max_length=40)
    inputs = models.JSONField("输入（名录、回避、上次检查）")
    inputs_digest = models.CharField("输入摘要 SHA-256", max_length=64)
    result = models.JSONField("结果")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = DrawQuerySet.as_manager()
    ACCESS = {"view": READS, "run": RUNS}

    class Meta:
        verbose_name = "双随机抽查"
        verbose_name_plural = "双随机抽查"
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["bureau", "number"],
                                               name="draw_number_per_bureau")]

    def __str__(self):
        return f"{self.title}（第 {self.number} 号）"


class InspectionQuerySet(models.QuerySet):
    def visible_to(self, user):
        s = scope_of(user)
        return self.filter(Q(draw__bureau_id__in=s.bureau_ids_for(*RUNS))
                           | Q(draw__bureau_id__in=s.bureau_ids_for(Role.INSPECTOR)))

    def published(self):
        return self.filter(status=Inspection.Status.PUBLISHED)


class Inspection(models.Model):
    """One drawn target with its team, then its result (pass / rectify / penalise) and its
    publication. Declared transitions; every move is a ``InspectionEvent``."""

    class Status(models.TextChoices):
        ASSIGNED = "assigned", "待检查"
        RECORDED = "recorded", "已录入结果"
        PUBLISHED = "published", "已公示"

    class Outcome(models.TextChoices):
        PASS = "pass", "未发现问题"
        RECTIFY = "rectify", "责令整改"
        PENALISE = "penalise", "立案查处"
        NOT_FOUND = "not_found", "未找到检查对象"

    TRANSITIONS = {
        Status.ASSIGNED: {Status.RECORDED},
        Status.RECORDED: {Status.RECORDED, Status.PUBLISHED},  # a correction before publishing
        Status.PUBLISHED: set(),
    }

    draw = models.ForeignKey(Draw, on_delete=models.PROTECT, related_name="inspections")
    position = models.PositiveIntegerField("抽取顺序")
    institution = models.ForeignKey("institutions.Institution", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="inspections")
    school = models.ForeignKey("org.School", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="inspections")
    inspectors = models.ManyToManyField(Inspector, related_name="inspections")
    status = models.CharField("状态", max_length=12, choices=Status.choices,
                              default=Status.ASSIGNED)
    outcome = models.CharField("检查结果", max_length=12, choices=Outcome.choices, blank=True)
    findings = models.TextField("发现的问题与处理", blank=True)
    checked_on = models.DateField("检查日期", null=True, blank=True)
    recorded_at = models.DateTimeField(null=True, blank=True)
    publish_due = models.DateField("公示期限", null=True, blank=True)
    published_at = models.DateTimeField("公示时间", null=True, blank=True)

    objects = InspectionQuerySet.as_manager()
    ACCESS = {"view": READS, "record": {Role.INSPECTOR} | RUNS, "publish": RUNS}

    class Meta:
        verbose_name = "抽查检查"
        verbose_name_plural = "抽查检查"
        ordering = ["draw_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["draw", "position"], name="inspection_position"),
            models.CheckConstraint(condition=Q(institution__isnull=False, school__isnull=True)
                                   | Q(institution__isnull=True, school__isnull=False),
                                   name="inspection_one_target"),
        ]

    @property
    def target(self):
        return self.institution or self.school

    @property
    def target_key(self):
        return f"institution:{self.institution_id}" if self.institution_id else \
            f"school:{self.school_id}"

    def permits(self, scope, action):
        bureau = self.draw.bureau_id
        if action == "publish":
            return bureau in scope.bureau_ids_for(*RUNS)
        if action == "record":
            # The section records for any team (joint teams have members without logins);
            # an inspector only for an inspection they are on.
            return bureau in scope.bureau_ids_for(*RUNS) or (
                bureau in scope.bureau_ids_for(Role.INSPECTOR)
                and self.inspectors.filter(user_id=scope.user_id).exists())
        return True


class InspectionEvent(models.Model):
    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                              related_name="+")
    note = models.CharField(max_length=300, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]


# ---- joint enforcement operations (联合执法) ---------------------------------------------------


class OperationQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(bureau_id__in=_bureaus(user, *READS))


class JointOperation(models.Model):
    """A joint enforcement operation of several departments (e.g. Linyi's yearly joint check
    with civil affairs, human resources, housing, market regulation and fire services, IN-2):
    dates, departments, the institutions visited and what came of each."""

    bureau = models.ForeignKey("org.Bureau", on_delete=models.PROTECT,
                               related_name="joint_operations")
    title = models.CharField("行动名称", max_length=100)
    start = models.DateField("开始日期")
    end = models.DateField("结束日期")
    departments = models.JSONField("参加部门", default=list)
    summary = models.TextField("行动总结", blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = OperationQuerySet.as_manager()
    ACCESS = {"view": READS, "manage": RUNS | {Role.INSPECTOR}}

    class Meta:
        verbose_name = "联合执法行动"
        verbose_name_plural = "联合执法行动"
        ordering = ["-start", "-pk"]
        constraints = [models.CheckConstraint(condition=Q(end__gte=models.F("start")),
                                              name="joint_operation_end_after_start")]

    def __str__(self):
        return self.title

    def permits(self, scope, action):
        if action == "manage":
            return self.bureau_id in scope.bureau_ids_for(*self.ACCESS["manage"])
        return True


class JointVisit(models.Model):
    """One institution visited in a joint operation, with its outcome; a card issued for it is
    linked (institutions.Card)."""

    class Outcome(models.TextChoices):
        COMPLIANT = "compliant", "未发现问题"
        RECTIFY = "rectify", "责令整改"
        CARD = "card", "亮牌警示"
        SUSPENDED = "suspended", "责令停止招生"
        CLOSED = "closed", "取缔/关停"
        REFERRED = "referred", "移送其他部门"

    operation = models.ForeignKey(JointOperation, on_delete=models.CASCADE,
                                  related_name="visits")
    institution = models.ForeignKey("institutions.Institution", on_delete=models.PROTECT,
                                    related_name="joint_visits")
    visited_on = models.DateField("检查日期")
    outcome = models.CharField("处理结果", max_length=12, choices=Outcome.choices)
    findings = models.TextField("发现的问题", blank=True)
    card = models.ForeignKey("institutions.Card", null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                    on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "联合执法检查记录"
        verbose_name_plural = "联合执法检查记录"
        ordering = ["operation_id", "visited_on", "pk"]
        constraints = [models.UniqueConstraint(fields=["operation", "institution"],
                                               name="joint_visit_once")]
