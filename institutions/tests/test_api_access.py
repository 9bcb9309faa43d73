"""Who may do what in the institutions API, beyond the permission matrix: anonymous callers get
401 everywhere but the public lookup, institution staff reach only their own institution (others
are 404, like missing ones) and never the supervision tools (403) or the teacher matches, other
districts see nothing, inspectors card but do not list or approve, the custodian bank reads the
registry but not the staff, and every list answers in a bounded number of queries."""

import datetime as dt

import pytest

from conftest import assert_error, make_id_number
from institutions import services
from institutions.models import Card, Institution, ListEntry, Staff, TeacherMatch, TrainingSession
from institutions.tests.conftest import SATURDAY, at, new_code, post_json
from institutions.tests.test_api_rules import refused

pytestmark = pytest.mark.usefixtures("pinned_today")

API = "/api/v1"
TUESDAY = dt.date(2026, 11, 24)


# ---- objects ------------------------------------------------------------------------------------


@pytest.fixture
def world(cast, supervisor, inspector, institution_staff, art_inst, art_staff, calendar_a):
    """I1 (institution_staff's) with a course, a session, a staff member who is teacher_a, a
    yellow card and a white-list entry; the art institution with a course and a session."""
    w = type("World", (), {})()
    i1 = cast.institution_1
    w.i1_course = services.add_course(
        actor=institution_staff, institution=i1, name="少儿篮球", subject="sport", mode="offline",
        grades=[3, 4], class_size=20, lesson_minutes=60, price_per_lesson_fen=8000,
        content_summary="运球与投篮")
    w.i1_session = services.schedule_session(
        actor=institution_staff, institution=i1, course=w.i1_course,
        start=at(SATURDAY, "09:00"), end=at(SATURDAY, "10:00"))
    w.i1_staff = services.add_staff(
        actor=institution_staff, institution=i1, name="李某",
        id_number=cast.teacher_a_profile.id_number, kind="teaching", subjects=["sport"],
        other_certificate="篮球教练员证")
    w.match = TeacherMatch.objects.get(staff=w.i1_staff)
    w.i1_card = services.issue_card(actor=inspector, institution=i1, colour="yellow",
                                    reason="未公示收费")
    w.i1_white = services.add_to_list(actor=supervisor, institution=i1, kind="white",
                                      reason="合规经营")
    w.art_course = services.add_course(
        actor=art_staff, institution=art_inst, name="少儿素描", subject="art", mode="offline",
        grades=[3], class_size=12, lesson_minutes=60, price_per_lesson_fen=12000,
        content_summary="素描基础")
    w.art_session = services.schedule_session(
        actor=art_staff, institution=art_inst, course=w.art_course, start=at(SATURDAY, "14:00"),
        end=at(SATURDAY, "15:00"))
    w.art_staff_member = services.add_staff(
        actor=art_staff, institution=art_inst, name="周老师",
        id_number=make_id_number(41, birth="19870707"), kind="teaching", subjects=["art"],
        other_certificate="美术等级证书")
    return w


# ---- anonymous ----------------------------------------------------------------------------------


@pytest.mark.parametrize("method, path", [
    ("get", "/institutions"), ("post", "/institutions"), ("get", "/institutions/1"),
    ("patch", "/institutions/1"), ("post", "/institutions/1/review"),
    ("get", "/institutions/1/ledger"), ("post", "/institutions/1/annual-reviews"),
    ("get", "/institutions/risk"), ("get", "/institutions/1/staff"),
    ("post", "/institutions/1/staff"), ("post", "/institutions/1/staff/1/leave"),
    ("get", "/teacher-matches"), ("post", "/teacher-matches/1/close"),
    ("get", "/institutions/1/courses"), ("post", "/institutions/1/courses"),
    ("get", "/institutions/1/sessions"), ("post", "/institutions/1/sessions"),
    ("get", "/guide-prices"), ("put", "/guide-prices"), ("get", "/institutions/1/cards"),
    ("post", "/institutions/1/cards"), ("post", "/cards/1/revoke"),
    ("post", "/institutions/1/lists"), ("get", "/list-entries"),
    ("post", "/list-entries/1/remove"),
])
def test_anonymous_requests_are_401(api_client, cast, method, path):
    # Given no credentials (and I1 existing), when any non-public endpoint is called, then 401
    response = getattr(api_client(None), method)(f"{API}{path}", {},
                                                 content_type="application/json")
    assert_error(response, 401, "unauthorized")


