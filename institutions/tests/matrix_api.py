"""Permission rows for the institutions API (collected by test_permissions).

Objects are made through the services on first use and cached on ``matrix_cast``: I1 (the
institution of ``institution_staff``) gets a sports course, a staff member who is teacher_a (so a
teacher match), a yellow card and a white-list entry; the supervision section records an
application. I2 is the other institution of district A (404 for I1's staff); district B's bureau
admin sees nothing of district A (404).

Rules of the table: anonymous → 401; another institution or district → 404; a visible object
with the wrong role → 403; the right role → 200/201. A few 404s are for roles that cannot see
the object at all (teacher matches are visible only to supervisors and bureau admins).
"""

import datetime as dt

from conftest import make_id_number
from institutions.tests.conftest import at, new_code

SATURDAY = dt.date(2026, 11, 28)


# ---- objects (built once per test, on first use) ------------------------------------------------


def _course(c):
    """A sports course of I1 (non-subject: no guide price needed)."""
    if not hasattr(c, "api_course"):
        from institutions import services

        c.api_course = services.add_course(
            actor=c.institution_staff, institution=c.institution_1, name="少儿篮球",
            subject="sport", mode="offline", grades=[3, 4], class_size=20, lesson_minutes=60,
            price_per_lesson_fen=8000, content_summary="运球与投篮")
    return c.api_course


def _staff(c):
    """teacher_a registered as I1's staff: the cross-check opens a teacher match."""
    if not hasattr(c, "api_staff"):
        from institutions import services

        c.api_staff = services.add_staff(
            actor=c.institution_staff, institution=c.institution_1, name="李某",
            id_number=c.teacher_a_profile.id_number, kind="teaching", subjects=["sport"],
            other_certificate="篮球教练员证")
    return c.api_staff


def _card(c):
    if not hasattr(c, "api_card"):
        from institutions import services

        c.api_card = services.issue_card(actor=c.supervisor, institution=c.institution_1,
                                         colour="yellow", reason="未公示收费")
    return c.api_card


def _entry(c):
    if not hasattr(c, "api_entry"):
        from institutions import services

        c.api_entry = services.add_to_list(actor=c.supervisor, institution=c.institution_1,
                                           kind="white", reason="合规经营")
    return c.api_entry


def _application(c):
    if not hasattr(c, "api_application"):
        from institutions import services

        c.api_application = services.register_institution(
            actor=c.supervisor, bureau=c.district_a, name="甲区新芽体育培训",
            credit_code=new_code(), category="sport")
    return c.api_application


def I1(c):  # noqa: N802
    return {"institution_id": c.institution_1.pk}


def I2(c):  # noqa: N802
    return {"institution_id": c.institution_2.pk}


def APPLICATION(c):  # noqa: N802
    return {"institution_id": _application(c).pk}


def STAFF(c):  # noqa: N802
    return {"institution_id": c.institution_1.pk, "staff_id": _staff(c).pk}


def MATCH(c):  # noqa: N802
    from institutions.models import TeacherMatch

    return {"match_id": TeacherMatch.objects.get(staff=_staff(c)).pk}


def CARD(c):  # noqa: N802
    return {"card_id": _card(c).pk}


def ENTRY(c):  # noqa: N802
    return {"entry_id": _entry(c).pk}


def I1_WITH_ROWS(c):  # noqa: N802
    """I1 with a course, a session, a staff member, a card: lists that are not empty."""
    from institutions import services

    course = _course(c)
    if not course.sessions.exists():
        services.schedule_session(actor=c.institution_staff, institution=c.institution_1,
                                  course=course, start=at(SATURDAY, "09:00"),
                                  end=at(SATURDAY, "10:00"))
    _staff(c)
    _card(c)
    _entry(c)
    return I1(c)


def WITH_ROWS(c):  # noqa: N802
    """No URL kwargs, but I1's rows exist (for the lists across institutions)."""
    I1_WITH_ROWS(c)
    return {}


