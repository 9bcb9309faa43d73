"""Complaint pages of hotline staff, the bureau, its sections, inspectors and school admins
(/complaints/…): the list with its filters, one complaint with its history and the forms of
what the user may do next, the hotline's intake form, statistics and the Excel export.

Each view: gate (core.access) → form → one service of ``complaints.services`` → redirect. A
refusal shows on its form, or as a message when the complaint's state no longer allows the step.
School staff other than school admins, guardians, institutions and the bank get 403.
"""

import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST
from openpyxl import Workbook

from audit.actions import log_action
from complaints import services, stats
from complaints.forms import (
    AttachForm,
    CardForm,
    ComplaintForm,
    FilterForm,
    LinkForm,
    MergeForm,
    NoteForm,
    OutcomeForm,
    PeriodForm,
    ReasonForm,
    ReassignForm,
    ReplyForm,
)
from complaints.models import Complaint, ComplaintAttachment, normalise_code
from core.access import can, get_for, require, visible
from core.errors import Conflict, RuleViolation, add_to_form
from core.paging import paginate
from institutions.models import Institution
from org.models import Bureau
from org.roles import Role

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
COMPLAINTS = Complaint.objects.select_related("bureau__parent", "unit_school", "school",
                                              "institution", "duplicate_of")


def _gate(user):
    """Complaints are the complaint roles' pages: anybody else is refused before any object is
    looked up (403, not 404)."""
    require(user, "view", Complaint)


def _section(user, **extra):
    """What the section's navigation offers this user."""
    return {"can_file": can(user, "file", Complaint), **extra}


def _complaint(request, pk, action="view"):
    _gate(request.user)
    return get_for(request.user, Complaint, pk, action, queryset=COMPLAINTS)


def _detail_url(pk, anchor=""):
    return reverse("complaints:detail", args=[pk]) + (f"#{anchor}" if anchor else "")


def _rule_text(error):
    if "-" in error.rule and error.rule not in error.message:
        return f"{error.message}（{error.rule}）"
    return error.message


# ---- the list ----------------------------------------------------------------------------------

@login_required
def index(request):
    _gate(request.user)
    today = timezone.localdate()
    form = FilterForm(request.GET or None)
    complaints = form.filter(visible(request.user, Complaint).select_related("unit_school"),
                             today)
    page = paginate(request, complaints.order_by("-filed_at", "-pk"))
    for complaint in page:
        complaint.overdue = complaint.overdue_for(today)
    base = visible(request.user, Complaint)
    counts = {"open": base.open().count(), "overdue": base.overdue(today).count(),
              "escalated": base.open().filter(escalated_at__isnull=False).count()}
    template = "complaints/index.html#results" if request.htmx else "complaints/index.html"
    return render(request, template, _section(request.user, form=form, page=page, today=today,
                                              counts=counts))


# ---- one complaint -----------------------------------------------------------------------------

FORMS = {"acknowledge": NoteForm, "start": NoteForm, "resolve": OutcomeForm, "close": NoteForm,
         "reject": ReasonForm}
# action → (service, target status, the button's text)
STEPS = {
    "acknowledge": (services.acknowledge, Complaint.Status.ACKNOWLEDGED, "受理"),
    "start": (services.start, Complaint.Status.IN_PROGRESS, "开始办理"),
    "resolve": (services.resolve, Complaint.Status.RESOLVED, "办结"),
    "close": (services.close, Complaint.Status.CLOSED, "归档"),
    "reject": (services.reject, Complaint.Status.REJECTED, "不予受理"),
}


def _detail_page(request, complaint, bound=None, status=200):
    """The complaint, its history and the forms of the next steps; ``bound`` = (action, form)
    re-shows a refused form with its errors."""
    user, today = request.user, timezone.localdate()
    events = complaint.events.select_related("actor").order_by("at", "pk")
    can_handle = can(user, "handle", complaint)

    def form(action, make):
        return bound[1] if bound and bound[0] == action else make()

    steps = []
    if can_handle:
        for action, (_, target, text) in STEPS.items():
            if target in Complaint.TRANSITIONS[complaint.status]:
                steps.append({"action": action, "text": text,
                              "form": form(action, lambda a=action: FORMS[a](
                                  auto_id=f"id_{a}_%s"))})
    return render(request, "complaints/detail.html", _section(
        user, complaint=complaint, today=today, overdue=complaint.overdue_for(today),
        events=events, attachments=complaint.attachments.select_related("uploaded_by"),
        links=complaint.links.all(), duplicates=complaint.duplicates.order_by("pk"),
        steps=steps, can_handle=can_handle,
        can_note=can(user, "note", complaint), can_merge=can(user, "merge", complaint),
        can_reassign=can(user, "reassign", complaint), can_reveal=can(user, "reveal", complaint),
        can_link=can(user, "link", complaint),
        can_card=(complaint.institution_id is not None and can(user, "link", complaint)
                  and can(user, "card", Institution)),
        is_open=complaint.status in Complaint.OPEN,
        reply_form=form("reply", lambda: ReplyForm(auto_id="id_reply_%s")),
        merge_form=form("merge", lambda: MergeForm(auto_id="id_merge_%s")),
        reassign_form=form("reassign", lambda: ReassignForm(complaint=complaint,
                                                            auto_id="id_reassign_%s")),
        card_form=form("card", lambda: CardForm(auto_id="id_card_%s")),
        link_form=form("link", lambda: LinkForm(auto_id="id_link_%s")),
        attach_form=form("attach", lambda: AttachForm(auto_id="id_attach_%s"))), status=status)


