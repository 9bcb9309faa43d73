"""The permission matrix (STYLE 5): who gets what from every page and the key API endpoints.

Each row is ``(url_name, kwargs_builder, actor_fixture_name, expected)``. ``kwargs_builder`` takes
the cast and returns the URL kwargs (or is ``None``). ``expected`` is a status code, or ``LOGIN``
for "redirects to the login page" (anonymous on a web page). API rows (``api-1:…``) are sent with
the actor's bearer token; anonymous API requests carry none.

The rules: anonymous → login (web) / 401 (API); another school, family or district → 404, exactly
like a missing object; a visible object with the wrong role → 403; the right role → 200/302.

``core/tests/test_gate.py`` fails when a URL name is neither here nor in ``PUBLIC_URLS``.
"""

import datetime as dt

import pytest
from django.urls import reverse

from conftest import assert_error
from schoolcal import services as calendar_services

LOGIN = "login"

# Pages anybody may open without logging in (checked in core/tests/test_gate.py).
PUBLIC_URLS = {"login", "logout", "healthz", "help", "help-page", "public:search", "public:detail",
               "public-inspections:results",
               "public-complaints:form", "public-complaints:done", "public-complaints:track",
               "wellbeing:public"}


def pk(attr):
    return lambda c: {"pk": getattr(c, attr).pk}


def kw(name, attr):
    return lambda c: {name: getattr(c, attr).pk}


P = pk("pupil_p")
Q = pk("pupil_q")
A1 = pk("school_a1")
B1 = pk("school_b1")
A1_4_1 = pk("class_a1_4_1")
A1_2_1 = pk("class_a1_2_1")
TEACHER_A = pk("teacher_a_profile")
TEACHER_A_USER = pk("teacher_a")
GUARDIAN_P = pk("guardian_p_profile")


# ---- homework objects the rows need (filed through the services on first use) -------------
HW_DAY = "2026-11-23"  # a Monday in the autumn term of matrix_cast


def _homework_item(c):
    """One maths item of teacher_a in A1-4-1 on HW_DAY."""
    if not hasattr(c, "homework_item"):
        from homework import services as homework_services

        c.homework_item, _ = homework_services.file_homework(
            actor=c.teacher_a, school_class=c.class_a1_4_1, date=dt.date.fromisoformat(HW_DAY),
            subject="maths", title="口算练习", minutes=20)
    return {"pk": c.homework_item.pk}


def _approved_week(c):
    """A1-4-1's week of HW_DAY, approved by the principal (so that it can be reopened)."""
    from homework import services as homework_services

    homework_services.review_week(actor=c.principal, school_class=c.class_a1_4_1,
                                  week_start=dt.date.fromisoformat(HW_DAY), approve=True)
    return {"class_pk": c.class_a1_4_1.pk, "week_start": HW_DAY}


def a1_4_1(**extra):
    return lambda c: {"class_pk": c.class_a1_4_1.pk, **extra}


HW_BOARD = a1_4_1(date=HW_DAY)
HW_BAD_DATE = a1_4_1(date="2026-02-30")
HW_CLASS = a1_4_1()
HW_WEEK = a1_4_1(week_start=HW_DAY)
HW_ITEM = _homework_item
HW_P = kw("pupil_pk", "pupil_p")
HW_Q = kw("pupil_pk", "pupil_q")

