"""Permission rows for the school-supervision pages (collected by test_permissions).

District A's bureau admin reads everything and assigns; its inspector (``inspector``, made A1's
responsible inspector on first use) reads the district, records visits to A1 and verifies A1's
tasks; A1's principal sees and answers A1 only; teachers, guardians, the supervision section, the
bank and institutions have no business here (403); district B's bureau admin gets 404 for A1's
objects. Objects are built through the services on ``matrix_cast`` on first use and cached on it,
with today pinned to Monday 2026-11-23 (``test_permissions``).
"""

import datetime as dt

LOGIN = "login"
LAST_WEEK = dt.date(2026, 11, 16)


def _services():
    from schoolinspection import services

    return services


def _assigned(c):
    """cast.inspector responsible for A1 since 1 September."""
    if not hasattr(c, "si_assignment"):
        c.si_assignment, _ = _services().assign_inspector(
            actor=c.bureau_admin, school=c.school_a1, inspector=c.inspector,
            since=dt.date(2026, 9, 1))
    return c.si_assignment


def _visit(c):
    """Friday's visit to A1 with one finding (an open task)."""
    if not hasattr(c, "si_visit"):
        _assigned(c)
        c.si_visit = _services().record_visit(
            actor=c.inspector, school=c.school_a1, visited_on=dt.date(2026, 11, 20),
            items=["hw_limit"], summary="例行督导", findings=["作业公示不及时"])
    return c.si_visit


def _open_task(c):
    return _visit(c).tasks.get()


def _submitted_task(c):
    """A task of A1 the principal has answered: waiting for verification."""
    if not hasattr(c, "si_submitted"):
        _assigned(c)
        services = _services()
        task = services.create_task(actor=c.bureau_admin, school=c.school_a1,
                                    description="家长反映周末作业过多")
        c.si_submitted = services.submit_rectification(actor=c.principal, task=task,
                                                       evidence="已核查并调整周末作业量")
    return c.si_submitted


def _self_check(c):
    """A1's self-check of the week of 16 November, everything 符合 (with reasons)."""
    if not hasattr(c, "si_check"):
        from schoolinspection.tests.conftest import all_compliant

        today = dt.date(2026, 11, 23)
        c.si_check = _services().submit_self_check(
            actor=c.principal, school=c.school_a1, week=LAST_WEEK,
            answers=all_compliant(c.school_a1, LAST_WEEK, today))
    return c.si_check


def _pk(build):
    return lambda c: {"pk": build(c).pk}


A1 = lambda c: {"pk": c.school_a1.pk}  # noqa: E731
A2 = lambda c: {"pk": c.school_a2.pk}  # noqa: E731
A1_ASSIGNED = _pk(lambda c: _assigned(c).school)
VISIT = _pk(_visit)
TASK = _pk(_open_task)
SUBMITTED = _pk(_submitted_task)
CHECK = _pk(_self_check)

OUTSIDERS = ["teacher_a", "head_teacher_a", "guardian_p", "supervisor", "bank",
             "institution_staff", "guardian_nobody"]

