"""The permission matrix of the random-inspection pages and API (STYLE 5), run with org's checker.

Rows are ``(url_name, kwargs_builder, actor_fixture_name, expected)`` as in
``org/tests/test_permissions.py``. They live in one module per author: ``matrix_web`` (the web
pages; the public results page is in org's ``PUBLIC_URLS``), ``matrix_joint`` (the joint
enforcement pages, 联合执法) and, later, ``matrix_api`` (add it to ``PARTS``);
``core/tests/test_gate.py`` collects MATRIX and POST_MATRIX from here and fails when an
inspection URL name is missing. Objects are built on first use from ``matrix_cast`` (org's
fixture: the cast plus district A's first term).
"""

from inspections.tests import matrix_joint, matrix_web
from org.tests.matrix import permission_tests

PARTS = (matrix_web, matrix_joint)

MATRIX, POST_MATRIX, test_get_permission_matrix, test_post_permission_matrix = \
    permission_tests(PARTS)
