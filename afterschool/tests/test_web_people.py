"""The after-school pages of guardians, teachers and the bureau, through the web client against the
real database: apply with ranked choices, refusals with their rule ids, withdrawals, the phone
roster saved row by row over HTMX, pupils not picked up, the survey, and the QM-4 page with its
chart data and Excel export. Time is pinned to Monday 2026-11-23 18:30 (``pinned_now``)."""

import datetime as dt
import io
import json
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from afterschool import people_views, services
from afterschool.models import Application, Attendance, Enrolment, Session, SurveyResponse
from afterschool.tests.conftest import TODAY, TUE

HTMX = {"HTTP_HX_REQUEST": "true"}


def apply_url(programme, pupil):
    return reverse("afterschool:apply", args=[programme.pk, pupil.pk])


def survey_url(programme, pupil):
    return reverse("afterschool:survey", args=[programme.pk, pupil.pk])


def session_url(session):
    return reverse("afterschool:session", args=[session.pk])


def guidance_today(cast):
    """Today's homework-guidance session of class A1-4-1 (duty: its head teacher)."""
    return Session.objects.get(course__school_class=cast.class_a1_4_1, date=TODAY)


def sign_up(actor, programme, pupil, choices=()):
    return services.apply(actor=actor, programme=programme, pupil=pupil, base_service=True,
                          choices=[c.pk for c in choices])


def json_script(html, element_id):
    found = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>',
                      html, re.S)
    assert found, f"no json_script {element_id}"
    return json.loads(found.group(1))


# ---- the hub --------------------------------------------------------------------------------

def test_guardian_hub_lists_the_childs_open_programme_with_a_link_to_apply(
        cast, web_client, guardian_p, open_programme):
    # Given an open programme for P's grade; when P's guardian opens the hub
    response = web_client(guardian_p).get(reverse("afterschool:index"))
    # Then P's card offers the programme and the link to apply for P
    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="child-{cast.pupil_p.pk}"' in html
    assert open_programme.name in html
    assert apply_url(open_programme, cast.pupil_p) in html
    # and no other family's child appears
    assert cast.pupil_q.name not in html


def test_teacher_hub_shows_todays_sessions_and_the_unpicked_count(
        cast, web_client, head_teacher_a, guardian_p, guardian_q, open_programme):
    # Given P and Q in today's guidance group, both marked present, only P picked up
    sign_up(guardian_p, open_programme, cast.pupil_p)
    sign_up(guardian_q, open_programme, cast.pupil_q)
    session = guidance_today(cast)
    services.record_attendance(actor=head_teacher_a, session=session, records=[
        {"pupil": cast.pupil_p.pk, "mark": "present", "pickup": "guardian",
         "picked_up_by": "张妈妈"},
        {"pupil": cast.pupil_q.pk, "mark": "present"}])
    # When the head teacher opens the hub
    html = web_client(head_teacher_a).get(reverse("afterschool:index")).content.decode()
    # Then today's session links to its roster and one pupil awaits follow-up
    assert "今日课次" in html and session_url(session) in html
    assert re.search(r'id="unpicked-count">1<', html)


def test_school_admin_hub_links_to_the_programmes_and_counts_todays_sessions(
        cast, web_client, principal, head_teacher_a, guardian_p, open_programme):
    sign_up(guardian_p, open_programme, cast.pupil_p)
    today = Session.objects.filter(course__programme=open_programme, date=TODAY)
    services.record_attendance(actor=head_teacher_a, session=guidance_today(cast),
                               records=[{"pupil": cast.pupil_p.pk, "mark": "present"}])
    html = web_client(principal).get(reverse("afterschool:index")).content.decode()
    assert f'href="{people_views._programmes_url()}"' in html
    assert f'<span class="as-count">1 / {today.count()}</span> 已点名' in html
    assert re.search(r'id="unpicked-count">1<', html)


def test_hub_is_refused_to_users_without_an_after_school_role(web_client, guardian_nobody,
                                                             institution_staff):
    assert web_client(guardian_nobody).get(reverse("afterschool:index")).status_code == 403
    assert web_client(institution_staff).get(reverse("afterschool:index")).status_code == 403


