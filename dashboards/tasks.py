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


@task()
def refresh_district_figures(bureau_id):
    """Recompute a district dashboard's current figures (kept: ``dashboards.figures``)."""
    from dashboards import figures
    from org.models import Bureau

    bureau = Bureau.objects.filter(pk=bureau_id).first()
    if bureau is None:
        return None
    return figures.refresh(bureau)["seconds"]
