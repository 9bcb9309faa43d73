"""Random inspection use cases (IN-1): the roster, the draw and its verification, results and
their publication (一公开). Every door calls these.

A draw reads the rosters once, stores them as its inputs (with their SHA-256), runs the pure
``inspections.draw.draw`` and writes the inspections, all in one transaction under a lock on the
bureau row, so two draws of one bureau are numbered one after the other.
"""

import secrets

from django.db import transaction
from django.utils import timezone

from audit.actions import log_action
from core.access import require
from core.errors import Conflict, RuleViolation
from inspections import draw as algorithm
from inspections.models import Conflict as Recusal
from inspections.models import (
    Department,
    Draw,
    Inspection,
    InspectionEvent,
    Inspector,
    JointOperation,
    JointVisit,
)
from institutions.models import Institution
from institutions.services import issue_card
from org.models import Bureau, School
from policy.services import Policy
from schoolcal.calendar import SchoolCalendar

MAX_TITLE = 100


# ---- roster ------------------------------------------------------------------------------------


@transaction.atomic
def add_inspector(*, actor, bureau, name, department="education", certificate_no="", user=None):
    require(actor, "manage", Inspector(bureau=bureau))
    name = (name or "").strip()
    if not name:
        raise RuleViolation("required", "请填写姓名。", "name")
    if department not in Department.values:
        raise RuleViolation("invalid", "部门无效。", "department")
    if user is not None and not user.role_assignments.filter(
            role="inspector", bureau=bureau).exists():
        raise RuleViolation("invalid", "只能关联本区督学/执法人员账号。", "user")
    if user is not None and Inspector.objects.filter(bureau=bureau, user=user).exists():
        raise Conflict("该账号已在名录中。", "user")
    inspector = Inspector.objects.create(bureau=bureau, name=name[:50], department=department,
                                         certificate_no=(certificate_no or "").strip()[:40],
                                         user=user)
    log_action(inspector, "inspections.inspector.added", actor=actor, kind="create",
               data={"name": inspector.name, "department": department})
    return inspector


@transaction.atomic
def set_inspector_active(*, actor, inspector, active):
    require(actor, "manage", inspector)
    inspector.active = bool(active)
    inspector.save(update_fields=["active"])
    log_action(inspector, "inspections.inspector.changed", actor=actor,
               data={"active": inspector.active})
    return inspector


@transaction.atomic
def declare_conflict(*, actor, inspector, institution=None, school=None, reason):
    require(actor, "manage", inspector)
    reason = (reason or "").strip()
    if not reason:
        raise RuleViolation("required", "请填写回避理由。", "reason")
    if (institution is None) == (school is None):
        raise RuleViolation("required", "请选择一个回避对象（机构或学校）。", "target")
    target = institution or school
    if target.bureau_id != inspector.bureau_id:
        raise RuleViolation("invalid", "回避对象不在本区。", "target")
    if Recusal.objects.filter(inspector=inspector, institution=institution,
                              school=school).exists():
        raise Conflict("已登记该回避对象。", "target")
    recusal = Recusal.objects.create(inspector=inspector, institution=institution, school=school,
                                     reason=reason[:200])
    log_action(inspector, "inspections.conflict.declared", actor=actor,
               data={"target": recusal.target_key, "reason": recusal.reason})
    return recusal


# ---- the draw ------------------------------------------------------------------------------------


def target_roster(bureau, kind):
    """The target keys a draw of ``kind`` chooses from: the bureau's registered institutions
    (approved, suspended, or found by inspection and not licensed) or its schools."""
    if kind == Draw.TargetKind.INSTITUTION:
        ids = Institution.objects.filter(bureau=bureau).exclude(status__in=[
            Institution.Status.APPLYING, Institution.Status.REJECTED, Institution.Status.CLOSED,
        ]).values_list("pk", flat=True)
    else:
        ids = School.objects.filter(bureau=bureau).values_list("pk", flat=True)
    return [f"{kind}:{pk}" for pk in sorted(ids)]


def _previous_pairs(bureau, kind):
    """(inspector, target) of each target's latest inspection in an earlier draw of this kind."""
    latest = {}
    inspections = Inspection.objects.filter(draw__bureau=bureau, draw__target_kind=kind).order_by(
        "-draw__created_at", "-draw_id").prefetch_related("inspectors")
    for inspection in inspections:
        if inspection.target_key not in latest:
            latest[inspection.target_key] = [i.pk for i in inspection.inspectors.all()]
    return sorted([i, t] for t, ids in latest.items() for i in ids)


