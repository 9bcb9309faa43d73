"""The dashboard pages (district → school → class) and their Excel exports, through the web
client, with figures from data filed through the services: homework, an after-school
application, a complaint and mentoring tasks. Access (403 for a role, 404 outside the scope),
bad query parameters, and the district page's query count against the number of schools.

"Today" is pinned to Monday 2026-11-23, in district A's autumn term (2026-09-01 – 2027-01-22);
the pages default to the term up to today.
"""

import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from conftest import fresh, has_chinese
from dashboards.tests.conftest import MON, NOW, TODAY, file  # noqa: F401 (shared by the tests)
from mentoring.models import Mentorship
from org import services as org_services
from org.models import RoleAssignment
from org.roles import Role
from schoolcal import services as calendar_services

DISTRICT = "/dashboard/"


def school_url(school):
    return f"/dashboard/schools/{school.pk}/"


def class_url(school_class):
    return f"/dashboard/classes/{school_class.pk}/"


@pytest.fixture(autouse=True)
def _today(pinned_now):
    """Today is Monday 2026-11-23, 18:30 (``pinned_now``, dashboards/tests/conftest.py)."""


def card(response, area, label):
    """The text of one KPI card of the page (the same object the template rendered)."""
    section = next(s for s in response.context["sections"] if s.key == area)
    return next(c.value.text for c in section.cards if c.label == label)


def table(response, key):
    return next(t for t in response.context["tables"] if t.key == key)


def row_of(tbl, first):
    return next(r for r in tbl.rows if r[0].text == first)


