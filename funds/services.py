"""Prepaid fee use cases (RULES.md §6). Every door calls these.

Locking (STYLE 6): every writer locks the institution's ``SupervisedAccount`` row first, then
the contract row(s) in primary-key order, both ``select_for_update(of=("self",))``, and checks
state only after the lock. All money movements of one institution are therefore serialised on
one row, and the idempotency look-ups below see every committed posting.

Refunds are executed at once in the guardian's request (no separate bank step): the money is in
custody, the amount follows from the contract alone (PF-13: all remaining lessons), and the
bank pays out from the ``contract:<id>:refunded`` balance it reads from the ledger.
"""

import calendar
import datetime as dt

from django.db import transaction
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from audit.actions import log_action
from core.access import require
from core.errors import Conflict, Forbidden, RuleViolation
from funds.models import Contract, Lesson, Posting, Reconciliation, SupervisedAccount
from institutions.models import Card, Institution, ListEntry
from institutions.services import check_price
from policy.params import PARAMS
from policy.services import Policy

# National defaults; a district's own values come from its Policy (policy/params.py, pf.*).
MAX_LESSONS = PARAMS["pf.max_lessons"].default  # PF-6
MAX_MONTHS = PARAMS["pf.max_months"].default  # PF-6
AUTO_CONFIRM_DAYS = PARAMS["pf.auto_confirm_days"].default  # PF-5 (Xiamen: 7 days)
NON_SUBJECT_MAX_SINGLE_CHARGE_FEN = PARAMS["tp.non_subject_max_single_charge"].default * 100  # TP-6
MODE_ORDER = [value for value, _ in PARAMS["pf.mode"].choices]  # loosest first


def _checkpoint(stage):
    """A no-op the crash tests replace to fail a service half-way (after its first write)."""


# ---- ledger primitives ------------------------------------------------------------------------


def balance(account):
    """Σ debits − Σ credits of one account code, in one query."""
    totals = Posting.objects.filter(Q(debit=account) | Q(credit=account)).aggregate(
        d=Coalesce(Sum("amount_fen", filter=Q(debit=account)), 0),
        c=Coalesce(Sum("amount_fen", filter=Q(credit=account)), 0))
    return totals["d"] - totals["c"]


def _sum_by_suffix(institution, suffix):
    """Σ balances of every account code ending in ``suffix`` among an institution's postings."""
    totals = Posting.objects.filter(institution=institution).aggregate(
        d=Coalesce(Sum("amount_fen", filter=Q(debit__endswith=suffix)), 0),
        c=Coalesce(Sum("amount_fen", filter=Q(credit__endswith=suffix)), 0))
    return totals["d"] - totals["c"]


def _post(kind, *, debit, credit, amount_fen, institution, contract=None, key=None,
          reference="", actor=None):
    return Posting.objects.create(
        kind=kind, debit=debit, credit=credit, amount_fen=amount_fen, institution=institution,
        contract=contract, idempotency_key=key, reference=(reference or "")[:64],
        created_by=actor if getattr(actor, "pk", None) else None)


def _lock_account(institution):
    account = (SupervisedAccount.objects.select_for_update(of=("self",))
               .select_related("institution__bureau__parent__parent")
               .filter(institution_id=getattr(institution, "pk", institution)).first())
    if account is None:
        raise RuleViolation("PF-1", "该机构尚未开设预收费监管专用账户，不能收费。", "institution")
    return account


def _lock_contract(contract):
    return (Contract.objects.select_for_update(of=("self",))
            .select_related("institution__bureau").get(pk=contract.pk))


def _not_frozen(account):
    if account.frozen:
        raise Conflict("该机构预收费账户已冻结，不能办理此业务。", "institution",
                       code="account_frozen")


def _key(actor, key):
    """Idempotency keys are the caller's own (like the API middleware's), so two banks can use
    the same key without colliding."""
    key = (key or "").strip()
    if not key:
        raise RuleViolation("required", "须提供 Idempotency-Key。", "Idempotency-Key")
    if len(key) > 200:
        raise RuleViolation("invalid", "Idempotency-Key 过长（最多200个字符）。", "Idempotency-Key")
    return f"{actor.pk}:{key}"


