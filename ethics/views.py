"""Teacher-ethics pages (师德师风, IN-8, PN-8): the cases list with the confirmed teacher matches
and the form to open a case, one case with its steps and transitions, and the negative list.

Restricted (issue 7): the pages are the district's ethics officers' and the principals' (school
admins) of the teacher's school. Anybody else gets 403 before any object is looked up; a case of
another school or district is 404, exactly like a missing one. Every view of a case is logged
through ``services.read_case``. No page shows a teacher's ID number or phone.

Each view: gate (core.access) → form → one service of ``ethics.services`` → redirect. A refusal
shows on its form with its code (``data-code`` on the error), or as a message for the one-button
forms of the teacher matches.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from core.access import can, get_for, require, visible
from core.errors import Conflict, RuleViolation
from core.paging import paginate
from ethics import services
from ethics.forms import (
    MOVE_LABELS,
    CaseFilterForm,
    FromMatchForm,
    OpenCaseForm,
    StepForm,
    move_form,
)
from ethics.models import PAID_TUTORING, Case, NegativeItem
from institutions.models import TeacherMatch

CASES = Case.objects.select_related("teacher", "school")
MATCHES_SHOWN = 100


def _gate(user):
    """The pages are the ethics officers' and principals' (``Case.ACCESS["view"]``): anybody
    else is refused before any object is looked up (403, not 404)."""
    require(user, "view", Case)


def _refuse(form, error):
    """A service refusal on its form, worded as ``core.errors.add_to_form`` does, keeping the
    error's code on the ValidationError so that the page (``data-code``) and tests can name it."""
    text = f"{error.message}（{error.rule}）" if "-" in error.rule else error.message
    form.add_error(error.field if error.field in form.fields else None,
                   ValidationError(text, code=error.rule))


def _status_label(value):
    return Case.Status(value).label if value in Case.Status.values else value


def _case_url(pk, anchor=""):
    return reverse("ethics:case", args=[pk]) + (f"#{anchor}" if anchor else "")


# ---- the cases list, the teacher matches and opening a case ------------------------------------

def _open_matches(user):
    """Teacher matches the supervision section confirmed (转师德师风处理) and no case was opened
    from yet: ethics officers see the confirmed matches of their district only."""
    return (visible(user, TeacherMatch)
            .filter(status=TeacherMatch.Status.CONFIRMED, ethics_cases__isnull=True)
            .select_related("staff__institution", "teacher__school", "closed_by")
            .order_by("found_at", "pk"))


def _index_page(request, *, open_form=None, bound_match=None):
    user = request.user
    filters = CaseFilterForm(request.GET or None)
    page = paginate(request, filters.filter(visible(user, Case)).select_related(
        "teacher", "school"))
    context = {"filters": filters, "page": page, "can_open": can(user, "open", Case)}
    if context["can_open"]:
        matches = _open_matches(user)
        context["open_form"] = open_form or OpenCaseForm(
            user=user, teacher_q=request.GET.get("teacher_q", ""))
        context["match_count"] = matches.count()
        context["match_rows"] = [
            {"match": m, "form": bound_match[1] if bound_match and bound_match[0] == m.pk
             else FromMatchForm(auto_id=f"id_match{m.pk}_%s")}
            for m in matches[:MATCHES_SHOWN]]
    return render(request, "ethics/index.html", context)


@login_required
def index(request):
    _gate(request.user)
    if request.htmx and "teacher_q" in request.GET:
        # The teacher search of the open form: only the select, from the same URL (STYLE 10).
        require(request.user, "open", Case)
        form = OpenCaseForm(user=request.user, teacher_q=request.GET["teacher_q"])
        return render(request, "ethics/index.html#teacher-field", {"open_form": form})
    return _index_page(request)


@login_required
@require_POST
def open_case(request):
    _gate(request.user)
    require(request.user, "open", Case)
    form = OpenCaseForm(request.POST, user=request.user,
                        teacher_q=request.POST.get("teacher_q", ""))
    if form.is_valid():
        try:
            case = services.open_case(actor=request.user, **form.cleaned_data)
        except RuleViolation as e:
            _refuse(form, e)
        else:
            messages.success(request, f"已立案：{case.number}（{case.teacher.name}）。")
            return redirect(_case_url(case.pk))
    return _index_page(request, open_form=form)