MATRIX = [
    ("schoolinspection:index", None, "anonymous", LOGIN),
    ("schoolinspection:index", None, "bureau_admin", 302),
    ("schoolinspection:index", None, "bureau_admin_b", 302),
    ("schoolinspection:index", None, "inspector", 302),
    ("schoolinspection:index", None, "principal", 302),
    *[("schoolinspection:index", None, who, 403) for who in OUTSIDERS],

    ("schoolinspection:overview", None, "anonymous", LOGIN),
    ("schoolinspection:overview", None, "bureau_admin", 200),
    ("schoolinspection:overview", None, "bureau_admin_b", 200),
    ("schoolinspection:overview", None, "inspector", 200),
    ("schoolinspection:overview", None, "principal", 403),
    *[("schoolinspection:overview", None, who, 403) for who in OUTSIDERS],

    ("schoolinspection:export", None, "anonymous", LOGIN),
    ("schoolinspection:export", None, "bureau_admin", 200),
    ("schoolinspection:export", None, "inspector", 200),
    ("schoolinspection:export", None, "principal", 403),
    ("schoolinspection:export", None, "teacher_a", 403),
    ("schoolinspection:export", None, "supervisor", 403),

    ("schoolinspection:assign", None, "anonymous", LOGIN),
    ("schoolinspection:assign", None, "bureau_admin", 405),  # POST only

    ("schoolinspection:mine", None, "anonymous", LOGIN),
    ("schoolinspection:mine", None, "inspector", 200),
    ("schoolinspection:mine", None, "bureau_admin", 403),
    ("schoolinspection:mine", None, "principal", 403),
    ("schoolinspection:mine", None, "teacher_a", 403),

    ("schoolinspection:school", A1, "anonymous", LOGIN),
    ("schoolinspection:school", A1, "bureau_admin", 200),
    ("schoolinspection:school", A1, "inspector", 200),
    ("schoolinspection:school", A1, "principal", 200),
    ("schoolinspection:school", A1, "bureau_admin_b", 404),
    ("schoolinspection:school", A2, "principal", 404),
    *[("schoolinspection:school", A1, who, 403) for who in OUTSIDERS],

    ("schoolinspection:self-check", A1, "anonymous", LOGIN),
    ("schoolinspection:self-check", A1, "principal", 405),  # POST only

    ("schoolinspection:self-check-detail", CHECK, "anonymous", LOGIN),
    ("schoolinspection:self-check-detail", CHECK, "bureau_admin", 200),
    ("schoolinspection:self-check-detail", CHECK, "inspector", 200),
    ("schoolinspection:self-check-detail", CHECK, "principal", 200),
    ("schoolinspection:self-check-detail", CHECK, "bureau_admin_b", 404),
    ("schoolinspection:self-check-detail", CHECK, "teacher_a", 403),
    ("schoolinspection:self-check-detail", CHECK, "guardian_p", 403),

    ("schoolinspection:visit-new", A1_ASSIGNED, "anonymous", LOGIN),
    ("schoolinspection:visit-new", A1_ASSIGNED, "inspector", 200),
    ("schoolinspection:visit-new", A2, "inspector", 403),  # not responsible for A2
    ("schoolinspection:visit-new", A1_ASSIGNED, "bureau_admin", 403),
    ("schoolinspection:visit-new", A1_ASSIGNED, "principal", 403),
    ("schoolinspection:visit-new", A1_ASSIGNED, "teacher_a", 403),
    ("schoolinspection:visit-new", A1_ASSIGNED, "bureau_admin_b", 404),

    ("schoolinspection:visit", VISIT, "anonymous", LOGIN),
    ("schoolinspection:visit", VISIT, "bureau_admin", 200),
    ("schoolinspection:visit", VISIT, "inspector", 200),
    ("schoolinspection:visit", VISIT, "principal", 200),
    ("schoolinspection:visit", VISIT, "bureau_admin_b", 404),
    ("schoolinspection:visit", VISIT, "teacher_a", 403),

    ("schoolinspection:task-new", A1_ASSIGNED, "anonymous", LOGIN),
    ("schoolinspection:task-new", A1_ASSIGNED, "bureau_admin", 200),
    ("schoolinspection:task-new", A1_ASSIGNED, "inspector", 200),
    ("schoolinspection:task-new", A2, "inspector", 403),
    ("schoolinspection:task-new", A1_ASSIGNED, "principal", 403),
    ("schoolinspection:task-new", A1_ASSIGNED, "teacher_a", 403),
    ("schoolinspection:task-new", A1_ASSIGNED, "bureau_admin_b", 404),

    ("schoolinspection:tasks", None, "anonymous", LOGIN),
    ("schoolinspection:tasks", None, "bureau_admin", 200),
    ("schoolinspection:tasks", None, "bureau_admin_b", 200),
    ("schoolinspection:tasks", None, "inspector", 200),
    ("schoolinspection:tasks", None, "principal", 200),
    *[("schoolinspection:tasks", None, who, 403) for who in OUTSIDERS],

    ("schoolinspection:task", TASK, "anonymous", LOGIN),
    ("schoolinspection:task", TASK, "bureau_admin", 200),
    ("schoolinspection:task", TASK, "inspector", 200),
    ("schoolinspection:task", TASK, "principal", 200),
    ("schoolinspection:task", TASK, "bureau_admin_b", 404),
    ("schoolinspection:task", TASK, "teacher_a", 403),
    ("schoolinspection:task", TASK, "guardian_p", 403),

    ("schoolinspection:task-submit", TASK, "anonymous", LOGIN),
    ("schoolinspection:task-submit", TASK, "principal", 405),  # POST only
    ("schoolinspection:task-accept", SUBMITTED, "anonymous", LOGIN),
    ("schoolinspection:task-accept", SUBMITTED, "inspector", 405),
    ("schoolinspection:task-return", SUBMITTED, "anonymous", LOGIN),
    ("schoolinspection:task-return", SUBMITTED, "inspector", 405),
]

