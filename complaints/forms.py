"""Forms of the complaint pages. The rules (required fields, lengths, phone numbers, file types,
which unit a complaint can go to) live in ``complaints.services``; the text fields are not
required here on purpose, so that a refusal reads the same on the page and in the API."""

import datetime as dt

from django import forms
from django.db.models import Q
from django.utils import timezone

from complaints.models import SECTIONS, Complaint, ComplaintLink, normalise_code
from institutions.models import Card, Institution
from org.models import School

TEXT = forms.Textarea(attrs={"rows": 3})
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
ACCEPT = "image/jpeg,image/png,application/pdf,.jpg,.jpeg,.png,.pdf"


def _blank(choices, label="全部"):
    return [("", label)] + [(str(k), str(v)) for k, v in choices]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented recipe)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPT}))
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


# ---- filing ------------------------------------------------------------------------------------


class ComplaintForm(forms.Form):
    """The public form and the hotline's intake form (``staff``: with the channel). The
    school and institution lists follow the chosen district (reloaded with htmx)."""

    bureau = forms.ChoiceField(label="受理教育局（区县）")
    channel = forms.ChoiceField(label="渠道", choices=[
        (str(c), str(c.label)) for c in (Complaint.Channel.HOTLINE, Complaint.Channel.LETTER,
                                         Complaint.Channel.VISIT)])
    category = forms.ChoiceField(label="投诉类别", required=False,
                                 choices=_blank(Complaint.Category.choices, "请选择"))
    subject = forms.CharField(label="标题", required=False, max_length=200)
    details = forms.CharField(label="投诉内容", required=False, widget=forms.Textarea(
        attrs={"rows": 8}), help_text="请写明时间、地点、涉及的班级或人员和具体情况（10–3000字）。")
    school = forms.ChoiceField(label="涉及学校（选填）", required=False)
    institution = forms.ChoiceField(label="涉及培训机构（选填）", required=False)
    teacher_name = forms.CharField(label="涉及教师姓名（选填）", required=False, max_length=100)
    anonymous = forms.BooleanField(label="匿名投诉（不留姓名和电话）", required=False)
    complainant_name = forms.CharField(label="您的姓名", required=False, max_length=100)
    complainant_phone = forms.CharField(label="联系电话（手机或带区号的固话）", required=False,
                                        max_length=30)
    attachments = MultipleFileField(label="附件（选填：照片或 PDF，最多 3 个，每个不超过 5 MB）")

    def __init__(self, *args, bureaus, staff=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.bureaus = {b.code: b for b in bureaus}
        self.fields["bureau"].choices = [(b.code, b.name) for b in bureaus]
        if not staff:
            del self.fields["channel"]
        code = self.data.get("bureau") if self.is_bound else self.initial.get("bureau")
        self.bureau = self.bureaus.get(code) or (bureaus[0] if len(bureaus) == 1 else None)
        if self.bureau is not None:
            self.fields["bureau"].initial = self.bureau.code
            if not self.is_bound:  # the form's initial wins over the field's: set both
                self.initial["bureau"] = self.bureau.code
        self.fields["school"].choices = [("", "—")] + [
            (str(pk), name) for pk, name in School.objects.filter(bureau=self.bureau)
            .order_by("name", "pk").values_list("pk", "name")]
        self.fields["institution"].choices = [("", "—")] + [
            (str(pk), name) for pk, name in Institution.objects.public()
            .filter(bureau=self.bureau).order_by("name", "pk").values_list("pk", "name")]

    def service_data(self):
        data = dict(self.cleaned_data)
        data["bureau"] = self.bureaus[data["bureau"]]
        data["school"] = data["school"] or None
        data["institution"] = data["institution"] or None
        return data


# ---- the staff pages ---------------------------------------------------------------------------


class FilterForm(forms.Form):
    """The list's filters (all optional; an invalid value filters nothing)."""

    status = forms.ChoiceField(label="状态", required=False,
                               choices=_blank(Complaint.Status.choices))
    category = forms.ChoiceField(label="类别", required=False,
                                 choices=_blank(Complaint.Category.choices))
    flag = forms.ChoiceField(label="标记", required=False, choices=_blank([
        ("open", "未办结"), ("overdue", "已超期"), ("escalated", "已升级督办")]))
    q = forms.CharField(label="查询码或标题", required=False, max_length=100)

    def filter(self, complaints, today):
        if not self.is_bound or not self.is_valid():
            return complaints
        data = self.cleaned_data
        if data["status"]:
            complaints = complaints.filter(status=data["status"])
        if data["category"]:
            complaints = complaints.filter(category=data["category"])
        if data["flag"] == "open":
            complaints = complaints.open()
        elif data["flag"] == "overdue":
            complaints = complaints.overdue(today)
        elif data["flag"] == "escalated":
            complaints = complaints.filter(escalated_at__isnull=False)
        if q := data["q"].strip():
            code = normalise_code(q)
            complaints = complaints.filter(Q(code=code) if code else Q(subject__icontains=q))
        return complaints


class PeriodForm(forms.Form):
    start = forms.DateField(label="登记日期自", required=False, widget=DATE)
    end = forms.DateField(label="至", required=False, widget=DATE)

    def period(self):
        """(start, end) asked for; this year so far by default."""
        today = timezone.localdate()
        if self.is_bound and self.is_valid():
            return self.cleaned_data["start"], self.cleaned_data["end"]
        return dt.date(today.year, 1, 1), today


class NoteForm(forms.Form):
    note = forms.CharField(label="说明（投诉人可见，选填）", required=False, widget=TEXT)


class OutcomeForm(forms.Form):
    outcome = forms.CharField(label="办理结果（投诉人可见）", required=False, widget=TEXT)


class ReasonForm(forms.Form):
    reason = forms.CharField(label="不予受理的理由（投诉人可见）", required=False, widget=TEXT)


class ReplyForm(forms.Form):
    text = forms.CharField(label="内容", required=False, widget=TEXT)
    visibility = forms.ChoiceField(label="类型", widget=forms.RadioSelect, initial="internal",
                                   choices=[("public", "答复投诉人（查询页可见）"),
                                            ("internal", "内部备注（仅工作人员可见）")])


class MergeForm(forms.Form):
    main = forms.CharField(label="主件查询码或编号", max_length=30)
    note = forms.CharField(label="内部说明（选填）", required=False, widget=TEXT)


class ReassignForm(forms.Form):
    unit = forms.ChoiceField(label="改由")
    reason = forms.CharField(label="转办原因", required=False, widget=TEXT)

    def __init__(self, *args, complaint, **kwargs):
        super().__init__(*args, **kwargs)
        schools = School.objects.filter(bureau_id=complaint.bureau_id).order_by("name", "pk")
        self.fields["unit"].choices = (
            [("教育局科室", [(f"section:{k}", v) for k, v in SECTIONS.items()])]
            + [("学校", [(f"school:{s.pk}", s.name) for s in schools])])

    def service_data(self):
        kind, _, value = self.cleaned_data["unit"].partition(":")
        return {"school": value if kind == "school" else None,
                "section": value if kind == "section" else "",
                "reason": self.cleaned_data["reason"]}


class CardForm(forms.Form):
    colour = forms.ChoiceField(label="类型", choices=Card.Colour.choices)
    reason = forms.CharField(label="事由", required=False, widget=TEXT)
    rule = forms.CharField(label="违反的规则编号（选填，如 TS-1）", required=False, max_length=10)


class LinkForm(forms.Form):
    kind = forms.ChoiceField(label="关联", choices=[
        (k, v) for k, v in ComplaintLink.Kind.choices if k != ComplaintLink.Kind.CARD])
    object_id = forms.IntegerField(label="对象编号", min_value=1, max_value=2**31 - 1)
    note = forms.CharField(label="说明（选填）", required=False, max_length=300)


class AttachForm(forms.Form):
    file = forms.FileField(label="附件（JPG、PNG 或 PDF，不超过 5 MB）",
                           widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}))
