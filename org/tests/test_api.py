"""The organisation API: who the caller is, what they see, masking, reveals and writes."""

import re

import pytest
from auditlog.models import LogEntry

from conftest import PASSWORD, assert_error, make_id_number
from org.models import Pupil, School, SchoolClass

ME_FIELDS = {"id", "username", "name", "roles", "school", "bureau", "institution", "pupils"}
MASKED_ID = re.compile(r"^\d{6}\*{8}[\dX]{4}$")


def _ref(obj):
    return {"id": obj.pk, "name": obj.name}


# ---- /me ---------------------------------------------------------------------------------

@pytest.mark.parametrize("actor,roles,school,bureau", [
    ("bureau_admin", ["bureau_admin"], None, "district_a"),
    ("supervisor", ["supervisor"], None, "district_a"),
    ("inspector", ["inspector"], None, "district_a"),
    ("bank", ["custodian_bank"], None, "district_a"),
    ("bureau_admin_b", ["bureau_admin"], None, "district_b"),
    ("principal", ["school_admin"], "school_a1", "district_a"),
    ("teacher_a", ["subject_teacher"], "school_a1", "district_a"),
    ("head_teacher_a", ["head_teacher", "subject_teacher"], "school_a1", "district_a"),
    ("teacher_b", ["subject_teacher"], "school_a2", "district_a"),
])
def test_me_describes_staff_roles_and_units(actor, roles, school, bureau, cast, api_client,
                                            request):
    # Given a staff member
    user = request.getfixturevalue(actor)
    # When they ask who they are
    response = api_client(user).get("/api/v1/me")
    # Then they get their roles and the units those roles are held in
    assert response.status_code == 200
    body = response.json()
    assert set(body) == ME_FIELDS
    assert body["id"] == user.pk and body["username"] == user.username
    assert body["name"] == user.name
    assert sorted(body["roles"]) == roles
    assert body["school"] == (_ref(getattr(cast, school)) if school else None)
    assert body["bureau"] == _ref(getattr(cast, bureau))
    assert body["institution"] is None
    assert body["pupils"] == []


def test_me_shows_a_guardian_exactly_their_child(cast, guardian_p, api_client):
    # Given the guardian of pupil P
    # When they ask who they are
    body = api_client(guardian_p).get("/api/v1/me").json()
    # Then they see the guardian role and exactly P, with P's class
    assert body["roles"] == ["guardian"]
    assert [p["id"] for p in body["pupils"]] == [cast.pupil_p.pk]
    assert body["pupils"][0]["school_class"] == cast.class_a1_4_1.pk
    assert body["pupils"][0]["name"] == cast.pupil_p.name
    assert body["school"] is None and body["institution"] is None


def test_me_shows_a_guardian_of_nobody_no_roles_and_no_pupils(guardian_nobody, api_client):
    body = api_client(guardian_nobody).get("/api/v1/me").json()
    assert set(body) == ME_FIELDS
    assert body["roles"] == [] and body["pupils"] == []
    assert body["school"] is None and body["bureau"] is None and body["institution"] is None


def test_me_shows_institution_staff_their_institution(cast, institution_staff, api_client):
    body = api_client(institution_staff).get("/api/v1/me").json()
    assert body["roles"] == ["institution_staff"]
    assert body["institution"] == _ref(cast.institution_1)
    assert body["school"] is None and body["pupils"] == []


# ---- classes -----------------------------------------------------------------------------

@pytest.mark.parametrize("actor,expected", [
    ("teacher_a", ["class_a1_4_1"]),
    ("head_teacher_a", ["class_a1_4_1"]),
    ("teacher_b", ["class_a2_4_1"]),
    ("principal", ["class_a1_2_1", "class_a1_4_1", "class_a1_4_2"]),
    ("bureau_admin", ["class_a1_2_1", "class_a1_4_1", "class_a1_4_2", "class_a2_4_1",
                      "class_a2_5_1"]),
    ("inspector", ["class_a1_2_1", "class_a1_4_1", "class_a1_4_2", "class_a2_4_1",
                   "class_a2_5_1"]),
    ("bureau_admin_b", ["class_b1_4_1"]),
])
def test_class_list_is_scoped_to_the_caller(actor, expected, cast, api_client, request,
                                            django_assert_max_num_queries):
    # Given an actor
    client = api_client(request.getfixturevalue(actor))
    # When they list classes
    with django_assert_max_num_queries(12):
        response = client.get("/api/v1/classes")
    # Then they see exactly the classes in their scope
    assert response.status_code == 200
    body = response.json()
    assert sorted(c["id"] for c in body["items"]) == sorted(getattr(cast, n).pk for n in expected)
    assert body["count"] == len(expected)


