"""The five-managements pages: the hub per role, the settings form with its checks, reading
lists, the compliance table, surveys and the guardian's questionnaire, and every Excel export."""

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from conftest import fresh
from policy.services import set_rule
from wellbeing import services
from wellbeing.models import ReadingList, SchoolSettings, SurveyAnswer, SurveyReceipt
from wellbeing.tests.conftest import answer, compliant_settings


def settings_form(school, **overrides):
    """The settings form's POST data for a compliant declaration."""
    body = compliant_settings(school, **overrides)
    data = {k: v for k, v in body.items() if k != "pe_lessons" and v is not None}
    for key in [k for k, v in data.items() if isinstance(v, bool)]:
        if data[key]:
            data[key] = "on"
        else:
            del data[key]
    data.update({f"pe_{g}": n for g, n in body["pe_lessons"].items()})
    return data


def workbook(response):
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return load_workbook(io.BytesIO(response.content))


# ---- the hub -----------------------------------------------------------------------------------


def test_hub_for_a_principal_shows_the_school_and_its_state(cast, term, web_client):
    response = web_client(cast.principal).get("/wellbeing/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "甲区第一小学" in html and "本学期尚未填报" in html
    assert f"/wellbeing/schools/{cast.school_a1.pk}/terms/{term.pk}/settings/" in html


def test_hub_for_the_bureau_links_to_district_views(cast, term, web_client):
    html = web_client(cast.bureau_admin).get("/wellbeing/").content.decode()
    assert 'id="bureau"' in html and "/wellbeing/compliance/" in html


def test_hub_for_a_guardian_lists_surveys_to_answer(cast, survey_a1, web_client):
    html = web_client(cast.guardian_p).get("/wellbeing/").content.decode()
    assert f"/wellbeing/surveys/{survey_a1.pk}/child/{cast.pupil_p.pk}/" in html
    answer(survey_a1, cast.pupil_p, cast.guardian_p)
    html = web_client(cast.guardian_p).get("/wellbeing/").content.decode()
    assert "已填写" in html
    assert f"/wellbeing/surveys/{survey_a1.pk}/child/{cast.pupil_p.pk}/" not in html


@pytest.mark.parametrize("actor", ["teacher_a", "head_teacher_a", "guardian_nobody",
                                   "institution_staff", "supervisor"])
def test_hub_is_not_for_other_roles(cast, term, web_client, actor):
    assert web_client(getattr(cast, actor)).get("/wellbeing/").status_code == 403


# ---- settings --------------------------------------------------------------------------------------


def settings_url(cast, term, school=None):
    return f"/wellbeing/schools/{(school or cast.school_a1).pk}/terms/{term.pk}/settings/"


def test_principal_fills_the_settings_form_and_sees_each_check(cast, term, web_client):
    client = web_client(cast.principal)
    # Given the district's stricter 08:30 start for primary schools
    set_rule(actor=fresh(cast.bureau_admin), bureau=cast.district_a,
             key="sl.earliest_start.primary", value="08:30")
    # When the principal declares 08:20
    response = client.post(settings_url(cast, term),
                           settings_form(cast.school_a1, class_start_primary="08:20"))
    assert response.status_code == 302
    # Then the page shows SL-2 as 不符合 with the district's stricter value
    page = client.get(settings_url(cast, term))
    items = {i.label: i for i in page.context["items"]}
    assert items["小学部上午第一节课开始时间"].ok is False
    html = page.content.decode()
    assert "不早于 08:30" in html and "本区从严" in html and "不符合" in html
    assert SchoolSettings.objects.get().class_start_primary == dt.time(8, 20)


def test_the_settings_form_shows_field_errors_and_saves_nothing(cast, term, web_client):
    data = settings_form(cast.school_a1)
    del data["pe_3"]
    response = web_client(cast.principal).post(settings_url(cast, term), data)
    assert response.status_code == 200
    assert response.context["form"].errors["pe_3"]
    assert not SchoolSettings.objects.exists()


def test_htmx_asks_for_the_checks_fragment(cast, term, web_client):
    response = web_client(cast.principal).get(settings_url(cast, term), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200 and 'id="checks"' in html and "<html" not in html


def test_bureau_reads_the_settings_without_a_form(cast, term, web_client):
    web_client(cast.principal).post(settings_url(cast, term), settings_form(cast.school_a1))
    page = web_client(cast.bureau_admin).get(settings_url(cast, term))
    html = page.content.decode()
    assert page.status_code == 200 and 'id="declared"' in html
    assert 'id="settings-form"' in html and "保存</button>" not in html
    assert web_client(cast.bureau_admin).post(settings_url(cast, term),
                                              settings_form(cast.school_a1)).status_code == 403


def test_nine_year_school_form_asks_both_start_times(cast, term, nine_year_school, web_client):
    page = web_client(nine_year_school.admin).get(settings_url(cast, term, nine_year_school))
    form = page.context["form"]
    assert {"class_start_primary", "class_start_junior"} <= set(form.fields)
    assert [f"pe_{g}" for g in range(1, 10)] == [f.name for f in form.pe_fields()]


# ---- reading lists ---------------------------------------------------------------------------------


def test_reading_list_through_the_web(cast, term, web_client):
    client = web_client(cast.principal)
    url = f"/wellbeing/schools/{cast.school_a1.pk}/reading/"
    response = client.post(url, {"school_year": "2026-2027", "title": "推荐书目", "grades": [3, 4],
                                 "books": "小王子\n草房子", "purchase": "voluntary",
                                 "disclosed_to_parents": "on"})
    reading = ReadingList.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/wellbeing/reading/{reading.pk}/"
    # a second one in the same school year is refused on the form with RD-1
    again = client.post(url, {"school_year": "2026-2027", "title": "第二批", "grades": [3],
                              "books": "x", "purchase": "voluntary"})
    assert again.status_code == 200 and "RD-1" in again.content.decode()
    # review needs the negative-list confirmation
    advance = f"/wellbeing/reading/{reading.pk}/advance/"
    client.post(advance, {"to": "reviewed"})
    assert ReadingList.objects.get().status == "selected"
    client.post(advance, {"to": "reviewed", "negative_list_checked": "on"})
    client.post(advance, {"to": "confirmed"})
    client.post(advance, {"to": "filed"})
    assert ReadingList.objects.get().status == "filed"
    page = client.get(f"/wellbeing/reading/{reading.pk}/")
    assert "已报教育局备案" in page.content.decode()
    book = workbook(client.get(f"/wellbeing/schools/{cast.school_a1.pk}/reading/export/"))
    rows = list(book["课外读物推荐"].values)
    assert rows[2][:4] == ("2026-2027", "推荐书目", "3、4", "已报教育局备案")


def test_guardian_reads_a_disclosed_list_but_cannot_change_it(cast, term, web_client):
    reading = services.create_reading_list(
        actor=fresh(cast.principal), school=cast.school_a1, school_year="2026-2027",
        title="推荐书目", grades=[4], books="小王子", disclosed_to_parents=True)
    for step in ("reviewed", "confirmed"):
        services.advance_reading_list(actor=fresh(cast.principal), reading_list=reading, to=step,
                                      negative_list_checked=True)
    client = web_client(cast.guardian_p)
    page = client.get(f"/wellbeing/reading/{reading.pk}/")
    assert page.status_code == 200 and "小王子" in page.content.decode()
    assert 'id="advance"' not in page.content.decode()
    assert client.post(f"/wellbeing/reading/{reading.pk}/", {"purchase": "school_bulk"}
                       ).status_code == 403
    assert ReadingList.objects.get().purchase == "voluntary"


# ---- compliance ---------------------------------------------------------------------------------------


def test_compliance_page_and_export(cast, term, web_client, junior_school,
                                    django_assert_max_num_queries):
    web_client(cast.principal).post(settings_url(cast, term), settings_form(cast.school_a1))
    web_client(junior_school.admin).post(
        settings_url(cast, term, junior_school),
        settings_form(junior_school, phone_default="allowed"))
    client = web_client(cast.bureau_admin)
    with django_assert_max_num_queries(25):
        page = client.get(f"/wellbeing/compliance/?term={term.pk}")
    assert page.status_code == 200
    rows = {r["school"].name: r for r in page.context["rows"]}
    assert rows["甲区第一小学"]["summary"]["compliant"] is True
    assert rows["甲区第一中学"]["summary"]["by_rule"]["PH-1"] is False
    assert page.context["compliant"] == 1
    book = workbook(client.get(f"/wellbeing/compliance/export/?term={term.pk}"))
    summary = list(book["各校符合情况"].values)
    header = summary[1]
    junior = next(r for r in summary if r[0] == "甲区第一中学")
    assert junior[header.index("PH-1 手机进校管理")] == "不符合"
    details = list(book["检查明细"].values)
    assert ("甲区第一中学", "PH-1", "学生手机进校", "允许带入校园", "原则上不得带入校园", None,
            "不符合") in details


# ---- surveys ---------------------------------------------------------------------------------------


def test_principal_launches_on_the_web_and_sees_progress(cast, term, web_client):
    client = web_client(cast.principal)
    response = client.post("/wellbeing/surveys/launch/", {
        "term": term.pk, "school": cast.school_a1.pk, "closes_on": "2026-12-10"})
    assert response.status_code == 302
    page = client.get(f"/wellbeing/surveys/?term={term.pk}")
    [row] = page.context["rows"]
    assert row["survey"] is not None and row["pupils"] == 3


def test_guardian_answers_on_the_web_once(cast, survey_a1, web_client):
    client = web_client(cast.guardian_p)
    url = f"/wellbeing/surveys/{survey_a1.pk}/child/{cast.pupil_p.pk}/"
    data = {"bedtime": "21:00", "wake_time": "07:00", "homework_minutes": 40,
            "homework_done_by": "20:00", "phone_to_school": "no", "screen_minutes": 10,
            "reading_minutes": 30, "compulsory_purchase": "no", "pe_in_school_minutes": 60,
            "pe_out_school_minutes": 60, "burden": 2, "subject_training": "no"}
    # A bedtime in the afternoon is refused on the form, nothing saved
    bad = client.post(url, {**data, "bedtime": "16:00"})
    assert bad.status_code == 200 and bad.context["form"].errors["bedtime"]
    assert not SurveyReceipt.objects.exists()
    # A proper answer is stored once
    assert client.post(url, data).status_code == 302
    assert SurveyReceipt.objects.count() == SurveyAnswer.objects.count() == 1
    page = client.get(url)
    assert 'id="answered"' in page.content.decode()
    client.post(url, {**data, "burden": 5})
    assert SurveyAnswer.objects.get().burden == 2


def test_survey_results_page_and_exports(cast, survey_a1, make_families, web_client):
    for pupil, guardian in make_families(cast.class_a1_4_1, 5):
        answer(survey_a1, pupil, guardian, bedtime="21:30", wake_time="07:00")
    client = web_client(cast.principal)
    page = client.get(f"/wellbeing/surveys/{survey_a1.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "chart-stages" in html and "按时就寝（SL-3）" in html
    book = workbook(client.get(f"/wellbeing/surveys/{survey_a1.pk}/export/"))
    rows = {r[0]: r for r in book["问卷结果"].values if r and r[0]}
    assert rows["答卷数"][2] == 5
    assert rows["按时就寝（SL-3）（%）"][2] == 0.0
    assert rows["睡眠时间达标（SL-1）（%）"][2] == 0.0  # 9.5 hours
    # the bureau's page by school and its export
    bureau = web_client(cast.bureau_admin)
    page = bureau.get(f"/wellbeing/surveys/results/?term={survey_a1.term_id}")
    assert page.status_code == 200
    book = workbook(bureau.get(f"/wellbeing/surveys/results/export/?term={survey_a1.term_id}"))
    lines = list(book["各校问卷结果"].values)
    a1 = next(r for r in lines if r[0] == "甲区第一小学")
    assert a1[1] == 5
    progress = {r[0]: r for r in book["填写进度"].values}
    assert progress["甲区第一小学"][1:5] == ("填写中", "2026-12-15", 8, 5)
    assert progress["甲区第二小学"][1] == "未发起"


def test_survey_close_on_the_web(cast, survey_a1, web_client):
    response = web_client(cast.principal).post(f"/wellbeing/surveys/{survey_a1.pk}/close/")
    assert response.status_code == 302
    survey_a1.refresh_from_db()
    assert survey_a1.status == "closed"
