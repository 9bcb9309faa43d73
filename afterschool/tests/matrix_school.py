"""Permission rows for the school admin's after-school pages (collected by test_permissions).

School A1's admin (``principal``) runs everything; district A's bureau admin and inspector read
(the inspector not the fee statement, which names hardship exemptions); teachers and guardians of
A1 see the programme but not these pages (403); another school's or district's users get 404.
Objects are made on first use through the services, on ``matrix_cast`` (district A's first term
2026-09-01 – 2027-01-22), with today pinned to Monday 2026-11-23, and cached on the cast.
"""

LOGIN = "login"


def _services():
    from afterschool import services

    return services


def _programme(c):
    """A1's draft programme for grades 2 and 4 with a "5+2" timetable (menu 16:40–17:40)."""
    if not hasattr(c, "as_programme"):
        from afterschool.tests.conftest import five_plus_two

        c.as_programme = _services().create_programme(
            actor=c.principal, school=c.school_a1, term=c.term, name="2026 秋季课后服务",
            slots=five_plus_two(), grades=[2, 4])
    return c.as_programme


def _course(c):
    """A pending menu course (football, Mon/Wed) taught by teacher_a."""
    if not hasattr(c, "as_course"):
        services = _services()
        instructor = services.add_instructor(actor=c.principal, school=c.school_a1,
                                             kind="own_teacher", teacher=c.teacher_a_profile)
        c.as_course = services.add_course(
            actor=c.principal, programme=_programme(c), name="足球", category="sport",
            instructor=instructor, capacity=2, grades=[2, 4], weekdays=[1, 3], start="16:40",
            end="17:40", place="操场")
    return c.as_course


def _open(c):
    """The programme with its course approved, open for applications, P applied for football."""
    if not hasattr(c, "as_open"):
        services = _services()
        course = services.review_course(actor=c.principal, course=_course(c), approve=True)
        c.as_open = services.open_programme(actor=c.principal, programme=_programme(c))
        services.apply(actor=c.guardian_p, programme=c.as_open, pupil=c.pupil_p,
                       choices=[course.pk])
    return c.as_open


def _allocation(c):
    """A first lottery run of the open programme (unpublished)."""
    if not hasattr(c, "as_allocation"):
        c.as_allocation = _services().run_allocation(actor=c.principal, programme=_open(c),
                                                      seed="matrix-seed")
    return c.as_allocation


def _instructor(c):
    """A pending volunteer of A1."""
    if not hasattr(c, "as_instructor"):
        c.as_instructor = _services().add_instructor(
            actor=c.principal, school=c.school_a1, kind="volunteer", name="志愿者甲",
            phone="13900001111", background_checked=True)
    return c.as_instructor


def PROG(c):
    return {"pk": _programme(c).pk}


def OPEN(c):
    return {"pk": _open(c).pk}


def COURSE(c):
    return {"pk": _course(c).pk}


def INSTR(c):
    return {"pk": _instructor(c).pk}


def ALLOC(c):
    return {"pk": _allocation(c).pk}


def ALLOC_PROG(c):
    """The lottery page of the programme whose run ALLOC is (its URL takes the programme)."""
    return {"pk": _allocation(c).programme_id}


