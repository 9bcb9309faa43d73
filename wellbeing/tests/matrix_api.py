"""Permission rows for the wellbeing API (collected by test_permissions). Objects come from
``matrix_objects``; anonymous → 401, out of scope → 404, wrong role → 403."""

from wellbeing.tests import matrix_objects as o


def SETTINGS(c):
    return o.settings_api(c)


def EMPTY_SETTINGS(c):
    return {"school_id": c.school_a1.pk, "term_id": c.term.pk}


def READING(c):
    return {"reading_id": o.reading(c).pk}


def SURVEY(c):
    return {"survey_id": o.survey(c).pk}


def PUBLICATION(c):
    return {"publication_id": o.publication(c).pk}


MATRIX = [
    ("api-1:wellbeing_get_settings", SETTINGS, "anonymous", 401),
    ("api-1:wellbeing_get_settings", SETTINGS, "principal", 200),
    ("api-1:wellbeing_get_settings", SETTINGS, "bureau_admin", 200),
    ("api-1:wellbeing_get_settings", SETTINGS, "inspector", 200),
    ("api-1:wellbeing_get_settings", SETTINGS, "teacher_a", 403),
    ("api-1:wellbeing_get_settings", SETTINGS, "teacher_b", 404),
    ("api-1:wellbeing_get_settings", SETTINGS, "bureau_admin_b", 404),
    ("api-1:wellbeing_get_settings", SETTINGS, "guardian_p", 404),

    ("api-1:wellbeing_compliance", None, "anonymous", 401),
    ("api-1:wellbeing_compliance", None, "bureau_admin", 200),
    ("api-1:wellbeing_compliance", None, "inspector", 200),
    ("api-1:wellbeing_compliance", None, "principal", 200),
    ("api-1:wellbeing_compliance", None, "teacher_a", 403),
    ("api-1:wellbeing_compliance", None, "guardian_p", 403),
    ("api-1:wellbeing_compliance", None, "bureau_admin_b", 404),

    ("api-1:wellbeing_list_reading_lists", None, "anonymous", 401),
    ("api-1:wellbeing_list_reading_lists", None, "principal", 200),
    ("api-1:wellbeing_list_reading_lists", None, "bureau_admin", 200),
    ("api-1:wellbeing_list_reading_lists", None, "guardian_p", 200),
    ("api-1:wellbeing_list_reading_lists", None, "teacher_a", 403),
    ("api-1:wellbeing_list_reading_lists", None, "institution_staff", 403),

    ("api-1:wellbeing_list_surveys", None, "anonymous", 401),
    ("api-1:wellbeing_list_surveys", None, "principal", 200),
    ("api-1:wellbeing_list_surveys", None, "bureau_admin", 200),
    ("api-1:wellbeing_list_surveys", None, "guardian_p", 200),
    ("api-1:wellbeing_list_surveys", None, "teacher_a", 403),

    ("api-1:wellbeing_my_surveys", None, "anonymous", 401),
    ("api-1:wellbeing_my_surveys", None, "guardian_p", 200),
    ("api-1:wellbeing_my_surveys", None, "principal", 403),

    ("api-1:wellbeing_survey_results", SURVEY, "anonymous", 401),
    ("api-1:wellbeing_survey_results", SURVEY, "principal", 200),
    ("api-1:wellbeing_survey_results", SURVEY, "bureau_admin", 200),
    ("api-1:wellbeing_survey_results", SURVEY, "inspector", 200),
    ("api-1:wellbeing_survey_results", SURVEY, "guardian_p", 403),
    ("api-1:wellbeing_survey_results", SURVEY, "teacher_a", 404),
    ("api-1:wellbeing_survey_results", SURVEY, "bureau_admin_b", 404),

    ("api-1:wellbeing_survey_results_by_school", None, "anonymous", 401),
    ("api-1:wellbeing_survey_results_by_school", None, "bureau_admin", 200),
    ("api-1:wellbeing_survey_results_by_school", None, "principal", 200),
    ("api-1:wellbeing_survey_results_by_school", None, "teacher_a", 403),
    ("api-1:wellbeing_survey_results_by_school", None, "bureau_admin_b", 404),

    ("api-1:wellbeing_burden_report", None, "anonymous", 401),
    ("api-1:wellbeing_burden_report", None, "bureau_admin", 200),
    ("api-1:wellbeing_burden_report", None, "inspector", 200),
    ("api-1:wellbeing_burden_report", None, "principal", 200),
    ("api-1:wellbeing_burden_report", None, "teacher_a", 403),
    ("api-1:wellbeing_burden_report", None, "guardian_p", 403),
    ("api-1:wellbeing_burden_report", None, "bureau_admin_b", 404),

    ("api-1:wellbeing_list_publications", None, "anonymous", 401),
    ("api-1:wellbeing_list_publications", None, "bureau_admin", 200),
    ("api-1:wellbeing_list_publications", None, "principal", 200),
    ("api-1:wellbeing_list_publications", None, "guardian_p", 200),
    ("api-1:wellbeing_list_publications", None, "teacher_a", 403),

    ("api-1:wellbeing_get_publication", PUBLICATION, "anonymous", 401),
    ("api-1:wellbeing_get_publication", PUBLICATION, "bureau_admin", 200),
    ("api-1:wellbeing_get_publication", PUBLICATION, "principal", 200),
    ("api-1:wellbeing_get_publication", PUBLICATION, "guardian_p", 200),
    ("api-1:wellbeing_get_publication", PUBLICATION, "guardian_nobody", 404),
    ("api-1:wellbeing_get_publication", PUBLICATION, "teacher_a", 404),
    ("api-1:wellbeing_get_publication", PUBLICATION, "bureau_admin_b", 404),
]

