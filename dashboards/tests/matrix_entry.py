"""Permission rows for ``/dashboard/mine/``, the navigation's entry: it sends each reader to
their level's page (302) and refuses everyone without a dashboard (403)."""

from org.tests.matrix import LOGIN

MINE = "dashboards:mine"
MATRIX = ([(MINE, None, "anonymous", LOGIN)]
          + [(MINE, None, a, 302) for a in ("bureau_admin", "bureau_admin_b", "supervisor",
                                            "inspector", "principal", "head_teacher_a")]
          + [(MINE, None, a, 403) for a in ("teacher_a", "teacher_b", "guardian_p",
                                            "guardian_nobody", "institution_staff", "bank")])
POST_MATRIX = []
