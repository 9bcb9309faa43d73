"""Published inspection results for everyone (一公开, IN-1), no login.

Only what publication requires leaves the database: the bureau, the inspection task, the target
(an institution or a school), the date, the outcome and the findings. Nothing about the
inspectors (names, departments, certificate numbers) and nothing not yet published.
"""

from django.db.models import Q
from django.shortcuts import render
from django.urls import path

from core.paging import paginate
from inspections.forms import PublicFilterForm
from inspections.models import Inspection
from org.models import Bureau


def results(request):
    published = Inspection.objects.published()
    bureaus = Bureau.objects.filter(draws__inspections__in=published).distinct().order_by("code")
    form = PublicFilterForm(request.GET or None, bureaus=bureaus)
    found = published.select_related("draw__bureau", "institution", "school").order_by(
        "-published_at", "-pk")
    # Read as typed (like the API): a district without published results finds nothing.
    if q := request.GET.get("q", "")[:100].strip():
        found = found.filter(Q(institution__name__icontains=q) | Q(school__name__icontains=q))
    if code := request.GET.get("bureau", "")[:20].strip():
        found = found.filter(draw__bureau__code=code)
    return render(request, "inspections/public/results.html", {
        "form": form, "page": paginate(request, found, per_page=20)})


urlpatterns = [
    path("", results, name="results"),
]
