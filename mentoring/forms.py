"""Forms of the mentoring pages. They only shape input: the rules (MT-1..MT-3, the term's dates,
required records and reasons) live in ``mentoring.services`` and come back as RuleViolations."""

from django import forms

from mentoring.models import Task
from org.models import GRADE_NAMES

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PlanForm(forms.Form):
    school = forms.ModelChoiceField(label="学校", queryset=None, empty_label=None)
    term = forms.ModelChoiceField(label="学期", queryset=None, empty_label=None)
    grades = forms.TypedMultipleChoiceField(
        label="覆盖年级", coerce=int, required=False, widget=forms.CheckboxSelectMultiple,
        help_text="MT-1：初中全部年级，小学可先选关键年级；覆盖年级的每名学生都要有导师。")

    def __init__(self, *args, schools, terms, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = schools
        self.fields["term"].queryset = terms
        self.fields["term"].label_from_instance = lambda t: f"{t.school_year} {t.name}"
        grades = sorted({g for s in schools for g in s.grades})
        self.fields["grades"].choices = [(g, GRADE_NAMES[g]) for g in grades]


class TaskForm(forms.Form):
    kind = forms.ChoiceField(label="任务", choices=Task.Kind.choices)
    on = forms.DateField(label="日期", widget=DATE)
    record = forms.CharField(label="简要记录", max_length=1000, required=False,
                             widget=forms.Textarea(attrs={"rows": 3}),
                             help_text="只有导师、班主任和心理健康教师能看到；书面反馈选择“家长可见”后，家长能看到这一条。")
    shared_with_family = forms.BooleanField(label="家长可见（仅书面反馈：成长寄语）",
                                            required=False)


class NoteForm(forms.Form):
    text = forms.CharField(label="受限记录", max_length=2000, required=False,
                           widget=forms.Textarea(attrs={"rows": 3}))


class FlagForm(forms.Form):
    reason = forms.CharField(label="需要关注的原因", max_length=300, required=False,
                             widget=forms.TextInput(attrs={"placeholder": "如 近期情绪低落、厌学"}))
