"""The exam pages, through the doors: the academic office files exams and sees the per-grade
limits, teachers file class quizzes and record levels, guardians read their own child's levels.

"Today" is Monday 2026-11-23 (exams/tests/conftest.py); the first term runs 2026-09-01 –
2027-01-22 and the second 2027-02-22 – 2027-07-02.
"""

import re

import pytest
from django.urls import reverse

from exams import services
from exams.models import Exam, ExamResult
from exams.tests.conftest import FINAL_DAY, MIDTERM_DAY, PAST, SPRING_DAYS, saved_state

pytestmark = pytest.mark.usefixtures("terms")


def form(cast, **changes):
    data = {"school": cast.school_a1.pk, "grade": "4", "kind": "final",
            "subjects": ["chinese", "maths"], "paper_based": "on", "scope": "school",
            "date": FINAL_DAY.isoformat(), "title": "四年级期末考试"}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def errors_of(response):
    page = response.content.decode()
    return re.findall(r'<ul class="errors"[^>]*>(.*?)</ul>', page, re.S)


def file(cast, actor=None, **fields):
    """File an exam through the service (set-up goes through the services too)."""
    data = {"school": cast.school_a1, "grade": 4, "kind": "final", "subjects": ["maths"],
            "date": FINAL_DAY, "title": "期末考试"}
    data.update(fields)
    return services.file_exam(actor=actor or cast.principal, **data)


# ---- filing --------------------------------------------------------------------------------

def test_office_files_a_final_and_lands_on_its_page(cast, principal, web_client):
    client = web_client(principal)
    # Given the academic office of A1
    # When it files a grade-4 final in Chinese and maths through the form
    response = client.post(reverse("exams:create"), form(cast))
    # Then the exam is saved in the first term and the office sees its page
    exam = Exam.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("exams:detail", args=[exam.pk])
    assert (exam.grade, exam.kind, exam.subjects, exam.term.name) == (
        4, "final", ["chinese", "maths"], "第一学期")
    page = client.get(response["Location"]).content.decode()
    assert "四年级期末考试" in page and "语文、数学" in page and "已备案" in page


@pytest.mark.parametrize(("changes", "rule"), [
    ({"grade": "2"}, "EX-1"),
    ({"kind": "weekly", "paper_based": None}, "EX-5"),
    ({"kind": "quiz"}, "EX-5"),
    ({"kind": "midterm", "date": MIDTERM_DAY.isoformat()}, "EX-3"),
    ({"scope": "regional"}, "EX-4"),
    ({"kind": "mock", "grade": "6", "date": SPRING_DAYS[0].isoformat()}, "EX-6"),
])
def test_a_refused_exam_shows_the_rule_id_on_the_form_and_saves_nothing(cast, principal,
                                                                       web_client, changes, rule):
    before = saved_state()
    response = web_client(principal).post(reverse("exams:create"), form(cast, **changes))
    # The form comes back with the refusal, naming its rule
    assert response.status_code == 200
    assert any(f"（{rule}）" in e for e in errors_of(response)), errors_of(response)
    assert saved_state() == before


def test_a_second_final_is_refused_ex2(cast, principal, web_client):
    file(cast)
    before = saved_state()
    response = web_client(principal).post(reverse("exams:create"), form(cast, title="再一次期末"))
    assert any("（EX-2）" in e for e in errors_of(response))
    assert saved_state() == before


def test_a_teacher_files_a_quiz_of_their_class(cast, teacher_a, web_client):
    client = web_client(teacher_a)
    # The form offers teacher_a their own school and class only
    page = client.get(reverse("exams:create")).content.decode()
    assert cast.school_a1.name in page and cast.school_a2.name not in page
    assert f"{cast.school_a1.name} {cast.class_a1_4_1.name}" in page
    assert cast.class_a1_2_1.name not in page and cast.class_a1_4_2.name not in page
    # When they file a paper quiz of A1-4-1 in maths
    response = client.post(reverse("exams:create"), form(
        cast, grade="", school_class=cast.class_a1_4_1.pk, kind="quiz", subjects=["maths"],
        title="课堂小测"))
    # Then it is saved for the class
    assert response.status_code == 302, errors_of(response)
    exam = Exam.objects.get()
    assert (exam.school_class, exam.grade, exam.teacher.user) == (cast.class_a1_4_1, 4, teacher_a)


