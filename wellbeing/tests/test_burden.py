"""The termly burden report (QM-1, QM-3) built from real data filed through the services:
homework and its publication, guardians' reported times, after-school participation, the
survey and the schools' declarations; its publication (负担公示) and who sees it."""

import datetime as dt
import io

import pytest
from auditlog.models import LogEntry
from openpyxl import load_workbook

from conftest import PASSWORD, assert_error, fresh
from homework import services as homework
from homework.models import ClassDay
from org.models import Guardian, User
from schoolcal import services as calendar_services
from wellbeing import burden, services
from wellbeing.models import BurdenPublication
from wellbeing.tests.conftest import answer, compliant_settings, post_json

URL = "/api/v1/wellbeing"
MON = dt.date(2026, 11, 16)  # the week before "today" (Monday 2026-11-23)


def day(n):
    return MON + dt.timedelta(days=n)


def file(teacher, school_class, date, minutes):
    item, _ = homework.file_homework(actor=fresh(teacher), school_class=school_class, date=date,
                                     subject="maths", title="练习", minutes=minutes)
    return item


def publish(cast, school_class, date, exception=False):
    class_day = ClassDay.objects.get(school_class=school_class, date=date)
    if exception:
        homework.record_exception(actor=fresh(cast.principal), class_day=class_day,
                                  reason="期中复习，家长会已说明")
    return homework.publish_class_day(actor=fresh(cast.head_teacher_a), class_day=class_day)


@pytest.fixture
def filed(cast, term):
    """Given homework in A1-4-1 last week (50, 70, 40, 80, 30 minutes: two days over the
    60-minute limit) and today (65, over); in A2-4-1 one day of 40 minutes; P's guardian reported
    75 minutes on Monday (estimated 50) and 45 on Wednesday (estimated 40)."""
    for n, minutes in enumerate([50, 70, 40, 80, 30]):
        file(cast.teacher_a, cast.class_a1_4_1, day(n), minutes)
    file(cast.teacher_a, cast.class_a1_4_1, day(7), 65)
    file(cast.teacher_b, cast.class_a2_4_1, day(0), 40)
    publish(cast, cast.class_a1_4_1, day(0))
    publish(cast, cast.class_a1_4_1, day(2))
    homework.report_time(actor=fresh(cast.guardian_p), pupil=cast.pupil_p, date=day(0), minutes=75)
    homework.report_time(actor=fresh(cast.guardian_p), pupil=cast.pupil_p, date=day(2), minutes=45)
    return cast


def test_homework_figures_come_from_the_filed_homework(filed, term):
    report = burden.build(term=term, schools=[filed.school_a1, filed.school_a2])
    t = report["totals"]
    # 7 class-days, 3 over the limit (70, 80, 65), 375 minutes
    assert t["homework"]["class_days"] == 7
    assert t["homework"]["over_share"] == round(3 / 7, 3)
    assert t["homework"]["avg_minutes"] == round(375 / 7, 1)
    assert t["by_stage"] == [{"stage": "小学", "class_days": 7, "avg_minutes": round(375 / 7, 1),
                              "over_share": round(3 / 7, 3)}]
    schools = {r["name"]: r for r in report["schools"]}
    assert schools["甲区第一小学"]["homework"] == {
        "class_days": 6, "avg_minutes": round(335 / 6, 1), "over_share": 0.5, "within_share": 0.5}
    assert schools["甲区第二小学"]["homework"]["avg_minutes"] == 40.0
    assert report["limits"] == {"g1_2": 0, "primary": 60, "junior": 90}


def test_reported_real_time_against_estimates_and_limits(filed, term):
    report = burden.build(term=term, schools=[filed.school_a1, filed.school_a2])
    # 2 reports: 75 (over the 60-minute limit of its day) and 45; estimates 50 and 40
    assert report["totals"]["reported"] == {"reports": 2, "reported_avg": 60.0,
                                            "estimated_avg": 45.0, "ratio": 1.33,
                                            "over_share": 0.5}
    a2 = next(r for r in report["schools"] if r["name"] == "甲区第二小学")
    assert a2["reported"]["reports"] == 0 and a2["reported"]["reported_avg"] is None


