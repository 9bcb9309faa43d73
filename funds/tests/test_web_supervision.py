"""The supervision section's and the custodian bank's funds pages through the web client: the
district overview with its totals, warnings, filters, chart and export; one institution's
account; freezing (PF-13); the bank's end-of-day balances (PF-14) and reserve deposits (PF-10);
the day's reconciliation; opening an account (PF-1, PF-3); and who may do what."""

import datetime as dt
import io
import json
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from conftest import fresh
from funds import services
from funds.models import Contract, Posting, Reconciliation, SupervisedAccount
from funds.tests.conftest import assert_consistent, new_key, pay, sign
from institutions.models import Institution
from institutions.tests.conftest import new_code
from policy.services import set_rule

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SUPERVISION = ["supervisor", "bureau_admin", "inspector"]


def backdate_account(institution, days):
    """Time travel: the account was opened ``days`` ago (reconciliations start at opening)."""
    SupervisedAccount.objects.filter(institution=institution).update(
        opened_at=timezone.now() - dt.timedelta(days=days))


def yesterday():
    return timezone.localdate() - dt.timedelta(days=1)


def rows_of(response):
    """Institution ids of the overview's table, in order."""
    return [int(pk) for pk in re.findall(r'id="account-(\d+)"', response.content.decode())]


def messages_of(response):
    return [str(m) for m in response.context["messages"]]


def text(response):
    return response.content.decode()


@pytest.fixture
def district(cast, bank, guardian_p, guardian_q, art_staff, art_course, art_account,
             maths_course, subject_account):
    """District A's two supervised accounts, set up through the services:

    - the art institution (mode both; reserve required 50,000 yuan = 10 % of 500,000 last year):
      the bank recorded a 30,000-yuan reserve (short, not half: yellow); P's 10-lesson contract
      (1,000 yuan) is paid, one lesson delivered and confirmed (100 yuan released);
    - the subject-type institution (custody only), opened yesterday: Q's 10 maths lessons
      at 60 yuan (600 yuan) paid today; no warning.
    """
    services.add_reserve(actor=fresh(bank), institution=art_account.institution,
                         amount_fen=3_000_000, idempotency_key=new_key())
    art = sign(guardian_p, cast.pupil_p, art_course, lessons=10)
    pay(bank, art)
    lesson = services.record_lesson(actor=fresh(art_staff), contract=art)
    services.confirm_lesson(actor=fresh(guardian_p), lesson=lesson)
    backdate_account(subject_account.institution, 1)
    maths = sign(guardian_q, cast.pupil_q, maths_course, lessons=10)
    pay(bank, maths)
    art.refresh_from_db()
    return {"art": art_account.institution, "subject": subject_account.institution,
            "art_contract": art, "maths_contract": maths}


# ---- the district overview ------------------------------------------------------------------------

@pytest.mark.parametrize("actor", [*SUPERVISION, "bank"])
def test_overview_shows_the_districts_totals_and_warnings_red_first(
        actor, request, district, web_client, django_assert_max_num_queries):
    # Given district A's two accounts (art: yellow, reserve short; subject: no warning)
    client = web_client(request.getfixturevalue(actor))
    # When a supervision role or the bank opens the overview
    with django_assert_max_num_queries(21):
        response = client.get(reverse("funds:index"))
    # Then the totals are in yuan with two decimals: 900 + 600 held, 100 released, 30,000 reserve
    assert response.status_code == 200
    html = text(response)
    totals = response.context["totals"]
    assert (totals["accounts"], totals["red"], totals["yellow"], totals["frozen"]) == (2, 0, 1, 0)
    assert 'id="total-held">1500.00 元' in html
    assert 'id="total-released">100.00 元' in html
    assert 'id="total-reserve">30000.00 元' in html
    assert 'id="total-unconsumed">1500.00 元' in html
    assert 'id="total-refunded">0.00 元' in html
    # and the warned institution comes first, with its level and warning (PF-11)
    assert rows_of(response) == [district["art"].pk, district["subject"].pk]
    art_row = html[html.index(f'id="account-{district["art"].pk}"'):]
    assert 'data-level="yellow"' in art_row[:200]
    assert "30000.00" in art_row and "50000.00" in art_row and "（PF-11）" in art_row
    # and the chart data is there for ECharts
    money = json.loads(re.search(r'id="chart-money-data"[^>]*>(.*?)</script>', html).group(1))
    assert money["x"][:2] == [district["art"].name, district["subject"].name]
    assert money["series"][0]["data"][:2] == [900.0, 600.0]
    levels = json.loads(re.search(r'id="chart-levels-data"[^>]*>(.*?)</script>', html).group(1))
    assert levels["series"][0]["data"] == [0, 1, 1]


