"""Background work of the institutions area (django.tasks API, run by ``db_worker``)."""

from django_tasks import task


@task()
def recheck_bureau_sessions(bureau_id=None):
    """The schedule check after a calendar change: flag filed sessions it made illegal."""
    from institutions.services import recheck_sessions
    from org.scope import _with_descendants

    return recheck_sessions(None if bureau_id is None else _with_descendants({bureau_id}))


@task()
def cross_check_staff():
    """Match institution staff against the teacher rosters again (teachers join rosters later)."""
    from institutions.services import cross_check

    return cross_check()


def on_calendar_changed(sender, bureau, **kwargs):
    recheck_bureau_sessions.enqueue(bureau_id=bureau.pk)
