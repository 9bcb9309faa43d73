"""Complaint test helpers: the cast's district A gains a hotline receptionist and a
teacher-ethics officer (district B a hotline receptionist); time is pinned to Monday
2026-11-23 10:00 (``clock``; move it with ``clock.set``); attachments go to a temporary
MEDIA_ROOT; the public rate limit is generous unless a test lowers it.

Real 2026 dates: 1–7 October are National Day holidays, Saturday 10 October the make-up working
day (调休) after them. With the national defaults (IN-6: acknowledge within 2 working days,
resolve within 15), a complaint filed on Monday 2026-11-23 is due for acknowledgement on
Wednesday 11-25 and for resolution on Monday 12-14.
"""

import datetime as dt

import pytest
from django.core.cache import cache
from django.utils import timezone

from complaints import services
from conftest import PASSWORD, fresh
from org.models import RoleAssignment, User
from org.roles import Role
from org.tests.test_permissions import matrix_cast  # noqa: F401  (the permission matrix's cast)

API = "/api/v1/complaints"
PUBLIC_API = "/api/v1/public/complaints"
MONDAY = dt.date(2026, 11, 23)
ACK_DUE = dt.date(2026, 11, 25)
RESOLVE_DUE = dt.date(2026, 12, 14)
PHONE = "13912345678"

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
PDF = b"%PDF-1.7\n" + b"0" * 64


def at(date, hm="10:00"):
    """An aware datetime in China Standard Time (XC-3)."""
    hours, minutes = (int(p) for p in hm.split(":"))
    return timezone.make_aware(dt.datetime.combine(date, dt.time(hours, minutes)))


class Clock:
    def __init__(self):
        self.now = at(MONDAY)

    def __call__(self):
        return self.now

    def set(self, date, hm="10:00"):
        self.now = at(date, hm)


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    c = Clock()
    monkeypatch.setattr(timezone, "now", c)
    return c


@pytest.fixture(autouse=True)
def _complaint_settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.COMPLAINTS_PUBLIC_RATE = "1000/h"
    cache.clear()
    yield
    cache.clear()


def _bureau_user(username, name, role, bureau):
    user = User.objects.create_user(username=username, password=PASSWORD, name=name)
    RoleAssignment.objects.create(user=user, role=role, bureau=bureau)
    return fresh(user)


@pytest.fixture
def hotline(cast):
    return _bureau_user("hotline", "热线接待员", Role.HOTLINE, cast.district_a)


@pytest.fixture
def hotline_b(cast):
    return _bureau_user("hotline_b", "乙区热线", Role.HOTLINE, cast.district_b)


@pytest.fixture
def ethics_officer(cast):
    return _bureau_user("ethics", "师德专员", Role.ETHICS_OFFICER, cast.district_a)


def post_json(client, url, data=None, **headers):
    return client.post(url, data or {}, content_type="application/json", headers=headers)


def public_body(cast, **changes):
    """A named homework complaint about school A1, as the public form or API sends it."""
    body = {"bureau_code": cast.district_a.code, "category": "homework",
            "subject": "四年级作业太多",
            "details": "孩子每天晚上做作业到十点半，语文和数学的书面作业都很多。",
            "anonymous": False, "complainant_name": "张三丰", "complainant_phone": PHONE,
            "school": cast.school_a1.pk}
    body.update(changes)
    return body


def file(cast, *, actor=None, bureau=None, **changes):
    """A complaint filed through the service (the public door when ``actor`` is None)."""
    data = public_body(cast, **changes)
    data.pop("bureau_code")
    return services.file_complaint(actor=actor, bureau=bureau or cast.district_a, **data)


@pytest.fixture
def school_complaint(cast):
    """Homework at A1, named: routed to A1 (the principal)."""
    return file(cast)


@pytest.fixture
def institution_complaint(cast):
    """About institution I1, anonymous: routed to the supervision section."""
    return file(cast, category="institution", school=None, institution=cast.institution_1.pk,
                anonymous=True, subject="机构周末上数学课", complainant_name="",
                complainant_phone="", details="启航培训学校周六上午给四年级学生上数学课，收费很高。")


@pytest.fixture
def tutoring_complaint(cast):
    """A teacher of A1 tutoring for pay: routed to the ethics officer, never to the school."""
    return file(cast, category="paid_tutoring", teacher_name="李老师", subject="老师有偿补课",
                details="李老师周末在家里给本班学生补课，每次收费二百元。", complainant_phone="0371-6612345")
