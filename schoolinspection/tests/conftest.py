"""School-supervision test helpers: a clock that tests move, the district's first term (from
org's ``matrix_cast``), a second inspector login in district A and one in district B, and
shortcuts to assign inspectors and answer a self-check through the services.

    clock            today is Monday 2026-11-23 18:30 unless a test moves it (``clock.set``)
    inspector_2      another inspector of district A (responsible for A2 when assigned)
    inspector_b      an inspector of district B
    assigned         cast.inspector responsible for A1, inspector_2 for A2, since 2026-09-01

Weeks of November 2026 are all school weeks of district A's first term (2026-09-01 – 2027-01-22);
the winter vacation starts 2027-01-23. National Day: 1–7 October 2026 are holidays and
Saturday 10 October is a working day (调休).
"""

import datetime as dt

import pytest
from django.utils import timezone

from conftest import PASSWORD, fresh
from org.models import RoleAssignment, User
from org.roles import Role
from org.tests.test_permissions import matrix_cast  # noqa: F401  (the permission matrix's cast)
from schoolinspection import checklist, services

MONDAY = dt.date(2026, 11, 23)  # "today" by default: the Monday of a school week
LAST_WEEK = dt.date(2026, 11, 16)
TERM_START = dt.date(2026, 9, 1)
API = "/api/v1/school-inspection"

_real_localdate = timezone.localdate
_real_localtime = timezone.localtime


class Clock:
    """``timezone.localdate()`` / ``localtime()`` as the test says (services read both)."""

    def __init__(self, monkeypatch):
        self.now = None
        self.set(MONDAY)
        monkeypatch.setattr(timezone, "localdate", self.localdate)
        monkeypatch.setattr(timezone, "localtime", self.localtime)

    def set(self, date, hour=18, minute=30):
        self.now = timezone.make_aware(dt.datetime(date.year, date.month, date.day, hour, minute))
        return self

    @property
    def today(self):
        return self.now.date()

    def localdate(self, value=None, timezone=None):
        return self.today if value is None else _real_localdate(value, timezone)

    def localtime(self, value=None, timezone=None):
        return _real_localtime(self.now if value is None else value, timezone)


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch)


def inspector_login(username, name, bureau, phone=""):
    user = User.objects.create_user(username=username, password=PASSWORD, name=name, phone=phone)
    RoleAssignment.objects.create(user=user, role=Role.INSPECTOR, bureau=bureau)
    return fresh(user)


@pytest.fixture
def inspector_2(matrix_cast):  # noqa: F811  (the fixture imported above)
    return inspector_login("inspector_2", "钱督学", matrix_cast.district_a, "13700000002")


@pytest.fixture
def inspector_b(matrix_cast):  # noqa: F811
    return inspector_login("inspector_b", "乙区督学", matrix_cast.district_b)


@pytest.fixture
def assigned(matrix_cast, clock, bureau_admin, inspector, inspector_2):  # noqa: F811
    """cast.inspector responsible for A1 and inspector_2 for A2, both since 2026-09-01."""
    c = matrix_cast
    c.inspector.phone = "13700000001"
    c.inspector.save(update_fields=["phone"])
    c.assignment_a1, _ = services.assign_inspector(actor=bureau_admin, school=c.school_a1,
                                                   inspector=inspector, since=TERM_START)
    c.assignment_a2, _ = services.assign_inspector(actor=bureau_admin, school=c.school_a2,
                                                   inspector=inspector_2, since=TERM_START)
    return c


def answers(school, week, today, marks=None, notes=None):
    """Answers for every item: the platform's suggestion where it has one (符合 otherwise),
    overridden by ``marks`` ({code: bool}); a note wherever one is needed."""
    marks, notes = marks or {}, notes or {}
    _, rows = services.self_check_form(school, week, today)
    result = []
    for row in rows:
        compliant = marks.get(row["code"], row["suggested"] is not False)
        needs_note = not compliant or row["suggested"] is False
        result.append({"code": row["code"], "compliant": compliant,
                       "note": notes.get(row["code"], "已核实情况并说明" if needs_note else "")})
    return result


def all_compliant(school, week, today):
    """Every item 符合 (with a reason where the figures disagree)."""
    return answers(school, week, today, marks=dict.fromkeys(checklist.CODES, True))


def post_json(client, url, data=None):
    return client.post(url, data or {}, content_type="application/json")