def test_weekly_trend(filed, term):
    report = burden.build(term=term, schools=[filed.school_a1, filed.school_a2])
    weeks = {w["week"]: w for w in report["trend"]}
    assert set(weeks) == {"2026-11-16", "2026-11-23"}
    assert weeks["2026-11-16"] == {"week": "2026-11-16", "class_days": 6,
                                   "avg_minutes": round(310 / 6, 1), "over_share": round(2 / 6, 3),
                                   "reports": 2, "reported_avg": 60.0}
    assert weeks["2026-11-23"]["class_days"] == 1 and weeks["2026-11-23"]["over_share"] == 1.0
    a1 = next(r for r in report["schools"] if r["name"] == "甲区第一小学")
    assert [w["class_days"] for w in a1["trend"]] == [5, 1]


def test_the_districts_stricter_limit_counts_more_days_over(filed, term):
    from policy.services import set_rule

    # When the district lowers the primary limit to 45 minutes (Anshan) and a day is refiled
    set_rule(actor=fresh(filed.bureau_admin), bureau=filed.district_a,
             key="hw.max_avg_minutes.primary", value=45)
    file(filed.teacher_a, filed.class_a1_4_1, day(4), 20)  # Friday now 50 minutes: over 45
    report = burden.build(term=term, schools=[filed.school_a1])
    assert report["limits"]["primary"] == 45
    assert report["schools"][0]["homework"]["over_share"] == round(4 / 6, 3)


def test_after_school_survey_and_compliance_join_the_report(filed, term, make_families,
                                                            api_client):
    from afterschool import services as after_school
    from afterschool.tests.conftest import five_plus_two

    # Given A1's after-school programme for grade 4 with P applied (P and Q in grade 4)
    programme = after_school.create_programme(
        actor=fresh(filed.principal), school=filed.school_a1, term=term, name="课后服务",
        slots=five_plus_two(grades=[4]), grades=[4])
    after_school.open_programme(actor=fresh(filed.principal), programme=programme)
    after_school.apply(actor=fresh(filed.guardian_p), programme=programme, pupil=filed.pupil_p)
    # and five families of A1 answered the survey
    survey = services.launch_survey(actor=fresh(filed.principal), school=filed.school_a1,
                                    term=term, closes_on=dt.date(2026, 12, 15))
    for pupil, guardian in make_families(filed.class_a1_2_1, 5):
        answer(survey, pupil, guardian, bedtime="21:00", wake_time="06:30")
    # and A1 declared compliant settings
    response = api_client(filed.principal).put(
        f"{URL}/settings/{filed.school_a1.pk}/{term.pk}", compliant_settings(filed.school_a1),
        content_type="application/json")
    assert response.status_code == 200
    report = burden.build(term=term, schools=[filed.school_a1, filed.school_a2])
    a1 = next(r for r in report["schools"] if r["name"] == "甲区第一小学")
    # Then participation is 1 of 2 grade-4 pupils
    assert a1["after_school"]["participation"] == 0.5
    assert report["totals"]["after_school"]["participation"] == 0.5
    # the survey's 5 answers show (9.5 hours: below SL-1's 10)
    assert a1["survey"]["n"] == 5 and a1["survey"]["sleep_ok_share"] == 0.0
    assert a1["survey"]["suppressed"] is False
    # A1 complies, A2 has not declared
    assert a1["compliance"]["compliant"] is True
    assert report["totals"]["compliance"]["compliant_schools"] == 1


def test_previous_term_for_qm1(filed, term):
    # Given last spring's term, with one day of 90 minutes in A1-4-1
    calendar_services.save_term(actor=fresh(filed.bureau_admin), bureau=filed.district_a,
                                school_year="2025-2026", name="第二学期", start=dt.date(2026, 3, 2),
                                end=dt.date(2026, 7, 10))
    file(filed.teacher_a, filed.class_a1_4_1, dt.date(2026, 3, 3), 90)
    report = burden.build(term=term, schools=[filed.school_a1, filed.school_a2])
    assert report["previous"]["term"] == "2025-2026学年第二学期"
    assert (report["previous"]["class_days"], report["previous"]["avg_minutes"],
            report["previous"]["over_share"]) == (1, 90.0, 1.0)


