"""The supervision section's institution pages through the web client: the registry and its
filters, the ledger, applications, cards (TI-13), lists, the risk view and its export, the
teacher-match leads (TT-2) and the guide prices (TP-1..TP-3)."""

import datetime as dt
import io
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from conftest import fresh, make_id_number
from core.masking import mask_id_number
from institutions import services
from institutions.models import (
    Card,
    GuidePrice,
    Institution,
    InstitutionVersion,
    ListEntry,
    TeacherMatch,
)
from institutions.tests.conftest import new_code
from org.models import RoleAssignment, User
from org.roles import Role


@pytest.fixture(autouse=True)
def _today(pinned_today):
    return pinned_today


def listed(response):
    """Primary keys of the institutions in the registry table."""
    return {int(pk) for pk in re.findall(r'id="institution-(\d+)"', response.content.decode())}


def messages_of(response):
    return [str(m) for m in response.context["messages"]]


# ---- the registry ------------------------------------------------------------------------------

def test_registry_filters_by_licence_status_kind_status_and_search(
        cast, supervisor, inspector, web_client, subject_inst, art_inst,
        django_assert_max_num_queries):
    # Given district A's institutions: I1 and I2 of the cast (非学科类, 有证有照 / 有照无证), an
    # approved subject-type and an art institution, one found in an inspection and one applying
    found = services.register_institution(actor=inspector, bureau=cast.district_a, found=True,
                                          name="无证托管班", category="other")
    applying = services.register_institution(actor=supervisor, bureau=cast.district_a,
                                             name="甲区跃动体育", credit_code=new_code(),
                                             category="sport")
    client = web_client(supervisor)
    url = reverse("institutions:index")
    # When the supervisor opens the registry without filters
    with django_assert_max_num_queries(12):
        everything = client.get(url)
    # Then every institution of the district is listed
    assert listed(everything) == {cast.institution_1.pk, cast.institution_2.pk, subject_inst.pk,
                                  art_inst.pk, found.pk, applying.pk}
    # and each filter narrows the table
    assert listed(client.get(url, {"licence_status": "licence_only"})) == {cast.institution_2.pk,
                                                                           applying.pk}
    assert listed(client.get(url, {"licence_status": "neither"})) == {found.pk}
    assert listed(client.get(url, {"kind": "subject"})) == {subject_inst.pk}
    assert subject_inst.pk not in listed(client.get(url, {"kind": "non_subject"}))
    assert listed(client.get(url, {"status": "found"})) == {found.pk}
    assert listed(client.get(url, {"status": "applying"})) == {applying.pk}
    assert listed(client.get(url, {"q": art_inst.credit_code})) == {art_inst.pk}
    assert listed(client.get(url, {"q": "彩虹"})) == {art_inst.pk}
    # and an unknown filter value filters nothing instead of failing
    assert len(listed(client.get(url, {"status": "nonsense"}))) == 6


def test_registry_shows_cards_lists_and_suspended_enrolment(cast, supervisor, web_client,
                                                            art_inst):
    services.issue_card(actor=supervisor, institution=art_inst, colour="red", reason="无证办学点")
    services.add_to_list(actor=supervisor, institution=art_inst, kind="black", reason="屡查屡犯")
    response = web_client(supervisor).get(reverse("institutions:index"), {"flag": "black"})
    assert listed(response) == {art_inst.pk}
    row = re.search(rf'id="institution-{art_inst.pk}">(.*?)</tr>', response.content.decode(),
                    re.S).group(1)
    assert "红牌 1" in row and "黑名单" in row and "暂停招生" in row


def test_institution_staff_are_sent_to_their_own_page(institution_staff, web_client):
    response = web_client(institution_staff).get(reverse("institutions:index"))
    assert response.status_code == 302
    assert response["Location"] == "/institutions/mine/"


def test_another_districts_admin_sees_none_of_district_a(cast, bureau_admin_b, web_client):
    response = web_client(bureau_admin_b).get(reverse("institutions:index"))
    assert response.status_code == 200 and listed(response) == set()


# ---- one institution and its ledger ------------------------------------------------------------

def _change_data(inst, **extra):
    return {"name": inst.name, "credit_code": inst.credit_code, "mode": inst.mode,
            "licence_status": inst.licence_status, "category": inst.category, **extra}


