"""Joint enforcement operations (联合执法, IN-2) through the API: departments, dates, the
institutions visited and their outcomes, a card issued through the institutions' rules, and the
counts the reports use."""

import pytest

from conftest import assert_error
from institutions.models import Card, Institution
from institutions.tests.conftest import new_code

URL = "/api/v1/inspections/operations"


def post(client, url, data=None):
    return client.post(url, data or {}, content_type="application/json")


@pytest.fixture
def targets(cast):
    return [Institution.objects.create(bureau=cast.district_a, name=f"甲区联合检查机构{n}",
                                       credit_code=new_code(), licence_status="permit_and_licence",
                                       status="approved") for n in range(3)]


OPERATION = {"title": "2026年秋季校外培训联合执法", "start": "2026-11-02", "end": "2026-11-20",
             "departments": ["education", "market", "fire"]}


def test_an_operation_records_visits_outcomes_and_a_card(cast, supervisor, targets, api_client):
    client = api_client(supervisor)
    r = post(client, URL, OPERATION)
    assert r.status_code == 201, r.content
    op = r.json()["id"]
    ok = post(client, f"{URL}/{op}/visits", {"institution": targets[0].pk,
                                            "visited_on": "2026-11-05", "outcome": "compliant"})
    assert ok.status_code == 201, ok.content
    carded = post(client, f"{URL}/{op}/visits", {
        "institution": targets[1].pk, "visited_on": "2026-11-06", "outcome": "card",
        "card_colour": "yellow", "findings": "消防通道堵塞，超范围招生"})
    assert carded.status_code == 201, carded.content
    card = Card.objects.get(pk=carded.json()["card"])
    assert (card.institution_id, card.colour) == (targets[1].pk, "yellow")
    assert "联合执法" in card.reason
    counts = client.get(f"{URL}/counts", {"year": 2026}).json()
    assert (counts["operations"], counts["visits"], counts["compliant"], counts["card"]) == (
        1, 2, 1, 1)
    listed = client.get(URL).json()["items"][0]
    assert [v["institution"] for v in listed["visits"]] == [targets[0].pk, targets[1].pk]


def test_bad_visits_are_refused_and_nothing_saved(cast, supervisor, inspector, targets,
                                                  api_client):
    client = api_client(supervisor)
    assert_error(post(client, URL, {**OPERATION, "departments": ["education"]}), 422, "invalid",
                 "departments")
    assert_error(post(client, URL, {**OPERATION, "end": "2026-11-01"}), 422, "invalid", "end")
    op = post(client, URL, OPERATION).json()["id"]
    base = {"institution": targets[2].pk, "visited_on": "2026-11-05"}
    assert_error(post(client, f"{URL}/{op}/visits", {**base, "visited_on": "2026-12-01",
                                                    "outcome": "compliant"}),
                 422, "invalid", "visited_on")
    assert_error(post(client, f"{URL}/{op}/visits", {**base, "outcome": "rectify"}), 422,
                 "required", "findings")
    assert_error(post(client, f"{URL}/{op}/visits", {**base, "outcome": "card",
                                                    "findings": "x"}), 422, "required",
                 "card_colour")
    assert not Card.objects.exists()
    # Inspectors (执法人员) record visits too
    assert post(api_client(inspector), f"{URL}/{op}/visits",
                {**base, "outcome": "compliant"}).status_code == 201
    assert_error(post(client, f"{URL}/{op}/visits", {**base, "outcome": "compliant"}), 409,
                 "conflict")


@pytest.mark.parametrize("actor", ["principal", "guardian_p", "institution_staff", "bank"])
def test_other_roles_have_no_operations(actor, request, api_client):
    client = api_client(request.getfixturevalue(actor))
    assert_error(client.get(URL), 403, "forbidden")
    assert_error(post(client, URL, OPERATION), 403, "forbidden")


def test_another_district_sees_none(cast, supervisor, bureau_admin_b, api_client):
    op = post(api_client(supervisor), URL, OPERATION).json()["id"]
    other = api_client(bureau_admin_b)
    assert other.get(URL).json()["count"] == 0
    assert_error(post(other, f"{URL}/{op}/visits", {"institution": 1, "visited_on": "2026-11-05",
                                                   "outcome": "compliant"}), 404, "not_found")
