"""School supervision (责任督学与学校督导; IN-3, IN-4, IN-5): "作业管理清单+督学".

- ``InspectorAssignment``: the district inspector responsible for a school (责任督学, IN-3) from a
  date. One current assignment per school; earlier ones are kept with the date they ended.
- ``SelfCheck`` + ``SelfCheckItem``: a school's weekly self-check (学校每周1次自查自纠, IN-4) against
  the checklist of ``schoolinspection.checklist``, pre-filled with the platform's own figures for
  the week; one per school and week.
- ``Visit``: the responsible inspector's visit to the school (督学每月1次入校督导, IN-4) with the
  items checked and the findings.
- ``RectificationTask`` + ``TaskEvent``: a problem to fix (整改任务), from a non-compliant
  self-check item, a visit finding or any other source, with a deadline in working days and
  declared transitions: open → submitted → accepted, or submitted → open (returned).

Who reaches what: the district's bureau admins and inspectors see every school of the district;
a school admin sees their own school. Bureau admins assign inspectors; school admins submit
self-checks and answer tasks; the responsible inspector records visits and verifies tasks (a
bureau admin may verify too, e.g. while a school has no inspector).
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from org.roles import Role
from org.scope import scope_of

READ = frozenset({Role.BUREAU_ADMIN, Role.INSPECTOR, Role.SCHOOL_ADMIN})


def school_q(user, prefix="school__"):
    """Rows of the schools the user reaches here: the district's, through a bureau admin or
    inspector role; their own school, through a school admin role."""
    s = scope_of(user)
    q = Q(**{f"{prefix}bureau_id__in": s.bureau_ids_for(Role.BUREAU_ADMIN, Role.INSPECTOR)})
    return q | Q(**{f"{prefix}pk__in": s.admin_school_ids})


def is_district_admin(scope, school):
    return school.bureau_id in scope.bureau_ids_for(Role.BUREAU_ADMIN)


def responsible_on(school_id, user_id, date):
    """True when the user is the school's responsible inspector on ``date``."""
    return InspectorAssignment.objects.filter(school_id=school_id, inspector_id=user_id).on(
        date).exists()


def is_responsible_now(scope, school):
    """The user is the school's current responsible inspector (and still an inspector there)."""
    return (school.bureau_id in scope.bureau_ids_for(Role.INSPECTOR)
            and InspectorAssignment.objects.filter(school=school, inspector_id=scope.user_id,
                                                   until__isnull=True).exists())


class ScopedQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(school_q(user))


# ---- responsible inspectors (IN-3) ------------------------------------------------------------


class AssignmentQuerySet(ScopedQuerySet):
    def current(self):
        return self.filter(until__isnull=True)

    def on(self, date):
        """Assignments in force on ``date`` (``until`` is the first day no longer covered)."""
        return self.filter(Q(until__isnull=True) | Q(until__gt=date), since__lte=date)


class InspectorAssignment(models.Model):
    """A district inspector responsible for a school from ``since`` (责任督学挂牌督导, IN-3); the
    next assignment of the school ends it (``until``), so the history stays."""

    school = models.ForeignKey("org.School", verbose_name="学校", on_delete=models.PROTECT,
                               related_name="inspector_assignments")
    inspector = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="责任督学",
                                  on_delete=models.PROTECT, related_name="school_assignments")
    since = models.DateField("起始日期")
    until = models.DateField("结束日期", null=True, blank=True,
                             help_text="由下一任责任督学的起始日期结束；空为现任")
    contact_phone = models.CharField("公示联系电话", max_length=20, blank=True)
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                    related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AssignmentQuerySet.as_manager()
    ACCESS = {"view": READ, "manage": {Role.BUREAU_ADMIN}}

    class Meta:
        verbose_name = "责任督学"
        verbose_name_plural = "责任督学"
        ordering = ["school_id", "-since", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["school"], condition=Q(until__isnull=True),
                                    name="si_one_current_inspector_per_school"),
            models.CheckConstraint(condition=Q(until__isnull=True) | Q(until__gte=F("since")),
                                   name="si_assignment_until_after_since"),
        ]

    def __str__(self):
        return f"{self.school} · {self.inspector}"

    def permits(self, scope, action):
        if action == "manage":
            return is_district_admin(scope, self.school)
        return True

    @property
    def phone(self):
        """The number posted at the school gate (公示): the one given, else the login's."""
        return self.contact_phone or self.inspector.phone


