"""Forms of the supervision section's institution pages. The rules live in
``institutions.services``; forms only shape input.

Reasons (for a card, a list entry, a revocation, a rejection, a ledger change) are not required
by the forms on purpose: the service refuses an empty one with its own message and code, so the
refusal reads the same on the page and in the API.

Money is entered and shown in 元 with two decimals and stored in integer fen; the conversion goes
through ``Decimal``, never through a float.
"""

from decimal import Decimal

from django import forms
from django.db.models import Q
from django.utils import timezone

from institutions.models import (
    NON_SUBJECT_CATEGORIES,
    AnnualReview,
    Card,
    GuidePrice,
    Institution,
    ListEntry,
)

CENT = Decimal("0.01")
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
REASON = forms.Textarea(attrs={"rows": 2})


def yuan(fen):
    """Integer fen → Decimal 元 with two places (6600 → Decimal("66.00"))."""
    return Decimal(int(fen or 0)).scaleb(-2).quantize(CENT)


def fen(amount):
    """Decimal 元 (at most two places, as the form field allows) → integer fen."""
    return int((Decimal(amount).quantize(CENT) * 100).to_integral_value())


class YuanField(forms.DecimalField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 10)
        kwargs.setdefault("decimal_places", 2)
        super().__init__(**kwargs)


def _blank(choices, label="全部"):
    return [("", label)] + list(choices)


CATEGORY_CHOICES = _blank(NON_SUBJECT_CATEGORIES.items(), "—（学科类机构不填）")


# ---- the registry ------------------------------------------------------------------------------

class RegistryFilterForm(forms.Form):
    """Search and filters of the registry (all optional; an invalid value filters nothing)."""

    q = forms.CharField(label="名称或统一社会信用代码", required=False, max_length=100)
    licence_status = forms.ChoiceField(label="证照状态", required=False,
                                       choices=_blank(Institution.LicenceStatus.choices))
    kind = forms.ChoiceField(label="类别", required=False, choices=_blank(
        [("subject", "学科类"), ("non_subject", "非学科类")]))
    status = forms.ChoiceField(label="审批状态", required=False,
                               choices=_blank(Institution.Status.choices))
    flag = forms.ChoiceField(label="监管标记", required=False, choices=_blank([
        ("suspended", "暂停招生"), ("red", "有红牌"), ("yellow", "有黄牌"),
        ("black", "黑名单"), ("white", "白名单"), ("negative", "负面清单")]))

    def filter(self, institutions):
        if not self.is_bound or not self.is_valid():
            return institutions
        data = self.cleaned_data
        if q := data["q"].strip():
            institutions = institutions.filter(Q(name__icontains=q)
                                               | Q(credit_code__icontains=q.upper()))
        if data["licence_status"]:
            institutions = institutions.filter(licence_status=data["licence_status"])
        if data["kind"]:
            institutions = institutions.filter(subject_type=data["kind"] == "subject")
        if data["status"]:
            institutions = institutions.filter(status=data["status"])
        flag = data["flag"]
        if flag == "suspended":
            institutions = institutions.filter(enrolment_suspended=True)
        elif flag in Card.Colour.values:
            institutions = institutions.filter(pk__in=Card.objects.active().filter(
                colour=flag).values("institution_id"))
        elif flag in ListEntry.Kind.values:
            institutions = institutions.filter(pk__in=ListEntry.objects.current().filter(
                kind=flag).values("institution_id"))
        return institutions


# The registry fields of the record and change forms, in the services' words.
LICENCE_FIELDS = ["school_permit_no", "permit_valid_until", "business_licence_no",
                  "licence_valid_until"]
CONTACT_FIELDS = ["legal_representative", "phone", "address"]


class _RegistryFields(forms.Form):
    name = forms.CharField(label="机构名称", max_length=150)
    credit_code = forms.CharField(label="统一社会信用代码", max_length=30, required=False)
    category = forms.ChoiceField(label="非学科类类别（TI-7）", required=False,
                                 choices=CATEGORY_CHOICES)
    mode = forms.ChoiceField(label="培训形式", choices=Institution.Mode.choices,
                             initial=Institution.Mode.OFFLINE)
    for_profit = forms.BooleanField(label="营利性", required=False)
    school_permit_no = forms.CharField(label="办学许可证号", max_length=40, required=False)
    permit_valid_until = forms.DateField(label="办学许可证有效期至", required=False, widget=DATE)
    business_licence_no = forms.CharField(label="营业执照号", max_length=40, required=False)
    licence_valid_until = forms.DateField(label="营业执照有效期至", required=False, widget=DATE)
    legal_representative = forms.CharField(label="法定代表人/负责人", max_length=50,
                                           required=False)
    phone = forms.CharField(label="联系电话", max_length=20, required=False)
    address = forms.CharField(label="地址", max_length=200, required=False)


