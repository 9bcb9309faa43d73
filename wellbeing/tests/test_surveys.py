"""Surveys: launching, answering rules (once per child, only one's own child, validation with
field codes and nothing saved), anonymity, aggregation with small groups suppressed, and the
comparison with SL-1, SL-3, HW-1/2/3 and PE-2/PE-3 by stage."""

import datetime as dt

import pytest
from auditlog.models import LogEntry

from conftest import PASSWORD, assert_error, fresh
from org.models import Guardian, Guardianship, User
from policy.services import Policy, set_rule
from wellbeing import aggregates, services
from wellbeing.models import Survey, SurveyAnswer, SurveyReceipt
from wellbeing.tests.conftest import answer, answer_body, post_json

URL = "/api/v1/wellbeing"


def answers_url(survey):
    return f"{URL}/surveys/{survey.pk}/answers"


def nothing_saved():
    return (SurveyReceipt.objects.count(), SurveyAnswer.objects.count(),
            sum(Survey.objects.values_list("answer_count", flat=True)))


# ---- launching ----------------------------------------------------------------------------------


def test_principal_launches_once_per_term(cast, term, api_client):
    client = api_client(cast.principal)
    body = {"school": cast.school_a1.pk, "term": term.pk, "closes_on": "2026-12-15"}
    # When the principal launches A1's survey
    response = post_json(client, f"{URL}/surveys", body)
    # Then it is open from today until the given date, and audited
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "open"
    assert response.json()["opens_on"] == "2026-11-23"
    assert LogEntry.objects.filter(additional_data__code="wellbeing.survey.launched").exists()
    # and a second launch in the same term is a conflict
    assert_error(post_json(client, f"{URL}/surveys", body), 409, "survey_exists", "term")


@pytest.mark.parametrize("closes_on,field", [("2026-11-01", "closes_on"),
                                             ("2027-03-01", "closes_on")])
def test_launch_dates_must_fall_between_today_and_the_end_of_term(cast, term, api_client,
                                                                  closes_on, field):
    response = post_json(api_client(cast.principal), f"{URL}/surveys",
                         {"school": cast.school_a1.pk, "term": term.pk, "closes_on": closes_on})
    assert_error(response, 422, "invalid", field)
    assert not Survey.objects.exists()


@pytest.mark.parametrize("actor,status", [("bureau_admin", 201), ("inspector", 403),
                                          ("teacher_a", 403), ("guardian_p", 403),
                                          ("bureau_admin_b", 404)])
def test_who_may_launch_a_schools_survey(cast, term, api_client, actor, status):
    response = post_json(api_client(getattr(cast, actor)), f"{URL}/surveys",
                         {"school": cast.school_a1.pk, "term": term.pk, "closes_on": "2026-12-15"})
    assert response.status_code == status, response.content


def test_bureau_launches_for_every_school_of_the_district_on_the_web(cast, term, web_client):
    # Given A1 already has its survey
    services.launch_survey(actor=fresh(cast.principal), school=cast.school_a1, term=term,
                           closes_on=dt.date(2026, 12, 15))
    # When the bureau launches for all schools
    response = web_client(cast.bureau_admin).post("/wellbeing/surveys/launch/", {
        "term": term.pk, "school": "all", "closes_on": "2026-12-20"})
    # Then the remaining school of district A gets one; district B none
    assert response.status_code == 302
    assert sorted(Survey.objects.values_list("school__code", flat=True)) == ["A1", "A2"]
    assert Survey.objects.get(school=cast.school_a2).closes_on == dt.date(2026, 12, 20)


def test_a_principal_cannot_launch_for_all_schools(cast, term, web_client):
    response = web_client(cast.principal).post("/wellbeing/surveys/launch/", {
        "term": term.pk, "school": "all", "closes_on": "2026-12-20"})
    assert response.status_code == 403
    assert not Survey.objects.exists()


# ---- answering --------------------------------------------------------------------------------------


