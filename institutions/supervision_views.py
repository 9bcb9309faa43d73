"""Institution pages of the supervision section (监管科), inspectors and the bureau: the registry,
one institution with its ledger, cards and lists, applications, recording an institution, the
risk view, the teacher-match leads (TT-2) and the guide prices (TP-1..TP-3).

Each view: gate (core.access) → form → one service of ``institutions.services`` → redirect. A
refusal shows on its form, or as a message for the one-line forms in tables, with its rule id.
The pages are the supervision roles'; school staff, guardians and the custodian bank get 403
(the bank may read the registry list), and an institution's own staff are sent to their page.
"""

import datetime as dt
import io
from itertools import groupby

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Prefetch, Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST
from openpyxl import Workbook

from audit.codes import label as audit_label
from core.access import can, get_for, require, visible
from core.errors import Conflict, RuleViolation, add_to_form
from core.paging import paginate
from institutions import services
from institutions.forms import (
    AnnualReviewForm,
    CardForm,
    ChangeForm,
    GuidePriceForm,
    ListForm,
    MatchCloseForm,
    RecordForm,
    RegistryFilterForm,
    ReviewForm,
    yuan,
)
from institutions.models import (
    NON_SUBJECT_CATEGORIES,
    SUBJECT_TYPE_SUBJECTS,
    SUPERVISION,
    Card,
    GuidePrice,
    Institution,
    InstitutionVersion,
    ListEntry,
    ScheduleFlag,
    Staff,
    TeacherMatch,
    TrainingCourse,
    TrainingSession,
)
from org.models import Bureau
from org.roles import Role
from policy.services import Policy

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
INSTITUTIONS = Institution.objects.select_related("bureau__parent")  # Policy walks the chain
MINE = "/institutions/mine/"  # the institution's own page (own_views)
LICENSING = (Role.SUPERVISOR, Role.BUREAU_ADMIN)


def _rule_text(error):
    """A refusal as one line, with its rule id when it names a rule (…（TI-13））."""
    if "-" in error.rule and error.rule not in error.message:
        return f"{error.message}（{error.rule}）"
    return error.message


def _gate(user):
    """The section's pages belong to the supervision roles (bureau admin, supervisor,
    inspector): anybody else is refused before any object is looked up (403, not 404)."""
    require(user, "supervise", Institution)


def _supervised(user):
    """Institutions of the bureaus the user supervises (not those merely readable)."""
    return visible(user, Institution).filter(
        bureau_id__in=user.scope.bureau_ids_for(*SUPERVISION))


def _section(user, **extra):
    """What the section's navigation offers this user."""
    return {"nav_section": can(user, "supervise", Institution),
            "nav_record": can(user, "create", Institution),
            "nav_matches": can(user, "view", TeacherMatch), **extra}


def _detail_url(pk, anchor=""):
    return reverse("institutions:detail", args=[pk]) + (f"#{anchor}" if anchor else "")


def _expired(institution, today):
    """Has the permit or the business licence expired?"""
    return any(d and d < today for d in (institution.permit_valid_until,
                                         institution.licence_valid_until))


# ---- the registry ------------------------------------------------------------------------------

@login_required
def index(request):
    user = request.user
    if not user.scope.has(*SUPERVISION, Role.CUSTODIAN_BANK) and \
            user.scope.has(Role.INSTITUTION_STAFF):
        return redirect(MINE)
    institutions = visible(user, Institution)  # 403 for school staff and guardians
    form = RegistryFilterForm(request.GET or None)
    institutions = form.filter(institutions).annotate(
        red_cards=Count("cards", filter=Q(cards__colour=Card.Colour.RED,
                                          cards__revoked_at__isnull=True)),
        # Yellow cards that made a red one are shown as that red card.
        yellow_cards=Count("cards", filter=Q(cards__colour=Card.Colour.YELLOW,
                                             cards__revoked_at__isnull=True,
                                             cards__escalated_into__isnull=True)),
    ).prefetch_related(Prefetch("list_entries", queryset=ListEntry.objects.current(),
                                to_attr="current_lists")).select_related("bureau")
    page = paginate(request, institutions.order_by("name", "pk"))
    today = timezone.localdate()
    for inst in page:
        inst.expired = _expired(inst, today)
    applying = 0
    if can(user, "supervise", Institution):
        applying = _supervised(user).filter(status=Institution.Status.APPLYING).count()
    return render(request, "institutions/supervision/index.html", _section(
        user, form=form, page=page, applying=applying, today=today,
        can_open=can(user, "supervise", Institution)))


