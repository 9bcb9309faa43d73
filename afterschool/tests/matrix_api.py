"""Permission rows for the after-school API (collected by test_permissions).

Every operation of ``afterschool/api.py`` for the actors that matter: the school admin who runs
it, the teachers who take part, P's guardian, the bureau (reads, never runs a school), and the
outsiders (another school's teacher, another district's bureau, roles without after-school
business) who get 404 for objects and 403 for lists. Objects are made through the services on
first use and cached on ``matrix_cast``:

``_programme``  A1's programme (grades 2 and 4), open, with 足球 (two seats, teacher_a, Mon/Wed)
                and P applied for the base service and 足球.
``_draft``      A1's programme still in draft (only for the rows that open it: the two cannot
                coexist, one term programme per school and term).
``_run``        a lottery run of ``_programme``, not yet published.
``_session``    today's (Monday 2026-11-23) homework-guidance session of class 4-1.
"""

import datetime as dt

TODAY = dt.date(2026, 11, 23)


def _services():
    from afterschool import services

    return services


def _slots():
    from afterschool.tests.conftest import five_plus_two

    return five_plus_two()


def _instructor(c):
    if not hasattr(c, "as_instructor"):
        c.as_instructor = _services().add_instructor(
            actor=c.principal, school=c.school_a1, kind="own_teacher",
            teacher=c.teacher_a_profile)
    return c.as_instructor


def _programme(c):
    if not hasattr(c, "as_programme"):
        s = _services()
        programme = s.create_programme(actor=c.principal, school=c.school_a1, term=c.term,
                                       name="2026 秋季课后服务", slots=_slots(), grades=[2, 4],
                                       max_courses=1)
        course = s.add_course(actor=c.principal, programme=programme, name="足球",
                              category="sport", capacity=2, grades=[2, 4], weekdays=[1, 3],
                              start="16:40", end="17:40", instructor=_instructor(c))
        c.as_course = s.review_course(actor=c.principal, course=course, approve=True)
        c.as_programme = s.open_programme(actor=c.principal, programme=programme)
        c.as_application = s.apply(actor=c.guardian_p, programme=programme, pupil=c.pupil_p,
                                   choices=[course.pk])
    return c.as_programme


def _draft(c):
    if not hasattr(c, "as_draft"):
        c.as_draft = _services().create_programme(
            actor=c.principal, school=c.school_a1, term=c.term, name="草案", slots=_slots(),
            grades=[2, 4])
    return c.as_draft


def _run(c):
    if not hasattr(c, "as_run"):
        c.as_run = _services().run_allocation(actor=c.principal, programme=_programme(c),
                                              seed="matrix")
    return c.as_run


def _outsider(c):
    if not hasattr(c, "as_outsider"):
        c.as_outsider = _services().add_instructor(
            actor=c.principal, school=c.school_a1, kind="professional", name="钱教练",
            phone="13912345678", qualification="二级教练员", certificate_no="C-2026-001",
            background_checked=True)
    return c.as_outsider


def _session(c):
    from afterschool.models import Session

    _programme(c)
    return Session.objects.get(course__school_class=c.class_a1_4_1, date=TODAY)


def _base_place(c):
    from afterschool.models import Enrolment

    _programme(c)
    return Enrolment.objects.get(pupil=c.pupil_p, course__kind="guidance", status="enrolled")


def _kwargs(name, build):
    """A kwargs builder: ``{name: build(cast).pk}``."""
    return lambda c: {name: build(c).pk}


def _course(c):
    _programme(c)
    return c.as_course


def _application(c):
    _programme(c)
    return c.as_application


PROG = _kwargs("programme_id", _programme)
DRAFT = _kwargs("programme_id", _draft)
RUN = _kwargs("allocation_id", _run)
OUTSIDER = _kwargs("instructor_id", _outsider)
COURSE = _kwargs("course_id", _course)
APP = _kwargs("application_id", _application)
PLACE = _kwargs("enrolment_id", _base_place)
SESSION = _kwargs("session_id", _session)

