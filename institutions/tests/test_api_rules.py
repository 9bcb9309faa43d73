"""The institution rules (RULES.md §5 TI, TS, TT, TP) through the API doors.

Every refused request answers with the rule id in ``code`` and changes nothing: ``refused`` takes
a snapshot of everything the institutions area holds (and the audit log and role assignments)
before the request and compares it after. Today is Monday 2026-11-23 (``pinned_today``); district
A's calendar has the first term 2026-09-01 – 2027-01-22 and the winter vacation 2027-01-23 –
2027-02-21; 2026-10-01 is National Day, 2026-10-10 the Saturday make-up workday (调休) after it.
Guide prices of district A (``guide_prices``, fen per standard lesson): offline 12000 / 6000 /
4000, online 8000 / 3000 / 2000 for the small / medium / large bands.
"""

import datetime as dt
import io

import pytest
from auditlog.models import LogEntry
from django.core.management import call_command
from django.utils import timezone

from conftest import assert_error, make_id_number
from institutions import services
from institutions.models import (
    AnnualReview,
    Card,
    GuidePrice,
    Institution,
    InstitutionVersion,
    ListEntry,
    ScheduleFlag,
    Staff,
    TeacherMatch,
    TrainingCourse,
    TrainingSession,
)
from institutions.tests.conftest import (
    MAKEUP_SATURDAY,
    NATIONAL_DAY,
    SATURDAY,
    at,
    new_code,
    post_json,
)
from org import services as org_services
from org.models import RoleAssignment
from policy.services import set_rule
from schoolcal import services as calendar_services

pytestmark = pytest.mark.usefixtures("pinned_today")

API = "/api/v1"
TUESDAY = dt.date(2026, 11, 24)  # a school day in term
WINTER_MONDAY = dt.date(2027, 1, 25)  # winter vacation
BAD_ID = make_id_number(7, birth="19900101")[:-1] + (
    "0" if make_id_number(7, birth="19900101")[-1] != "0" else "1")


# ---- helpers -----------------------------------------------------------------------------------


def state():
    """Everything the institutions area holds, role assignments and the audit log's length."""
    def rows(model, *fields):
        return list(model.objects.order_by("pk").values_list("pk", *fields))

    return {
        "institutions": rows(Institution, *services.REGISTRY_FIELDS, "status", "version",
                             "enrolment_suspended"),
        "versions": rows(InstitutionVersion, "version", "event", "reason"),
        "reviews": rows(AnnualReview, "year", "result"),
        "staff": rows(Staff, "institution_id", "id_hash", "left_on"),
        "matches": rows(TeacherMatch, "status", "note"),
        "courses": rows(TrainingCourse, "price_per_lesson_fen", "class_size"),
        "sessions": rows(TrainingSession, "start", "end", "cancelled"),
        "cards": rows(Card, "colour", "revoked_at", "escalated_into_id"),
        "lists": rows(ListEntry, "kind", "removed_at"),
        "prices": rows(GuidePrice, "base_price_fen"),
        "roles": rows(RoleAssignment, "role", "institution_id"),
        "log": LogEntry.objects.count(),
    }


def refused(send, status, code, field=...):
    """Send a request that must be refused with ``code`` and change nothing."""
    before = state()
    response = send()
    body = assert_error(response, status, code, field)
    assert state() == before
    return body


def created(response, status=201):
    assert response.status_code == status, response.content.decode()
    return response.json()


def inst_body(**extra):
    return {"name": "甲区跃动体育培训中心", "credit_code": new_code(), "category": "sport", **extra}


def course_body(**extra):
    """A maths course for grade 7, offline, 45 minutes, 20 pupils (medium band)."""
    return {"name": "初一数学提高", "subject": "maths", "mode": "offline", "grades": [7],
            "class_size": 20, "lesson_minutes": 45, "price_per_lesson_fen": 6000,
            "content_summary": "同步巩固", **extra}


def add_course(client, inst, **extra):
    return post_json(client, f"{API}/institutions/{inst.pk}/courses", course_body(**extra))


def add_session(client, inst, course, date, start, end, **extra):
    return post_json(client, f"{API}/institutions/{inst.pk}/sessions",
                     {"course": course, "start": at(date, start).isoformat(),
                      "end": at(date, end).isoformat(), **extra})


def staff_body(seq=11, **extra):
    return {"name": "陈老师", "id_number": make_id_number(seq, birth="19900101"),
            "kind": "teaching", "subjects": ["maths"], "teacher_certificate_no": "20204100000011",
            **extra}


def ledger(client, inst):
    return client.get(f"{API}/institutions/{inst.pk}/ledger").json()["items"]


# ---- registry: credit codes, duplicates, the ledger ---------------------------------------------


@pytest.mark.parametrize("code", ["91410402MA0000001Y", "914104021234", "91410402MA00000O1X"])
def test_an_invalid_credit_code_is_refused_on_its_field(api_client, supervisor, code):
    # Given the supervision section and a code failing GB 32100 (check character, length, letters)
    client = api_client(supervisor)
    # When they register an institution with it, then 422 on credit_code and nothing is saved
    refused(lambda: post_json(client, f"{API}/institutions", inst_body(credit_code=code)),
            422, "invalid", "credit_code")


def test_a_registration_needs_a_credit_code_unless_found(api_client, supervisor):
    client = api_client(supervisor)
    refused(lambda: post_json(client, f"{API}/institutions", inst_body(credit_code="")),
            422, "required", "credit_code")


def test_a_duplicate_credit_code_is_a_conflict(api_client, supervisor, subject_inst):
    # Given a registered institution's credit code
    client = api_client(supervisor)
    code = subject_inst.credit_code
    # When another institution is registered with it, then 409 and nothing is saved
    refused(lambda: post_json(client, f"{API}/institutions", inst_body(credit_code=code)),
            409, "conflict", "credit_code")
    # lower case, with spaces, it is the same code
    refused(lambda: post_json(client, f"{API}/institutions",
                              inst_body(credit_code=f" {code.lower()} ")),
            409, "conflict", "credit_code")


def test_changing_a_credit_code_to_another_institutions_is_a_conflict(api_client, supervisor,
                                                                      subject_inst, art_inst):
    # Given two institutions of district A
    client = api_client(supervisor)
    # When the supervisor changes one's code to the other's, then 409 (not a server error)
    refused(lambda: client.patch(
        f"{API}/institutions/{art_inst.pk}",
        {"credit_code": subject_inst.credit_code.lower(), "reason": "更正"},
        content_type="application/json"), 409, "conflict", "credit_code")


