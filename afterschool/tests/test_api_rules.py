"""The after-school rules (RULES.md §4 AS-1 … AS-12, QM-4) through the API doors.

Every refused request answers with the rule id in ``code`` and changes nothing: ``refused`` takes
a snapshot of everything the app holds (and the audit log) before the request and compares it
after. Today is Monday 2026-11-23, now 18:30 (``pinned_now``); district A's defaults are off-work
time 17:30, offset 0 (AS-2), two hours a day (AS-1), evening study until 20:30 (AS-8).
"""

import datetime as dt
import types

import pytest
from auditlog.models import LogEntry

from afterschool import services
from afterschool.allocation import lottery_order
from afterschool.models import (
    Allocation,
    Application,
    Attendance,
    Choice,
    Course,
    Enrolment,
    FeeExemption,
    Instructor,
    Programme,
    Session,
    Slot,
    SurveyResponse,
)
from afterschool.tests.conftest import SAT, TODAY, TUE, five_plus_two, post_json, slot
from conftest import PASSWORD, assert_error, fresh
from org import services as org_services
from org.models import RoleAssignment, User
from org.roles import Role
from policy.services import set_rule
from schoolcal import services as cal_services

API = "/api/v1/after-school"

pytestmark = pytest.mark.usefixtures("pinned_now")


# ---- helpers -------------------------------------------------------------------------------------


def state():
    """Everything the after-school app holds, and the audit log's length."""
    def rows(model, *fields):
        return list(model.objects.order_by("pk").values_list("pk", *fields))

    return {
        "programmes": rows(Programme, "status", "fee_per_term_fen", "start", "end"),
        "slots": rows(Slot, "programme_id", "weekday", "segment", "grades", "start", "end"),
        "instructors": rows(Instructor, "status"),
        "courses": rows(Course, "capacity", "enrolled_count", "fee_per_term_fen",
                        "review_status", "teaches_new_content", "weekdays"),
        "applications": rows(Application, "status", "base_service", "delayed_care",
                             "evening_study"),
        "choices": rows(Choice, "course_id", "rank"),
        "enrolments": rows(Enrolment, "status", "waitlist_position", "course_id"),
        "allocations": rows(Allocation, "published_at"),
        "sessions": rows(Session, "status", "start", "end", "delivered_minutes"),
        "attendance": rows(Attendance, "mark", "pickup"),
        "exemptions": rows(FeeExemption),
        "surveys": rows(SurveyResponse),
        "log": LogEntry.objects.count(),
    }


def refused(send, status, code, field=...):
    """Send a request that must be refused with ``code`` and change nothing."""
    before = state()
    response = send()
    body = assert_error(response, status, code, field)
    assert state() == before
    return body


def programme_body(cast, term, slots=None, **extra):
    return {"school": cast.school_a1.pk, "term": term.pk, "name": "2026 秋季课后服务",
            "grades": [2, 4], "slots": five_plus_two() if slots is None else slots, **extra}


def rule(cast, bureau_admin, key, value):
    set_rule(actor=bureau_admin, bureau=cast.district_a, key=key, value=value)


def course_body(programme, **extra):
    return {"programme": programme.pk, "name": "合唱", "category": "art", "capacity": 10,
            "grades": [2, 4], "weekdays": [2], "start": "16:40", "end": "17:40", **extra}


def patch_json(client, url, data):
    return client.patch(url, data, content_type="application/json")


def apply_body(pupil, programme, **extra):
    return {"pupil": pupil.pk, "programme": programme.pk, **extra}


def enrolment(course, pupil):
    return Enrolment.objects.exclude(status="withdrawn").get(course=course, pupil=pupil)


@pytest.fixture
def admin(api_client, principal):
    return api_client(principal)


# ---- AS-1: every school day, at least two hours --------------------------------------------------


def test_as1_a_weekday_without_service_is_refused(cast, admin, term):
    slots = [s for s in five_plus_two() if s["weekday"] != 3]
    body = refused(lambda: post_json(admin, f"{API}/programmes",
                                     programme_body(cast, term, slots)), 422, "AS-1", "slots")
    assert {(r["rule"], r["weekday"], r["grade"]) for r in body["rows"]} == {
        ("AS-1", 3, 2), ("AS-1", 3, 4)}


def test_as1_less_than_two_hours_a_day_is_refused(cast, admin, term):
    slots = five_plus_two(menu=("16:40", "17:39"))  # 119 minutes, ends after 17:30
    body = refused(lambda: post_json(admin, f"{API}/programmes",
                                     programme_body(cast, term, slots)), 422, "AS-1", "slots")
    assert "119" in body["message"]
    assert {r["rule"] for r in body["rows"]} == {"AS-1"}
    assert len(body["rows"]) == 10  # five days, two grades


def test_as1_exactly_two_hours_is_enough(cast, admin, term):
    r = post_json(admin, f"{API}/programmes", programme_body(cast, term))
    assert r.status_code == 201, r.content
    assert r.json()["status"] == "draft"
    assert len(r.json()["slots"]) == 10


def test_as1_a_stricter_district_minimum_applies(cast, admin, term, bureau_admin):
    rule(cast, bureau_admin, "as.min_minutes_per_day", 150)
    body = refused(lambda: post_json(admin, f"{API}/programmes", programme_body(cast, term)),
                   422, "AS-1", "slots")
    assert "150" in body["message"]
    slots = five_plus_two(guidance=("15:10", "16:40"))  # 90 + 60 minutes
    r = post_json(admin, f"{API}/programmes", programme_body(cast, term, slots))
    assert r.status_code == 201, r.content


def test_as1_delayed_care_does_not_count_toward_the_two_hours(cast, admin, term):
    slots = [slot(d, "guidance", "15:40", "16:40") for d in range(1, 6)]
    slots += [slot(d, "delayed_care", "16:40", "17:40") for d in range(1, 6)]
    body = refused(lambda: post_json(admin, f"{API}/programmes",
                                     programme_body(cast, term, slots)), 422, "AS-1", "slots")
    assert {r["rule"] for r in body["rows"]} >= {"AS-1"}


def test_as1_replacing_the_timetable_is_checked_again(cast, admin, programme):
    slots = [s for s in five_plus_two() if s["weekday"] != 5]
    refused(lambda: admin.put(f"{API}/programmes/{programme.pk}/timetable", {"slots": slots},
                              content_type="application/json"), 422, "AS-1", "slots")


