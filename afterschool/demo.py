"""The demo district's after-school term: 明德区实验小学's autumn programme with menu courses,
applications from about four in five pupils, a published lottery and three weeks of attendance.

The school's steps go through ``afterschool.services`` as the demo principal. The other
families' applications are seed data written in bulk (like the rest of ``org.demo``: nobody
acted); the demo ``parent`` account has applied through the service like a real guardian.
"""

import datetime as dt
import random

from django.utils import timezone

from afterschool import services
from afterschool.models import (
    Application,
    Choice,
    Course,
    Enrolment,
    Instructor,
    Programme,
    Segment,
    Session,
)
from org.models import Pupil, School, Teacher, User
from policy.models import RuleSetting
from schoolcal.models import Term

MENU = [
    # (name, category, capacity, weekdays, grades)
    ("足球", "sport", 60, [1, 3], [3, 4, 5, 6]),
    ("篮球", "sport", 50, [2, 4], [3, 4, 5, 6]),
    ("合唱", "art", 60, [1, 4], [1, 2, 3, 4, 5, 6]),
    ("国画", "art", 40, [2, 5], [3, 4, 5, 6]),
    ("创意绘本", "reading", 50, [3, 5], [1, 2, 3]),
    ("科学小实验", "science", 48, [2, 4], [3, 4, 5, 6]),
    ("编程入门", "science", 40, [1, 3], [4, 5, 6]),
    ("种植园", "labour", 50, [5], [1, 2, 3, 4, 5, 6]),
    ("围棋", "club", 40, [1, 4], [2, 3, 4, 5, 6]),
    ("心理成长营", "psychology", 30, [3], [4, 5, 6]),
]


def _timetable(grades):
    slots = []
    for day in range(1, 6):
        slots.append({"weekday": day, "segment": "guidance", "grades": grades,
                      "start": "15:50", "end": "16:50"})
        slots.append({"weekday": day, "segment": "menu", "grades": grades,
                      "start": "16:50", "end": "17:50"})
        slots.append({"weekday": day, "segment": "delayed_care", "grades": grades,
                      "start": "17:50", "end": "18:30"})
    return slots