def test_overview_filters_by_level_and_name(district, supervisor, web_client):
    client = web_client(supervisor)
    url = reverse("funds:index")
    art, subject = district["art"].pk, district["subject"].pk
    # When the supervisor filters by each level, then by a part of a name
    # Then only the matching accounts are listed
    assert rows_of(client.get(url, {"level": "yellow"})) == [art]
    assert rows_of(client.get(url, {"level": "none"})) == [subject]
    assert rows_of(client.get(url, {"level": "red"})) == []
    assert rows_of(client.get(url, {"level": "frozen"})) == []
    assert rows_of(client.get(url, {"q": "学思"})) == [subject]
    assert rows_of(client.get(url, {"q": "学思", "level": "yellow"})) == []
    # and a level that does not exist filters nothing (the whole district)
    assert rows_of(client.get(url, {"level": "purple"})) == [art, subject]


def test_overview_counts_approved_institutions_without_an_account(cast, supervisor, web_client,
                                                                  district):
    # Given the cast's I1 and I2 (approved, no account) besides the two accounts
    # When the supervisor opens the overview; then both are counted, with a link to open one
    response = web_client(supervisor).get(reverse("funds:index"))
    assert response.context["without_account"] == 2
    assert reverse("funds:open-account") in text(response)


def test_export_is_a_valid_workbook_of_the_filtered_table(district, inspector, web_client):
    # When the inspector exports the yellow accounts
    response = web_client(inspector).get(reverse("funds:export"), {"level": "yellow"})
    # Then a workbook with the art institution's row in yuan, and a summary sheet
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    book = load_workbook(io.BytesIO(response.content))
    rows = list(book["监管账户"].iter_rows(values_only=True))
    assert rows[0][:2] == ("机构名称", "统一社会信用代码")
    assert len(rows) == 2
    name, *_, held, reserve, required, released, refunded, unconsumed, frozen, level, why = rows[1]
    assert name == district["art"].name
    assert (float(held), float(reserve), float(required), float(released)) == (
        900, 30_000, 50_000, 100)
    assert (float(refunded), float(unconsumed), frozen, level) == (0, 900, "否", "黄色预警")
    assert "PF-11" in why
    summary = dict(row for row in book["汇总"].iter_rows(values_only=True) if row[0] != "导出日期")
    assert summary["监管账户数"] == 2 and float(summary["托管中（元）"]) == 1500


# ---- one institution ----------------------------------------------------------------------------

def test_account_page_shows_summary_terms_ledger_contracts_and_reconciliations(
        cast, district, supervisor, web_client, django_assert_max_num_queries):
    inst = district["art"]
    client = web_client(supervisor)
    # When the supervisor opens the art institution's account
    with django_assert_max_num_queries(28):
        response = client.get(reverse("funds:account", args=[inst.pk]))
    # Then the summary is in yuan with the yellow reserve warning (PF-11)
    assert response.status_code == 200
    html = text(response)
    assert 'id="held">900.00 元' in html
    assert 'id="unconsumed">900.00 元' in html
    assert 'id="released">100.00 元' in html
    assert 'id="reserve">30000.00 元（最低要求 50000.00 元）' in html
    assert "黄色预警" in html and "（PF-11）" in html
    # and the ledger newest first: the release, the deposit, the reserve
    kinds = [p.kind for p in response.context["postings"]]
    assert kinds == [Posting.Kind.RELEASE, Posting.Kind.DEPOSIT, Posting.Kind.RESERVE_IN]
    assert "课消拨付" in html and "已拨付机构" in html and "风险保证金" in html
    # and P's contract by name, never the ID number or the guardian's phone
    contract = district["art_contract"]
    assert f'id="contract-{contract.pk}"' in html and cast.pupil_p.name in html
    assert cast.pupil_p.id_number not in html
    assert "13812345678" not in html
    # and only the supervisor's form: freezing, not the bank's
    assert 'id="freeze-form"' in html
    assert 'id="balance-form"' not in html and 'id="reserve-form"' not in html