# ---- AS-2 / AS-3: not earlier than the off-work time ---------------------------------------------


def test_as2_ending_before_the_off_work_time_is_refused(cast, admin, term):
    slots = five_plus_two(guidance=("15:20", "16:20"), menu=("16:20", "17:20"))
    body = refused(lambda: post_json(admin, f"{API}/programmes",
                                     programme_body(cast, term, slots)), 422, "AS-2", "slots")
    assert "17:20" in body["message"] and "17:30" in body["message"]
    # Ending at exactly the off-work time is enough.
    slots = five_plus_two(guidance=("15:30", "16:30"), menu=("16:30", "17:30"))
    r = post_json(admin, f"{API}/programmes", programme_body(cast, term, slots))
    assert r.status_code == 201, r.content


def test_as2_follows_the_districts_off_work_time(cast, admin, term, bureau_admin):
    rule(cast, bureau_admin, "as.office_end_time", "18:00")
    body = refused(lambda: post_json(admin, f"{API}/programmes", programme_body(cast, term)),
                   422, "AS-2", "slots")
    assert "18:00" in body["message"]


def test_as3_the_half_hour_option_is_reported_as_as3(cast, admin, term, bureau_admin):
    rule(cast, bureau_admin, "as.end_offset", "30")
    body = refused(lambda: post_json(admin, f"{API}/programmes", programme_body(cast, term)),
                   422, "AS-3", "slots")
    assert "18:00" in body["message"]
    assert {r["rule"] for r in body["rows"]} == {"AS-3"}
    slots = five_plus_two(guidance=("16:00", "17:00"), menu=("17:00", "18:00"))
    r = post_json(admin, f"{API}/programmes", programme_body(cast, term, slots))
    assert r.status_code == 201, r.content


def test_as3_opening_checks_the_timetable_against_the_current_district_rule(
        cast, admin, programme, bureau_admin):
    # Given a draft made under the default rule, and the district then asking for +30 minutes
    rule(cast, bureau_admin, "as.end_offset", "30")
    # When the school opens it, it is refused, stays a draft and has no sessions
    refused(lambda: post_json(admin, f"{API}/programmes/{programme.pk}/open"), 422, "AS-3",
            "slots")
    assert not Session.objects.exists()


# ---- AS-5: school days only ----------------------------------------------------------------------


def test_as5_a_weekend_slot_is_refused(cast, admin, term):
    slots = five_plus_two() + [slot(6, "menu", "09:00", "11:00")]
    body = refused(lambda: post_json(admin, f"{API}/programmes",
                                     programme_body(cast, term, slots)), 422, "AS-5", "slots")
    assert any(r["rule"] == "AS-5" and r["weekday"] == 6 for r in body["rows"])


def test_as5_a_course_on_saturday_is_refused(admin, programme, own_instructor):
    refused(lambda: post_json(admin, f"{API}/courses", course_body(
        programme, weekdays=[1, 6], instructor=own_instructor.pk)), 422, "AS-5", "weekdays")


def test_a_course_outside_the_menu_segment_is_refused(admin, programme, own_instructor):
    refused(lambda: post_json(admin, f"{API}/courses", course_body(
        programme, start="16:00", end="17:00", instructor=own_instructor.pk)), 422, "invalid",
        "start")


# ---- AS-7 / AS-8: delayed care and junior evening study ------------------------------------------


def test_as7_evening_study_is_refused_in_a_primary_school(cast, admin, term):
    slots = five_plus_two() + [slot(1, "evening_study", "18:30", "19:30")]
    body = refused(lambda: post_json(admin, f"{API}/programmes",
                                     programme_body(cast, term, slots)), 422, "AS-7", "slots")
    assert {r["rule"] for r in body["rows"]} == {"AS-7"}


@pytest.fixture
def care_programme(cast, term, principal):
    """A1's programme with delayed care after the service, open for applications."""
    slots = five_plus_two() + [slot(d, "delayed_care", "17:40", "18:40") for d in range(1, 6)]
    programme = services.create_programme(actor=principal, school=cast.school_a1, term=term,
                                          name="含延时托管", slots=slots, grades=[2, 4])
    return services.open_programme(actor=principal, programme=programme)


def test_as7_delayed_care_needs_a_reason(cast, api_client, guardian_p, care_programme):
    client = api_client(guardian_p)
    refused(lambda: post_json(client, f"{API}/applications", apply_body(
        cast.pupil_p, care_programme, delayed_care=True, special_need="  ")), 422, "AS-7",
        "special_need")
    r = post_json(client, f"{API}/applications", apply_body(
        cast.pupil_p, care_programme, delayed_care=True, special_need="父母均需值夜班"))
    assert r.status_code == 201, r.content
    assert r.json()["delayed_care"] is True
    [care] = [c for c in Course.objects.filter(programme=care_programme, kind="delayed_care")
              if c.grades == [4]]
    assert enrolment(care, cast.pupil_p).status == "enrolled"
    assert care.capacity is None


def test_as7_delayed_care_where_the_school_offers_none_is_refused(cast, api_client, guardian_p,
                                                                   open_programme):
    refused(lambda: post_json(api_client(guardian_p), f"{API}/applications", apply_body(
        cast.pupil_p, open_programme, delayed_care=True, special_need="父母均需值夜班")),
        422, "AS-7")
    assert not Application.objects.exists()


def test_as7_evening_study_is_refused_for_a_primary_pupil(cast, api_client, guardian_p,
                                                          open_programme):
    refused(lambda: post_json(api_client(guardian_p), f"{API}/applications", apply_body(
        cast.pupil_p, open_programme, evening_study=True)), 422, "AS-7", "evening_study")


@pytest.fixture
def junior(cast):
    """A junior school of district A (grades 7–9, one grade-7 class) with a school admin."""
    school = org_services.create_school(actor=cast.bureau_admin, bureau=cast.district_a,
                                        name="甲区第一中学", code="J1", stage="junior",
                                        system="6-3", ownership="public")
    school_class = org_services.create_class(actor=cast.bureau_admin, school=school, grade=7,
                                             number=1)
    user = User.objects.create_user(username="office_j1", password=PASSWORD, name="中学教导处")
    RoleAssignment.objects.create(user=user, role=Role.SCHOOL_ADMIN, school=school)
    return types.SimpleNamespace(school=school, school_class=school_class, admin=fresh(user))


