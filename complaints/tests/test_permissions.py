"""The permission matrix of the complaint pages and API (STYLE 5), run with org's checker.

Rows are ``(url_name, kwargs_builder, actor_fixture_name, expected)`` as in
``org/tests/test_permissions.py``; they live in ``matrix_web`` (the staff pages) and
``matrix_api``. ``core/tests/test_gate.py`` collects MATRIX and POST_MATRIX from here and fails
when a complaint URL name is missing; the public pages are in org's ``PUBLIC_URLS``. Objects
are built on first use from ``matrix_cast`` (see ``matrix_objects``); the hotline and ethics
actors come from ``complaints/tests/conftest.py``.
"""

from complaints.tests import matrix_api, matrix_web
from org.tests.matrix import permission_tests

PARTS = (matrix_web, matrix_api)

MATRIX, POST_MATRIX, test_get_permission_matrix, test_post_permission_matrix = \
    permission_tests(PARTS)
