"""Every exam rule through the API door, /api/v1/exams (RULES.md §2, XC-1).

A refused exam is a 422 naming its rule and the field, and saves nothing: no exam, no level and
no audit entry. Results are levels, never scores (EX-8), and are read one pupil at a time by
that pupil's guardians and the school staff in scope (EX-9).
"""

import datetime as dt

import pytest
from auditlog.models import LogEntry

from conftest import assert_error
from exams import services
from exams.models import Exam, ExamResult
from exams.tests.conftest import (
    FINAL_DAY,
    MIDTERM_DAY,
    PAST,
    SATURDAY,
    SPRING_DAYS,
    exam_body,
    post_exam,
    post_results,
    saved_state,
)

pytestmark = pytest.mark.usefixtures("terms")


@pytest.fixture
def office(api_client, principal):
    """The academic office of A1 (primary, 六三制: grades 1–6)."""
    return api_client(principal)


def codes_of(response):
    return response.json()["code"]


def refused(response, rule, field, before):
    """422 with the rule and field, and nothing saved."""
    assert_error(response, 422, rule, field)
    assert saved_state() == before


# ---- EX-1: no paper exams in grades 1–2 ------------------------------------------------------

@pytest.mark.parametrize("kind", ["final", "quiz", "other"])
def test_paper_exam_in_grade_2_is_refused_ex1(cast, office, kind):
    # Given the academic office of A1
    before = saved_state()
    # When it files a paper exam for grade 2
    response = post_exam(office, cast.school_a1, grade=2, kind=kind, paper_based=True)
    # Then EX-1 refuses it on the paper_based field and nothing is saved
    refused(response, "EX-1", "paper_based", before)


def test_paper_quiz_of_a_grade_2_class_is_refused_ex1(cast, office):
    before = saved_state()
    response = post_exam(office, school_class=cast.class_a1_2_1.pk, grade=None, kind="quiz")
    refused(response, "EX-1", "paper_based", before)


def test_grade_2_end_of_term_assessment_without_paper_is_filed(cast, office):
    # Given grade 2, when the office files a non-paper end-of-term assessment (乐考)
    response = post_exam(office, cast.school_a1, grade=2, paper_based=False, title="期末乐考")
    # Then it is filed, in the term that covers its date
    assert response.status_code == 201, response.content
    exam = Exam.objects.get(pk=response.json()["id"])
    assert (exam.grade, exam.paper_based, exam.term.name) == (2, False, "第一学期")


# ---- EX-2: one final per term per grade -------------------------------------------------------

def test_second_final_of_a_grade_in_a_term_is_refused_ex2(cast, office):
    # Given a final for grade 4 in the first term
    first = post_exam(office, cast.school_a1, grade=4, subjects=["chinese", "maths"])
    assert first.status_code == 201, first.content
    before = saved_state()
    # When a second final for grade 4 is filed in the same term (another subject, another day)
    response = post_exam(office, cast.school_a1, grade=4, subjects=["english"],
                         date=FINAL_DAY - dt.timedelta(days=1))
    # Then EX-2 refuses it and nothing is saved
    refused(response, "EX-2", "kind", before)


def test_finals_of_other_grades_terms_and_schools_are_independent(cast, office, api_client,
                                                                  make_school):
    assert post_exam(office, cast.school_a1, grade=4).status_code == 201
    # another grade of the same school and term
    assert post_exam(office, cast.school_a1, grade=5).status_code == 201
    # the same grade in the second term
    assert post_exam(office, cast.school_a1, grade=4, date=SPRING_DAYS[-1]).status_code == 201
    # the same grade in another school
    school, _, admin = make_school("primary", grades=(4,))
    assert post_exam(api_client(admin), school, grade=4).status_code == 201
    assert Exam.objects.filter(kind="final").count() == 4


def test_a_withdrawn_final_no_longer_counts_ex2(cast, office):
    # Given a final that was withdrawn before its date
    exam_id = post_exam(office, cast.school_a1, grade=4).json()["id"]
    assert office.delete(f"/api/v1/exams/{exam_id}").status_code == 204
    # When another final is filed for the grade and term
    response = post_exam(office, cast.school_a1, grade=4, title="期末考试（改期）")
    # Then it is accepted
    assert response.status_code == 201, response.content


