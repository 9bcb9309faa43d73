"""Web pages for the organisation tree. Each view: gate → form → one service → redirect."""

import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Prefetch, Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST
from openpyxl import Workbook

from audit.actions import log_action
from core.access import can, get_for, require, visible
from core.errors import RuleViolation, add_to_form
from core.paging import paginate
from org import roster, services
from org.forms import ClassForm, PupilForm, RosterForm, SchoolForm, TeacherForm
from org.models import Guardian, Pupil, School, SchoolClass, Stage, Teacher

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@login_required
def school_list(request):
    schools = visible(request.user, School).select_related("bureau").annotate(
        class_count=Count("classes", distinct=True)).order_by("code")
    if stage := request.GET.get("stage"):
        schools = schools.filter(stage=stage)
    if q := request.GET.get("q", "").strip():
        schools = schools.filter(Q(name__contains=q) | Q(code__contains=q))
    return render(request, "org/school_list.html", {
        "page": paginate(request, schools), "stages": Stage.choices,
        "can_create": can(request.user, "create", School)})


@login_required
def school_detail(request, pk):
    school = get_for(request.user, School, pk, queryset=School.objects.select_related("bureau"))
    classes = SchoolClass.objects.visible_to(request.user).filter(school=school).select_related(
        "head_teacher").annotate(pupil_count=Count("pupils"))
    teachers = None
    if can(request.user, "view", Teacher):
        teachers = Teacher.objects.visible_to(request.user).filter(school=school).prefetch_related(
            "assignments__school_class").order_by("name")
    return render(request, "org/school_detail.html", {
        "school": school, "classes": classes, "teachers": teachers,
        "can_edit": can(request.user, "change", school),
        "can_add_class": can(request.user, "create", SchoolClass),
        "can_add_teacher": can(request.user, "create", Teacher)})


@login_required
def school_edit(request, pk=None):
    school = get_for(request.user, School, pk, "change") if pk else None
    if school is None:
        require(request.user, "create", School)
    form = SchoolForm(request.POST or None, instance=school)
    if request.method == "POST" and form.is_valid():
        data = {f: form.cleaned_data[f] for f in SchoolForm.Meta.fields}
        try:
            if school:
                # The ModelForm already wrote the values onto the instance; reload it so the
                # service sees the stored row as "before".
                school.refresh_from_db()
                school = services.update_school(actor=request.user, school=school, **data)
            else:
                bureau = request.user.scope.home_bureau_id
                from org.models import Bureau

                school = services.create_school(
                    actor=request.user, bureau=get_for(request.user, Bureau, bureau), **data)
        except RuleViolation as e:
            add_to_form(form, e)
        else:
            messages.success(request, "学校信息已保存。")
            return redirect("org:school", school.pk)
    return render(request, "org/form.html", {"form": form, "title": "编辑学校" if school else "新建学校",
                                             "back": "org:schools"})


@login_required
def class_create(request, school_pk):
    school = get_for(request.user, School, school_pk)
    require(request.user, "create", SchoolClass)
    form = ClassForm(request.POST or None, school=school)
    if request.method == "POST" and form.is_valid():
        try:
            school_class = services.create_class(actor=request.user, school=school,
                                                 **form.cleaned_data)
        except RuleViolation as e:
            add_to_form(form, e)
        else:
            messages.success(request, f"已新建{school_class.name}。")
            return redirect("org:school", school.pk)
    return render(request, "org/form.html", {"form": form, "title": f"{school.name} · 新建班级"})


@login_required
def class_edit(request, pk):
    school_class = get_for(request.user, SchoolClass, pk, "change",
                           queryset=SchoolClass.objects.select_related("school"))
    form = ClassForm(request.POST or None, school=school_class.school, initial={
        "grade": school_class.grade, "number": school_class.number,
        "head_teacher": school_class.head_teacher_id})
    form.fields["grade"].disabled = True
    if request.method == "POST" and form.is_valid():
        try:
            services.update_class(actor=request.user, school_class=school_class,
                                  number=form.cleaned_data["number"],
                                  head_teacher=form.cleaned_data["head_teacher"])
        except RuleViolation as e:
            add_to_form(form, e)
        else:
            messages.success(request, "班级信息已保存。")
            return redirect("org:class", school_class.pk)
    return render(request, "org/form.html", {"form": form, "title": f"编辑{school_class.name}"})


