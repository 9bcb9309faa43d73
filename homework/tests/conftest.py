"""Homework test helpers: the week of 2026-11-23, extra classes and teachers beyond the shared
cast, and a recomputation of every class-day total from the homework rows.

The shared cast (root ``conftest.py``) has no teacher of a grade-2 class and no junior school;
the fixtures here add them through ``org.services`` like the cast does.
"""

import datetime as dt
from collections import defaultdict

import pytest
from django.utils import timezone

from conftest import PASSWORD, fresh, make_id_number
from homework.models import COUNTED_LAYERS, ClassDay, Homework, Kind, Place
from org import services as org_services
from org.models import Guardian, User

TODAY = dt.date(2026, 11, 23)  # a Monday; 2026-11-23..27 are school days
MON, TUE, WED, THU, FRI, SAT = (TODAY + dt.timedelta(days=i) for i in range(6))
NEXT_MON = TODAY + dt.timedelta(days=7)
NATIONAL_DAY = dt.date(2026, 10, 1)  # statutory holiday
MAKEUP_SATURDAY = dt.date(2026, 10, 10)  # 调休: a Saturday that is a working day

_real_localdate = timezone.localdate


@pytest.fixture
def pinned_today(monkeypatch):
    """Services refuse dates more than a year from today: pin today to Monday 2026-11-23."""

    def localdate(value=None, timezone=None):
        return TODAY if value is None else _real_localdate(value, timezone)

    monkeypatch.setattr(timezone, "localdate", localdate)
    return TODAY


def teacher_login(cast, username, name, school, assignments, seq, head_of=None):
    """A teacher (through org.services) with a login; optionally head teacher of ``head_of``."""
    teacher = org_services.create_teacher(
        actor=cast.bureau_admin, school=school, assignments=assignments, name=name, gender="F",
        phone=f"1390000{seq:04d}", id_number=make_id_number(seq, birth="19860101"))
    teacher.user = User.objects.create_user(username=username, password=PASSWORD, name=name)
    teacher.save(update_fields=["user"])
    if head_of is not None:
        org_services.update_class(actor=cast.bureau_admin, school_class=head_of,
                                  head_teacher=teacher)
    return fresh(teacher.user)


@pytest.fixture
def teacher_g2(cast):
    """Teaches maths in A1-2-1 (grade 2, primary): HW-1 applies to their class."""
    return teacher_login(cast, "teacher_g2", "钱老师", cast.school_a1,
                         [(cast.class_a1_2_1, "maths")], seq=11)


@pytest.fixture
def make_class(cast):
    """``make_class(stage, system, grade)`` → (class, teacher of maths there, head of class).

    A new school of that stage and system in district A, one class of ``grade``, and one teacher
    with a login who teaches maths there and heads the class.
    """
    made = []

    def make(stage, system, grade):
        n = len(made) + 1
        school = org_services.create_school(
            actor=cast.bureau_admin, bureau=cast.district_a, name=f"甲区测试学校{n}",
            code=f"HWT{n}", stage=stage, system=system, ownership="public")
        school_class = org_services.create_class(actor=cast.bureau_admin, school=school,
                                                 grade=grade, number=1)
        user = teacher_login(cast, f"teacher_hwt{n}", f"测试老师{n}", school,
                             [(school_class, "maths")], seq=20 + n, head_of=school_class)
        made.append(school_class)
        return school_class, user

    return make


@pytest.fixture
def guardian_q(cast):
    """A login for pupil Q's guardian (the cast only links pupil P's)."""
    user = User.objects.create_user(username="guardian_q", password=PASSWORD, name="刘小红家长")
    Guardian.objects.filter(phone="13812340002").update(user=user)
    return fresh(user)


# ---- helpers -----------------------------------------------------------------------------------

def hw_body(school_class, **fields):
    body = {"school_class": school_class.pk, "subject": "maths", "date": MON, "title": "口算练习",
            "minutes": 20}
    body.update(fields)
    return {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in body.items()}