# ---- EX-3: mid-terms only in junior grades, one per term -------------------------------------

def test_midterm_in_a_primary_grade_is_refused_ex3(cast, office):
    before = saved_state()
    response = post_exam(office, cast.school_a1, grade=4, kind="midterm", date=MIDTERM_DAY)
    refused(response, "EX-3", "kind", before)


def test_junior_grade_has_one_midterm_per_term_ex3(make_school, api_client):
    school, _, admin = make_school("junior")
    client = api_client(admin)
    # Given a mid-term for grade 7
    first = post_exam(client, school, grade=7, kind="midterm", date=MIDTERM_DAY)
    assert first.status_code == 201, first.content
    before = saved_state()
    # When a second one is filed in the same term
    response = post_exam(client, school, grade=7, kind="midterm",
                         date=MIDTERM_DAY + dt.timedelta(days=1), subjects=["physics"])
    # Then EX-3 refuses it
    refused(response, "EX-3", "kind", before)
    # while grade 8 and the second term still have theirs
    assert post_exam(client, school, grade=8, kind="midterm", date=MIDTERM_DAY).status_code == 201
    assert post_exam(client, school, grade=7, kind="midterm",
                     date=SPRING_DAYS[0]).status_code == 201


@pytest.mark.parametrize(("stage", "system", "allowed"), [
    ("junior", "5-4", True),  # 五四制: grade 6 is junior (XC-1)
    ("primary", "6-3", False),  # 六三制: grade 6 is primary
    ("nine_year", "6-3", False),
    ("nine_year", "5-4", True),
])
def test_grade_6_midterm_follows_the_school_system_xc1(make_school, api_client, stage, system,
                                                       allowed):
    school, _, admin = make_school(stage, system, grades=(6,))
    before = saved_state()
    response = post_exam(api_client(admin), school, grade=6, kind="midterm", date=MIDTERM_DAY)
    if allowed:
        assert response.status_code == 201, response.content
    else:
        refused(response, "EX-3", "kind", before)


# ---- EX-4: regional and inter-school exams only for grade 9 ----------------------------------

@pytest.mark.parametrize("scope", ["regional", "inter_school"])
def test_regional_or_inter_school_exam_of_a_primary_grade_is_refused_ex4(cast, office, scope):
    before = saved_state()
    response = post_exam(office, cast.school_a1, grade=6, scope=scope)
    refused(response, "EX-4", "scope", before)


@pytest.mark.parametrize("scope", ["regional", "inter_school"])
def test_regional_exam_of_a_non_graduating_junior_grade_is_refused_ex4(make_school, api_client,
                                                                        scope):
    school, _, admin = make_school("junior")
    before = saved_state()
    response = post_exam(api_client(admin), school, grade=8, scope=scope)
    refused(response, "EX-4", "scope", before)


def test_regional_exam_of_the_graduating_grade_is_filed(make_school, api_client):
    school, _, admin = make_school("junior")
    response = post_exam(api_client(admin), school, grade=9, scope="regional")
    assert response.status_code == 201, response.content
    assert response.json()["scope"] == "regional"


# ---- EX-5: no weekly, monthly or unit tests; no disguised exams -------------------------------

@pytest.mark.parametrize("kind", ["weekly", "monthly", "unit"])
def test_weekly_monthly_and_unit_tests_are_refused_ex5(cast, office, kind):
    before = saved_state()
    response = post_exam(office, cast.school_a1, grade=4, kind=kind, paper_based=False)
    refused(response, "EX-5", "kind", before)


@pytest.mark.parametrize("kind", ["weekly", "unit"])
def test_a_teachers_weekly_or_unit_test_of_their_class_is_refused_ex5(cast, api_client, teacher_a,
                                                                     kind):
    before = saved_state()
    response = post_exam(api_client(teacher_a), school_class=cast.class_a1_4_1.pk, grade=None,
                         kind=kind, date=FINAL_DAY)
    refused(response, "EX-5", "kind", before)