def test_a_bad_token_is_401(client, cast):
    response = client.get(f"{API}/institutions", HTTP_AUTHORIZATION="Bearer not-a-token")
    assert_error(response, 401, "unauthorized")


def test_the_public_lookup_needs_no_login(api_client, art_inst):
    assert api_client(None).get(f"{API}/public/institutions").status_code == 200
    assert api_client(None).get(f"{API}/public/institutions/{art_inst.pk}").status_code == 200
    assert_error(api_client(None).get(f"{API}/public/institutions/999999"), 404, "not_found")


# ---- institution staff: only their own ----------------------------------------------------------


def test_institution_staff_list_only_their_own_institution(api_client, cast, institution_staff,
                                                           world, django_assert_max_num_queries):
    client = api_client(institution_staff)
    with django_assert_max_num_queries(8):
        body = client.get(f"{API}/institutions").json()
    assert [i["id"] for i in body["items"]] == [cast.institution_1.pk] and body["count"] == 1
    # even when searching for another institution by name
    assert client.get(f"{API}/institutions", {"q": "美术"}).json()["count"] == 0


@pytest.mark.parametrize("path", ["", "/ledger", "/staff", "/courses", "/sessions", "/cards"])
def test_institution_staff_get_404_for_another_institutions_records(api_client, art_inst,
                                                                    institution_staff, world,
                                                                    path):
    response = api_client(institution_staff).get(f"{API}/institutions/{art_inst.pk}{path}")
    assert_error(response, 404, "not_found")


def test_institution_staff_cannot_write_to_another_institution(api_client, art_inst,
                                                               institution_staff, world):
    client = api_client(institution_staff)
    base = f"{API}/institutions/{art_inst.pk}"
    refused(lambda: client.patch(base, {"phone": "110"}, content_type="application/json"),
            404, "not_found")
    refused(lambda: post_json(client, f"{base}/staff", {
        "name": "张某", "id_number": make_id_number(50, birth="19900101"), "kind": "other"}),
        404, "not_found")
    refused(lambda: post_json(client, f"{base}/staff/{world.art_staff_member.pk}/leave"),
            404, "not_found")
    refused(lambda: post_json(client, f"{base}/courses", {
        "name": "素描", "subject": "art", "mode": "offline", "grades": [3], "class_size": 10,
        "lesson_minutes": 60, "price_per_lesson_fen": 100, "content_summary": "素描"}),
        404, "not_found")
    refused(lambda: post_json(client, f"{base}/sessions", {
        "course": world.art_course.pk, "start": at(SATURDAY, "16:00").isoformat(),
        "end": at(SATURDAY, "17:00").isoformat()}), 404, "not_found")
    # nor file a session of another institution's course under their own
    refused(lambda: post_json(client, f"{API}/institutions/{world.i1_course.institution_id}"
                                      "/sessions", {
        "course": world.art_course.pk, "start": at(SATURDAY, "16:00").isoformat(),
        "end": at(SATURDAY, "17:00").isoformat()}), 404, "not_found")
    # nor leave another institution's staff member through their own institution
    refused(lambda: post_json(client, f"{API}/institutions/{world.i1_course.institution_id}"
                                      f"/staff/{world.art_staff_member.pk}/leave"),
            404, "not_found")


@pytest.mark.parametrize("method, path, body", [
    ("post", "/review", {"approve": True, "school_permit_no": "教民1号"}),
    ("post", "/annual-reviews", {"year": 2026, "result": "pass"}),
    ("post", "/cards", {"colour": "red", "reason": "自己给自己"}),
    ("post", "/lists", {"kind": "white", "reason": "合规"}),
])
def test_institution_staff_cannot_use_the_supervision_tools_on_their_own(
        api_client, cast, institution_staff, world, method, path, body):
    client = api_client(institution_staff)
    refused(lambda: getattr(client, method)(f"{API}/institutions/{cast.institution_1.pk}{path}",
                                            body, content_type="application/json"),
            403, "forbidden")


