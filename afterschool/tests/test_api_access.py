"""Who may do what in the after-school API, beyond the permission matrix: guardians act only for
their own children and see only their own school, teachers reach only the groups they run, other
schools and districts see nothing (404, like a missing object), phones are masked in lists, and
``Idempotency-Key`` makes an application safe to resend."""

import json

import pytest

from afterschool import services
from afterschool.models import Application, Enrolment, Programme, Session
from afterschool.tests.conftest import TODAY, five_plus_two, post_json
from conftest import PASSWORD, assert_error, fresh
from org.models import RoleAssignment, User
from org.roles import Role

API = "/api/v1/after-school"

pytestmark = pytest.mark.usefixtures("pinned_now")


@pytest.fixture
def a2_programme(cast, term):
    """School A2's programme (grade 4), made and opened by A2's own school admin."""
    admin = User.objects.create_user(username="principal_a2", password=PASSWORD, name="A2校长")
    RoleAssignment.objects.create(user=admin, role=Role.SCHOOL_ADMIN, school=cast.school_a2)
    admin = fresh(admin)
    programme = services.create_programme(actor=admin, school=cast.school_a2, term=term,
                                          name="二小课后服务", slots=five_plus_two(grades=(4,)),
                                          grades=[4])
    return services.open_programme(actor=admin, programme=programme)


@pytest.fixture
def both_applied(cast, open_programme, courses, guardian_p, guardian_q, principal):
    """P and Q in the base service and football (two seats), published."""
    for guardian, pupil in ((guardian_p, cast.pupil_p), (guardian_q, cast.pupil_q)):
        services.apply(actor=guardian, programme=open_programme, pupil=pupil,
                       choices=[courses["足球"].pk])
    run = services.run_allocation(actor=principal, programme=open_programme, seed="access")
    services.publish_allocation(actor=principal, allocation=run)
    return open_programme


def today_group_session(cast):
    return Session.objects.get(course__school_class=cast.class_a1_4_1, date=TODAY)


# ---- anonymous -------------------------------------------------------------------------------


@pytest.mark.parametrize("method, path", [
    ("get", "/programmes"), ("post", "/programmes"), ("get", "/courses"),
    ("post", "/applications"), ("get", "/enrolments"), ("get", "/sessions"),
    ("get", "/unpicked"), ("get", "/participation"), ("post", "/surveys"),
    ("get", "/instructors"),
])
def test_anonymous_requests_are_401(api_client, method, path, db):
    response = getattr(api_client(None), method)(f"{API}{path}")
    assert_error(response, 401, "unauthorized")


def test_anonymous_cannot_read_a_programme(api_client, open_programme):
    assert_error(api_client(None).get(f"{API}/programmes/{open_programme.pk}"), 401,
                 "unauthorized")


# ---- guardians ----------------------------------------------------------------------------------


def test_a_guardian_cannot_create_a_programme(cast, api_client, guardian_p, term):
    response = post_json(api_client(guardian_p), f"{API}/programmes", {
        "school": cast.school_a1.pk, "term": term.pk, "name": "家长的方案",
        "slots": five_plus_two()})
    assert_error(response, 403, "forbidden")
    assert not Programme.objects.exists()


@pytest.mark.parametrize("path", ["/open", "/allocate", "/hours?month=2026-11"])
def test_a_guardian_cannot_run_the_programme(api_client, guardian_p, open_programme, path):
    client = api_client(guardian_p)
    url = f"{API}/programmes/{open_programme.pk}{path}"
    response = client.get(url) if "hours" in path else post_json(client, url)
    assert_error(response, 403, "forbidden")


def test_a_guardian_cannot_apply_for_another_familys_child(cast, api_client, guardian_p,
                                                           open_programme):
    response = post_json(api_client(guardian_p), f"{API}/applications", {
        "pupil": cast.pupil_q.pk, "programme": open_programme.pk})
    assert_error(response, 404, "not_found")
    assert not Application.objects.exists() and not Enrolment.objects.exists()


def test_a_guardian_without_children_cannot_apply(cast, api_client, guardian_nobody,
                                                  open_programme):
    response = post_json(api_client(guardian_nobody), f"{API}/applications", {
        "pupil": cast.pupil_p.pk, "programme": open_programme.pk})
    assert_error(response, 403, "forbidden")


def test_a_school_cannot_apply_in_a_familys_place(cast, api_client, principal, head_teacher_a,
                                                  open_programme):
    # AS-4: participation is the family's choice.
    for user in (principal, head_teacher_a):
        response = post_json(api_client(user), f"{API}/applications", {
            "pupil": cast.pupil_p.pk, "programme": open_programme.pk})
        assert_error(response, 403, "forbidden")
    assert not Application.objects.exists()


