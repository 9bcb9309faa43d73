"""Permission rows for the teacher-ethics pages (collected by test_permissions).

The pages are the ethics officers' (district A: ``ethics_officer``) and the principals' of the
teacher's school (``principal`` of A1). Denials: anonymous → login; every other role (bureau
admin, supervisor, inspector, custodian bank, teachers, guardians, institution staff) → 403
before any object is looked up; district B's ethics officer → 404 for district A's objects and
an empty list; A1's principal → 404 for a case of A2's teacher, 403 for opening and deciding.
Objects are made through the services on first use and cached on the cast.
"""

from django.utils import timezone

from org.tests.test_permissions import LOGIN

OTHERS = ["bureau_admin", "bureau_admin_b", "supervisor", "inspector", "bank", "teacher_a",
          "head_teacher_a", "teacher_b", "guardian_p", "guardian_nobody", "institution_staff"]


def _officer(c):
    """District A's ethics officer (``ethics_officer``, put on the cast by test_permissions)."""
    return c.ethics_officer


def _case(c):
    """A paid-tutoring complaint against teacher_a (A1)."""
    if not hasattr(c, "eth_case"):
        from ethics import services

        c.eth_case = services.open_case(
            actor=_officer(c), teacher=c.teacher_a_profile, category="organise_tutoring",
            source="complaint", summary="家长反映该教师组织本班学生有偿补课。")
    return {"pk": c.eth_case.pk}


def _case_a2(c):
    """A gifts case against teacher_b (A2: not the principal's school)."""
    if not hasattr(c, "eth_case_a2"):
        from ethics import services

        c.eth_case_a2 = services.open_case(
            actor=_officer(c), teacher=c.teacher_b_profile, category="gifts", source="media",
            summary="媒体报道该教师收受家长购物卡。")
    return {"pk": c.eth_case_a2.pk}


def _match(c):
    """A teacher match on teacher_a (staff of I2) that the supervisor confirmed."""
    if not hasattr(c, "eth_match"):
        from institutions import services
        from institutions.models import TeacherMatch

        staff = services.add_staff(actor=c.supervisor, institution=c.institution_2,
                                   name="李某", id_number=c.teacher_a_profile.id_number,
                                   kind="other")
        c.eth_match = services.close_match(
            actor=c.supervisor, match=TeacherMatch.objects.filter(staff=staff).first(),
            confirmed=True, note="本人承认兼职授课")
    return {"pk": c.eth_match.pk}


CASE, CASE_A2, MATCH = _case, _case_a2, _match


def _page_rows(name, kwargs=None, *, ok=("ethics_officer", "principal")):
    return ([(name, kwargs, "anonymous", LOGIN)] + [(name, kwargs, a, 200) for a in ok]
            + [(name, kwargs, a, 403) for a in OTHERS])


MATRIX = [
    *_page_rows("ethics:index", ok=("ethics_officer", "principal", "ethics_officer_b")),
    *_page_rows("ethics:negative-list", ok=("ethics_officer", "principal", "ethics_officer_b")),
    *_page_rows("ethics:case", CASE),
    ("ethics:case", CASE, "ethics_officer_b", 404),
    ("ethics:case", CASE_A2, "ethics_officer", 200),
    ("ethics:case", CASE_A2, "principal", 404),
]

POST_MATRIX = [
    ("ethics:case-open", None, "anonymous", LOGIN),
    ("ethics:case-open", None, "ethics_officer", 302),
    ("ethics:case-open", None, "ethics_officer_b", 200),  # district A's teacher: not a choice
    ("ethics:case-open", None, "principal", 403),
    *[("ethics:case-open", None, a, 403) for a in OTHERS],

    ("ethics:match-open", MATCH, "anonymous", LOGIN),
    ("ethics:match-open", MATCH, "ethics_officer", 302),
    ("ethics:match-open", MATCH, "ethics_officer_b", 404),
    ("ethics:match-open", MATCH, "principal", 403),
    *[("ethics:match-open", MATCH, a, 403) for a in OTHERS],

    ("ethics:case-step", CASE, "anonymous", LOGIN),
    ("ethics:case-step", CASE, "ethics_officer", 302),
    ("ethics:case-step", CASE, "principal", 302),
    ("ethics:case-step", CASE, "ethics_officer_b", 404),
    ("ethics:case-step", CASE_A2, "principal", 404),
    *[("ethics:case-step", CASE, a, 403) for a in OTHERS],

    ("ethics:case-move", CASE, "anonymous", LOGIN),
    ("ethics:case-move", CASE, "ethics_officer", 302),
    ("ethics:case-move", CASE, "principal", 403),
    ("ethics:case-move", CASE, "ethics_officer_b", 404),
    ("ethics:case-move", CASE_A2, "principal", 404),
    *[("ethics:case-move", CASE, a, 403) for a in OTHERS],
]

QUERY = {}
METHOD = {}


def _today():
    """Steps may not be dated in the future."""
    return timezone.localdate().isoformat()


POST_DATA = {
    "ethics:case-open": lambda c, actor: {
        "teacher": c.teacher_a_profile.pk, "category": "gifts", "source": "inspection",
        "summary": "督导检查发现收受家长购物卡。"},
    "ethics:match-open": lambda c, actor: {"summary": ""},
    "ethics:case-step": lambda c, actor: {"kind": "interview", "on": _today(),
                                          "note": "约谈该教师"},
    "ethics:case-move": lambda c, actor: {"to": "investigating", "note": "开始调查"},
}
