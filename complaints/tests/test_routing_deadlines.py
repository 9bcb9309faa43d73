"""Routing to the responsible unit, working-day deadlines across the 2026 National Day week,
and the daily escalation of overdue complaints (the command and the task)."""

import datetime as dt
import io

import pytest
from auditlog.models import LogEntry
from django.core.management import call_command

from complaints import services
from complaints.models import Complaint
from complaints.tasks import escalate_complaints
from complaints.tests.conftest import API, PUBLIC_API, file, post_json, public_body
from policy.services import set_rule

SEP_30 = dt.date(2026, 9, 30)  # Wednesday, the last working day before National Day
OCT_9 = dt.date(2026, 10, 9)  # Friday after the holiday week
OCT_10 = dt.date(2026, 10, 10)  # Saturday, a make-up working day (调休)


ROUTES = [
    # (category, school named?, unit school?, unit role, level)
    ("homework", True, True, "", "school"),
    ("exams", True, True, "", "school"),
    ("after_school", True, True, "", "school"),
    ("homework", False, False, "bureau_admin", "bureau"),
    ("institution", True, False, "supervisor", "bureau"),
    ("fees", False, False, "supervisor", "bureau"),
    ("paid_tutoring", True, False, "ethics_officer", "bureau"),
    ("other", True, False, "bureau_admin", "bureau"),
]


@pytest.mark.parametrize("category,with_school,to_school,role,level", ROUTES,
                         ids=[f"{r[0]}-{'school' if r[1] else 'none'}" for r in ROUTES])
def test_each_category_is_routed_to_its_unit(cast, api_client, category, with_school, to_school,
                                             role, level):
    # Given a complaint of the category, naming school A1 or not
    body = public_body(cast, category=category, school=cast.school_a1.pk if with_school else None)
    # When it is filed
    response = post_json(api_client(None), PUBLIC_API, body)
    assert response.status_code == 201, response.content
    # Then it goes to the school for school matters, else to the bureau section
    complaint = Complaint.objects.get()
    assert complaint.unit_school == (cast.school_a1 if to_school else None)
    assert (complaint.unit_role, complaint.level) == (role, level)


def test_paid_tutoring_at_a_school_is_never_shown_to_that_school(cast, api_client, principal,
                                                                ethics_officer,
                                                                tutoring_complaint):
    # Given a paid-tutoring complaint naming a teacher of A1 (routed to the ethics officer)
    # When A1's principal and the ethics officer list complaints
    school = api_client(principal).get(API).json()
    ethics = api_client(ethics_officer).get(API).json()
    # Then only the ethics officer sees it (PN-8: the school investigates nothing of its own)
    assert school["count"] == 0
    assert [c["id"] for c in ethics["items"]] == [tutoring_complaint.pk]


def test_deadlines_skip_the_national_day_week(cast, clock, api_client):
    # Given Wednesday 2026-09-30, before the 1–7 October holidays
    clock.set(SEP_30)
    # When a complaint is filed
    body = post_json(api_client(None), PUBLIC_API, public_body(cast)).json()
    # Then acknowledgement is due on the second working day after (Fri 10-09: 8th and 9th)
    assert body["ack_due"] == "2026-10-09"
    # and resolution on the 15th working day, counting Saturday 10-10 (调休) as a working day
    assert body["resolve_due"] == "2026-10-27"


def test_a_complaint_filed_on_a_holiday_counts_from_the_next_working_day(cast, clock):
    clock.set(dt.date(2026, 10, 3))
    complaint = file(cast)
    assert (complaint.ack_due, complaint.resolve_due) == (OCT_9, dt.date(2026, 10, 27))


def test_the_make_up_saturday_counts_as_a_working_day(cast, clock):
    # Given Friday 10-09; Saturday 10-10 is a make-up working day
    clock.set(OCT_9)
    complaint = file(cast)
    # Then the second working day is Monday 10-12 (not Tuesday 10-13)
    assert complaint.ack_due == dt.date(2026, 10, 12)


