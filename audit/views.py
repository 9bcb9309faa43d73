"""Bureau admins browse and filter the audit log."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from audit.codes import CODES
from audit.models import Entry
from core.access import visible
from core.paging import paginate


@login_required
def index(request):
    entries = visible(request.user, Entry).select_related("actor", "content_type")
    if code := request.GET.get("code"):
        entries = entries.filter(additional_data__code=code)
    if actor := request.GET.get("actor", "").strip():
        entries = entries.filter(actor__username=actor)
    if day := request.GET.get("date"):
        entries = entries.filter(timestamp__date=day)
    return render(request, "audit/index.html", {"page": paginate(request, entries),
                                                "codes": CODES})