@pytest.mark.parametrize("actor, freeze, bank_forms", [
    ("bureau_admin", False, False), ("inspector", False, False), ("bank", False, True)])
def test_account_page_offers_each_role_its_own_forms(actor, freeze, bank_forms, request,
                                                      district, web_client):
    response = web_client(request.getfixturevalue(actor)).get(
        reverse("funds:account", args=[district["art"].pk]))
    assert response.status_code == 200
    html = text(response)
    assert ('id="freeze-form"' in html) is freeze
    assert ('id="balance-form"' in html) is bank_forms
    assert ('id="reserve-form"' in html) is bank_forms
    # (the bank's balance form proposes yesterday, in the format <input type="date"> reads)
    assert (f'name="date" value="{yesterday().isoformat()}"' in html) is bank_forms


def test_the_ledger_and_the_contracts_page_separately(cast, bank, guardian_p, art_course,
                                                      art_account, supervisor, web_client):
    # Given 21 paid contracts (21 deposits) of the art institution
    for _ in range(21):
        pay(bank, sign(guardian_p, cast.pupil_p, art_course, lessons=1))
    client = web_client(supervisor)
    url = reverse("funds:account", args=[art_account.institution_id])
    # When the supervisor opens the second page of the ledger only
    response = client.get(url, {"page": 2})
    # Then one posting is on it (20 a page), and the contracts stay on their first page
    assert len(response.context["postings"]) == 1
    assert response.context["contracts"].number == 1
    assert "cpage=2" in text(response) and "page=1" in text(response)
    assert len(client.get(url, {"cpage": 2}).context["contracts"]) == 1


def test_an_institution_without_an_account_says_so(cast, supervisor, bank, inspector,
                                                   web_client):
    url = reverse("funds:account", args=[cast.institution_1.pk])
    # When the supervisor opens I1 (approved, no account); then it says so, offering to open one
    response = web_client(supervisor).get(url)
    assert response.status_code == 200
    assert "尚未开设监管账户" in text(response)
    assert f"{reverse('funds:open-account')}?institution={cast.institution_1.pk}" in text(response)
    # and the bank may open one too; the inspector only reads
    assert "?institution=" in text(web_client(bank).get(url))
    assert "?institution=" not in text(web_client(inspector).get(url))


# ---- freezing (PF-13) ---------------------------------------------------------------------------

def test_supervisor_freezes_an_account_and_families_are_refunded(cast, district, supervisor,
                                                                 web_client):
    inst, contract = district["art"], district["art_contract"]
    client = web_client(supervisor)
    # When the supervisor freezes the art institution with a reason, confirming
    response = client.post(reverse("funds:freeze", args=[inst.pk]),
                           {"reason": "机构负责人失联，停止经营", "confirm": "on"})
    # Then back on the account page, frozen; the 9 undelivered lessons (900 yuan) went back to
    # the family from custody, and the ledger still proves every invariant
    assert response.status_code == 302
    assert response["Location"] == reverse("funds:account", args=[inst.pk])
    account = SupervisedAccount.objects.get(institution=inst)
    assert account.frozen and account.frozen_reason == "机构负责人失联，停止经营"
    contract.refresh_from_db()
    assert contract.status == Contract.Status.FROZEN and contract.lessons_refunded == 9
    assert services.balance(contract.refunded_code) == 90_000
    assert services.balance(contract.held_code) == 0
    assert_consistent(inst)
    page = client.get(response["Location"])
    assert any("已冻结" in m for m in messages_of(page))
    assert 'id="frozen"' in text(page) and 'id="freeze-form"' not in text(page)
    # and the overview counts it frozen and red
    totals = client.get(reverse("funds:index")).context["totals"]
    assert (totals["frozen"], totals["red"]) == (1, 1)


