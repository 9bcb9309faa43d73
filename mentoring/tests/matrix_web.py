"""Permission rows for the mentoring pages (collected by test_permissions), and the two extra
actors they need: school A1's psychologist and school A2's principal.

Objects are built through the services on first use and cached on the cast (``mt_*``): school
A1's plan for grades 2 and 4 in ``matrix_cast.term`` (at most 15 pupils per mentor), assigned
automatically (P and Q to their head teacher, R to teacher_a), then Q moved to teacher_a. So:
teacher_a mentors Q, head_teacher_a mentors P and heads Q's class, the psychologist works at A1.

The rules: anonymous → login; roles that never see mentoring (supervisor, inspector, bank,
institution staff, a guardian of nobody) → 403 everywhere; the school's pages are its admin's
(other roles 403, another school's admin 404); restricted records are the mentor's, the head
teacher's and the psychologist's (the principal, the bureau and the family 403; another school's
teacher or another family 404); the district page is the bureau admin's (another district's
term 404).
"""

import pytest

from conftest import PASSWORD, fresh
from org.models import RoleAssignment, User
from org.roles import Role
from org.tests.test_permissions import LOGIN

NEVER = ["supervisor", "inspector", "bank", "institution_staff", "guardian_nobody"]
TASK_DAY = "2026-11-20"


@pytest.fixture
def psychologist(cast):
    """School A1's psychologist (心理健康教师)."""
    user = User.objects.create_user(username="psy_a1", password=PASSWORD, name="心理老师")
    RoleAssignment.objects.create(user=user, role=Role.PSYCHOLOGIST, school=cast.school_a1)
    return fresh(user)


@pytest.fixture
def principal_a2(cast):
    """School A2's principal: same district, another school."""
    user = User.objects.create_user(username="principal_a2", password=PASSWORD, name="钱校长")
    RoleAssignment.objects.create(user=user, role=Role.SCHOOL_ADMIN, school=cast.school_a2)
    return fresh(user)


def _plan(c):
    if not hasattr(c, "mt_plan"):
        from mentoring import services

        principal = fresh(c.principal)
        c.mt_plan = services.create_plan(actor=principal, school=c.school_a1, term=c.term,
                                         grades=[2, 4])
        services.assign_automatically(actor=principal, plan=c.mt_plan)
        services.assign(actor=principal, plan=c.mt_plan, pupil=c.pupil_q,
                        mentor=c.teacher_a_profile)
    return c.mt_plan


def _mentorship(attr):
    def build(c):
        from mentoring.models import Mentorship

        plan = _plan(c)
        return {"pk": Mentorship.objects.current().get(plan=plan, pupil=getattr(c, attr)).pk}

    return build


PLAN = lambda c: {"pk": _plan(c).pk}  # noqa: E731
M_Q = _mentorship("pupil_q")  # mentor teacher_a; head teacher head_teacher_a
M_P = _mentorship("pupil_p")  # mentor head_teacher_a; guardian_p's child


def _rows(name, kwargs, ok=(), forbidden=(), missing=(), status=200):
    return ([(name, kwargs, "anonymous", LOGIN)] + [(name, kwargs, a, status) for a in ok]
            + [(name, kwargs, a, 403) for a in (*forbidden, *NEVER)]
            + [(name, kwargs, a, 404) for a in missing])


SCHOOL_STAFF_NOT_ADMIN = ["teacher_a", "head_teacher_a", "psychologist", "guardian_p",
                          "bureau_admin", "bureau_admin_b"]

