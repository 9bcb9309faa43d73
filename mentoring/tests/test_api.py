"""All-staff mentoring through the API (MT-1..MT-3): a plan per school and term, automatic
assignment that keeps head teachers' own pupils and never exceeds the maximum, the three tasks,
restricted records (mentor, head teacher, psychologist only, reads logged), the attention flag
reaching the psychologist, and what guardians and the bureau see."""

import datetime as dt

import pytest
from auditlog.models import LogEntry

from conftest import PASSWORD, assert_error, fresh
from mentoring.models import Mentorship, Plan
from org.models import RoleAssignment, User
from org.roles import Role
from policy.services import set_rule
from schoolcal import services as calendar

URL = "/api/v1/mentoring"


def post(client, url, data=None):
    return client.post(url, data or {}, content_type="application/json")


@pytest.fixture
def term(cast):
    return calendar.save_term(actor=fresh(cast.bureau_admin), bureau=cast.district_a,
                              school_year="2026-2027", name="第一学期",
                              start=dt.date(2026, 9, 1), end=dt.date(2027, 1, 22))


@pytest.fixture
def psychologist(cast):
    user = User.objects.create_user(username="psy_a1", password=PASSWORD, name="心理老师")
    RoleAssignment.objects.create(user=user, role=Role.PSYCHOLOGIST, school=cast.school_a1)
    return fresh(user)


@pytest.fixture
def plan(cast, term, principal, api_client):
    """Grades 2 and 4 of school A1, at most one pupil per mentor (district A is strict)."""
    set_rule(actor=fresh(cast.bureau_admin), bureau=cast.district_a,
             key="mt.max_pupils_per_mentor", value=1, reason="测试从严")
    r = post(api_client(principal), f"{URL}/plans",
             {"school": cast.school_a1.pk, "term": term.pk, "grades": [2, 4]})
    assert r.status_code == 201, r.content
    return Plan.objects.get(pk=r.json()["id"])


@pytest.fixture
def assigned(cast, plan, principal, api_client):
    r = post(api_client(principal), f"{URL}/plans/{plan.pk}/auto-assign")
    assert r.status_code == 200, r.content
    return {m.pupil_id: m for m in Mentorship.objects.current().filter(plan=plan)}


def test_a_plan_covers_chosen_grades_of_the_school(cast, term, principal, teacher_a, api_client):
    client = api_client(principal)
    body = {"school": cast.school_a1.pk, "term": term.pk, "grades": [4]}
    assert_error(post(client, f"{URL}/plans", {**body, "grades": [8]}), 422, "invalid", "grades")
    assert_error(post(client, f"{URL}/plans", {**body, "grades": []}), 422, "required", "grades")
    r = post(client, f"{URL}/plans", body)
    assert r.status_code == 201, r.content
    assert r.json()["max_pupils"] == 15 and r.json()["coverage"]["pupils"] == 2
    assert_error(post(client, f"{URL}/plans", body), 409, "conflict")
    assert_error(post(api_client(teacher_a), f"{URL}/plans", body), 403, "forbidden")
    assert_error(post(client, f"{URL}/plans", {**body, "school": cast.school_a2.pk}), 404,
                 "not_found")


def test_automatic_assignment_keeps_the_head_teachers_pupils_under_the_maximum(
        cast, plan, assigned, principal, api_client):
    # Given one pupil per mentor at most: P (first of 4-1) goes to the head teacher, Q to the
    # class's maths teacher; R (2-1, no head teacher, nobody teaching it) to nobody left
    assert assigned[cast.pupil_p.pk].mentor_id == cast.head_teacher_a_profile.pk
    assert assigned[cast.pupil_q.pk].mentor_id == cast.teacher_a_profile.pk
    assert cast.pupil_r.pk not in assigned
    body = api_client(principal).get(f"{URL}/plans").json()["items"][0]
    assert body["coverage"] == {"pupils": 3, "with_mentor": 2, "without": 1, "mentors": 2,
                                "max_load": 1, "over_max": 0, "flagged": 0}
    # Assigning R by hand to a full mentor is refused with MT-3
    assert_error(post(api_client(principal), f"{URL}/plans/{plan.pk}/assign",
                      {"pupil": cast.pupil_r.pk, "mentor": cast.teacher_a_profile.pk}),
                 422, "MT-3", "mentor")
    # Moving Q to nobody-else is fine once Q's mentor changes: swap P and Q is refused too
    assert Mentorship.objects.current().filter(plan=plan).count() == 2


