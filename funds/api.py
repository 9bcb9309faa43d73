"""API for prepaid fee supervision (/api/v1/funds/): contracts, deposits reported by the
custodian bank, lessons and their release, refunds, accounts, reserves and freezing. Money is in
integer fen (fields ending ``_fen``)."""

import datetime as dt
from typing import Annotated

from django.http import Http404
from django.utils import timezone
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from api.pagination import LimitOffsetPagination
from api.schemas import READ_ERRORS, WRITE_ERRORS
from core.access import get_for, require, visible
from core.errors import RuleViolation
from funds import services
from funds.models import Contract, Lesson, Reconciliation, SupervisedAccount
from institutions.models import Institution, TrainingCourse
from org.models import Pupil

router = Router(tags=["预收费资金监管"])

Id = Annotated[int, Field(ge=1, le=2_147_483_647)]
Fen = Annotated[int, Field(ge=0, le=10_000_000_000)]


class FundsContractIn(Schema):
    pupil: Id
    course: Id = Field(..., description="机构已公示的课程")
    lessons: int = Field(..., ge=1, le=10_000, description="课时数（一次收费不超过 60 课时，PF-6）")
    price_per_lesson_fen: Fen = Field(..., description="每课时价格，须等于公示价格（TP-5）")
    start: dt.date
    end: dt.date = Field(..., description="不晚于开始日期后 3 个月（PF-6）")
    payment_method: str = Field("lump_sum", description="lump_sum 一次性缴入监管账户；"
                                                        "loan 培训贷一律拒绝（PF-7）")


class FundsContractOut(Schema):
    id: int
    guardian: int = Field(..., alias="guardian_id")
    pupil: int = Field(..., alias="pupil_id")
    institution: int = Field(..., alias="institution_id")
    course: int = Field(..., alias="course_id")
    lessons: int
    price_per_lesson_fen: int
    total_fen: int
    start: dt.date
    end: dt.date
    status: str = Field(..., description="awaiting_payment / active / completed / refunded / frozen")
    payment_method: str
    lessons_pending: int = Field(..., description="已上课待家长确认")
    lessons_consumed: int = Field(..., description="已确认并拨付")
    lessons_refunded: int
    paid_at: dt.datetime | None


class FundsDepositIn(Schema):
    contract: Id
    amount_fen: Fen = Field(..., description="须等于合同总额")
    bank_reference: str = Field("", max_length=64, description="银行流水号")


class FundsPostingOut(Schema):
    id: int
    kind: str
    debit: str
    credit: str
    amount_fen: int
    institution: int = Field(..., alias="institution_id")
    contract: int | None = Field(None, alias="contract_id")
    reference: str
    created_at: dt.datetime


class FundsLessonOut(Schema):
    id: int
    contract: int = Field(..., alias="contract_id")
    number: int
    status: str = Field(..., description="pending 待确认 / confirmed 已确认并拨付 / voided 作废")
    delivered_at: dt.datetime
    confirmed_at: dt.datetime | None
    release: int | None = Field(None, alias="release_id", description="拨付分录")


class FundsAccountIn(Schema):
    institution: Id
    bank_name: str
    account_number: str
    mode: str = Field("custody", description="custody 银行托管 / reserve 风险保证金 / both（PF-3）")
    reserve_fixed_fen: Fen = 0
    reserve_percent: int = Field(0, ge=0, le=100, description="上年收费总额的百分比（PF-11）")
    last_year_fees_fen: Fen = 0


class FundsWarningOut(Schema):
    level: str = Field(..., description="red 红色预警 / yellow 黄色预警")
    rule: str = Field(..., description="规则编号，如 PF-14、PF-11、PF-1")
    code: str = Field(..., description="held_below_unconsumed / reconciliation_mismatch / "
                                        "reconciliation_missing / reserve_short / outflow / sales / "
                                        "refunds / frozen / no_account")
    message: str


