"""Mentoring pages of the school admin (校长/教导处) and the bureau (MT-1..MT-3):

- the term's plan (covered grades) and its page: coverage, mentors' loads, the automatic
  assignment (``services.assign_automatically``) and the assignment table by class, where each
  row reassigns its pupil over HTMX and shows an MT-3 refusal in place;
- completion of the three tasks (三个一) by mentor and by class, with a chart and an Excel export;
- for the bureau admin, completion per school of the district for a term, chart and export.

These pages show counts and dates, never the restricted records or the attention flags of
individual pupils. Each view: gate (core.access) → form → one service → redirect, or the row
fragment of the same page when HTMX asks (STYLE 10).
"""

import io
from collections import defaultdict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_POST
from openpyxl import Workbook
from openpyxl.styles import Font

from core.access import get_for, require, visible
from core.errors import RuleViolation, add_to_form
from core.paging import paginate
from mentoring import services
from mentoring.forms import PlanForm
from mentoring.models import Mentorship, Plan
from mentoring.people_views import SHORT_LABELS, choose_term, task_status, with_counts
from org.models import GRADE_NAMES, Pupil, School, SchoolClass, Teacher
from org.roles import Role
from policy.services import Policy
from schoolcal.models import Term

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PLANS = Plan.objects.select_related("school__bureau", "term")
KINDS = services.KINDS


def _rule_text(error):
    """A refusal as one line, with its rule id when it names one (…（MT-3））."""
    if "-" in error.rule and error.rule not in error.message:
        return f"{error.message}（{error.rule}）"
    return error.message


def _pct(part, whole):
    return round(part * 100 / whole, 1) if whole else 0.0


def _grade_names(grades):
    return "、".join(GRADE_NAMES.get(g, str(g)) for g in grades)


