"""The permission matrix of the homework library (STYLE 5), run by the runner of
org/tests/test_permissions.py. Rows: ``(url_name, kwargs_builder, actor, expected)``.

The items (built through the services on first use):

- ITEM: teacher_a's shared item, visible to school A1 only;
- DISTRICT: teacher_b's (school A2) shared item, visible to every school of district A;
- DRAFT: teacher_a's draft, visible to teacher_a only;
- BUREAU: district A's own item (bureau_admin), visible to every school of district A.

POST rows carry no form data: a 200 for the right role is the page re-shown with form errors.
"""

import pytest

from org.tests.test_permissions import LOGIN, _check, _request, _row_id, matrix_cast  # noqa: F401
from resources import services

ITEM_FIELDS = {"subject": "maths", "grade_from": 4, "minutes": 15, "kind": "written",
               "status": "shared", "within_standard": True}


def _built(c, name, actor, **fields):
    if not hasattr(c, name):
        setattr(c, name, services.create_item(actor=actor, **{**ITEM_FIELDS, **fields}))
    return getattr(c, name)


def school_item(c):
    return _built(c, "resource_item", c.teacher_a, title="角的度量分层练习",
                  visibility="school")


def district_item(c):
    return _built(c, "resource_district", c.teacher_b, title="生活中的角", visibility="district")


def draft_item(c):
    return _built(c, "resource_draft", c.teacher_a, title="草稿", status="draft")


def bureau_item(c):
    return _built(c, "resource_bureau", c.bureau_admin, title="区教研室推荐：测量实践")


def pk_of(builder):
    return lambda c: {"pk": builder(c).pk}


def item_id_of(builder):
    return lambda c: {"item_id": builder(c).pk}


ITEM, DISTRICT, DRAFT, BUREAU = (pk_of(b) for b in (school_item, district_item, draft_item,
                                                     bureau_item))
API_ITEM, API_DISTRICT = item_id_of(school_item), item_id_of(district_item)

MATRIX = [
    ("resources:index", None, "anonymous", LOGIN),
    ("resources:index", None, "teacher_a", 200),
    ("resources:index", None, "head_teacher_a", 200),
    ("resources:index", None, "teacher_b", 200),
    ("resources:index", None, "principal", 200),
    ("resources:index", None, "bureau_admin", 200),
    ("resources:index", None, "bureau_admin_b", 200),
    ("resources:index", None, "guardian_p", 403),
    ("resources:index", None, "guardian_nobody", 403),
    ("resources:index", None, "institution_staff", 403),
    ("resources:index", None, "bank", 403),

    ("resources:detail", ITEM, "anonymous", LOGIN),
    ("resources:detail", ITEM, "teacher_a", 200),
    ("resources:detail", ITEM, "head_teacher_a", 200),
    ("resources:detail", ITEM, "principal", 200),
    ("resources:detail", ITEM, "bureau_admin", 200),
    ("resources:detail", ITEM, "teacher_b", 404),  # school-only item of another school
    ("resources:detail", ITEM, "bureau_admin_b", 404),
    ("resources:detail", ITEM, "guardian_p", 403),
    ("resources:detail", ITEM, "institution_staff", 403),
    ("resources:detail", DISTRICT, "teacher_a", 200),
    ("resources:detail", DISTRICT, "principal", 200),
    ("resources:detail", DISTRICT, "bureau_admin_b", 404),
    ("resources:detail", DRAFT, "teacher_a", 200),
    ("resources:detail", DRAFT, "head_teacher_a", 404),
    ("resources:detail", DRAFT, "principal", 404),
    ("resources:detail", BUREAU, "teacher_b", 200),
    ("resources:detail", BUREAU, "bureau_admin_b", 404),

    ("resources:create", None, "anonymous", LOGIN),
    ("resources:create", None, "teacher_a", 200),
    ("resources:create", None, "head_teacher_a", 200),
    ("resources:create", None, "bureau_admin", 200),
    ("resources:create", None, "principal", 403),
    ("resources:create", None, "guardian_p", 403),
    ("resources:create", None, "institution_staff", 403),

    ("resources:edit", ITEM, "anonymous", LOGIN),
    ("resources:edit", ITEM, "teacher_a", 200),
    ("resources:edit", ITEM, "head_teacher_a", 403),
    ("resources:edit", ITEM, "principal", 403),
    ("resources:edit", ITEM, "bureau_admin", 403),
    ("resources:edit", ITEM, "teacher_b", 404),
    ("resources:edit", ITEM, "guardian_p", 403),
    ("resources:edit", BUREAU, "bureau_admin", 200),
    ("resources:edit", BUREAU, "teacher_a", 403),
    ("resources:edit", BUREAU, "bureau_admin_b", 404),

    ("api-1:list_resource_items", None, "anonymous", 401),
    ("api-1:list_resource_items", None, "teacher_a", 200),
    ("api-1:list_resource_items", None, "bureau_admin", 200),
    ("api-1:list_resource_items", None, "guardian_p", 403),
    ("api-1:list_resource_items", None, "institution_staff", 403),
    ("api-1:get_resource_item", API_ITEM, "anonymous", 401),
    ("api-1:get_resource_item", API_ITEM, "head_teacher_a", 200),
    ("api-1:get_resource_item", API_ITEM, "teacher_b", 404),
    ("api-1:get_resource_item", API_ITEM, "guardian_p", 403),
    ("api-1:get_resource_item", API_DISTRICT, "teacher_a", 200),
    ("api-1:get_resource_item", API_DISTRICT, "bureau_admin_b", 404),
    ("api-1:list_resource_ratings", API_ITEM, "principal", 200),
    ("api-1:list_resource_ratings", API_ITEM, "bureau_admin_b", 404),
    ("api-1:list_resource_ratings", API_ITEM, "bank", 403),
]

