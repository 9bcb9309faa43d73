"""Bureau staff keep the school calendar: terms, vacations and their own day overrides."""

from django.db import IntegrityError, transaction

from audit.actions import created, diff, log_action, snapshot
from core.access import require
from core.errors import Conflict, RuleViolation
from org.roles import Role
from schoolcal.models import DayOverride, Term, Vacation
from schoolcal.signals import calendar_changed


def _changed(bureau):
    transaction.on_commit(lambda: calendar_changed.send(sender=type(bureau), bureau=bureau))


def _check_bureau(actor, bureau):
    if bureau.pk not in actor.scope.bureau_ids_for(Role.BUREAU_ADMIN):
        raise RuleViolation("forbidden_unit", "只能维护本局的校历。", "bureau")


def _check_span(start, end):
    if start is None or end is None:
        raise RuleViolation("required", "开始和结束日期都必须填写。", "start")
    if end < start:
        raise RuleViolation("invalid", "结束日期不能早于开始日期。", "end")
    if (end - start).days > 366:
        raise RuleViolation("invalid", "时间跨度不能超过一年。", "end")


def _save(obj, actor, code, before=None):
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError:
        raise Conflict("与已有记录重复。") from None
    changes = created(obj) if before is None else diff(before, snapshot(obj))
    log_action(obj, code, actor=actor, kind="create" if before is None else "update",
               changes=changes)
    _changed(obj.bureau)
    return obj


@transaction.atomic
def save_term(*, actor, bureau, term=None, school_year, name, start, end):
    require(actor, "change" if term else "create", term or Term)
    _check_bureau(actor, bureau)
    _check_span(start, end)
    before = snapshot(term) if term else None
    term = term or Term(bureau=bureau)
    term.school_year, term.name, term.start, term.end = school_year.strip(), name.strip(), start, end
    return _save(term, actor, "calendar.term.saved", before)


@transaction.atomic
def save_vacation(*, actor, bureau, vacation=None, name, start, end):
    require(actor, "change" if vacation else "create", vacation or Vacation)
    _check_bureau(actor, bureau)
    _check_span(start, end)
    before = snapshot(vacation) if vacation else None
    vacation = vacation or Vacation(bureau=bureau)
    vacation.name, vacation.start, vacation.end = name.strip(), start, end
    return _save(vacation, actor, "calendar.vacation.saved", before)


@transaction.atomic
def save_override(*, actor, bureau, date, kind, note=""):
    """Set the bureau's word on one date (replacing an earlier one for the same date)."""
    require(actor, "create", DayOverride)
    _check_bureau(actor, bureau)
    if kind not in DayOverride.Kind.values:
        raise RuleViolation("invalid", f"类型取值无效：{kind}。", "kind")
    override = DayOverride.objects.filter(bureau=bureau, date=date).first()
    before = snapshot(override) if override else None
    override = override or DayOverride(bureau=bureau, date=date)
    override.kind, override.note = kind, note.strip()
    return _save(override, actor, "calendar.override.saved", before)


@transaction.atomic
def delete_override(*, actor, override):
    require(actor, "delete", override)
    log_action(override, "calendar.override.deleted", actor=actor, kind="delete",
               changes={"date": [str(override.date), None]})
    _changed(override.bureau)
    override.delete()