# ---- accounts ----------------------------------------------------------------------------------


@transaction.atomic
def open_account(*, actor, institution, bank_name, account_number, mode="custody",
                 reserve_fixed_fen=0, reserve_percent=0, last_year_fees_fen=0):
    """File an institution's dedicated fee account (PF-1, PF-4) with its reserve terms."""
    institution = Institution.objects.select_for_update(of=("self",)).get(pk=institution.pk)
    require(actor, "open", SupervisedAccount(institution=institution))
    if institution.status not in (Institution.Status.APPROVED, Institution.Status.SUSPENDED):
        raise RuleViolation("TI-13", "只有已审批的机构才能开设预收费监管账户。", "institution")
    if SupervisedAccount.objects.filter(institution=institution).exists():
        raise Conflict("该机构已开设监管账户。", "institution")
    bank_name, account_number = (bank_name or "").strip(), (account_number or "").strip()
    if not bank_name:
        raise RuleViolation("required", "请填写托管银行。", "bank_name")
    if not account_number:
        raise RuleViolation("required", "请填写专用账户账号。", "account_number")
    if mode not in SupervisedAccount.Mode.values:
        raise RuleViolation("invalid", "监管方式应为 custody / reserve / both（PF-3）。", "mode")
    district_mode = Policy(institution.bureau)["pf.mode"]
    if MODE_ORDER.index(mode) < MODE_ORDER.index(district_mode):
        raise RuleViolation("PF-3", "监管方式不得宽于本区规定："
                            f"{dict(PARAMS['pf.mode'].choices)[district_mode]}。", "mode")
    if not 0 <= int(reserve_percent) <= 100:
        raise RuleViolation("invalid", "保证金比例应在 0–100 之间。", "reserve_percent")
    account = SupervisedAccount.objects.create(
        institution=institution, bank_name=bank_name, account_number=account_number, mode=mode,
        reserve_fixed_fen=reserve_fixed_fen, reserve_percent=reserve_percent,
        last_year_fees_fen=last_year_fees_fen)
    log_action(account, "funds.account.opened", actor=actor, kind="create",
               data={"institution": institution.pk, "mode": mode})
    return account


@transaction.atomic
def add_reserve(*, actor, institution, amount_fen, idempotency_key):
    """The bank reports the institution's deposit into its risk reserve (PF-10)."""
    account = _lock_account(institution)
    require(actor, "reserve", account)
    key = _key(actor, idempotency_key)
    found = Posting.objects.filter(idempotency_key=key).first()
    if found is not None:
        if (found.kind, found.institution_id, found.amount_fen) != (
                Posting.Kind.RESERVE_IN, account.institution_id, amount_fen):
            raise Conflict("该 Idempotency-Key 已用于另一笔业务。", "Idempotency-Key",
                           code="idempotency_conflict")
        return found
    if amount_fen <= 0:
        raise RuleViolation("invalid", "金额应大于 0。", "amount_fen")
    _not_frozen(account)
    posting = _post(Posting.Kind.RESERVE_IN, debit=f"institution:{account.institution_id}:reserve",
                    credit="external:institution", amount_fen=amount_fen,
                    institution=account.institution, key=key, actor=actor)
    log_action(account, "funds.reserve.added", actor=actor,
               data={"amount_fen": amount_fen, "posting": posting.pk})
    return posting


# ---- contracts ---------------------------------------------------------------------------------


def add_months(date, months):
    """``date`` plus calendar months, the day clamped to the month's end (Nov 30 + 3 → Feb 28)."""
    month0 = date.month - 1 + months
    year, month = date.year + month0 // 12, month0 % 12 + 1
    return dt.date(year, month, min(date.day, calendar.monthrange(year, month)[1]))