def junior_body(junior, term, evening_end):
    slots = five_plus_two(grades=(7,))
    slots += [slot(d, "evening_study", "19:00", evening_end, grades=(7,)) for d in range(1, 6)]
    return {"school": junior.school.pk, "term": term.pk, "name": "初中课后服务与晚自习",
            "grades": [7], "slots": slots}


def test_as8_junior_evening_study_ending_at_21_00_is_refused(junior, term, api_client):
    body = refused(lambda: post_json(api_client(junior.admin), f"{API}/programmes",
                                     junior_body(junior, term, "21:00")), 422, "AS-8", "slots")
    assert "20:30" in body["message"]
    assert {r["rule"] for r in body["rows"]} == {"AS-8"}


def test_as8_junior_evening_study_until_20_30_is_allowed(junior, term, api_client,
                                                         make_families):
    client = api_client(junior.admin)
    r = post_json(client, f"{API}/programmes", junior_body(junior, term, "20:30"))
    assert r.status_code == 201, r.content
    programme_id = r.json()["id"]
    evening = Course.objects.get(programme_id=programme_id, kind="evening_study")
    assert (evening.grades, evening.end) == ([7], dt.time(20, 30))
    assert post_json(client, f"{API}/programmes/{programme_id}/open").status_code == 200
    # A junior pupil may join evening study (AS-7); it is not counted as service (AS-5).
    [(pupil, guardian)] = make_families(junior.school_class, 1)
    r = post_json(api_client(guardian), f"{API}/applications", {
        "pupil": pupil.pk, "programme": programme_id, "evening_study": True})
    assert r.status_code == 201, r.content
    assert enrolment(evening, pupil).status == "enrolled"


# ---- AS-9: staffing --------------------------------------------------------------------------


def instructor_body(cast, kind, **extra):
    return {"school": cast.school_a1.pk, "kind": kind, "name": "王建国", "phone": "13912345678",
            **extra}


@pytest.mark.parametrize("kind, extra, field", [
    ("retired_teacher", {"background_checked": True}, "certificate_no"),
    ("professional", {"background_checked": True, "certificate_no": "C-2026-001"},
     "qualification"),
    ("volunteer", {"background_checked": False}, "background_checked"),
    ("professional", {"certificate_no": "C-1", "qualification": "二级教练员"},
     "background_checked"),
])
def test_as9_outside_instructors_need_qualification_and_vetting(cast, admin, kind, extra, field):
    refused(lambda: post_json(admin, f"{API}/instructors", instructor_body(cast, kind, **extra)),
            422, "AS-9", field)


def test_as9_a_qualified_vetted_outsider_is_registered_pending(cast, admin):
    r = post_json(admin, f"{API}/instructors", instructor_body(
        cast, "retired_teacher", certificate_no="20011234", background_checked=True))
    assert r.status_code == 201, r.content
    assert r.json()["status"] == "pending"


def test_as9_a_subject_type_institution_is_refused(cast, admin):
    type(cast.institution_1).objects.filter(pk=cast.institution_1.pk).update(subject_type=True)
    refused(lambda: post_json(admin, f"{API}/instructors", instructor_body(
        cast, "institution", institution=cast.institution_1.pk, background_checked=True)),
        422, "AS-9", "institution")


def test_as9_an_institution_without_full_licences_is_refused(cast, admin):
    refused(lambda: post_json(admin, f"{API}/instructors", instructor_body(
        cast, "institution", institution=cast.institution_2.pk, background_checked=True)),
        422, "AS-9", "institution")


def test_as9_a_licensed_non_subject_institution_of_the_district_is_registered(cast, admin):
    r = post_json(admin, f"{API}/instructors", instructor_body(
        cast, "institution", name="启航体育教练组", institution=cast.institution_1.pk,
        background_checked=True))
    assert r.status_code == 201, r.content
    assert (r.json()["institution"], r.json()["status"]) == (cast.institution_1.pk, "pending")


def test_as9_an_institution_of_another_district_is_not_found(cast, admin):
    from institutions.models import Institution

    other = Institution.objects.create(bureau=cast.district_b, name="乙区体育培训中心",
                                       credit_code="91410403MA0000009X",
                                       licence_status="permit_and_licence")
    refused(lambda: post_json(admin, f"{API}/instructors", instructor_body(
        cast, "institution", institution=other.pk, background_checked=True)), 404, "not_found")


@pytest.fixture
def outsider(cast, principal):
    """A vetted professional, still pending the school's approval."""
    return services.add_instructor(actor=principal, school=cast.school_a1, kind="professional",
                                   name="钱教练", phone="13912345678", qualification="二级教练员",
                                   certificate_no="C-2026-001", background_checked=True)


def test_as9_an_outsider_needs_an_own_duty_teacher(cast, admin, programme, outsider):
    refused(lambda: post_json(admin, f"{API}/courses", course_body(
        programme, instructor=outsider.pk)), 422, "AS-9", "duty_teacher")
    r = post_json(admin, f"{API}/courses", course_body(
        programme, instructor=outsider.pk, duty_teacher=cast.teacher_a_profile.pk))
    assert r.status_code == 201, r.content
    assert r.json()["duty_teacher"] == cast.teacher_a_profile.pk


def test_as9_a_course_with_a_pending_instructor_cannot_be_approved(cast, admin, programme,
                                                                    outsider, principal):
    course = services.add_course(actor=principal, programme=programme, name="篮球", capacity=10,
                                 grades=[4], weekdays=[2], start="16:40", end="17:40",
                                 instructor=outsider, duty_teacher=cast.teacher_a_profile)
    url = f"{API}/courses/{course.pk}/review"
    refused(lambda: post_json(admin, url, {"approve": True}), 422, "AS-9", "instructor")
    r = post_json(admin, f"{API}/instructors/{outsider.pk}/review", {"approve": True})
    assert r.status_code == 200 and r.json()["status"] == "approved"
    r = post_json(admin, url, {"approve": True})
    assert r.status_code == 200 and r.json()["review_status"] == "approved"