def test_teacher_sees_only_the_class_they_teach(cast, teacher_a, api_client):
    items = api_client(teacher_a).get("/api/v1/classes").json()["items"]
    assert [c["id"] for c in items] == [cast.class_a1_4_1.pk]
    assert items[0]["school_name"] == cast.school_a1.name
    assert items[0]["stage"] == "primary"


def test_guardian_cannot_list_classes(guardian_p, api_client):
    assert_error(api_client(guardian_p).get("/api/v1/classes"), 403, "forbidden")


# ---- pupils: masking ---------------------------------------------------------------------

def test_subject_teacher_sees_pupils_with_masked_id_numbers_and_phones(
        cast, teacher_a, api_client, django_assert_max_num_queries):
    # Given a subject teacher of class A1-4-1
    client = api_client(teacher_a)
    # When they list the class's pupils
    with django_assert_max_num_queries(14):
        response = client.get(f"/api/v1/pupils?school_class={cast.class_a1_4_1.pk}")
    # Then both pupils are listed with masked ID numbers and masked guardian phones
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    by_id = {p["id"]: p for p in body["items"]}
    p = by_id[cast.pupil_p.pk]
    full = cast.pupil_p.id_number
    assert p["id_number"] == full[:6] + "********" + full[-4:]
    assert MASKED_ID.match(p["id_number"])
    assert [g["phone"] for g in p["guardians"]] == ["138****5678"]
    # and no full ID number or phone appears anywhere in the answer
    text = response.content.decode()
    assert full not in text and cast.pupil_q.id_number not in text
    assert "13812345678" not in text


def test_pupil_list_query_count_does_not_grow_with_pupils(cast, principal, bureau_admin,
                                                          api_client,
                                                          django_assert_max_num_queries):
    # Given twenty more pupils with guardians in class A1-4-1
    from org import services

    for seq in range(20):
        services.create_pupil(actor=bureau_admin, school_class=cast.class_a1_4_1,
                              name=f"学生{seq}", gender="F", id_number=make_id_number(300 + seq),
                              guardians=[("家长", f"1370000{seq:04d}", "father")])
    # When the principal lists the class; then the query count stays small and flat
    with django_assert_max_num_queries(14):
        response = api_client(principal).get(
            f"/api/v1/pupils?school_class={cast.class_a1_4_1.pk}")
    assert response.json()["count"] == 22


def test_head_teacher_sees_guardian_phone_in_full_on_pupil_detail(cast, head_teacher_a,
                                                                  api_client):
    # Given the head teacher of P's class
    # When they open P
    response = api_client(head_teacher_a).get(f"/api/v1/pupils/{cast.pupil_p.pk}")
    # Then the guardian's phone is unmasked, the ID number still masked
    assert response.status_code == 200
    body = response.json()
    assert [g["phone"] for g in body["guardians"]] == ["13812345678"]
    assert MASKED_ID.match(body["id_number"])


def test_subject_teacher_sees_guardian_phone_masked_on_pupil_detail(cast, teacher_a, api_client):
    body = api_client(teacher_a).get(f"/api/v1/pupils/{cast.pupil_p.pk}").json()
    assert [g["phone"] for g in body["guardians"]] == ["138****5678"]


def test_guardian_sees_only_their_child_in_the_pupil_list(cast, guardian_p, api_client):
    body = api_client(guardian_p).get("/api/v1/pupils").json()
    assert [p["id"] for p in body["items"]] == [cast.pupil_p.pk]


# ---- pupils: revealing the ID number -----------------------------------------------------