def test_a_guardian_sees_only_their_childs_school(cast, api_client, guardian_p, open_programme,
                                                  a2_programme):
    client = api_client(guardian_p)
    listed = client.get(f"{API}/programmes").json()
    assert [p["id"] for p in listed["items"]] == [open_programme.pk]
    assert client.get(f"{API}/programmes?school={cast.school_a2.pk}").json()["count"] == 0
    assert_error(client.get(f"{API}/programmes/{a2_programme.pk}"), 404, "not_found")
    courses = client.get(f"{API}/courses").json()["items"]
    assert {c["programme"] for c in courses} == {open_programme.pk}
    a2_group = a2_programme.courses.first()
    assert_error(client.get(f"{API}/courses/{a2_group.pk}"), 404, "not_found")


def test_a_guardian_cannot_apply_to_another_schools_programme(cast, api_client, guardian_p,
                                                              a2_programme):
    response = post_json(api_client(guardian_p), f"{API}/applications", {
        "pupil": cast.pupil_p.pk, "programme": a2_programme.pk})
    assert_error(response, 404, "not_found")
    assert not Application.objects.exists()


def test_a_guardian_sees_only_their_childs_enrolments_and_applications(
        cast, api_client, guardian_p, both_applied):
    client = api_client(guardian_p)
    enrolments = client.get(f"{API}/enrolments").json()["items"]
    assert enrolments and {e["pupil"] for e in enrolments} == {cast.pupil_p.pk}
    assert client.get(f"{API}/enrolments?pupil={cast.pupil_q.pk}").json()["count"] == 0
    applications = client.get(f"{API}/applications").json()["items"]
    assert [a["pupil"] for a in applications] == [cast.pupil_p.pk]
    q_app = Application.objects.get(pupil=cast.pupil_q)
    assert_error(client.delete(f"{API}/applications/{q_app.pk}"), 404, "not_found")
    q_place = Enrolment.objects.filter(pupil=cast.pupil_q, status="enrolled").first()
    assert_error(post_json(client, f"{API}/enrolments/{q_place.pk}/withdraw"), 404, "not_found")
    assert Enrolment.objects.get(pk=q_place.pk).status == "enrolled"


def test_a_guardian_sees_only_their_childs_attendance(cast, api_client, guardian_p,
                                                      both_applied, head_teacher_a):
    session = today_group_session(cast)
    services.record_attendance(actor=head_teacher_a, session=session, records=[
        {"pupil": cast.pupil_p.pk, "mark": "present"},
        {"pupil": cast.pupil_q.pk, "mark": "present"}])
    client = api_client(guardian_p)
    # The session and its roster are staff-only; the unpicked list shows only P.
    assert_error(client.get(f"{API}/sessions/{session.pk}"), 404, "not_found")
    assert_error(client.get(f"{API}/sessions"), 403, "forbidden")
    unpicked = client.get(f"{API}/unpicked").json()["items"]
    assert [u["pupil"] for u in unpicked] == [cast.pupil_p.pk]


def test_a_guardian_cannot_answer_the_survey_for_another_child(cast, api_client, guardian_p,
                                                               both_applied):
    response = post_json(api_client(guardian_p), f"{API}/surveys", {
        "programme": both_applied.pk, "pupil": cast.pupil_q.pk, "liking": 1,
        "satisfaction": 1})
    assert_error(response, 404, "not_found")


# ---- teachers ---------------------------------------------------------------------------------


def test_a_teacher_of_another_school_finds_nothing(cast, api_client, teacher_b, both_applied):
    client = api_client(teacher_b)
    session = today_group_session(cast)
    assert_error(client.get(f"{API}/sessions/{session.pk}"), 404, "not_found")
    assert_error(post_json(client, f"{API}/sessions/{session.pk}/attendance", {
        "records": [{"pupil": cast.pupil_p.pk, "mark": "present"}]}), 404, "not_found")
    assert client.get(f"{API}/sessions").json()["count"] == 0
    assert client.get(f"{API}/enrolments").json()["count"] == 0
    assert_error(client.get(f"{API}/programmes/{both_applied.pk}"), 404, "not_found")


def test_a_subject_teacher_cannot_take_attendance_of_a_group_they_do_not_run(
        cast, api_client, teacher_a, both_applied):
    # teacher_a teaches maths in 4-1 but the 4-1 homework group is the head teacher's.
    session = today_group_session(cast)
    response = post_json(api_client(teacher_a), f"{API}/sessions/{session.pk}/attendance", {
        "records": [{"pupil": cast.pupil_p.pk, "mark": "absent"}]})
    assert_error(response, 404, "not_found")  # the group is not theirs: it looks missing
    assert not session.attendance.exists()
    assert Session.objects.get(pk=session.pk).status == "scheduled"


def test_teachers_see_the_sessions_they_run(cast, api_client, teacher_a, head_teacher_a,
                                            both_applied, courses):
    mine = api_client(teacher_a).get(f"{API}/sessions?date={TODAY}").json()["items"]
    assert {s["course"] for s in mine} == {courses["足球"].pk}  # Monday's course of theirs
    head = api_client(head_teacher_a).get(f"{API}/sessions?date={TODAY}").json()["items"]
    assert {s["course"] for s in head} == {today_group_session(cast).course_id}