class FundsAccountOut(Schema):
    institution: int
    bank_name: str
    account_number: str
    mode: str
    frozen: bool
    frozen_reason: str
    held_fen: int = Field(..., description="托管中（各合同未拨付余额之和）")
    released_fen: int = Field(..., description="已按课消拨付给机构")
    refunded_fen: int = Field(..., description="已退给家长")
    reserve_fen: int = Field(..., description="风险保证金余额")
    unconsumed_fen: int = Field(..., description="已付款未消课金额")
    required_reserve_fen: int = Field(..., description="最低保证金（PF-10/PF-11）")
    level: str = Field(..., description="最高预警级别：red / yellow / 空表示无预警")
    warnings: list[FundsWarningOut]


class FundsReconciliationIn(Schema):
    date: dt.date = Field(..., description="对账日期（已结束的一天）")
    balance_fen: int = Field(..., ge=-10_000_000_000, le=10_000_000_000,
                             description="银行专用账户日终余额（托管＋保证金）")


class FundsReconciliationOut(Schema):
    institution: int = Field(..., alias="account.institution_id")
    date: dt.date
    bank_balance_fen: int
    ledger_balance_fen: int = Field(..., description="台账在该日结束时的托管＋保证金余额")
    difference_fen: int = Field(..., description="银行 − 台账；非 0 为红色预警")
    matched: bool


class FundsDayOut(Schema):
    date: dt.date
    accounts: int = Field(..., description="本区监管账户数（该日前开户）")
    reported: int
    matched: int
    mismatched: list[FundsReconciliationOut]
    missing: list[int] = Field(..., description="未报送日终余额的机构")


class FundsTotalsOut(Schema):
    accounts: int
    held_fen: int
    reserve_fen: int
    released_fen: int
    refunded_fen: int
    unconsumed_fen: int
    red: int = Field(..., description="红色预警机构数")
    yellow: int
    frozen: int


class FundsWarningRowOut(Schema):
    institution: int
    name: str
    level: str
    warnings: list[FundsWarningOut]


class FundsReserveIn(Schema):
    amount_fen: Fen


class FundsFreezeIn(Schema):
    reason: str


def _idempotency_key(request):
    key = (request.headers.get("Idempotency-Key") or "").strip()
    if not key:
        raise RuleViolation("required", "该接口须带 Idempotency-Key 请求头。", "Idempotency-Key")
    return key


def _account_out(account):
    summary = services.account_summary(account.institution_id)
    summary["warnings"] = [vars(w) for w in summary["warnings"]]
    return {**summary, "bank_name": account.bank_name, "account_number": account.account_number,
            "mode": account.mode, "frozen_reason": account.frozen_reason}


def _account(request, institution_id, action="view"):
    if not 0 < institution_id < 2**31:
        raise Http404
    account = visible(request.user, SupervisedAccount).select_related(
        "institution__bureau").filter(institution_id=institution_id).first()
    # Outside the scope looks exactly like missing.
    if account is None:
        raise Http404
    require(request.user, action, account)
    return account


CONTRACTS = Contract.objects.select_related("institution__bureau")


# ---- contracts ---------------------------------------------------------------------------------


@router.get("/contracts", response={200: list[FundsContractOut], **READ_ERRORS},
            summary="培训合同（家长：本人子女；机构：本机构；监管与存管银行：本区）")
@paginate(LimitOffsetPagination)
def list_contracts(request, status: str | None = None, institution: int | None = None):
    qs = visible(request.user, Contract)
    if status:
        qs = qs.filter(status=status)
    if institution:
        qs = qs.filter(institution_id=institution)
    return qs.order_by("-created_at", "-pk")


@router.get("/contracts/{int:contract_id}", response={200: FundsContractOut, **READ_ERRORS},
            summary="合同详情")
def get_contract(request, contract_id: int):
    return get_for(request.user, Contract, contract_id)


