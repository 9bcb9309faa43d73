"""Prepaid fees through the API: the rules refuse with their ids and save nothing, deposits are
idempotent, lessons release exactly their value, refunds and freezes return what is left, and
everything is seen only by those in scope."""

import datetime as dt

import pytest

from conftest import assert_error, fresh
from funds import services
from funds.models import Contract, Lesson, Posting
from funds.tests.conftest import (
    END,
    START,
    assert_consistent,
    pay,
    post_json,
    sign,
)
from institutions import services as inst_services
from institutions.models import Institution

URL = "/api/v1/funds"


def contract_body(pupil, course, **fields):
    return {"pupil": pupil.pk, "course": course.pk, "lessons": 10,
            "price_per_lesson_fen": course.price_per_lesson_fen, "start": str(START),
            "end": str(END), **fields}


def deposit(client, contract, key, amount=None, **extra):
    body = {"contract": contract.pk, "amount_fen": contract.total_fen if amount is None else amount,
            **extra}
    headers = {"Idempotency-Key": key} if key else {}
    return post_json(client, f"{URL}/deposits", body, **headers)


# ---- signing and the rules ----------------------------------------------------------------------


def test_guardian_signs_a_contract_for_a_published_course(cast, guardian_p, api_client,
                                                          art_course, art_account):
    # When P's guardian signs for 50 lessons at the published price over exactly three months
    r = post_json(api_client(guardian_p), f"{URL}/contracts",
                  contract_body(cast.pupil_p, art_course, lessons=50))
    # Then the contract awaits payment; its total is lessons × price (5,000 yuan, TP-6's cap)
    assert r.status_code == 201, r.content
    body = r.json()
    assert (body["status"], body["total_fen"], body["lessons"]) == ("awaiting_payment", 500_000, 50)
    assert Contract.objects.get().guardian == cast.guardian_p


@pytest.fixture
def refusal_setup(cast, art_course, art_account, maths_course, subject_account):
    return {"art": art_course, "maths": maths_course}


def _blacklist(cast, course):
    inst_services.add_to_list(actor=fresh(cast.supervisor), institution=course.institution,
                              kind="black", reason="虚假宣传")


def _suspend(cast, course):
    inst_services.issue_card(actor=fresh(cast.supervisor), institution=course.institution,
                             colour="red", reason="违规收费")


def _licence_only(cast, course):
    Institution.objects.filter(pk=course.institution_id).update(licence_status="licence_only")


def _lower_guide_price(cast, course):
    # The guide price drops after the course was published at 60 yuan: ceiling now 44 yuan.
    inst_services.set_guide_price(actor=fresh(cast.bureau_admin), bureau=cast.district_a,
                                  mode="offline", band="medium", base_price_fen=4000)


@pytest.mark.parametrize("course_key, fields, before, code, field", [
    ("art", {"lessons": 61}, None, "PF-6", "lessons"),
    ("maths", {"lessons": 61}, None, "PF-6", "lessons"),
    ("art", {"lessons": 10, "end": str(END + dt.timedelta(days=1))}, None, "PF-6", "end"),
    ("art", {"payment_method": "loan"}, None, "PF-7", "payment_method"),
    ("art", {"price_per_lesson_fen": 9000}, None, "TP-5", "price_per_lesson_fen"),
    ("art", {"lessons": 51}, None, "TP-6", "lessons"),
    ("maths", {"lessons": 60}, _lower_guide_price, "TP-1", "price_per_lesson_fen"),
    ("art", {}, _licence_only, "TI-13", "course"),
    ("art", {}, _blacklist, "TI-13", "course"),
    ("maths", {}, _suspend, "TI-13", "course"),
], ids=["over-60-lessons", "over-60-subject", "over-3-months", "training-loan",
        "unpublished-price", "non-subject-over-5000", "over-guide-price", "licence-only",
        "black-listed", "red-card"])
def test_contract_rules_refuse_and_save_nothing(cast, guardian_p, api_client, refusal_setup,
                                                course_key, fields, before, code, field):
    # Given a course (and a state of its institution)
    course = refusal_setup[course_key]
    if before:
        before(cast, course)
    # When P's guardian signs a contract breaking the rule
    r = post_json(api_client(guardian_p), f"{URL}/contracts",
                  contract_body(cast.pupil_p, course, **fields))
    # Then 422 with the rule id, and nothing is saved
    assert_error(r, 422, code, field)
    assert not Contract.objects.exists()


