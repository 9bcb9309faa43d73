"""Writing the audit log. Every service that writes calls ``log_action`` in its transaction.

The rows are django-auditlog ``LogEntry`` rows, so the platform has one audit table; our dotted
action code lives in ``additional_data["code"]``.
"""

from auditlog.models import LogEntry
from django.forms.models import model_to_dict

from audit.codes import CODES
from core.masking import mask_id_number, mask_phone

ACTIONS = {"create": LogEntry.Action.CREATE, "update": LogEntry.Action.UPDATE,
           "delete": LogEntry.Action.DELETE, "access": LogEntry.Action.ACCESS}


def log_action(obj, code, *, actor, kind="update", changes=None, data=None):
    """Record that ``actor`` did ``code`` to ``obj``; ``changes`` maps field → [old, new]."""
    if code not in CODES:
        raise ValueError(f"unknown audit code {code!r}: add it to audit/codes.py")
    extra = {"code": code}
    if data:
        extra.update(data)
    return LogEntry.objects.log_create(
        obj,
        force_log=True,
        action=ACTIONS[kind],
        changes=changes or {},
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        additional_data=extra,
    )


SENSITIVE = {"id_number": mask_id_number, "phone": mask_phone}


def snapshot(obj, fields=None):
    """Field values of ``obj`` as strings, sensitive ones masked (the log must not leak them)."""
    values = {}
    for key, value in model_to_dict(obj, fields=fields).items():
        value = None if value is None else str(value)
        values[key] = SENSITIVE[key](value) if key in SENSITIVE and value else value
    return values


def diff(before, after):
    """``{field: [old, new]}`` for the fields that changed between two snapshots."""
    return {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}


def created(obj, fields=None):
    return {k: [None, v] for k, v in snapshot(obj, fields).items() if v not in (None, "")}
