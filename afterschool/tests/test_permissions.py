"""The permission matrix of the after-school pages and API (STYLE 5), run with org's checker.

Rows are ``(url_name, kwargs_builder, actor_fixture_name, expected)`` as in
``org/tests/test_permissions.py``. They live in three modules, one per author: ``matrix_school``
(the school admin's pages), ``matrix_people`` (guardians', teachers' and the bureau's pages) and
``matrix_api``; ``core/tests/test_gate.py`` collects MATRIX and POST_MATRIX from here and fails
when an after-school URL name is missing. Objects are built on first use from ``matrix_cast``
(org's fixture: the cast plus district A's first term 2026-09-01 – 2027-01-22), with today
pinned to Monday 2026-11-23 by ``afterschool/tests/conftest.py``'s ``pinned_now`` (autouse here).
"""

import pytest

from afterschool.tests import matrix_api, matrix_people, matrix_school
from org.tests.matrix import permission_tests

PARTS = (matrix_school, matrix_people, matrix_api)

MATRIX, POST_MATRIX, test_get_permission_matrix, test_post_permission_matrix = \
    permission_tests(PARTS)


@pytest.fixture(autouse=True)
def _pinned(pinned_now):
    return pinned_now