@pytest.mark.parametrize("kind", ["quiz", "other"])
def test_paper_quiz_for_the_whole_grade_is_a_disguised_exam_ex5(cast, office, kind):
    # Given a "测验/限时练习" on paper declared for all of grade 4
    before = saved_state()
    response = post_exam(office, cast.school_a1, grade=4, kind=kind, title="限时练习")
    # Then it counts as a disguised exam
    refused(response, "EX-5", "kind", before)


def test_paper_quiz_of_one_class_by_its_teacher_is_filed(cast, api_client, teacher_a):
    response = post_exam(api_client(teacher_a), school_class=cast.class_a1_4_1.pk, grade=None,
                         kind="quiz", title="课堂小测")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["school"], body["grade"], body["school_class"]) == (
        cast.school_a1.pk, 4, cast.class_a1_4_1.pk)


def test_non_paper_activity_for_the_whole_grade_is_filed(cast, office):
    response = post_exam(office, cast.school_a1, grade=4, kind="quiz", paper_based=False,
                         title="口语展示")
    assert response.status_code == 201, response.content


# ---- EX-6: mocks only for grade 9, in the last term, at most two a year ----------------------

def test_mock_for_a_non_graduating_grade_is_refused_ex6(make_school, api_client):
    school, _, admin = make_school("junior")
    before = saved_state()
    response = post_exam(api_client(admin), school, grade=8, kind="mock", date=SPRING_DAYS[0])
    refused(response, "EX-6", "grade", before)


def test_mock_in_a_primary_school_is_refused_ex6(cast, office):
    before = saved_state()
    response = post_exam(office, cast.school_a1, grade=6, kind="mock", date=SPRING_DAYS[0])
    refused(response, "EX-6", "grade", before)


def test_mock_in_the_first_term_is_refused_ex6(make_school, api_client):
    school, _, admin = make_school("junior")
    before = saved_state()
    response = post_exam(api_client(admin), school, grade=9, kind="mock", date=FINAL_DAY)
    refused(response, "EX-6", "date", before)


def test_third_mock_of_the_school_year_is_refused_ex6(make_school, api_client):
    school, _, admin = make_school("junior")
    client = api_client(admin)
    # Given two mocks for grade 9 in the last term
    for day in SPRING_DAYS[:2]:
        response = post_exam(client, school, grade=9, kind="mock", date=day, scope="regional")
        assert response.status_code == 201, response.content
    before = saved_state()
    # When a third one is filed
    response = post_exam(client, school, grade=9, kind="mock", date=SPRING_DAYS[2])
    # Then EX-6 refuses it
    refused(response, "EX-6", "kind", before)


def test_mock_is_refused_when_the_year_has_only_one_term_entered(cast, make_school, api_client):
    # Given a district whose calendar has only the second term of 2027-2028 entered
    from schoolcal import services as cal_services

    cal_services.save_term(actor=cast.bureau_admin, bureau=cast.district_a,
                           school_year="2027-2028", name="第一学期", start=dt.date(2027, 9, 1),
                           end=dt.date(2027, 11, 30))
    school, _, admin = make_school("junior")
    before = saved_state()
    # When a mock is filed in it: whether it is the last term is unknown, so it is refused
    response = post_exam(api_client(admin), school, grade=9, kind="mock",
                         date=dt.date(2027, 10, 14))
    refused(response, "EX-6", "date", before)


# ---- field checks, calendar and who may file -------------------------------------------------

@pytest.mark.parametrize(("fields", "code", "field"), [
    ({"title": "  "}, "required", "title"),
    ({"subjects": []}, "required", "subjects"),
    ({"subjects": ["cooking"]}, "invalid", "subjects"),
    ({"kind": "entrance"}, "invalid", "kind"),
    ({"scope": "national"}, "invalid", "scope"),
    ({"grade": 8}, "invalid", "grade"),  # a primary school has no grade 8
    ({"grade": None}, "required", "grade"),
    ({"date": SATURDAY}, "invalid", "date"),  # not a school day
    ({"date": dt.date(2027, 2, 1)}, "invalid", "date"),  # winter vacation: in no term
    ({"date": dt.date(2028, 6, 1)}, "invalid", "date"),  # more than a year ahead
])
def test_invalid_fields_are_refused_and_nothing_is_saved(cast, office, fields, code, field):
    before = saved_state()
    response = post_exam(office, cast.school_a1, **fields)
    refused(response, code, field, before)


