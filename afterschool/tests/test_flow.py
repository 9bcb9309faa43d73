"""The whole term through the API: set up, apply, lottery, publish, attendance, pay, survey."""

from afterschool.allocation import lottery_order
from afterschool.models import Enrolment, Session
from afterschool.tests.conftest import TODAY, five_plus_two, post_json


def test_a_term_of_after_school_service(cast, api_client, principal, guardian_p, open_programme,
                                        courses, pinned_now, guardian_q, bureau_admin,
                                        settings):
    guardian = api_client(guardian_p)
    football, painting = courses["足球"], courses["绘画"]

    # Guardians see the school's programme and the approved menu courses.
    listed = guardian.get(f"/api/v1/after-school/programmes?school={cast.school_a1.pk}").json()
    assert [p["id"] for p in listed["items"]] == [open_programme.pk]
    offered = guardian.get(f"/api/v1/after-school/courses?programme={open_programme.pk}"
                           "&kind=menu").json()
    assert {c["name"] for c in offered["items"]} == {"足球", "绘画", "机器人"}

    # Both apply: base service at once (AS-12), menu courses by ranked choice.
    r = post_json(guardian, "/api/v1/after-school/applications", {
        "pupil": cast.pupil_p.pk, "programme": open_programme.pk, "base_service": True,
        "choices": [painting.pk, football.pk]})
    assert r.status_code == 201, r.content
    r = post_json(api_client(guardian_q), "/api/v1/after-school/applications", {
        "pupil": cast.pupil_q.pk, "programme": open_programme.pk, "base_service": True,
        "choices": [painting.pk]})
    assert r.status_code == 201, r.content
    base = Enrolment.objects.filter(course__kind="guidance", status="enrolled")
    assert set(base.values_list("pupil_id", flat=True)) == {cast.pupil_p.pk, cast.pupil_q.pk}

    # The lottery: one seat in painting for two first choices.
    admin = api_client(principal)
    r = post_json(admin, f"/api/v1/after-school/programmes/{open_programme.pk}/allocate",
                  {"seed": "fixed-seed"})
    assert r.status_code == 201, r.content
    run = r.json()
    assert run["lottery"]["applicants"] == 2
    # Whoever draws first takes painting; P (second choice football) falls back, Q cannot.
    p_first = lottery_order([cast.pupil_p.pk, cast.pupil_q.pk], "fixed-seed")[0] == cast.pupil_p.pk
    assert run["lottery"]["unassigned"] == (1 if p_first else 0)
    assert run["lottery"]["first_choice"] == 1
    assert admin.get(f"/api/v1/after-school/allocations/{run['id']}/verify").json()[
        "reproduced"] is True
    # A rerun needs a reason.
    r = post_json(admin, f"/api/v1/after-school/programmes/{open_programme.pk}/allocate", {})
    assert r.status_code == 422 and r.json()["field"] == "reason"
    r = post_json(admin, f"/api/v1/after-school/allocations/{run['id']}/publish")
    assert r.status_code == 200, r.content
    assert painting.__class__.objects.get(pk=painting.pk).enrolled_count == 1

    # The loser of painting is on its waitlist; when the winner withdraws, they move up unless
    # they already hold their one course (P, when P lost painting and got football: max one
    # course each). Which pupil wins depends on the ids the database gave them.
    winner = Enrolment.objects.get(course=painting, status="enrolled")
    waiting = Enrolment.objects.get(course=painting, status="waitlisted")
    assert waiting.waitlist_position == 1
    winner_guardian = guardian_p if winner.pupil_id == cast.pupil_p.pk else guardian_q
    r = post_json(api_client(winner_guardian),
                  f"/api/v1/after-school/enrolments/{winner.pk}/withdraw")
    assert r.status_code == 200, r.content
    waiting.refresh_from_db()
    at_max = Enrolment.objects.filter(pupil_id=waiting.pupil_id, course=football,
                                      status="enrolled").exists()
    assert at_max == (waiting.pupil_id == cast.pupil_p.pk)
    if at_max:
        assert waiting.status == "waitlisted"
    else:
        assert waiting.status == "enrolled" and waiting.source == "waitlist"

    # Today's guidance session for class 4-1: the head teacher takes attendance.
    session = Session.objects.get(course__school_class=cast.class_a1_4_1, date=TODAY)
    head = api_client(cast.head_teacher_a)
    r = post_json(head, f"/api/v1/after-school/sessions/{session.pk}/attendance", {"records": [
        {"pupil": cast.pupil_p.pk, "mark": "present", "pickup": "guardian",
         "picked_up_by": "张妈妈"},
        {"pupil": cast.pupil_q.pk, "mark": "present"}]})
    assert r.status_code == 200, r.content
    # Q was not picked up by 18:30: flagged to the head teacher.
    unpicked = head.get("/api/v1/after-school/unpicked").json()
    assert [u["pupil"] for u in unpicked["items"]] == [cast.pupil_q.pk]

    # Hours and pay for the month at the district's rate.
    from policy.services import set_rule
    set_rule(actor=bureau_admin, bureau=cast.district_a, key="as.pay_rate_fen_per_hour",
             value=6000)
    hours = admin.get(f"/api/v1/after-school/programmes/{open_programme.pk}/hours"
                      "?month=2026-11").json()
    assert hours["rows"][0]["minutes"] == 60 and hours["rows"][0]["pay_fen"] == 6000

    # Satisfaction, then the bureau's participation view.
    r = post_json(guardian, "/api/v1/after-school/surveys", {
        "programme": open_programme.pk, "pupil": cast.pupil_p.pk, "liking": 5,
        "satisfaction": 4})
    assert r.status_code == 201, r.content
    rows = api_client(bureau_admin).get("/api/v1/after-school/participation").json()["items"]
    row = next(r for r in rows if r["programme"] == open_programme.pk)
    assert row["enrolled"] == 2 and row["satisfaction"] == 4.0 and row["liking"] == 5.0


def test_a_timetable_below_two_hours_is_refused_with_as_1(cast, api_client, principal, term,
                                                        pinned_now):
    slots = five_plus_two(menu=("16:40", "17:30"))
    slots = [s for s in slots if not (s["weekday"] == 3 and s["segment"] == "menu")]
    r = post_json(api_client(principal), "/api/v1/after-school/programmes", {
        "school": cast.school_a1.pk, "term": term.pk, "name": "方案", "slots": slots})
    assert r.status_code == 422
    assert r.json()["code"] == "AS-1"
