"""The school calendar (XC-2): statutory holidays and 调休 from chinese_calendar, the bureau's
terms, vacations and overrides, and a clear warning for a year the package does not know."""

import datetime as dt

import chinese_calendar
import pytest
from auditlog.models import LogEntry
from django.utils import timezone

from conftest import assert_error, has_chinese
from org.models import RoleAssignment, User
from org.roles import Role
from schoolcal import services
from schoolcal.models import DayOverride

D = dt.date


def _package_has(year):
    try:
        chinese_calendar.is_workday(D(year, 6, 1))
    except NotImplementedError:
        return False
    return True


@pytest.fixture
def school_year(cast, bureau_admin):
    """District A's calendar: two terms with the summer holiday between them."""
    services.save_term(actor=bureau_admin, bureau=cast.district_a, school_year="2025-2026",
                       name="第二学期", start=D(2026, 2, 24), end=D(2026, 7, 10))
    services.save_vacation(actor=bureau_admin, bureau=cast.district_a, name="暑假",
                           start=D(2026, 7, 11), end=D(2026, 8, 20))
    services.save_term(actor=bureau_admin, bureau=cast.district_a, school_year="2026-2027",
                       name="第一学期", start=D(2026, 9, 1), end=D(2027, 1, 22))
    services.save_vacation(actor=bureau_admin, bureau=cast.district_a, name="寒假",
                           start=D(2027, 1, 23), end=D(2027, 2, 21))
    return cast


def _days(client, start, end):
    response = client.get(f"/api/v1/calendar/days?start={start}&end={end}&limit=500")
    assert response.status_code == 200, response.content
    return {d["date"]: d for d in response.json()["items"]}


# ---- a year the package knows --------------------------------------------------------------

def test_the_package_knows_2026_and_its_national_day_makeup_workday():
    # Precondition for the tests below: 2026-10-10 is a Saturday worked in lieu (调休).
    assert _package_has(2026)
    assert D(2026, 10, 10).weekday() == 5
    assert chinese_calendar.is_workday(D(2026, 10, 10))
    assert chinese_calendar.is_holiday(D(2026, 10, 1))


@pytest.mark.parametrize("actor", ["principal", "teacher_a", "bureau_admin"])
def test_day_types_in_2026(actor, school_year, api_client, request):
    # Given district A's terms and vacations, read by school staff or the bureau
    days = _days(api_client(request.getfixturevalue(actor)), "2026-07-01", "2026-10-31")
    # National Day is a statutory holiday, not a school day
    assert days["2026-10-01"]["kind"] == "holiday"
    assert days["2026-10-01"]["is_school_day"] is False
    assert days["2026-10-01"]["name"]
    # the 调休 Saturday inside the term is a school day
    assert days["2026-10-10"]["kind"] == "makeup_workday"
    assert days["2026-10-10"]["is_school_day"] is True
    # a weekday in the summer vacation is a vacation day
    assert days["2026-07-15"]["kind"] == "vacation"
    assert days["2026-07-15"]["is_school_day"] is False
    # a normal weekday in term is a school day; a Sunday in term is not
    assert days["2026-10-12"]["kind"] == "school_day"
    assert days["2026-10-12"]["is_school_day"] is True
    assert days["2026-10-18"]["kind"] == "rest_day"
    assert days["2026-10-18"]["is_school_day"] is False
    # a weekday between the vacation and the next term is no school day
    assert days["2026-08-25"]["is_school_day"] is False
    assert days["2026-08-25"]["kind"] != "school_day"
    # and the package's year carries no warning
    assert all(d["warning"] == "" for d in days.values())


def test_without_terms_every_workday_is_a_school_day(cast, bureau_admin, api_client):
    days = _days(api_client(bureau_admin), "2026-08-24", "2026-08-30")
    assert days["2026-08-25"]["is_school_day"] is True
    assert days["2026-08-29"]["is_school_day"] is False


def test_a_range_that_ends_before_it_starts_is_refused(cast, bureau_admin, api_client):
    response = api_client(bureau_admin).get("/api/v1/calendar/days?start=2026-10-10&end=2026-10-01")
    assert_error(response, 422, "invalid", "end")


# ---- a year the package lacks --------------------------------------------------------------

def test_the_package_lacks_2027():
    assert not _package_has(2027)


def test_a_missing_year_falls_back_to_weekends_with_a_warning(school_year, bureau_admin,
                                                              api_client):
    # Given 2027, which chinese_calendar has no data for
    # When the bureau reads a week of January 2027 (inside the first term)
    days = _days(api_client(bureau_admin), "2027-01-04", "2027-01-10")
    # Then the answer comes (no crash): weekends rest, weekdays in term are school days
    for date in ("2027-01-04", "2027-01-05", "2027-01-06", "2027-01-07", "2027-01-08"):
        assert days[date]["kind"] == "school_day" and days[date]["is_school_day"] is True
    for date in ("2027-01-09", "2027-01-10"):
        assert days[date]["kind"] == "rest_day" and days[date]["is_school_day"] is False
    # and every day warns, in Chinese, that the year's holidays are not yet known
    assert all(d["warning"] and has_chinese(d["warning"]) and "2027" in d["warning"]
               for d in days.values())
    assert all(d["source"] == "fallback" for d in days.values())


