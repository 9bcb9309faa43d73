"""Prepaid fee supervision (预收费资金监管; RULES.md §6 PF, TP-1/TP-5/TP-6).

Money lives in a double-entry ledger: every movement is ONE append-only ``Posting`` row that
debits one account code and credits another with the same positive amount, so the ledger sums to
zero by construction and no movement can be half-written. Balances are never stored; they are
derived (``Σ debits − Σ credits`` of an account code). The counters on ``Contract`` (lessons
consumed, refunded, pending) are the business state; ``services.check_invariants`` proves that
they and the ledger agree.

Account codes:

    contract:<id>:held         the guardian's prepayment held in custody (PF-1, PF-4)
    contract:<id>:refunded     paid back to the guardian (PF-13)
    institution:<id>:released  released to the institution as lessons are confirmed (PF-5)
    institution:<id>:reserve   the institution's risk reserve (PF-10, PF-11)
    external:guardian          money coming from families (always ≤ 0)
    external:institution       money coming from the institution's own funds (reserve top-ups)
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from org.roles import Role
from org.scope import scope_of

SUPERVISION = {Role.SUPERVISOR, Role.BUREAU_ADMIN, Role.INSPECTOR}


def _in_district(scope, *roles):
    return Q(institution__bureau_id__in=scope.bureau_ids_for(*roles))


class AccountQuerySet(models.QuerySet):
    def visible_to(self, user):
        s = scope_of(user)
        return self.filter(_in_district(s, Role.SUPERVISOR, Role.BUREAU_ADMIN, Role.INSPECTOR,
                                        Role.CUSTODIAN_BANK)
                           | Q(institution_id__in=s.institution_ids))


class SupervisedAccount(models.Model):
    """An institution's dedicated training-fee account (PF-1) at its custodian bank (PF-4), with
    the reserve terms of its district (PF-3, PF-10, PF-11). One per institution."""

    class Mode(models.TextChoices):
        CUSTODY = "custody", "银行托管"
        RESERVE = "reserve", "托管＋风险保证金"
        BOTH = "both", "托管＋风险保证金＋未消课保证金"

    institution = models.OneToOneField("institutions.Institution", on_delete=models.PROTECT,
                                       related_name="funds_account")
    bank_name = models.CharField("托管银行", max_length=100)
    account_number = models.CharField("专用账户账号", max_length=40)
    mode = models.CharField("监管方式", max_length=10, choices=Mode.choices, default=Mode.CUSTODY)
    reserve_fixed_fen = models.PositiveBigIntegerField("保证金固定下限（分）", default=0)
    reserve_percent = models.PositiveSmallIntegerField("保证金比例（上年收费的%）", default=0)
    last_year_fees_fen = models.PositiveBigIntegerField("上年收费总额（分）", default=0)
    frozen = models.BooleanField("已冻结", default=False)
    frozen_at = models.DateTimeField("冻结时间", null=True, blank=True)
    frozen_reason = models.CharField("冻结原因", max_length=300, blank=True)
    bank_reported_balance_fen = models.BigIntegerField("银行报告余额（分）", null=True, blank=True)
    reconciled_at = models.DateTimeField("对账时间", null=True, blank=True)
    opened_at = models.DateTimeField(auto_now_add=True)

    objects = AccountQuerySet.as_manager()
    ACCESS = {
        "view": {Role.SUPERVISOR, Role.BUREAU_ADMIN, Role.INSPECTOR, Role.CUSTODIAN_BANK,
                 Role.INSTITUTION_STAFF},
        "open": {Role.SUPERVISOR, Role.BUREAU_ADMIN, Role.CUSTODIAN_BANK},
        "reserve": {Role.CUSTODIAN_BANK},
        "reconcile": {Role.CUSTODIAN_BANK},
        "freeze": {Role.SUPERVISOR},
        # district-wide totals, warnings and reconciliation (type-level, scoped by visible_to)
        "supervise": {Role.SUPERVISOR, Role.BUREAU_ADMIN, Role.INSPECTOR, Role.CUSTODIAN_BANK},
    }

    class Meta:
        verbose_name = "预收费监管账户"
        verbose_name_plural = "预收费监管账户"
        constraints = [models.CheckConstraint(condition=Q(reserve_percent__lte=100),
                                              name="funds_reserve_percent_max_100")]

    def __str__(self):
        return f"{self.bank_name} {self.account_number}"

    def permits(self, scope, action):
        bureau = self.institution.bureau_id
        if action == "open":
            return bureau in scope.bureau_ids_for(Role.SUPERVISOR, Role.BUREAU_ADMIN,
                                                  Role.CUSTODIAN_BANK)
        if action in ("reserve", "reconcile"):
            return bureau in scope.bureau_ids_for(Role.CUSTODIAN_BANK)
        if action == "freeze":
            return bureau in scope.bureau_ids_for(Role.SUPERVISOR)
        return True

    @property
    def required_reserve_fen(self):
        """PF-10/PF-11: max(fixed minimum, percent × last year's fees); none in custody mode."""
        if self.mode == self.Mode.CUSTODY:
            return 0
        return max(self.reserve_fixed_fen, self.last_year_fees_fen * self.reserve_percent // 100)


class ContractQuerySet(models.QuerySet):
    def visible_to(self, user):
        s = scope_of(user)
        return self.filter(
            # a guardian: the contracts they signed and those of their own children
            Q(guardian_id=getattr(user, "pk", None) or 0) | Q(pupil_id__in=s.pupil_ids)
            # institution staff: their institution's contracts
            | Q(institution_id__in=s.institution_ids)
            # supervision and the custodian bank: the district's
            | _in_district(s, Role.SUPERVISOR, Role.BUREAU_ADMIN, Role.INSPECTOR,
                           Role.CUSTODIAN_BANK))


class Contract(models.Model):
    """A training contract on the model text (PF-8) for one course, paid in one lump sum into
    custody. ``total_fen`` is exactly ``lessons × price_per_lesson_fen`` (a check constraint), so
    no lesson ever carries a remainder."""

    class Status(models.TextChoices):
        AWAITING_PAYMENT = "awaiting_payment", "待付款"
        ACTIVE = "active", "履行中"
        COMPLETED = "completed", "已完成"
        REFUNDED = "refunded", "已退费"
        FROZEN = "frozen", "机构冻结（已退费）"

    class PaymentMethod(models.TextChoices):
        LUMP_SUM = "lump_sum", "一次性缴入监管账户"

    guardian = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                 related_name="training_contracts")
    pupil = models.ForeignKey("org.Pupil", on_delete=models.PROTECT, related_name="+")
    institution = models.ForeignKey("institutions.Institution", on_delete=models.PROTECT,
                                    related_name="contracts")
    course = models.ForeignKey("institutions.TrainingCourse", on_delete=models.PROTECT,
                               related_name="contracts")
    lessons = models.PositiveIntegerField("课时数")
    price_per_lesson_fen = models.PositiveBigIntegerField("每课时价格（分）")
    total_fen = models.PositiveBigIntegerField("合同总额（分）")
    start = models.DateField("开始日期")
    end = models.DateField("结束日期")
    status = models.CharField("状态", max_length=20, choices=Status.choices,
                              default=Status.AWAITING_PAYMENT)
    payment_method = models.CharField("缴费方式", max_length=10, choices=PaymentMethod.choices,
                                      default=PaymentMethod.LUMP_SUM)
    lessons_pending = models.PositiveIntegerField("已上课待确认", default=0)
    lessons_consumed = models.PositiveIntegerField("已确认课消", default=0)
    lessons_refunded = models.PositiveIntegerField("已退课时", default=0)
    bank_reference = models.CharField("银行流水号", max_length=64, blank=True)
    paid_at = models.DateTimeField("付款时间", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ContractQuerySet.as_manager()
    ACCESS = {
        "view": {Role.GUARDIAN, Role.INSTITUTION_STAFF, Role.CUSTODIAN_BANK} | SUPERVISION,
        "create": {Role.GUARDIAN},
        "deposit": {Role.CUSTODIAN_BANK},
        "lesson": {Role.INSTITUTION_STAFF},
        "refund": {Role.GUARDIAN},
    }

    class Meta:
        verbose_name = "培训服务合同"
        verbose_name_plural = "培训服务合同"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(lessons__gte=1), name="funds_contract_lessons_pos"),
            models.CheckConstraint(condition=Q(price_per_lesson_fen__gte=1),
                                   name="funds_contract_price_pos"),
            models.CheckConstraint(
                condition=Q(total_fen=F("lessons") * F("price_per_lesson_fen")),
                name="funds_contract_total_is_lessons_times_price"),
            models.CheckConstraint(
                condition=Q(lessons__gte=F("lessons_consumed") + F("lessons_refunded")
                            + F("lessons_pending")),
                name="funds_contract_never_over_consumed"),
            models.CheckConstraint(condition=Q(end__gte=F("start")),
                                   name="funds_contract_end_after_start"),
        ]
        indexes = [models.Index(fields=["institution", "status"])]

    def __str__(self):
        return f"合同 {self.pk}"

    def permits(self, scope, action):
        if action == "deposit":
            return self.institution.bureau_id in scope.bureau_ids_for(Role.CUSTODIAN_BANK)
        if action == "lesson":
            return self.institution_id in scope.institution_ids
        if action == "refund":
            return self.pupil_id in scope.pupil_ids
        return True

    @property
    def held_code(self):
        return f"contract:{self.pk}:held"

    @property
    def refunded_code(self):
        return f"contract:{self.pk}:refunded"

    @property
    def lessons_left(self):
        """Lessons neither delivered, released nor refunded: what may still be recorded."""
        return self.lessons - self.lessons_consumed - self.lessons_refunded - self.lessons_pending

    @property
    def unreleased_fen(self):
        """The value still owed to someone: what the held balance must be once paid."""
        return (self.lessons - self.lessons_consumed - self.lessons_refunded) * \
            self.price_per_lesson_fen


class LessonQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(contract__in=Contract.objects.visible_to(user))


class Lesson(models.Model):
    """One delivered lesson of a contract, released once the guardian confirms it (or after the
    confirmation window, PF-5: Xiamen's 7 days)."""

    class Status(models.TextChoices):
        PENDING = "pending", "待确认"
        CONFIRMED = "confirmed", "已确认"
        VOIDED = "voided", "作废（机构冻结退费）"

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="lesson_rows")
    number = models.PositiveIntegerField("第几课")
    status = models.CharField("状态", max_length=10, choices=Status.choices,
                              default=Status.PENDING)
    delivered_at = models.DateTimeField("上课时间")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                    related_name="+")
    confirmed_at = models.DateTimeField("确认时间", null=True, blank=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+",
                                     help_text="空表示超期自动确认")
    release = models.OneToOneField("Posting", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="lesson")

    objects = LessonQuerySet.as_manager()
    ACCESS = {
        "view": {Role.GUARDIAN, Role.INSTITUTION_STAFF, Role.CUSTODIAN_BANK} | SUPERVISION,
        "confirm": {Role.GUARDIAN},
    }

    class Meta:
        verbose_name = "课消记录"
        verbose_name_plural = "课消记录"
        ordering = ["contract_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "number"], name="funds_lesson_number"),
            models.CheckConstraint(
                condition=Q(status="confirmed", release__isnull=False)
                | (~Q(status="confirmed") & Q(release__isnull=True)),
                name="funds_lesson_released_iff_confirmed"),
        ]

    def permits(self, scope, action):
        if action == "confirm":
            return self.contract.pupil_id in scope.pupil_ids
        return True