def test_a_final_cannot_be_filed_for_one_class(cast, office):
    before = saved_state()
    response = post_exam(office, school_class=cast.class_a1_4_1.pk, grade=None, kind="final")
    refused(response, "invalid", "school_class", before)


def test_a_teacher_cannot_file_a_grade_exam(cast, api_client, teacher_a):
    before = saved_state()
    response = post_exam(api_client(teacher_a), cast.school_a1, grade=4)
    assert_error(response, 403, "forbidden", "school_class")
    assert saved_state() == before


def test_a_teacher_files_quizzes_only_in_subjects_they_teach(cast, api_client, teacher_a,
                                                             head_teacher_a):
    before = saved_state()
    # teacher_a teaches maths in A1-4-1, not English
    response = post_exam(api_client(teacher_a), school_class=cast.class_a1_4_1.pk, grade=None,
                         kind="quiz", subjects=["english"])
    assert_error(response, 403, "forbidden", "subjects")
    assert saved_state() == before
    # the head teacher of A1-4-1 files for any subject of the class
    response = post_exam(api_client(head_teacher_a), school_class=cast.class_a1_4_1.pk,
                         grade=None, kind="quiz", subjects=["english"])
    assert response.status_code == 201, response.content


def test_other_schools_and_classes_are_404(cast, api_client, teacher_b, bureau_admin_b):
    assert_error(post_exam(api_client(teacher_b), cast.school_a1, grade=4), 404, "not_found")
    assert_error(post_exam(api_client(teacher_b), school_class=cast.class_a1_4_1.pk, grade=None,
                           kind="quiz"), 404, "not_found")
    assert_error(post_exam(api_client(bureau_admin_b), cast.school_a1, grade=4), 403,
                 "forbidden")
    assert not Exam.objects.exists()


def test_filing_is_audited(cast, office):
    exam_id = post_exam(office, cast.school_a1, grade=4).json()["id"]
    entry = LogEntry.objects.get_for_object(Exam.objects.get(pk=exam_id)).get()
    assert entry.additional_data["code"] == "exams.filed"
    assert entry.actor == cast.principal


# ---- changes and withdrawal ------------------------------------------------------------------

