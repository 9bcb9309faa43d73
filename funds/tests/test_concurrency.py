"""Racing requests on PostgreSQL: lessons recorded, confirmed and refunded at once on the same
contract never over-consume, never release a lesson twice and never refund twice; the ledger
and the contract agree afterwards (STYLE 6)."""

import pytest
from django.db import connection

from conftest import race
from funds import services
from funds.models import Contract, Lesson, Posting
from funds.tests.conftest import assert_consistent, post_json

URL = "/api/v1/funds"

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locking"),
    pytest.mark.django_db(transaction=True),
]


def statuses(responses):
    return [(r.status_code, r.content[:200]) for r in responses]


def lesson_record(contract):
    return lambda client: post_json(client, f"{URL}/contracts/{contract.pk}/lessons")


def refund(contract):
    return lambda client: post_json(client, f"{URL}/contracts/{contract.pk}/refund")


def confirm(lesson):
    return lambda client: post_json(client, f"{URL}/lessons/{lesson.pk}/confirm")


def test_racing_lessons_and_refunds_never_over_consume(cast, paid_contract, art_staff,
                                                       guardian_p):
    # Given a paid contract of 10 lessons
    # When 14 lesson records race 3 refund requests
    jobs = [(art_staff, lesson_record(paid_contract)) for _ in range(14)]
    jobs += [(guardian_p, refund(paid_contract)) for _ in range(3)]
    responses = race(jobs)
    codes = [r.status_code for r in responses]
    # Then at most one refund went through (none when all ten lessons were recorded before
    # any refund ran: nothing was left to refund), and every lesson record counted or got 409
    refunds = codes[14:].count(200)
    assert refunds <= 1 and codes[14:].count(409) == 3 - refunds, statuses(responses)
    assert set(codes[:14]) <= {201, 409}, statuses(responses)
    contract = Contract.objects.get(pk=paid_contract.pk)
    recorded = codes[:14].count(201)
    assert contract.lessons_pending == recorded == Lesson.objects.count()
    assert contract.lessons_refunded == 10 - recorded
    assert refunds == (1 if recorded < 10 else 0), statuses(responses)
    assert Posting.objects.filter(kind="refund").count() == refunds
    assert_consistent()

    # When every pending lesson is confirmed twice at once, racing the auto-confirmation
    lessons = list(Lesson.objects.all())
    jobs = [(guardian_p, confirm(lesson)) for lesson in lessons for _ in range(2)]
    responses = race(jobs)
    # Then each lesson is released exactly once, and custody is empty
    assert sorted(r.status_code for r in responses) == [200] * len(lessons) + \
        [409] * len(lessons), statuses(responses)
    assert Posting.objects.filter(kind="release").count() == len(lessons)
    assert services.balance(paid_contract.held_code) == 0
    assert_consistent()


def test_racing_deliveries_confirmations_and_a_freeze(cast, paid_contract, art_staff,
                                                      guardian_p, supervisor):
    # Given four lessons already delivered
    lessons = [services.record_lesson(actor=art_staff, contract=paid_contract) for _ in range(4)]
    # When confirmations, new deliveries, a refund and a freeze all arrive at once
    jobs = [(guardian_p, confirm(lesson)) for lesson in lessons]
    jobs += [(art_staff, lesson_record(paid_contract)) for _ in range(4)]
    jobs += [(guardian_p, refund(paid_contract))]
    jobs += [(supervisor, lambda c: post_json(
        c, f"{URL}/accounts/{paid_contract.institution_id}/freeze", {"reason": "异常关停"}))]
    responses = race(jobs)
    assert all(r.status_code < 500 for r in responses), statuses(responses)
    assert responses[-1].status_code == 200, statuses(responses)
    # Then whatever the order, nothing is held any more and every fen is accounted for
    contract = Contract.objects.get(pk=paid_contract.pk)
    assert services.balance(paid_contract.held_code) == 0
    released = services.balance(f"institution:{contract.institution_id}:released")
    refunded = services.balance(paid_contract.refunded_code)
    assert released + refunded == contract.total_fen
    assert released == contract.lessons_consumed * contract.price_per_lesson_fen
    assert_consistent()


def test_racing_deposits_with_one_key_post_once(cast, guardian_p, bank, art_course,
                                                art_account):
    from funds.tests.conftest import sign

    contract = sign(guardian_p, cast.pupil_p, art_course, lessons=5)
    body = {"contract": contract.pk, "amount_fen": contract.total_fen}
    # Six deliveries of the same bank message, each through its own token (so the middleware
    # cannot merge them), plus two with fresh keys
    jobs = [(bank, lambda c: post_json(c, f"{URL}/deposits", body,
                                       **{"Idempotency-Key": "same"})) for _ in range(6)]
    jobs += [(bank, (lambda k: lambda c: post_json(c, f"{URL}/deposits", body,
                                                   **{"Idempotency-Key": k}))(f"other-{i}"))
             for i in range(2)]
    responses = race(jobs)
    assert all(r.status_code in (201, 409) for r in responses), statuses(responses)
    assert Posting.objects.filter(kind="deposit").count() == 1
    winners = {r.json()["id"] for r in responses if r.status_code == 201}
    assert len(winners) == 1
    assert_consistent()