def test_bureau_hub_links_to_participation(web_client, bureau_admin, open_programme):
    html = web_client(bureau_admin).get(reverse("afterschool:index")).content.decode()
    assert reverse("afterschool:participation") in html


# ---- applying -------------------------------------------------------------------------------

def test_guardian_applies_with_ranked_choices(cast, web_client, guardian_p, open_programme,
                                             courses):
    client = web_client(guardian_p)
    url = apply_url(open_programme, cast.pupil_p)
    painting, football = courses["绘画"], courses["足球"]
    # Given the form: five ranked selects offering the approved menu courses
    form = client.get(url).content.decode()
    assert "第一志愿" in form and "第五志愿" in form
    assert f'<option value="{painting.pk}">绘画' in form
    # When the guardian applies for the base service with painting first, football second
    response = client.post(url, {"base_service": "on", "choice_1": painting.pk,
                                 "choice_2": football.pk})
    # Then the application is saved with the ranks, and the base service place exists (AS-12)
    assert response.status_code == 302 and response["Location"] == url
    application = Application.objects.get(programme=open_programme, pupil=cast.pupil_p)
    assert application.status == "active" and application.applicant == guardian_p
    assert list(application.choices.order_by("rank").values_list("course_id", flat=True)) == [
        painting.pk, football.pk]
    guidance = Enrolment.objects.get(pupil=cast.pupil_p, course__kind="guidance")
    assert guidance.status == "enrolled"
    assert guidance.course.school_class == cast.class_a1_4_1
    # and the page shows the state: base service enrolled, each choice awaiting the lottery
    page = client.get(url).content.decode()
    assert 'id="base-state"><span class="badge green">已录取' in page
    assert page.count("待抽签") == 2
    assert "0.00 元" in page  # a free programme: nothing to pay


def test_a_gap_between_ranked_choices_closes_up(cast, web_client, guardian_p, open_programme,
                                               courses):
    # Given choices in the second and fourth selects only
    web_client(guardian_p).post(apply_url(open_programme, cast.pupil_p), {
        "base_service": "on", "choice_2": courses["机器人"].pk, "choice_4": courses["足球"].pk})
    # Then they are ranks 1 and 2
    application = Application.objects.get(pupil=cast.pupil_p)
    assert list(application.choices.order_by("rank").values_list("rank", "course_id")) == [
        (1, courses["机器人"].pk), (2, courses["足球"].pk)]


def test_guardian_cannot_apply_for_another_familys_child(cast, web_client, guardian_p,
                                                        open_programme, courses):
    client = web_client(guardian_p)
    url = apply_url(open_programme, cast.pupil_q)
    # When P's guardian opens or posts Q's application; then it does not exist for them
    assert client.get(url).status_code == 404
    assert client.post(url, {"base_service": "on"}).status_code == 404
    # and nothing was written
    assert not Application.objects.filter(pupil=cast.pupil_q).exists()


def test_staff_cannot_apply_for_a_pupil(cast, web_client, head_teacher_a, open_programme):
    # The head teacher sees P, but applying is the family's voluntary choice (AS-4)
    response = web_client(head_teacher_a).post(apply_url(open_programme, cast.pupil_p),
                                               {"base_service": "on"})
    assert response.status_code == 403
    assert not Application.objects.exists()


def test_evening_study_in_a_primary_grade_is_refused_with_as_7(cast, web_client, guardian_p,
                                                              open_programme):
    # When the guardian of a primary pupil asks for evening study (not offered on the form)
    response = web_client(guardian_p).post(apply_url(open_programme, cast.pupil_p), {
        "base_service": "on", "evening_study": "on"})
    # Then the form comes back with the refusal and its rule id, and nothing is saved
    assert response.status_code == 200
    html = response.content.decode()
    assert "晚自习只面向初中学生" in html and "AS-7" in html
    assert 'id="form-errors"' in html
    assert not Application.objects.exists()
    assert not Enrolment.objects.exists()


def test_delayed_care_without_a_reason_is_refused_with_as_7(cast, web_client, guardian_p,
                                                           open_programme):
    response = web_client(guardian_p).post(apply_url(open_programme, cast.pupil_p), {
        "base_service": "on", "delayed_care": "on", "special_need": "  "})
    assert response.status_code == 200
    assert "请说明原因。（AS-7）" in response.content.decode()
    assert not Application.objects.exists()