MATRIX = [
    ("api-1:list_programmes", None, "anonymous", 401),
    ("api-1:list_programmes", None, "principal", 200),
    ("api-1:list_programmes", None, "guardian_p", 200),
    ("api-1:list_programmes", None, "teacher_b", 200),
    ("api-1:list_programmes", None, "bureau_admin", 200),
    ("api-1:list_programmes", None, "inspector", 200),
    ("api-1:list_programmes", None, "supervisor", 403),
    ("api-1:list_programmes", None, "bank", 403),
    ("api-1:list_programmes", None, "institution_staff", 403),
    ("api-1:list_programmes", None, "guardian_nobody", 403),
    ("api-1:get_programme", PROG, "anonymous", 401),
    ("api-1:get_programme", PROG, "principal", 200),
    ("api-1:get_programme", PROG, "teacher_a", 200),
    ("api-1:get_programme", PROG, "guardian_p", 200),
    ("api-1:get_programme", PROG, "inspector", 200),
    ("api-1:get_programme", PROG, "teacher_b", 404),
    ("api-1:get_programme", PROG, "bureau_admin_b", 404),
    ("api-1:get_programme", PROG, "supervisor", 404),
    ("api-1:get_programme", PROG, "guardian_nobody", 404),
    ("api-1:list_allocations", PROG, "principal", 200),
    ("api-1:list_allocations", PROG, "bureau_admin", 200),
    ("api-1:list_allocations", PROG, "teacher_a", 403),
    ("api-1:list_allocations", PROG, "guardian_p", 403),
    ("api-1:list_allocations", PROG, "teacher_b", 404),
    ("api-1:verify_allocation", RUN, "anonymous", 401),
    ("api-1:verify_allocation", RUN, "principal", 200),
    ("api-1:verify_allocation", RUN, "bureau_admin", 200),
    ("api-1:verify_allocation", RUN, "inspector", 200),
    ("api-1:verify_allocation", RUN, "teacher_a", 404),
    ("api-1:verify_allocation", RUN, "guardian_p", 404),
    ("api-1:verify_allocation", RUN, "bureau_admin_b", 404),
    ("api-1:programme_hours", PROG, "principal", 200),
    ("api-1:programme_hours", PROG, "bureau_admin", 200),
    ("api-1:programme_hours", PROG, "inspector", 200),
    ("api-1:programme_hours", PROG, "teacher_a", 403),
    ("api-1:programme_hours", PROG, "head_teacher_a", 403),
    ("api-1:programme_hours", PROG, "guardian_p", 403),
    ("api-1:programme_hours", PROG, "teacher_b", 404),
    ("api-1:programme_hours", PROG, "bureau_admin_b", 404),
    ("api-1:participation", None, "anonymous", 401),
    ("api-1:participation", None, "bureau_admin", 200),
    ("api-1:participation", None, "bureau_admin_b", 200),
    ("api-1:participation", None, "inspector", 200),
    ("api-1:participation", None, "principal", 200),
    ("api-1:participation", None, "teacher_a", 403),
    ("api-1:participation", None, "guardian_p", 403),
    ("api-1:participation", None, "bank", 403),
    ("api-1:list_instructors", None, "anonymous", 401),
    ("api-1:list_instructors", None, "principal", 200),
    ("api-1:list_instructors", None, "teacher_a", 200),
    ("api-1:list_instructors", None, "bureau_admin", 200),
    ("api-1:list_instructors", None, "guardian_p", 403),
    ("api-1:list_instructors", None, "institution_staff", 403),
    ("api-1:list_courses", None, "anonymous", 401),
    ("api-1:list_courses", None, "guardian_p", 200),
    ("api-1:list_courses", None, "principal", 200),
    ("api-1:list_courses", None, "teacher_b", 200),
    ("api-1:list_courses", None, "guardian_nobody", 403),
    ("api-1:list_courses", None, "bank", 403),
    ("api-1:get_course", COURSE, "guardian_p", 200),
    ("api-1:get_course", COURSE, "teacher_a", 200),
    ("api-1:get_course", COURSE, "bureau_admin", 200),
    ("api-1:get_course", COURSE, "teacher_b", 404),
    ("api-1:get_course", COURSE, "bureau_admin_b", 404),
    ("api-1:get_course", COURSE, "guardian_nobody", 404),
    ("api-1:list_applications", None, "anonymous", 401),
    ("api-1:list_applications", None, "guardian_p", 200),
    ("api-1:list_applications", None, "principal", 200),
    ("api-1:list_applications", None, "head_teacher_a", 200),
    ("api-1:list_applications", None, "bureau_admin", 200),
    ("api-1:list_applications", None, "teacher_a", 403),
    ("api-1:list_applications", None, "inspector", 403),
    ("api-1:list_applications", None, "guardian_nobody", 403),
    ("api-1:list_enrolments", None, "anonymous", 401),
    ("api-1:list_enrolments", None, "guardian_p", 200),
    ("api-1:list_enrolments", None, "teacher_a", 200),
    ("api-1:list_enrolments", None, "principal", 200),
    ("api-1:list_enrolments", None, "guardian_nobody", 403),
    ("api-1:list_enrolments", None, "bank", 403),
    ("api-1:list_sessions", None, "anonymous", 401),
    ("api-1:list_sessions", None, "principal", 200),
    ("api-1:list_sessions", None, "teacher_a", 200),
    ("api-1:list_sessions", None, "head_teacher_a", 200),
    ("api-1:list_sessions", None, "guardian_p", 403),
    ("api-1:list_sessions", None, "bank", 403),
    ("api-1:get_session", SESSION, "anonymous", 401),
    ("api-1:get_session", SESSION, "head_teacher_a", 200),
    ("api-1:get_session", SESSION, "principal", 200),
    ("api-1:get_session", SESSION, "bureau_admin", 200),
    ("api-1:get_session", SESSION, "inspector", 200),
    ("api-1:get_session", SESSION, "teacher_a", 404),
    ("api-1:get_session", SESSION, "teacher_b", 404),
    ("api-1:get_session", SESSION, "guardian_p", 404),
    ("api-1:get_session", SESSION, "bureau_admin_b", 404),
    ("api-1:list_unpicked", None, "anonymous", 401),
    ("api-1:list_unpicked", None, "head_teacher_a", 200),
    ("api-1:list_unpicked", None, "principal", 200),
    ("api-1:list_unpicked", None, "guardian_p", 200),
    ("api-1:list_unpicked", None, "bank", 403),
    ("api-1:list_unpicked", None, "institution_staff", 403),
]

