"""Permission rows for the school evaluation pages (QM-2), in ``org/tests/matrix.py``'s format.

The rules (``EvaluationScheme.ACCESS``): the district's bureau admins and inspectors read the
table and the weights; only its bureau admins change the weights (the inspector's POST is 403);
another district's bureau admin asking for district A (``?bureau=``) gets 404; every other role
403; anonymous visitors go to the login page. The table is read-only: a POST is 405.
"""

from org.tests.matrix import LOGIN

EVALUATION, WEIGHTS = "dashboards:evaluation", "dashboards:evaluation-weights"
REFUSED = ["supervisor", "bank", "principal", "teacher_a", "head_teacher_a", "teacher_b",
           "guardian_p", "guardian_nobody", "institution_staff"]


def _rows(name, readers, status=200):
    return ([(name, None, "anonymous", LOGIN), (name, None, "bureau_admin_b", 404)]
            + [(name, None, actor, status) for actor in readers]
            + [(name, None, actor, 403) for actor in REFUSED])


MATRIX = _rows(EVALUATION, ["bureau_admin", "inspector"]) + _rows(WEIGHTS, ["bureau_admin",
                                                                           "inspector"])
POST_MATRIX = (_rows(WEIGHTS, ["bureau_admin"], status=302) + [(WEIGHTS, None, "inspector", 403)]
               + [(EVALUATION, None, "anonymous", LOGIN), (EVALUATION, None, "bureau_admin", 405)])

# Every row asks for district A explicitly, so district B's admin is outside their scope.
QUERY = {EVALUATION: lambda c: f"?bureau={c.district_a.pk}",
         WEIGHTS: lambda c: f"?bureau={c.district_a.pk}"}
POST_DATA = {WEIGHTS: lambda c: {"homework_within": 30, "reported_within": 10,
                                 "after_school_participation": 20, "after_school_satisfaction": 10,
                                 "subject_training": 10, "training_spend": 10,
                                 "mentoring_completion": 5, "five_managements": 5, "sleep": 0,
                                 "complaints": 0}}