def test_principal_reveals_full_id_number_and_the_read_is_audited(cast, principal, api_client):
    # Given the principal of P's school
    # When they ask for P's full ID number
    response = api_client(principal).get(f"/api/v1/pupils/{cast.pupil_p.pk}/id-number")
    # Then they get it
    assert response.status_code == 200
    assert response.json() == {"id": cast.pupil_p.pk, "id_number": cast.pupil_p.id_number}
    # and the read is in the audit log as an ACCESS by the principal
    entry = LogEntry.objects.get(additional_data__code="org.pupil.id_number.read")
    assert entry.action == LogEntry.Action.ACCESS
    assert entry.actor_id == principal.pk
    assert entry.object_pk == str(cast.pupil_p.pk)


def test_subject_teacher_cannot_reveal_id_number(cast, teacher_a, api_client):
    response = api_client(teacher_a).get(f"/api/v1/pupils/{cast.pupil_p.pk}/id-number")
    body = assert_error(response, 403, "forbidden")
    assert cast.pupil_p.id_number not in str(body)
    assert not LogEntry.objects.filter(additional_data__code="org.pupil.id_number.read").exists()


def test_teacher_of_another_school_gets_404_on_reveal(cast, teacher_b, api_client):
    response = api_client(teacher_b).get(f"/api/v1/pupils/{cast.pupil_p.pk}/id-number")
    assert_error(response, 404, "not_found")
    assert not LogEntry.objects.filter(additional_data__code="org.pupil.id_number.read").exists()


# ---- writes ------------------------------------------------------------------------------

def _pupil_payload(cast, **overrides):
    return {"school_class": cast.class_a1_4_1.pk, "name": "新同学", "gender": "F",
            "id_number": make_id_number(500), "guardians": [
                {"name": "新家长", "phone": "13600001111", "relation": "mother"}],
            **overrides}


def test_principal_creates_a_pupil(cast, principal, api_client):
    # Given the principal of A1; when they add a pupil to A1-4-1
    response = api_client(principal).post("/api/v1/pupils", _pupil_payload(cast),
                                          content_type="application/json")
    # Then it is created, with the guardian linked, and answered with masked data
    assert response.status_code == 201, response.content
    pupil = Pupil.objects.get(pk=response.json()["id"])
    assert pupil.school_id == cast.school_a1.pk
    assert list(pupil.guardians.values_list("phone", flat=True)) == ["13600001111"]
    assert MASKED_ID.match(response.json()["id_number"])


def test_pupil_with_a_bad_id_number_is_refused_and_nothing_is_created(cast, principal,
                                                                      api_client):
    # Given an ID number whose check digit is wrong
    good = make_id_number(500)
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    before = Pupil.objects.count()
    # When the principal tries to add the pupil
    response = api_client(principal).post("/api/v1/pupils", _pupil_payload(cast, id_number=bad),
                                          content_type="application/json")
    # Then it is a 422 on the id_number field and no pupil exists
    assert_error(response, 422, "invalid", "id_number")
    assert Pupil.objects.count() == before
    assert not Pupil.objects.filter(id_number=bad).exists()


def test_principal_cannot_add_a_pupil_to_another_school(cast, principal, api_client):
    response = api_client(principal).post(
        "/api/v1/pupils", _pupil_payload(cast, school_class=cast.class_a2_4_1.pk),
        content_type="application/json")
    assert_error(response, 404, "not_found")
    assert not Pupil.objects.filter(name="新同学").exists()


SCHOOL = {"name": "甲区第三小学", "code": "A3", "stage": "primary"}


def test_bureau_admin_creates_a_school_in_their_district(cast, bureau_admin, api_client):
    # Given the district A bureau admin; when they add a school
    response = api_client(bureau_admin).post("/api/v1/schools", SCHOOL,
                                             content_type="application/json")
    # Then it is created in district A
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["bureau"] == cast.district_a.pk and body["code"] == "A3"
    assert School.objects.get(code="A3").bureau_id == cast.district_a.pk


def test_principal_cannot_create_a_school(cast, principal, api_client):
    # Given a principal (a school role, not a bureau role)
    # When they try to add a school
    response = api_client(principal).post("/api/v1/schools", SCHOOL,
                                          content_type="application/json")
    # Then it is forbidden and nothing is created
    assert_error(response, 403, "forbidden")
    assert not School.objects.filter(code="A3").exists()


