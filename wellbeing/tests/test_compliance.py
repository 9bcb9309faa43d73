"""School settings and reading lists checked against the rules (SL-2, PE-1, PE-2, PE-3, PH-1,
PH-2, RD-1, RD-2), with the district's stricter values; through the API."""

import pytest
from auditlog.models import LogEntry

from conftest import assert_error, fresh
from policy.services import set_rule
from wellbeing.models import ReadingList, SchoolSettings
from wellbeing.tests.conftest import compliant_settings, post_json, put_json

URL = "/api/v1/wellbeing"


def settings_url(school, term):
    return f"{URL}/settings/{school.pk}/{term.pk}"


def checks(body, rule):
    return [c for c in body["checks"] if c["rule"] == rule]


def stricter(cast, key, value):
    set_rule(actor=fresh(cast.bureau_admin), bureau=cast.district_a, key=key, value=value,
             reason="本区从严（测试）")


def declare(api_client, cast, term, school=None, actor=None, **overrides):
    school = school or cast.school_a1
    response = put_json(api_client(actor or cast.principal), settings_url(school, term),
                        compliant_settings(school, **overrides))
    assert response.status_code == 200, response.content
    return response.json()


# ---- the whole declaration ----------------------------------------------------------------------


def test_a_compliant_declaration_passes_every_check_and_is_audited(cast, term, api_client):
    # Given school A1 (primary, grades 1–6) and the national values
    # When the principal declares settings meeting every rule
    body = declare(api_client, cast, term)
    # Then every item is 符合, one per stage for SL-2 and one per grade for PE-1
    assert body["filled"] and body["compliant"], body["checks"]
    assert {c["rule"] for c in body["checks"]} == {"SL-2", "PE-1", "PE-2", "PH-1", "PH-2", "RD-1",
                                                   "RD-2"}
    assert len(checks(body, "PE-1")) == 6
    assert [c["required"] for c in checks(body, "SL-2")][0] == "不早于 08:20"
    # and the declaration is stored and audited
    stored = SchoolSettings.objects.get(school=cast.school_a1, term=term)
    assert stored.pe_lessons == {"1": 4, "2": 4, "3": 3, "4": 3, "5": 3, "6": 3}
    assert LogEntry.objects.filter(additional_data__code="wellbeing.settings.saved").count() == 1


def test_before_the_school_declares_every_item_is_unfilled(cast, term, api_client):
    body = api_client(cast.principal).get(settings_url(cast.school_a1, term)).json()
    assert body["filled"] is False and body["compliant"] is False
    assert {c["ok"] for c in body["checks"] if c["rule"] not in ("RD-1", "RD-2")} == {None}


# ---- SL-2 -----------------------------------------------------------------------------------------


def test_sl2_class_start_before_the_districts_stricter_time_is_not_compliant(cast, term,
                                                                              api_client):
    # Given the district requires primary classes to start no earlier than 08:30 (stricter)
    stricter(cast, "sl.earliest_start.primary", "08:30")
    # When A1 declares 08:20 (the national value)
    body = declare(api_client, cast, term, class_start_primary="08:20")
    # Then SL-2 is not met, showing the district's value as stricter than the national one
    [start, early] = checks(body, "SL-2")
    assert start["ok"] is False and start["value"] == "08:20"
    assert start["required"] == "不早于 08:30" and start["stricter"] is True
    assert early["ok"] is True
    assert body["compliant"] is False
    # and the declaration was saved all the same: the bureau follows up
    assert SchoolSettings.objects.get(school=cast.school_a1).class_start_primary.hour == 8


def test_sl2_national_value_passes_where_the_district_did_not_tighten(cast, term, api_client):
    body = declare(api_client, cast, term, class_start_primary="08:20")
    assert checks(body, "SL-2")[0]["ok"] is True
    assert checks(body, "SL-2")[0]["stricter"] is False


def test_sl2_requiring_early_arrival_is_not_compliant(cast, term, api_client):
    body = declare(api_client, cast, term, early_arrival_required=True)
    assert [c["ok"] for c in checks(body, "SL-2")] == [True, False]


