"""Task rows as every page shows them: overdue state and what the user may do with each row.

The "may verify" question needs the schools the user is currently responsible for; it is read
once per request here rather than once per row through ``RectificationTask.permits``.
"""

from org.roles import Role
from schoolinspection.models import InspectorAssignment, RectificationTask

Status = RectificationTask.Status
ROW = ("school", "self_check_item__self_check", "visit")  # what a row shows: select_related


def responsible_school_ids(user):
    scope = user.scope
    if not scope.has(Role.INSPECTOR):
        return set()
    return set(InspectorAssignment.objects.current().filter(
        inspector_id=user.pk, school__bureau_id__in=scope.bureau_ids_for(Role.INSPECTOR))
        .values_list("school_id", flat=True))


def decorate_tasks(user, tasks, today):
    """The tasks as a list, each with ``overdue``, ``days_late``, ``can_submit`` and
    ``can_verify`` (mirroring ``RectificationTask.permits`` and its TRANSITIONS)."""
    scope = user.scope
    mine = responsible_school_ids(user)
    admin_bureaus = scope.bureau_ids_for(Role.BUREAU_ADMIN)
    rows = list(tasks)
    for task in rows:
        task.overdue = task.is_overdue(today)
        task.days_late = (today - task.due).days if task.overdue else 0
        task.can_submit = task.status == Status.OPEN and task.school_id in scope.admin_school_ids
        task.can_verify = task.status == Status.SUBMITTED and (
            task.school.bureau_id in admin_bureaus or task.school_id in mine)
    return rows
