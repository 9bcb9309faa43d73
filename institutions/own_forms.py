"""Forms of an institution's own pages and of the application form. The rules (TI, TS, TT, TP)
live in institutions.services; forms only shape input.

Money is entered and shown in 元 with two decimals and stored in integer fen: the conversion goes
through ``Decimal``, never through a float. Session times are wall-clock times in China Standard
Time (XC-3): the form turns a date and two times into aware datetimes in Asia/Shanghai.
"""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from django import forms
from django.utils import timezone

from institutions.models import NON_SUBJECT_CATEGORIES, SUBJECT_TYPE_SUBJECTS, Institution, Staff
from org.models import GRADE_NAMES

CST = ZoneInfo("Asia/Shanghai")
CENT = Decimal("0.01")
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")

# Subjects grouped as the rules group them (TI-5): subject-type subjects and non-subject kinds.
SUBJECT_CHOICES = [
    ("学科类", list(SUBJECT_TYPE_SUBJECTS.items())),
    ("非学科类", list(NON_SUBJECT_CATEGORIES.items())),
]
SUBJECT_LABELS = {**SUBJECT_TYPE_SUBJECTS, **NON_SUBJECT_CATEGORIES}
GRADE_CHOICES = ([(0, "学龄前")] + list(GRADE_NAMES.items())
                 + [(10, "高一"), (11, "高二"), (12, "高三")])
GRADE_LABELS = dict(GRADE_CHOICES)


# ---- money -----------------------------------------------------------------------------------


def yuan(fen):
    """Integer fen → Decimal 元 with two places (6600 → Decimal("66.00"))."""
    return Decimal(int(fen or 0)).scaleb(-2).quantize(CENT)


def to_fen(amount):
    """Decimal 元 (at most two places, as the form field allows) → integer fen."""
    return int((Decimal(amount or 0).quantize(CENT) * 100).to_integral_value())


class YuanField(forms.DecimalField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 9)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("min_value", Decimal("0"))
        kwargs.setdefault("widget", forms.NumberInput(attrs={"step": "0.01", "min": "0"}))
        super().__init__(**kwargs)


# ---- the institution's record ----------------------------------------------------------------


class ContactForm(forms.Form):
    """What an institution may change about itself (services.SELF_SERVICE_FIELDS)."""

    legal_representative = forms.CharField(label="法定代表人/负责人", max_length=50,
                                           required=False)
    phone = forms.CharField(label="联系电话", max_length=20, required=False)
    address = forms.CharField(label="地址", max_length=200, required=False)
    reason = forms.CharField(label="变更说明", max_length=300, required=False,
                             help_text="可选，记入动态管理台账")

    def service_data(self):
        data = dict(self.cleaned_data)
        data.pop("reason")
        return data


class StaffForm(forms.Form):
    name = forms.CharField(label="姓名", max_length=50)
    id_number = forms.CharField(
        label="居民身份证号", max_length=18,
        help_text="只保存摘要和脱敏号码，页面上只显示脱敏号码",
        widget=forms.TextInput(attrs={"autocomplete": "off"}))
    kind = forms.ChoiceField(label="岗位", choices=Staff.Kind.choices, initial=Staff.Kind.TEACHING)
    full_time = forms.BooleanField(label="专职", required=False, initial=True)
    subjects = forms.MultipleChoiceField(label="任教科目/类别", required=False,
                                         choices=SUBJECT_CHOICES,
                                         widget=forms.CheckboxSelectMultiple)
    teacher_certificate_no = forms.CharField(
        label="教师资格证书编号", max_length=40, required=False,
        help_text="从事学科类培训的教学、教研人员必填（TT-1）")
    other_certificate = forms.CharField(
        label="职业（专业）能力证书", max_length=100, required=False,
        help_text="非学科类培训的教学人员须具备（TT-1）")
    foreign = forms.BooleanField(label="外籍人员", required=False)
    located_abroad = forms.BooleanField(label="人在境外（境外外籍人员不得聘用，TT-8）",
                                        required=False)
    labour_contract = forms.BooleanField(label="已签订书面劳动合同（TT-7）", required=False,
                                         initial=True)
    hired_on = forms.DateField(label="入职日期", required=False, widget=DATE)