POST_MATRIX = [
    ("resources:create", None, "anonymous", LOGIN),
    ("resources:create", None, "teacher_a", 200),
    ("resources:create", None, "principal", 403),
    ("resources:create", None, "guardian_p", 403),

    ("resources:edit", ITEM, "teacher_a", 200),
    ("resources:edit", ITEM, "head_teacher_a", 403),
    ("resources:edit", ITEM, "teacher_b", 404),

    ("resources:delete", ITEM, "anonymous", LOGIN),
    ("resources:delete", ITEM, "teacher_a", 302),
    ("resources:delete", ITEM, "head_teacher_a", 403),
    ("resources:delete", ITEM, "principal", 403),
    ("resources:delete", ITEM, "teacher_b", 404),
    ("resources:delete", ITEM, "guardian_p", 403),

    ("resources:rate", ITEM, "anonymous", LOGIN),
    ("resources:rate", ITEM, "head_teacher_a", 200),
    ("resources:rate", ITEM, "teacher_a", 403),  # one's own design
    ("resources:rate", ITEM, "principal", 403),  # not a teacher
    ("resources:rate", ITEM, "bureau_admin", 403),
    ("resources:rate", ITEM, "teacher_b", 404),
    ("resources:rate", ITEM, "guardian_p", 403),
    ("resources:rate", DISTRICT, "teacher_a", 200),
    ("resources:rate", DISTRICT, "bureau_admin_b", 404),

    ("resources:select", ITEM, "anonymous", LOGIN),
    ("resources:select", ITEM, "principal", 200),
    ("resources:select", ITEM, "bureau_admin", 200),
    ("resources:select", ITEM, "teacher_a", 403),
    ("resources:select", ITEM, "head_teacher_a", 403),
    ("resources:select", ITEM, "bureau_admin_b", 404),
    ("resources:select", DISTRICT, "principal", 403),  # another school's design
    ("resources:select", DISTRICT, "bureau_admin", 200),
    ("resources:select", BUREAU, "principal", 403),
]


@pytest.mark.parametrize("row", MATRIX, ids=[_row_id(r) for r in MATRIX])
def test_get_permission_matrix(row, matrix_cast, request, api_client, web_client):  # noqa: F811
    # Given the actor of the row; when they GET the URL; then the expected status
    url, response = _request(row, "GET", matrix_cast, request, api_client, web_client)
    _check(url, response, row[3], api=row[0].startswith("api-1:"))


@pytest.mark.parametrize("row", POST_MATRIX, ids=[_row_id(r) for r in POST_MATRIX])
def test_post_permission_matrix(row, matrix_cast, request, api_client, web_client):  # noqa: F811
    # Given the actor of the row; when they POST to the URL; then the expected status
    url, response = _request(row, "POST", matrix_cast, request, api_client, web_client)
    _check(url, response, row[3], api=False)