def test_a_supervisor_change_is_a_ledger_version_with_who_what_and_why(cast, api_client,
                                                                       supervisor):
    # Given I1 at ledger version 1 (created without the service: no ledger rows yet)
    inst = cast.institution_1
    client = api_client(supervisor)
    # When the supervisor changes its address and licence class with a reason
    r = client.patch(f"{API}/institutions/{inst.pk}",
                     {"address": "甲区人民路 8 号", "licence_status": "licence_only",
                      "reason": "年检发现办学许可证已注销"}, content_type="application/json")
    # Then the record and the ledger carry the change, who made it and why
    body = created(r, 200)
    assert body["version"] == 2 and body["licence_status"] == "licence_only"
    entry = ledger(client, inst)[0]
    assert entry["version"] == 2 and entry["event"] == "changed"
    assert entry["changes"] == {"address": ["", "甲区人民路 8 号"],
                                "licence_status": ["permit_and_licence", "licence_only"]}
    assert entry["reason"] == "年检发现办学许可证已注销"
    assert entry["changed_by"] == supervisor.name
    inst.refresh_from_db()
    assert inst.address == "甲区人民路 8 号" and inst.version == 2


def test_a_supervisor_change_without_a_reason_is_refused(cast, api_client, supervisor):
    client = api_client(supervisor)
    refused(lambda: client.patch(f"{API}/institutions/{cast.institution_1.pk}",
                                 {"address": "甲区人民路 8 号"}, content_type="application/json"),
            422, "required", "reason")


def test_institution_staff_change_their_contact_details_in_the_ledger(cast, api_client,
                                                                      institution_staff):
    # Given staff of I1
    inst = cast.institution_1
    client = api_client(institution_staff)
    # When they change phone, address and legal representative (no reason needed)
    r = client.patch(f"{API}/institutions/{inst.pk}",
                     {"phone": "0379-63210000", "address": "甲区学府路 1 号",
                      "legal_representative": "王某"}, content_type="application/json")
    # Then it is saved as a new ledger version by them
    assert created(r, 200)["version"] == 2
    inst.refresh_from_db()
    assert (inst.phone, inst.address, inst.legal_representative) == (
        "0379-63210000", "甲区学府路 1 号", "王某")
    version = InstitutionVersion.objects.get(institution=inst, version=2)
    assert version.changed_by == institution_staff and set(version.changes) == {
        "phone", "address", "legal_representative"}


@pytest.mark.parametrize("change", [{"name": "启航教育"}, {"licence_status": "neither"},
                                    {"school_permit_no": "教民000"},
                                    {"address": "新地址", "name": "启航教育"}])
def test_institution_staff_cannot_change_what_supervision_owns(cast, api_client,
                                                               institution_staff, change):
    client = api_client(institution_staff)
    refused(lambda: client.patch(f"{API}/institutions/{cast.institution_1.pk}",
                                 {**change, "reason": "改名"}, content_type="application/json"),
            403, "forbidden")


def test_an_inspector_records_a_found_institution_without_a_credit_code(cast, api_client,
                                                                        inspector):
    # Given an inspector who found an unlicensed tutoring room
    client = api_client(inspector)
    # When they record it without a credit code
    r = post_json(client, f"{API}/institutions", {
        "name": "某小区无证补习班", "subject_type": True, "found": True, "address": "甲区某小区"})
    # Then it is registered as found (无照无证), with a ledger entry by the inspector
    body = created(r)
    assert body["status"] == "found" and body["licence_status"] == "neither"
    assert body["credit_code"] == "" and body["bureau"] == cast.district_a.pk
    version = InstitutionVersion.objects.get(institution_id=body["id"])
    assert version.event == "found" and version.changed_by == inspector


def test_a_found_institution_with_an_invalid_credit_code_is_refused(api_client, inspector):
    client = api_client(inspector)
    refused(lambda: post_json(client, f"{API}/institutions", {
        "name": "无证补习班", "subject_type": True, "found": True,
        "credit_code": "91410402MA0000001Y"}), 422, "invalid", "credit_code")


def test_institution_staff_cannot_record_a_found_institution(api_client, institution_staff):
    client = api_client(institution_staff)
    refused(lambda: post_json(client, f"{API}/institutions", {
        "name": "隔壁补习班", "category": "other", "found": True}), 403, "forbidden")


# ---- applications (TI-1, TI-3, TI-4) -------------------------------------------------------------


@pytest.mark.parametrize("kind, rule", [
    ({"subject_type": True, "serves_compulsory": True}, "TI-1"),
    ({"subject_type": True, "mode": "online", "serves_compulsory": True}, "TI-1"),
    ({"serves_preschool": True, "serves_compulsory": False, "category": "art"}, "TI-3"),
    ({"subject_type": True, "serves_compulsory": False, "serves_senior_high": True}, "TI-3"),
    ({"serves_preschool": True, "serves_compulsory": False, "category": "art",
      "mode": "online"}, "TI-4"),
    ({"serves_preschool": True, "serves_compulsory": False, "subject_type": True}, "TI-4"),
])
def test_banned_kinds_of_institution_are_not_approved(api_client, institution_staff, kind, rule):
    # Given staff applying for a new institution of a kind no longer approved
    client = api_client(institution_staff)
    # When they apply, then the rule refuses it and nothing (not even their role) is saved
    refused(lambda: post_json(client, f"{API}/institutions", inst_body(**kind)), 422, rule,
            "subject_type")


def test_allowed_kinds_apply_and_wait_for_review(cast, api_client, institution_staff):
    # Given a non-subject institution for school pupils and a senior-high non-subject one
    client = api_client(institution_staff)
    for kind in ({}, {"serves_compulsory": False, "serves_senior_high": True, "category": "art"}):
        # When staff apply, then it is an application, licensed by I1's bureau
        body = created(post_json(client, f"{API}/institutions", inst_body(**kind)))
        assert body["status"] == "applying" and body["bureau"] == cast.district_a.pk
        assert body["licence_status"] == "licence_only"


@pytest.fixture
def application(cast, supervisor):
    """An application recorded by the supervision section (no permit yet)."""
    return services.register_institution(actor=supervisor, bureau=cast.district_a,
                                         **inst_body(name="甲区新芽体育"))


def test_approving_needs_a_permit_number(api_client, supervisor, application):
    client = api_client(supervisor)
    url = f"{API}/institutions/{application.pk}/review"
    refused(lambda: post_json(client, url, {"approve": True}), 422, "required", "school_permit_no")
    refused(lambda: post_json(client, url, {"approve": True, "school_permit_no": "  "}),
            422, "required", "school_permit_no")
    # With the permit number it is approved and licensed (有证有照)
    body = created(post_json(client, url, {"approve": True, "school_permit_no": "教民1410402009号"}),
                   200)
    assert body["status"] == "approved" and body["licence_status"] == "permit_and_licence"
    assert body["school_permit_no"] == "教民1410402009号"


def test_rejecting_needs_a_note_and_is_final(api_client, supervisor, application):
    client = api_client(supervisor)
    url = f"{API}/institutions/{application.pk}/review"
    refused(lambda: post_json(client, url, {"approve": False}), 422, "required", "note")
    body = created(post_json(client, url, {"approve": False, "note": "场地不达标"}), 200)
    assert body["status"] == "rejected"
    assert ledger(client, application)[0]["reason"] == "场地不达标"
    # A rejected institution is no longer applying: reviewing again is a conflict
    refused(lambda: post_json(client, url, {"approve": True, "school_permit_no": "教民1号"}),
            409, "conflict")