MATRIX = [
    ("api-1:list_institutions", None, "anonymous", 401),
    ("api-1:list_institutions", None, "supervisor", 200),
    ("api-1:list_institutions", None, "bureau_admin", 200),
    ("api-1:list_institutions", None, "inspector", 200),
    ("api-1:list_institutions", None, "bank", 200),
    ("api-1:list_institutions", None, "institution_staff", 200),
    ("api-1:list_institutions", None, "bureau_admin_b", 200),  # an empty list
    ("api-1:list_institutions", None, "principal", 403),
    ("api-1:list_institutions", None, "teacher_a", 403),
    ("api-1:list_institutions", None, "guardian_p", 403),

    ("api-1:get_institution", I1, "anonymous", 401),
    ("api-1:get_institution", I1, "supervisor", 200),
    ("api-1:get_institution", I1, "inspector", 200),
    ("api-1:get_institution", I1, "bank", 200),
    ("api-1:get_institution", I1, "institution_staff", 200),
    ("api-1:get_institution", I2, "institution_staff", 404),
    ("api-1:get_institution", I1, "bureau_admin_b", 404),
    ("api-1:get_institution", I1, "principal", 404),
    ("api-1:get_institution", I1, "guardian_p", 404),

    ("api-1:institution_ledger", I1_WITH_ROWS, "anonymous", 401),
    ("api-1:institution_ledger", I1_WITH_ROWS, "supervisor", 200),
    ("api-1:institution_ledger", I1_WITH_ROWS, "inspector", 200),
    ("api-1:institution_ledger", I1_WITH_ROWS, "bank", 200),
    ("api-1:institution_ledger", I1_WITH_ROWS, "institution_staff", 200),
    ("api-1:institution_ledger", I2, "institution_staff", 404),
    ("api-1:institution_ledger", I1, "bureau_admin_b", 404),

    ("api-1:institution_risk", None, "anonymous", 401),
    ("api-1:institution_risk", None, "supervisor", 200),
    ("api-1:institution_risk", None, "bureau_admin", 200),
    ("api-1:institution_risk", None, "inspector", 200),
    ("api-1:institution_risk", None, "bureau_admin_b", 200),
    ("api-1:institution_risk", None, "bank", 403),
    ("api-1:institution_risk", None, "institution_staff", 403),
    ("api-1:institution_risk", None, "guardian_p", 403),

    ("api-1:list_staff", I1_WITH_ROWS, "anonymous", 401),
    ("api-1:list_staff", I1_WITH_ROWS, "supervisor", 200),
    ("api-1:list_staff", I1_WITH_ROWS, "inspector", 200),
    ("api-1:list_staff", I1_WITH_ROWS, "institution_staff", 200),
    ("api-1:list_staff", I2, "institution_staff", 404),
    ("api-1:list_staff", I1, "bureau_admin_b", 404),
    ("api-1:list_staff", I1, "bank", 403),

    ("api-1:list_matches", None, "anonymous", 401),
    ("api-1:list_matches", WITH_ROWS, "supervisor", 200),
    ("api-1:list_matches", None, "bureau_admin", 200),
    ("api-1:list_matches", None, "bureau_admin_b", 200),  # an empty list
    ("api-1:list_matches", None, "inspector", 403),
    ("api-1:list_matches", WITH_ROWS, "institution_staff", 403),
    ("api-1:list_matches", None, "bank", 403),

    ("api-1:list_courses", I1_WITH_ROWS, "anonymous", 401),
    ("api-1:list_courses", I1_WITH_ROWS, "institution_staff", 200),
    ("api-1:list_courses", I1_WITH_ROWS, "supervisor", 200),
    ("api-1:list_courses", I1_WITH_ROWS, "bank", 200),
    ("api-1:list_courses", I2, "institution_staff", 404),
    ("api-1:list_courses", I1, "bureau_admin_b", 404),
    ("api-1:list_courses", I1, "guardian_p", 404),

    ("api-1:list_sessions", I1_WITH_ROWS, "anonymous", 401),
    ("api-1:list_sessions", I1_WITH_ROWS, "institution_staff", 200),
    ("api-1:list_sessions", I1_WITH_ROWS, "supervisor", 200),
    ("api-1:list_sessions", I1_WITH_ROWS, "inspector", 200),
    ("api-1:list_sessions", I2, "institution_staff", 404),
    ("api-1:list_sessions", I1, "bureau_admin_b", 404),

    ("api-1:list_guide_prices", None, "anonymous", 401),
    ("api-1:list_guide_prices", None, "supervisor", 200),
    ("api-1:list_guide_prices", None, "institution_staff", 200),
    ("api-1:list_guide_prices", None, "principal", 200),
    ("api-1:list_guide_prices", None, "teacher_a", 200),
    ("api-1:list_guide_prices", None, "bank", 200),
    ("api-1:list_guide_prices", None, "guardian_p", 403),
    ("api-1:list_guide_prices", None, "guardian_nobody", 403),

    ("api-1:list_cards", I1_WITH_ROWS, "anonymous", 401),
    ("api-1:list_cards", I1_WITH_ROWS, "supervisor", 200),
    ("api-1:list_cards", I1_WITH_ROWS, "inspector", 200),
    ("api-1:list_cards", I1_WITH_ROWS, "institution_staff", 200),
    ("api-1:list_cards", I1_WITH_ROWS, "bank", 200),
    ("api-1:list_cards", I2, "institution_staff", 404),
    ("api-1:list_cards", I1, "bureau_admin_b", 404),

    ("api-1:list_entries", None, "anonymous", 401),
    ("api-1:list_entries", WITH_ROWS, "supervisor", 200),
    ("api-1:list_entries", WITH_ROWS, "institution_staff", 200),
    ("api-1:list_entries", None, "bank", 200),
    ("api-1:list_entries", None, "bureau_admin_b", 200),  # an empty list
    ("api-1:list_entries", None, "principal", 403),
    ("api-1:list_entries", None, "guardian_p", 403),

    ("api-1:public_institutions", None, "anonymous", 200),
    ("api-1:public_institutions", None, "guardian_p", 200),
    ("api-1:public_institutions", None, "supervisor", 200),
    ("api-1:public_institution", I1_WITH_ROWS, "anonymous", 200),
    ("api-1:public_institution", I1, "guardian_nobody", 200),
    ("api-1:public_institution", APPLICATION, "anonymous", 404),
    ("api-1:public_institution", APPLICATION, "supervisor", 404),  # not public, whoever asks
]

