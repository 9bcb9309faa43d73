"""Joint enforcement pages (联合执法, IN-2) of the bureau admin, the supervision section and
inspectors: the operations of a year with their outcome counts, a chart and an Excel export, a new
operation, and one operation with the institutions visited and a form to record a visit (outcome
"亮牌警示" issues a yellow or red card through the institutions' rules, TI-13).

Each view: gate (core.access) → form → one service of ``inspections.services`` → redirect. A
refusal shows on its form with its code (``data-code`` on the error).

Who does what (``JointOperation.ACCESS``): the bureau admin, the supervisor and inspectors read
their district's operations, create them and record visits. Other roles get 403; another
district's operations are 404.
"""

import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from openpyxl import Workbook

from core.access import can, get_for, require, visible
from core.errors import RuleViolation, add_to_form
from core.paging import paginate
from inspections import services
from inspections.joint_forms import OperationForm, VisitForm
from inspections.models import Department, JointOperation, JointVisit
from institutions.models import Institution
from org.models import Bureau

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Outcome = JointVisit.Outcome
DEPARTMENTS = dict(Department.choices)
OPERATION = JointOperation.objects.select_related("bureau", "created_by")
# Visits per outcome of each operation, in one query with the list.
PER_OUTCOME = {f"n_{o}": Count("visits", filter=Q(visits__outcome=o)) for o in Outcome.values}


def _gate(user):
    """The pages belong to the bureau admin, the supervision section and inspectors: anybody
    else is refused before any object is looked up (403, not 404)."""
    require(user, "view", JointOperation)


def _year(request):
    """The year asked for (``?year=``), else this year."""
    this_year = timezone.localdate().year
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        return this_year
    return year if 2000 <= year <= 2100 else this_year


def _of_year(user, year):
    """The operations the user may read that start in ``year``."""
    return visible(user, JointOperation).filter(start__year=year)


def _department_names(operation):
    return "、".join(DEPARTMENTS.get(d, d) for d in operation.departments)


def _outcome_rows(counts):
    """``services.operation_counts`` as (value, label, n) rows in the outcomes' order."""
    return [{"value": value, "label": label, "n": counts[value]}
            for value, label in Outcome.choices]


def _outcome_chart(counts):
    """Institutions visited per outcome, for the bar chart."""
    return {"x": list(Outcome.labels),
            "series": [{"name": "检查机构数", "data": [counts[o] for o in Outcome.values]}]}


def _with_counts(operations):
    """Operations with their visits in total and per outcome (``n_<outcome>``)."""
    return operations.select_related("bureau").annotate(visit_count=Count("visits"),
                                                        **PER_OUTCOME).order_by("-start", "-pk")


def _manage_bureaus(user):
    """The bureaus where the user may organise operations (their own and below)."""
    return visible(user, Bureau).filter(
        pk__in=user.scope.bureau_ids_for(*JointOperation.ACCESS["manage"])).order_by("code")


# ---- the operations of a year ------------------------------------------------------------------

def _operations_page(request, form):
    user, year = request.user, _year(request)
    operations = _of_year(user, year)
    page = paginate(request, _with_counts(operations), per_page=20)
    for op in page:
        op.department_names = _department_names(op)
        op.outcome_counts = [getattr(op, f"n_{o}") for o in Outcome.values]
    counts = services.operation_counts(operations)
    years = {d.year for d in visible(user, JointOperation).dates("start", "year")}
    return render(request, "inspections/joint/operations.html", {
        "form": form, "page": page, "year": year, "counts": counts,
        "years": sorted(years | {year, timezone.localdate().year}, reverse=True),
        "outcomes": _outcome_rows(counts), "outcome_labels": Outcome.labels,
        "chart": _outcome_chart(counts), "multi_bureau": len({op.bureau_id for op in page}) > 1})


@login_required
def operations(request):
    """The operations of a year; a POST creates one."""
    user = request.user
    _gate(user)
    form = None
    if can(user, "manage", JointOperation):
        form = OperationForm(request.POST or None, bureaus=_manage_bureaus(user),
                             home_id=user.scope.home_bureau_id)
    if request.method == "POST":
        require(user, "manage", JointOperation)
        if form.is_valid():
            try:
                operation = services.create_operation(actor=user, **form.service_data())
            except RuleViolation as e:
                add_to_form(form, e)
            else:
                messages.success(request, f"已登记联合执法行动“{operation.title}”，"
                                          "请逐个录入检查的机构和处理结果。")
                return redirect("inspections:operation", operation.pk)
    return _operations_page(request, form)


