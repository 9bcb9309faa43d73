"""Forms of the organisation pages. Checks live in org.services; forms only shape input."""

from django import forms

from org.models import SUBJECTS, Guardianship, School, SchoolClass, Teacher


class SchoolForm(forms.ModelForm):
    class Meta:
        model = School
        fields = ["name", "code", "stage", "system", "ownership", "address"]


class ClassForm(forms.Form):
    grade = forms.TypedChoiceField(label="年级", coerce=int)
    number = forms.IntegerField(label="班号", min_value=1, max_value=50)
    head_teacher = forms.ModelChoiceField(label="班主任", queryset=Teacher.objects.none(),
                                          required=False)

    def __init__(self, *args, school, **kwargs):
        super().__init__(*args, **kwargs)
        from org.models import GRADE_NAMES

        self.fields["grade"].choices = [(g, GRADE_NAMES[g]) for g in school.grades]
        self.fields["head_teacher"].queryset = Teacher.objects.filter(school=school).order_by(
            "name")


class TeacherForm(forms.Form):
    name = forms.CharField(label="姓名", max_length=50)
    gender = forms.ChoiceField(label="性别", choices=[("", "—"), ("M", "男"), ("F", "女")],
                               required=False)
    id_number = forms.CharField(label="身份证号", max_length=18, required=False)
    phone = forms.CharField(label="手机号", max_length=20, required=False)
    staff_no = forms.CharField(label="工号", max_length=30, required=False)
    add_class = forms.ModelChoiceField(label="新增任课：班级", queryset=SchoolClass.objects.none(),
                                       required=False)
    add_subject = forms.ChoiceField(label="新增任课：学科", choices=[("", "—"), *SUBJECTS],
                                    required=False)
    remove = forms.MultipleChoiceField(label="取消任课", required=False,
                                       widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, school, teacher=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["add_class"].queryset = SchoolClass.objects.filter(school=school)
        current = teacher.assignments.select_related("school_class") if teacher else []
        self.fields["remove"].choices = [(str(a.pk), f"{a.school_class.name} {a.get_subject_display()}")
                                         for a in current]

    def assignment_pairs(self, teacher):
        """The teacher's (class, subject) pairs after this form's additions and removals."""
        removed = set(self.cleaned_data.get("remove") or [])
        pairs = [] if teacher is None else [
            (a.school_class, a.subject)
            for a in teacher.assignments.select_related("school_class")
            if str(a.pk) not in removed]
        if self.cleaned_data.get("add_class") and self.cleaned_data.get("add_subject"):
            pairs.append((self.cleaned_data["add_class"], self.cleaned_data["add_subject"]))
        return pairs


class PupilForm(forms.Form):
    name = forms.CharField(label="姓名", max_length=50)
    gender = forms.ChoiceField(label="性别", choices=[("M", "男"), ("F", "女")])
    id_number = forms.CharField(label="身份证号", max_length=18)
    student_no = forms.CharField(label="学籍号", max_length=30, required=False)
    school_class = forms.ModelChoiceField(label="班级", queryset=SchoolClass.objects.none())
    guardian_name = forms.CharField(label="家长姓名", max_length=50, required=False)
    guardian_phone = forms.CharField(label="家长手机号", max_length=20, required=False)
    guardian_relation = forms.ChoiceField(label="与学生关系", choices=Guardianship.RELATIONS,
                                          required=False)

    def __init__(self, *args, school, with_guardian=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school_class"].queryset = SchoolClass.objects.filter(school=school)
        if not with_guardian:
            for name in ("guardian_name", "guardian_phone", "guardian_relation"):
                del self.fields[name]


class RosterForm(forms.Form):
    school = forms.ModelChoiceField(label="学校", queryset=School.objects.none())
    file = forms.FileField(label="名册文件（.xlsx）")

    def __init__(self, *args, schools, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = schools


class CredentialsForm(forms.Form):
    username = forms.CharField(label="用户名", max_length=150)
    password = forms.CharField(label="初始密码", widget=forms.PasswordInput(render_value=False),
                               help_text="至少 8 位，不能是常见密码。请当面或通过安全渠道告知本人。")


class RoleForm(forms.Form):
    """A role and its unit; only the unit matching the role is used."""

    role = forms.ChoiceField(label="角色")
    bureau = forms.ModelChoiceField(label="教育局", queryset=None, required=False)
    school = forms.ModelChoiceField(label="学校", queryset=None, required=False)
    grade = forms.IntegerField(label="年级（年级组长）", min_value=1, max_value=9, required=False)
    institution = forms.ModelChoiceField(label="培训机构", queryset=None, required=False)

    GRANTABLE = ["bureau_admin", "supervisor", "inspector", "custodian_bank", "school_admin",
                 "grade_leader", "institution_staff"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        from institutions.models import Institution
        from org.models import Bureau
        from org.roles import Role

        self.fields["role"].choices = [(r, Role(r).label) for r in self.GRANTABLE]
        self.fields["bureau"].queryset = Bureau.objects.visible_to(user)
        self.fields["school"].queryset = School.objects.visible_to(user).order_by("code")
        self.fields["institution"].queryset = Institution.objects.visible_to(user).order_by("name")


class NewAccountForm(CredentialsForm, RoleForm):
    name = forms.CharField(label="姓名", max_length=50)
    phone = forms.CharField(label="手机号", max_length=20, required=False)

    field_order = ["username", "name", "phone", "password", "role", "bureau", "school", "grade",
                   "institution"]


class PasswordForm(forms.Form):
    password = forms.CharField(label="新密码", widget=forms.PasswordInput(render_value=False))
