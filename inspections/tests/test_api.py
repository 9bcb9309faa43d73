"""Random inspections through the API (IN-1): the roster, a draw with its seed and teams that
verifies, results within the publication deadline, the public results, and the denials."""

import datetime as dt

import pytest
from auditlog.models import LogEntry
from django.utils import timezone

from conftest import assert_error, fresh
from inspections import services
from inspections.models import Draw, Inspection, Inspector
from institutions.models import Institution
from institutions.tests.conftest import new_code
from policy.services import set_rule

URL = "/api/v1/inspections"
PUBLIC = "/api/v1/public/inspections"


def post(client, url, data=None):
    return client.post(url, data or {}, content_type="application/json")


@pytest.fixture
def roster(cast):
    """Six inspectors of district A: four of education (one is the `inspector` login), one of
    market regulation and one of fire services."""
    people = [("张督学", "education", cast.inspector), ("李督学", "education", None),
              ("王督学", "education", None), ("赵督学", "education", None),
              ("钱执法", "market", None), ("孙消防", "fire", None)]
    return [Inspector.objects.create(bureau=cast.district_a, name=name, department=department,
                                     user=user) for name, department, user in people]


@pytest.fixture
def registry(cast):
    """Twenty approved institutions in district A besides the cast's two."""
    return [Institution.objects.create(
        bureau=cast.district_a, name=f"甲区第{n}培训中心", credit_code=new_code(),
        licence_status="permit_and_licence", status="approved") for n in range(1, 21)]


def run(client, **extra):
    body = {"title": "2026年秋季校外培训机构双随机抽查", "target_kind": "institution", **extra}
    return post(client, f"{URL}/draws", body)


def test_a_draw_takes_the_district_share_and_two_inspectors_each(cast, supervisor, roster,
                                                                  registry, api_client):
    # Given 22 institutions on district A's roster and the national 5 %
    response = run(api_client(supervisor), seed="20261123")
    # Then 2 targets (5 % of 22, rounded up) are drawn, each with 2 different inspectors
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["count"], body["roster_size"], body["per_target"]) == (2, 22, 2)
    assert body["seed"] == "20261123" and body["algorithm"] == "dsr-sha256-1"
    assert len(body["inspections"]) == 2
    for inspection in body["inspections"]:
        assert len(set(inspection["inspectors"])) == 2
        assert inspection["status"] == "assigned" and inspection["outcome"] == ""
    assert LogEntry.objects.filter(additional_data__code="inspections.draw.run").count() == 1


def test_the_draw_verifies_from_its_record(cast, supervisor, inspector, roster, registry,
                                           api_client):
    draw = run(api_client(supervisor), percent=30, min_departments=2).json()
    response = api_client(inspector).get(f"{URL}/draws/{draw['id']}/verify")
    assert response.status_code == 200
    body = response.json()
    assert body["ok"] and body["digest_ok"] and body["result_ok"] and body["inspections_ok"]
    assert body["recomputed"] == [[i["target"], i["inspectors"]] for i in draw["inspections"]]
    # Every team is joint: at least two departments
    department = {i.pk: i.department for i in roster}
    for inspection in draw["inspections"]:
        assert len({department[i] for i in inspection["inspectors"]}) >= 2
    # A tampered record no longer verifies
    Draw.objects.filter(pk=draw["id"]).update(seed="tampered")
    assert not api_client(inspector).get(f"{URL}/draws/{draw['id']}/verify").json()["ok"]


def test_conflicts_and_the_previous_team_are_respected(cast, supervisor, roster, registry,
                                                       api_client):
    client = api_client(supervisor)
    target = registry[0]
    # Given four of the six inspectors declared a conflict with the target
    for inspector in roster[:4]:
        r = post(client, f"{URL}/inspectors/{inspector.pk}/conflicts",
                 {"institution": target.pk, "reason": "近亲属在该机构任职"})
        assert r.status_code == 201, r.content
    # When every institution is drawn twice
    first = run(client, percent=100).json()
    team = {i["target"]: i["inspectors"] for i in first["inspections"]}[f"institution:{target.pk}"]
    # Then only the two others go, and the next draw cannot send them again: refused (IN-1)
    assert set(team) == {roster[4].pk, roster[5].pk}
    second = run(client, percent=100)
    assert_error(second, 422, "IN-1", "inspectors")
    assert Draw.objects.count() == 1 and Inspection.objects.count() == 22


def test_the_district_share_and_team_size_are_floors(cast, supervisor, bureau_admin, roster,
                                                     registry, api_client):
    set_rule(actor=fresh(bureau_admin), bureau=cast.district_a, key="in.sample_percent",
             value=20, reason="本区从严")
    client = api_client(supervisor)
    assert_error(run(client, percent=10), 422, "IN-1", "percent")
    assert_error(run(client, count=4), 422, "IN-1", "count")  # 20 % of 22 is 5
    assert_error(run(client, per_target=1), 422, "IN-1", "per_target")
    assert_error(run(client, target_kind="hospital"), 422, "invalid", "target_kind")
    assert_error(run(client, count=23), 422, "invalid", "count")
    assert not Draw.objects.exists()
    assert run(client, count=5).status_code == 201