MATRIX = [
    *_rows("mentoring:index", None,
           ok=["principal", "teacher_a", "head_teacher_a", "teacher_b", "psychologist",
               "guardian_p", "bureau_admin", "bureau_admin_b", "principal_a2"]),
    *_rows("mentoring:plan-create", None, ok=["principal", "principal_a2"],
           forbidden=SCHOOL_STAFF_NOT_ADMIN),
    *_rows("mentoring:plan", PLAN, ok=["principal"], forbidden=SCHOOL_STAFF_NOT_ADMIN,
           missing=["principal_a2"]),
    *_rows("mentoring:plan-completion", PLAN, ok=["principal"], forbidden=SCHOOL_STAFF_NOT_ADMIN,
           missing=["principal_a2"]),
    *_rows("mentoring:plan-completion-export", PLAN, ok=["principal"],
           forbidden=SCHOOL_STAFF_NOT_ADMIN, missing=["principal_a2"]),
    # ?term= district A's term (QUERY): another district's bureau admin finds it missing
    *_rows("mentoring:district", None, ok=["bureau_admin"],
           forbidden=["principal", "teacher_a", "head_teacher_a", "psychologist", "guardian_p"],
           missing=["bureau_admin_b"]),
    *_rows("mentoring:district-export", None, ok=["bureau_admin"],
           forbidden=["principal", "teacher_a", "psychologist", "guardian_p"],
           missing=["bureau_admin_b"]),
    *_rows("mentoring:mentee", M_Q, ok=["teacher_a", "head_teacher_a", "psychologist"],
           forbidden=["principal", "bureau_admin"],
           missing=["teacher_b", "guardian_p", "bureau_admin_b", "principal_a2"]),
    ("mentoring:mentee", M_P, "guardian_p", 403),  # the family sees the mentor, not the records
    ("mentoring:mentee", M_P, "teacher_a", 404),  # a colleague who is not P's mentor

    # POST-only pages: anonymous GET goes to the login page, a signed-in GET is refused
    ("mentoring:auto-assign", PLAN, "anonymous", LOGIN),
    ("mentoring:auto-assign", PLAN, "principal", 405),
    ("mentoring:assign", PLAN, "anonymous", LOGIN),
    ("mentoring:task-create", M_Q, "anonymous", LOGIN),
    ("mentoring:task-create", M_Q, "teacher_a", 405),
    ("mentoring:note-create", M_Q, "anonymous", LOGIN),
    ("mentoring:flag", M_Q, "anonymous", LOGIN),
]

POST_MATRIX = [
    *_rows("mentoring:plan-create", None, ok=["principal"], forbidden=SCHOOL_STAFF_NOT_ADMIN,
           status=302),
    *_rows("mentoring:auto-assign", PLAN, ok=["principal"], forbidden=SCHOOL_STAFF_NOT_ADMIN,
           missing=["principal_a2"], status=302),
    *_rows("mentoring:assign", PLAN, ok=["principal"], forbidden=SCHOOL_STAFF_NOT_ADMIN,
           missing=["principal_a2"], status=302),
    *_rows("mentoring:task-create", M_Q, ok=["teacher_a"],
           forbidden=["head_teacher_a", "psychologist", "principal", "bureau_admin"],
           missing=["teacher_b", "guardian_p", "bureau_admin_b"], status=302),
    *_rows("mentoring:note-create", M_Q, ok=["teacher_a", "head_teacher_a", "psychologist"],
           forbidden=["principal", "bureau_admin"], missing=["teacher_b", "guardian_p"],
           status=302),
    *_rows("mentoring:flag", M_Q, ok=["teacher_a", "head_teacher_a", "psychologist"],
           forbidden=["principal", "bureau_admin"], missing=["teacher_b", "guardian_p"],
           status=302),
    ("mentoring:flag", M_P, "guardian_p", 403),
    ("mentoring:task-create", M_P, "guardian_p", 403),
]

QUERY = {
    "mentoring:district": lambda c: f"?term={c.term.pk}",
    "mentoring:district-export": lambda c: f"?term={c.term.pk}",
}

POST_DATA = {
    "mentoring:plan-create": lambda c, actor: {"school": c.school_a1.pk, "term": c.term.pk,
                                               "grades": ["2", "4"]},
    "mentoring:assign": lambda c, actor: {"pupil": c.pupil_r.pk,
                                          "mentor": c.head_teacher_a_profile.pk},
    "mentoring:task-create": lambda c, actor: {"kind": "talk", "on": TASK_DAY,
                                               "record": "谈了学习计划"},
    "mentoring:note-create": lambda c, actor: {"text": "近期情绪稳定"},
    "mentoring:flag": lambda c, actor: {"needs_attention": "1", "reason": "连续失眠"},
}
