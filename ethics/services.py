"""Teacher ethics use cases (IN-8, PN-8): opening a case (by hand, from a confirmed teacher
match or from a complaint), investigation steps, declared transitions with a finding and a
sanction, and logged reading. Every door calls these."""

from django.db import transaction
from django.utils import timezone

from audit.actions import log_action
from core.access import require
from core.errors import Conflict, RuleViolation
from ethics.models import Case, CaseStep, NegativeItem
from institutions.models import TeacherMatch
from org.models import Bureau

MAX_SUMMARY = 4000


def _number(bureau):
    """``SD-<bureau code>-<year>-<n>``: numbered per bureau and year under the bureau lock."""
    year = timezone.localdate().year
    prefix = f"SD-{bureau.code}-{year}-"
    last = (Case.objects.filter(number__startswith=prefix).order_by("-number")
            .values_list("number", flat=True).first())
    return f"{prefix}{int(last.rsplit('-', 1)[1]) + 1 if last else 1:04d}"


@transaction.atomic
def open_case(*, actor, teacher, category, source, summary, source_ref="", teacher_match=None):
    require(actor, "open", Case)
    bureau = Bureau.objects.select_for_update(of=("self",)).get(pk=teacher.school.bureau_id)
    if bureau.pk not in actor.scope.bureau_ids_for(*Case.ACCESS["open"]):
        raise RuleViolation("forbidden_unit", "只能处理本区教师的师德案件。", "teacher")
    if category not in NegativeItem.values:
        raise RuleViolation("invalid", "请选择负面清单条目。", "category")
    if source not in Case.Source.values:
        raise RuleViolation("invalid", "线索来源无效。", "source")
    summary = (summary or "").strip()
    if not summary:
        raise RuleViolation("required", "请填写案情摘要。", "summary")
    case = Case.objects.create(
        bureau=bureau, school=teacher.school, teacher=teacher, number=_number(bureau),
        category=category, source=source, source_ref=(source_ref or "").strip()[:60],
        teacher_match=teacher_match, summary=summary[:MAX_SUMMARY], opened_by=actor)
    CaseStep.objects.create(case=case, kind=CaseStep.Kind.TRANSITION, on=timezone.localdate(),
                            note="立案", to_status=case.status, actor=actor)
    log_action(case, "ethics.case.opened", actor=actor, kind="create",
               data={"number": case.number, "category": category, "source": source})
    return case


@transaction.atomic
def open_from_match(*, actor, match, summary=""):
    """A teacher match the supervision section confirmed (TT-2, PN-8) becomes a paid-tutoring
    case against the teacher; one case per match."""
    match = TeacherMatch.objects.select_for_update(of=("self",)).select_related(
        "teacher__school", "staff__institution").get(pk=match.pk)
    if match.status != TeacherMatch.Status.CONFIRMED:
        raise Conflict("只有监管科核实的比对线索才能转为师德案件。", "match")
    if Case.objects.filter(teacher_match=match).exists():
        raise Conflict("该线索已立案。", "match")
    summary = (summary or "").strip() or (
        f"在职教师 {match.teacher.name} 在校外培训机构“{match.staff.institution.name}”任职"
        f"（从业人员比对线索，监管科核实：{match.note}）。")
    return open_case(actor=actor, teacher=match.teacher, category=NegativeItem.JOIN_TUTORING,
                     source=Case.Source.STAFF_MATCH, summary=summary,
                     source_ref=f"match-{match.pk}", teacher_match=match)


def _lock(case):
    return Case.objects.select_for_update(of=("self",)).select_related(
        "teacher", "school").get(pk=case.pk)


@transaction.atomic
def add_step(*, actor, case, kind, on, note):
    case = _lock(case)
    require(actor, "investigate", case)
    if case.status in (Case.Status.CLOSED,):
        raise Conflict("案件已结案，不能再添加记录。", "status", code="invalid_transition")
    if kind not in CaseStep.Kind.values or kind == CaseStep.Kind.TRANSITION:
        raise RuleViolation("invalid", "记录类型无效。", "kind")
    note = (note or "").strip()
    if not note:
        raise RuleViolation("required", "请填写记录内容。", "note")
    if on > timezone.localdate():
        raise RuleViolation("invalid", "日期不能晚于今天。", "on")
    step = CaseStep.objects.create(case=case, kind=kind, on=on, note=note[:MAX_SUMMARY],
                                   actor=actor)
    log_action(case, "ethics.case.step", actor=actor, data={"kind": kind})
    return step


@transaction.atomic
def move(*, actor, case, to, note="", finding="", sanction="", decision=""):
    """A declared transition; concluding needs a finding, a sanction and the decision text."""
    case = _lock(case)
    require(actor, "decide", case)
    if to not in Case.TRANSITIONS.get(case.status, set()):
        raise Conflict(f"“{case.get_status_display()}”的案件不能改为"
                       f"“{Case.Status(to).label if to in Case.Status.values else to}”。",
                       "status", code="invalid_transition")
    note, decision = (note or "").strip(), (decision or "").strip()
    fields = ["status"]
    if to == Case.Status.CONCLUDED:
        if finding not in Case.Finding.values:
            raise RuleViolation("required", "请选择调查结论。", "finding")
        if sanction not in Case.Sanction.values:
            raise RuleViolation("required", "请选择处理方式（PN-8）。", "sanction")
        if finding == Case.Finding.UNFOUNDED and sanction != Case.Sanction.NONE:
            raise RuleViolation("invalid", "调查结论不属实时不能给予处理。", "sanction")
        if not decision:
            raise RuleViolation("required", "请填写处理决定。", "decision")
        case.finding, case.sanction, case.decision = finding, sanction, decision[:MAX_SUMMARY]
        case.concluded_at = timezone.now()
        fields += ["finding", "sanction", "decision", "concluded_at"]
    elif to == Case.Status.DISMISSED and not note:
        raise RuleViolation("required", "请说明不予立案或查无实据的理由。", "note")
    CaseStep.objects.create(case=case, kind=CaseStep.Kind.TRANSITION, on=timezone.localdate(),
                            note=note[:MAX_SUMMARY] or Case.Status(to).label,
                            from_status=case.status, to_status=to, actor=actor)
    old, case.status = case.status, to
    case.save(update_fields=fields)
    log_action(case, "ethics.case.moved", actor=actor, changes={"status": [old, to]},
               data={"sanction": case.sanction} if to == Case.Status.CONCLUDED else None)
    return case


def read_case(*, actor, case):
    """Reading a case is logged (restricted personal information about a teacher)."""
    log_action(case, "ethics.case.viewed", actor=actor, kind="access",
               data={"number": case.number})
    return case