MATRIX = [
    # ---- home and web pages of org ---------------------------------------------------------
    ("home", None, "anonymous", LOGIN),
    ("home", None, "guardian_nobody", 200),
    ("home", None, "bureau_admin", 200),

    ("org:schools", None, "anonymous", LOGIN),
    ("org:schools", None, "bureau_admin", 200),
    ("org:schools", None, "principal", 200),
    ("org:schools", None, "teacher_a", 200),
    ("org:schools", None, "guardian_p", 403),
    ("org:schools", None, "institution_staff", 403),
    ("org:schools", None, "bank", 403),

    ("org:school-create", None, "anonymous", LOGIN),
    ("org:school-create", None, "bureau_admin", 200),
    ("org:school-create", None, "principal", 403),
    ("org:school-create", None, "teacher_a", 403),

    ("org:school", A1, "anonymous", LOGIN),
    ("org:school", A1, "bureau_admin", 200),
    ("org:school", A1, "inspector", 200),
    ("org:school", A1, "principal", 200),
    ("org:school", A1, "teacher_a", 200),
    ("org:school", A1, "teacher_b", 404),
    ("org:school", A1, "bureau_admin_b", 404),
    ("org:school", B1, "bureau_admin", 404),
    ("org:school", A1, "guardian_p", 404),

    ("org:school-edit", A1, "anonymous", LOGIN),
    ("org:school-edit", A1, "bureau_admin", 200),
    ("org:school-edit", A1, "principal", 403),
    ("org:school-edit", A1, "bureau_admin_b", 404),

    ("org:class-create", kw("school_pk", "school_a1"), "anonymous", LOGIN),
    ("org:class-create", kw("school_pk", "school_a1"), "principal", 200),
    ("org:class-create", kw("school_pk", "school_a1"), "teacher_a", 403),
    ("org:class-create", kw("school_pk", "school_a1"), "teacher_b", 404),

    ("org:teacher-create", kw("school_pk", "school_a1"), "anonymous", LOGIN),
    ("org:teacher-create", kw("school_pk", "school_a1"), "principal", 200),
    ("org:teacher-create", kw("school_pk", "school_a1"), "teacher_a", 403),
    ("org:teacher-create", kw("school_pk", "school_a1"), "bureau_admin_b", 404),

    ("org:teacher-edit", TEACHER_A, "anonymous", LOGIN),
    ("org:teacher-edit", TEACHER_A, "principal", 200),
    ("org:teacher-edit", TEACHER_A, "bureau_admin", 200),
    ("org:teacher-edit", TEACHER_A, "teacher_a", 403),
    ("org:teacher-edit", TEACHER_A, "teacher_b", 404),
    ("org:teacher-edit", TEACHER_A, "bureau_admin_b", 404),

    ("org:my-classes", None, "anonymous", LOGIN),
    ("org:my-classes", None, "teacher_a", 200),
    ("org:my-classes", None, "head_teacher_a", 200),
    ("org:my-classes", None, "principal", 200),
    ("org:my-classes", None, "guardian_p", 403),
    ("org:my-classes", None, "institution_staff", 403),

    ("org:class", A1_4_1, "anonymous", LOGIN),
    ("org:class", A1_4_1, "teacher_a", 200),
    ("org:class", A1_4_1, "head_teacher_a", 200),
    ("org:class", A1_4_1, "principal", 200),
    ("org:class", A1_4_1, "bureau_admin", 200),
    ("org:class", A1_4_1, "inspector", 200),
    ("org:class", A1_4_1, "teacher_b", 404),
    ("org:class", A1_2_1, "teacher_a", 404),
    ("org:class", A1_4_1, "bureau_admin_b", 404),
    ("org:class", A1_4_1, "guardian_p", 404),

    ("org:class-edit", A1_4_1, "anonymous", LOGIN),
    ("org:class-edit", A1_4_1, "principal", 200),
    ("org:class-edit", A1_4_1, "head_teacher_a", 403),
    ("org:class-edit", A1_4_1, "teacher_a", 403),
    ("org:class-edit", A1_4_1, "teacher_b", 404),

    ("org:class-export", A1_4_1, "anonymous", LOGIN),
    ("org:class-export", A1_4_1, "principal", 200),
    ("org:class-export", A1_4_1, "teacher_b", 404),

    ("org:pupil-create", kw("class_pk", "class_a1_4_1"), "anonymous", LOGIN),
    ("org:pupil-create", kw("class_pk", "class_a1_4_1"), "principal", 200),
    ("org:pupil-create", kw("class_pk", "class_a1_4_1"), "teacher_a", 403),
    ("org:pupil-create", kw("class_pk", "class_a1_4_1"), "head_teacher_a", 403),
    ("org:pupil-create", kw("class_pk", "class_a1_4_1"), "teacher_b", 404),

    ("org:pupil", P, "anonymous", LOGIN),
    ("org:pupil", P, "guardian_p", 200),
    ("org:pupil", Q, "guardian_p", 404),
    ("org:pupil", P, "guardian_nobody", 404),
    ("org:pupil", P, "teacher_a", 200),
    ("org:pupil", P, "head_teacher_a", 200),
    ("org:pupil", P, "principal", 200),
    ("org:pupil", P, "bureau_admin", 200),
    ("org:pupil", P, "teacher_b", 404),
    ("org:pupil", P, "bureau_admin_b", 404),
    ("org:pupil", P, "institution_staff", 404),

    ("org:pupil-edit", P, "anonymous", LOGIN),
    ("org:pupil-edit", P, "principal", 200),
    ("org:pupil-edit", P, "teacher_a", 403),
    ("org:pupil-edit", P, "guardian_p", 403),
    ("org:pupil-edit", P, "teacher_b", 404),

    ("org:pupil-reveal", P, "anonymous", LOGIN),  # POST only; see POST_MATRIX

    ("org:roster-import", None, "anonymous", LOGIN),
    ("org:roster-import", None, "principal", 200),
    ("org:roster-import", None, "bureau_admin", 200),
    ("org:roster-import", None, "teacher_a", 403),
    ("org:roster-import", None, "guardian_p", 403),

    ("org:roster-template", None, "anonymous", LOGIN),
    ("org:roster-template", None, "principal", 200),
    ("org:roster-template", None, "teacher_a", 403),

    ("org:my-children", None, "anonymous", LOGIN),
    ("org:my-children", None, "guardian_p", 200),

    # ---- accounts and roles ----------------------------------------------------------------
    ("org:accounts", None, "anonymous", LOGIN),
    ("org:accounts", None, "bureau_admin", 200),
    ("org:accounts", None, "principal", 200),
    ("org:accounts", None, "teacher_a", 403),
    ("org:accounts", None, "guardian_p", 403),

    ("org:account-create", None, "anonymous", LOGIN),
    ("org:account-create", None, "bureau_admin", 200),
    ("org:account-create", None, "teacher_a", 403),

    ("org:account", TEACHER_A_USER, "anonymous", LOGIN),
    ("org:account", TEACHER_A_USER, "principal", 200),
    ("org:account", TEACHER_A_USER, "bureau_admin", 200),
    ("org:account", TEACHER_A_USER, "teacher_b", 404),
    ("org:account", TEACHER_A_USER, "bureau_admin_b", 404),

    ("org:account-password", TEACHER_A_USER, "anonymous", LOGIN),  # POST only
    ("org:account-active", TEACHER_A_USER, "anonymous", LOGIN),  # POST only
    ("org:role-revoke", lambda c: {"pk": c.bureau_admin.pk, "assignment_pk": 1},
     "anonymous", LOGIN),  # POST only

    ("org:teacher-account", TEACHER_A, "anonymous", LOGIN),
    ("org:teacher-account", TEACHER_A, "principal", 200),
    ("org:teacher-account", TEACHER_A, "teacher_a", 403),
    ("org:teacher-account", TEACHER_A, "teacher_b", 404),

    ("org:guardian-account", GUARDIAN_P, "anonymous", LOGIN),
    ("org:guardian-account", GUARDIAN_P, "principal", 200),
    ("org:guardian-account", GUARDIAN_P, "teacher_b", 404),

    # ---- school calendar -------------------------------------------------------------------
    ("calendar:index", None, "anonymous", LOGIN),
    ("calendar:index", None, "bureau_admin", 200),
    ("calendar:index", None, "principal", 200),
    ("calendar:index", None, "teacher_a", 200),
    ("calendar:index", None, "guardian_p", 403),
    ("calendar:index", None, "institution_staff", 403),

    ("calendar:term-create", None, "anonymous", LOGIN),
    ("calendar:term-create", None, "bureau_admin", 200),
    ("calendar:term-create", None, "principal", 403),

    ("calendar:term-edit", pk("term"), "anonymous", LOGIN),
    ("calendar:term-edit", pk("term"), "bureau_admin", 200),
    ("calendar:term-edit", pk("term"), "principal", 403),
    ("calendar:term-edit", pk("term"), "bureau_admin_b", 404),

    ("calendar:vacation-create", None, "anonymous", LOGIN),
    ("calendar:vacation-create", None, "bureau_admin", 200),
    ("calendar:vacation-create", None, "teacher_a", 403),

    ("calendar:vacation-edit", pk("vacation"), "anonymous", LOGIN),
    ("calendar:vacation-edit", pk("vacation"), "bureau_admin", 200),
    ("calendar:vacation-edit", pk("vacation"), "principal", 403),
    ("calendar:vacation-edit", pk("vacation"), "bureau_admin_b", 404),

    ("calendar:override-save", None, "anonymous", LOGIN),  # POST only
    ("calendar:override-delete", pk("override"), "anonymous", LOGIN),  # POST only

    # ---- audit log -------------------------------------------------------------------------
    ("policy:index", None, "anonymous", LOGIN),
    ("policy:index", None, "bureau_admin", 200),
    ("policy:index", None, "principal", 200),
    ("policy:index", None, "guardian_p", 403),
    ("policy:index", None, "institution_staff", 403),
    ("monitoring:homework", None, "anonymous", LOGIN),
    ("monitoring:homework", None, "bureau_admin", 200),
    ("monitoring:homework", None, "inspector", 200),
    ("monitoring:homework", None, "principal", 200),
    ("monitoring:homework", None, "teacher_a", 403),
    ("monitoring:homework", None, "guardian_p", 403),
    ("monitoring:homework", None, "institution_staff", 403),

    ("homework:index", None, "anonymous", LOGIN),
    ("homework:index", None, "teacher_a", 200),
    ("homework:index", None, "head_teacher_a", 200),
    ("homework:index", None, "principal", 200),
    ("homework:index", None, "bureau_admin", 200),
    ("homework:index", None, "guardian_p", 302),  # one child: straight to the child's page
    ("homework:index", None, "guardian_nobody", 403),
    ("homework:index", None, "institution_staff", 403),

    ("homework:board", HW_BOARD, "anonymous", LOGIN),
    ("homework:board", HW_BOARD, "teacher_a", 200),
    ("homework:board", HW_BOARD, "head_teacher_a", 200),
    ("homework:board", HW_BOARD, "principal", 200),
    ("homework:board", HW_BOARD, "bureau_admin", 200),
    ("homework:board", HW_BOARD, "inspector", 200),
    ("homework:board", HW_BOARD, "teacher_b", 404),
    ("homework:board", HW_BOARD, "bureau_admin_b", 404),
    ("homework:board", HW_BOARD, "guardian_p", 404),
    ("homework:board", HW_BAD_DATE, "teacher_a", 404),

    ("homework:file", HW_BOARD, "anonymous", LOGIN),
    ("homework:file", HW_BOARD, "teacher_a", 200),
    ("homework:file", HW_BOARD, "head_teacher_a", 200),
    ("homework:file", HW_BOARD, "principal", 403),
    ("homework:file", HW_BOARD, "teacher_b", 404),
    ("homework:file", HW_BOARD, "guardian_p", 404),

    ("homework:calibration", HW_CLASS, "anonymous", LOGIN),
    ("homework:calibration", HW_CLASS, "teacher_a", 200),
    ("homework:calibration", HW_CLASS, "principal", 403),
    ("homework:calibration", HW_CLASS, "teacher_b", 404),

    ("homework:edit", HW_ITEM, "anonymous", LOGIN),
    ("homework:edit", HW_ITEM, "teacher_a", 200),
    ("homework:edit", HW_ITEM, "head_teacher_a", 200),
    ("homework:edit", HW_ITEM, "principal", 200),
    ("homework:edit", HW_ITEM, "bureau_admin", 403),
    ("homework:edit", HW_ITEM, "teacher_b", 404),
    ("homework:edit", HW_ITEM, "guardian_p", 404),  # not published: not visible to guardians

    ("homework:withdraw", HW_ITEM, "anonymous", LOGIN),  # POST only
    ("homework:publish", HW_BOARD, "anonymous", LOGIN),  # POST only
    ("homework:unpublish", HW_BOARD, "anonymous", LOGIN),  # POST only
    ("homework:exception", HW_BOARD, "anonymous", LOGIN),  # POST only

    ("homework:weeks", None, "anonymous", LOGIN),
    ("homework:weeks", None, "principal", 200),
    ("homework:weeks", None, "teacher_a", 200),
    ("homework:weeks", None, "bureau_admin", 200),
    ("homework:weeks", None, "guardian_p", 403),
    ("homework:weeks", None, "institution_staff", 403),

    ("homework:sample", HW_WEEK, "anonymous", LOGIN),
    ("homework:sample", HW_WEEK, "principal", 200),
    ("homework:sample", HW_WEEK, "head_teacher_a", 200),
    ("homework:sample", HW_WEEK, "teacher_b", 404),
    ("homework:sample", HW_WEEK, "guardian_p", 403),

    ("homework:week", HW_WEEK, "anonymous", LOGIN),
    ("homework:week", HW_WEEK, "principal", 200),
    ("homework:week", HW_WEEK, "head_teacher_a", 200),
    ("homework:week", HW_WEEK, "teacher_b", 404),
    ("homework:week", HW_WEEK, "guardian_p", 404),

    ("homework:review", HW_WEEK, "anonymous", LOGIN),  # POST only
    ("homework:reopen", HW_WEEK, "anonymous", LOGIN),  # POST only

    ("homework:child", HW_P, "anonymous", LOGIN),
    ("homework:child", HW_P, "guardian_p", 200),
    ("homework:child", HW_Q, "guardian_p", 404),
    ("homework:child", HW_P, "guardian_nobody", 404),
    ("homework:child", HW_P, "teacher_a", 200),
    ("homework:child", HW_P, "teacher_b", 404),
    ("homework:child", HW_P, "institution_staff", 404),

    ("homework:report", HW_P, "anonymous", LOGIN),  # POST only

    ("homework:drift", None, "anonymous", LOGIN),
    ("homework:drift", None, "teacher_a", 200),
    ("homework:drift", None, "principal", 200),
    ("homework:drift", None, "guardian_p", 403),
    ("homework:drift", None, "bureau_admin", 403),

    ("audit:index", None, "anonymous", LOGIN),
    ("audit:index", None, "bureau_admin", 200),
    ("audit:index", None, "principal", 403),
    ("audit:index", None, "teacher_a", 403),
    ("audit:index", None, "supervisor", 403),

    # ---- key API endpoints -----------------------------------------------------------------
    ("api-1:me", None, "anonymous", 401),
    ("api-1:me", None, "guardian_nobody", 200),
    ("api-1:list_schools", None, "anonymous", 401),
    ("api-1:list_schools", None, "bureau_admin", 200),
    ("api-1:list_schools", None, "guardian_p", 403),
    ("api-1:get_school", kw("school_id", "school_a1"), "principal", 200),
    ("api-1:get_school", kw("school_id", "school_a1"), "teacher_b", 404),
    ("api-1:get_school", kw("school_id", "school_a1"), "bureau_admin_b", 404),
    ("api-1:list_classes", None, "anonymous", 401),
    ("api-1:list_classes", None, "teacher_a", 200),
    ("api-1:list_classes", None, "guardian_p", 403),
    ("api-1:get_class", kw("class_id", "class_a1_4_1"), "teacher_a", 200),
    ("api-1:get_class", kw("class_id", "class_a1_2_1"), "teacher_a", 404),
    ("api-1:get_class", kw("class_id", "class_a1_4_1"), "teacher_b", 404),
    ("api-1:list_pupils", None, "anonymous", 401),
    ("api-1:list_pupils", None, "guardian_p", 200),
    ("api-1:list_pupils", None, "supervisor", 403),
    ("api-1:get_pupil", kw("pupil_id", "pupil_p"), "guardian_p", 200),
    ("api-1:get_pupil", kw("pupil_id", "pupil_q"), "guardian_p", 404),
    ("api-1:get_pupil", kw("pupil_id", "pupil_p"), "guardian_nobody", 404),
    ("api-1:get_pupil", kw("pupil_id", "pupil_p"), "teacher_b", 404),
    ("api-1:reveal_pupil_id_number", kw("pupil_id", "pupil_p"), "principal", 200),
    ("api-1:reveal_pupil_id_number", kw("pupil_id", "pupil_p"), "teacher_a", 403),
    ("api-1:reveal_pupil_id_number", kw("pupil_id", "pupil_p"), "guardian_p", 403),
    ("api-1:reveal_pupil_id_number", kw("pupil_id", "pupil_p"), "teacher_b", 404),
    ("api-1:list_teachers", None, "principal", 200),
    ("api-1:list_teachers", None, "guardian_p", 403),
    ("api-1:list_entries", None, "anonymous", 401),
    ("api-1:list_entries", None, "bureau_admin", 200),
    ("api-1:list_entries", None, "principal", 403),
    ("api-1:list_overrides", None, "bureau_admin", 200),
    ("api-1:list_overrides", None, "guardian_p", 403),
    ("api-1:list_days", None, "anonymous", 401),
    ("api-1:list_days", None, "principal", 200),
    ("api-1:list_days", None, "guardian_p", 403),
]

