"""The funds pages of guardians and institution staff, through the web client against the real
database: the family's overview, confirming lessons row by row over HTMX, refunds behind a
confirmation of the amount, browsing courses and signing (each refusal with its rule id, nothing
saved), the institution's summary, sales, recording lessons and the Excel export, and who is
refused."""

import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from conftest import fresh
from funds import services
from funds.models import Contract, Lesson, Posting
from funds.tests.conftest import END, START, _staff_login, assert_consistent, pay, sign
from institutions import services as inst_services
from institutions.models import Institution
from institutions.tests.conftest import new_code

HTMX = {"HTTP_HX_REQUEST": "true"}
MINE = reverse("funds:mine")
SIGN = reverse("funds:sign")
INSTITUTION = reverse("funds:institution")


def contract_url(contract):
    return reverse("funds:contract", args=[contract.pk])


def refund_url(contract):
    return reverse("funds:refund", args=[contract.pk])


def confirm_url(lesson):
    return reverse("funds:confirm", args=[lesson.pk])


def record_url(contract):
    return reverse("funds:record-lesson", args=[contract.pk])


def deliver(staff, contract, days_ago=0):
    delivered = timezone.now() - dt.timedelta(days=days_ago)
    return services.record_lesson(actor=fresh(staff), contract=contract, delivered_at=delivered)


def sign_form(pupil, course, **fields):
    return {"pupil": pupil.pk, "course": course.pk, "lessons": 10, "start": str(START),
            "end": str(END), "payment_method": "lump_sum", **fields}


# ---- the guardian's overview ----------------------------------------------------------------

def test_guardian_sees_the_childs_contracts_held_value_and_lessons_to_confirm(
        cast, web_client, guardian_p, paid_contract, art_staff):
    # Given P's paid art contract (10 × 100 yuan) with one lesson delivered 2 days ago
    lesson = deliver(art_staff, paid_contract, days_ago=2)
    # When P's guardian opens the funds page
    response = web_client(guardian_p).get(MINE)
    # Then P's card shows the contract, the 1,000 yuan still held and the lesson to confirm
    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="child-{cast.pupil_p.pk}"' in html
    assert f'id="contract-{paid_contract.pk}"' in html
    assert "甲区彩虹美术培训中心" in html and "少儿素描" in html
    assert "100.00 元" in html and "1000.00 元" in html
    assert f'id="held-{cast.pupil_p.pk}">1000.00 元' in html
    assert f'id="lesson-{lesson.pk}"' in html and confirm_url(lesson) in html
    auto_on = timezone.localdate() + dt.timedelta(days=5)
    assert f"{auto_on:%Y-%m-%d} 起自动确认" in html
    # with the explanation of custody, 一课一消 and the 7-day window, and a refund link
    assert "监管专用账户" in html and "一课一消" in html and "7 天" in html
    assert refund_url(paid_contract) in html
    # and nothing of another family
    assert cast.pupil_q.name not in html


def test_a_family_without_contracts_sees_an_empty_card(cast, web_client, guardian_q):
    html = web_client(guardian_q).get(MINE).content.decode()
    assert f'id="child-{cast.pupil_q.pk}"' in html and "还没有培训合同" in html
    assert cast.pupil_p.name not in html


def test_overview_queries_stay_flat(cast, web_client, guardian_p, paid_contract, art_staff,
                                    django_assert_max_num_queries):
    for _ in range(3):
        deliver(art_staff, paid_contract)
    client = web_client(guardian_p)
    with django_assert_max_num_queries(20):
        assert client.get(MINE).status_code == 200


# ---- confirming lessons ---------------------------------------------------------------------

def test_guardian_confirms_a_lesson_and_htmx_swaps_one_row(cast, web_client, guardian_p,
                                                          paid_contract, art_staff):
    lesson = deliver(art_staff, paid_contract)
    # When P's guardian taps 确认 (HTMX)
    response = web_client(guardian_p).post(confirm_url(lesson), {"next": MINE}, **HTMX)
    # Then only the lesson's row comes back, confirmed, naming the amount released
    assert response.status_code == 200
    html = response.content.decode().strip()
    assert html.startswith(f'<tr id="lesson-{lesson.pk}">') and html.endswith("</tr>")
    assert "已确认" in html and "100.00 元已拨付给机构" in html
    # and one lesson's value moved from custody to the institution
    lesson.refresh_from_db()
    paid_contract.refresh_from_db()
    assert lesson.status == Lesson.Status.CONFIRMED and lesson.confirmed_by == cast.guardian_p
    assert (paid_contract.lessons_consumed, paid_contract.lessons_pending) == (1, 0)
    assert Posting.objects.get(kind=Posting.Kind.RELEASE).amount_fen == 10_000
    assert_consistent()


