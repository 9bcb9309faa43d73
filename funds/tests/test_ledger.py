"""The ledger is append-only and a service that fails half-way writes nothing."""

import re
from pathlib import Path

import pytest

from conftest import fresh
from funds import services
from funds.models import Contract, Lesson, Posting
from funds.tests.conftest import assert_consistent, new_key, sign

APP = Path(services.__file__).resolve().parent


def test_postings_cannot_be_changed_or_deleted(paid_contract):
    posting = Posting.objects.get()
    posting.amount_fen = 1
    with pytest.raises(TypeError):
        posting.save()
    with pytest.raises(TypeError):
        posting.delete()
    with pytest.raises(TypeError):
        Posting.objects.filter(pk=posting.pk).update(amount_fen=1)
    with pytest.raises(TypeError):
        Posting.objects.all().delete()
    assert Posting.objects.get().amount_fen == paid_contract.total_fen


def test_no_code_updates_or_deletes_postings():
    # Given every module of the app outside its tests and migrations
    pattern = re.compile(r"Posting\.objects[^\n]*\.(update|delete|bulk_update)\(|"
                         r"posting\.(save|delete)\(")
    offending = []
    for path in APP.rglob("*.py"):
        if {"tests", "migrations"} & set(path.relative_to(APP).parts):
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if pattern.search(line):
                offending.append(f"{path.relative_to(APP)}:{n}: {line.strip()}")
    # Then postings are only ever created
    assert not offending, offending


@pytest.fixture
def crash_at(monkeypatch):
    def arm(stage):
        def checkpoint(reached):
            if reached == stage:
                raise RuntimeError(f"crash after {stage}")

        monkeypatch.setattr(services, "_checkpoint", checkpoint)

    return arm


def _state(contract):
    contract.refresh_from_db()
    return (Posting.objects.count(), contract.status, contract.lessons_pending,
            contract.lessons_consumed, contract.lessons_refunded,
            sorted(Lesson.objects.values_list("status", flat=True)))


def test_a_release_that_crashes_after_its_posting_leaves_nothing(paid_contract, art_staff,
                                                                 guardian_p, crash_at):
    lesson = services.record_lesson(actor=art_staff, contract=paid_contract)
    before = _state(paid_contract)
    crash_at("release.posted")
    with pytest.raises(RuntimeError):
        services.confirm_lesson(actor=fresh(guardian_p), lesson=lesson)
    assert _state(paid_contract) == before
    assert Lesson.objects.get().release is None
    assert_consistent()


def test_a_refund_that_crashes_leaves_nothing(paid_contract, guardian_p, crash_at):
    before = _state(paid_contract)
    crash_at("refund.posted")
    with pytest.raises(RuntimeError):
        services.request_refund(actor=fresh(guardian_p), contract=paid_contract)
    assert _state(paid_contract) == before
    assert_consistent()


def test_a_deposit_that_crashes_leaves_nothing_and_can_be_retried(cast, guardian_p, bank,
                                                                  art_course, art_account,
                                                                  crash_at, monkeypatch):
    contract = sign(guardian_p, cast.pupil_p, art_course, lessons=4)
    crash_at("deposit.posted")
    with pytest.raises(RuntimeError):
        services.record_deposit(actor=fresh(bank), contract=contract, amount_fen=40_000,
                                idempotency_key="k1")
    assert not Posting.objects.exists()
    assert Contract.objects.get().status == "awaiting_payment"
    monkeypatch.setattr(services, "_checkpoint", lambda stage: None)
    services.record_deposit(actor=fresh(bank), contract=contract, amount_fen=40_000,
                            idempotency_key="k1")
    assert Posting.objects.count() == 1
    assert_consistent()


def test_a_lesson_record_that_crashes_leaves_nothing(paid_contract, art_staff, crash_at):
    before = _state(paid_contract)
    crash_at("lesson.created")
    with pytest.raises(RuntimeError):
        services.record_lesson(actor=art_staff, contract=paid_contract)
    assert _state(paid_contract) == before
    assert not Lesson.objects.exists()


def test_idempotency_keys_belong_to_their_caller(cast, guardian_p, bank, art_course, art_account):
    # Two contracts paid by two different callers with the same key do not collide
    from org.models import RoleAssignment, User
    from org.roles import Role

    other_bank = User.objects.create_user(username="bank2", password="x", name="另一存管银行")
    RoleAssignment.objects.create(user=other_bank, role=Role.CUSTODIAN_BANK, bureau=cast.district_a)
    a = sign(guardian_p, cast.pupil_p, art_course, lessons=2)
    b = sign(guardian_p, cast.pupil_p, art_course, lessons=3)
    key = new_key()
    services.record_deposit(actor=fresh(bank), contract=a, amount_fen=a.total_fen,
                            idempotency_key=key)
    services.record_deposit(actor=fresh(other_bank), contract=b, amount_fen=b.total_fen,
                            idempotency_key=key)
    assert Posting.objects.count() == 2
    assert_consistent()
