"""The institutions area through the API: apply → refused kinds, approve, staff with the
teacher cross-check, courses within the guide price, sessions against the TS rules, cards."""

import datetime as dt

from institutions.models import TeacherMatch
from institutions.tests.conftest import MAKEUP_SATURDAY, NATIONAL_DAY, at, new_code, post_json


def test_applications_refuse_banned_kinds_and_approval_opens_the_ledger(
        cast, api_client, supervisor, institution_staff, pinned_today):
    applicant = api_client(institution_staff)
    body = {"name": "甲区新学科培训学校", "credit_code": new_code(), "subject_type": True,
            "serves_compulsory": True}
    r = post_json(applicant, "/api/v1/institutions", body)
    assert r.status_code == 422 and r.json()["code"] == "TI-1"
    r = post_json(applicant, "/api/v1/institutions", {
        **body, "subject_type": False, "category": "sport", "name": "甲区跃动体育"})
    assert r.status_code == 201, r.content
    inst = r.json()
    assert inst["status"] == "applying"
    r = post_json(api_client(supervisor), f"/api/v1/institutions/{inst['id']}/review",
                  {"approve": True, "school_permit_no": "教民1410402001号",
                   "permit_valid_until": "2027-06-30"})
    assert r.status_code == 200 and r.json()["status"] == "approved"
    ledger = api_client(supervisor).get(f"/api/v1/institutions/{inst['id']}/ledger").json()
    assert [v["event"] for v in ledger["items"]] == ["reviewed", "registered"]


def test_staff_cross_check_flags_an_in_service_teacher_only_to_supervision(
        cast, api_client, supervisor, subject_inst, subject_staff, pinned_today):
    teacher = cast.teacher_a_profile
    r = post_json(api_client(subject_staff), f"/api/v1/institutions/{subject_inst.pk}/staff", {
        "name": "李某", "id_number": teacher.id_number, "kind": "teaching",
        "teacher_certificate_no": "20204100000001", "subjects": ["maths"]})
    assert r.status_code == 201, r.content
    assert teacher.id_number not in r.content.decode()
    assert TeacherMatch.objects.filter(teacher=teacher).count() == 1
    # The institution cannot see the match; supervision can.
    assert api_client(subject_staff).get("/api/v1/teacher-matches").status_code == 403
    matches = api_client(supervisor).get("/api/v1/teacher-matches").json()
    assert matches["count"] == 1 and matches["items"][0]["teacher_name"] == teacher.name


def test_sessions_are_checked_against_the_calendar_and_the_clock(
        cast, api_client, subject_inst, subject_staff, guide_prices, calendar_a, pinned_today):
    client = api_client(subject_staff)
    r = post_json(client, f"/api/v1/institutions/{subject_inst.pk}/courses", {
        "name": "初一数学提高", "subject": "maths", "mode": "offline", "grades": [7],
        "class_size": 20, "lesson_minutes": 45, "price_per_lesson_fen": 6600,
        "content_summary": "同步巩固"})
    assert r.status_code == 201, r.content
    course = r.json()["id"]
    url = f"/api/v1/institutions/{subject_inst.pk}/sessions"

    def session(date, start, end):
        return post_json(client, url, {"course": course, "start": at(date, start).isoformat(),
                                       "end": at(date, end).isoformat()})

    assert session(NATIONAL_DAY, "09:00", "10:30").json()["code"] == "TS-1"
    assert session(dt.date(2026, 11, 24), "19:30", "21:00").json()["code"] == "TS-3"
    assert session(dt.date(2026, 11, 24), "15:00", "16:00").json()["code"] == "TS-2"
    ok = session(dt.date(2026, 11, 24), "18:30", "20:00")
    assert ok.status_code == 201, ok.content
    # 调休: 2026-10-10 is a working day, so not a rest day for TS-1 (the literal reading).
    r = session(MAKEUP_SATURDAY, "18:00", "19:30")
    assert r.status_code == 201, r.content


def test_two_yellow_cards_make_a_red_that_suspends_enrolment(cast, api_client, supervisor,
                                                             art_inst, pinned_today):
    client = api_client(supervisor)
    for reason in ("超时培训", "未公示收费"):
        r = post_json(client, f"/api/v1/institutions/{art_inst.pk}/cards",
                      {"colour": "yellow", "reason": reason})
        assert r.status_code == 201, r.content
    art_inst.refresh_from_db()
    assert art_inst.enrolment_suspended
    assert art_inst.cards.filter(colour="red").count() == 1