def test_freezing_with_an_empty_custody_draws_on_the_reserve(cast, district, supervisor, bank,
                                                             web_client):
    # Given the art account's contract and reserve (30,000 yuan): custody holds 900 yuan
    inst = district["art"]
    # When the supervisor freezes it; then the reserve is untouched (custody covered it all)
    web_client(supervisor).post(reverse("funds:freeze", args=[inst.pk]),
                                {"reason": "停业", "confirm": "on"})
    assert services.balance(f"institution:{inst.pk}:reserve") == 3_000_000
    assert not Posting.objects.filter(kind=Posting.Kind.RESERVE_COVER).exists()
    assert_consistent(inst)


@pytest.mark.parametrize("data, field", [
    ({"reason": "", "confirm": "on"}, "reason"),
    ({"reason": "   ", "confirm": "on"}, "reason"),
    ({"reason": "停业"}, "confirm"),
])
def test_freezing_needs_a_reason_and_the_confirmation(data, field, district, supervisor,
                                                      web_client):
    inst = district["art"]
    # When the supervisor sends the freeze form incomplete
    response = web_client(supervisor).post(reverse("funds:freeze", args=[inst.pk]), data)
    # Then the page shows the form's error, and nothing is frozen or refunded
    assert response.status_code == 200
    assert response.context["freeze_form"].errors[field]
    assert not SupervisedAccount.objects.get(institution=inst).frozen
    assert not Posting.objects.filter(kind=Posting.Kind.FREEZE_REFUND).exists()


def test_freezing_twice_is_refused_on_the_form(district, supervisor, web_client):
    inst = district["art"]
    services.freeze_institution(actor=fresh(supervisor), institution=inst, reason="停业")
    before = Posting.objects.count()
    # When the freeze form (from an old tab) is sent again
    response = web_client(supervisor).post(reverse("funds:freeze", args=[inst.pk]),
                                           {"reason": "再次冻结", "confirm": "on"})
    # Then the refusal shows on the form and nothing more is posted
    assert response.status_code == 200
    assert "已冻结" in str(response.context["freeze_form"].errors)
    assert Posting.objects.count() == before


@pytest.mark.parametrize("actor", ["bureau_admin", "inspector", "bank"])
def test_only_the_supervisor_freezes(actor, request, district, web_client):
    inst = district["art"]
    response = web_client(request.getfixturevalue(actor)).post(
        reverse("funds:freeze", args=[inst.pk]), {"reason": "停业", "confirm": "on"})
    assert response.status_code == 403
    assert not SupervisedAccount.objects.get(institution=inst).frozen


# ---- the bank's end-of-day balance (PF-14) -----------------------------------------------------

def test_bank_reports_a_matching_balance_from_the_account_page(district, bank, web_client):
    # Given the subject institution's account (opened yesterday; the deposit was today, so
    # the ledger held nothing at the end of yesterday)
    inst = district["subject"]
    client = web_client(bank)
    # When the bank reports yesterday's end-of-day balance of 0.00 yuan
    response = client.post(reverse("funds:report-balance", args=[inst.pk]),
                           {"date": yesterday().isoformat(), "balance": "0.00"})
    # Then it is recorded and matches; the page says so
    assert response.status_code == 302
    rec = Reconciliation.objects.get()
    assert (rec.date, rec.bank_balance_fen, rec.ledger_balance_fen) == (yesterday(), 0, 0)
    page = client.get(response["Location"])
    assert any("与台账一致" in m for m in messages_of(page))
    assert f'id="reconciliation-{yesterday().isoformat()}"' in text(page)


