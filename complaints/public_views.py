"""The public complaint pages (/public/complaints/…), no login: the form, the page that shows
the tracking code after filing, and the tracking page.

Whoever files here, signed in or not, files as the public: no account is linked to the
complaint (an anonymous complaint must stay anonymous). The form shares the API's rate limit.
The tracking page shows what ``Complaint.public_progress`` allows: never the complainant's data,
the routing or internal notes.
"""

from django.shortcuts import redirect, render
from django.urls import path

from complaints import services
from complaints.forms import ComplaintForm
from complaints.models import Complaint, normalise_code
from complaints.throttle import PublicFilingThrottle
from core.errors import RuleViolation, add_to_form
from org.models import Bureau

SESSION_KEY = "complaints_filed"


def _districts():
    return list(Bureau.objects.filter(level=Bureau.Level.DISTRICT).select_related("parent")
                .order_by("code"))


def form(request):
    districts = _districts()
    if request.method != "POST":
        complaint_form = ComplaintForm(initial={"bureau": request.GET.get("bureau", "")},
                                       bureaus=districts)
        if request.htmx:  # another district chosen: its schools and institutions
            return render(request, "complaints/public/form.html#targets",
                          {"form": complaint_form})
        return render(request, "complaints/public/form.html", {"form": complaint_form})
    complaint_form = ComplaintForm(request.POST, request.FILES, bureaus=districts)
    if not PublicFilingThrottle().allow_request(request):
        complaint_form.add_error(None, "提交过于频繁，请稍后再试；情况紧急请拨打投诉电话。")
        return render(request, "complaints/public/form.html", {"form": complaint_form},
                      status=429)
    if complaint_form.is_valid():
        try:
            complaint = services.file_complaint(actor=None, **complaint_form.service_data())
        except RuleViolation as e:
            add_to_form(complaint_form, e)
        else:
            request.session[SESSION_KEY] = {
                "code": complaint.code_display, "ack_due": complaint.ack_due.isoformat(),
                "resolve_due": complaint.resolve_due.isoformat(),
                "bureau": complaint.bureau.name}
            return redirect("public-complaints:done")
    return render(request, "complaints/public/form.html", {"form": complaint_form})


def done(request):
    """The tracking code of the complaint just filed in this browser (kept in the session, not
    in the address, so that it does not end up in logs or browser history)."""
    return render(request, "complaints/public/done.html", {"filed": request.session.get(
        SESSION_KEY)})


def track(request):
    text = request.GET.get("code", "")[:40].strip()
    if not text:
        return render(request, "complaints/public/track.html", {"code": ""})
    code = normalise_code(text)
    complaint = Complaint.objects.select_related("duplicate_of").filter(code=code).first() \
        if code else None
    if complaint is None:
        return render(request, "complaints/public/track.html",
                      {"code": text, "not_found": True}, status=404)
    return render(request, "complaints/public/track.html",
                  {"code": text, "progress": complaint.public_progress()})


urlpatterns = [
    path("", form, name="form"),
    path("done/", done, name="done"),
    path("track/", track, name="track"),
]
