"""The permission matrix of the wellbeing pages and API (STYLE 5), run with org's checker.

Rows are ``(url_name, kwargs_builder, actor_fixture_name, expected)`` as in
``org/tests/test_permissions.py``, in two modules: ``matrix_web`` (the pages) and ``matrix_api``;
``core/tests/test_gate.py`` collects MATRIX and POST_MATRIX from here and fails when a wellbeing
URL name is missing. Objects are built on first use from ``matrix_cast`` (``matrix_objects``),
with today pinned to Monday 2026-11-23 by ``wellbeing/tests/conftest.py`` (autouse).
"""

import pytest
from django.urls import reverse

from org.tests.test_permissions import _check, _row_id
from wellbeing.tests import matrix_api, matrix_web

PARTS = (matrix_web, matrix_api)
MATRIX = [row for part in PARTS for row in part.MATRIX]
POST_MATRIX = [row for part in PARTS for row in part.POST_MATRIX]
QUERY = {k: v for part in PARTS for k, v in part.QUERY.items()}
POST_DATA = {k: v for part in PARTS for k, v in part.POST_DATA.items()}
METHOD = {k: v for part in PARTS for k, v in part.METHOD.items()}


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
    # Given the actor of the row; when they POST (PUT, PATCH) to the URL; then the status
    url, response = _request(row, "POST", matrix_cast, request, api_client, web_client)
    _check(url, response, row[3], api=row[0].startswith("api-1:"))