def test_applying_for_nothing_is_refused(cast, web_client, guardian_p, open_programme):
    # AS-4: not taking part needs no application; an empty one is refused, not saved
    response = web_client(guardian_p).post(apply_url(open_programme, cast.pupil_p), {})
    assert response.status_code == 200
    assert "不参加则无需报名（AS-4 自愿参加）。" in response.content.decode()
    assert not Application.objects.exists()


def test_a_draft_programme_takes_no_applications(cast, web_client, guardian_p, programme):
    # A draft is the school's own business: guardians neither see it nor apply to it.
    client = web_client(guardian_p)
    url = apply_url(programme, cast.pupil_p)
    assert client.get(url).status_code == 404
    assert client.post(url, {"base_service": "on"}).status_code == 404
    assert not Application.objects.exists()


def test_after_the_lottery_the_page_shows_places_waitlist_and_fees(
        cast, web_client, principal, guardian_p, guardian_q, programme, courses):
    # Given a paid calligraphy course (published before applications open, AS-10)
    calligraphy = services.add_course(
        actor=principal, programme=programme, name="书法", category="art",
        duty_teacher=cast.teacher_a_profile, capacity=5, grades=[4], weekdays=[3],
        start="16:40", end="17:40", fee_per_term_fen=30050)
    services.review_course(actor=principal, course=calligraphy, approve=True)
    services.open_programme(actor=principal, programme=programme)
    painting = courses["绘画"]  # one seat
    # and P and Q both putting painting first; P adds calligraphy
    client_p = web_client(guardian_p)
    client_p.post(apply_url(programme, cast.pupil_p), {
        "base_service": "on", "choice_1": painting.pk, "choice_2": calligraphy.pk})
    web_client(guardian_q).post(apply_url(programme, cast.pupil_q), {
        "base_service": "on", "choice_1": painting.pk})
    # When the school runs and publishes the lottery (max one course each)
    run = services.run_allocation(actor=principal, programme=programme, seed="seed-1")
    services.publish_allocation(actor=principal, allocation=run)
    # Then each family's page shows painting as won or waitlisted
    winner = Enrolment.objects.get(course=painting, status="enrolled").pupil
    loser = cast.pupil_q if winner == cast.pupil_p else cast.pupil_p
    client = {cast.pupil_p: client_p, cast.pupil_q: web_client(guardian_q)}
    assert "已录取" in client[winner].get(apply_url(programme, winner)).content.decode()
    loser_page = client[loser].get(apply_url(programme, loser)).content.decode()
    assert "候补第 1 位" in loser_page
    # and P's fee is the calligraphy fee in 元 exactly when P got calligraphy
    p_page = client_p.get(apply_url(programme, cast.pupil_p)).content.decode()
    if Enrolment.objects.filter(course=calligraphy, pupil=cast.pupil_p,
                                status="enrolled").exists():
        assert "300.50 元" in p_page and "书法：300.50 元" in p_page
    else:
        assert "0.00 元" in p_page
    # When the winner withdraws from painting on the web page
    seat = Enrolment.objects.get(course=painting, pupil=winner, status="enrolled")
    response = client[winner].post(reverse("afterschool:withdraw-enrolment", args=[seat.pk]))
    assert response.status_code == 302
    # Then the seat is free and the waitlisted pupil moves up, unless they already hold their
    # one course (P, when P lost painting and got calligraphy: max one course each). Which
    # pupil wins depends on the ids the database gave them, so both outcomes are checked.
    seat.refresh_from_db()
    assert seat.status == "withdrawn"
    at_max = Enrolment.objects.filter(pupil=loser, course=calligraphy, status="enrolled").exists()
    expected = "waitlisted" if at_max else "enrolled"
    assert Enrolment.objects.get(course=painting, pupil=loser).status == expected


