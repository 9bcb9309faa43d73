"""Permission rows for the after-school pages of guardians, teachers and the bureau (collected
by test_permissions).

Objects are built on first use through the services and cached on the cast (``people_*``
attributes): school A1's programme for grades 2 and 4 in ``matrix_cast.term``, open for
applications, with a football menu course taught by teacher_a on Mondays and Wednesdays; P's
application (base service and football) by guardian_p. "Today" is Monday 2026-11-23 18:30, so
today's sessions exist and have ended.
"""

import datetime as dt

from afterschool.models import Instructor

LOGIN = "login"
TODAY = dt.date(2026, 11, 23)


def _programme(c):
    if not hasattr(c, "people_programme"):
        from afterschool import services
        from afterschool.tests.conftest import five_plus_two

        programme = services.create_programme(
            actor=c.principal, school=c.school_a1, term=c.term, name="2026 秋季课后服务",
            slots=five_plus_two(), grades=[2, 4])
        teacher = services.add_instructor(actor=c.principal, school=c.school_a1,
                                          kind=Instructor.Kind.OWN_TEACHER,
                                          teacher=c.teacher_a_profile)
        football = services.add_course(
            actor=c.principal, programme=programme, name="足球", category="sport",
            instructor=teacher, capacity=20, grades=[2, 4], weekdays=[1, 3], start="16:40",
            end="17:40", place="操场")
        services.review_course(actor=c.principal, course=football, approve=True)
        c.people_programme = services.open_programme(actor=c.principal, programme=programme)
        c.people_football = football
    return c.people_programme


def _application(c):
    """P applies (base service, football first) through the service, once."""
    if not hasattr(c, "people_application"):
        from afterschool import services

        c.people_application = services.apply(
            actor=c.guardian_p, programme=_programme(c), pupil=c.pupil_p, base_service=True,
            choices=[c.people_football.pk])
    return c.people_application


def _child(attr, applied=False):
    def build(c):
        programme = _programme(c)
        if applied:
            _application(c)
        return {"programme_pk": programme.pk, "pupil_pk": getattr(c, attr).pk}

    return build


def _guidance_enrolment(c):
    from afterschool.models import Enrolment

    _application(c)
    return {"pk": Enrolment.objects.get(application=c.people_application,
                                        course__kind="guidance").pk}


def _application_pk(c):
    return {"pk": _application(c).pk}


def _session(kind):
    """Today's session of A1-4-1's guidance group (kind "guidance") or of football ("menu",
    after the lottery is run and published), with P on its roster."""
    def build(c):
        from afterschool import services
        from afterschool.models import Session

        _application(c)
        sessions = Session.objects.filter(course__programme=c.people_programme, date=TODAY)
        if kind == "guidance":
            return {"pk": sessions.get(course__school_class=c.class_a1_4_1).pk}
        if not hasattr(c, "people_lottery"):
            c.people_lottery = services.run_allocation(actor=c.principal,
                                                       programme=c.people_programme,
                                                       seed="matrix")
            services.publish_allocation(actor=c.principal, allocation=c.people_lottery)
        return {"pk": sessions.get(course=c.people_football).pk}

    return build


APPLY_P = _child("pupil_p")
APPLY_Q = _child("pupil_q")
SURVEY_P = _child("pupil_p", applied=True)
ENROLMENT = _guidance_enrolment
APPLICATION = _application_pk
GUIDANCE = _session("guidance")
FOOTBALL = _session("menu")

