"""Mentoring pages of the people around a pupil (全员导师制, MT-1..MT-3):

- the hub (``index``) shows each role its part: the school admin's plans, a mentor's mentees, a
  head teacher's class, the psychologist's flagged pupils, a guardian's child's mentor and the
  shared written feedback (成长寄语), and the bureau's link to the district's completion page;
- one mentee (``mentee``): the restricted records (tasks' records and notes) for the mentor, the
  pupil's head teacher and the school psychologist only. Every rendering reads them through
  ``services.read_records``, which refuses anybody else (403) and logs the read;
- the mentor records the three tasks, the three of them add notes and raise or clear the
  "needs attention" flag.

Each view: gate (core.access) → form → one service of ``mentoring.services`` → redirect, or the
page again with the refusal on its form. No page shows an ID number or a phone number.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.access import can, get_for, require, visible
from core.errors import RuleViolation, add_to_form
from mentoring import services
from mentoring.forms import FlagForm, NoteForm, TaskForm
from mentoring.models import Mentorship, Plan, Task
from org.models import Pupil, SchoolClass, User
from org.roles import Role
from schoolcal.models import Term

MENTORSHIPS = Mentorship.objects.select_related(
    "pupil__school_class", "pupil__school", "mentor", "plan__term", "plan__school")
KIND_LABELS = dict(Task.Kind.choices)
SHORT_LABELS = {"home_visit": "家访", "talk": "谈话", "written_feedback": "书面反馈"}


# ---- helpers shared with the school's pages ----------------------------------------------------

def with_counts(qs):
    """Mentorships with ``n_<kind>``: how many of each task were recorded (counts, no records)."""
    return qs.annotate(**{f"n_{k}": Count("tasks", filter=Q(tasks__kind=k))
                          for k in services.KINDS})


def task_status(mentorship):
    """``[{"kind", "label", "n"}]`` of an annotated mentorship, and whether all three are done."""
    kinds = [{"kind": k, "label": SHORT_LABELS[k], "n": getattr(mentorship, f"n_{k}", 0)}
             for k in services.KINDS]
    mentorship.kinds = kinds
    mentorship.complete = all(k["n"] for k in kinds)
    return mentorship


def choose_term(terms, raw):
    """The term asked for (?term=) among ``terms`` (latest first), else the one under way, else
    the latest begun, else the first to come."""
    today = timezone.localdate()
    return (next((t for t in terms if str(t.pk) == raw), None)
            or next((t for t in terms if t.start <= today <= t.end), None)
            or next((t for t in terms if t.start <= today), None)
            or (terms[-1] if terms else None))


def _staff_terms(user):
    """Terms of the plans of the schools the user works in (admin, teacher or psychologist),
    latest first: read through the plans, since psychologists have no view on the calendar."""
    s = user.scope
    schools = s.admin_school_ids | s.teacher_school_ids | s.psychologist_school_ids
    if not schools or not can(user, "view", Plan):
        return []
    term_ids = visible(user, Plan).filter(school_id__in=schools).values("term_id")
    return list(Term.objects.filter(pk__in=term_ids).order_by("-start"))


# ---- the hub ----------------------------------------------------------------------------------

def _admin_plans(user, term):
    plans = list(visible(user, Plan).filter(school_id__in=user.scope.admin_school_ids, term=term)
                 .select_related("school", "term").order_by("school__code"))
    for plan in plans:
        plan.coverage = services.coverage(plan)
    return plans


def _my_mentees(user, term):
    rows = with_counts(visible(user, Mentorship).current()
                       .filter(mentor_id=user.scope.teacher_id, plan__term=term)
                       .select_related("pupil__school_class", "plan__school")
                       .order_by("pupil__school_class__grade", "pupil__school_class__number",
                                 "pupil__name", "pk"))
    return [task_status(m) for m in rows]


def _head_classes(user, term):
    """Per class the user is head teacher of: every pupil, with their mentor (if the class's
    grade is covered by the school's plan of the term) and the tasks' status."""
    s = user.scope
    classes = list(visible(user, SchoolClass).filter(pk__in=s.head_class_ids)
                   .select_related("school").order_by("grade", "number"))
    plans = {p.school_id: p for p in visible(user, Plan).filter(
        school_id__in={c.school_id for c in classes}, term=term)}
    mentorships = {m.pupil_id: task_status(m) for m in with_counts(
        visible(user, Mentorship).current().filter(plan__term=term,
                                                   pupil__school_class_id__in=s.head_class_ids)
        .select_related("mentor"))}
    pupils = visible(user, Pupil).filter(school_class_id__in=s.head_class_ids).order_by("name",
                                                                                        "pk")
    by_class = {}
    for pupil in pupils:
        by_class.setdefault(pupil.school_class_id, []).append(
            {"pupil": pupil, "mentorship": mentorships.get(pupil.pk)})
    cards = []
    for c in classes:
        plan = plans.get(c.school_id)
        cards.append({"school_class": c, "plan": plan,
                      "covered": plan is not None and c.grade in plan.grades,
                      "rows": by_class.get(c.pk, [])})
    return cards


def _flagged(user):
    """Pupils flagged "needs attention" in the psychologist's schools, newest flag first, of any
    term: a flag is not to be missed because a new term began."""
    return list(visible(user, Mentorship).current()
                .filter(needs_attention=True,
                        plan__school_id__in=user.scope.psychologist_school_ids)
                .select_related("pupil__school_class", "mentor", "plan__school", "plan__term")
                .order_by("-flagged_at", "pk"))


def _children(user):
    """Per child: the current mentors (latest term first) and the written feedback the mentors
    shared with the family. Nothing else of the mentoring reaches a guardian."""
    s = user.scope
    children = list(visible(user, Pupil).filter(pk__in=s.pupil_ids)
                    .select_related("school_class", "school").order_by("name", "pk"))
    mine = visible(user, Mentorship).filter(pupil_id__in=s.pupil_ids)
    current = {}
    for m in mine.current().select_related("mentor", "plan__term").order_by("-plan__term__start"):
        current.setdefault(m.pupil_id, []).append(m)
    feedback = {}
    # Tasks have no scope of their own: they are reached through the family's mentorships.
    for task in (Task.objects.filter(mentorship__in=mine, shared_with_family=True,
                                     kind=Task.Kind.WRITTEN_FEEDBACK)
                 .select_related("mentorship__mentor").order_by("-on", "-pk")):
        feedback.setdefault(task.mentorship.pupil_id, []).append(task)
    return [{"pupil": c, "mentorships": current.get(c.pk, []), "feedback": feedback.get(c.pk, [])}
            for c in children]


@login_required
def index(request):
    user = request.user
    require(user, "view", Mentorship)
    s = user.scope
    terms = _staff_terms(user)
    term = choose_term(terms, request.GET.get("term"))
    ctx = {"terms": terms, "term": term, "kinds": SHORT_LABELS.values(),
           "is_admin": bool(s.admin_school_ids), "is_mentor": bool(s.teacher_id),
           "is_head": bool(s.head_class_ids), "is_psychologist": bool(s.psychologist_school_ids),
           "is_bureau": s.has(Role.BUREAU_ADMIN)}
    if ctx["is_admin"]:
        ctx["plans"] = _admin_plans(user, term) if term else []
        ctx["can_create"] = can(user, "manage", Plan)
    if ctx["is_mentor"]:
        ctx["mentees"] = _my_mentees(user, term) if term else []
    if ctx["is_head"]:
        ctx["head_classes"] = _head_classes(user, term) if term else []
    if ctx["is_psychologist"]:
        ctx["flagged"] = _flagged(user)
    if s.pupil_ids:
        ctx["children"] = _children(user)
    return render(request, "mentoring/index.html", ctx)


# ---- one mentee: restricted records, tasks, notes and the flag -------------------------------

def _mentorship(request, pk, action="view"):
    # Roles that never see a mentorship are refused before any lookup (403, not 404).
    require(request.user, "view", Mentorship)
    return get_for(request.user, Mentorship, pk, action, queryset=MENTORSHIPS)


def _mentee_page(request, mentorship, *, task_form=None, note_form=None, flag_form=None):
    """The mentee with the restricted records: read (and logged) through the service, which
    refuses everyone but the mentor, the head teacher and the school psychologist."""
    user = request.user
    tasks, notes = services.read_records(actor=user, mentorship=mentorship)
    current = mentorship.ended_at is None
    can_record = current and can(user, "record", mentorship)
    can_flag = current and can(user, "flag", mentorship)
    done = {k: sum(1 for t in tasks if t.kind == k) for k in services.KINDS}
    # The authors' names of the notes just read (and allowed), not a lookup of accounts.
    names = {u.pk: u.name or u.username for u in User.objects.filter(
        pk__in={n.author_id for n in notes})}
    for note in notes:
        note.author_name = names.get(note.author_id, "—")
    return render(request, "mentoring/mentee.html", {
        "m": mentorship, "tasks": tasks, "notes": notes, "current": current,
        "status": [{"label": KIND_LABELS[k], "n": n} for k, n in done.items()],
        "can_record": can_record, "can_flag": can_flag,
        "task_form": task_form or (TaskForm(initial={"on": timezone.localdate()})
                                   if can_record else None),
        "note_form": note_form or (NoteForm() if current else None),
        "flag_form": flag_form or (FlagForm() if can_flag else None)})


@login_required
def mentee(request, pk):
    return _mentee_page(request, _mentorship(request, pk))


def _back(mentorship, anchor):
    return redirect(reverse("mentoring:mentee", args=[mentorship.pk]) + f"#{anchor}")


@login_required
@require_POST
def task_create(request, pk):
    mentorship = _mentorship(request, pk, "record")
    form = TaskForm(request.POST)
    if form.is_valid():
        try:
            task = services.record_task(actor=request.user, mentorship=mentorship,
                                        **form.cleaned_data)
        except RuleViolation as e:
            add_to_form(form, e)
        else:
            shared = "，家长可以看到" if task.shared_with_family else ""
            messages.success(request, f"已登记{task.get_kind_display()}（{task.on:%Y-%m-%d}）{shared}。")
            return _back(mentorship, "tasks")
    return _mentee_page(request, mentorship, task_form=form)


@login_required
@require_POST
def note_create(request, pk):
    mentorship = _mentorship(request, pk)
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            services.add_note(actor=request.user, mentorship=mentorship,
                              text=form.cleaned_data["text"])
        except RuleViolation as e:
            add_to_form(form, e)
        else:
            messages.success(request, "已添加受限记录。")
            return _back(mentorship, "notes")
    return _mentee_page(request, mentorship, note_form=form)


@login_required
@require_POST
def flag(request, pk):
    """Raise (needs_attention=1, with a reason) or clear (0) the flag; from the psychologist's
    list on the hub (back=index) or from the mentee's page."""
    mentorship = _mentorship(request, pk, "flag")
    raise_it = request.POST.get("needs_attention") == "1"
    form = FlagForm(request.POST)
    from_hub = request.POST.get("back") == "index"
    if form.is_valid():
        try:
            services.flag(actor=request.user, mentorship=mentorship, needs_attention=raise_it,
                          reason=form.cleaned_data["reason"])
        except RuleViolation as e:
            if from_hub:
                messages.error(request, e.message)
                return redirect("mentoring:index")
            add_to_form(form, e)
        else:
            name = mentorship.pupil.name
            messages.success(request, f"已标记{name}需要关注，心理健康教师会看到。" if raise_it
                             else f"已取消{name}的“需要关注”标记。")
            return redirect("mentoring:index") if from_hub else _back(mentorship, "attention")
    return _mentee_page(request, mentorship, flag_form=form)


urlpatterns = [
    path("", index, name="index"),
    path("mentees/<int:pk>/", mentee, name="mentee"),
    path("mentees/<int:pk>/tasks/", task_create, name="task-create"),
    path("mentees/<int:pk>/notes/", note_create, name="note-create"),
    path("mentees/<int:pk>/flag/", flag, name="flag"),
]