def test_change_is_checked_against_the_rules_excluding_the_exam_itself(cast, office):
    final = post_exam(office, cast.school_a1, grade=4).json()["id"]
    quiz = post_exam(office, cast.school_a1, grade=4, kind="quiz", paper_based=False,
                     date=MIDTERM_DAY).json()["id"]
    # changing the final's own date and title is fine
    response = office.patch(f"/api/v1/exams/{final}", {"title": "期末考试（改）",
                                                       "date": "2027-01-13"},
                            content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["date"] == "2027-01-13"
    before = saved_state()
    # turning the quiz into a second final is EX-2; into paper for the whole grade is EX-5
    for body, rule, field in (({"kind": "final"}, "EX-2", "kind"),
                              ({"paper_based": True}, "EX-5", "kind"),
                              ({"scope": "regional"}, "EX-4", "scope")):
        response = office.patch(f"/api/v1/exams/{quiz}", body, content_type="application/json")
        refused(response, rule, field, before)


def test_an_exam_cannot_change_or_be_withdrawn_on_or_after_its_date(cast, office):
    exam = services.file_exam(actor=cast.principal, school=cast.school_a1, grade=4,
                              kind="quiz", paper_based=False, subjects=["maths"], date=PAST,
                              title="口算展示")
    before = saved_state()
    response = office.patch(f"/api/v1/exams/{exam.pk}", {"title": "改"},
                            content_type="application/json")
    assert_error(response, 409, "exam_held", "date")
    assert_error(office.delete(f"/api/v1/exams/{exam.pk}"), 409, "exam_held")
    assert saved_state() == before


def test_withdrawal_keeps_the_row_and_is_audited(cast, office):
    exam_id = post_exam(office, cast.school_a1, grade=4).json()["id"]
    assert office.delete(f"/api/v1/exams/{exam_id}").status_code == 204
    exam = Exam.objects.get(pk=exam_id)
    assert exam.status == Exam.Status.WITHDRAWN
    assert LogEntry.objects.filter(object_pk=str(exam_id),
                                   additional_data__code="exams.withdrawn").exists()
    # a withdrawn exam is gone from the list and cannot change again
    assert office.get("/api/v1/exams").json()["count"] == 0
    assert office.get("/api/v1/exams?include_withdrawn=true").json()["count"] == 1
    assert_error(office.delete(f"/api/v1/exams/{exam_id}"), 409, "withdrawn")


def test_a_teacher_changes_only_their_own_class_quiz(cast, api_client, teacher_a, head_teacher_a):
    quiz = post_exam(api_client(teacher_a), school_class=cast.class_a1_4_1.pk, grade=None,
                     kind="quiz").json()["id"]
    final = post_exam(api_client(cast.principal), cast.school_a1, grade=4).json()["id"]
    patch = {"title": "课堂小测（改）"}
    assert api_client(teacher_a).patch(f"/api/v1/exams/{quiz}", patch,
                                       content_type="application/json").status_code == 200
    assert_error(api_client(head_teacher_a).patch(f"/api/v1/exams/{quiz}", patch,
                                                  content_type="application/json"),
                 403, "forbidden")
    assert_error(api_client(teacher_a).delete(f"/api/v1/exams/{final}"), 403, "forbidden")


# ---- EX-8: levels, never scores --------------------------------------------------------------

@pytest.fixture
def held_quiz(cast):
    """A maths quiz of A1-4-1 last Friday, filed by teacher_a."""
    return services.file_exam(actor=cast.teacher_a, school=cast.school_a1,
                              school_class=cast.class_a1_4_1, kind="quiz", subjects=["maths"],
                              date=PAST, title="课堂小测")


@pytest.fixture
def held_final(cast):
    """A grade-4 exam in Chinese and maths last Friday (non-paper, so it may be backfilled)."""
    return services.file_exam(actor=cast.principal, school=cast.school_a1, grade=4,
                              kind="quiz", paper_based=False, subjects=["chinese", "maths"],
                              date=PAST, title="期中学业展示")


@pytest.mark.parametrize(("item", "field"), [
    ({"level": "95"}, "level"),
    ({"level": 95}, "level"),
    ({"level": 87.5}, "level"),
    ({"level": "95分"}, "level"),
    ({"level": "A", "score": 95}, "score"),
    ({"level": "F"}, "level"),
    ({"level": "第一名"}, "level"),
    ({"level": None}, "level"),
])
def test_scores_and_unknown_levels_are_refused_ex8(cast, api_client, teacher_a, held_quiz, item,
                                                   field):
    client = api_client(teacher_a)
    # Given one level already recorded
    assert post_results(client, held_quiz.pk, [{"pupil": cast.pupil_q.pk, "level": "B"}]
                        ).status_code == 200
    before = saved_state()
    # When a score (or anything but a level) is sent for pupil P, next to a good row for Q
    response = post_results(client, held_quiz.pk, [{"pupil": cast.pupil_q.pk, "level": "A"},
                                                   {"pupil": cast.pupil_p.pk, **item}])
    # Then EX-8 refuses the whole batch
    refused(response, "EX-8", field, before)


def test_levels_are_recorded_by_code_or_label_and_corrected(cast, api_client, teacher_a,
                                                            held_quiz):
    client = api_client(teacher_a)
    response = post_results(client, held_quiz.pk, [{"pupil": cast.pupil_p.pk, "level": "优秀"},
                                                   {"pupil": cast.pupil_q.pk, "level": "c"}])
    assert response.status_code == 200, response.content
    assert response.json() == {"exam": held_quiz.pk, "recorded": 2, "created": 2, "changed": 0}
    assert dict(ExamResult.objects.values_list("pupil_id", "level")) == {
        cast.pupil_p.pk: "A", cast.pupil_q.pk: "C"}
    # a correction replaces the level; the same level again changes nothing
    response = post_results(client, held_quiz.pk, [{"pupil": cast.pupil_p.pk, "level": "A"},
                                                   {"pupil": cast.pupil_q.pk, "level": "B"}])
    assert response.json() == {"exam": held_quiz.pk, "recorded": 2, "created": 0, "changed": 1}
    assert ExamResult.objects.get(pupil=cast.pupil_q).level == "B"
    # the audit entries name the pupils, never their levels
    entries = LogEntry.objects.filter(additional_data__code="exams.results.recorded")
    assert entries.count() == 2
    assert all("level" not in str(e.additional_data) for e in entries)


def test_levels_cannot_be_recorded_before_the_exam(cast, office):
    exam_id = post_exam(office, cast.school_a1, grade=4).json()["id"]
    before = saved_state()
    response = post_results(office, exam_id, [{"pupil": cast.pupil_p.pk, "subject": "maths",
                                               "level": "A"}])
    assert_error(response, 409, "not_held", "date")
    assert saved_state() == before


@pytest.mark.parametrize(("item", "code", "field"), [
    ({"level": "A"}, "required", "subject"),  # two subjects: which one?
    ({"subject": "english", "level": "A"}, "invalid", "subject"),
])
def test_a_multi_subject_exam_needs_the_subject_of_each_level(cast, office, held_final, item,
                                                              code, field):
    before = saved_state()
    response = post_results(office, held_final.pk, [{"pupil": cast.pupil_p.pk, **item}])
    refused(response, code, field, before)


def test_pupils_outside_the_exam_are_refused(cast, office, held_quiz):
    before = saved_state()
    for pupil in (cast.pupil_r, cast.pupil_s):  # grade 2 of A1; another school
        response = post_results(office, held_quiz.pk, [{"pupil": pupil.pk, "level": "A"}])
        refused(response, "invalid", "pupil", before)


def test_teachers_record_only_their_subjects_the_head_teacher_all(cast, api_client, teacher_a,
                                                                  head_teacher_a, held_final):
    before = saved_state()
    response = post_results(api_client(teacher_a), held_final.pk,
                            [{"pupil": cast.pupil_p.pk, "subject": "chinese", "level": "A"}])
    assert_error(response, 403, "forbidden", "results")
    assert saved_state() == before
    for client, subject in ((api_client(teacher_a), "maths"),
                            (api_client(head_teacher_a), "chinese")):
        response = post_results(client, held_final.pk,
                                [{"pupil": cast.pupil_p.pk, "subject": subject, "level": "B"}])
        assert response.status_code == 200, response.content
    assert ExamResult.objects.filter(pupil=cast.pupil_p).count() == 2


def test_others_cannot_record(cast, api_client, teacher_b, bureau_admin, guardian_p, held_quiz):
    body = [{"pupil": cast.pupil_p.pk, "level": "A"}]
    assert_error(post_results(api_client(teacher_b), held_quiz.pk, body), 404, "not_found")
    assert_error(post_results(api_client(bureau_admin), held_quiz.pk, body), 403, "forbidden")
    assert_error(post_results(api_client(guardian_p), held_quiz.pk, body), 403, "forbidden")
    assert not ExamResult.objects.exists()


# ---- EX-9: results are not ranked or published -----------------------------------------------

@pytest.fixture
def levels(cast, held_final):
    """P: A in Chinese, B in maths; Q: D in both."""
    services.record_results(actor=cast.principal, exam=held_final, results=[
        {"pupil": cast.pupil_p.pk, "subject": "chinese", "level": "A"},
        {"pupil": cast.pupil_p.pk, "subject": "maths", "level": "B"},
        {"pupil": cast.pupil_q.pk, "subject": "chinese", "level": "D"},
        {"pupil": cast.pupil_q.pk, "subject": "maths", "level": "D"},
    ])
    return held_final


def results_of(client, pupil):
    return client.get(f"/api/v1/exams/results?pupil={pupil.pk}")


def test_guardian_sees_only_their_own_childs_levels(cast, api_client, guardian_p, levels):
    # Given levels of P and Q in the same exam
    # When P's guardian reads P's levels
    response = results_of(api_client(guardian_p), cast.pupil_p)
    # Then exactly P's two levels come back, with their labels, and nothing of Q
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == 2
    assert {(r["pupil"], r["subject"], r["level"], r["level_label"]) for r in body["items"]} == {
        (cast.pupil_p.pk, "chinese", "A", "优秀"), (cast.pupil_p.pk, "maths", "B", "良好")}
    assert not {"rank", "score", "position"} & set(body["items"][0])


def test_other_guardians_get_404(cast, api_client, guardian_p, guardian_q, guardian_nobody,
                                 levels):
    # P's guardian asking for Q, Q's guardian asking for P, a guardian of nobody
    assert_error(results_of(api_client(guardian_p), cast.pupil_q), 404, "not_found")
    assert_error(results_of(api_client(guardian_q), cast.pupil_p), 404, "not_found")
    assert_error(results_of(api_client(guardian_nobody), cast.pupil_p), 404, "not_found")
    # while Q's guardian sees Q's own
    assert results_of(api_client(guardian_q), cast.pupil_q).json()["count"] == 2


def test_school_staff_in_scope_see_a_pupils_levels_nobody_else(cast, api_client, teacher_a,
                                                               principal, teacher_b,
                                                               bureau_admin, bureau_admin_b,
                                                               levels):
    for user in (teacher_a, principal):
        assert results_of(api_client(user), cast.pupil_p).json()["count"] == 2
    assert_error(results_of(api_client(teacher_b), cast.pupil_p), 404, "not_found")
    assert_error(results_of(api_client(bureau_admin_b), cast.pupil_p), 404, "not_found")
    # the bureau is not school staff: results are not published beyond the school
    assert_error(results_of(api_client(bureau_admin), cast.pupil_p), 403, "forbidden")


def test_there_is_no_class_list_of_results(cast, api_client, principal, levels):
    client = api_client(principal)
    # no pupil: refused, never "everyone's"
    assert_error(client.get("/api/v1/exams/results"), 422, "required", "pupil")
    # the exam's results path only takes writes; the exam itself carries no results
    assert client.get(f"/api/v1/exams/{levels.pk}/results").status_code == 405
    body = client.get(f"/api/v1/exams/{levels.pk}").json()
    assert not {"results", "levels", "ranking"} & set(body)
    # and no path of the API offers a ranking or a published list
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    exam_paths = [p for p in paths if p.startswith("/api/v1/exams")]
    assert not [p for p in exam_paths if any(w in p for w in ("rank", "publish", "class"))]
    assert sorted(exam_paths) == ["/api/v1/exams", "/api/v1/exams/results",
                                  "/api/v1/exams/{exam_id}", "/api/v1/exams/{exam_id}/results"]


def test_recording_answers_with_counts_not_with_the_class_levels(cast, api_client, principal,
                                                                 levels):
    response = post_results(api_client(principal), levels.pk,
                            [{"pupil": cast.pupil_q.pk, "subject": "maths", "level": "C"}])
    assert set(response.json()) == {"exam", "recorded", "created", "changed"}


# ---- reading exams -----------------------------------------------------------------------------

def test_exam_list_filters_and_scopes(cast, office, api_client, guardian_p, teacher_b, make_school):
    post_exam(office, cast.school_a1, grade=4)
    post_exam(office, cast.school_a1, grade=5)
    post_exam(office, cast.school_a1, grade=4, kind="quiz", paper_based=False, date=MIDTERM_DAY)
    assert office.get("/api/v1/exams").json()["count"] == 3
    assert office.get("/api/v1/exams?grade=4").json()["count"] == 2
    assert office.get("/api/v1/exams?grade=4&kind=final").json()["count"] == 1
    assert office.get(f"/api/v1/exams?school={cast.school_a2.pk}").json()["count"] == 0
    # the guardian of P (grade 4) sees grade 4's exams; teacher_b (A2) sees none
    assert api_client(guardian_p).get("/api/v1/exams").json()["count"] == 2
    assert api_client(teacher_b).get("/api/v1/exams").json()["count"] == 0
    assert api_client(cast.bureau_admin).get("/api/v1/exams").json()["count"] == 3
    assert api_client(cast.bureau_admin_b).get("/api/v1/exams").json()["count"] == 0


def test_a_refused_exam_body_is_the_error_format(cast, office):
    # The body the tests send is what a client sends: check it once in full.
    body = exam_body(cast.school_a1, grade=2)
    response = office.post("/api/v1/exams", body, content_type="application/json")
    data = assert_error(response, 422, "EX-1", "paper_based")
    assert "一二年级" in data["message"]
