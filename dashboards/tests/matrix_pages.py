"""Permission rows for the three dashboard pages (collected by test_permissions with
``org.tests.matrix.permission_tests``).

The rules (``Dashboard.ACCESS``): the district page is the district's bureau admins',
supervisors' and inspectors' (another district's bureau admin reads their own district: 200);
a school's page its district's bureau admins and inspectors and the school's admins (another
school's admin or another district: 404; a supervisor, teachers, families, institution staff and
the bank: 403); a class's page those and the class's head teacher (another class's head teacher:
404; a subject teacher: 403). Anonymous visitors go to the login page. Each page's Excel export
(``?export=xlsx``, the same view) is checked for the same readers in test_web_dashboards.
"""

from org.tests.test_permissions import LOGIN

NEVER = ["teacher_a", "teacher_b", "guardian_p", "guardian_nobody", "institution_staff", "bank"]

A1 = lambda c: {"pk": c.school_a1.pk}  # noqa: E731
A2 = lambda c: {"pk": c.school_a2.pk}  # noqa: E731
A1_4_1 = lambda c: {"pk": c.class_a1_4_1.pk}  # noqa: E731
A1_4_2 = lambda c: {"pk": c.class_a1_4_2.pk}  # noqa: E731
A2_4_1 = lambda c: {"pk": c.class_a2_4_1.pk}  # noqa: E731


def _rows(name, kwargs, ok=(), forbidden=(), missing=()):
    return ([(name, kwargs, "anonymous", LOGIN)] + [(name, kwargs, a, 200) for a in ok]
            + [(name, kwargs, a, 403) for a in (*forbidden, *NEVER)]
            + [(name, kwargs, a, 404) for a in missing])


MATRIX = [
    *_rows("dashboards:district", None,
           ok=["bureau_admin", "supervisor", "inspector", "bureau_admin_b"],
           forbidden=["principal", "head_teacher_a"]),
    *_rows("dashboards:school", A1, ok=["bureau_admin", "inspector", "principal"],
           forbidden=["supervisor", "head_teacher_a"], missing=["bureau_admin_b"]),
    ("dashboards:school", A2, "principal", 404),  # another school of the district
    *_rows("dashboards:class", A1_4_1,
           ok=["bureau_admin", "inspector", "principal", "head_teacher_a"],
           forbidden=["supervisor"], missing=["bureau_admin_b"]),
    ("dashboards:class", A1_4_2, "head_teacher_a", 404),  # not their class
    ("dashboards:class", A2_4_1, "principal", 404),  # another school's class
]
