"""Permission rows for the monthly bulletins (月月出快报, QM-3), for ``org/tests/matrix.py``'s
runner (list this module in dashboards' test_permissions.py PARTS).

Readers are ``Bulletin.ACCESS["view"]``: district A's bureau admin, supervisor and inspector;
only the bureau admin generates (POST). Another district's bureau admin finds A's bulletins
missing (404) and lists their own district (200); every other role is 403; anonymous goes to
the login page. Detail, PDF and Excel are GET only (405 for a signed-in POST).

The bulletin is district A's for the current month, requested through the service on first use
and cached on the cast (``bl_bulletin``). Its task never runs inside the test's transaction, so
it stays queued: a reader's PDF or Excel request is sent back to its page (302, "not ready
yet"); the downloads themselves are tested in test_bulletin.py.
"""

from django.utils import timezone

from org.tests.matrix import LOGIN

READERS = ["bureau_admin", "supervisor", "inspector"]
NEVER = ["principal", "teacher_a", "head_teacher_a", "teacher_b", "guardian_p",
         "guardian_nobody", "bank", "institution_staff"]


def _bulletin(c):
    if not hasattr(c, "bl_bulletin"):
        from conftest import fresh
        from dashboards import bulletin

        c.bl_bulletin, _ = bulletin.request(actor=fresh(c.bureau_admin), bureau=c.district_a,
                                            month=timezone.localdate().replace(day=1))
    return {"pk": c.bl_bulletin.pk}


def _rows(name, kwargs, ok_status, other_district):
    return ([(name, kwargs, "anonymous", LOGIN)]
            + [(name, kwargs, a, ok_status) for a in READERS]
            + [(name, kwargs, "bureau_admin_b", other_district)]
            + [(name, kwargs, a, 403) for a in NEVER])


MATRIX = [
    *_rows("dashboards:bulletins", None, 200, 200),  # B's admin: their own (empty) list
    *_rows("dashboards:bulletin", _bulletin, 200, 404),
    *_rows("dashboards:bulletin-pdf", _bulletin, 302, 404),  # queued: back to its page
    *_rows("dashboards:bulletin-xlsx", _bulletin, 302, 404),
]

POST_MATRIX = [
    ("dashboards:bulletins", None, "anonymous", LOGIN),
    ("dashboards:bulletins", None, "bureau_admin", 302),
    ("dashboards:bulletins", None, "supervisor", 403),
    ("dashboards:bulletins", None, "inspector", 403),
    ("dashboards:bulletins", None, "bureau_admin_b", 404),  # district A is not theirs
    *[("dashboards:bulletins", None, a, 403) for a in NEVER],
    ("dashboards:bulletin", _bulletin, "anonymous", LOGIN),
    ("dashboards:bulletin", _bulletin, "bureau_admin", 405),
    ("dashboards:bulletin-pdf", _bulletin, "bureau_admin", 405),
    ("dashboards:bulletin-xlsx", _bulletin, "bureau_admin", 405),
]

POST_DATA = {
    "dashboards:bulletins": lambda c: {"bureau": c.district_a.pk,
                                       "month": timezone.localdate().strftime("%Y-%m")},
}