def build_after_school_demo(district, school_code, today=None):
    """Set up the programme once (skipped when the school has one for the term)."""
    school = School.objects.select_related("bureau__parent").get(code=school_code)
    term = Term.objects.get(bureau=district, school_year="2026-2027", name="第一学期")
    if Programme.objects.filter(school=school, term=term).exists():
        return None
    # "Today" inside the term, with days of service behind it.
    today = min(max(today or timezone.localdate(), term.start + dt.timedelta(days=14)), term.end)
    principal = User.objects.get(username="principal")
    parent = User.objects.get(username="parent")
    bureau_admin = User.objects.get(username="bureau")
    RuleSetting.objects.get_or_create(bureau=district, key="as.pay_rate_fen_per_hour",
                                      defaults={"value": 5000, "reason": "明德区课后服务补助（示范）",
                                                "updated_by": bureau_admin})
    rng = random.Random(2021)
    grades = list(school.grades)
    programme = services.create_programme(
        actor=principal, school=school, term=term, name="2026 年秋季学期课后服务（“5+2”）",
        slots=_timetable(grades), grades=grades, max_courses=2)

    teachers = list(Teacher.objects.filter(school=school, user__isnull=True).order_by("pk"))
    rng.shuffle(teachers)
    demo_teacher = Teacher.objects.filter(user__username="teacher").first()
    if demo_teacher is not None:  # the `teacher` account runs the first menu course
        teachers.insert(0, demo_teacher)
    for (name, category, capacity, weekdays, course_grades), teacher in zip(MENU, teachers,
                                                                            strict=False):
        instructor = services.add_instructor(actor=principal, school=school,
                                             kind=Instructor.Kind.OWN_TEACHER, teacher=teacher)
        course = services.add_course(
            actor=principal, programme=programme, name=name, category=category,
            instructor=instructor, capacity=capacity, grades=course_grades, weekdays=weekdays,
            start="16:50", end="17:50", place=f"{name}活动室",
            content_summary=f"{name}兴趣课程，不讲授新课、不布置书面作业。")
        services.review_course(actor=principal, course=course, approve=True)
    coach = services.add_instructor(
        actor=principal, school=school, kind=Instructor.Kind.RETIRED_TEACHER, name="周德明",
        qualification="小学高级教师（退休）", certificate_no="19923300000123",
        background_checked=True)
    services.review_instructor(actor=principal, instructor=coach, approve=True)
    course = services.add_course(
        actor=principal, programme=programme, name="书法", category="art", instructor=coach,
        duty_teacher=teachers[len(MENU)], capacity=20, grades=[3, 4, 5, 6], weekdays=[2, 4],
        start="16:50", end="17:50", place="书法教室",
        content_summary="软笔书法入门（退休教师授课，本校教师负责考勤）。")
    services.review_course(actor=principal, course=course, approve=True)
    services.open_programme(actor=principal, programme=programme)

    # The demo parent's child applies through the service.
    child = Pupil.objects.filter(pk__in=parent.scope.pupil_ids).select_related(
        "school_class").first()
    offered = [c for c in Course.objects.offered().filter(programme=programme)
               if child and child.school_class.grade in c.grades]
    if child is not None:
        services.apply(actor=parent, programme=programme, pupil=child,
                       choices=[c.pk for c in offered[:3]])

    # Seed: about four in five other pupils apply, most with ranked choices.
    menu = list(Course.objects.offered().filter(programme=programme))
    groups = {c.school_class_id: c for c in Course.objects.filter(programme=programme,
                                                                  kind=Segment.GUIDANCE)}
    apps, choices, base = [], [], []
    pupils = Pupil.objects.filter(school=school).exclude(pk=child.pk if child else None) \
        .select_related("school_class").order_by("pk")
    for pupil in pupils:
        if rng.random() > 0.8:
            continue
        apps.append(Application(programme=programme, pupil=pupil, base_service=True))
    Application.objects.bulk_create(apps, batch_size=1000)
    popular = {c.pk: 3.0 if c.name in ("足球", "编程入门", "国画") else 1.0 for c in menu}
    for app in apps:
        grade = app.pupil.school_class.grade
        eligible = [c for c in menu if grade in c.grades]
        picked = []
        while eligible and len(picked) < min(3, len(eligible)) and rng.random() < 0.9:
            course = rng.choices(eligible, [popular[c.pk] for c in eligible])[0]
            eligible.remove(course)
            picked.append(course)
        choices += [Choice(application=app, course=c, rank=i) for i, c in enumerate(picked, 1)]
        group = groups.get(app.pupil.school_class_id)
        if group is not None:
            base.append(Enrolment(course=group, pupil=app.pupil, application=app,
                                  status=Enrolment.Status.ENROLLED,
                                  source=Enrolment.Source.APPLICATION))
    Choice.objects.bulk_create(choices, batch_size=2000)
    Enrolment.objects.bulk_create(base, batch_size=2000)
    for group in groups.values():  # the services keep these counts; seed data sets them once
        group.enrolled_count = group.enrolments.filter(status=Enrolment.Status.ENROLLED).count()
    Course.objects.bulk_update(groups.values(), ["enrolled_count"])

    run = services.run_allocation(actor=principal, programme=programme, seed="mingde-2026-autumn")
    services.publish_allocation(actor=principal, allocation=run)

    # The last three days of delivered sessions: nearly everyone present and picked up.
    services.sync_sessions(programme, today=today - dt.timedelta(days=3))
    past = (Session.objects.filter(course__programme=programme, date__lt=today,
                                   course__kind__in=[Segment.GUIDANCE, Segment.MENU])
            .select_related("course__programme", "course__instructor").order_by("date", "pk"))
    for session in past:
        roster = services.roster(session)
        if not roster:
            continue
        end = timezone.make_aware(dt.datetime.combine(session.date, session.end))
        records = [{"pupil": pupil_id, "mark": "present" if rng.random() > 0.04 else "leave"}
                   for pupil_id in sorted(roster)]
        for record in records:
            if record["mark"] == "present":
                record.update(pickup="guardian", picked_up_by="家长",
                              picked_up_at=end + dt.timedelta(minutes=rng.randrange(0, 20)))
        services.record_attendance(actor=principal, session=session, records=records,
                                   now=end + dt.timedelta(minutes=30))
    return programme