def test_confirm_without_htmx_returns_to_the_page_with_a_message(cast, web_client, guardian_p,
                                                                 paid_contract, art_staff):
    lesson = deliver(art_staff, paid_contract)
    client = web_client(guardian_p)
    response = client.post(confirm_url(lesson), {"next": contract_url(paid_contract)})
    assert response.status_code == 302 and response["Location"] == contract_url(paid_contract)
    html = client.get(response["Location"]).content.decode()
    assert "已确认少儿素描第 1 课，100.00 元拨付给机构" in html


def test_a_lesson_confirmed_twice_is_refused_in_its_row(cast, web_client, guardian_p,
                                                       paid_contract, art_staff):
    lesson = deliver(art_staff, paid_contract)
    services.confirm_lesson(actor=fresh(guardian_p), lesson=lesson)
    response = web_client(guardian_p).post(confirm_url(lesson), **HTMX)
    assert response.status_code == 200
    assert "该课时已确认或已作废" in response.content.decode()
    assert Posting.objects.filter(kind=Posting.Kind.RELEASE).count() == 1


def test_a_frozen_account_refuses_confirmation_with_a_message(cast, web_client, guardian_p,
                                                             paid_contract, art_staff):
    lesson = deliver(art_staff, paid_contract)
    services.freeze_institution(actor=fresh(cast.supervisor), institution=paid_contract.institution,
                                reason="机构停业")
    client = web_client(guardian_p)
    response = client.post(confirm_url(lesson))
    assert response.status_code == 302
    assert "账户已冻结" in client.get(MINE).content.decode()
    assert not Posting.objects.filter(kind=Posting.Kind.RELEASE).exists()


def test_only_the_childs_guardian_confirms(cast, web_client, guardian_q, art_staff,
                                          institution_staff, supervisor, paid_contract):
    lesson = deliver(art_staff, paid_contract)
    # Another family: the lesson looks missing; staff and supervision: not theirs to confirm
    assert web_client(guardian_q).post(confirm_url(lesson)).status_code == 404
    assert web_client(art_staff).post(confirm_url(lesson)).status_code == 403
    assert web_client(supervisor).post(confirm_url(lesson)).status_code == 403
    lesson.refresh_from_db()
    assert lesson.status == Lesson.Status.PENDING


# ---- the contract page ------------------------------------------------------------------------

def test_contract_page_lists_lessons_and_the_money_movements(cast, web_client, guardian_p,
                                                            paid_contract, art_staff):
    # Given a deposit, one confirmed lesson, one pending, and a refund of the other eight
    first = deliver(art_staff, paid_contract)
    services.confirm_lesson(actor=fresh(guardian_p), lesson=first)
    second = deliver(art_staff, paid_contract)
    services.request_refund(actor=fresh(guardian_p), contract=paid_contract)
    # When P's guardian opens the contract
    html = web_client(guardian_p).get(contract_url(paid_contract)).content.decode()
    # Then both lessons with their state, and deposit, release and refund with their amounts
    assert f'id="lesson-{first.pk}"' in html and f'id="lesson-{second.pk}"' in html
    assert "已确认" in html and "待确认" in html
    for text in ("家长缴费存入", "1000.00 元", "课消拨付", "100.00 元", "退费", "800.00 元"):
        assert text in html, text
    # the pending lesson is still held (100 yuan) and the contract is refunded
    assert 'id="held">100.00 元' in html and "已退费" in html
    # and no ledger account codes leak into the family's page
    assert "contract:" not in html and "institution:" not in html


def test_unpaid_contract_shows_payment_instructions(cast, web_client, guardian_p, art_course,
                                                   art_account):
    contract = sign(guardian_p, cast.pupil_p, art_course, lessons=5)
    html = web_client(guardian_p).get(contract_url(contract)).content.decode()
    assert "待付款" in html and 'id="payment"' in html and "500.00 元" in html
    assert "示例银行甲区支行" in html and "6222000000000001" in html