def test_guardian_withdraws_the_application(cast, web_client, guardian_p, open_programme,
                                            courses):
    application = sign_up(guardian_p, open_programme, cast.pupil_p, [courses["足球"]])
    client = web_client(guardian_p)
    # Given the page offers the withdrawal; when the guardian withdraws
    url = reverse("afterschool:withdraw-application", args=[application.pk])
    assert url in client.get(apply_url(open_programme, cast.pupil_p)).content.decode()
    response = client.post(url)
    # Then the application and every place are withdrawn
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == "withdrawn"
    assert not Enrolment.objects.filter(pupil=cast.pupil_p, status="enrolled").exists()
    # and withdrawing again is refused with a message, not an error page
    again = client.post(url, follow=True)
    assert "报名已撤回。" in again.content.decode()


def test_another_family_cannot_withdraw_a_place(cast, web_client, guardian_p, guardian_q,
                                                head_teacher_a, open_programme):
    sign_up(guardian_p, open_programme, cast.pupil_p)
    place = Enrolment.objects.get(pupil=cast.pupil_p, course__kind="guidance")
    url = reverse("afterschool:withdraw-enrolment", args=[place.pk])
    assert web_client(guardian_q).post(url).status_code == 404
    assert web_client(head_teacher_a).post(url).status_code == 403  # sees it, may not act
    place.refresh_from_db()
    assert place.status == "enrolled"


# ---- attendance and pick-up -----------------------------------------------------------------

def test_roster_renders_for_the_duty_teacher_without_personal_data(
        cast, web_client, head_teacher_a, guardian_p, open_programme):
    sign_up(guardian_p, open_programme, cast.pupil_p)
    response = web_client(head_teacher_a).get(session_url(guidance_today(cast)))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="pupil-{cast.pupil_p.pk}"' in html and cast.pupil_p.name in html
    assert "全部出勤" in html and 'hx-post="' in html
    # Only names and classes: never ID numbers or phones
    assert cast.pupil_p.id_number not in html
    assert cast.pupil_p.id_number[-4:] + "<" not in html
    assert "13812345678" not in html and "138****5678" not in html


def test_saving_a_mark_over_htmx_records_attendance_and_delivers_the_session(
        cast, web_client, head_teacher_a, guardian_p, open_programme):
    sign_up(guardian_p, open_programme, cast.pupil_p)
    session = guidance_today(cast)
    # When the head teacher taps 出勤 on P's row
    response = web_client(head_teacher_a).post(session_url(session), {
        "pupil": cast.pupil_p.pk, "mark": "present", "note": ""}, **HTMX)
    # Then only the row comes back (with the summary out of band), marked present
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith(f'<form id="pupil-{cast.pupil_p.pk}"')
    assert 'hx-swap-oob="true"' in html and "已点名 1 / 1" in html
    assert 'value="present" class="mark present" aria-pressed="true"' in html
    assert 'name="pickup"' in html  # the pick-up control appears once present
    # and the database has the mark, and the session counts as delivered (AS-11)
    attendance = Attendance.objects.get(session=session, pupil=cast.pupil_p)
    assert attendance.mark == "present" and attendance.marked_by == head_teacher_a
    session.refresh_from_db()
    assert session.status == "delivered" and session.delivered_minutes == 60


def test_recording_the_pick_up_needs_the_person(cast, web_client, head_teacher_a, guardian_p,
                                               open_programme, pinned_now, monkeypatch):
    sign_up(guardian_p, open_programme, cast.pupil_p)
    session = guidance_today(cast)
    client = web_client(head_teacher_a)
    # When the guardian pick-up is saved without a name; then the row shows why, nothing saved
    refused = client.post(session_url(session), {
        "pupil": cast.pupil_p.pk, "mark": "present", "pickup": "guardian",
        "picked_up_by": ""}, **HTMX)
    assert "请填写接走人" in refused.content.decode()
    assert not Attendance.objects.exists()
    # When it is saved with the name; then the pick-up is recorded with the time
    client.post(session_url(session), {"pupil": cast.pupil_p.pk, "mark": "present",
                                       "pickup": "guardian", "picked_up_by": "张妈妈"}, **HTMX)
    attendance = Attendance.objects.get(session=session, pupil=cast.pupil_p)
    assert (attendance.pickup, attendance.picked_up_by) == ("guardian", "张妈妈")
    assert attendance.picked_up_at is not None
    # When the row is sent again unchanged but for a note; then the pick-up time stands
    recorded_at = attendance.picked_up_at
    # (time is pinned at 18:30: move the clock on 20 minutes to tell the two apart)
    monkeypatch.setattr(timezone, "localtime", lambda value=None, timezone=None:
                        (recorded_at + dt.timedelta(minutes=20)) if value is None else value)
    client.post(session_url(session), {"pupil": cast.pupil_p.pk, "mark": "present",
                                       "pickup": "guardian", "picked_up_by": "张妈妈",
                                       "note": "带走了水杯"}, **HTMX)
    attendance.refresh_from_db()
    assert (attendance.note, attendance.picked_up_at) == ("带走了水杯", recorded_at)
    # When the pupil is marked absent after all; then the pick-up goes with the mark
    client.post(session_url(session), {"pupil": cast.pupil_p.pk, "mark": "absent",
                                       "pickup": "guardian", "picked_up_by": "张妈妈"}, **HTMX)
    attendance.refresh_from_db()
    assert (attendance.mark, attendance.pickup, attendance.picked_up_at) == ("absent", "", None)