def test_guardian_answers_once_for_their_child_anonymously(cast, survey_a1, api_client):
    client = api_client(cast.guardian_p)
    # When P's guardian answers for P
    response = post_json(client, answers_url(survey_a1), answer_body(cast.pupil_p))
    # Then a receipt says P's family answered, and the answer row says only stage and grade
    assert response.status_code == 201, response.content
    assert response.json()["pupil"] == cast.pupil_p.pk
    receipt = SurveyReceipt.objects.get()
    assert receipt.pupil == cast.pupil_p and receipt.answered_by == cast.guardian_p
    stored = SurveyAnswer.objects.get()
    assert (stored.stage, stored.grade, stored.sleep_minutes, stored.bedtime_after_noon) == (
        "primary", 4, 600, 540)
    field_names = {f.name for f in SurveyAnswer._meta.get_fields()}
    assert not field_names & {"pupil", "guardian", "answered_by", "answered_at", "created_at"}
    assert Survey.objects.get().answer_count == 1
    # and the audit log says who answered for which child, never what
    entry = LogEntry.objects.get(additional_data__code="wellbeing.survey.answered")
    assert set(entry.additional_data) == {"code", "survey"}
    # When they submit again
    again = post_json(client, answers_url(survey_a1), answer_body(cast.pupil_p, burden=5))
    # Then it is refused and still one answer is stored
    assert_error(again, 409, "already_answered", "pupil")
    assert nothing_saved() == (1, 1, 1)


def test_the_second_guardian_of_a_child_cannot_answer_again(cast, survey_a1, api_client):
    # Given P's father also has a login, and P's mother answered
    father = User.objects.create_user(username="father_p", password=PASSWORD, name="张爸爸")
    profile = Guardian.objects.create(user=father, name="张爸爸", phone="13812349999")
    Guardianship.objects.create(guardian=profile, pupil=cast.pupil_p, relation="father")
    answer(survey_a1, cast.pupil_p, cast.guardian_p)
    # When the father answers for P
    response = post_json(api_client(fresh(father)), answers_url(survey_a1),
                         answer_body(cast.pupil_p))
    # Then it is refused: one answer per child
    assert_error(response, 409, "already_answered", "pupil")
    assert nothing_saved() == (1, 1, 1)


def test_a_guardian_of_two_children_answers_for_each(cast, survey_a1, api_client):
    # Given P's guardian is Q's guardian too
    Guardianship.objects.create(guardian=cast.guardian_p.guardian, pupil=cast.pupil_q)
    client = api_client(fresh(cast.guardian_p))
    for pupil in (cast.pupil_p, cast.pupil_q):
        assert post_json(client, answers_url(survey_a1), answer_body(pupil)).status_code == 201
    assert nothing_saved() == (2, 2, 2)


@pytest.mark.parametrize("actor,pupil,status", [
    ("guardian_p", "pupil_q", 404),          # another family's child
    ("guardian_p", "pupil_s", 404),          # a child of another school
    ("guardian_nobody", "pupil_p", 404),     # linked to no child
    ("principal", "pupil_p", 403),           # staff do not answer
    ("teacher_a", "pupil_p", 404),           # sees the pupil, not the survey
])
def test_only_a_childs_own_guardian_answers(cast, survey_a1, api_client, actor, pupil, status):
    response = post_json(api_client(getattr(cast, actor)), answers_url(survey_a1),
                         answer_body(getattr(cast, pupil)))
    assert response.status_code == status, response.content
    assert nothing_saved() == (0, 0, 0)


def test_a_survey_of_another_school_is_not_there_for_the_guardian(cast, term, api_client):
    survey_a2 = services.launch_survey(actor=fresh(cast.bureau_admin), school=cast.school_a2,
                                       term=term, closes_on=dt.date(2026, 12, 15))
    response = post_json(api_client(cast.guardian_p), answers_url(survey_a2),
                         answer_body(cast.pupil_p))
    assert_error(response, 404, "not_found")


@pytest.mark.parametrize("overrides,code,field", [
    ({"bedtime": None}, "invalid", "bedtime"),
    ({"wake_time": "25:00"}, "invalid", "wake_time"),
    ({"bedtime": "15:00"}, "invalid", "bedtime"),
    ({"wake_time": "12:30"}, "invalid", "wake_time"),
    ({"bedtime": "02:30", "wake_time": "05:00"}, "invalid", "wake_time"),  # 2.5 hours of sleep
    ({"homework_minutes": 900}, "invalid", "homework_minutes"),
    ({"homework_minutes": -1}, "invalid", "homework_minutes"),
    ({"homework_done_by": "09:00"}, "invalid", "homework_done_by"),
    ({"burden": 7}, "invalid", "burden"),
    ({"phone_to_school": "maybe"}, "invalid", "phone_to_school"),
])
def test_invalid_answers_are_refused_with_a_field_code_and_nothing_saved(
        cast, survey_a1, api_client, overrides, code, field):
    response = post_json(api_client(cast.guardian_p), answers_url(survey_a1),
                         answer_body(cast.pupil_p, **overrides))
    assert_error(response, 422, code, field)
    assert nothing_saved() == (0, 0, 0)