POST_MATRIX = [
    ("schoolinspection:assign", None, "anonymous", LOGIN),
    ("schoolinspection:assign", None, "bureau_admin", 302),
    ("schoolinspection:assign", None, "inspector", 403),
    ("schoolinspection:assign", None, "principal", 403),
    ("schoolinspection:assign", None, "teacher_a", 403),
    # District B's admin may assign in district B only: A1 is not a choice on the form.
    ("schoolinspection:assign", None, "bureau_admin_b", 200),

    ("schoolinspection:self-check", A1, "anonymous", LOGIN),
    ("schoolinspection:self-check", A1, "principal", 302),
    ("schoolinspection:self-check", A1, "bureau_admin", 403),
    ("schoolinspection:self-check", A1, "inspector", 403),
    ("schoolinspection:self-check", A1, "teacher_a", 403),
    ("schoolinspection:self-check", A1, "bureau_admin_b", 404),
    ("schoolinspection:self-check", A2, "principal", 404),

    ("schoolinspection:visit-new", A1_ASSIGNED, "anonymous", LOGIN),
    ("schoolinspection:visit-new", A1_ASSIGNED, "inspector", 302),
    ("schoolinspection:visit-new", A1_ASSIGNED, "bureau_admin", 403),
    ("schoolinspection:visit-new", A1_ASSIGNED, "principal", 403),
    ("schoolinspection:visit-new", A1_ASSIGNED, "bureau_admin_b", 404),

    ("schoolinspection:task-new", A1_ASSIGNED, "anonymous", LOGIN),
    ("schoolinspection:task-new", A1_ASSIGNED, "bureau_admin", 302),
    ("schoolinspection:task-new", A1_ASSIGNED, "inspector", 302),
    ("schoolinspection:task-new", A1_ASSIGNED, "principal", 403),
    ("schoolinspection:task-new", A1_ASSIGNED, "bureau_admin_b", 404),

    ("schoolinspection:task-submit", TASK, "anonymous", LOGIN),
    ("schoolinspection:task-submit", TASK, "principal", 302),
    ("schoolinspection:task-submit", TASK, "inspector", 403),
    ("schoolinspection:task-submit", TASK, "bureau_admin", 403),
    ("schoolinspection:task-submit", TASK, "teacher_a", 403),
    ("schoolinspection:task-submit", TASK, "bureau_admin_b", 404),

    ("schoolinspection:task-accept", SUBMITTED, "anonymous", LOGIN),
    ("schoolinspection:task-accept", SUBMITTED, "inspector", 302),
    ("schoolinspection:task-accept", SUBMITTED, "bureau_admin", 302),
    ("schoolinspection:task-accept", SUBMITTED, "principal", 403),
    ("schoolinspection:task-accept", SUBMITTED, "teacher_a", 403),
    ("schoolinspection:task-accept", SUBMITTED, "bureau_admin_b", 404),

    ("schoolinspection:task-return", SUBMITTED, "anonymous", LOGIN),
    ("schoolinspection:task-return", SUBMITTED, "inspector", 302),
    ("schoolinspection:task-return", SUBMITTED, "principal", 403),
    ("schoolinspection:task-return", SUBMITTED, "guardian_p", 403),
    ("schoolinspection:task-return", SUBMITTED, "bureau_admin_b", 404),
]

QUERY = {}


def _self_check_form(c, actor):
    """Last week's form, every item 符合 with a reason (the figures of A1 show problems)."""
    from schoolinspection.checklist import CODES

    data = {"week": LAST_WEEK.isoformat()}
    for code in CODES:
        data[f"{code}-mark"] = "yes"
        data[f"{code}-note"] = "已核实"
    return data


POST_DATA = {
    "schoolinspection:assign": lambda c, actor: {"school": c.school_a1.pk,
                                                  "inspector": c.inspector.pk},
    "schoolinspection:self-check": _self_check_form,
    "schoolinspection:visit-new": lambda c, actor: {
        "visited_on": "2026-11-20", "items": ["hw_limit"], "summary": "例行督导",
        "findings": "作业公示不及时"},
    "schoolinspection:task-new": lambda c, actor: {"description": "家长反映周末作业过多"},
    "schoolinspection:task-submit": lambda c, actor: {"evidence": "已调整并公示"},
    "schoolinspection:task-accept": lambda c, actor: {"note": "整改到位"},
    "schoolinspection:task-return": lambda c, actor: {"reason": "缺少证明材料"},
}
METHOD = {}