POST_MATRIX = [
    ("api-1:wellbeing_save_settings", EMPTY_SETTINGS, "anonymous", 401),
    ("api-1:wellbeing_save_settings", EMPTY_SETTINGS, "principal", 200),
    ("api-1:wellbeing_save_settings", EMPTY_SETTINGS, "bureau_admin", 403),
    ("api-1:wellbeing_save_settings", EMPTY_SETTINGS, "teacher_a", 403),
    ("api-1:wellbeing_save_settings", EMPTY_SETTINGS, "teacher_b", 404),
    ("api-1:wellbeing_save_settings", EMPTY_SETTINGS, "guardian_p", 404),

    ("api-1:wellbeing_create_reading_list", None, "anonymous", 401),
    ("api-1:wellbeing_create_reading_list", None, "principal", 201),
    ("api-1:wellbeing_create_reading_list", None, "bureau_admin", 403),
    ("api-1:wellbeing_create_reading_list", None, "teacher_a", 403),
    ("api-1:wellbeing_create_reading_list", None, "guardian_p", 403),

    ("api-1:wellbeing_update_reading_list", READING, "anonymous", 401),
    ("api-1:wellbeing_update_reading_list", READING, "principal", 200),
    ("api-1:wellbeing_update_reading_list", READING, "bureau_admin", 403),
    ("api-1:wellbeing_update_reading_list", READING, "guardian_p", 403),
    ("api-1:wellbeing_update_reading_list", READING, "teacher_b", 404),

    ("api-1:wellbeing_advance_reading_list", READING, "anonymous", 401),
    ("api-1:wellbeing_advance_reading_list", READING, "principal", 200),
    ("api-1:wellbeing_advance_reading_list", READING, "bureau_admin", 403),
    ("api-1:wellbeing_advance_reading_list", READING, "guardian_p", 403),
    ("api-1:wellbeing_advance_reading_list", READING, "teacher_b", 404),

    ("api-1:wellbeing_launch_survey", None, "anonymous", 401),
    ("api-1:wellbeing_launch_survey", None, "principal", 201),
    ("api-1:wellbeing_launch_survey", None, "bureau_admin", 201),
    ("api-1:wellbeing_launch_survey", None, "inspector", 403),
    ("api-1:wellbeing_launch_survey", None, "teacher_a", 403),
    ("api-1:wellbeing_launch_survey", None, "guardian_p", 403),
    ("api-1:wellbeing_launch_survey", None, "bureau_admin_b", 404),

    ("api-1:wellbeing_close_survey", SURVEY, "anonymous", 401),
    ("api-1:wellbeing_close_survey", SURVEY, "principal", 200),
    ("api-1:wellbeing_close_survey", SURVEY, "bureau_admin", 200),
    ("api-1:wellbeing_close_survey", SURVEY, "inspector", 403),
    ("api-1:wellbeing_close_survey", SURVEY, "guardian_p", 403),
    ("api-1:wellbeing_close_survey", SURVEY, "teacher_b", 404),
    ("api-1:wellbeing_close_survey", SURVEY, "bureau_admin_b", 404),

    ("api-1:wellbeing_answer_survey", SURVEY, "anonymous", 401),
    ("api-1:wellbeing_answer_survey", SURVEY, "guardian_p", 201),
    ("api-1:wellbeing_answer_survey", SURVEY, "principal", 403),
    ("api-1:wellbeing_answer_survey", SURVEY, "guardian_nobody", 404),
    ("api-1:wellbeing_answer_survey", SURVEY, "teacher_b", 404),

    ("api-1:wellbeing_publish", None, "anonymous", 401),
    ("api-1:wellbeing_publish", None, "bureau_admin", 201),
    ("api-1:wellbeing_publish", None, "principal", 403),
    ("api-1:wellbeing_publish", None, "guardian_p", 403),
    ("api-1:wellbeing_publish", None, "bureau_admin_b", 404),

    ("api-1:wellbeing_withdraw_publication", PUBLICATION, "anonymous", 401),
    ("api-1:wellbeing_withdraw_publication", PUBLICATION, "bureau_admin", 200),
    ("api-1:wellbeing_withdraw_publication", PUBLICATION, "inspector", 403),
    ("api-1:wellbeing_withdraw_publication", PUBLICATION, "principal", 403),
    ("api-1:wellbeing_withdraw_publication", PUBLICATION, "guardian_p", 403),
    ("api-1:wellbeing_withdraw_publication", PUBLICATION, "bureau_admin_b", 404),
]


