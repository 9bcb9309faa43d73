"""School supervision use cases (IN-3, IN-4): assigning responsible inspectors, weekly
self-checks, visits and rectification tasks. Every door (web, API) calls these.

Lock order: a self-check and an assignment lock the school row (``select_for_update``) before
they look for an existing row, so two submissions of one week, or two assignments of one school,
run one after the other; unique constraints are the backstop. A task transition locks the task
row. Deadlines are counted in working days on the school's calendar (``in.rectify_days``).
"""


from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.actions import log_action
from core.access import require
from core.errors import Conflict, RuleViolation
from org.models import School
from org.roles import Role
from org.scope import compute_scope
from policy.services import Policy
from schoolcal.calendar import SchoolCalendar
from schoolinspection import checklist
from schoolinspection.models import (
    InspectorAssignment,
    RectificationTask,
    SelfCheck,
    SelfCheckItem,
    TaskEvent,
    Visit,
)

MAX_TEXT = 2000
MAX_NOTE = 500
Status = RectificationTask.Status


def _lock_school(school):
    """Serialise a school's self-checks and assignments (lock once, before looking)."""
    return (School.objects.select_for_update(of=("self",)).select_related("bureau__parent__parent")
            .get(pk=school.pk))


def _text(value, limit=MAX_TEXT):
    return (value or "").strip()[:limit]


def _check_past_date(date, field, what):
    today = timezone.localdate()
    if date > today:
        raise RuleViolation("invalid", f"{what}不能晚于今天。", field)
    if (today - date).days > 366:
        raise RuleViolation("invalid", f"{what}应在一年之内。", field)


def default_due(school, start=None):
    """``in.rectify_days`` working days after ``start`` (today) on the school's calendar."""
    days = int(Policy(school.bureau)["in.rectify_days"])
    return SchoolCalendar(school.bureau).add_working_days(start or timezone.localdate(), days)


# ---- responsible inspectors (IN-3) ------------------------------------------------------------


def load_warning(school, inspector):
    """IN-3: the warning when the inspector is responsible for more schools than the district's
    ``in.schools_per_inspector``, else None."""
    limit = int(Policy(school.bureau)["in.schools_per_inspector"])
    count = InspectorAssignment.objects.current().filter(inspector=inspector).count()
    if count <= limit:
        return None
    return {"code": "IN-3", "count": count, "limit": limit,
            "message": f"{inspector.name or inspector.username} 现负责 {count} 所学校，"
                       f"超过本区每名责任督学 {limit} 所左右的标准（IN-3）。"}


@transaction.atomic
def assign_inspector(*, actor, school, inspector, since=None, contact_phone=""):
    """Make ``inspector`` (a district inspector login) the school's responsible inspector from
    ``since`` (today); the current one's assignment ends that day. Returns (assignment,
    warnings): a load above ``in.schools_per_inspector`` is a warning, not a refusal."""
    require(actor, "manage", InspectorAssignment(school=school))
    school = _lock_school(school)
    # The login must be an inspector of the school's district (or a bureau above it).
    if school.bureau_id not in compute_scope(inspector).bureau_ids_for(Role.INSPECTOR):
        raise RuleViolation("invalid", "该账号不是本区督学。", "inspector")
    since = since or timezone.localdate()
    _check_past_date(since, "since", "起始日期")
    current = InspectorAssignment.objects.select_for_update(of=("self",)).filter(
        school=school, until__isnull=True).select_related("inspector").first()
    if current is not None:
        if current.inspector_id == inspector.pk:
            raise Conflict(f"{inspector.name or inspector.username} 已是该校的责任督学。",
                           "inspector", code="already_assigned")
        if since < current.since:
            raise RuleViolation("invalid", "起始日期不能早于现任责任督学的起始日期"
                                f"（{current.since:%Y-%m-%d}）。", "since")
        current.until = since
        current.save(update_fields=["until"])
    try:
        with transaction.atomic():
            assignment = InspectorAssignment.objects.create(
                school=school, inspector=inspector, since=since,
                contact_phone=_text(contact_phone, 20), assigned_by=actor)
    except IntegrityError:  # another assignment of this school committed first
        raise Conflict("该校责任督学刚被他人调整，请刷新后重试。", "school", code="stale") from None
    log_action(assignment, "schoolinspection.assignment.made", actor=actor, kind="create",
               data={"school": school.pk, "inspector": inspector.pk, "since": since.isoformat(),
                     "previous": current.inspector_id if current else None})
    warning = load_warning(school, inspector)
    return assignment, [warning] if warning else []


# ---- weekly self-checks (IN-4) ----------------------------------------------------------------


def self_check_form(school, week_date, today=None, calendar=None):
    """The pre-filled checklist of the school's week containing ``week_date``: (week, rows)."""
    today = today or timezone.localdate()
    week = checklist.week_of(school, week_date, today, calendar)
    return week, checklist.prefill(school, week)


