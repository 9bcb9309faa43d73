"""Forms of the exam pages. The rules live in exams.services; forms only shape input.

The forbidden kinds (weekly, monthly and unit tests, EX-5) stay in the list on purpose, like the
forbidden homework kinds: whoever picks one is refused by the service with the rule id, instead
of the form quietly hiding that such exams are not allowed. Likewise a level cell accepts any
text, so that a score typed in by hand is refused as EX-8 rather than as "not a valid choice".
"""

from django import forms

from exams.models import ExamScope, Kind
from org.models import GRADE_NAMES, SUBJECTS

# The fields a form hands to services.file_exam / change_exam as keyword arguments.
EXAM_FIELDS = ["kind", "subjects", "paper_based", "scope", "date", "title", "note"]


class ExamForm(forms.Form):
    school = forms.ModelChoiceField(label="学校", queryset=None, empty_label=None)
    grade = forms.TypedChoiceField(
        label="年级（全年级考试）", coerce=int, empty_value=None, required=False,
        choices=[("", "—（班级测验按班级）")] + list(GRADE_NAMES.items()))
    school_class = forms.ModelChoiceField(label="班级（仅班级测验填写）", queryset=None,
                                          required=False, empty_label="—（全年级）")
    kind = forms.ChoiceField(label="类型", choices=Kind.choices, initial=Kind.QUIZ)
    subjects = forms.MultipleChoiceField(label="学科", choices=SUBJECTS,
                                         widget=forms.CheckboxSelectMultiple)
    paper_based = forms.BooleanField(label="纸笔考试", required=False, initial=True)
    scope = forms.ChoiceField(label="范围", choices=ExamScope.choices, initial=ExamScope.SCHOOL)
    date = forms.DateField(label="考试日期", widget=forms.DateInput(attrs={"type": "date"}))
    title = forms.CharField(label="名称", max_length=100)
    note = forms.CharField(label="说明", max_length=300, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, schools=None, classes=None, **kwargs):
        """``schools`` / ``classes``: the user's choices (scoped querysets); without them the
        form edits an exam, whose school, grade and class stay as filed."""
        super().__init__(*args, **kwargs)
        if schools is None:
            for name in ("school", "grade", "school_class"):
                del self.fields[name]
            return
        self.fields["school"].queryset = schools
        self.fields["school_class"].queryset = classes
        self.fields["school_class"].label_from_instance = lambda c: f"{c.school.name} {c.name}"
        if len(schools) == 1:
            self.fields["school"].initial = schools[0].pk

    def service_data(self):
        data = {f: self.cleaned_data[f] for f in EXAM_FIELDS}
        if "school" in self.fields:
            data.update(school=self.cleaned_data["school"], grade=self.cleaned_data["grade"],
                        school_class=self.cleaned_data["school_class"])
        return data


def cell_name(pupil_id, subject):
    return f"level_{pupil_id}_{subject}"


class ResultsForm(forms.Form):
    """One level cell per pupil and subject; an empty cell leaves that level as it is."""

    def __init__(self, *args, pupils, subjects, levels, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "—")] + [(code, f"{code} {label}") for code, label in levels]
        self.rows = []
        for pupil in pupils:
            cells = []
            for subject in subjects:
                name = cell_name(pupil.pk, subject)
                self.fields[name] = forms.CharField(
                    required=False, label=f"{pupil.name} {subject}",
                    widget=forms.Select(choices=choices))
                cells.append(self[name])
            self.rows.append((pupil, cells))

    def results(self):
        """``[{"pupil", "subject", "level"}]`` of the filled cells."""
        out = []
        for name, value in self.cleaned_data.items():
            if value:
                _, pupil, subject = name.split("_", 2)
                out.append({"pupil": int(pupil), "subject": subject, "level": value})
        return out