def test_results_are_recorded_by_the_team_and_published_within_the_deadline(
        cast, supervisor, inspector, roster, registry, api_client):
    draw = services.run_draw(actor=fresh(supervisor), bureau=cast.district_a, title="抽查",
                             target_kind="institution", percent=100)
    mine = Inspection.objects.filter(draw=draw, inspectors__user=cast.inspector).first()
    other = Inspection.objects.filter(draw=draw).exclude(inspectors__user=cast.inspector).first()
    client = api_client(inspector)
    # The inspector sees their own tasks and records a result for theirs only
    listed = client.get(f"{URL}/inspections", {"mine": "true"}).json()
    assert mine.pk in {i["id"] for i in listed["items"]}
    assert other.pk not in {i["id"] for i in listed["items"]}
    assert_error(post(client, f"{URL}/inspections/{other.pk}/result", {"outcome": "pass"}),
                 403, "forbidden")
    assert_error(post(client, f"{URL}/inspections/{mine.pk}/result", {"outcome": "rectify"}),
                 422, "required", "findings")
    assert_error(post(client, f"{URL}/inspections/{mine.pk}/result",
                      {"outcome": "pass", "checked_on": "2030-01-01"}), 422, "invalid",
                 "checked_on")
    r = post(client, f"{URL}/inspections/{mine.pk}/result",
             {"outcome": "rectify", "findings": "收费公示不全，责令7日内整改"})
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["status"] == "recorded" and body["overdue"] is False
    due = dt.date.fromisoformat(body["publish_due"])
    assert due > timezone.localdate() + dt.timedelta(days=20)  # 20 working days
    # Not public yet; the inspector may not publish; the section does
    assert api_client(None).get(PUBLIC).json()["count"] == 0
    assert_error(post(client, f"{URL}/inspections/{mine.pk}/publish"), 403, "forbidden")
    r = post(api_client(supervisor), f"{URL}/inspections/{mine.pk}/publish")
    assert r.status_code == 200 and r.json()["status"] == "published"
    assert_error(post(api_client(supervisor), f"{URL}/inspections/{other.pk}/publish"), 409,
                 "invalid_transition")
    public = api_client(None).get(PUBLIC).json()
    assert public["count"] == 1
    item = public["items"][0]
    assert item["target_name"] == mine.institution.name and item["outcome"] == "rectify"
    assert "inspectors" not in item


def test_overdue_publication_is_flagged(cast, supervisor, roster, registry, api_client):
    draw = services.run_draw(actor=fresh(supervisor), bureau=cast.district_a, title="抽查",
                             target_kind="institution", count=2)
    first = draw.inspections.first()
    services.record_result(actor=fresh(supervisor), inspection=first, outcome="pass")
    Inspection.objects.filter(pk=first.pk).update(
        publish_due=timezone.localdate() - dt.timedelta(days=1))
    listed = api_client(supervisor).get(f"{URL}/inspections", {"overdue": "true"}).json()
    assert [i["id"] for i in listed["items"]] == [first.pk]
    assert listed["items"][0]["overdue"] is True


def test_schools_can_be_drawn_too(cast, bureau_admin, roster, api_client):
    r = run(api_client(bureau_admin), target_kind="school", count=1, title="学校作业管理抽查")
    assert r.status_code == 201, r.content
    assert r.json()["inspections"][0]["target"].startswith("school:")


@pytest.mark.parametrize("actor", ["principal", "teacher_a", "guardian_p", "institution_staff",
                                   "bank"])
def test_other_roles_cannot_draw_or_read(actor, cast, roster, registry, api_client, request):
    client = api_client(request.getfixturevalue(actor))
    assert_error(run(client), 403, "forbidden")
    assert_error(client.get(f"{URL}/draws"), 403, "forbidden")
    assert_error(client.get(f"{URL}/inspectors"), 403, "forbidden")


def test_inspectors_read_but_do_not_draw_and_other_districts_see_nothing(
        cast, supervisor, inspector, bureau_admin_b, roster, registry, api_client):
    draw = run(api_client(supervisor)).json()
    assert_error(run(api_client(inspector)), 403, "forbidden")
    assert api_client(inspector).get(f"{URL}/draws/{draw['id']}").status_code == 200
    other = api_client(bureau_admin_b)
    assert_error(other.get(f"{URL}/draws/{draw['id']}"), 404, "not_found")
    assert_error(other.get(f"{URL}/draws/{draw['id']}/verify"), 404, "not_found")
    assert other.get(f"{URL}/inspectors").json()["count"] == 0
    assert_error(post(other, f"{URL}/inspectors/{roster[0].pk}/conflicts",
                      {"institution": registry[0].pk, "reason": "x"}), 404, "not_found")
    # A district B admin cannot draw for district A
    assert_error(run(other, bureau=cast.district_a.pk), 404, "not_found")


def test_the_roster_through_the_api(cast, supervisor, inspector, api_client):
    client = api_client(supervisor)
    r = post(client, f"{URL}/inspectors", {"name": "周执法", "department": "market",
                                           "certificate_no": "豫执0001"})
    assert r.status_code == 201 and r.json()["department"] == "market"
    assert_error(post(client, f"{URL}/inspectors", {"name": " "}), 422, "required", "name")
    assert_error(post(client, f"{URL}/inspectors", {"name": "甲", "department": "army"}), 422,
                 "invalid", "department")
    assert_error(post(client, f"{URL}/inspectors", {"name": "甲", "user": cast.teacher_a.pk}),
                 422, "invalid", "user")
    linked = post(client, f"{URL}/inspectors", {"name": "张督学", "user": cast.inspector.pk})
    assert linked.status_code == 201
    assert_error(post(client, f"{URL}/inspectors", {"name": "张督学", "user": cast.inspector.pk}),
                 409, "conflict")
    assert api_client(inspector).get(f"{URL}/inspectors").json()["count"] == 2
