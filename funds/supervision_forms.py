"""Forms of the supervision section's and the custodian bank's funds pages. Amounts are typed in
yuan with two decimals and handed to ``funds.services`` in integer fen; the rules themselves
(PF-3, PF-13, PF-14, the idempotency of reserve deposits) are the services' to check, so the
pages and the API refuse the same requests with the same rule ids."""

import uuid
from decimal import Decimal

from django import forms

from funds.models import SupervisedAccount
from institutions.forms import fen

DATE_INPUT = {"attrs": {"type": "date"}, "format": "%Y-%m-%d"}  # what <input type=date> reads

LEVELS = (("", "全部"), ("red", "红色预警"), ("yellow", "黄色预警"), ("none", "无预警"),
          ("frozen", "已冻结"))
YUAN_LIMIT = Decimal(100_000_000)  # 1 亿元 = 10^10 fen, the API's bound


def _yuan_field(label, *, minimum=Decimal(0), **extra):
    return forms.DecimalField(label=label, max_digits=12, decimal_places=2, min_value=minimum,
                              max_value=YUAN_LIMIT, **extra)


class AccountFilterForm(forms.Form):
    """The overview's filters: warning level and a part of the institution's name."""

    level = forms.ChoiceField(label="预警级别", choices=LEVELS, required=False)
    q = forms.CharField(label="机构名称", max_length=100, required=False)

    def values(self):
        """(level, search) from valid input, ("", "") otherwise."""
        if not self.is_valid():
            return "", ""
        return self.cleaned_data["level"], self.cleaned_data["q"].strip()


class DayForm(forms.Form):
    """The reconciliation day (an ended day: the bank reports end-of-day balances)."""

    date = forms.DateField(label="对账日期", required=False,
                           widget=forms.DateInput(**DATE_INPUT))

    def __init__(self, *args, today, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today

    def clean_date(self):
        day = self.cleaned_data["date"]
        if day and day >= self.today:
            raise forms.ValidationError("只能查看已结束日期的对账结果。")
        return day


class FreezeForm(forms.Form):
    """The supervision section freezes an institution's account (PF-13)."""

    reason = forms.CharField(label="冻结原因", max_length=300,
                             widget=forms.Textarea(attrs={"rows": 2}),
                             error_messages={"required": "请填写冻结原因。"})
    confirm = forms.BooleanField(
        label="我已知晓：冻结后全部未消课费用立即从托管资金退还家长，不足部分由风险保证金垫付，"
              "机构不能再收费、拨付和签约，且不能撤销",
        error_messages={"required": "请勾选确认。"})


class BalanceForm(forms.Form):
    """The custodian bank's end-of-day balance of one supervised account (PF-14)."""

    RETURN_TO = (("account", "account"), ("reconciliation", "reconciliation"))

    date = forms.DateField(label="对账日期", widget=forms.DateInput(**DATE_INPUT))
    balance = _yuan_field("日终余额（元）", minimum=-YUAN_LIMIT,
                          help_text="专用账户当日日终余额（托管资金＋风险保证金）")
    return_to = forms.ChoiceField(choices=RETURN_TO, required=False, widget=forms.HiddenInput)

    def service_data(self):
        return {"date": self.cleaned_data["date"], "balance_fen": fen(self.cleaned_data["balance"])}


class ReserveForm(forms.Form):
    """The bank records a deposit into the institution's risk reserve (PF-10). Each rendered
    form carries a fresh idempotency key, so submitting it twice records one deposit."""

    amount = _yuan_field("缴存金额（元）", minimum=Decimal("0.01"))
    key = forms.CharField(max_length=200, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"key": uuid.uuid4().hex})
        super().__init__(*args, **kwargs)

    def service_data(self):
        return {"amount_fen": fen(self.cleaned_data["amount"]),
                "idempotency_key": f"web-reserve-{self.cleaned_data['key']}"}


class OpenAccountForm(forms.Form):
    """Open the dedicated fee account (PF-1, PF-4) of an approved institution with its reserve
    terms (PF-10, PF-11); the district's mode (PF-3) is checked by the service."""

    institution = forms.ModelChoiceField(label="培训机构", queryset=None,
                                         error_messages={"invalid_choice": "请从列表中选择机构。"})
    bank_name = forms.CharField(label="托管银行", max_length=100)
    account_number = forms.CharField(label="专用账户账号", max_length=40)
    mode = forms.ChoiceField(label="监管方式", choices=SupervisedAccount.Mode.choices)
    reserve_fixed = _yuan_field("保证金固定下限（元）", initial=Decimal(0), required=False)
    reserve_percent = forms.IntegerField(label="保证金比例（上年收费总额的 %）", min_value=0,
                                         max_value=100, initial=0, required=False)
    last_year_fees = _yuan_field("上年收费总额（元）", initial=Decimal(0), required=False)

    def __init__(self, *args, institutions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = institutions
        self.fields["institution"].label_from_instance = lambda i: f"{i.name}（{i.bureau.name}）"

    def service_data(self):
        data = self.cleaned_data
        return {"institution": data["institution"], "bank_name": data["bank_name"],
                "account_number": data["account_number"], "mode": data["mode"],
                "reserve_fixed_fen": fen(data["reserve_fixed"] or 0),
                "reserve_percent": data["reserve_percent"] or 0,
                "last_year_fees_fen": fen(data["last_year_fees"] or 0)}
