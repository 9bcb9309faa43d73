"""Accounts and roles: opening logins, granting and revoking roles, resets, deactivation."""

from auditlog.models import LogEntry

from conftest import assert_error, fresh
from org.models import RoleAssignment, Teacher, User


def test_principal_opens_a_login_for_own_teacher_and_it_works(cast, api_client):
    # Given a teacher of the principal's school without a login
    teacher = Teacher.objects.create(school=cast.school_a1, name="钱老师")
    # When the principal opens an account for them through the API
    response = api_client(cast.principal).post(
        f"/api/v1/teachers/{teacher.pk}/account",
        {"username": "qian", "password": "a-strong-pass-2026"}, content_type="application/json")
    # Then the account exists, is linked and can get a token; the opening is audited
    assert response.status_code == 201, response.content
    teacher.refresh_from_db()
    assert teacher.user.username == "qian"
    token = api_client(None).post("/api/v1/auth/token",
                                  {"username": "qian", "password": "a-strong-pass-2026"},
                                  content_type="application/json")
    assert token.status_code == 200
    assert LogEntry.objects.filter(additional_data__code="org.account.opened",
                                   actor=cast.principal).exists()


def test_principal_cannot_open_a_login_for_another_schools_teacher(cast, api_client):
    response = api_client(cast.principal).post(
        f"/api/v1/teachers/{cast.teacher_b_profile.pk}/account",
        {"username": "sun2", "password": "a-strong-pass-2026"}, content_type="application/json")
    assert_error(response, 404, "not_found")
    assert not User.objects.filter(username="sun2").exists()


def test_weak_password_and_taken_username_are_refused(cast, api_client):
    teacher = Teacher.objects.create(school=cast.school_a1, name="钱老师")
    client = api_client(cast.principal)
    url = f"/api/v1/teachers/{teacher.pk}/account"
    weak = client.post(url, {"username": "qian", "password": "123"},
                       content_type="application/json")
    assert_error(weak, 422, "invalid", "password")
    taken = client.post(url, {"username": "teacher_a", "password": "a-strong-pass-2026"},
                        content_type="application/json")
    assert_error(taken, 409, "conflict", "username")
    teacher.refresh_from_db()
    assert teacher.user_id is None


def test_bureau_admin_grants_and_revokes_a_school_admin_role(cast, api_client):
    client = api_client(cast.bureau_admin)
    granted = client.post(f"/api/v1/users/{cast.teacher_a.pk}/roles",
                          {"role": "school_admin", "school": cast.school_a1.pk},
                          content_type="application/json")
    assert granted.status_code == 201, granted.content
    assert "school_admin" in api_client(fresh(cast.teacher_a)).get("/api/v1/me").json()["roles"]

    revoked = client.delete(f"/api/v1/users/{cast.teacher_a.pk}/roles/{granted.json()['id']}")
    assert revoked.status_code == 204
    assert not RoleAssignment.objects.filter(user=cast.teacher_a, role="school_admin").exists()
    codes = set(LogEntry.objects.values_list("additional_data__code", flat=True))
    assert {"org.role.granted", "org.role.revoked"} <= codes


def test_school_admin_may_only_grant_grade_leader_in_own_school(cast, api_client):
    client = api_client(cast.principal)
    grade_leader = client.post(f"/api/v1/users/{cast.teacher_a.pk}/roles",
                               {"role": "grade_leader", "school": cast.school_a1.pk, "grade": 4},
                               content_type="application/json")
    assert grade_leader.status_code == 201, grade_leader.content
    # A principal cannot make someone a bureau admin, nor grant in another school.
    bureau = client.post(f"/api/v1/users/{cast.teacher_a.pk}/roles",
                         {"role": "bureau_admin", "bureau": cast.district_a.pk},
                         content_type="application/json")
    assert bureau.status_code in (403, 404, 422)
    assert not RoleAssignment.objects.filter(user=cast.teacher_a, role="bureau_admin").exists()


def test_teacher_and_guardian_roles_are_not_granted_by_hand(cast, api_client):
    response = api_client(cast.bureau_admin).post(
        f"/api/v1/users/{cast.teacher_a.pk}/roles", {"role": "head_teacher"},
        content_type="application/json")
    assert_error(response, 422, "invalid", "role")