def _eligible(institution):
    """TI-13: only licensed, approved institutions not black-listed, suspended or red-carded
    may sign new contracts and collect fees."""
    if institution.licence_status != Institution.LicenceStatus.PERMIT_AND_LICENCE or \
            institution.status != Institution.Status.APPROVED:
        raise RuleViolation("TI-13", "该机构证照不全或未获审批，不得招生收费。", "course")
    if institution.enrolment_suspended or Card.objects.active().filter(
            institution=institution, colour=Card.Colour.RED).exists():
        raise RuleViolation("TI-13", "该机构被亮红牌或暂停招生，不得招生收费。", "course")
    if ListEntry.objects.current().filter(institution=institution,
                                          kind=ListEntry.Kind.BLACK).exists():
        raise RuleViolation("TI-13", "该机构已列入黑名单，不得招生收费。", "course")


@transaction.atomic
def create_contract(*, actor, pupil, course, lessons, price_per_lesson_fen, start, end,
                    payment_method="lump_sum"):
    """A guardian signs a contract for one course; refused (nothing saved) when it breaks PF-7,
    TI-13, PF-6, TP-5, TP-1 or TP-6."""
    require(actor, "create", Contract)
    # The guardian signs only for their own child.
    if pupil.pk not in actor.scope.pupil_ids:
        raise Forbidden("只能为自己的孩子签订合同。", "pupil")
    if payment_method == "loan":
        raise RuleViolation("PF-7", "不得使用培训贷方式缴纳培训费用。", "payment_method")
    if payment_method not in Contract.PaymentMethod.values:
        raise RuleViolation("invalid", "缴费方式应为 lump_sum（一次性缴入监管账户）。",
                            "payment_method")
    institution = course.institution
    account = _lock_account(institution)
    _eligible(account.institution)
    _not_frozen(account)
    if not course.published:
        raise RuleViolation("TP-5", "该课程未公示收费，不得收费。", "course")
    policy = Policy(account.institution.bureau)
    max_lessons, max_months = int(policy["pf.max_lessons"]), int(policy["pf.max_months"])
    max_single_fen = int(policy["tp.non_subject_max_single_charge"]) * 100
    lessons, price = int(lessons), int(price_per_lesson_fen)
    if lessons < 1:
        raise RuleViolation("invalid", "课时数至少为 1。", "lessons")
    if price < 1:
        raise RuleViolation("invalid", "每课时价格应大于 0。", "price_per_lesson_fen")
    if end < start:
        raise RuleViolation("invalid", "结束日期不能早于开始日期。", "end")
    # PF-6: both caps apply, whichever is reached first.
    if lessons > max_lessons:
        raise RuleViolation("PF-6", f"一次收费不得超过 {max_lessons} 课时。", "lessons")
    if end > add_months(start, max_months):
        raise RuleViolation("PF-6", f"一次收费的时间跨度不得超过 {max_months} 个月"
                            f"（最晚 {add_months(start, max_months)}）。", "end")
    # TP-5: only the published price.
    if price != course.price_per_lesson_fen:
        raise RuleViolation("TP-5", "只能按公示价格收费：每课时 "
                            f"{course.price_per_lesson_fen / 100:.2f} 元。", "price_per_lesson_fen")
    total = lessons * price
    if course.subject_type:
        check_price(account.institution, mode=course.mode, class_size=course.class_size,
                    lesson_minutes=course.lesson_minutes, price_per_lesson_fen=price)  # TP-1
    elif total > max_single_fen:
        raise RuleViolation("TP-6", f"非学科类培训单次收费不得超过 {max_single_fen // 100} 元。",
                            "lessons")
    contract = Contract.objects.create(
        guardian=actor, pupil=pupil, institution=account.institution, course=course,
        lessons=lessons, price_per_lesson_fen=price, total_fen=total, start=start, end=end,
        payment_method=payment_method)
    log_action(contract, "funds.contract.created", actor=actor, kind="create",
               data={"institution": institution.pk, "total_fen": total, "lessons": lessons})
    return contract


