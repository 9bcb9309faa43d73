"""Background work of the dashboards (django.tasks API, run by ``db_worker``)."""

from django_tasks import task


@task()
def make_bulletin(bulletin_id):
    """Generate a queued monthly bulletin (QM-3); a failure is stored on the bulletin."""
    from dashboards.bulletin import generate
    from dashboards.models import Bulletin

    bulletin = Bulletin.objects.select_related("bureau").filter(pk=bulletin_id).first()
    if bulletin is None:  # deleted while it waited
        return None
    return generate(bulletin).status
