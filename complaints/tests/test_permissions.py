"""The permission matrix of the complaint pages and API (STYLE 5), run with org's checker.

Rows are ``(url_name, kwargs_builder, actor_fixture_name, expected)`` as in
``org/tests/test_permissions.py``; they live in ``matrix_web`` (the staff pages) and
``matrix_api``. ``core/tests/test_gate.py`` collects MATRIX and POST_MATRIX from here and fails
when a complaint URL name is missing; the public pages are in org's ``PUBLIC_URLS``. Objects
are built on first use from ``matrix_cast`` (see ``matrix_objects``); the hotline and ethics
actors come from ``complaints/tests/conftest.py``.
"""

import pytest
from django.urls import reverse

from complaints.tests import matrix_api, matrix_web
from org.tests.test_permissions import _check, _row_id

PARTS = (matrix_web, matrix_api)
MATRIX = [row for part in PARTS for row in part.MATRIX]
POST_MATRIX = [row for part in PARTS for row in part.POST_MATRIX]
POST_DATA = {k: v for part in PARTS for k, v in part.POST_DATA.items()}


def _request(row, method, matrix_cast, request, api_client, web_client):
    name, kwargs_builder, actor_name, _ = row
    actor = request.getfixturevalue(actor_name)
    url = reverse(name, kwargs=kwargs_builder(matrix_cast) if kwargs_builder else None)
    is_api = name.startswith("api-1:")
    client = api_client(actor) if is_api else web_client(actor)
    if method == "GET":
        return url, client.get(url)
    data = POST_DATA[name](matrix_cast) if name in POST_DATA else {}
    if is_api and name not in matrix_api.MULTIPART:
        return url, client.post(url, data, content_type="application/json")
    return url, client.post(url, data)


@pytest.mark.parametrize("row", MATRIX, ids=[_row_id(r) for r in MATRIX])
def test_get_permission_matrix(row, matrix_cast, request, api_client, web_client):
    # Given the actor of the row; when they GET the URL; then the expected status
    url, response = _request(row, "GET", matrix_cast, request, api_client, web_client)
    _check(url, response, row[3], api=row[0].startswith("api-1:"))


@pytest.mark.parametrize("row", POST_MATRIX, ids=[_row_id(r) for r in POST_MATRIX])
def test_post_permission_matrix(row, matrix_cast, request, api_client, web_client):
    # Given the actor of the row; when they POST to the URL; then the expected status
    url, response = _request(row, "POST", matrix_cast, request, api_client, web_client)
    _check(url, response, row[3], api=row[0].startswith("api-1:"))
