from django import forms

from schoolcal.models import DayOverride, Term, Vacation


class TermForm(forms.ModelForm):
    class Meta:
        model = Term
        fields = ["school_year", "name", "start", "end"]
        widgets = {"start": forms.DateInput(attrs={"type": "date"}),
                   "end": forms.DateInput(attrs={"type": "date"})}


class VacationForm(forms.ModelForm):
    class Meta:
        model = Vacation
        fields = ["name", "start", "end"]
        widgets = {"start": forms.DateInput(attrs={"type": "date"}),
                   "end": forms.DateInput(attrs={"type": "date"})}


class OverrideForm(forms.Form):
    date = forms.DateField(label="日期", widget=forms.DateInput(attrs={"type": "date"}))
    kind = forms.ChoiceField(label="类型", choices=DayOverride.Kind.choices)
    note = forms.CharField(label="说明", max_length=100, required=False)
