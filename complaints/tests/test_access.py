"""Who sees which complaints, and who may do what with them (API doors). Deny by default;
another district's complaints are 404, exactly like missing ones."""

import pytest

from complaints import services
from complaints.tests.conftest import API, file, post_json
from conftest import assert_error


@pytest.fixture
def three(school_complaint, institution_complaint, tutoring_complaint):
    """One complaint for each kind of unit: A1, the supervision section, the ethics officer."""
    return {"school": school_complaint.pk, "institution": institution_complaint.pk,
            "tutoring": tutoring_complaint.pk}


SEES = [
    ("hotline", {"school", "institution", "tutoring"}),
    ("bureau_admin", {"school", "institution", "tutoring"}),
    ("inspector", {"school", "institution", "tutoring"}),
    ("supervisor", {"institution"}),
    ("ethics_officer", {"tutoring"}),
    ("principal", {"school"}),
    ("bureau_admin_b", set()),
    ("hotline_b", set()),
]


@pytest.mark.parametrize("actor,expected", SEES, ids=[s[0] for s in SEES])
def test_each_role_lists_the_complaints_of_its_unit(cast, api_client, request, three, actor,
                                                    expected):
    # Given one complaint per unit in district A
    user = request.getfixturevalue(actor)
    # When the actor lists complaints
    response = api_client(user).get(API)
    # Then they see those of their unit (hotline, bureau and inspectors: the whole district)
    assert response.status_code == 200, response.content
    assert {c["id"] for c in response.json()["items"]} == {three[k] for k in expected}


@pytest.mark.parametrize("actor", ["teacher_a", "head_teacher_a", "guardian_p", "guardian_nobody",
                                   "institution_staff", "bank"])
def test_roles_without_complaint_business_are_refused(cast, api_client, request, three, actor):
    client = api_client(request.getfixturevalue(actor))
    assert_error(client.get(API), 403, "forbidden")
    assert_error(client.get(f"{API}/{three['school']}"), 403, "forbidden")
    assert_error(client.get(f"{API}/statistics"), 403, "forbidden")
    assert_error(post_json(client, f"{API}/{three['school']}/acknowledge"), 403, "forbidden")


def test_anonymous_callers_get_401(cast, api_client, three):
    assert_error(api_client(None).get(API), 401, "unauthorized")
    assert_error(post_json(api_client(None), f"{API}/{three['school']}/acknowledge"), 401,
                 "unauthorized")


ACTS = [
    # (actor, complaint, action, body, expected status)
    ("principal", "school", "acknowledge", {}, 200),
    ("principal", "institution", "acknowledge", {}, 404),
    ("principal", "tutoring", "acknowledge", {}, 404),
    ("supervisor", "institution", "acknowledge", {}, 200),
    ("supervisor", "school", "acknowledge", {}, 404),
    ("ethics_officer", "tutoring", "acknowledge", {}, 200),
    ("ethics_officer", "institution", "acknowledge", {}, 404),
    ("hotline", "school", "acknowledge", {}, 403),
    ("hotline", "school", "reply", {"text": "来电催办", "public": False}, 200),
    ("hotline", "school", "merge", {"duplicate_of": "institution"}, 200),
    ("hotline", "tutoring", "reassign", {"section": "bureau_admin", "reason": "转"}, 200),
    ("inspector", "school", "acknowledge", {}, 403),
    ("inspector", "school", "reply", {"text": "记录", "public": False}, 403),
    ("inspector", "school", "merge", {"duplicate_of": "institution"}, 403),
    ("inspector", "school", "reassign", {"section": "bureau_admin", "reason": "转"}, 403),
    ("inspector", "school", "links", {"kind": "inspection", "object_id": 1}, 403),
    ("principal", "school", "reassign", {"section": "bureau_admin", "reason": "转"}, 403),
    ("principal", "school", "links", {"kind": "inspection", "object_id": 1}, 200),
    ("bureau_admin", "tutoring", "reject", {"reason": "不属于受理范围"}, 200),
    ("bureau_admin_b", "school", "acknowledge", {}, 404),
    ("bureau_admin_b", "school", "reply", {"text": "x", "public": False}, 404),
    ("hotline_b", "school", "reassign", {"section": "supervisor", "reason": "转"}, 404),
]


@pytest.mark.parametrize("actor,which,action,body,expected", ACTS,
                         ids=[f"{a[0]}-{a[1]}-{a[2]}-{a[4]}" for a in ACTS])
def test_who_may_do_what(cast, api_client, request, three, actor, which, action, body, expected):
    # Given the actor and a complaint of district A
    user = request.getfixturevalue(actor)
    body = {k: three.get(v, v) if k == "duplicate_of" else v for k, v in body.items()}
    # When they act on it
    response = post_json(api_client(user), f"{API}/{three[which]}/{action}", body)
    # Then the responsible unit (or the overseer) may, others are refused: 404 outside their
    # reach, 403 for a visible complaint and a forbidden action
    if expected >= 400:
        assert_error(response, expected, {403: "forbidden", 404: "not_found"}[expected])
    else:
        assert response.status_code in (expected, 201), response.content


def test_another_districts_complaint_is_404_like_a_missing_one(cast, api_client, bureau_admin,
                                                               bureau_admin_b, three):
    missing = api_client(bureau_admin_b).get(f"{API}/999999")
    other = api_client(bureau_admin_b).get(f"{API}/{three['school']}")
    assert_error(missing, 404, "not_found")
    assert other.status_code == 404 and missing.json() == other.json()


def test_a_reassigned_complaint_leaves_the_old_units_reach(cast, api_client, hotline, principal,
                                                           supervisor, school_complaint):
    services.reassign(actor=hotline, complaint=school_complaint, section="supervisor",
                      reason="实为培训机构问题")
    assert_error(api_client(principal).get(f"{API}/{school_complaint.pk}"), 404, "not_found")
    assert api_client(supervisor).get(f"{API}/{school_complaint.pk}").status_code == 200


def test_the_list_costs_a_bounded_number_of_queries(cast, api_client, hotline, three,
                                                    django_assert_max_num_queries):
    # Given twenty more complaints in the district
    for _ in range(20):
        file(cast)
    client = api_client(hotline)
    # When the hotline lists them, the cost does not grow with the rows
    with django_assert_max_num_queries(12):
        response = client.get(API)
    assert response.json()["count"] == 23
