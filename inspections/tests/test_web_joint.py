"""The joint enforcement pages through the web client (联合执法, IN-2): the operations of a year
with their outcome counts, chart and Excel export, creating an operation and its refusals, one
operation with its visits, recording a visit (a card issued through the institutions' rules,
TI-13) and its refusals, the institution search, and the denials."""

import datetime as dt
import io
import json
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from inspections import services
from inspections.models import JointOperation, JointVisit
from inspections.tests.test_web import ids, row
from institutions.models import Card, Institution

NOVEMBER = {"start": dt.date(2026, 11, 2), "end": dt.date(2026, 11, 20)}


def operation_data(**extra):
    data = {"title": "2026年秋季校外培训联合执法", "start": "2026-11-02", "end": "2026-11-20",
            "departments": ["education", "market", "fire"], "summary": ""}
    return {**data, **extra}


def visit_data(institution, **extra):
    data = {"institution": institution.pk, "visited_on": "2026-11-05", "outcome": "compliant",
            "findings": "", "card_colour": "", "institution_q": ""}
    return {**data, **extra}


def operation_url(operation):
    return reverse("inspections:operation", args=[operation.pk])


def error_codes(form):
    """{field: [codes]} of a bound form's errors (the rule id or field code of each)."""
    return {field: [e.code for e in errors] for field, errors in form.errors.as_data().items()}


@pytest.fixture
def operation(cast, supervisor):
    """District A's joint operation of November 2026 (education, market regulation, fire)."""
    return services.create_operation(actor=supervisor, bureau=cast.district_a,
                                     title="2026年秋季校外培训联合执法",
                                     departments=["education", "market", "fire"], **NOVEMBER)


# ---- the operations of a year ------------------------------------------------------------------

def test_supervisor_sees_the_years_operations_with_their_counts(
        cast, supervisor, operation, institutions_a, web_client, django_assert_max_num_queries):
    # Given November's operation with three visits (compliant, rectify, a yellow card)
    for institution, outcome, extra in [
            (institutions_a[0], "compliant", {}),
            (institutions_a[1], "rectify", {"findings": "未公示收费标准"}),
            (institutions_a[2], "card", {"findings": "消防通道堵塞", "card_colour": "yellow"})]:
        services.record_visit(actor=supervisor, operation=operation, institution=institution,
                              visited_on=dt.date(2026, 11, 5), outcome=outcome, **extra)
    # and a spring operation without visits, and one of the year before
    spring = services.create_operation(actor=supervisor, bureau=cast.district_a, title="春季行动",
                                       start=dt.date(2026, 3, 2), end=dt.date(2026, 3, 6),
                                       departments=["education", "civil_affairs"])
    earlier = services.create_operation(actor=supervisor, bureau=cast.district_a, title="上年行动",
                                        start=dt.date(2025, 6, 1), end=dt.date(2025, 6, 3),
                                        departments=["education", "housing"])
    client = web_client(supervisor)
    # When the supervisor opens 2026's operations
    with django_assert_max_num_queries(14):
        response = client.get(reverse("inspections:operations"), {"year": 2026})
    # Then both of 2026's operations are listed, newest first, not the one of 2025
    assert response.status_code == 200
    assert ids(response, "operation") == {operation.pk, spring.pk}
    html = response.content.decode()
    assert html.index(f'id="operation-{operation.pk}"') < html.index(f'id="operation-{spring.pk}"')
    # and each row shows its departments, visits and each outcome (compliant, rectify, card, …)
    cells = re.findall(r'<td class="count">(\d+)</td>', row(response, f"operation-{operation.pk}"))
    assert cells == ["3", "1", "1", "1", "0", "0", "0"]
    assert "教育、消防救援、市场监管" in row(response, f"operation-{operation.pk}")
    # and the year's totals come from the service, with the bar chart's data
    assert response.context["counts"] == services.operation_counts(
        JointOperation.objects.filter(start__year=2026))
    assert re.search(r'id="operation-total">2<', html) and re.search(r'id="visit-total">3<', html)
    chart = json.loads(re.search(r'id="chart-outcomes"[^>]*>(.*?)</script>', html, re.S).group(1))
    assert chart["x"][:3] == ["未发现问题", "责令整改", "亮牌警示"]
    assert chart["series"][0]["data"] == [1, 1, 1, 0, 0, 0]
    assert 'data-chart="bar"' in html
    # and the other years are a click away
    assert 'id="year-2025"' in html
    assert ids(client.get(reverse("inspections:operations"), {"year": 2025}),
               "operation") == {earlier.pk}