class AppendOnly(models.QuerySet):
    """Postings are never changed or removed: corrections are new postings."""

    def update(self, **kwargs):
        raise TypeError("Posting rows are append-only.")

    def delete(self):
        raise TypeError("Posting rows are append-only.")

    def visible_to(self, user):
        s = scope_of(user)
        return self.filter(_in_district(s, Role.SUPERVISOR, Role.BUREAU_ADMIN, Role.INSPECTOR,
                                        Role.CUSTODIAN_BANK)
                           | Q(institution_id__in=s.institution_ids))


class Posting(models.Model):
    """One balanced movement of money: ``amount_fen`` from ``credit`` to ``debit``."""

    class Kind(models.TextChoices):
        DEPOSIT = "deposit", "家长缴费存入"
        RELEASE = "release", "课消拨付"
        REFUND = "refund", "退费"
        RESERVE_IN = "reserve_in", "缴存保证金"
        RESERVE_COVER = "reserve_cover", "保证金垫付退费"
        FREEZE_REFUND = "freeze_refund", "冻结退费"

    kind = models.CharField("类型", max_length=15, choices=Kind.choices)
    debit = models.CharField("借方账户", max_length=60, db_index=True)
    credit = models.CharField("贷方账户", max_length=60, db_index=True)
    amount_fen = models.PositiveBigIntegerField("金额（分）")
    institution = models.ForeignKey("institutions.Institution", on_delete=models.PROTECT,
                                    related_name="postings")
    contract = models.ForeignKey(Contract, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="postings")
    idempotency_key = models.CharField(max_length=250, null=True, blank=True, unique=True)
    reference = models.CharField("银行流水号", max_length=64, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AppendOnly.as_manager()
    ACCESS = {"view": {Role.SUPERVISOR, Role.BUREAU_ADMIN, Role.INSPECTOR, Role.CUSTODIAN_BANK,
                       Role.INSTITUTION_STAFF}}

    class Meta:
        verbose_name = "资金分录"
        verbose_name_plural = "资金分录"
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="funds_posting_positive"),
            models.CheckConstraint(condition=~Q(debit=F("credit")),
                                   name="funds_posting_two_accounts"),
        ]

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError("Posting rows are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Posting rows are append-only.")


class ReconciliationQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(account__in=SupervisedAccount.objects.visible_to(user))


class Reconciliation(models.Model):
    """The custodian bank's end-of-day balance of one supervised account next to the ledger's
    (held + reserve at the end of that day). A difference is a red warning (PF-14)."""

    account = models.ForeignKey(SupervisedAccount, on_delete=models.PROTECT,
                                related_name="reconciliations")
    date = models.DateField("对账日期")
    bank_balance_fen = models.BigIntegerField("银行报告余额（分）")
    ledger_balance_fen = models.BigIntegerField("台账余额（分）")
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                    related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ReconciliationQuerySet.as_manager()
    ACCESS = {"view": {Role.SUPERVISOR, Role.BUREAU_ADMIN, Role.INSPECTOR, Role.CUSTODIAN_BANK}}

    class Meta:
        verbose_name = "银行对账"
        verbose_name_plural = "银行对账"
        ordering = ["-date", "account_id"]
        constraints = [models.UniqueConstraint(fields=["account", "date"],
                                               name="funds_one_reconciliation_per_day")]

    @property
    def difference_fen(self):
        return self.bank_balance_fen - self.ledger_balance_fen

    @property
    def matched(self):
        return self.bank_balance_fen == self.ledger_balance_fen
