"""Racing assignments on PostgreSQL: a mentor with room for one more pupil gets exactly one of
several pupils assigned at once (MT-3 holds), and the loser gets 422 MT-3, not a 500."""

import datetime as dt

import pytest
from django.db import connection

from conftest import fresh, race
from mentoring.models import Mentorship, Plan
from policy.services import set_rule
from schoolcal import services as calendar

URL = "/api/v1/mentoring"

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locking"),
    pytest.mark.django_db(transaction=True),
]


def test_a_mentor_is_never_given_more_than_the_maximum(cast, principal):
    set_rule(actor=fresh(cast.bureau_admin), bureau=cast.district_a,
             key="mt.max_pupils_per_mentor", value=1, reason="测试")
    term = calendar.save_term(actor=fresh(cast.bureau_admin), bureau=cast.district_a,
                              school_year="2026-2027", name="第一学期",
                              start=dt.date(2026, 9, 1), end=dt.date(2027, 1, 22))
    plan = Plan.objects.create(school=cast.school_a1, term=term, grades=[2, 4], max_pupils=1)
    pupils = [cast.pupil_p, cast.pupil_q, cast.pupil_r]
    jobs = [(principal, lambda c, p=p: c.post(
        f"{URL}/plans/{plan.pk}/assign", {"pupil": p.pk, "mentor": cast.teacher_a_profile.pk},
        content_type="application/json")) for p in pupils]
    codes = sorted(r.status_code for r in race(jobs))
    assert codes == [201, 422, 422]
    assert Mentorship.objects.current().filter(mentor=cast.teacher_a_profile).count() == 1
