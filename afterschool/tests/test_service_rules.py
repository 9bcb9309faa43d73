"""Rules of the after-school services found in review: empty attendance, pick-up times that
must not move, participation that counts only real service, leaving a group, which courses are
reviewed, timetables that strand menu courses, suspended institutions, counts of groups."""

import datetime as dt

import pytest

from afterschool import services
from afterschool.models import Application, Attendance, Course, Session
from afterschool.tests.conftest import TODAY, five_plus_two, post_json
from core.errors import Conflict, RuleViolation

API = "/api/v1/after-school"


def _guidance_session(cast):
    return Session.objects.get(course__school_class=cast.class_a1_4_1, date=TODAY)


def test_attendance_without_any_record_delivers_nothing(cast, open_programme, principal,
                                                        guardian_p, pinned_now):
    services.apply(actor=guardian_p, programme=open_programme, pupil=cast.pupil_p)
    session = _guidance_session(cast)
    with pytest.raises(RuleViolation) as refused:
        services.record_attendance(actor=principal, session=session, records=[])
    assert refused.value.field == "records"
    session.refresh_from_db()
    assert session.status == "scheduled" and session.delivered_minutes == 0


def test_sending_the_same_pick_up_again_keeps_its_time(cast, open_programme, principal,
                                                      guardian_p, pinned_now):
    services.apply(actor=guardian_p, programme=open_programme, pupil=cast.pupil_p)
    session = _guidance_session(cast)
    first = pinned_now - dt.timedelta(minutes=50)
    record = {"pupil": cast.pupil_p.pk, "mark": "present", "pickup": "guardian",
              "picked_up_by": "张妈妈"}
    services.record_attendance(actor=principal, session=session,
                               records=[{**record, "picked_up_at": first}])
    # Later the teacher adds a note and the form sends the pick-up again, without a time.
    services.record_attendance(actor=principal, session=session,
                               records=[{**record, "note": "带走作业本"}])
    row = Attendance.objects.get(session=session, pupil=cast.pupil_p)
    assert row.picked_up_at == first and row.note == "带走作业本"
    # A different person picking up is a new pick-up, at the new time.
    services.record_attendance(actor=principal, session=session,
                               records=[{**record, "picked_up_by": "张爸爸"}])
    row.refresh_from_db()
    assert row.picked_up_at == pinned_now


def test_leaving_the_base_service_group_clears_the_application(cast, api_client, guardian_p,
                                                              open_programme, pinned_now):
    client = api_client(guardian_p)
    r = post_json(client, f"{API}/applications", {"pupil": cast.pupil_p.pk,
                                                   "programme": open_programme.pk})
    assert r.status_code == 201, r.content
    group = Course.objects.get(programme=open_programme, school_class=cast.class_a1_4_1)
    assert group.enrolled_count == 1  # groups are counted too
    place = group.enrolments.get(pupil=cast.pupil_p)
    assert post_json(client, f"{API}/enrolments/{place.pk}/withdraw").status_code == 200
    group.refresh_from_db()
    assert group.enrolled_count == 0
    assert Application.objects.get(pupil=cast.pupil_p).base_service is False


def test_only_menu_courses_are_reviewed(cast, open_programme, principal, pinned_now):
    group = Course.objects.get(programme=open_programme, school_class=cast.class_a1_4_1)
    with pytest.raises(Conflict):
        services.review_course(actor=principal, course=group, approve=False)
    group.refresh_from_db()
    assert group.review_status == "approved"


def test_a_new_timetable_cannot_strand_a_menu_course(cast, api_client, principal, programme,
                                                     courses, pinned_now):
    # The second segment moves to 17:00–18:00: the 16:40 courses would no longer fit.
    slots = five_plus_two(guidance=("16:00", "17:00"), menu=("17:00", "18:00"))
    r = api_client(principal).put(f"{API}/programmes/{programme.pk}/timetable", {"slots": slots},
                                  content_type="application/json")
    assert r.status_code == 422 and r.json()["code"] == "invalid", r.content
    # nothing replaced: five guidance slots at 15:40, five menu slots at 16:40
    assert sorted(programme.slots.values_list("start", flat=True)) == \
        [dt.time(15, 40)] * 5 + [dt.time(16, 40)] * 5


def test_participation_counts_only_teachers_of_approved_courses(cast, open_programme,
                                                                principal, pinned_now):
    from conftest import make_id_number
    from org import services as org_services

    before = services.participation([open_programme])[0]["teachers_running"]
    newcomer = org_services.create_teacher(
        actor=cast.bureau_admin, school=cast.school_a1, assignments=[], name="新老师",
        gender="F", phone="13900009999", id_number=make_id_number(77, birth="19900101"))
    course = services.add_course(
        actor=principal, programme=open_programme, name="未审核课程", duty_teacher=newcomer,
        capacity=5, grades=[4], weekdays=[1], start="16:40", end="17:40")
    assert course.review_status == "pending"
    assert services.participation([open_programme])[0]["teachers_running"] == before
    services.review_course(actor=principal, course=course, approve=True)
    assert services.participation([open_programme])[0]["teachers_running"] == before + 1


def test_a_suspended_institution_cannot_staff_after_school(cast, principal, pinned_now):
    institution = cast.institution_1
    institution.enrolment_suspended = True
    institution.save(update_fields=["enrolment_suspended"])
    with pytest.raises(RuleViolation) as refused:
        services.add_instructor(actor=principal, school=cast.school_a1, kind="institution",
                                name="教练组", institution=institution, background_checked=True)
    assert refused.value.rule == "AS-9"


def test_a_course_category_is_checked_on_change(cast, api_client, principal, courses,
                                                pinned_now):
    course = courses["足球"]
    r = api_client(principal).patch(f"{API}/courses/{course.pk}", {"category": "karaoke"},
                                    content_type="application/json")
    assert r.status_code == 422 and r.json()["field"] == "category"
