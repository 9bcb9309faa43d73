"""Whatever sequence of signing, paying, delivering, confirming, refunding, topping up reserves
and freezing happens, the ledger and the contracts agree (``check_invariants()`` is empty after
every step). Runs the services against the database; each example is rolled back."""

import datetime as dt

import pytest
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from conftest import fresh
from core.errors import RuleViolation
from funds import services
from funds.models import Contract, Lesson, Posting
from funds.tests.conftest import START


class _Rollback(Exception):
    pass


@pytest.fixture
def world(cast, guardian_p, guardian_q, bank, supervisor, art_course, art_staff, art_account,
          maths_course, subject_staff, subject_account):
    return {
        "families": [(guardian_p, cast.pupil_p), (guardian_q, cast.pupil_q)],
        "courses": [(art_course, art_staff), (maths_course, subject_staff)],
        "bank": bank, "supervisor": supervisor,
    }


def machine_for(world):
    class Funds(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            self.atomic = transaction.atomic()
            self.atomic.__enter__()
            self.contracts, self.keys, self.frozen = [], [], set()

        def teardown(self):
            transaction.set_rollback(True)
            self.atomic.__exit__(None, None, None)

        def _try(self, fn, **kwargs):
            try:
                return fn(**kwargs)
            except RuleViolation:
                return None  # a refusal changes nothing (checked by the invariant)

        def _contract(self, i, status=None, any_=False):
            """Mostly a contract in ``status`` (so sequences go somewhere), sometimes any."""
            qs = Contract.objects.select_related("institution", "course").order_by("pk")
            candidates = list(qs.filter(status=status)) if status and not any_ else []
            candidates = candidates or list(qs)
            return candidates[i % len(candidates)]

        @rule(family=st.integers(0, 1), course=st.integers(0, 1), lessons=st.integers(1, 8),
              days=st.integers(1, 100), paid=st.booleans())
        def sign(self, family, course, lessons, days, paid):
            guardian, pupil = world["families"][family]
            course_obj = world["courses"][course][0]
            contract = self._try(services.create_contract, actor=fresh(guardian), pupil=pupil,
                                 course=course_obj, lessons=lessons,
                                 price_per_lesson_fen=course_obj.price_per_lesson_fen,
                                 start=START, end=START + dt.timedelta(days=days))
            if contract:
                self.contracts.append(contract.pk)
                if paid:
                    self.keys.append(f"k{len(self.keys)}")
                    services.record_deposit(actor=fresh(world["bank"]), contract=contract,
                                            amount_fen=contract.total_fen,
                                            idempotency_key=self.keys[-1])

        @precondition(lambda self: self.contracts)
        @rule(i=st.integers(0, 50), replay=st.booleans(), off_by=st.sampled_from([0, 0, 0, 1]),
              any_=st.booleans())
        def deposit(self, i, replay, off_by, any_):
            contract = self._contract(i, "awaiting_payment", any_ and replay)
            key = self.keys[i % len(self.keys)] if replay and self.keys else f"k{len(self.keys)}"
            self.keys.append(key)
            self._try(services.record_deposit, actor=fresh(world["bank"]), contract=contract,
                      amount_fen=contract.total_fen + off_by, idempotency_key=key)

        @precondition(lambda self: self.contracts)
        @rule(i=st.integers(0, 50), times=st.integers(1, 4))
        def deliver(self, i, times):
            contract = self._contract(i, "active")
            staff = next(s for c, s in world["courses"]
                         if c.institution_id == contract.institution_id)
            for _ in range(times):
                self._try(services.record_lesson, actor=fresh(staff), contract=contract)

        @precondition(lambda self: self.contracts)
        @rule(i=st.integers(0, 50), any_=st.booleans())
        def confirm(self, i, any_):
            lessons = Lesson.objects.select_related("contract").order_by("pk")
            lessons = list(lessons if any_ else lessons.filter(status="pending")) or list(lessons)
            if lessons:
                lesson = lessons[i % len(lessons)]
                guardian = next(g for g, p in world["families"]
                                if p.pk == lesson.contract.pupil_id)
                self._try(services.confirm_lesson, actor=fresh(guardian), lesson=lesson)

        @precondition(lambda self: self.contracts)
        @rule(days=st.integers(0, 10))
        def auto_confirm(self, days):
            services.auto_confirm(dt.date.today() + dt.timedelta(days=days), days=7)

        @precondition(lambda self: self.contracts)
        @rule(i=st.integers(0, 50), any_=st.booleans())
        def refund(self, i, any_):
            contract = self._contract(i, "active", any_)
            guardian = next(g for g, p in world["families"] if p.pk == contract.pupil_id)
            self._try(services.request_refund, actor=fresh(guardian), contract=contract)

        @precondition(lambda self: len(self.contracts) >= 2)
        @rule(course=st.integers(0, 1), amount=st.integers(1, 100_000))
        def reserve(self, course, amount):
            self._try(services.add_reserve, actor=fresh(world["bank"]),
                      institution=world["courses"][course][0].institution, amount_fen=amount,
                      idempotency_key=f"r{Posting.objects.count()}-{amount}")

        @precondition(lambda self: len(self.contracts) >= 3)
        @rule(course=st.integers(0, 1), now=st.integers(0, 2))
        def freeze(self, course, now):
            if now:  # a freeze ends an institution's story: keep it rarer than the rest
                return
            self._try(services.freeze_institution, actor=fresh(world["supervisor"]),
                      institution=world["courses"][course][0].institution, reason="异常关停")

        @invariant()
        def ledger_and_contracts_agree(self):
            assert services.check_invariants() == []

    return Funds


def test_random_sequences_keep_the_invariants(world):
    from hypothesis.stateful import run_state_machine_as_test

    run_state_machine_as_test(
        machine_for(world),
        settings=settings(max_examples=30, stateful_step_count=25, deadline=None, database=None,
                          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                 HealthCheck.too_slow]))
    # every example was rolled back
    assert not Contract.objects.exists() and not Posting.objects.exists()