def test_a_mismatch_is_red_on_the_reconciliation_page_and_the_overview(district, bank,
                                                                       supervisor, web_client):
    inst = district["subject"]
    # When the bank reports 600.50 yuan for yesterday (the ledger held nothing then)
    response = web_client(bank).post(reverse("funds:report-balance", args=[inst.pk]),
                                     {"date": yesterday().isoformat(), "balance": "600.50"})
    assert response.status_code == 302
    assert Reconciliation.objects.get().bank_balance_fen == 60_050
    client = web_client(supervisor)
    # Then the day's reconciliation shows it red, with the difference
    day = client.get(reverse("funds:reconciliation"))
    html = text(day)
    row = html[html.index(f'id="rec-{inst.pk}"'):]
    assert row.startswith(f'id="rec-{inst.pk}" data-status="mismatched"')
    assert '<td class="num">600.50</td>\n      <td class="num">0.00</td>' in row[:2000]
    assert '<span class="badge red">600.50</span>' in row[:2000]
    assert day.context["counts"]["mismatched"] == 1
    # and the overview lists the institution first, red, with the PF-14 warning
    overview = client.get(reverse("funds:index"))
    assert rows_of(overview)[0] == inst.pk
    assert overview.context["totals"]["red"] == 1
    assert "不一致" in text(overview)
    assert rows_of(client.get(reverse("funds:index"), {"level": "red"})) == [inst.pk]


@pytest.mark.parametrize("days_ago, balance, field", [
    (0, "0.00", "date"),  # today has not ended
    (-1, "0.00", "date"),  # a future day
    (10, "0.00", "date"),  # before the account was opened
    (1, "", "balance"),
    (1, "12.345", "balance"),
])
def test_bad_balance_reports_show_on_the_form_and_save_nothing(days_ago, balance, field,
                                                               district, bank, web_client):
    day = timezone.localdate() - dt.timedelta(days=days_ago)
    response = web_client(bank).post(reverse("funds:report-balance",
                                             args=[district["subject"].pk]),
                                     {"date": day.isoformat(), "balance": balance})
    assert response.status_code == 200
    assert response.context["balance_form"].errors[field]
    assert not Reconciliation.objects.exists()


def test_a_day_is_reported_once(district, bank, web_client):
    inst = district["subject"]
    client = web_client(bank)
    url = reverse("funds:report-balance", args=[inst.pk])
    client.post(url, {"date": yesterday().isoformat(), "balance": "0"})
    # When the same balance is reported again; then nothing changes (no second row)
    again = client.post(url, {"date": yesterday().isoformat(), "balance": "0.00"})
    assert again.status_code == 302
    assert Reconciliation.objects.count() == 1
    # When a different balance is reported for the same day; then it is refused on the form
    other = client.post(url, {"date": yesterday().isoformat(), "balance": "5.00"})
    assert other.status_code == 200
    assert "不能更改" in str(other.context["balance_form"].errors["balance"])
    assert Reconciliation.objects.get().bank_balance_fen == 0


@pytest.mark.parametrize("actor", ["supervisor", "bureau_admin", "inspector"])
def test_only_the_bank_reports_balances_and_reserves(actor, request, district, web_client):
    client = web_client(request.getfixturevalue(actor))
    inst = district["subject"]
    assert client.post(reverse("funds:report-balance", args=[inst.pk]),
                       {"date": yesterday().isoformat(), "balance": "0"}).status_code == 403
    assert client.post(reverse("funds:reserve", args=[inst.pk]),
                       {"amount": "10", "key": "k1"}).status_code == 403
    assert not Reconciliation.objects.exists()


# ---- reserve deposits (PF-10) -------------------------------------------------------------------

