"""Rectification tasks: declared transitions with their history (open → submitted → accepted,
or back to open with a reason), refusals of moves the state does not allow (409
``invalid_transition``), who may move them, deadlines and overdue flags."""

import datetime as dt

import pytest

from conftest import assert_error
from schoolinspection import services
from schoolinspection.models import RectificationTask
from schoolinspection.tests.conftest import API, post_json


@pytest.fixture
def task(assigned, clock, inspector):
    """An open task of A1 from Friday's visit, due Monday 7 December."""
    visit = services.record_visit(actor=inspector, school=assigned.school_a1,
                                  visited_on=dt.date(2026, 11, 20), items=["hw_publish"],
                                  findings=["作业公示不及时"])
    return visit.tasks.get()


def move(client, task, action, **body):
    return post_json(client, f"{API}/tasks/{task.pk}/{action}", body)


def test_a_task_goes_through_submission_return_and_acceptance(task, api_client, principal,
                                                              inspector):
    school, office = api_client(principal), api_client(inspector)
    # When the school submits evidence
    response = move(school, task, "submit", evidence="已要求各班每天 18:00 前公示作业")
    # Then the task waits for acceptance
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "submitted"
    # When the inspector returns it with a reason and a new deadline
    response = move(office, task, "return", reason="缺少公示截图", due="2026-12-10")
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["due"]) == ("open", "2026-12-10")
    assert response.json()["return_count"] == 1
    # When the school submits again and the inspector accepts
    assert move(school, task, "submit", evidence="补充了一周的公示截图").status_code == 200
    response = move(office, task, "accept", note="整改到位")
    assert response.status_code == 200, response.content
    body = response.json()
    # Then it is accepted, and its history holds every move with its text and actor
    assert body["status"] == "accepted" and body["closed_at"] is not None
    assert [(e["action"], e["from_status"], e["to_status"], e["text"], e["actor"])
            for e in body["events"]] == [
        ("created", "", "open", "作业公示不及时", "督学"),
        ("submitted", "open", "submitted", "已要求各班每天 18:00 前公示作业", "王校长"),
        ("returned", "submitted", "open", "缺少公示截图", "督学"),
        ("submitted", "open", "submitted", "补充了一周的公示截图", "王校长"),
        ("accepted", "submitted", "accepted", "整改到位", "督学"),
    ]
    assert RectificationTask.objects.get(pk=task.pk).evidence == "补充了一周的公示截图"


def test_moves_the_state_does_not_allow_are_conflicts(task, api_client, principal, inspector):
    school, office = api_client(principal), api_client(inspector)
    # An open task cannot be accepted or returned
    assert_error(move(office, task, "accept"), 409, "invalid_transition", "status")
    assert_error(move(office, task, "return", reason="不行"), 409, "invalid_transition")
    # A submitted task cannot be submitted again
    move(school, task, "submit", evidence="已整改完毕并公示")
    assert_error(move(school, task, "submit", evidence="再交一次试试"), 409, "invalid_transition")
    # An accepted task cannot move at all
    move(office, task, "accept")
    for client, action, body in ((school, "submit", {"evidence": "已整改完毕"}),
                                 (office, "accept", {}), (office, "return", {"reason": "重来"})):
        assert_error(move(client, task, action, **body), 409, "invalid_transition")
    assert RectificationTask.objects.get(pk=task.pk).events.count() == 3


def test_texts_are_required(task, api_client, principal, inspector):
    assert_error(move(api_client(principal), task, "submit", evidence="好"), 422, "required",
                 "evidence")
    move(api_client(principal), task, "submit", evidence="已整改完毕并公示")
    assert_error(move(api_client(inspector), task, "return", reason="  "), 422, "required",
                 "reason")
    assert RectificationTask.objects.get(pk=task.pk).status == "submitted"