class CourseForm(forms.Form):
    name = forms.CharField(label="课程名称", max_length=100)
    subject = forms.ChoiceField(label="科目/类别", choices=SUBJECT_CHOICES)
    mode = forms.ChoiceField(label="形式", choices=Institution.Mode.choices)
    grades = forms.TypedMultipleChoiceField(label="适用年级", coerce=int, choices=GRADE_CHOICES,
                                            widget=forms.CheckboxSelectMultiple)
    class_size = forms.IntegerField(label="班额（人）", min_value=1)
    lesson_minutes = forms.IntegerField(label="每课时时长（分钟）", min_value=1)
    lessons = forms.IntegerField(label="总课时", min_value=1, initial=1)
    price = YuanField(label="每课时价格（元）")
    content_summary = forms.CharField(label="内容简介（培训内容备案）", max_length=500,
                                      widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, institution, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mode"].initial = institution.mode

    def service_data(self):
        data = dict(self.cleaned_data)
        data["price_per_lesson_fen"] = to_fen(data.pop("price"))
        return data


class SessionForm(forms.Form):
    course = forms.ModelChoiceField(label="课程", queryset=None, empty_label=None)
    date = forms.DateField(label="日期", widget=DATE)
    start = forms.TimeField(label="开始时间", widget=TIME)
    end = forms.TimeField(label="结束时间", widget=TIME,
                          help_text="早于开始时间视为次日（跨越午夜，不允许）")

    def __init__(self, *args, courses, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["course"].queryset = courses
        self.fields["course"].label_from_instance = (
            lambda c: f"{c.name}（{c.get_mode_display()}，{c.lesson_minutes} 分钟/课时）")

    def span(self):
        """(start, end) as aware datetimes in China Standard Time; an end time before the start
        is on the next day, which the service refuses as crossing midnight (TS-3 / TS-4)."""
        date = self.cleaned_data["date"]
        start = timezone.make_aware(dt.datetime.combine(date, self.cleaned_data["start"]), CST)
        end_date = date + dt.timedelta(days=1) if self.cleaned_data["end"] < \
            self.cleaned_data["start"] else date
        end = timezone.make_aware(dt.datetime.combine(end_date, self.cleaned_data["end"]), CST)
        return start, end


# ---- applying for a new institution ----------------------------------------------------------


class ApplicationForm(forms.Form):
    """The application for a new institution. The forbidden kinds stay choosable on purpose: the
    service refuses them with the rule id (TI-1, TI-3, TI-4) and the page explains why, instead of
    the form quietly hiding what may no longer be approved."""

    bureau = forms.TypedChoiceField(label="审批教育局", coerce=int)
    name = forms.CharField(label="机构名称", max_length=150)
    credit_code = forms.CharField(label="统一社会信用代码", max_length=18)
    subject_type = forms.TypedChoiceField(
        label="培训类型", coerce=lambda v: v == "1", initial="0", widget=forms.RadioSelect,
        choices=[("0", "非学科类（体育、艺术、科技、综合实践等）"),
                 ("1", "学科类（道德与法治、语文、历史、地理、数学、外语、物理、化学、生物）")])
    category = forms.ChoiceField(label="非学科类类别", required=False,
                                 choices=[("", "—（学科类不填）")] + list(NON_SUBJECT_CATEGORIES.items()))
    mode = forms.ChoiceField(label="培训形式", choices=Institution.Mode.choices,
                             initial=Institution.Mode.OFFLINE)
    for_profit = forms.BooleanField(label="营利性", required=False)
    serves_preschool = forms.BooleanField(label="面向学龄前儿童", required=False)
    serves_compulsory = forms.BooleanField(label="面向义务教育阶段学生", required=False,
                                           initial=True)
    serves_senior_high = forms.BooleanField(label="面向普通高中学生", required=False)
    business_licence_no = forms.CharField(label="营业执照号", max_length=40, required=False)
    licence_valid_until = forms.DateField(label="营业执照有效期至", required=False, widget=DATE)
    legal_representative = forms.CharField(label="法定代表人/负责人", max_length=50)
    phone = forms.CharField(label="联系电话", max_length=20)
    address = forms.CharField(label="地址", max_length=200)

    def __init__(self, *args, bureaus, **kwargs):
        """``bureaus``: {pk: Bureau} the applicant may apply to (those of their institutions)."""
        super().__init__(*args, **kwargs)
        self.bureaus = bureaus
        self.fields["bureau"].choices = [(pk, b.name) for pk, b in bureaus.items()]
        if len(bureaus) == 1:
            self.fields["bureau"].initial = next(iter(bureaus))

    def service_data(self):
        data = dict(self.cleaned_data)
        data["bureau"] = self.bureaus[data["bureau"]]
        return data