def test_bank_records_a_reserve_deposit_once_even_when_submitted_twice(district, bank,
                                                                       web_client):
    inst = district["art"]
    client = web_client(bank)
    # Given the account page's reserve form with its one-time key
    page = client.get(reverse("funds:account", args=[inst.pk]))
    key = page.context["reserve_form"]["key"].value()
    assert key and key != client.get(reverse("funds:account", args=[inst.pk])).context[
        "reserve_form"]["key"].value()
    before = services.balance(f"institution:{inst.pk}:reserve")
    url = reverse("funds:reserve", args=[inst.pk])
    # When the bank submits 20,000.50 yuan twice with that key
    first = client.post(url, {"amount": "20000.50", "key": key})
    second = client.post(url, {"amount": "20000.50", "key": key})
    # Then one deposit of 2,000,050 fen is recorded, both times the same posting
    assert first.status_code == second.status_code == 302
    assert services.balance(f"institution:{inst.pk}:reserve") == before + 2_000_050
    assert Posting.objects.filter(kind=Posting.Kind.RESERVE_IN, amount_fen=2_000_050).count() == 1
    # and the reserve (50,000.50 yuan) now meets the requirement: no more yellow warning
    summary = services.account_summary(inst)
    assert not any(w.code == "reserve_short" for w in summary["warnings"])


@pytest.mark.parametrize("amount", ["0", "-5", "abc", ""])
def test_a_reserve_deposit_needs_a_positive_amount(amount, district, bank, web_client):
    before = Posting.objects.count()
    response = web_client(bank).post(reverse("funds:reserve", args=[district["art"].pk]),
                                     {"amount": amount, "key": "k-1"})
    assert response.status_code == 200
    assert response.context["reserve_form"].errors["amount"]
    assert Posting.objects.count() == before


def test_a_frozen_account_takes_no_reserve(district, bank, supervisor, web_client):
    inst = district["art"]
    services.freeze_institution(actor=fresh(supervisor), institution=inst, reason="停业")
    before = Posting.objects.count()
    response = web_client(bank).post(reverse("funds:reserve", args=[inst.pk]),
                                     {"amount": "100", "key": "k-frozen"})
    assert response.status_code == 200
    assert "冻结" in str(response.context["reserve_form"].errors)
    assert Posting.objects.count() == before


# ---- the day's reconciliation -------------------------------------------------------------------

def test_reconciliation_defaults_to_yesterday_and_lists_every_account(
        district, supervisor, web_client, django_assert_max_num_queries):
    # Given the subject account (opened yesterday) and the art account (opened today)
    client = web_client(supervisor)
    # When the supervisor opens the reconciliation page without a date
    with django_assert_max_num_queries(9):
        response = client.get(reverse("funds:reconciliation"))
    # Then it is yesterday's, and only the account open by then is listed, missing, read-only
    assert response.status_code == 200
    assert response.context["date"] == yesterday()
    assert [r["account"].institution_id for r in response.context["page"]] == [
        district["subject"].pk]
    assert response.context["counts"] == {"mismatched": 0, "missing": 1, "matched": 0}
    assert "funds:report-balance" not in text(response)
    assert "/reconciliations/" not in text(response)  # no report form for the supervisor
    # and a day not yet ended is refused, showing yesterday instead
    future = client.get(reverse("funds:reconciliation"),
                        {"date": timezone.localdate().isoformat()})
    assert future.context["date"] == yesterday()
    assert future.context["form"].errors["date"]
    # and the earlier day, before the account existed, lists nothing
    old = client.get(reverse("funds:reconciliation"),
                     {"date": (timezone.localdate() - dt.timedelta(days=5)).isoformat()})
    assert old.context["accounts"] == 0