@transaction.atomic
def record_deposit(*, actor, contract, amount_fen, idempotency_key, bank_reference=""):
    """The custodian bank reports the guardian's payment into custody. The same key again
    returns the first posting and changes nothing; ``(posting, created)``."""
    account = _lock_account(contract.institution_id)
    contract = _lock_contract(contract)
    require(actor, "deposit", contract)
    key = _key(actor, idempotency_key)
    found = Posting.objects.filter(idempotency_key=key).first()
    if found is not None:
        if (found.kind, found.contract_id, found.amount_fen) != (
                Posting.Kind.DEPOSIT, contract.pk, amount_fen):
            raise Conflict("该 Idempotency-Key 已用于另一笔业务。", "Idempotency-Key",
                           code="idempotency_conflict")
        return found, False
    if contract.status != Contract.Status.AWAITING_PAYMENT:
        raise Conflict("该合同已付款或已终止，不能重复缴费。", "contract")
    _not_frozen(account)
    if amount_fen != contract.total_fen:
        raise RuleViolation("invalid", f"缴费金额应等于合同总额 {contract.total_fen} 分。",
                            "amount_fen")
    posting = _post(Posting.Kind.DEPOSIT, debit=contract.held_code, credit="external:guardian",
                    amount_fen=amount_fen, institution=account.institution, contract=contract,
                    key=key, reference=bank_reference, actor=actor)
    _checkpoint("deposit.posted")
    contract.status, contract.paid_at = Contract.Status.ACTIVE, timezone.now()
    contract.bank_reference = (bank_reference or "")[:64]
    contract.save(update_fields=["status", "paid_at", "bank_reference"])
    log_action(contract, "funds.deposit.recorded", actor=actor,
               data={"amount_fen": amount_fen, "posting": posting.pk})
    return posting, True


# ---- lessons -----------------------------------------------------------------------------------


@transaction.atomic
def record_lesson(*, actor, contract, delivered_at=None):
    """The institution records one delivered lesson; it waits for the guardian's confirmation."""
    account = _lock_account(contract.institution_id)
    contract = _lock_contract(contract)
    require(actor, "lesson", contract)
    _not_frozen(account)
    if contract.status != Contract.Status.ACTIVE:
        raise Conflict("合同未在履行中（未付款、已退费、已完成或已冻结）。", "contract")
    if contract.lessons_left <= 0:
        raise Conflict("该合同已无剩余课时。", "contract")
    number = Lesson.objects.filter(contract=contract).count() + 1
    lesson = Lesson.objects.create(contract=contract, number=number,
                                   delivered_at=delivered_at or timezone.now(), recorded_by=actor)
    _checkpoint("lesson.created")
    contract.lessons_pending += 1
    contract.save(update_fields=["lessons_pending"])
    log_action(lesson, "funds.lesson.recorded", actor=actor, kind="create",
               data={"contract": contract.pk, "number": number})
    return lesson


def _confirm(actor, lesson):
    account = _lock_account(lesson.contract.institution_id)
    contract = _lock_contract(lesson.contract)
    lesson = Lesson.objects.select_for_update(of=("self",)).get(pk=lesson.pk)
    if actor is not None:
        require(actor, "confirm", Lesson(pk=lesson.pk, contract=contract))
    _not_frozen(account)
    if lesson.status != Lesson.Status.PENDING:
        raise Conflict("该课时已确认或已作废。", "lesson")
    posting = _post(Posting.Kind.RELEASE,
                    debit=f"institution:{contract.institution_id}:released",
                    credit=contract.held_code, amount_fen=contract.price_per_lesson_fen,
                    institution=account.institution, contract=contract, actor=actor)
    _checkpoint("release.posted")
    lesson.status, lesson.confirmed_at, lesson.release = (Lesson.Status.CONFIRMED,
                                                          timezone.now(), posting)
    lesson.confirmed_by = actor
    lesson.save(update_fields=["status", "confirmed_at", "confirmed_by", "release"])
    contract.lessons_pending -= 1
    contract.lessons_consumed += 1
    fields = ["lessons_pending", "lessons_consumed"]
    if contract.lessons_consumed == contract.lessons:
        contract.status = Contract.Status.COMPLETED
        fields.append("status")
    contract.save(update_fields=fields)
    log_action(lesson, "funds.lesson.confirmed", actor=actor,
               data={"contract": contract.pk, "posting": posting.pk,
                     "amount_fen": posting.amount_fen, "auto": actor is None})
    lesson.contract = contract
    return lesson