POST_MATRIX = [
    ("api-1:register_institution", None, "anonymous", 401),
    ("api-1:register_institution", None, "supervisor", 201),
    ("api-1:register_institution", None, "bureau_admin", 201),
    ("api-1:register_institution", None, "inspector", 201),
    ("api-1:register_institution", None, "institution_staff", 201),  # an application
    ("api-1:register_institution", None, "bank", 403),
    ("api-1:register_institution", None, "principal", 403),
    ("api-1:register_institution", None, "guardian_p", 403),

    ("api-1:change_institution", I1, "anonymous", 401),
    ("api-1:change_institution", I1, "supervisor", 200),
    ("api-1:change_institution", I1, "bureau_admin", 200),
    ("api-1:change_institution", I1, "institution_staff", 200),  # its phone only
    ("api-1:change_institution", I2, "institution_staff", 404),
    ("api-1:change_institution", I1, "inspector", 403),
    ("api-1:change_institution", I1, "bank", 403),
    ("api-1:change_institution", I1, "bureau_admin_b", 404),

    ("api-1:review_institution", APPLICATION, "anonymous", 401),
    ("api-1:review_institution", APPLICATION, "supervisor", 200),
    ("api-1:review_institution", APPLICATION, "bureau_admin", 200),
    ("api-1:review_institution", APPLICATION, "inspector", 403),
    ("api-1:review_institution", APPLICATION, "bank", 403),
    ("api-1:review_institution", APPLICATION, "institution_staff", 404),
    ("api-1:review_institution", I1, "institution_staff", 403),  # its own: not its to approve
    ("api-1:review_institution", APPLICATION, "bureau_admin_b", 404),

    ("api-1:annual_review", I1, "anonymous", 401),
    ("api-1:annual_review", I1, "supervisor", 201),
    ("api-1:annual_review", I1, "bureau_admin", 201),
    ("api-1:annual_review", I1, "inspector", 403),
    ("api-1:annual_review", I1, "institution_staff", 403),
    ("api-1:annual_review", I1, "bureau_admin_b", 404),

    ("api-1:add_staff", I1, "anonymous", 401),
    ("api-1:add_staff", I1, "institution_staff", 201),
    ("api-1:add_staff", I1, "supervisor", 201),
    ("api-1:add_staff", I1, "bureau_admin", 201),
    ("api-1:add_staff", I2, "institution_staff", 404),
    ("api-1:add_staff", I1, "inspector", 403),
    ("api-1:add_staff", I1, "bank", 403),
    ("api-1:add_staff", I1, "bureau_admin_b", 404),

    ("api-1:staff_left", STAFF, "anonymous", 401),
    ("api-1:staff_left", STAFF, "institution_staff", 200),
    ("api-1:staff_left", STAFF, "supervisor", 200),
    ("api-1:staff_left", STAFF, "inspector", 403),
    ("api-1:staff_left", STAFF, "bank", 403),
    ("api-1:staff_left", STAFF, "bureau_admin_b", 404),

    ("api-1:close_match", MATCH, "anonymous", 401),
    ("api-1:close_match", MATCH, "supervisor", 200),
    ("api-1:close_match", MATCH, "bureau_admin", 200),
    ("api-1:close_match", MATCH, "inspector", 404),  # matches are not visible to inspectors
    ("api-1:close_match", MATCH, "institution_staff", 404),  # nor to the institution
    ("api-1:close_match", MATCH, "bureau_admin_b", 404),

    ("api-1:add_course", I1, "anonymous", 401),
    ("api-1:add_course", I1, "institution_staff", 201),
    ("api-1:add_course", I2, "institution_staff", 404),
    ("api-1:add_course", I1, "supervisor", 403),
    ("api-1:add_course", I1, "inspector", 403),
    ("api-1:add_course", I1, "bank", 403),
    ("api-1:add_course", I1, "bureau_admin_b", 404),

    ("api-1:schedule_session", I1, "anonymous", 401),
    ("api-1:schedule_session", I1, "institution_staff", 201),
    ("api-1:schedule_session", I2, "institution_staff", 404),
    ("api-1:schedule_session", I1, "supervisor", 403),
    ("api-1:schedule_session", I1, "bureau_admin_b", 404),

    ("api-1:set_guide_price", None, "anonymous", 401),
    ("api-1:set_guide_price", None, "bureau_admin", 200),
    ("api-1:set_guide_price", None, "supervisor", 200),
    ("api-1:set_guide_price", None, "bureau_admin_b", 200),  # district B's own prices
    ("api-1:set_guide_price", None, "inspector", 403),
    ("api-1:set_guide_price", None, "institution_staff", 403),
    ("api-1:set_guide_price", None, "principal", 403),
    ("api-1:set_guide_price", None, "guardian_p", 403),

    ("api-1:issue_card", I1, "anonymous", 401),
    ("api-1:issue_card", I1, "supervisor", 201),
    ("api-1:issue_card", I1, "bureau_admin", 201),
    ("api-1:issue_card", I1, "inspector", 201),
    ("api-1:issue_card", I1, "institution_staff", 403),
    ("api-1:issue_card", I1, "bank", 403),
    ("api-1:issue_card", I1, "bureau_admin_b", 404),

    ("api-1:revoke_card", CARD, "anonymous", 401),
    ("api-1:revoke_card", CARD, "supervisor", 200),
    ("api-1:revoke_card", CARD, "bureau_admin", 200),
    ("api-1:revoke_card", CARD, "inspector", 403),
    ("api-1:revoke_card", CARD, "institution_staff", 403),
    ("api-1:revoke_card", CARD, "bank", 403),
    ("api-1:revoke_card", CARD, "bureau_admin_b", 404),

    ("api-1:add_to_list", I1, "anonymous", 401),
    ("api-1:add_to_list", I1, "supervisor", 201),
    ("api-1:add_to_list", I1, "bureau_admin", 201),
    ("api-1:add_to_list", I1, "inspector", 403),
    ("api-1:add_to_list", I1, "institution_staff", 403),
    ("api-1:add_to_list", I1, "bank", 403),
    ("api-1:add_to_list", I1, "bureau_admin_b", 404),

    ("api-1:remove_from_list", ENTRY, "anonymous", 401),
    ("api-1:remove_from_list", ENTRY, "supervisor", 200),
    ("api-1:remove_from_list", ENTRY, "bureau_admin", 200),
    ("api-1:remove_from_list", ENTRY, "inspector", 403),
    ("api-1:remove_from_list", ENTRY, "institution_staff", 403),
    ("api-1:remove_from_list", ENTRY, "bank", 403),
    ("api-1:remove_from_list", ENTRY, "bureau_admin_b", 404),
]