@pytest.mark.parametrize("actor", ["bureau_admin", "supervisor", "inspector"])
def test_each_reader_opens_both_pages_with_their_forms(actor, operation, request, web_client):
    client = web_client(request.getfixturevalue(actor))
    listed = client.get(reverse("inspections:operations"), {"year": 2026})
    assert listed.status_code == 200 and ids(listed, "operation") == {operation.pk}
    assert 'id="operation-form"' in listed.content.decode()
    assert 'aria-current="page">联合执法' in listed.content.decode()
    page = client.get(operation_url(operation))
    assert page.status_code == 200 and 'id="visit-form"' in page.content.decode()
    assert "教育、消防救援、市场监管" in page.content.decode()


def test_a_year_without_operations_says_so(cast, supervisor, web_client):
    response = web_client(supervisor).get(reverse("inspections:operations"), {"year": "2024"})
    assert response.status_code == 200 and ids(response, "operation") == set()
    assert "2024 年尚无联合执法行动" in response.content.decode()
    # a year that is not a year shows this year
    assert web_client(supervisor).get(reverse("inspections:operations"),
                                      {"year": "x"}).status_code == 200


# ---- creating an operation ---------------------------------------------------------------------

def test_supervisor_creates_an_operation_from_the_form(cast, supervisor, web_client):
    client = web_client(supervisor)
    # When the supervisor registers an operation of four departments
    response = client.post(reverse("inspections:operations"), operation_data(
        departments=["market", "education", "fire", "civil_affairs"], summary="检查 12 家机构"))
    # Then they land on the new operation
    operation = JointOperation.objects.get()
    assert response.status_code == 302 and response["Location"] == operation_url(operation)
    # and it is district A's, with its dates and departments, by the supervisor
    assert operation.bureau == cast.district_a and operation.created_by == supervisor
    assert (operation.start, operation.end) == (dt.date(2026, 11, 2), dt.date(2026, 11, 20))
    assert operation.departments == ["civil_affairs", "education", "fire", "market"]
    assert operation.summary == "检查 12 家机构"
    page = client.get(response["Location"]).content.decode()
    assert "已登记联合执法行动" in page and "民政、教育、消防救援、市场监管" in page


def test_inspector_creates_an_operation_too(cast, inspector, web_client):
    response = web_client(inspector).post(reverse("inspections:operations"), operation_data())
    assert response.status_code == 302
    assert JointOperation.objects.get().created_by == inspector


@pytest.mark.parametrize("data,field,code", [
    # IN-2 is joint: one department is not enough
    ({"departments": ["education"]}, "departments", "invalid"),
    ({"departments": []}, "departments", "invalid"),
    # the end before the start
    ({"end": "2026-11-01"}, "end", "invalid"),
    # a title is required (the service's own refusal)
    ({"title": "  "}, "title", "required"),
    # the form's own checks: a department that does not exist, a date that is not one
    ({"departments": ["education", "navy"]}, "departments", "invalid_choice"),
    ({"start": ""}, "start", "required"),
])
def test_a_refused_operation_shows_why_with_its_code_and_saves_nothing(
        cast, supervisor, web_client, data, field, code):
    # When the supervisor submits an operation the rules refuse
    response = web_client(supervisor).post(reverse("inspections:operations"),
                                           operation_data(**data))
    # Then the form comes back with the refusal on its field, with its code
    assert response.status_code == 200
    assert code in error_codes(response.context["form"]).get(field, [])
    assert f'data-code="{code}"' in response.content.decode()
    # and nothing was saved
    assert not JointOperation.objects.exists()


# ---- one operation: recording visits ------------------------------------------------------------

def test_inspector_records_a_compliant_visit(cast, inspector, operation, web_client):
    client = web_client(inspector)
    # When the inspector records I1 as compliant
    response = client.post(operation_url(operation), visit_data(cast.institution_1))
    # Then the visit is saved, by them, without a card
    visit = JointVisit.objects.get()
    assert response.status_code == 302
    assert response["Location"] == operation_url(operation) + f"#visit-{visit.pk}"
    assert (visit.institution, visit.visited_on, visit.outcome) == (
        cast.institution_1, dt.date(2026, 11, 5), "compliant")
    assert visit.recorded_by == inspector and visit.card is None
    # and the page lists it and no longer offers I1
    page = client.get(operation_url(operation))
    assert "启航培训学校" in row(page, f"visit-{visit.pk}") and "未发现问题" in row(
        page, f"visit-{visit.pk}")
    assert "已录入“启航培训学校”" in page.content.decode()
    offered = {pk for pk, _ in page.context["form"].fields["institution"].widget.choices if pk}
    assert cast.institution_1.pk not in offered and cast.institution_2.pk in offered


