"""Forms of the five-managements pages. They shape input; the rules live in
``wellbeing.services`` (field checks) and ``wellbeing.compliance`` (rule checks)."""

from django import forms

from org.models import GRADE_NAMES
from wellbeing.compliance import school_stages
from wellbeing.models import ReadingList, SchoolSettings

TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
YES_NO = [("yes", "是"), ("no", "否")]


def minutes(label, maximum, help_text=""):
    return forms.IntegerField(label=label, min_value=0, max_value=maximum, help_text=help_text,
                              widget=forms.NumberInput(attrs={"min": 0, "max": maximum}))


class SettingsForm(forms.Form):
    """A school's settings for a term; the PE fields are one per grade of the school."""

    class_start_primary = forms.TimeField(label="小学部上午第一节课开始时间", widget=TIME,
                                          help_text="SL-2")
    class_start_junior = forms.TimeField(label="初中部上午第一节课开始时间", widget=TIME,
                                         help_text="SL-2")
    early_arrival_required = forms.BooleanField(
        label="要求学生提前到校参加统一活动", required=False,
        help_text="SL-2：不得要求学生提前到校参加统一的教育教学活动")
    big_break_minutes = minutes("大课间时长（分钟）", 90, "PE-2")
    break_minutes = minutes("课间休息时长（分钟）", 90, "PE-3（执行新标准时）")
    in_school_activity_minutes = minutes("每天校内体育活动时间（分钟）", 240,
                                         "体育课、大课间、课外体育活动平均每天合计（PE-2）")
    phone_default = forms.ChoiceField(label="学生手机进校", widget=forms.RadioSelect,
                                      choices=SchoolSettings.PhoneDefault.choices,
                                      help_text="PH-1")
    phone_consent_required = forms.BooleanField(label="确需带入的须家长同意、学生书面申请",
                                                required=False)
    phone_kept_by_school = forms.BooleanField(label="进校后由学校统一保管", required=False)
    phone_banned_in_class = forms.BooleanField(label="禁止带入课堂", required=False)
    public_phone = forms.BooleanField(label="设立校内公共电话", required=False, help_text="PH-2")
    head_teacher_hotline = forms.BooleanField(label="建立班主任沟通热线", required=False)
    e_student_card = forms.BooleanField(label="提供具备通话功能的电子学生证", required=False)
    other_channel = forms.CharField(label="其他联系渠道", required=False, max_length=200)

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        stages = school_stages(school)
        for stage in ("primary", "junior"):
            if stage not in stages:
                del self.fields[f"class_start_{stage}"]
        self.grades = list(school.grades)
        for grade in self.grades:
            self.fields[f"pe_{grade}"] = forms.IntegerField(
                label=f"{GRADE_NAMES[grade]}每周体育课时", min_value=0, max_value=20,
                help_text="PE-1")

    @classmethod
    def initial_from(cls, settings):
        if settings is None:
            return None
        initial = {f: getattr(settings, f) for f in (
            "class_start_primary", "class_start_junior", "early_arrival_required",
            "big_break_minutes", "break_minutes", "in_school_activity_minutes", "phone_default",
            "phone_consent_required", "phone_kept_by_school", "phone_banned_in_class",
            "public_phone", "head_teacher_hotline", "e_student_card", "other_channel")}
        initial.update({f"pe_{g}": v for g, v in (settings.pe_lessons or {}).items()})
        return initial

    def service_data(self):
        data = {k: v for k, v in self.cleaned_data.items() if not k.startswith("pe_")}
        data["pe_lessons"] = {str(g): self.cleaned_data[f"pe_{g}"] for g in self.grades}
        return data

    def pe_fields(self):
        return [self[f"pe_{g}"] for g in self.grades]

    def other_fields(self):
        return [f for f in self if not f.name.startswith("pe_")]


