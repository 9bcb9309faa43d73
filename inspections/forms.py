"""Forms of the random-inspection pages (双随机一公开). The rules live in ``inspections.services``;
forms only shape input.

Names, titles and reasons are not required by the forms on purpose: the service refuses an empty
one with its own message and code, so the refusal reads the same on the page and in the API.
"""

from django import forms

from inspections.models import Department, Draw, Inspection
from org.models import Bureau

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class _BureauMixin:
    """A bureau select that disappears when the user acts in one bureau only."""

    def _set_bureaus(self, bureaus, home_id):
        """``bureaus``: a queryset of the bureaus the user may act in."""
        found = list(bureaus)
        self._only_bureau = found[0] if len(found) == 1 else None
        if len(found) <= 1:
            del self.fields["bureau"]
            return
        self.fields["bureau"].queryset = bureaus
        self.fields["bureau"].initial = home_id

    def bureau(self):
        return self._only_bureau or self.cleaned_data.get("bureau")


class DrawForm(_BureauMixin, forms.Form):
    """A new draw (IN-1): the target roster, how many, the team size and the items."""

    bureau = forms.ModelChoiceField(label="组织抽查的教育局", queryset=Bureau.objects.none(),
                                    empty_label=None)
    title = forms.CharField(label="抽查任务名称", required=False, max_length=100, widget=forms.TextInput(
        attrs={"placeholder": "如：2026 年秋季校外培训机构双随机抽查"}))
    target_kind = forms.ChoiceField(label="检查对象名录", choices=Draw.TargetKind.choices,
                                    initial=Draw.TargetKind.INSTITUTION, widget=forms.RadioSelect)
    count = forms.IntegerField(label="抽取数量", required=False, min_value=1, max_value=100_000)
    percent = forms.IntegerField(label="或抽取比例（%）", required=False, min_value=1, max_value=100)
    per_target = forms.IntegerField(label="每个对象检查人员数", required=False, min_value=1,
                                    max_value=10)
    min_departments = forms.IntegerField(label="联合检查：每组至少几个部门", initial=1,
                                         min_value=1, max_value=10)
    items = forms.CharField(label="检查事项清单（每行一项）", required=False, max_length=2000,
                            widget=forms.Textarea(attrs={"rows": 4}))
    seed = forms.CharField(label="随机种子（可空）", required=False, max_length=64,
                           help_text="可填写公开来源的数字（如抽查当日的福利彩票开奖号码），便于社会监督；"
                                     "留空由系统随机生成。")

    def __init__(self, *args, bureaus, home_id=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._set_bureaus(bureaus, home_id)

    def clean(self):
        data = super().clean()
        if data.get("count") is not None and data.get("percent") is not None:
            self.add_error("percent", "抽取数量和抽取比例只填一项。")
        return data

    def service_data(self):
        data = {k: v for k, v in self.cleaned_data.items() if k != "bureau"}
        return {**data, "bureau": self.bureau()}


class ResultForm(forms.Form):
    """The team's result of one inspection."""

    outcome = forms.ChoiceField(label="检查结果", choices=Inspection.Outcome.choices,
                                widget=forms.RadioSelect)
    findings = forms.CharField(label="发现的问题与处理", required=False, max_length=5000,
                               widget=forms.Textarea(attrs={"rows": 5}),
                               help_text="公示后向社会公开。请写明问题和处理意见，不要填写个人身份信息。")
    checked_on = forms.DateField(label="检查日期", required=False, widget=DATE,
                                 help_text="留空为今天。")


class InspectorForm(_BureauMixin, forms.Form):
    """One person added to the inspector roster."""

    bureau = forms.ModelChoiceField(label="所属名录（教育局）", queryset=Bureau.objects.none(),
                                    empty_label=None)
    name = forms.CharField(label="姓名", required=False, max_length=50)
    department = forms.ChoiceField(label="部门", choices=Department.choices,
                                   initial=Department.EDUCATION)
    certificate_no = forms.CharField(label="执法证号", required=False, max_length=40)
    user = forms.ModelChoiceField(label="关联督学账号（可空）", queryset=None, required=False,
                                  empty_label="—（无平台账号）",
                                  help_text="本区督学的账号；关联后，他能在“我的检查任务”中看到并录入结果。")

    def __init__(self, *args, bureaus, home_id=None, logins, **kwargs):
        super().__init__(*args, **kwargs)
        self._set_bureaus(bureaus, home_id)
        self.fields["user"].queryset = logins
        self.fields["user"].label_from_instance = lambda u: f"{u.name or u.username}（{u.username}）"

    def clean(self):
        data = super().clean()
        user, bureau = data.get("user"), self.bureau()
        if user is not None and bureau is not None and not user.role_assignments.filter(
                role="inspector", bureau=bureau).exists():
            self.add_error("user", "该账号不是所选教育局的督学。")
        return data

    def service_data(self):
        data = {k: v for k, v in self.cleaned_data.items() if k != "bureau"}
        return {**data, "bureau": self.bureau()}


class ConflictForm(forms.Form):
    """A declared conflict of interest: an inspector and one institution or school."""

    inspector = forms.ModelChoiceField(label="执法检查人员", queryset=None)
    institution = forms.ModelChoiceField(label="回避的培训机构", queryset=None, required=False,
                                         empty_label="—")
    school = forms.ModelChoiceField(label="或回避的学校", queryset=None, required=False,
                                    empty_label="—")
    reason = forms.CharField(label="回避理由", required=False, max_length=200,
                             widget=forms.TextInput(attrs={"placeholder": "如：近亲属在该机构任职"}))

    def __init__(self, *args, inspectors, institutions, schools, **kwargs):
        kwargs.setdefault("auto_id", "id_conflict_%s")
        super().__init__(*args, **kwargs)
        self.fields["inspector"].queryset = inspectors
        self.fields["institution"].queryset = institutions
        self.fields["school"].queryset = schools


class PublicFilterForm(forms.Form):
    """Search of the public results (all optional; an invalid value filters nothing)."""

    q = forms.CharField(label="机构或学校名称", required=False, max_length=100)
    bureau = forms.ChoiceField(label="教育局", required=False)

    def __init__(self, *args, bureaus, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["bureau"].choices = [("", "全部")] + [(b.code, b.name) for b in bureaus]