def test_institution_staff_cannot_revoke_their_card_or_leave_the_white_list(
        api_client, institution_staff, world):
    client = api_client(institution_staff)
    # They see their own card and list entry ...
    cards = client.get(f"{API}/institutions/{world.i1_card.institution_id}/cards").json()
    assert [c["id"] for c in cards["items"]] == [world.i1_card.pk]
    entries = client.get(f"{API}/list-entries").json()
    assert [e["id"] for e in entries["items"]] == [world.i1_white.pk]
    # ... but may not change them
    refused(lambda: post_json(client, f"{API}/cards/{world.i1_card.pk}/revoke",
                              {"reason": "已整改"}), 403, "forbidden")
    refused(lambda: post_json(client, f"{API}/list-entries/{world.i1_white.pk}/remove",
                              {"reason": "不想要"}), 403, "forbidden")


def test_institution_staff_see_only_their_own_list_entries(api_client, supervisor,
                                                          institution_staff, art_inst, world):
    services.add_to_list(actor=supervisor, institution=art_inst, kind="black", reason="虚假宣传")
    items = api_client(institution_staff).get(f"{API}/list-entries").json()["items"]
    assert {e["institution"] for e in items} == {world.i1_white.institution_id}


def test_teacher_matches_are_hidden_from_the_institution(api_client, cast, institution_staff,
                                                         world):
    client = api_client(institution_staff)
    # The list is not theirs to read, a match is not even found
    refused(lambda: client.get(f"{API}/teacher-matches"), 403, "forbidden")
    refused(lambda: post_json(client, f"{API}/teacher-matches/{world.match.pk}/close",
                              {"confirmed": False, "note": "不是"}), 404, "not_found")
    # and the staff list says nothing about it
    text = client.get(f"{API}/institutions/{cast.institution_1.pk}/staff").content.decode()
    assert "match" not in text and cast.teacher_a_profile.school.name not in text


@pytest.mark.parametrize("path", ["/institutions/risk", "/teacher-matches"])
def test_institution_staff_cannot_read_the_supervision_views(api_client, institution_staff,
                                                             path):
    refused(lambda: api_client(institution_staff).get(f"{API}{path}"), 403, "forbidden")


def test_institution_staff_cannot_set_guide_prices(api_client, institution_staff, guardian_p,
                                                   principal):
    body = {"mode": "offline", "band": "small", "base_price_fen": 1}
    for user in (institution_staff, guardian_p, principal):
        refused(lambda u=user: api_client(u).put(f"{API}/guide-prices", body,
                                                 content_type="application/json"),
                403, "forbidden")


def test_an_application_makes_the_applicant_staff_of_the_new_institution(
        api_client, cast, institution_staff):
    client = api_client(institution_staff)
    r = post_json(client, f"{API}/institutions", {"name": "启航体育", "credit_code": new_code(),
                                                  "category": "sport"})
    assert r.status_code == 201, r.content
    ids = {i["id"] for i in client.get(f"{API}/institutions").json()["items"]}
    assert ids == {cast.institution_1.pk, r.json()["id"]}


# ---- other districts ----------------------------------------------------------------------------


def test_another_district_sees_none_of_district_a(api_client, bureau_admin_b, art_inst, world):
    client = api_client(bureau_admin_b)
    assert client.get(f"{API}/institutions").json() == {"items": [], "count": 0}
    assert client.get(f"{API}/teacher-matches").json() == {"items": [], "count": 0}
    assert client.get(f"{API}/list-entries").json() == {"items": [], "count": 0}
    assert client.get(f"{API}/institutions/risk").json() == {"items": [], "count": 0}
    for path in ("", "/ledger", "/staff", "/courses", "/sessions", "/cards"):
        assert_error(client.get(f"{API}/institutions/{art_inst.pk}{path}"), 404, "not_found")