def test_a_teacher_cannot_file_a_grade_exam(cast, teacher_a, web_client):
    before = saved_state()
    response = web_client(teacher_a).post(reverse("exams:create"), form(cast))
    assert response.status_code == 200
    assert any("教导处" in e for e in errors_of(response))
    assert saved_state() == before


def test_edit_is_checked_again_and_withdrawal_removes_the_exam_from_the_term(cast, principal,
                                                                            web_client):
    client = web_client(principal)
    final = file(cast)
    quiz = file(cast, kind="quiz", paper_based=False, date=MIDTERM_DAY, title="口语展示")
    edit = reverse("exams:edit", args=[quiz.pk])
    # changing the quiz into a second final is refused with EX-2
    response = client.post(edit, {"kind": "final", "subjects": ["maths"], "scope": "school",
                                  "date": MIDTERM_DAY.isoformat(), "title": "口语展示"})
    assert any("（EX-2）" in e for e in errors_of(response))
    # changing its title is fine
    response = client.post(edit, {"kind": "quiz", "subjects": ["english"], "scope": "school",
                                  "date": MIDTERM_DAY.isoformat(), "title": "英语口语展示"})
    assert response.status_code == 302
    quiz.refresh_from_db()
    assert (quiz.title, quiz.subjects, quiz.paper_based) == ("英语口语展示", ["english"], False)
    # withdrawing the final takes it off the index
    response = client.post(reverse("exams:withdraw", args=[final.pk]))
    assert response.status_code == 302
    final.refresh_from_db()
    assert final.status == Exam.Status.WITHDRAWN
    page = client.get(reverse("exams:index")).content.decode()
    assert "英语口语展示" in page and "期末考试</a>" not in page


# ---- the index and its limits ------------------------------------------------------------------

def test_index_lists_the_terms_exams_with_the_per_grade_limits(cast, principal, web_client,
                                                               django_assert_max_num_queries):
    file(cast)  # grade 4 final, first term
    file(cast, grade=5, kind="quiz", paper_based=False, date=MIDTERM_DAY, title="五年级展示")
    file(cast, date=SPRING_DAYS[0], title="下学期期末")  # second term: not listed now
    client = web_client(principal)
    with django_assert_max_num_queries(25):
        response = client.get(reverse("exams:index"))
    page = response.content.decode()
    assert "2026-2027学年第一学期" in page
    assert "期末考试" in page and "五年级展示" in page and "下学期期末" not in page
    grade_4 = re.search(r'<tr id="grade-4">(.*?)</tr>', page, re.S).group(1)
    assert "1 / 1" in grade_4 and "已满" in grade_4
    grade_2 = re.search(r'<tr id="grade-2">(.*?)</tr>', page, re.S).group(1)
    assert "EX-1" in grade_2  # no paper exams in grade 2
    assert "EX-3" in grade_4  # no mid-terms in primary grades
    # the second term is one select away
    second = Exam.objects.get(title="下学期期末").term
    page = client.get(reverse("exams:index") + f"?term={second.pk}").content.decode()
    assert "下学期期末" in page and "五年级展示" not in page


def test_index_of_a_junior_school_shows_midterm_and_mock_limits(make_school, web_client):
    school, _, admin = make_school("junior")
    services.file_exam(actor=admin, school=school, grade=9, kind="mock", subjects=["maths"],
                       date=SPRING_DAYS[0], title="一模")
    page = web_client(admin).get(reverse("exams:index") + f"?school={school.pk}&term="
                                 f"{Exam.objects.get().term_id}").content.decode()
    grade_9 = re.search(r'<tr id="grade-9">(.*?)</tr>', page, re.S).group(1)
    assert "1 / 2" in grade_9  # mocks this school year
    grade_7 = re.search(r'<tr id="grade-7">(.*?)</tr>', page, re.S).group(1)
    assert "0 / 1" in grade_7 and "EX-6" in grade_7  # a mid-term allowed, no mock


def test_a_teacher_sees_the_grades_they_teach_only(cast, teacher_a, web_client):
    page = web_client(teacher_a).get(reverse("exams:index")).content.decode()
    assert 'id="grade-4"' in page and 'id="grade-2"' not in page


# ---- levels --------------------------------------------------------------------------------

@pytest.fixture
def quiz(cast):
    return file(cast, actor=cast.teacher_a, grade=None, school_class=cast.class_a1_4_1,
                kind="quiz", date=PAST, title="课堂小测")