def test_the_mentor_records_the_three_tasks_and_completion_counts_them(
        cast, plan, assigned, teacher_a, head_teacher_a, principal, api_client):
    q = assigned[cast.pupil_q.pk]
    mentor = api_client(teacher_a)
    url = f"{URL}/mentorships/{q.pk}/tasks"
    for kind in ("home_visit", "talk", "written_feedback"):
        r = post(mentor, url, {"kind": kind, "on": "2026-11-20", "record": "情况良好",
                               "shared_with_family": kind == "written_feedback"})
        assert r.status_code == 201, r.content
    assert_error(post(mentor, url, {"kind": "talk", "on": "2026-08-01", "record": "x"}), 422,
                 "invalid", "on")
    assert_error(post(mentor, url, {"kind": "dinner", "on": "2026-11-20", "record": "x"}), 422,
                 "invalid", "kind")
    # The head teacher is not Q's mentor: may not record Q's tasks
    assert_error(post(api_client(head_teacher_a), url,
                      {"kind": "talk", "on": "2026-11-20", "record": "x"}), 403, "forbidden")
    plan_body = api_client(principal).get(f"{URL}/plans").json()["items"][0]
    assert plan_body["completion"]["complete"] == 1 and plan_body["completion"]["talk"] == 1
    mine = mentor.get(f"{URL}/mentorships", {"mine": "true"}).json()["items"]
    assert [(m["pupil"], m["done"]) for m in mine] == [
        (cast.pupil_q.pk, {"home_visit": 1, "talk": 1, "written_feedback": 1})]


def test_records_are_restricted_to_mentor_head_teacher_and_psychologist(
        cast, plan, assigned, teacher_a, head_teacher_a, psychologist, principal, bureau_admin,
        guardian_p, teacher_b, api_client):
    q = assigned[cast.pupil_q.pk]
    r = post(api_client(teacher_a), f"{URL}/mentorships/{q.pk}/notes",
             {"text": "父母离异，近期情绪低落"})
    assert r.status_code == 201, r.content
    url = f"{URL}/mentorships/{q.pk}/records"
    for user in (teacher_a, head_teacher_a, psychologist):
        body = api_client(user).get(url).json()
        assert [n["text"] for n in body["notes"]] == ["父母离异，近期情绪低落"]
    assert LogEntry.objects.filter(additional_data__code="mentoring.records.read").count() == 3
    # The principal and the bureau see the mentorship but not the records
    assert api_client(principal).get(f"{URL}/mentorships").json()["count"] == 2
    for user in (principal, bureau_admin):
        assert_error(api_client(user).get(url), 403, "forbidden")
        assert_error(post(api_client(user), f"{URL}/mentorships/{q.pk}/notes", {"text": "x"}),
                     403, "forbidden")
    # Another family, another school's teacher: not even the mentorship
    assert_error(api_client(guardian_p).get(url), 404, "not_found")
    assert_error(api_client(teacher_b).get(url), 404, "not_found")


def test_the_attention_flag_reaches_the_psychologist(cast, plan, assigned, teacher_a,
                                                     psychologist, principal, api_client):
    q = assigned[cast.pupil_q.pk]
    url = f"{URL}/mentorships/{q.pk}/flag"
    assert_error(post(api_client(teacher_a), url, {"needs_attention": True}), 422, "required",
                 "reason")
    assert_error(post(api_client(principal), url, {"needs_attention": True, "reason": "x"}), 403,
                 "forbidden")
    r = post(api_client(teacher_a), url, {"needs_attention": True, "reason": "连续失眠、厌学"})
    assert r.status_code == 200 and r.json()["needs_attention"] is True
    flagged = api_client(psychologist).get(f"{URL}/mentorships",
                                           {"needs_attention": "true"}).json()
    assert [m["pupil"] for m in flagged["items"]] == [cast.pupil_q.pk]
    # The psychologist clears it after a talk
    r = post(api_client(psychologist), url, {"needs_attention": False})
    assert r.status_code == 200 and r.json()["needs_attention"] is False


def test_guardians_see_the_mentor_and_the_shared_feedback_only(
        cast, plan, assigned, head_teacher_a, guardian_p, api_client):
    p = assigned[cast.pupil_p.pk]
    mentor = api_client(head_teacher_a)
    post(mentor, f"{URL}/mentorships/{p.pk}/tasks",
         {"kind": "talk", "on": "2026-11-20", "record": "谈到与同学的矛盾"})
    post(mentor, f"{URL}/mentorships/{p.pk}/tasks",
         {"kind": "written_feedback", "on": "2026-11-21", "record": "本学期进步很大，继续加油！",
          "shared_with_family": True})
    family = api_client(guardian_p)
    mine = family.get(f"{URL}/mentorships").json()["items"]
    assert [(m["pupil"], m["mentor_name"]) for m in mine] == [
        (cast.pupil_p.pk, cast.head_teacher_a_profile.name)]
    feedback = family.get(f"{URL}/mentorships/{p.pk}/feedback").json()
    assert [f["record"] for f in feedback] == ["本学期进步很大，继续加油！"]
    assert_error(family.get(f"{URL}/mentorships/{p.pk}/records"), 403, "forbidden")
    assert_error(post(family, f"{URL}/mentorships/{p.pk}/tasks",
                      {"kind": "talk", "on": "2026-11-20", "record": "x"}), 403, "forbidden")