# ---- the live report's doors ------------------------------------------------------------------------


def test_bureau_reads_the_district_and_a_school_admin_their_school(filed, term, api_client):
    district = api_client(filed.bureau_admin).get(f"{URL}/burden?term={term.pk}").json()
    assert [r["name"] for r in district["schools"]] == ["甲区第一小学", "甲区第二小学"]
    own = api_client(filed.principal).get(f"{URL}/burden?term={term.pk}").json()
    assert [r["name"] for r in own["schools"]] == ["甲区第一小学"]
    assert own["totals"]["homework"]["class_days"] == 6
    # another school of the district is out of the principal's reach
    response = api_client(filed.principal).get(
        f"{URL}/burden?term={term.pk}&school={filed.school_a2.pk}")
    assert_error(response, 404, "not_found")


@pytest.mark.parametrize("actor,status", [("inspector", 200), ("teacher_a", 403),
                                          ("head_teacher_a", 403), ("guardian_p", 403),
                                          ("bureau_admin_b", 404), ("institution_staff", 403)])
def test_who_reads_the_live_report(filed, term, api_client, actor, status):
    response = api_client(getattr(filed, actor)).get(f"{URL}/burden?term={term.pk}")
    assert response.status_code == status


def test_burden_page_and_export(filed, term, web_client, django_assert_max_num_queries):
    client = web_client(filed.bureau_admin)
    with django_assert_max_num_queries(120):
        page = client.get(f"/wellbeing/burden/?term={term.pk}")
    assert page.status_code == 200
    html = page.content.decode()
    assert "课业负担监测" in html and 'id="publish"' in html and "chart-minutes" in html
    export = client.get(f"/wellbeing/burden/export/?term={term.pk}")
    assert export.status_code == 200
    book = load_workbook(io.BytesIO(export.content))
    assert book.sheetnames == ["各校", "每周趋势", "分学段", "说明"]
    rows = list(book["各校"].values)
    assert rows[2][0] == "甲区第一小学" and rows[2][2] == 6
    assert [r[0] for r in book["每周趋势"].values][1:] == ["2026-11-16", "2026-11-23"]
    # the principal's page has no publish form
    page = web_client(filed.principal).get(f"/wellbeing/burden/?term={term.pk}")
    assert page.status_code == 200 and 'id="publish"' not in page.content.decode()


# ---- publication --------------------------------------------------------------------------------------


def publish_report(api_client, cast, term, public=False):
    response = post_json(api_client(cast.bureau_admin), f"{URL}/publications",
                         {"term": term.pk, "public": public, "note": "2026 秋季学期"})
    assert response.status_code == 201, response.content
    return response.json()


def test_publication_freezes_the_figures(filed, term, api_client):
    # When the bureau publishes
    published = publish_report(api_client, filed, term)
    assert published["status"] == "published" and published["version"] == 1
    assert LogEntry.objects.filter(additional_data__code="wellbeing.burden.published").exists()
    # and more homework is filed afterwards
    file(filed.teacher_b, filed.class_a2_4_1, day(1), 30)
    # Then the publication still shows the figures of the moment it was published
    body = api_client(filed.bureau_admin).get(f"{URL}/publications/{published['id']}").json()
    assert body["report"]["totals"]["homework"]["class_days"] == 7
    live = api_client(filed.bureau_admin).get(f"{URL}/burden?term={term.pk}").json()
    assert live["totals"]["homework"]["class_days"] == 8
    # and publishing again updates it (version 2)
    again = publish_report(api_client, filed, term)
    assert again["id"] == published["id"] and again["version"] == 2
    assert BurdenPublication.objects.get().snapshot["totals"]["homework"]["class_days"] == 8