def test_all_present_marks_the_unmarked_and_keeps_the_others(
        cast, web_client, head_teacher_a, guardian_p, guardian_q, open_programme):
    sign_up(guardian_p, open_programme, cast.pupil_p)
    sign_up(guardian_q, open_programme, cast.pupil_q)
    session = guidance_today(cast)
    client = web_client(head_teacher_a)
    client.post(session_url(session), {"pupil": cast.pupil_q.pk, "mark": "leave",
                                       "note": "发烧"}, **HTMX)
    # When the teacher taps 全部出勤
    response = client.post(session_url(session), {"all_present": "1"}, **HTMX)
    # Then the roster comes back; P is present and Q stays on leave with the note
    assert response.status_code == 200
    assert response.content.decode().lstrip().startswith('<div id="roster">')
    marks = dict(Attendance.objects.filter(session=session).values_list("pupil_id", "mark"))
    assert marks == {cast.pupil_p.pk: "present", cast.pupil_q.pk: "leave"}
    assert Attendance.objects.get(pupil=cast.pupil_q).note == "发烧"


def test_without_htmx_saving_a_row_redirects_back_to_the_roster(
        cast, web_client, principal, guardian_p, open_programme):
    sign_up(guardian_p, open_programme, cast.pupil_p)
    session = guidance_today(cast)
    response = web_client(principal).post(session_url(session), {
        "pupil": cast.pupil_p.pk, "mark": "absent"})
    assert response.status_code == 302 and response["Location"] == session_url(session)
    assert Attendance.objects.get(pupil=cast.pupil_p).mark == "absent"


def test_other_teachers_cannot_open_or_save_the_roster(
        cast, web_client, teacher_a, teacher_b, bureau_admin, guardian_p, open_programme):
    sign_up(guardian_p, open_programme, cast.pupil_p)
    url = session_url(guidance_today(cast))
    # teacher_a teaches in the class but does not run its guidance group; teacher_b is elsewhere
    assert web_client(teacher_a).get(url).status_code == 404
    assert web_client(teacher_b).get(url).status_code == 404
    assert web_client(teacher_b).post(url, {"pupil": cast.pupil_p.pk, "mark": "present"},
                                      **HTMX).status_code == 404
    # the bureau sees sessions but does not take attendance
    assert web_client(bureau_admin).get(url).status_code == 403
    assert not Attendance.objects.exists()


def test_a_pupil_outside_the_roster_is_not_found(cast, web_client, head_teacher_a, guardian_p,
                                                 open_programme):
    sign_up(guardian_p, open_programme, cast.pupil_p)
    response = web_client(head_teacher_a).post(session_url(guidance_today(cast)), {
        "pupil": cast.pupil_r.pk, "mark": "present"}, **HTMX)
    assert response.status_code == 404
    assert not Attendance.objects.exists()


def test_a_future_session_cannot_be_marked(cast, web_client, head_teacher_a, guardian_p,
                                           open_programme):
    sign_up(guardian_p, open_programme, cast.pupil_p)
    tomorrow = Session.objects.get(course__school_class=cast.class_a1_4_1, date=TUE)
    client = web_client(head_teacher_a)
    assert 'id="future"' in client.get(session_url(tomorrow)).content.decode()
    response = client.post(session_url(tomorrow), {"pupil": cast.pupil_p.pk,
                                                   "mark": "present"}, **HTMX)
    assert "还没到这次课的日期" in response.content.decode()
    assert not Attendance.objects.exists()