# ---- weekly self-checks (IN-4) ----------------------------------------------------------------


class SelfCheck(models.Model):
    """A school's self-check of one school week (Monday to Sunday), submitted once (IN-4).

    ``figures`` keeps the platform's figures as they were at submission, so the record does not
    change when homework or attendance is corrected later."""

    school = models.ForeignKey("org.School", verbose_name="学校", on_delete=models.PROTECT,
                               related_name="self_checks")
    week_start = models.DateField("周一日期")
    checked_through = models.DateField("数据截至")
    figures = models.JSONField("平台数据", default=dict)
    non_compliant = models.PositiveSmallIntegerField("不符合项数", default=0)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                     on_delete=models.SET_NULL, related_name="+")
    submitted_at = models.DateTimeField("提交时间", auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    ACCESS = {"view": READ, "submit": {Role.SCHOOL_ADMIN}}

    class Meta:
        verbose_name = "每周自查"
        verbose_name_plural = "每周自查"
        ordering = ["-week_start", "school_id"]
        constraints = [
            # IN-4: once per school and week (the service checks first, under the school lock).
            models.UniqueConstraint(fields=["school", "week_start"], name="si_self_check_once"),
        ]

    def __str__(self):
        return f"{self.school} {self.week_start} 自查"

    def permits(self, scope, action):
        if action == "submit":
            return self.school_id in scope.admin_school_ids
        return True


class SelfCheckItem(models.Model):
    """One checklist item of a self-check: the school's mark and note, the platform's
    suggestion (None for items confirmed by hand) and its figures."""

    self_check = models.ForeignKey(SelfCheck, on_delete=models.CASCADE, related_name="items")
    code = models.CharField("检查项", max_length=20)
    position = models.PositiveSmallIntegerField(default=0)
    compliant = models.BooleanField("符合")
    suggested = models.BooleanField("平台数据提示", null=True)
    figures_text = models.CharField("平台数据", max_length=500, blank=True)
    note = models.CharField("说明", max_length=500, blank=True)

    class Meta:
        ordering = ["self_check_id", "position"]
        constraints = [models.UniqueConstraint(fields=["self_check", "code"],
                                               name="si_self_check_item_once")]

    @property
    def item(self):
        from schoolinspection.checklist import BY_CODE

        return BY_CODE.get(self.code)


# ---- visits (IN-4) ----------------------------------------------------------------------------


class Visit(models.Model):
    """The responsible inspector's visit to a school (入校督导): the items checked and what was
    found. Each finding becomes a rectification task."""

    school = models.ForeignKey("org.School", verbose_name="学校", on_delete=models.PROTECT,
                               related_name="inspection_visits")
    inspector = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="督学",
                                  on_delete=models.PROTECT, related_name="school_visits")
    visited_on = models.DateField("督导日期")
    items = models.JSONField("检查事项", default=list, help_text="检查项代码列表")
    summary = models.TextField("督导情况", blank=True)
    findings = models.JSONField("发现的问题", default=list, help_text="每条形成一项整改任务")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    ACCESS = {"view": READ, "record": {Role.INSPECTOR}}

    class Meta:
        verbose_name = "入校督导"
        verbose_name_plural = "入校督导"
        ordering = ["-visited_on", "-pk"]
        indexes = [models.Index(fields=["school", "visited_on"])]

    def __str__(self):
        return f"{self.school} {self.visited_on} 督导"

    def permits(self, scope, action):
        if action == "record":
            # Only the school's responsible inspector on the visit date (IN-3, IN-4).
            return (self.school.bureau_id in scope.bureau_ids_for(Role.INSPECTOR)
                    and self.visited_on is not None
                    and responsible_on(self.school_id, scope.user_id, self.visited_on))
        return True

    @property
    def item_labels(self):
        from schoolinspection.checklist import VISIT_ITEMS

        labels = dict(VISIT_ITEMS)
        return [labels.get(code, code) for code in self.items]


# ---- rectification tasks ----------------------------------------------------------------------


