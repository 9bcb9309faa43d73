"""Funds pages of the supervision section (监管科: supervisor, bureau admin, inspector) and the
custodian bank (/funds/…): the district overview with its warnings (PF-14) and Excel export, one
institution's account (summary, reserve terms, ledger, contracts, reconciliations), freezing an
account (PF-13), the bank's end-of-day balances (reconciliation) and reserve deposits (PF-10),
and opening an account (PF-1, PF-3, PF-4).

Each view: gate (core.access) → form → one service of ``funds.services`` → redirect, or the row
fragment of the same page when HTMX asks (STYLE 10). Everybody but the supervision roles and the
bank gets 403 before any lookup (institution staff have /funds/institution/, guardians
/funds/mine/); an account of another district is 404. Money is integer fen in the database and
yuan with two decimals on the pages.
"""

import datetime as dt
import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST
from openpyxl import Workbook

from core.access import can, require, visible
from core.errors import RuleViolation, add_to_form
from core.paging import paginate
from funds import services, warnings
from funds.models import Contract, Posting, Reconciliation, SupervisedAccount
from funds.supervision_forms import (
    AccountFilterForm,
    BalanceForm,
    DayForm,
    FreezeForm,
    OpenAccountForm,
    ReserveForm,
)
from institutions.forms import yuan
from institutions.models import Institution
from org.roles import Role
from policy.params import PARAMS
from policy.services import Policy

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The roles whose district's accounts these pages show (institution staff see only their own,
# elsewhere).
DISTRICT_ROLES = (Role.SUPERVISOR, Role.BUREAU_ADMIN, Role.INSPECTOR, Role.CUSTODIAN_BANK)
OPENERS = (Role.SUPERVISOR, Role.BUREAU_ADMIN, Role.CUSTODIAN_BANK)
LEVEL_ORDER = {warnings.RED: 0, warnings.YELLOW: 1, "": 2}
LEVEL_TEXT = {warnings.RED: "红色预警", warnings.YELLOW: "黄色预警", "": "无预警"}
MODE_TEXT = dict(PARAMS["pf.mode"].choices)
CHART_TOP = 20


# ---- the gate ---------------------------------------------------------------------------------

def _gate(user):
    """The pages belong to the supervision roles and the custodian bank: anybody else (school
    staff, guardians, institution staff) is refused before any object is looked up (403)."""
    require(user, "supervise", SupervisedAccount)


def _accounts(user):
    """Accounts of the districts the user supervises or banks for (not those an institution's
    staff role would add)."""
    return visible(user, SupervisedAccount).filter(
        institution__bureau_id__in=user.scope.bureau_ids_for(*DISTRICT_ROLES))


def _account(user, institution_id, action="view"):
    """One institution's account: 404 when missing or in another district, 403 when the action
    is not the user's (freeze: the supervisor; balances and reserves: the bank)."""
    if not 0 < institution_id < 2**63:
        raise Http404
    account = _accounts(user).select_related("institution__bureau__parent__parent").filter(
        institution_id=institution_id).first()
    # Outside the scope looks exactly like missing.
    if account is None:
        raise Http404
    require(user, action, account)
    return account


def _without_account(user):
    """Approved institutions of the user's districts that have no supervised account yet."""
    return visible(user, Institution).filter(
        bureau_id__in=user.scope.bureau_ids_for(*DISTRICT_ROLES),
        status=Institution.Status.APPROVED, funds_account__isnull=True)


def _section(user, **extra):
    return {"can_open": can(user, "open", SupervisedAccount), **extra}


def _rule_text(error):
    """A refusal as one line, with its rule id when it names a rule (…（PF-14））."""
    if "-" in error.rule and error.rule not in error.message:
        return f"{error.message}（{error.rule}）"
    return error.message


def _paged(request, items, param, per_page=20):
    """core.paging with its own ``?<param>=``, for two lists on one page."""
    page = Paginator(items, per_page).get_page(request.GET.get(param))
    query = request.GET.copy()
    query.pop(param, None)
    page.querystring, page.param = query.urlencode(), param
    return page


# ---- the district overview --------------------------------------------------------------------

class Reserves(dict):
    """Required reserves (PF-10, PF-11), each district's parameters read once per request."""

    def of(self, account):
        bureau = account.institution.bureau
        if bureau.pk not in self:
            self[bureau.pk] = Policy(bureau)
        return warnings.required_reserve_fen(account, self[bureau.pk])


