"""One runner for every app's permission matrix (STYLE 5), so each app's test_permissions.py only
lists its rows' modules.

A matrix module holds rows ``(url_name, kwargs_builder, actor_fixture_name, expected)`` in
``MATRIX`` (GET) and ``POST_MATRIX`` (POST, or another method for the API), and may add:

    QUERY      {url name: f(matrix_cast) -> "?query"}
    POST_DATA  {url name: f(matrix_cast) or f(matrix_cast, actor_name) -> body}
    METHOD     {url name: "put" | "patch" | "delete"} for API rows (default "post")
    MULTIPART  {url name, …}: API rows sent as a multipart form rather than JSON

``expected`` is a status code, or ``org.tests.test_permissions.LOGIN`` for "sent to the login
page". An app's test_permissions.py does::

    PARTS = (matrix_web, matrix_api)
    MATRIX, POST_MATRIX, test_get_permission_matrix, test_post_permission_matrix = \\
        permission_tests(PARTS)

and keeps its own fixtures (an autouse pinned "today", extra actors) beside them;
``core/tests/test_gate.py`` reads MATRIX and POST_MATRIX from it.
"""

import inspect

import pytest
from django.urls import reverse

from conftest import assert_error

LOGIN = "login"


def row_id(row):
    name, _, actor, expected = row
    return f"{name}-{actor}-{expected}"


def check(url, response, expected, api):
    if expected == LOGIN:
        assert response.status_code == 302, response.status_code
        assert response["Location"].startswith("/login/?next="), response["Location"]
    elif api and expected >= 400:
        code = {401: "unauthorized", 403: "forbidden", 404: "not_found"}[expected]
        assert_error(response, expected, code)
    else:
        assert response.status_code == expected, (url, response.status_code,
                                                   response.content[:300])


class Tables:
    """The rows and helpers of several matrix modules, merged."""

    def __init__(self, parts):
        def merged(attr):
            return {k: v for part in parts for k, v in getattr(part, attr, {}).items()}

        self.matrix = [row for part in parts for row in getattr(part, "MATRIX", [])]
        self.post_matrix = [row for part in parts for row in getattr(part, "POST_MATRIX", [])]
        self.query, self.post_data, self.method = (merged("QUERY"), merged("POST_DATA"),
                                                   merged("METHOD"))
        self.multipart = {n for part in parts for n in getattr(part, "MULTIPART", ())}

    def body(self, name, matrix_cast, actor_name):
        build = self.post_data.get(name)
        if build is None:
            return {}
        takes_actor = len(inspect.signature(build).parameters) >= 2
        return build(matrix_cast, actor_name) if takes_actor else build(matrix_cast)

    def send(self, row, method, matrix_cast, request, api_client, web_client):
        name, kwargs_builder, actor_name, _ = row
        actor = request.getfixturevalue(actor_name)
        url = reverse(name, kwargs=kwargs_builder(matrix_cast) if kwargs_builder else None)
        url += self.query[name](matrix_cast) if name in self.query else ""
        is_api = name.startswith("api-1:")
        client = api_client(actor) if is_api else web_client(actor)
        if method == "GET":
            return url, client.get(url)
        data = self.body(name, matrix_cast, actor_name)
        if is_api and name not in self.multipart:
            send = getattr(client, self.method.get(name, "post"))
            return url, send(url, data, content_type="application/json")
        return url, client.post(url, data)


def permission_tests(parts):
    """``(MATRIX, POST_MATRIX, test_get, test_post)`` for the given matrix modules."""
    tables = Tables(parts)

    @pytest.mark.parametrize("row", tables.matrix, ids=[row_id(r) for r in tables.matrix])
    def test_get_permission_matrix(row, matrix_cast, request, api_client, web_client):
        # Given the actor of the row; when they GET the URL; then the expected status
        url, response = tables.send(row, "GET", matrix_cast, request, api_client, web_client)
        check(url, response, row[3], api=row[0].startswith("api-1:"))

    @pytest.mark.parametrize("row", tables.post_matrix,
                             ids=[row_id(r) for r in tables.post_matrix])
    def test_post_permission_matrix(row, matrix_cast, request, api_client, web_client):
        # Given the actor of the row; when they POST (PUT, PATCH) to the URL; then the status
        url, response = tables.send(row, "POST", matrix_cast, request, api_client, web_client)
        check(url, response, row[3], api=row[0].startswith("api-1:"))

    return tables.matrix, tables.post_matrix, test_get_permission_matrix, \
        test_post_permission_matrix
