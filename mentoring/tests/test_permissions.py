"""The permission matrix of the mentoring pages (STYLE 5), run with org's checker.

Rows are ``(url_name, kwargs_builder, actor_fixture_name, expected)`` as in
``org/tests/test_permissions.py``; they live in ``matrix_web`` (the API's access is tested in
``test_api.py``). ``core/tests/test_gate.py`` collects MATRIX and POST_MATRIX from here and fails
when a mentoring URL name is missing. Objects are built on first use from ``matrix_cast`` (org's
fixture: the cast plus district A's term 2026-09-01 – 2027-01-22); today is pinned to Monday
2026-11-23 so that tasks dated in the term are in the past.
"""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from mentoring.tests import matrix_web
from mentoring.tests.matrix_web import principal_a2, psychologist  # noqa: F401  (actors)
from org.tests.test_permissions import _check, _row_id, matrix_cast  # noqa: F401

PARTS = (matrix_web,)
MATRIX = [row for part in PARTS for row in part.MATRIX]
POST_MATRIX = [row for part in PARTS for row in part.POST_MATRIX]
QUERY = {k: v for part in PARTS for k, v in part.QUERY.items()}
POST_DATA = {k: v for part in PARTS for k, v in part.POST_DATA.items()}
TODAY = dt.date(2026, 11, 23)


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    real = timezone.localdate
    monkeypatch.setattr(timezone, "localdate",
                        lambda value=None, timezone=None: TODAY if value is None
                        else real(value, timezone))


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