def test_teacher_records_levels_in_the_class_table(cast, teacher_a, web_client, quiz,
                                                   django_assert_max_num_queries):
    client = web_client(teacher_a)
    url = reverse("exams:detail", args=[quiz.pk])
    # Given the quiz page: one select per pupil of A1-4-1
    with django_assert_max_num_queries(25):
        page = client.get(url).content.decode()
    assert cast.pupil_p.name in page and cast.pupil_q.name in page
    assert cast.pupil_r.name not in page  # grade 2
    # When teacher_a records P = A and Q = C
    response = client.post(reverse("exams:results", args=[quiz.pk]), {
        "class": cast.class_a1_4_1.pk, f"level_{cast.pupil_p.pk}_maths": "A",
        f"level_{cast.pupil_q.pk}_maths": "C"})
    # Then both are saved and the table shows them
    assert response.status_code == 302, errors_of(response)
    assert dict(ExamResult.objects.values_list("pupil__name", "level")) == {
        cast.pupil_p.name: "A", cast.pupil_q.name: "C"}
    page = client.get(response["Location"]).content.decode()
    assert '<option value="A" selected>' in page


def test_a_score_typed_into_the_table_is_refused_ex8(cast, teacher_a, web_client, quiz):
    before = saved_state()
    response = web_client(teacher_a).post(reverse("exams:results", args=[quiz.pk]), {
        "class": cast.class_a1_4_1.pk, f"level_{cast.pupil_p.pk}_maths": "95"})
    assert response.status_code == 200
    assert any("（EX-8）" in e for e in errors_of(response))
    assert saved_state() == before


def test_no_results_table_before_the_exam(cast, principal, web_client):
    exam = file(cast)
    page = web_client(principal).get(reverse("exams:detail", args=[exam.pk])).content.decode()
    assert 'id="results-form"' not in page and 'id="not-held"' in page


def test_a_class_of_another_grade_cannot_be_posted(cast, principal, web_client, quiz):
    response = web_client(principal).post(reverse("exams:results", args=[quiz.pk]), {
        "class": cast.class_a1_2_1.pk, f"level_{cast.pupil_r.pk}_maths": "A"})
    assert response.status_code == 404
    assert not ExamResult.objects.exists()


# ---- guardians (EX-9) ------------------------------------------------------------------------

@pytest.fixture
def levels(cast, quiz):
    services.record_results(actor=cast.teacher_a, exam=quiz, results=[
        {"pupil": cast.pupil_p.pk, "level": "B"}, {"pupil": cast.pupil_q.pk, "level": "D"}])
    return quiz


def test_guardian_sees_only_their_childs_levels(cast, guardian_p, web_client, levels,
                                                django_assert_max_num_queries):
    client = web_client(guardian_p)
    # The index sends a guardian of one child straight to that child's levels
    response = client.get(reverse("exams:index"))
    assert response["Location"] == reverse("exams:child", args=[cast.pupil_p.pk])
    with django_assert_max_num_queries(20):
        page = client.get(response["Location"]).content.decode()
    rows = re.search(r'<table id="levels">(.*?)</table>', page, re.S).group(1)
    assert "课堂小测" in rows and "良好" in rows
    assert "待合格" not in page and cast.pupil_q.name not in page
    # the exam page shows the guardian their child's level, and no table of the class
    page = client.get(reverse("exams:detail", args=[levels.pk])).content.decode()
    assert "良好" in page and 'id="results-form"' not in page and cast.pupil_q.name not in page
    # and another child's page does not exist for them
    assert client.get(reverse("exams:child", args=[cast.pupil_q.pk])).status_code == 404


def test_other_guardians_get_404(cast, guardian_q, guardian_nobody, web_client, levels):
    for user in (guardian_q, guardian_nobody):
        response = web_client(user).get(reverse("exams:child", args=[cast.pupil_p.pk]))
        assert response.status_code == 404


def test_child_page_lists_upcoming_exams_of_the_grade(cast, guardian_p, web_client):
    file(cast, title="四年级期末考试")
    file(cast, grade=5, title="五年级期末考试")
    page = web_client(guardian_p).get(reverse("exams:child", args=[cast.pupil_p.pk])
                                      ).content.decode()
    upcoming = re.search(r'<section class="card" id="upcoming">(.*?)</section>', page,
                         re.S).group(1)
    assert "四年级期末考试" in upcoming and "五年级期末考试" not in upcoming
