"""Forms of the homework pages. The rules live in homework.services; forms only shape input.

The forbidden choices (HW-8 kinds, HW-9 parent roles, HW-11 phone channel) stay in the lists
on purpose: a teacher who picks one is refused by the service with the rule id, instead of the
form quietly hiding that such homework is not allowed.
"""

from django import forms

from homework.models import Channel, Kind, Layer, ParentRole, Place
from org.models import SUBJECTS, Pupil

# The fields a form hands to services.file_homework / update_homework as keyword arguments.
ITEM_FIELDS = ["subject", "title", "content", "kind", "minutes", "layer", "place", "parent_role",
               "channel", "requires_phone", "self_grading"]


class HomeworkForm(forms.Form):
    subject = forms.ChoiceField(label="学科")
    title = forms.CharField(label="标题", max_length=100)
    content = forms.CharField(label="内容", required=False,
                              widget=forms.Textarea(attrs={"rows": 4}))
    kind = forms.ChoiceField(label="类型", choices=Kind.choices, initial=Kind.WRITTEN)
    # Bounds are the service's (1–300, with its own message); the widget only hints them.
    minutes = forms.IntegerField(label="预计完成时间（分钟）",
                                 widget=forms.NumberInput(attrs={"min": 1, "max": 300}))
    layer = forms.ChoiceField(label="分层", choices=Layer.choices, initial=Layer.REQUIRED)
    pupils = forms.ModelMultipleChoiceField(label="指定学生（仅个性化作业）",
                                            queryset=Pupil.objects.none(), required=False,
                                            widget=forms.CheckboxSelectMultiple)
    place = forms.ChoiceField(label="完成地点", choices=Place.choices, initial=Place.HOME)
    parent_role = forms.ChoiceField(label="家长参与", choices=ParentRole.choices,
                                    initial=ParentRole.NONE)
    channel = forms.ChoiceField(label="布置方式", choices=Channel.choices, initial=Channel.PLATFORM)
    requires_phone = forms.BooleanField(label="需要使用手机完成", required=False)
    self_grading = forms.BooleanField(label="要求学生自批自改", required=False)

    def __init__(self, *args, subjects, pupils, with_date=False, calibration_url=None, **kwargs):
        """``subjects``: codes the user may file for here; ``pupils``: the class's pupils;
        ``calibration_url``: the fragment that suggests a calibrated time as minutes are typed."""
        super().__init__(*args, **kwargs)
        names = dict(SUBJECTS)
        self.fields["subject"].choices = [(s, names[s]) for s in subjects]
        self.fields["pupils"].queryset = pupils
        self.fields["pupils"].label_from_instance = lambda p: p.name
        if with_date:
            self.fields["date"] = forms.DateField(label="日期",
                                                  widget=forms.DateInput(attrs={"type": "date"}))
        if calibration_url:
            self.fields["minutes"].widget.attrs.update({
                "hx-get": calibration_url, "hx-target": "#calibration",
                "hx-trigger": "input changed delay:300ms, change from:#id_subject",
                "hx-include": "#id_subject, #id_minutes"})

    def service_data(self):
        """Keyword arguments for the services; pupils only count for personalised homework."""
        data = {f: self.cleaned_data[f] for f in ITEM_FIELDS}
        if "date" in self.fields:
            data["date"] = self.cleaned_data["date"]
        personalised = data["layer"] == Layer.PERSONALISED
        pupils = list(self.cleaned_data["pupils"]) if personalised else []
        return data, pupils


class TimeReportForm(forms.Form):
    minutes = forms.IntegerField(label="孩子完成当天作业的实际用时（分钟）",
                                 widget=forms.NumberInput(attrs={"min": 0, "max": 600}))
    difficulty = forms.TypedChoiceField(
        label="难度（可选）", required=False, coerce=int, empty_value=None,
        choices=[("", "—"), (1, "1 很容易"), (2, "2 较容易"), (3, "3 适中"), (4, "4 较难"),
                 (5, "5 很难")])

    def __init__(self, *args, items=(), **kwargs):
        """One optional minutes field per published item (``item_<pk>``)."""
        super().__init__(*args, **kwargs)
        for item in items:
            self.fields[f"item_{item.pk}"] = forms.IntegerField(
                label=f"{item.get_subject_display()}：{item.title}（分钟，可选）", required=False,
                widget=forms.NumberInput(attrs={"min": 0, "max": 600}))

    def item_pairs(self):
        return [(int(name.removeprefix("item_")), value)
                for name, value in self.cleaned_data.items()
                if name.startswith("item_") and value is not None]