def test_detail_shows_the_ledger_row_of_a_change(cast, supervisor, web_client):
    # Given I2 (有照无证) and the supervisor
    inst = cast.institution_2
    client = web_client(supervisor)
    # When they record its new permit, with a reason
    response = client.post(reverse("institutions:change", args=[inst.pk]), _change_data(
        inst, licence_status="permit_and_licence", school_permit_no="教民1410402020号",
        reason="已取得办学许可证"))
    assert response.status_code == 302, response.content.decode()[:2000]
    # Then the ledger has a new version with who, what and why
    version = InstitutionVersion.objects.get(institution=inst, event="changed")
    assert version.changes["licence_status"] == ["licence_only", "permit_and_licence"]
    assert set(version.changes) == {"licence_status", "school_permit_no"}
    page = client.get(reverse("institutions:detail", args=[inst.pk])).content.decode()
    row = re.search(rf'id="version-{version.version}">(.*?)</tr>', page, re.S).group(1)
    assert "变更机构信息" in row and "证照状态：有照无证 → 有证有照" in row
    assert "已取得办学许可证" in row and "监管科" in row


def test_a_change_without_a_reason_is_refused_on_the_form(cast, supervisor, web_client):
    inst = cast.institution_2
    response = web_client(supervisor).post(reverse("institutions:change", args=[inst.pk]),
                                           _change_data(inst, phone="0372-5550199"))
    assert response.status_code == 200
    assert "请填写变更原因" in str(response.context["form"].errors["reason"])
    inst.refresh_from_db()
    assert inst.phone == "" and not InstitutionVersion.objects.filter(institution=inst).exists()


def test_detail_shows_licences_staff_share_and_fees_in_yuan(
        cast, supervisor, web_client, subject_inst, subject_staff, guide_prices):
    services.change_institution(actor=supervisor, institution=subject_inst,
                                licence_valid_until=dt.date(2026, 12, 10), reason="年检核对")
    teacher_id = make_id_number(201, birth="19900101")
    services.add_staff(actor=subject_staff, institution=subject_inst, name="王某",
                       id_number=teacher_id, kind="teaching",
                       teacher_certificate_no="20204100000009", subjects=["maths"])
    services.add_staff(actor=subject_staff, institution=subject_inst, name="赵某",
                       id_number=make_id_number(202, birth="19900202"), kind="other",
                       full_time=False)
    services.add_course(actor=subject_staff, institution=subject_inst, name="初一数学",
                        subject="maths", mode="offline", grades=[7], class_size=20,
                        lesson_minutes=45, price_per_lesson_fen=6550, lessons=10,
                        content_summary="同步巩固")
    page = web_client(supervisor).get(reverse("institutions:detail", args=[subject_inst.pk]))
    html = page.content.decode()
    assert "17 天后到期" in html  # the business licence, within the 60-day reminder window
    assert mask_id_number(teacher_id) in html and teacher_id not in html
    assert re.search(r"专职教学、教研人员 1 / 2 人（50%）", html)
    assert "65.50 元" in html and "655.00 元" in html


# ---- applications ------------------------------------------------------------------------------

@pytest.fixture
def application(cast, institution_staff):
    """A sports institution applying to district A (an applicant of the cast)."""
    return services.register_institution(actor=institution_staff, bureau=cast.district_a,
                                         name="甲区跃动体育培训中心", credit_code=new_code(),
                                         category="sport")


def test_approving_an_application(supervisor, web_client, application):
    client = web_client(supervisor)
    page = client.get(reverse("institutions:applications")).content.decode()
    assert f'id="application-{application.pk}"' in page
    response = client.post(reverse("institutions:review", args=[application.pk]), {
        "decision": "approve", "school_permit_no": "教民1410402030号",
        "permit_valid_until": "2029-06-30"})
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == Institution.Status.APPROVED
    assert application.school_permit_no == "教民1410402030号"
    assert application.permit_valid_until == dt.date(2029, 6, 30)
    assert application.versions.filter(event="reviewed").exists()
    page = client.get(reverse("institutions:applications")).content.decode()
    assert f'id="application-{application.pk}"' not in page


def test_rejecting_an_application_needs_a_reason(supervisor, web_client, application):
    client = web_client(supervisor)
    url = reverse("institutions:review", args=[application.pk])
    response = client.post(url, {"decision": "reject", "note": ""})
    assert response.status_code == 200
    assert "不予批准须说明理由" in response.content.decode()
    application.refresh_from_db()
    assert application.status == Institution.Status.APPLYING
    response = client.post(url, {"decision": "reject", "note": "场地消防不合格"})
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == Institution.Status.REJECTED