# ---- AS-6: no new lessons, drilling or make-up classes ---------------------------------------------


def test_as6_a_course_declaring_new_content_is_refused_at_review(admin, programme,
                                                                  own_instructor):
    r = post_json(admin, f"{API}/courses", course_body(
        programme, name="数学提高班", instructor=own_instructor.pk, teaches_new_content=True))
    assert r.status_code == 201 and r.json()["review_status"] == "pending"
    url = f"{API}/courses/{r.json()['id']}/review"
    refused(lambda: post_json(admin, url, {"approve": True}), 422, "AS-6", "teaches_new_content")
    r = post_json(admin, url, {"approve": False, "note": "不得讲授新课"})
    assert r.status_code == 200 and r.json()["review_status"] == "rejected"


def test_as6_declaring_new_content_later_withdraws_the_approval(admin, open_programme, courses):
    football = courses["足球"]
    assert Session.objects.filter(course=football, date__gte=TODAY).exists()
    r = patch_json(admin, f"{API}/courses/{football.pk}", {"teaches_new_content": True})
    assert r.status_code == 200, r.content
    assert r.json()["review_status"] == "pending"
    # No longer approved: guardians cannot choose it and it has no sessions ahead.
    assert not Course.objects.offered().filter(pk=football.pk).exists()
    assert not Session.objects.filter(course=football, date__gte=TODAY,
                                      status="scheduled").exists()
    refused(lambda: post_json(admin, f"{API}/courses/{football.pk}/review", {"approve": True}),
            422, "AS-6")


# ---- AS-10: fees -------------------------------------------------------------------------------


def test_as10_a_fee_increase_after_opening_is_refused(admin, programme, courses, principal):
    football = courses["足球"]
    url = f"{API}/courses/{football.pk}"
    # Before opening the school may still set the published fee.
    assert patch_json(admin, url, {"fee_per_term_fen": 20000}).status_code == 200
    services.open_programme(actor=principal, programme=programme)
    refused(lambda: patch_json(admin, url, {"fee_per_term_fen": 20001}), 422, "AS-10",
            "fee_per_term_fen")
    # Lowering it is always allowed.
    r = patch_json(admin, url, {"fee_per_term_fen": 15000})
    assert r.status_code == 200 and r.json()["fee_per_term_fen"] == 15000
    refused(lambda: patch_json(admin, url, {"fee_per_term_fen": 20000}), 422, "AS-10")


def test_as10_no_new_fee_item_after_opening(admin, open_programme, own_instructor):
    refused(lambda: post_json(admin, f"{API}/courses", course_body(
        open_programme, instructor=own_instructor.pk, fee_per_term_fen=10000)), 422, "AS-10",
        "fee_per_term_fen")
    r = post_json(admin, f"{API}/courses", course_body(open_programme,
                                                       instructor=own_instructor.pk))
    assert r.status_code == 201 and r.json()["fee_per_term_fen"] == 0


def test_as10_the_district_fee_is_fixed_when_the_programme_is_made(cast, admin, term,
                                                                   bureau_admin, principal):
    rule(cast, bureau_admin, "as.fee_per_term_fen", 30000)
    r = post_json(admin, f"{API}/programmes", programme_body(cast, term))
    assert r.status_code == 201 and r.json()["fee_per_term_fen"] == 30000
    programme = Programme.objects.get(pk=r.json()["id"])
    services.open_programme(actor=principal, programme=programme)
    rule(cast, bureau_admin, "as.fee_per_term_fen", 40000)
    assert admin.get(f"{API}/programmes/{programme.pk}").json()["fee_per_term_fen"] == 30000


def test_as10_fee_statement_charges_published_items_and_exempts_hardship(
        cast, bureau_admin, term, principal, guardian_p, guardian_q, own_instructor):
    rule(cast, bureau_admin, "as.fee_per_term_fen", 30000)
    programme = services.create_programme(actor=principal, school=cast.school_a1, term=term,
                                          name="收费方案", slots=five_plus_two(), grades=[2, 4])
    art = services.add_course(actor=principal, programme=programme, name="书法", capacity=5,
                              grades=[4], weekdays=[1], start="16:40", end="17:40",
                              instructor=own_instructor, fee_per_term_fen=12000)
    services.review_course(actor=principal, course=art, approve=True)
    services.open_programme(actor=principal, programme=programme)
    for guardian, pupil in ((guardian_p, cast.pupil_p), (guardian_q, cast.pupil_q)):
        services.apply(actor=guardian, programme=programme, pupil=pupil, choices=[art.pk])
    run = services.run_allocation(actor=principal, programme=programme, seed="fee")
    services.publish_allocation(actor=principal, allocation=run)
    services.grant_exemption(actor=principal, programme=programme, pupil=cast.pupil_p,
                             reason="subsistence", note="低保证明已核验")
    rows = {row["pupil"].pk: row for row in services.fee_statement(programme)}
    p, q = rows[cast.pupil_p.pk], rows[cast.pupil_q.pk]
    assert (p["gross_fen"], p["due_fen"]) == (42000, 0)
    assert (q["gross_fen"], q["due_fen"]) == (42000, 42000)
    assert q["items"] == [("基本服务费", 30000), ("书法", 12000)]
    assert all(isinstance(row["due_fen"], int) for row in rows.values())


# ---- AS-4 / AS-12: voluntary, and everyone who applies gets the base service -----------------------


def test_as4_an_application_for_nothing_is_refused(cast, api_client, guardian_p, open_programme):
    refused(lambda: post_json(api_client(guardian_p), f"{API}/applications", apply_body(
        cast.pupil_p, open_programme, base_service=False)), 422, "required", "base_service")


def test_as4_applications_wait_until_the_programme_opens(cast, api_client, guardian_p,
                                                         programme):
    # A draft is the school's own business: guardians do not even see it.
    refused(lambda: post_json(api_client(guardian_p), f"{API}/applications",
                              apply_body(cast.pupil_p, programme)), 404, "not_found")
    assert api_client(guardian_p).get(f"{API}/programmes").json()["count"] == 0


