"""Forms of the school admin's after-school pages. The rules (AS-1 … AS-11) live in
afterschool.services; forms only shape input.

Money is entered and shown in 元 with two decimals and stored in integer fen: the conversion goes
through ``Decimal`` and never through a float. The timetable editor has two modes: one time table
for Monday to Friday (the common case), expanded to a slot per weekday and segment for the chosen
grades, or a grid with different times per weekday.
"""

from decimal import Decimal

from django import forms

from afterschool.models import WEEKDAYS, Category, FeeExemption, Instructor, Programme, Segment
from org.models import GRADE_NAMES, Stage

SCHOOL_DAYS = [(d, WEEKDAYS[d]) for d in range(1, 6)]
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
CENT = Decimal("0.01")


# ---- money -----------------------------------------------------------------------------------


def yuan(fen):
    """Integer fen → Decimal 元 with two places (1250 → Decimal("12.50"))."""
    return Decimal(int(fen or 0)).scaleb(-2).quantize(CENT)


def yuan_text(fen):
    """Integer fen → "12.50"."""
    return f"{yuan(fen):,.2f}"


def fen(amount):
    """Decimal 元 (at most two places, as the form field allows) → integer fen."""
    return int((Decimal(amount or 0).quantize(CENT) * 100).to_integral_value())


class YuanField(forms.DecimalField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 9)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("min_value", Decimal("0"))
        kwargs.setdefault("widget", forms.NumberInput(attrs={"step": "0.01", "min": "0"}))
        super().__init__(**kwargs)


# ---- programme and timetable ------------------------------------------------------------------


