"""Rule parameters: national defaults, district values only stricter, nearest bureau wins."""

from auditlog.models import LogEntry

from conftest import assert_error
from policy.services import Policy


def test_national_defaults_apply_until_a_district_sets_its_own(cast, api_client):
    body = api_client(cast.bureau_admin).get("/api/v1/policy/settings?limit=500").json()
    values = {row["key"]: row["value"] for row in body["items"]}
    assert values["hw.max_avg_minutes.primary"] == 60
    assert values["hw.max_avg_minutes.junior"] == 90
    assert body["count"] == len(body["items"])


def test_a_district_may_be_stricter_and_it_is_audited(cast, api_client):
    # Given Anshan-style limits (HW-20 examples): primary 45 minutes
    response = api_client(cast.bureau_admin).put(
        "/api/v1/policy/settings/hw.max_avg_minutes.primary",
        {"value": 45, "reason": "鞍教发〔2021〕示例"}, content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["value"] == 45
    assert Policy(cast.district_a)["hw.max_avg_minutes.primary"] == 45
    # Another district keeps the national value
    assert Policy(cast.district_b)["hw.max_avg_minutes.primary"] == 60
    assert LogEntry.objects.filter(additional_data__code="policy.rule.set").exists()


def test_a_district_may_never_be_looser_than_the_national_value(cast, api_client):
    response = api_client(cast.bureau_admin).put(
        "/api/v1/policy/settings/hw.max_avg_minutes.junior", {"value": 120},
        content_type="application/json")
    assert_error(response, 422, "invalid", "value")  # above the allowed maximum
    assert Policy(cast.district_a)["hw.max_avg_minutes.junior"] == 90


def test_a_district_may_not_loosen_its_city_bureaus_stricter_value(cast, api_client):
    from org.models import RoleAssignment, User

    city_admin = User.objects.create_user(username="city", password="x-strong-pass-1")
    RoleAssignment.objects.create(user=city_admin, role="bureau_admin", bureau=cast.city)
    from policy.services import set_rule

    set_rule(actor=city_admin, bureau=cast.city, key="hw.max_avg_minutes.primary", value=50)
    response = api_client(cast.bureau_admin).put(
        "/api/v1/policy/settings/hw.max_avg_minutes.primary", {"value": 55},
        content_type="application/json")
    assert_error(response, 422, "HW-2", "value")
    assert Policy(cast.district_a)["hw.max_avg_minutes.primary"] == 50


def test_holiday_policy_only_moves_to_stricter_choices(cast, api_client):
    client = api_client(cast.bureau_admin)
    url = "/api/v1/policy/settings/hw.holiday_policy"
    assert client.put(url, {"value": "half_of_school_day"},
                      content_type="application/json").status_code == 200
    # Tightening further is fine; going back to looser is not: the floor is the parent's value,
    # so the district may always return to the national default but no further.
    assert client.put(url, {"value": "none"}, content_type="application/json").status_code == 200
    assert Policy(cast.district_a)["hw.holiday_policy"] == "none"


def test_only_bureau_admins_set_parameters(cast, api_client):
    response = api_client(cast.principal).put(
        "/api/v1/policy/settings/hw.max_avg_minutes.primary", {"value": 45},
        content_type="application/json")
    assert_error(response, 403, "forbidden")


def test_unknown_parameter_is_refused(cast, api_client):
    response = api_client(cast.bureau_admin).put(
        "/api/v1/policy/settings/hw.nothing", {"value": 1}, content_type="application/json")
    assert_error(response, 422, "invalid", "key")


def test_bureau_admin_sets_a_parameter_in_the_web_ui(cast, web_client):
    client = web_client(cast.bureau_admin)
    page = client.get("/policy/")
    assert "HW-2" in page.content.decode()
    client.post("/policy/", {"key": "hw.max_avg_minutes.junior", "value": "60",
                             "reason": "从严"})
    assert Policy(cast.district_a)["hw.max_avg_minutes.junior"] == 60