@login_required
def my_classes(request):
    classes = visible(request.user, SchoolClass).select_related("school", "head_teacher") \
        .annotate(pupil_count=Count("pupils"))
    scope = request.user.scope
    return render(request, "org/my_classes.html", {
        "classes": classes, "head_ids": scope.head_class_ids, "taught_ids": scope.taught_class_ids})


def _show_phones(user, school_class):
    scope = user.scope
    return (school_class.pk in scope.head_class_ids
            or school_class.school_id in scope.admin_school_ids
            or school_class.school.bureau_id in scope.bureau_ids_for("bureau_admin"))


@login_required
def class_detail(request, pk):
    school_class = get_for(request.user, SchoolClass, pk,
                           queryset=SchoolClass.objects.select_related("school", "head_teacher"))
    pupils = Pupil.objects.visible_to(request.user).filter(school_class=school_class).order_by(
        "name").prefetch_related(Prefetch("guardians", queryset=Guardian.objects.order_by("pk")))
    teachers = school_class.assignments.select_related("teacher").order_by("subject")
    return render(request, "org/class_detail.html", {
        "school_class": school_class, "page": paginate(request, pupils), "teachers": teachers,
        "show_phones": _show_phones(request.user, school_class),
        "can_edit": can(request.user, "change", school_class),
        "can_add_pupil": can(request.user, "create", Pupil)})