def test_as12_everyone_who_applies_gets_the_base_service(cast, api_client, open_programme,
                                                         make_families):
    families = make_families(cast.class_a1_2_1, 12)
    for pupil, guardian in families:
        r = post_json(api_client(guardian), f"{API}/applications",
                      apply_body(pupil, open_programme))
        assert r.status_code == 201, r.content
    group = Course.objects.get(programme=open_programme, kind="guidance",
                               school_class=cast.class_a1_2_1)
    assert group.capacity is None
    assert set(group.enrolments.filter(status="enrolled").values_list("pupil_id", flat=True)) \
        == {pupil.pk for pupil, _ in families}
    assert not Enrolment.objects.filter(status="waitlisted").exists()
    # The group has no capacity to set: the base service takes everyone.
    refused(lambda: patch_json(api_client(cast.principal), f"{API}/courses/{group.pk}",
                               {"capacity": 5}), 422, "invalid", "capacity")


# ---- sessions: school days only (calendar, 调休) ----------------------------------------------------


def test_no_session_on_a_statutory_holiday(cast, admin, programme, bureau_admin):
    # 2027 is not in chinese_calendar yet: the bureau enters New Year's Day itself.
    cal_services.save_override(actor=bureau_admin, bureau=cast.district_a,
                               date=dt.date(2027, 1, 1), kind="holiday", note="元旦")
    assert post_json(admin, f"{API}/programmes/{programme.pk}/open").status_code == 200
    dates = set(Session.objects.filter(course__programme=programme).values_list("date",
                                                                                 flat=True))
    assert dt.date(2027, 1, 1) not in dates
    assert dt.date(2026, 12, 31) in dates and dt.date(2027, 1, 4) in dates
    assert all(d.isoweekday() <= 5 for d in dates)
    assert min(dates) == TODAY and max(dates) == dt.date(2027, 1, 22)
    r = admin.get(f"{API}/sessions?programme={programme.pk}&date=2027-01-01")
    assert r.json()["count"] == 0


def test_national_holidays_and_makeup_days_come_from_the_package(cast, open_programme):
    # As if the programme had been opened at the start of term: National Day (Thu 2026-10-01)
    # has no service, the 调休 Saturday 2026-10-10 runs the Monday timetable (makeup_weekday 1).
    services.sync_sessions(open_programme, today=dt.date(2026, 9, 1))
    dates = set(Session.objects.filter(course__programme=open_programme)
                .values_list("date", flat=True))
    assert dt.date(2026, 10, 1) not in dates and dt.date(2026, 10, 8) in dates
    makeup = Session.objects.filter(course__programme=open_programme, date=dt.date(2026, 10, 10))
    assert set(makeup.filter(course__kind="menu").values_list("course__name", flat=True)) == {
        "足球"}  # Monday's course
    assert not Session.objects.filter(course__programme=open_programme,
                                      date=dt.date(2026, 10, 11)).exists()


def test_a_makeup_saturday_runs_the_makeup_weekday_timetable(cast, admin, term, principal,
                                                            bureau_admin, own_instructor):
    # Friday has its own times: guidance 15:10–16:10, menu 16:10–17:40.
    slots = [s for s in five_plus_two() if s["weekday"] != 5]
    slots += [slot(5, "guidance", "15:10", "16:10"), slot(5, "menu", "16:10", "17:40")]
    r = post_json(admin, f"{API}/programmes", programme_body(cast, term, slots, makeup_weekday=5))
    assert r.status_code == 201, r.content
    programme = Programme.objects.get(pk=r.json()["id"])
    made = {}
    for name, weekdays, start in (("足球", [1], "16:40"), ("机器人", [5], "16:10")):
        course = services.add_course(actor=principal, programme=programme, name=name,
                                     capacity=5, grades=[4], weekdays=weekdays, start=start,
                                     end="17:40", instructor=own_instructor)
        made[name] = services.review_course(actor=principal, course=course, approve=True)
    cal_services.save_override(actor=bureau_admin, bureau=cast.district_a, date=SAT,
                               kind="workday", note="调休上课")
    assert post_json(admin, f"{API}/programmes/{programme.pk}/open").status_code == 200
    saturday = Session.objects.filter(course__programme=programme, date=SAT)
    guidance = saturday.filter(course__kind="guidance")
    assert guidance.count() == 3  # classes 2-1, 4-1, 4-2
    assert {(s.start, s.end) for s in guidance} == {(dt.time(15, 10), dt.time(16, 10))}
    assert set(saturday.filter(course__kind="menu").values_list("course__name", flat=True)) == {
        "机器人"}
    assert not Session.objects.filter(course__programme=programme,
                                      date=SAT + dt.timedelta(days=1)).exists()


# ---- the lottery -------------------------------------------------------------------------------


@pytest.fixture
def applied(cast, open_programme, courses, guardian_p, guardian_q, guardian_r):
    """P, Q and R all want painting, which has one seat."""
    painting = courses["绘画"]
    for guardian, pupil in ((guardian_p, cast.pupil_p), (guardian_q, cast.pupil_q),
                            (guardian_r, cast.pupil_r)):
        services.apply(actor=guardian, programme=open_programme, pupil=pupil,
                       choices=[painting.pk])
    return open_programme


def pupils(cast):
    return [cast.pupil_p.pk, cast.pupil_q.pk, cast.pupil_r.pk]


def allocate(client, programme, **body):
    return post_json(client, f"{API}/programmes/{programme.pk}/allocate", body)


def test_lottery_runs_are_reproducible_and_compared_with_fcfs(cast, admin, applied, courses):
    r = allocate(admin, applied, seed="秋季-2026")
    assert r.status_code == 201, r.content
    first = r.json()
    assert (first["number"], first["seed"], first["reason"]) == (1, "秋季-2026", "")
    assert first["lottery"]["applicants"] == first["fcfs"]["applicants"] == 3
    assert first["lottery"]["seats_filled"] == 1
    assert first["lottery"]["first_choice"] == 1 and first["lottery"]["unassigned"] == 2
    r = admin.get(f"{API}/allocations/{first['id']}/verify")
    assert r.status_code == 200 and r.json() == {"allocation": first["id"], "reproduced": True}
    # A rerun with the same seed on the same inputs gives the same places.
    r = allocate(admin, applied, seed="秋季-2026", reason="家长对抽签过程提出疑问，当众复核")
    assert r.status_code == 201, r.content
    second = r.json()
    assert second["number"] == 2 and second["inputs_digest"] == first["inputs_digest"]
    one, two = Allocation.objects.get(pk=first["id"]), Allocation.objects.get(pk=second["id"])
    assert one.result == two.result
    winner = lottery_order(pupils(cast), "秋季-2026")[0]
    assert one.result["assignments"][str(winner)] == [courses["绘画"].pk]
    listed = admin.get(f"{API}/programmes/{applied.pk}/allocations").json()
    assert [a["number"] for a in listed["items"]] == [1, 2]