# Rows sent with the endpoint's method (METHOD; POST unless named there).
POST_MATRIX = [
    ("api-1:create_programme", None, "anonymous", 401),
    ("api-1:create_programme", None, "principal", 201),
    ("api-1:create_programme", None, "bureau_admin", 403),
    ("api-1:create_programme", None, "teacher_a", 403),
    ("api-1:create_programme", None, "guardian_p", 403),
    ("api-1:replace_timetable", PROG, "anonymous", 401),
    ("api-1:replace_timetable", PROG, "principal", 200),
    ("api-1:replace_timetable", PROG, "bureau_admin", 403),
    ("api-1:replace_timetable", PROG, "teacher_a", 403),
    ("api-1:replace_timetable", PROG, "guardian_p", 403),
    ("api-1:replace_timetable", PROG, "teacher_b", 404),
    ("api-1:open_programme", DRAFT, "principal", 200),
    ("api-1:open_programme", DRAFT, "bureau_admin", 403),
    ("api-1:open_programme", DRAFT, "head_teacher_a", 403),
    ("api-1:open_programme", DRAFT, "teacher_b", 404),
    ("api-1:allocate", PROG, "principal", 201),
    ("api-1:allocate", PROG, "bureau_admin", 403),
    ("api-1:allocate", PROG, "teacher_a", 403),
    ("api-1:allocate", PROG, "guardian_p", 403),
    ("api-1:allocate", PROG, "bureau_admin_b", 404),
    ("api-1:publish_allocation", RUN, "anonymous", 401),
    ("api-1:publish_allocation", RUN, "principal", 200),
    ("api-1:publish_allocation", RUN, "bureau_admin", 403),
    ("api-1:publish_allocation", RUN, "inspector", 403),
    ("api-1:publish_allocation", RUN, "teacher_a", 404),
    ("api-1:publish_allocation", RUN, "guardian_p", 404),
    ("api-1:add_instructor", None, "anonymous", 401),
    ("api-1:add_instructor", None, "principal", 201),
    ("api-1:add_instructor", None, "bureau_admin", 403),
    ("api-1:add_instructor", None, "teacher_a", 403),
    ("api-1:add_instructor", None, "guardian_p", 403),
    ("api-1:review_instructor", OUTSIDER, "principal", 200),
    ("api-1:review_instructor", OUTSIDER, "bureau_admin", 403),
    ("api-1:review_instructor", OUTSIDER, "teacher_a", 403),
    ("api-1:review_instructor", OUTSIDER, "teacher_b", 404),
    ("api-1:review_instructor", OUTSIDER, "guardian_p", 404),
    ("api-1:add_course", None, "principal", 201),
    ("api-1:add_course", None, "bureau_admin", 403),
    ("api-1:add_course", None, "teacher_a", 403),
    ("api-1:add_course", None, "guardian_p", 403),
    ("api-1:change_course", COURSE, "principal", 200),
    ("api-1:change_course", COURSE, "bureau_admin", 403),
    ("api-1:change_course", COURSE, "teacher_a", 403),
    ("api-1:change_course", COURSE, "guardian_p", 403),
    ("api-1:change_course", COURSE, "teacher_b", 404),
    ("api-1:review_course", COURSE, "principal", 200),
    ("api-1:review_course", COURSE, "bureau_admin", 403),
    ("api-1:review_course", COURSE, "teacher_a", 403),
    ("api-1:review_course", COURSE, "teacher_b", 404),
    ("api-1:apply", None, "anonymous", 401),
    ("api-1:apply", None, "guardian_p", 201),
    ("api-1:apply", None, "principal", 403),
    ("api-1:apply", None, "head_teacher_a", 403),
    ("api-1:apply", None, "guardian_nobody", 403),
    ("api-1:withdraw_application", APP, "anonymous", 401),
    ("api-1:withdraw_application", APP, "guardian_p", 204),
    ("api-1:withdraw_application", APP, "principal", 403),
    ("api-1:withdraw_application", APP, "head_teacher_a", 403),
    ("api-1:withdraw_application", APP, "teacher_b", 404),
    ("api-1:withdraw_application", APP, "guardian_nobody", 404),
    ("api-1:withdraw_enrolment", PLACE, "guardian_p", 200),
    ("api-1:withdraw_enrolment", PLACE, "principal", 403),
    ("api-1:withdraw_enrolment", PLACE, "head_teacher_a", 403),
    ("api-1:withdraw_enrolment", PLACE, "teacher_a", 404),
    ("api-1:withdraw_enrolment", PLACE, "teacher_b", 404),
    ("api-1:record_attendance", SESSION, "anonymous", 401),
    ("api-1:record_attendance", SESSION, "head_teacher_a", 200),
    ("api-1:record_attendance", SESSION, "principal", 200),
    ("api-1:record_attendance", SESSION, "bureau_admin", 403),
    ("api-1:record_attendance", SESSION, "inspector", 403),
    ("api-1:record_attendance", SESSION, "teacher_a", 404),
    ("api-1:record_attendance", SESSION, "teacher_b", 404),
    ("api-1:record_attendance", SESSION, "guardian_p", 404),
    ("api-1:answer_survey", None, "anonymous", 401),
    ("api-1:answer_survey", None, "guardian_p", 201),
    ("api-1:answer_survey", None, "principal", 403),
    ("api-1:answer_survey", None, "teacher_b", 404),
    ("api-1:answer_survey", None, "guardian_nobody", 404),
]

