"""The permission matrix of the exam pages and API (STYLE 5), run with org's matrix runner.

Rows are ``(url_name, kwargs_builder, actor_fixture_name, expected)`` as in
``org/tests/test_permissions.py``; ``core/tests/test_gate.py`` collects MATRIX and POST_MATRIX
from here and fails when an exams URL name is missing. Exams and levels are made through the
services on first use, in the first term of ``matrix_cast`` (2026-09-01 – 2027-01-22), with
"today" pinned to 2026-11-23 by ``exams/tests/conftest.py``.

The org runner's ``_request`` reads org's QUERY and POST_DATA; the exam rows need their own
(built from the cast), so ``_request`` here is the same recipe with this module's tables.
``matrix_cast`` is org's fixture, made available by ``exams/tests/conftest.py``.
"""

import datetime as dt

import pytest
from django.urls import reverse

from org.tests.test_permissions import LOGIN, _check, _row_id

FINAL_DAY = dt.date(2027, 1, 14)
PAST = dt.date(2026, 11, 20)


def _final(c):
    """A grade-4 final of A1 in January, filed by the principal (still ahead: changeable)."""
    if not hasattr(c, "exam_final"):
        from exams import services

        c.exam_final = services.file_exam(
            actor=c.principal, school=c.school_a1, grade=4, kind="final",
            subjects=["chinese", "maths"], date=FINAL_DAY, title="期末考试")
    return {"pk": c.exam_final.pk}


def _quiz(c):
    """A maths quiz of A1-4-1 last Friday, filed by teacher_a, with P's level recorded."""
    if not hasattr(c, "exam_quiz"):
        from exams import services

        c.exam_quiz = services.file_exam(
            actor=c.teacher_a, school=c.school_a1, school_class=c.class_a1_4_1, kind="quiz",
            subjects=["maths"], date=PAST, title="课堂小测")
        services.record_results(actor=c.principal, exam=c.exam_quiz,
                                results=[{"pupil": c.pupil_p.pk, "level": "B"}])
    return {"pk": c.exam_quiz.pk}


def _api(builder):
    return lambda c: {"exam_id": builder(c)["pk"]}


def _child(attr):
    return lambda c: {"pupil_pk": getattr(c, attr).pk}


FINAL = _final
QUIZ = _quiz
API_FINAL = _api(_final)
API_QUIZ = _api(_quiz)
CHILD_P = _child("pupil_p")
CHILD_Q = _child("pupil_q")