def test_approving_an_institution_that_is_not_applying_is_a_conflict(api_client, supervisor,
                                                                      art_inst):
    client = api_client(supervisor)
    refused(lambda: post_json(client, f"{API}/institutions/{art_inst.pk}/review",
                              {"approve": True, "school_permit_no": "教民2号"}), 409, "conflict")


def test_the_annual_review_happens_once_a_year(api_client, supervisor, art_inst):
    client = api_client(supervisor)
    url = f"{API}/institutions/{art_inst.pk}/annual-reviews"
    body = created(post_json(client, url, {"year": 2026, "result": "pass"}))
    assert body["year"] == 2026 and AnnualReview.objects.filter(institution=art_inst).count() == 1
    refused(lambda: post_json(client, url, {"year": 2026, "result": "fail"}), 409, "conflict",
            "year")
    created(post_json(client, url, {"year": 2027, "result": "rectify", "note": "消防整改"}))


def test_an_annual_review_needs_a_known_result(api_client, supervisor, art_inst):
    client = api_client(supervisor)
    refused(lambda: post_json(client, f"{API}/institutions/{art_inst.pk}/annual-reviews",
                              {"year": 2026, "result": "good"}), 422, "invalid", "result")


# ---- staff (TT-1, TT-7, TT-8, TT-2) -----------------------------------------------------------


@pytest.mark.parametrize("kind, extra, field", [
    ("teaching", {}, "teacher_certificate_no"),
    ("research", {}, "teacher_certificate_no"),
    ("teaching", {"other_certificate": "美术等级证书"}, "teacher_certificate_no"),
])
def test_subject_type_teaching_staff_need_a_teacher_certificate(api_client, subject_inst,
                                                                subject_staff, kind, extra, field):
    client = api_client(subject_staff)
    refused(lambda: post_json(client, f"{API}/institutions/{subject_inst.pk}/staff",
                              staff_body(kind=kind, teacher_certificate_no="", **extra)),
            422, "TT-1", field)


def test_non_subject_teaching_staff_need_some_certificate(api_client, art_inst, art_staff):
    client = api_client(art_staff)
    url = f"{API}/institutions/{art_inst.pk}/staff"
    body = staff_body(subjects=["art"], teacher_certificate_no="")
    refused(lambda: post_json(client, url, body), 422, "TT-1", "other_certificate")
    # Teaching maths at an art institution is subject-type teaching: a teacher certificate
    refused(lambda: post_json(client, url, {**body, "subjects": ["maths"],
                                            "other_certificate": "美术等级证书"}),
            422, "TT-1", "teacher_certificate_no")
    # A vocational certificate is enough for art; a receptionist needs none
    created(post_json(client, url, {**body, "other_certificate": "美术等级证书"}))
    created(post_json(client, url, staff_body(seq=12, kind="other", subjects=[],
                                              teacher_certificate_no="")))


@pytest.mark.parametrize("extra, rule, field", [
    ({"labour_contract": False}, "TT-7", "labour_contract"),
    ({"foreign": True, "located_abroad": True}, "TT-8", "located_abroad"),
])
def test_staff_without_a_contract_or_located_abroad_are_refused(api_client, subject_inst,
                                                                subject_staff, extra, rule, field):
    client = api_client(subject_staff)
    refused(lambda: post_json(client, f"{API}/institutions/{subject_inst.pk}/staff",
                              staff_body(**extra)), 422, rule, field)


def test_a_foreign_teacher_in_china_with_a_contract_is_accepted(api_client, subject_inst,
                                                               subject_staff):
    client = api_client(subject_staff)
    body = created(post_json(client, f"{API}/institutions/{subject_inst.pk}/staff",
                             staff_body(foreign=True)))
    assert body["foreign"] is True


@pytest.mark.parametrize("number, code", [(BAD_ID, "invalid"), ("12345", "invalid"),
                                          ("", "required")])
def test_an_invalid_id_number_is_refused(api_client, subject_inst, subject_staff, number, code):
    client = api_client(subject_staff)
    body = refused(lambda: post_json(client, f"{API}/institutions/{subject_inst.pk}/staff",
                                     staff_body(id_number=number)), 422, code, "id_number")
    if number:
        assert number not in body["message"]


def test_the_same_person_twice_in_one_institution_is_a_conflict(api_client, subject_inst,
                                                                subject_staff, art_inst,
                                                                art_staff):
    client = api_client(subject_staff)
    url = f"{API}/institutions/{subject_inst.pk}/staff"
    created(post_json(client, url, staff_body()))
    # The same number under another name is the same person
    refused(lambda: post_json(client, url, staff_body(name="陈某")), 409, "conflict", "id_number")
    # Another institution may employ them too
    created(post_json(api_client(art_staff), f"{API}/institutions/{art_inst.pk}/staff",
                      staff_body(subjects=["art"], teacher_certificate_no="",
                                 other_certificate="美术等级证书")))


def test_a_staff_member_who_left_can_be_registered_again(api_client, subject_inst,
                                                         subject_staff):
    client = api_client(subject_staff)
    url = f"{API}/institutions/{subject_inst.pk}/staff"
    first = created(post_json(client, url, staff_body()))
    created(post_json(client, f"{url}/{first['id']}/leave"), 200)
    refused(lambda: post_json(client, f"{url}/{first['id']}/leave"), 409, "conflict")
    created(post_json(client, url, staff_body()))
    assert Staff.objects.filter(institution=subject_inst).count() == 2


def test_id_numbers_never_leave_the_platform_unmasked(cast, api_client, supervisor, art_inst,
                                                      art_staff, inspector, bureau_admin):
    # Given a staff member registered with a full ID number that ends in the check letter X
    seq = next(s for s in range(20, 200) if make_id_number(s, birth="19880808").endswith("X"))
    number = make_id_number(seq, birth="19880808")
    staff_client = api_client(art_staff)
    url = f"{API}/institutions/{art_inst.pk}/staff"
    body = staff_body(id_number=number.lower(), subjects=["art"], teacher_certificate_no="",
                      other_certificate="美术等级证书")
    responses = [post_json(staff_client, url, body), post_json(staff_client, url, body)]
    # When anybody reads staff, the ledger, the audit log or the public page
    for client in (staff_client, api_client(supervisor), api_client(inspector)):
        responses += [client.get(url), client.get(f"{url}?include_left=true"),
                      client.get(f"{API}/institutions/{art_inst.pk}/ledger")]
    audit = api_client(bureau_admin).get(f"{API}/audit/entries?limit=500")
    assert audit.status_code == 200 and audit.json()["count"] > 0
    responses += [audit, api_client(None).get(f"{API}/public/institutions/{art_inst.pk}")]
    # Then the number appears only masked (region code and last four)
    staff = Staff.objects.get()
    assert staff.id_masked == number[:6] + "********" + number[-4:]
    assert responses[2].json()["items"][0]["id_number"] == staff.id_masked
    for r in responses:
        text = r.content.decode()
        assert number not in text.upper(), r.request["PATH_INFO"]
        assert number[6:14] not in text, r.request["PATH_INFO"]  # not even the birth date
    # and the database keeps only the hash and the masked form
    assert number not in str(Staff.objects.values().get()).upper()