MATRIX = [
    ("afterschool:programmes", None, "anonymous", LOGIN),
    ("afterschool:programmes", None, "principal", 200),
    ("afterschool:programmes", None, "bureau_admin", 200),
    ("afterschool:programmes", None, "inspector", 200),
    ("afterschool:programmes", None, "bureau_admin_b", 200),  # their own district: none
    ("afterschool:programmes", None, "teacher_a", 403),
    ("afterschool:programmes", None, "head_teacher_a", 403),
    ("afterschool:programmes", None, "guardian_p", 403),
    ("afterschool:programmes", None, "supervisor", 403),
    ("afterschool:programmes", None, "institution_staff", 403),

    ("afterschool:programme-create", None, "anonymous", LOGIN),
    ("afterschool:programme-create", None, "principal", 200),
    ("afterschool:programme-create", None, "bureau_admin", 403),
    ("afterschool:programme-create", None, "teacher_a", 403),
    ("afterschool:programme-create", None, "guardian_p", 403),

    ("afterschool:programme", PROG, "anonymous", LOGIN),
    ("afterschool:programme", PROG, "principal", 200),
    ("afterschool:programme", PROG, "bureau_admin", 200),
    ("afterschool:programme", PROG, "inspector", 200),
    ("afterschool:programme", PROG, "teacher_a", 403),
    ("afterschool:programme", PROG, "head_teacher_a", 403),
    ("afterschool:programme", PROG, "guardian_p", 404),  # a draft: guardians do not see it
    ("afterschool:programme", PROG, "teacher_b", 404),
    ("afterschool:programme", PROG, "bureau_admin_b", 404),
    ("afterschool:programme", PROG, "guardian_nobody", 404),
    ("afterschool:programme", PROG, "supervisor", 404),
    ("afterschool:programme", OPEN, "principal", 200),

    ("afterschool:programme-open", PROG, "anonymous", LOGIN),  # POST only; see POST_MATRIX

    ("afterschool:timetable", PROG, "anonymous", LOGIN),
    ("afterschool:timetable", PROG, "principal", 200),
    ("afterschool:timetable", PROG, "bureau_admin", 403),
    ("afterschool:timetable", PROG, "inspector", 403),
    ("afterschool:timetable", PROG, "teacher_a", 403),
    ("afterschool:timetable", PROG, "teacher_b", 404),
    ("afterschool:timetable", PROG, "bureau_admin_b", 404),

    ("afterschool:course-create", PROG, "anonymous", LOGIN),
    ("afterschool:course-create", PROG, "principal", 200),
    ("afterschool:course-create", PROG, "bureau_admin", 403),
    ("afterschool:course-create", PROG, "teacher_a", 403),
    ("afterschool:course-create", PROG, "guardian_p", 404),  # a draft: guardians do not see it
    ("afterschool:course-create", PROG, "teacher_b", 404),
    ("afterschool:course-create", PROG, "bureau_admin_b", 404),

    ("afterschool:course", COURSE, "anonymous", LOGIN),
    ("afterschool:course", COURSE, "principal", 200),
    ("afterschool:course", COURSE, "bureau_admin", 200),
    ("afterschool:course", COURSE, "inspector", 200),
    ("afterschool:course", COURSE, "teacher_a", 403),  # runs it, but this is the office's page
    ("afterschool:course", COURSE, "guardian_p", 404),  # a draft: guardians do not see it
    ("afterschool:course", COURSE, "teacher_b", 404),
    ("afterschool:course", COURSE, "bureau_admin_b", 404),
    ("afterschool:course", COURSE, "guardian_nobody", 404),

    ("afterschool:course-edit", COURSE, "anonymous", LOGIN),
    ("afterschool:course-edit", COURSE, "principal", 200),
    ("afterschool:course-edit", COURSE, "bureau_admin", 403),
    ("afterschool:course-edit", COURSE, "teacher_a", 403),
    ("afterschool:course-edit", COURSE, "guardian_p", 404),  # a draft: guardians do not see it
    ("afterschool:course-edit", COURSE, "teacher_b", 404),
    ("afterschool:course-edit", COURSE, "bureau_admin_b", 404),

    ("afterschool:course-review", COURSE, "anonymous", LOGIN),  # POST only

    ("afterschool:instructors", None, "anonymous", LOGIN),
    ("afterschool:instructors", None, "principal", 200),
    ("afterschool:instructors", None, "bureau_admin", 200),
    ("afterschool:instructors", None, "inspector", 200),
    ("afterschool:instructors", None, "teacher_a", 403),
    ("afterschool:instructors", None, "teacher_b", 403),
    ("afterschool:instructors", None, "guardian_p", 403),
    ("afterschool:instructors", None, "supervisor", 403),
    ("afterschool:instructors", None, "bureau_admin_b", 404),  # ?school= A1 (QUERY)

    ("afterschool:instructor-review", INSTR, "anonymous", LOGIN),  # POST only

    ("afterschool:lottery", ALLOC_PROG, "anonymous", LOGIN),
    ("afterschool:lottery", ALLOC_PROG, "principal", 200),
    ("afterschool:lottery", ALLOC_PROG, "bureau_admin", 200),
    ("afterschool:lottery", ALLOC_PROG, "inspector", 200),
    ("afterschool:lottery", PROG, "principal", 200),  # draft: nothing to draw yet
    ("afterschool:lottery", ALLOC_PROG, "teacher_a", 403),
    ("afterschool:lottery", ALLOC_PROG, "guardian_p", 403),
    ("afterschool:lottery", ALLOC_PROG, "teacher_b", 404),
    ("afterschool:lottery", ALLOC_PROG, "bureau_admin_b", 404),

    ("afterschool:allocation-verify", ALLOC, "anonymous", LOGIN),  # POST only
    ("afterschool:allocation-publish", ALLOC, "anonymous", LOGIN),  # POST only

    ("afterschool:fees", OPEN, "anonymous", LOGIN),
    ("afterschool:fees", OPEN, "principal", 200),
    ("afterschool:fees", OPEN, "bureau_admin", 200),
    ("afterschool:fees", OPEN, "inspector", 403),  # names hardship exemptions
    ("afterschool:fees", OPEN, "teacher_a", 403),
    ("afterschool:fees", OPEN, "guardian_p", 403),
    ("afterschool:fees", OPEN, "teacher_b", 404),
    ("afterschool:fees", OPEN, "bureau_admin_b", 404),

    ("afterschool:fees-export", OPEN, "anonymous", LOGIN),
    ("afterschool:fees-export", OPEN, "principal", 200),
    ("afterschool:fees-export", OPEN, "bureau_admin", 200),
    ("afterschool:fees-export", OPEN, "inspector", 403),
    ("afterschool:fees-export", OPEN, "teacher_a", 403),
    ("afterschool:fees-export", OPEN, "guardian_p", 403),
    ("afterschool:fees-export", OPEN, "bureau_admin_b", 404),

    ("afterschool:hours", None, "anonymous", LOGIN),
    ("afterschool:hours", None, "principal", 200),
    ("afterschool:hours", None, "bureau_admin", 200),
    ("afterschool:hours", None, "inspector", 200),
    ("afterschool:hours", None, "teacher_a", 403),
    ("afterschool:hours", None, "head_teacher_a", 403),
    ("afterschool:hours", None, "guardian_p", 403),
    ("afterschool:hours", None, "bureau_admin_b", 404),  # ?school= A1 (QUERY)

    ("afterschool:hours-export", None, "anonymous", LOGIN),
    ("afterschool:hours-export", None, "principal", 200),
    ("afterschool:hours-export", None, "bureau_admin", 200),
    ("afterschool:hours-export", None, "teacher_a", 403),
    ("afterschool:hours-export", None, "guardian_p", 403),
    ("afterschool:hours-export", None, "bureau_admin_b", 404),
]