@login_required
def class_export(request, pk):
    """The class list as Excel, ID numbers and phones masked (exports never carry them whole)."""
    school_class = get_for(request.user, SchoolClass, pk,
                           queryset=SchoolClass.objects.select_related("school"))
    pupils = Pupil.objects.visible_to(request.user).filter(school_class=school_class).order_by(
        "name").prefetch_related(Prefetch("guardians", queryset=Guardian.objects.order_by("pk")))
    book = Workbook(write_only=True)
    sheet = book.create_sheet(school_class.name)
    sheet.append(["姓名", "性别", "学籍号", "身份证号", "家长姓名", "家长手机号"])
    for p in pupils:
        guardians = list(p.guardians.all())
        sheet.append([p.name, p.get_gender_display(), p.student_no, p.id_number_masked,
                      "；".join(g.name for g in guardians),
                      "；".join(g.phone_masked for g in guardians)])
    log_action(school_class, "org.roster.export", actor=request.user, kind="access",
               data={"pupils": len(pupils)})
    out = io.BytesIO()
    book.save(out)
    response = HttpResponse(out.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''class-{school_class.pk}.xlsx"
    return response


@login_required
def pupil_detail(request, pk):
    pupil = get_for(request.user, Pupil, pk,
                    queryset=Pupil.objects.select_related("school_class__school", "school"))
    guardians = pupil.guardian_links.select_related("guardian").order_by("pk")
    return render(request, "org/pupil_detail.html", {
        "pupil": pupil, "guardians": guardians,
        "show_phones": _show_phones(request.user, pupil.school_class)
        or pupil.pk in request.user.scope.pupil_ids,
        "can_reveal": can(request.user, "reveal", pupil),
        "can_edit": can(request.user, "change", pupil)})


@login_required
@require_POST
def pupil_reveal(request, pk):
    pupil = get_for(request.user, Pupil, pk, "reveal", queryset=Pupil.objects.select_related("school"))
    number = services.reveal_id_number(actor=request.user, pupil=pupil)
    return HttpResponse(f'<span id="id-number">{number}</span>')


@login_required
def pupil_edit(request, pk=None, class_pk=None):
    if pk:
        pupil = get_for(request.user, Pupil, pk, "change",
                        queryset=Pupil.objects.select_related("school_class", "school"))
        school_class, school = pupil.school_class, pupil.school
        initial = {f: getattr(pupil, f) for f in ("name", "gender", "id_number", "student_no")}
        initial["school_class"] = pupil.school_class_id
    else:
        pupil = None
        school_class = get_for(request.user, SchoolClass, class_pk,
                               queryset=SchoolClass.objects.select_related("school"))
        require(request.user, "create", Pupil)
        school, initial = school_class.school, {"school_class": school_class.pk}
    form = PupilForm(request.POST or None, school=school, with_guardian=pupil is None,
                     initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        guardian = (data.pop("guardian_name", ""), data.pop("guardian_phone", ""),
                    data.pop("guardian_relation", "other"))
        try:
            if pupil:
                pupil = services.update_pupil(actor=request.user, pupil=pupil, **data)
            else:
                target = data.pop("school_class")
                pupil = services.create_pupil(
                    actor=request.user, school_class=target,
                    guardians=[guardian] if guardian[0] or guardian[1] else [], **data)
        except RuleViolation as e:
            add_to_form(form, e)
        else:
            messages.success(request, "学生信息已保存。")
            return redirect("org:pupil", pupil.pk)
    title = f"编辑学生 {pupil.name}" if pupil else f"{school_class.name} · 新增学生"
    return render(request, "org/form.html", {"form": form, "title": title})


@login_required
def teacher_edit(request, pk=None, school_pk=None):
    if pk:
        teacher = get_for(request.user, Teacher, pk, "change",
                          queryset=Teacher.objects.select_related("school"))
        school = teacher.school
        initial = {f: getattr(teacher, f) for f in ("name", "gender", "phone", "staff_no")}
        initial["id_number"] = teacher.id_number
    else:
        teacher, initial = None, {}
        school = get_for(request.user, School, school_pk)
        require(request.user, "create", Teacher)
    form = TeacherForm(request.POST or None, school=school, teacher=teacher, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = {f: form.cleaned_data[f] for f in ("name", "gender", "id_number", "phone",
                                                  "staff_no")}
        pairs = form.assignment_pairs(teacher)
        try:
            if teacher:
                services.update_teacher(actor=request.user, teacher=teacher, assignments=pairs,
                                        **data)
            else:
                services.create_teacher(actor=request.user, school=school, assignments=pairs,
                                        **data)
        except RuleViolation as e:
            add_to_form(form, e)
        else:
            messages.success(request, "教职工信息已保存。")
            return redirect("org:school", school.pk)
    title = f"编辑教职工 {teacher.name}" if teacher else f"{school.name} · 新增教职工"
    return render(request, "org/form.html", {"form": form, "title": title})


@login_required
def roster_import(request):
    require(request.user, "create", Pupil)
    scope = request.user.scope
    schools = visible(request.user, School).filter(
        Q(bureau_id__in=scope.bureau_ids_for("bureau_admin")) | Q(pk__in=scope.admin_school_ids)
    ).order_by("code")
    form = RosterForm(request.POST or None, request.FILES or None, schools=schools,
                      initial={"school": request.GET.get("school")})
    row_errors = None
    if request.method == "POST" and form.is_valid():
        try:
            result = roster.import_roster(actor=request.user, school=form.cleaned_data["school"],
                                          upload=form.cleaned_data["file"])
        except RuleViolation as e:
            add_to_form(form, e)
            row_errors = e.rows
        else:
            messages.success(request, f"导入成功：{result['imported']} 名学生，新建 "
                                      f"{result['classes_created']} 个班级、"
                                      f"{result['guardians_created']} 位家长。")
            return redirect("org:school", form.cleaned_data["school"].pk)
    return render(request, "org/roster_import.html", {
        "form": form, "row_errors": row_errors, "columns": roster.TEMPLATE_HEADER})


@login_required
def roster_template(request):
    require(request.user, "create", Pupil)
    book = Workbook()
    sheet = book.active
    sheet.title = "学生名册"
    sheet.append(roster.TEMPLATE_HEADER)
    sheet.append(["张小明", "男", "110105201505060011", "G110105201505060011", 4, 2, "张伟",
                  "13800138000", "父亲"])
    for cell in sheet["C"]:
        cell.number_format = "@"  # ID numbers as text, or Excel would round them
    out = io.BytesIO()
    book.save(out)
    response = HttpResponse(out.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = "attachment; filename*=UTF-8''roster-template.xlsx"
    return response


@login_required
def my_children(request):
    pupils = Pupil.objects.filter(pk__in=request.user.scope.pupil_ids).select_related(
        "school_class__school__bureau", "school_class__head_teacher")
    return render(request, "org/my_children.html", {"pupils": pupils})