def test_verify_detects_a_tampered_result(admin, applied):
    run = allocate(admin, applied, seed="s").json()
    stored = Allocation.objects.get(pk=run["id"])
    result = dict(stored.result, assignments={})
    Allocation.objects.filter(pk=stored.pk).update(result=result)
    assert admin.get(f"{API}/allocations/{run['id']}/verify").json()["reproduced"] is False


def test_a_rerun_needs_a_reason_and_is_audited(admin, applied, principal):
    assert allocate(admin, applied, seed="a").status_code == 201
    refused(lambda: allocate(admin, applied, seed="b"), 422, "required", "reason")
    refused(lambda: allocate(admin, applied, seed="b", reason=" 重抽 "), 422, "required",
            "reason")
    reason = "第一次抽签时漏录两名学生的志愿"
    r = allocate(admin, applied, seed="b", reason=reason)
    assert r.status_code == 201 and r.json()["reason"] == reason
    entry = LogEntry.objects.filter(additional_data__code="afterschool.allocation.run").order_by(
        "-pk").first()
    assert entry.additional_data["reason"] == reason
    assert entry.additional_data["seed"] == "b"
    assert entry.actor_id == principal.pk
    assert entry.object_pk == str(r.json()["id"])
    assert LogEntry.objects.filter(additional_data__code="afterschool.allocation.run").count() == 2


def test_only_the_latest_run_can_be_published(admin, applied):
    first = allocate(admin, applied, seed="a").json()
    second = allocate(admin, applied, seed="b", reason="更正志愿录入错误").json()
    refused(lambda: post_json(admin, f"{API}/allocations/{first['id']}/publish"), 409, "conflict",
            "allocation")
    r = post_json(admin, f"{API}/allocations/{second['id']}/publish")
    assert r.status_code == 200 and r.json()["published_at"]
    refused(lambda: post_json(admin, f"{API}/allocations/{second['id']}/publish"), 409,
            "conflict")
    assert Programme.objects.get(pk=applied.pk).status == "published"


def test_the_lottery_needs_an_open_programme(admin, programme):
    refused(lambda: allocate(admin, programme), 409, "conflict", "status")


# ---- waitlists -------------------------------------------------------------------------------


@pytest.fixture
def published(cast, applied, courses, principal):
    """The lottery of ``applied`` published: painting has one winner and two on its waitlist."""
    run = services.run_allocation(actor=principal, programme=applied, seed="waitlist")
    services.publish_allocation(actor=principal, allocation=run)
    painting = courses["绘画"]
    order = lottery_order(pupils(cast), "waitlist")
    return types.SimpleNamespace(programme=applied, painting=painting, order=order)


def guardian_of(cast, pupil_id, guardian_p, guardian_q, guardian_r):
    return {cast.pupil_p.pk: guardian_p, cast.pupil_q.pk: guardian_q,
            cast.pupil_r.pk: guardian_r}[pupil_id]


def test_publication_enrols_the_winner_and_lists_the_rest_in_lottery_order(published):
    painting = Course.objects.get(pk=published.painting.pk)
    assert painting.enrolled_count == 1
    enrolled = Enrolment.objects.get(course=painting, status="enrolled")
    assert enrolled.pupil_id == published.order[0] and enrolled.source == "lottery"
    waiting = list(Enrolment.objects.filter(course=painting, status="waitlisted")
                   .order_by("waitlist_position"))
    assert [(e.pupil_id, e.waitlist_position) for e in waiting] == [
        (published.order[1], 1), (published.order[2], 2)]


def test_a_withdrawal_moves_the_waitlist_up(cast, api_client, published, guardian_p, guardian_q,
                                            guardian_r):
    painting, order = published.painting, published.order
    winner = enrolment(painting, Enrolment.objects.get(course=painting, status="enrolled").pupil)
    guardian = guardian_of(cast, winner.pupil_id, guardian_p, guardian_q, guardian_r)
    r = post_json(api_client(guardian), f"{API}/enrolments/{winner.pk}/withdraw")
    assert r.status_code == 200 and r.json()["status"] == "withdrawn"
    promoted = Enrolment.objects.get(course=painting, pupil_id=order[1], status="enrolled")
    assert promoted.source == "waitlist" and promoted.waitlist_position is None
    assert Course.objects.get(pk=painting.pk).enrolled_count == 1
    assert Enrolment.objects.get(course=painting, status="waitlisted").pupil_id == order[2]
    assert LogEntry.objects.filter(additional_data__code="afterschool.enrolment.promoted").exists()
    # Withdrawing twice is a conflict and changes nothing.
    refused(lambda: post_json(api_client(guardian), f"{API}/enrolments/{winner.pk}/withdraw"),
            409, "conflict")


def test_the_waitlist_skips_a_pupil_who_already_holds_the_most_courses(
        cast, api_client, open_programme, courses, principal, guardian_p, guardian_q,
        guardian_r):
    painting, football = courses["绘画"], courses["足球"]
    # A seed that draws P second: P then takes football, the second choice, and waits for
    # painting while already holding max_courses (1) course.
    seed = next(s for s in (f"seed-{i}" for i in range(200))
                if lottery_order(pupils(cast), s)[1] == cast.pupil_p.pk)
    order = lottery_order(pupils(cast), seed)
    services.apply(actor=guardian_p, programme=open_programme, pupil=cast.pupil_p,
                   choices=[painting.pk, football.pk])
    for guardian, pupil in ((guardian_q, cast.pupil_q), (guardian_r, cast.pupil_r)):
        services.apply(actor=guardian, programme=open_programme, pupil=pupil,
                       choices=[painting.pk])
    run = services.run_allocation(actor=principal, programme=open_programme, seed=seed)
    services.publish_allocation(actor=principal, allocation=run)
    assert enrolment(football, cast.pupil_p).status == "enrolled"
    assert enrolment(painting, cast.pupil_p).waitlist_position == 1
    winner = Enrolment.objects.get(course=painting, status="enrolled")
    assert winner.pupil_id == order[0]
    guardian = guardian_of(cast, order[0], guardian_p, guardian_q, guardian_r)
    assert post_json(api_client(guardian),
                     f"{API}/enrolments/{winner.pk}/withdraw").status_code == 200
    # P is passed over (a second course would exceed max_courses); the next one moves up.
    assert Enrolment.objects.get(course=painting, status="enrolled").pupil_id == order[2]
    assert enrolment(painting, cast.pupil_p).status == "waitlisted"
    assert Course.objects.get(pk=painting.pk).enrolled_count == 1