@transaction.atomic
def confirm_lesson(*, actor, lesson):
    """The guardian confirms a delivered lesson: one lesson's value is released (一课一消)."""
    return _confirm(actor, lesson)


def auto_confirm(today=None, days=None):
    """Release lessons left unconfirmed for the district's ``pf.auto_confirm_days`` (or ``days``
    for all): a dispute is the guardian's to raise within the window. Each lesson in its own
    transaction; returns how many."""
    today = today or timezone.localdate()
    shortest = days or PARAMS["pf.auto_confirm_days"].minimum
    due = (Lesson.objects.filter(status=Lesson.Status.PENDING,
                                 delivered_at__date__lte=today - dt.timedelta(days=shortest),
                                 contract__institution__funds_account__frozen=False)
           .select_related("contract__institution__bureau__parent__parent").order_by("pk"))
    windows = {}
    done = 0
    for lesson in due:
        bureau = lesson.contract.institution.bureau
        if days is None and bureau.pk not in windows:
            windows[bureau.pk] = int(Policy(bureau)["pf.auto_confirm_days"])
        window = days or windows[bureau.pk]
        if timezone.localtime(lesson.delivered_at).date() > today - dt.timedelta(days=window):
            continue
        try:
            with transaction.atomic():
                _confirm(None, lesson)
            done += 1
        except Conflict:
            pass  # confirmed meanwhile, or the account was frozen
    return done


# ---- refunds and freezing ---------------------------------------------------------------------


@transaction.atomic
def request_refund(*, actor, contract):
    """The guardian withdraws: every lesson not yet delivered is refunded at once (PF-13).
    Delivered lessons awaiting confirmation stay held until confirmed."""
    account = _lock_account(contract.institution_id)
    contract = _lock_contract(contract)
    require(actor, "refund", contract)
    _not_frozen(account)
    if contract.status != Contract.Status.ACTIVE:
        raise Conflict("合同未在履行中，不能退费（未付款、已退费、已完成或已冻结）。", "contract")
    lessons = contract.lessons_left
    if lessons <= 0:
        raise Conflict("该合同已无可退课时。", "contract")
    amount = lessons * contract.price_per_lesson_fen
    posting = _post(Posting.Kind.REFUND, debit=contract.refunded_code, credit=contract.held_code,
                    amount_fen=amount, institution=account.institution, contract=contract,
                    actor=actor)
    _checkpoint("refund.posted")
    contract.lessons_refunded += lessons
    contract.status = Contract.Status.REFUNDED
    contract.save(update_fields=["lessons_refunded", "status"])
    log_action(contract, "funds.refund.executed", actor=actor,
               data={"amount_fen": amount, "lessons": lessons, "posting": posting.pk})
    return posting


