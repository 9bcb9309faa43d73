"""Racing requests on PostgreSQL: filings lock the school row before counting, so two finals of
one grade and term can never both pass EX-2, and two recordings of one level leave one row."""

import pytest
from django.db import connection

from exams.models import Exam, ExamResult
from exams.tests.conftest import FINAL_DAY, MIDTERM_DAY, PAST, exam_body, post_results
from homework.tests.test_concurrency import race

N = 6

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locking"),
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("terms"),
]


def filing(school, **fields):
    body = exam_body(school, **fields)
    return lambda client: client.post("/api/v1/exams", body, content_type="application/json")


def test_concurrent_finals_of_one_grade_file_exactly_one(cast):
    # Given N requests of the academic office for a grade-4 final, each with its own title
    jobs = [(cast.principal, filing(cast.school_a1, grade=4, title=f"期末考试{i}"))
            for i in range(N)]
    # When they arrive together
    responses = race(jobs)
    # Then one is filed and every other is refused by EX-2 (not a server error)
    codes = sorted(r.status_code for r in responses)
    assert codes == [201] + [422] * (N - 1), [(r.status_code, r.content[:200]) for r in responses]
    assert {r.json()["code"] for r in responses if r.status_code == 422} == {"EX-2"}
    assert Exam.objects.filter(kind="final", grade=4).count() == 1


def test_concurrent_filings_of_different_grades_all_succeed(cast):
    jobs = [(cast.principal, filing(cast.school_a1, grade=g, date=FINAL_DAY)) for g in (3, 4, 5, 6)]
    jobs += [(cast.principal, filing(cast.school_a1, grade=4, kind="quiz", paper_based=False,
                                     date=MIDTERM_DAY, title=f"展示{i}")) for i in range(2)]
    responses = race(jobs)
    assert sorted(r.status_code for r in responses) == [201] * 6
    assert Exam.objects.count() == 6


def test_concurrent_recordings_of_one_level_leave_one_row(cast):
    from exams import services

    quiz = services.file_exam(actor=cast.teacher_a, school=cast.school_a1,
                              school_class=cast.class_a1_4_1, kind="quiz", subjects=["maths"],
                              date=PAST, title="课堂小测")
    levels = "ABCDAB"
    jobs = [(cast.teacher_a, (lambda level: lambda c: post_results(
        c, quiz.pk, [{"pupil": cast.pupil_p.pk, "level": level}]))(levels[i])) for i in range(N)]
    responses = race(jobs)
    assert [r.status_code for r in responses] == [200] * N
    assert ExamResult.objects.filter(exam=quiz, pupil=cast.pupil_p).count() == 1