def test_sessions_list_shows_the_days_sessions(cast, web_client, head_teacher_a, teacher_a,
                                               open_programme, django_assert_max_num_queries):
    session = guidance_today(cast)
    client = web_client(head_teacher_a)
    with django_assert_max_num_queries(15):
        html = client.get(reverse("afterschool:sessions")).content.decode()
    assert session_url(session) in html
    # teacher_a runs football on Mondays, not the guidance group
    html = web_client(teacher_a).get(reverse("afterschool:sessions") + "?mine=1").content.decode()
    assert session_url(session) not in html and "足球" in html
    # another date by the picker: Tuesday has painting, not football
    html = web_client(teacher_a).get(
        reverse("afterschool:sessions") + f"?mine=1&date={TUE.isoformat()}").content.decode()
    assert "绘画" in html and "足球" not in html


# ---- pupils not picked up -------------------------------------------------------------------

def test_unpicked_lists_a_present_pupil_without_pick_up_after_the_end(
        cast, web_client, head_teacher_a, principal, guardian_p, guardian_q, open_programme,
        django_assert_max_num_queries):
    sign_up(guardian_p, open_programme, cast.pupil_p)
    sign_up(guardian_q, open_programme, cast.pupil_q)
    session = guidance_today(cast)  # ended 16:40; it is 18:30
    services.record_attendance(actor=head_teacher_a, session=session, records=[
        {"pupil": cast.pupil_p.pk, "mark": "present", "pickup": "guardian",
         "picked_up_by": "张妈妈"},
        {"pupil": cast.pupil_q.pk, "mark": "present"}])
    # When the head teacher opens the list
    client = web_client(head_teacher_a)
    with django_assert_max_num_queries(15):
        html = client.get(reverse("afterschool:unpicked")).content.decode()
    # Then Q is there with the session and its end time; P, picked up, is not
    assert cast.pupil_q.name in html and cast.pupil_p.name not in html
    assert session.course.name in html and "16:40 结束" in html
    assert cast.class_a1_4_1.name in html
    assert f'{session_url(session)}#pupil-{cast.pupil_q.pk}' in html
    # and the school admin sees it too
    assert cast.pupil_q.name in web_client(principal).get(
        reverse("afterschool:unpicked")).content.decode()


def test_unpicked_is_for_head_teachers_and_the_school(web_client, teacher_a, guardian_p,
                                                      bureau_admin):
    url = reverse("afterschool:unpicked")
    assert web_client(teacher_a).get(url).status_code == 403
    assert web_client(guardian_p).get(url).status_code == 403
    assert web_client(bureau_admin).get(url).status_code == 403


# ---- the survey (QM-4) ----------------------------------------------------------------------

def test_survey_saves_the_guardians_answer(cast, web_client, guardian_p, open_programme):
    sign_up(guardian_p, open_programme, cast.pupil_p)
    client = web_client(guardian_p)
    url = survey_url(open_programme, cast.pupil_p)
    assert 'name="liking"' in client.get(url).content.decode()
    response = client.post(url, {"liking": "5", "satisfaction": "4", "comment": " 很好 "})
    assert response.status_code == 302
    answer = SurveyResponse.objects.get(programme=open_programme, pupil=cast.pupil_p)
    assert (answer.liking, answer.satisfaction, answer.comment) == (5, 4, "很好")
    # A second answer replaces the first
    client.post(url, {"liking": "3", "satisfaction": "2"})
    assert SurveyResponse.objects.get(pupil=cast.pupil_p).satisfaction == 2
    assert SurveyResponse.objects.count() == 1


def test_survey_is_refused_for_a_child_not_taking_part(cast, web_client, guardian_r,
                                                       open_programme):
    response = web_client(guardian_r).post(survey_url(open_programme, cast.pupil_r),
                                           {"liking": "5", "satisfaction": "5"})
    assert response.status_code == 200
    assert "孩子未参加该课后服务方案" in response.content.decode()
    assert not SurveyResponse.objects.exists()