# Rows sent as POST (the views refuse GET).
POST_MATRIX = [
    ("org:pupil-reveal", P, "principal", 200),
    ("org:pupil-reveal", P, "bureau_admin", 200),
    ("org:pupil-reveal", P, "guardian_p", 403),
    ("org:pupil-reveal", P, "teacher_a", 403),
    ("org:pupil-reveal", P, "head_teacher_a", 403),
    ("org:pupil-reveal", P, "guardian_nobody", 404),
    ("org:pupil-reveal", P, "teacher_b", 404),
    ("org:pupil-reveal", P, "bureau_admin_b", 404),
    ("org:pupil-reveal", P, "anonymous", LOGIN),

    ("org:account-password", TEACHER_A_USER, "teacher_b", 404),
    ("org:account-password", TEACHER_A_USER, "teacher_a", 403),
    ("org:account-active", TEACHER_A_USER, "bureau_admin_b", 404),
    ("org:account-active", TEACHER_A_USER, "teacher_a", 403),

    ("calendar:override-save", None, "bureau_admin", 302),
    ("calendar:override-save", None, "principal", 403),
    ("calendar:override-delete", pk("override"), "bureau_admin", 302),
    ("calendar:override-delete", pk("override"), "principal", 403),
    ("calendar:override-delete", pk("override"), "bureau_admin_b", 404),

    ("homework:file", HW_BOARD, "teacher_a", 302),
    ("homework:file", HW_BOARD, "principal", 403),
    ("homework:file", HW_BOARD, "teacher_b", 404),
    ("homework:edit", HW_ITEM, "teacher_a", 302),
    ("homework:edit", HW_ITEM, "teacher_b", 404),
    ("homework:withdraw", HW_ITEM, "teacher_a", 302),
    ("homework:withdraw", HW_ITEM, "head_teacher_a", 302),
    ("homework:withdraw", HW_ITEM, "principal", 302),
    ("homework:withdraw", HW_ITEM, "bureau_admin", 403),
    ("homework:withdraw", HW_ITEM, "teacher_b", 404),
    ("homework:withdraw", HW_ITEM, "guardian_p", 404),
    ("homework:publish", HW_BOARD, "head_teacher_a", 302),
    ("homework:publish", HW_BOARD, "principal", 302),
    ("homework:publish", HW_BOARD, "teacher_a", 403),
    ("homework:publish", HW_BOARD, "teacher_b", 404),
    ("homework:publish", HW_BOARD, "guardian_p", 404),
    ("homework:unpublish", HW_BOARD, "head_teacher_a", 302),
    ("homework:unpublish", HW_BOARD, "teacher_a", 403),
    ("homework:unpublish", HW_BOARD, "bureau_admin_b", 404),
    ("homework:exception", HW_BOARD, "principal", 302),
    ("homework:exception", HW_BOARD, "head_teacher_a", 403),
    ("homework:exception", HW_BOARD, "teacher_b", 404),
    ("homework:review", HW_WEEK, "principal", 302),
    ("homework:review", HW_WEEK, "head_teacher_a", 403),
    ("homework:review", HW_WEEK, "teacher_b", 404),
    ("homework:reopen", _approved_week, "principal", 302),
    ("homework:reopen", _approved_week, "teacher_a", 403),
    ("homework:reopen", _approved_week, "teacher_b", 404),
    ("homework:report", HW_P, "guardian_p", 200),  # the day is not published: form error
    ("homework:report", HW_P, "teacher_a", 403),
    ("homework:report", HW_P, "guardian_nobody", 404),
    ("homework:report", HW_Q, "guardian_p", 404),
]

