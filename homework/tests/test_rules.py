"""Every homework rule through the API door, POST /api/v1/homework (RULES.md §1, XC-1, XC-2).

A forbidden item is a 422 naming its rule and the field, and saves nothing. A limit is not a
refusal when filing: the item is saved and the answer carries a warning naming the rule.
"""

import datetime as dt

import pytest

from conftest import assert_error, fresh
from homework.models import Homework
from homework.tests.conftest import (
    MAKEUP_SATURDAY,
    MON,
    NATIONAL_DAY,
    SAT,
    TUE,
    assert_totals_match_items,
    class_day,
    day_url,
    hw_body,
    patch_json,
    post_homework,
    post_json,
    saved_state,
)
from org.models import RoleAssignment, User
from org.roles import Role
from policy import services as policy_services
from schoolcal import services as cal_services

pytestmark = pytest.mark.usefixtures("pinned_today")


def codes(response):
    return [w["code"] for w in response.json()["warnings"]]


@pytest.fixture
def maths(api_client, teacher_a):
    """Teacher A's client (maths in A1-4-1)."""
    return api_client(teacher_a)


@pytest.fixture
def filed_once(cast, maths):
    """One item already on Monday, so a refusal has totals it must leave alone."""
    response = post_homework(maths, cast.class_a1_4_1, minutes=25)
    assert response.status_code == 201, response.content
    return response.json()


def set_rule(cast, key, value, bureau=None, actor=None):
    policy_services.set_rule(actor=actor or cast.bureau_admin, bureau=bureau or cast.district_a,
                             key=key, value=value)


# ---- refusals: HW-8, HW-9, HW-10, HW-11 -----------------------------------------------------

@pytest.mark.parametrize(("fields", "rule", "field"), [
    ({"kind": "repetitive"}, "HW-8", "kind"),
    ({"kind": "punitive"}, "HW-8", "kind"),
    ({"parent_role": "parent_task"}, "HW-9", "parent_role"),
    ({"parent_role": "parent_grading"}, "HW-9", "parent_role"),
    ({"self_grading": True}, "HW-10", "self_grading"),
    ({"channel": "phone"}, "HW-11", "channel"),
    ({"requires_phone": True}, "HW-11", "requires_phone"),
    ({"kind": "oral", "place": "in_school", "requires_phone": True}, "HW-11", "requires_phone"),
])
def test_forbidden_homework_is_refused_with_its_rule_and_nothing_is_saved(
        cast, maths, filed_once, fields, rule, field):
    # Given a class-day that already has one item
    before = saved_state()
    # When teacher A files a forbidden item for the same day
    response = post_homework(maths, cast.class_a1_4_1, title="违规作业", **fields)
    # Then it is refused with the rule's id and field
    assert_error(response, 422, rule, field)
    # and neither the items nor the day's totals changed
    assert saved_state() == before
    assert not Homework.objects.filter(title="违规作业").exists()


def test_changing_an_item_into_a_forbidden_one_is_refused_and_totals_stay(cast, maths,
                                                                          filed_once):
    # Given a filed item
    before = saved_state()
    # When its teacher turns it into punitive homework, or asks parents to grade it
    for data, rule in [({"kind": "punitive"}, "HW-8"), ({"parent_role": "parent_grading"}, "HW-9"),
                       ({"self_grading": True}, "HW-10"), ({"channel": "phone"}, "HW-11")]:
        response = patch_json(maths, f"/api/v1/homework/{filed_once['id']}", data)
        # Then each change is refused by its rule
        assert_error(response, 422, rule)
    # and nothing moved
    assert saved_state() == before
    assert Homework.objects.get(pk=filed_once["id"]).kind == "written"


# ---- HW-1: no written homework to take home in grades 1–2 -----------------------------------

def test_written_homework_to_take_home_in_grade_2_is_refused(cast, api_client, teacher_g2):
    client = api_client(teacher_g2)
    # Given an accepted in-school exercise for the grade-2 class
    assert post_homework(client, cast.class_a1_2_1, place="in_school").status_code == 201
    before = saved_state()
    # When the grade-2 teacher files written homework to be done at home
    response = post_homework(client, cast.class_a1_2_1, place="home", title="抄写生字")
    # Then HW-1 refuses it on the place field, and nothing is saved
    assert_error(response, 422, "HW-1", "place")
    assert saved_state() == before


