"""A bureau's own value for a rule parameter (policy.params), stricter than the national one."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from org.roles import Role
from org.scope import scope_of


class RuleSettingQuerySet(models.QuerySet):
    def visible_to(self, user):
        from org.models import School

        s = scope_of(user)
        school_bureaus = School.objects.filter(pk__in=s.school_ids).values("bureau_id")
        return self.filter(Q(bureau_id__in=s.bureau_ids) | Q(bureau_id__in=school_bureaus))


class RuleSetting(models.Model):
    bureau = models.ForeignKey("org.Bureau", verbose_name="教育局", on_delete=models.CASCADE,
                               related_name="rule_settings")
    key = models.CharField("参数", max_length=60)
    value = models.JSONField("取值")
    reason = models.CharField("依据", max_length=200, blank=True,
                              help_text="本地文件名称和文号，如 鞍教发〔2021〕xx号")
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RuleSettingQuerySet.as_manager()

    ACCESS = {"view": Role.ALL_STAFF, "change": {Role.BUREAU_ADMIN}, "create": {Role.BUREAU_ADMIN}}

    class Meta:
        verbose_name = "规则参数"
        verbose_name_plural = "规则参数"
        constraints = [models.UniqueConstraint(fields=["bureau", "key"], name="rule_setting_unique")]

    def __str__(self):
        return f"{self.key}={self.value}"