def test_a_card_outcome_issues_the_card_and_links_it(cast, supervisor, operation, web_client,
                                                    django_assert_max_num_queries):
    client = web_client(supervisor)
    # When the supervisor records a red card for I2
    response = client.post(operation_url(operation), visit_data(
        cast.institution_2, outcome="card", card_colour="red", findings="无证开展学科类培训"))
    # Then a red card is issued through the institutions' rules and linked to the visit
    assert response.status_code == 302
    visit = JointVisit.objects.get()
    card = Card.objects.get()
    assert visit.card == card
    assert (card.institution, card.colour, card.issued_by) == (cast.institution_2, "red",
                                                               supervisor)
    assert "联合执法" in card.reason and "无证开展学科类培训" in card.reason
    # and the red card suspends enrolment (TI-13)
    cast.institution_2.refresh_from_db()
    assert cast.institution_2.enrolment_suspended
    # and the visit's row links to the card on the institution's page
    with django_assert_max_num_queries(12):
        page = client.get(operation_url(operation))
    link = reverse("institutions:detail", args=[cast.institution_2.pk]) + f"#card-{card.pk}"
    assert f'href="{link}"' in row(page, f"visit-{visit.pk}")
    assert "红牌" in row(page, f"visit-{visit.pk}")
    assert "，已亮红牌" in page.content.decode()
    assert client.get(link).status_code == 200


@pytest.mark.parametrize("data,field,code", [
    # a date outside the operation
    ({"visited_on": "2026-12-01"}, "visited_on", "invalid"),
    ({"visited_on": "2026-11-01"}, "visited_on", "invalid"),
    # findings are required unless compliant
    ({"outcome": "rectify"}, "findings", "required"),
    # a card needs its colour
    ({"outcome": "card", "findings": "超范围招生"}, "card_colour", "required"),
    # the form's own checks
    ({"outcome": "fined"}, "outcome", "invalid_choice"),
    ({"card_colour": "green", "outcome": "card", "findings": "x"}, "card_colour",
     "invalid_choice"),
])
def test_a_refused_visit_shows_why_with_its_code_and_saves_nothing(
        cast, supervisor, operation, web_client, data, field, code):
    # When the supervisor records a visit the rules refuse
    response = web_client(supervisor).post(operation_url(operation),
                                           visit_data(cast.institution_1, **data))
    # Then the form says why, on its field, with the code
    assert response.status_code == 200
    assert code in error_codes(response.context["form"]).get(field, [])
    assert f'data-code="{code}"' in response.content.decode()
    # and no visit and no card were saved
    assert not JointVisit.objects.exists() and not Card.objects.exists()
    cast.institution_1.refresh_from_db()
    assert not cast.institution_1.enrolment_suspended


def test_an_institution_is_recorded_once_per_operation(cast, supervisor, operation, web_client):
    client = web_client(supervisor)
    client.post(operation_url(operation), visit_data(cast.institution_1))
    # When I1 is recorded again (with a card this time)
    response = client.post(operation_url(operation), visit_data(
        cast.institution_1, outcome="card", card_colour="yellow", findings="复查仍未整改"))
    # Then it is a conflict on the institution, and no card was issued
    assert response.status_code == 200
    assert error_codes(response.context["form"]) == {"institution": ["conflict"]}
    assert "本次行动已记录该机构" in response.content.decode()
    assert JointVisit.objects.count() == 1 and not Card.objects.exists()


def test_an_institution_of_another_district_is_not_a_choice(cast, supervisor, operation,
                                                            web_client):
    # Given an institution of district B
    other = Institution.objects.create(bureau=cast.district_b, name="乙区培训中心",
                                       licence_status="permit_and_licence", status="approved")
    # When the supervisor posts it anyway
    response = web_client(supervisor).post(operation_url(operation), visit_data(other))
    # Then the form refuses it and nothing is saved
    assert response.status_code == 200
    assert error_codes(response.context["form"]) == {"institution": ["invalid_choice"]}
    assert not JointVisit.objects.exists()