def test_bank_reports_from_the_reconciliation_page_through_htmx(district, bank, web_client):
    inst = district["subject"]
    client = web_client(bank)
    # Given the day's page with a report form on the missing row, not showing the ledger
    page = client.get(reverse("funds:reconciliation"))
    assert f'hx-post="{reverse("funds:report-balance", args=[inst.pk])}"' in text(page)
    # When the bank reports 0 yuan through HTMX
    response = client.post(reverse("funds:report-balance", args=[inst.pk]),
                           {"date": yesterday().isoformat(), "balance": "0",
                            "return_to": "reconciliation"}, headers={"HX-Request": "true"})
    # Then only the row comes back, matched, and the reconciliation is saved
    html = text(response)
    assert html.strip().startswith(f'<tr id="rec-{inst.pk}" data-status="matched"')
    assert "<html" not in html and "与台账一致" in html
    assert Reconciliation.objects.get().matched
    # When the same day is reported again with another balance; then the row shows the error
    again = client.post(reverse("funds:report-balance", args=[inst.pk]),
                        {"date": yesterday().isoformat(), "balance": "1",
                         "return_to": "reconciliation"}, headers={"HX-Request": "true"})
    assert 'data-status="missing"' in text(again) and "不能更改" in text(again)
    assert Reconciliation.objects.count() == 1


def test_a_plain_report_from_the_reconciliation_page_returns_there(district, bank, web_client):
    inst = district["subject"]
    client = web_client(bank)
    url = reverse("funds:report-balance", args=[inst.pk])
    day = yesterday().isoformat()
    ok = client.post(url, {"date": day, "balance": "0", "return_to": "reconciliation"})
    assert ok["Location"] == f"{reverse('funds:reconciliation')}?date={day}"
    refused = client.post(url, {"date": day, "balance": "3", "return_to": "reconciliation"})
    assert refused["Location"] == f"{reverse('funds:reconciliation')}?date={day}"
    assert any("不能更改" in m for m in messages_of(client.get(refused["Location"])))


# ---- opening an account (PF-1, PF-3) -------------------------------------------------------------

def _open_data(institution, **extra):
    return {"institution": institution.pk, "bank_name": "示例银行甲区支行",
            "account_number": "6222000000000099", "mode": "both", "reserve_fixed": "100000.50",
            "reserve_percent": "10", "last_year_fees": "2000000", **extra}


@pytest.mark.parametrize("actor", ["supervisor", "bureau_admin", "bank"])
def test_an_account_is_opened_with_yuan_terms_in_fen(actor, request, cast, art_inst, web_client):
    client = web_client(request.getfixturevalue(actor))
    # Given the open form, offering the approved art institution (and I1, I2) without accounts
    page = client.get(reverse("funds:open-account"))
    assert page.status_code == 200
    offered = set(page.context["form"].fields["institution"].queryset.values_list("pk", flat=True))
    assert offered == {art_inst.pk, cast.institution_1.pk, cast.institution_2.pk}
    # When the art institution's account is opened with reserve terms in yuan
    response = client.post(reverse("funds:open-account"), _open_data(art_inst))
    # Then it is saved in fen, and the account page follows
    assert response.status_code == 302
    assert response["Location"] == reverse("funds:account", args=[art_inst.pk])
    account = SupervisedAccount.objects.get(institution=art_inst)
    assert (account.mode, account.reserve_fixed_fen, account.reserve_percent,
            account.last_year_fees_fen) == ("both", 10_000_050, 10, 200_000_000)


def test_a_mode_looser_than_the_districts_is_refused_with_pf3(cast, bureau_admin, supervisor,
                                                             art_inst, web_client):
    # Given district A requires the reserve mode
    set_rule(actor=fresh(bureau_admin), bureau=cast.district_a, key="pf.mode", value="reserve",
             reason="本区从严")
    client = web_client(supervisor)
    assert client.get(reverse("funds:open-account")).context["form"]["mode"].value() == "reserve"
    # When the supervisor opens an account in custody mode only
    response = client.post(reverse("funds:open-account"), _open_data(art_inst, mode="custody"))
    # Then the refusal shows on the mode field with the rule id, and nothing is saved
    assert response.status_code == 200
    assert "PF-3" in " ".join(response.context["form"].errors["mode"])
    assert not SupervisedAccount.objects.exists()