# ---- one institution ---------------------------------------------------------------------------

FIELD_LABELS = {f.name: str(f.verbose_name) for f in Institution._meta.fields} | {
    "status": "审批状态", "card": "红黄牌", "list": "名单", "staff": "从业人员", "course": "课程",
    "annual_review": "年检"}
CHOICE_LABELS = {f.name: {str(k): str(v) for k, v in f.choices}
                 for f in Institution._meta.fields if f.choices}
SUBJECT_NAMES = SUBJECT_TYPE_SUBJECTS | NON_SUBJECT_CATEGORIES


def _shown(field, value):
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    return CHOICE_LABELS.get(field, {}).get(str(value), str(value))


def _ledger_rows(versions):
    """Each ledger version with its event in Chinese and its changes as (field, old, new)."""
    rows = []
    for v in versions:
        changes = [(FIELD_LABELS.get(k, k), _shown(k, old), _shown(k, new))
                   for k, (old, new) in sorted((v.changes or {}).items())]
        rows.append({"version": v, "event": audit_label(f"institutions.{v.event}"),
                     "changes": changes})
    return rows


def _licences(inst, today):
    """The permit and the business licence with their state: none / ok / expiring / expired."""
    due = {r["which"]: r for r in services.expiring([inst], today=today)}
    out = []
    for which, number, until in (("办学许可证", inst.school_permit_no, inst.permit_valid_until),
                                 ("营业执照", inst.business_licence_no, inst.licence_valid_until)):
        row = due.get(which)
        state = ("expired" if row["expired"] else "expiring") if row else (
            "ok" if until else "none")
        out.append({"which": which, "number": number, "until": until, "state": state,
                    "days_left": row["days_left"] if row else None})
    return out


def _detail_page(request, inst, *, review_form=None, card_form=None, list_form=None):
    user, today, now = request.user, timezone.localdate(), timezone.now()
    policy = Policy(inst.bureau)
    versions = visible(user, InstitutionVersion).filter(institution=inst).select_related(
        "changed_by").order_by("-version")
    ledger = paginate(request, versions, per_page=20)
    staff = list(visible(user, Staff).filter(institution=inst).current().order_by("name", "pk"))
    for s in staff:
        s.subject_names = "、".join(SUBJECT_NAMES.get(x, x) for x in s.subjects)
    full, total = services.fulltime_share(inst)
    min_percent = int(policy["tt.min_fulltime_percent"])
    courses = list(visible(user, TrainingCourse).filter(institution=inst).order_by("name", "pk"))
    for c in courses:
        c.subject_name = SUBJECT_NAMES.get(c.subject, c.subject)
        c.price_yuan = yuan(c.price_per_lesson_fen)
        c.total_yuan = yuan(c.price_per_lesson_fen * c.lessons)
    sessions = (visible(user, TrainingSession)
                .filter(course__institution=inst, start__gte=now - dt.timedelta(days=14),
                        start__lte=now + dt.timedelta(days=30))
                .select_related("course").prefetch_related("flags").order_by("start", "pk")[:100])
    open_flags = visible(user, ScheduleFlag).filter(session__course__institution=inst,
                                                    resolved=False).count()
    cards = visible(user, Card).filter(institution=inst).select_related("issued_by")
    lists = visible(user, ListEntry).filter(institution=inst).select_related("added_by")
    can_list = can(user, "list", inst)
    return render(request, "institutions/supervision/detail.html", _section(
        user, inst=inst, today=today, now=now, licences=_licences(inst, today), ledger=ledger,
        ledger_rows=_ledger_rows(ledger), staff=staff, full=full, total=total,
        min_percent=min_percent,
        share_percent=round(full * 100 / total) if total else None,
        share_ok=not total or full * 100 >= total * min_percent,
        courses=courses, sessions=sessions, open_flags=open_flags,
        cards=cards, lists=lists, annual_reviews=inst.annual_reviews.order_by("-year"),
        can_change=can(user, "change", inst), can_review=can(user, "review", inst),
        can_card=can(user, "card", inst), can_revoke=can_list and can(user, "change", Card),
        can_list=can_list,
        review_form=review_form or AnnualReviewForm(auto_id="id_review_%s"),
        card_form=card_form or CardForm(auto_id="id_card_%s"),
        list_form=list_form or ListForm(auto_id="id_list_%s")))