def test_sl2_a_district_can_never_be_looser_than_the_national_time(cast, api_client):
    # Given the national earliest start 08:20; when the district tries 08:00
    response = put_json(api_client(cast.bureau_admin),
                        "/api/v1/policy/settings/sl.earliest_start.primary", {"value": "08:00"})
    # Then it is refused with the rule id
    assert_error(response, 422, "SL-2", "value")


def test_sl2_nine_year_school_is_checked_per_stage(cast, term, nine_year_school, api_client):
    # Given a nine-year school: primary 08:20, junior 08:00 (national)
    # When it declares primary 08:30 and junior 07:50
    body = declare(api_client, cast, term, school=nine_year_school, actor=nine_year_school.admin,
                   class_start_primary="08:30", class_start_junior="07:50")
    # Then the primary section complies and the junior section does not
    sl2 = {c["label"]: c["ok"] for c in checks(body, "SL-2")}
    assert sl2["小学部上午第一节课开始时间"] is True
    assert sl2["初中部上午第一节课开始时间"] is False
    assert len(checks(body, "PE-1")) == 9


def test_sl2_junior_school_needs_no_primary_start(cast, term, junior_school, api_client):
    body = declare(api_client, cast, term, school=junior_school, actor=junior_school.admin)
    labels = [c["label"] for c in checks(body, "SL-2")]
    assert labels == ["初中部上午第一节课开始时间", "要求学生提前到校参加统一活动"]
    assert body["compliant"] is True


# ---- PE-1, PE-2, PE-3 -------------------------------------------------------------------------------


def test_pe1_lessons_below_the_districts_stricter_minimum_fail_per_grade(cast, term, api_client):
    # Given the district requires 4 PE lessons a week from grade 3 on as well (stricter than 3)
    stricter(cast, "pe.lessons_per_week.g3_9", 4)
    # When A1 declares 4 lessons in grades 1–2 and 3 in grades 3–6
    body = declare(api_client, cast, term)
    # Then grades 1–2 comply and grades 3–6 do not
    pe1 = [(c["label"], c["ok"], c["required"]) for c in checks(body, "PE-1")]
    assert [ok for _, ok, _ in pe1] == [True, True, False, False, False, False]
    assert pe1[2][2] == "不少于 4 课时"


def test_pe1_grade_one_below_four_lessons_fails_nationally(cast, term, api_client):
    lessons = {"1": 3, "2": 4, "3": 3, "4": 3, "5": 3, "6": 3}
    body = declare(api_client, cast, term, pe_lessons=lessons)
    assert [c["ok"] for c in checks(body, "PE-1")][:2] == [False, True]


def test_pe2_big_break_and_in_school_hour_against_stricter_values(cast, term, api_client):
    # Given the district requires a 40-minute big break
    stricter(cast, "pe.big_break_minutes", 40)
    # When A1 declares the national 30 minutes and 50 minutes of activity in school
    body = declare(api_client, cast, term, big_break_minutes=30, in_school_activity_minutes=50)
    # Then both PE-2 items fail
    pe2 = {c["label"]: (c["ok"], c["required"]) for c in checks(body, "PE-2")}
    assert pe2["每天大课间时长"] == (False, "不少于 40 分钟")
    assert pe2["每天校内体育活动时间"] == (False, "不少于 60 分钟")