def test_contract_page_is_the_familys_only(cast, web_client, guardian_q, art_staff, supervisor,
                                          bank, paid_contract):
    url = contract_url(paid_contract)
    assert web_client(guardian_q).get(url).status_code == 404
    assert web_client(art_staff).get(url).status_code == 403
    assert web_client(supervisor).get(url).status_code == 403
    assert web_client(bank).get(url).status_code == 403
    assert web_client(guardian_q).get(reverse("funds:contract", args=[10**6])).status_code == 404


# ---- refunds (PF-13) ------------------------------------------------------------------------

def test_refund_shows_the_amount_then_refunds_every_undelivered_lesson(
        cast, web_client, guardian_p, paid_contract, art_staff):
    deliver(art_staff, paid_contract)  # delivered, awaiting confirmation: stays held
    client = web_client(guardian_p)
    # When the guardian opens 申请退费
    html = client.get(refund_url(paid_contract)).content.decode()
    # Then the confirmation shows 9 lessons, 900 yuan, and that the pending lesson stays held
    assert 'id="refund-amount">900.00 元' in html and "待确认的 1 个课时" in html
    # When they confirm the amount shown
    response = client.post(refund_url(paid_contract), {"amount_fen": "90000"})
    # Then 900 yuan is refunded and the contract ends
    assert response.status_code == 302 and response["Location"] == contract_url(paid_contract)
    assert "已退费 900.00 元" in client.get(response["Location"]).content.decode()
    paid_contract.refresh_from_db()
    assert (paid_contract.status, paid_contract.lessons_refunded) == ("refunded", 9)
    assert Posting.objects.get(kind=Posting.Kind.REFUND).amount_fen == 90_000
    assert_consistent()


def test_refund_with_an_amount_that_changed_shows_the_new_one_and_refunds_nothing(
        cast, web_client, guardian_p, paid_contract, art_staff):
    client = web_client(guardian_p)
    # Given the guardian saw 1,000 yuan, and a lesson was recorded meanwhile
    deliver(art_staff, paid_contract)
    response = client.post(refund_url(paid_contract), {"amount_fen": "100000"})
    # Then the page shows the new amount again and nothing is refunded
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="amount-changed"' in html and "900.00 元" in html
    assert not Posting.objects.filter(kind=Posting.Kind.REFUND).exists()


def test_a_refunded_contract_cannot_be_refunded_again(cast, web_client, guardian_p,
                                                     paid_contract):
    services.request_refund(actor=fresh(guardian_p), contract=paid_contract)
    client = web_client(guardian_p)
    assert 'id="no-refund"' in client.get(refund_url(paid_contract)).content.decode()
    response = client.post(refund_url(paid_contract), {"amount_fen": "0"})
    assert response.status_code == 302
    assert "不能退费" in client.get(response["Location"]).content.decode()
    assert Posting.objects.filter(kind=Posting.Kind.REFUND).count() == 1


def test_refund_is_the_familys_only(cast, web_client, guardian_q, art_staff, paid_contract):
    assert web_client(guardian_q).get(refund_url(paid_contract)).status_code == 404
    assert web_client(guardian_q).post(refund_url(paid_contract),
                                       {"amount_fen": "100000"}).status_code == 404
    assert web_client(art_staff).post(refund_url(paid_contract),
                                      {"amount_fen": "100000"}).status_code == 403
    assert not Posting.objects.filter(kind=Posting.Kind.REFUND).exists()


# ---- courses and signing ----------------------------------------------------------------------

@pytest.fixture
def other_courses(cast, supervisor, bureau_admin_b):
    """A published course of an approved district-A institution without a supervised account,
    and one of a district-B institution with an account: neither is offered to P."""
    no_account = Institution.objects.create(
        bureau=cast.district_a, name="甲区无账户舞蹈中心", credit_code=new_code(), category="art",
        licence_status="permit_and_licence", status="approved")
    in_b = Institution.objects.create(
        bureau=cast.district_b, name="乙区书法学校", credit_code=new_code(), category="art",
        licence_status="permit_and_licence", status="approved")
    courses = []
    for inst in (no_account, in_b):
        staff = _staff_login(f"staff_{inst.pk}", inst)
        courses.append(inst_services.add_course(
            actor=staff, institution=inst, name=f"{inst.name}课程", subject="art",
            mode="offline", grades=[4], class_size=12, lesson_minutes=60, lessons=10,
            price_per_lesson_fen=8000, content_summary="艺术"))
    services.open_account(actor=fresh(bureau_admin_b), institution=in_b, bank_name="乙区银行",
                          account_number="6222000000000009")
    return courses