def test_an_in_service_teacher_is_matched_when_added_and_the_match_is_closed_with_a_note(
        cast, api_client, supervisor, subject_inst, subject_staff):
    # Given teacher_a already on school A1's roster
    teacher = cast.teacher_a_profile
    # When the institution registers them as staff
    created(post_json(api_client(subject_staff), f"{API}/institutions/{subject_inst.pk}/staff",
                      staff_body(id_number=teacher.id_number)))
    # Then supervision sees a match, and closing it needs a note
    client = api_client(supervisor)
    items = client.get(f"{API}/teacher-matches").json()["items"]
    assert [(m["teacher"], m["institution"], m["status"]) for m in items] == [
        (teacher.pk, subject_inst.pk, "open")]
    url = f"{API}/teacher-matches/{items[0]['id']}/close"
    refused(lambda: post_json(client, url, {"confirmed": True, "note": " "}), 422, "required",
            "note")
    body = created(post_json(client, url, {"confirmed": True, "note": "转师德师风处理"}), 200)
    assert body["status"] == "confirmed"
    match = TeacherMatch.objects.get()
    assert match.closed_by == supervisor and match.note == "转师德师风处理"
    refused(lambda: post_json(client, url, {"confirmed": False, "note": "重复"}), 409, "conflict")


def test_the_daily_check_matches_a_teacher_who_joins_a_roster_later(
        cast, api_client, bureau_admin, supervisor, subject_inst, subject_staff, art_inst,
        art_staff):
    # Given a staff member at two institutions, not (yet) a teacher
    number = make_id_number(31, birth="19920202")
    created(post_json(api_client(subject_staff), f"{API}/institutions/{subject_inst.pk}/staff",
                      staff_body(id_number=number)))
    created(post_json(api_client(art_staff), f"{API}/institutions/{art_inst.pk}/staff",
                      staff_body(id_number=number, subjects=["art"], teacher_certificate_no="",
                                 other_certificate="美术等级证书")))
    assert not TeacherMatch.objects.exists()
    # When school A2 hires them and the daily check runs
    teacher = org_services.create_teacher(actor=bureau_admin, school=cast.school_a2, name="钱老师",
                                          gender="M", phone="13900009999", id_number=number)
    out = io.StringIO()
    call_command("check_institutions", stdout=out)
    # Then both institutions' records are matched, for supervision only
    assert sorted(TeacherMatch.objects.values_list("staff__institution_id", "teacher_id")) == [
        (subject_inst.pk, teacher.pk), (art_inst.pk, teacher.pk)]
    assert "2 条" in out.getvalue()
    assert api_client(supervisor).get(f"{API}/teacher-matches").json()["count"] == 2
    # and running it again finds nothing new
    call_command("check_institutions", stdout=io.StringIO())
    assert TeacherMatch.objects.count() == 2


def test_the_daily_check_ignores_staff_who_have_left(cast, api_client, bureau_admin,
                                                     subject_inst, subject_staff):
    number = make_id_number(32, birth="19920202")
    url = f"{API}/institutions/{subject_inst.pk}/staff"
    staff = created(post_json(api_client(subject_staff), url, staff_body(id_number=number)))
    created(post_json(api_client(subject_staff), f"{url}/{staff['id']}/leave"), 200)
    org_services.create_teacher(actor=bureau_admin, school=cast.school_a2, name="钱老师",
                                gender="M", phone="13900009998", id_number=number)
    call_command("check_institutions", stdout=io.StringIO())
    assert not TeacherMatch.objects.exists()


# ---- courses and prices (TP-1..TP-3, TS-4, TI-4, TI-7, TI-13) ------------------------------------


@pytest.mark.parametrize("mode, minutes, size, ceiling", [
    ("offline", 45, 20, 6600),   # base 6000 × 1.10
    ("offline", 90, 20, 13200),  # two standard lessons
    ("offline", 60, 20, 8800),   # 6000 × 1.10 × 60/45
    ("offline", 40, 5, 11733),   # 12000 × 1.10 × 40/45 = 11733.3
    ("online", 30, 5, 8800),     # online standard lesson is 30 minutes
    ("online", 20, 20, 2200),    # 3000 × 1.10 × 20/30
    ("online", 25, 40, 1833),    # 2000 × 1.10 × 25/30 = 1833.3
])
def test_the_price_ceiling_is_the_guide_price_plus_ten_percent_pro_rata(
        api_client, subject_inst, subject_staff, online_inst, online_staff, guide_prices,
        mode, minutes, size, ceiling):
    inst, staff = (subject_inst, subject_staff) if mode == "offline" else (online_inst,
                                                                            online_staff)
    client = api_client(staff)
    course = {"mode": mode, "lesson_minutes": minutes, "class_size": size}
    # One fen over the ceiling is refused, nothing saved
    refused(lambda: add_course(client, inst, price_per_lesson_fen=ceiling + 1, **course),
            422, "TP-1", "price_per_lesson_fen")
    # Exactly the ceiling is accepted (and anything lower: no floor)
    body = created(add_course(client, inst, price_per_lesson_fen=ceiling, **course))
    assert body["price_per_lesson_fen"] == ceiling and body["subject_type"] is True
    created(add_course(client, inst, price_per_lesson_fen=1, **course))


def test_a_stricter_district_float_applies(api_client, cast, bureau_admin, subject_inst,
                                           subject_staff, guide_prices):
    # Given district A allows at most 5 % above the guide price
    set_rule(actor=bureau_admin, bureau=cast.district_a, key="tp.max_up_percent", value=5)
    client = api_client(subject_staff)
    refused(lambda: add_course(client, subject_inst, price_per_lesson_fen=6301), 422, "TP-1",
            "price_per_lesson_fen")
    refused(lambda: add_course(client, subject_inst, price_per_lesson_fen=6600), 422, "TP-1")
    created(add_course(client, subject_inst, price_per_lesson_fen=6300))


@pytest.mark.parametrize("size, band_ceiling, other_ceiling", [
    (1, 13200, 6600),
    (9, 13200, 6600),    # under 10: small
    (10, 6600, 13200),   # 10 belongs to the middle band
    (35, 6600, 4400),    # so does 35
    (36, 4400, 6600),    # over 35: large
    (500, 4400, 6600),
])
def test_class_size_bands(api_client, subject_inst, subject_staff, guide_prices, size,
                          band_ceiling, other_ceiling):
    client = api_client(subject_staff)
    if other_ceiling > band_ceiling:  # a neighbouring band's ceiling is over this band's
        refused(lambda: add_course(client, subject_inst, class_size=size,
                                   price_per_lesson_fen=other_ceiling), 422, "TP-1")
    refused(lambda: add_course(client, subject_inst, class_size=size,
                               price_per_lesson_fen=band_ceiling + 1), 422, "TP-1")
    created(add_course(client, subject_inst, class_size=size, price_per_lesson_fen=band_ceiling))