def test_pe3_breaks_are_checked_only_once_the_district_adopts_it(cast, term, api_client):
    # Given 10-minute breaks, before the district adopts PE-3: nothing to check
    body = declare(api_client, cast, term, break_minutes=10)
    assert checks(body, "PE-3") == []
    # When the district adopts PE-3 (and may not go back)
    stricter(cast, "pe.adopt_pe3", "yes")
    body = api_client(cast.principal).get(settings_url(cast.school_a1, term)).json()
    # Then the 15-minute break rule applies
    [item] = checks(body, "PE-3")
    assert item["ok"] is False and item["required"] == "不少于 15 分钟"
    response = put_json(api_client(cast.bureau_admin), "/api/v1/policy/settings/pe.adopt_pe3",
                        {"value": "no"})
    assert response.status_code == 200  # the district's own floor is the national "no" …
    from org.models import RoleAssignment, User

    # … but under a city that adopted it, a district cannot opt out
    city = User.objects.create_user(username="city", password="x-strong-pass-1")
    RoleAssignment.objects.create(user=city, role="bureau_admin", bureau=cast.city)
    set_rule(actor=fresh(city), bureau=cast.city, key="pe.adopt_pe3", value="yes")
    response = put_json(api_client(cast.bureau_admin), "/api/v1/policy/settings/pe.adopt_pe3",
                        {"value": "no"})
    assert_error(response, 422, "PE-3", "value")


# ---- PH-1, PH-2 -------------------------------------------------------------------------------------


@pytest.mark.parametrize("field,value,label", [
    ("phone_default", "allowed", "学生手机进校"),
    ("phone_consent_required", False, "确需带入的须家长同意、学生书面申请"),
    ("phone_kept_by_school", False, "进校后由学校统一保管"),
    ("phone_banned_in_class", False, "禁止带入课堂"),
])
def test_ph1_each_part_of_the_phone_rule(cast, term, api_client, field, value, label):
    # Given a declaration breaking one part of PH-1
    body = declare(api_client, cast, term, **{field: value})
    # Then exactly that item fails
    failed = [c["label"] for c in checks(body, "PH-1") if c["ok"] is False]
    assert failed == [label]


def test_ph2_needs_at_least_one_way_to_reach_parents(cast, term, api_client):
    body = declare(api_client, cast, term, public_phone=False, head_teacher_hotline=False)
    assert [c["ok"] for c in checks(body, "PH-2")] == [False]
    body = declare(api_client, cast, term, public_phone=False, head_teacher_hotline=False,
                   e_student_card=True)
    [item] = checks(body, "PH-2")
    assert item["ok"] is True and item["value"] == "电子学生证"


# ---- validation: field codes, nothing saved ---------------------------------------------------------


@pytest.mark.parametrize("overrides,code,field", [
    ({"class_start_primary": None}, "required", "class_start_primary"),
    ({"pe_lessons": {"1": 4}}, "required", "pe_lessons"),
    ({"pe_lessons": {str(g): 3 for g in range(1, 10)}}, "invalid", "pe_lessons"),
    ({"pe_lessons": {str(g): 30 for g in range(1, 7)}}, "invalid", "pe_lessons"),
    ({"phone_default": "sometimes"}, "invalid", "phone_default"),
    ({"big_break_minutes": -5}, "invalid", "big_break_minutes"),
])
def test_invalid_settings_are_refused_with_a_field_code_and_nothing_saved(
        cast, term, api_client, overrides, code, field):
    response = put_json(api_client(cast.principal), settings_url(cast.school_a1, term),
                        compliant_settings(cast.school_a1, **overrides))
    assert_error(response, 422, code, field)
    assert not SchoolSettings.objects.exists()


def test_a_term_of_another_district_is_refused(cast, term_b, api_client):
    response = put_json(api_client(cast.principal), settings_url(cast.school_a1, term_b),
                        compliant_settings(cast.school_a1))
    assert response.status_code in (404, 422)
    assert not SchoolSettings.objects.exists()


# ---- who may declare and read ------------------------------------------------------------------------


@pytest.mark.parametrize("actor,status", [("teacher_a", 403), ("head_teacher_a", 403),
                                          ("bureau_admin", 403), ("inspector", 403),
                                          ("guardian_p", 404), ("bureau_admin_b", 404)])
def test_only_the_schools_admin_declares(cast, term, api_client, actor, status):
    response = put_json(api_client(getattr(cast, actor)), settings_url(cast.school_a1, term),
                        compliant_settings(cast.school_a1))
    assert response.status_code == status
    assert not SchoolSettings.objects.exists()


