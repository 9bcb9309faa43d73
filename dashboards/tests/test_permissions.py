"""Who may open the dashboards, the evaluation and the bulletins: every page against every role
of the shared cast (org/tests/matrix.py runs the rows). The API's denials are in test_api.py."""

import pytest

from dashboards.tests import matrix_bulletins, matrix_entry, matrix_evaluation, matrix_pages
from org.tests.matrix import permission_tests
from org.tests.test_permissions import matrix_cast  # noqa: F401  (the rows' objects)

PARTS = (matrix_entry, matrix_pages, matrix_evaluation, matrix_bulletins)
MATRIX, POST_MATRIX, test_get_permission_matrix, test_post_permission_matrix = \
    permission_tests(PARTS)

pytestmark = pytest.mark.django_db