def test_withdrawing_the_application_frees_every_place(cast, api_client, published, guardian_p,
                                                       guardian_q, guardian_r):
    painting, order = published.painting, published.order
    winner_id = order[0]
    app = Application.objects.get(programme=published.programme, pupil_id=winner_id)
    guardian = guardian_of(cast, winner_id, guardian_p, guardian_q, guardian_r)
    r = api_client(guardian).delete(f"{API}/applications/{app.pk}")
    assert r.status_code == 204, r.content
    assert not Enrolment.objects.filter(pupil_id=winner_id).exclude(status="withdrawn").exists()
    assert Enrolment.objects.get(course=painting, status="enrolled").pupil_id == order[1]


def test_more_capacity_promotes_from_the_waitlist(admin, published):
    painting, order = published.painting, published.order
    url = f"{API}/courses/{painting.pk}"
    r = patch_json(admin, url, {"capacity": 2})
    assert r.status_code == 200, r.content
    assert (r.json()["enrolled_count"], r.json()["free_seats"]) == (2, 0)
    assert set(Enrolment.objects.filter(course=painting, status="enrolled")
               .values_list("pupil_id", flat=True)) == set(order[:2])
    # Capacity never falls below the pupils already enrolled.
    refused(lambda: patch_json(admin, url, {"capacity": 1}), 409, "conflict", "capacity")


def test_a_late_application_takes_a_free_seat_or_waits(cast, api_client, published, courses,
                                                       make_families):
    (first, first_guardian), (second, second_guardian) = make_families(cast.class_a1_4_2, 2)
    painting, robots = courses["绘画"], courses["机器人"]
    # Painting is full: waitlisted behind the lottery's two; robots has seats: enrolled.
    r = post_json(api_client(first_guardian), f"{API}/applications",
                  apply_body(first, published.programme, choices=[painting.pk, robots.pk]))
    assert r.status_code == 201, r.content
    assert enrolment(painting, first).status == "waitlisted"
    assert enrolment(painting, first).waitlist_position == 3
    late = enrolment(robots, first)
    assert (late.status, late.source, late.rank) == ("enrolled", "late", 2)
    r = post_json(api_client(second_guardian), f"{API}/applications",
                  apply_body(second, published.programme, choices=[painting.pk]))
    assert r.status_code == 201
    assert enrolment(painting, second).waitlist_position == 4
    # After publication the choices of an existing application cannot be changed.
    refused(lambda: post_json(api_client(second_guardian), f"{API}/applications",
                              apply_body(second, published.programme, choices=[robots.pk])),
            409, "conflict", "choices")


def test_the_lottery_waitlist_goes_before_applications_made_after_the_run(
        cast, api_client, admin, applied, courses, guardian_p, guardian_q, guardian_r,
        make_families):
    painting = courses["绘画"]
    run = allocate(admin, applied, seed="order").json()
    order = lottery_order(pupils(cast), "order")
    # The winner withdraws before publication, and a new family applies after the run.
    winner = guardian_of(cast, order[0], guardian_p, guardian_q, guardian_r)
    app = Application.objects.get(programme=applied, pupil_id=order[0])
    assert api_client(winner).delete(f"{API}/applications/{app.pk}").status_code == 204
    [(late, late_guardian)] = make_families(cast.class_a1_4_2, 1)
    r = post_json(api_client(late_guardian), f"{API}/applications",
                  apply_body(late, applied, choices=[painting.pk]))
    assert r.status_code == 201, r.content
    assert post_json(admin, f"{API}/allocations/{run['id']}/publish").status_code == 200
    # The seat goes to the first on the lottery's waitlist, not to the latecomer.
    assert Enrolment.objects.get(course=painting, status="enrolled").pupil_id == order[1]
    assert enrolment(painting, late).status == "waitlisted"
    assert Course.objects.get(pk=painting.pk).enrolled_count == 1


# ---- attendance and pick-up --------------------------------------------------------------------


@pytest.fixture
def class_session(cast, open_programme, guardian_p, guardian_q):
    """Today's guidance session of class 4-1 with P and Q enrolled in the base service."""
    for guardian, pupil in ((guardian_p, cast.pupil_p), (guardian_q, cast.pupil_q)):
        services.apply(actor=guardian, programme=open_programme, pupil=pupil)
    return Session.objects.get(course__school_class=cast.class_a1_4_1, date=TODAY)


def attend(client, session, records):
    return post_json(client, f"{API}/sessions/{session.pk}/attendance", {"records": records})


def test_attendance_refuses_a_pupil_not_on_the_roster(cast, api_client, class_session,
                                                      head_teacher_a):
    body = refused(lambda: attend(api_client(head_teacher_a), class_session, [
        {"pupil": cast.pupil_p.pk, "mark": "present", "pickup": "guardian",
         "picked_up_by": "张妈妈"},
        {"pupil": cast.pupil_r.pk, "mark": "present"}]), 422, "invalid", "records")
    assert [(row["row"], row["field"]) for row in body["rows"]] == [(2, "pupil")]
    assert Session.objects.get(pk=class_session.pk).status == "scheduled"


def test_attendance_refuses_a_pickup_without_a_name_and_a_bad_mark(cast, api_client,
                                                                   class_session,
                                                                   head_teacher_a):
    body = refused(lambda: attend(api_client(head_teacher_a), class_session, [
        {"pupil": cast.pupil_p.pk, "mark": "present", "pickup": "authorised"},
        {"pupil": cast.pupil_q.pk, "mark": "late"}]), 422, "invalid", "records")
    assert {(r["row"], r["field"]) for r in body["rows"]} == {(1, "picked_up_by"), (2, "mark")}


