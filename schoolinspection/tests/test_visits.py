"""Monthly visits (督学每月1次入校督导, IN-4): only the school's responsible inspector on the
visit date records one; findings become tasks; coverage per school and month against
``in.visits_per_month`` with ended months flagged."""

import datetime as dt

from auditlog.models import LogEntry

from conftest import assert_error
from policy import services as policy
from schoolinspection import services
from schoolinspection.models import InspectorAssignment, RectificationTask, Visit
from schoolinspection.tests.conftest import API, post_json

VISIT = {"visited_on": "2026-11-20", "items": ["hw_limit", "fm_phone"],
         "summary": "查阅作业登记和公示，抽查两个班。",
         "findings": ["四年级作业公示不及时", "部分学生带手机进课堂"]}


def test_the_responsible_inspector_records_a_visit_and_findings_become_tasks(
        assigned, clock, api_client, inspector):
    # When A1's inspector records Friday's visit with two findings
    response = post_json(api_client(inspector), f"{API}/visits",
                         {**VISIT, "school": assigned.school_a1.pk})
    # Then the visit is stored with its items in checklist order
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["items"] == ["hw_limit", "fm_phone"]
    assert body["item_labels"][1].startswith("手机管理")
    visit = Visit.objects.get()
    assert (visit.school, visit.inspector, visit.visited_on) == (
        assigned.school_a1, inspector, dt.date(2026, 11, 20))
    # and each finding is an open task of A1 from the visit, due 10 working days from today
    tasks = RectificationTask.objects.filter(visit=visit).order_by("pk")
    assert [t.description for t in tasks] == VISIT["findings"]
    assert sorted(body["tasks"]) == [t.pk for t in tasks]
    assert {(t.source, t.status, t.due) for t in tasks} == {("visit", "open", dt.date(2026, 12, 7))}
    assert LogEntry.objects.filter(additional_data__code="schoolinspection.visit.recorded"
                                   ).exists()


def test_visits_are_only_for_the_inspectors_own_schools(assigned, clock, api_client, inspector,
                                                       bureau_admin, principal, bureau_admin_b,
                                                       teacher_a, inspector_b):
    url = f"{API}/visits"
    # Another inspector's school; other roles; another district
    assert_error(post_json(api_client(inspector), url, {**VISIT, "school": assigned.school_a2.pk}),
                 403, "forbidden")
    for user in (bureau_admin, principal, teacher_a):
        assert_error(post_json(api_client(user), url, {**VISIT, "school": assigned.school_a1.pk}),
                     403, "forbidden")
    assert_error(post_json(api_client(bureau_admin_b), url,
                           {**VISIT, "school": assigned.school_a1.pk}), 403, "forbidden")
    assert_error(post_json(api_client(inspector_b), url,
                           {**VISIT, "school": assigned.school_a1.pk}), 404, "not_found")
    assert not Visit.objects.exists()


def test_responsibility_is_judged_on_the_visit_date(assigned, clock, api_client, bureau_admin,
                                                   inspector, inspector_2):
    # Given A1 handed to inspector_2 from 10 November
    services.assign_inspector(actor=bureau_admin, school=assigned.school_a1,
                              inspector=inspector_2, since=dt.date(2026, 11, 10))
    url = f"{API}/visits"
    school = assigned.school_a1.pk
    # When the former inspector records a visit from before and one from after the handover
    before = post_json(api_client(inspector), url, {**VISIT, "school": school,
                                                    "visited_on": "2026-11-05"})
    after = post_json(api_client(inspector), url, {**VISIT, "school": school,
                                                   "visited_on": "2026-11-12"})
    # Then only the first is theirs to record
    assert before.status_code == 201, before.content
    assert_error(after, 403, "forbidden")
    # and the new inspector cannot record a visit from before their time
    assert_error(post_json(api_client(inspector_2), url, {**VISIT, "school": school,
                                                          "visited_on": "2026-11-05"}),
                 403, "forbidden")


def test_visit_input_is_checked(assigned, clock, api_client, inspector):
    url = f"{API}/visits"
    school = assigned.school_a1.pk
    client = api_client(inspector)
    assert_error(post_json(client, url, {**VISIT, "school": school, "visited_on": "2026-11-24"}),
                 422, "invalid", "visited_on")
    assert_error(post_json(client, url, {**VISIT, "school": school, "items": []}),
                 422, "required", "items")
    assert_error(post_json(client, url, {**VISIT, "school": school, "items": ["gossip"]}),
                 422, "invalid", "items")
    assert_error(post_json(client, url, {"school": school, "items": ["hw_limit"]}),
                 422, "required", "summary")
    assert_error(post_json(client, url, {**VISIT, "school": school, "due": "2026-11-01"}),
                 422, "invalid", "due")
    assert not Visit.objects.exists()


def test_coverage_flags_ended_months_without_enough_visits(assigned, clock, api_client,
                                                           bureau_admin, inspector, principal):
    # Given A1 visited on 15 October and 5 November; A2 never; today Monday 23 November
    for day in (dt.date(2026, 10, 15), dt.date(2026, 11, 5)):
        services.record_visit(actor=inspector, school=assigned.school_a1, visited_on=day,
                              items=["hw_limit"], summary="例行督导")
    # When the bureau reads the coverage of the last six months
    response = api_client(bureau_admin).get(f"{API}/coverage", {"months": 6})
    assert response.status_code == 200, response.content
    rows = {r["school_name"]: {m["month"]: (m["visits"], m["state"]) for m in r["months"]}
            for r in response.json()["items"]}
    # Then the summer months had no school days, September was missed by both, October by A2,
    # and November is still running for A2
    assert rows["甲区第一小学"] == {
        "2026-06": (0, "none"), "2026-07": (0, "none"), "2026-08": (0, "none"),
        "2026-09": (0, "missing"), "2026-10": (1, "ok"), "2026-11": (1, "ok")}
    assert rows["甲区第二小学"]["2026-10"] == (0, "missing")
    assert rows["甲区第二小学"]["2026-11"] == (0, "due")
    assert "乙区第一小学" not in rows
    # and a school admin is not shown the district's coverage
    assert_error(api_client(principal).get(f"{API}/coverage"), 403, "forbidden")


def test_a_district_may_require_more_visits_a_month(assigned, clock, inspector, bureau_admin):
    # Given two visits a month required, and one visit to A1 in October
    policy.set_rule(actor=bureau_admin, bureau=assigned.district_a, key="in.visits_per_month",
                    value=2, reason="从严")
    services.record_visit(actor=inspector, school=assigned.school_a1,
                          visited_on=dt.date(2026, 10, 15), items=["other"], summary="督导")
    from schoolinspection import reports

    # When coverage is computed; then October is missing one
    [row] = reports.coverage([assigned.school_a1], [dt.date(2026, 10, 1)], clock.today)
    assert row["required"] == 2
    assert row["months"][0] | {} == {"month": dt.date(2026, 10, 1), "visits": 1,
                                     "state": "missing"}
    assert InspectorAssignment.objects.count() == 2