def test_bureau_override_for_a_missing_year_is_honoured_and_audited(school_year, bureau_admin,
                                                                    api_client):
    client = api_client(bureau_admin)
    # Given 2027-01-01 (a Friday in term) would otherwise be a school day
    assert _days(client, "2027-01-01", "2027-01-01")["2027-01-01"]["is_school_day"] is True
    # When the bureau admin records it as a holiday
    response = client.post("/api/v1/calendar/overrides",
                           {"date": "2027-01-01", "kind": "holiday", "note": "元旦"},
                           content_type="application/json")
    # Then the override is stored for district A and audited
    assert response.status_code == 201, response.content
    assert response.json()["bureau"] == school_year.district_a.pk
    override = DayOverride.objects.get(date=D(2027, 1, 1))
    assert override.bureau_id == school_year.district_a.pk and override.kind == "holiday"
    entry = LogEntry.objects.get(additional_data__code="calendar.override.saved")
    assert entry.actor_id == bureau_admin.pk
    # and the day is now a holiday, not a school day, named by the bureau
    day = _days(client, "2027-01-01", "2027-01-01")["2027-01-01"]
    assert day["kind"] == "holiday" and day["is_school_day"] is False
    assert day["source"] == "override" and day["name"] == "元旦"


def test_principal_cannot_record_an_override(school_year, principal, api_client):
    response = api_client(principal).post("/api/v1/calendar/overrides",
                                          {"date": "2027-01-01", "kind": "holiday"},
                                          content_type="application/json")
    assert_error(response, 403, "forbidden")
    assert not DayOverride.objects.exists()


def test_city_override_applies_to_its_districts_and_the_district_wins(school_year, bureau_admin,
                                                                       api_client):
    # Given a city bureau admin above district A
    city_admin = User.objects.create_user(username="city", password="x", name="市局管理员")
    RoleAssignment.objects.create(user=city_admin, role=Role.BUREAU_ADMIN,
                                  bureau=school_year.city)
    city = api_client(city_admin)
    # When the city cancels school on two term days
    for date in ("2026-11-30", "2026-12-01"):
        response = city.post("/api/v1/calendar/overrides",
                             {"date": date, "kind": "no_school", "note": "全市停课"},
                             content_type="application/json")
        assert response.status_code == 201, response.content
        assert response.json()["bureau"] == school_year.city.pk
    # and district A keeps one of them as a school day
    response = api_client(bureau_admin).post("/api/v1/calendar/overrides",
                                             {"date": "2026-12-01", "kind": "school_day"},
                                             content_type="application/json")
    assert response.status_code == 201
    # Then district A's calendar follows the city, except where the district decided
    days = _days(api_client(bureau_admin), "2026-11-30", "2026-12-01")
    assert days["2026-11-30"]["kind"] == "no_school"
    assert days["2026-11-30"]["is_school_day"] is False
    assert days["2026-12-01"]["kind"] == "school_day"
    assert days["2026-12-01"]["is_school_day"] is True


def test_another_district_is_not_affected_by_district_a_overrides(school_year, bureau_admin,
                                                                  bureau_admin_b, api_client):
    api_client(bureau_admin).post("/api/v1/calendar/overrides",
                                  {"date": "2026-11-30", "kind": "no_school"},
                                  content_type="application/json")
    day = _days(api_client(bureau_admin_b), "2026-11-30", "2026-11-30")["2026-11-30"]
    assert day["kind"] == "school_day"


# ---- web pages -----------------------------------------------------------------------------

def test_calendar_page_warns_about_a_missing_year(school_year, bureau_admin, web_client):
    page = web_client(bureau_admin).get("/calendar/?year=2027").content.decode()
    assert 'id="calendar-warning"' in page
    start = page.index('id="calendar-warning"')
    warning = page[start:page.index("</div>", start)]
    assert "2027" in warning and has_chinese(warning)


def test_calendar_page_has_no_warning_for_a_known_year(school_year, bureau_admin, web_client):
    page = web_client(bureau_admin).get("/calendar/?year=2026").content.decode()
    assert 'id="calendar-warning"' not in page
    assert 'data-date="2026-10-10" data-kind="makeup_workday"' in page


def test_web_override_form_saves_and_shows_the_override(school_year, bureau_admin, web_client):
    client = web_client(bureau_admin)
    response = client.post("/calendar/overrides/",
                           {"date": "2027-01-01", "kind": "holiday", "note": "元旦"})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert 'data-date="2027-01-01" data-kind="holiday"' in page
    assert DayOverride.objects.filter(bureau=school_year.district_a, date=D(2027, 1, 1)).exists()


def test_home_page_warns_the_bureau_admin_about_missing_calendar_years(cast, bureau_admin,
                                                                       principal, web_client):
    # Given today's real date (no clock is frozen) and the years the package lacks
    today = timezone.localdate()
    missing = [y for y in (today.year, today.year + 1) if not _package_has(y)]
    assert missing  # on 2026-11-23 the package lacks 2027
    # When the bureau admin opens the home page; then each missing year is announced
    page = web_client(bureau_admin).get("/").content.decode()
    for year in missing:
        assert f"{year}年的法定节假日" in page
    # and staff who cannot enter overrides are not told to
    assert "年的法定节假日" not in web_client(principal).get("/").content.decode()


def test_working_days_skip_the_national_day_week_and_count_the_makeup_saturday(cast):
    # Given district A's calendar (the package's 2026 holidays)
    from schoolcal.calendar import SchoolCalendar

    calendar = SchoolCalendar(cast.district_a)
    # When counting working days from Wednesday 30 September 2026
    # Then 1–7 October are skipped and Saturday 10 October (调休) counts
    assert calendar.add_working_days(D(2026, 9, 30), 1) == D(2026, 10, 8)
    assert calendar.add_working_days(D(2026, 9, 30), 3) == D(2026, 10, 10)
    assert calendar.add_working_days(D(2026, 9, 30), 4) == D(2026, 10, 12)
    assert calendar.add_working_days(D(2026, 9, 30), 0) == D(2026, 9, 30)
    assert calendar.working_days_between(D(2026, 9, 30), D(2026, 10, 12)) == 4
    assert calendar.working_days_between(D(2026, 10, 12), D(2026, 9, 30)) == 0