@pytest.mark.parametrize("fields", [
    {"kind": "written", "place": "in_school"},
    {"kind": "written", "place": "after_school"},
    {"kind": "oral", "place": "home"},
    {"kind": "practical", "place": "home"},
])
def test_grade_2_may_have_in_school_exercises_and_oral_homework(cast, api_client, teacher_g2,
                                                                 fields):
    # When the grade-2 teacher files an in-school written exercise or oral homework
    response = post_homework(api_client(teacher_g2), cast.class_a1_2_1, minutes=15, **fields)
    # Then it is accepted without warnings and counts nothing toward HW-1's zero limit
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["warnings"] == []
    day = body["class_day"]
    assert (day["written_minutes"], day["total_minutes"], day["item_count"]) == (0, 15, 1)
    assert (day["limit_minutes"], day["limit_rule"], day["over_limit"]) == (0, "HW-1", False)
    assert Homework.objects.filter(school_class=cast.class_a1_2_1, **fields).count() == 1


@pytest.mark.parametrize("place", ["HOME", "home ", "garden"])
def test_an_unknown_place_is_no_way_around_hw1(cast, api_client, teacher_g2, place):
    # When the grade-2 teacher files written homework with a place that is not a choice
    response = post_homework(api_client(teacher_g2), cast.class_a1_2_1, place=place)
    # Then it is refused (not saved as an item that neither HW-1 nor the limit sees)
    assert_error(response, 422, "invalid", "place")
    assert not Homework.objects.filter(school_class=cast.class_a1_2_1).exists()


def test_moving_grade_2_written_homework_home_is_refused(cast, api_client, teacher_g2):
    # Given an in-school written exercise in grade 2
    client = api_client(teacher_g2)
    item = post_homework(client, cast.class_a1_2_1, place="in_school").json()
    before = saved_state()
    # When its teacher changes it to be done at home
    response = patch_json(client, f"/api/v1/homework/{item['id']}", {"place": "home"})
    # Then HW-1 refuses the change and the item stays in school
    assert_error(response, 422, "HW-1", "place")
    assert saved_state() == before
    assert Homework.objects.get(pk=item["id"]).place == "in_school"


# ---- HW-2 / HW-3: the daily limit by stage (XC-1) -------------------------------------------

def test_primary_class_over_60_minutes_is_saved_with_an_hw2_warning(cast, maths, api_client,
                                                                    head_teacher_a):
    # Given 40 minutes of written homework for grade 4 (primary, limit 60)
    first = post_homework(maths, cast.class_a1_4_1, minutes=40)
    assert first.status_code == 201
    assert first.json()["warnings"] == []
    assert first.json()["class_day"]["over_limit"] is False
    # When the head teacher adds 30 minutes of Chinese
    second = post_homework(api_client(head_teacher_a), cast.class_a1_4_1, subject="chinese",
                           minutes=30)
    # Then it is saved, with a warning naming HW-2
    assert second.status_code == 201, second.content
    assert codes(second) == ["HW-2"]
    day = second.json()["class_day"]
    assert day["written_minutes"] == 70
    assert (day["limit_minutes"], day["limit_rule"], day["over_limit"]) == (60, "HW-2", True)
    # and the database agrees
    stored = class_day(cast.class_a1_4_1, MON)
    assert (stored.counted_minutes, stored.over_limit, stored.item_count) == (70, True, 2)
    assert stored.written_subjects == {"maths": 40, "chinese": 30}


def test_exactly_the_limit_is_within_it(cast, maths):
    response = post_homework(maths, cast.class_a1_4_1, minutes=60)
    assert response.status_code == 201
    assert response.json()["warnings"] == []
    assert response.json()["class_day"]["over_limit"] is False
    # one more minute crosses it
    response = post_homework(maths, cast.class_a1_4_1, minutes=1)
    assert codes(response) == ["HW-2"]


@pytest.mark.parametrize(("stage", "system", "grade", "limit", "rule"), [
    ("junior", "6-3", 7, 90, "HW-3"),
    ("junior", "5-4", 6, 90, "HW-3"),  # XC-1: in 五四制 grade 6 is junior
    ("primary", "6-3", 6, 60, "HW-2"),  # …while in 六三制 grade 6 is primary
    ("nine_year", "5-4", 6, 90, "HW-3"),
    ("nine_year", "6-3", 6, 60, "HW-2"),
])
def test_the_limit_follows_the_stage_of_the_grade_in_the_school_system(
        api_client, make_class, stage, system, grade, limit, rule):
    school_class, teacher = make_class(stage, system, grade)
    client = api_client(teacher)
    # Given written homework exactly at the stage's limit
    at_limit = post_homework(client, school_class, minutes=limit)
    assert at_limit.status_code == 201, at_limit.content
    assert at_limit.json()["warnings"] == []
    assert at_limit.json()["class_day"]["limit_minutes"] == limit
    assert at_limit.json()["class_day"]["limit_rule"] == rule
    # When five more minutes are filed
    over = post_homework(client, school_class, minutes=5, title="再加一点")
    # Then the warning names the stage's rule
    assert codes(over) == [rule]
    assert over.json()["class_day"]["written_minutes"] == limit + 5
    assert class_day(school_class, MON).over_limit is True