def test_a_bureau_admin_cannot_take_attendance(cast, api_client, bureau_admin, both_applied):
    session = today_group_session(cast)
    response = post_json(api_client(bureau_admin), f"{API}/sessions/{session.pk}/attendance", {
        "records": [{"pupil": cast.pupil_p.pk, "mark": "present"}]})
    assert_error(response, 403, "forbidden")


# ---- other districts -------------------------------------------------------------------------


def test_another_districts_bureau_admin_finds_nothing(cast, api_client, bureau_admin_b,
                                                      both_applied, principal):
    client = api_client(bureau_admin_b)
    run = both_applied.allocations.get()
    for path in (f"/programmes/{both_applied.pk}", f"/allocations/{run.pk}/verify",
                 f"/sessions/{today_group_session(cast).pk}",
                 f"/programmes/{both_applied.pk}/hours?month=2026-11"):
        assert_error(client.get(f"{API}{path}"), 404, "not_found")
    for path in ("/programmes", "/courses", "/enrolments", "/applications", "/sessions",
                 "/participation"):
        assert client.get(f"{API}{path}").json()["count"] == 0, path
    assert_error(post_json(client, f"{API}/allocations/{run.pk}/publish"), 404, "not_found")


def test_the_own_district_bureau_reads_but_does_not_run_the_school(cast, api_client,
                                                                  bureau_admin, both_applied):
    client = api_client(bureau_admin)
    assert client.get(f"{API}/programmes/{both_applied.pk}").status_code == 200
    run = both_applied.allocations.get()
    assert client.get(f"{API}/allocations/{run.pk}/verify").json()["reproduced"] is True
    assert_error(post_json(client, f"{API}/programmes/{both_applied.pk}/allocate",
                           {"reason": "局里重新抽签"}), 403, "forbidden")
    assert_error(post_json(client, f"{API}/allocations/{run.pk}/publish"), 403, "forbidden")


# ---- masking ----------------------------------------------------------------------------------


def test_instructor_phones_are_masked_in_the_list(cast, api_client, principal, teacher_a):
    r = post_json(api_client(principal), f"{API}/instructors", {
        "school": cast.school_a1.pk, "kind": "volunteer", "name": "志愿者周阿姨",
        "phone": "13912345678", "background_checked": True})
    assert r.status_code == 201, r.content
    assert "13912345678" not in r.content.decode()
    for user in (principal, teacher_a):
        listed = api_client(user).get(f"{API}/instructors").json()["items"]
        [row] = [i for i in listed if i["name"] == "志愿者周阿姨"]
        assert row["phone"] == "139****5678"
        assert "13912345678" not in json.dumps(listed)


def test_guardians_cannot_list_instructors(api_client, guardian_p, db):
    assert_error(api_client(guardian_p).get(f"{API}/instructors"), 403, "forbidden")


# ---- Idempotency-Key ----------------------------------------------------------------------------


def test_an_application_resent_with_the_same_key_is_replayed(cast, api_client, guardian_p,
                                                             open_programme, courses):
    client = api_client(guardian_p)
    body = json.dumps({"pupil": cast.pupil_p.pk, "programme": open_programme.pk,
                       "choices": [courses["足球"].pk]})
    first = client.post(f"{API}/applications", body, content_type="application/json",
                        HTTP_IDEMPOTENCY_KEY="apply-p-1")
    assert first.status_code == 201, first.content
    counts = (Application.objects.count(), Enrolment.objects.count())
    second = client.post(f"{API}/applications", body, content_type="application/json",
                         HTTP_IDEMPOTENCY_KEY="apply-p-1")
    assert second.status_code == 201
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert (Application.objects.count(), Enrolment.objects.count()) == counts
    # The same key with another body is a conflict and changes nothing.
    other = json.dumps({"pupil": cast.pupil_p.pk, "programme": open_programme.pk,
                        "choices": [courses["绘画"].pk]})
    response = client.post(f"{API}/applications", other, content_type="application/json",
                           HTTP_IDEMPOTENCY_KEY="apply-p-1")
    assert_error(response, 409, "idempotency_conflict")
    assert list(Application.objects.get().choices.values_list("course_id", flat=True)) == [
        courses["足球"].pk]


def test_a_withdrawal_resent_with_the_same_key_is_replayed(cast, api_client, guardian_p,
                                                           both_applied):
    client = api_client(guardian_p)
    place = Enrolment.objects.get(pupil=cast.pupil_p, course__kind="menu", status="enrolled")
    url = f"{API}/enrolments/{place.pk}/withdraw"
    first = client.post(url, HTTP_IDEMPOTENCY_KEY="withdraw-1")
    second = client.post(url, HTTP_IDEMPOTENCY_KEY="withdraw-1")
    assert first.status_code == second.status_code == 200
    assert second["Idempotent-Replayed"] == "true"
    # Without the key the repeat is a conflict: the place is already given up.
    assert_error(client.post(url), 409, "conflict")
