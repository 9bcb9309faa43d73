"""Teacher ethics through the API (IN-8, PN-8, TT-6): cases opened by hand and from a confirmed
teacher match, investigation steps, declared transitions with a finding and a sanction, and the
restricted access: only the district's ethics officers and the teacher's principal, every read
logged."""

import pytest
from auditlog.models import LogEntry

from conftest import PASSWORD, assert_error, fresh
from ethics.models import Case
from institutions.models import TeacherMatch
from institutions.tests.test_api_rules import staff_body
from org.models import RoleAssignment, User
from org.roles import Role

URL = "/api/v1/ethics"


def post(client, url, data=None):
    return client.post(url, data or {}, content_type="application/json")


def _officer(username, bureau):
    user = User.objects.create_user(username=username, password=PASSWORD, name="师德专员")
    RoleAssignment.objects.create(user=user, role=Role.ETHICS_OFFICER, bureau=bureau)
    return fresh(user)


@pytest.fixture
def ethics_officer(cast):
    return _officer("ethics_a", cast.district_a)


@pytest.fixture
def ethics_officer_b(cast):
    return _officer("ethics_b", cast.district_b)


@pytest.fixture
def case(cast, ethics_officer, api_client):
    r = post(api_client(ethics_officer), f"{URL}/cases", {
        "teacher": cast.teacher_a_profile.pk, "category": "organise_tutoring",
        "source": "complaint", "source_ref": "TS7K2M9Q4PXA",
        "summary": "家长反映该教师在家中组织本班学生有偿补课，每次 100 元。"})
    assert r.status_code == 201, r.content
    return Case.objects.get(pk=r.json()["id"])


def test_an_ethics_officer_opens_a_case_numbered_for_the_district(cast, case, ethics_officer,
                                                                  api_client):
    body = api_client(ethics_officer).get(f"{URL}/cases/{case.pk}").json()
    assert body["number"] == f"SD-{cast.district_a.code}-{case.opened_at.year}-0001"
    assert (body["status"], body["teacher_name"]) == ("open", cast.teacher_a_profile.name)
    assert [s["to_status"] for s in body["steps"]] == ["open"]
    # Reading it was logged
    assert LogEntry.objects.filter(additional_data__code="ethics.case.viewed",
                                   actor=ethics_officer).count() == 1


def test_the_case_runs_through_its_declared_transitions(cast, case, ethics_officer, principal,
                                                        api_client):
    officer, school = api_client(ethics_officer), api_client(principal)
    url = f"{URL}/cases/{case.pk}"
    # The principal investigates (adds steps) but cannot decide
    r = post(school, f"{url}/steps", {"kind": "interview", "on": "2026-11-20",
                                      "note": "约谈该教师，承认在家辅导 3 名学生"})
    assert r.status_code == 201, r.content
    assert_error(post(school, f"{url}/move", {"to": "investigating"}), 403, "forbidden")
    # Concluding straight from "open" is not a declared transition
    assert_error(post(officer, f"{url}/move", {"to": "concluded"}), 409, "invalid_transition")
    assert post(officer, f"{url}/move", {"to": "investigating"}).status_code == 200
    # Concluding needs a finding, a sanction and the decision; unfounded means no sanction
    assert_error(post(officer, f"{url}/move", {"to": "concluded", "finding": "founded"}), 422,
                 "required", "sanction")
    assert_error(post(officer, f"{url}/move", {"to": "concluded", "finding": "unfounded",
                                                "sanction": "criticism", "decision": "x"}),
                 422, "invalid", "sanction")
    r = post(officer, f"{url}/move", {"to": "concluded", "finding": "founded",
                                      "sanction": "public_criticism",
                                      "decision": "全区通报批评，取消本年度评优资格。"})
    assert r.status_code == 200, r.content
    assert (r.json()["status"], r.json()["sanction"]) == ("concluded", "public_criticism")
    assert post(officer, f"{url}/move", {"to": "closed"}).status_code == 200
    assert_error(post(school, f"{url}/steps", {"kind": "note", "on": "2026-11-20", "note": "x"}),
                 409, "invalid_transition")
    statuses = [s["to_status"] for s in officer.get(url).json()["steps"] if s["to_status"]]
    assert statuses == ["open", "investigating", "concluded", "closed"]


def test_dismissing_needs_a_reason(case, ethics_officer, api_client):
    client = api_client(ethics_officer)
    assert_error(post(client, f"{URL}/cases/{case.pk}/move", {"to": "dismissed"}), 422,
                 "required", "note")
    assert post(client, f"{URL}/cases/{case.pk}/move",
                {"to": "dismissed", "note": "经核查为免费答疑"}).status_code == 200