def _rows(user, today):
    """(totals in yuan, every account row, red first) of the user's districts."""
    totals, found = services.district_totals(_accounts(user), today=today)
    reserves, rows = Reserves(), []
    for account, r in found:
        required = reserves.of(account)
        rows.append({
            "account": account, "institution": account.institution, "level": r["level"],
            "level_text": LEVEL_TEXT[r["level"]], "warnings": r["warnings"],
            "warnings_text": "；".join(f"{w.message}（{w.rule}）" for w in r["warnings"]),
            "held_fen": r["held_fen"], "unconsumed_fen": r["unconsumed_fen"],
            "held": yuan(r["held_fen"]), "reserve": yuan(r["reserve_fen"]),
            "required": yuan(required), "reserve_short": r["reserve_fen"] < required,
            "released": yuan(r["released_fen"]), "refunded": yuan(r["refunded_fen"]),
            "unconsumed": yuan(r["unconsumed_fen"])})
    rows.sort(key=lambda r: (LEVEL_ORDER[r["level"]], r["institution"].name, r["account"].pk))
    money = {k.removesuffix("_fen"): yuan(v) for k, v in totals.items() if k.endswith("_fen")}
    return {**totals, **money}, rows


def _filtered(rows, level, q):
    if level == "none":
        rows = [r for r in rows if not r["level"]]
    elif level == "frozen":
        rows = [r for r in rows if r["account"].frozen]
    elif level:
        rows = [r for r in rows if r["level"] == level]
    if q:
        rows = [r for r in rows if q in r["institution"].name]
    return rows


def _charts(totals, rows):
    """The institutions holding most in custody (held, unconsumed, reserve in yuan) and the
    accounts per warning level."""
    top = sorted(rows, key=lambda r: (-r["held_fen"], r["institution"].name))[:CHART_TOP]
    money = {"x": [r["institution"].name for r in top], "series": [
        {"name": "托管中（元）", "data": [float(r["held"]) for r in top]},
        {"name": "未消课（元）", "data": [float(r["unconsumed"]) for r in top]},
        {"name": "风险保证金（元）", "data": [float(r["reserve"]) for r in top]}]}
    none = totals["accounts"] - totals["red"] - totals["yellow"]
    levels = {"x": ["红色预警", "黄色预警", "无预警"],
              "series": [{"name": "账户数", "data": [totals["red"], totals["yellow"], none]}]}
    return money, levels


@login_required
def index(request):
    user = request.user
    _gate(user)
    today = timezone.localdate()
    totals, rows = _rows(user, today)
    form = AccountFilterForm(request.GET or None)
    level, q = form.values()
    money_chart, level_chart = _charts(totals, rows)
    return render(request, "funds/supervision/index.html", _section(
        user, totals=totals, form=form, level=level, q=q,
        page=paginate(request, _filtered(rows, level, q)), today=today,
        money_chart=money_chart, level_chart=level_chart,
        without_account=_without_account(user).count()))


