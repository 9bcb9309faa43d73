"""The permission matrix of the funds pages (STYLE 5), run with org's checker.

Rows are ``(url_name, kwargs_builder, actor_fixture_name, expected)`` as in
``org/tests/test_permissions.py``; ``core/tests/test_gate.py`` collects MATRIX and POST_MATRIX
from here and fails when a funds URL name is missing. The rows live in one module per author:
``matrix_supervision`` (the supervision section's and the bank's pages) and ``matrix_people``
(guardians' and institutions' pages).
"""

from funds.tests import matrix_people, matrix_supervision
from org.tests import test_permissions as org_matrix
from org.tests.matrix import permission_tests

PARTS = (matrix_supervision, matrix_people)

MATRIX, POST_MATRIX, test_get_permission_matrix, test_post_permission_matrix = \
    permission_tests(PARTS)

matrix_cast = org_matrix.matrix_cast  # the permission matrix's cast, as a fixture here