def test_survey_of_another_familys_child_is_not_found(cast, web_client, guardian_p,
                                                      open_programme):
    response = web_client(guardian_p).post(survey_url(open_programme, cast.pupil_q),
                                           {"liking": "1", "satisfaction": "1"})
    assert response.status_code == 404
    assert not SurveyResponse.objects.exists()


# ---- participation (QM-4) -------------------------------------------------------------------

@pytest.fixture
def answered(cast, guardian_p, guardian_q, open_programme):
    """P and Q in the base service; P's guardian answered 5/4, Q's 3/2."""
    sign_up(guardian_p, open_programme, cast.pupil_p)
    sign_up(guardian_q, open_programme, cast.pupil_q)
    services.answer_survey(actor=guardian_p, programme=open_programme, pupil=cast.pupil_p,
                           liking=5, satisfaction=4)
    services.answer_survey(actor=guardian_q, programme=open_programme, pupil=cast.pupil_q,
                           liking=3, satisfaction=2)
    return open_programme


def test_participation_page_renders_with_the_chart_data(cast, web_client, bureau_admin,
                                                        answered, term):
    response = web_client(bureau_admin).get(reverse("afterschool:participation"))
    assert response.status_code == 200
    html = response.content.decode()
    # A1's grades 2 and 4 have P, Q (4-1) and R (2-1): 2 of 3 take part; both of A1's
    # teachers run something (teacher_a the menu courses, head_teacher_a 4-1's guidance)
    rates = json_script(html, "chart-rates")
    assert rates["x"] == [cast.school_a1.name] and rates["percent"] is True
    assert [s["data"] for s in rates["series"]] == [[66.7], [100.0], [50.0]]
    scores = json_script(html, "chart-scores")
    assert [s["data"] for s in scores["series"]] == [[4.0], [3.0]]
    # the charts are drawn by the vendored script, never inline
    assert "charts.js" in html and "echarts-6.1.0.min.js" in html
    assert "<script>" not in html
    assert f'<option value="{term.pk}" selected>' in html


def test_participation_export_is_a_valid_xlsx(cast, web_client, inspector, answered, term):
    response = web_client(inspector).get(reverse("afterschool:participation-export")
                                         + f"?term={term.pk}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    book = load_workbook(io.BytesIO(response.content))
    rows = list(book["QM-4 指标"].iter_rows(values_only=True))
    assert rows[1][:5] == ("学校", "方案", "服务年级学生数", "参加人数", "参与率")
    school = rows[2]
    assert school[:4] == (cast.school_a1.name, answered.name, 3, 2)
    assert school[4] == pytest.approx(0.6667)
    assert school[9:12] == (2, 4.0, 3.0)
    assert rows[3][0] == "合计"
    assert "指标说明" in book.sheetnames


def test_participation_shows_a_school_admin_only_their_school(cast, web_client, principal,
                                                              bureau_admin_b, answered):
    html = web_client(principal).get(reverse("afterschool:participation")).content.decode()
    assert cast.school_a1.name in json_script(html, "chart-rates")["x"]
    # another district's bureau sees none of district A's programmes
    html = web_client(bureau_admin_b).get(reverse("afterschool:participation")).content.decode()
    assert 'id="no-data"' in html and cast.school_a1.name not in html


def test_participation_is_refused_to_teachers_and_guardians(web_client, teacher_a,
                                                            guardian_p):
    for user in (teacher_a, guardian_p):
        assert web_client(user).get(reverse("afterschool:participation")).status_code == 403
        assert web_client(user).get(
            reverse("afterschool:participation-export")).status_code == 403


# ---- help -----------------------------------------------------------------------------------

def test_help_page_covers_every_role_and_is_listed_in_the_index(client, db):
    html = client.get(reverse("help-page", args=["afterschool"])).content.decode()
    for heading in ("学校管理员", "家长：为孩子报名", "教师：点名和接送", "教育局、督学"):
        assert heading in html
    for rule in ("AS-1", "AS-4", "AS-7", "AS-10", "AS-12", "QM-4"):
        assert rule in html
    assert 'href="/help/afterschool/"' in client.get(reverse("help")).content.decode()
