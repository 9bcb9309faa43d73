"""Exam test helpers: "today" pinned to Monday 2026-11-23, the two terms of the 2026-2027 school
year of district A, junior schools beyond the shared cast, and the API calls the tests make.

The shared cast (root ``conftest.py``) has only primary schools; ``make_school`` adds junior and
nine-year schools through ``org.services`` with a school admin (academic office) login.
"""

import datetime as dt

import pytest
from auditlog.models import LogEntry
from django.utils import timezone

from conftest import PASSWORD, fresh
from exams.models import Exam, ExamResult
from org import services as org_services
from org.models import Guardian, RoleAssignment, User
from org.roles import Role
from org.tests.test_permissions import matrix_cast  # noqa: F401  (the permission matrix's cast)
from schoolcal import services as cal_services

TODAY = dt.date(2026, 11, 23)  # a Monday of the first term
PAST = dt.date(2026, 11, 20)  # the Friday before: an exam that has taken place
FIRST_TERM = (dt.date(2026, 9, 1), dt.date(2027, 1, 22))
SECOND_TERM = (dt.date(2027, 2, 22), dt.date(2027, 7, 2))
FINAL_DAY = dt.date(2027, 1, 14)  # a Thursday near the end of the first term
MIDTERM_DAY = dt.date(2026, 12, 3)  # a Thursday of the first term
SPRING_DAYS = [dt.date(2027, 4, 15), dt.date(2027, 5, 20), dt.date(2027, 6, 10)]  # Thursdays
SATURDAY = dt.date(2026, 11, 28)

_real_localdate = timezone.localdate


@pytest.fixture(autouse=True)
def pinned_today(monkeypatch):
    """The services compare dates with today: pin it to Monday 2026-11-23."""

    def localdate(value=None, timezone=None):
        return TODAY if value is None else _real_localdate(value, timezone)

    monkeypatch.setattr(timezone, "localdate", localdate)
    return TODAY


@pytest.fixture
def terms(cast):
    """District A's school year 2026-2027: the first and second terms."""
    first = cal_services.save_term(actor=cast.bureau_admin, bureau=cast.district_a,
                                   school_year="2026-2027", name="第一学期", start=FIRST_TERM[0],
                                   end=FIRST_TERM[1])
    second = cal_services.save_term(actor=cast.bureau_admin, bureau=cast.district_a,
                                    school_year="2026-2027", name="第二学期", start=SECOND_TERM[0],
                                    end=SECOND_TERM[1])
    return first, second


@pytest.fixture
def make_school(cast):
    """``make_school(stage, system, grades)`` → (school, {grade: class}, admin login).

    A new school of district A with one class per grade and a school admin (academic office).
    """
    made = []

    def make(stage, system="6-3", grades=(7, 8, 9)):
        n = len(made) + 1
        school = org_services.create_school(
            actor=cast.bureau_admin, bureau=cast.district_a, name=f"甲区测试中学{n}",
            code=f"EXT{n}", stage=stage, system=system, ownership="public")
        classes = {g: org_services.create_class(actor=cast.bureau_admin, school=school, grade=g,
                                                 number=1) for g in grades}
        admin = User.objects.create_user(username=f"office_{n}", password=PASSWORD,
                                         name=f"教导处{n}")
        RoleAssignment.objects.create(user=admin, role=Role.SCHOOL_ADMIN, school=school)
        made.append(school)
        return school, classes, fresh(admin)

    return make


@pytest.fixture
def guardian_q(cast):
    """A login for pupil Q's guardian (the cast only links pupil P's)."""
    user = User.objects.create_user(username="guardian_q", password=PASSWORD, name="刘小红家长")
    Guardian.objects.filter(phone="13812340002").update(user=user)
    return fresh(user)


# ---- helpers -------------------------------------------------------------------------------

def exam_body(school=None, **fields):
    body = {"subjects": ["maths"], "kind": "final", "date": FINAL_DAY, "title": "期末考试",
            "grade": 4, "paper_based": True, "scope": "school"}
    if school is not None:
        body["school"] = school.pk
    body.update(fields)
    return {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in body.items()}


def post_exam(client, school=None, **fields):
    return client.post("/api/v1/exams", exam_body(school, **fields),
                       content_type="application/json")


def post_results(client, exam_id, results):
    return client.post(f"/api/v1/exams/{exam_id}/results", {"results": results},
                       content_type="application/json")


def saved_state():
    """Everything a refused request must leave untouched: exams, levels and the audit log."""
    exams = list(Exam.objects.order_by("pk").values_list("pk", "kind", "date", "status",
                                                         "term_id", "subjects", "title"))
    results = list(ExamResult.objects.order_by("pk").values_list("pk", "pupil_id", "subject",
                                                                 "level"))
    return exams, results, LogEntry.objects.count()