def test_a_stricter_district_period_applies(cast, bureau_admin):
    # Given district A acknowledges within 1 working day and resolves within 10
    set_rule(actor=bureau_admin, bureau=cast.district_a, key="in.complaint_ack_days", value=1)
    set_rule(actor=bureau_admin, bureau=cast.district_a, key="in.complaint_resolve_days", value=10)
    # When a complaint is filed on Monday 11-23
    complaint = file(cast)
    # Then its deadlines follow the district's values
    assert (complaint.ack_due, complaint.resolve_due) == (dt.date(2026, 11, 24),
                                                          dt.date(2026, 12, 7))


def escalate(today):
    out = io.StringIO()
    call_command("escalate_complaints", "--today", today.isoformat(), stdout=out)
    return out.getvalue()


def test_the_daily_command_escalates_overdue_complaints_once(cast, clock, principal, api_client,
                                                             bureau_admin):
    # Given a complaint to A1 filed on 09-30 (acknowledge by 10-09, resolve by 10-27)
    clock.set(SEP_30)
    complaint = file(cast)
    # When the command runs on the last day allowed
    clock.set(OCT_9, "23:00")
    # Then nothing is overdue yet
    assert "0 件" in escalate(OCT_9)
    # When it runs on Saturday 10-10 (a working day past the acknowledgement deadline)
    clock.set(OCT_10, "01:00")
    output = escalate(OCT_10)
    # Then the complaint is escalated to the bureau, once
    assert "1 件" in output
    complaint.refresh_from_db()
    assert (complaint.escalated_for, complaint.level) == ("ack", "bureau")
    first = complaint.escalated_at
    assert "0 件" in escalate(OCT_10) and "0 件" in escalate(dt.date(2026, 10, 12))
    complaint.refresh_from_db()
    assert complaint.escalated_at == first
    assert complaint.events.filter(kind="escalated").count() == 1
    # and the school still handles it; the list shows it as escalated and overdue
    services.acknowledge(actor=principal, complaint=complaint)
    listed = api_client(bureau_admin).get(f"{API}?escalated=true").json()["items"]
    assert [(c["id"], c["escalated_for"], c["level"]) for c in listed] == [
        (complaint.pk, "ack", "bureau")]
    # When the resolution deadline (10-27) passes unmet
    clock.set(dt.date(2026, 10, 28), "01:00")
    assert "1 件" in escalate(dt.date(2026, 10, 28))
    # Then it is escalated again, for the resolution
    complaint.refresh_from_db()
    assert complaint.escalated_for == "resolve"
    assert complaint.events.filter(kind="escalated").count() == 2
    assert LogEntry.objects.filter(additional_data__code="complaints.escalated").count() == 2
    overdue = api_client(principal).get(f"{API}?overdue=true").json()["items"]
    assert [(c["id"], c["overdue"]) for c in overdue] == [(complaint.pk, "resolve")]


def test_finished_complaints_are_never_escalated(cast, clock, principal, hotline):
    clock.set(SEP_30)
    resolved, rejected = file(cast), file(cast)
    for step in (services.acknowledge, services.start):
        step(actor=principal, complaint=resolved)
    services.resolve(actor=principal, complaint=resolved, outcome="已调整作业量")
    services.reject(actor=principal, complaint=rejected, reason="不属于教育部门职责")
    clock.set(dt.date(2026, 11, 30))
    assert "0 件" in escalate(dt.date(2026, 11, 30))
    assert not Complaint.objects.filter(escalated_at__isnull=False).exists()


def test_the_task_wrapper_runs_the_same_escalation(cast, clock, settings):
    # Given an overdue complaint and the immediate task backend
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    clock.set(SEP_30)
    file(cast)
    clock.set(dt.date(2026, 10, 12))
    # When the task runs (today from the clock), twice
    results = [escalate_complaints.enqueue().return_value for _ in range(2)]
    # Then the first escalates the complaint and the second changes nothing
    assert results == [1, 0]
