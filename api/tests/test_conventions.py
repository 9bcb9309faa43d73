"""API conventions (issue 10): list shape and paging, one error format, +08:00 times,
Idempotency-Key, and the health check."""

import json
from unittest import mock

import pytest
from django.db import OperationalError
from django.test import Client

from conftest import assert_error, has_chinese, make_id_number
from org.models import Pupil, School

DAYS = "/api/v1/calendar/days?start=2026-01-01&end=2026-03-31"  # 90 days, nothing to set up


# ---- lists ---------------------------------------------------------------------------------

def test_lists_are_items_and_count(cast, bureau_admin, api_client):
    body = api_client(bureau_admin).get("/api/v1/schools").json()
    assert set(body) == {"items", "count"}
    assert body["count"] == 2 and len(body["items"]) == 2


def test_lists_default_to_50_items(cast, bureau_admin, api_client):
    body = api_client(bureau_admin).get(DAYS).json()
    assert body["count"] == 90
    assert len(body["items"]) == 50
    assert body["items"][0]["date"] == "2026-01-01"


def test_limit_500_is_accepted(cast, bureau_admin, api_client):
    response = api_client(bureau_admin).get(DAYS + "&limit=500")
    assert response.status_code == 200
    assert len(response.json()["items"]) == 90


def test_limit_above_500_is_refused(cast, bureau_admin, api_client):
    assert_error(api_client(bureau_admin).get(DAYS + "&limit=501"), 422, "invalid")


def test_offset_pages_through_the_list(cast, bureau_admin, api_client):
    body = api_client(bureau_admin).get(DAYS + "&limit=20&offset=80").json()
    assert body["count"] == 90
    assert [d["date"] for d in body["items"]][:1] == ["2026-03-22"]
    assert len(body["items"]) == 10


# ---- errors --------------------------------------------------------------------------------

def test_malformed_json_is_400_bad_request(cast, bureau_admin, api_client):
    response = api_client(bureau_admin).post("/api/v1/schools", "{not json",
                                             content_type="application/json")
    assert_error(response, 400, "bad_request")
    assert School.objects.count() == 3


def test_missing_required_field_is_422_required_with_the_field(cast, bureau_admin, api_client):
    response = api_client(bureau_admin).post("/api/v1/schools",
                                             {"name": "无代码小学", "stage": "primary"},
                                             content_type="application/json")
    assert_error(response, 422, "required", "code")
    assert not School.objects.filter(name="无代码小学").exists()


def test_wrong_type_is_422_invalid(cast, principal, api_client):
    response = api_client(principal).post("/api/v1/classes",
                                          {"school": "abc", "grade": 4, "number": 7},
                                          content_type="application/json")
    assert_error(response, 422, "invalid", "school")


def test_unknown_object_is_404_json(cast, bureau_admin, api_client):
    assert_error(api_client(bureau_admin).get("/api/v1/schools/999999"), 404, "not_found")


ERROR_CASES = [
    # (actor, method, path, body, status)
    ("bureau_admin", "post", "/api/v1/schools", "{oops", 400),
    (None, "get", "/api/v1/schools", None, 401),
    ("guardian_p", "get", "/api/v1/classes", None, 403),
    ("bureau_admin", "get", "/api/v1/pupils/999999", None, 404),
    ("bureau_admin", "get", "/api/v1/no-such-endpoint", None, 404),
    ("bureau_admin", "delete", "/api/v1/schools", None, 405),
    ("principal", "post", "/api/v1/classes", {"school": "SCHOOL_A1", "grade": 4, "number": 1},
     409),
    ("principal", "post", "/api/v1/classes", {"school": "SCHOOL_A1", "grade": 8, "number": 1},
     422),
    ("principal", "post", "/api/v1/auth/token", {"username": "x"}, 422),
]


@pytest.mark.parametrize("actor,method,path,body,status", ERROR_CASES,
                         ids=[f"{c[4]}-{c[1]}-{c[2]}" for c in ERROR_CASES])
def test_every_error_is_json_with_code_message_field(actor, method, path, body, status, cast,
                                                     api_client, request):
    # Given a request that fails
    client = api_client(request.getfixturevalue(actor) if actor else None)
    if isinstance(body, dict):
        body = json.dumps(body).replace('"SCHOOL_A1"', str(cast.school_a1.pk))
    kwargs = {"data": body, "content_type": "application/json"} if body is not None else {}
    # When it is sent
    response = getattr(client, method)(path, **kwargs)
    # Then the answer is JSON {"code", "message", "field"}, never an HTML page
    assert response.status_code == status, response.content[:200]
    assert response["Content-Type"].startswith("application/json"), response.content[:200]
    data = response.json()
    assert {"code", "message", "field"} <= set(data)
    assert data["code"] and has_chinese(data["message"])


# ---- times ---------------------------------------------------------------------------------

def test_datetimes_carry_the_china_offset(cast, bureau_admin, api_client):
    # Given a write that leaves an audit entry
    client = api_client(bureau_admin)
    client.patch(f"/api/v1/schools/{cast.school_a1.pk}", {"address": "新地址"},
                 content_type="application/json")
    # When the audit entries are read
    items = client.get("/api/v1/audit/entries?code=org.school.changed").json()["items"]
    # Then their timestamps are ISO 8601 in +08:00
    assert items
    assert all(e["timestamp"].endswith("+08:00") for e in items), items