def get_ok(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.content[:500]
    return response


def record_three_tasks(cast):
    from mentoring import services as mentoring

    ship = Mentorship.objects.current().select_related("mentor__user").get(
        plan=cast.plan, pupil=cast.pupil_p)
    for kind in ("home_visit", "talk", "written_feedback"):
        mentoring.record_task(actor=fresh(ship.mentor.user), mentorship=ship, kind=kind,
                              on=dt.date(2026, 11, 10), record="谈了学习和作息")


def test_district_page_shows_every_area_from_the_filed_data(world, web_client):
    # Given the bureau admin; when they open the district dashboard
    response = get_ok(web_client(world.bureau_admin), DISTRICT)
    html = response.content.decode()
    # Then homework: 6 class-days, 3 over the limit, 325 minutes
    assert card(response, "homework", "班级日未超上限占比") == "50.0%"
    assert card(response, "homework", "平均每班每天书面家庭作业（分钟）") == "54.2"
    assert card(response, "homework", "超限班级日") == "3"
    # after-school: P of the two grade-4 pupils of A1's programme
    assert card(response, "after-school", "学生参与率") == "50.0%"
    # the complaint, still open
    assert card(response, "complaints", "统计期内收到的投诉") == "1"
    assert card(response, "complaints", "未办结") == "1"
    # mentoring: both grade-4 pupils have a mentor, nobody finished the three tasks
    assert card(response, "mentoring", "导师覆盖率") == "100.0%"
    assert card(response, "mentoring", "“三个一”全部完成率") == "0.0%"
    # the figures are on the page, with "—" where there is nothing to measure
    assert "50.0%" in html and "54.2" in html and "—" in html
    # A1-4-1 is repeatedly over, with a link to its class page
    repeated = table(response, "repeated")
    assert [(r[1].text, r[2].value) for r in repeated.rows] == [("四年级（1）班", 3)]
    assert f'href="{class_url(world.class_a1_4_1)}?start=2026-09-01&amp;end=2026-11-23"' in html
    # each school row links to its page and shows its own figures
    schools = table(response, "schools")
    a1, a2 = row_of(schools, "甲区第一小学"), row_of(schools, "甲区第二小学")
    assert a1[0].url.startswith(school_url(world.school_a1))
    assert f'href="{school_url(world.school_a2)}?' in html
    assert (a1[6].text, a2[6].text) == ("40.0%", "100.0%")  # within-limit share
    assert a1[17].value == 1 and a2[17].value == 0  # complaints
    # the areas' own pages and the evaluation and bulletins are linked
    for url in ("/monitoring/", "/complaints/", "/dashboard/evaluation/", "/dashboard/bulletins/"):
        assert f'href="{url}' in html, url
    assert 'id="chart-trend"' in html and has_chinese(html)


def test_a_mentoring_task_changes_the_completion(world, web_client):
    client = web_client(world.bureau_admin)
    assert card(get_ok(client, DISTRICT), "mentoring", "“三个一”全部完成率") == "0.0%"
    # When P's mentor records the home visit, the talk and the written feedback
    record_three_tasks(world)
    # Then one of the two mentored pupils is complete, in the district and in the school
    assert card(get_ok(client, DISTRICT), "mentoring", "“三个一”全部完成率") == "50.0%"
    response = get_ok(client, school_url(world.school_a1))
    assert card(response, "mentoring", "“三个一”全部完成率") == "50.0%"
    assert row_of(table(response, "classes"), "四年级（1）班")[11].text == "50.0%"


def test_supervisor_reads_the_district_without_drill_down_links(world, web_client):
    # The supervisor (监管科) reads the district, but school pages are not theirs (403)
    response = get_ok(web_client(world.supervisor), DISTRICT)
    schools = table(response, "schools")
    assert all(not r[0].url for r in schools.rows)
    assert school_url(world.school_a1) not in response.content.decode()
    assert web_client(world.supervisor).get(school_url(world.school_a1)).status_code == 403


def test_school_page_for_its_admin_and_the_district(world, web_client):
    # The principal of A1: the school's figures, classes linking to class pages
    response = get_ok(web_client(world.principal), school_url(world.school_a1))
    html = response.content.decode()
    assert card(response, "homework", "班级日未超上限占比") == "40.0%"  # 5 days, 3 over
    assert card(response, "after-school", "学生参与率") == "50.0%"
    classes = table(response, "classes")
    row = row_of(classes, "四年级（1）班")
    assert row[0].url.startswith(class_url(world.class_a1_4_1))
    assert (row[3].value, row[5].value, row[8].value) == (5, 3, 1)  # days, over, enrolled
    assert row_of(table(response, "by-subject"), "数学")[1].value == 285
    # no way back to the district for a school admin
    assert "返回全区" not in html and 'id="back-district"' not in html
    # The bureau admin sees the same page with "返回全区"
    html = get_ok(web_client(world.bureau_admin), school_url(world.school_a1)).content.decode()
    assert "返回全区" in html and f"bureau={world.district_a.pk}" in html


def test_class_page_for_its_head_teacher_without_pupils_names(world, web_client):
    record_three_tasks(world)
    response = get_ok(web_client(world.head_teacher_a), class_url(world.class_a1_4_1))
    html = response.content.decode()
    assert card(response, "homework", "超限班级日") == "3"
    assert card(response, "homework", "平均每班每天书面家庭作业（分钟）") == "57.0"  # 285 / 5
    assert card(response, "after-school", "报名课后服务的学生") == "1"
    assert row_of(table(response, "by-subject"), "数学")[1].value == 285
    mentors = table(response, "mentors").rows
    assert sum(r[1].value for r in mentors) == 2 and sum(r[2].value for r in mentors) == 1
    assert any(r[0].text.endswith("作业辅导") for r in table(response, "courses").rows)
    # aggregates only: no pupil is named
    for name in ("张小明", "刘小红"):
        assert name not in html
    # a head teacher has no school page to go back to
    assert 'id="back-school"' not in html


@pytest.mark.parametrize("actor, url, status", [
    ("principal", "school_a2", 404),  # another school of the district
    ("principal", "district", 403),
    ("principal", "class_a2_4_1", 404),
    ("head_teacher_a", "class_a1_4_1", 200),
    ("head_teacher_a", "class_a1_4_2", 404),  # not their class
    ("head_teacher_a", "school_a1", 403),
    ("bureau_admin_b", "school_a1", 404),  # another district
    ("bureau_admin_b", "class_a1_4_1", 404),
    ("teacher_a", "district", 403), ("teacher_a", "school_a1", 403),
    ("teacher_a", "class_a1_4_1", 403),
    ("guardian_p", "district", 403), ("guardian_p", "school_a1", 403),
    ("guardian_p", "class_a1_4_1", 403),
    ("institution_staff", "district", 403), ("institution_staff", "school_a1", 403),
    ("institution_staff", "class_a1_4_1", 403),
    ("bank", "district", 403),
])
def test_who_reads_which_page(cast, term, web_client, request, actor, url, status):
    target = DISTRICT if url == "district" else (
        school_url(getattr(cast, url)) if url.startswith("school") else
        class_url(getattr(cast, url)))
    response = web_client(request.getfixturevalue(actor)).get(target)
    assert response.status_code == status
    # the export is guarded the same way
    assert web_client(request.getfixturevalue(actor)).get(
        f"{target}?export=xlsx").status_code == status


def test_anonymous_is_sent_to_the_login_page(cast, web_client):
    response = web_client(None).get(DISTRICT)
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def workbook_of(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    return load_workbook(io.BytesIO(response.content))


def test_district_export_has_a_sheet_per_table(world, web_client):
    response = web_client(world.bureau_admin).get(f"{DISTRICT}?export=xlsx")
    book = workbook_of(response)
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment; filename*=UTF-8''")
    assert "2026-09-01_2026-11-23.xlsx" in disposition and "%E5%85%A8%E5%8C%BA" in disposition
    assert book.sheetnames == ["概况", "各校情况", "分学段作业", "多次超限的班级", "红色预警账户",
                               "机构状态", "投诉分类", "抽查结果", "每周趋势"]
    schools = list(book["各校情况"].iter_rows(values_only=True))
    assert schools[0][:3] == ("学校", "学段", "学生数")
    a1 = next(r for r in schools if r[0] == "甲区第一小学")
    assert a1[6] == 0.4 and a1[17] == 1  # within-limit share (a percentage cell), complaints
    share_cell = next(r for r in book["各校情况"].iter_rows() if r[0].value == "甲区第一小学")[6]
    assert share_cell.number_format == "0.0%"
    overview = {(r[0], r[1]): r[2] for r in book["概况"].iter_rows(min_row=2, values_only=True)}
    assert overview[("作业管理", "班级日未超上限占比")] == 0.5
    assert overview[("投诉举报", "统计期内收到的投诉")] == 1
    repeated = list(book["多次超限的班级"].iter_rows(values_only=True))
    assert repeated[1] == ("甲区第一小学", "四年级（1）班", 3)


def test_school_and_class_exports(world, web_client):
    client = web_client(world.principal)
    book = workbook_of(client.get(f"{school_url(world.school_a1)}?export=xlsx"))
    assert book.sheetnames == ["概况", "各班情况", "分学科", "多次超限的班级", "投诉分类", "每周趋势"]
    row = next(r for r in book["各班情况"].iter_rows(values_only=True) if r[0] == "四年级（1）班")
    assert row[3:6] == (5, 57.0, 3)
    response = client.get(f"{class_url(world.class_a1_4_1)}?start=2026-11-16&end=2026-11-22"
                          f"&export=xlsx")
    assert "2026-11-16_2026-11-22.xlsx" in response["Content-Disposition"]
    book = workbook_of(response)
    assert book.sheetnames == ["概况", "分学科", "作业类型", "课后服务课程", "导师", "每周趋势"]
    weeks = list(book["每周趋势"].iter_rows(values_only=True))
    assert weeks[1][:3] == ("2026-11-16", 57.0, 0.6)


def test_bad_query_parameters_never_fail(world, web_client):
    client = web_client(world.bureau_admin)
    # invalid dates are ignored with a notice; the term's dates are used
    response = get_ok(client, f"{DISTRICT}?start=2026-02-30&end=soon")
    assert response.context["notices"] and "无效" in response.content.decode()
    assert (response.context["period"].start, response.context["period"].end) == (
        dt.date(2026, 9, 1), TODAY)
    # dates the wrong way round are swapped; a period beyond 400 days is cut
    response = get_ok(client, f"{DISTRICT}?start=2026-11-22&end=2026-11-16")
    assert response.context["period"].start == dt.date(2026, 11, 16)
    response = get_ok(client, f"{DISTRICT}?start=2001-01-01&end=2026-11-22")
    assert (response.context["period"].end - response.context["period"].start).days == 400
    assert response.context["notices"]
    assert client.get(f"{DISTRICT}?start=0001-01-01&end=9999-12-31&export=xlsx").status_code == 200
    response = get_ok(client, f"{DISTRICT}?end=2100-12-31")
    assert response.context["period"].end == dt.date(2100, 12, 31) and response.context["notices"]
    # another district's term, an unknown one, a bureau out of scope: 404
    other = calendar_services.save_term(
        actor=fresh(world.bureau_admin_b), bureau=world.district_b, school_year="2026-2027",
        name="第一学期", start=dt.date(2026, 9, 1), end=dt.date(2027, 1, 22))
    for query in (f"term={other.pk}", "term=abc", "term=99999999999999999999"):
        for url in (DISTRICT, school_url(world.school_a1), class_url(world.class_a1_4_1)):
            assert client.get(f"{url}?{query}").status_code == 404, (url, query)
    for query in (f"bureau={world.district_b.pk}", "bureau=x"):
        assert client.get(f"{DISTRICT}?{query}").status_code == 404, query
    assert client.get("/dashboard/schools/99999999999999999999/").status_code == 404
    # the term's own id works
    response = get_ok(client, f"{DISTRICT}?term={world.term_id}")
    assert response.context["period"].term.pk == world.term_id


@pytest.fixture
def two_bureaus(cast, term):
    """The bureau admin of district A also administers district B."""
    RoleAssignment.objects.create(user=cast.bureau_admin, role=Role.BUREAU_ADMIN,
                                  bureau=cast.district_b)
    return fresh(cast.bureau_admin)


def test_a_reader_of_two_districts_chooses_one(cast, two_bureaus, web_client):
    client = web_client(two_bureaus)
    response = get_ok(client, DISTRICT)
    assert response.context["bureau"] == cast.district_a  # the first by code
    assert 'name="bureau"' in response.content.decode()
    response = get_ok(client, f"{DISTRICT}?bureau={cast.district_b.pk}")
    assert response.context["bureau"] == cast.district_b
    assert [r[0].text for r in table(response, "schools").rows] == ["乙区第一小学"]
    # district B has no term: the page still works and says why figures are missing
    assert response.context["period"].term is None
    assert "未设置学期" in response.content.decode()
    assert card(response, "after-school", "学生参与率") == "—"
    book = workbook_of(client.get(f"{DISTRICT}?bureau={cast.district_b.pk}&export=xlsx"))
    assert "乙区第一小学" in [r[0] for r in book["各校情况"].iter_rows(values_only=True)]


def test_district_page_queries_do_not_grow_with_schools(cast, term, web_client):
    client = web_client(cast.bureau_admin)

    def count():
        with CaptureQueriesContext(connection) as queries:
            get_ok(client, DISTRICT)
        return len(queries)

    two = count()
    admin = fresh(cast.bureau_admin)
    for n in range(4):
        school = org_services.create_school(actor=admin, bureau=cast.district_a,
                                            name=f"甲区第{n + 3}小学", code=f"A{n + 3}",
                                            stage="primary", system="6-3", ownership="public")
        org_services.create_class(actor=admin, school=school, grade=4, number=1)
    six = count()
    assert len(table(get_ok(client, DISTRICT), "schools").rows) == 6
    assert six == two, (two, six)