@login_required
def export(request):
    user = request.user
    _gate(user)
    today = timezone.localdate()
    totals, rows = _rows(user, today)
    level, q = AccountFilterForm(request.GET or None).values()
    book = Workbook(write_only=True)
    sheet = book.create_sheet("监管账户")
    sheet.append(["机构名称", "统一社会信用代码", "托管银行", "专用账户账号", "监管方式", "托管中（元）",
                  "风险保证金（元）", "最低保证金（元）", "已拨付（元）", "已退费（元）", "未消课金额（元）",
                  "已冻结", "预警级别", "预警内容"])
    for r in _filtered(rows, level, q):
        account, inst = r["account"], r["institution"]
        sheet.append([inst.name, inst.credit_code, account.bank_name, account.account_number,
                      account.get_mode_display(), r["held"], r["reserve"], r["required"],
                      r["released"], r["refunded"], r["unconsumed"],
                      "是" if account.frozen else "否", r["level_text"], r["warnings_text"]])
    summary = book.create_sheet("汇总")
    for label, key in (("监管账户数", "accounts"), ("托管中（元）", "held"),
                       ("风险保证金（元）", "reserve"), ("已拨付（元）", "released"),
                       ("已退费（元）", "refunded"), ("未消课金额（元）", "unconsumed"),
                       ("红色预警", "red"), ("黄色预警", "yellow"), ("已冻结", "frozen")):
        summary.append([label, totals[key]])
    summary.append(["导出日期", today])
    out = io.BytesIO()
    book.save(out)
    response = HttpResponse(out.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = (f"attachment; filename*=UTF-8''"
                                       f"funds-accounts-{today.isoformat()}.xlsx")
    return response


# ---- one institution --------------------------------------------------------------------------

def _code_label(code):
    """An account code of the ledger in words (see funds/models.py)."""
    parts = code.split(":")
    if parts[0] == "contract":
        return {"held": f"合同 {parts[1]} 托管", "refunded": f"合同 {parts[1]} 退还家长"}.get(
            parts[-1], code)
    return {"released": "已拨付机构", "reserve": "风险保证金", "guardian": "家长缴费",
            "institution": "机构自有资金"}.get(parts[-1], code)


def _account_page(request, account, *, freeze_form=None, balance_form=None, reserve_form=None):
    user, inst = request.user, account.institution
    today = timezone.localdate()
    summary = services.account_summary(inst, today=today)
    money = {k.removesuffix("_fen"): yuan(v) for k, v in summary.items() if k.endswith("_fen")}
    policy = Policy(inst.bureau)
    postings = _paged(request, visible(user, Posting).filter(institution=inst).select_related(
        "contract__course", "created_by").order_by("-created_at", "-pk"), "page")
    for p in postings:
        p.amount = yuan(p.amount_fen)
        p.debit_label, p.credit_label = _code_label(p.debit), _code_label(p.credit)
    contracts = _paged(request, visible(user, Contract).filter(institution=inst).select_related(
        "pupil", "course").order_by("-created_at", "-pk"), "cpage")
    for c in contracts:
        c.price, c.total = yuan(c.price_per_lesson_fen), yuan(c.total_fen)
        c.held = yuan(c.unreleased_fen if c.paid_at else 0)
    reconciliations = list(visible(user, Reconciliation).filter(account=account).select_related(
        "reported_by").order_by("-date")[:60])
    for rec in reconciliations:
        rec.bank, rec.ledger, rec.difference = (yuan(rec.bank_balance_fen),
                                                yuan(rec.ledger_balance_fen),
                                                yuan(rec.difference_fen))
    yesterday = today - dt.timedelta(days=1)
    can_freeze = can(user, "freeze", account) and not account.frozen
    can_bank = can(user, "reconcile", account)
    return render(request, "funds/supervision/account.html", _section(
        user, account=account, inst=inst, summary=summary, money=money, today=today,
        district={"mode": MODE_TEXT.get(policy["pf.mode"], policy["pf.mode"]),
                  "reserve_min": policy["pf.reserve_min_yuan"],
                  "reserve_percent": policy["pf.reserve_percent"]},
        terms={"fixed": yuan(account.reserve_fixed_fen),
               "last_year": yuan(account.last_year_fees_fen)},
        postings=postings, contracts=contracts, reconciliations=reconciliations,
        can_freeze=can_freeze, can_bank=can_bank,
        can_supervise=can(user, "supervise", Institution),
        bank_reported=(yuan(account.bank_reported_balance_fen)
                       if account.bank_reported_balance_fen is not None else None),
        freeze_form=freeze_form or (FreezeForm() if can_freeze else None),
        balance_form=balance_form or (BalanceForm(initial={"date": yesterday})
                                      if can_bank else None),
        reserve_form=reserve_form or (ReserveForm() if can_bank and not account.frozen
                                      else None)))


@login_required
def account_detail(request, institution_id):
    user = request.user
    _gate(user)
    if not 0 < institution_id < 2**63:
        raise Http404
    account = _accounts(user).select_related("institution__bureau__parent__parent").filter(
        institution_id=institution_id).first()
    if account is None:
        # An institution of the district without an account yet (the risk view links here):
        # say so, and offer to open one; anything else is 404.
        inst = visible(user, Institution).filter(
            pk=institution_id, bureau_id__in=user.scope.bureau_ids_for(*DISTRICT_ROLES)).first()
        if inst is None:
            raise Http404
        return render(request, "funds/supervision/no_account.html", _section(
            user, inst=inst, can_open_this=can(user, "open", SupervisedAccount(institution=inst))
            and inst.status == Institution.Status.APPROVED))
    require(user, "view", account)
    return _account_page(request, account)


def _account_url(account, anchor=""):
    return reverse("funds:account", args=[account.institution_id]) + (
        f"#{anchor}" if anchor else "")


@login_required
@require_POST
def freeze(request, institution_id):
    _gate(request.user)
    account = _account(request.user, institution_id, "freeze")
    form = FreezeForm(request.POST)
    if form.is_valid():
        try:
            account = services.freeze_institution(actor=request.user,
                                                  institution=account.institution,
                                                  reason=form.cleaned_data["reason"])
        except RuleViolation as e:
            add_to_form(form, e)
        else:
            text = (f"已冻结“{account.institution.name}”的监管账户：未消课费用已从托管资金退还家长，"
                    "不足部分由风险保证金垫付（PF-13）。")
            shortfall = getattr(account, "freeze_shortfall_fen", 0)
            if shortfall:
                text += f"仍有 {yuan(shortfall)} 元无法退还，请依法追缴。"
            messages.success(request, text)
            return redirect(_account_url(account))
    return _account_page(request, account, freeze_form=form)


@login_required
@require_POST
def reserve(request, institution_id):
    _gate(request.user)
    account = _account(request.user, institution_id, "reserve")
    form = ReserveForm(request.POST)
    if form.is_valid():
        try:
            posting = services.add_reserve(actor=request.user, institution=account.institution,
                                           **form.service_data())
        except RuleViolation as e:
            add_to_form(form, e)
        else:
            # A second submit of the same form returns the first deposit: nothing is added.
            messages.success(request, f"已登记缴存风险保证金 {yuan(posting.amount_fen)} 元"
                                      f"（分录 {posting.pk}）。")
            return redirect(_account_url(account, "bank"))
    return _account_page(request, account, reserve_form=form)


def _balance_error(form, error):
    """The service names the amount ``balance_fen``; the form asks for ``balance`` in yuan."""
    if error.field == "balance_fen":
        error.field = "balance"
    add_to_form(form, error)


@login_required
@require_POST
def report_balance(request, institution_id):
    _gate(request.user)
    account = _account(request.user, institution_id, "reconcile")
    form = BalanceForm(request.POST, auto_id=f"id_rec{account.institution_id}_%s")
    from_day = request.POST.get("return_to") == "reconciliation"
    rec, text = None, ""
    if form.is_valid():
        try:
            rec, created = services.report_balance(actor=request.user,
                                                   institution=account.institution,
                                                   **form.service_data())
        except RuleViolation as e:
            _balance_error(form, e)
    if rec is not None:
        text = (f"{'已报送' if created else '此前已报送'} {rec.date} 日终余额 "
                f"{yuan(rec.bank_balance_fen)} 元，")
        text += "与台账一致。" if rec.matched else (
            f"与台账 {yuan(rec.ledger_balance_fen)} 元不一致（差额 {yuan(rec.difference_fen)} 元），"
            "已产生红色预警（PF-14）。")
    if from_day and request.htmx:
        row = {"account": account, "rec": rec, "notice": text,
               "date": request.POST.get("date", "")[:10],
               "status": ("matched" if rec.matched else "mismatched") if rec else "missing",
               "form": None if rec else form}
        _money_row(row)
        return render(request, "funds/supervision/reconciliation.html#row", {"row": row})
    if rec is not None:
        (messages.success if rec.matched else messages.warning)(request, text)
    elif from_day:
        errors = "；".join(e for errs in form.errors.values() for e in errs)
        messages.error(request, f"{account.institution.name}：{errors}")
    else:
        return _account_page(request, account, balance_form=form)
    if from_day:
        day = form.cleaned_data.get("date")  # the row's day, when that field was valid
        return redirect(reverse("funds:reconciliation") + (f"?date={day}" if day else ""))
    return redirect(_account_url(account, "reconciliations"))


# ---- the day's reconciliation -----------------------------------------------------------------

STATUS_ORDER = {"mismatched": 0, "missing": 1, "matched": 2}


def _money_row(row):
    rec = row["rec"]
    if rec is not None:
        row["bank"], row["ledger"], row["difference"] = (
            yuan(rec.bank_balance_fen), yuan(rec.ledger_balance_fen), yuan(rec.difference_fen))
    return row


@login_required
def reconciliation(request):
    user = request.user
    _gate(user)
    require(user, "view", Reconciliation)
    today = timezone.localdate()
    form = DayForm(request.GET or None, today=today)
    day = (form.cleaned_data["date"] if form.is_valid() else None) or today - dt.timedelta(days=1)
    end = timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time()))
    # The accounts open by the end of the day; one row each.
    accounts = list(_accounts(user).filter(opened_at__lt=end).select_related("institution"))
    reports = {r.account_id: r for r in visible(user, Reconciliation).filter(
        account__in=[a.pk for a in accounts], date=day).select_related("reported_by")}
    rows = []
    for account in accounts:
        rec = reports.get(account.pk)
        status = "missing" if rec is None else "matched" if rec.matched else "mismatched"
        # The bank types what its books say: the ledger's figure is shown only once reported.
        report = status == "missing" and can(user, "reconcile", account)
        rows.append(_money_row({
            "account": account, "rec": rec, "status": status, "date": day.isoformat(),
            "form": BalanceForm(initial={"date": day, "return_to": "reconciliation"},
                                auto_id=f"id_rec{account.institution_id}_%s") if report else None}))
    rows.sort(key=lambda r: (STATUS_ORDER[r["status"]], r["account"].institution.name,
                             r["account"].pk))
    counts = {s: sum(r["status"] == s for r in rows) for s in STATUS_ORDER}
    difference = sum(r["rec"].difference_fen for r in rows if r["status"] == "mismatched")
    return render(request, "funds/supervision/reconciliation.html", _section(
        user, form=form, date=day, today=today, page=paginate(request, rows), counts=counts,
        accounts=len(rows), reported=len(reports), difference=yuan(difference),
        previous=day - dt.timedelta(days=1), latest=today - dt.timedelta(days=1),
        next=day + dt.timedelta(days=1) if day + dt.timedelta(days=1) < today else None,
        can_report=can(user, "reconcile", SupervisedAccount)))