@login_required
def detail(request, pk):
    _gate(request.user)
    inst = get_for(request.user, Institution, pk, "supervise", queryset=INSTITUTIONS)
    return _detail_page(request, inst)


@login_required
def change(request, pk):
    _gate(request.user)
    inst = get_for(request.user, Institution, pk, "change", queryset=INSTITUTIONS)
    form = ChangeForm(request.POST or None, institution=inst)
    if request.method == "POST" and form.is_valid():
        before = inst.version
        try:
            inst = services.change_institution(actor=request.user, institution=inst,
                                               reason=form.cleaned_data["reason"],
                                               **form.changes())
        except RuleViolation as e:
            add_to_form(form, e)
        else:
            if inst.version == before:
                messages.info(request, "没有需要保存的变更。")
            else:
                messages.success(request, f"已保存变更（台账第 {inst.version} 版）。")
            return redirect(_detail_url(inst.pk, "ledger"))
    return render(request, "institutions/supervision/change.html", _section(
        request.user, inst=inst, form=form))


@login_required
@require_POST
def annual_review(request, pk):
    _gate(request.user)
    inst = get_for(request.user, Institution, pk, "review", queryset=INSTITUTIONS)
    form = AnnualReviewForm(request.POST, auto_id="id_review_%s")
    if form.is_valid():
        try:
            review = services.record_annual_review(actor=request.user, institution=inst,
                                                   **form.cleaned_data)
        except RuleViolation as e:
            add_to_form(form, e)
        else:
            messages.success(request, f"已记录 {review.year} 年度年检：{review.get_result_display()}。")
            return redirect(_detail_url(inst.pk, "annual-reviews"))
    return _detail_page(request, inst, review_form=form)


# ---- cards and lists (TI-13) -------------------------------------------------------------------

@login_required
@require_POST
def issue_card(request, pk):
    _gate(request.user)
    inst = get_for(request.user, Institution, pk, "card", queryset=INSTITUTIONS)
    form = CardForm(request.POST, auto_id="id_card_%s")
    if form.is_valid():
        try:
            card = services.issue_card(actor=request.user, institution=inst, **form.cleaned_data)
        except RuleViolation as e:
            add_to_form(form, e)
        else:
            inst = get_for(request.user, Institution, pk, "card", queryset=INSTITUTIONS)
            text = f"已对“{inst.name}”亮{card.get_colour_display()}。"
            if inst.enrolment_suspended:
                text += "机构已被亮红牌，暂停招生。"
            messages.success(request, text)
            return redirect(_detail_url(inst.pk, "cards"))
    return _detail_page(request, inst, card_form=form)


@login_required
@require_POST
def revoke_card(request, pk):
    _gate(request.user)
    card = get_for(request.user, Card, pk, "change",
                   queryset=Card.objects.select_related("institution__bureau__parent"))
    try:
        services.revoke_card(actor=request.user, card=card, reason=request.POST.get("reason", ""))
    except RuleViolation as e:
        messages.error(request, f"未能撤销：{_rule_text(e)}")
    else:
        messages.success(request, f"已撤销{card.get_colour_display()}。")
    return redirect(_detail_url(card.institution_id, "cards"))


@login_required
@require_POST
def add_to_list(request, pk):
    _gate(request.user)
    inst = get_for(request.user, Institution, pk, "list", queryset=INSTITUTIONS)
    form = ListForm(request.POST, auto_id="id_list_%s")
    if form.is_valid():
        try:
            entry = services.add_to_list(actor=request.user, institution=inst,
                                         **form.cleaned_data)
        except RuleViolation as e:
            add_to_form(form, e)
        else:
            messages.success(request, f"已列入{entry.get_kind_display()}。")
            return redirect(_detail_url(inst.pk, "lists"))
    return _detail_page(request, inst, list_form=form)