def test_without_a_guide_price_for_the_band_a_subject_course_is_refused(
        api_client, cast, subject_inst, subject_staff, art_inst, art_staff, guide_prices):
    # Given district A has no guide price for large offline classes
    GuidePrice.objects.filter(bureau=cast.district_a, mode="offline", band="large").delete()
    client = api_client(subject_staff)
    refused(lambda: add_course(client, subject_inst, class_size=40, price_per_lesson_fen=100),
            422, "TP-1", "price_per_lesson_fen")
    # The city's guide price is inherited when the district has none
    GuidePrice.objects.create(bureau=cast.city, mode="offline", band="large", base_price_fen=5000)
    refused(lambda: add_course(client, subject_inst, class_size=40, price_per_lesson_fen=5501),
            422, "TP-1")
    created(add_course(client, subject_inst, class_size=40, price_per_lesson_fen=5500))
    # Non-subject courses follow the market price: no guide price needed
    created(add_course(api_client(art_staff), art_inst, subject="art", class_size=40,
                       price_per_lesson_fen=99999))


def test_an_online_course_lesson_over_thirty_minutes_is_refused(api_client, online_inst,
                                                                online_staff, guide_prices):
    client = api_client(online_staff)
    refused(lambda: add_course(client, online_inst, mode="online", lesson_minutes=31,
                               price_per_lesson_fen=100), 422, "TS-4", "lesson_minutes")
    created(add_course(client, online_inst, mode="online", lesson_minutes=30,
                       price_per_lesson_fen=100))


def test_a_non_subject_institution_cannot_offer_a_subject_course(api_client, art_inst, art_staff,
                                                                 guide_prices):
    client = api_client(art_staff)
    refused(lambda: add_course(client, art_inst, subject="english", price_per_lesson_fen=100),
            422, "TI-7", "subject")


@pytest.mark.parametrize("who, extra", [
    ("art", {"subject": "art", "mode": "online", "lesson_minutes": 30}),  # online for pre-school
    ("subject", {"subject": "maths", "price_per_lesson_fen": 100}),  # subject-type pre-school
])
def test_pre_school_children_get_no_online_and_no_subject_training(
        request, api_client, guide_prices, who, extra):
    inst = request.getfixturevalue(f"{who}_inst")
    client = api_client(request.getfixturevalue(f"{who}_staff"))
    refused(lambda: add_course(client, inst, grades=[0, 1], **extra), 422, "TI-4", "grades")


def test_pre_school_children_may_take_offline_art(api_client, art_inst, art_staff):
    created(add_course(api_client(art_staff), art_inst, subject="art", grades=[0]))


def test_an_institution_not_approved_cannot_add_courses(api_client, institution_staff, cast):
    Institution.objects.filter(pk=cast.institution_1.pk).update(status="applying")
    refused(lambda: add_course(api_client(institution_staff), cast.institution_1, subject="art"),
            409, "conflict")


# ---- sessions (TS-1..TS-4) ----------------------------------------------------------------------


@pytest.fixture
def maths(api_client, subject_inst, subject_staff, guide_prices, calendar_a):
    """An offline grade-7 maths course of the subject-type institution."""
    return created(add_course(api_client(subject_staff), subject_inst, price_per_lesson_fen=6000))


@pytest.fixture
def art_course(api_client, art_inst, art_staff, calendar_a):
    return created(add_course(api_client(art_staff), art_inst, subject="art", grades=[3, 4],
                              lesson_minutes=60, price_per_lesson_fen=15000))


@pytest.fixture
def online_english(api_client, online_inst, online_staff, guide_prices, calendar_a):
    return created(add_course(api_client(online_staff), online_inst, name="初二英语", subject="english",
                              mode="online", grades=[8], lesson_minutes=30,
                              price_per_lesson_fen=3000))


@pytest.mark.parametrize("date", [NATIONAL_DAY, SATURDAY, dt.date(2026, 11, 29), WINTER_MONDAY,
                                  dt.date(2027, 2, 21)],
                         ids=["national-day", "saturday", "sunday", "winter-vacation",
                              "last-day-of-vacation"])
def test_subject_training_is_refused_on_holidays_rest_days_and_vacations(
        api_client, subject_inst, subject_staff, maths, date):
    client = api_client(subject_staff)
    refused(lambda: add_session(client, subject_inst, maths["id"], date, "09:00", "10:30"),
            422, "TS-1", "start")


def test_subject_training_on_school_evenings_around_the_vacation_is_allowed(
        api_client, subject_inst, subject_staff, maths):
    client = api_client(subject_staff)
    for date in (dt.date(2027, 1, 22), dt.date(2027, 2, 22)):  # last and first school day
        created(add_session(client, subject_inst, maths["id"], date, "18:00", "19:30"))


def test_the_make_up_saturday_is_a_working_day_unless_the_district_says_otherwise(
        api_client, cast, bureau_admin, subject_inst, subject_staff, maths):
    client = api_client(subject_staff)
    # By default 调休 Saturday 2026-10-10 is a working (school) day: evening training is allowed
    created(add_session(client, subject_inst, maths["id"], MAKEUP_SATURDAY, "18:00", "19:30"))
    # and school hours apply as on any school day
    refused(lambda: add_session(client, subject_inst, maths["id"], MAKEUP_SATURDAY, "10:00",
                                "11:30"), 422, "TS-2")
    # When the district treats make-up days as rest days, it is refused
    set_rule(actor=bureau_admin, bureau=cast.district_a, key="ts.makeup_workday_is_rest",
             value="yes")
    refused(lambda: add_session(client, subject_inst, maths["id"], MAKEUP_SATURDAY, "19:40",
                                "20:20"), 422, "TS-1")


def test_non_subject_training_may_use_weekends_and_holidays(api_client, art_inst, art_staff,
                                                            art_course):
    client = api_client(art_staff)
    for date in (SATURDAY, NATIONAL_DAY, WINTER_MONDAY):
        created(add_session(client, art_inst, art_course["id"], date, "10:00", "11:00"))
    assert TrainingSession.objects.filter(course_id=art_course["id"]).count() == 3


@pytest.mark.parametrize("start, end", [("16:00", "17:00"), ("07:30", "08:01"),
                                        ("17:29", "18:15"), ("12:00", "13:00")])
def test_training_may_not_clash_with_school_hours_on_a_school_day(
        api_client, subject_inst, subject_staff, art_inst, art_staff, maths, art_course, start,
        end):
    # Subject and non-subject training alike (TS-2 applies to all institutions)
    for inst, staff, course in ((subject_inst, subject_staff, maths),
                                (art_inst, art_staff, art_course)):
        client = api_client(staff)
        refused(lambda c=client, i=inst, k=course: add_session(c, i, k["id"], TUESDAY, start,
                                                                end), 422, "TS-2", "start")


def test_training_right_after_school_hours_and_on_weekends_does_not_clash(
        api_client, subject_inst, subject_staff, art_inst, art_staff, maths, art_course):
    created(add_session(api_client(subject_staff), subject_inst, maths["id"], TUESDAY, "17:30",
                        "18:15"))
    created(add_session(api_client(subject_staff), subject_inst, maths["id"], TUESDAY, "07:00",
                        "08:00"))
    created(add_session(api_client(art_staff), art_inst, art_course["id"], SATURDAY, "15:00",
                        "16:00"))


