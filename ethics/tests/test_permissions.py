"""The permission matrix of the teacher-ethics pages (STYLE 5), run with org's checker.

Rows are ``(url_name, kwargs_builder, actor_fixture_name, expected)`` as in
``org/tests/test_permissions.py``; they live in ``matrix_web`` (the API's access is tested in
``test_api.py``). ``core/tests/test_gate.py`` collects MATRIX and POST_MATRIX from here and fails
when an ethics URL name is missing. Objects are built on first use from ``matrix_cast`` (org's
fixture) by district A's ethics officer, whom the autouse fixture below puts on the cast.
"""

import pytest

from ethics.tests import matrix_web
from ethics.tests.test_api import ethics_officer, ethics_officer_b  # noqa: F401  (actors)
from org.tests.matrix import permission_tests
from org.tests.test_permissions import matrix_cast  # noqa: F401

PARTS = (matrix_web,)

MATRIX, POST_MATRIX, test_get_permission_matrix, test_post_permission_matrix = \
    permission_tests(PARTS)


@pytest.fixture(autouse=True)
def _officer_on_cast(matrix_cast, ethics_officer):  # noqa: F811
    """The rows' objects are opened by district A's ethics officer, whoever the row's actor."""
    matrix_cast.ethics_officer = ethics_officer
    return matrix_cast