def test_who_may_move_a_task(task, api_client, principal, inspector, inspector_2, bureau_admin,
                             teacher_a, bureau_admin_b, inspector_b):
    # Only the school answers
    for user in (inspector, bureau_admin):
        assert_error(move(api_client(user), task, "submit", evidence="代替学校提交"), 403,
                     "forbidden")
    assert_error(move(api_client(teacher_a), task, "submit", evidence="代替学校提交"), 403,
                 "forbidden")
    assert_error(move(api_client(bureau_admin_b), task, "submit", evidence="代替学校提交"), 404,
                 "not_found")
    move(api_client(principal), task, "submit", evidence="已整改完毕并公示")
    # Only the school's responsible inspector or the district's bureau admin verifies
    assert_error(move(api_client(principal), task, "accept"), 403, "forbidden")
    assert_error(move(api_client(inspector_2), task, "accept"), 403, "forbidden")
    assert_error(move(api_client(inspector_b), task, "accept"), 404, "not_found")
    response = move(api_client(bureau_admin), task, "accept", note="教育局验收")
    assert response.status_code == 200, response.content


def test_other_tasks_are_created_by_the_bureau_or_the_responsible_inspector(
        assigned, clock, api_client, bureau_admin, inspector, inspector_2, principal):
    url = f"{API}/tasks"
    body = {"school": assigned.school_a1.pk, "description": "家长投诉：周末作业过多，请核查整改"}
    # The bureau admin and A1's inspector may; A2's inspector and the school may not
    for user in (bureau_admin, inspector):
        response = post_json(api_client(user), url, body)
        assert response.status_code == 201, response.content
        assert response.json()["source"] == "other"
        assert response.json()["due"] == "2026-12-07"
    assert_error(post_json(api_client(inspector_2), url, body), 403, "forbidden")
    assert_error(post_json(api_client(principal), url, body), 403, "forbidden")
    # A deadline may be given, not in the past
    assert post_json(api_client(bureau_admin), url, {**body, "due": "2026-11-30"}).json()[
        "due"] == "2026-11-30"
    assert_error(post_json(api_client(bureau_admin), url, {**body, "due": "2026-11-20"}),
                 422, "invalid", "due")
    assert_error(post_json(api_client(bureau_admin), url, {**body, "description": " "}),
                 422, "required", "description")


def test_open_tasks_past_their_deadline_are_overdue(task, clock, api_client, bureau_admin,
                                                   principal, inspector):
    # Given the task due Monday 7 December; on the day itself it is not overdue
    clock.set(dt.date(2026, 12, 7))
    assert api_client(bureau_admin).get(f"{API}/tasks/{task.pk}").json()["overdue"] is False
    # When the deadline has passed
    clock.set(dt.date(2026, 12, 8))
    # Then it is overdue for everyone who sees it, and in the overdue list
    for user in (bureau_admin, principal, inspector):
        assert api_client(user).get(f"{API}/tasks/{task.pk}").json()["overdue"] is True
    listed = api_client(bureau_admin).get(f"{API}/tasks", {"overdue": True}).json()
    assert [t["id"] for t in listed["items"]] == [task.pk]
    # and a submitted task waits for the inspector, it is no longer overdue
    move(api_client(principal), task, "submit", evidence="已整改完毕并公示")
    assert api_client(bureau_admin).get(f"{API}/tasks", {"overdue": True}).json()["count"] == 0
    assert api_client(inspector).get(f"{API}/tasks", {"to_verify": True}).json()["count"] == 1


def test_a_school_admin_sees_only_their_schools_tasks(assigned, clock, api_client, bureau_admin,
                                                      principal):
    # Given a task for A1 and one for A2
    a1 = services.create_task(actor=bureau_admin, school=assigned.school_a1, description="甲一问题")
    a2 = services.create_task(actor=bureau_admin, school=assigned.school_a2, description="甲二问题")
    # When the principal of A1 lists and opens them
    listed = api_client(principal).get(f"{API}/tasks").json()
    # Then only A1's is there, and A2's looks missing
    assert [t["id"] for t in listed["items"]] == [a1.pk]
    assert_error(api_client(principal).get(f"{API}/tasks/{a2.pk}"), 404, "not_found")