MATRIX = [
    ("exams:index", None, "anonymous", LOGIN),
    ("exams:index", None, "principal", 200),
    ("exams:index", None, "teacher_a", 200),
    ("exams:index", None, "head_teacher_a", 200),
    ("exams:index", None, "teacher_b", 200),
    ("exams:index", None, "bureau_admin", 200),
    ("exams:index", None, "inspector", 200),
    ("exams:index", None, "guardian_p", 302),  # straight to the child's levels
    ("exams:index", None, "guardian_nobody", 403),
    ("exams:index", None, "supervisor", 403),
    ("exams:index", None, "institution_staff", 403),
    ("exams:index", None, "bank", 403),

    ("exams:create", None, "anonymous", LOGIN),
    ("exams:create", None, "principal", 200),
    ("exams:create", None, "teacher_a", 200),
    ("exams:create", None, "head_teacher_a", 200),
    ("exams:create", None, "bureau_admin", 403),
    ("exams:create", None, "inspector", 403),
    ("exams:create", None, "guardian_p", 403),
    ("exams:create", None, "institution_staff", 403),

    ("exams:detail", FINAL, "anonymous", LOGIN),
    ("exams:detail", FINAL, "principal", 200),
    ("exams:detail", FINAL, "teacher_a", 200),
    ("exams:detail", FINAL, "head_teacher_a", 200),
    ("exams:detail", FINAL, "bureau_admin", 200),
    ("exams:detail", FINAL, "inspector", 200),
    ("exams:detail", FINAL, "guardian_p", 200),  # P sits it: the exam, not others' levels
    ("exams:detail", FINAL, "teacher_b", 404),
    ("exams:detail", FINAL, "bureau_admin_b", 404),
    ("exams:detail", FINAL, "guardian_nobody", 404),
    ("exams:detail", FINAL, "institution_staff", 404),
    ("exams:detail", QUIZ, "teacher_a", 200),
    ("exams:detail", QUIZ, "head_teacher_a", 200),
    ("exams:detail", QUIZ, "guardian_p", 200),
    ("exams:detail", QUIZ, "teacher_b", 404),

    ("exams:edit", FINAL, "anonymous", LOGIN),
    ("exams:edit", FINAL, "principal", 200),
    ("exams:edit", FINAL, "teacher_a", 403),
    ("exams:edit", FINAL, "head_teacher_a", 403),
    ("exams:edit", FINAL, "bureau_admin", 403),
    ("exams:edit", FINAL, "guardian_p", 403),
    ("exams:edit", FINAL, "teacher_b", 404),
    ("exams:edit", FINAL, "bureau_admin_b", 404),
    ("exams:edit", QUIZ, "teacher_a", 200),  # the form; the service refuses a held exam (409)
    ("exams:edit", QUIZ, "head_teacher_a", 403),

    ("exams:withdraw", FINAL, "anonymous", LOGIN),  # POST only; see POST_MATRIX
    ("exams:results", QUIZ, "anonymous", LOGIN),  # POST only; see POST_MATRIX

    ("exams:child", CHILD_P, "anonymous", LOGIN),
    ("exams:child", CHILD_P, "guardian_p", 200),
    ("exams:child", CHILD_Q, "guardian_p", 404),
    ("exams:child", CHILD_P, "guardian_nobody", 404),
    ("exams:child", CHILD_P, "teacher_a", 200),
    ("exams:child", CHILD_P, "head_teacher_a", 200),
    ("exams:child", CHILD_P, "principal", 200),
    ("exams:child", CHILD_P, "bureau_admin", 403),  # results are not published to the bureau
    ("exams:child", CHILD_P, "teacher_b", 404),
    ("exams:child", CHILD_P, "bureau_admin_b", 404),
    ("exams:child", CHILD_P, "institution_staff", 404),

    # ---- API ----------------------------------------------------------------------------------
    ("api-1:list_exams", None, "anonymous", 401),
    ("api-1:list_exams", None, "principal", 200),
    ("api-1:list_exams", None, "guardian_p", 200),
    ("api-1:list_exams", None, "bureau_admin", 200),
    ("api-1:list_exams", None, "guardian_nobody", 403),
    ("api-1:list_exams", None, "institution_staff", 403),
    ("api-1:get_exam", API_FINAL, "anonymous", 401),
    ("api-1:get_exam", API_FINAL, "principal", 200),
    ("api-1:get_exam", API_FINAL, "teacher_a", 200),
    ("api-1:get_exam", API_FINAL, "guardian_p", 200),
    ("api-1:get_exam", API_FINAL, "teacher_b", 404),
    ("api-1:get_exam", API_FINAL, "bureau_admin_b", 404),
    ("api-1:get_exam", API_FINAL, "guardian_nobody", 404),
    ("api-1:list_exam_results", None, "anonymous", 401),
    ("api-1:list_exam_results", None, "guardian_p", 200),
    ("api-1:list_exam_results", None, "teacher_a", 200),
    ("api-1:list_exam_results", None, "principal", 200),
    ("api-1:list_exam_results", None, "bureau_admin", 403),
    ("api-1:list_exam_results", None, "guardian_nobody", 404),
    ("api-1:list_exam_results", None, "teacher_b", 404),
    ("api-1:list_exam_results", None, "bureau_admin_b", 404),
]

# Rows sent as POST (the web views refuse GET; the API rows use the endpoint's method).
POST_MATRIX = [
    ("exams:create", None, "principal", 302),
    ("exams:create", None, "teacher_a", 302),  # a quiz of their class
    ("exams:create", None, "bureau_admin", 403),
    ("exams:create", None, "guardian_p", 403),
    ("exams:create", None, "anonymous", LOGIN),

    ("exams:edit", FINAL, "principal", 302),
    ("exams:edit", FINAL, "teacher_a", 403),
    ("exams:edit", FINAL, "teacher_b", 404),

    ("exams:withdraw", FINAL, "principal", 302),
    ("exams:withdraw", FINAL, "teacher_a", 403),
    ("exams:withdraw", FINAL, "head_teacher_a", 403),
    ("exams:withdraw", FINAL, "bureau_admin", 403),
    ("exams:withdraw", FINAL, "guardian_p", 403),
    ("exams:withdraw", FINAL, "teacher_b", 404),
    ("exams:withdraw", FINAL, "guardian_nobody", 404),
    ("exams:withdraw", FINAL, "anonymous", LOGIN),

    ("exams:results", QUIZ, "teacher_a", 302),
    ("exams:results", QUIZ, "head_teacher_a", 302),
    ("exams:results", QUIZ, "principal", 302),
    ("exams:results", QUIZ, "bureau_admin", 403),
    ("exams:results", QUIZ, "guardian_p", 403),
    ("exams:results", QUIZ, "teacher_b", 404),
    ("exams:results", QUIZ, "guardian_nobody", 404),
    ("exams:results", QUIZ, "anonymous", LOGIN),

    ("api-1:file_exam", None, "principal", 201),
    ("api-1:file_exam", None, "teacher_a", 201),
    ("api-1:file_exam", None, "bureau_admin", 403),
    ("api-1:file_exam", None, "guardian_p", 403),
    ("api-1:file_exam", None, "anonymous", 401),
    ("api-1:record_exam_results", API_QUIZ, "teacher_a", 200),
    ("api-1:record_exam_results", API_QUIZ, "principal", 200),
    ("api-1:record_exam_results", API_QUIZ, "bureau_admin", 403),
    ("api-1:record_exam_results", API_QUIZ, "guardian_p", 403),
    ("api-1:record_exam_results", API_QUIZ, "teacher_b", 404),
    ("api-1:record_exam_results", API_QUIZ, "anonymous", 401),
    ("api-1:update_exam", API_FINAL, "principal", 200),
    ("api-1:update_exam", API_FINAL, "teacher_a", 403),
    ("api-1:update_exam", API_FINAL, "teacher_b", 404),
    ("api-1:withdraw_exam", API_FINAL, "principal", 204),
    ("api-1:withdraw_exam", API_FINAL, "teacher_a", 403),
    ("api-1:withdraw_exam", API_FINAL, "bureau_admin_b", 404),
]