class RecordForm(_RegistryFields):
    """Record an existing licensed institution, or (``found``) one found in an inspection."""

    bureau = forms.ModelChoiceField(label="审批教育局", queryset=None, empty_label=None)
    found = forms.BooleanField(label="检查发现的机构（未经审批，无需机构配合登记）", required=False)
    subject_type = forms.BooleanField(label="学科类（TI-5）", required=False)
    serves_preschool = forms.BooleanField(label="面向学龄前儿童", required=False)
    serves_compulsory = forms.BooleanField(label="面向义务教育阶段学生", required=False,
                                           initial=True)
    serves_senior_high = forms.BooleanField(label="面向普通高中学生", required=False)
    licence_status = forms.ChoiceField(
        label="证照状态（仅检查发现的机构；省略为无照无证）", required=False,
        choices=_blank(Institution.LicenceStatus.choices, "—"))

    FIELD_ORDER = ["bureau", "found", "name", "credit_code", "subject_type", "category", "mode",
                   "for_profit", "serves_preschool", "serves_compulsory", "serves_senior_high",
                   "licence_status", *LICENCE_FIELDS, *CONTACT_FIELDS]

    def __init__(self, *args, bureaus, found_only=False, **kwargs):
        """``bureaus``: where the user may record; ``found_only``: inspectors record only
        institutions found in an inspection (licensing is the supervision section's)."""
        super().__init__(*args, **kwargs)
        self.order_fields(self.FIELD_ORDER)
        self.fields["bureau"].queryset = bureaus
        if len(bureaus) == 1:
            self.fields["bureau"].initial = bureaus[0].pk
        self.found_only = found_only
        if found_only:
            self.fields["found"].initial = True
            self.fields["found"].disabled = True

    def service_data(self):
        """Keyword arguments of ``services.register_institution`` (besides actor)."""
        data = dict(self.cleaned_data)
        data["found"] = bool(data["found"] or self.found_only)
        if not data["found"] or not data["licence_status"]:
            del data["licence_status"]  # the service picks it from the permit
        return data


class ChangeForm(_RegistryFields):
    """The supervision section's change of a record; every change is a ledger version."""

    licence_status = forms.ChoiceField(label="证照状态（TI-12）",
                                       choices=Institution.LicenceStatus.choices)
    reason = forms.CharField(label="变更原因（记入动态管理台账）", max_length=300,
                             required=False, widget=REASON)

    FIELDS = ["name", "credit_code", "category", "mode", "for_profit", "licence_status",
              *LICENCE_FIELDS, *CONTACT_FIELDS]

    def __init__(self, *args, institution, **kwargs):
        kwargs.setdefault("initial", {f: getattr(institution, f) for f in self.FIELDS})
        super().__init__(*args, **kwargs)
        self.order_fields([*self.FIELDS, "reason"])
        if institution.subject_type:
            del self.fields["category"]

    def changes(self):
        """The fields the user changed (the service records them in the ledger)."""
        return {k: self.cleaned_data[k] for k in self.changed_data if k != "reason"}


# ---- forms on the institution's page -----------------------------------------------------------

class AnnualReviewForm(forms.Form):
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    result = forms.ChoiceField(label="结论", choices=AnnualReview.Result.choices)
    note = forms.CharField(label="说明", max_length=500, required=False, widget=REASON)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = timezone.localdate().year - 1


class CardForm(forms.Form):
    colour = forms.ChoiceField(label="类型", choices=Card.Colour.choices)
    reason = forms.CharField(label="事由（必填）", max_length=300, required=False, widget=REASON)
    evidence = forms.CharField(label="证据", max_length=500, required=False, widget=REASON)
    rule = forms.CharField(label="违反规则编号", max_length=10, required=False,
                           widget=forms.TextInput(attrs={"placeholder": "如 TS-3"}))


class ListForm(forms.Form):
    kind = forms.ChoiceField(label="名单", choices=ListEntry.Kind.choices)
    reason = forms.CharField(label="事由（必填）", max_length=300, required=False, widget=REASON)


class ReasonForm(forms.Form):
    """Revoke a card or take an institution off a list: the reason is recorded."""

    reason = forms.CharField(label="原因（必填）", max_length=300, required=False)


# ---- applications, leads and prices ------------------------------------------------------------

class ReviewForm(forms.Form):
    decision = forms.ChoiceField(label="审批意见", widget=forms.RadioSelect,
                                 choices=[("approve", "批准"), ("reject", "不予批准")])
    school_permit_no = forms.CharField(label="办学许可证号（批准时必填）", max_length=40,
                                       required=False)
    permit_valid_until = forms.DateField(label="许可证有效期至", required=False, widget=DATE)
    note = forms.CharField(label="说明（不予批准须说明理由）", max_length=300, required=False,
                           widget=REASON)

    def service_data(self):
        data = dict(self.cleaned_data)
        data["approve"] = data.pop("decision") == "approve"
        return data


class MatchCloseForm(forms.Form):
    decision = forms.ChoiceField(label="核查结论", widget=forms.RadioSelect, choices=[
        ("confirm", "核实（转师德师风处理）"), ("dismiss", "排除")])
    note = forms.CharField(label="核查说明（必填）", max_length=300, required=False)


class GuidePriceForm(forms.Form):
    mode = forms.ChoiceField(label="形式", choices=Institution.Mode.choices)
    band = forms.ChoiceField(label="班型（TP-3）", choices=GuidePrice.Band.choices)
    base_price = YuanField(label="基准价（元/标准课时）", min_value=CENT,
                           max_value=Decimal("100000.00"))
    document = forms.CharField(label="文件依据", max_length=200, required=False)

    def service_data(self):
        data = dict(self.cleaned_data)
        data["base_price_fen"] = fen(data.pop("base_price"))
        return data