QUERY = {
    "api-1:list_sessions": lambda c: f"?date={SATURDAY.isoformat()}",
    "api-1:public_institutions": lambda c: "?q=启航",
}

POST_DATA = {
    "api-1:register_institution": lambda c, actor: {
        "name": f"甲区{actor}体育培训", "credit_code": new_code(), "category": "sport"},
    "api-1:change_institution": lambda c, actor: {"phone": "0379-60000000",
                                                  "reason": "更新联系电话"},
    "api-1:review_institution": lambda c, actor: {"approve": True,
                                                  "school_permit_no": "教民1410402099号"},
    "api-1:annual_review": lambda c, actor: {"year": 2026, "result": "pass"},
    "api-1:add_staff": lambda c, actor: {"name": "王教练", "kind": "teaching",
                                         "id_number": make_id_number(77, birth="19900101"),
                                         "subjects": ["sport"], "other_certificate": "教练员证"},
    "api-1:close_match": lambda c, actor: {"confirmed": False, "note": "同名同号，已核实非本人"},
    "api-1:add_course": lambda c, actor: {
        "name": "少儿足球", "subject": "sport", "mode": "offline", "grades": [3, 4],
        "class_size": 20, "lesson_minutes": 60, "price_per_lesson_fen": 8000,
        "content_summary": "足球基础"},
    "api-1:schedule_session": lambda c, actor: {
        "course": _course(c).pk, "start": at(SATURDAY, "15:00").isoformat(),
        "end": at(SATURDAY, "16:00").isoformat()},
    "api-1:set_guide_price": lambda c, actor: {"mode": "offline", "band": "medium",
                                               "base_price_fen": 6000},
    "api-1:issue_card": lambda c, actor: {"colour": "yellow", "reason": "超时培训"},
    "api-1:revoke_card": lambda c, actor: {"reason": "复核撤销"},
    "api-1:add_to_list": lambda c, actor: {"kind": "negative", "reason": "曾有违规"},
    "api-1:remove_from_list": lambda c, actor: {"reason": "复查合格"},
}

# The HTTP method of API rows in POST_MATRIX other than POST.
METHOD = {"api-1:change_institution": "patch", "api-1:set_guide_price": "put"}