def test_junior_class_95_minutes_warns_hw3_with_limit_90(api_client, make_class):
    school_class, teacher = make_class("junior", "6-3", 7)
    response = post_homework(api_client(teacher), school_class, minutes=95)
    assert response.status_code == 201
    assert codes(response) == ["HW-3"]
    day = response.json()["class_day"]
    assert (day["written_minutes"], day["limit_minutes"], day["over_limit"]) == (95, 90, True)


# ---- HW-4: weekends, holidays and vacations (XC-2) ------------------------------------------

def test_saturday_uses_hw4_with_the_weekday_limit_by_default(cast, maths):
    # Given the national default (same limit as a school day)
    response = post_homework(maths, cast.class_a1_4_1, date=SAT, minutes=60)
    assert response.status_code == 201
    day = response.json()["class_day"]
    assert (day["limit_minutes"], day["limit_rule"], day["over_limit"]) == (60, "HW-4", False)
    assert response.json()["warnings"] == []
    # When it goes over
    response = post_homework(maths, cast.class_a1_4_1, date=SAT, minutes=10)
    # Then the warning is HW-4, not HW-2
    assert codes(response) == ["HW-4"]


def test_district_with_no_homework_on_rest_days_warns_hw4_for_any_minute(cast, maths):
    # Given district A forbids written homework on rest days
    set_rule(cast, "hw.holiday_policy", "none")
    # When 10 counted minutes are filed for Saturday
    response = post_homework(maths, cast.class_a1_4_1, date=SAT, minutes=10)
    # Then HW-4 warns against a limit of 0
    assert response.status_code == 201
    assert codes(response) == ["HW-4"]
    day = response.json()["class_day"]
    assert (day["written_minutes"], day["limit_minutes"], day["limit_rule"]) == (10, 0, "HW-4")
    assert day["over_limit"] is True
    # while oral homework on Saturday is fine (it does not count)
    oral = post_homework(maths, cast.class_a1_4_1, date=SAT, minutes=10, kind="oral",
                         title="朗读")
    assert codes(oral) == ["HW-4"]  # the day is still over because of the written item
    assert oral.json()["class_day"]["written_minutes"] == 10
    # and a school day keeps its ordinary limit
    weekday = post_homework(maths, cast.class_a1_4_1, date=TUE, minutes=10)
    assert weekday.json()["class_day"]["limit_rule"] == "HW-2"
    assert weekday.json()["warnings"] == []


def test_half_day_policy_halves_the_rest_day_limit(cast, maths):
    set_rule(cast, "hw.holiday_policy", "half_of_school_day")
    response = post_homework(maths, cast.class_a1_4_1, date=SAT, minutes=31)
    assert codes(response) == ["HW-4"]
    assert response.json()["class_day"]["limit_minutes"] == 30


@pytest.mark.parametrize(("date", "rule"), [
    (NATIONAL_DAY, "HW-4"),  # statutory holiday
    (MAKEUP_SATURDAY, "HW-2"),  # 调休 working Saturday is a school day
    (MON, "HW-2"),
    (SAT, "HW-4"),
])
def test_the_day_type_comes_from_the_state_council_calendar(cast, maths, date, rule):
    response = post_homework(maths, cast.class_a1_4_1, date=date)
    assert response.status_code == 201, response.content
    assert response.json()["class_day"]["limit_rule"] == rule


def test_a_configured_vacation_uses_hw4(cast, maths):
    # Given district A configured a short winter break over a week of working days
    cal_services.save_vacation(actor=cast.bureau_admin, bureau=cast.district_a, name="冬令营假期",
                               start=dt.date(2026, 11, 28), end=dt.date(2026, 12, 4))
    set_rule(cast, "hw.holiday_policy", "none")
    # When homework is filed for Monday 30 November (a working day inside the vacation)
    response = post_homework(maths, cast.class_a1_4_1, date=dt.date(2026, 11, 30), minutes=5)
    # Then it is a rest day for HW-4
    assert response.json()["class_day"]["limit_rule"] == "HW-4"
    assert codes(response) == ["HW-4"]


