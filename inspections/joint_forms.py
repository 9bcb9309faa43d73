"""Forms of the joint enforcement pages (联合执法, IN-2). The rules live in
``inspections.services`` (``create_operation``, ``record_visit``); forms only shape input.

The title, the departments, the findings and the card colour are not required by the forms on
purpose: the service refuses a missing one with its own message and code, so the refusal reads the
same on the page and in the API.
"""

from django import forms
from django.db.models import Q
from django.utils import timezone

from inspections.forms import DATE, _BureauMixin
from inspections.models import Department, JointVisit
from institutions.models import Card, Institution
from org.models import Bureau

SHOWN_INSTITUTIONS = 50


class OperationForm(_BureauMixin, forms.Form):
    """A new joint operation: title, dates, the departments taking part (IN-2) and a summary."""

    bureau = forms.ModelChoiceField(label="组织行动的教育局", queryset=Bureau.objects.none(),
                                    empty_label=None)
    title = forms.CharField(label="行动名称", required=False, max_length=100, widget=forms.TextInput(
        attrs={"placeholder": "如：2026 年秋季校外培训机构联合执法检查"}))
    start = forms.DateField(label="开始日期", widget=DATE)
    end = forms.DateField(label="结束日期", widget=DATE)
    departments = forms.MultipleChoiceField(
        label="参加部门（至少两个）", choices=Department.choices, required=False,
        initial=[Department.EDUCATION], widget=forms.CheckboxSelectMultiple)
    summary = forms.CharField(label="行动总结（可空）", required=False,
                              max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, bureaus, home_id=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._set_bureaus(bureaus, home_id)

    def service_data(self):
        data = {k: v for k, v in self.cleaned_data.items() if k != "bureau"}
        return {**data, "bureau": self.bureau()}


def institution_label(institution):
    """The name, with the registration state when it is not a plain approved institution."""
    if institution.status == Institution.Status.APPROVED:
        return institution.name
    return f"{institution.name}（{institution.get_status_display()}）"


class VisitForm(forms.Form):
    """One institution visited in an operation. The institution select offers at most
    ``SHOWN_INSTITUTIONS`` of the operation's district matching ``institution_q`` (name or credit
    code), leaving out those already recorded; any institution of the district is accepted (the
    service refuses one recorded twice), one of another district is not a choice."""

    institution = forms.ModelChoiceField(label="检查的机构", queryset=Institution.objects.none(),
                                         empty_label="请选择机构")
    visited_on = forms.DateField(label="检查日期", widget=DATE)
    outcome = forms.ChoiceField(label="处理结果", choices=JointVisit.Outcome.choices,
                                widget=forms.RadioSelect)
    findings = forms.CharField(label="发现的问题", required=False, max_length=5000,
                               widget=forms.Textarea(attrs={"rows": 4}),
                               help_text="“未发现问题”以外的结果必须填写；亮牌时作为红黄牌的事由。")
    card_colour = forms.ChoiceField(label="亮牌类型（处理结果为“亮牌警示”时选择）", required=False,
                                    choices=[("", "—")] + Card.Colour.choices)

    def __init__(self, *args, institutions, operation, visited=(), institution_q="", **kwargs):
        """``institutions``: the queryset of the operation's district the user may see;
        ``visited``: ids of the institutions already recorded in the operation."""
        super().__init__(*args, **kwargs)
        field = self.fields["institution"]
        field.queryset = institutions
        self.institution_q = (institution_q or "").strip()[:50]
        shown = institutions.exclude(pk__in=visited)
        if self.institution_q:
            shown = shown.filter(Q(name__icontains=self.institution_q)
                                 | Q(credit_code__icontains=self.institution_q))
        shown = list(shown.order_by("name", "pk")[:SHOWN_INSTITUTIONS + 1])
        self.more_institutions = len(shown) > SHOWN_INSTITUTIONS
        shown = shown[:SHOWN_INSTITUTIONS]
        chosen = self.data.get("institution") if self.is_bound else None
        if chosen and str(chosen).isdigit() and all(str(i.pk) != chosen for i in shown):
            shown += list(institutions.filter(pk=int(chosen)))  # keep the posted choice selected
        self.shown_institutions = len(shown)
        field.widget.choices = [("", field.empty_label)] + [(i.pk, institution_label(i))
                                                           for i in shown]
        # The operation's dates bound the picker; the service refuses a date outside them.
        start, end = operation.start, operation.end
        self.fields["visited_on"].widget = forms.DateInput(
            attrs={"type": "date", "min": start.isoformat(), "max": end.isoformat()},
            format="%Y-%m-%d")
        self.fields["visited_on"].initial = min(max(timezone.localdate(), start), end)