def test_approving_a_banned_kind_shows_the_rule(cast, supervisor, web_client):
    # Given a subject-type application for compulsory-education pupils (filed before the ban;
    # the service refuses such applications now, so it is made directly)
    legacy = Institution.objects.create(
        bureau=cast.district_a, name="甲区老学科申请", credit_code=new_code(), subject_type=True,
        serves_compulsory=True, licence_status="licence_only", status="applying")
    client = web_client(supervisor)
    assert "TI-1" in client.get(reverse("institutions:applications")).content.decode()
    response = client.post(reverse("institutions:review", args=[legacy.pk]), {
        "decision": "approve", "school_permit_no": "教民1410402031号"})
    assert response.status_code == 200
    assert "（TI-1）" in response.content.decode()
    legacy.refresh_from_db()
    assert legacy.status == Institution.Status.APPLYING


# ---- recording ---------------------------------------------------------------------------------

def test_an_inspector_records_an_institution_found_in_an_inspection(cast, inspector, web_client):
    response = web_client(inspector).post(reverse("institutions:record"), {
        "bureau": cast.district_a.pk, "name": "某小区无证托管班", "category": "other",
        "mode": "offline", "address": "甲区幸福路 1 号", "school_permit_no": "教民1410402040号"})
    assert response.status_code == 302
    found = Institution.objects.get(name="某小区无证托管班")
    # Inspectors record what they find: never an approved institution
    assert found.status == Institution.Status.FOUND
    assert found.licence_status == Institution.LicenceStatus.NEITHER
    assert found.versions.get().event == "found"


def test_the_supervisor_records_a_licensed_institution(cast, supervisor, web_client):
    response = web_client(supervisor).post(reverse("institutions:record"), {
        "bureau": cast.district_a.pk, "name": "甲区启明书法", "category": "art",
        "mode": "offline", "credit_code": new_code(), "school_permit_no": "教民1410402041号"})
    assert response.status_code == 302
    inst = Institution.objects.get(name="甲区启明书法")
    assert inst.status == Institution.Status.APPROVED
    assert response["Location"] == reverse("institutions:detail", args=[inst.pk])


# ---- cards and lists (TI-13) -------------------------------------------------------------------

def test_two_yellow_cards_show_a_red_card_and_suspended_enrolment(supervisor, web_client,
                                                                  art_inst):
    client = web_client(supervisor)
    url = reverse("institutions:card-issue", args=[art_inst.pk])
    client.post(url, {"colour": "yellow", "reason": "超时培训", "rule": "TS-3"})
    response = client.post(url, {"colour": "yellow", "reason": "未公示收费", "rule": "TP-5"},
                           follow=True)
    assert response.status_code == 200
    html = response.content.decode()
    red = Card.objects.get(institution=art_inst, colour="red")
    assert f'id="card-{red.pk}"' in html and 'id="suspended"' in html
    assert "暂停招生" in " ".join(messages_of(response))
    art_inst.refresh_from_db()
    assert art_inst.enrolment_suspended
    # and the registry shows the red card, not the two yellow ones it replaced
    registry = client.get(reverse("institutions:index")).content.decode()
    row = re.search(rf'id="institution-{art_inst.pk}">(.*?)</tr>', registry, re.S).group(1)
    assert "红牌 1" in row and "黄牌" not in row and "暂停招生" in row


def test_a_card_without_a_reason_is_refused_on_the_form(supervisor, web_client, art_inst):
    response = web_client(supervisor).post(
        reverse("institutions:card-issue", args=[art_inst.pk]), {"colour": "yellow"})
    assert response.status_code == 200
    assert "请填写事由" in str(response.context["card_form"].errors["reason"])
    assert not Card.objects.exists()


def test_revoking_a_card_needs_a_reason(supervisor, web_client, art_inst):
    card = services.issue_card(actor=supervisor, institution=art_inst, colour="red",
                               reason="无证办学点")
    client = web_client(supervisor)
    url = reverse("institutions:card-revoke", args=[card.pk])
    response = client.post(url, {"reason": " "}, follow=True)
    assert "撤销须记录原因" in " ".join(messages_of(response))
    card.refresh_from_db()
    assert card.revoked_at is None
    response = client.post(url, {"reason": "复核后撤销"}, follow=True)
    card.refresh_from_db()
    art_inst.refresh_from_db()
    assert card.revoked_at is not None and card.revoke_reason == "复核后撤销"
    assert not art_inst.enrolment_suspended
    assert "已撤销（复核后撤销）" in response.content.decode()