@login_required
def detail(request, pk):
    return _detail_page(request, _complaint(request, pk))


def _act(request, complaint, action, form, call, success, anchor="history"):
    """Run one service with a valid form: success → message and back to the complaint; a state
    conflict → message; another refusal → the form again with the error on its field."""
    if form.is_valid():
        try:
            call(form.cleaned_data)
        except Conflict as e:
            messages.error(request, _rule_text(e))
            return redirect(_detail_url(complaint.pk, anchor))
        except RuleViolation as e:
            add_to_form(form, e)
        else:
            messages.success(request, success)
            return redirect(_detail_url(complaint.pk, anchor))
    return _detail_page(request, complaint, bound=(action, form))


@login_required
@require_POST
def transition(request, pk, action):
    complaint = _complaint(request, pk, "handle")
    service, _, text = STEPS[action]
    form = FORMS[action](request.POST, auto_id=f"id_{action}_%s")
    field = next(iter(form.fields))
    return _act(request, complaint, action, form,
                lambda data: service(actor=request.user, complaint=complaint,
                                     **{field: data[field]}),
                f"已{text}：{complaint.code_display}。")


@login_required
@require_POST
def reply(request, pk):
    complaint = _complaint(request, pk)
    form = ReplyForm(request.POST, auto_id="id_reply_%s")
    public = request.POST.get("visibility") == "public"
    require(request.user, "handle" if public else "note", complaint)
    return _act(request, complaint, "reply", form,
                lambda data: services.reply(actor=request.user, complaint=complaint,
                                            text=data["text"], public=public),
                "已答复投诉人。" if public else "已添加内部备注。")


def _main(request, text):
    """The main complaint a merge names, by tracking code or number, through the gate."""
    code = normalise_code(text)
    if code:
        found = visible(request.user, Complaint).filter(code=code).first()
        if found is None:
            raise RuleViolation("invalid", "没有找到该查询码对应的投诉（或不在您的范围内）。", "main")
        return found
    if not str(text).strip().isdigit():
        raise RuleViolation("invalid", "请填写主件的查询码或编号。", "main")
    try:
        return get_for(request.user, Complaint, text.strip(), queryset=COMPLAINTS)
    except Http404:
        raise RuleViolation("invalid", "没有找到该编号的投诉（或不在您的范围内）。", "main") from None


@login_required
@require_POST
def merge(request, pk):
    complaint = _complaint(request, pk, "merge")
    form = MergeForm(request.POST, auto_id="id_merge_%s")

    def call(data):
        into = _main(request, data["main"])
        services.merge(actor=request.user, complaint=complaint, into=into, note=data["note"])

    return _act(request, complaint, "merge", form, call, "已合并到主件办理。")


@login_required
@require_POST
def reassign(request, pk):
    complaint = _complaint(request, pk, "reassign")
    form = ReassignForm(request.POST, complaint=complaint, auto_id="id_reassign_%s")
    return _act(request, complaint, "reassign", form,
                lambda data: services.reassign(actor=request.user, complaint=complaint,
                                               **form.service_data()),
                "已转办。")


@login_required
@require_POST
def card(request, pk):
    complaint = _complaint(request, pk, "link")
    require(request.user, "card", Institution)
    form = CardForm(request.POST, auto_id="id_card_%s")
    return _act(request, complaint, "card", form,
                lambda data: services.issue_card(actor=request.user, complaint=complaint,
                                                 **data),
                "已对涉及的培训机构亮牌，并记入本投诉的关联处理。", anchor="links")


@login_required
@require_POST
def link(request, pk):
    complaint = _complaint(request, pk, "link")
    form = LinkForm(request.POST, auto_id="id_link_%s")
    return _act(request, complaint, "link", form,
                lambda data: services.link_case(actor=request.user, complaint=complaint, **data),
                "已记录关联处理。", anchor="links")


@login_required
@require_POST
def attach(request, pk):
    complaint = _complaint(request, pk, "note")
    form = AttachForm(request.POST, request.FILES, auto_id="id_attach_%s")
    return _act(request, complaint, "attach", form,
                lambda data: services.add_attachment(actor=request.user, complaint=complaint,
                                                     upload=data["file"]),
                "已上传附件。", anchor="attachments")