def test_offline_training_ends_by_half_past_eight(api_client, subject_inst, subject_staff,
                                                  art_inst, art_staff, maths, art_course):
    client = api_client(subject_staff)
    refused(lambda: add_session(client, subject_inst, maths["id"], TUESDAY, "19:46", "20:31"),
            422, "TS-3", "start")
    created(add_session(client, subject_inst, maths["id"], TUESDAY, "19:45", "20:30"))
    # Non-subject offline training too, weekends included
    refused(lambda: add_session(api_client(art_staff), art_inst, art_course["id"], SATURDAY,
                                "19:31", "20:31"), 422, "TS-3")


def test_training_may_not_run_past_midnight(api_client, art_inst, art_staff, art_course):
    client = api_client(art_staff)
    refused(lambda: post_json(client, f"{API}/institutions/{art_inst.pk}/sessions", {
        "course": art_course["id"], "start": at(SATURDAY, "23:30").isoformat(),
        "end": at(SATURDAY + dt.timedelta(days=1), "00:30").isoformat()}), 422, "TS-3")


def test_times_are_read_in_china_standard_time(api_client, subject_inst, subject_staff, maths):
    # 12:31–13:16 UTC is 20:31–21:16 in Beijing: past 20:30
    client = api_client(subject_staff)
    refused(lambda: post_json(client, f"{API}/institutions/{subject_inst.pk}/sessions", {
        "course": maths["id"], "start": "2026-11-24T11:46:00Z", "end": "2026-11-24T12:31:00Z"}),
        422, "TS-3")
    # A time without a zone is refused rather than guessed
    refused(lambda: post_json(client, f"{API}/institutions/{subject_inst.pk}/sessions", {
        "course": maths["id"], "start": "2026-11-24T18:00:00", "end": "2026-11-24T19:00:00"}),
        422, "invalid")


def test_online_lessons_are_thirty_minutes_and_end_by_nine(api_client, online_inst,
                                                           online_staff, online_english):
    client = api_client(online_staff)
    course = online_english["id"]
    refused(lambda: add_session(client, online_inst, course, TUESDAY, "19:00", "19:31"),
            422, "TS-4", "start")
    refused(lambda: add_session(client, online_inst, course, TUESDAY, "20:31", "21:01"),
            422, "TS-4")
    created(add_session(client, online_inst, course, TUESDAY, "20:30", "21:00"))


def test_online_lessons_of_a_course_are_ten_minutes_apart(api_client, online_inst, online_staff,
                                                          online_english):
    client = api_client(online_staff)
    course = online_english["id"]
    created(add_session(client, online_inst, course, TUESDAY, "19:00", "19:30"))
    # 9 minutes after, 9 minutes before, or overlapping is too close
    for start, end in (("19:39", "20:09"), ("18:21", "18:51"), ("19:10", "19:40")):
        refused(lambda s=start, e=end: add_session(client, online_inst, course, TUESDAY, s, e),
                422, "TS-4", "start")
    # 10 minutes is enough, after and before
    created(add_session(client, online_inst, course, TUESDAY, "19:40", "20:10"))
    created(add_session(client, online_inst, course, TUESDAY, "18:20", "18:50"))
    # Another course's lesson does not count for this course's gap
    other = created(add_course(client, online_inst, name="初二物理", subject="physics",
                               mode="online", grades=[8], lesson_minutes=30,
                               price_per_lesson_fen=3000))
    created(add_session(client, online_inst, other["id"], TUESDAY, "20:15", "20:45"))
    refused(lambda: add_session(client, online_inst, course, TUESDAY, "20:19", "20:49"),
            422, "TS-4")


def test_a_cancelled_lesson_does_not_count_for_the_gap(api_client, online_inst, online_staff,
                                                       online_english):
    client = api_client(online_staff)
    first = created(add_session(client, online_inst, online_english["id"], TUESDAY, "18:00",
                                "18:30"))
    TrainingSession.objects.filter(pk=first["id"]).update(cancelled=True)
    created(add_session(client, online_inst, online_english["id"], TUESDAY, "18:35", "19:05"))


def test_a_session_of_another_institutions_course_is_not_found(api_client, subject_inst,
                                                               subject_staff, art_inst,
                                                               art_course):
    client = api_client(subject_staff)
    # At their own institution with the art institution's course: the course is not found
    refused(lambda: add_session(client, subject_inst, art_course["id"], SATURDAY, "10:00",
                                "11:00"), 404, "not_found")
    # At the art institution: the institution is not theirs
    refused(lambda: add_session(client, art_inst, art_course["id"], SATURDAY, "10:00", "11:00"),
            404, "not_found")


def test_a_session_in_another_mode_than_its_course_is_refused(api_client, subject_inst,
                                                              subject_staff, maths):
    client = api_client(subject_staff)
    refused(lambda: add_session(client, subject_inst, maths["id"], TUESDAY, "18:00", "18:30",
                                mode="online"), 422, "invalid", "mode")


def test_a_refused_session_reports_every_problem(api_client, subject_inst, subject_staff, maths):
    client = api_client(subject_staff)
    body = refused(lambda: add_session(client, subject_inst, maths["id"], SATURDAY, "19:00",
                                       "21:00"), 422, "TS-1")
    assert sorted(r["rule"] for r in body["rows"]) == ["TS-1", "TS-3"]


def test_the_daily_check_flags_sessions_a_stricter_setting_made_illegal(
        api_client, cast, bureau_admin, subject_inst, subject_staff, online_inst, online_staff,
        maths, online_english):
    # Given a future 调休 Saturday of district A (2026-12-05 declared a working day)
    calendar_services.save_override(actor=bureau_admin, bureau=cast.district_a,
                                    date=dt.date(2026, 12, 5), kind="workday", note="调休上班")
    # and sessions filed under the defaults: on that Saturday, on the past 调休 Saturday
    # 2026-10-10, and two online lessons 10 minutes apart (a third one cancelled)
    client = api_client(subject_staff)
    coming = created(add_session(client, subject_inst, maths["id"], dt.date(2026, 12, 5),
                                 "18:00", "19:30"))
    past = created(add_session(client, subject_inst, maths["id"], MAKEUP_SATURDAY, "18:00",
                               "19:30"))
    online = api_client(online_staff)
    first = created(add_session(online, online_inst, online_english["id"], TUESDAY, "18:00",
                                "18:30"))
    second = created(add_session(online, online_inst, online_english["id"], TUESDAY, "18:40",
                                 "19:10"))
    cancelled = created(add_session(online, online_inst, online_english["id"], TUESDAY, "19:20",
                                    "19:50"))
    TrainingSession.objects.filter(pk=cancelled["id"]).update(cancelled=True)
    # When the district makes 调休 days rest days and asks for 15 minutes between online lessons,
    # and the daily check runs
    set_rule(actor=bureau_admin, bureau=cast.district_a, key="ts.makeup_workday_is_rest",
             value="yes")
    set_rule(actor=bureau_admin, bureau=cast.district_a, key="ts.online_min_gap_minutes",
             value=15)
    out = io.StringIO()
    call_command("check_institutions", stdout=out)
    # Then the future sessions that now break a rule are flagged: the later lesson of the pair
    # only, neither the past session nor the cancelled one
    flags = sorted(ScheduleFlag.objects.values_list("session_id", "rule"))
    assert flags == sorted([(coming["id"], "TS-1"), (second["id"], "TS-4")])
    assert {first["id"], past["id"], cancelled["id"]}.isdisjoint(f[0] for f in flags)
    assert "2 节" in out.getvalue()
    # and the check is idempotent, and limited to the bureaus asked for
    assert services.recheck_sessions() == 0
    ScheduleFlag.objects.all().delete()
    assert services.recheck_sessions([cast.district_b.pk]) == 0
    assert services.recheck_sessions([cast.district_a.pk], today=dt.date(2026, 11, 25)) == 1
    assert services.recheck_sessions(today=dt.date(2026, 9, 1)) == 2  # the past one too