def test_sixty_lessons_and_three_months_exactly_are_allowed(cast, guardian_p, api_client,
                                                            maths_course, subject_account):
    r = post_json(api_client(guardian_p), f"{URL}/contracts",
                  contract_body(cast.pupil_p, maths_course, lessons=60))
    assert r.status_code == 201, r.content
    assert r.json()["total_fen"] == 60 * 6000


def test_three_months_are_calendar_months():
    assert services.add_months(dt.date(2026, 11, 30), 3) == dt.date(2027, 2, 28)
    assert services.add_months(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)
    assert services.add_months(dt.date(2026, 10, 15), 3) == dt.date(2027, 1, 15)


def test_no_contract_without_a_supervised_account(cast, guardian_p, api_client, art_course):
    r = post_json(api_client(guardian_p), f"{URL}/contracts", contract_body(cast.pupil_p, art_course))
    assert_error(r, 422, "PF-1", "institution")
    assert not Contract.objects.exists()


def test_guardian_cannot_sign_for_another_family(cast, guardian_p, api_client, art_course,
                                                 art_account):
    r = post_json(api_client(guardian_p), f"{URL}/contracts", contract_body(cast.pupil_q, art_course))
    assert_error(r, 404, "not_found")
    assert not Contract.objects.exists()


def test_only_guardians_sign(cast, institution_staff, api_client, art_course, art_account):
    r = post_json(api_client(institution_staff), f"{URL}/contracts",
                  contract_body(cast.pupil_p, art_course))
    assert_error(r, 403, "forbidden")


# ---- deposits ------------------------------------------------------------------------------------


@pytest.fixture
def unpaid(cast, guardian_p, art_course, art_account):
    return sign(guardian_p, cast.pupil_p, art_course, lessons=10)


def test_deposit_activates_the_contract_and_holds_the_money(cast, bank, api_client, unpaid):
    r = deposit(api_client(bank), unpaid, "pay-1", bank_reference="B0001")
    assert r.status_code == 201, r.content
    body = r.json()
    assert (body["kind"], body["debit"], body["credit"], body["amount_fen"]) == (
        "deposit", f"contract:{unpaid.pk}:held", "external:guardian", 100_000)
    unpaid.refresh_from_db()
    assert unpaid.status == "active" and unpaid.bank_reference == "B0001"
    assert services.balance(unpaid.held_code) == 100_000
    assert_consistent()


def test_a_replayed_deposit_returns_the_same_response_and_posts_once(cast, bank, api_client,
                                                                     unpaid):
    client = api_client(bank)
    first = deposit(client, unpaid, "pay-1")
    # The same request again (the middleware replays it)
    again = deposit(client, unpaid, "pay-1")
    assert again.status_code == 201 and again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    # The same key through another door (another token of the bank: the middleware does not
    # know it; the service does)
    other_door = deposit(api_client(bank), unpaid, "pay-1")
    assert other_door.status_code == 201 and other_door.json()["id"] == first.json()["id"]
    assert Posting.objects.count() == 1
    assert_consistent()


def test_same_key_with_another_body_is_a_conflict(cast, bank, api_client, unpaid):
    client = api_client(bank)
    deposit(client, unpaid, "pay-1")
    r = deposit(client, unpaid, "pay-1", amount=unpaid.total_fen + 1)
    assert_error(r, 409, "idempotency_conflict")
    # and through another door too
    r = deposit(api_client(bank), unpaid, "pay-1", amount=unpaid.total_fen + 1)
    assert_error(r, 409, "idempotency_conflict")
    assert Posting.objects.count() == 1


def test_paying_a_contract_twice_is_a_conflict(cast, bank, api_client, unpaid):
    client = api_client(bank)
    assert deposit(client, unpaid, "pay-1").status_code == 201
    r = deposit(client, unpaid, "pay-2")
    assert_error(r, 409, "conflict", "contract")
    assert Posting.objects.count() == 1


def test_deposit_needs_the_key_and_the_exact_total(cast, bank, api_client, unpaid):
    client = api_client(bank)
    assert_error(deposit(client, unpaid, None), 422, "required", "Idempotency-Key")
    assert_error(deposit(client, unpaid, "pay-1", amount=99_999), 422, "invalid", "amount_fen")
    assert not Posting.objects.exists()
    unpaid.refresh_from_db()
    assert unpaid.status == "awaiting_payment"