def _xlsx(book, name):
    out = io.BytesIO()
    book.save(out)
    response = HttpResponse(out.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{name}"
    return response


def _plan(request, pk):
    """The plan, for its school's admin only: other roles 403 before any lookup, another
    school's plan 404."""
    require(request.user, "manage", Plan)
    return get_for(request.user, Plan, pk, "manage", queryset=PLANS)


# ---- the plan ---------------------------------------------------------------------------------

@login_required
def plan_create(request):
    require(request.user, "manage", Plan)
    s = request.user.scope
    schools = visible(request.user, School).filter(pk__in=s.admin_school_ids).order_by("code")
    terms = visible(request.user, Term).order_by("-start")
    form = PlanForm(request.POST if request.method == "POST" else None, schools=schools,
                    terms=terms, initial={"term": choose_term(list(terms), "")})
    if request.method == "POST" and form.is_valid():
        school = form.cleaned_data["school"]
        try:
            plan = services.create_plan(actor=request.user, school=school,
                                        term=form.cleaned_data["term"],
                                        grades=form.cleaned_data["grades"])
        except RuleViolation as e:
            add_to_form(form, e)
        else:
            messages.success(request, f"已制定{plan.school.name}本学期导师制方案"
                                      f"（{_grade_names(plan.grades)}）。下一步：自动分配导师，再逐个调整。")
            return redirect("mentoring:plan", plan.pk)
    first = schools.select_related("bureau").first()
    return render(request, "mentoring/plan_form.html", {
        "form": form,
        "max_pupils": Policy(first.bureau)["mt.max_pupils_per_mentor"] if first else None})


def _teachers(request, plan):
    """The school's teachers with their current load in the plan, by name."""
    loads = dict(visible(request.user, Mentorship).current().filter(plan=plan)
                 .values_list("mentor_id").annotate(n=Count("pk")))
    teachers = list(visible(request.user, Teacher).filter(school_id=plan.school_id)
                    .order_by("name", "pk").only("pk", "name", "staff_no"))
    for t in teachers:
        t.load = loads.get(t.pk, 0)
        t.full = t.load >= plan.max_pupils
    return teachers


def _covered(request, plan):
    return visible(request.user, Pupil).filter(school_id=plan.school_id,
                                               school_class__grade__in=plan.grades)


def _assignment_rows(request, plan, pupils):
    """One row per pupil: the current mentorship (with task counts) or none."""
    current = {m.pupil_id: task_status(m) for m in with_counts(
        visible(request.user, Mentorship).current().filter(plan=plan, pupil__in=pupils)
        .select_related("mentor"))}
    return [{"pupil": p, "mentorship": current.get(p.pk)} for p in pupils]


@login_required
def plan(request, pk):
    plan = _plan(request, pk)
    classes = list(visible(request.user, SchoolClass).filter(
        school_id=plan.school_id, grade__in=plan.grades).order_by("grade", "number"))
    chosen = next((c for c in classes if str(c.pk) == request.GET.get("class")), None)
    pupils = _covered(request, plan).select_related("school_class")
    if chosen is not None:
        pupils = pupils.filter(school_class=chosen)
    page = paginate(request, pupils.order_by("school_class__grade", "school_class__number",
                                             "name", "pk"))
    teachers = _teachers(request, plan)
    return render(request, "mentoring/plan.html", {
        "plan": plan, "grades": _grade_names(plan.grades), "coverage": services.coverage(plan),
        "classes": classes, "chosen": chosen, "page": page, "teachers": teachers,
        "rows": _assignment_rows(request, plan, list(page)),
        "loaded": sorted((t for t in teachers if t.load), key=lambda t: (-t.load, t.name)),
        "idle": sum(1 for t in teachers if not t.load)})


@login_required
@require_POST
def auto_assign(request, pk):
    plan = _plan(request, pk)
    assigned, unassigned = services.assign_automatically(actor=request.user, plan=plan)
    text = f"已自动分配 {assigned} 名学生：班主任优先带本班学生，其余由任课教师、再由其他教师均衡分担。"
    if unassigned:
        messages.error(request, text + f"仍有 {unassigned} 名学生没有导师：所有教师均已达到"
                                       f"每人 {plan.max_pupils} 名的上限（MT-3）。")
    else:
        messages.success(request, text)
    return redirect("mentoring:plan", plan.pk)


@login_required
@require_POST
def assign(request, pk):
    """Reassign one pupil (the row's select); the row comes back over HTMX with the refusal
    (MT-3: the mentor is full) or the new mentor."""
    plan = _plan(request, pk)
    pupil = get_for(request.user, Pupil, request.POST.get("pupil"),
                    queryset=Pupil.objects.select_related("school_class"))
    mentor = get_for(request.user, Teacher, request.POST.get("mentor"),
                     queryset=Teacher.objects.filter(school_id=plan.school_id))
    error = notice = None
    try:
        services.assign(actor=request.user, plan=plan, pupil=pupil, mentor=mentor)
    except RuleViolation as e:
        error = _rule_text(e)
    else:
        notice = f"{pupil.name}的导师为{mentor.name}。"
    if not request.htmx:
        (messages.error if error else messages.success)(request, error or notice)
        return redirect("mentoring:plan", plan.pk)
    return render(request, "mentoring/plan.html#assignment-row", {
        "plan": plan, "row": _assignment_rows(request, plan, [pupil])[0],
        "teachers": _teachers(request, plan), "error": error, "notice": notice})


# ---- completion (三个一) -----------------------------------------------------------------------

def _group(rows, key, label):
    """Completion rows (``services.completion``) summed per group: pupils, pupils with each task
    done, pupils with all three done and the rate."""
    groups = {}
    for r in rows:
        m = r["mentorship"]
        g = groups.setdefault(key(m), {"label": label(m), "pupils": 0, "complete": 0,
                                       **{k: 0 for k in KINDS}})
        g["pupils"] += 1
        g["complete"] += r["complete"]
        for k in KINDS:
            g[k] += bool(r["done"][k])
    for g in groups.values():
        g["rate"] = _pct(g["complete"], g["pupils"])
    return list(groups.values())


def _completion(request, plan):
    mentorships = (visible(request.user, Mentorship).current().filter(plan=plan)
                   .select_related("pupil__school_class", "mentor")
                   .order_by("pupil__school_class__grade", "pupil__school_class__number",
                             "pupil__name", "pk"))
    rows, totals = services.completion(mentorships)
    by_class = _group(rows, lambda m: m.pupil.school_class_id, lambda m: m.pupil.school_class.name)
    by_mentor = sorted(_group(rows, lambda m: m.mentor_id, lambda m: m.mentor.name),
                       key=lambda g: (g["rate"], g["label"]))
    return rows, totals, by_class, by_mentor


def _chart(groups):
    """Bar chart data (static/js/charts.js): per group, the share of pupils with each task and
    with all three done (%)."""
    series = [{"name": f"{SHORT_LABELS[k]}（%）", "data": [_pct(g[k], g["pupils"]) for g in groups]}
              for k in KINDS]
    series.append({"name": "三项全部完成（%）", "data": [g["rate"] for g in groups]})
    return {"x": [g["label"] for g in groups], "percent": True, "series": series}


@login_required
def plan_completion(request, pk):
    plan = _plan(request, pk)
    _, totals, by_class, by_mentor = _completion(request, plan)
    return render(request, "mentoring/completion.html", {
        "plan": plan, "grades": _grade_names(plan.grades), "totals": totals,
        "by_class": by_class, "by_mentor": by_mentor, "chart": _chart(by_class),
        "kinds": SHORT_LABELS})


GROUP_HEADER = ["学生数", "家访", "交心谈话", "书面反馈", "三项全部完成", "完成率（%）"]


def _group_cells(g):
    return [g["pupils"], *(g[k] for k in KINDS), g["complete"], g["rate"]]


@login_required
def plan_completion_export(request, pk):
    plan = _plan(request, pk)
    rows, totals, by_class, by_mentor = _completion(request, plan)
    title = f"{plan.school.name} {plan.term.school_year} {plan.term.name} 全员导师制“三个一”完成情况（MT-2）"
    book = Workbook()
    book.remove(book.active)
    for name, groups, first in (("按班级", by_class, "班级"), ("按导师", by_mentor, "导师")):
        sheet = book.create_sheet(name)
        sheet.append([title])
        sheet["A1"].font = Font(bold=True)
        sheet.append([first, *GROUP_HEADER])
        for g in groups:
            sheet.append([g["label"], *_group_cells(g)])
        sheet.append(["合计", totals["pupils"], *(totals[k] for k in KINDS), totals["complete"],
                      totals["rate"]])
    # Counts and the mentor only: no records, notes or flags; no ID or phone numbers.
    detail = book.create_sheet("学生明细")
    detail.append(["班级", "学生", "导师", "家访（次）", "交心谈话（次）", "书面反馈（次）", "三项全部完成"])
    for r in rows:
        m = r["mentorship"]
        detail.append([m.pupil.school_class.name, m.pupil.name, m.mentor.name,
                       *(r["done"][k] for k in KINDS), "是" if r["complete"] else "否"])
    return _xlsx(book, f"mentoring-completion-{plan.pk}.xlsx")


# ---- the district (bureau admin) ----------------------------------------------------------------

def _district(request):
    """(rows, totals, terms, term) of the bureau's completion page: one row per school of the
    term's district, with its plan's coverage and completion (a handful of queries in all)."""
    require(request.user, "view", Plan)
    # The district page is the bureau admins': school staff have their own plan pages.
    if not request.user.scope.has(Role.BUREAU_ADMIN):
        raise PermissionDenied("只有教育局管理员查看各校导师制完成情况。")
    bureaus = request.user.scope.bureau_ids_for(Role.BUREAU_ADMIN)
    terms = list(visible(request.user, Term).select_related("bureau").order_by("-start"))
    raw = request.GET.get("term")
    if raw:  # another district's term is missing here, like any object out of scope
        get_for(request.user, Term, raw)
    term = choose_term(terms, raw)
    if term is None:
        return [], None, terms, None
    schools = list(visible(request.user, School).filter(
        Q(bureau_id=term.bureau_id) | Q(bureau__parent_id=term.bureau_id), bureau_id__in=bureaus)
        .order_by("code", "pk"))
    plans = {p.school_id: p for p in visible(request.user, Plan).filter(term=term,
                                                                        school__in=schools)}
    pupils = defaultdict(int)  # (school, grade) → pupils
    for school_id, grade, n in (visible(request.user, Pupil).filter(school__in=schools)
                                .values_list("school_id", "school_class__grade")
                                .annotate(n=Count("pk"))):
        pupils[school_id, grade] += n
    rows_by_plan = defaultdict(list)
    mentorships = visible(request.user, Mentorship).current().filter(plan__in=plans.values())
    for r in services.completion(mentorships)[0]:
        rows_by_plan[r["mentorship"].plan_id].append(r)
    rows = [_school_row(school, plans.get(school.pk), rows_by_plan, pupils) for school in schools]
    return rows, _district_totals(rows), terms, term


def _school_row(school, plan, rows_by_plan, pupils):
    row = {"school": school, "plan": plan, "covered": 0, "with_mentor": 0, "mentors": 0,
           "over_max": 0, "complete": 0, **{k: 0 for k in KINDS}}
    if plan is None:
        return {**row, "coverage_rate": None, "rate": None}
    done = rows_by_plan[plan.pk]
    loads = defaultdict(int)
    for r in done:
        loads[r["mentorship"].mentor_id] += 1
        row["complete"] += r["complete"]
        for k in KINDS:
            row[k] += bool(r["done"][k])
    row.update(grades=_grade_names(plan.grades),
               covered=sum(pupils[school.pk, g] for g in plan.grades), with_mentor=len(done),
               mentors=len(loads), over_max=sum(1 for n in loads.values() if n > plan.max_pupils))
    row["coverage_rate"] = _pct(row["with_mentor"], row["covered"])
    row["rate"] = _pct(row["complete"], row["with_mentor"])
    return row


def _district_totals(rows):
    planned = [r for r in rows if r["plan"]]
    totals = {key: sum(r[key] for r in planned) for key in
              ("covered", "with_mentor", "mentors", "over_max", "complete", *KINDS)}
    totals.update(schools=len(rows), planned=len(planned),
                  coverage_rate=_pct(totals["with_mentor"], totals["covered"]),
                  rate=_pct(totals["complete"], totals["with_mentor"]))
    return totals


def _district_chart(rows):
    planned = [r for r in rows if r["plan"]]
    return {"x": [r["school"].name for r in planned], "percent": True, "series": [
        {"name": "导师覆盖率（%）", "data": [r["coverage_rate"] for r in planned]},
        {"name": "三项全部完成率（%）", "data": [r["rate"] for r in planned]}]}


@login_required
def district(request):
    rows, totals, terms, term = _district(request)
    return render(request, "mentoring/district.html", {
        "rows": rows, "totals": totals, "terms": terms, "term": term,
        "chart": _district_chart(rows)})


DISTRICT_HEADER = ["学校", "覆盖年级", "覆盖学生数", "已有导师", "导师覆盖率（%）", "导师人数",
                   "超过上限的导师", "家访", "交心谈话", "书面反馈", "三项全部完成", "完成率（%）"]


def _district_cells(r):
    return [r["covered"], r["with_mentor"], r["coverage_rate"], r["mentors"], r["over_max"],
            *(r[k] for k in KINDS), r["complete"], r["rate"]]


@login_required
def district_export(request):
    rows, totals, _, term = _district(request)
    if term is None:
        raise Http404
    book = Workbook(write_only=True)
    sheet = book.create_sheet("各校完成情况")
    sheet.append([f"全员导师制各校完成情况 · {term.school_year} {term.name}"])
    sheet.append(DISTRICT_HEADER)
    for r in rows:
        if r["plan"] is None:
            sheet.append([r["school"].name, "未制定方案"])
        else:
            sheet.append([r["school"].name, r["grades"], *_district_cells(r)])
    sheet.append(["合计", f"{totals['planned']} / {totals['schools']} 所学校已制定方案",
                  *_district_cells(totals)])
    notes = book.create_sheet("指标说明")
    for line in (
            ["导师覆盖率", "已有导师的学生 ÷ 方案覆盖年级的学生（MT-1 学生人人有导师）"],
            ["超过上限的导师", "指导学生数超过方案上限的导师人数（MT-3，默认每人不超过 15 名）"],
            ["家访、交心谈话、书面反馈", "本学期已完成该项任务的学生数（MT-2“三个一”）"],
            ["完成率", "三项任务全部完成的学生 ÷ 已有导师的学生"]):
        notes.append(line)
    return _xlsx(book, f"mentoring-district-{term.pk}.xlsx")


urlpatterns = [
    path("plans/new/", plan_create, name="plan-create"),
    path("plans/<int:pk>/", plan, name="plan"),
    path("plans/<int:pk>/auto-assign/", auto_assign, name="auto-assign"),
    path("plans/<int:pk>/assign/", assign, name="assign"),
    path("plans/<int:pk>/completion/", plan_completion, name="plan-completion"),
    path("plans/<int:pk>/completion.xlsx", plan_completion_export, name="plan-completion-export"),
    path("district/", district, name="district"),
    path("district.xlsx", district_export, name="district-export"),
]
