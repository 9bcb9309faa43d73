"""All-staff mentoring use cases (MT-1..MT-3). Every door calls these.

Assignments of one plan are serialised on the plan row (``select_for_update``), so the
per-mentor maximum holds under concurrent requests; the database keeps one current mentor per
pupil and plan (a partial unique constraint).
"""

from collections import defaultdict

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from audit.actions import log_action
from core.access import require
from core.errors import Conflict, RuleViolation
from mentoring.models import Mentorship, Note, Plan, Task
from org.models import Pupil, SchoolClass, Teacher, TeachingAssignment
from policy.services import Policy

KINDS = list(Task.Kind.values)
RESTRICTED = "导师记录仅限导师、班主任和心理健康教师查看。"


def _chain(bureau):
    ids = []
    while bureau is not None:
        ids.append(bureau.pk)
        bureau = bureau.parent
    return ids


@transaction.atomic
def create_plan(*, actor, school, term, grades):
    require(actor, "manage", Plan(school=school))
    if term.bureau_id not in _chain(school.bureau):
        raise RuleViolation("invalid", "学期不属于本校所在教育局的校历。", "term")
    grades = sorted({int(g) for g in grades or []})
    if not grades:
        raise RuleViolation("required", "请选择覆盖的年级（MT-1）。", "grades")
    if any(g not in school.grades for g in grades):
        raise RuleViolation("invalid", "本校没有所选年级。", "grades")
    if Plan.objects.filter(school=school, term=term).exists():
        raise Conflict("本学期已有导师制方案。", "term")
    plan = Plan.objects.create(
        school=school, term=term, grades=grades, created_by=actor,
        max_pupils=int(Policy(school.bureau)["mt.max_pupils_per_mentor"]))
    log_action(plan, "mentoring.plan.created", actor=actor, kind="create",
               data={"grades": grades, "term": term.pk})
    return plan


def _lock(plan):
    return Plan.objects.select_for_update(of=("self",)).select_related("school__bureau").get(
        pk=plan.pk)


def _loads(plan):
    return dict(Mentorship.objects.current().filter(plan=plan).values_list("mentor_id")
                .annotate(n=Count("pk")))


def _teaching(plan):
    """The school's teachers who teach a class or lead one: those with a teacher's role, who
    can open their mentees' pages."""
    return Teacher.objects.filter(school=plan.school).filter(
        Q(assignments__isnull=False) | Q(head_of__isnull=False)).distinct()


def _covered_pupils(plan):
    return Pupil.objects.filter(school=plan.school, school_class__grade__in=plan.grades)


def _end(mentorship, actor):
    mentorship.ended_at = timezone.now()
    mentorship.save(update_fields=["ended_at"])


@transaction.atomic
def assign(*, actor, plan, pupil, mentor):
    """Make ``mentor`` the pupil's mentor (MT-3: at most ``plan.max_pupils`` each)."""
    plan = _lock(plan)
    require(actor, "manage", plan)
    if mentor.school_id != plan.school_id:
        raise RuleViolation("invalid", "导师须为本校教师。", "mentor")
    if not _teaching(plan).filter(pk=mentor.pk).exists():
        raise RuleViolation("invalid", "导师须在本校任教（有任课班级或担任班主任）。", "mentor")
    if not _covered_pupils(plan).filter(pk=pupil.pk).exists():
        raise RuleViolation("invalid", "该学生不在本方案覆盖的年级。", "pupil")
    current = Mentorship.objects.current().filter(plan=plan, pupil=pupil).first()
    if current is not None and current.mentor_id == mentor.pk:
        return current
    if _loads(plan).get(mentor.pk, 0) >= plan.max_pupils:
        raise RuleViolation("MT-3", f"{mentor.name} 已指导 {plan.max_pupils} 名学生，达到上限。",
                            "mentor")
    if current is not None:
        _end(current, actor)
    mentorship = Mentorship.objects.create(plan=plan, pupil=pupil, mentor=mentor)
    log_action(mentorship, "mentoring.assigned", actor=actor, kind="create",
               data={"pupil": pupil.pk, "mentor": mentor.pk,
                     "previous": current.mentor_id if current else None})
    return mentorship