@login_required
def attachment(request, pk):
    """An attachment's file, only for staff who can see its complaint; every read is logged."""
    _gate(request.user)
    item = get_for(request.user, ComplaintAttachment, pk,
                   queryset=ComplaintAttachment.objects.select_related("complaint"))
    try:
        handle = services.open_attachment(actor=request.user, attachment=item)
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, as_attachment=True, filename=item.name,
                            content_type=item.content_type)
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def reveal(request, pk):
    complaint = _complaint(request, pk, "reveal")
    name, phone = services.reveal_complainant(actor=request.user, complaint=complaint)
    return render(request, "complaints/_contact.html", {"complaint": complaint, "name": name,
                                                        "phone": phone})


# ---- hotline intake ----------------------------------------------------------------------------

def _intake_bureaus(user):
    return list(visible(user, Bureau).filter(
        pk__in=user.scope.bureau_ids_for(Role.HOTLINE, Role.BUREAU_ADMIN),
        level=Bureau.Level.DISTRICT).select_related("parent").order_by("code"))


@login_required
def file(request):
    _gate(request.user)
    require(request.user, "file", Complaint)
    bureaus = _intake_bureaus(request.user)
    if request.method != "POST":
        form = ComplaintForm(initial={"bureau": request.GET.get("bureau", "")}, bureaus=bureaus,
                             staff=True)
        if request.htmx:  # another district chosen: its schools and institutions
            return render(request, "complaints/file.html#targets", {"form": form})
        return render(request, "complaints/file.html", _section(request.user, form=form))
    form = ComplaintForm(request.POST, request.FILES, bureaus=bureaus, staff=True)
    if form.is_valid():
        try:
            complaint = services.file_complaint(actor=request.user, **form.service_data())
        except RuleViolation as e:
            add_to_form(form, e)
        else:
            messages.success(request, f"已登记投诉，查询码 {complaint.code_display}（请告知来电人），"
                                      f"承办单位：{complaint.unit_label}。")
            return redirect(_detail_url(complaint.pk))
    return render(request, "complaints/file.html", _section(request.user, form=form))


# ---- statistics and export ---------------------------------------------------------------------

def _figures(request):
    form = PeriodForm(request.GET or None)
    start, end = form.period()
    complaints = stats.in_period(visible(request.user, Complaint), start, end)
    return form, start, end, complaints


@login_required
def statistics(request):
    _gate(request.user)
    form, start, end, complaints = _figures(request)
    figures = stats.statistics(complaints)
    return render(request, "complaints/statistics.html", _section(
        request.user, form=form, start=start, end=end, figures=figures,
        chart=stats.chart_data(figures)))


@login_required
def export(request):
    _gate(request.user)
    _, start, end, complaints = _figures(request)
    figures = stats.statistics(complaints)
    book = Workbook(write_only=True)
    summary = book.create_sheet("统计")
    summary.append(["登记日期", f"{start or '—'} 至 {end or '—'}"])
    summary.append(["投诉总数", figures["total"]])
    summary.append(["未办结", figures["open"]])
    summary.append(["超期未办", figures["overdue"]])
    summary.append(["升级督办", figures["escalated"]])
    for label, rate in (("受理及时率", figures["ack"]), ("办结及时率", figures["resolve"])):
        summary.append([label, f"{rate['rate']}%" if rate["rate"] is not None else "—",
                        f"按期 {rate['on_time']} / 应计 {rate['due']}"])
    for title, key in (("按类别", "by_category"), ("按状态", "by_status"), ("按承办单位", "by_unit")):
        summary.append([])
        summary.append([title, "件数"])
        for row in figures[key]:
            summary.append([row["label"], row["count"]])
    rows = book.create_sheet("投诉清单")
    rows.append(["查询码", "登记时间", "渠道", "类别", "标题", "状态", "承办单位", "受理期限", "办结期限",
                 "超期", "升级督办", "投诉人（脱敏）", "电话（脱敏）"])
    today = timezone.localdate()
    listed = 0
    for c in complaints.select_related("unit_school").order_by("filed_at", "pk").iterator():
        rows.append([c.code_display, timezone.localtime(c.filed_at).strftime("%Y-%m-%d %H:%M"),
                     c.get_channel_display(), c.get_category_display(), c.subject,
                     c.get_status_display(), c.unit_label, c.ack_due, c.resolve_due,
                     Complaint.Overdue(c.overdue_for(today)).label if c.overdue_for(today)
                     else "", "是" if c.escalated_at else "",
                     c.complainant_name_masked, c.complainant_phone_masked])
        listed += 1
    log_action(request.user, "complaints.exported", actor=request.user, kind="access",
               data={"rows": listed, "start": str(start or ""), "end": str(end or "")})
    out = io.BytesIO()
    book.save(out)
    response = HttpResponse(out.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = (f"attachment; filename*=UTF-8''"
                                       f"complaints-{today.isoformat()}.xlsx")
    return response