def test_adding_to_the_black_list_removes_the_white_list_entry(supervisor, web_client,
                                                               art_inst):
    client = web_client(supervisor)
    url = reverse("institutions:list-add", args=[art_inst.pk])
    assert client.post(url, {"kind": "white", "reason": "合规经营"}).status_code == 302
    white = ListEntry.objects.get(institution=art_inst, kind="white")
    response = client.post(url, {"kind": "black", "reason": "屡查屡犯"}, follow=True)
    white.refresh_from_db()
    assert white.removed_at is not None and white.removed_reason == "列入黑名单"
    assert list(ListEntry.objects.current().filter(institution=art_inst)
                .values_list("kind", flat=True)) == ["black"]
    row = re.search(rf'id="list-entry-{white.pk}">(.*?)</tr>', response.content.decode(),
                    re.S).group(1)
    assert "列入黑名单" in row


def test_the_white_list_refusal_shows_its_rule(cast, supervisor, web_client):
    # I2 holds a business licence but no permit (有照无证)
    response = web_client(supervisor).post(
        reverse("institutions:list-add", args=[cast.institution_2.pk]),
        {"kind": "white", "reason": "申请列入"})
    assert response.status_code == 200
    assert "（TI-13）" in str(response.context["list_form"].errors["kind"])
    assert not ListEntry.objects.exists()


def test_removing_from_a_list_needs_a_reason(supervisor, web_client, art_inst):
    entry = services.add_to_list(actor=supervisor, institution=art_inst, kind="negative",
                                 reason="虚假宣传")
    client = web_client(supervisor)
    url = reverse("institutions:list-remove", args=[entry.pk])
    response = client.post(url, {"reason": ""}, follow=True)
    assert "移出名单须记录原因" in " ".join(messages_of(response))
    entry.refresh_from_db()
    assert entry.removed_at is None
    client.post(url, {"reason": "整改完成"})
    entry.refresh_from_db()
    assert entry.removed_reason == "整改完成"


def test_annual_review_is_recorded_once_a_year(supervisor, web_client, art_inst):
    client = web_client(supervisor)
    url = reverse("institutions:annual-review", args=[art_inst.pk])
    assert client.post(url, {"year": 2025, "result": "rectify", "note": "消防通道"}).status_code == 302
    response = client.post(url, {"year": 2025, "result": "pass"})
    assert response.status_code == 200
    assert "2025 年度已年检" in str(response.context["review_form"].errors["year"])
    assert art_inst.annual_reviews.get().result == "rectify"


# ---- risk --------------------------------------------------------------------------------------

def test_risk_page_sorts_by_score_and_charts_licence_classes(cast, supervisor, web_client,
                                                             art_inst, subject_inst,
                                                             django_assert_max_num_queries):
    services.issue_card(actor=supervisor, institution=art_inst, colour="red", reason="无证办学点")
    services.change_institution(actor=supervisor, institution=subject_inst,
                                permit_valid_until=dt.date(2026, 12, 31), reason="许可证换发")
    client = web_client(supervisor)
    with django_assert_max_num_queries(24):
        response = client.get(reverse("institutions:risk"))
    assert response.status_code == 200
    html = response.content.decode()
    order = [int(pk) for pk in re.findall(r'id="risk-(\d+)"', html)]
    assert order[0] == art_inst.pk  # red card: 4
    chart = response.context["chart"]
    assert chart["x"] == ["有证有照", "有照无证", "无照无证"]
    assert chart["series"][0]["data"] == [3, 1, 0]  # I1, art, subject / I2
    assert chart["series"][1]["data"] == [1, 0, 0]
    assert 'id="chart-licence"' in html and "<script>" not in html.replace(
        '<script id="chart-licence" type="application/json">', "")
    # the permit expiring within the reminder window is listed
    expiring = re.search(r'id="expiring">(.*?)</section>', html, re.S).group(1)
    assert subject_inst.name in expiring and "38 天后到期" in expiring
    ascending = client.get(reverse("institutions:risk"), {"sort": "score"}).content.decode()
    assert int(re.findall(r'id="risk-(\d+)"', ascending)[-1]) == art_inst.pk