# ---- Idempotency-Key -----------------------------------------------------------------------

def _pupil_body(cast, seq=950, **extra):
    return json.dumps({"school_class": cast.class_a1_4_1.pk, "name": f"幂等{seq}", "gender": "M",
                       "id_number": make_id_number(seq), **extra}, ensure_ascii=False)


def test_same_key_and_body_is_replayed_and_creates_one_object(cast, principal, api_client):
    client = api_client(principal)
    body = _pupil_body(cast)
    # Given a first POST with an Idempotency-Key
    first = client.post("/api/v1/pupils", body, content_type="application/json",
                        HTTP_IDEMPOTENCY_KEY="key-1")
    # When it is sent again with the same key and body
    second = client.post("/api/v1/pupils", body, content_type="application/json",
                         HTTP_IDEMPOTENCY_KEY="key-1")
    # Then the same answer comes back, marked as a replay, and only one pupil exists
    assert first.status_code == 201
    assert second.status_code == 201
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert Pupil.objects.filter(name="幂等950").count() == 1


def test_same_key_with_another_body_is_a_conflict(cast, principal, api_client):
    client = api_client(principal)
    client.post("/api/v1/pupils", _pupil_body(cast, 951), content_type="application/json",
                HTTP_IDEMPOTENCY_KEY="key-2")
    response = client.post("/api/v1/pupils", _pupil_body(cast, 952),
                           content_type="application/json", HTTP_IDEMPOTENCY_KEY="key-2")
    assert_error(response, 409, "idempotency_conflict")
    assert not Pupil.objects.filter(name="幂等952").exists()


def test_a_failed_request_is_replayed_as_the_same_failure(cast, principal, api_client):
    client = api_client(principal)
    body = _pupil_body(cast, 953, gender="X")  # refused: gender must be M or F
    before = Pupil.objects.count()
    first = client.post("/api/v1/pupils", body, content_type="application/json",
                        HTTP_IDEMPOTENCY_KEY="key-3")
    second = client.post("/api/v1/pupils", body, content_type="application/json",
                         HTTP_IDEMPOTENCY_KEY="key-3")
    assert_error(first, 422, "invalid", "gender")
    assert second.status_code == 422 and second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert Pupil.objects.count() == before


def test_keys_of_different_callers_do_not_collide(cast, principal, bureau_admin, api_client):
    first = api_client(principal).post("/api/v1/pupils", _pupil_body(cast, 954),
                                       content_type="application/json",
                                       HTTP_IDEMPOTENCY_KEY="shared")
    second = api_client(bureau_admin).post("/api/v1/pupils", _pupil_body(cast, 955),
                                           content_type="application/json",
                                           HTTP_IDEMPOTENCY_KEY="shared")
    assert first.status_code == 201 and second.status_code == 201
    assert Pupil.objects.filter(name__in=["幂等954", "幂等955"]).count() == 2


# ---- health --------------------------------------------------------------------------------

def test_healthz_is_ok(db):
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_healthz_is_503_when_the_database_is_unreachable(db):
    # The one mock in this suite: the database edge itself.
    with mock.patch("django.db.connection.cursor", side_effect=OperationalError("down")):
        response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] != "ok"


def test_an_oversized_body_is_a_json_400_not_a_server_error(cast, api_client, settings):
    # Given a tiny upload limit, when a client sends a larger body with an idempotency key
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    response = api_client(cast.bureau_admin).post(
        "/api/v1/schools", '{"name": "' + "x" * 500 + '"}', content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="big-1")
    # Then the answer is the JSON error shape with 400
    assert_error(response, 400, "bad_request")


def test_huge_offsets_and_ids_are_422_not_server_errors(cast, api_client):
    client = api_client(cast.bureau_admin)
    assert_error(client.get("/api/v1/pupils?offset=9017037537616197793368506368"), 422, "invalid")
    response = client.get("/api/v1/pupils?school_class=99999999999999999999")
    assert response.status_code in (200, 422), response.content
    if response.status_code == 200:
        assert response.json()["count"] == 0


def test_nul_characters_are_refused_before_they_reach_the_database(cast, api_client):
    client = api_client(cast.bureau_admin)
    assert_error(client.get("/api/v1/audit/entries?object_type=a%00b"), 422, "invalid")
    response = client.post("/api/v1/schools", '{"name": "a\\u0000b", "code": "X1", "stage": "primary"}',
                           content_type="application/json")
    assert_error(response, 422, "invalid")
    assert not School.objects.filter(code="X1").exists()


def test_teacher_gender_is_validated(cast, api_client):
    response = api_client(cast.bureau_admin).patch(
        f"/api/v1/teachers/{cast.teacher_a_profile.pk}", {"gender": "XYZ"},
        content_type="application/json")
    assert_error(response, 422, "invalid", "gender")
    cast.teacher_a_profile.refresh_from_db()
    assert cast.teacher_a_profile.gender in ("", "M", "F")