QUERY = {
    "api-1:programme_hours": lambda c: "?month=2026-11",
}


def _programme_body(c, actor):
    return {"school": c.school_a1.pk, "term": c.term.pk, "name": "2026 秋季课后服务",
            "grades": [2, 4], "slots": _slots()}


def _course_body(c, actor):
    return {"programme": _programme(c).pk, "name": "合唱", "category": "art", "capacity": 10,
            "grades": [2, 4], "weekdays": [2], "start": "16:40", "end": "17:40",
            "instructor": _instructor(c).pk}


POST_DATA = {
    "api-1:create_programme": _programme_body,
    "api-1:replace_timetable": lambda c, actor: {"slots": _slots()},
    "api-1:allocate": lambda c, actor: {"seed": "matrix"},
    "api-1:add_instructor": lambda c, actor: {
        "school": c.school_a1.pk, "kind": "volunteer", "name": "志愿者周阿姨",
        "phone": "13912345678", "background_checked": True},
    "api-1:review_instructor": lambda c, actor: {"approve": True},
    "api-1:add_course": _course_body,
    "api-1:change_course": lambda c, actor: {"capacity": 3},
    "api-1:review_course": lambda c, actor: {"approve": True},
    "api-1:apply": lambda c, actor: {"pupil": c.pupil_p.pk, "programme": _programme(c).pk,
                                     "choices": [c.as_course.pk]},
    "api-1:record_attendance": lambda c, actor: {"records": [
        {"pupil": c.pupil_p.pk, "mark": "present", "pickup": "guardian",
         "picked_up_by": "张妈妈"}]},
    "api-1:answer_survey": lambda c, actor: {"programme": _programme(c).pk,
                                             "pupil": c.pupil_p.pk, "liking": 5,
                                             "satisfaction": 4},
}

METHOD = {
    "api-1:replace_timetable": "put",
    "api-1:change_course": "patch",
    "api-1:withdraw_application": "delete",
}
