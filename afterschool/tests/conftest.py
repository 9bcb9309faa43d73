"""After-school test helpers: a term in district A, a standard "5+2" timetable, a programme of
school A1 (grades 2 and 4) with three menu courses, and time pinned to Monday 2026-11-23 18:30.

Everything is built through ``afterschool.services`` and ``org.services``, like users would.
"""

import datetime as dt

import pytest
from django.utils import timezone

from afterschool import services
from afterschool.models import Instructor
from conftest import PASSWORD, fresh
from org.models import Guardian, User
from org.tests.test_permissions import matrix_cast  # noqa: F401  (the permission matrix's cast)
from schoolcal.models import Term

TODAY = dt.date(2026, 11, 23)  # a Monday in term; 2026-11-23..27 are school days
TUE, WED, THU, FRI, SAT = (TODAY + dt.timedelta(days=i) for i in range(1, 6))
NOW = timezone.make_aware(dt.datetime(2026, 11, 23, 18, 30))
TERM_START, TERM_END = dt.date(2026, 9, 1), dt.date(2027, 1, 22)

_real_localdate = timezone.localdate
_real_localtime = timezone.localtime


@pytest.fixture
def pinned_now(monkeypatch):
    """Pin today to Monday 2026-11-23 and now to 18:30 that day (after the service ends)."""

    def localdate(value=None, timezone=None):
        return TODAY if value is None else _real_localdate(value, timezone)

    def localtime(value=None, timezone=None):
        return _real_localtime(NOW if value is None else value, timezone)

    monkeypatch.setattr(timezone, "localdate", localdate)
    monkeypatch.setattr(timezone, "localtime", localtime)
    return NOW


def slot(weekday, segment, start, end, grades=(2, 4)):
    return {"weekday": weekday, "segment": segment, "grades": list(grades), "start": start,
            "end": end}


def five_plus_two(grades=(2, 4), guidance=("15:40", "16:40"), menu=("16:40", "17:40")):
    """A timetable meeting AS-1 and AS-2: every weekday, 2 hours, ending 17:40."""
    slots = []
    for day in range(1, 6):
        slots.append(slot(day, "guidance", *guidance, grades))
        slots.append(slot(day, "menu", *menu, grades))
    return slots


@pytest.fixture
def term(cast):
    return Term.objects.create(bureau=cast.district_a, school_year="2026-2027", name="第一学期",
                               start=TERM_START, end=TERM_END)


@pytest.fixture
def programme(cast, term, pinned_now, principal):
    """School A1's draft programme for grades 2 and 4 (not yet open)."""
    return services.create_programme(actor=principal, school=cast.school_a1, term=term,
                                     name="2026 秋季课后服务", slots=five_plus_two(),
                                     grades=[2, 4], max_courses=1)


@pytest.fixture
def own_instructor(cast, principal):
    return services.add_instructor(actor=principal, school=cast.school_a1,
                                   kind=Instructor.Kind.OWN_TEACHER,
                                   teacher=cast.teacher_a_profile)


@pytest.fixture
def courses(cast, programme, principal, own_instructor):
    """Three approved menu courses: 足球 (2 seats, Mon/Wed), 绘画 (1 seat, Tue/Thu) and 机器人
    (5 seats, Fri), all for grades 2 and 4 from 16:40 to 17:40."""
    made = {}
    for name, capacity, weekdays in (("足球", 2, [1, 3]), ("绘画", 1, [2, 4]),
                                     ("机器人", 5, [5])):
        course = services.add_course(
            actor=principal, programme=programme, name=name, category="sport",
            instructor=own_instructor, capacity=capacity, grades=[2, 4], weekdays=weekdays,
            start="16:40", end="17:40", place="操场")
        made[name] = services.review_course(actor=principal, course=course, approve=True)
    return made


@pytest.fixture
def open_programme(programme, courses, principal):
    return services.open_programme(actor=principal, programme=programme)


@pytest.fixture
def guardian_q(cast):
    """A login for pupil Q's guardian (the cast links only pupil P's)."""
    user = User.objects.create_user(username="guardian_q", password=PASSWORD, name="刘小红家长")
    Guardian.objects.filter(phone="13812340002").update(user=user)
    return fresh(user)


@pytest.fixture
def guardian_r(cast):
    """A login for pupil R's guardian (grade 2 in school A1)."""
    user = User.objects.create_user(username="guardian_r", password=PASSWORD, name="陈小刚家长")
    Guardian.objects.filter(phone="13812340003").update(user=user)
    return fresh(user)


def post_json(client, url, data=None):
    return client.post(url, data or {}, content_type="application/json")


@pytest.fixture
def make_families(cast):
    """``make_families(school_class, n)`` → [(pupil, guardian login)]: n more pupils of a class,
    each with their own guardian who can log in (appended for the API, rule and concurrency
    tests; the cast links only P's guardian)."""
    from conftest import make_id_number
    from org import services as org_services

    made = []

    def make(school_class, n):
        start = len(made)
        for i in range(start, start + n):
            phone = f"1370000{i:04d}"
            pupil = org_services.create_pupil(
                actor=cast.bureau_admin, school_class=school_class, name=f"学生{i:02d}",
                gender="F", id_number=make_id_number(600 + i), student_no=f"F{i:04d}",
                guardians=[(f"学生{i:02d}家长", phone, "father")])
            user = User.objects.create_user(username=f"family_{i}", password=PASSWORD,
                                            name=f"学生{i:02d}家长")
            Guardian.objects.filter(phone=phone).update(user=user)
            made.append((pupil, fresh(user)))
        return made[start:]

    return make
