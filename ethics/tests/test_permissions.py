"""The permission matrix of the teacher-ethics pages (STYLE 5), run with org's checker.

Rows are ``(url_name, kwargs_builder, actor_fixture_name, expected)`` as in
``org/tests/test_permissions.py``; they live in ``matrix_web`` (the API's access is tested in
``test_api.py``). ``core/tests/test_gate.py`` collects MATRIX and POST_MATRIX from here and fails
when an ethics URL name is missing. Objects are built on first use from ``matrix_cast`` (org's
fixture) by district A's ethics officer, whom the autouse fixture below puts on the cast.
"""

import pytest
from django.urls import reverse

from ethics.tests import matrix_web
from ethics.tests.test_api import ethics_officer, ethics_officer_b  # noqa: F401  (actors)
from org.tests.test_permissions import _check, _row_id, matrix_cast  # noqa: F401

PARTS = (matrix_web,)
MATRIX = [row for part in PARTS for row in part.MATRIX]
POST_MATRIX = [row for part in PARTS for row in part.POST_MATRIX]
QUERY = {k: v for part in PARTS for k, v in part.QUERY.items()}
POST_DATA = {k: v for part in PARTS for k, v in part.POST_DATA.items()}


@pytest.fixture(autouse=True)
def _officer_on_cast(matrix_cast, ethics_officer):  # noqa: F811
    """The rows' objects are opened by district A's ethics officer, whoever the row's actor."""
    matrix_cast.ethics_officer = ethics_officer
    return matrix_cast


def _request(row, method, matrix_cast, request, web_client):  # noqa: F811
    """org's recipe with this module's QUERY and POST_DATA (web pages only)."""
    name, kwargs_builder, actor_name, _ = row
    actor = request.getfixturevalue(actor_name)
    url = reverse(name, kwargs=kwargs_builder(matrix_cast) if kwargs_builder else None)
    url += QUERY[name](matrix_cast) if name in QUERY else ""
    client = web_client(actor)
    if method == "GET":
        return url, client.get(url)
    data = POST_DATA[name](matrix_cast, actor_name) if name in POST_DATA else {}
    return url, client.post(url, data)


@pytest.mark.parametrize("row", MATRIX, ids=[_row_id(r) for r in MATRIX])
def test_get_permission_matrix(row, matrix_cast, request, web_client):  # noqa: F811
    url, response = _request(row, "GET", matrix_cast, request, web_client)
    _check(url, response, row[3], api=False)


@pytest.mark.parametrize("row", POST_MATRIX, ids=[_row_id(r) for r in POST_MATRIX])
def test_post_permission_matrix(row, matrix_cast, request, web_client):  # noqa: F811
    url, response = _request(row, "POST", matrix_cast, request, web_client)
    _check(url, response, row[3], api=False)
