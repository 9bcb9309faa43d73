"""Permission rows for the school-supervision API (collected by test_permissions).

Every operation of ``schoolinspection/api.py`` for the actors that matter (see ``matrix_web``
for who may do what); objects come from ``matrix_web``'s builders. Lists answer 403 to roles
without business here and only the caller's scope to the others; objects of another district are
404."""

from schoolinspection.tests.matrix_web import (
    LAST_WEEK,
    _assigned,
    _open_task,
    _self_check,
    _submitted_task,
    _visit,
)


def _kwargs(name, build):
    return lambda c: {name: build(c).pk}


A1 = lambda c: {"school_id": c.school_a1.pk}  # noqa: E731
A2 = lambda c: {"school_id": c.school_a2.pk}  # noqa: E731
CHECK = _kwargs("self_check_id", _self_check)
VISIT = _kwargs("visit_id", _visit)
TASK = _kwargs("task_id", _open_task)
SUBMITTED = _kwargs("task_id", _submitted_task)

OUTSIDERS = ["teacher_a", "guardian_p", "supervisor", "bank", "institution_staff"]


def _reads(name, kwargs, ok, outsiders=OUTSIDERS, status=200):
    """Rows of a read: anonymous 401, ``ok`` actors ``status``, outsiders 403."""
    return ([(name, kwargs, "anonymous", 401)] + [(name, kwargs, who, status) for who in ok]
            + [(name, kwargs, who, 403) for who in outsiders])


MATRIX = [
    *_reads("api-1:list_inspector_assignments", None,
            ["bureau_admin", "inspector", "principal", "bureau_admin_b"]),
    *_reads("api-1:inspector_load", None, ["bureau_admin", "inspector", "bureau_admin_b"]),
    ("api-1:inspector_load", None, "principal", 403),
    *_reads("api-1:get_self_check_form", A1, ["bureau_admin", "inspector", "principal"]),
    ("api-1:get_self_check_form", A1, "bureau_admin_b", 404),
    ("api-1:get_self_check_form", A2, "principal", 404),
    *_reads("api-1:list_self_checks", None, ["bureau_admin", "inspector", "principal"]),
    *_reads("api-1:self_check_status", None, ["bureau_admin", "inspector", "principal"]),
    *_reads("api-1:get_self_check", CHECK, ["bureau_admin", "inspector", "principal"]),
    ("api-1:get_self_check", CHECK, "bureau_admin_b", 404),
    *_reads("api-1:list_school_visits", None, ["bureau_admin", "inspector", "principal"]),
    *_reads("api-1:get_school_visit", VISIT, ["bureau_admin", "inspector", "principal"]),
    ("api-1:get_school_visit", VISIT, "bureau_admin_b", 404),
    *_reads("api-1:visit_coverage", None, ["bureau_admin", "inspector", "bureau_admin_b"]),
    ("api-1:visit_coverage", None, "principal", 403),
    *_reads("api-1:list_rectification_tasks", None,
            ["bureau_admin", "inspector", "principal", "bureau_admin_b"]),
    *_reads("api-1:get_rectification_task", TASK, ["bureau_admin", "inspector", "principal"]),
    ("api-1:get_rectification_task", TASK, "bureau_admin_b", 404),
]

POST_MATRIX = [
    ("api-1:assign_responsible_inspector", None, "anonymous", 401),
    ("api-1:assign_responsible_inspector", None, "bureau_admin", 201),
    ("api-1:assign_responsible_inspector", None, "bureau_admin_b", 404),
    ("api-1:assign_responsible_inspector", None, "inspector", 403),
    ("api-1:assign_responsible_inspector", None, "principal", 403),
    ("api-1:assign_responsible_inspector", None, "teacher_a", 403),

    ("api-1:submit_self_check", A1, "anonymous", 401),
    ("api-1:submit_self_check", A1, "principal", 201),
    ("api-1:submit_self_check", A1, "bureau_admin", 403),
    ("api-1:submit_self_check", A1, "inspector", 403),
    ("api-1:submit_self_check", A1, "teacher_a", 403),
    ("api-1:submit_self_check", A1, "bureau_admin_b", 404),
    ("api-1:submit_self_check", A2, "principal", 404),

    ("api-1:record_school_visit", None, "anonymous", 401),
    ("api-1:record_school_visit", None, "inspector", 201),
    ("api-1:record_school_visit", None, "bureau_admin", 403),
    ("api-1:record_school_visit", None, "principal", 403),
    ("api-1:record_school_visit", None, "guardian_p", 403),

    ("api-1:create_rectification_task", None, "anonymous", 401),
    ("api-1:create_rectification_task", None, "bureau_admin", 201),
    ("api-1:create_rectification_task", None, "inspector", 201),
    ("api-1:create_rectification_task", None, "principal", 403),
    ("api-1:create_rectification_task", None, "bureau_admin_b", 404),

    ("api-1:submit_rectification", TASK, "anonymous", 401),
    ("api-1:submit_rectification", TASK, "principal", 200),
    ("api-1:submit_rectification", TASK, "inspector", 403),
    ("api-1:submit_rectification", TASK, "bureau_admin", 403),
    ("api-1:submit_rectification", TASK, "teacher_a", 403),
    ("api-1:submit_rectification", TASK, "bureau_admin_b", 404),

    ("api-1:accept_rectification", SUBMITTED, "anonymous", 401),
    ("api-1:accept_rectification", SUBMITTED, "inspector", 200),
    ("api-1:accept_rectification", SUBMITTED, "bureau_admin", 200),
    ("api-1:accept_rectification", SUBMITTED, "principal", 403),
    ("api-1:accept_rectification", SUBMITTED, "bureau_admin_b", 404),

    ("api-1:return_rectification", SUBMITTED, "anonymous", 401),
    ("api-1:return_rectification", SUBMITTED, "inspector", 200),
    ("api-1:return_rectification", SUBMITTED, "principal", 403),
    ("api-1:return_rectification", SUBMITTED, "supervisor", 403),
    ("api-1:return_rectification", SUBMITTED, "bureau_admin_b", 404),
]

QUERY = {"api-1:get_self_check_form": lambda c: "?week=2026-11-16"}


def _self_check_body(c, actor):
    from schoolinspection.checklist import CODES

    return {"week": LAST_WEEK.isoformat(),
            "items": [{"code": code, "compliant": True, "note": "已核实"} for code in CODES]}


def _visit_body(c, actor):
    _assigned(c)
    return {"school": c.school_a1.pk, "visited_on": "2026-11-20", "items": ["hw_limit"],
            "findings": ["作业公示不及时"]}


def _task_body(c, actor):
    _assigned(c)
    return {"school": c.school_a1.pk, "description": "家长反映周末作业过多"}


POST_DATA = {
    "api-1:assign_responsible_inspector": lambda c, actor: {"school": c.school_a1.pk,
                                                             "inspector": c.inspector.pk},
    "api-1:submit_self_check": _self_check_body,
    "api-1:record_school_visit": _visit_body,
    "api-1:create_rectification_task": _task_body,
    "api-1:submit_rectification": lambda c, actor: {"evidence": "已调整并公示"},
    "api-1:accept_rectification": lambda c, actor: {"note": "整改到位"},
    "api-1:return_rectification": lambda c, actor: {"reason": "缺少证明材料"},
}
METHOD = {}