def test_only_the_districts_bank_records_deposits(cast, bank_b, guardian_p, api_client, unpaid):
    assert_error(deposit(api_client(bank_b), unpaid, "k"), 404, "not_found")
    assert_error(deposit(api_client(guardian_p), unpaid, "k"), 403, "forbidden")
    assert not Posting.objects.exists()


# ---- lessons -------------------------------------------------------------------------------------


def test_lessons_release_exactly_the_held_value(cast, guardian_p, bank, art_staff, api_client,
                                                odd_course, art_account):
    # Given 3 lessons at 33.33 yuan paid (99.99 yuan: lessons × price, nothing to spread)
    contract = sign(guardian_p, cast.pupil_p, odd_course, lessons=3)
    pay(bank, contract)
    staff, family = api_client(art_staff), api_client(guardian_p)
    # When the institution records three lessons and the guardian confirms each
    for n in range(1, 4):
        r = post_json(staff, f"{URL}/contracts/{contract.pk}/lessons")
        assert r.status_code == 201 and r.json()["number"] == n, r.content
        lesson_id = r.json()["id"]
        assert services.balance(contract.held_code) == (4 - n) * 3333  # not released yet
        c = post_json(family, f"{URL}/lessons/{lesson_id}/confirm")
        assert c.status_code == 200 and c.json()["status"] == "confirmed", c.content
        assert_consistent()
    # Then custody is exactly empty and the institution got every fen
    contract.refresh_from_db()
    assert contract.status == "completed" and contract.lessons_consumed == 3
    assert services.balance(contract.held_code) == 0
    assert services.balance(f"institution:{contract.institution_id}:released") == 9999
    # and a fourth lesson is refused
    assert_error(post_json(staff, f"{URL}/contracts/{contract.pk}/lessons"), 409, "conflict")


def test_lessons_cannot_outrun_the_contract(cast, paid_contract, art_staff, api_client):
    staff = api_client(art_staff)
    for _ in range(10):
        assert post_json(staff, f"{URL}/contracts/{paid_contract.pk}/lessons").status_code == 201
    r = post_json(staff, f"{URL}/contracts/{paid_contract.pk}/lessons")
    assert_error(r, 409, "conflict", "contract")
    assert Lesson.objects.count() == 10
    assert_consistent()


def test_a_lesson_is_confirmed_once(cast, paid_contract, art_staff, guardian_p):
    lesson = services.record_lesson(actor=art_staff, contract=paid_contract)
    services.confirm_lesson(actor=fresh(guardian_p), lesson=lesson)
    with pytest.raises(services.Conflict):
        services.confirm_lesson(actor=fresh(guardian_p), lesson=lesson)
    assert Posting.objects.filter(kind="release").count() == 1


def test_unpaid_contracts_get_no_lessons(cast, unpaid, art_staff, api_client):
    r = post_json(api_client(art_staff), f"{URL}/contracts/{unpaid.pk}/lessons")
    assert_error(r, 409, "conflict")


def test_unconfirmed_lessons_are_released_after_seven_days(cast, paid_contract, art_staff):
    old = services.record_lesson(actor=art_staff, contract=paid_contract,
                                 delivered_at=dt.datetime(2026, 11, 23, 10, tzinfo=dt.UTC))
    recent = services.record_lesson(actor=art_staff, contract=paid_contract,
                                    delivered_at=dt.datetime(2026, 11, 28, 10, tzinfo=dt.UTC))
    assert services.auto_confirm(dt.date(2026, 11, 30)) == 1
    old.refresh_from_db(), recent.refresh_from_db()
    assert (old.status, old.confirmed_by, recent.status) == ("confirmed", None, "pending")
    assert_consistent()


def test_the_auto_confirm_command(cast, paid_contract, art_staff):
    from django.core.management import call_command

    services.record_lesson(actor=art_staff, contract=paid_contract,
                           delivered_at=dt.datetime(2026, 1, 5, 10, tzinfo=dt.UTC))
    call_command("auto_confirm_lessons", "--days", "7")
    assert Lesson.objects.get().status == "confirmed"


# ---- refunds ------------------------------------------------------------------------------------


