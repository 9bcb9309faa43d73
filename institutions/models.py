"""Off-campus training institutions. The foundation keeps the registry's core; the institutions
issue adds applications, staff, courses, schedules, lists and cards."""

from django.db import models
from django.db.models import Q

from org.roles import Role
from org.scope import scope_of


class InstitutionQuerySet(models.QuerySet):
    def visible_to(self, user):
        s = scope_of(user)
        return self.filter(
            Q(bureau_id__in=s.bureau_ids_for(Role.BUREAU_ADMIN, Role.SUPERVISOR, Role.INSPECTOR,
                                             Role.CUSTODIAN_BANK))
            | Q(pk__in=s.institution_ids)
        )


class Institution(models.Model):
    """A training institution licensed by (or found in) one district bureau."""

    class LicenceStatus(models.TextChoices):
        # TI-12: the three registration classes.
        PERMIT_AND_LICENCE = "permit_and_licence", "有证有照"
        LICENCE_ONLY = "licence_only", "有照无证"
        NEITHER = "neither", "无照无证"

    class Mode(models.TextChoices):
        OFFLINE = "offline", "线下"
        ONLINE = "online", "线上"

    bureau = models.ForeignKey("org.Bureau", verbose_name="审批教育局", on_delete=models.PROTECT,
                               related_name="institutions")
    name = models.CharField("机构名称", max_length=150)
    credit_code = models.CharField("统一社会信用代码", max_length=18, blank=True)
    subject_type = models.BooleanField("学科类", default=False)
    mode = models.CharField("培训形式", max_length=10, choices=Mode.choices, default=Mode.OFFLINE)
    licence_status = models.CharField("证照状态", max_length=30, choices=LicenceStatus.choices)
    address = models.CharField("地址", max_length=200, blank=True)

    objects = InstitutionQuerySet.as_manager()

    ACCESS = {
        "view": {Role.BUREAU_ADMIN, Role.SUPERVISOR, Role.INSPECTOR, Role.CUSTODIAN_BANK,
                 Role.INSTITUTION_STAFF},
        "change": {Role.SUPERVISOR, Role.BUREAU_ADMIN},
    }

    class Meta:
        verbose_name = "校外培训机构"
        verbose_name_plural = "校外培训机构"
        constraints = [
            models.UniqueConstraint(fields=["credit_code"], condition=~Q(credit_code=""),
                                    name="institution_credit_code_unique"),
        ]

    def __str__(self):
        return self.name