def _clean_answers(rows, answers):
    """Every item marked; a note for every 不符合 and for every 符合 the platform's figures
    contradict. Returns {code: (compliant, note)}; refuses with one row per problem."""
    given = {}
    for answer in answers or []:
        code = answer.get("code")
        if code in given:
            raise RuleViolation("invalid", f"检查项重复：{code}。", "items")
        given[code] = answer
    unknown = sorted(set(given) - set(checklist.CODES))
    if unknown:
        raise RuleViolation("invalid", f"没有这些检查项：{'、'.join(unknown)}。", "items")
    problems, clean = [], {}
    for n, row in enumerate(rows, start=1):
        answer = given.get(row["code"])
        compliant = None if answer is None else answer.get("compliant")
        note = _text(None if answer is None else answer.get("note"), MAX_NOTE)
        if not isinstance(compliant, bool):
            problems.append({"row": n, "field": row["code"],
                             "message": f"请为“{row['label']}”选择符合或不符合。"})
        elif not compliant and not note:
            problems.append({"row": n, "field": row["code"],
                             "message": f"“{row['label']}”不符合：请写明存在的问题。"})
        elif compliant and row["suggested"] is False and not note:
            problems.append({"row": n, "field": row["code"],
                             "message": f"“{row['label']}”的平台数据显示存在问题，标为符合须说明理由。"})
        clean[row["code"]] = (compliant, note)
    if problems:
        raise RuleViolation("required", f"有 {len(problems)} 个检查项需要补充，未提交。", "items",
                            rows=problems)
    return clean


@transaction.atomic
def submit_self_check(*, actor, school, week, answers):
    """The school's self-check of the week containing ``week`` (IN-4): once per school week,
    never for a week still to come; each 不符合 item becomes a rectification task.

    ``answers``: ``[{"code", "compliant", "note"}]``, one per checklist item."""
    require(actor, "submit", SelfCheck(school=school))
    today = timezone.localdate()
    monday = checklist.week_start_of(week)
    if monday > checklist.week_start_of(today):
        raise RuleViolation("IN-4", "不能提交未来周的自查。", "week")
    if (today - monday).days > 366:
        raise RuleViolation("invalid", "只能提交一年之内的自查。", "week")
    school = _lock_school(school)
    calendar = SchoolCalendar(school.bureau)
    week_obj, rows = self_check_form(school, monday, today, calendar)
    if not week_obj.school_days:
        raise RuleViolation("IN-4", "该周没有上课日，无需自查。", "week")
    # Looked for under the school lock: a concurrent submission has committed by now.
    if SelfCheck.objects.filter(school=school, week_start=monday).exists():
        raise Conflict("该周的自查已经提交，每周只提交一次。", "week", code="already_submitted")
    answers = _clean_answers(rows, answers)
    try:
        with transaction.atomic():
            check = SelfCheck.objects.create(
                school=school, week_start=monday, checked_through=week_obj.through,
                figures={r["code"]: r["figures"] for r in rows}, submitted_by=actor,
                non_compliant=sum(1 for ok, _ in answers.values() if not ok))
    except IntegrityError:  # the constraint: another submission of this week committed first
        raise Conflict("该周的自查已经提交，每周只提交一次。", "week",
                       code="already_submitted") from None
    SelfCheckItem.objects.bulk_create([
        SelfCheckItem(self_check=check, code=row["code"], position=n,
                      compliant=answers[row["code"]][0], suggested=row["suggested"],
                      figures_text=row["text"][:500], note=answers[row["code"]][1])
        for n, row in enumerate(rows, start=1)])
    due = calendar.add_working_days(today, int(Policy(school.bureau)["in.rectify_days"]))
    for item in check.items.filter(compliant=False).order_by("position"):
        _create_task(actor=actor, school=school, source=RectificationTask.Source.SELF_CHECK,
                     description=f"{item.item.label}：{item.note}", due=due,
                     self_check_item=item, item_code=item.code)
    log_action(check, "schoolinspection.selfcheck.submitted", actor=actor, kind="create",
               data={"school": school.pk, "week_start": monday.isoformat(),
                     "non_compliant": check.non_compliant})
    return check


# ---- visits (IN-4) ----------------------------------------------------------------------------


@transaction.atomic
def record_visit(*, actor, school, visited_on, items=(), summary="", findings=(), due=None):
    """The responsible inspector's visit (入校督导, IN-4); each finding becomes a task due
    ``due`` (by default ``in.rectify_days`` working days from today)."""
    visited_on = visited_on or timezone.localdate()
    require(actor, "record", Visit(school=school, inspector=actor, visited_on=visited_on))
    _check_past_date(visited_on, "visited_on", "督导日期")
    codes = [code for code, _ in checklist.VISIT_ITEMS]
    items = list(dict.fromkeys(items or []))
    if not items:
        raise RuleViolation("required", "请选择本次督导检查的事项。", "items")
    if any(code not in codes for code in items):
        raise RuleViolation("invalid", "检查事项无效。", "items")
    findings = [_text(f) for f in findings or [] if _text(f)]
    summary = _text(summary, 5000)
    if not summary and not findings:
        raise RuleViolation("required", "请填写督导情况或发现的问题。", "summary")
    due = _check_due(school, due)
    visit = Visit.objects.create(school=school, inspector=actor, visited_on=visited_on,
                                 items=sorted(items, key=codes.index), summary=summary,
                                 findings=findings)
    for finding in findings:
        _create_task(actor=actor, school=school, source=RectificationTask.Source.VISIT,
                     description=finding, due=due, visit=visit)
    log_action(visit, "schoolinspection.visit.recorded", actor=actor, kind="create",
               data={"school": school.pk, "visited_on": visited_on.isoformat(),
                     "findings": len(findings)})
    return visit