def test_refund_returns_every_undelivered_lesson(cast, paid_contract, art_staff, guardian_p,
                                                 api_client):
    # Given 1 lesson confirmed and 1 delivered awaiting confirmation, of 10 at 100 yuan
    first = services.record_lesson(actor=art_staff, contract=paid_contract)
    services.confirm_lesson(actor=fresh(guardian_p), lesson=first)
    pending = services.record_lesson(actor=art_staff, contract=paid_contract)
    family = api_client(guardian_p)
    # When the guardian asks for a refund
    r = post_json(family, f"{URL}/contracts/{paid_contract.pk}/refund")
    # Then the 8 undelivered lessons come back at once
    assert r.status_code == 200, r.content
    assert (r.json()["kind"], r.json()["amount_fen"]) == ("refund", 80_000)
    paid_contract.refresh_from_db()
    assert (paid_contract.status, paid_contract.lessons_refunded) == ("refunded", 8)
    assert services.balance(paid_contract.held_code) == 10_000  # the pending lesson
    assert_consistent()
    # and a second refund is a conflict
    assert_error(post_json(family, f"{URL}/contracts/{paid_contract.pk}/refund"), 409, "conflict")
    # The delivered lesson is still released when confirmed; custody is then empty
    assert post_json(family, f"{URL}/lessons/{pending.pk}/confirm").status_code == 200
    assert services.balance(paid_contract.held_code) == 0
    assert_error(post_json(api_client(art_staff), f"{URL}/contracts/{paid_contract.pk}/lessons"),
                 409, "conflict")
    assert_consistent()


def test_nothing_to_refund_before_payment(cast, unpaid, guardian_p, api_client):
    r = post_json(api_client(guardian_p), f"{URL}/contracts/{unpaid.pk}/refund")
    assert_error(r, 409, "conflict")
    assert not Posting.objects.exists()


# ---- freezing -----------------------------------------------------------------------------------


def test_freezing_refunds_everything_not_released(cast, paid_contract, art_course, art_staff,
                                                  guardian_p, guardian_q, bank, supervisor,
                                                  api_client):
    # Given P's contract with one lesson released and one pending, Q's paid contract, Q's unpaid
    lesson = services.record_lesson(actor=art_staff, contract=paid_contract)
    services.confirm_lesson(actor=fresh(guardian_p), lesson=lesson)
    pending = services.record_lesson(actor=art_staff, contract=paid_contract)
    q_paid = sign(guardian_q, cast.pupil_q, art_course, lessons=5)
    pay(bank, q_paid)
    q_unpaid = sign(guardian_q, cast.pupil_q, art_course, lessons=3)
    services.add_reserve(actor=fresh(bank), institution=art_course.institution,
                         amount_fen=1_000_000, idempotency_key="reserve-1")
    # When the supervision section freezes the institution
    r = post_json(api_client(supervisor), f"{URL}/accounts/{art_course.institution_id}/freeze",
                  {"reason": "机构停业（异常关停）"})
    assert r.status_code == 200, r.content
    body = r.json()
    # Then custody is empty: 9 + 5 lessons refunded, the released lesson stays released
    assert (body["held_fen"], body["refunded_fen"], body["released_fen"]) == (0, 140_000, 10_000)
    assert body["frozen"] is True and body["reserve_fen"] == 1_000_000  # custody sufficed
    statuses = dict(Contract.objects.values_list("pk", "status"))
    assert statuses == {paid_contract.pk: "frozen", q_paid.pk: "frozen", q_unpaid.pk: "frozen"}
    pending.refresh_from_db()
    assert pending.status == "voided"
    assert_consistent()
    # and nothing moves any more
    assert_error(post_json(api_client(guardian_p), f"{URL}/lessons/{pending.pk}/confirm"), 409,
                 "account_frozen")
    assert_error(deposit(api_client(bank), q_unpaid, "late"), 409, "conflict")
    assert_error(post_json(api_client(guardian_p), f"{URL}/contracts",
                           contract_body(cast.pupil_p, art_course)), 409, "account_frozen")
    assert_error(post_json(api_client(supervisor),
                           f"{URL}/accounts/{art_course.institution_id}/freeze",
                           {"reason": "again"}), 409, "conflict")
    assert_consistent()


