"""The permission matrix of the school-supervision pages and API (STYLE 5), run with org's
checker.

Rows are ``(url_name, kwargs_builder, actor_fixture_name, expected)`` as in
``org/tests/test_permissions.py``, in two modules: ``matrix_web`` (the pages) and
``matrix_api``; ``core/tests/test_gate.py`` collects MATRIX and POST_MATRIX from here and fails
when a URL name of the app is missing. Objects are built on first use from ``matrix_cast`` (the
cast plus district A's first term 2026-09-01 – 2027-01-22), with today pinned to Monday
2026-11-23 18:30 (autouse here).
"""

import pytest

from org.tests.matrix import permission_tests
from schoolinspection.tests import matrix_api, matrix_web

PARTS = (matrix_web, matrix_api)

MATRIX, POST_MATRIX, test_get_permission_matrix, test_post_permission_matrix = \
    permission_tests(PARTS)


@pytest.fixture(autouse=True)
def _pinned(clock):
    return clock

