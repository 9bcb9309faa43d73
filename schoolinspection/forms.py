"""Forms of the school-supervision pages. The rules live in ``schoolinspection.services``; forms
only shape input, and texts are left optional on purpose so that the service's refusal (with its
code) reads the same on the page and in the API."""

from django import forms

from schoolinspection.checklist import VISIT_ITEMS

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MARKS = [("yes", "符合"), ("no", "不符合")]


class _UserChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name or obj.username}（{obj.username}）"


class AssignmentForm(forms.Form):
    """Make a district inspector a school's responsible inspector (IN-3)."""

    school = forms.ModelChoiceField(label="学校", queryset=None)
    inspector = _UserChoice(label="责任督学", queryset=None)
    since = forms.DateField(label="起始日期", required=False, widget=DATE, help_text="留空为今天。")
    contact_phone = forms.CharField(label="公示联系电话", required=False, max_length=20,
                                    help_text="留空则公示督学账号登记的手机号。")

    def __init__(self, *args, schools, inspectors, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = schools
        self.fields["inspector"].queryset = inspectors


class SelfCheckForm(forms.Form):
    """One 符合/不符合 choice and one note per checklist item, pre-set to the platform's
    suggestion. ``rows`` come from ``checklist.prefill``."""

    def __init__(self, *args, rows, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = rows
        for row in rows:
            initial = {True: "yes", False: "no"}.get(row["suggested"])
            self.fields[f"{row['code']}-mark"] = forms.ChoiceField(
                label=row["label"], choices=MARKS, required=False, initial=initial,
                widget=forms.RadioSelect)
            self.fields[f"{row['code']}-note"] = forms.CharField(
                label="说明", required=False, max_length=500,
                widget=forms.Textarea(attrs={"rows": 2}))

    def items(self):
        """Rows with their bound fields, for the template."""
        return [{**row, "mark": self[f"{row['code']}-mark"], "note": self[f"{row['code']}-note"]}
                for row in self.rows]

    def answers(self):
        """The service's ``answers``: an unmarked item is sent unmarked (the service says so)."""
        data = self.cleaned_data
        marks = {"yes": True, "no": False}
        return [{"code": row["code"], "compliant": marks.get(data.get(f"{row['code']}-mark")),
                 "note": data.get(f"{row['code']}-note", "")} for row in self.rows]


class VisitForm(forms.Form):
    """One visit (入校督导, IN-4): what was checked, how it went, what must be fixed."""

    visited_on = forms.DateField(label="督导日期", required=False, widget=DATE,
                                 help_text="留空为今天。")
    items = forms.MultipleChoiceField(label="检查事项", choices=VISIT_ITEMS, required=False,
                                      widget=forms.CheckboxSelectMultiple)
    summary = forms.CharField(label="督导情况", required=False, max_length=5000,
                              widget=forms.Textarea(attrs={"rows": 4}))
    findings = forms.CharField(
        label="发现的问题（每行一条）", required=False, max_length=20000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="每一行形成一项整改任务，学校在期限内提交整改情况，由您验收。")
    due = forms.DateField(label="整改期限", required=False, widget=DATE,
                          help_text="留空为默认期限。")

    def service_data(self):
        data = dict(self.cleaned_data)
        data["findings"] = [line.strip() for line in data["findings"].splitlines() if line.strip()]
        return data


class TaskForm(forms.Form):
    """A task from another source (e.g. a complaint or a bureau check)."""

    description = forms.CharField(label="问题与整改要求", required=False, max_length=2000,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    due = forms.DateField(label="整改期限", required=False, widget=DATE,
                          help_text="留空按本区规定的工作日数计算。")


class EvidenceForm(forms.Form):
    evidence = forms.CharField(label="整改措施和结果", required=False, max_length=5000,
                               widget=forms.Textarea(attrs={"rows": 3}))


class AcceptForm(forms.Form):
    note = forms.CharField(label="验收意见（可空）", required=False, max_length=2000)


class ReturnForm(forms.Form):
    reason = forms.CharField(label="退回理由", required=False, max_length=2000)
    due = forms.DateField(label="新的整改期限（可空：不变）", required=False, widget=DATE)