@pytest.mark.parametrize("actor,status", [("principal", 200), ("bureau_admin", 200),
                                          ("inspector", 200), ("teacher_a", 403),
                                          ("teacher_b", 404), ("bureau_admin_b", 404),
                                          ("guardian_p", 404)])
def test_who_reads_a_schools_settings(cast, term, api_client, actor, status):
    declare(api_client, cast, term)
    response = api_client(getattr(cast, actor)).get(settings_url(cast.school_a1, term))
    assert response.status_code == status


def test_another_schools_admin_gets_404(cast, term, junior_school, api_client):
    response = put_json(api_client(junior_school.admin), settings_url(cast.school_a1, term),
                        compliant_settings(cast.school_a1))
    assert_error(response, 404, "not_found")


def test_bureau_sees_the_compliance_of_every_school_of_its_district(cast, term, api_client,
                                                                    junior_school):
    # Given A1 compliant, the junior school breaking PH-1, A2 not yet declared
    declare(api_client, cast, term)
    declare(api_client, cast, term, school=junior_school, actor=junior_school.admin,
            phone_default="allowed")
    # When the bureau lists compliance
    body = api_client(cast.bureau_admin).get(f"{URL}/compliance?term={term.pk}").json()
    rows = {r["school_name"]: r for r in body["items"]}
    # Then every school of district A is there, district B's is not
    assert set(rows) == {"甲区第一小学", "甲区第二小学", "甲区第一中学"}
    assert rows["甲区第一小学"]["compliant"] is True
    assert rows["甲区第一中学"]["by_rule"]["PH-1"] is False
    assert rows["甲区第二小学"]["by_rule"]["SL-2"] is None
    # and a school admin sees only their own school
    own = api_client(cast.principal).get(f"{URL}/compliance?term={term.pk}").json()
    assert [r["school_name"] for r in own["items"]] == ["甲区第一小学"]
    # and another district's bureau cannot reach the term at all
    assert api_client(cast.bureau_admin_b).get(
        f"{URL}/compliance?term={term.pk}").status_code == 404


# ---- RD-1, RD-2: reading lists --------------------------------------------------------------------


def reading_body(cast, **overrides):
    body = {"school": cast.school_a1.pk, "school_year": "2026-2027", "title": "2026 学年推荐书目",
            "grades": [3, 4], "books": "小王子 / 圣埃克苏佩里 / 人民文学出版社\n草房子 / 曹文轩 / 天天出版社",
            "purchase": "voluntary", "disclosed_to_parents": True}
    body.update(overrides)
    return body


def create_list(api_client, cast, **overrides):
    response = post_json(api_client(cast.principal), f"{URL}/reading-lists",
                         reading_body(cast, **overrides))
    assert response.status_code == 201, response.content
    return response.json()


def advance(api_client, cast, reading_id, to, **extra):
    return post_json(api_client(cast.principal), f"{URL}/reading-lists/{reading_id}/advance",
                     {"to": to, **extra})


def test_rd1_a_second_recommendation_in_the_same_school_year_is_refused(cast, term, api_client):
    # Given A1 recommended once in 2026-2027
    create_list(api_client, cast)
    # When it records a second recommendation for the same school year
    response = post_json(api_client(cast.principal), f"{URL}/reading-lists",
                         reading_body(cast, title="第二批"))
    # Then RD-1 refuses it and nothing is stored
    assert_error(response, 422, "RD-1", "school_year")
    assert ReadingList.objects.count() == 1
    # and the next school year is another matter
    create_list(api_client, cast, school_year="2027-2028")
    assert ReadingList.objects.count() == 2