@pytest.mark.parametrize("field", ["bedtime", "burden", "subject_training", "reading_minutes"])
def test_missing_answers_are_required(cast, survey_a1, api_client, field):
    body = answer_body(cast.pupil_p)
    del body[field]
    response = post_json(api_client(cast.guardian_p), answers_url(survey_a1), body)
    assert_error(response, 422, "required", field)
    assert nothing_saved() == (0, 0, 0)


def test_a_closed_survey_takes_no_answers(cast, survey_a1, api_client):
    services.close_survey(actor=fresh(cast.principal), survey=survey_a1)
    response = post_json(api_client(cast.guardian_p), answers_url(survey_a1),
                         answer_body(cast.pupil_p))
    assert_error(response, 409, "survey_closed", "survey")
    assert nothing_saved() == (0, 0, 0)


def test_after_the_closing_date_no_answers(cast, term, api_client):
    survey = services.launch_survey(actor=fresh(cast.principal), school=cast.school_a1,
                                    term=term, closes_on=dt.date(2026, 11, 23))
    Survey.objects.filter(pk=survey.pk).update(closes_on=dt.date(2026, 11, 22),
                                               opens_on=dt.date(2026, 11, 1))
    response = post_json(api_client(cast.guardian_p), answers_url(survey),
                         answer_body(cast.pupil_p))
    assert_error(response, 409, "survey_closed")


def test_guardian_lists_their_childrens_surveys(cast, survey_a1, api_client):
    client = api_client(cast.guardian_p)
    [row] = client.get(f"{URL}/surveys/mine").json()["items"]
    assert (row["pupil"], row["open"], row["answered"]) == (cast.pupil_p.pk, True, False)
    post_json(client, answers_url(survey_a1), answer_body(cast.pupil_p))
    assert client.get(f"{URL}/surveys/mine").json()["items"][0]["answered"] is True
    assert api_client(cast.principal).get(f"{URL}/surveys/mine").status_code == 403


# ---- results: suppression -----------------------------------------------------------------------


def test_results_stay_hidden_below_five_answers(cast, survey_a1, make_families, api_client):
    # Given four families of A1 answered
    for pupil, guardian in make_families(cast.class_a1_4_1, 4):
        answer(survey_a1, pupil, guardian)
    # When the principal reads the results
    body = api_client(cast.principal).get(f"{URL}/surveys/{survey_a1.pk}/results").json()
    # Then sizes show but no figure does
    assert body["overall"]["n"] == 4 and body["overall"]["suppressed"] is True
    assert body["overall"]["sleep_ok_share"] is None and body["overall"]["burden"] is None
    [stage] = body["stages"]
    assert stage["suppressed"] and all(g["suppressed"] for g in stage["grades"])
    # When a fifth family answers
    [(pupil, guardian)] = make_families(cast.class_a1_4_1, 1)
    answer(survey_a1, pupil, guardian)
    body = api_client(cast.principal).get(f"{URL}/surveys/{survey_a1.pk}/results").json()
    # Then the school's figures appear
    assert body["overall"]["suppressed"] is False
    assert body["overall"]["sleep_ok_share"] == 1.0


def test_a_small_grade_is_hidden_and_so_is_its_only_sibling(cast, survey_a1, make_families,
                                                             api_client):
    # Given 6 answers in grade 4 and 2 in grade 2 (both primary)
    for pupil, guardian in make_families(cast.class_a1_4_1, 6):
        answer(survey_a1, pupil, guardian, bedtime="21:00")
    for pupil, guardian in make_families(cast.class_a1_2_1, 2):
        answer(survey_a1, pupil, guardian, bedtime="22:00", wake_time="07:30")
    body = api_client(cast.principal).get(f"{URL}/surveys/{survey_a1.pk}/results").json()
    [stage] = body["stages"]
    grades = {g["grade"]: g for g in stage["grades"]}
    # Then grade 2 (2 answers) is hidden, and grade 4 too: the stage minus grade 4 would
    # reveal grade 2
    assert grades[2]["suppressed"] and grades[4]["suppressed"]
    assert grades[4]["n"] == 6 and grades[4]["bedtime_ok_share"] is None
    # while the stage and the school (8 answers) show
    assert stage["suppressed"] is False and stage["bedtime_ok_share"] == 0.75


@pytest.mark.parametrize("sizes,hidden", [
    ([10, 7, 2], {1, 2}),      # the smallest shown joins the one hidden
    ([10, 3, 3], {1, 2}),      # two hidden adding up to 6: safe
    ([10, 2, 2], {0, 1, 2}),   # two hidden adding up to 4: one more
    ([10, 8], set()),
    ([4], {0}),
])
def test_complementary_suppression(sizes, hidden):
    groups = aggregates.suppress([{"n": n, "sleep_hours": 9.0} for n in sizes])
    assert {i for i, g in enumerate(groups) if g["suppressed"]} == hidden
    assert all(g["sleep_hours"] is None for g in groups if g["suppressed"])


