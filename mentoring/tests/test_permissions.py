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
from django.utils import timezone

from mentoring.tests import matrix_web
from mentoring.tests.matrix_web import principal_a2, psychologist  # noqa: F401  (actors)
from org.tests.matrix import permission_tests
from org.tests.test_permissions import matrix_cast  # noqa: F401

PARTS = (matrix_web,)

MATRIX, POST_MATRIX, test_get_permission_matrix, test_post_permission_matrix = \
    permission_tests(PARTS)

TODAY = dt.date(2026, 11, 23)


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    real = timezone.localdate
    monkeypatch.setattr(timezone, "localdate",
                        lambda value=None, timezone=None: TODAY if value is None
                        else real(value, timezone))