@login_required
@require_POST
def remove_from_list(request, pk):
    _gate(request.user)
    entry = get_for(request.user, ListEntry, pk, "change",
                    queryset=ListEntry.objects.select_related("institution__bureau__parent"))
    try:
        services.remove_from_list(actor=request.user, entry=entry,
                                  reason=request.POST.get("reason", ""))
    except RuleViolation as e:
        messages.error(request, f"未能移出：{_rule_text(e)}")
    else:
        messages.success(request, f"已移出{entry.get_kind_display()}。")
    return redirect(_detail_url(entry.institution_id, "lists"))


# ---- applications and recording (TI-1, TI-3, TI-4) ---------------------------------------------

def _review_auto_id(pk):
    return f"id_app{pk}_%s"


def _applications_page(request, bound=None):
    """The applications (申请中) of the supervised bureaus; ``bound`` = (pk, form) with errors."""
    user = request.user
    page = paginate(request, _supervised(user).filter(status=Institution.Status.APPLYING)
                    .select_related("bureau__parent").order_by("pk"))
    rows = []
    for inst in page:
        form = bound[1] if bound and bound[0] == inst.pk else ReviewForm(
            auto_id=_review_auto_id(inst.pk))
        banned = services.banned_kind({f: getattr(inst, f) for f in services.REGISTRY_FIELDS})
        rows.append({"inst": inst, "form": form, "banned": banned,
                     "can_review": can(user, "review", inst)})
    return render(request, "institutions/supervision/applications.html", _section(
        user, page=page, rows=rows))


@login_required
def applications(request):
    _gate(request.user)
    return _applications_page(request)


@login_required
@require_POST
def review(request, pk):
    _gate(request.user)
    inst = get_for(request.user, Institution, pk, "review", queryset=INSTITUTIONS)
    form = ReviewForm(request.POST, auto_id=_review_auto_id(inst.pk))
    if form.is_valid():
        try:
            inst = services.review_application(actor=request.user, institution=inst,
                                               **form.service_data())
        except Conflict as e:  # no longer an application: nothing to show the form on
            messages.error(request, _rule_text(e))
            return redirect("institutions:applications")
        except RuleViolation as e:
            add_to_form(form, e)
        else:
            if inst.status == Institution.Status.APPROVED:
                messages.success(request, f"已批准“{inst.name}”，办学许可证号 {inst.school_permit_no}。")
                return redirect(_detail_url(inst.pk))
            messages.success(request, f"已作出不予批准“{inst.name}”的决定。")
            return redirect("institutions:applications")
    return _applications_page(request, bound=(inst.pk, form))


def _recording_bureaus(user):
    return visible(user, Bureau).filter(
        pk__in=user.scope.bureau_ids_for(*SUPERVISION)).order_by("pk")


@login_required
def record(request):
    _gate(request.user)
    require(request.user, "create", Institution)
    # Inspectors record what they find; licensing an institution is the supervision section's.
    found_only = not request.user.scope.bureau_ids_for(*LICENSING)
    form = RecordForm(request.POST or None, bureaus=_recording_bureaus(request.user),
                      found_only=found_only)
    if request.method == "POST" and form.is_valid():
        try:
            inst = services.register_institution(actor=request.user, **form.service_data())
        except RuleViolation as e:
            add_to_form(form, e)
        else:
            messages.success(request, f"已登记“{inst.name}”（{inst.get_status_display()}）。")
            return redirect(_detail_url(inst.pk))
    return render(request, "institutions/supervision/record.html", _section(
        request.user, form=form, found_only=found_only))


# ---- risk (TI-12, TI-13, TT-2, TT-3, TS) -------------------------------------------------------

SORTS = {"-score": "风险分从高到低", "score": "风险分从低到高", "name": "机构名称"}


def _risk(request):
    """(rows sorted as asked, the sort key) of the institutions the user supervises."""
    rows = services.risk_rows(_supervised(request.user).select_related("bureau__parent"))
    sort = request.GET.get("sort") if request.GET.get("sort") in SORTS else "-score"
    if sort == "score":
        rows.sort(key=lambda r: (r["score"], r["institution"].name))
    elif sort == "name":
        rows.sort(key=lambda r: (r["institution"].name, r["institution"].pk))
    return rows, sort