def test_bureau_admin_cannot_create_a_school_in_another_district(cast, bureau_admin, api_client):
    response = api_client(bureau_admin).post(
        "/api/v1/schools", {**SCHOOL, "bureau": cast.district_b.pk},
        content_type="application/json")
    assert_error(response, 404, "not_found")
    assert not School.objects.filter(code="A3").exists()


@pytest.mark.parametrize("actor", ["principal", "bureau_admin"])
def test_head_teacher_from_another_school_is_refused(actor, cast, api_client, request):
    # Given class A1-4-1 and teacher_b of school A2
    client = api_client(request.getfixturevalue(actor))
    # When someone makes teacher_b its head teacher
    response = client.patch(f"/api/v1/classes/{cast.class_a1_4_1.pk}",
                            {"head_teacher": cast.teacher_b_profile.pk},
                            content_type="application/json")
    # Then it is a 422 on head_teacher and the class keeps its head teacher
    assert_error(response, 422, "invalid", "head_teacher")
    cast.class_a1_4_1.refresh_from_db()
    assert cast.class_a1_4_1.head_teacher_id == cast.head_teacher_a_profile.pk


def test_patching_the_class_number_keeps_the_head_teacher(cast, principal, api_client):
    # Given class A1-4-1 with a head teacher
    # When the principal changes only its number
    response = api_client(principal).patch(f"/api/v1/classes/{cast.class_a1_4_1.pk}",
                                           {"number": 9}, content_type="application/json")
    # Then the number changed and the head teacher did not (PATCH changes only what is sent)
    assert response.status_code == 200, response.content
    cast.class_a1_4_1.refresh_from_db()
    assert cast.class_a1_4_1.number == 9
    assert cast.class_a1_4_1.head_teacher_id == cast.head_teacher_a_profile.pk
    assert response.json()["head_teacher"] == cast.head_teacher_a_profile.pk


def test_duplicate_class_number_is_a_conflict(cast, principal, api_client):
    response = api_client(principal).post(
        "/api/v1/classes", {"school": cast.school_a1.pk, "grade": 4, "number": 1},
        content_type="application/json")
    assert_error(response, 409, "conflict")
    assert SchoolClass.objects.filter(school=cast.school_a1, grade=4, number=1).count() == 1


# ---- authentication ----------------------------------------------------------------------

def test_token_for_good_credentials_opens_the_api(cast, api_client):
    # Given a user's correct password; when they exchange it for a token
    response = api_client(None).post("/api/v1/auth/token",
                                     {"username": "principal", "password": PASSWORD},
                                     content_type="application/json")
    # Then the token works and its issue is audited
    assert response.status_code == 200
    token = response.json()["token"]
    from django.test import Client

    me = Client(HTTP_AUTHORIZATION=f"Bearer {token}").get("/api/v1/me")
    assert me.status_code == 200 and me.json()["username"] == "principal"
    assert LogEntry.objects.filter(additional_data__code="auth.token.issued",
                                   actor=cast.principal).exists()


def test_token_for_bad_credentials_is_401_json(cast, api_client):
    response = api_client(None).post("/api/v1/auth/token",
                                     {"username": "principal", "password": "wrong-password"},
                                     content_type="application/json")
    body = assert_error(response, 401, "invalid_credentials")
    assert set(body) == {"code", "message", "field"}
    assert "token" not in body


def test_no_token_is_401_json(cast, api_client):
    assert_error(api_client(None).get("/api/v1/me"), 401, "unauthorized")


def test_invalid_token_is_401_json(cast):
    from django.test import Client

    response = Client(HTTP_AUTHORIZATION="Bearer not-a-real-token").get("/api/v1/me")
    assert_error(response, 401, "unauthorized")


def test_token_of_a_deactivated_user_is_refused(cast, teacher_a, api_client):
    client = api_client(teacher_a)
    teacher_a.is_active = False
    teacher_a.save(update_fields=["is_active"])
    assert_error(client.get("/api/v1/me"), 401, "unauthorized")