@pytest.mark.parametrize("method, path, body", [
    ("patch", "/institutions/{art}", {"address": "乙区", "reason": "越权"}),
    ("post", "/institutions/{art}/review", {"approve": True, "school_permit_no": "教民1号"}),
    ("post", "/institutions/{art}/annual-reviews", {"year": 2026, "result": "fail"}),
    ("post", "/institutions/{art}/cards", {"colour": "red", "reason": "越权"}),
    ("post", "/institutions/{art}/lists", {"kind": "black", "reason": "越权"}),
    ("post", "/cards/{card}/revoke", {"reason": "越权"}),
    ("post", "/list-entries/{entry}/remove", {"reason": "越权"}),
    ("post", "/teacher-matches/{match}/close", {"confirmed": False, "note": "越权"}),
    ("post", "/institutions/{art}/staff", {"name": "张某", "kind": "other",
                                           "id_number": make_id_number(51, birth="19900101")}),
])
def test_another_districts_supervision_gets_404(api_client, bureau_admin_b, art_inst, world,
                                                method, path, body):
    url = API + path.format(art=art_inst.pk, card=world.i1_card.pk, entry=world.i1_white.pk,
                            match=world.match.pk)
    client = api_client(bureau_admin_b)
    refused(lambda: getattr(client, method)(url, body, content_type="application/json"),
            404, "not_found")


def test_a_bureau_cannot_register_an_institution_in_another_district(api_client, cast,
                                                                     bureau_admin_b):
    client = api_client(bureau_admin_b)
    refused(lambda: post_json(client, f"{API}/institutions", {
        "name": "越区登记", "credit_code": new_code(), "category": "sport",
        "bureau": cast.district_a.pk}), 404, "not_found")


# ---- inspectors, the bank, schools and families -------------------------------------------------


def test_inspectors_card_but_do_not_revoke_list_or_approve(api_client, inspector, art_inst,
                                                           world):
    client = api_client(inspector)
    r = post_json(client, f"{API}/institutions/{art_inst.pk}/cards",
                  {"colour": "yellow", "reason": "超时培训", "rule": "TS-3"})
    assert r.status_code == 201, r.content
    refused(lambda: post_json(client, f"{API}/cards/{r.json()['id']}/revoke", {"reason": "撤"}),
            403, "forbidden")
    refused(lambda: post_json(client, f"{API}/institutions/{art_inst.pk}/lists",
                              {"kind": "black", "reason": "查处"}), 403, "forbidden")
    refused(lambda: post_json(client, f"{API}/institutions/{art_inst.pk}/review",
                              {"approve": False, "note": "不批"}), 403, "forbidden")
    refused(lambda: client.patch(f"{API}/institutions/{art_inst.pk}", {"address": "x",
                                                                       "reason": "改"},
                                 content_type="application/json"), 403, "forbidden")
    refused(lambda: client.get(f"{API}/teacher-matches"), 403, "forbidden")
    # Inspectors read staff (masked) and the risk view
    assert client.get(f"{API}/institutions/{art_inst.pk}/staff").json()["count"] == 1
    assert client.get(f"{API}/institutions/risk").status_code == 200


def test_an_inspectors_registration_is_not_an_approval(api_client, cast, inspector):
    # Given an inspector recording an institution with a permit number (not a found one)
    r = post_json(api_client(inspector), f"{API}/institutions", {
        "name": "甲区某艺术培训", "credit_code": new_code(), "category": "art",
        "school_permit_no": "教民1410402777号"})
    # Then it waits for the supervision section's review: inspectors do not approve
    assert r.status_code == 201, r.content
    assert r.json()["status"] == "applying"
    assert Institution.objects.get(pk=r.json()["id"]).status == "applying"


def test_the_supervisor_does_not_file_courses_or_sessions_for_an_institution(
        api_client, supervisor, art_inst, world):
    client = api_client(supervisor)
    refused(lambda: post_json(client, f"{API}/institutions/{art_inst.pk}/courses", {
        "name": "素描", "subject": "art", "mode": "offline", "grades": [3], "class_size": 10,
        "lesson_minutes": 60, "price_per_lesson_fen": 100, "content_summary": "素描"}),
        403, "forbidden")
    refused(lambda: post_json(client, f"{API}/institutions/{art_inst.pk}/sessions", {
        "course": world.art_course.pk, "start": at(SATURDAY, "16:00").isoformat(),
        "end": at(SATURDAY, "17:00").isoformat()}), 403, "forbidden")


