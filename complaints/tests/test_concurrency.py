"""Racing staff on PostgreSQL: two people acknowledging the same complaint, or merging the same
complaints, at the same moment. The services lock the complaint rows (``select_for_update`` of
the complaint table, both rows of a merge in primary-key order), so the second request sees the
first one's result and is refused with 409; the history never holds a step twice and merges
never form a cycle (STYLE 6)."""

import pytest
from auditlog.models import LogEntry
from django.db import connection

from complaints.models import Complaint, ComplaintEvent
from complaints.tests.conftest import API, file, post_json
from conftest import race

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locking"),
    pytest.mark.django_db(transaction=True),
]


def statuses(responses):
    return [(r.status_code, r.content[:200]) for r in responses]


def act(complaint, action, body=None):
    return lambda client: post_json(client, f"{API}/{complaint.pk}/{action}", body or {})


def consistent(complaint):
    """The complaint's status is the last status its history moved it to."""
    complaint.refresh_from_db()
    last = ComplaintEvent.objects.filter(complaint=complaint).exclude(to_status="").order_by(
        "at", "pk").last()
    assert last.to_status == complaint.status, (last.to_status, complaint.status)
    return complaint


def test_two_staff_acknowledging_at_once_acknowledge_it_once(cast, principal, bureau_admin):
    # Given a submitted complaint of school A1 (the principal handles it, the bureau oversees)
    complaint = file(cast)
    # When both acknowledge it at the same moment, three times each
    jobs = [(user, act(complaint, "acknowledge", {"note": f"受理 {i}"}))
            for i in range(3) for user in (principal, bureau_admin)]
    responses = race(jobs)
    # Then exactly one wins and the others are told it is no longer waiting (409)
    assert sorted(r.status_code for r in responses) == [200] + [409] * 5, statuses(responses)
    assert all(r.json()["code"] == "invalid_transition" for r in responses
               if r.status_code == 409)
    # and the history and the audit log hold one acknowledgement
    assert consistent(complaint).status == "acknowledged"
    assert ComplaintEvent.objects.filter(complaint=complaint, kind="acknowledged").count() == 1
    assert LogEntry.objects.filter(additional_data__code="complaints.acknowledged").count() == 1


def test_merging_two_complaints_into_each_other_at_once_never_makes_a_cycle(cast, principal,
                                                                           bureau_admin):
    # Given two complaints about the same thing
    first, second = file(cast), file(cast)
    # When one person merges the first into the second while another merges the second into
    # the first (both row locks are taken in the same order, so neither deadlocks)
    jobs = [(principal, act(first, "merge", {"duplicate_of": second.pk})),
            (bureau_admin, act(second, "merge", {"duplicate_of": first.pk}))]
    responses = race(jobs)
    # Then one merge happens and the other is refused
    assert sorted(r.status_code for r in responses) == [200, 409], statuses(responses)
    refused = next(r for r in responses if r.status_code == 409).json()["code"]
    assert refused in {"invalid_transition", "invalid_merge_target"}
    merged = list(Complaint.objects.filter(status="merged"))
    assert len(merged) == 1
    main = Complaint.objects.get(pk=merged[0].duplicate_of_id)
    assert main.status == "submitted" and main.duplicate_of_id is None
    consistent(merged[0])


def test_the_same_complaint_merged_into_two_mains_at_once_goes_to_one(cast, hotline, principal):
    duplicate, main_a, main_b = file(cast), file(cast), file(cast)
    jobs = [(hotline, act(duplicate, "merge", {"duplicate_of": main_a.pk})),
            (principal, act(duplicate, "merge", {"duplicate_of": main_b.pk}))]
    responses = race(jobs)
    assert sorted(r.status_code for r in responses) == [200, 409], statuses(responses)
    duplicate = consistent(duplicate)
    assert duplicate.duplicate_of_id in (main_a.pk, main_b.pk)
    assert ComplaintEvent.objects.filter(complaint=duplicate, kind="merged").count() == 1


def test_acknowledging_while_another_merges_leaves_one_consistent_story(cast, hotline,
                                                                        principal):
    # Given a complaint the school is about to acknowledge while the hotline marks it a duplicate
    complaint, main = file(cast), file(cast)
    jobs = [(principal, act(complaint, "acknowledge")),
            (hotline, act(complaint, "merge", {"duplicate_of": main.pk}))]
    responses = race(jobs)
    codes = [r.status_code for r in responses]
    assert all(c in (200, 409) for c in codes), statuses(responses)
    # Then the merge always succeeds (an acknowledged complaint can still be merged), and the
    # acknowledgement either came first or was refused
    assert codes[1] == 200, statuses(responses)
    complaint = consistent(complaint)
    assert complaint.status == "merged" and complaint.duplicate_of_id == main.pk
    acknowledged = ComplaintEvent.objects.filter(complaint=complaint, kind="acknowledged").count()
    assert acknowledged == (1 if codes[0] == 200 else 0)