def _expiring(institutions, today):
    """services.expiring, loading each bureau's reminder window once (not per institution)."""
    out = []
    institutions = sorted(institutions, key=lambda i: i.bureau_id)
    for _, group in groupby(institutions, key=lambda i: i.bureau_id):
        group = list(group)
        days = int(Policy(group[0].bureau)["ti.permit_reminder_days"])
        out += services.expiring(group, today=today, days=days)
    return sorted(out, key=lambda r: r["date"])


def _risk_chart(rows):
    """Institutions per licence class (TI-12), and how many of them hold a red or yellow card."""
    x, total, red, yellow = [], [], [], []
    for value, text in Institution.LicenceStatus.choices:
        group = [r for r in rows if r["institution"].licence_status == value]
        x.append(text)
        total.append(len(group))
        red.append(sum(Card.Colour.RED in r["cards"] for r in group))
        yellow.append(sum(Card.Colour.YELLOW in r["cards"] for r in group))
    return {"x": x, "series": [{"name": "机构数", "data": total},
                               {"name": "有红牌", "data": red},
                               {"name": "有黄牌", "data": yellow}]}


@login_required
def risk(request):
    _gate(request.user)
    rows, sort = _risk(request)
    today = timezone.localdate()
    return render(request, "institutions/supervision/risk.html", _section(
        request.user, page=paginate(request, rows), sort=sort, sorts=SORTS,
        chart=_risk_chart(rows), today=today,
        expiring=_expiring([r["institution"] for r in rows], today)))


