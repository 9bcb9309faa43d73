"""Risk warnings on prepaid funds (PF-14), yellow and red, for many institutions at once.

A handful of grouped queries serve the whole district (the supervision list, the institutions'
risk view): balances by institution, recent outflows and refunds, recent sales and deliveries,
and each account's latest reconciliation. Thresholds are the district's ``pf.alert_*``
parameters; reserve requirements its ``pf.reserve_*`` (PF-10, PF-11).

    red     money may already be missing: held below the unconsumed value, the bank's balance
            differs from the ledger, reserve below half of the requirement, a frozen account,
            outflows or sales at twice the threshold
    yellow  look closer: reserve short, outflows, sales, refunds or complaints about the
            institution or its fees above the threshold, no reconciliation for yesterday, no
            supervised account at all (PF-1)
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from funds.models import Contract, Lesson, Posting, Reconciliation, SupervisedAccount
from policy.services import Policy

RED, YELLOW = "red", "yellow"
LEVELS = {RED: "红色预警", YELLOW: "黄色预警"}
OUTFLOW_DAYS = 7
RECENT_DAYS = 30
MIN_SALES_LESSONS = 20  # below this, a new institution's first sales are not "far above"
OUTFLOWS = (Posting.Kind.RELEASE, Posting.Kind.REFUND, Posting.Kind.FREEZE_REFUND,
            Posting.Kind.RESERVE_COVER)
REFUNDS = (Posting.Kind.REFUND,)
FEE_COMPLAINTS = ("institution", "fees")  # complaints.Complaint.Category
NOT_COUNTED = ("rejected", "merged")  # out of scope, or counted with their main complaint


@dataclass(frozen=True)
class FundWarning:
    level: str  # red | yellow
    rule: str
    code: str
    message: str

    @property
    def level_label(self):
        return LEVELS[self.level]


def level_of(warnings):
    """The worst level of a list of warnings: red, yellow or "" (none)."""
    levels = {w.level for w in warnings}
    return RED if RED in levels else YELLOW if YELLOW in levels else ""


def required_reserve_fen(account, policy):
    """PF-10/PF-11: the larger of the fixed minimum and the percentage of last year's fees, each
    the stricter of the account's own terms and the district's; nothing in custody-only mode."""
    modes = {account.mode, policy["pf.mode"]}
    if modes == {SupervisedAccount.Mode.CUSTODY}:
        return 0
    fixed = max(account.reserve_fixed_fen, int(policy["pf.reserve_min_yuan"]) * 100)
    percent = max(account.reserve_percent, int(policy["pf.reserve_percent"]))
    return max(fixed, account.last_year_fees_fen * percent // 100)


def _yuan(fen):
    return f"{fen / 100:,.2f} 元"


def _grouped(queryset, **aggregates):
    return {row.pop("institution_id"): row
            for row in queryset.values("institution_id").annotate(**aggregates)}


def balances(institution_ids):
    """Per institution: held, reserve, released and refunded balances from the ledger."""
    def side(suffix):
        return (Coalesce(Sum("amount_fen", filter=Q(debit__endswith=suffix)), 0)
                - Coalesce(Sum("amount_fen", filter=Q(credit__endswith=suffix)), 0))

    return _grouped(Posting.objects.filter(institution_id__in=institution_ids),
                    held=side(":held"), reserve=side(":reserve"), released=side(":released"),
                    refunded=side(":refunded"))


def unconsumed(institution_ids):
    """Per institution: value of paid lessons neither released nor refunded."""
    value = (F("lessons") - F("lessons_consumed") - F("lessons_refunded")) * \
        F("price_per_lesson_fen")
    rows = _grouped(Contract.objects.filter(institution_id__in=institution_ids,
                                            paid_at__isnull=False), v=Coalesce(Sum(value), 0))
    return {iid: row["v"] for iid, row in rows.items()}


def _activity(ids, today):
    """Recent outflows, refunds, sales and deliveries per institution."""
    now_start = timezone.make_aware(dt.datetime.combine(today + dt.timedelta(days=1), dt.time()))
    week = now_start - dt.timedelta(days=OUTFLOW_DAYS)
    month = now_start - dt.timedelta(days=RECENT_DAYS)
    recent = Posting.objects.filter(institution_id__in=ids, created_at__gte=month,
                                    created_at__lt=now_start)
    moves = _grouped(recent, outflow=Coalesce(Sum("amount_fen", filter=Q(
        kind__in=OUTFLOWS, created_at__gte=week)), 0),
        refunds=Count("pk", filter=Q(kind__in=REFUNDS)))
    sold = _grouped(Contract.objects.filter(institution_id__in=ids, paid_at__gte=month,
                                            paid_at__lt=now_start), n=Coalesce(Sum("lessons"), 0))
    from complaints.models import Complaint  # complaints link to institutions, not the reverse

    complaints = dict(Complaint.objects.filter(
        institution_id__in=ids, category__in=FEE_COMPLAINTS, filed_at__gte=month,
        filed_at__lt=now_start).exclude(status__in=NOT_COUNTED).values_list(
        "institution_id").annotate(n=Count("pk")))
    for iid, n in complaints.items():
        moves.setdefault(iid, {})["complaints"] = n
    delivered = {iid: {"n": n} for iid, n in Lesson.objects.filter(
        contract__institution_id__in=ids, delivered_at__gte=month, delivered_at__lt=now_start)
        .values_list("contract__institution_id").annotate(n=Count("pk"))}
    return moves, sold, delivered


def _latest_reconciliations(account_ids, today):
    """Each account's latest reconciliation, and how many earlier ones of the last 30 days did
    not match (a later matching day does not erase them)."""
    since = today - dt.timedelta(days=RECENT_DAYS)
    latest, earlier = {}, {}
    for rec in Reconciliation.objects.filter(account_id__in=account_ids, date__gte=since).order_by(
            "account_id", "-date"):
        if rec.account_id not in latest:
            latest[rec.account_id] = rec
        elif not rec.matched:
            earlier[rec.account_id] = earlier.get(rec.account_id, 0) + 1
    older = [a for a in account_ids if a not in latest]  # nothing reported for a month
    for rec in Reconciliation.objects.filter(account_id__in=older).order_by("account_id", "-date"):
        latest.setdefault(rec.account_id, rec)
    return latest, earlier


def warnings_for(institutions, *, today=None):
    """``{institution id: [FundWarning, …]}`` for the given institutions (objects with
    ``bureau`` loaded, ideally with its parents); institutions without warnings map to []."""
    today = today or timezone.localdate()
    institutions = list(institutions)
    ids = [i.pk for i in institutions]
    accounts = {a.institution_id: a for a in SupervisedAccount.objects.filter(
        institution_id__in=ids)}
    money, owed = balances(ids), unconsumed(ids)
    moves, sold, delivered = _activity(ids, today)
    latest, earlier = _latest_reconciliations([a.pk for a in accounts.values()], today)
    policies, result = {}, {}
    for inst in institutions:
        if inst.bureau_id not in policies:
            policies[inst.bureau_id] = Policy(inst.bureau)
        account = accounts.get(inst.pk)
        result[inst.pk] = _warnings(
            inst, account, policies[inst.bureau_id], today,
            money=money.get(inst.pk, {}), owed=owed.get(inst.pk, 0),
            moves=moves.get(inst.pk, {}), sold=sold.get(inst.pk, {}).get("n", 0),
            delivered=delivered.get(inst.pk, {}).get("n", 0),
            reconciliation=latest.get(account.pk) if account else None,
            earlier_mismatches=earlier.get(account.pk, 0) if account else 0)
    return result


def _warnings(inst, account, policy, today, *, money, owed, moves, sold, delivered,
              reconciliation, earlier_mismatches=0):
    found = []

    def add(level, rule, code, message):
        found.append(FundWarning(level, rule, code, message))

    if account is None:
        if inst.status == inst.Status.APPROVED and \
                inst.licence_status == inst.LicenceStatus.PERMIT_AND_LICENCE:
            add(YELLOW, "PF-1", "no_account", "尚未开设预收费监管专用账户，不得收费。")
        return found
    held, reserve = money.get("held", 0), money.get("reserve", 0)
    if account.frozen:
        add(RED, "PF-13", "frozen", f"账户已冻结：{account.frozen_reason}")
    if held < owed:
        add(RED, "PF-14", "held_below_unconsumed",
            f"托管余额 {_yuan(held)} 低于未消课金额 {_yuan(owed)}。")
    required = required_reserve_fen(account, policy)
    if reserve < required:
        add(RED if reserve * 2 < required else YELLOW, "PF-11", "reserve_short",
            f"风险保证金 {_yuan(reserve)} 低于最低要求 {_yuan(required)}。")
    _reconciliation(add, account, reconciliation, today)
    if earlier_mismatches:
        add(YELLOW, "PF-14", "reconciliation_mismatch_recent",
            f"近 {RECENT_DAYS} 天另有 {earlier_mismatches} 天银行余额与台账不一致，请核查原因。")
    _outflow(add, policy, held, moves.get("outflow", 0))
    _sales(add, policy, sold, delivered)
    refunds, limit = moves.get("refunds", 0), int(policy["pf.alert_refunds"])
    if refunds >= limit:
        add(RED if refunds >= 2 * limit else YELLOW, "PF-14", "refunds",
            f"近 {RECENT_DAYS} 天退费 {refunds} 笔（预警线 {limit} 笔）。")
    complaints, limit = moves.get("complaints", 0), int(policy["pf.alert_complaints"])
    if complaints >= limit:
        add(RED if complaints >= 2 * limit else YELLOW, "PF-14", "complaints",
            f"近 {RECENT_DAYS} 天有 {complaints} 件涉及该机构或收费退费的投诉（预警线 {limit} 件）。")
    return found


def _reconciliation(add, account, reconciliation, today):
    if reconciliation is not None and not reconciliation.matched:
        add(RED, "PF-14", "reconciliation_mismatch",
            f"{reconciliation.date} 银行余额 {_yuan(reconciliation.bank_balance_fen)} 与台账 "
            f"{_yuan(reconciliation.ledger_balance_fen)} 不一致（差额 "
            f"{_yuan(reconciliation.difference_fen)}）。")
    yesterday = today - dt.timedelta(days=1)
    opened = timezone.localtime(account.opened_at).date()
    if opened < yesterday and (reconciliation is None or reconciliation.date < yesterday):
        last = reconciliation.date if reconciliation else "从未"
        add(YELLOW, "PF-14", "reconciliation_missing",
            f"银行未报送 {yesterday} 的日终余额（最近对账：{last}）。")


def _outflow(add, policy, held, outflow):
    percent = int(policy["pf.alert_outflow_percent"])
    base = held + outflow  # roughly what was held before the week's outflows
    if outflow and base:
        share = outflow * 100 // base
        if share >= percent:
            add(RED if share >= min(100, 2 * percent) else YELLOW, "PF-14", "outflow",
                f"近 {OUTFLOW_DAYS} 天资金流出 {_yuan(outflow)}，占托管资金的 {share}%"
                f"（预警线 {percent}%）。")


def _sales(add, policy, sold, delivered):
    ratio = int(policy["pf.alert_sales_ratio"])
    if sold >= MIN_SALES_LESSONS and sold > ratio * max(delivered, 1):
        add(RED if sold > 2 * ratio * max(delivered, 1) else YELLOW, "PF-14", "sales",
            f"近 {RECENT_DAYS} 天售出 {sold} 课时，仅上课 {delivered} 课时（预警线 {ratio} 倍）。")