class ProgrammeForm(forms.Form):
    school = forms.ModelChoiceField(label="学校", queryset=None, empty_label=None)
    term = forms.ModelChoiceField(label="学期", queryset=None, empty_label=None)
    kind = forms.ChoiceField(label="类型", choices=Programme.Kind.choices,
                             initial=Programme.Kind.TERM)
    name = forms.CharField(label="名称", max_length=100,
                           widget=forms.TextInput(attrs={"placeholder": "如 2026 秋季学期课后服务"}))
    grades = forms.TypedMultipleChoiceField(label="服务年级", coerce=int, required=False,
                                            widget=forms.CheckboxSelectMultiple,
                                            help_text="不选则为本校全部年级")
    max_courses = forms.IntegerField(label="每生最多分配菜单课程数", min_value=0, max_value=5,
                                     initial=2, help_text="抽签时每名学生最多获得的菜单课程门数")
    makeup_weekday = forms.TypedChoiceField(label="调休上课日按周几课表", coerce=int,
                                            choices=SCHOOL_DAYS, initial=1)
    start = forms.DateField(label="开始日期", required=False,
                            widget=forms.DateInput(attrs={"type": "date"}),
                            help_text="学期课后服务默认为学期起止；暑期托管必填")
    end = forms.DateField(label="结束日期", required=False,
                          widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, schools, terms, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = schools
        self.fields["term"].queryset = terms
        self.fields["term"].label_from_instance = (
            lambda t: f"{t}（{t.start:%Y-%m-%d} 至 {t.end:%Y-%m-%d}）")
        grades = sorted({g for s in schools for g in s.grades})
        self.fields["grades"].choices = [(g, GRADE_NAMES[g]) for g in grades]

    def service_data(self):
        data = dict(self.cleaned_data)
        data["grades"] = data["grades"] or None  # the service takes all the school's grades
        return data


# Segments of the timetable editor, in the order of the day.
EDITOR_SEGMENTS = [
    (Segment.GUIDANCE, "guidance", "第一时段：作业辅导"),
    (Segment.MENU, "menu", "第二时段：菜单课程"),
    (Segment.DELAYED_CARE, "care", "延时托管（可选，AS-7）"),
    (Segment.EVENING_STUDY, "evening", "晚自习（可选，仅初中，AS-7、AS-8）"),
]


def _time_field(label):
    return forms.TimeField(label=label, required=False, widget=forms.TimeInput(
        attrs={"type": "time", "aria-label": label}, format="%H:%M"))


def grid_name(weekday, key, edge):
    return f"d{weekday}_{key}_{edge}"


class TimetableForm(forms.Form):
    """The timetable as one set of times for Monday to Friday, or a grid of times per weekday.
    Rows left empty have no slot; the services check the result (AS-1, AS-2/AS-3, AS-7, AS-8)."""

    SAME, PER_DAY = "same", "per_day"

    mode = forms.ChoiceField(
        label="填写方式", initial="same",
        choices=[("same", "同一时间表适用于周一至周五"), ("per_day", "每天时间不同（按星期填写）")])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for _, key, label in EDITOR_SEGMENTS:
            for edge, edge_name in (("start", "开始"), ("end", "结束")):
                self.fields[f"{key}_{edge}"] = _time_field(f"{label} {edge_name}")
                for day, day_name in SCHOOL_DAYS:
                    self.fields[grid_name(day, key, edge)] = _time_field(
                        f"{day_name} {label} {edge_name}")

    # The template draws the compact rows and the grid from these.
    def same_rows(self):
        return [(label, self[f"{key}_start"], self[f"{key}_end"])
                for _, key, label in EDITOR_SEGMENTS]

    def grid_rows(self):
        return [(label, [(day_name, self[grid_name(day, key, "start")],
                          self[grid_name(day, key, "end")]) for day, day_name in SCHOOL_DAYS])
                for _, key, label in EDITOR_SEGMENTS]

    def _pairs(self):
        """(weekday, segment, start field, end field) of the chosen mode."""
        for segment, key, _ in EDITOR_SEGMENTS:
            for day, _ in SCHOOL_DAYS:
                if self.cleaned_data.get("mode") == self.PER_DAY:
                    yield day, segment, grid_name(day, key, "start"), grid_name(day, key, "end")
                else:
                    yield day, segment, f"{key}_start", f"{key}_end"

    def clean(self):
        data = super().clean()
        for _, _, start_name, end_name in self._pairs():
            start, end = data.get(start_name), data.get(end_name)
            if (start is None) != (end is None) and end_name not in self.errors \
                    and start_name not in self.errors:
                self.add_error(end_name if end is None else start_name, "请同时填写开始和结束时间。")
            elif start and end and end <= start and end_name not in self.errors:
                self.add_error(end_name, "结束时间应晚于开始时间。")
        return data

    def slots(self, *, grades, school):
        """Slot dicts for the services. Evening self-study goes to the junior grades; when none is
        chosen, to all of them, so that the services refuse it with AS-7 instead of dropping it."""
        junior = [g for g in grades if school.stage_of_grade(g) == Stage.JUNIOR]
        out = []
        for weekday, segment, start_name, end_name in self._pairs():
            start, end = self.cleaned_data.get(start_name), self.cleaned_data.get(end_name)
            if start is None or end is None:
                continue
            for_grades = (junior or grades) if segment == Segment.EVENING_STUDY else grades
            out.append({"weekday": weekday, "segment": str(segment), "grades": list(for_grades),
                        "start": start, "end": end})
        return out


def timetable_initial(programme):
    """The editor's initial values from a programme's slots: the compact mode when every weekday
    has the same times, else the grid. ``differs_by_grade`` when slots differ between grades
    (set through the API); the editor applies one table to all the programme's grades."""
    by_day = {}
    differs_by_grade = False
    for slot in programme.slots.all():
        key = next(k for s, k, _ in EDITOR_SEGMENTS if s == slot.segment)
        by_day.setdefault((slot.weekday, key), (slot.start, slot.end))
        differs_by_grade |= sorted(slot.grades) != sorted(programme.grades) and \
            slot.segment != Segment.EVENING_STUDY
    initial = {}
    for (day, key), (start, end) in by_day.items():
        if 1 <= day <= 5:
            initial[grid_name(day, key, "start")], initial[grid_name(day, key, "end")] = start, end
    same = True
    for _, key, _ in EDITOR_SEGMENTS:
        times = {by_day.get((day, key)) for day, _ in SCHOOL_DAYS}
        if len(times) > 1:
            same = False
        elif times != {None}:
            initial[f"{key}_start"], initial[f"{key}_end"] = times.pop()
    initial["mode"] = TimetableForm.SAME if same else TimetableForm.PER_DAY
    return initial, differs_by_grade


# ---- instructors ------------------------------------------------------------------------------


class InstructorForm(forms.Form):
    kind = forms.ChoiceField(label="类型", choices=Instructor.Kind.choices)
    teacher = forms.ModelChoiceField(label="本校教师（类型为本校教师时选择）", queryset=None,
                                     required=False, empty_label="—")
    institution = forms.ModelChoiceField(label="培训机构（类型为非学科类培训机构时选择）",
                                         queryset=None, required=False, empty_label="—")
    name = forms.CharField(label="姓名（校外人员）", max_length=50, required=False)
    phone = forms.CharField(label="手机号", max_length=20, required=False)
    qualification = forms.CharField(label="资质", max_length=100, required=False,
                                    help_text="如 教师资格证、教练员证、专业技术职称")
    certificate_no = forms.CharField(label="资格证书编号", max_length=40, required=False,
                                     help_text="退休教师、专业人员必填")
    background_checked = forms.BooleanField(
        label="已完成背景审查（含违法犯罪记录查询）", required=False,
        help_text="校外人员须先完成背景审查（AS-9）")

    def __init__(self, *args, teachers, institutions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["teacher"].queryset = teachers
        self.fields["institution"].queryset = institutions
        self.fields["institution"].label_from_instance = (
            lambda i: f"{i.name}（{i.get_licence_status_display()}）")


# ---- courses ----------------------------------------------------------------------------------


class CourseForm(forms.Form):
    """A menu course. ``programme`` given: the full form to add one; without: the fields
    ``services.change_course`` can change (times, grades and people stay as added)."""

    name = forms.CharField(label="课程名称", max_length=100)
    category = forms.ChoiceField(label="类别", required=False,
                                 choices=[("", "—")] + list(Category.choices))
    instructor = forms.ModelChoiceField(label="授课人员", queryset=None, required=False,
                                        empty_label="—（由负责教师授课）")
    duty_teacher = forms.ModelChoiceField(
        label="负责教师（考勤与安全）", queryset=None, required=False, empty_label="—",
        help_text="校外人员授课时必须指定一名本校教师（AS-9）")
    capacity = forms.IntegerField(label="容量（人）", min_value=1, max_value=10_000)
    grades = forms.TypedMultipleChoiceField(label="适用年级", coerce=int,
                                            widget=forms.CheckboxSelectMultiple)
    weekdays = forms.TypedMultipleChoiceField(label="上课星期", coerce=int, choices=SCHOOL_DAYS,
                                              widget=forms.CheckboxSelectMultiple)
    start = forms.TimeField(label="开始时间", widget=TIME)
    end = forms.TimeField(label="结束时间", widget=TIME)
    place = forms.CharField(label="地点", max_length=100, required=False)
    fee_yuan = YuanField(label="课程收费（元/学期）", required=False, initial=Decimal("0.00"),
                         help_text="0 为免费；收费项目须在开放报名前公示（AS-10）")
    content_summary = forms.CharField(label="内容简介", max_length=500, required=False,
                                      widget=forms.Textarea(attrs={"rows": 3}))
    teaches_new_content = forms.BooleanField(
        label="本课程含讲授新课、集体补课或组织刷题", required=False,
        help_text="如实申报。AS-6：课后服务不得讲新课、集体补课或组织刷题，申报为“是”的课程不能通过审核。")

    CHANGEABLE = ["name", "category", "capacity", "place", "fee_yuan", "content_summary",
                  "teaches_new_content"]

    def __init__(self, *args, programme=None, instructors=None, teachers=None, menu=True,
                 **kwargs):
        super().__init__(*args, **kwargs)
        if programme is None:
            for name in list(self.fields):
                if name not in self.CHANGEABLE:
                    del self.fields[name]
            if not menu:  # groups take everyone who applies: no capacity
                del self.fields["capacity"]
            return
        self.fields["instructor"].queryset = instructors
        self.fields["instructor"].label_from_instance = (
            lambda i: f"{i.name}（{i.get_kind_display()}，{i.get_status_display()}）")
        self.fields["duty_teacher"].queryset = teachers
        self.fields["grades"].choices = [(g, GRADE_NAMES.get(g, g)) for g in programme.grades]

    def service_data(self):
        data = {k: v for k, v in self.cleaned_data.items() if k != "fee_yuan"}
        data["fee_per_term_fen"] = fen(self.cleaned_data.get("fee_yuan"))
        return data


# ---- lottery, fees, hours ---------------------------------------------------------------------


class RunForm(forms.Form):
    reason = forms.CharField(
        label="重新抽签原因", max_length=300, required=False,
        widget=forms.TextInput(attrs={"placeholder": "第二次及以后抽签必填，记入审计日志"}))
    seed = forms.CharField(label="随机种子（可选）", max_length=64, required=False,
                           help_text="留空则随机生成并记录；任何人可用种子和输入复核结果")


class ExemptionForm(forms.Form):
    pupil = forms.ModelChoiceField(label="学生", queryset=None, empty_label=None)
    reason = forms.ChoiceField(label="减免原因", choices=FeeExemption.Reason.choices)
    note = forms.CharField(label="说明", max_length=200, required=False)

    def __init__(self, *args, pupils, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pupil"].queryset = pupils
        self.fields["pupil"].label_from_instance = lambda p: f"{p.school_class.name} {p.name}"