def test_rd1_the_procedure_runs_in_order_and_review_confirms_the_negative_list(cast, term,
                                                                               api_client):
    reading = create_list(api_client, cast)
    assert reading["status"] == "selected"
    # Skipping a step is refused with RD-1
    assert_error(advance(api_client, cast, reading["id"], "filed"), 409, "RD-1", "to")
    # Review without confirming the 12 barred kinds of content is refused
    assert_error(advance(api_client, cast, reading["id"], "reviewed"), 422, "RD-1",
                 "negative_list_checked")
    # In progress the procedure item is "not finished" (null)
    body = api_client(cast.principal).get(settings_url(cast.school_a1, term)).json()
    assert [c["ok"] for c in checks(body, "RD-1")] == [True, None]
    # Review → confirmation → filing
    assert advance(api_client, cast, reading["id"], "reviewed",
                   negative_list_checked=True).status_code == 200
    assert advance(api_client, cast, reading["id"], "confirmed").status_code == 200
    done = advance(api_client, cast, reading["id"], "filed").json()
    assert done["status"] == "filed"
    assert [s["status"] for s in done["steps"]] == ["selected", "reviewed", "confirmed", "filed"]
    body = api_client(cast.principal).get(settings_url(cast.school_a1, term)).json()
    assert [c["ok"] for c in checks(body, "RD-1")] == [True, True]
    # Nothing follows filing
    assert_error(advance(api_client, cast, reading["id"], "filed"), 409, "RD-1", "to")


def test_rd1_books_cannot_change_after_review(cast, term, api_client):
    reading = create_list(api_client, cast)
    advance(api_client, cast, reading["id"], "reviewed", negative_list_checked=True)
    response = api_client(cast.principal).patch(f"{URL}/reading-lists/{reading['id']}",
                                                {"books": "另一本书"},
                                                content_type="application/json")
    assert_error(response, 409, "conflict", "books")


@pytest.mark.parametrize("purchase,disclosed,ok", [
    ("voluntary", True, [True, True]),
    ("school_bulk", True, [False, True]),
    ("required", True, [False, True]),
    ("voluntary", False, [True, False]),
])
def test_rd2_voluntary_purchase_and_disclosure(cast, term, api_client, purchase, disclosed, ok):
    create_list(api_client, cast, purchase=purchase, disclosed_to_parents=disclosed)
    body = api_client(cast.principal).get(settings_url(cast.school_a1, term)).json()
    assert [c["ok"] for c in checks(body, "RD-2")] == ok


def test_rd2_disclosure_can_be_fixed_and_guardians_see_only_confirmed_disclosed_lists(
        cast, term, api_client):
    reading = create_list(api_client, cast, disclosed_to_parents=False)
    guardian = api_client(cast.guardian_p)
    # Not yet confirmed nor disclosed: the guardian sees nothing
    assert guardian.get(f"{URL}/reading-lists").json()["count"] == 0
    advance(api_client, cast, reading["id"], "reviewed", negative_list_checked=True)
    advance(api_client, cast, reading["id"], "confirmed")
    assert guardian.get(f"{URL}/reading-lists").json()["count"] == 0
    # When the school discloses the list to parents (RD-2)
    response = api_client(cast.principal).patch(f"{URL}/reading-lists/{reading['id']}",
                                                {"disclosed_to_parents": True},
                                                content_type="application/json")
    assert response.status_code == 200
    # Then P's guardian sees it, another school's family does not
    assert [r["title"] for r in guardian.get(f"{URL}/reading-lists").json()["items"]] == [
        "2026 学年推荐书目"]
    assert api_client(cast.guardian_nobody).get(f"{URL}/reading-lists").status_code == 403


def test_reading_list_permissions(cast, term, api_client, junior_school):
    reading = create_list(api_client, cast)
    url = f"{URL}/reading-lists/{reading['id']}/advance"
    body = {"to": "reviewed", "negative_list_checked": True}
    assert post_json(api_client(cast.teacher_a), url, body).status_code == 404
    assert post_json(api_client(cast.bureau_admin), url, body).status_code == 403
    assert post_json(api_client(junior_school.admin), url, body).status_code == 404
    assert post_json(api_client(cast.bureau_admin_b), url, body).status_code == 404
    # a school admin cannot recommend for another school
    response = post_json(api_client(junior_school.admin), f"{URL}/reading-lists",
                         reading_body(cast))
    assert_error(response, 404, "not_found")