POST_MATRIX = [
    ("afterschool:programme-create", None, "principal", 302),
    ("afterschool:programme-create", None, "bureau_admin", 403),
    ("afterschool:programme-create", None, "teacher_a", 403),
    ("afterschool:programme-create", None, "anonymous", LOGIN),

    ("afterschool:programme-open", PROG, "principal", 302),
    ("afterschool:programme-open", PROG, "bureau_admin", 403),
    ("afterschool:programme-open", PROG, "teacher_a", 403),
    ("afterschool:programme-open", PROG, "guardian_p", 404),  # a draft: guardians do not see it
    ("afterschool:programme-open", PROG, "teacher_b", 404),
    ("afterschool:programme-open", PROG, "bureau_admin_b", 404),
    ("afterschool:programme-open", PROG, "anonymous", LOGIN),

    ("afterschool:timetable", PROG, "principal", 302),
    ("afterschool:timetable", PROG, "bureau_admin", 403),
    ("afterschool:timetable", PROG, "teacher_a", 403),
    ("afterschool:timetable", PROG, "bureau_admin_b", 404),
    ("afterschool:timetable", PROG, "anonymous", LOGIN),

    ("afterschool:course-create", PROG, "principal", 302),
    ("afterschool:course-create", PROG, "bureau_admin", 403),
    ("afterschool:course-create", PROG, "teacher_a", 403),
    ("afterschool:course-create", PROG, "teacher_b", 404),
    ("afterschool:course-create", PROG, "anonymous", LOGIN),

    ("afterschool:course-edit", COURSE, "principal", 302),
    ("afterschool:course-edit", COURSE, "bureau_admin", 403),
    ("afterschool:course-edit", COURSE, "teacher_a", 403),
    ("afterschool:course-edit", COURSE, "bureau_admin_b", 404),
    ("afterschool:course-edit", COURSE, "anonymous", LOGIN),

    ("afterschool:course-review", COURSE, "principal", 302),
    ("afterschool:course-review", COURSE, "bureau_admin", 403),
    ("afterschool:course-review", COURSE, "teacher_a", 403),
    ("afterschool:course-review", COURSE, "guardian_p", 404),  # a draft: guardians do not see it
    ("afterschool:course-review", COURSE, "teacher_b", 404),
    ("afterschool:course-review", COURSE, "bureau_admin_b", 404),
    ("afterschool:course-review", COURSE, "anonymous", LOGIN),

    ("afterschool:instructors", None, "principal", 302),
    ("afterschool:instructors", None, "bureau_admin", 403),
    ("afterschool:instructors", None, "teacher_a", 403),
    ("afterschool:instructors", None, "bureau_admin_b", 404),
    ("afterschool:instructors", None, "anonymous", LOGIN),

    ("afterschool:instructor-review", INSTR, "principal", 302),
    ("afterschool:instructor-review", INSTR, "bureau_admin", 403),
    ("afterschool:instructor-review", INSTR, "teacher_a", 403),
    ("afterschool:instructor-review", INSTR, "guardian_p", 404),  # instructors hidden from guardians
    ("afterschool:instructor-review", INSTR, "teacher_b", 404),
    ("afterschool:instructor-review", INSTR, "bureau_admin_b", 404),
    ("afterschool:instructor-review", INSTR, "anonymous", LOGIN),

    ("afterschool:lottery", OPEN, "principal", 302),
    ("afterschool:lottery", OPEN, "bureau_admin", 403),
    ("afterschool:lottery", OPEN, "inspector", 403),
    ("afterschool:lottery", OPEN, "teacher_a", 403),
    ("afterschool:lottery", OPEN, "bureau_admin_b", 404),
    ("afterschool:lottery", OPEN, "anonymous", LOGIN),

    ("afterschool:allocation-verify", ALLOC, "principal", 302),
    ("afterschool:allocation-verify", ALLOC, "bureau_admin", 302),  # a read: anyone may verify
    ("afterschool:allocation-verify", ALLOC, "inspector", 302),
    ("afterschool:allocation-verify", ALLOC, "teacher_a", 404),  # runs are hidden from teachers
    ("afterschool:allocation-verify", ALLOC, "guardian_p", 404),
    ("afterschool:allocation-verify", ALLOC, "bureau_admin_b", 404),
    ("afterschool:allocation-verify", ALLOC, "anonymous", LOGIN),

    ("afterschool:allocation-publish", ALLOC, "principal", 302),
    ("afterschool:allocation-publish", ALLOC, "bureau_admin", 403),
    ("afterschool:allocation-publish", ALLOC, "inspector", 403),
    ("afterschool:allocation-publish", ALLOC, "teacher_a", 404),
    ("afterschool:allocation-publish", ALLOC, "bureau_admin_b", 404),
    ("afterschool:allocation-publish", ALLOC, "anonymous", LOGIN),

    ("afterschool:fees", OPEN, "principal", 302),
    ("afterschool:fees", OPEN, "bureau_admin", 403),
    ("afterschool:fees", OPEN, "inspector", 403),
    ("afterschool:fees", OPEN, "teacher_a", 403),
    ("afterschool:fees", OPEN, "bureau_admin_b", 404),
    ("afterschool:fees", OPEN, "anonymous", LOGIN),
]