def test_freeze_needs_a_reason_and_the_supervisor(cast, paid_contract, bank, guardian_p,
                                                  supervisor, api_client):
    url = f"{URL}/accounts/{paid_contract.institution_id}/freeze"
    assert_error(post_json(api_client(bank), url, {"reason": "x"}), 403, "forbidden")
    assert_error(post_json(api_client(guardian_p), url, {"reason": "x"}), 403, "forbidden")
    assert_error(post_json(api_client(supervisor), url, {"reason": " "}), 422, "required")
    assert Posting.objects.count() == 1


# ---- accounts and reading -------------------------------------------------------------------------


def test_account_summary_and_reserve_warning(cast, paid_contract, bank, art_staff,
                                             institution_staff, guardian_p, api_client):
    url = f"{URL}/accounts/{paid_contract.institution_id}"
    r = api_client(art_staff).get(url)
    assert r.status_code == 200, r.content
    body = r.json()
    assert (body["held_fen"], body["unconsumed_fen"], body["reserve_fen"]) == (100_000, 100_000, 0)
    # max(10,000 yuan fixed, 10 % of 500,000 yuan) = 50,000 yuan
    assert body["required_reserve_fen"] == 5_000_000
    # less than half of the requirement: red (PF-11)
    assert body["level"] == "red"
    assert [(w["level"], w["rule"], w["code"]) for w in body["warnings"]] == [
        ("red", "PF-11", "reserve_short")]
    # The bank tops up the reserve (idempotently)
    client = api_client(bank)
    for _ in range(2):
        r = post_json(client, f"{url}/reserve", {"amount_fen": 5_000_000},
                      **{"Idempotency-Key": "res-1"})
        assert r.status_code == 201, r.content
    body = api_client(bank).get(url).json()
    assert body["reserve_fen"] == 5_000_000 and body["warnings"] == [] and body["level"] == ""
    # staff of another institution and guardians do not see it
    assert_error(api_client(institution_staff).get(url), 404, "not_found")
    assert_error(api_client(guardian_p).get(url), 403, "forbidden")


def test_opening_an_account_through_the_api(cast, supervisor, art_inst, api_client):
    body = {"institution": art_inst.pk, "bank_name": "示例银行", "account_number": "62220001",
            "mode": "reserve", "reserve_fixed_fen": 10_000_000}
    r = post_json(api_client(supervisor), f"{URL}/accounts", body)
    assert r.status_code == 201, r.content
    assert r.json()["required_reserve_fen"] == 10_000_000
    assert_error(post_json(api_client(supervisor), f"{URL}/accounts", body), 409, "conflict")


def test_contract_lists_follow_the_scope(cast, paid_contract, guardian_p, guardian_q, art_staff,
                                        institution_staff, bank, supervisor, bank_b, api_client):
    def ids(user):
        r = api_client(user).get(f"{URL}/contracts")
        assert r.status_code == 200, r.content
        return [c["id"] for c in r.json()["items"]]

    assert ids(guardian_p) == ids(art_staff) == ids(bank) == ids(supervisor) == [paid_contract.pk]
    assert ids(guardian_q) == ids(institution_staff) == ids(bank_b) == []


# ---- access denials -------------------------------------------------------------------------------


def test_access_denials(cast, paid_contract, guardian_q, guardian_p, institution_staff,
                        art_staff, api_client):
    lesson = services.record_lesson(actor=art_staff, contract=paid_contract)
    c = paid_contract.pk
    # another family: 404 everywhere
    other = api_client(guardian_q)
    assert_error(other.get(f"{URL}/contracts/{c}"), 404, "not_found")
    assert_error(post_json(other, f"{URL}/contracts/{c}/refund"), 404, "not_found")
    assert_error(post_json(other, f"{URL}/lessons/{lesson.pk}/confirm"), 404, "not_found")
    # staff of another institution: 404
    assert_error(post_json(api_client(institution_staff), f"{URL}/contracts/{c}/lessons"), 404,
                 "not_found")
    # the guardian cannot record lessons, the institution cannot confirm or refund: 403
    assert_error(post_json(api_client(guardian_p), f"{URL}/contracts/{c}/lessons"), 403,
                 "forbidden")
    staff = api_client(art_staff)
    assert_error(post_json(staff, f"{URL}/lessons/{lesson.pk}/confirm"), 403, "forbidden")
    assert_error(post_json(staff, f"{URL}/contracts/{c}/refund"), 403, "forbidden")
    assert Posting.objects.count() == 1
    assert_consistent()