# ---- cards and lists (TI-13) --------------------------------------------------------------------


def issue(client, inst, colour="yellow", reason="超时培训"):
    return post_json(client, f"{API}/institutions/{inst.pk}/cards",
                     {"colour": colour, "reason": reason})


def test_a_second_yellow_card_within_twelve_months_makes_a_linked_red_card(
        api_client, supervisor, inspector, subject_inst, subject_staff, maths):
    # Given a yellow card from an inspector
    first = created(issue(api_client(inspector), subject_inst))
    subject_inst.refresh_from_db()
    assert not subject_inst.enrolment_suspended
    # When the supervisor gives a second one
    second = created(issue(api_client(supervisor), subject_inst, reason="未公示收费"))
    # Then a red card links both yellows and enrolment is suspended
    red = Card.objects.get(institution=subject_inst, colour="red")
    assert sorted(red.escalated_from) == sorted([first["id"], second["id"]])
    assert set(Card.objects.filter(colour="yellow").values_list("escalated_into", flat=True)) \
        == {red.pk}
    cards = api_client(supervisor).get(f"{API}/institutions/{subject_inst.pk}/cards").json()
    assert cards["count"] == 3 and cards["items"][0]["colour"] == "red"
    subject_inst.refresh_from_db()
    assert subject_inst.enrolment_suspended
    events = [v["event"] for v in ledger(api_client(supervisor), subject_inst)][:4]
    assert events == ["enrolment.suspended", "card.escalated", "card.issued", "card.issued"]
    # and the institution can neither add courses nor file sessions
    client = api_client(subject_staff)
    refused(lambda: add_course(client, subject_inst), 422, "TI-13")
    refused(lambda: add_session(client, subject_inst, maths["id"], TUESDAY, "18:00", "19:00"),
            422, "TI-13")
    # When the red card is revoked with a reason, enrolment resumes
    body = created(post_json(api_client(supervisor), f"{API}/cards/{red.pk}/revoke",
                             {"reason": "整改到位"}), 200)
    assert body["revoked_at"] and body["revoke_reason"] == "整改到位"
    subject_inst.refresh_from_db()
    assert not subject_inst.enrolment_suspended
    created(add_session(client, subject_inst, maths["id"], TUESDAY, "18:00", "19:00"))
    created(add_course(client, subject_inst))
    # and the yellows already escalated do not escalate again
    created(issue(api_client(supervisor), subject_inst, reason="又一次超时"))
    assert Card.objects.filter(colour="red").count() == 1


def test_a_yellow_card_older_than_the_window_does_not_count(api_client, supervisor, art_inst):
    client = api_client(supervisor)
    old = created(issue(client, art_inst))
    Card.objects.filter(pk=old["id"]).update(
        issued_at=timezone.now() - dt.timedelta(days=370))
    created(issue(client, art_inst))
    art_inst.refresh_from_db()
    assert not Card.objects.filter(colour="red").exists() and not art_inst.enrolment_suspended
    # One within the window does count
    Card.objects.filter(pk=old["id"]).update(issued_at=timezone.now() - dt.timedelta(days=300))
    created(issue(client, art_inst))
    assert Card.objects.filter(colour="red").count() == 1


def test_a_revoked_yellow_card_does_not_count(api_client, supervisor, art_inst):
    client = api_client(supervisor)
    first = created(issue(client, art_inst))
    created(post_json(client, f"{API}/cards/{first['id']}/revoke", {"reason": "证据不足"}), 200)
    created(issue(client, art_inst))
    assert not Card.objects.filter(colour="red").exists()


def test_a_district_may_make_one_yellow_card_a_red(api_client, cast, bureau_admin, supervisor,
                                                  art_inst):
    # Given district A escalates at the first yellow card (stricter than the default two)
    set_rule(actor=bureau_admin, bureau=cast.district_a, key="ti.yellow_cards_for_red", value=1)
    # When a yellow card is given, then a red card follows at once
    first = created(issue(api_client(supervisor), art_inst))
    assert Card.objects.get(colour="red").escalated_from == [first["id"]]
    art_inst.refresh_from_db()
    assert art_inst.enrolment_suspended


def test_with_three_yellow_cards_for_a_red_two_do_not_escalate(api_client, cast, supervisor,
                                                               bureau_admin, art_inst):
    # Given district A's setting of three yellow cards (no national number: any count is
    # the district's choice, so set_rule takes it)
    set_rule(actor=bureau_admin, bureau=cast.district_a, key="ti.yellow_cards_for_red", value=3)
    client = api_client(supervisor)
    for _ in range(2):
        created(issue(client, art_inst))
    assert not Card.objects.filter(colour="red").exists()
    # When the third comes, then the red card links all three
    created(issue(client, art_inst))
    red = Card.objects.get(colour="red")
    assert len(red.escalated_from) == 3
    art_inst.refresh_from_db()
    assert art_inst.enrolment_suspended


def test_a_red_card_suspends_enrolment_at_once(api_client, supervisor, art_inst, art_staff):
    created(issue(api_client(supervisor), art_inst, colour="red", reason="无证开设学科类课程"))
    refused(lambda: add_course(api_client(art_staff), art_inst, subject="art"), 422, "TI-13")


@pytest.mark.parametrize("body, code", [({"reason": ""}, "required"), ({"reason": "  "},
                                                                         "required"),
                                        ({}, "required")])
def test_revoking_a_card_needs_a_reason(api_client, supervisor, art_inst, body, code):
    card = created(issue(api_client(supervisor), art_inst, colour="red"))
    refused(lambda: post_json(api_client(supervisor), f"{API}/cards/{card['id']}/revoke", body),
            422, code, "reason")


def test_a_card_is_revoked_once(api_client, supervisor, art_inst):
    client = api_client(supervisor)
    card = created(issue(client, art_inst))
    created(post_json(client, f"{API}/cards/{card['id']}/revoke", {"reason": "误判"}), 200)
    refused(lambda: post_json(client, f"{API}/cards/{card['id']}/revoke", {"reason": "再撤"}),
            409, "conflict")


def test_a_card_needs_a_reason_and_a_colour(api_client, supervisor, art_inst):
    client = api_client(supervisor)
    refused(lambda: issue(client, art_inst, reason=" "), 422, "required", "reason")
    refused(lambda: issue(client, art_inst, colour="green"), 422, "invalid", "colour")