def test_the_bank_reads_the_registry_but_not_the_staff(api_client, cast, bank, art_inst, world):
    client = api_client(bank)
    listed = {i["id"] for i in client.get(f"{API}/institutions").json()["items"]}
    assert listed == {cast.institution_1.pk, cast.institution_2.pk, art_inst.pk}
    assert client.get(f"{API}/institutions/{art_inst.pk}/courses").json()["count"] == 1
    for path in (f"/institutions/{art_inst.pk}/staff", "/teacher-matches", "/institutions/risk"):
        assert_error(client.get(f"{API}{path}"), 403, "forbidden")
    refused(lambda: post_json(client, f"{API}/institutions/{art_inst.pk}/cards",
                              {"colour": "yellow", "reason": "x"}), 403, "forbidden")


@pytest.mark.parametrize("actor", ["principal", "teacher_a", "guardian_p", "guardian_nobody"])
def test_schools_and_families_have_no_access_to_the_registry(request, api_client, cast, actor,
                                                             art_inst):
    client = api_client(request.getfixturevalue(actor))
    assert_error(client.get(f"{API}/institutions"), 403, "forbidden")
    assert_error(client.get(f"{API}/institutions/{art_inst.pk}"), 404, "not_found")
    refused(lambda: post_json(client, f"{API}/institutions", {
        "name": "家长办的班", "credit_code": new_code(), "category": "art"}), 403, "forbidden")


# ---- lists answer in a bounded number of queries -----------------------------------------------


@pytest.fixture
def many(cast, supervisor, inspector, art_inst, art_staff, world):
    """More rows in every list (five staff, courses, sessions, cards, entries)."""
    for n in range(5):
        services.add_staff(actor=art_staff, institution=art_inst, name=f"教师{n}",
                           id_number=make_id_number(60 + n, birth="19900101"), kind="teaching",
                           subjects=["art"], other_certificate="美术等级证书")
        course = services.add_course(
            actor=art_staff, institution=art_inst, name=f"课程{n}", subject="art",
            mode="offline", grades=[3], class_size=12, lesson_minutes=60,
            price_per_lesson_fen=100, content_summary="内容")
        services.schedule_session(actor=art_staff, institution=art_inst, course=course,
                                  start=at(SATURDAY, f"{9 + n:02d}:00"),
                                  end=at(SATURDAY, f"{9 + n:02d}:50"))
        services.issue_card(actor=inspector, institution=cast.institution_2, colour="red",
                            reason=f"第{n}次")
    services.add_to_list(actor=supervisor, institution=art_inst, kind="white", reason="合规")
    services.add_to_list(actor=supervisor, institution=cast.institution_2, kind="negative",
                         reason="负面")
    return art_inst


@pytest.mark.parametrize("path", [
    "/institutions", "/institutions/{art}/staff", "/institutions/{art}/courses",
    "/institutions/{art}/sessions", "/institutions/{i2}/cards", "/institutions/{art}/ledger",
    "/list-entries", "/teacher-matches", "/guide-prices", "/institutions/risk",
    "/public/institutions", "/public/institutions/{art}",
])
def test_lists_answer_in_a_bounded_number_of_queries(api_client, cast, supervisor, many, path,
                                                     django_assert_max_num_queries):
    client = api_client(supervisor)
    url = API + path.format(art=many.pk, i2=cast.institution_2.pk)
    client.get(url)  # warm the token and the caches
    # 5 for the token and the scope; the risk view adds the funds warnings' 8 grouped queries
    with django_assert_max_num_queries(20 if path.endswith("/risk") else 12):
        response = client.get(url)
    assert response.status_code == 200, response.content


def test_sessions_and_staff_counts_are_what_the_institution_filed(api_client, art_staff,
                                                                  art_inst, many):
    client = api_client(art_staff)
    assert client.get(f"{API}/institutions/{art_inst.pk}/sessions").json()["count"] == \
        TrainingSession.objects.filter(course__institution=art_inst).count() == 6
    assert client.get(f"{API}/institutions/{art_inst.pk}/sessions",
                      {"date": SATURDAY.isoformat()}).json()["count"] == 6
    assert client.get(f"{API}/institutions/{art_inst.pk}/sessions",
                      {"date": TUESDAY.isoformat()}).json()["count"] == 0
    assert client.get(f"{API}/institutions/{art_inst.pk}/staff").json()["count"] == \
        Staff.objects.filter(institution=art_inst).count() == 6
    assert Card.objects.filter(institution=art_inst).count() == 0
    assert ListEntry.objects.filter(institution=art_inst).count() == 1
