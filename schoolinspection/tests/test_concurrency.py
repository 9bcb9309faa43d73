"""Racing requests on PostgreSQL (STYLE 6): a week's self-check sent several times at once is
stored once (the school row is locked before looking for it; the unique constraint is the
backstop), a school ends up with one current inspector however many assignments race, and a
task verified twice at once moves once."""

import pytest
from django.db import connection

from conftest import race
from schoolinspection import services
from schoolinspection.models import InspectorAssignment, RectificationTask, SelfCheck, TaskEvent
from schoolinspection.tests.conftest import API, LAST_WEEK, answers, post_json

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locking"),
    pytest.mark.django_db(transaction=True),
]


def test_one_weeks_self_check_sent_three_times_at_once_is_stored_once(matrix_cast, clock,
                                                                     principal):
    # Given last week's form with one item not compliant
    school = matrix_cast.school_a1
    body = {"week": LAST_WEEK.isoformat(), "items": answers(
        school, LAST_WEEK, clock.today, marks={"fm_phone": False},
        notes={"fm_phone": "个别学生带手机进课堂"})}
    url = f"{API}/schools/{school.pk}/self-check"
    # When the principal's three requests arrive together
    responses = race([(principal, lambda c: post_json(c, url, body)) for _ in range(3)])
    # Then exactly one wins and the others are told it was already submitted
    codes = sorted(r.status_code for r in responses)
    assert codes == [201, 409, 409], [r.content for r in responses]
    assert {r.json()["code"] for r in responses if r.status_code == 409} == {"already_submitted"}
    # and there is one self-check, with one set of items and one task per 不符合 item
    check = SelfCheck.objects.get(school=school)
    assert check.items.count() == len(body["items"])
    non_compliant = sum(1 for item in body["items"] if not item["compliant"])
    assert check.non_compliant == non_compliant
    assert RectificationTask.objects.filter(school=school).count() == non_compliant


def test_racing_assignments_leave_one_current_inspector(matrix_cast, clock, bureau_admin,
                                                        inspector, inspector_2):
    # When two assignments of A1 to different inspectors arrive together
    url = f"{API}/assignments"
    school = matrix_cast.school_a1.pk
    responses = race([(bureau_admin, lambda c, who=who: post_json(
        c, url, {"school": school, "inspector": who.pk})) for who in (inspector, inspector_2)])
    # Then each either happened (one after the other) or was told to retry; never two current
    assert {r.status_code for r in responses} <= {201, 409}, [r.content for r in responses]
    assert 201 in {r.status_code for r in responses}
    assert InspectorAssignment.objects.filter(school_id=school, until__isnull=True).count() == 1


def test_a_task_accepted_and_returned_at_once_moves_once(matrix_cast, clock, bureau_admin,
                                                         inspector, principal):
    # Given A1's inspector and a task the school has answered
    services.assign_inspector(actor=bureau_admin, school=matrix_cast.school_a1,
                              inspector=inspector)
    task = services.create_task(actor=bureau_admin, school=matrix_cast.school_a1,
                                description="作业公示不及时")
    services.submit_rectification(actor=principal, task=task, evidence="已补齐公示记录")
    # When the inspector accepts while the bureau admin returns it
    responses = race([
        (inspector, lambda c: post_json(c, f"{API}/tasks/{task.pk}/accept", {})),
        (bureau_admin, lambda c: post_json(c, f"{API}/tasks/{task.pk}/return",
                                           {"reason": "材料不全"})),
    ])
    # Then one move happened and the other is a conflict with the new state
    assert sorted(r.status_code for r in responses) == [200, 409], [r.content for r in responses]
    assert [r.json()["code"] for r in responses if r.status_code == 409] == ["invalid_transition"]
    moves = TaskEvent.objects.filter(task=task).exclude(action__in=["created", "submitted"])
    assert moves.count() == 1