def test_course_list_offers_the_childs_district_courses_with_accounts(
        cast, web_client, guardian_p, art_course, art_account, other_courses):
    html = web_client(guardian_p).get(reverse("funds:courses")).content.decode()
    assert f'id="course-{art_course.pk}"' in html
    assert f"{SIGN}?course={art_course.pk}" in html
    for course in other_courses:
        assert f'id="course-{course.pk}"' not in html


def test_course_list_searches_by_institution_name_and_category(
        cast, web_client, guardian_p, art_course, art_account, maths_course, subject_account):
    client = web_client(guardian_p)
    url = reverse("funds:courses")
    by_name = client.get(url, {"q": "学思"}).content.decode()
    assert f'id="course-{maths_course.pk}"' in by_name
    assert f'id="course-{art_course.pk}"' not in by_name
    art = client.get(url, {"category": "art"}).content.decode()
    assert f'id="course-{art_course.pk}"' in art and f'id="course-{maths_course.pk}"' not in art
    subject = client.get(url, {"category": "subject"}).content.decode()
    assert f'id="course-{maths_course.pk}"' in subject
    assert f'id="course-{art_course.pk}"' not in subject


def test_course_list_queries_stay_flat(cast, web_client, guardian_p, art_course, odd_course,
                                      art_account, maths_course, subject_account,
                                      django_assert_max_num_queries):
    client = web_client(guardian_p)
    with django_assert_max_num_queries(12):
        html = client.get(reverse("funds:courses")).content.decode()
    assert all(f'id="course-{c.pk}"' in html for c in (art_course, odd_course, maths_course))


def test_sign_form_offers_only_the_childs_district_courses(cast, web_client, guardian_p,
                                                          art_course, art_account,
                                                          other_courses):
    html = web_client(guardian_p).get(SIGN, {"course": art_course.pk}).content.decode()
    assert f'<option value="{art_course.pk}" selected>' in html
    assert f'<option value="{cast.pupil_p.pk}" selected>' in html
    # the dates in the ISO form <input type="date"> reads, starting today
    assert f'name="start" value="{timezone.localdate():%Y-%m-%d}"' in html
    for course in other_courses:
        assert f'<option value="{course.pk}"' not in html


def test_guardian_signs_and_sees_the_contract_awaiting_payment(cast, web_client, guardian_p,
                                                              art_course, art_account):
    client = web_client(guardian_p)
    # When P's guardian signs for 10 lessons (the price is the published one)
    response = client.post(SIGN, sign_form(cast.pupil_p, art_course))
    # Then the contract awaits payment at 10 × 100 yuan, and its page shows how to pay
    contract = Contract.objects.get()
    assert response.status_code == 302 and response["Location"] == contract_url(contract)
    assert (contract.status, contract.total_fen, contract.guardian) == (
        "awaiting_payment", 100_000, cast.guardian_p)
    html = client.get(response["Location"]).content.decode()
    assert "待付款" in html and "1000.00 元" in html and "6222000000000001" in html


def _licence_only(cast, course):
    Institution.objects.filter(pk=course.institution_id).update(licence_status="licence_only")


def _blacklist(cast, course):
    inst_services.add_to_list(actor=fresh(cast.supervisor), institution=course.institution,
                              kind="black", reason="虚假宣传")


def _red_card(cast, course):
    inst_services.issue_card(actor=fresh(cast.supervisor), institution=course.institution,
                             colour="red", reason="违规收费")


def _lower_guide_price(cast, course):
    inst_services.set_guide_price(actor=fresh(cast.bureau_admin), bureau=cast.district_a,
                                  mode="offline", band="medium", base_price_fen=4000)