def test_risk_export_is_a_valid_workbook(cast, supervisor, web_client, art_inst):
    services.issue_card(actor=supervisor, institution=art_inst, colour="yellow", reason="超时培训")
    response = web_client(supervisor).get(reverse("institutions:risk-export"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml")
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["风险视图", "证照到期"]
    rows = list(book["风险视图"].iter_rows(values_only=True))
    assert rows[0][0] == "机构名称" and rows[0][6] == "风险分"
    by_name = {r[0]: r for r in rows[1:]}
    assert set(by_name) == {cast.institution_1.name, cast.institution_2.name, art_inst.name}
    assert by_name[art_inst.name][9] == 1  # one yellow card
    assert by_name[cast.institution_2.name][7] == "有照无证"


# ---- teacher-match leads (TT-2) ----------------------------------------------------------------

def test_matches_page_lists_a_match_and_is_closed_with_a_note(
        cast, supervisor, web_client, subject_inst, subject_staff, django_assert_max_num_queries):
    # Given the institution registers a member of staff with teacher_a's ID number
    staff = services.add_staff(actor=subject_staff, institution=subject_inst, name="李某",
                               id_number=cast.teacher_a_profile.id_number, kind="teaching",
                               teacher_certificate_no="20204100000001", subjects=["maths"])
    match = TeacherMatch.objects.get(staff=staff)
    client = web_client(supervisor)
    # When the supervisor opens the leads
    with django_assert_max_num_queries(10):
        html = client.get(reverse("institutions:matches")).content.decode()
    # Then the staff member, the institution, the teacher and the school are listed
    row = re.search(rf'id="match-{match.pk}">(.*?)</tr>', html, re.S).group(1)
    for text in ("李某", subject_inst.name, cast.teacher_a_profile.name, cast.school_a1.name):
        assert text in row
    assert cast.teacher_a_profile.id_number not in html
    # and closing it needs a note
    url = reverse("institutions:match-close", args=[match.pk])
    response = client.post(url, {"decision": "confirm", "note": ""})
    assert response.status_code == 200 and "请填写核查说明" in response.content.decode()
    assert client.post(url, {"decision": "confirm", "note": "已核实，转师德师风"}).status_code == 302
    match.refresh_from_db()
    assert match.status == TeacherMatch.Status.CONFIRMED and match.closed_by == supervisor


def test_matches_are_forbidden_to_the_institution_and_inspectors(cast, subject_inst,
                                                                 subject_staff, inspector,
                                                                 web_client):
    services.add_staff(actor=subject_staff, institution=subject_inst, name="李某",
                       id_number=cast.teacher_a_profile.id_number, kind="teaching",
                       teacher_certificate_no="20204100000001", subjects=["maths"])
    assert web_client(subject_staff).get(reverse("institutions:matches")).status_code == 403
    assert web_client(inspector).get(reverse("institutions:matches")).status_code == 403


# ---- guide prices (TP-1..TP-3) -----------------------------------------------------------------

def test_guide_price_form_stores_fen(cast, bureau_admin, web_client):
    client = web_client(bureau_admin)
    response = client.post(reverse("institutions:guide-prices"), {
        "mode": "offline", "band": "medium", "base_price": "66.55", "document": "豫发改收费〔2021〕1号"})
    assert response.status_code == 302
    price = GuidePrice.objects.get(bureau=cast.district_a, mode="offline", band="medium")
    assert price.base_price_fen == 6655
    html = client.get(reverse("institutions:guide-prices")).content.decode()
    assert "66.55 元" in html and "73.20 元" in html  # +10 %: 7320.5 fen, floored


def test_guide_price_form_refuses_more_than_two_decimals(cast, bureau_admin, web_client):
    response = web_client(bureau_admin).post(reverse("institutions:guide-prices"), {
        "mode": "online", "band": "small", "base_price": "10.005"})
    assert response.status_code == 200 and response.context["form"].errors["base_price"]
    assert not GuidePrice.objects.exists()


def test_city_prices_are_inherited_and_inspectors_only_read(cast, inspector, web_client):
    # Given a price the city bureau set for online classes over 35 pupils
    city_admin = User.objects.create_user(username="city", name="市局管理员")
    RoleAssignment.objects.create(user=city_admin, role=Role.BUREAU_ADMIN, bureau=cast.city)
    fresh(city_admin)
    services.set_guide_price(actor=city_admin, bureau=cast.city, mode="online", band="large",
                             base_price_fen=2000)
    client = web_client(inspector)
    html = client.get(reverse("institutions:guide-prices")).content.decode()
    assert "20.00 元" in html and "示例市教育局（上级）" in html
    assert 'id="guide-price-form"' not in html
    response = client.post(reverse("institutions:guide-prices"), {
        "mode": "online", "band": "large", "base_price": "1.00"})
    assert response.status_code == 403
