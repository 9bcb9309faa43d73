"""District parameters of the funds rules (PF-3, PF-5, PF-6, PF-11, TP-6), the bank's daily
reconciliation and the yellow/red warnings (PF-14), through the API and the daily command."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from conftest import assert_error, fresh
from funds import services
from funds.models import Contract, Posting, Reconciliation, SupervisedAccount
from funds.tests.conftest import START, new_key, pay, post_json, sign
from institutions.models import Institution
from policy.services import set_rule

URL = "/api/v1/funds"


def stricter(cast, key, value):
    set_rule(actor=fresh(cast.bureau_admin), bureau=cast.district_a, key=key, value=value,
             reason="本区从严")


def contract_body(pupil, course, lessons, end=None):
    return {"pupil": pupil.pk, "course": course.pk, "lessons": lessons,
            "price_per_lesson_fen": course.price_per_lesson_fen, "start": START.isoformat(),
            "end": (end or START + dt.timedelta(days=30)).isoformat()}


def backdate_account(institution, days):
    SupervisedAccount.objects.filter(institution=institution).update(
        opened_at=timezone.now() - dt.timedelta(days=days))


def codes(body):
    return {(w["level"], w["code"]) for w in body["warnings"]}


# ---- district parameters ---------------------------------------------------------------------------


def test_a_stricter_district_caps_lessons_and_months_lower(cast, guardian_p, art_course,
                                                           art_account, api_client):
    # Given district A allows at most 30 lessons and 2 months per payment
    stricter(cast, "pf.max_lessons", 30)
    stricter(cast, "pf.max_months", 2)
    client = api_client(guardian_p)
    # When a guardian buys 31 lessons, or a period of 2 months and a day
    too_many = post_json(client, f"{URL}/contracts", contract_body(cast.pupil_p, art_course, 31))
    too_long = post_json(client, f"{URL}/contracts", contract_body(
        cast.pupil_p, art_course, 10, end=dt.date(2027, 1, 24)))
    # Then both are refused with PF-6 and nothing is saved; 30 lessons in 2 months are fine
    assert_error(too_many, 422, "PF-6", "lessons")
    assert_error(too_long, 422, "PF-6", "end")
    assert "2027-01-23" in too_long.json()["message"]
    assert Contract.objects.count() == 0
    ok = post_json(client, f"{URL}/contracts", contract_body(
        cast.pupil_p, art_course, 30, end=dt.date(2027, 1, 23)))
    assert ok.status_code == 201, ok.content


def test_a_stricter_district_lowers_the_non_subject_single_charge(cast, guardian_p, art_course,
                                                                  art_account, api_client):
    # Given district A caps a single non-subject charge at 3,000 yuan (national: 5,000)
    stricter(cast, "tp.non_subject_max_single_charge", 3000)
    client = api_client(guardian_p)
    # When 31 lessons at 100 yuan (3,100 yuan) are bought; then TP-6; 30 lessons are allowed
    assert_error(post_json(client, f"{URL}/contracts",
                           contract_body(cast.pupil_p, art_course, 31)), 422, "TP-6", "lessons")
    assert post_json(client, f"{URL}/contracts",
                     contract_body(cast.pupil_p, art_course, 30)).status_code == 201


def test_the_district_mode_and_reserve_terms_bind_new_accounts(cast, supervisor, art_inst,
                                                               api_client):
    # Given district A requires custody plus a reserve of at least 100,000 yuan (Shanghai)
    stricter(cast, "pf.mode", "reserve")
    stricter(cast, "pf.reserve_min_yuan", 100_000)
    client = api_client(supervisor)
    body = {"institution": art_inst.pk, "bank_name": "示例银行", "account_number": "62220009"}
    # When an account is opened in custody-only mode: refused (PF-3), nothing saved
    assert_error(post_json(client, f"{URL}/accounts", body), 422, "PF-3", "mode")
    assert not SupervisedAccount.objects.exists()
    # When it is opened in reserve mode without its own terms: the district's minimum applies
    r = post_json(client, f"{URL}/accounts", {**body, "mode": "reserve"})
    assert r.status_code == 201, r.content
    assert r.json()["required_reserve_fen"] == 10_000_000
    assert ("red", "reserve_short") in codes(r.json())


def test_auto_confirmation_waits_the_districts_number_of_days(cast, guardian_p, bank, art_staff,
                                                              art_course, art_account):
    # Given district A auto-confirms after 3 days (national 7) and a lesson 4 days old
    stricter(cast, "pf.auto_confirm_days", 3)
    contract = sign(guardian_p, cast.pupil_p, art_course, lessons=5)
    pay(bank, contract)
    today = timezone.localdate()
    old = services.record_lesson(actor=fresh(art_staff), contract=contract,
                                 delivered_at=timezone.now() - dt.timedelta(days=4))
    new = services.record_lesson(actor=fresh(art_staff), contract=contract,
                                 delivered_at=timezone.now() - dt.timedelta(days=2))
    # When the daily command runs without --days
    call_command("auto_confirm_lessons", "--today", today.isoformat(), stdout=io.StringIO())
    # Then only the 4-day-old lesson was released
    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.status, new.status) == ("confirmed", "pending")
    assert old.confirmed_by is None


# ---- reconciliation --------------------------------------------------------------------------------


@pytest.fixture
def yesterday():
    return timezone.localdate() - dt.timedelta(days=1)


def test_the_bank_reports_a_daily_balance_once(cast, paid_contract, bank, art_inst, supervisor,
                                               yesterday, api_client):
    # Given an account opened three days ago whose money arrived today
    backdate_account(art_inst, 3)
    url = f"{URL}/accounts/{art_inst.pk}/reconciliations"
    client = api_client(bank)
    # When the bank reports yesterday's balance of 0 (the deposit came today)
    r = post_json(client, url, {"date": yesterday.isoformat(), "balance_fen": 0})
    # Then it matches the ledger at the end of yesterday
    assert r.status_code == 201, r.content
    assert r.json() == {"institution": art_inst.pk, "date": yesterday.isoformat(),
                        "bank_balance_fen": 0, "ledger_balance_fen": 0, "difference_fen": 0,
                        "matched": True}
    # A replay is harmless; a different balance for the same day is refused and changes nothing
    assert post_json(client, url, {"date": yesterday.isoformat(), "balance_fen": 0}
                     ).status_code == 200
    assert_error(post_json(client, url, {"date": yesterday.isoformat(), "balance_fen": 5}),
                 409, "reconciliation_exists")
    assert Reconciliation.objects.get().bank_balance_fen == 0
    # Today has not ended; a date before the account existed is refused
    assert_error(post_json(client, url, {"date": timezone.localdate().isoformat(),
                                         "balance_fen": 0}), 422, "invalid", "date")
    assert_error(post_json(client, url, {"date": (yesterday - dt.timedelta(days=5)).isoformat(),
                                         "balance_fen": 0}), 422, "invalid", "date")
    # No warning about reconciliation remains
    body = api_client(supervisor).get(f"{URL}/accounts/{art_inst.pk}").json()
    assert not {c for _, c in codes(body)} & {"reconciliation_mismatch", "reconciliation_missing"}


def test_a_mismatch_is_a_red_warning_and_a_missing_report_a_yellow_one(
        cast, paid_contract, bank, art_inst, subject_inst, subject_account, supervisor,
        yesterday, api_client):
    # Given two accounts opened three days ago
    backdate_account(art_inst, 3)
    backdate_account(subject_inst, 3)
    supervision = api_client(supervisor)
    # Before any report both lack yesterday's reconciliation: yellow
    assert ("yellow", "reconciliation_missing") in codes(
        supervision.get(f"{URL}/accounts/{subject_inst.pk}").json())
    # When the bank reports 1,000 yuan for the art account yesterday (the ledger had 0 then)
    r = post_json(api_client(bank), f"{URL}/accounts/{art_inst.pk}/reconciliations",
                  {"date": yesterday.isoformat(), "balance_fen": 100_000})
    assert r.status_code == 201 and r.json()["difference_fen"] == 100_000
    # Then the account is red, and the day's summary lists it as mismatched, the other missing
    body = supervision.get(f"{URL}/accounts/{art_inst.pk}").json()
    assert body["level"] == "red" and ("red", "reconciliation_mismatch") in codes(body)
    day = supervision.get(f"{URL}/reconciliations/{yesterday.isoformat()}").json()
    assert (day["accounts"], day["reported"], day["matched"]) == (2, 1, 0)
    assert [m["institution"] for m in day["mismatched"]] == [art_inst.pk]
    assert day["missing"] == [subject_inst.pk]
    warnings = supervision.get(f"{URL}/warnings", {"level": "red"}).json()
    assert [w["institution"] for w in warnings] == [art_inst.pk]
    assert supervision.get(f"{URL}/totals").json()["red"] == 1


def test_reconciliation_and_totals_are_refused_outside_the_role_and_district(
        cast, paid_contract, art_inst, art_staff, guardian_p, bank_b, yesterday, api_client):
    backdate_account(art_inst, 3)
    url = f"{URL}/accounts/{art_inst.pk}/reconciliations"
    body = {"date": yesterday.isoformat(), "balance_fen": 0}
    # The institution cannot report its own balance; another district's bank cannot see it
    assert_error(post_json(api_client(art_staff), url, body), 403, "forbidden")
    assert_error(post_json(api_client(bank_b), url, body), 404, "not_found")
    # Guardians and institution staff get no district figures
    for user in (guardian_p, art_staff):
        assert_error(api_client(user).get(f"{URL}/totals"), 403, "forbidden")
        assert_error(api_client(user).get(f"{URL}/warnings"), 403, "forbidden")
        assert_error(api_client(user).get(f"{URL}/reconciliations/{yesterday}"), 403,
                     "forbidden")
    # Another district's bank sees none of district A's accounts
    assert api_client(bank_b).get(f"{URL}/totals").json()["accounts"] == 0
    assert Reconciliation.objects.count() == 0


# ---- warnings --------------------------------------------------------------------------------------


def test_a_full_refund_is_an_abnormal_outflow(cast, paid_contract, guardian_p, supervisor,
                                              api_client):
    # Given 1,000 yuan in custody; when the guardian takes all of it back
    r = post_json(api_client(guardian_p), f"{URL}/contracts/{paid_contract.pk}/refund")
    assert r.status_code == 200, r.content
    # Then 100 % of custody left within 7 days: red outflow (twice the 30 % line)
    body = api_client(supervisor).get(f"{URL}/accounts/{paid_contract.institution_id}").json()
    assert ("red", "outflow") in codes(body)


def test_many_refunds_in_a_month_warn_yellow_then_red(cast, guardian_p, bank, art_course,
                                                      art_account, supervisor, api_client):
    # Given district A warns from 2 refunds in 30 days
    stricter(cast, "pf.alert_refunds", 2)
    refund_levels = []
    for _ in range(4):
        contract = sign(guardian_p, cast.pupil_p, art_course, lessons=5)
        pay(bank, contract)
        services.request_refund(actor=fresh(guardian_p), contract=contract)
        body = api_client(supervisor).get(f"{URL}/accounts/{art_course.institution_id}").json()
        refund_levels.append({lvl for lvl, code in codes(body) if code == "refunds"})
    # Then none after one refund, yellow from two, red from four
    assert refund_levels == [set(), {"yellow"}, {"yellow"}, {"red"}]


def test_sales_far_above_delivered_lessons_warn(cast, guardian_p, guardian_q, bank, art_staff,
                                                art_course, art_account, supervisor, api_client):
    # Given 30 lessons sold this month
    contracts = [sign(g, pupil, art_course, lessons=15) for g, pupil in
                 ((guardian_p, cast.pupil_p), (guardian_q, cast.pupil_q))]
    for contract in contracts:
        pay(bank, contract)
    url = f"{URL}/accounts/{art_course.institution_id}"

    def sales():
        return {lvl for lvl, code in codes(api_client(supervisor).get(url).json())
                if code == "sales"}

    # None delivered: more than twice three times: red
    assert sales() == {"red"}
    # Six delivered: 30 > 3 × 6 but not > 6 × 6: yellow; ten delivered: no warning
    for n in range(10):
        services.record_lesson(actor=fresh(art_staff), contract=contracts[n % 2])
        if n == 5:
            assert sales() == {"yellow"}
    assert sales() == set()


def test_missing_money_is_red_and_reaches_the_risk_view(cast, paid_contract, supervisor,
                                                        api_client):
    # Given a corrupted ledger: a release without its lesson (written around the services)
    Posting.objects.create(kind=Posting.Kind.RELEASE, debit=f"institution:"
                           f"{paid_contract.institution_id}:released",
                           credit=paid_contract.held_code, amount_fen=10_000,
                           institution_id=paid_contract.institution_id, contract=paid_contract,
                           idempotency_key=new_key())
    client = api_client(supervisor)
    # Then held (900 yuan) is below the unconsumed value (1,000 yuan): red
    body = client.get(f"{URL}/accounts/{paid_contract.institution_id}").json()
    assert ("red", "held_below_unconsumed") in codes(body)
    # And the institutions' risk view carries the fund level and the reason
    risk = {r["institution"]: r for r in client.get("/api/v1/institutions/risk").json()["items"]}
    row = risk[paid_contract.institution_id]
    assert row["fund_level"] == "red"
    assert any(reason.startswith("资金红色预警") for reason in row["reasons"])
    # An approved, licensed institution without any account is yellow (PF-1)
    assert risk[cast.institution_1.pk]["fund_level"] in ("", "yellow")


def test_an_approved_licensed_institution_without_an_account_is_yellow(cast, subject_inst,
                                                                       supervisor, api_client):
    risk = {r["institution"]: r for r in
            api_client(supervisor).get("/api/v1/institutions/risk").json()["items"]}
    assert risk[subject_inst.pk]["fund_level"] == "yellow"
    assert any("预收费监管专用账户" in reason for reason in risk[subject_inst.pk]["reasons"])


def test_an_earlier_mismatch_stays_yellow_after_a_matching_day(cast, paid_contract, bank,
                                                              art_inst, supervisor, yesterday,
                                                              api_client):
    # Given a mismatch the day before yesterday, then a matching report yesterday
    backdate_account(art_inst, 5)
    url = f"{URL}/accounts/{art_inst.pk}/reconciliations"
    before = yesterday - dt.timedelta(days=1)
    assert post_json(api_client(bank), url, {"date": before.isoformat(), "balance_fen": 7}
                     ).json()["matched"] is False
    assert post_json(api_client(bank), url, {"date": yesterday.isoformat(), "balance_fen": 0}
                     ).json()["matched"] is True
    # Then the account is no longer red for it, but the earlier mismatch is still shown
    found = codes(api_client(supervisor).get(f"{URL}/accounts/{art_inst.pk}").json())
    assert ("red", "reconciliation_mismatch") not in found
    assert ("yellow", "reconciliation_mismatch_recent") in found


def test_only_approved_institutions_get_an_account(cast, supervisor, api_client):
    # Given an institution still applying
    Institution.objects.filter(pk=cast.institution_1.pk).update(status="applying")
    body = {"institution": cast.institution_1.pk, "bank_name": "示例银行",
            "account_number": "62220010"}
    assert_error(post_json(api_client(supervisor), f"{URL}/accounts", body), 422, "TI-13",
                 "institution")
    assert not SupervisedAccount.objects.exists()


def test_complaints_about_an_institution_and_its_fees_warn(cast, paid_contract, supervisor,
                                                           api_client, settings):
    # Given the public complaint doors, unthrottled for the test
    settings.COMPLAINTS_PUBLIC_RATE = "1000/h"
    inst = paid_contract.institution
    body = {"bureau_code": cast.district_a.code, "subject": "退费难",
            "details": "申请退费两周没有回音，机构电话打不通。", "anonymous": True,
            "institution": inst.pk}
    levels = []
    for category in ("fees", "institution", "fees", "homework", "fees", "institution", "fees"):
        r = api_client(None).post("/api/v1/public/complaints", {**body, "category": category},
                                  content_type="application/json")
        assert r.status_code == 201, r.content
        found = codes(api_client(supervisor).get(f"{URL}/accounts/{inst.pk}").json())
        levels.append({lvl for lvl, code in found if code == "complaints"})
    # Then (homework complaints do not count) yellow from 3, red from 6 (the national line 3)
    assert levels == [set(), set(), {"yellow"}, {"yellow"}, {"yellow"}, {"yellow"}, {"red"}]
