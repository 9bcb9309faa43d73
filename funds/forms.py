"""Forms of the funds pages. Guardian forms are prefixed ``Guardian``; the rules themselves
(PF-6, PF-7, TP-1, TP-5, TP-6, TI-13) are checked by ``funds.services``, not here, so that the
web pages and the API refuse the same requests with the same rule ids."""

from django import forms

from institutions.own_forms import yuan

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")  # what <input type=date> reads


class GuardianSignForm(forms.Form):
    """A guardian signs a training contract for one child and one published course. The price
    is the course's published price (TP-5); the form does not ask for it."""

    pupil = forms.TypedChoiceField(label="孩子", coerce=int)
    course = forms.ModelChoiceField(label="课程", queryset=None,
                                    error_messages={"invalid_choice": "请从列表中选择课程。"})
    # No upper bound here: PF-6 (60 lessons, 3 months) is the service's refusal, with its id.
    lessons = forms.IntegerField(label="购买课时数", min_value=1, max_value=10_000,
                                 help_text="一次收费的课时数和时间跨度有上限（PF-6），见下方说明")
    start = forms.DateField(label="开始日期", widget=DATE)
    end = forms.DateField(label="结束日期", widget=DATE)
    # One lump sum into the supervised account; anything else is the service's to refuse (PF-7).
    payment_method = forms.CharField(required=False, widget=forms.HiddenInput,
                                     initial="lump_sum", max_length=20)

    def __init__(self, *args, children=(), courses=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.children = {c.pk: c for c in children}
        self.fields["pupil"].choices = [(c.pk, f"{c.name}（{c.school.name}）") for c in children]
        self.fields["course"].queryset = courses
        self.fields["course"].label_from_instance = self.course_label

    @staticmethod
    def course_label(course):
        return (f"{course.institution.name} · {course.name}"
                f"（每课时 {yuan(course.price_per_lesson_fen)} 元，{course.lesson_minutes} 分钟）")

    def clean_payment_method(self):
        return self.cleaned_data["payment_method"] or "lump_sum"

    def clean(self):
        data = super().clean()
        pupil, course = self.children.get(data.get("pupil")), data.get("course")
        # Only courses of institutions in the district of the child's school (the bureau that
        # supervises the institution's account is the child's).
        if pupil and course and course.institution.bureau_id != pupil.school.bureau_id:
            self.add_error("course", "只能选择孩子学校所在区的培训机构课程。")
        return data

    def service_data(self):
        data = self.cleaned_data
        return {"pupil": self.children[data["pupil"]], "course": data["course"],
                "lessons": data["lessons"], "start": data["start"], "end": data["end"],
                "price_per_lesson_fen": data["course"].price_per_lesson_fen,
                "payment_method": data["payment_method"]}
