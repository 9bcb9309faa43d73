"""Permission rows for the joint enforcement pages (联合执法, IN-2; collected by
test_permissions).

The bureau admin, the supervisor and the inspector of district A read the district's operations
and create operations and record visits. Denials: anonymous → login; school staff, guardians,
institution staff and the custodian bank → 403 before any lookup; the bureau admin of district B →
404 for district A's operation, an empty list and export, and their own operations (district B)
created from the list page. The operation is made through the service on first use and cached on
the cast.
"""

import datetime as dt

from inspections import services
from inspections.tests.matrix_web import READERS_200, _rows


def _operation(c):
    """District A's operation of November 2026 with three departments and no visits yet."""
    if not hasattr(c, "in_operation"):
        c.in_operation = services.create_operation(
            actor=c.supervisor, bureau=c.district_a, title="矩阵联合执法",
            start=dt.date(2026, 11, 2), end=dt.date(2026, 11, 20),
            departments=["education", "market", "fire"])
    return c.in_operation


def OPERATION(c):
    return {"pk": _operation(c).pk}


MATRIX = [
    *_rows("inspections:operations", None, READERS_200, 200),
    *_rows("inspections:operations-export", None, READERS_200, 200),
    *_rows("inspections:operation", OPERATION, READERS_200, 404),
]

ALL_302 = {"bureau_admin": 302, "supervisor": 302, "inspector": 302}

POST_MATRIX = [
    # a new operation: each reader creates one in their own district (302 to it), district B's
    # admin in district B
    *_rows("inspections:operations", None, ALL_302, 302),
    # a visit to I1: inspectors record too (执法人员); district B's admin cannot find the operation
    *_rows("inspections:operation", OPERATION, ALL_302, 404),
]


def _operation_form(c, actor):
    return {"title": "矩阵新行动", "start": "2026-11-02", "end": "2026-11-20",
            "departments": ["education", "market"], "summary": ""}


def _visit_form(c, actor):
    return {"institution": c.institution_1.pk, "visited_on": "2026-11-05",
            "outcome": "compliant", "findings": "", "card_colour": "", "institution_q": ""}


QUERY = {}
POST_DATA = {
    "inspections:operations": _operation_form,
    "inspections:operation": _visit_form,
}
METHOD = {}