@pytest.mark.parametrize("actor", ["bureau_admin", "supervisor", "inspector", "teacher_a",
                                   "head_teacher_a", "guardian_p", "institution_staff", "bank"])
def test_nobody_else_sees_a_case(actor, case, api_client, request):
    client = api_client(request.getfixturevalue(actor))
    assert_error(client.get(f"{URL}/cases"), 403, "forbidden")
    assert client.get(f"{URL}/cases/{case.pk}").status_code in (403, 404)


def test_the_principal_sees_only_their_own_teachers_and_other_districts_nothing(
        cast, case, principal, ethics_officer_b, api_client):
    assert api_client(principal).get(f"{URL}/cases").json()["count"] == 1
    assert LogEntry.objects.filter(additional_data__code="ethics.case.viewed").count() == 0
    assert api_client(principal).get(f"{URL}/cases/{case.pk}").status_code == 200
    assert LogEntry.objects.filter(additional_data__code="ethics.case.viewed",
                                   actor=principal).count() == 1
    # District B's ethics officer: nothing, and cannot open a case on district A's teacher
    other = api_client(ethics_officer_b)
    assert other.get(f"{URL}/cases").json()["count"] == 0
    assert_error(other.get(f"{URL}/cases/{case.pk}"), 404, "not_found")
    assert_error(post(other, f"{URL}/cases", {
        "teacher": cast.teacher_a_profile.pk, "category": "gifts", "source": "other",
        "summary": "x"}), 404, "not_found")
    # The principal cannot open cases
    assert_error(post(api_client(principal), f"{URL}/cases", {
        "teacher": cast.teacher_a_profile.pk, "category": "gifts", "source": "other",
        "summary": "x"}), 403, "forbidden")


def test_bad_input_is_refused_and_nothing_saved(cast, ethics_officer, api_client):
    client = api_client(ethics_officer)
    body = {"teacher": cast.teacher_a_profile.pk, "category": "gifts", "source": "other",
            "summary": "收受家长购物卡"}
    assert_error(post(client, f"{URL}/cases", {**body, "category": "lateness"}), 422, "invalid",
                 "category")
    assert_error(post(client, f"{URL}/cases", {**body, "source": "rumour"}), 422, "invalid",
                 "source")
    assert_error(post(client, f"{URL}/cases", {**body, "summary": "  "}), 422, "required",
                 "summary")
    assert not Case.objects.exists()


def test_a_confirmed_teacher_match_becomes_a_paid_tutoring_case(
        cast, supervisor, ethics_officer, subject_inst, subject_staff, api_client):
    # Given an institution registers teacher_a as staff (the cross-check finds them)
    r = post(api_client(subject_staff), f"/api/v1/institutions/{subject_inst.pk}/staff",
             staff_body(id_number=cast.teacher_a_profile.id_number))
    assert r.status_code == 201, r.content
    match = TeacherMatch.objects.get()
    officer = api_client(ethics_officer)
    # An open match is the supervision section's: not the ethics officer's yet
    assert officer.get("/api/v1/teacher-matches").json()["count"] == 0
    assert_error(post(officer, f"{URL}/cases/from-match/{match.pk}"), 404, "not_found")
    # When supervision confirms it
    r = post(api_client(supervisor), f"/api/v1/teacher-matches/{match.pk}/close",
             {"confirmed": True, "note": "本人承认兼职授课"})
    assert r.status_code == 200, r.content
    # Then the ethics officer sees it and opens a case once
    assert officer.get("/api/v1/teacher-matches").json()["count"] == 1
    r = post(officer, f"{URL}/cases/from-match/{match.pk}")
    assert r.status_code == 201, r.content
    body = r.json()
    assert (body["category"], body["source"], body["teacher"]) == (
        "join_tutoring", "staff_match", cast.teacher_a_profile.pk)
    assert subject_inst.name in body["summary"]
    assert_error(post(officer, f"{URL}/cases/from-match/{match.pk}"), 409, "conflict")
    # The ethics officer cannot close matches (supervision's job)
    assert_error(post(officer, f"/api/v1/teacher-matches/{match.pk}/close",
                      {"confirmed": False, "note": "x"}), 403, "forbidden")


def test_the_negative_list_names_the_paid_tutoring_prohibitions(ethics_officer, api_client):
    items = api_client(ethics_officer).get(f"{URL}/negative-list").json()
    assert {i["code"] for i in items if i["paid_tutoring"]} == {
        "organise_tutoring", "join_tutoring", "refer_pupils"}