@transaction.atomic
def freeze_institution(*, actor, institution, reason):
    """Supervision freezes an institution's account (abnormal closure, PF-13): every value not
    yet released goes back to the families from custody, any shortfall from the reserve, and
    nothing more is deposited, released or signed. Returns the account."""
    account = _lock_account(institution)
    require(actor, "freeze", account)
    reason = (reason or "").strip()
    if not reason:
        raise RuleViolation("required", "请填写冻结原因。", "reason")
    if account.frozen:
        raise Conflict("该账户已冻结。", "institution")
    account.frozen, account.frozen_at, account.frozen_reason = True, timezone.now(), reason[:300]
    account.save(update_fields=["frozen", "frozen_at", "frozen_reason"])
    reserve_code = f"institution:{account.institution_id}:reserve"
    reserve = balance(reserve_code)
    refunded_total = covered_total = shortfall_total = 0
    open_statuses = (Contract.Status.AWAITING_PAYMENT, Contract.Status.ACTIVE,
                     Contract.Status.REFUNDED)
    contracts = (Contract.objects.select_for_update(of=("self",))
                 .filter(institution_id=account.institution_id, status__in=open_statuses)
                 .order_by("pk"))
    for contract in contracts:
        due = contract.unreleased_fen if contract.status != Contract.Status.AWAITING_PAYMENT else 0
        if due:
            held = balance(contract.held_code)
            from_held = min(held, due)
            if from_held > 0:
                _post(Posting.Kind.FREEZE_REFUND, debit=contract.refunded_code,
                      credit=contract.held_code, amount_fen=from_held,
                      institution=account.institution, contract=contract, actor=actor)
            cover = min(due - from_held, max(reserve, 0))
            if cover > 0:
                _post(Posting.Kind.RESERVE_COVER, debit=contract.refunded_code,
                      credit=reserve_code, amount_fen=cover, institution=account.institution,
                      contract=contract, actor=actor)
                reserve -= cover
            refunded_total += from_held
            covered_total += cover
            shortfall_total += due - from_held - cover
        Lesson.objects.filter(contract=contract, status=Lesson.Status.PENDING).update(
            status=Lesson.Status.VOIDED)
        contract.lessons_refunded = contract.lessons - contract.lessons_consumed \
            if contract.status != Contract.Status.AWAITING_PAYMENT else 0
        contract.lessons_pending = 0
        if contract.status != Contract.Status.REFUNDED:
            contract.status = Contract.Status.FROZEN
        contract.save(update_fields=["lessons_refunded", "lessons_pending", "status"])
    log_action(account, "funds.account.frozen", actor=actor,
               data={"reason": reason[:300], "refunded_fen": refunded_total,
                     "reserve_cover_fen": covered_total, "shortfall_fen": shortfall_total})
    account.freeze_shortfall_fen = shortfall_total
    return account


# ---- reading -----------------------------------------------------------------------------------


def unconsumed_fen(institution):
    """Value of paid lessons neither released nor refunded."""
    return Contract.objects.filter(institution=institution, paid_at__isnull=False).aggregate(
        v=Coalesce(Sum((F("lessons") - F("lessons_consumed") - F("lessons_refunded"))
                       * F("price_per_lesson_fen")), 0))["v"]


def account_summary(institution, *, today=None):
    """Balances derived from the ledger, the reserve requirement and the warnings (PF-10,
    PF-11, PF-14) of one institution."""
    from funds import warnings

    iid = getattr(institution, "pk", institution)
    institution = Institution.objects.select_related("bureau__parent__parent").get(pk=iid)
    account = SupervisedAccount.objects.filter(institution=institution).first()
    money = warnings.balances([iid]).get(iid, {})
    found = warnings.warnings_for([institution], today=today)[iid]
    return {
        "institution": iid,
        "held_fen": money.get("held", 0),
        "released_fen": money.get("released", 0),
        "refunded_fen": money.get("refunded", 0),
        "reserve_fen": money.get("reserve", 0),
        "unconsumed_fen": unconsumed_fen(iid),
        "required_reserve_fen": warnings.required_reserve_fen(
            account, Policy(institution.bureau)) if account else 0,
        "frozen": bool(account and account.frozen),
        "level": warnings.level_of(found),
        "warnings": found,
    }


# ---- reconciliation (the bank's daily balance, PF-14) -----------------------------------------


def ledger_balance_at(institution_id, date):
    """Held + reserve of an institution at the end of ``date`` (local time): what the bank's
    supervised account should hold then."""
    end = timezone.make_aware(dt.datetime.combine(date + dt.timedelta(days=1), dt.time()))
    postings = Posting.objects.filter(institution_id=institution_id, created_at__lt=end)
    inside = Q(debit__endswith=":held") | Q(debit__endswith=":reserve")
    outside = Q(credit__endswith=":held") | Q(credit__endswith=":reserve")
    totals = postings.aggregate(d=Coalesce(Sum("amount_fen", filter=inside), 0),
                                c=Coalesce(Sum("amount_fen", filter=outside), 0))
    return totals["d"] - totals["c"]