def _term_query(c):
    return f"?term={c.term.pk}"


QUERY = {
    "api-1:wellbeing_compliance": _term_query,
    "api-1:wellbeing_survey_results_by_school": _term_query,
    "api-1:wellbeing_burden_report": _term_query,
}


def _settings_body(c, actor):
    from wellbeing.tests.conftest import compliant_settings

    return compliant_settings(c.school_a1)


def _answer_body(c, actor):
    from wellbeing.tests.conftest import answer_body

    return answer_body(c.pupil_p)


POST_DATA = {
    "api-1:wellbeing_save_settings": _settings_body,
    "api-1:wellbeing_create_reading_list": lambda c, actor: {
        "school": c.school_a1.pk, "school_year": "2026-2027", "title": "推荐书目",
        "grades": [4], "books": "小王子", "purchase": "voluntary"},
    "api-1:wellbeing_update_reading_list": lambda c, actor: {"disclosed_to_parents": True},
    "api-1:wellbeing_advance_reading_list": lambda c, actor: {"to": "filed"},
    "api-1:wellbeing_launch_survey": lambda c, actor: {
        "school": c.school_a1.pk, "term": c.term.pk, "closes_on": "2026-12-15"},
    "api-1:wellbeing_answer_survey": _answer_body,
    "api-1:wellbeing_publish": lambda c, actor: {"term": c.term.pk},
}

METHOD = {
    "api-1:wellbeing_save_settings": "put",
    "api-1:wellbeing_update_reading_list": "patch",
}