# Query strings some endpoints need.
QUERY = {"api-1:list_days": "?start=2026-10-01&end=2026-10-07",
         "homework:calibration": "?subject=maths&minutes=30"}

POST_DATA = {
    "calendar:override-save": {"date": "2027-05-06", "kind": "no_school", "note": "测试"},
    "org:account-active": {"active": "0"},
    "org:account-password": {"password": "another-strong-pass-2026"},
    "homework:file": {"subject": "maths", "title": "口算练习", "kind": "written", "minutes": "20",
                      "layer": "required", "place": "home", "parent_role": "none",
                      "channel": "platform"},
    "homework:edit": {"subject": "maths", "title": "口算练习（改）", "kind": "written",
                      "minutes": "25", "layer": "required", "place": "home",
                      "parent_role": "none", "channel": "platform", "date": HW_DAY},
    "homework:exception": {"reason": "数学实践活动周，经教导处同意"},
    "homework:review": {"decision": "approve"},
    "homework:reopen": {"reason": "家长反映周四作业需调整"},
    "homework:report": {"date": HW_DAY, "minutes": "30"},
}


def _row_id(row):
    name, _, actor, expected = row
    return f"{name}-{actor}-{expected}"


@pytest.fixture
def matrix_cast(cast, bureau_admin):
    """The cast plus a term, a vacation and a day override of district A, and P's guardian."""
    cast.term = calendar_services.save_term(
        actor=bureau_admin, bureau=cast.district_a, school_year="2026-2027", name="第一学期",
        start=dt.date(2026, 9, 1), end=dt.date(2027, 1, 22))
    cast.vacation = calendar_services.save_vacation(
        actor=bureau_admin, bureau=cast.district_a, name="寒假", start=dt.date(2027, 1, 23),
        end=dt.date(2027, 2, 21))
    cast.override = calendar_services.save_override(
        actor=bureau_admin, bureau=cast.district_a, date=dt.date(2027, 1, 1), kind="holiday",
        note="元旦")
    cast.guardian_p_profile = cast.guardian_p.guardian
    return cast


