"""Background work of the complaints area (django.tasks API, run by ``db_worker``)."""

from django_tasks import task


@task()
def escalate_complaints():
    """The daily escalation of overdue complaints (idempotent: a second run changes nothing)."""
    from complaints.services import escalate_overdue

    return escalate_overdue()