def suggest(plan, loads=None, assigned=()):
    """``{pupil id: teacher id}`` for the covered pupils without a mentor: each class's pupils go
    to its head teacher first, then to the teachers who teach the class; only the pupils left
    over then go to any teacher of the school; always the least loaded under the maximum (ties
    by id). Deterministic."""
    loads = dict(loads or {})
    assigned = set(assigned)
    teachers = sorted(_teaching(plan).values_list("pk", flat=True))
    classes = SchoolClass.objects.filter(school=plan.school, grade__in=plan.grades).order_by(
        "grade", "number")
    taught = defaultdict(set)
    for class_id, teacher_id in TeachingAssignment.objects.filter(
            school_class__in=classes).values_list("school_class_id", "teacher_id"):
        taught[class_id].add(teacher_id)
    pupils = defaultdict(list)
    for pupil_id, class_id in _covered_pupils(plan).order_by("pk").values_list(
            "pk", "school_class_id"):
        if pupil_id not in assigned:
            pupils[class_id].append(pupil_id)
    result = {}

    def least_loaded(candidates):
        free = [t for t in candidates if loads.get(t, 0) < plan.max_pupils]
        return min(free, key=lambda t: (loads.get(t, 0), t)) if free else None

    left = []
    # First every class's own teachers: the head teacher, then those who teach the class ...
    for school_class in classes:
        for pupil_id in pupils[school_class.pk]:
            head = school_class.head_teacher_id
            choice = head if head and loads.get(head, 0) < plan.max_pupils else None
            choice = choice or least_loaded(sorted(taught[school_class.pk]))
            if choice is None:
                left.append(pupil_id)
                continue
            result[pupil_id] = choice
            loads[choice] = loads.get(choice, 0) + 1
    # ... then the pupils left over go to any teacher of the school.
    for pupil_id in left:
        choice = least_loaded(teachers)
        if choice is not None:  # else nobody is under the maximum: reported as unassigned
            result[pupil_id] = choice
            loads[choice] = loads.get(choice, 0) + 1
    return result


@transaction.atomic
def assign_automatically(*, actor, plan):
    """Give every covered pupil without a mentor one (``suggest``); returns ``(assigned,
    unassigned)`` counts."""
    plan = _lock(plan)
    require(actor, "manage", plan)
    have = set(Mentorship.objects.current().filter(plan=plan).values_list("pupil_id", flat=True))
    proposal = suggest(plan, _loads(plan), have)
    Mentorship.objects.bulk_create(Mentorship(plan=plan, pupil_id=p, mentor_id=t)
                                   for p, t in proposal.items())
    unassigned = _covered_pupils(plan).exclude(pk__in=have | set(proposal)).count()
    log_action(plan, "mentoring.assigned_automatically", actor=actor,
               data={"assigned": len(proposal), "unassigned": unassigned})
    return len(proposal), unassigned


def _lock_mentorship(mentorship):
    return Mentorship.objects.select_for_update(of=("self",)).select_related(
        "plan__term", "plan__school", "pupil").get(pk=mentorship.pk)


@transaction.atomic
def record_task(*, actor, mentorship, kind, on, record, shared_with_family=False):
    """The mentor logs a home visit, talk or written feedback (MT-2)."""
    mentorship = _lock_mentorship(mentorship)
    require(actor, "record", mentorship)
    if mentorship.ended_at is not None:
        raise Conflict("您已不是该学生的导师。", "mentorship")
    if kind not in KINDS:
        raise RuleViolation("invalid", "任务类型应为家访、交心谈话或书面反馈。", "kind")
    term = mentorship.plan.term
    if not term.start <= on <= min(term.end, timezone.localdate()):
        raise RuleViolation("invalid", "日期应在本学期内且不晚于今天。", "on")
    record = (record or "").strip()
    if not record:
        raise RuleViolation("required", "请填写简要记录。", "record")
    task = Task.objects.create(mentorship=mentorship, kind=kind, on=on, record=record[:1000],
                               shared_with_family=bool(shared_with_family)
                               and kind == Task.Kind.WRITTEN_FEEDBACK, created_by=actor)
    log_action(mentorship, "mentoring.task.recorded", actor=actor, data={"kind": kind})
    return task