MATRIX = [
    ("afterschool:index", None, "anonymous", LOGIN),
    ("afterschool:index", None, "principal", 200),
    ("afterschool:index", None, "teacher_a", 200),
    ("afterschool:index", None, "head_teacher_a", 200),
    ("afterschool:index", None, "teacher_b", 200),
    ("afterschool:index", None, "guardian_p", 200),
    ("afterschool:index", None, "bureau_admin", 200),
    ("afterschool:index", None, "inspector", 200),
    ("afterschool:index", None, "guardian_nobody", 403),
    ("afterschool:index", None, "supervisor", 403),
    ("afterschool:index", None, "institution_staff", 403),
    ("afterschool:index", None, "bank", 403),

    ("afterschool:apply", APPLY_P, "anonymous", LOGIN),
    ("afterschool:apply", APPLY_P, "guardian_p", 200),
    ("afterschool:apply", APPLY_Q, "guardian_p", 404),  # another family's child
    ("afterschool:apply", APPLY_P, "guardian_q", 404),
    ("afterschool:apply", APPLY_P, "guardian_nobody", 403),
    ("afterschool:apply", APPLY_P, "teacher_a", 403),  # AS-4: the family applies, not staff
    ("afterschool:apply", APPLY_P, "head_teacher_a", 403),
    ("afterschool:apply", APPLY_P, "principal", 403),
    ("afterschool:apply", APPLY_P, "bureau_admin", 403),
    ("afterschool:apply", APPLY_P, "institution_staff", 403),

    ("afterschool:withdraw-enrolment", ENROLMENT, "anonymous", LOGIN),  # POST only
    ("afterschool:withdraw-enrolment", ENROLMENT, "guardian_p", 405),
    ("afterschool:withdraw-application", APPLICATION, "anonymous", LOGIN),  # POST only
    ("afterschool:withdraw-application", APPLICATION, "guardian_p", 405),

    ("afterschool:survey", SURVEY_P, "anonymous", LOGIN),
    ("afterschool:survey", SURVEY_P, "guardian_p", 200),
    ("afterschool:survey", SURVEY_P, "guardian_q", 404),
    ("afterschool:survey", APPLY_Q, "guardian_p", 404),
    ("afterschool:survey", SURVEY_P, "guardian_nobody", 403),
    ("afterschool:survey", SURVEY_P, "teacher_a", 403),
    ("afterschool:survey", SURVEY_P, "principal", 403),
    ("afterschool:survey", SURVEY_P, "bureau_admin", 403),

    ("afterschool:sessions", None, "anonymous", LOGIN),
    ("afterschool:sessions", None, "teacher_a", 200),
    ("afterschool:sessions", None, "head_teacher_a", 200),
    ("afterschool:sessions", None, "principal", 200),
    ("afterschool:sessions", None, "bureau_admin", 200),
    ("afterschool:sessions", None, "inspector", 200),
    ("afterschool:sessions", None, "guardian_p", 403),
    ("afterschool:sessions", None, "guardian_nobody", 403),
    ("afterschool:sessions", None, "institution_staff", 403),

    ("afterschool:session", GUIDANCE, "anonymous", LOGIN),
    ("afterschool:session", GUIDANCE, "head_teacher_a", 200),  # duty teacher of 4-1's group
    ("afterschool:session", GUIDANCE, "principal", 200),
    ("afterschool:session", GUIDANCE, "teacher_a", 404),  # does not run this group
    ("afterschool:session", GUIDANCE, "teacher_b", 404),
    ("afterschool:session", GUIDANCE, "bureau_admin", 403),  # sees sessions, takes no roll
    ("afterschool:session", GUIDANCE, "inspector", 403),
    ("afterschool:session", GUIDANCE, "bureau_admin_b", 404),
    ("afterschool:session", GUIDANCE, "guardian_p", 404),
    ("afterschool:session", FOOTBALL, "teacher_a", 200),  # teaches football
    ("afterschool:session", FOOTBALL, "head_teacher_a", 404),

    ("afterschool:unpicked", None, "anonymous", LOGIN),
    ("afterschool:unpicked", None, "head_teacher_a", 200),
    ("afterschool:unpicked", None, "principal", 200),
    ("afterschool:unpicked", None, "teacher_a", 403),
    ("afterschool:unpicked", None, "guardian_p", 403),
    ("afterschool:unpicked", None, "bureau_admin", 403),

    ("afterschool:participation", None, "anonymous", LOGIN),
    ("afterschool:participation", None, "bureau_admin", 200),
    ("afterschool:participation", None, "inspector", 200),
    ("afterschool:participation", None, "principal", 200),
    ("afterschool:participation", None, "bureau_admin_b", 200),  # their district: no rows
    ("afterschool:participation", None, "teacher_a", 403),
    ("afterschool:participation", None, "head_teacher_a", 403),
    ("afterschool:participation", None, "guardian_p", 403),
    ("afterschool:participation", None, "supervisor", 403),
    ("afterschool:participation", None, "institution_staff", 403),

    ("afterschool:participation-export", None, "anonymous", LOGIN),
    ("afterschool:participation-export", None, "bureau_admin", 200),
    ("afterschool:participation-export", None, "inspector", 200),
    ("afterschool:participation-export", None, "principal", 200),
    ("afterschool:participation-export", None, "teacher_a", 403),
    ("afterschool:participation-export", None, "guardian_p", 403),
]