# ---- district values: stricter only, and only in the district ----------------------------

def test_a_stricter_district_primary_limit_applies(cast, maths):
    # Given district A sets primary homework to at most 45 minutes (as Anshan does)
    set_rule(cast, "hw.max_avg_minutes.primary", 45)
    # When 50 minutes are filed
    response = post_homework(maths, cast.class_a1_4_1, minutes=50)
    # Then HW-2 warns against 45
    assert codes(response) == ["HW-2"]
    day = response.json()["class_day"]
    assert (day["limit_minutes"], day["limit_rule"], day["over_limit"]) == (45, "HW-2", True)


def test_another_districts_stricter_limit_does_not_apply(cast, maths):
    # Given district B (not A) sets 30 minutes
    set_rule(cast, "hw.max_avg_minutes.primary", 30, bureau=cast.district_b,
             actor=cast.bureau_admin_b)
    # When 50 minutes are filed in district A
    response = post_homework(maths, cast.class_a1_4_1, minutes=50)
    # Then A keeps the national 60
    assert response.json()["warnings"] == []
    assert response.json()["class_day"]["limit_minutes"] == 60


def test_a_city_limit_applies_to_its_districts(cast, maths):
    # Given the city bureau (parent of district A) sets 40 minutes
    city_admin = User.objects.create_user(username="city_admin", name="市局管理员")
    RoleAssignment.objects.create(user=city_admin, role=Role.BUREAU_ADMIN, bureau=cast.city)
    set_rule(cast, "hw.max_avg_minutes.primary", 40, bureau=cast.city, actor=fresh(city_admin))
    response = post_homework(maths, cast.class_a1_4_1, minutes=45)
    assert codes(response) == ["HW-2"]
    assert response.json()["class_day"]["limit_minutes"] == 40


# ---- HW-20: number of subjects with written homework ----------------------------------------

def test_more_written_subjects_than_the_district_allows_warns_and_blocks_publication(
        cast, maths, api_client, head_teacher_a):
    # Given district A allows written homework in one subject a day (primary)
    set_rule(cast, "hw.max_written_subjects.primary", 1)
    head = api_client(head_teacher_a)
    first = post_homework(maths, cast.class_a1_4_1, minutes=20)
    assert first.json()["warnings"] == []
    # An oral Chinese item does not make a second written subject
    oral = post_homework(head, cast.class_a1_4_1, subject="chinese", kind="oral", minutes=10)
    assert oral.json()["warnings"] == []
    # When the head teacher adds written Chinese (40 minutes in all, under the 60 limit)
    second = post_homework(head, cast.class_a1_4_1, subject="chinese", minutes=20)
    # Then HW-20 warns, the day is over its limits
    assert second.status_code == 201
    assert codes(second) == ["HW-20"]
    assert second.json()["class_day"]["over_limit"] is True
    assert second.json()["class_day"]["written_minutes"] == 40
    # and publication is refused with HW-20
    response = post_json(head, day_url(cast.class_a1_4_1, MON, "publish"))
    assert_error(response, 422, "HW-20")
    assert class_day(cast.class_a1_4_1, MON).published is False


# ---- what counts toward the limit -----------------------------------------------------------

