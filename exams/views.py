"""Exam pages: the term's exams with the per-grade limits, filing, the exam with its level
entry, and the guardians' page of their child's levels.

Each view: gate (core.access) → form → one service of exams.services → redirect. Levels are
shown one pupil at a time to guardians, and to school staff only in the entry table of a class
they record for; no page lists, sorts or ranks results (EX-9).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.access import can, get_for, require, visible
from core.errors import RuleViolation, add_to_form
from core.paging import paginate
from exams import services
from exams.forms import ExamForm, ResultsForm, cell_name
from exams.models import Exam, ExamResult, levels_for
from org.models import GRADE_NAMES, SUBJECT_NAMES, Pupil, School, SchoolClass, TeachingAssignment
from org.roles import Role

EXAMS = Exam.objects.select_related("school__bureau__parent", "school_class", "term", "teacher")
SCHOOLS = School.objects.select_related("bureau__parent")  # the calendar walks the bureau chain


def _rule_text(error):
    """A refusal as one line, with its rule id when it names a rule (…（EX-2））."""
    if "-" in error.rule and error.rule not in error.message:
        return f"{error.message}（{error.rule}）"
    return error.message


def _pick(items, raw):
    """The item whose pk is ``raw`` (a query parameter), else the first one, else None."""
    by_pk = {str(i.pk): i for i in items}
    return by_pk.get(raw or "") or (items[0] if items else None)


def _grades_in_reach(user, school):
    """Grades of the school whose grade exams the user sees: all for its administrators and the
    bureau, else the grades of the user's classes and grade-leader roles there."""
    scope = user.scope
    if (school.pk in scope.admin_school_ids
            or school.bureau_id in scope.bureau_ids_for(Role.BUREAU_ADMIN, Role.INSPECTOR)):
        return list(school.grades)
    grades = {g for s, g in scope.grade_scopes if s == school.pk}
    grades |= set(SchoolClass.objects.filter(pk__in=scope.class_ids, school=school)
                  .values_list("grade", flat=True))
    return sorted(grades)


# ---- the term's exams ----------------------------------------------------------------------

@login_required
def index(request):
    require(request.user, "view", Exam)
    scope = request.user.scope
    children = list(visible(request.user, Pupil).filter(pk__in=scope.pupil_ids)
                    .select_related("school_class__school")) if scope.pupil_ids else []
    if not scope.has(*Role.ALL_STAFF):
        # A guardian and nothing else: their child's levels (the only results they may see).
        if len(children) == 1:
            return redirect("exams:child", children[0].pk)
        return render(request, "exams/index.html", {"children": children})
    schools = list(visible(request.user, School).select_related("bureau__parent").order_by("code"))
    school = _pick(schools, request.GET.get("school"))
    terms = services.school_terms(school) if school else []
    term = (_pick(terms, request.GET.get("term")) if request.GET.get("term")
            else services.current_term(terms))
    page = summary = None
    if term is not None:
        exams = visible(request.user, Exam).filed().filter(school=school, term=term)
        page = paginate(request, exams.select_related("school_class", "teacher")
                        .order_by("date", "grade", "pk"))
        summary = services.grade_summary(school, term, _grades_in_reach(request.user, school))
    return render(request, "exams/index.html", {
        "schools": schools, "school": school, "terms": terms, "term": term, "page": page,
        "summary": summary, "children": children, "today": timezone.localdate(),
        "can_create": can(request.user, "create", Exam)})


# ---- filing --------------------------------------------------------------------------------

def _filing_choices(user):
    """Schools the user files for (as admin or teacher) and the classes they may pick there."""
    scope = user.scope
    schools = visible(user, School).filter(
        pk__in=scope.admin_school_ids | scope.teacher_school_ids).order_by("code")
    classes = visible(user, SchoolClass).filter(school__in=schools).select_related("school")
    if not schools.filter(pk__in=scope.admin_school_ids).exists():
        classes = classes.filter(pk__in=scope.class_ids)
    return schools.select_related("bureau__parent"), classes.order_by("school__code", "grade",
                                                                      "number")


@login_required
def create(request):
    require(request.user, "create", Exam)
    schools, classes = _filing_choices(request.user)
    form = ExamForm(request.POST or None, schools=schools, classes=classes)
    if request.method == "POST" and form.is_valid():
        try:
            exam = services.file_exam(actor=request.user, **form.service_data())
        except RuleViolation as e:
            add_to_form(form, e)
        else:
            messages.success(request, f"已备案“{exam.title}”。")
            return redirect("exams:detail", exam.pk)
    return render(request, "exams/exam_form.html", {"form": form, "title": "考试备案"})


@login_required
def edit(request, pk):
    exam = get_for(request.user, Exam, pk, "change", queryset=EXAMS)
    initial = {f: getattr(exam, f) for f in ("kind", "subjects", "paper_based", "scope", "date",
                                             "title", "note")}
    form = ExamForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            exam = services.change_exam(actor=request.user, exam=exam, **form.service_data())
        except RuleViolation as e:
            add_to_form(form, e)
        else:
            messages.success(request, f"已修改“{exam.title}”。")
            return redirect("exams:detail", exam.pk)
    return render(request, "exams/exam_form.html", {"form": form, "title": "修改考试备案",
                                                    "exam": exam})


@login_required
@require_POST
def withdraw(request, pk):
    exam = get_for(request.user, Exam, pk, "change", queryset=EXAMS)
    try:
        services.withdraw_exam(actor=request.user, exam=exam)
    except RuleViolation as e:
        messages.error(request, _rule_text(e))
        return redirect("exams:detail", exam.pk)
    messages.success(request, f"已撤回“{exam.title}”。")
    return redirect("exams:index")


# ---- the exam and its levels ---------------------------------------------------------------

def _entry_classes(user, exam):
    """Classes whose levels the user records for this exam."""
    classes = visible(user, SchoolClass).filter(school_id=exam.school_id, grade=exam.grade)
    if exam.school_class_id:
        classes = classes.filter(pk=exam.school_class_id)
    if exam.school_id not in user.scope.admin_school_ids:
        classes = classes.filter(pk__in=user.scope.class_ids)
    return list(classes.order_by("number"))


def _entry_subjects(user, exam, school_class):
    """Subjects of the exam the user records in the class: all for the academic office and the
    head teacher, else the ones they teach there."""
    scope = user.scope
    if exam.school_id in scope.admin_school_ids or school_class.pk in scope.head_class_ids:
        return list(exam.subjects)
    taught = set(TeachingAssignment.objects.filter(
        teacher_id=scope.teacher_id, school_class=school_class).values_list("subject", flat=True))
    return [s for s in exam.subjects if s in taught]


def _results_form(request, exam, school_class, data=None):
    subjects = _entry_subjects(request.user, exam, school_class)
    pupils = list(visible(request.user, Pupil).filter(school_class=school_class)
                  .order_by("student_no", "name", "pk"))  # never by level (EX-9)
    current = visible(request.user, ExamResult).filter(exam=exam, pupil__in=pupils,
                                                       subject__in=subjects)
    initial = {cell_name(r.pupil_id, r.subject): r.level for r in current}
    form = ResultsForm(data, initial=initial, pupils=pupils, subjects=subjects,
                       levels=levels_for(exam.school.bureau))
    return form, subjects


def _detail_page(request, exam, school_class=None, form=None, status=200):
    user, today = request.user, timezone.localdate()
    filed = exam.status == Exam.Status.FILED
    can_record = filed and exam.date <= today and can(user, "record", exam)
    classes = _entry_classes(user, exam) if can_record else []
    if can_record and school_class is None:
        school_class = _pick(classes, request.GET.get("class"))
    subjects = []
    if school_class is not None and form is None:
        form, subjects = _results_form(request, exam, school_class)
    elif school_class is not None:
        subjects = _entry_subjects(user, exam, school_class)
    mine = []
    if user.scope.pupil_ids:  # a guardian: their own children's levels in this exam only
        mine = visible(user, ExamResult).filter(exam=exam, pupil_id__in=user.scope.pupil_ids
                                                ).select_related("pupil").order_by("pupil", "subject")
    return render(request, "exams/detail.html", {
        "exam": exam, "today": today, "filed": filed, "held": exam.date <= today,
        "can_change": filed and exam.date > today and can(user, "change", exam),
        "can_record": can_record, "classes": classes, "school_class": school_class,
        "form": form, "subjects": [(s, SUBJECT_NAMES.get(s, s)) for s in subjects],
        "levels": levels_for(exam.school.bureau), "mine": mine,
        "limits": services.limits(exam.school, exam.grade)}, status=status)


@login_required
def detail(request, pk):
    exam = get_for(request.user, Exam, pk, queryset=EXAMS)
    return _detail_page(request, exam)


@login_required
@require_POST
def results(request, pk):
    exam = get_for(request.user, Exam, pk, "record", queryset=EXAMS)
    school_class = get_for(request.user, SchoolClass, request.POST.get("class"))
    if school_class.pk not in {c.pk for c in _entry_classes(request.user, exam)}:
        raise Http404
    form, _ = _results_form(request, exam, school_class, request.POST)
    if form.is_valid():
        try:
            counts = services.record_results(actor=request.user, exam=exam,
                                             results=form.results())
        except RuleViolation as e:
            add_to_form(form, e)
        else:
            messages.success(request, f"已保存 {school_class.name} 的等级：新录入 {counts['created']} 条，"
                                      f"更正 {counts['changed']} 条。")
            return redirect(f"{reverse('exams:detail', args=[exam.pk])}?class={school_class.pk}")
    return _detail_page(request, exam, school_class, form)


# ---- guardians -----------------------------------------------------------------------------

@login_required
def child(request, pupil_pk):
    pupil = get_for(request.user, Pupil, pupil_pk,
                    queryset=Pupil.objects.select_related("school_class__school"))
    results = visible(request.user, ExamResult).filter(pupil=pupil).select_related(
        "exam").order_by("-exam__date", "exam_id", "subject")
    today = timezone.localdate()
    grade = pupil.school_class.grade
    upcoming = visible(request.user, Exam).filed().filter(
        Q(school_class_id=pupil.school_class_id)
        | Q(school_id=pupil.school_id, grade=grade, school_class__isnull=True),
        date__gte=today).order_by("date", "pk")
    return render(request, "exams/child.html", {
        "pupil": pupil, "results": results, "upcoming": upcoming, "today": today,
        "grade_name": GRADE_NAMES.get(grade, grade)})