def post_homework(client, school_class, **fields):
    return client.post("/api/v1/homework", hw_body(school_class, **fields),
                       content_type="application/json")


def post_json(client, url, data=None):
    return client.post(url, data or {}, content_type="application/json")


def patch_json(client, url, data):
    return client.patch(url, data, content_type="application/json")


def day_url(school_class, date, action=""):
    return f"/api/v1/classes/{school_class.pk}/days/{date.isoformat()}" + (
        f"/{action}" if action else "")


def class_day(school_class, date):
    return ClassDay.objects.filter(school_class=school_class, date=date).first()


def saved_state():
    """Everything a refused request must leave untouched."""
    days = ClassDay.objects.order_by("school_class_id", "date").values_list(
        "school_class_id", "date", "counted_minutes", "total_minutes", "item_count",
        "written_subjects", "over_limit", "published")
    return Homework.objects.count(), list(days)


def counts(item):
    return (item.kind == Kind.WRITTEN and item.place == Place.HOME
            and item.layer in COUNTED_LAYERS)


BREAKDOWNS = ("kind", "layer", "place")


def _empty_totals():
    return {"counted_minutes": 0, "total_minutes": 0, "item_count": 0, "written_subjects": {},
            **{f"{b}_minutes": {} for b in BREAKDOWNS}}


def recomputed(school_class):
    """{date: totals} from the Homework rows alone."""
    out = defaultdict(_empty_totals)
    for item in Homework.objects.filter(school_class=school_class):
        row = out[item.date]
        row["total_minutes"] += item.minutes
        row["item_count"] += 1
        for b in BREAKDOWNS:
            by = row[f"{b}_minutes"]
            by[getattr(item, b)] = by.get(getattr(item, b), 0) + item.minutes
        if counts(item):
            row["counted_minutes"] += item.minutes
            row["written_subjects"][item.subject] = (
                row["written_subjects"].get(item.subject, 0) + item.minutes)
    return out


def assert_totals_match_items(school_class):
    """Every class-day of the class holds exactly what its items add up to.

    (``over_limit`` is checked against the minutes only: the tests that use this keep the
    district's HW-20 subject limit at its default, none.)
    """
    expected = recomputed(school_class)
    days = {d.date: d for d in ClassDay.objects.filter(school_class=school_class)}
    assert set(expected) <= set(days), (sorted(expected), sorted(days))
    for date, day in days.items():
        want = expected.get(date, _empty_totals())
        got = {key: getattr(day, key) or ({} if isinstance(value, dict) else 0)
               for key, value in want.items()}
        assert got == want, (date, got, want)
        assert day.over_limit == (day.counted_minutes > day.limit_minutes), (date, day.__dict__)
        # every item hangs on the class-day of its own date
        assert not Homework.objects.filter(class_day=day).exclude(date=date).exists(), date
    assert_weeks_match_days(school_class)


def assert_weeks_match_days(school_class):
    """Every ClassWeek holds exactly the sum of its class-days (the monitoring rollup)."""
    from homework.models import ClassWeek

    want = {}
    for day in ClassDay.objects.filter(school_class=school_class, item_count__gt=0):
        monday = day.date - dt.timedelta(days=day.date.weekday())
        w = want.setdefault(monday, {"days": 0, "over_days": 0, "counted_minutes": 0,
                                     "total_minutes": 0, "kind_minutes": {}})
        w["days"] += 1
        w["over_days"] += int(day.over_limit)
        w["counted_minutes"] += day.counted_minutes
        w["total_minutes"] += day.total_minutes
        for kind, minutes in day.kind_minutes.items():
            w["kind_minutes"][kind] = w["kind_minutes"].get(kind, 0) + minutes
    got = {w.week_start: {"days": w.days, "over_days": w.over_days,
                          "counted_minutes": w.counted_minutes, "total_minutes": w.total_minutes,
                          "kind_minutes": w.kind_minutes}
           for w in ClassWeek.objects.filter(school_class=school_class, days__gt=0)}
    assert got == want, (got, want)
