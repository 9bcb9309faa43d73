"""Permission rows for the wellbeing pages (collected by test_permissions). Objects come from
``matrix_objects``; "today" is Monday 2026-11-23 (``pinned_now``).

anonymous → login (the public page: 200); another school, family or district → 404; a visible
object with the wrong role, or a role without business here → 403; the right role → 200/302.
"""

from wellbeing.tests import matrix_objects as o

LOGIN = "login"


def SETTINGS(c):
    return o.settings(c)


def B1_WITH_TERM_A(c):
    return {"school_pk": c.school_b1.pk, "term_pk": c.term.pk}


def A1(c):
    return {"school_pk": c.school_a1.pk}


def READING(c):
    return {"pk": o.reading(c).pk}


def SURVEY(c):
    return {"pk": o.survey(c).pk}


def ANSWER_P(c):
    return {"survey_pk": o.survey(c).pk, "pupil_pk": c.pupil_p.pk}


def ANSWER_Q(c):
    return {"survey_pk": o.survey(c).pk, "pupil_pk": c.pupil_q.pk}


def PUBLICATION(c):
    return {"pk": o.publication(c).pk}


MATRIX = [
    ("wellbeing:index", None, "anonymous", LOGIN),
    ("wellbeing:index", None, "principal", 200),
    ("wellbeing:index", None, "bureau_admin", 200),
    ("wellbeing:index", None, "inspector", 200),
    ("wellbeing:index", None, "guardian_p", 200),
    ("wellbeing:index", None, "teacher_a", 403),
    ("wellbeing:index", None, "head_teacher_a", 403),
    ("wellbeing:index", None, "guardian_nobody", 403),
    ("wellbeing:index", None, "institution_staff", 403),
    ("wellbeing:index", None, "supervisor", 403),

    ("wellbeing:settings", SETTINGS, "anonymous", LOGIN),
    ("wellbeing:settings", SETTINGS, "principal", 200),
    ("wellbeing:settings", SETTINGS, "bureau_admin", 200),
    ("wellbeing:settings", SETTINGS, "inspector", 200),
    ("wellbeing:settings", SETTINGS, "teacher_a", 403),
    ("wellbeing:settings", SETTINGS, "head_teacher_a", 403),
    ("wellbeing:settings", SETTINGS, "teacher_b", 404),
    ("wellbeing:settings", SETTINGS, "bureau_admin_b", 404),
    ("wellbeing:settings", SETTINGS, "guardian_p", 404),
    ("wellbeing:settings", B1_WITH_TERM_A, "bureau_admin_b", 404),

    ("wellbeing:reading", A1, "anonymous", LOGIN),
    ("wellbeing:reading", A1, "principal", 200),
    ("wellbeing:reading", A1, "bureau_admin", 200),
    ("wellbeing:reading", A1, "inspector", 200),
    ("wellbeing:reading", A1, "teacher_a", 403),
    ("wellbeing:reading", A1, "teacher_b", 404),
    ("wellbeing:reading", A1, "bureau_admin_b", 404),
    ("wellbeing:reading", A1, "guardian_p", 404),

    ("wellbeing:reading-export", A1, "anonymous", LOGIN),
    ("wellbeing:reading-export", A1, "principal", 200),
    ("wellbeing:reading-export", A1, "bureau_admin", 200),
    ("wellbeing:reading-export", A1, "teacher_a", 403),
    ("wellbeing:reading-export", A1, "teacher_b", 404),
    ("wellbeing:reading-export", A1, "guardian_p", 404),

    ("wellbeing:reading-list", READING, "anonymous", LOGIN),
    ("wellbeing:reading-list", READING, "principal", 200),
    ("wellbeing:reading-list", READING, "bureau_admin", 200),
    ("wellbeing:reading-list", READING, "inspector", 200),
    ("wellbeing:reading-list", READING, "guardian_p", 200),  # confirmed and disclosed (RD-2)
    ("wellbeing:reading-list", READING, "guardian_nobody", 404),
    ("wellbeing:reading-list", READING, "teacher_a", 404),
    ("wellbeing:reading-list", READING, "teacher_b", 404),
    ("wellbeing:reading-list", READING, "bureau_admin_b", 404),

    ("wellbeing:reading-advance", READING, "anonymous", LOGIN),  # POST only

    ("wellbeing:compliance", None, "anonymous", LOGIN),
    ("wellbeing:compliance", None, "bureau_admin", 200),
    ("wellbeing:compliance", None, "inspector", 200),
    ("wellbeing:compliance", None, "principal", 200),
    ("wellbeing:compliance", None, "bureau_admin_b", 200),  # their own district: no term yet
    ("wellbeing:compliance", None, "teacher_a", 403),
    ("wellbeing:compliance", None, "guardian_p", 403),
    ("wellbeing:compliance", None, "institution_staff", 403),

    ("wellbeing:compliance-export", None, "anonymous", LOGIN),
    ("wellbeing:compliance-export", None, "bureau_admin", 200),
    ("wellbeing:compliance-export", None, "principal", 200),
    ("wellbeing:compliance-export", None, "teacher_a", 403),
    ("wellbeing:compliance-export", None, "guardian_p", 403),

    ("wellbeing:surveys", None, "anonymous", LOGIN),
    ("wellbeing:surveys", None, "principal", 200),
    ("wellbeing:surveys", None, "bureau_admin", 200),
    ("wellbeing:surveys", None, "inspector", 200),
    ("wellbeing:surveys", None, "teacher_a", 403),
    ("wellbeing:surveys", None, "guardian_p", 403),

    ("wellbeing:survey-launch", None, "anonymous", LOGIN),  # POST only

    ("wellbeing:survey-results", None, "anonymous", LOGIN),
    ("wellbeing:survey-results", None, "bureau_admin", 200),
    ("wellbeing:survey-results", None, "inspector", 200),
    ("wellbeing:survey-results", None, "principal", 200),
    ("wellbeing:survey-results", None, "teacher_a", 403),
    ("wellbeing:survey-results", None, "guardian_p", 403),

    ("wellbeing:survey-results-export", None, "anonymous", LOGIN),
    ("wellbeing:survey-results-export", None, "bureau_admin", 200),
    ("wellbeing:survey-results-export", None, "principal", 200),
    ("wellbeing:survey-results-export", None, "teacher_a", 403),
    ("wellbeing:survey-results-export", None, "guardian_p", 403),

    ("wellbeing:survey", SURVEY, "anonymous", LOGIN),
    ("wellbeing:survey", SURVEY, "principal", 200),
    ("wellbeing:survey", SURVEY, "bureau_admin", 200),
    ("wellbeing:survey", SURVEY, "inspector", 200),
    ("wellbeing:survey", SURVEY, "guardian_p", 403),  # sees the survey to answer, not results
    ("wellbeing:survey", SURVEY, "teacher_a", 404),
    ("wellbeing:survey", SURVEY, "teacher_b", 404),
    ("wellbeing:survey", SURVEY, "bureau_admin_b", 404),

    ("wellbeing:survey-export", SURVEY, "anonymous", LOGIN),
    ("wellbeing:survey-export", SURVEY, "principal", 200),
    ("wellbeing:survey-export", SURVEY, "bureau_admin", 200),
    ("wellbeing:survey-export", SURVEY, "guardian_p", 403),
    ("wellbeing:survey-export", SURVEY, "teacher_b", 404),
    ("wellbeing:survey-export", SURVEY, "bureau_admin_b", 404),

    ("wellbeing:survey-close", SURVEY, "anonymous", LOGIN),  # POST only

    ("wellbeing:answer", ANSWER_P, "anonymous", LOGIN),
    ("wellbeing:answer", ANSWER_P, "guardian_p", 200),
    ("wellbeing:answer", ANSWER_Q, "guardian_p", 404),  # another family's child
    ("wellbeing:answer", ANSWER_P, "guardian_nobody", 404),
    ("wellbeing:answer", ANSWER_P, "principal", 403),
    ("wellbeing:answer", ANSWER_P, "teacher_a", 404),
    ("wellbeing:answer", ANSWER_P, "teacher_b", 404),
    ("wellbeing:answer", ANSWER_P, "bureau_admin_b", 404),

    ("wellbeing:burden", None, "anonymous", LOGIN),
    ("wellbeing:burden", None, "bureau_admin", 200),
    ("wellbeing:burden", None, "inspector", 200),
    ("wellbeing:burden", None, "principal", 200),
    ("wellbeing:burden", None, "bureau_admin_b", 200),  # their own district: no term yet
    ("wellbeing:burden", None, "teacher_a", 403),
    ("wellbeing:burden", None, "guardian_p", 403),
    ("wellbeing:burden", None, "institution_staff", 403),

    ("wellbeing:burden-export", None, "anonymous", LOGIN),
    ("wellbeing:burden-export", None, "bureau_admin", 200),
    ("wellbeing:burden-export", None, "principal", 200),
    ("wellbeing:burden-export", None, "bureau_admin_b", 404),  # no report to export
    ("wellbeing:burden-export", None, "teacher_a", 403),
    ("wellbeing:burden-export", None, "guardian_p", 403),

    ("wellbeing:publish", None, "anonymous", LOGIN),  # POST only

    ("wellbeing:publication", PUBLICATION, "anonymous", LOGIN),
    ("wellbeing:publication", PUBLICATION, "bureau_admin", 200),
    ("wellbeing:publication", PUBLICATION, "inspector", 200),
    ("wellbeing:publication", PUBLICATION, "principal", 200),
    ("wellbeing:publication", PUBLICATION, "guardian_p", 200),
    ("wellbeing:publication", PUBLICATION, "guardian_nobody", 404),
    ("wellbeing:publication", PUBLICATION, "teacher_a", 404),
    ("wellbeing:publication", PUBLICATION, "bureau_admin_b", 404),

    ("wellbeing:publication-export", PUBLICATION, "anonymous", LOGIN),
    ("wellbeing:publication-export", PUBLICATION, "bureau_admin", 200),
    ("wellbeing:publication-export", PUBLICATION, "guardian_p", 200),
    ("wellbeing:publication-export", PUBLICATION, "guardian_nobody", 404),
    ("wellbeing:publication-export", PUBLICATION, "bureau_admin_b", 404),

    ("wellbeing:withdraw", PUBLICATION, "anonymous", LOGIN),  # POST only

    ("wellbeing:public", None, "anonymous", 200),  # the public page (负担公示), no login
    ("wellbeing:public", None, "guardian_p", 200),
]

