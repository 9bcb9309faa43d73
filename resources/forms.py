"""Forms of the library pages. The rules live in resources.services; forms only shape input.

As on the homework form, the forbidden kinds (HW-8) stay in the list on purpose: whoever picks
one is refused with the rule id instead of the form quietly hiding the rule.
"""

from django import forms
from django.utils import timezone

from homework.models import Kind, Layer
from org.models import GRADE_NAMES, SUBJECTS
from resources.models import DIFFICULTY_CHOICES, KIND_CHOICES, Level, Status, Visibility
from resources.services import FIELDS

GRADES = list(GRADE_NAMES.items())
ANY = [("", "不限")]


class ItemForm(forms.Form):
    title = forms.CharField(label="标题", max_length=100)
    content = forms.CharField(label="作业内容", required=False,
                              widget=forms.Textarea(attrs={"rows": 8}))
    subject = forms.ChoiceField(label="学科", choices=SUBJECTS)
    grade_from = forms.TypedChoiceField(label="适用年级（起）", choices=GRADES, coerce=int)
    grade_to = forms.TypedChoiceField(label="适用年级（止）", choices=[("", "同起始年级")] + GRADES,
                                      coerce=int, empty_value=None, required=False)
    textbook = forms.CharField(label="教材版本及册次", max_length=60, required=False,
                               help_text="如：人教版 四年级上册")
    unit = forms.CharField(label="单元/课时", max_length=100, required=False,
                           help_text="如：第三单元 角的度量")
    kind = forms.ChoiceField(label="类型", choices=Kind.choices, initial=Kind.WRITTEN)
    difficulty = forms.TypedChoiceField(label="难度", choices=DIFFICULTY_CHOICES, coerce=int,
                                        initial=3)
    minutes = forms.IntegerField(label="预计完成时间（分钟）",
                                 widget=forms.NumberInput(attrs={"min": 1, "max": 300}))
    layer = forms.ChoiceField(label="建议分层（HW-12）", choices=Layer.choices,
                              initial=Layer.REQUIRED)
    visibility = forms.ChoiceField(label="共享范围", choices=Visibility.choices,
                                   initial=Visibility.SCHOOL)
    status = forms.ChoiceField(label="状态", choices=Status.choices, initial=Status.SHARED,
                               help_text="草稿只有您自己能看到")
    within_standard = forms.BooleanField(
        label="我确认本作业难度不超过国家课程标准（HW-6）", required=False,
        help_text="共享前必须确认")

    def __init__(self, *args, bureau_item=False, **kwargs):
        """``bureau_item``: an item of a bureau, which is always shared district-wide."""
        super().__init__(*args, **kwargs)
        if bureau_item:
            self.fields["visibility"].choices = [(Visibility.DISTRICT, Visibility.DISTRICT.label)]
            self.fields["visibility"].initial = Visibility.DISTRICT

    def service_data(self):
        data = {f: self.cleaned_data[f] for f in FIELDS}
        if data["grade_to"] is None:
            data["grade_to"] = data["grade_from"]
        return data


class SearchForm(forms.Form):
    q = forms.CharField(label="关键词", required=False,
                        widget=forms.TextInput(attrs={"placeholder": "标题、内容、教材或单元"}))
    subject = forms.ChoiceField(label="学科", choices=ANY + SUBJECTS, required=False)
    grade = forms.TypedChoiceField(label="年级", choices=ANY + GRADES, coerce=int,
                                   empty_value=None, required=False)
    kind = forms.ChoiceField(label="类型", choices=ANY + KIND_CHOICES, required=False)
    difficulty = forms.TypedChoiceField(label="难度", choices=ANY + DIFFICULTY_CHOICES, coerce=int,
                                        empty_value=None, required=False)
    selected = forms.ChoiceField(label="优秀设计", required=False, choices=[
        ("", "不限"), ("any", "获评优秀设计"), (Level.SCHOOL, "校级优秀设计"),
        (Level.DISTRICT, "区级优秀设计")])
    order = forms.ChoiceField(label="排序", required=False, choices=[
        ("", "最近更新"), ("rating", "评分最高"), ("used", "选用最多")])


class RatingForm(forms.Form):
    stars = forms.TypedChoiceField(label="评分", coerce=int, choices=[
        (5, "★★★★★ 5"), (4, "★★★★ 4"), (3, "★★★ 3"), (2, "★★ 2"), (1, "★ 1")])
    comment = forms.CharField(label="评价（可选）", max_length=500, required=False,
                              widget=forms.Textarea(attrs={"rows": 2}))


class SelectionForm(forms.Form):
    level = forms.ChoiceField(label="级别", choices=Level.choices)
    year = forms.IntegerField(label="年度")
    reason = forms.CharField(label="推荐理由", max_length=500,
                             widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, levels=(), **kwargs):
        """``levels``: the levels the user may award for this item."""
        super().__init__(*args, **kwargs)
        self.fields["level"].choices = [(v, Level(v).label) for v in levels]
        self.fields["year"].initial = timezone.localdate().year