# ---- opening an account -----------------------------------------------------------------------

@login_required
def open_account(request):
    user = request.user
    _gate(user)
    require(user, "open", SupervisedAccount)  # inspectors read, they do not open
    candidates = list(_without_account(user).filter(
        bureau_id__in=user.scope.bureau_ids_for(*OPENERS)).select_related(
        "bureau__parent__parent").order_by("name", "pk"))
    bureaus = {i.bureau_id: i.bureau for i in candidates}
    policies = {pk: Policy(b) for pk, b in bureaus.items()}
    modes = [{"bureau": bureaus[pk], "mode": p["pf.mode"],
              "text": MODE_TEXT.get(p["pf.mode"], p["pf.mode"])} for pk, p in policies.items()]
    initial = {"institution": request.GET.get("institution"), "reserve_fixed": 0,
               "reserve_percent": 0, "last_year_fees": 0,
               "mode": modes[0]["mode"] if len(modes) == 1 else SupervisedAccount.Mode.CUSTODY}
    form = OpenAccountForm(request.POST or None, initial=initial,
                           institutions=_without_account(user).filter(
                               pk__in=[i.pk for i in candidates]).select_related("bureau"))
    if request.method == "POST" and form.is_valid():
        try:
            account = services.open_account(actor=user, **form.service_data())
        except RuleViolation as e:
            add_to_form(form, e)
        else:
            messages.success(request, f"已为“{account.institution.name}”开设预收费监管专用账户"
                                      f"（{account.bank_name} {account.account_number}）。")
            return redirect(_account_url(account))
    return render(request, "funds/supervision/open_account.html", _section(
        user, form=form, modes=modes, candidates=len(candidates)))


urlpatterns = [
    path("", index, name="index"),
    path("export/", export, name="export"),
    path("reconciliation/", reconciliation, name="reconciliation"),
    path("accounts/open/", open_account, name="open-account"),
    path("accounts/<int:institution_id>/", account_detail, name="account"),
    path("accounts/<int:institution_id>/freeze/", freeze, name="freeze"),
    path("accounts/<int:institution_id>/reserve/", reserve, name="reserve"),
    path("accounts/<int:institution_id>/reconciliations/", report_balance,
         name="report-balance"),
]