@login_required
@require_POST
def open_from_match(request, pk):
    _gate(request.user)
    require(request.user, "open", Case)
    match = get_for(request.user, TeacherMatch, pk, queryset=TeacherMatch.objects.select_related(
        "teacher__school", "staff__institution"))
    form = FromMatchForm(request.POST, auto_id=f"id_match{match.pk}_%s")
    if form.is_valid():
        try:
            case = services.open_from_match(actor=request.user, match=match,
                                            summary=form.cleaned_data["summary"])
        except Conflict as e:  # not confirmed, or already a case: the row is gone
            messages.error(request, f"未能立案：{e.message}")
            return redirect("ethics:index")
        except RuleViolation as e:
            _refuse(form, e)
        else:
            messages.success(request, f"已由比对线索立案：{case.number}（{case.teacher.name}）。")
            return redirect(_case_url(case.pk))
    return _index_page(request, bound_match=(match.pk, form))


# ---- one case -----------------------------------------------------------------------------------

def _case_page(request, case, *, step_form=None, bound_move=None):
    """The case, logged as read (every rendering shows the restricted data)."""
    user = request.user
    services.read_case(actor=user, case=case)
    steps = list(case.steps.select_related("actor"))
    for step in steps:
        step.from_label = _status_label(step.from_status) if step.from_status else ""
        step.to_label = _status_label(step.to_status) if step.to_status else ""
    nexts = [s for s in Case.Status.values if s in Case.TRANSITIONS.get(case.status, set())]
    moves = []
    if can(user, "decide", case):
        moves = [{"to": to, "label": MOVE_LABELS[to],
                  "form": bound_move if bound_move and bound_move.target == to
                  else move_form(to=to)} for to in nexts]
    return render(request, "ethics/case.html", {
        "case": case, "steps": steps, "moves": moves,
        "paid_tutoring": case.category in PAID_TUTORING,
        # A refused move whose form is not on the page (stale page, not a next state).
        "refused_move": bound_move if bound_move and bound_move.target not in nexts else None,
        "can_step": can(user, "investigate", case) and case.status != Case.Status.CLOSED,
        "step_form": step_form or StepForm()})


@login_required
def case_detail(request, pk):
    _gate(request.user)
    return _case_page(request, get_for(request.user, Case, pk, queryset=CASES))


@login_required
@require_POST
def add_step(request, pk):
    _gate(request.user)
    case = get_for(request.user, Case, pk, "investigate", queryset=CASES)
    form = StepForm(request.POST)
    if form.is_valid():
        try:
            services.add_step(actor=request.user, case=case, **form.cleaned_data)
        except RuleViolation as e:
            _refuse(form, e)
        else:
            messages.success(request, "已添加调查记录。")
            return redirect(_case_url(case.pk, "steps"))
    return _case_page(request, case, step_form=form)


@login_required
@require_POST
def move(request, pk):
    _gate(request.user)
    case = get_for(request.user, Case, pk, "decide", queryset=CASES)
    form = move_form(request.POST, to=request.POST.get("to"))
    if form.is_valid():
        try:
            case = services.move(actor=request.user, case=case, **form.cleaned_data)
        except RuleViolation as e:
            _refuse(form, e)
        else:
            messages.success(request, f"案件状态已改为“{case.get_status_display()}”。")
            return redirect(_case_url(case.pk))
    return _case_page(request, case, bound_move=form)


# ---- the negative list ---------------------------------------------------------------------------

@login_required
def negative_list(request):
    _gate(request.user)
    items = [{"code": code, "label": label, "paid_tutoring": code in PAID_TUTORING}
             for code, label in NegativeItem.choices]
    return render(request, "ethics/negative_list.html", {
        "items": items, "sanctions": Case.Sanction.choices, "findings": Case.Finding.choices,
        "sources": Case.Source.choices,
        "transitions": [(Case.Status(s).label, [Case.Status(t).label for t in Case.Status.values
                                               if t in Case.TRANSITIONS[s]])
                        for s in Case.Status.values]})