@pytest.mark.parametrize("course_key, fields, before, code", [
    ("art", {"lessons": 61}, None, "PF-6"),
    ("art", {"end": str(END + dt.timedelta(days=1))}, None, "PF-6"),
    ("art", {"payment_method": "loan"}, None, "PF-7"),
    ("art", {"lessons": 51}, None, "TP-6"),
    ("maths", {}, _lower_guide_price, "TP-1"),
    ("art", {}, _licence_only, "TI-13"),
    ("art", {}, _blacklist, "TI-13"),
    ("maths", {}, _red_card, "TI-13"),
], ids=["over-60-lessons", "over-3-months", "training-loan", "non-subject-over-5000",
        "over-guide-price", "licence-only", "black-listed", "red-card"])
def test_sign_refusals_show_the_rule_id_and_save_nothing(cast, web_client, guardian_p, art_course,
                                                         art_account, maths_course,
                                                         subject_account, course_key, fields,
                                                         before, code):
    course = {"art": art_course, "maths": maths_course}[course_key]
    if before:
        before(cast, course)
    # When P's guardian signs a contract breaking the rule
    response = web_client(guardian_p).post(SIGN, sign_form(cast.pupil_p, course, **fields))
    # Then the form comes back with the refusal and its rule id, and nothing is saved
    assert response.status_code == 200
    assert f"（{code}）" in response.content.decode()
    assert not Contract.objects.exists()


def test_a_course_of_another_district_is_refused(cast, web_client, guardian_p, art_course,
                                                art_account, other_courses):
    response = web_client(guardian_p).post(SIGN, sign_form(cast.pupil_p, other_courses[1]))
    assert response.status_code == 200 and "请从列表中选择课程" in response.content.decode()
    assert not Contract.objects.exists()


def test_guardian_cannot_sign_for_another_familys_child(cast, web_client, guardian_p, art_course,
                                                       art_account):
    # Given the form offers P only; when a forged request names Q
    response = web_client(guardian_p).post(SIGN, sign_form(cast.pupil_q, art_course))
    # Then the choice is refused on the form and nothing is saved
    html = response.content.decode()
    assert response.status_code == 200 and '<ul class="errors">' in html
    assert f'<option value="{cast.pupil_q.pk}"' not in html
    assert not Contract.objects.exists()


@pytest.mark.parametrize("actor", ["institution_staff", "guardian_nobody", "principal",
                                   "teacher_a", "supervisor", "bank"])
def test_only_guardians_use_the_family_pages(request, web_client, actor):
    client = web_client(request.getfixturevalue(actor))
    for url in (MINE, SIGN, reverse("funds:courses")):
        assert client.get(url).status_code == 403, (actor, url)


# ---- the institution's page -------------------------------------------------------------------

def test_institution_page_shows_summary_sales_pending_and_this_months_releases(
        cast, web_client, guardian_p, paid_contract, art_staff, art_course):
    # Given P's paid contract with one lesson confirmed and one pending, and an unpaid one
    first = deliver(art_staff, paid_contract)
    services.confirm_lesson(actor=fresh(guardian_p), lesson=first)
    pending = deliver(art_staff, paid_contract)
    unpaid = sign(guardian_p, cast.pupil_p, art_course, lessons=3)
    # When the institution's staff open their funds page
    response = web_client(art_staff).get(INSTITUTION)
    assert response.status_code == 200
    html = response.content.decode()
    # Then the ledger's figures, the pending confirmation and both contracts
    assert 'id="held">900.00 元' in html and 'id="released">100.00 元' in html
    assert 'id="unconsumed">900.00 元' in html
    assert 'id="month-releases">1 课时，100.00 元' in html
    assert f'id="pending-lesson-{pending.pk}"' in html
    assert f'id="contract-{paid_contract.pk}"' in html and f'id="contract-{unpaid.pk}"' in html
    # with 记录上课 for the active contract only, and the pupil's name but no ID number
    assert record_url(paid_contract) in html and record_url(unpaid) not in html
    assert cast.pupil_p.name in html and cast.pupil_p.id_number not in html
    # and the summary's warnings with their rule ids (here: no reserve paid in, PF-11)
    assert "风险保证金 0.00 元 低于最低要求" in html and "（PF-11）" in html


def test_institution_sales_filter_by_status(cast, web_client, guardian_p, paid_contract,
                                            art_staff, art_course):
    unpaid = sign(guardian_p, cast.pupil_p, art_course, lessons=3)
    html = web_client(art_staff).get(INSTITUTION, {"status": "awaiting_payment"}).content.decode()
    assert f'id="contract-{unpaid.pk}"' in html
    assert f'id="contract-{paid_contract.pk}"' not in html