@transaction.atomic
def report_balance(*, actor, institution, date, balance_fen):
    """The custodian bank reports an account's end-of-day balance; it is set beside the ledger's
    balance at that moment. The same report again changes nothing; a different balance for a
    day already reported is refused. Returns ``(reconciliation, created)``."""
    account = _lock_account(institution)
    require(actor, "reconcile", account)
    if date >= timezone.localdate():
        raise RuleViolation("invalid", "只能报送已结束日期的日终余额。", "date")
    if date < timezone.localtime(account.opened_at).date():
        raise RuleViolation("invalid", "对账日期早于开户日期。", "date")
    found = Reconciliation.objects.filter(account=account, date=date).first()
    if found is not None:
        if found.bank_balance_fen != balance_fen:
            raise Conflict(f"{date} 的日终余额已报送（{found.bank_balance_fen} 分），不能更改；"
                           "如有差错请联系监管部门。", "balance_fen",
                           code="reconciliation_exists")
        return found, False
    ledger = ledger_balance_at(account.institution_id, date)
    rec = Reconciliation.objects.create(account=account, date=date, bank_balance_fen=balance_fen,
                                        ledger_balance_fen=ledger, reported_by=actor)
    latest = Reconciliation.objects.filter(account=account).order_by("-date").first()
    if latest.pk == rec.pk:
        account.bank_reported_balance_fen, account.reconciled_at = balance_fen, timezone.now()
        account.save(update_fields=["bank_reported_balance_fen", "reconciled_at"])
    log_action(account, "funds.reconciliation.reported" if rec.matched
               else "funds.reconciliation.mismatch", actor=actor,
               data={"date": date.isoformat(), "bank_fen": balance_fen, "ledger_fen": ledger})
    return rec, True


def district_totals(accounts, *, today=None):
    """Totals under supervision for a queryset of accounts, with the count of red and yellow
    accounts: ``(totals, rows)`` where each row is ``(account, summary-like dict)``."""
    from funds import warnings

    accounts = list(accounts.select_related("institution__bureau__parent__parent"))
    ids = [a.institution_id for a in accounts]
    money, owed = warnings.balances(ids), warnings.unconsumed(ids)
    found = warnings.warnings_for([a.institution for a in accounts], today=today)
    totals = {"accounts": len(accounts), "held_fen": 0, "reserve_fen": 0, "released_fen": 0,
              "refunded_fen": 0, "unconsumed_fen": 0, "red": 0, "yellow": 0, "frozen": 0}
    rows = []
    for account in accounts:
        iid = account.institution_id
        row = {"held_fen": money.get(iid, {}).get("held", 0),
               "reserve_fen": money.get(iid, {}).get("reserve", 0),
               "released_fen": money.get(iid, {}).get("released", 0),
               "refunded_fen": money.get(iid, {}).get("refunded", 0),
               "unconsumed_fen": owed.get(iid, 0), "warnings": found[iid],
               "level": warnings.level_of(found[iid])}
        for key in ("held_fen", "reserve_fen", "released_fen", "refunded_fen", "unconsumed_fen"):
            totals[key] += row[key]
        if row["level"]:
            totals[row["level"]] += 1
        totals["frozen"] += account.frozen
        rows.append((account, row))
    return totals, rows