def test_attendance_of_a_future_session_is_a_conflict(cast, api_client, class_session,
                                                      head_teacher_a):
    tuesday = Session.objects.get(course=class_session.course, date=TUE)
    refused(lambda: attend(api_client(head_teacher_a), tuesday, [
        {"pupil": cast.pupil_p.pk, "mark": "present"}]), 409, "conflict", "date")


def test_attendance_needs_at_least_one_record(api_client, class_session, head_teacher_a):
    refused(lambda: attend(api_client(head_teacher_a), class_session, []), 422, "required",
            "records")


def test_recorded_attendance_and_the_unpicked_list(cast, api_client, class_session,
                                                   head_teacher_a, principal):
    head = api_client(head_teacher_a)
    r = attend(head, class_session, [
        {"pupil": cast.pupil_p.pk, "mark": "present", "pickup": "guardian",
         "picked_up_by": "张妈妈"},
        {"pupil": cast.pupil_q.pk, "mark": "present"}])
    assert r.status_code == 200, r.content
    detail = r.json()
    assert detail["status"] == "delivered" and detail["delivered_minutes"] == 60
    marks = {row["pupil"]: row for row in detail["roster"]}
    assert marks[cast.pupil_p.pk]["picked_up_by"] == "张妈妈"
    assert marks[cast.pupil_q.pk]["pickup"] == ""
    # Present and not picked up when the session ended at 16:40: flagged.
    for client in (head, api_client(principal)):
        unpicked = client.get(f"{API}/unpicked").json()
        assert [u["pupil"] for u in unpicked["items"]] == [cast.pupil_q.pk]
    # Once the pick-up is recorded, nobody is left.
    r = attend(head, class_session, [{"pupil": cast.pupil_q.pk, "mark": "present",
                                      "pickup": "alone"}])
    assert r.status_code == 200
    assert head.get(f"{API}/unpicked").json()["count"] == 0


# ---- hours and pay (AS-11) ---------------------------------------------------------------------


def test_hours_and_pay_are_integer_fen_rounded_half_up(cast, api_client, admin, programme,
                                                       own_instructor, principal, guardian_p,
                                                       bureau_admin, teacher_a):
    course = services.add_course(actor=principal, programme=programme, name="书法", capacity=5,
                                 grades=[4], weekdays=[1], start="16:40", end="17:25",
                                 instructor=own_instructor)
    services.review_course(actor=principal, course=course, approve=True)
    services.open_programme(actor=principal, programme=programme)
    services.apply(actor=guardian_p, programme=programme, pupil=cast.pupil_p,
                   choices=[course.pk])
    run = services.run_allocation(actor=principal, programme=programme, seed="pay")
    services.publish_allocation(actor=principal, allocation=run)
    session = Session.objects.get(course=course, date=TODAY)
    r = attend(api_client(teacher_a), session, [{"pupil": cast.pupil_p.pk, "mark": "present",
                                                 "pickup": "guardian", "picked_up_by": "张妈妈"}])
    assert r.status_code == 200, r.content
    rule(cast, bureau_admin, "as.pay_rate_fen_per_hour", 6001)
    hours = admin.get(f"{API}/programmes/{programme.pk}/hours?month=2026-11").json()
    [row] = hours["rows"]
    assert row["teacher"] == cast.teacher_a_profile.pk
    # 45 minutes at 60.01 yuan an hour = 45.0075 yuan → 4501 fen (half up), never a float
    assert (row["sessions"], row["minutes"], row["hours"]) == (1, 45, 0.75)
    assert row["pay_fen"] == 4501 and isinstance(row["pay_fen"], int)
    assert (hours["total_minutes"], hours["total_pay_fen"], hours["rate_fen_per_hour"]) == (
        45, 4501, 6001)
    assert admin.get(f"{API}/programmes/{programme.pk}/hours?month=2026-12").json()["rows"] == []
    assert_error(admin.get(f"{API}/programmes/{programme.pk}/hours?month=2026-13"), 422,
                 "invalid", "month")


# ---- participation and satisfaction (QM-4) -----------------------------------------------------


def test_participation_figures(cast, api_client, open_programme, guardian_p, guardian_r,
                               bureau_admin, bureau_admin_b, principal):
    for guardian, pupil in ((guardian_p, cast.pupil_p), (guardian_r, cast.pupil_r)):
        services.apply(actor=guardian, programme=open_programme, pupil=pupil)
    guardian = api_client(guardian_p)
    r = post_json(guardian, f"{API}/surveys", {"programme": open_programme.pk,
                                               "pupil": cast.pupil_p.pk, "liking": 5,
                                               "satisfaction": 3})
    assert r.status_code == 201, r.content
    # Only the pupil's own enrolment lets a guardian answer; scores are 1–5.
    assert_error(post_json(guardian, f"{API}/surveys", {
        "programme": open_programme.pk, "pupil": cast.pupil_p.pk, "liking": 6,
        "satisfaction": 3}), 422, "invalid")
    for user in (bureau_admin, principal):
        rows = api_client(user).get(f"{API}/participation").json()["items"]
        [row] = [r for r in rows if r["programme"] == open_programme.pk]
        # grades 2 and 4 of A1 have P, Q and R; P and R take part
        assert (row["pupils"], row["enrolled"], row["menu_enrolled"]) == (3, 2, 0)
        assert row["participation"] == 0.6667
        # A1's teachers: teacher_a runs the menu courses, head_teacher_a the 4-1 group
        assert (row["teachers"], row["teachers_running"], row["teacher_participation"]) == (
            2, 2, 1.0)
        assert (row["responses"], row["liking"], row["satisfaction"],
                row["satisfied_share"]) == (1, 5.0, 3.0, 0.0)
    assert api_client(bureau_admin_b).get(f"{API}/participation").json()["count"] == 0


def test_a_survey_for_a_child_not_taking_part_is_refused(cast, api_client, open_programme,
                                                         guardian_p):
    refused(lambda: post_json(api_client(guardian_p), f"{API}/surveys", {
        "programme": open_programme.pk, "pupil": cast.pupil_p.pk, "liking": 4,
        "satisfaction": 4}), 422, "invalid", "programme")
