"""Five-managements test helpers: the autumn term of district A, time pinned to Monday
2026-11-23 18:30, a junior school and a nine-year school, families with guardian logins, and
request bodies of a compliant school and of a typical answer.

Everything is built through the services (org, schoolcal, wellbeing, homework, afterschool),
like users would.
"""

import datetime as dt

import pytest
from django.utils import timezone

from conftest import PASSWORD, fresh, make_id_number
from org import services as org_services
from org.models import Guardian, User
from org.tests.test_permissions import matrix_cast  # noqa: F401  (the permission matrix's cast)
from schoolcal import services as calendar_services
from wellbeing import services

TODAY = dt.date(2026, 11, 23)  # a Monday in the autumn term
NOW = timezone.make_aware(dt.datetime(2026, 11, 23, 18, 30))
TERM_START, TERM_END = dt.date(2026, 9, 1), dt.date(2027, 1, 22)

_real_localdate = timezone.localdate
_real_localtime = timezone.localtime


@pytest.fixture(autouse=True)
def pinned_now(monkeypatch):
    """Today is Monday 2026-11-23 and now 18:30 (the homework services refuse dates more than a
    year away, so every wellbeing test lives in the same week)."""

    def localdate(value=None, timezone=None):
        return TODAY if value is None else _real_localdate(value, timezone)

    def localtime(value=None, timezone=None):
        return _real_localtime(NOW if value is None else value, timezone)

    monkeypatch.setattr(timezone, "localdate", localdate)
    monkeypatch.setattr(timezone, "localtime", localtime)
    return NOW


@pytest.fixture
def term(cast):
    """District A's autumn term 2026-09-01 – 2027-01-22."""
    return calendar_services.save_term(actor=fresh(cast.bureau_admin), bureau=cast.district_a,
                                       school_year="2026-2027", name="第一学期", start=TERM_START,
                                       end=TERM_END)


@pytest.fixture
def term_b(cast):
    """District B's autumn term (for cross-district denials)."""
    return calendar_services.save_term(actor=fresh(cast.bureau_admin_b), bureau=cast.district_b,
                                       school_year="2026-2027", name="第一学期", start=TERM_START,
                                       end=TERM_END)


def school_admin(cast, school, username):
    from org.models import RoleAssignment

    user = User.objects.create_user(username=username, password=PASSWORD, name=f"{school.name}校长")
    RoleAssignment.objects.create(user=user, role="school_admin", school=school)
    return fresh(user)


@pytest.fixture
def junior_school(cast):
    """A junior school of district A (grades 7–9) with one class of grade 8 and its admin."""
    school = org_services.create_school(actor=fresh(cast.bureau_admin), bureau=cast.district_a,
                                        name="甲区第一中学", code="AJ1", stage="junior",
                                        system="6-3", ownership="public")
    school.class_8 = org_services.create_class(actor=fresh(cast.bureau_admin), school=school,
                                               grade=8, number=1)
    school.admin = school_admin(cast, school, "junior_principal")
    return school


@pytest.fixture
def nine_year_school(cast):
    """A nine-year school of district A (grades 1–9): a grade-4 and a grade-8 class."""
    school = org_services.create_school(actor=fresh(cast.bureau_admin), bureau=cast.district_a,
                                        name="甲区实验学校", code="AN1", stage="nine_year",
                                        system="6-3", ownership="public")
    school.class_4 = org_services.create_class(actor=fresh(cast.bureau_admin), school=school,
                                               grade=4, number=1)
    school.class_8 = org_services.create_class(actor=fresh(cast.bureau_admin), school=school,
                                               grade=8, number=1)
    school.admin = school_admin(cast, school, "nine_year_principal")
    return school


@pytest.fixture
def make_families(cast):
    """``make_families(school_class, n)`` → [(pupil, guardian login)]: n more pupils of a class,
    each with a guardian who can log in."""
    made = []

    def make(school_class, n):
        start = len(made)
        for i in range(start, start + n):
            phone = f"1360000{i:04d}"
            pupil = org_services.create_pupil(
                actor=fresh(cast.bureau_admin), school_class=school_class, name=f"学生{i:02d}",
                gender="F", id_number=make_id_number(700 + i), student_no=f"W{i:04d}",
                guardians=[(f"学生{i:02d}家长", phone, "father")])
            user = User.objects.create_user(username=f"wb_family_{i}", password=PASSWORD,
                                            name=f"学生{i:02d}家长")
            Guardian.objects.filter(phone=phone).update(user=user)
            made.append((pupil, fresh(user)))
        return made[start:]

    return make


@pytest.fixture
def guardian_q(cast):
    """A login for pupil Q's guardian (the cast links only P's)."""
    user = User.objects.create_user(username="guardian_q", password=PASSWORD, name="刘小红家长")
    Guardian.objects.filter(phone="13812340002").update(user=user)
    return fresh(user)


def compliant_settings(school, **overrides):
    """A declaration meeting every national value for the school's stages and grades."""
    body = {
        "class_start_primary": "08:30", "class_start_junior": "08:10",
        "early_arrival_required": False,
        "pe_lessons": {str(g): 4 if g <= 2 else 3 for g in school.grades},
        "big_break_minutes": 30, "break_minutes": 10, "in_school_activity_minutes": 60,
        "phone_default": "not_allowed", "phone_consent_required": True,
        "phone_kept_by_school": True, "phone_banned_in_class": True,
        "public_phone": True, "head_teacher_hotline": True, "e_student_card": False,
        "other_channel": "",
    }
    stages = {school.stage_of_grade(g) for g in school.grades}
    if "primary" not in stages:
        body["class_start_primary"] = None
    if "junior" not in stages:
        body["class_start_junior"] = None
    body.update(overrides)
    return body


def answer_body(pupil, **overrides):
    """A typical primary pupil's answers: asleep 21:00, up 07:00 (10 h), 40 minutes of
    homework done by 20:00, an hour of sport in and out of school."""
    body = {"pupil": pupil.pk, "bedtime": "21:00", "wake_time": "07:00", "homework_minutes": 40,
            "homework_done_by": "20:00", "phone_to_school": False, "screen_minutes": 20,
            "reading_minutes": 30, "compulsory_purchase": False, "pe_in_school_minutes": 60,
            "pe_out_school_minutes": 60, "burden": 2, "subject_training": False}
    body.update(overrides)
    return body


def answer(survey, pupil, guardian, **overrides):
    """Answer through the service (the answers of ``answer_body``, with overrides)."""
    data = answer_body(pupil, **overrides)
    data.pop("pupil")
    return services.answer_survey(actor=fresh(guardian), survey=survey, pupil=pupil, **data)


@pytest.fixture
def survey_a1(cast, term):
    """School A1's survey this term, open until 2026-12-15."""
    return services.launch_survey(actor=fresh(cast.principal), school=cast.school_a1, term=term,
                                  closes_on=dt.date(2026, 12, 15))


def post_json(client, url, data=None):
    return client.post(url, data or {}, content_type="application/json")


def put_json(client, url, data):
    return client.put(url, data, content_type="application/json")