# ---- rectification tasks ----------------------------------------------------------------------


def _check_due(school, due):
    if due is None:
        return default_due(school)
    today = timezone.localdate()
    if due < today or (due - today).days > 366:
        raise RuleViolation("invalid", "整改期限应在今天到一年之内。", "due")
    return due


def _create_task(*, actor, school, source, description, due, self_check_item=None, visit=None,
                 item_code=""):
    task = RectificationTask.objects.create(
        school=school, source=source, self_check_item=self_check_item, visit=visit,
        item_code=item_code, description=description, due=due, created_by=actor)
    TaskEvent.objects.create(task=task, action=TaskEvent.Action.CREATED, to_status=task.status,
                             text=description, actor=actor)
    log_action(task, "schoolinspection.task.created", actor=actor, kind="create",
               data={"school": school.pk, "source": source, "due": due.isoformat()})
    return task


@transaction.atomic
def create_task(*, actor, school, description, due=None):
    """A task from another source (e.g. a complaint, a bureau check): the bureau admin or the
    school's responsible inspector."""
    require(actor, "create", RectificationTask(school=school))
    description = _text(description)
    if not description:
        raise RuleViolation("required", "请填写问题与整改要求。", "description")
    return _create_task(actor=actor, school=school, source=RectificationTask.Source.OTHER,
                        description=description, due=_check_due(school, due))


def _lock(task):
    return (RectificationTask.objects.select_for_update(of=("self",))
            .select_related("school__bureau__parent__parent").get(pk=task.pk))


def _check_move(task, to, action):
    """A move not in TRANSITIONS is a conflict with the task's current state (409)."""
    if to not in RectificationTask.TRANSITIONS[task.status]:
        raise Conflict(f"“{task.get_status_display()}”的整改任务不能{TaskEvent.Action(action).label}。",
                       "status", code="invalid_transition")


def _move(task, to, action, actor, text=""):
    """The one way a task changes state (checked first with ``_check_move``): history row,
    then the new status on the object (saved by the caller)."""
    _check_move(task, to, action)
    TaskEvent.objects.create(task=task, action=action, from_status=task.status, to_status=to,
                             text=text, actor=actor)
    task.status = to


@transaction.atomic
def submit_rectification(*, actor, task, evidence):
    """The school reports what it did (整改情况); the inspector verifies it next."""
    task = _lock(task)
    require(actor, "submit", task)
    evidence = _text(evidence, 5000)
    _check_move(task, Status.SUBMITTED, TaskEvent.Action.SUBMITTED)
    if len(evidence) < 5:
        raise RuleViolation("required", "请写明整改措施和结果（至少 5 个字）。", "evidence")
    _move(task, Status.SUBMITTED, TaskEvent.Action.SUBMITTED, actor, evidence)
    task.evidence, task.submitted_at = evidence, timezone.now()
    task.save(update_fields=["status", "evidence", "submitted_at"])
    log_action(task, "schoolinspection.task.submitted", actor=actor,
               changes={"status": [Status.OPEN, Status.SUBMITTED]},
               data={"late": task.due < timezone.localdate()})
    return task


@transaction.atomic
def accept_rectification(*, actor, task, note=""):
    """The inspector (or the bureau admin) accepts the school's rectification (验收)."""
    task = _lock(task)
    require(actor, "verify", task)
    _move(task, Status.ACCEPTED, TaskEvent.Action.ACCEPTED, actor, _text(note))
    task.closed_at = timezone.now()
    task.save(update_fields=["status", "closed_at"])
    log_action(task, "schoolinspection.task.accepted", actor=actor,
               changes={"status": [Status.SUBMITTED, Status.ACCEPTED]})
    return task


@transaction.atomic
def return_rectification(*, actor, task, reason, due=None):
    """Back to the school (open) with a reason; optionally a new deadline."""
    task = _lock(task)
    require(actor, "verify", task)
    reason = _text(reason)
    _check_move(task, Status.OPEN, TaskEvent.Action.RETURNED)
    if not reason:
        raise RuleViolation("required", "请填写退回的理由。", "reason")
    fields = ["status", "return_count"]
    if due is not None:
        task.due = _check_due(task.school, due)
        fields.append("due")
    _move(task, Status.OPEN, TaskEvent.Action.RETURNED, actor, reason)
    task.return_count += 1
    task.save(update_fields=fields)
    log_action(task, "schoolinspection.task.returned", actor=actor,
               changes={"status": [Status.SUBMITTED, Status.OPEN]},
               data={"reason": reason, "due": task.due.isoformat()})
    return task