# The HTTP method of API rows in POST_MATRIX (web rows are always POST).
METHOD = {"api-1:update_exam": "patch", "api-1:withdraw_exam": "delete"}

# Query strings and bodies, built from the cast (ids differ between test runs).
QUERY = {"api-1:list_exam_results": lambda c: f"?pupil={c.pupil_p.pk}"}


def _exam_form(c, actor):
    if actor == "teacher_a":  # a quiz of the class they teach
        return {"school": c.school_a1.pk, "school_class": c.class_a1_4_1.pk, "kind": "quiz",
                "subjects": ["maths"], "paper_based": "on", "scope": "school",
                "date": FINAL_DAY.isoformat(), "title": "课堂小测"}
    return {"school": c.school_a1.pk, "grade": "4", "kind": "final",
            "subjects": ["chinese", "maths"], "paper_based": "on", "scope": "school",
            "date": FINAL_DAY.isoformat(), "title": "期末考试"}


POST_DATA = {
    "exams:create": _exam_form,
    "exams:edit": lambda c, actor: {"kind": "final", "subjects": ["chinese", "maths"],
                                    "paper_based": "on", "scope": "school",
                                    "date": "2027-01-13", "title": "期末考试（改期）"},
    "exams:results": lambda c, actor: {"class": c.class_a1_4_1.pk,
                                       f"level_{c.pupil_q.pk}_maths": "A"},
    "api-1:file_exam": lambda c, actor: {k: v for k, v in _exam_form(c, actor).items()
                                         if k != "paper_based"} | {"paper_based": True},
    "api-1:record_exam_results": lambda c, actor: {"results": [{"pupil": c.pupil_q.pk,
                                                                "level": "A"}]},
    "api-1:update_exam": lambda c, actor: {"title": "期末考试（改）"},
}


def _request(row, method, matrix_cast, request, api_client, web_client):
    """org's recipe with this module's QUERY, POST_DATA and METHOD."""
    name, kwargs_builder, actor_name, _ = row
    actor = request.getfixturevalue(actor_name)
    url = reverse(name, kwargs=kwargs_builder(matrix_cast) if kwargs_builder else None)
    url += QUERY[name](matrix_cast) if name in QUERY else ""
    is_api = name.startswith("api-1:")
    client = api_client(actor) if is_api else web_client(actor)
    if method == "GET":
        return url, client.get(url)
    data = POST_DATA[name](matrix_cast, actor_name) if name in POST_DATA else {}
    if is_api:
        return url, getattr(client, METHOD.get(name, "post"))(url, data,
                                                               content_type="application/json")
    return url, client.post(url, data)


@pytest.mark.parametrize("row", MATRIX, ids=[_row_id(r) for r in MATRIX])
def test_get_permission_matrix(row, matrix_cast, request, api_client, web_client):
    # Given the actor of the row; when they GET the URL; then the expected status
    url, response = _request(row, "GET", matrix_cast, request, api_client, web_client)
    _check(url, response, row[3], api=row[0].startswith("api-1:"))


@pytest.mark.parametrize("row", POST_MATRIX, ids=[_row_id(r) for r in POST_MATRIX])
def test_post_permission_matrix(row, matrix_cast, request, api_client, web_client):
    # Given the actor of the row; when they POST (or PATCH/DELETE) to the URL; then the status
    url, response = _request(row, "POST", matrix_cast, request, api_client, web_client)
    _check(url, response, row[3], api=row[0].startswith("api-1:"))