POST_MATRIX = [
    ("afterschool:apply", APPLY_P, "guardian_p", 302),
    ("afterschool:apply", APPLY_Q, "guardian_p", 404),
    ("afterschool:apply", APPLY_P, "guardian_q", 404),
    ("afterschool:apply", APPLY_P, "teacher_a", 403),
    ("afterschool:apply", APPLY_P, "guardian_nobody", 403),
    ("afterschool:apply", APPLY_P, "anonymous", LOGIN),

    ("afterschool:withdraw-enrolment", ENROLMENT, "guardian_p", 302),
    ("afterschool:withdraw-enrolment", ENROLMENT, "guardian_q", 404),
    ("afterschool:withdraw-enrolment", ENROLMENT, "head_teacher_a", 403),
    ("afterschool:withdraw-enrolment", ENROLMENT, "teacher_b", 404),
    ("afterschool:withdraw-enrolment", ENROLMENT, "anonymous", LOGIN),

    ("afterschool:withdraw-application", APPLICATION, "guardian_p", 302),
    ("afterschool:withdraw-application", APPLICATION, "guardian_q", 404),
    ("afterschool:withdraw-application", APPLICATION, "head_teacher_a", 403),
    ("afterschool:withdraw-application", APPLICATION, "principal", 403),
    ("afterschool:withdraw-application", APPLICATION, "anonymous", LOGIN),

    ("afterschool:survey", SURVEY_P, "guardian_p", 302),
    ("afterschool:survey", SURVEY_P, "guardian_q", 404),
    ("afterschool:survey", SURVEY_P, "teacher_a", 403),
    ("afterschool:survey", SURVEY_P, "anonymous", LOGIN),

    ("afterschool:session", GUIDANCE, "head_teacher_a", 302),
    ("afterschool:session", GUIDANCE, "principal", 302),
    ("afterschool:session", GUIDANCE, "teacher_a", 404),
    ("afterschool:session", GUIDANCE, "bureau_admin", 403),
    ("afterschool:session", GUIDANCE, "guardian_p", 404),
    ("afterschool:session", GUIDANCE, "anonymous", LOGIN),
    ("afterschool:session", FOOTBALL, "teacher_a", 302),
]

# The chosen term in the query string (and the programme, built on first use, in it).
QUERY = {
    "afterschool:participation": lambda c: f"?term={_programme(c).term_id}",
    "afterschool:participation-export": lambda c: f"?term={_programme(c).term_id}",
}

POST_DATA = {
    "afterschool:apply": lambda c, actor: {"base_service": "on",
                                           "choice_1": c.people_football.pk},
    "afterschool:survey": lambda c, actor: {"liking": "5", "satisfaction": "4"},
    "afterschool:session": lambda c, actor: {"pupil": c.pupil_p.pk, "mark": "present"},
}
METHOD = {}