def add_list(client, inst, kind, reason="合规经营"):
    return post_json(client, f"{API}/institutions/{inst.pk}/lists", {"kind": kind,
                                                                    "reason": reason})


def test_the_white_list_takes_only_licensed_institutions_in_good_standing(
        api_client, cast, supervisor, art_inst, subject_inst):
    client = api_client(supervisor)
    # 有照无证 (I2) is refused
    refused(lambda: add_list(client, cast.institution_2, "white"), 422, "TI-13", "kind")
    # so is an institution whose enrolment is suspended by a red card
    created(issue(client, art_inst, colour="red"))
    refused(lambda: add_list(client, art_inst, "white"), 422, "TI-13")
    # and one not approved (suspended by the bureau)
    Institution.objects.filter(pk=subject_inst.pk).update(status="suspended")
    refused(lambda: add_list(client, subject_inst, "white"), 422, "TI-13")
    # A licensed institution in good standing is listed
    created(add_list(client, cast.institution_1, "white"))
    refused(lambda: add_list(client, cast.institution_1, "white"), 409, "conflict")


def test_the_black_list_removes_the_white_and_keeps_it_out(api_client, supervisor, art_inst):
    client = api_client(supervisor)
    white = created(add_list(client, art_inst, "white"))
    black = created(add_list(client, art_inst, "black", reason="虚假宣传"))
    current = client.get(f"{API}/list-entries").json()["items"]
    assert [(e["id"], e["kind"]) for e in current] == [(black["id"], "black")]
    removed = ListEntry.objects.get(pk=white["id"])
    assert removed.removed_at is not None and removed.removed_reason
    refused(lambda: add_list(client, art_inst, "white"), 422, "TI-13")
    everything = client.get(f"{API}/list-entries?current=false").json()
    assert everything["count"] == 2


def test_removal_from_a_list_needs_a_reason(api_client, supervisor, art_inst):
    client = api_client(supervisor)
    entry = created(add_list(client, art_inst, "black", reason="虚假宣传"))
    url = f"{API}/list-entries/{entry['id']}/remove"
    refused(lambda: post_json(client, url, {"reason": ""}), 422, "required", "reason")
    body = created(post_json(client, url, {"reason": "整改完成，复查合格"}), 200)
    assert body["removed_at"] and body["removed_reason"] == "整改完成，复查合格"
    assert ledger(client, art_inst)[0]["event"] == "list.removed"
    refused(lambda: post_json(client, url, {"reason": "再次移出"}), 409, "conflict")
    # Off the black list, the white list is open again
    created(add_list(client, art_inst, "white"))


def test_an_unknown_list_is_refused(api_client, supervisor, art_inst):
    refused(lambda: add_list(api_client(supervisor), art_inst, "grey"), 422, "invalid", "kind")


# ---- public lookup ------------------------------------------------------------------------------


@pytest.fixture
def published(cast, supervisor, art_inst, art_staff, subject_inst):
    """The art institution with a phone, two courses (one unpublished), a teacher and a
    receptionist; one application and one rejected institution."""
    Institution.objects.filter(pk=art_inst.pk).update(phone="0379-63218888")
    services.add_course(actor=art_staff, institution=art_inst, name="少儿素描", subject="art",
                        mode="offline", grades=[3, 4], class_size=12, lesson_minutes=60,
                        price_per_lesson_fen=12000, content_summary="素描基础")
    hidden = services.add_course(actor=art_staff, institution=art_inst, name="内部试听",
                                 subject="art", mode="offline", grades=[3], class_size=12,
                                 lesson_minutes=60, price_per_lesson_fen=0, content_summary="试听")
    TrainingCourse.objects.filter(pk=hidden.pk).update(published=False)
    services.add_staff(actor=art_staff, institution=art_inst, name="周老师",
                       id_number=make_id_number(41, birth="19870707"), kind="teaching",
                       subjects=["art"], other_certificate="美术等级证书")
    services.add_staff(actor=art_staff, institution=art_inst, name="前台小吴",
                       id_number=make_id_number(42, birth="19990909"), kind="other")
    applying = services.register_institution(actor=supervisor, bureau=cast.district_a,
                                             **inst_body(name="甲区彩虹体育（申请中）"))
    rejected = services.register_institution(actor=supervisor, bureau=cast.district_a,
                                             **inst_body(name="甲区彩虹舞蹈（未获批准）"))
    services.review_application(actor=supervisor, institution=rejected, approve=False,
                                note="场地不达标")
    return {"applying": applying, "rejected": rejected}


def test_the_public_finds_institutions_by_name_and_exact_credit_code(api_client, art_inst,
                                                                     subject_inst, published):
    client = api_client(None)
    # By part of the name: only registered institutions (not applications, not rejections)
    found = client.get(f"{API}/public/institutions?q=彩虹").json()
    assert [i["id"] for i in found["items"]] == [art_inst.pk] and found["count"] == 1
    # By the exact credit code, in any case
    for q in (subject_inst.credit_code, subject_inst.credit_code.lower()):
        items = client.get(f"{API}/public/institutions", {"q": q}).json()["items"]
        assert [i["id"] for i in items] == [subject_inst.pk]
    # Part of a code finds nothing
    assert client.get(f"{API}/public/institutions",
                      {"q": subject_inst.credit_code[:10]}).json()["count"] == 0
    # An application's own code finds nothing either
    assert client.get(f"{API}/public/institutions",
                      {"q": published["applying"].credit_code}).json()["count"] == 0


@pytest.mark.parametrize("which", ["applying", "rejected"])
def test_applications_and_rejections_have_no_public_page(api_client, published, which):
    assert_error(api_client(None).get(f"{API}/public/institutions/{published[which].pk}"),
                 404, "not_found")


def test_the_public_page_shows_published_fees_and_certificates_but_no_personal_data(
        api_client, art_inst, published):
    r = api_client(None).get(f"{API}/public/institutions/{art_inst.pk}")
    assert r.status_code == 200
    detail = r.json()
    assert [c["name"] for c in detail["courses"]] == ["少儿素描"]
    assert detail["courses"][0]["price_per_lesson_fen"] == 12000
    assert detail["staff"] == [{"name": "周老师", "kind": "teaching", "subjects": ["art"],
                                "teacher_certificate_no": "", "other_certificate": "美术等级证书"}]
    text = r.content.decode()
    for secret in ("id_number", "id_masked", "phone", "0379-63218888", "id_hash",
                   Staff.objects.get(name="周老师").id_masked):
        assert secret not in text
    listing = api_client(None).get(f"{API}/public/institutions?q=彩虹").content.decode()
    assert "phone" not in listing and "0379-63218888" not in listing


def test_the_public_page_shows_the_lists(api_client, supervisor, art_inst):
    created(add_list(api_client(supervisor), art_inst, "black", reason="虚假宣传"))
    detail = api_client(None).get(f"{API}/public/institutions/{art_inst.pk}").json()
    assert detail["lists"] == ["black"]
