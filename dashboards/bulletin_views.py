"""The monthly bulletins (月月出快报, QM-3): the district's list with a form to generate or
regenerate a month (bureau admins), a bulletin's page (the frozen snapshot as HTML; while it is
queued, HTMX polls its status), its PDF and its spreadsheet.

Readers are ``Bulletin.ACCESS["view"]`` (bureau admins, supervisors, inspectors of the
district); only bureau admins request (``"create"``). Another district's bulletin is 404.
"""

from urllib.parse import quote

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import HttpResponseClientRefresh

from core.access import can, get_for, require, visible
from core.errors import RuleViolation, add_to_form
from dashboards import bulletin as bulletins
from dashboards.models import Bulletin, Dashboard

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BULLETINS = Bulletin.objects.select_related("bureau")


class MonthForm(forms.Form):
    month = forms.CharField(label="月份", widget=forms.Select)

    def __init__(self, *args, months, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["month"].widget.choices = [(m.strftime("%Y-%m"), bulletins.month_label(m))
                                               for m in months]

    def clean_month(self):
        try:
            return bulletins.parse_month(self.cleaned_data["month"])
        except ValueError:
            raise forms.ValidationError("请选择月份（格式 YYYY-MM，如 2026-10）。",
                                        code="invalid") from None


def _district(request):
    """The district whose bulletins are shown: ``?bureau=`` (or the form's) among the user's
    districts, else the first. 403 for roles that read no bulletin, 404 outside the scope."""
    require(request.user, "view", Bulletin)
    districts = Dashboard.districts(request.user)
    wanted = request.POST.get("bureau") or request.GET.get("bureau")
    if wanted:
        try:
            pk = int(wanted)
        except (TypeError, ValueError):
            pk = 0
        bureau = districts.filter(pk=pk).first() if 0 < pk < 2**63 else None
    else:
        bureau = districts.first()
    if bureau is None:
        raise Http404
    return bureau, districts


def _bulletin(request, pk, queryset):
    """The bulletin: 403 for roles that read none (before any lookup), 404 outside the scope."""
    require(request.user, "view", Bulletin)
    return get_for(request.user, Bulletin, pk, queryset=queryset)


def _default_month(months):
    """The last complete month when it can be chosen, else the current one."""
    return months[1] if len(months) > 1 else months[0]


@login_required
@require_http_methods(["GET", "POST"])
def index(request):
    bureau, districts = _district(request)
    months = bulletins.open_months(bureau)
    can_create = can(request.user, "create", Bulletin(bureau=bureau))
    form = None
    if request.method == "POST":
        require(request.user, "create", Bulletin(bureau=bureau))
        form = MonthForm(request.POST, months=months)
        if form.is_valid():
            try:
                bulletin, queued = bulletins.request(actor=request.user, bureau=bureau,
                                                     month=form.cleaned_data["month"])
            except RuleViolation as e:
                add_to_form(form, e)
            else:
                messages.success(request, f"已开始生成{bulletin.label}月度快报，生成后可下载 PDF 和 Excel。"
                                 if queued else f"{bulletin.label}月度快报正在生成中，请稍候。")
                return redirect("dashboards:bulletin", bulletin.pk)
    elif can_create:
        form = MonthForm(months=months,
                         initial={"month": _default_month(months).strftime("%Y-%m")})
    rows = (visible(request.user, Bulletin).filter(bureau=bureau).defer("data", "pdf")
            .select_related("requested_by").order_by("-month"))
    return render(request, "dashboards/bulletins.html", {
        "bureau": bureau, "districts": districts, "form": form, "bulletins": rows})


@login_required
@require_GET
def detail(request, pk):
    bulletin = _bulletin(request, pk, BULLETINS.defer("pdf"))
    if request.htmx:  # the status poll of a queued bulletin
        if bulletin.status == Bulletin.Status.QUEUED:
            return render(request, "dashboards/bulletin.html#status", {"b": bulletin})
        return HttpResponseClientRefresh()
    data = bulletin.data if bulletin.data.get("version") == bulletins.VERSION else None
    return render(request, "dashboards/bulletin.html", {
        "b": bulletin, "can_create": can(request.user, "create", bulletin),
        **(bulletins.context(data) if data else {})})


def _attachment(content, content_type, name, fallback):
    """A download with a Chinese file name (RFC 5987) and an ASCII fallback."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = (f'attachment; filename="{fallback}"; '
                                       f"filename*=UTF-8''{quote(name)}")
    return response


def _not_ready(request, bulletin):
    messages.info(request, f"{bulletin.label}月度快报还没有生成好，请稍候再下载。")
    return redirect("dashboards:bulletin", bulletin.pk)


@login_required
@require_GET
def pdf(request, pk):
    bulletin = _bulletin(request, pk, BULLETINS.defer("data"))
    if not bulletin.pdf:
        return _not_ready(request, bulletin)
    return _attachment(bytes(bulletin.pdf), "application/pdf",
                       f"{bulletin.bureau.name}{bulletin.label}月度快报.pdf",
                       f"bulletin-{bulletin.bureau.code}-{bulletin.month:%Y-%m}.pdf")


@login_required
@require_GET
def xlsx(request, pk):
    bulletin = _bulletin(request, pk, BULLETINS.defer("pdf"))
    if bulletin.data.get("version") != bulletins.VERSION:
        return _not_ready(request, bulletin)
    return _attachment(bulletins.workbook(bulletin.data), XLSX,
                       f"{bulletin.bureau.name}{bulletin.label}月度快报.xlsx",
                       f"bulletin-{bulletin.bureau.code}-{bulletin.month:%Y-%m}.xlsx")