def test_staff_never_read_single_answers(cast, survey_a1, api_client, web_client):
    answer(survey_a1, cast.pupil_p, cast.guardian_p, reading_minutes=137)
    # The gate has no single answers for anyone
    for actor in (cast.principal, cast.bureau_admin, cast.guardian_p):
        assert not SurveyAnswer.objects.visible_to(fresh(actor)).exists()
    # and the school's result page and export carry no figure of a group of one
    page = web_client(cast.principal).get(f"/wellbeing/surveys/{survey_a1.pk}/")
    assert page.status_code == 200 and "137" not in page.content.decode()
    assert page.context["results"]["overall"]["suppressed"] is True


# ---- results: comparison with the rules by stage ------------------------------------------------------


def test_sleep_bedtime_and_homework_are_compared_with_each_stages_values(
        cast, term, nine_year_school, make_families, api_client):
    survey = services.launch_survey(actor=nine_year_school.admin, school=nine_year_school,
                                    term=term, closes_on=dt.date(2026, 12, 15))
    # Given five primary and five junior pupils, all asleep 21:40 – 07:10 (9.5 hours), with
    # 70 minutes of homework done by 21:30
    same = {"bedtime": "21:40", "wake_time": "07:10", "homework_minutes": 70,
            "homework_done_by": "21:30"}
    for pupil, guardian in make_families(nine_year_school.class_4, 5):
        answer(survey, pupil, guardian, **same)
    for pupil, guardian in make_families(nine_year_school.class_8, 5):
        answer(survey, pupil, guardian, **same)
    body = api_client(nine_year_school.admin).get(f"{URL}/surveys/{survey.pk}/results").json()
    stages = {s["stage"]: s for s in body["stages"]}
    # Then primary pupils miss SL-1 (10 h), SL-3 (21:20) and HW-2 (60 minutes) …
    p = stages["primary"]
    assert (p["sleep_hours"], p["sleep_ok_share"], p["bedtime_ok_share"],
            p["homework_done_ok_share"], p["homework_ok_share"]) == (9.5, 0.0, 0.0, 0.0, 0.0)
    # … while junior pupils meet SL-1 (9 h), SL-3 (22:00) and HW-3 (90 minutes)
    j = stages["junior"]
    assert (j["sleep_ok_share"], j["bedtime_ok_share"], j["homework_done_ok_share"],
            j["homework_ok_share"]) == (1.0, 1.0, 1.0, 1.0)
    assert body["overall"]["sleep_ok_share"] == 0.5
    assert body["thresholds"]["sleep_hours"] == {"primary": 10, "junior": 9}


def test_the_districts_stricter_sleep_hours_apply(cast, survey_a1, make_families, api_client):
    for pupil, guardian in make_families(cast.class_a1_4_1, 5):
        answer(survey_a1, pupil, guardian, bedtime="21:00", wake_time="07:00")  # 10 hours
    url = f"{URL}/surveys/{survey_a1.pk}/results"
    assert api_client(cast.principal).get(url).json()["overall"]["sleep_ok_share"] == 1.0
    # When the district requires 10.5 hours … it may only set whole hours: 11
    set_rule(actor=fresh(cast.bureau_admin), bureau=cast.district_a, key="sl.min_hours.primary",
             value=11)
    # Then the same answers no longer meet SL-1
    assert api_client(cast.principal).get(url).json()["overall"]["sleep_ok_share"] == 0.0


def test_bedtime_after_midnight_counts_as_late(cast, survey_a1, make_families):
    for pupil, guardian in make_families(cast.class_a1_4_1, 5):
        answer(survey_a1, pupil, guardian, bedtime="00:30", wake_time="07:00",
               homework_done_by="00:10")
    results = aggregates.survey_results(survey_a1, Policy(cast.district_a))
    assert results["overall"]["bedtime_ok_share"] == 0.0
    assert results["overall"]["homework_done_ok_share"] == 0.0
    assert results["overall"]["sleep_hours"] == 6.5


