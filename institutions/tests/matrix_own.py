"""Permission rows for an institution's own pages, the application form and the public lookup
(collected by test_permissions).

The own pages are about ``institution_1`` of the cast, whose staff is ``institution_staff``;
``subject_staff`` (institutions/tests/conftest.py) works for another institution of the same
district and gets 404, exactly like a missing institution. Users without the institution-staff
role get 403, supervision staff included (their pages are the supervision section's). The public
pages answer everybody, anonymous visitors included.
"""

import datetime as dt

from conftest import make_id_number
from org.tests.test_permissions import LOGIN


def inst_1(c):
    return {"pk": c.institution_1.pk}


def _course(c):
    """An art course of institution_1 (a non-subject institution), added by its staff."""
    if not hasattr(c, "own_course"):
        from institutions import services

        c.own_course = services.add_course(
            actor=c.institution_staff, institution=c.institution_1, name="少儿素描",
            subject="art", mode="offline", grades=[3, 4], class_size=12, lesson_minutes=60,
            price_per_lesson_fen=9000, content_summary="素描基础")
    return c.own_course


def _staff_member(c):
    """A current staff member of institution_1, registered by its staff."""
    if not hasattr(c, "own_staff_member"):
        from institutions import services

        c.own_staff_member = services.add_staff(
            actor=c.institution_staff, institution=c.institution_1, name="前台王某",
            id_number=make_id_number(901, birth="19900101"), kind="other")
    return {"pk": c.institution_1.pk, "staff_pk": c.own_staff_member.pk}


OWN = ["mine-staff", "mine-courses", "mine-sessions"]

MATRIX = [
    ("institutions:mine", None, "anonymous", LOGIN),
    ("institutions:mine", None, "institution_staff", 200),
    ("institutions:mine", None, "subject_staff", 200),  # their own institution
    ("institutions:mine", None, "guardian_p", 403),
    ("institutions:mine", None, "principal", 403),
    ("institutions:mine", None, "teacher_a", 403),
    ("institutions:mine", None, "supervisor", 403),
    ("institutions:mine", None, "bureau_admin", 403),
    ("institutions:mine", None, "bank", 403),
    *[row for name in OWN for row in (
        (f"institutions:{name}", inst_1, "anonymous", LOGIN),
        (f"institutions:{name}", inst_1, "institution_staff", 200),
        (f"institutions:{name}", inst_1, "subject_staff", 404),
        (f"institutions:{name}", inst_1, "guardian_p", 403),
        (f"institutions:{name}", inst_1, "principal", 403),
        (f"institutions:{name}", inst_1, "teacher_a", 403),
        (f"institutions:{name}", inst_1, "supervisor", 403),
        (f"institutions:{name}", inst_1, "bank", 403),
    )],
    # POST only
    ("institutions:mine-contact", inst_1, "anonymous", LOGIN),
    ("institutions:mine-contact", inst_1, "institution_staff", 405),
    ("institutions:mine-staff-left", _staff_member, "anonymous", LOGIN),
    ("institutions:mine-staff-left", _staff_member, "institution_staff", 405),

    ("institutions:apply", None, "anonymous", LOGIN),
    ("institutions:apply", None, "institution_staff", 200),
    ("institutions:apply", None, "subject_staff", 200),
    ("institutions:apply", None, "guardian_p", 403),
    ("institutions:apply", None, "teacher_a", 403),
    ("institutions:apply", None, "principal", 403),
    ("institutions:apply", None, "supervisor", 403),
    ("institutions:apply", None, "bureau_admin", 403),

    ("public:search", None, "anonymous", 200),
    ("public:search", None, "guardian_p", 200),
    ("public:search", None, "institution_staff", 200),
    ("public:search", None, "supervisor", 200),
    ("public:detail", None, "anonymous", 200),
    ("public:detail", None, "guardian_p", 200),
    ("public:detail", None, "subject_staff", 200),
]

POST_MATRIX = [
    ("institutions:mine-contact", inst_1, "anonymous", LOGIN),
    ("institutions:mine-contact", inst_1, "institution_staff", 302),
    ("institutions:mine-contact", inst_1, "subject_staff", 404),
    ("institutions:mine-contact", inst_1, "guardian_p", 403),
    ("institutions:mine-contact", inst_1, "supervisor", 403),

    ("institutions:mine-staff", inst_1, "anonymous", LOGIN),
    ("institutions:mine-staff", inst_1, "institution_staff", 302),
    ("institutions:mine-staff", inst_1, "subject_staff", 404),
    ("institutions:mine-staff", inst_1, "teacher_a", 403),
    ("institutions:mine-staff", inst_1, "supervisor", 403),

    ("institutions:mine-staff-left", _staff_member, "anonymous", LOGIN),
    ("institutions:mine-staff-left", _staff_member, "institution_staff", 302),
    ("institutions:mine-staff-left", _staff_member, "subject_staff", 404),
    ("institutions:mine-staff-left", _staff_member, "guardian_p", 403),
    ("institutions:mine-staff-left", _staff_member, "supervisor", 403),

    ("institutions:mine-courses", inst_1, "anonymous", LOGIN),
    ("institutions:mine-courses", inst_1, "institution_staff", 302),
    ("institutions:mine-courses", inst_1, "subject_staff", 404),
    ("institutions:mine-courses", inst_1, "principal", 403),

    ("institutions:mine-sessions", inst_1, "anonymous", LOGIN),
    ("institutions:mine-sessions", inst_1, "institution_staff", 302),
    ("institutions:mine-sessions", inst_1, "subject_staff", 404),
    ("institutions:mine-sessions", inst_1, "guardian_p", 403),

    ("institutions:apply", None, "anonymous", LOGIN),
    ("institutions:apply", None, "institution_staff", 302),
    ("institutions:apply", None, "guardian_p", 403),
    ("institutions:apply", None, "supervisor", 403),
]

QUERY = {
    "public:search": lambda c: "?q=启航",
    "public:detail": lambda c: f"?id={c.institution_1.pk}",
}


def _session(c, actor_name):
    course = _course(c)
    return {"course": course.pk, "date": dt.date(2026, 11, 24).isoformat(), "start": "18:00",
            "end": "19:00"}


POST_DATA = {
    "institutions:mine-contact": lambda c, a: {"phone": "0379-66668888", "address": "甲区学府路 1 号",
                                               "legal_representative": "陈某"},
    "institutions:mine-staff": lambda c, a: {
        "name": "赵某", "id_number": make_id_number(902, birth="19920202"), "kind": "other",
        "labour_contract": "on"},
    "institutions:mine-courses": lambda c, a: {
        "name": "少儿书法", "subject": "art", "mode": "offline", "grades": ["3"],
        "class_size": "12", "lesson_minutes": "60", "lessons": "10", "price": "80.00",
        "content_summary": "硬笔书法"},
    "institutions:mine-sessions": _session,
    "institutions:apply": lambda c, a: {
        "bureau": str(c.district_a.pk), "name": "甲区跃动体育培训中心",
        "credit_code": _code(), "subject_type": "0", "category": "sport", "mode": "offline",
        "serves_compulsory": "on", "legal_representative": "周某", "phone": "0379-61234567",
        "address": "甲区体育路 2 号"},
}
METHOD = {}


def _code():
    from institutions.tests.conftest import new_code

    return new_code()