@pytest.mark.parametrize("data, field", [
    ({"bank_name": ""}, "bank_name"),
    ({"reserve_percent": "101"}, "reserve_percent"),
    ({"reserve_fixed": "-1"}, "reserve_fixed"),
    ({"mode": "cash"}, "mode"),
])
def test_bad_open_account_input_saves_nothing(data, field, supervisor, art_inst, web_client):
    response = web_client(supervisor).post(reverse("funds:open-account"),
                                           _open_data(art_inst, **data))
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert not SupervisedAccount.objects.exists()


def test_only_institutions_without_an_account_of_the_district_are_offered(
        cast, supervisor, bureau_admin_b, art_account, web_client):
    # Given district B's own approved institution
    other = Institution.objects.create(bureau=cast.district_b, name="乙区书法", credit_code=new_code(),
                                       licence_status="permit_and_licence")
    # When district A's supervisor opens an account for it, or for the art institution again
    client = web_client(supervisor)
    for inst in (other, art_account.institution):
        response = client.post(reverse("funds:open-account"), _open_data(inst))
        # Then the choice is refused; nothing is opened
        assert response.status_code == 200
        assert response.context["form"].errors["institution"]
    assert not SupervisedAccount.objects.filter(institution=other).exists()
    # and district B's admin is offered only B's institution
    page = web_client(bureau_admin_b).get(reverse("funds:open-account"))
    assert list(page.context["form"].fields["institution"].queryset) == [other]


# ---- who may see what ---------------------------------------------------------------------------

@pytest.mark.parametrize("actor", ["institution_staff", "art_staff", "guardian_p",
                                   "guardian_nobody", "principal", "teacher_a"])
def test_institutions_families_and_schools_are_refused(actor, request, district, web_client):
    client = web_client(request.getfixturevalue(actor))
    inst = district["art"]
    for url in (reverse("funds:index"), reverse("funds:export"),
                reverse("funds:reconciliation"), reverse("funds:open-account"),
                reverse("funds:account", args=[inst.pk])):
        assert client.get(url).status_code == 403, url


@pytest.mark.parametrize("actor", ["bureau_admin_b", "bank_b"])
def test_another_districts_account_is_missing(actor, request, district, web_client):
    client = web_client(request.getfixturevalue(actor))
    inst = district["art"]
    # When district B's admin or bank opens or acts on district A's account; then 404
    assert client.get(reverse("funds:account", args=[inst.pk])).status_code == 404
    assert client.post(reverse("funds:report-balance", args=[inst.pk]),
                       {"date": yesterday().isoformat(), "balance": "0"}).status_code == 404
    assert client.post(reverse("funds:reserve", args=[inst.pk]),
                       {"amount": "1", "key": "x"}).status_code == 404
    # and their overview and reconciliation show nothing of district A
    overview = client.get(reverse("funds:index"))
    assert overview.context["totals"]["accounts"] == 0 and rows_of(overview) == []
    assert client.get(reverse("funds:reconciliation")).context["accounts"] == 0
    assert not Reconciliation.objects.exists()


def test_a_huge_institution_id_is_missing(supervisor, web_client):
    assert web_client(supervisor).get("/funds/accounts/99999999999999999999/").status_code == 404


# ---- the institutions' risk view links here -------------------------------------------------------

def test_risk_view_shows_the_fund_level_and_links_to_the_account(district, bank, supervisor,
                                                                 web_client):
    # Given a mismatch on the subject account (red) and the art account's reserve (yellow)
    services.report_balance(actor=fresh(bank), institution=district["subject"],
                            date=yesterday(), balance_fen=1)
    # When the supervisor opens the risk view
    html = text(web_client(supervisor).get(reverse("institutions:risk")))
    # Then each row has its coloured fund badge and a link to the funds account
    for inst, level in ((district["subject"], "red"), (district["art"], "yellow")):
        row = html[html.index(f'id="risk-{inst.pk}"'):]
        row = row[:row.index("</tr>")]
        assert f'data-level="{level}"' in row
        assert reverse("funds:account", args=[inst.pk]) in row