class TaskQuerySet(ScopedQuerySet):
    def overdue(self, today):
        """Still with the school (open) after their deadline."""
        return self.filter(status=RectificationTask.Status.OPEN, due__lt=today)

    def to_verify(self, user):
        """Submitted tasks the user may verify: the district's for a bureau admin, those of
        the schools they are currently responsible for for an inspector."""
        s = scope_of(user)
        mine = InspectorAssignment.objects.current().filter(
            inspector_id=user.pk, school__bureau_id__in=s.bureau_ids_for(Role.INSPECTOR))
        q = Q(school__bureau_id__in=s.bureau_ids_for(Role.BUREAU_ADMIN)) | Q(
            school_id__in=mine.values("school_id"))
        return self.filter(q, status=RectificationTask.Status.SUBMITTED)


class RectificationTask(models.Model):
    """A problem the school must fix by ``due`` (整改任务). Declared transitions; each move is a
    ``TaskEvent`` with its text (evidence, acceptance note or reason for returning)."""

    class Source(models.TextChoices):
        SELF_CHECK = "self_check", "学校自查"
        VISIT = "visit", "督学督导"
        OTHER = "other", "其他"

    class Status(models.TextChoices):
        OPEN = "open", "待整改"
        SUBMITTED = "submitted", "待验收"
        ACCEPTED = "accepted", "已验收"

    TRANSITIONS = {
        Status.OPEN: {Status.SUBMITTED},
        Status.SUBMITTED: {Status.ACCEPTED, Status.OPEN},  # accepted, or returned to the school
        Status.ACCEPTED: set(),
    }

    school = models.ForeignKey("org.School", verbose_name="学校", on_delete=models.PROTECT,
                               related_name="rectification_tasks")
    source = models.CharField("来源", max_length=12, choices=Source.choices)
    self_check_item = models.OneToOneField(SelfCheckItem, null=True, blank=True,
                                           on_delete=models.PROTECT, related_name="task")
    visit = models.ForeignKey(Visit, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="tasks")
    item_code = models.CharField("检查项", max_length=20, blank=True)
    description = models.TextField("问题与整改要求")
    due = models.DateField("整改期限")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.OPEN)
    evidence = models.TextField("整改情况", blank=True)
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    return_count = models.PositiveSmallIntegerField("退回次数", default=0)
    closed_at = models.DateTimeField("验收时间", null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TaskQuerySet.as_manager()
    ACCESS = {"view": READ, "create": {Role.BUREAU_ADMIN, Role.INSPECTOR},
              "submit": {Role.SCHOOL_ADMIN}, "verify": {Role.BUREAU_ADMIN, Role.INSPECTOR}}

    class Meta:
        verbose_name = "整改任务"
        verbose_name_plural = "整改任务"
        ordering = ["due", "pk"]
        indexes = [models.Index(fields=["school", "status"]), models.Index(fields=["status", "due"])]
        constraints = [
            models.CheckConstraint(
                name="si_task_source_link",
                condition=Q(source="self_check", self_check_item__isnull=False, visit__isnull=True)
                | Q(source="visit", visit__isnull=False, self_check_item__isnull=True)
                | Q(source="other", visit__isnull=True, self_check_item__isnull=True)),
        ]

    def __str__(self):
        return f"{self.school} 整改：{self.description[:30]}"

    def permits(self, scope, action):
        if action == "submit":
            return self.school_id in scope.admin_school_ids
        if action in ("verify", "create"):
            # The district's bureau admin, or the school's current responsible inspector.
            return is_district_admin(scope, self.school) or is_responsible_now(scope, self.school)
        return True

    def is_overdue(self, today):
        """Still with the school (open) after its deadline."""
        return self.status == self.Status.OPEN and self.due < today


class TaskEvent(models.Model):
    """History of a task: creation, submission (evidence), acceptance, return (reason)."""

    class Action(models.TextChoices):
        CREATED = "created", "生成任务"
        SUBMITTED = "submitted", "提交整改情况"
        ACCEPTED = "accepted", "验收通过"
        RETURNED = "returned", "退回重新整改"

    task = models.ForeignKey(RectificationTask, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=10, choices=Action.choices)
    from_status = models.CharField(max_length=10, blank=True)
    to_status = models.CharField(max_length=10)
    text = models.TextField(blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                              related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]