@router.post("/contracts", response={201: FundsContractOut, **WRITE_ERRORS},
             summary="家长签订培训合同：超过 60 课时或 3 个月 422 PF-6，培训贷 PF-7，机构无证、"
                     "黑名单、红牌或暂停招生 TI-13，非公示价 TP-5，超指导价 TP-1，非学科类单次"
                     "超 5000 元 TP-6，无监管账户 PF-1")
def create_contract(request, payload: FundsContractIn):
    require(request.user, "create", Contract)
    pupil = get_for(request.user, Pupil, payload.pupil)
    # Published courses of registered institutions are public (the public lookup shows them).
    course = TrainingCourse.objects.filter(
        pk=payload.course, institution__in=Institution.objects.public()).select_related(
        "institution__bureau__parent").first()
    if course is None:
        raise Http404
    data = payload.dict(exclude={"pupil", "course"})
    return Status(201, services.create_contract(actor=request.user, pupil=pupil, course=course,
                                                **data))


@router.post("/deposits", response={201: FundsPostingOut, **WRITE_ERRORS},
             summary="存管银行报告家长缴费（须带 Idempotency-Key；同一键重放返回第一次的分录，"
                     "同一合同再次缴费 409）")
def record_deposit(request, payload: FundsDepositIn):
    key = _idempotency_key(request)
    contract = get_for(request.user, Contract, payload.contract, "deposit", queryset=CONTRACTS)
    posting, _ = services.record_deposit(actor=request.user, contract=contract,
                                         amount_fen=payload.amount_fen, idempotency_key=key,
                                         bank_reference=payload.bank_reference)
    return Status(201, posting)


@router.post("/contracts/{int:contract_id}/lessons",
             response={201: FundsLessonOut, **WRITE_ERRORS},
             summary="机构登记已上的一节课（待家长确认后拨付）；无剩余课时或已冻结 409")
def record_lesson(request, contract_id: int):
    contract = get_for(request.user, Contract, contract_id, "lesson", queryset=CONTRACTS)
    return Status(201, services.record_lesson(actor=request.user, contract=contract))


@router.get("/contracts/{int:contract_id}/lessons",
            response={200: list[FundsLessonOut], **READ_ERRORS}, summary="合同的课消记录")
@paginate(LimitOffsetPagination)
def list_lessons(request, contract_id: int):
    contract = get_for(request.user, Contract, contract_id)
    return visible(request.user, Lesson).filter(contract=contract).order_by("number")


@router.post("/lessons/{int:lesson_id}/confirm", response={200: FundsLessonOut, **WRITE_ERRORS},
             summary="家长确认课时：拨付一课时费用给机构（一课一消，PF-5）")
def confirm_lesson(request, lesson_id: int):
    lesson = get_for(request.user, Lesson, lesson_id, "confirm",
                     queryset=Lesson.objects.select_related("contract"))
    return services.confirm_lesson(actor=request.user, lesson=lesson)


@router.post("/contracts/{int:contract_id}/refund", response={200: FundsPostingOut, **WRITE_ERRORS},
             summary="家长退费：退还全部未上课时的费用（PF-13）；再次退费 409")
def request_refund(request, contract_id: int):
    contract = get_for(request.user, Contract, contract_id, "refund", queryset=CONTRACTS)
    return services.request_refund(actor=request.user, contract=contract)


# ---- accounts ----------------------------------------------------------------------------------


@router.post("/accounts", response={201: FundsAccountOut, **WRITE_ERRORS},
             summary="开设机构预收费监管专用账户（PF-1、PF-4；监管科或存管银行）")
def open_account(request, payload: FundsAccountIn):
    require(request.user, "open", SupervisedAccount)
    inst = get_for(request.user, Institution, payload.institution)
    account = services.open_account(actor=request.user, institution=inst,
                                    **payload.dict(exclude={"institution"}))
    return Status(201, _account_out(account))