def _school_query(c):
    return f"?school={c.school_a1.pk}&month=2026-11"


QUERY = {
    "afterschool:instructors": _school_query,
    "afterschool:hours": _school_query,
    "afterschool:hours-export": _school_query,
}


def _programme_form(c, actor):
    return {"school": c.school_a1.pk, "term": c.term.pk, "kind": "term", "name": "2026 秋季课后服务",
            "grades": ["2", "4"], "max_courses": "2", "makeup_weekday": "1", **_timetable(c, actor)}


def _timetable(c, actor):
    return {"tt-mode": "same", "tt-guidance_start": "15:40", "tt-guidance_end": "16:40",
            "tt-menu_start": "16:40", "tt-menu_end": "17:50"}


def _course_form(c, actor):
    return {"name": "绘画", "category": "art", "duty_teacher": c.teacher_a_profile.pk,
            "capacity": "10", "grades": ["2", "4"], "weekdays": ["2", "4"], "start": "16:40",
            "end": "17:40", "place": "美术室", "fee_yuan": "0"}


def _course_change(c, actor):
    return {"name": "足球（提高）", "category": "sport", "capacity": "3", "place": "操场",
            "fee_yuan": "0", "content_summary": "基本技术与比赛"}


POST_DATA = {
    "afterschool:programme-create": _programme_form,
    "afterschool:timetable": _timetable,
    "afterschool:course-create": _course_form,
    "afterschool:course-edit": _course_change,
    "afterschool:course-review": lambda c, actor: {"decision": "approve"},
    "afterschool:instructors": lambda c, actor: {
        "kind": "volunteer", "name": "志愿者乙", "phone": "13900002222",
        "background_checked": "on"},
    "afterschool:instructor-review": lambda c, actor: {"decision": "approve"},
    "afterschool:lottery": lambda c, actor: {"seed": "matrix-run"},
    "afterschool:fees": lambda c, actor: {"pupil": c.pupil_p.pk, "reason": "subsistence"},
}
METHOD = {}