def test_guardians_of_the_district_see_their_childs_school_only(filed, term, api_client,
                                                                 make_families):
    published = publish_report(api_client, filed, term)
    url = f"{URL}/publications/{published['id']}"
    # P's guardian (school A1) sees A1 and the district's totals, not A2's row
    body = api_client(filed.guardian_p).get(url).json()
    assert [r["name"] for r in body["report"]["schools"]] == ["甲区第一小学"]
    assert body["report"]["totals"]["homework"]["class_days"] == 7
    # a family of A2 sees A2
    [(_, guardian_s)] = make_families(filed.class_a2_4_1, 1)
    body = api_client(guardian_s).get(url).json()
    assert [r["name"] for r in body["report"]["schools"]] == ["甲区第二小学"]
    # the principal sees their school
    body = api_client(filed.principal).get(url).json()
    assert [r["name"] for r in body["report"]["schools"]] == ["甲区第一小学"]
    # families of other districts and logins without children do not see it
    assert_error(api_client(filed.guardian_nobody).get(url), 404, "not_found")
    guardian_t = User.objects.create_user(username="guardian_t", password=PASSWORD)
    Guardian.objects.filter(phone="13812340005").update(user=guardian_t)
    assert_error(api_client(guardian_t).get(url), 404, "not_found")
    assert_error(api_client(filed.bureau_admin_b).get(url), 404, "not_found")
    # teachers have no part in it
    assert_error(api_client(filed.teacher_a).get(url), 404, "not_found")


def test_guardian_reads_the_published_report_on_the_web(filed, term, api_client, web_client):
    published = publish_report(api_client, filed, term)
    client = web_client(filed.guardian_p)
    hub = client.get("/wellbeing/")
    assert f"/wellbeing/burden/publications/{published['id']}/" in hub.content.decode()
    page = client.get(f"/wellbeing/burden/publications/{published['id']}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "甲区第一小学" in html and "甲区第二小学" not in html
    assert page.context["rows"][0]["homework"]["class_days"] == 6
    export = client.get(f"/wellbeing/burden/publications/{published['id']}/export/")
    assert export.status_code == 200 and "甲区第二小学".encode() not in export.content


def test_withdrawn_reports_disappear_for_guardians_and_the_public(filed, term, api_client,
                                                                   client):
    published = publish_report(api_client, filed, term, public=True)
    url = f"{URL}/publications/{published['id']}"
    assert "甲区第二小学" in client.get("/wellbeing/public/").content.decode()
    # When the bureau withdraws it
    response = post_json(api_client(filed.bureau_admin), f"{url}/withdraw")
    assert response.status_code == 200 and response.json()["status"] == "withdrawn"
    # Then guardians get 404 and the public page has nothing; the bureau still sees it
    assert_error(api_client(filed.guardian_p).get(url), 404, "not_found")
    assert "暂无公开的报告" in client.get("/wellbeing/public/").content.decode()
    assert api_client(filed.bureau_admin).get(url).json()["status"] == "withdrawn"
    assert_error(post_json(api_client(filed.bureau_admin), f"{url}/withdraw"), 409, "conflict")


def test_only_a_public_publication_reaches_the_public_page(filed, term, api_client, client):
    publish_report(api_client, filed, term, public=False)
    page = client.get("/wellbeing/public/")
    assert page.status_code == 200 and "暂无公开的报告" in page.content.decode()
    publish_report(api_client, filed, term, public=True)
    page = client.get("/wellbeing/public/")
    html = page.content.decode()
    assert "甲区第一小学" in html and "甲区第二小学" in html
    assert page.context["report"]["totals"]["homework"]["class_days"] == 7


@pytest.mark.parametrize("actor,status", [("principal", 403), ("inspector", 403),
                                          ("teacher_a", 403), ("guardian_p", 403),
                                          ("bureau_admin_b", 404)])
def test_only_the_districts_bureau_admin_publishes(filed, term, api_client, actor, status):
    response = post_json(api_client(getattr(filed, actor)), f"{URL}/publications",
                         {"term": term.pk})
    assert response.status_code == status
    assert not BurdenPublication.objects.exists()


def test_a_term_not_yet_started_cannot_be_published(cast, api_client):
    later = calendar_services.save_term(actor=fresh(cast.bureau_admin), bureau=cast.district_a,
                                        school_year="2026-2027", name="第二学期",
                                        start=dt.date(2027, 2, 22), end=dt.date(2027, 7, 2))
    response = post_json(api_client(cast.bureau_admin), f"{URL}/publications", {"term": later.pk})
    assert_error(response, 422, "invalid", "term")
