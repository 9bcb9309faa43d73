"""Shared by the dashboard page tests: a pinned "now" (Monday 2026-11-23, 18:30), district A's
autumn term, and ``world``: a week of homework, an after-school application, a complaint and a
mentoring plan."""

import datetime as dt

import pytest
from django.utils import timezone

from conftest import fresh
from homework import services as homework
from schoolcal import services as calendar_services

TODAY = dt.date(2026, 11, 23)
MON = dt.date(2026, 11, 16)
NOW = timezone.make_aware(dt.datetime(2026, 11, 23, 18, 30))
_real_localdate, _real_localtime = timezone.localdate, timezone.localtime


@pytest.fixture
def pinned_now(monkeypatch):
    """Today is Monday 2026-11-23, 18:30 (also for the complaint's filing time)."""

    def localdate(value=None, timezone=None):
        return TODAY if value is None else _real_localdate(value, timezone)

    def localtime(value=None, timezone=None):
        return _real_localtime(NOW if value is None else value, timezone)

    monkeypatch.setattr(timezone, "localdate", localdate)
    monkeypatch.setattr(timezone, "localtime", localtime)
    monkeypatch.setattr(timezone, "now", lambda: NOW)


@pytest.fixture
def term(cast):
    return calendar_services.save_term(actor=fresh(cast.bureau_admin), bureau=cast.district_a,
                                       school_year="2026-2027", name="第一学期",
                                       start=dt.date(2026, 9, 1), end=dt.date(2027, 1, 22))


def file(teacher, school_class, date, minutes):
    homework.file_homework(actor=fresh(teacher), school_class=school_class, date=date,
                           subject="maths", title="练习", minutes=minutes)


@pytest.fixture
def world(cast, term):
    """A1-4-1: five days of maths last week (70, 80, 65, 30, 40 minutes: three over the 60-minute
    limit, so a "repeatedly over" class); A2-4-1: one day of 40. District: 6 class-days, 3 over
    (50.0% within), 325 minutes (54.2 a day). A1's after-school programme for grade 4 with P
    applied (1 of the 2 grade-4 pupils). One complaint about A1. A1's mentoring plan for grade 4
    (P and Q get a mentor), no task yet."""
    from afterschool import services as after_school
    from afterschool.tests.conftest import five_plus_two
    from complaints import services as complaints
    from mentoring import services as mentoring

    for n, minutes in enumerate([70, 80, 65, 30, 40]):
        file(cast.teacher_a, cast.class_a1_4_1, MON + dt.timedelta(days=n), minutes)
    file(cast.teacher_b, cast.class_a2_4_1, MON, 40)
    principal = fresh(cast.principal)
    programme = after_school.create_programme(
        actor=principal, school=cast.school_a1, term=term, name="课后服务",
        slots=five_plus_two(grades=[4]), grades=[4])
    after_school.open_programme(actor=principal, programme=programme)
    after_school.apply(actor=fresh(cast.guardian_p), programme=programme, pupil=cast.pupil_p)
    complaints.file_complaint(actor=None, bureau=cast.district_a, category="homework", anonymous=True,
                              subject="作业太多", details="孩子每天写作业到很晚。",
                              school=cast.school_a1)
    cast.plan = mentoring.create_plan(actor=principal, school=cast.school_a1, term=term,
                                      grades=[4])
    mentoring.assign_automatically(actor=principal, plan=cast.plan)
    cast.term_id = term.pk
    return cast