@transaction.atomic
def add_note(*, actor, mentorship, text):
    mentorship = _lock_mentorship(mentorship)
    if mentorship.ended_at is not None:
        raise Conflict("该导师关系已结束，不能再添加记录。", "mentorship")
    if not Mentorship.objects.restricted_to(actor).filter(pk=mentorship.pk).exists():
        raise PermissionDenied(RESTRICTED)
    text = (text or "").strip()
    if not text:
        raise RuleViolation("required", "请填写内容。", "text")
    note = Note.objects.create(mentorship=mentorship, text=text[:2000], author=actor)
    log_action(mentorship, "mentoring.note.added", actor=actor)
    return note


@transaction.atomic
def flag(*, actor, mentorship, needs_attention, reason=""):
    """Raise (or clear) the "needs attention" flag; a raised flag reaches the psychologist."""
    mentorship = _lock_mentorship(mentorship)
    require(actor, "flag", mentorship)
    reason = (reason or "").strip()
    if needs_attention and not reason:
        raise RuleViolation("required", "请说明需要关注的原因。", "reason")
    mentorship.needs_attention = bool(needs_attention)
    mentorship.attention_reason = reason[:300] if needs_attention else ""
    mentorship.flagged_at = timezone.now() if needs_attention else None
    mentorship.save(update_fields=["needs_attention", "attention_reason", "flagged_at"])
    log_action(mentorship, "mentoring.flagged" if needs_attention else "mentoring.unflagged",
               actor=actor)
    return mentorship


def read_records(*, actor, mentorship):
    """Tasks' records and notes of a mentee for those allowed (MT restricted notes); the read is
    logged. Raises PermissionDenied for anyone else."""
    if not Mentorship.objects.restricted_to(actor).filter(pk=mentorship.pk).exists():
        raise PermissionDenied(RESTRICTED)
    log_action(mentorship, "mentoring.records.read", actor=actor, kind="access")
    return list(mentorship.tasks.all()), list(mentorship.notes.all())


def completion(mentorships):
    """Per mentorship (current ones), which of the three tasks are done: rows
    ``{"mentorship", "done": {kind: count}, "complete": bool}`` and totals."""
    mentorships = list(mentorships)
    # Per pupil and plan: tasks an earlier mentor did this term still count (MT-2).
    counts = defaultdict(dict)
    for plan_id, pupil_id, kind, n in Task.objects.filter(
            mentorship__plan_id__in={m.plan_id for m in mentorships},
            mentorship__pupil_id__in={m.pupil_id for m in mentorships}).values_list(
            "mentorship__plan_id", "mentorship__pupil_id", "kind").annotate(n=Count("pk")):
        counts[plan_id, pupil_id][kind] = n
    rows, complete = [], 0
    for m in mentorships:
        done = {k: counts[m.plan_id, m.pupil_id].get(k, 0) for k in KINDS}
        is_complete = all(done.values())
        complete += is_complete
        rows.append({"mentorship": m, "done": done, "complete": is_complete})
    total = len(rows)
    return rows, {"pupils": total, "complete": complete,
                  "rate": round(complete * 100 / total, 1) if total else 0.0,
                  **{k: sum(1 for r in rows if r["done"][k]) for k in KINDS}}


def coverage(plan):
    """Covered pupils, how many have a mentor, and mentors over the maximum (MT-1, MT-3)."""
    pupils = _covered_pupils(plan).count()
    loads = _loads(plan)
    with_mentor = Mentorship.objects.current().filter(
        plan=plan, pupil__in=_covered_pupils(plan)).count()
    return {"pupils": pupils, "with_mentor": with_mentor, "without": pupils - with_mentor,
            "mentors": len(loads), "max_load": max(loads.values(), default=0),
            "over_max": sum(1 for n in loads.values() if n > plan.max_pupils),
            "flagged": Mentorship.objects.current().filter(plan=plan,
                                                           needs_attention=True).count()}