@login_required
def operations_export(request):
    """The year's operations with their counts, and every visit, as an Excel workbook."""
    user, year = request.user, _year(request)
    _gate(user)
    operations = _of_year(user, year)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("联合执法行动")
    sheet.append(["行动名称", "教育局", "开始日期", "结束日期", "参加部门", "检查机构数",
                  *Outcome.labels, "行动总结"])
    for op in _with_counts(operations):
        sheet.append([op.title, op.bureau.name, op.start, op.end, _department_names(op),
                      op.visit_count, *[getattr(op, f"n_{o}") for o in Outcome.values],
                      op.summary])
    counts = services.operation_counts(operations)
    sheet.append([f"合计（{counts['operations']} 次行动）", None, None, None, None,
                  counts["visits"], *[counts[o] for o in Outcome.values], None])
    visits = book.create_sheet("检查记录")
    visits.append(["行动名称", "机构", "统一社会信用代码", "检查日期", "处理结果", "发现的问题",
                   "红黄牌"])
    for v in JointVisit.objects.filter(operation__in=operations).select_related(
            "operation", "institution", "card").order_by("operation__start", "operation_id",
                                                         "visited_on", "pk"):
        visits.append([v.operation.title, v.institution.name, v.institution.credit_code,
                       v.visited_on, v.get_outcome_display(), v.findings,
                       v.card.get_colour_display() if v.card else None])
    out = io.BytesIO()
    book.save(out)
    response = HttpResponse(out.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''joint-operations-{year}.xlsx"
    return response


# ---- one operation -----------------------------------------------------------------------------

def _visits(operation):
    return list(operation.visits.select_related("institution", "card", "recorded_by")
                .order_by("visited_on", "pk"))


def _visit_form(request, operation, visits, data=None):
    """The record-visit form; its institution select lists the operation's district."""
    query = data if data is not None else request.GET
    institutions = visible(request.user, Institution).filter(bureau_id=operation.bureau_id)
    return VisitForm(data, institutions=institutions, operation=operation,
                     visited={v.institution_id for v in visits},
                     institution_q=query.get("institution_q", ""))


def _operation_page(request, operation, visits, form=None):
    user = request.user
    can_manage = can(user, "manage", operation)
    if can_manage and form is None:
        form = _visit_form(request, operation, visits)
    counts = services.operation_counts(visible(user, JointOperation).filter(pk=operation.pk))
    return render(request, "inspections/joint/operation.html", {
        "operation": operation, "visits": visits, "department_names": _department_names(operation),
        "outcomes": _outcome_rows(counts), "form": form if can_manage else None})


@login_required
def operation_detail(request, pk):
    """One operation; a POST records a visit (``outcome=card`` issues the card)."""
    _gate(request.user)
    action = "manage" if request.method == "POST" else "view"
    operation = get_for(request.user, JointOperation, pk, action, queryset=OPERATION)
    visits = _visits(operation)
    if request.htmx and "institution_q" in request.GET:
        # The institution search of the visit form: only the select, from the same URL.
        require(request.user, "manage", operation)
        form = _visit_form(request, operation, visits)
        return render(request, "inspections/joint/operation.html#institution-field",
                      {"form": form})
    form = None
    if request.method == "POST":
        form = _visit_form(request, operation, visits, request.POST)
        if form.is_valid():
            try:
                visit = services.record_visit(actor=request.user, operation=operation,
                                              **form.cleaned_data)
            except RuleViolation as e:
                add_to_form(form, e)
            else:
                text = f"已录入“{visit.institution.name}”：{visit.get_outcome_display()}"
                if visit.card:
                    text += f"，已亮{visit.card.get_colour_display()}"
                messages.success(request, text + "。")
                return redirect(reverse("inspections:operation", args=[operation.pk])
                                + f"#visit-{visit.pk}")
    return _operation_page(request, operation, visits, form)


urlpatterns = [
    path("operations/", operations, name="operations"),
    path("operations/export/", operations_export, name="operations-export"),
    path("operations/<int:pk>/", operation_detail, name="operation"),
]
