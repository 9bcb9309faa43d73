"""Homework monitoring: figures per district, school and grade; export; who may see it."""

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from conftest import fresh
from homework import services

MONDAY = dt.date(2026, 11, 23)


def file(user, school_class, date, minutes, subject="maths", **extra):
    item, _ = services.file_homework(actor=fresh(user), school_class=school_class, date=date,
                                     subject=subject, title="练习", minutes=minutes, **extra)
    return item


@pytest.fixture
def term(cast):
    """Given a week of class 4(1): three days over the 60-minute limit, two within."""
    for offset, minutes in enumerate([70, 65, 80, 40, 30]):
        file(cast.teacher_a, cast.class_a1_4_1, MONDAY + dt.timedelta(days=offset), minutes)
    # and an in-school, layered item that does not count toward the limit
    file(cast.teacher_a, cast.class_a1_4_1, MONDAY, 20, place="in_school", layer="advanced")
    # and one item in school A2
    file(cast.teacher_b, cast.class_a2_4_1, MONDAY, 50)
    return cast


def url(**query):
    params = {"start": "2026-11-23", "end": "2026-11-29", **query}
    return "/monitoring/homework/?" + "&".join(f"{k}={v}" for k, v in params.items())


def test_bureau_sees_district_figures_and_schools(term, web_client, django_assert_max_num_queries):
    client = web_client(term.bureau_admin)
    with django_assert_max_num_queries(30):
        response = client.get(url())
    assert response.status_code == 200
    data = response.context["data"]
    # 6 class-days with homework (5 in 4(1), 1 in A2 4(1)); 3 over the limit
    assert data["class_days"] == 6
    assert data["over_days"] == 3
    assert data["within_share"] == 0.5
    assert data["avg_minutes"] == round((70 + 65 + 80 + 40 + 30 + 50) / 6, 1)
    # class 4(1) was over on three days: it is listed as repeatedly over the limit
    assert [r["school_class_id"] for r in data["repeated"]] == [term.class_a1_4_1.pk]
    # classes of the district that filed nothing are listed (4(2), 2(1) of A1 and 5(1) of A2)
    assert data["silent_count"] == 3
    schools = {s["name"]: s for s in response.context["schools"]}
    assert schools["甲区第一小学"]["class_days"] == 5
    assert schools["甲区第一小学"]["silent_classes"] == 2
    assert "乙区第一小学" not in schools
    # layered / in-school share: 20 of 355 minutes
    assert data["in_school_share"] == round(20 / 355, 3)
    assert "作业监测" in response.content.decode()


def test_drill_down_to_one_school(term, web_client):
    response = web_client(term.bureau_admin).get(url(school=term.school_a2.pk))
    assert response.status_code == 200
    assert response.context["data"]["class_days"] == 1
    assert response.context["schools"] is None


def test_principal_sees_only_their_school(term, web_client):
    response = web_client(term.principal).get(url())
    assert response.status_code == 200
    assert response.context["data"]["class_days"] == 5
    assert [s["name"] for s in response.context["schools"]] == ["甲区第一小学"]
    # and another school of the district is out of scope
    assert web_client(term.principal).get(url(school=term.school_a2.pk)).status_code == 404


def test_other_district_sees_nothing_of_district_a(term, web_client):
    response = web_client(term.bureau_admin_b).get(url())
    assert response.status_code == 200
    assert response.context["data"]["class_days"] == 0
    assert web_client(term.bureau_admin_b).get(url(school=term.school_a1.pk)).status_code == 404


@pytest.mark.parametrize("actor", ["teacher_a", "head_teacher_a", "guardian_p", "supervisor",
                                   "institution_staff"])
def test_roles_without_monitoring_are_refused(term, web_client, actor):
    assert web_client(getattr(term, actor)).get(url()).status_code == 403


def test_anonymous_goes_to_login(term, client):
    response = client.get(url())
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_export_is_an_excel_workbook_with_the_same_figures(term, web_client):
    response = web_client(term.bureau_admin).get(url(export="xlsx"))
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    assert {"概况", "分校", "分年级", "分学科", "作业类型", "分层", "多次超限班级", "估计偏差"} <= \
        set(book.sheetnames)
    summary = {row[0]: row[1] for row in book["概况"].iter_rows(values_only=True)}
    assert summary["超限班级日"] == 3
    assert summary["有作业的班级日"] == 6


def test_drift_appears_once_guardians_report_item_times(term, web_client):
    # Given the 4(1) Monday published and a guardian reporting double the estimate per item
    day = term.class_a1_4_1.class_days.get(date=MONDAY)
    services.record_exception(actor=fresh(term.principal), class_day=day, reason="测试例外原因")
    services.publish_class_day(actor=fresh(term.head_teacher_a), class_day=day)
    items = list(day.items.all())
    services.report_time(actor=fresh(term.guardian_p), pupil=term.pupil_p, date=MONDAY,
                         minutes=180, items=[(i.pk, i.minutes * 2) for i in items])
    # When the bureau opens monitoring
    drift = web_client(term.bureau_admin).get(url()).context["data"]["drift"]
    # Then teacher 李老师's maths items show a ratio of 2
    assert drift and drift[0]["teacher"] == "李老师" and drift[0]["ratio"] == 2.0