POST_MATRIX = [
    ("wellbeing:settings", SETTINGS, "anonymous", LOGIN),
    ("wellbeing:settings", SETTINGS, "principal", 302),
    ("wellbeing:settings", SETTINGS, "bureau_admin", 403),
    ("wellbeing:settings", SETTINGS, "teacher_a", 403),
    ("wellbeing:settings", SETTINGS, "teacher_b", 404),

    ("wellbeing:reading", A1, "principal", 302),
    ("wellbeing:reading", A1, "bureau_admin", 403),
    ("wellbeing:reading", A1, "teacher_b", 404),

    ("wellbeing:reading-list", READING, "principal", 302),
    ("wellbeing:reading-list", READING, "guardian_p", 403),
    ("wellbeing:reading-list", READING, "bureau_admin", 403),

    ("wellbeing:reading-advance", READING, "anonymous", LOGIN),
    ("wellbeing:reading-advance", READING, "principal", 302),
    ("wellbeing:reading-advance", READING, "bureau_admin", 403),
    ("wellbeing:reading-advance", READING, "guardian_p", 403),
    ("wellbeing:reading-advance", READING, "teacher_b", 404),

    ("wellbeing:survey-launch", None, "anonymous", LOGIN),
    ("wellbeing:survey-launch", None, "principal", 302),
    ("wellbeing:survey-launch", None, "bureau_admin", 302),
    ("wellbeing:survey-launch", None, "teacher_a", 403),
    ("wellbeing:survey-launch", None, "guardian_p", 403),
    ("wellbeing:survey-launch", None, "bureau_admin_b", 404),

    ("wellbeing:survey-close", SURVEY, "anonymous", LOGIN),
    ("wellbeing:survey-close", SURVEY, "principal", 302),
    ("wellbeing:survey-close", SURVEY, "bureau_admin", 302),
    ("wellbeing:survey-close", SURVEY, "inspector", 403),
    ("wellbeing:survey-close", SURVEY, "guardian_p", 403),
    ("wellbeing:survey-close", SURVEY, "teacher_b", 404),
    ("wellbeing:survey-close", SURVEY, "bureau_admin_b", 404),

    ("wellbeing:answer", ANSWER_P, "anonymous", LOGIN),
    ("wellbeing:answer", ANSWER_P, "guardian_p", 302),
    ("wellbeing:answer", ANSWER_Q, "guardian_p", 404),
    ("wellbeing:answer", ANSWER_P, "principal", 403),

    ("wellbeing:publish", None, "anonymous", LOGIN),
    ("wellbeing:publish", None, "bureau_admin", 302),
    ("wellbeing:publish", None, "principal", 403),
    ("wellbeing:publish", None, "inspector", 403),
    ("wellbeing:publish", None, "guardian_p", 403),
    ("wellbeing:publish", None, "bureau_admin_b", 404),

    ("wellbeing:withdraw", PUBLICATION, "anonymous", LOGIN),
    ("wellbeing:withdraw", PUBLICATION, "bureau_admin", 302),
    ("wellbeing:withdraw", PUBLICATION, "principal", 403),
    ("wellbeing:withdraw", PUBLICATION, "inspector", 403),
    ("wellbeing:withdraw", PUBLICATION, "guardian_p", 403),
    ("wellbeing:withdraw", PUBLICATION, "bureau_admin_b", 404),
]


def _settings_form(c, actor):
    from wellbeing.tests.test_web import settings_form

    return settings_form(c.school_a1)


QUERY = {}

POST_DATA = {
    "wellbeing:settings": _settings_form,
    "wellbeing:reading": lambda c, actor: {
        "school_year": "2027-2028", "title": "推荐书目", "grades": [4], "books": "小王子",
        "purchase": "voluntary"},
    "wellbeing:reading-list": lambda c, actor: {"purchase": "voluntary",
                                                "disclosed_to_parents": "on"},
    "wellbeing:reading-advance": lambda c, actor: {"to": "filed"},
    "wellbeing:survey-launch": lambda c, actor: {"term": c.term.pk, "school": c.school_a1.pk,
                                                 "closes_on": "2026-12-15"},
    "wellbeing:answer": lambda c, actor: o.answer_form(),
    "wellbeing:publish": lambda c, actor: {"term": c.term.pk},
}

METHOD = {}