def _request(row, method, matrix_cast, request, api_client, web_client):
    name, kwargs_builder, actor_name, _ = row
    actor = request.getfixturevalue(actor_name)
    url = reverse(name, kwargs=kwargs_builder(matrix_cast) if kwargs_builder else None)
    url += QUERY.get(name, "")
    if name.startswith("api-1:"):
        client = api_client(actor)
    else:
        client = web_client(actor)
    if method == "POST":
        return url, client.post(url, POST_DATA.get(name, {}))
    return url, client.get(url)


def _check(url, response, expected, api):
    if expected == LOGIN:
        assert response.status_code == 302, response.status_code
        assert response["Location"].startswith("/login/?next="), response["Location"]
    elif api and expected >= 400:
        code = {401: "unauthorized", 403: "forbidden", 404: "not_found"}[expected]
        assert_error(response, expected, code)
    else:
        assert response.status_code == expected, (url, response.status_code,
                                                   response.content[:300])


@pytest.mark.parametrize("row", MATRIX, ids=[_row_id(r) for r in MATRIX])
def test_get_permission_matrix(row, matrix_cast, request, api_client, web_client):
    # Given the actor of the row; when they GET the URL; then the expected status
    url, response = _request(row, "GET", matrix_cast, request, api_client, web_client)
    _check(url, response, row[3], api=row[0].startswith("api-1:"))


