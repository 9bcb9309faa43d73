"""The audit log is django-auditlog's LogEntry table; ``Entry`` gives it our gate and our codes."""

from auditlog.models import LogEntry
from django.db import models
from django.db.models import Q

from audit.codes import label
from org.roles import Role
from org.scope import scope_of


class EntryQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Bureau admins see what was done by people in their bureau's tree."""
        from org.models import Guardianship, RoleAssignment, Teacher

        bureaus = scope_of(user).bureau_ids_for(Role.BUREAU_ADMIN)
        if not bureaus:
            return self.none()
        actors = (
            Q(actor__in=RoleAssignment.objects.filter(
                Q(bureau_id__in=bureaus) | Q(school__bureau_id__in=bureaus)
                | Q(institution__bureau_id__in=bureaus)).values("user_id"))
            | Q(actor__in=Teacher.objects.filter(school__bureau_id__in=bureaus,
                                                 user__isnull=False).values("user_id"))
            | Q(actor__in=Guardianship.objects.filter(
                pupil__school__bureau_id__in=bureaus,
                guardian__user__isnull=False).values("guardian__user_id"))
        )
        return self.filter(actors)


class Entry(LogEntry):
    objects = EntryQuerySet.as_manager()

    ACCESS = {"view": {Role.BUREAU_ADMIN}}

    class Meta:
        proxy = True
        verbose_name = "审计日志"
        verbose_name_plural = "审计日志"
        ordering = ["-timestamp", "-pk"]

    @property
    def code(self):
        return (self.additional_data or {}).get("code", "")

    @property
    def code_label(self):
        return label(self.code)