def test_institution_page_queries_stay_flat(cast, guardian_p, art_staff, art_course, bank,
                                            web_client, art_account,
                                            django_assert_max_num_queries):
    for _ in range(5):
        contract = sign(guardian_p, cast.pupil_p, art_course, lessons=3)
        pay(bank, contract)
        deliver(art_staff, contract)
    client = web_client(art_staff)
    with django_assert_max_num_queries(27):
        assert client.get(INSTITUTION).status_code == 200


def test_staff_record_a_lesson_and_htmx_swaps_the_contract_row(cast, web_client, art_staff,
                                                              paid_contract):
    response = web_client(art_staff).post(record_url(paid_contract), **HTMX)
    assert response.status_code == 200
    html = response.content.decode().strip()
    assert html.startswith(f'<tr id="contract-{paid_contract.pk}">')
    assert "已记录第 1 课，待家长确认" in html
    lesson = Lesson.objects.get()
    assert (lesson.contract, lesson.status, lesson.recorded_by) == (
        paid_contract, Lesson.Status.PENDING, art_staff)
    paid_contract.refresh_from_db()
    assert paid_contract.lessons_pending == 1
    assert_consistent()


def test_recording_a_lesson_without_htmx_redirects_with_a_message(cast, web_client, art_staff,
                                                                 paid_contract):
    client = web_client(art_staff)
    response = client.post(record_url(paid_contract))
    assert response.status_code == 302
    assert "已记录张小明的第 1 课" in client.get(response["Location"]).content.decode()


def test_an_unpaid_contract_gets_no_lesson(cast, web_client, art_staff, guardian_p, art_course,
                                           art_account):
    unpaid = sign(guardian_p, cast.pupil_p, art_course, lessons=3)
    response = web_client(art_staff).post(record_url(unpaid), **HTMX)
    assert response.status_code == 200 and "合同未在履行中" in response.content.decode()
    assert not Lesson.objects.exists()


def test_only_the_contracts_institution_records_lessons(cast, web_client, paid_contract,
                                                       institution_staff, guardian_p,
                                                       supervisor, bank):
    url = record_url(paid_contract)
    assert web_client(institution_staff).post(url).status_code == 404  # another institution
    assert web_client(guardian_p).post(url).status_code == 403
    assert web_client(supervisor).post(url).status_code == 403
    assert web_client(bank).post(url).status_code == 403
    assert not Lesson.objects.exists()


@pytest.mark.parametrize("actor", ["guardian_p", "guardian_nobody", "principal", "teacher_a",
                                   "supervisor", "bureau_admin", "inspector", "bank"])
def test_institution_pages_are_refused_to_everyone_else(request, web_client, actor):
    client = web_client(request.getfixturevalue(actor))
    for url in (INSTITUTION, reverse("funds:institution-export")):
        assert client.get(url).status_code == 403, (actor, url)


def test_another_institution_looks_missing(cast, web_client, art_staff, institution_staff,
                                           art_inst):
    client = web_client(institution_staff)
    assert client.get(INSTITUTION, {"institution": art_inst.pk}).status_code == 404
    assert client.get(INSTITUTION, {"institution": "x"}).status_code == 404
    assert client.get(INSTITUTION, {"institution": cast.institution_1.pk}).status_code == 200


def test_export_lists_the_contracts_with_pupil_names_only(cast, web_client, art_staff,
                                                          paid_contract, guardian_p):
    # When the staff export their contracts
    response = web_client(art_staff).get(reverse("funds:institution-export"))
    # Then an Excel book with one row per contract, the pupil's name and no ID number or phone
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [[c for c in row] for row in sheet.iter_rows(values_only=True)]
    assert rows[1][:3] == ["合同编号", "学生姓名", "课程"]
    data = rows[2]
    assert data[:4] == [paid_contract.pk, "张小明", "少儿素描", 10]
    assert [float(v) for v in data[8:11]] == [100.0, 1000.0, 1000.0]
    cells = " ".join(str(c) for row in rows for c in row if c is not None)
    assert cast.pupil_p.id_number not in cells and "13812345678" not in cells