def test_nobody_grants_a_role_to_themselves(cast, api_client):
    response = api_client(cast.bureau_admin).post(
        f"/api/v1/users/{cast.bureau_admin.pk}/roles",
        {"role": "supervisor", "bureau": cast.district_a.pk}, content_type="application/json")
    assert_error(response, 422, "forbidden_unit")


def test_teacher_cannot_list_or_manage_accounts(cast, api_client, web_client):
    assert_error(api_client(cast.teacher_a).get("/api/v1/users"), 403, "forbidden")
    assert web_client(cast.teacher_a).get("/org/accounts/").status_code == 403


def test_bureau_admin_creates_a_standalone_account_with_its_role_in_the_web_ui(cast, web_client):
    client = web_client(cast.bureau_admin)
    response = client.post("/org/accounts/new/", {
        "username": "jianguan2", "name": "监管员", "phone": "13900001111",
        "password": "a-strong-pass-2026", "role": "supervisor", "bureau": cast.district_a.pk})
    assert response.status_code == 302, response.content.decode()
    user = User.objects.get(username="jianguan2")
    assert user.role_assignments.get().role == "supervisor"


def test_a_refused_role_leaves_no_half_made_account(cast, web_client):
    # A school admin role without a school is refused: the account must not stay behind.
    response = web_client(cast.bureau_admin).post("/org/accounts/new/", {
        "username": "halfmade", "name": "某人", "password": "a-strong-pass-2026",
        "role": "school_admin"})
    assert response.status_code == 200
    assert "您不能在该单位分配此角色" in response.content.decode()
    assert not User.objects.filter(username="halfmade").exists()


def test_password_reset_ends_api_tokens_and_deactivation_blocks_login(cast, api_client, web_client):
    teacher_client = api_client(cast.teacher_a)
    assert teacher_client.get("/api/v1/me").status_code == 200
    admin = web_client(cast.bureau_admin)
    admin.post(f"/org/accounts/{cast.teacher_a.pk}/password/", {"password": "new-strong-pass-77"})
    assert teacher_client.get("/api/v1/me").status_code == 401
    admin.post(f"/org/accounts/{cast.teacher_a.pk}/active/", {"active": "0"})
    cast.teacher_a.refresh_from_db()
    assert not cast.teacher_a.is_active
    token = api_client(None).post("/api/v1/auth/token",
                                  {"username": "teacher_a", "password": "new-strong-pass-77"},
                                  content_type="application/json")
    assert token.status_code == 401


def test_head_teacher_opens_a_guardian_login_only_for_own_class(cast, web_client):
    own = cast.pupil_q.guardians.get()
    other = cast.pupil_s.guardians.get()
    client = web_client(cast.head_teacher_a)
    ok = client.post(f"/org/guardians/{own.pk}/account/",
                     {"username": own.phone, "password": "a-strong-pass-2026"})
    assert ok.status_code == 302
    own.refresh_from_db()
    assert own.user.username == own.phone
    denied = client.post(f"/org/guardians/{other.pk}/account/",
                         {"username": other.phone, "password": "a-strong-pass-2026"})
    assert denied.status_code == 404
    other.refresh_from_db()
    assert other.user_id is None


def test_bureau_admin_of_another_district_cannot_see_accounts(cast, web_client):
    assert web_client(cast.bureau_admin_b).get(f"/org/accounts/{cast.teacher_a.pk}/").status_code \
        == 404


def test_granting_the_same_role_twice_is_a_conflict_on_every_database(cast, api_client):
    client = api_client(cast.bureau_admin)
    body = {"role": "supervisor", "bureau": cast.district_a.pk}
    first = client.post(f"/api/v1/users/{cast.teacher_a.pk}/roles", body,
                        content_type="application/json")
    again = client.post(f"/api/v1/users/{cast.teacher_a.pk}/roles", body,
                        content_type="application/json")
    assert first.status_code == 201
    assert_error(again, 409, "conflict", "role")
    assert RoleAssignment.objects.filter(user=cast.teacher_a, role="supervisor").count() == 1
