"""The permission matrix of the institution pages and API (STYLE 5), run with org's checker.

Rows are ``(url_name, kwargs_builder, actor_fixture_name, expected)`` as in
``org/tests/test_permissions.py``. They live in three modules, one per author: ``matrix_supervision``
(the supervision section's pages), ``matrix_own`` (an institution's own pages and the public
lookup) and ``matrix_api``; ``core/tests/test_gate.py`` collects MATRIX and POST_MATRIX from here
and fails when an institution URL name is missing. Objects are built on first use from
``matrix_cast`` (org's fixture: the cast plus district A's first term 2026-09-01 – 2027-01-22),
with today pinned to Monday 2026-11-23 by ``institutions/tests/conftest.py``'s ``pinned_today``
(autouse here).
"""

import pytest

from institutions.tests import matrix_api, matrix_own, matrix_supervision
from org.tests.matrix import permission_tests

PARTS = (matrix_supervision, matrix_own, matrix_api)

MATRIX, POST_MATRIX, test_get_permission_matrix, test_post_permission_matrix = \
    permission_tests(PARTS)


@pytest.fixture(autouse=True)
def _pinned(pinned_today):
    return pinned_today