def test_the_institution_search_narrows_the_choices(cast, supervisor, operation, institutions_a,
                                                    web_client):
    client = web_client(supervisor)
    url = operation_url(operation)
    # When the supervisor types part of a name (an HTMX request)
    response = client.get(url, {"institution_q": "美术"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    # Then only the select comes back, with the matching institution only
    assert response.status_code == 200 and "<html" not in html
    assert 'id="institution-field"' in html
    assert "甲区博雅美术培训中心" in html and "启航培训学校" not in html
    assert "与“美术”匹配的尚未录入的机构 1 家" in html
    # and without HTMX the whole page comes back with the same choices
    page = client.get(url, {"institution_q": "美术"})
    assert 'id="visits"' in page.content.decode() and "甲区博雅美术培训中心" in page.content.decode()
    assert "启航培训学校" not in page.content.decode().split('id="record-visit"')[1]
    # and a posted choice outside the search is still accepted
    response = client.post(url, visit_data(cast.institution_1, institution_q="美术"))
    assert response.status_code == 302


def test_the_visit_date_is_bounded_by_the_operation(cast, supervisor, operation, web_client):
    page = web_client(supervisor).get(operation_url(operation)).content.decode()
    assert 'min="2026-11-02"' in page and 'max="2026-11-20"' in page


# ---- export ------------------------------------------------------------------------------------

def test_excel_export_lists_the_years_operations_and_visits(cast, supervisor, inspector, operation,
                                                            web_client):
    # Given one operation with a compliant visit and a yellow card
    services.record_visit(actor=supervisor, operation=operation, institution=cast.institution_1,
                          visited_on=dt.date(2026, 11, 5), outcome="compliant")
    services.record_visit(actor=supervisor, operation=operation, institution=cast.institution_2,
                          visited_on=dt.date(2026, 11, 6), outcome="card", card_colour="yellow",
                          findings="超范围招生")
    # When the inspector exports 2026
    response = web_client(inspector).get(reverse("inspections:operations-export"),
                                         {"year": 2026})
    # Then it is a valid workbook with the operation, its counts, the totals and every visit
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "joint-operations-2026.xlsx" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["联合执法行动", "检查记录"]
    operations = list(book["联合执法行动"].iter_rows(values_only=True))
    assert operations[0][:6] == ("行动名称", "教育局", "开始日期", "结束日期", "参加部门", "检查机构数")
    assert operations[1][0] == operation.title and operations[1][1] == "甲区教育局"
    assert operations[1][4] == "教育、消防救援、市场监管"
    assert operations[1][5:12] == (2, 1, 0, 1, 0, 0, 0)
    assert operations[2][0] == "合计（1 次行动）" and operations[2][5] == 2
    visits = list(book["检查记录"].iter_rows(values_only=True))
    assert len(visits) == 3
    assert visits[2][1] == "远航艺术培训中心" and visits[2][4] == "亮牌警示"
    assert visits[2][5] == "超范围招生" and visits[2][6] == "黄牌"
    # and another year exports no operation
    empty = web_client(inspector).get(reverse("inspections:operations-export"), {"year": 2025})
    assert len(list(load_workbook(io.BytesIO(empty.content))["检查记录"].iter_rows())) == 1


# ---- denials -----------------------------------------------------------------------------------

@pytest.mark.parametrize("actor", ["principal", "teacher_a", "guardian_p", "institution_staff",
                                   "bank"])
def test_other_roles_are_refused_everything(actor, cast, operation, request, web_client):
    client = web_client(request.getfixturevalue(actor))
    assert client.get(reverse("inspections:operations")).status_code == 403
    assert client.get(reverse("inspections:operations-export")).status_code == 403
    assert client.get(operation_url(operation)).status_code == 403
    assert client.post(reverse("inspections:operations"), operation_data()).status_code == 403
    assert client.post(operation_url(operation),
                       visit_data(cast.institution_1)).status_code == 403
    assert JointOperation.objects.count() == 1 and not JointVisit.objects.exists()


def test_another_district_sees_none_of_district_a(cast, supervisor, bureau_admin_b, operation,
                                                  web_client):
    services.record_visit(actor=supervisor, operation=operation, institution=cast.institution_1,
                          visited_on=dt.date(2026, 11, 5), outcome="compliant")
    client = web_client(bureau_admin_b)
    # Then district A's operation is not listed, not counted, not exported and not found
    listed = client.get(reverse("inspections:operations"), {"year": 2026})
    assert ids(listed, "operation") == set() and listed.context["counts"]["visits"] == 0
    export = client.get(reverse("inspections:operations-export"), {"year": 2026})
    assert len(list(load_workbook(io.BytesIO(export.content))["检查记录"].iter_rows())) == 1
    assert client.get(operation_url(operation)).status_code == 404
    assert client.get(operation_url(operation), {"institution_q": "启航"},
                      HTTP_HX_REQUEST="true").status_code == 404
    # and a visit posted to it is not found either
    assert client.post(operation_url(operation),
                       visit_data(cast.institution_2)).status_code == 404
    assert JointVisit.objects.count() == 1
    # while their own operation is district B's
    client.post(reverse("inspections:operations"), operation_data(title="乙区联合执法"))
    assert JointOperation.objects.get(title="乙区联合执法").bureau == cast.district_b


def test_anonymous_is_sent_to_log_in(operation, client):
    for url in (reverse("inspections:operations"), reverse("inspections:operations-export"),
                operation_url(operation)):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/?next=")


def test_the_help_page_explains_joint_operations(client):
    html = client.get(reverse("help-page", args=["inspections"])).content.decode()
    assert "联合执法" in html and "/inspections/operations/" in html and "亮牌警示" in html