@pytest.mark.parametrize("row", POST_MATRIX, ids=[_row_id(r) for r in POST_MATRIX])
def test_post_permission_matrix(row, matrix_cast, request, api_client, web_client):
    # Given the actor of the row; when they POST to the URL; then the expected status
    url, response = _request(row, "POST", matrix_cast, request, api_client, web_client)
    _check(url, response, row[3], api=False)


def test_guardian_cannot_reveal_id_number_and_nothing_is_logged(matrix_cast, guardian_p,
                                                                 web_client):
    from auditlog.models import LogEntry

    # Given the guardian of pupil P
    url = reverse("org:pupil-reveal", kwargs={"pk": matrix_cast.pupil_p.pk})
    # When they ask for P's full ID number
    response = web_client(guardian_p).post(url)
    # Then it is refused, the number is not in the answer and no read is logged
    assert response.status_code == 403
    assert matrix_cast.pupil_p.id_number not in response.content.decode()
    assert not LogEntry.objects.filter(additional_data__code="org.pupil.id_number.read").exists()


def test_teacher_cannot_see_other_school_pupils(cast, teacher_b, api_client):
    # Given teacher_b of school A2
    # When they list pupils, filtering on a class of school A1
    response = api_client(teacher_b).get(f"/api/v1/pupils?school_class={cast.class_a1_4_1.pk}")
    # Then the list is empty (the class is outside their scope)
    assert response.status_code == 200
    assert response.json() == {"items": [], "count": 0}
