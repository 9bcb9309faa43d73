"""Background work of the after-school app (django.tasks API, run by ``db_worker``)."""

from django_tasks import task

from afterschool.models import Programme


def programmes_to_sync(bureau_id=None):
    """Programmes open or published, of the bureau and the bureaus below it (all when None)."""
    from org.scope import _with_descendants

    qs = Programme.objects.exclude(status=Programme.Status.DRAFT).select_related(
        "school__bureau__parent")
    if bureau_id is not None:
        qs = qs.filter(school__bureau_id__in=_with_descendants({bureau_id}))
    return qs.order_by("pk")


@task()
def sync_bureau_sessions(bureau_id=None):
    """Lay the sessions out again after a calendar change: a new holiday or 停课日 removes the
    sessions of that day, a make-up workday (调休) adds them. Returns sessions created."""
    from afterschool.services import sync_sessions

    return sum(sync_sessions(p) for p in programmes_to_sync(bureau_id))


def on_calendar_changed(sender, bureau, **kwargs):
    sync_bureau_sessions.enqueue(bureau_id=bureau.pk)