def check_invariants(institution=None):
    """Every broken invariant of the ledger and the contracts, as readable strings (empty when
    all hold)."""
    broken = []
    postings = Posting.objects.all()
    contracts = Contract.objects.all()
    if institution is not None:
        postings = postings.filter(institution=institution)
        contracts = contracts.filter(institution=institution)
    # The ledger sums to zero and every row moves a positive amount between two accounts.
    debits, credits = {}, {}
    for account, total in postings.values_list("debit").annotate(t=Sum("amount_fen")):
        debits[account] = total
    for account, total in postings.values_list("credit").annotate(t=Sum("amount_fen")):
        credits[account] = total
    balances = {a: debits.get(a, 0) - credits.get(a, 0) for a in set(debits) | set(credits)}
    if sum(balances.values()) != 0:
        broken.append(f"ledger does not sum to zero: {sum(balances.values())}")
    if postings.filter(Q(amount_fen__lte=0) | Q(debit=F("credit"))).exists():
        broken.append("a posting moves no money or moves it onto itself")
    for account, value in balances.items():
        if account.endswith((":held", ":released", ":refunded", ":reserve")) and value < 0:
            broken.append(f"{account} is negative: {value}")
    # Each contract's counters agree with its held balance, its lessons and its deposit.
    lessons = {}
    for cid, status, n, released in Lesson.objects.filter(contract__in=contracts).values_list(
            "contract_id", "status").annotate(n=Count("pk"), released=Count("release")):
        lessons.setdefault(cid, {})[status] = (n, released)
    releases = dict(Posting.objects.filter(kind=Posting.Kind.RELEASE, contract__in=contracts)
                    .values_list("contract_id").annotate(n=Count("pk")))
    deposits = {cid: (n, total) for cid, n, total in Posting.objects.filter(
        kind=Posting.Kind.DEPOSIT, contract__in=contracts).values_list("contract_id").annotate(
        n=Count("pk"), total=Sum("amount_fen"))}
    for c in contracts:
        held = balances.get(f"contract:{c.pk}:held", 0)
        refunded = balances.get(f"contract:{c.pk}:refunded", 0)
        if c.lessons_consumed + c.lessons_refunded + c.lessons_pending > c.lessons:
            broken.append(f"contract {c.pk}: consumed + refunded + pending > lessons")
        expected = c.unreleased_fen if c.paid_at else 0
        if held != expected:
            broken.append(f"contract {c.pk} ({c.status}): held {held} != expected {expected}")
        if c.status in (Contract.Status.COMPLETED, Contract.Status.FROZEN) and held != 0:
            broken.append(f"contract {c.pk} ({c.status}) still holds {held}")
        paid = deposits.get(c.pk, (0, 0))
        if paid != ((1, c.total_fen) if c.paid_at else (0, 0)) or \
                (c.paid_at is None) != (c.status in (Contract.Status.AWAITING_PAYMENT,
                                                      Contract.Status.FROZEN) and not paid[0]):
            broken.append(f"contract {c.pk} ({c.status}): deposits {paid}, total {c.total_fen}")
        if c.paid_at and refunded != c.lessons_refunded * c.price_per_lesson_fen:
            broken.append(f"contract {c.pk}: refunded {refunded} != "
                          f"{c.lessons_refunded} × {c.price_per_lesson_fen}")
        rows = lessons.get(c.pk, {})
        confirmed, confirmed_released = rows.get(Lesson.Status.CONFIRMED, (0, 0))
        pending, pending_released = rows.get(Lesson.Status.PENDING, (0, 0))
        _, voided_released = rows.get(Lesson.Status.VOIDED, (0, 0))
        if confirmed != c.lessons_consumed or confirmed_released != confirmed:
            broken.append(f"contract {c.pk}: {confirmed} confirmed lessons, "
                          f"{c.lessons_consumed} consumed, {confirmed_released} released")
        if releases.get(c.pk, 0) != confirmed:
            broken.append(f"contract {c.pk}: {releases.get(c.pk, 0)} release postings for "
                          f"{confirmed} confirmed lessons")
        if pending != c.lessons_pending or pending_released or voided_released:
            broken.append(f"contract {c.pk}: {pending} pending lessons, counter "
                          f"{c.lessons_pending}")
    # Per institution, custody covers what families have paid for and not yet received.
    inst_ids = {institution.pk} if institution is not None else set(
        contracts.values_list("institution_id", flat=True).distinct())
    for iid in inst_ids:
        held = _sum_by_suffix(iid, ":held")
        owed = unconsumed_fen(iid)
        if held < owed:
            broken.append(f"institution {iid}: held {held} < unconsumed {owed}")
    return broken