def test_hw1_grade_two_should_have_no_written_homework_at_home(cast, survey_a1, make_families):
    for pupil, guardian in make_families(cast.class_a1_2_1, 3):
        answer(survey_a1, pupil, guardian, homework_minutes=0, homework_done_by=None)
    for pupil, guardian in make_families(cast.class_a1_2_1, 2):
        answer(survey_a1, pupil, guardian, homework_minutes=15)
    results = aggregates.survey_results(survey_a1, Policy(cast.district_a))
    assert results["overall"]["homework_ok_share"] == 0.6
    # no homework at home counts as done in time (SL-3)
    assert results["overall"]["homework_done_ok_share"] == 1.0


def test_pe2_and_pe3_shares_and_which_one_applies(cast, survey_a1, make_families):
    # Given in/out of school minutes: (60, 60) meets both; (40, 90) only PE-3's two hours;
    # (60, 50) neither; twice each … and one more (90, 60) meeting both
    plan = [(60, 60), (40, 90), (60, 50), (60, 60), (40, 90), (60, 50), (90, 60)]
    for (pupil, guardian), (inside, outside) in zip(
            make_families(cast.class_a1_4_1, len(plan)), plan, strict=True):
        answer(survey_a1, pupil, guardian, pe_in_school_minutes=inside,
               pe_out_school_minutes=outside)
    results = aggregates.survey_results(survey_a1, Policy(cast.district_a))["overall"]
    assert results["pe2_ok_share"] == round(3 / 7, 3)
    assert results["pe3_ok_share"] == round(5 / 7, 3)
    assert results["pe_ok_share"] == results["pe2_ok_share"]  # PE-2 until PE-3 is adopted
    set_rule(actor=fresh(cast.bureau_admin), bureau=cast.district_a, key="pe.adopt_pe3",
             value="yes")
    results = aggregates.survey_results(survey_a1, Policy(cast.district_a))["overall"]
    assert results["pe_ok_share"] == results["pe3_ok_share"]


def test_other_measures_are_averaged_and_shared(cast, survey_a1, make_families):
    families = make_families(cast.class_a1_4_1, 5)
    for i, (pupil, guardian) in enumerate(families):
        answer(survey_a1, pupil, guardian, phone_to_school=i == 0, compulsory_purchase=i < 2,
               reading_minutes=10 * (i + 1), screen_minutes=30, burden=i + 1,
               subject_training=i < 3)
    r = aggregates.survey_results(survey_a1, Policy(cast.district_a))["overall"]
    assert (r["phone_to_school_share"], r["compulsory_purchase_share"], r["reading_minutes"],
            r["screen_minutes"], r["burden"], r["subject_training_share"]) == (
        0.2, 0.4, 30.0, 30.0, 3.0, 0.6)


def test_bureau_sees_results_by_school_with_complementary_suppression(
        cast, term, make_families, api_client):
    # Given 6 answers in A1 and 3 in A2
    a1 = services.launch_survey(actor=fresh(cast.principal), school=cast.school_a1, term=term,
                                closes_on=dt.date(2026, 12, 15))
    a2 = services.launch_survey(actor=fresh(cast.bureau_admin), school=cast.school_a2, term=term,
                                closes_on=dt.date(2026, 12, 15))
    for pupil, guardian in make_families(cast.class_a1_4_1, 6):
        answer(a1, pupil, guardian)
    for pupil, guardian in make_families(cast.class_a2_4_1, 3):
        answer(a2, pupil, guardian, bedtime="22:00", wake_time="07:00")
    # When the bureau reads results by school
    body = api_client(cast.bureau_admin).get(f"{URL}/surveys/by-school?term={term.pk}").json()
    schools = {s["label"]: s for s in body["schools"]}
    # Then A2 (3 answers) is hidden, and so is A1: the district total minus A1 would give A2
    assert schools["甲区第二小学"]["suppressed"] and schools["甲区第一小学"]["suppressed"]
    assert body["total"]["n"] == 9 and body["total"]["bedtime_ok_share"] == round(6 / 9, 3)
    # and a school admin cannot read by school beyond their own school
    own = api_client(cast.principal).get(f"{URL}/surveys/by-school?term={term.pk}").json()
    assert [s["label"] for s in own["schools"]] == ["甲区第一小学"]
    assert api_client(cast.teacher_a).get(
        f"{URL}/surveys/by-school?term={term.pk}").status_code == 403


@pytest.mark.parametrize("actor,status", [("principal", 200), ("bureau_admin", 200),
                                          ("inspector", 200), ("teacher_a", 404),
                                          ("guardian_p", 403), ("bureau_admin_b", 404),
                                          ("teacher_b", 404)])
def test_who_reads_a_surveys_results(cast, survey_a1, api_client, actor, status):
    response = api_client(getattr(cast, actor)).get(f"{URL}/surveys/{survey_a1.pk}/results")
    assert response.status_code == status
