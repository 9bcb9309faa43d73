"""The school calendar of a bureau: terms, vacations and day overrides (XC-2).

Statutory holidays and 调休 make-up workdays come from the ``chinese_calendar`` package. It has
no data for a year until the State Council publishes it, so a bureau can enter days itself
(``DayOverride``); ``schoolcal.calendar`` combines the three.
"""

from django.db import models
from django.db.models import F, Q

from org.roles import Role
from org.scope import scope_of


class CalendarQuerySet(models.QuerySet):
    def visible_to(self, user):
        s = scope_of(user)
        # Everyone in a bureau's tree reads its calendar; school staff read their bureau's.
        from org.models import School

        school_bureaus = School.objects.filter(pk__in=s.school_ids).values("bureau_id")
        return self.filter(Q(bureau_id__in=s.bureau_ids) | Q(bureau_id__in=school_bureaus))


CALENDAR_ACCESS = {
    "view": Role.ALL_STAFF,
    "change": {Role.BUREAU_ADMIN},
    "create": {Role.BUREAU_ADMIN},
    "delete": {Role.BUREAU_ADMIN},
}


class Term(models.Model):
    """A school term (学期) of a bureau's school calendar (校历)."""

    bureau = models.ForeignKey("org.Bureau", verbose_name="教育局", on_delete=models.CASCADE,
                               related_name="terms")
    school_year = models.CharField("学年", max_length=9, help_text="如 2026-2027")
    name = models.CharField("学期", max_length=20, help_text="如 第一学期")
    start = models.DateField("开学日期")
    end = models.DateField("结束日期")

    objects = CalendarQuerySet.as_manager()
    ACCESS = CALENDAR_ACCESS

    class Meta:
        verbose_name = "学期"
        verbose_name_plural = "学期"
        ordering = ["start"]
        constraints = [
            models.UniqueConstraint(fields=["bureau", "school_year", "name"], name="term_unique"),
            models.CheckConstraint(condition=Q(end__gte=F("start")), name="term_end_after_start"),
        ]

    def __str__(self):
        return f"{self.school_year}学年{self.name}"


class Vacation(models.Model):
    """A winter or summer vacation (寒暑假), or another span without school days."""

    bureau = models.ForeignKey("org.Bureau", verbose_name="教育局", on_delete=models.CASCADE,
                               related_name="vacations")
    name = models.CharField("名称", max_length=30, help_text="如 寒假、暑假")
    start = models.DateField("开始日期")
    end = models.DateField("结束日期")

    objects = CalendarQuerySet.as_manager()
    ACCESS = CALENDAR_ACCESS

    class Meta:
        verbose_name = "假期"
        verbose_name_plural = "假期"
        ordering = ["start"]
        constraints = [
            models.CheckConstraint(condition=Q(end__gte=F("start")),
                                   name="vacation_end_after_start"),
        ]

    def __str__(self):
        return f"{self.name}（{self.start}—{self.end}）"


class DayOverride(models.Model):
    """A bureau's own word on one date: a holiday, a 调休 workday, or a day without school."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", "法定节假日"
        WORKDAY = "workday", "调休上班日"
        NO_SCHOOL = "no_school", "停课日"
        SCHOOL_DAY = "school_day", "上课日"

    bureau = models.ForeignKey("org.Bureau", verbose_name="教育局", on_delete=models.CASCADE,
                               related_name="day_overrides")
    date = models.DateField("日期")
    kind = models.CharField("类型", max_length=12, choices=Kind.choices)
    note = models.CharField("说明", max_length=100, blank=True, help_text="如 2027年元旦")

    objects = CalendarQuerySet.as_manager()
    ACCESS = CALENDAR_ACCESS

    class Meta:
        verbose_name = "日期调整"
        verbose_name_plural = "日期调整"
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["bureau", "date"], name="override_unique")]

    def __str__(self):
        return f"{self.date} {self.get_kind_display()}"
