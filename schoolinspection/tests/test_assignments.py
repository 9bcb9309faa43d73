"""Responsible inspectors (责任督学, IN-3): one current inspector per school with the history
kept, only district inspector logins, the load against ``in.schools_per_inspector``, and the
school's page showing whom to call (责任督学公示)."""

import datetime as dt

from auditlog.models import LogEntry

from conftest import assert_error
from policy import services as policy
from schoolinspection import services
from schoolinspection.models import InspectorAssignment
from schoolinspection.tests.conftest import API, TERM_START, post_json


def test_a_new_inspector_ends_the_current_assignment_and_history_stays(
        assigned, clock, api_client, bureau_admin, inspector_2, principal):
    # Given A1's inspector since 1 September
    school = assigned.school_a1
    # When the bureau admin makes inspector_2 responsible from 10 November
    response = post_json(api_client(bureau_admin), f"{API}/assignments", {
        "school": school.pk, "inspector": inspector_2.pk, "since": "2026-11-10",
        "contact_phone": "0371-12345678"})
    # Then inspector_2 is current, and the first assignment ended that day
    assert response.status_code == 201, response.content
    body = response.json()["assignment"]
    assert body["inspector_name"] == "钱督学" and body["phone"] == "0371-12345678"
    assert body["until"] is None
    rows = InspectorAssignment.objects.filter(school=school).order_by("since")
    assert [(a.inspector_id, a.since, a.until) for a in rows] == [
        (assigned.inspector.pk, TERM_START, dt.date(2026, 11, 10)),
        (inspector_2.pk, dt.date(2026, 11, 10), None)]
    # and both are listed with the history, one without
    everyone = api_client(principal).get(f"{API}/assignments", {"current": False}).json()
    assert [a["since"] for a in everyone["items"]] == ["2026-11-10", "2026-09-01"]
    current = api_client(principal).get(f"{API}/assignments").json()
    assert [a["inspector"] for a in current["items"]] == [inspector_2.pk]
    assert LogEntry.objects.filter(additional_data__code="schoolinspection.assignment.made"
                                   ).count() == 3


def test_assignments_are_refused_with_their_reasons(assigned, clock, api_client, bureau_admin,
                                                    inspector_b, inspector, teacher_a):
    url = f"{API}/assignments"
    school = assigned.school_a1
    client = api_client(bureau_admin)
    # An inspector of another district
    assert_error(post_json(client, url, {"school": school.pk, "inspector": inspector_b.pk}),
                 422, "invalid", "inspector")
    # A login without the inspector role
    assert_error(post_json(client, url, {"school": school.pk, "inspector": teacher_a.pk}),
                 422, "invalid", "inspector")
    # The one already responsible
    assert_error(post_json(client, url, {"school": school.pk, "inspector": inspector.pk}),
                 409, "already_assigned", "inspector")
    # A start in the future, or before the current inspector's
    inspector_2 = assigned.assignment_a2.inspector
    assert_error(post_json(client, url, {"school": school.pk, "inspector": inspector_2.pk,
                                         "since": "2026-11-24"}), 422, "invalid", "since")
    assert_error(post_json(client, url, {"school": school.pk, "inspector": inspector_2.pk,
                                         "since": "2026-08-31"}), 422, "invalid", "since")
    # Then nothing changed
    assert InspectorAssignment.objects.get(school=school, until__isnull=True).inspector == \
        inspector


def test_only_the_districts_bureau_admin_assigns(assigned, clock, api_client, inspector,
                                                 principal, bureau_admin_b, inspector_2):
    body = {"school": assigned.school_a1.pk, "inspector": inspector_2.pk}
    url = f"{API}/assignments"
    assert_error(post_json(api_client(inspector), url, body), 403, "forbidden")
    assert_error(post_json(api_client(principal), url, body), 403, "forbidden")
    assert_error(post_json(api_client(bureau_admin_b), url, body), 404, "not_found")
    assert InspectorAssignment.objects.count() == 2


def test_a_load_above_the_district_standard_is_a_warning(matrix_cast, clock, api_client,
                                                         bureau_admin, inspector):
    # Given a district that allows one school per inspector (stricter than about 5)
    policy.set_rule(actor=bureau_admin, bureau=matrix_cast.district_a,
                    key="in.schools_per_inspector", value=1, reason="试点")
    client = api_client(bureau_admin)
    first = post_json(client, f"{API}/assignments", {"school": matrix_cast.school_a1.pk,
                                                     "inspector": inspector.pk})
    assert first.status_code == 201 and first.json()["warnings"] == []
    # When the same inspector is given a second school
    second = post_json(client, f"{API}/assignments", {"school": matrix_cast.school_a2.pk,
                                                      "inspector": inspector.pk})
    # Then it is done, with an IN-3 warning
    assert second.status_code == 201, second.content
    [warning] = second.json()["warnings"]
    assert warning["code"] == "IN-3" and "2 所" in warning["message"]
    # and the load lists the inspector over the standard
    load = {row["inspector"]: row for row in client.get(f"{API}/load").json()}
    assert load[inspector.pk] | {"phone": ""} == {
        "inspector": inspector.pk, "inspector_name": "督学", "phone": "", "schools": 2,
        "limit": 1, "over": True}


def test_the_default_standard_is_about_five_schools(matrix_cast, clock, bureau_admin, inspector):
    # Given five more schools of district A
    from org import services as org_services

    schools = [matrix_cast.school_a1, matrix_cast.school_a2] + [
        org_services.create_school(actor=bureau_admin, bureau=matrix_cast.district_a,
                                   name=f"甲区第{n}小学", code=f"A{n}", stage="primary",
                                   system="6-3", ownership="public") for n in range(3, 7)]
    # When one inspector is made responsible for five, then six of them
    warnings = [services.assign_inspector(actor=bureau_admin, school=s, inspector=inspector)[1]
                for s in schools]
    # Then only the sixth is over the national standard of 5 (IN-3)
    assert [bool(w) for w in warnings] == [False] * 5 + [True]


def test_the_school_page_shows_its_responsible_inspector(assigned, web_client, principal):
    # Given A1's responsible inspector; when the principal opens the school's page
    response = web_client(principal).get(f"/school-inspection/schools/{assigned.school_a1.pk}/")
    # Then the name and the number to call are shown (责任督学公示)
    assert response.status_code == 200
    html = response.content.decode()
    assert "责任督学公示" in html
    assert '<dd id="inspector-name">督学</dd>' in html
    assert '<dd id="inspector-phone">13700000001</dd>' in html


def test_the_bureau_assigns_on_the_overview_and_sees_the_load(matrix_cast, clock, web_client,
                                                              bureau_admin, inspector):
    # Given no assignment yet; when the bureau admin assigns through the overview's form
    client = web_client(bureau_admin)
    response = client.post("/school-inspection/assignments/", {
        "school": matrix_cast.school_a1.pk, "inspector": inspector.pk})
    # Then back on the overview, A1 has its inspector and A2 is flagged as unassigned
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "已指定 督学 为甲区第一小学的责任督学" in page
    assert "1 所学校未指定责任督学" in page
    # and an invalid choice is shown on the form, as an HTMX fragment when HTMX asks
    bad = client.post("/school-inspection/assignments/", {"school": matrix_cast.school_b1.pk,
                                                          "inspector": inspector.pk},
                      headers={"HX-Request": "true"})
    assert bad.status_code == 200
    assert bad.content.decode().lstrip().startswith("<form") and "errors" in bad.content.decode()
    assert InspectorAssignment.objects.count() == 1
