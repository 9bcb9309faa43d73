"""Errors that carry a rule id or field code. Each door translates them once (forms, API)."""


class RuleViolation(Exception):
    """A policy rule (``HW-2``) or a field check (``invalid``, ``required``) refused a request.

    ``status`` is the HTTP status the API answers with: 422 for rules and validation, 409 for a
    conflict with the current state.
    """

    status = 422

    def __init__(self, rule, message, field=None, *, rows=None):
        super().__init__(message)
        self.rule = rule
        self.message = message
        self.field = field
        self.rows = rows  # per-row errors of an import, if any

    def as_dict(self):
        data = {"code": self.rule, "message": self.message, "field": self.field}
        if self.rows is not None:
            data["rows"] = self.rows
        return data


class Forbidden(RuleViolation):
    """The object is visible to the user but this action is not theirs to take (403)."""

    status = 403

    def __init__(self, message, field=None):
        super().__init__("forbidden", message, field)


class Conflict(RuleViolation):
    status = 409

    def __init__(self, message, field=None, code="conflict"):
        super().__init__(code, message, field)


def add_to_form(form, error):
    """Show a RuleViolation on a Django form, on its field when the form has it."""
    from django.core.exceptions import ValidationError

    text = f"{error.message}（{error.rule}）" if "-" in error.rule else error.message
    # The rule id is the error's code too, so a template or a test can read it.
    form.add_error(error.field if error.field in form.fields else None,
                   ValidationError(text, code=error.rule))


def is_contention(exc):
    """True for a database error caused by concurrent writers (a PostgreSQL deadlock, a
    serialization failure or a lock timeout; SQLite's "database is locked"): the transaction
    was rolled back whole, and the same request sent again will succeed."""
    from django.db import OperationalError

    if not isinstance(exc, OperationalError):
        return False
    cause = exc.__cause__
    try:
        from psycopg import errors as pg
    except ImportError:  # pragma: no cover - psycopg is a requirement
        pg = None
    if pg is not None and isinstance(cause, pg.DeadlockDetected | pg.SerializationFailure
                                     | pg.LockNotAvailable):
        return True
    return "database is locked" in str(exc)


CONTENTION_MESSAGE = "系统繁忙：与其他人的操作同时发生冲突，本次未保存任何内容，请重试。"
