"""Forms of the teacher-ethics pages. The rules live in ``ethics.services``; forms only shape
input.

Summaries, reasons, notes and the decision are not required by the forms on purpose: the service
refuses an empty one with its own message and code, so a refusal reads the same on the page and
in the API.
"""

from django import forms
from django.db.models import Q
from django.utils import timezone

from ethics.models import PAID_TUTORING, Case, CaseStep, NegativeItem
from org.models import Teacher

TEXT = forms.Textarea(attrs={"rows": 3})
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
SHOWN_TEACHERS = 50  # options in the teacher select; the search narrows the rest


def _blank(choices, label="全部"):
    return [("", label)] + list(choices)


def item_label(code, label):
    """A negative-list item, with PN-8 named on the paid-tutoring prohibitions."""
    return f"{label}（PN-8 有偿补课）" if code in PAID_TUTORING else label


ITEM_CHOICES = [(code, item_label(code, label)) for code, label in NegativeItem.choices]


class CaseFilterForm(forms.Form):
    """Filters of the cases list (all optional; an invalid value filters nothing)."""

    status = forms.ChoiceField(label="状态", required=False,
                               choices=_blank(Case.Status.choices))
    category = forms.ChoiceField(label="负面清单条目", required=False,
                                 choices=_blank(NegativeItem.choices))

    def filter(self, cases):
        if not self.is_bound or not self.is_valid():
            return cases
        if status := self.cleaned_data["status"]:
            cases = cases.filter(status=status)
        if category := self.cleaned_data["category"]:
            cases = cases.filter(category=category)
        return cases


def district_teachers(user):
    """The teachers of the schools of the bureaus where the user is an ethics officer.

    ``Teacher.visible_to`` is the school roster's gate (bureau admins, principals, the teacher):
    ethics officers reach a district's teachers only to open a case, never their pupils or
    personal data, so this is the one query they get (as in ``ethics.api.open_case``).
    """
    bureaus = user.scope.bureau_ids_for(*Case.ACCESS["open"])
    return Teacher.objects.filter(school__bureau_id__in=bureaus).select_related("school")


def teacher_label(teacher):
    """Name, school and staff number: never the ID number or the phone."""
    staff_no = f"，工号 {teacher.staff_no}" if teacher.staff_no else ""
    return f"{teacher.name}（{teacher.school.name}{staff_no}）"


class OpenCaseForm(forms.Form):
    """Opening a case by hand. The teacher select offers at most ``SHOWN_TEACHERS`` of the
    district's teachers matching ``teacher_q`` (name or school); any teacher of the district is
    accepted, one of another district is not a choice."""

    teacher = forms.ModelChoiceField(label="教师", queryset=Teacher.objects.none(),
                                     empty_label="请选择教师")
    category = forms.ChoiceField(label="负面清单条目", choices=_blank(ITEM_CHOICES, "请选择"),
                                 required=False)
    # A staff match becomes a case from its row in the matches list (linked, once per match).
    source = forms.ChoiceField(label="线索来源", required=False, choices=_blank(
        [(k, v) for k, v in Case.Source.choices if k != Case.Source.STAFF_MATCH], "请选择"))
    source_ref = forms.CharField(label="来源编号（投诉跟踪码、检查编号等）", max_length=60,
                                 required=False)
    summary = forms.CharField(label="案情摘要（必填）", max_length=4000, required=False,
                              widget=TEXT)

    def __init__(self, *args, user, teacher_q="", **kwargs):
        kwargs.setdefault("auto_id", "id_open_%s")
        super().__init__(*args, **kwargs)
        teachers = district_teachers(user)
        field = self.fields["teacher"]
        field.queryset = teachers
        self.teacher_q = (teacher_q or "").strip()[:50]
        shown = teachers
        if self.teacher_q:
            shown = shown.filter(Q(name__icontains=self.teacher_q)
                                 | Q(school__name__icontains=self.teacher_q))
        shown = list(shown.order_by("school__name", "name", "pk")[:SHOWN_TEACHERS + 1])
        self.more_teachers = len(shown) > SHOWN_TEACHERS
        shown = shown[:SHOWN_TEACHERS]
        chosen = self.data.get("teacher") if self.is_bound else None
        if chosen and str(chosen).isdigit() and all(str(t.pk) != chosen for t in shown):
            shown += list(teachers.filter(pk=int(chosen)))  # keep the posted choice selected
        self.shown_teachers = len(shown)
        field.widget.choices = [("", field.empty_label)] + [(t.pk, teacher_label(t))
                                                           for t in shown]


class FromMatchForm(forms.Form):
    summary = forms.CharField(label="案情摘要（留空则按比对线索自动生成）", max_length=4000,
                              required=False)


class StepForm(forms.Form):
    kind = forms.ChoiceField(label="类型", choices=[
        (k, v) for k, v in CaseStep.Kind.choices if k != CaseStep.Kind.TRANSITION])
    on = forms.DateField(label="日期", widget=DATE)
    note = forms.CharField(label="记录（必填）", max_length=4000, required=False, widget=TEXT)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_step_%s")
        super().__init__(*args, **kwargs)
        self.fields["on"].initial = timezone.localdate


class MoveForm(forms.Form):
    """A declared transition (Case.TRANSITIONS); ``to`` names the new status."""

    to = forms.ChoiceField(choices=Case.Status.choices, widget=forms.HiddenInput)
    note = forms.CharField(label="说明", max_length=4000, required=False, widget=TEXT)

    def __init__(self, data=None, *, to, **kwargs):
        to = to if to in Case.Status.values else "unknown"
        super().__init__(data, auto_id=f"id_move_{to}_%s", initial={"to": to}, **kwargs)
        self.target = to


class DismissForm(MoveForm):
    note = forms.CharField(label="不予立案或查无实据的理由（必填）", max_length=4000,
                           required=False, widget=TEXT)


class ConcludeForm(MoveForm):
    finding = forms.ChoiceField(label="调查结论", choices=_blank(Case.Finding.choices, "请选择"),
                                required=False)
    sanction = forms.ChoiceField(label="处理（PN-8）", choices=_blank(Case.Sanction.choices,
                                                                    "请选择"), required=False)
    decision = forms.CharField(label="处理决定（必填）", max_length=4000, required=False,
                               widget=TEXT)

    field_order = ["to", "finding", "sanction", "decision", "note"]


MOVE_FORMS = {Case.Status.INVESTIGATING: MoveForm, Case.Status.CONCLUDED: ConcludeForm,
              Case.Status.DISMISSED: DismissForm, Case.Status.CLOSED: MoveForm}

# What each transition's button says.
MOVE_LABELS = {Case.Status.INVESTIGATING: "开始调查", Case.Status.CONCLUDED: "作出处理",
               Case.Status.DISMISSED: "不予立案/查无实据", Case.Status.CLOSED: "结案"}


def move_form(data=None, *, to):
    """The form of the transition to ``to`` (bound to ``data`` when given)."""
    return MOVE_FORMS.get(to, MoveForm)(data, to=to)