@pytest.mark.parametrize(("fields", "counted"), [
    ({"kind": "written", "layer": "required", "place": "home"}, True),
    ({"kind": "written", "layer": "basic", "place": "home"}, True),
    ({"kind": "written", "layer": "advanced", "place": "home"}, False),
    ({"kind": "written", "layer": "challenge", "place": "home"}, False),
    ({"kind": "written", "layer": "optional", "place": "home"}, False),
    ({"kind": "written", "layer": "personalised", "place": "home", "pupils": "P"}, False),
    ({"kind": "written", "layer": "required", "place": "in_school"}, False),
    ({"kind": "written", "layer": "required", "place": "after_school"}, False),
    ({"kind": "oral", "layer": "required", "place": "home"}, False),
    ({"kind": "practical", "layer": "required", "place": "home"}, False),
    ({"kind": "labour", "layer": "required", "place": "home"}, False),
    ({"kind": "cross_subject", "layer": "required", "place": "home"}, False),
])
def test_only_required_or_basic_written_homework_at_home_counts(cast, maths, fields, counted):
    fields = dict(fields)
    if fields.get("pupils") == "P":
        fields["pupils"] = [cast.pupil_p.pk]
    # When 70 minutes of this kind are filed for grade 4 (limit 60)
    response = post_homework(maths, cast.class_a1_4_1, minutes=70, **fields)
    assert response.status_code == 201, response.content
    day = response.json()["class_day"]
    # Then only counted homework fills the limit and warns
    assert day["written_minutes"] == (70 if counted else 0)
    assert day["total_minutes"] == 70
    assert day["item_count"] == 1
    assert codes(response) == (["HW-2"] if counted else [])
    stored = class_day(cast.class_a1_4_1, MON)
    assert stored.written_subjects == ({"maths": 70} if counted else {})
    # and the item says so on the board
    board = maths.get(day_url(cast.class_a1_4_1, MON)).json()
    assert [i["counts_toward_limit"] for i in board["items"]] == [counted]


def test_a_mixed_day_adds_up_only_the_counted_items(cast, maths):
    for fields in [{"minutes": 20}, {"minutes": 15, "layer": "basic"},
                   {"minutes": 30, "layer": "challenge"}, {"minutes": 25, "place": "in_school"},
                   {"minutes": 10, "kind": "oral"}]:
        assert post_homework(maths, cast.class_a1_4_1, **fields).status_code == 201
    day = class_day(cast.class_a1_4_1, MON)
    assert (day.counted_minutes, day.total_minutes, day.item_count) == (35, 100, 5)
    assert day.over_limit is False
    assert_totals_match_items(cast.class_a1_4_1)  # and the kind/layer/place breakdowns


# ---- personalised homework and field checks -------------------------------------------------

@pytest.mark.parametrize(("fields", "code"), [
    ({"layer": "personalised"}, "required"),
    ({"layer": "personalised", "pupils": "R"}, "invalid"),  # pupil of another class
    ({"layer": "personalised", "pupils": "missing"}, "invalid"),
    ({"layer": "required", "pupils": "P"}, "invalid"),  # only personalised names pupils
])
def test_personalised_homework_needs_pupils_of_the_class(cast, maths, filed_once, fields, code):
    fields = dict(fields)
    ids = {"P": [cast.pupil_p.pk], "R": [cast.pupil_r.pk], "missing": [999_999]}
    if "pupils" in fields:
        fields["pupils"] = ids[fields["pupils"]]
    before = saved_state()
    response = post_homework(maths, cast.class_a1_4_1, **fields)
    assert_error(response, 422, code, "pupils")
    assert saved_state() == before


def test_personalised_homework_names_its_pupils(cast, maths):
    response = post_homework(maths, cast.class_a1_4_1, layer="personalised",
                             pupils=[cast.pupil_p.pk, cast.pupil_q.pk])
    assert response.status_code == 201
    item = Homework.objects.get(pk=response.json()["id"])
    assert set(item.pupils.all()) == {cast.pupil_p, cast.pupil_q}


@pytest.mark.parametrize(("fields", "code", "field"), [
    ({"minutes": 0}, "invalid", "minutes"),
    ({"minutes": 301}, "invalid", "minutes"),
    ({"minutes": -5}, "invalid", "minutes"),
    ({"title": "   "}, "required", "title"),
    ({"subject": "alchemy"}, "invalid", "subject"),
    ({"kind": "essay"}, "invalid", "kind"),
    ({"layer": "gold"}, "invalid", "layer"),
    ({"place": "garden"}, "invalid", "place"),
    ({"place": "HOME"}, "invalid", "place"),
    ({"channel": "carrier_pigeon"}, "invalid", "channel"),
    ({"date": MON.replace(year=2028)}, "invalid", "date"),
    ({"date": MON.replace(year=2025, month=11, day=20)}, "invalid", "date"),
])
def test_invalid_fields_are_refused_and_nothing_is_saved(cast, maths, filed_once, fields, code,
                                                         field):
    before = saved_state()
    response = post_homework(maths, cast.class_a1_4_1, **fields)
    assert_error(response, 422, code, field)
    assert saved_state() == before


def test_missing_minutes_is_required(cast, maths):
    body = hw_body(cast.class_a1_4_1)
    del body["minutes"]
    response = maths.post("/api/v1/homework", body, content_type="application/json")
    assert_error(response, 422, "required", "minutes")
    assert Homework.objects.count() == 0