@login_required
def risk_export(request):
    _gate(request.user)
    rows, _ = _risk(request)
    today = timezone.localdate()
    book = Workbook(write_only=True)
    sheet = book.create_sheet("风险视图")
    sheet.append(["机构名称", "统一社会信用代码", "类别", "证照状态", "审批状态", "暂停招生", "风险分",
                  "风险因素", "红牌", "黄牌", "疑似在职教师", "违规排课", "从业人员", "专职教学教研人员",
                  "资金预警"])
    for r in rows:
        inst = r["institution"]
        sheet.append([inst.name, inst.credit_code, "学科类" if inst.subject_type else "非学科类",
                      inst.get_licence_status_display(), inst.get_status_display(),
                      "是" if inst.enrolment_suspended else "否", r["score"],
                      "；".join(r["reasons"]), r["cards"].count(Card.Colour.RED),
                      r["cards"].count(Card.Colour.YELLOW), r["teacher_matches"],
                      r["schedule_flags"], r["staff_total"], r["staff_fulltime"],
                      {"red": "红色", "yellow": "黄色"}.get(r["fund_level"], "")])
    due = book.create_sheet("证照到期")
    due.append(["机构名称", "证照", "有效期至", "状态", "剩余天数"])
    for r in _expiring([r["institution"] for r in rows], today):
        due.append([r["institution"].name, r["which"], r["date"],
                    "已过期" if r["expired"] else "即将到期", r["days_left"]])
    out = io.BytesIO()
    book.save(out)
    response = HttpResponse(out.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = (f"attachment; filename*=UTF-8''"
                                       f"institution-risk-{today.isoformat()}.xlsx")
    return response


# ---- teacher-match leads (TT-2, PN-8) ----------------------------------------------------------

MATCH_STATUSES = {"open": "待核查", "closed": "已处理", "all": "全部"}


def _matches_page(request, bound=None):
    user = request.user
    status = request.GET.get("status") if request.GET.get("status") in MATCH_STATUSES else "open"
    matches = visible(user, TeacherMatch).select_related("staff__institution", "teacher__school",
                                                         "closed_by")
    if status == "open":
        matches = matches.filter(status=TeacherMatch.Status.OPEN)
    elif status == "closed":
        matches = matches.exclude(status=TeacherMatch.Status.OPEN)
    page = paginate(request, matches.order_by("-found_at", "pk"))
    rows = [{"match": m, "form": bound[1] if bound and bound[0] == m.pk else MatchCloseForm(
        auto_id=f"id_match{m.pk}_%s")} for m in page]
    return render(request, "institutions/supervision/matches.html", _section(
        user, page=page, rows=rows, status=status, statuses=MATCH_STATUSES))


@login_required
def matches(request):
    require(request.user, "view", TeacherMatch)  # never the institution, nor inspectors
    return _matches_page(request)


@login_required
@require_POST
def close_match(request, pk):
    require(request.user, "change", TeacherMatch)
    match = get_for(request.user, TeacherMatch, pk, "change", queryset=TeacherMatch.objects
                    .select_related("staff__institution", "teacher__school"))
    form = MatchCloseForm(request.POST, auto_id=f"id_match{match.pk}_%s")
    if form.is_valid():
        try:
            services.close_match(actor=request.user, match=match,
                                 confirmed=form.cleaned_data["decision"] == "confirm",
                                 note=form.cleaned_data["note"])
        except Conflict as e:
            messages.error(request, _rule_text(e))
            return redirect("institutions:matches")
        except RuleViolation as e:
            add_to_form(form, e)
        else:
            messages.success(request, f"已处理线索：{match.staff.name}（{match.get_status_display()}）。")
            return redirect("institutions:matches")
    return _matches_page(request, bound=(match.pk, form))


# ---- guide prices (TP-1..TP-3) -----------------------------------------------------------------

def _price_bureau(user):
    """The bureau whose prices the page shows and sets: the user's own."""
    scope = user.scope
    bureau_id = scope.home_bureau_id
    if bureau_id not in scope.bureau_ids_for(*SUPERVISION):
        bureau_id = min(scope.bureau_ids_for(*SUPERVISION))
    return get_for(user, Bureau, bureau_id, queryset=Bureau.objects.select_related(
        "parent__parent"))


def _price_table(user, bureau):
    """Per mode and band: the price in force (the bureau's own, else the nearest parent's)."""
    chain, node = [], bureau
    while node is not None:
        chain.append(node)
        node = node.parent
    prices = {(p.bureau_id, p.mode, p.band): p for p in visible(user, GuidePrice).filter(
        bureau__in=chain)}
    up = int(Policy(bureau)["tp.max_up_percent"])
    rows = []
    for mode, mode_text in Institution.Mode.choices:
        for band, band_text in GuidePrice.Band.choices:
            price = next((prices[(b.pk, mode, band)] for b in chain
                          if (b.pk, mode, band) in prices), None)
            rows.append({
                "mode": mode_text, "band": band_text, "price": price,
                "minutes": services.STANDARD_MINUTES[mode],
                "base": yuan(price.base_price_fen) if price else None,
                "ceiling": yuan(price.base_price_fen * (100 + up) // 100) if price else None,
                "source": next(b for b in chain if b.pk == price.bureau_id) if price else None,
                "own": bool(price) and price.bureau_id == bureau.pk})
    return rows, up


@login_required
def guide_prices(request):
    _gate(request.user)
    user = request.user
    bureau = _price_bureau(user)
    can_set = can(user, "change", GuidePrice) and bureau.pk in user.scope.bureau_ids_for(
        *LICENSING)
    form = GuidePriceForm(request.POST or None)
    if request.method == "POST":
        require(user, "change", GuidePrice)
        if form.is_valid():
            try:
                price = services.set_guide_price(actor=user, bureau=bureau, **form.service_data())
            except RuleViolation as e:
                add_to_form(form, e)
            else:
                messages.success(request, f"已设置{price.get_mode_display()}{price.get_band_display()}"
                                          f"基准价 {yuan(price.base_price_fen)} 元/标准课时。")
                return redirect("institutions:guide-prices")
    rows, up = _price_table(user, bureau)
    return render(request, "institutions/supervision/guide_prices.html", _section(
        user, bureau=bureau, rows=rows, up=up, form=form, can_set=can_set))


urlpatterns = [
    path("", index, name="index"),
    path("<int:pk>/", detail, name="detail"),
    path("<int:pk>/change/", change, name="change"),
    path("<int:pk>/annual-reviews/", annual_review, name="annual-review"),
    path("<int:pk>/cards/", issue_card, name="card-issue"),
    path("cards/<int:pk>/revoke/", revoke_card, name="card-revoke"),
    path("<int:pk>/lists/", add_to_list, name="list-add"),
    path("list-entries/<int:pk>/remove/", remove_from_list, name="list-remove"),
    path("applications/", applications, name="applications"),
    path("<int:pk>/review/", review, name="review"),
    path("record/", record, name="record"),
    path("risk/", risk, name="risk"),
    path("risk/export/", risk_export, name="risk-export"),
    path("matches/", matches, name="matches"),
    path("matches/<int:pk>/close/", close_match, name="match-close"),
    path("guide-prices/", guide_prices, name="guide-prices"),
]