def test_the_public_finds_licensed_institutions_without_logging_in(api_client, art_inst,
                                                                   subject_inst):
    r = api_client(None).get("/api/v1/public/institutions?q=彩虹")
    assert r.status_code == 200
    assert [i["name"] for i in r.json()["items"]] == [art_inst.name]
    detail = api_client(None).get(f"/api/v1/public/institutions/{art_inst.pk}").json()
    assert detail["licence_status"] == "permit_and_licence" and "phone" not in detail


def test_a_new_holiday_flags_sessions_already_filed(cast, api_client, bureau_admin, subject_inst,
                                                    subject_staff, guide_prices, calendar_a,
                                                    pinned_today, settings,
                                                    django_capture_on_commit_callbacks):
    from institutions.models import ScheduleFlag
    from schoolcal import services as calendar

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    client = api_client(subject_staff)
    course = post_json(client, f"/api/v1/institutions/{subject_inst.pk}/courses", {
        "name": "初二物理", "subject": "physics", "mode": "offline", "grades": [8],
        "class_size": 12, "lesson_minutes": 90, "price_per_lesson_fen": 12000,
        "content_summary": "同步"}).json()["id"]
    day = dt.date(2026, 12, 2)
    r = post_json(client, f"/api/v1/institutions/{subject_inst.pk}/sessions", {
        "course": course, "start": at(day, "18:30").isoformat(),
        "end": at(day, "20:00").isoformat()})
    assert r.status_code == 201, r.content
    with django_capture_on_commit_callbacks(execute=True):
        calendar.save_override(actor=bureau_admin, bureau=cast.district_a, date=day,
                               kind="holiday", note="临时放假")
    flag = ScheduleFlag.objects.get()
    assert flag.rule == "TS-1" and flag.session_id == r.json()["id"]


def test_an_institution_licensed_before_the_ban_is_recorded_with_its_permit(
        cast, api_client, supervisor, inspector, pinned_today):
    body = {"name": "甲区老牌学科培训学校", "credit_code": new_code(), "subject_type": True,
            "school_permit_no": "教民1410402000099号", "permit_valid_until": "2027-08-31"}
    # An inspector's registration is an application, and a new subject-type one is banned.
    r = post_json(api_client(inspector), "/api/v1/institutions", body)
    assert r.status_code == 422 and r.json()["code"] == "TI-1"
    # The supervision section records the existing licensed institution as it is.
    r = post_json(api_client(supervisor), "/api/v1/institutions", body)
    assert r.status_code == 201, r.content
    assert (r.json()["status"], r.json()["licence_status"]) == ("approved", "permit_and_licence")


def test_an_approval_cannot_carry_an_expired_permit(cast, api_client, supervisor,
                                                    institution_staff, pinned_today):
    r = post_json(api_client(institution_staff), "/api/v1/institutions", {
        "name": "甲区青苗美术", "credit_code": new_code(), "category": "art"})
    assert r.status_code == 201, r.content
    r = post_json(api_client(supervisor), f"/api/v1/institutions/{r.json()['id']}/review",
                  {"approve": True, "school_permit_no": "教民1410402000100号",
                   "permit_valid_until": "2026-01-31"})
    assert r.status_code == 422 and r.json()["field"] == "permit_valid_until"


def test_escalated_yellow_cards_count_once_and_the_negative_list_is_not_public(
        cast, api_client, supervisor, art_inst, pinned_today):
    from institutions import services

    for reason in ("超时培训", "未公示收费"):
        services.issue_card(actor=supervisor, institution=art_inst, colour="yellow",
                            reason=reason)
    row = next(r for r in services.risk_rows([art_inst]))
    assert "红牌" in row["reasons"] and not any("黄牌" in r for r in row["reasons"])
    services.add_to_list(actor=supervisor, institution=art_inst, kind="negative",
                         reason="虚假宣传")
    public = api_client(None).get(f"/api/v1/public/institutions/{art_inst.pk}").json()
    assert public["lists"] == []


def test_another_districts_supervisor_cannot_close_a_lead(cast, supervisor, subject_inst,
                                                          subject_staff, pinned_today):
    from conftest import _user, fresh
    from core.errors import RuleViolation
    from institutions import services
    from org.roles import Role

    services.add_staff(actor=subject_staff, institution=subject_inst, name="李某",
                       id_number=cast.teacher_a_profile.id_number, kind="teaching",
                       teacher_certificate_no="20204100000001", subjects=["maths"])
    match = TeacherMatch.objects.get()
    other = fresh(_user("supervisor_b", "乙区监管", (Role.SUPERVISOR, {"bureau": cast.district_b})))
    try:
        services.close_match(actor=other, match=match, confirmed=False, note="无关")
    except RuleViolation as e:
        assert e.rule == "forbidden_unit"
    else:
        raise AssertionError("another district closed the lead")
    match.refresh_from_db()
    assert match.status == "open"