@router.get("/accounts/{int:institution_id}", response={200: FundsAccountOut, **READ_ERRORS},
            summary="机构资金概况：托管、已拨付、已退费、保证金、未消课金额与预警")
def get_account(request, institution_id: int):
    return _account_out(_account(request, institution_id))


@router.post("/accounts/{int:institution_id}/reserve",
             response={201: FundsPostingOut, **WRITE_ERRORS},
             summary="存管银行报告机构缴存风险保证金（须带 Idempotency-Key）")
def add_reserve(request, institution_id: int, payload: FundsReserveIn):
    key = _idempotency_key(request)
    account = _account(request, institution_id, "reserve")
    return Status(201, services.add_reserve(actor=request.user, institution=account.institution,
                                            amount_fen=payload.amount_fen, idempotency_key=key))


@router.post("/accounts/{int:institution_id}/freeze",
             response={200: FundsAccountOut, **WRITE_ERRORS},
             summary="冻结机构账户（监管科）：全部未消课费用退还家长，不再收费、拨付")
def freeze_account(request, institution_id: int, payload: FundsFreezeIn):
    account = _account(request, institution_id, "freeze")
    account = services.freeze_institution(actor=request.user, institution=account.institution,
                                          reason=payload.reason)
    return _account_out(account)


# ---- reconciliation, totals and warnings (PF-14) -----------------------------------------------


@router.post("/accounts/{int:institution_id}/reconciliations",
             response={201: FundsReconciliationOut, 200: FundsReconciliationOut, **WRITE_ERRORS},
             summary="存管银行报送专用账户日终余额，与台账对账（不一致为红色预警）；同日同额重报 "
                     "200，不同金额 409")
def report_balance(request, institution_id: int, payload: FundsReconciliationIn):
    account = _account(request, institution_id, "reconcile")
    rec, created = services.report_balance(actor=request.user, institution=account.institution,
                                           date=payload.date, balance_fen=payload.balance_fen)
    return Status(201 if created else 200, rec)


@router.get("/reconciliations/{date}", response={200: FundsDayOut, **READ_ERRORS},
            summary="某日对账结果：已报送、一致、不一致和未报送的账户（监管科、存管银行）")
def reconciliation_day(request, date: dt.date):
    require(request.user, "view", Reconciliation)
    end = timezone.make_aware(dt.datetime.combine(date + dt.timedelta(days=1), dt.time()))
    accounts = visible(request.user, SupervisedAccount).filter(opened_at__lt=end)
    reports = list(visible(request.user, Reconciliation).filter(account__in=accounts, date=date)
                   .select_related("account"))
    reported = {r.account.institution_id for r in reports}
    ids = list(accounts.values_list("institution_id", flat=True))
    return {"date": date, "accounts": len(ids), "reported": len(reports),
            "matched": sum(r.matched for r in reports),
            "mismatched": [r for r in reports if not r.matched],
            "missing": sorted(set(ids) - reported)}


@router.get("/totals", response={200: FundsTotalsOut, **READ_ERRORS},
            summary="本区监管资金总额与预警机构数（监管科、督学、存管银行）")
def totals(request):
    require(request.user, "supervise", SupervisedAccount)
    totals_, _ = services.district_totals(visible(request.user, SupervisedAccount))
    return totals_


@router.get("/warnings", response={200: list[FundsWarningRowOut], **READ_ERRORS},
            summary="有预警的机构（红色在前）；level=red 只看红色")
def list_warnings(request, level: str | None = None):
    require(request.user, "supervise", SupervisedAccount)
    _, rows = services.district_totals(visible(request.user, SupervisedAccount))
    found = [{"institution": a.institution_id, "name": a.institution.name, "level": r["level"],
              "warnings": [vars(w) for w in r["warnings"]]}
             for a, r in rows if r["level"] and (not level or r["level"] == level)]
    return sorted(found, key=lambda r: (r["level"] != "red", r["name"]))