class ReadingListForm(forms.Form):
    school_year = forms.CharField(label="学年", max_length=9,
                                  widget=forms.TextInput(attrs={"placeholder": "如 2026-2027"}))
    title = forms.CharField(label="名称", max_length=100,
                            widget=forms.TextInput(attrs={"placeholder": "如 2026 学年课外阅读推荐书目"}))
    grades = forms.TypedMultipleChoiceField(label="适用年级", coerce=int,
                                            widget=forms.CheckboxSelectMultiple)
    books = forms.CharField(label="推荐书目", widget=forms.Textarea(attrs={"rows": 8}),
                            help_text="每行一本：书名 / 作者 / 出版社")
    purchase = forms.ChoiceField(label="购买方式", choices=ReadingList.Purchase.choices,
                                 initial=ReadingList.Purchase.VOLUNTARY,
                                 help_text="RD-2：坚持自愿购买，学校不得组织统一购买")
    disclosed_to_parents = forms.BooleanField(label="推荐书目已向家长公开", required=False,
                                              help_text="RD-2")

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grades"].choices = [(g, GRADE_NAMES[g]) for g in school.grades]


class ReadingChangeForm(forms.Form):
    purchase = forms.ChoiceField(label="购买方式", choices=ReadingList.Purchase.choices)
    disclosed_to_parents = forms.BooleanField(label="推荐书目已向家长公开", required=False)


class AdvanceForm(forms.Form):
    to = forms.ChoiceField(label="下一程序", choices=ReadingList.Status.choices)
    negative_list_checked = forms.BooleanField(
        label="经审核，推荐读物不含《中小学生课外读物进校园管理办法》所列 12 种负面情形",
        required=False)
    note = forms.CharField(label="说明", required=False, max_length=300,
                           widget=forms.TextInput(
                               attrs={"placeholder": "如 校读物选用委员会 11 月 20 日审核"}))


class LaunchForm(forms.Form):
    closes_on = forms.DateField(label="截止日期", widget=forms.DateInput(attrs={"type": "date"}))


class AnswerForm(forms.Form):
    """A guardian's answers for one child (a typical school day)."""

    bedtime = forms.TimeField(label="孩子上学日通常几点入睡", widget=TIME)
    wake_time = forms.TimeField(label="孩子上学日通常几点起床", widget=TIME)
    homework_minutes = minutes("孩子每天在家完成书面作业大约多少分钟", 600,
                               "在学校和课后服务时段完成的不计")
    homework_done_by = forms.TimeField(label="书面作业通常几点完成", widget=TIME, required=False,
                                       help_text="没有家庭书面作业可不填")
    phone_to_school = forms.TypedChoiceField(
        label="孩子是否带手机进校", choices=YES_NO, widget=forms.RadioSelect,
        coerce=lambda v: v == "yes")
    screen_minutes = minutes("孩子每天使用手机、平板等电子产品娱乐大约多少分钟", 720)
    reading_minutes = minutes("孩子每天课外阅读大约多少分钟", 600)
    compulsory_purchase = forms.TypedChoiceField(
        label="学校是否要求或统一组织购买课外读物", choices=YES_NO, widget=forms.RadioSelect,
        coerce=lambda v: v == "yes")
    pe_in_school_minutes = minutes("孩子每天在校体育活动大约多少分钟", 600,
                                   "体育课、大课间、课外体育活动")
    pe_out_school_minutes = minutes("孩子每天在校外体育锻炼大约多少分钟", 600)
    burden = forms.TypedChoiceField(
        label="您觉得孩子的课业负担", widget=forms.RadioSelect, coerce=int,
        choices=[(1, "很轻"), (2, "较轻"), (3, "适中"), (4, "较重"), (5, "很重")])
    subject_training = forms.TypedChoiceField(
        label="孩子本学期是否参加学科类校外培训", choices=YES_NO, widget=forms.RadioSelect,
        coerce=lambda v: v == "yes")


class PublishForm(forms.Form):
    term = forms.IntegerField(widget=forms.HiddenInput)
    public = forms.BooleanField(label="同时在公开页面向社会公布", required=False)
    note = forms.CharField(label="说明", required=False, max_length=300)