def _inputs(bureau, kind):
    inspectors = Inspector.objects.filter(bureau=bureau, active=True).order_by("pk")
    exclusions = sorted([c.inspector_id, c.target_key] for c in Recusal.objects.filter(
        inspector__bureau=bureau, inspector__active=True))
    return {
        "targets": target_roster(bureau, kind),
        "inspectors": [[i.pk, i.department] for i in inspectors],
        "exclusions": exclusions,
        "previous": _previous_pairs(bureau, kind),
    }


def _run(seed, inputs, count, per_target, min_departments):
    """The draw with each team's inspector ids sorted (a team is a set)."""
    return [(target, sorted(team)) for target, team in algorithm.draw(
        seed=seed, targets=inputs["targets"],
        inspectors=[algorithm.InspectorSpec(i, d) for i, d in inputs["inspectors"]],
        count=count, per_target=per_target, min_departments=min_departments,
        exclusions=[tuple(p) for p in inputs["exclusions"]],
        previous=[tuple(p) for p in inputs["previous"]])]


def _sample_size(policy, roster_size, count, percent):
    """The number of targets: ``count`` when given, else ``percent`` (or the district's
    ``in.sample_percent``) of the roster, rounded up; never below the district's share."""
    minimum_percent = int(policy["in.sample_percent"])
    share = percent if percent is not None else minimum_percent
    if share < minimum_percent:
        raise RuleViolation("IN-1", f"抽查比例不得低于本区规定的 {minimum_percent}%。", "percent")
    least = -(-roster_size * minimum_percent // 100)
    if count is None:
        count = -(-roster_size * share // 100)
    if count < least:
        raise RuleViolation("IN-1", f"抽取数量不得少于名录的 {minimum_percent}%（{least} 个）。",
                            "count")
    return count


@transaction.atomic
def run_draw(*, actor, bureau, title, target_kind, count=None, percent=None, per_target=None,
             min_departments=1, items="", seed=None):
    """Draw targets and teams (IN-1) and store everything needed to re-run the draw."""
    require(actor, "run", Draw)
    bureau = Bureau.objects.select_for_update(of=("self",)).select_related(
        "parent__parent").get(pk=bureau.pk)
    if bureau.pk not in actor.scope.bureau_ids_for(*Draw.ACCESS["run"]):
        raise RuleViolation("forbidden_unit", "只能在本区组织抽查。", "bureau")
    title = (title or "").strip()
    if not title:
        raise RuleViolation("required", "请填写抽查任务名称。", "title")
    if target_kind not in Draw.TargetKind.values:
        raise RuleViolation("invalid", "检查对象应为 institution 或 school。", "target_kind")
    policy = Policy(bureau)
    least_team = int(policy["in.inspectors_per_check"])
    per_target = least_team if per_target is None else int(per_target)
    if per_target < least_team:
        raise RuleViolation("IN-1", f"每个检查对象至少派 {least_team} 名执法检查人员。",
                            "per_target")
    if not 1 <= int(min_departments) <= per_target:
        raise RuleViolation("invalid", "联合检查部门数应在 1 与每组人数之间。", "min_departments")
    inputs = _inputs(bureau, target_kind)
    if not inputs["targets"]:
        raise RuleViolation("invalid", "检查对象名录为空。", "target_kind")
    count = _sample_size(policy, len(inputs["targets"]), count, percent)
    if count > len(inputs["targets"]):
        raise RuleViolation("invalid", f"抽取数量超过名录中的 {len(inputs['targets'])} 个对象。",
                            "count")
    seed = (seed or "").strip()[:64] or secrets.token_hex(16)
    try:
        result = _run(seed, inputs, count, per_target, int(min_departments))
    except algorithm.DrawError as error:
        raise RuleViolation("IN-1", str(error), "inspectors") from None
    number = (Draw.objects.filter(bureau=bureau).order_by("-number").values_list(
        "number", flat=True).first() or 0) + 1
    draw = Draw.objects.create(
        bureau=bureau, number=number, title=title[:MAX_TITLE], target_kind=target_kind,
        items=(items or "").strip(), count=count, per_target=per_target,
        min_departments=int(min_departments), seed=seed,
        algorithm=algorithm.ALGORITHM_VERSION, inputs=inputs,
        inputs_digest=algorithm.digest(inputs), result=[[t, ids] for t, ids in result],
        created_by=actor)
    _write_inspections(draw, result)
    log_action(draw, "inspections.draw.run", actor=actor, kind="create",
               data={"number": number, "seed": seed, "count": count,
                     "digest": draw.inputs_digest})
    return draw


def _write_inspections(draw, result):
    through = Inspection.inspectors.through
    links = []
    for position, (target, inspector_ids) in enumerate(result, start=1):
        kind, pk = target.split(":")
        inspection = Inspection.objects.create(draw=draw, position=position,
                                     **{f"{kind}_id": int(pk)})
        links += [through(inspection_id=inspection.pk, inspector_id=i) for i in inspector_ids]
    through.objects.bulk_create(links)


def verify_draw(draw):
    """Re-run a stored draw from its record: ``{"ok", "digest_ok", "result_ok", "inspections_ok",
    "recomputed"}``. ``inspections_ok`` compares the inspections in the database with the result."""
    digest_ok = algorithm.digest(draw.inputs) == draw.inputs_digest
    try:
        recomputed = [[t, ids] for t, ids in _run(draw.seed, draw.inputs, draw.count,
                                                  draw.per_target, draw.min_departments)]
    except algorithm.DrawError:
        recomputed = []
    stored = [[c.target_key, sorted(i.pk for i in c.inspectors.all())]
              for c in draw.inspections.order_by("position").prefetch_related("inspectors")]
    result_ok = recomputed == draw.result and draw.algorithm == algorithm.ALGORITHM_VERSION
    inspections_ok = stored == [[t, sorted(ids)] for t, ids in draw.result]
    return {"ok": digest_ok and result_ok and inspections_ok, "digest_ok": digest_ok,
            "result_ok": result_ok, "inspections_ok": inspections_ok, "recomputed": recomputed}


# ---- results and publication (一公开) ---------------------------------------------------------


def _move(inspection, to, actor, note=""):
    if to not in Inspection.TRANSITIONS[inspection.status]:
        raise Conflict(f"“{inspection.get_status_display()}”的检查不能改为"
                       f"“{Inspection.Status(to).label}”。", "status", code="invalid_transition")
    InspectionEvent.objects.create(inspection=inspection, from_status=inspection.status,
                                   to_status=to, actor=actor, note=note[:300])
    inspection.status = to


def _lock(inspection):
    return (Inspection.objects.select_for_update(of=("self",))
            .select_related("draw__bureau__parent__parent", "institution", "school")
            .get(pk=inspection.pk))


@transaction.atomic
def record_result(*, actor, inspection, outcome, findings="", checked_on=None):
    """The team's result; the publication deadline is ``in.publish_days`` working days on."""
    inspection = _lock(inspection)
    require(actor, "record", inspection)
    if outcome not in Inspection.Outcome.values:
        raise RuleViolation("invalid", "检查结果应为 pass / rectify / penalise / not_found。",
                            "outcome")
    findings = (findings or "").strip()
    if outcome != Inspection.Outcome.PASS and not findings:
        raise RuleViolation("required", "请填写发现的问题和处理意见。", "findings")
    today = timezone.localdate()
    checked_on = checked_on or today
    if checked_on > today or checked_on < timezone.localtime(inspection.draw.created_at).date():
        raise RuleViolation("invalid", "检查日期应在抽查之后、今天之前。", "checked_on")
    _move(inspection, Inspection.Status.RECORDED, actor, note=outcome)
    inspection.outcome, inspection.findings = outcome, findings[:5000]
    inspection.checked_on = checked_on
    if inspection.publish_due is None:  # a correction keeps the first deadline
        days = int(Policy(inspection.draw.bureau)["in.publish_days"])
        inspection.recorded_at = timezone.now()
        inspection.publish_due = SchoolCalendar(inspection.draw.bureau).add_working_days(
            today, days)
    inspection.save(update_fields=["status", "outcome", "findings", "checked_on", "recorded_at",
                              "publish_due"])
    log_action(inspection, "inspections.inspection.recorded", actor=actor,
               data={"outcome": outcome, "target": inspection.target_key})
    return inspection


@transaction.atomic
def publish(*, actor, inspection):
    inspection = _lock(inspection)
    require(actor, "publish", inspection)
    _move(inspection, Inspection.Status.PUBLISHED, actor)
    inspection.published_at = timezone.now()
    inspection.save(update_fields=["status", "published_at"])
    log_action(inspection, "inspections.inspection.published", actor=actor,
               data={"target": inspection.target_key, "outcome": inspection.outcome})
    return inspection


def overdue(inspections, today=None):
    """Recorded results past their publication deadline (一公开 overdue)."""
    today = today or timezone.localdate()
    return inspections.filter(status=Inspection.Status.RECORDED, publish_due__lt=today)


def is_overdue(inspection, today=None):
    today = today or timezone.localdate()
    return (inspection.status == Inspection.Status.RECORDED
            and inspection.publish_due is not None and inspection.publish_due < today)


def days_late(inspection, today=None):
    today = today or timezone.localdate()
    return max(0, (today - inspection.publish_due).days) if is_overdue(inspection, today) else 0



# ---- joint enforcement operations (联合执法) ---------------------------------------------------


@transaction.atomic
def create_operation(*, actor, bureau, title, start, end, departments, summary=""):
    require(actor, "manage", JointOperation(bureau=bureau))
    title = (title or "").strip()
    if not title:
        raise RuleViolation("required", "请填写行动名称。", "title")
    if end < start:
        raise RuleViolation("invalid", "结束日期不能早于开始日期。", "end")
    departments = sorted(set(departments or []))
    if any(d not in Department.values for d in departments):
        raise RuleViolation("invalid", "部门无效。", "departments")
    if len(departments) < 2:
        raise RuleViolation("invalid", "联合执法至少需要两个部门参加。", "departments")
    operation = JointOperation.objects.create(
        bureau=bureau, title=title[:100], start=start, end=end, departments=departments,
        summary=(summary or "").strip(), created_by=actor)
    log_action(operation, "inspections.operation.created", actor=actor, kind="create",
               data={"title": operation.title, "departments": departments})
    return operation


@transaction.atomic
def record_visit(*, actor, operation, institution, visited_on, outcome, findings="",
                 card_colour=""):
    """One institution visited in the operation. ``outcome`` "card" issues a yellow or red card
    through the institutions' service (TI-13) and links it."""
    operation = JointOperation.objects.select_for_update(of=("self",)).get(pk=operation.pk)
    require(actor, "manage", operation)
    if institution.bureau_id != operation.bureau_id:
        raise RuleViolation("invalid", "该机构不在本区。", "institution")
    if not operation.start <= visited_on <= operation.end:
        raise RuleViolation("invalid", f"检查日期应在行动期间（{operation.start}–{operation.end}）。",
                            "visited_on")
    if outcome not in JointVisit.Outcome.values:
        raise RuleViolation("invalid", "处理结果无效。", "outcome")
    findings = (findings or "").strip()
    if outcome != JointVisit.Outcome.COMPLIANT and not findings:
        raise RuleViolation("required", "请填写发现的问题。", "findings")
    if JointVisit.objects.filter(operation=operation, institution=institution).exists():
        raise Conflict("本次行动已记录该机构。", "institution")
    card = None
    if outcome == JointVisit.Outcome.CARD:
        if card_colour not in ("yellow", "red"):
            raise RuleViolation("required", "亮牌须选择黄牌或红牌。", "card_colour")
        card = issue_card(actor=actor, institution=institution, colour=card_colour,
                          reason=f"联合执法“{operation.title}”：{findings}"[:300],
                          evidence=f"{visited_on} 联合检查记录")
    visit = JointVisit.objects.create(operation=operation, institution=institution,
                                      visited_on=visited_on, outcome=outcome,
                                      findings=findings[:5000], card=card, recorded_by=actor)
    log_action(operation, "inspections.operation.visit", actor=actor,
               data={"institution": institution.pk, "outcome": outcome})
    return visit


def operation_counts(operations):
    """Institutions visited and outcomes over some operations (for reports and bulletins)."""
    rows = JointVisit.objects.filter(operation__in=operations).values_list("outcome", flat=True)
    counts = {o: 0 for o in JointVisit.Outcome.values}
    for outcome in rows:
        counts[outcome] += 1
    return {"operations": operations.count(), "visits": sum(counts.values()), **counts}
