"""``manage.py generate_term --bureau CODE [--weeks 12] [--seed 1]``: a term of data for a district
made by ``generate_district`` (issue 8's dashboard benchmarks, issue 9's after-school data and
reconciliations).

For the district's current term (the one containing today, else the last one begun), from its
start (at most ``--weeks`` weeks back) up to yesterday:

- homework: ``generate_homework`` for those school days, unless the district has some already;
- guardians' time reports for about one pupil-day in twenty, some above the day's limit;
- after-school: one published term programme per school (timetable, guidance groups, menu
  courses, delayed care, evening study), applications of 85–95 % of the pupils, the menu lottery
  run by ``afterschool.allocation`` and stored so that ``verify_allocation`` holds, enrolments
  and waitlists, the sessions of the term (held up to yesterday; no attendance marks) and the
  guardians' satisfaction answers;
- mentoring: a plan per school, mentors chosen by ``mentoring.services.suggest`` and the three
  tasks done for a share of pupils that varies by school, a few pupils flagged;
- complaints: a few hundred, routed and given deadlines as ``complaints.services`` does, in
  every state, the overdue ones escalated as the daily command would have;
- random inspections: a roster, an institution draw and a school draw (``inspections.draw``,
  stored so that ``verify_draw`` holds), results recorded and published, some overdue;
- school supervision: a responsible inspector per school, weekly self-checks with the
  platform's figures (``schoolinspection.checklist.prefill``), visits and rectification tasks;
- five managements: school settings (some not compliant), reading lists, a guardians' survey per
  school with answers of a sample of pupils;
- funds: the custodian bank's daily reconciliations of the last ten days, equal to
  ``funds.services.ledger_balance_at`` except for two.

Like ``generate_district`` this is seed data, written in bulk without audit entries because nobody
acted; where a service keeps a counter or an invariant (enrolled counts, one current mentor, the
ledger), the rows are written so that it holds. Homework commits on its own (its generator works
in chunks of days); everything else is one transaction.
"""

import datetime as dt
import io
import random
import time
import uuid
from contextlib import contextmanager
from math import ceil

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, models, transaction
from django.utils import timezone

from afterschool import allocation as lottery
from afterschool import services as afterschool
from afterschool.models import (
    Allocation,
    Application,
    Choice,
    Course,
    Enrolment,
    Instructor,
    Programme,
    Segment,
    Session,
    Slot,
    SurveyResponse,
)
from complaints import services as complaint_services
from complaints.models import Complaint, ComplaintEvent, new_code
from funds.models import Reconciliation, SupervisedAccount
from funds.services import ledger_balance_at
from homework.models import ClassDay, ClassWeek, Homework, TimeReport
from inspections import draw as draw_algorithm
from inspections import services as inspection_services
from inspections.models import Conflict as Recusal
from inspections.models import Department, Draw, Inspection, InspectionEvent, Inspector
from institutions.models import Institution
from mentoring import services as mentoring
from mentoring.models import Mentorship, Note, Plan, Task
from org.demo import People
from org.management.commands.generate_district import _insert, _users
from org.models import (
    GRADE_NAMES,
    Bureau,
    Pupil,
    RoleAssignment,
    School,
    SchoolClass,
    Stage,
    Teacher,
    User,
)
from org.roles import Role
from policy.services import Policy
from schoolcal.calendar import SchoolCalendar
from schoolcal.models import Term
from schoolinspection import checklist
from schoolinspection.models import (
    InspectorAssignment,
    RectificationTask,
    SelfCheck,
    SelfCheckItem,
    TaskEvent,
    Visit,
)
from wellbeing.aggregates import after_noon
from wellbeing.models import (
    ReadingList,
    ReadingListStep,
    SchoolSettings,
    Survey,
    SurveyAnswer,
    SurveyReceipt,
)

TIME_REPORT_SHARE = 0.05  # guardians report about one pupil-day in twenty
RECONCILED_DAYS = 10


class Command(BaseCommand):
    help = ("为 generate_district 生成的区县写入本学期（至昨天）的学期数据：作业、家长反馈用时、课后服务、"
            "全员导师制、投诉举报、双随机抽查、责任督学与学校自查、五项管理与问卷、银行对账。用于性能测试。")

    def add_arguments(self, parser):
        parser.add_argument("--bureau", required=True, help="区县教育局代码，如 980001")
        parser.add_argument("--weeks", type=int, default=12, help="最多生成的周数（默认 12）")
        parser.add_argument("--seed", type=int, default=1, help="随机数种子（默认 1）")

    def handle(self, *args, bureau, weeks, seed, **options):
        if weeks < 1:
            raise CommandError("--weeks 至少为 1。")
        district = Bureau.objects.filter(code=bureau, level=Bureau.Level.DISTRICT).first()
        if district is None or not School.objects.filter(bureau=district).exists():
            raise CommandError(f"找不到代码为 {bureau} 且有学校的区县教育局；请先运行 generate_district。")
        today = timezone.localdate()
        term = current_term(district, today)
        if term is None:
            raise CommandError(f"{district.name}的校历中没有已开学的学期。")
        last = min(term.end, today - dt.timedelta(days=1))
        if last < term.start:
            raise CommandError(f"{term}（{term.start} 开学）今天才开学，还没有可生成的学期数据。")
        if has_term_data(district, term):
            raise CommandError(f"{district.name}已有{term}的学期数据（课后服务方案、导师制方案、问卷或"
                               "责任督学），不能重复生成。")
        start = max(term.start, last - dt.timedelta(weeks=weeks) + dt.timedelta(days=1))
        started = time.perf_counter()
        ctx = TermData(district, term, start, last, today, seed)
        self.stdout.write(f"为{district.name}（{district.code}）生成{term}的学期数据，"
                          f"{start} 至 {last}（{len(ctx.school_days)} 个上课日）……")
        timings = []

        def part(label, write):
            began = time.perf_counter()
            summary = write()
            seconds = time.perf_counter() - began
            timings.append((label, seconds))
            self.stdout.write(f"  {label}：{summary}（{seconds:.1f} 秒）")

        part("作业", lambda: write_homework(ctx))
        with transaction.atomic():  # everything but the homework, or nothing
            part("家长反馈用时", lambda: write_time_reports(ctx))
            part("课后服务", lambda: write_after_school(ctx))
            part("全员导师制", lambda: write_mentoring(ctx))
            part("投诉举报", lambda: write_complaints(ctx))
            part("双随机抽查", lambda: write_inspections(ctx))
            part("责任督学与学校自查", lambda: write_school_inspection(ctx))
            part("五项管理与问卷", lambda: write_wellbeing(ctx))
            part("银行对账", lambda: write_reconciliations(ctx))
        if connection.vendor == "postgresql":
            part("更新统计信息（ANALYZE）", analyze)
        self.stdout.write(f"用时 {time.perf_counter() - started:.1f} 秒（含提交）。")


def current_term(district, today):
    """The term under way today, else the last one begun."""
    terms = Term.objects.filter(bureau=district, start__lte=today).order_by("-start")
    return terms.filter(end__gte=today).first() or terms.first()


def has_term_data(district, term):
    """What a run of this command leaves behind (homework alone does not count: load tests
    generate some without the rest)."""
    return (Programme.objects.filter(school__bureau=district, term=term).exists()
            or Plan.objects.filter(school__bureau=district, term=term).exists()
            or Survey.objects.filter(school__bureau=district, term=term).exists()
            or InspectorAssignment.objects.filter(school__bureau=district).exists())


WRITTEN = [Homework, ClassDay, ClassWeek, TimeReport, Programme, Slot, Instructor, Course,
           Application, Choice, Allocation, Enrolment, Session, SurveyResponse, Plan, Mentorship,
           Task, Note, Complaint, ComplaintEvent, Inspector, Draw, Inspection, InspectionEvent,
           InspectorAssignment, SelfCheck, SelfCheckItem, Visit, RectificationTask, TaskEvent,
           SchoolSettings, ReadingList, Survey, SurveyAnswer, SurveyReceipt, Reconciliation]


def analyze():
    """PostgreSQL plans the pages' grouped queries from the tables' statistics: after a bulk
    load, without them (autovacuum may be off, or not have run yet) it picks nested loops over
    hundreds of thousands of rows. Refresh them for the tables written here."""
    tables = {m._meta.db_table for m in WRITTEN} | {Inspection.inspectors.through._meta.db_table}
    with connection.cursor() as cursor:
        for table in sorted(tables):
            cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")
    return f"{len(tables)} 张表"


# ---- helpers -------------------------------------------------------------------------------------

@contextmanager
def _dated(*model_classes):
    """Let bulk_create keep the ``auto_now``/``auto_now_add`` values given: seed data happened in
    the past, and the pages read it by those dates."""
    fields = [f for m in model_classes for f in m._meta.concrete_fields
              if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)]
    saved = [(f, f.auto_now, f.auto_now_add) for f in fields]
    for field in fields:
        field.auto_now = field.auto_now_add = False
    try:
        yield
    finally:
        for field, auto_now, auto_now_add in saved:
            field.auto_now, field.auto_now_add = auto_now, auto_now_add


def _put(model, fields, rows, returning=False):
    """``generate_district._insert`` for rows that hold dates, times or UUIDs: PostgreSQL's COPY
    takes them as they are; on SQLite they are turned into the text Django stores."""
    if connection.vendor != "postgresql":
        adapt = []
        for name in fields:
            field = model._meta.get_field(name)
            if isinstance(field, models.UUIDField):
                adapt.append(lambda v: v.hex)
            elif isinstance(field, models.TimeField):
                adapt.append(connection.ops.adapt_timefield_value)
            elif isinstance(field, models.DateField) and not isinstance(field, models.DateTimeField):
                adapt.append(connection.ops.adapt_datefield_value)
            else:
                adapt.append(None)
        if any(adapt):
            rows = [tuple(a(v) if a and v is not None else v for a, v in zip(adapt, row, strict=True))
                    for row in rows]
    return _insert(model, fields, rows, returning=returning)


class TermData:
    """What every part reads: the district's schools, classes, pupils and teachers (loaded once),
    its calendar and rule values, the dates, and a random generator per part."""

    def __init__(self, bureau, term, start, last, today, seed):
        self.bureau, self.term, self.start, self.last, self.today = bureau, term, start, last, today
        self.seed = seed
        self.tz = timezone.get_current_timezone()
        self.calendar = SchoolCalendar(bureau)
        self.policy = Policy(bureau)
        self.school_days = self.calendar.school_days(start, last)
        self.schools = list(School.objects.filter(bureau=bureau).select_related("bureau")
                            .order_by("code"))
        self.classes = list(SchoolClass.objects.filter(school__bureau=bureau)
                            .order_by("school_id", "grade", "number"))
        self._classes_of = {}
        for school_class in self.classes:
            self._classes_of.setdefault(school_class.school_id, []).append(school_class)
        self.pupils = {}  # class id → [pupil ids]
        for pupil_id, class_id in Pupil.objects.filter(school__bureau=bureau).order_by(
                "pk").values_list("pk", "school_class_id"):
            self.pupils.setdefault(class_id, []).append(pupil_id)
        self.teachers = {}  # school id → [(teacher id, name)]
        for teacher_id, school_id, name in Teacher.objects.filter(school__bureau=bureau).order_by(
                "pk").values_list("pk", "school_id", "name"):
            self.teachers.setdefault(school_id, []).append((teacher_id, name))
        self._inspectors = None

    def rng(self, part):
        return random.Random(f"{self.seed}:{part}")

    def at(self, date, hour, minute=0):
        return dt.datetime.combine(date, dt.time(hour, minute), tzinfo=self.tz)

    def classes_of(self, school):
        return self._classes_of.get(school.pk, [])

    def inspector_logins(self):
        """The district's inspector logins (督学), one per five schools (IN-3), created once."""
        if self._inspectors is None:
            code = self.bureau.code
            count = max(1, ceil(len(self.schools) / int(self.policy["in.schools_per_inspector"])))
            people = People(self.rng("inspectors"))
            users = _users([(f"insp-{code}-{i}", people.adult(people.gender(0.4)))
                            for i in range(1, count + 1)])
            RoleAssignment.objects.bulk_create([RoleAssignment(user=u, role=Role.INSPECTOR,
                                                               bureau=self.bureau) for u in users])
            self._inspectors = users
        return self._inspectors

    def random_day(self, rng, first, last, days=None):
        """A school day between ``first`` and ``last`` (both included), or None."""
        days = [d for d in (days or self.school_days) if first <= d <= last]
        return rng.choice(days) if days else None


def _share(rng, n, share):
    """How many of ``n`` for a share, rounding at random so small groups still get some."""
    exact = n * share
    return min(n, int(exact) + (rng.random() < exact - int(exact)))


# ---- homework and guardians' time reports --------------------------------------------------------

def write_homework(ctx):
    days = ctx.school_days
    have = ClassDay.objects.filter(school_class__school__bureau=ctx.bureau,
                                   date__range=(ctx.start, ctx.last)).exists()
    if not days:
        return "没有上课日，跳过"
    if have:
        return "已有该时段的作业，跳过"
    call_command("generate_homework", bureau=ctx.bureau.code, days=len(days),
                 start=days[0].isoformat(), seed=ctx.seed, stdout=io.StringIO())
    items = ClassDay.objects.filter(school_class__school__bureau=ctx.bureau,
                                    date__range=(ctx.start, ctx.last))
    return f"{len(days)} 个上课日，班级作业日 {items.count()} 个"


TIME_REPORT = ("pupil", "school_class", "date", "minutes", "difficulty", "estimated_minutes",
               "reported_by", "reported_at")


def write_time_reports(ctx):
    """About one pupil-day in twenty of the class-days with homework; some classes' teachers
    estimate too little, so their families' reports run above the limit."""
    rng = ctx.rng("time-reports")
    bias = {c.pk: rng.uniform(0.8, 1.5) for c in ctx.classes}
    rows = []
    days = (ClassDay.objects.filter(school_class__school__bureau=ctx.bureau, item_count__gt=0,
                                    date__range=(ctx.start, ctx.last))
            .order_by("school_class_id", "date")
            .values_list("school_class_id", "date", "counted_minutes"))
    for class_id, date, counted in days.iterator(chunk_size=5000):
        pupils = ctx.pupils.get(class_id, [])
        for pupil_id in rng.sample(pupils, _share(rng, len(pupils), TIME_REPORT_SHARE)):
            if counted == 0:  # grades 1-2 (HW-1): nothing written at home, some read or practise
                minutes = 0 if rng.random() < 0.8 else rng.choice((5, 10, 15, 20))
            else:
                minutes = 5 * round(counted * bias[class_id] * rng.uniform(0.7, 1.3) / 5)
            rows.append((pupil_id, class_id, date, min(600, max(0, minutes)),
                         rng.choice((None, 1, 2, 3, 3, 4, 5)), counted, None,
                         ctx.at(date, 20, rng.randrange(60))))
    _put(TimeReport, TIME_REPORT, rows)
    return f"{len(rows)} 条"


# ---- after-school service (AS-*, QM-4) ----------------------------------------------------------

# Menu courses: (name, category, grades offered among the school's)
MENU_COURSES = [
    ("足球", "sport", range(3, 10)), ("篮球", "sport", range(3, 10)), ("跳绳", "sport", range(1, 7)),
    ("乒乓球", "sport", range(2, 10)), ("合唱", "art", range(1, 10)), ("国画", "art", range(3, 10)),
    ("创意美术", "art", range(1, 6)), ("舞蹈", "art", range(1, 8)), ("创意绘本", "reading", range(1, 4)),
    ("经典诵读", "reading", range(1, 10)), ("科学小实验", "science", range(3, 7)),
    ("机器人编程", "science", range(4, 10)), ("航模", "science", range(5, 10)),
    ("种植园", "labour", range(1, 10)), ("围棋", "club", range(2, 10)), ("象棋", "club", range(2, 10)),
    ("心理成长营", "psychology", range(4, 10)), ("书法", "art", range(3, 10)),
]
APPLICATION = ("programme", "pupil", "applicant", "base_service", "delayed_care", "special_need",
               "evening_study", "status", "submitted_at", "changed_at")
ENROLMENT = ("course", "pupil", "application", "status", "source", "rank", "waitlist_position",
             "allocation", "created_at", "changed_at")
SESSION = ("course", "date", "start", "end", "status", "teacher", "delivered_minutes",
           "delivered_by", "delivered_at")
SURVEY_RESPONSE = ("programme", "pupil", "liking", "satisfaction", "comment", "answered_at")
CARE_REASONS = ["父母下班较晚，无人接送", "家长工作时间长", "祖辈接送不便"]


def _timetable(school, grades):
    """The demo's timetable: guidance then menu courses every weekday (two hours, ending after
    17:30, AS-1/AS-2), delayed care for primary grades, evening study for junior ones."""
    primary = [g for g in grades if school.stage_of_grade(g) == Stage.PRIMARY]
    junior = [g for g in grades if g not in primary]
    slots = []
    for day in range(1, 6):
        slots.append({"weekday": day, "segment": Segment.GUIDANCE, "grades": list(grades),
                      "start": dt.time(15, 50), "end": dt.time(16, 50)})
        slots.append({"weekday": day, "segment": Segment.MENU, "grades": list(grades),
                      "start": dt.time(16, 50), "end": dt.time(17, 50)})
        if primary:
            slots.append({"weekday": day, "segment": Segment.DELAYED_CARE, "grades": primary,
                          "start": dt.time(17, 50), "end": dt.time(18, 30)})
        if junior:
            slots.append({"weekday": day, "segment": Segment.EVENING_STUDY, "grades": junior,
                          "start": dt.time(19, 0), "end": dt.time(20, 30)})
    return slots


def write_after_school(ctx):
    rng = ctx.rng("after-school")
    term = ctx.term
    opened = ctx.at(term.start - dt.timedelta(days=10), 10)
    fee = int(ctx.policy["as.fee_per_term_fen"])
    programmes, slots = [], []
    for school in ctx.schools:
        grades = list(school.grades)
        timetable = _timetable(school, grades)
        problems = afterschool.timetable_problems(school=school, kind=Programme.Kind.TERM,
                                                  grades=grades, slots=timetable, policy=ctx.policy)
        if problems:  # the district changed its rules: say which, rather than write bad data
            raise CommandError(f"{school.name} 的课后服务时间表不符合本区规则：{problems[0]['message']}")
        programme = Programme(school=school, term=term, kind=Programme.Kind.TERM,
                              name=f"{term.school_year}学年{term.name}课后服务（“5+2”）",
                              start=term.start, end=term.end, grades=grades,
                              status=Programme.Status.PUBLISHED, max_courses=2, fee_per_term_fen=fee,
                              created_at=opened)
        programmes.append(programme)
        slots.append(timetable)
    with _dated(Programme):
        Programme.objects.bulk_create(programmes)
    Slot.objects.bulk_create([Slot(programme=p, **s) for p, rows in zip(programmes, slots, strict=True)
                              for s in rows])

    # Instructors: the head teachers (guidance groups) and other teachers for the menu courses.
    courses, menu_of = [], {}
    instructors = []
    menu_plan = {}
    for programme in programmes:
        school = programme.school
        classes = ctx.classes_of(school)
        heads = {c.head_teacher_id for c in classes if c.head_teacher_id}
        others = [t for t, _ in ctx.teachers.get(school.pk, []) if t not in heads]
        pupils = sum(len(ctx.pupils.get(c.pk, [])) for c in classes)
        offered = [m for m in MENU_COURSES if set(m[2]) & set(school.grades)]
        picks = rng.sample(offered, min(len(offered), max(6, min(16, pupils // 120))))
        menu_teachers = rng.sample(others, min(len(others), len(picks))) if others else []
        menu_plan[programme.pk] = list(zip(picks, menu_teachers, strict=False))
        names = dict(ctx.teachers.get(school.pk, []))
        for teacher_id in sorted(heads) + menu_teachers:
            instructors.append(Instructor(school=school, kind=Instructor.Kind.OWN_TEACHER,
                                          teacher_id=teacher_id, name=names[teacher_id],
                                          status=Instructor.Status.APPROVED, qualification="本校教师"))
    Instructor.objects.bulk_create(instructors, batch_size=2000)
    instructor_of = {i.teacher_id: i for i in instructors}

    for programme, timetable in zip(programmes, slots, strict=True):
        school = programme.school
        for school_class in ctx.classes_of(school):
            head = school_class.head_teacher_id
            courses.append(Course(
                programme=programme, kind=Segment.GUIDANCE, school_class=school_class,
                name=f"{school_class.name} 作业辅导", grades=[school_class.grade],
                weekdays=[1, 2, 3, 4, 5], start=dt.time(15, 50), end=dt.time(16, 50),
                place=f"{school_class.name}教室", instructor=instructor_of.get(head),
                duty_teacher_id=head, review_status=Course.Review.APPROVED,
                content_summary="指导学生完成作业，答疑辅导（AS-6）"))
        for (name, category, grades), teacher_id in menu_plan[programme.pk]:
            course = Course(
                programme=programme, kind=Segment.MENU, name=name, category=category,
                instructor=instructor_of[teacher_id], duty_teacher_id=teacher_id,
                capacity=rng.choice((30, 36, 40, 45, 50, 60)),
                grades=sorted(set(grades) & set(school.grades)),
                weekdays=sorted(rng.sample(range(1, 6), rng.choice((1, 2, 2)))),
                start=dt.time(16, 50), end=dt.time(17, 50), place=f"{name}活动室",
                review_status=Course.Review.APPROVED,
                content_summary=f"{name}兴趣课程，不讲授新课、不布置书面作业。")
            courses.append(course)
            menu_of.setdefault(programme.pk, []).append(course)
        for segment in (Segment.DELAYED_CARE, Segment.EVENING_STUDY):
            times = {s["weekday"]: s for s in timetable if s["segment"] == segment}
            for grade in (times[1]["grades"] if times else []):
                courses.append(Course(
                    programme=programme, kind=segment, name=f"{GRADE_NAMES[grade]}{segment.label}",
                    grades=[grade], weekdays=[1, 2, 3, 4, 5], start=times[1]["start"],
                    end=times[1]["end"], review_status=Course.Review.APPROVED))
    Course.objects.bulk_create(courses, batch_size=2000)
    groups = {}  # (programme, kind, class or grade) → course
    for course in courses:
        if course.kind == Segment.GUIDANCE:
            groups[(course.programme_id, course.kind, course.school_class_id)] = course
        elif course.kind != Segment.MENU:
            groups[(course.programme_id, course.kind, course.grades[0])] = course

    # Applications: 85-95 % of a school's pupils, most with ranked menu choices.
    apps, picks = [], []  # picks: (programme, pupil, grade, [course], care, evening)
    for programme in programmes:
        school = programme.school
        share = rng.uniform(0.85, 0.95)
        menu = menu_of.get(programme.pk, [])
        weight = {c.pk: rng.uniform(0.5, 3.0) for c in menu}
        for school_class in ctx.classes_of(school):
            grade = school_class.grade
            junior = school.stage_of_grade(grade) == Stage.JUNIOR
            eligible = [c for c in menu if grade in c.grades]
            for pupil_id in ctx.pupils.get(school_class.pk, []):
                if rng.random() >= share:
                    continue
                chosen = []
                if eligible and rng.random() < 0.7:
                    pool = list(eligible)
                    while pool and len(chosen) < rng.choice((1, 2, 3, 3)):
                        course = rng.choices(pool, [weight[c.pk] for c in pool])[0]
                        pool.remove(course)
                        chosen.append(course)
                care = not junior and rng.random() < 0.08
                evening = junior and rng.random() < 0.35
                submitted = ctx.at(term.start - dt.timedelta(days=rng.randint(1, 6)),
                                   rng.randrange(8, 22), rng.randrange(60))
                apps.append((programme.pk, pupil_id, None, True, care,
                             rng.choice(CARE_REASONS) if care else "", evening,
                             Application.Status.ACTIVE, submitted, submitted))
                picks.append((programme, pupil_id, school_class, chosen, care, evening))
    app_ids = _put(Application, APPLICATION, apps, returning=True)
    _put(Choice, ("application", "course", "rank"),
         [(app_id, c.pk, rank) for app_id, (_, _, _, chosen, _, _) in zip(app_ids, picks, strict=True)
          for rank, c in enumerate(chosen, start=1)])

    # The lottery of each programme, stored as run_allocation stores it (inputs, seed, result),
    # then published: places and waitlists become enrolments.
    by_programme = {}
    for app_id, pick, app in zip(app_ids, picks, apps, strict=True):
        by_programme.setdefault(pick[0].pk, []).append((app_id, pick, app[8]))
    runs = []
    for programme in programmes:
        entries = by_programme.get(programme.pk, [])
        inputs = {
            "courses": [{"id": c.pk, "capacity": c.capacity,
                         "times": [list(t) for t in afterschool._course_times(c)],
                         "grades": sorted(c.grades)} for c in menu_of.get(programme.pk, [])],
            "applicants": [{"pupil_id": pick[1], "grade": pick[2].grade,
                            "choices": [c.pk for c in pick[3]],
                            "submitted_at": submitted.astimezone(dt.UTC).isoformat()}
                           for _, pick, submitted in entries if pick[3]],
            "max_courses": programme.max_courses,
        }
        seed = f"{ctx.bureau.code}-{programme.school.code}-{ctx.seed}"
        result, quality = afterschool._run(inputs, seed)  # the service's own run: verify holds
        run_at = ctx.at(term.start - dt.timedelta(days=1), 9)
        runs.append(Allocation(programme=programme, number=1, seed=seed,
                               algorithm=lottery.ALGORITHM_VERSION, inputs=inputs,
                               inputs_digest=afterschool.digest(inputs), result=result,
                               quality=quality, run_at=run_at,
                               published_at=run_at + dt.timedelta(hours=2)))
    with _dated(Allocation):
        Allocation.objects.bulk_create(runs)

    enrolments, counts = [], {}
    enrolled_pupils = {}  # programme → pupils with a place (not evening study: AS-5)
    for programme, run in zip(programmes, runs, strict=True):
        made = run.published_at
        entries = by_programme.get(programme.pk, [])
        app_of = {pick[1]: app_id for app_id, pick, _ in entries}
        rank_of = {(pick[1], c.pk): r for _, pick, _ in entries for r, c in enumerate(pick[3], 1)}
        mine = enrolled_pupils.setdefault(programme.pk, set())

        def enrol(course, pupil_id, status=Enrolment.Status.ENROLLED,
                  source=Enrolment.Source.APPLICATION, rank=None, position=None, allocation=None,
                  made=made, app_of=app_of, mine=mine):
            enrolments.append((course.pk, pupil_id, app_of[pupil_id], status, source, rank, position,
                               allocation, made, made))
            if status == Enrolment.Status.ENROLLED:
                counts[course.pk] = counts.get(course.pk, 0) + 1
                if course.kind != Segment.EVENING_STUDY:
                    mine.add(pupil_id)

        for _, (_, pupil_id, school_class, _, care, evening), _ in entries:
            enrol(groups[(programme.pk, Segment.GUIDANCE, school_class.pk)], pupil_id)
            if care:
                enrol(groups[(programme.pk, Segment.DELAYED_CARE, school_class.grade)], pupil_id)
            if evening:
                enrol(groups[(programme.pk, Segment.EVENING_STUDY, school_class.grade)], pupil_id)
        menu = {c.pk: c for c in menu_of.get(programme.pk, [])}
        for pupil, course_ids in run.result["assignments"].items():
            for course_id in course_ids:
                enrol(menu[course_id], int(pupil), source=Enrolment.Source.LOTTERY,
                      rank=rank_of.get((int(pupil), course_id)), allocation=run.pk)
        for course_id, pupils in run.result["waitlists"].items():
            for position, pupil_id in enumerate(pupils, start=1):
                enrol(menu[int(course_id)], pupil_id, status=Enrolment.Status.WAITLISTED,
                      source=Enrolment.Source.LOTTERY, rank=rank_of.get((pupil_id, int(course_id))),
                      position=position, allocation=run.pk)
    _put(Enrolment, ENROLMENT, enrolments)
    for course in courses:
        course.enrolled_count = counts.get(course.pk, 0)
    Course.objects.bulk_update(courses, ["enrolled_count"], batch_size=1000)

    sessions = _sessions(ctx, programmes, courses)
    _put(Session, SESSION, sessions)

    # Satisfaction (QM-4): a share of the families of enrolled pupils, around a school's mean.
    responses = []
    for programme in programmes:
        mean = rng.uniform(3.6, 4.6)
        pupils = sorted(enrolled_pupils.get(programme.pk, ()))
        for pupil_id in rng.sample(pupils, _share(rng, len(pupils), rng.uniform(0.3, 0.6))):
            liking = min(5, max(1, round(rng.gauss(mean + 0.2, 0.8))))
            satisfaction = min(5, max(1, round(rng.gauss(mean, 0.8))))
            responses.append((programme.pk, pupil_id, liking, satisfaction,
                              "希望增加体育类课程" if satisfaction <= 2 and rng.random() < 0.3 else "",
                              ctx.at(ctx.random_day(rng, ctx.last - dt.timedelta(days=21), ctx.last)
                                     or ctx.last, 21)))
    _put(SurveyResponse, SURVEY_RESPONSE, responses)
    menu_count = sum(len(v) for v in menu_of.values())
    pupils = sum(len(v) for v in ctx.pupils.values())
    enrolled = sum(len(v) for v in enrolled_pupils.values())
    return (f"方案 {len(programmes)} 个，课程 {len(courses)} 门（菜单课程 {menu_count} 门），"
            f"报名 {len(apps)} 人（参与率 {enrolled / pupils:.1%}），录取与候补 {len(enrolments)} 条，"
            f"课次 {len(sessions)} 个，满意度答卷 {len(responses)} 份")


def _sessions(ctx, programmes, courses):
    """The term's sessions as ``sync_sessions`` lays them out when the programme opens; those
    before today were held (delivered, paid to the course's own teacher, AS-11)."""
    days = []
    date = ctx.term.start
    while date <= ctx.term.end:
        weekday = afterschool._timetable_day(programmes[0], ctx.calendar, date)
        if weekday:
            days.append((date, weekday))
        date += dt.timedelta(days=1)
    slot_times = {}  # programme → {(segment, weekday, grade): (start, end)}
    for slot in Slot.objects.filter(programme__in=programmes):
        for grade in slot.grades:
            slot_times.setdefault(slot.programme_id, {})[(slot.segment, slot.weekday, grade)] = (
                slot.start, slot.end)
    teacher_of = {i.pk: i.teacher_id for i in Instructor.objects.filter(
        school__bureau=ctx.bureau, teacher__isnull=False)}
    rows = []
    for course in courses:
        mine = slot_times.get(course.programme_id, {})
        teacher = teacher_of.get(course.instructor_id) or course.duty_teacher_id
        for date, weekday in days:
            times = afterschool._course_slot_times(course, mine, weekday)
            if not times:
                continue
            start, end = times
            held = date < ctx.today
            minutes = (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
            rows.append((course.pk, date, start, end,
                         Session.Status.DELIVERED if held else Session.Status.SCHEDULED, teacher,
                         minutes if held else 0, None,
                         ctx.at(date, end.hour, end.minute) if held else None))
    return rows


# ---- all-staff mentoring (MT-1..MT-3) ------------------------------------------------------------

MENTORSHIP = ("plan", "pupil", "mentor", "needs_attention", "attention_reason", "flagged_at",
              "assigned_at", "ended_at")
TASK = ("mentorship", "kind", "on", "record", "shared_with_family", "created_by", "created_at")
TASK_RECORDS = {
    Task.Kind.HOME_VISIT: ["到家中家访，与家长交流孩子的作息和学习习惯。",
                           "家访：了解家庭学习环境，建议固定作业时间。",
                           "家访：家长关心孩子的阅读，约定每周反馈一次。"],
    Task.Kind.TALK: ["课间谈心，了解近期学习和交友情况，情绪稳定。",
                     "谈心：孩子对数学有些畏难，鼓励多提问。",
                     "谈心：孩子想参加学校社团，已推荐课后服务课程。"],
    Task.Kind.WRITTEN_FEEDBACK: ["这学期你上课更专注了，继续保持！",
                                 "你的作业书写越来越工整，老师为你高兴。",
                                 "遇到难题别着急，多问多练，老师相信你会越来越好！"],
}
ATTENTION_REASONS = ["近两周情绪低落，作业多次未交，已与家长沟通。",
                     "与同学发生矛盾后不愿到校，需要心理老师关注。",
                     "家庭变故，睡眠不好，上课注意力不集中。"]


def write_mentoring(ctx):
    """A plan per school (junior schools grades 7-9; primary schools every grade or the upper
    three), mentors as ``mentoring.services.suggest`` proposes (never above MT-3's maximum), and
    the three tasks done for a share of the pupils that varies by school."""
    rng = ctx.rng("mentoring")
    term = ctx.term
    max_pupils = int(ctx.policy["mt.max_pupils_per_mentor"])
    created = ctx.at(term.start + dt.timedelta(days=2), 10)
    plans = []
    for school in ctx.schools:
        grades = list(school.grades)
        if school.stage == Stage.PRIMARY and rng.random() < 0.5:
            grades = grades[-3:]
        elif school.stage == Stage.JUNIOR:
            grades = [g for g in grades if g >= 7]
        plans.append(Plan(school=school, term=term, grades=grades, max_pupils=max_pupils,
                          created_at=created))
    with _dated(Plan):
        Plan.objects.bulk_create(plans)
    rows = []
    for plan in plans:
        for pupil_id, teacher_id in sorted(mentoring.suggest(plan).items()):
            flagged = rng.random() < 0.004
            rows.append((plan.pk, pupil_id, teacher_id, flagged,
                         rng.choice(ATTENTION_REASONS) if flagged else "",
                         ctx.at(ctx.random_day(rng, term.start, ctx.last) or ctx.last, 16)
                         if flagged else None, created, None))
    ids = _put(Mentorship, MENTORSHIP, rows, returning=True)
    tasks, notes = [], []
    diligence = {plan.pk: rng.uniform(0.15, 0.85) for plan in plans}
    for mentorship_id, row in zip(ids, rows, strict=True):
        done = diligence[row[0]]
        for kind, chance in ((Task.Kind.TALK, done + 0.15), (Task.Kind.HOME_VISIT, done * 0.8),
                             (Task.Kind.WRITTEN_FEEDBACK, done * 0.9)):
            if rng.random() < chance:
                on = ctx.random_day(rng, term.start, ctx.last) or ctx.last
                shared = kind == Task.Kind.WRITTEN_FEEDBACK and rng.random() < 0.5
                tasks.append((mentorship_id, kind, on, rng.choice(TASK_RECORDS[kind]), shared, None,
                              ctx.at(on, 18)))
        if row[3]:
            notes.append((mentorship_id, "已约学生到心理辅导室谈话，并电话告知家长。", None,
                          row[5] + dt.timedelta(days=1)))
    _put(Task, TASK, tasks)
    _put(Note, ("mentorship", "text", "author", "created_at"), notes)
    covered = sum(len(ctx.pupils.get(c.pk, [])) for p in plans for c in ctx.classes_of(p.school)
                  if c.grade in p.grades)
    return (f"方案 {len(plans)} 个，覆盖学生 {covered} 人，已配导师 {len(rows)} 人，任务 {len(tasks)} 条，"
            f"需要关注 {len(notes)} 人")


# ---- complaints (IN-6, IN-8) ---------------------------------------------------------------------

C = Complaint.Category
COMPLAINT_TEXTS = {  # (subject, details)
    C.HOMEWORK: [
        ("书面作业量偏大", "孩子每天书面作业都要写到晚上九点半以后，语文数学各有两页练习，希望控制总量。"),
        ("要求家长批改作业", "老师要求家长每天检查并签字批改数学作业，家长下班晚，难以完成。"),
        ("周末作业过多", "周末布置了三张试卷和一篇作文，孩子整个周末都在写作业，没有时间休息。")],
    C.EXAMS: [
        ("单元测验后公布排名", "单元测验后老师在家长群里公布了全班成绩排名，孩子压力很大。"),
        ("低年级组织书面考试", "一二年级期中组织了纸笔考试并按分数排名，请核实。")],
    C.AFTER_SCHOOL: [
        ("课后服务时间讲新课", "课后服务时间老师在讲下一单元的新课，没有参加的孩子跟不上。"),
        ("课后服务结束时间不固定", "延时托管有时六点结束、有时六点半结束，家长接孩子不好安排。")],
    C.INSTITUTION: [
        ("无证机构开展学科类培训", "该机构没有办学许可证，周末在居民楼里给初中学生上数学和英语课。"),
        ("培训机构虚假宣传", "机构宣传“保证提分”“名师押题”，与实际授课情况严重不符。")],
    C.FEES: [
        ("培训机构拖延退费", "在该机构缴费后申请退还未上课时的费用，机构一个多月未退。"),
        ("一次性收取超过三个月费用", "机构要求一次性缴纳一年的培训费，否则不保留名额。")],
    C.PAID_TUTORING: [
        ("在职教师有偿补课", "该校一名教师周末在家中组织有偿补课，每次收费两百元，请调查处理。")],
    C.OTHER: [
        ("学校门口交通拥堵", "早上七点半前后校门口车辆乱停，孩子过马路很危险，请协调解决。"),
        ("食堂饭菜质量", "学校食堂饭菜经常偏凉，分量不足，希望加强管理。")],
}
CATEGORY_WEIGHTS = {C.HOMEWORK: 25, C.EXAMS: 8, C.AFTER_SCHOOL: 15, C.INSTITUTION: 15, C.FEES: 15,
                    C.PAID_TUTORING: 8, C.OTHER: 14}
OUTCOMES = ["经核查属实，已责令整改并在全校通报，相关情况已向投诉人反馈。",
            "经核查部分属实，已约谈相关负责人，并建立每周检查制度。",
            "经调查，反映的问题不属实，已向投诉人说明情况。"]
REJECT_REASON = "该事项不属于教育部门职责，已告知投诉人向相关部门反映。"
COMPLAINT_EVENT = ("complaint", "kind", "from_status", "to_status", "actor", "at", "note", "public")


def write_complaints(ctx):
    """About one complaint per 300 pupils over the period (at least 20), routed and given
    deadlines as ``complaints.services.file_complaint`` does, then taken through the declared
    transitions while their dates lie before now; deadlines missed are escalated as the daily
    ``escalate_complaints`` would have done the morning after."""
    rng = ctx.rng("complaints")
    people = People(rng)
    now = timezone.now()
    code = ctx.bureau.code
    hotline = _users([(f"hotline-{code}", "投诉热线接待员")])[0]
    RoleAssignment.objects.create(user=hotline, role=Role.HOTLINE, bureau=ctx.bureau)
    institutions = list(Institution.objects.public().filter(bureau=ctx.bureau).order_by("pk"))
    pupils = sum(len(v) for v in ctx.pupils.values())
    count = max(20, pupils // 300)
    span = (ctx.last - ctx.start).days + 1
    filed_times = sorted(ctx.at(ctx.start + dt.timedelta(days=rng.randrange(span)),
                                rng.randrange(7, 22), rng.randrange(60)) for _ in range(count))
    due_of, codes = {}, set()
    complaints, lives, merges = [], [], []
    Kind, S = ComplaintEvent.Kind, Complaint.Status
    for filed_at in filed_times:
        category = rng.choices(list(CATEGORY_WEIGHTS), list(CATEGORY_WEIGHTS.values()))[0]
        school = None
        if category in Complaint.SCHOOL_CATEGORIES or category == C.PAID_TUTORING or (
                category == C.OTHER and rng.random() < 0.6):
            school = rng.choice(ctx.schools)
        institution = rng.choice(institutions) if category in (C.INSTITUTION, C.FEES) and \
            institutions else None
        teacher_name = rng.choice(ctx.teachers[school.pk])[1] if category == C.PAID_TUTORING else ""
        unit_school, unit_role = complaint_services.route(category, school)
        filed_on = timezone.localdate(filed_at)
        if filed_on not in due_of:
            due_of[filed_on] = complaint_services.deadlines(ctx.bureau, filed_on)
        ack_due, resolve_due = due_of[filed_on]
        channel = rng.choices(list(Complaint.Channel), [55, 35, 5, 5])[0]
        anonymous = channel == Complaint.Channel.WEB and rng.random() < 0.4
        gender = people.gender()
        complaint_code = new_code()
        while complaint_code in codes:
            complaint_code = new_code()
        codes.add(complaint_code)
        subject, details = rng.choice(COMPLAINT_TEXTS[category])
        complaint = Complaint(
            code=complaint_code, bureau=ctx.bureau, channel=channel, anonymous=anonymous,
            complainant_name="" if anonymous else people.adult(gender),
            complainant_phone="" if anonymous else people.phone(), category=category,
            subject=subject, details=details, school=school, institution=institution,
            teacher_name=teacher_name, unit_school=unit_school, unit_role=unit_role,
            level=Complaint.Level.SCHOOL if unit_school else Complaint.Level.BUREAU,
            filed_at=filed_at, filed_by=None if channel == Complaint.Channel.WEB else hotline,
            ack_due=ack_due, resolve_due=resolve_due, updated_at=filed_at)
        events = [(Kind.FILED, "", S.SUBMITTED, filed_at,
                   f"已收到您的投诉，将于{complaint_services.cn_date(ack_due)}前受理。", True)]

        # A duplicate of a recent complaint of the same kind: merged by the hotline.
        recent = [i for i, c in enumerate(complaints) if c.category == category
                  and c.status not in (S.REJECTED, S.MERGED) and i not in dict(merges)
                  and (filed_at - c.filed_at).days < 10]
        if recent and rng.random() < 0.05:
            at = filed_at + dt.timedelta(hours=rng.uniform(1, 20))
            if at < now:
                merges.append((len(complaints), rng.choice(recent)))
                events.append((Kind.MERGED, S.SUBMITTED, S.MERGED, at,
                               "您反映的问题与其他投诉相同，已合并办理，办理进展见下方。", True))
                complaint.updated_at = at
        if len(events) == 1:
            _complaint_life(rng, complaint, events, now)
        complaint.status = [e for e in events if e[2]][-1][2]  # steps are in time order
        events.sort(key=lambda e: e[3])
        complaints.append(complaint)
        lives.append(events)
    for index, (complaint, events) in enumerate(zip(complaints, lives, strict=True)):
        _escalate(ctx, complaint, events, now)
        if index in dict(merges):
            complaint.status = S.SUBMITTED  # merged below, once its main complaint has an id
    with _dated(Complaint):
        Complaint.objects.bulk_create(complaints, batch_size=1000)
    for index, main in merges:
        Complaint.objects.filter(pk=complaints[index].pk).update(
            status=S.MERGED, duplicate_of=complaints[main].pk)
        complaints[index].status = S.MERGED
    rows = [(c.pk, kind, before, after, None, at, note, public)
            for c, events in zip(complaints, lives, strict=True)
            for kind, before, after, at, note, public in events]
    _put(ComplaintEvent, COMPLAINT_EVENT, rows)
    today = ctx.today
    overdue = sum(1 for c in complaints if c.overdue_for(today))
    statuses = {}
    for c in complaints:
        statuses[c.get_status_display()] = statuses.get(c.get_status_display(), 0) + 1
    return (f"{len(complaints)} 件（{'、'.join(f'{k} {v}' for k, v in sorted(statuses.items()))}），"
            f"超期 {overdue} 件，办理记录 {len(rows)} 条")


def _complaint_life(rng, complaint, events, now):
    """Acknowledge, start, reply, resolve and close (or reject), each step only if its time has
    come; some complaints stall before acknowledgement or before resolution."""
    Kind, S = ComplaintEvent.Kind, Complaint.Status
    t = complaint.filed_at
    fate = rng.random()

    def step(kind, before, after, hours, note):
        nonlocal t
        at = t + dt.timedelta(hours=hours)
        if at >= now:
            return False
        t = at
        events.append((kind, before, after, at, note, True))
        complaint.updated_at = at
        return True

    if fate < 0.05:
        if step(Kind.REJECTED, S.SUBMITTED, S.REJECTED, rng.uniform(2, 48), REJECT_REASON):
            complaint.responded_at, complaint.reject_reason = t, REJECT_REASON
        return
    if fate < 0.11:  # never acknowledged
        return
    late = rng.random() < 0.1
    if not step(Kind.ACKNOWLEDGED, S.SUBMITTED, S.ACKNOWLEDGED,
                rng.uniform(60, 120) if late else rng.uniform(2, 40), "已受理，正在核查。"):
        return
    complaint.responded_at = t
    if not step(Kind.STARTED, S.ACKNOWLEDGED, S.IN_PROGRESS, rng.uniform(4, 72), "已开始办理。"):
        return
    if rng.random() < 0.3:
        reply_at = t + dt.timedelta(hours=rng.uniform(12, 96))
        if reply_at < now:
            events.append((Kind.REPLIED, "", "", reply_at, "已约谈相关负责人，正在督促整改。", True))
    if fate < 0.2:  # still being handled
        return
    outcome = rng.choice(OUTCOMES)
    if not step(Kind.RESOLVED, S.IN_PROGRESS, S.RESOLVED, 24 * rng.uniform(1, 20), outcome):
        return
    complaint.resolved_at, complaint.outcome = t, outcome
    if rng.random() < 0.7 and step(Kind.CLOSED, S.RESOLVED, S.CLOSED, 24 * rng.uniform(1, 7), ""):
        complaint.closed_at = t


def _escalate(ctx, complaint, events, now):
    """What ``escalate_overdue`` did on the mornings after the deadlines: a complaint still
    unacknowledged after ``ack_due``, or still open after ``resolve_due``, went to the bureau."""
    S = Complaint.Status
    changes = sorted((at, after) for _, _, after, at, _, _ in events if after)

    def status_at(moment):
        current = S.SUBMITTED
        for at, after in changes:
            if at <= moment:
                current = after
        return current

    found = []
    for missed, due in ((Complaint.Overdue.ACK, complaint.ack_due),
                        (Complaint.Overdue.RESOLVE, complaint.resolve_due)):
        morning = ctx.at(due + dt.timedelta(days=1), 6)
        if morning >= now:
            continue
        status = status_at(morning)
        if (missed == Complaint.Overdue.ACK and status == S.SUBMITTED) or (
                missed == Complaint.Overdue.RESOLVE and status in Complaint.OPEN):
            found.append((morning, missed, due))
    if not found:
        return
    unit = complaint.unit_school.name if complaint.unit_school else \
        complaint_services.SECTIONS.get(complaint.unit_role, complaint.unit_role)
    for morning, missed, due in found:
        events.append((ComplaintEvent.Kind.ESCALATED, "", "", morning,
                       f"{Complaint.Overdue(missed).label}（期限 {due:%Y-%m-%d}，承办单位：{unit}），"
                       "升级至教育局督办。", False))
    complaint.escalated_at, complaint.escalated_for, _ = found[-1]
    complaint.level = Complaint.Level.BUREAU
    events.sort(key=lambda e: e[3])


# ---- random inspections (IN-1, 双随机一公开) --------------------------------------------------------

FINDINGS = {
    Inspection.Outcome.RECTIFY: ["消防器材过期，未在显著位置公示收费项目，责令 10 个工作日内整改。",
                                 "教学场所未张贴从业人员信息，部分课程未按备案内容开设，责令整改。"],
    Inspection.Outcome.PENALISE: ["超范围开展学科类培训，一次性收取超过三个月费用，已立案查处。"],
    Inspection.Outcome.NOT_FOUND: ["现场未找到检查对象，经营场所已关闭，已转市场监管部门核查。"],
}
SCHOOL_FINDINGS = {
    Inspection.Outcome.RECTIFY: ["部分班级作业公示不及时，课后服务台账不完整，责令整改。"],
    Inspection.Outcome.PENALISE: ["组织学生集体补课并收费，已移交师德师风专员立案调查。"],
}
OUTCOME_WEIGHTS = {Inspection.Outcome.PASS: 8, Inspection.Outcome.RECTIFY: 3,
                   Inspection.Outcome.PENALISE: 1, Inspection.Outcome.NOT_FOUND: 1}
INSPECTION_EVENT = ("inspection", "from_status", "to_status", "actor", "note", "at")


def write_inspections(ctx):
    """A roster (the district's inspectors with logins and other departments' staff), one
    declared conflict, an institution draw two weeks into the period and a school draw six weeks
    in, each stored with the inputs the draw read so that ``verify_draw`` holds; results
    recorded within five weeks of the draw and most of them published."""
    rng = ctx.rng("inspections")
    people = People(rng)
    code, policy = ctx.bureau.code, ctx.policy
    registered = ctx.at(ctx.term.start - dt.timedelta(days=20), 10)
    roster = [Inspector(bureau=ctx.bureau, name=u.name, department=Department.EDUCATION,
                        certificate_no=f"JY{code}{i:03d}", user=u, created_at=registered)
              for i, u in enumerate(ctx.inspector_logins()[:6], start=1)]
    for department, n in ((Department.MARKET, 3), (Department.FIRE, 2),
                          (Department.CIVIL_AFFAIRS, 2)):
        roster += [Inspector(bureau=ctx.bureau, name=people.adult(people.gender()),
                             department=department, certificate_no=f"ZF{code}{len(roster) + 1:03d}",
                             created_at=registered) for _ in range(n)]
    with _dated(Inspector, Recusal):
        Inspector.objects.bulk_create(roster)
        first = Institution.objects.filter(bureau=ctx.bureau).order_by("pk").first()
        if first is not None:
            Recusal.objects.create(inspector=roster[0], institution=first, reason="曾在该机构兼职授课",
                                   declared_at=registered)
    publish_days = int(policy["in.publish_days"])
    specs = [(Draw.TargetKind.INSTITUTION, 14, 25, 2, f"{ctx.term}校外培训机构“双随机、一公开”抽查",
              "办学许可与营业执照\n收费公示与预收费监管\n消防安全\n从业人员资质"),
             (Draw.TargetKind.SCHOOL, 42, 10, 1, f"{ctx.term}学校“双减”落实情况专项督查",
              "作业总量与公示\n课后服务开展情况\n考试管理\n五项管理")]
    draws, inspections, links, moves = [], [], [], []
    for kind, offset, percent, min_departments, title, items in specs:
        date = ctx.random_day(rng, ctx.start + dt.timedelta(days=offset),
                              ctx.start + dt.timedelta(days=offset + 6))
        inputs = inspection_services._inputs(ctx.bureau, kind)
        if date is None or not inputs["targets"]:
            continue
        count = inspection_services._sample_size(policy, len(inputs["targets"]), None, percent)
        per_target = int(policy["in.inspectors_per_check"])
        seed = f"{code}-{kind}-{ctx.seed}"
        # The draw service's own run over the inputs it would read: verify_draw holds.
        result = inspection_services._run(seed, inputs, count, per_target, min_departments)
        draw = Draw(bureau=ctx.bureau, number=len(draws) + 1, title=title, target_kind=kind,
                    items=items, count=count, per_target=per_target,
                    min_departments=min_departments, seed=seed,
                    algorithm=draw_algorithm.ALGORITHM_VERSION, inputs=inputs,
                    inputs_digest=draw_algorithm.digest(inputs),
                    result=[[t, ids] for t, ids in result], created_at=ctx.at(date, 10))
        with _dated(Draw):
            draw.save()
        draws.append(draw)
        findings = FINDINGS if kind == Draw.TargetKind.INSTITUTION else SCHOOL_FINDINGS
        for position, (target, team) in enumerate(result, start=1):
            target_kind, pk = target.split(":")
            inspection = Inspection(draw=draw, position=position, **{f"{target_kind}_id": int(pk)})
            checked = ctx.random_day(rng, date, min(ctx.last, date + dt.timedelta(days=35)))
            if checked is not None and rng.random() < 0.85:
                outcomes = [Inspection.Outcome.PASS, *findings]
                outcome = rng.choices(outcomes, [OUTCOME_WEIGHTS[o] for o in outcomes])[0]
                inspection.status, inspection.outcome = Inspection.Status.RECORDED, outcome
                inspection.findings = "" if outcome == Inspection.Outcome.PASS else \
                    rng.choice(findings[outcome])
                inspection.checked_on, inspection.recorded_at = checked, ctx.at(checked, 17)
                inspection.publish_due = ctx.calendar.add_working_days(checked, publish_days)
                moves.append((inspection, Inspection.Status.ASSIGNED, Inspection.Status.RECORDED,
                              outcome, inspection.recorded_at))
                published = ctx.at(ctx.calendar.add_working_days(
                    checked, rng.randint(2, publish_days + 5)), 10)
                if rng.random() < 0.75 and published < timezone.now():
                    inspection.status, inspection.published_at = \
                        Inspection.Status.PUBLISHED, published
                    moves.append((inspection, Inspection.Status.RECORDED,
                                  Inspection.Status.PUBLISHED, "", published))
            inspections.append(inspection)
            links.append((inspection, team))
    Inspection.objects.bulk_create(inspections)
    Inspection.inspectors.through.objects.bulk_create([
        Inspection.inspectors.through(inspection_id=i.pk, inspector_id=t)
        for i, team in links for t in team])
    _put(InspectionEvent, INSPECTION_EVENT, [(i.pk, before, after, None, note, at)
                                             for i, before, after, note, at in moves])
    recorded = sum(1 for i in inspections if i.status != Inspection.Status.ASSIGNED)
    published = sum(1 for i in inspections if i.status == Inspection.Status.PUBLISHED)
    overdue = len(inspection_services.overdue(Inspection.objects.filter(draw__in=draws)))
    return (f"执法人员 {len(roster)} 名，抽查 {len(draws)} 次，检查对象 {len(inspections)} 个，"
            f"已录入结果 {recorded} 个，已公示 {published} 个，公示超期 {overdue} 个")


# ---- school supervision (IN-3, IN-4) -------------------------------------------------------------

VISIT_SUMMARIES = ["查阅作业公示栏和课后服务台账，随堂听课一节，与学生座谈。",
                   "检查作业登记与公示、课后服务考勤和接送记录，查看体育活动安排。",
                   "抽查三个班级的作业本，查阅考试备案，与教导处座谈。"]
VISIT_FINDINGS = ["部分班级作业公示栏未按日更新（HW-7），请建立每日公示检查制度。",
                  "课后服务接送登记不完整，请完善安全接送台账。",
                  "个别班级周末书面作业超过规定时长，请加强教导处审核。",
                  "大课间活动时间不足 30 分钟，请调整作息时间表。"]
TASK_EVENT = ("task", "action", "from_status", "to_status", "text", "actor", "at")


def write_school_inspection(ctx):
    """A responsible inspector per school (five schools each, IN-3); each school's weekly
    self-check (IN-4) with the platform's figures of that week as ``prefill`` gives them at the
    week's last school day, most weeks; visits; a rectification task for every item marked
    不符合 and every finding, answered and accepted by some schools sooner than others."""
    rng = ctx.rng("school-inspection")
    policy, calendar = ctx.policy, ctx.calendar
    logins = ctx.inspector_logins()
    per = int(policy["in.schools_per_inspector"])
    rectify_days = int(policy["in.rectify_days"])
    since = ctx.term.start - dt.timedelta(days=14)
    assignments = [InspectorAssignment(
        school=school, inspector=logins[i // per], since=since, created_at=ctx.at(since, 10),
        contact_phone=f"0{rng.randrange(10, 99)}-{rng.randrange(10 ** 7, 10 ** 8)}")
        for i, school in enumerate(ctx.schools)]
    with _dated(InspectorAssignment):
        InspectorAssignment.objects.bulk_create(assignments)
    inspector_of = {a.school_id: a.inspector for a in assignments}

    mondays, monday = [], checklist.week_start_of(ctx.start)
    while monday <= ctx.last:
        mondays.append(monday)
        monday += dt.timedelta(days=7)
    checks, answers = [], []
    for school in ctx.schools:
        diligence = rng.uniform(0.3, 0.6) if rng.random() < 0.1 else rng.uniform(0.8, 1.0)
        for monday in mondays:
            days = calendar.school_days(monday, monday + dt.timedelta(days=6))
            if not days or days[-1] > ctx.last or rng.random() > diligence:
                continue
            week = checklist.week_of(school, monday, days[-1], calendar)
            rows = checklist.prefill(school, week)
            marks = [_self_check_mark(rng, row) for row in rows]
            checks.append(SelfCheck(
                school=school, week_start=monday, checked_through=week.through,
                figures={r["code"]: r["figures"] for r in rows},
                non_compliant=sum(1 for ok, _ in marks if not ok),
                submitted_at=ctx.at(days[-1], 16, rng.randrange(60))))
            answers.append((rows, marks))
    with _dated(SelfCheck):
        SelfCheck.objects.bulk_create(checks, batch_size=1000)
    items = [SelfCheckItem(self_check=check, code=row["code"], position=n, compliant=ok,
                           suggested=row["suggested"], figures_text=row["text"][:500], note=note)
             for check, (rows, marks) in zip(checks, answers, strict=True)
             for n, (row, (ok, note)) in enumerate(zip(rows, marks, strict=True), start=1)]
    SelfCheckItem.objects.bulk_create(items, batch_size=2000)

    tasks = []
    labels = {item.code: item.label for item in checklist.ITEMS}
    for item in items:
        if not item.compliant:
            check = item.self_check
            day = timezone.localtime(check.submitted_at).date()
            tasks.append(RectificationTask(
                school=check.school, source=RectificationTask.Source.SELF_CHECK,
                self_check_item=item, item_code=item.code,
                description=f"{labels[item.code]}：{item.note}",
                due=calendar.add_working_days(day, rectify_days), created_at=check.submitted_at))
    visits = []
    codes = [code for code, _ in checklist.VISIT_ITEMS]
    for school in ctx.schools:
        if rng.random() > 0.7:
            continue
        for day in sorted(rng.sample(ctx.school_days, min(len(ctx.school_days), rng.randint(1, 3)))):
            findings = rng.sample(VISIT_FINDINGS, rng.choice((0, 1, 1, 2)))
            visit = Visit(school=school, inspector=inspector_of[school.pk], visited_on=day,
                          items=sorted(rng.sample(codes, rng.randint(3, 5)), key=codes.index),
                          summary=rng.choice(VISIT_SUMMARIES), findings=findings,
                          created_at=ctx.at(day, 17))
            visits.append(visit)
    with _dated(Visit):
        Visit.objects.bulk_create(visits)
    for visit in visits:
        for finding in visit.findings:
            tasks.append(RectificationTask(
                school=visit.school, source=RectificationTask.Source.VISIT, visit=visit,
                description=finding, due=calendar.add_working_days(visit.visited_on, rectify_days),
                created_at=visit.created_at))
    events = []
    for task in tasks:
        events += _task_life(ctx, rng, task)
    with _dated(RectificationTask):
        RectificationTask.objects.bulk_create(tasks, batch_size=1000)
    _put(TaskEvent, TASK_EVENT, [(task.pk, *event) for task, event in events])
    overdue = sum(1 for t in tasks if t.is_overdue(ctx.today))
    closed = sum(1 for t in tasks if t.status == RectificationTask.Status.ACCEPTED)
    failed = sum(1 for item in items if not item.compliant)
    return (f"责任督学 {len(logins)} 名，自查 {len(checks)} 次（不符合项 {failed} 个），"
            f"入校督导 {len(visits)} 次，整改任务 {len(tasks)} 项（已验收 {closed}、超期 {overdue}）")


def _self_check_mark(rng, row):
    """The school's mark of one item: it mostly follows the platform's suggestion, explaining
    any difference (the service requires a note for 不符合 and for 符合 against the figures)."""
    text = row["text"].rstrip("。")
    if row["suggested"] is False:
        if rng.random() < 0.25:
            return True, f"{text}；经核实属特殊情况，已登记说明。"[:500]
        return False, f"{text}；已要求相关班级整改。"[:500]
    if row["suggested"] is None and rng.random() < 0.03:
        return False, "部分班级落实不到位，已要求整改。"
    return True, ""


def _task_life(ctx, rng, task):
    """The task's history up to now: created; most submitted within the period and accepted,
    some returned, some never answered (overdue once past their deadline)."""
    Action, S = TaskEvent.Action, RectificationTask.Status
    now = timezone.now()
    events = [(task, (Action.CREATED, "", S.OPEN, task.description, None, task.created_at))]
    if rng.random() < 0.12:
        return events
    submitted = task.created_at + dt.timedelta(days=rng.uniform(1, 18))
    if submitted >= now:
        return events
    evidence = "已完成整改：建立每日检查制度，相关班级已整改到位，附整改前后照片。"
    task.status, task.evidence, task.submitted_at = S.SUBMITTED, evidence, submitted
    events.append((task, (Action.SUBMITTED, S.OPEN, S.SUBMITTED, evidence, None, submitted)))
    verified = submitted + dt.timedelta(days=rng.uniform(0.5, 6))
    if verified >= now:
        return events
    if rng.random() < 0.1:
        task.status, task.return_count = S.OPEN, 1
        events.append((task, (Action.RETURNED, S.SUBMITTED, S.OPEN, "整改材料不完整，请补充后重新提交。",
                              None, verified)))
        return events
    task.status, task.closed_at = S.ACCEPTED, verified
    events.append((task, (Action.ACCEPTED, S.SUBMITTED, S.ACCEPTED, "", None, verified)))
    return events


# ---- five managements and the guardians' survey (SL, PE, PH, RD, QM-1) ---------------------------

BOOKS = ["《草房子》/ 曹文轩 / 江苏凤凰少年儿童出版社", "《城南旧事》/ 林海音 / 人民文学出版社",
         "《昆虫记》/ 法布尔 / 人民教育出版社", "《西游记》/ 吴承恩 / 人民文学出版社",
         "《骆驼祥子》/ 老舍 / 人民文学出版社", "《红星照耀中国》/ 埃德加·斯诺 / 人民文学出版社"]
SURVEY_ANSWER = ("id", "survey", "stage", "grade", "bedtime", "wake_time", "sleep_minutes",
                 "bedtime_after_noon", "homework_minutes", "homework_done_after_noon",
                 "phone_to_school", "screen_minutes", "reading_minutes", "compulsory_purchase",
                 "pe_in_school_minutes", "pe_out_school_minutes", "burden", "subject_training")


def _clock(text):
    hours, minutes = (int(p) for p in text.split(":"))
    return dt.time(hours, minutes)


def write_wellbeing(ctx):
    """School settings for nine schools in ten, each item broken by a few of them (shown as
    不符合); a filed reading list for most schools; each school's guardians' survey (open, or
    closed already for some) answered for 20-45 % of its pupils."""
    rng = ctx.rng("wellbeing")
    policy, term = ctx.policy, ctx.term
    declared = ctx.at(term.start + dt.timedelta(days=5), 10)
    settings = []
    for school in ctx.schools:
        if rng.random() < 0.1:
            continue  # not declared yet: 未填写

        def breaks(share):
            return rng.random() < share

        stages = {school.stage_of_grade(g) for g in school.grades}
        pe = {}
        for grade in school.grades:
            minimum = int(policy["pe.lessons_per_week.g1_2" if grade <= 2 else "pe.lessons_per_week.g3_9"])
            pe[str(grade)] = minimum - 1 if breaks(0.02) else minimum + rng.choice((0, 0, 1))
        settings.append(SchoolSettings(
            school=school, term=term,
            class_start_primary=(dt.time(7, 50) if breaks(0.08) else _clock(
                policy["sl.earliest_start.primary"])) if Stage.PRIMARY in stages else None,
            class_start_junior=(dt.time(7, 30) if breaks(0.08) else _clock(
                policy["sl.earliest_start.junior"])) if Stage.JUNIOR in stages else None,
            early_arrival_required=breaks(0.04), pe_lessons=pe,
            big_break_minutes=20 if breaks(0.06) else int(policy["pe.big_break_minutes"]),
            break_minutes=10, in_school_activity_minutes=45 if breaks(0.08) else 60,
            phone_default=SchoolSettings.PhoneDefault.ALLOWED if breaks(0.04)
            else SchoolSettings.PhoneDefault.NOT_ALLOWED,
            phone_consent_required=True, phone_kept_by_school=not breaks(0.04),
            phone_banned_in_class=not breaks(0.04), public_phone=not breaks(0.03),
            head_teacher_hotline=True, e_student_card=rng.random() < 0.4, updated_at=declared))
    with _dated(SchoolSettings):
        SchoolSettings.objects.bulk_create(settings)

    lists, steps = [], []
    for school in ctx.schools:
        if rng.random() < 0.6:
            lists.append(ReadingList(
                school=school, school_year=term.school_year, title=f"{term.school_year}学年课外读物推荐书目",
                grades=list(school.grades), books="\n".join(rng.sample(BOOKS, 4)),
                status=ReadingList.Status.FILED, negative_list_checked=True,
                purchase=ReadingList.Purchase.SCHOOL_BULK if rng.random() < 0.05
                else ReadingList.Purchase.VOLUNTARY,
                disclosed_to_parents=rng.random() < 0.95, created_at=declared))
    with _dated(ReadingList, ReadingListStep):
        ReadingList.objects.bulk_create(lists)
        for reading in lists:
            for n, status in enumerate(ReadingList.Status):
                steps.append(ReadingListStep(reading_list=reading, status=status, note=status.label,
                                             at=declared + dt.timedelta(days=2 * n)))
        ReadingListStep.objects.bulk_create(steps)

    surveys, plans = [], []
    for school in ctx.schools:
        if rng.random() < 0.05:
            continue
        closed = rng.random() < 0.3
        if closed:
            opens = max(term.start, ctx.last - dt.timedelta(days=40))
            closes = min(opens + dt.timedelta(days=14), ctx.last)
        else:
            opens = max(term.start, ctx.last - dt.timedelta(days=14))
            closes = max(opens, min(term.end, ctx.today + dt.timedelta(days=14)))
        surveys.append(Survey(school=school, term=term, opens_on=opens, closes_on=closes,
                              status=Survey.Status.CLOSED if closed else Survey.Status.OPEN,
                              launched_at=ctx.at(opens, 9),
                              closed_at=ctx.at(closes, 18) if closed else None))
        plans.append(rng.uniform(0.2, 0.45))
    answers, receipts = [], []
    for survey, share in zip(surveys, plans, strict=True):
        school = survey.school
        mine = []
        window = (survey.opens_on, min(survey.closes_on, ctx.last))
        for school_class in ctx.classes_of(school):
            pupils = ctx.pupils.get(school_class.pk, [])
            for pupil_id in rng.sample(pupils, _share(rng, len(pupils), share)):
                day = window[0] + dt.timedelta(days=rng.randrange((window[1] - window[0]).days + 1))
                receipts.append((survey, pupil_id, None, ctx.at(day, rng.randrange(8, 23))))
                mine.append(_answer(rng, school.stage_of_grade(school_class.grade),
                                    school_class.grade))
        rng.shuffle(mine)  # stored in no order that lines answers up with receipts
        answers.append(mine)
        survey.answer_count = len(mine)
    with _dated(Survey):
        Survey.objects.bulk_create(surveys)
    _put(SurveyAnswer, SURVEY_ANSWER, [(uuid.UUID(int=rng.getrandbits(128), version=4), survey.pk,
                                        *answer) for survey, mine in zip(surveys, answers, strict=True)
                                       for answer in mine])
    _put(SurveyReceipt, ("survey", "pupil", "answered_by", "answered_at"),
         [(survey.pk, *rest) for survey, *rest in receipts])
    compliant = sum(1 for s in settings if _compliant_guess(s, policy))
    return (f"学校设置 {len(settings)} 所（全部符合的约 {compliant} 所），课外读物推荐 {len(lists)} 份，"
            f"问卷 {len(surveys)} 份，答卷 {len(receipts)} 份")


def _compliant_guess(settings, policy):
    """Settings without any of the breaches drawn above (reading lists aside), for the summary."""
    return (not settings.early_arrival_required and settings.phone_kept_by_school
            and settings.phone_banned_in_class and settings.public_phone
            and settings.phone_default == SchoolSettings.PhoneDefault.NOT_ALLOWED
            and settings.big_break_minutes >= int(policy["pe.big_break_minutes"])
            and settings.in_school_activity_minutes >= 60)


def _answer(rng, stage, grade):
    """One family's answers (the fields after ``survey`` in SURVEY_ANSWER), within the ranges
    ``wellbeing.services.clean_answer`` accepts."""
    if stage == Stage.PRIMARY:
        bed, wake = 20 * 60 + 30 + rng.randrange(0, 120, 5), 6 * 60 + 20 + rng.randrange(0, 60, 5)
        homework = 0 if grade <= 2 and rng.random() < 0.7 else max(0, round(rng.gauss(
            15 if grade <= 2 else 50, 20)))
    else:
        bed, wake = 21 * 60 + 30 + rng.randrange(0, 120, 5), 6 * 60 + rng.randrange(0, 60, 5)
        homework = max(0, round(rng.gauss(85, 25)))
    bedtime = dt.time(bed // 60 % 24, bed % 60)
    done = after_noon(bedtime) - rng.randrange(30, 150)
    return (stage, grade, bedtime, dt.time(wake // 60, wake % 60), (wake - bed) % 1440,
            after_noon(bedtime), min(600, homework), done if rng.random() < 0.8 else None,
            rng.random() < 0.1, rng.randrange(0, 121, 5), rng.randrange(10, 61, 5),
            rng.random() < 0.03, rng.randrange(40, 91, 5), rng.randrange(20, 91, 5),
            rng.choices((1, 2, 3, 4, 5), (10, 25, 35, 20, 10))[0], rng.random() < 0.08)


# ---- funds: the custodian bank's daily reconciliation (PF-14) ------------------------------------

def write_reconciliations(ctx):
    """Each supervised account's end-of-day balance for the last ten days as the bank reports
    it, beside ``ledger_balance_at`` (what ``report_balance`` stores); two reports differ, one
    of them yesterday's (a red warning)."""
    rng = ctx.rng("funds")
    accounts = list(SupervisedAccount.objects.filter(institution__bureau=ctx.bureau).order_by("pk"))
    if not accounts:
        return "本区没有监管账户，跳过"
    bank = User.objects.filter(username=f"bank-{ctx.bureau.code}").first()
    days = [ctx.today - dt.timedelta(days=n) for n in range(RECONCILED_DAYS, 0, -1)]
    mismatches = {(rng.choice(accounts).pk, days[-1]), (rng.choice(accounts).pk, rng.choice(days[:-1]))}
    rows = []
    for account in accounts:
        opened = timezone.localtime(account.opened_at).date()
        for date in days:
            if date < opened:
                continue
            ledger = ledger_balance_at(account.institution_id, date)
            off = -rng.choice((12_000, 35_000, 150_000)) if (account.pk, date) in mismatches else 0
            reported = ctx.at(date + dt.timedelta(days=1), 8, 30)
            rows.append(Reconciliation(account=account, date=date, bank_balance_fen=ledger + off,
                                       ledger_balance_fen=ledger, reported_by=bank,
                                       created_at=reported))
            account.bank_reported_balance_fen, account.reconciled_at = ledger + off, reported
    with _dated(Reconciliation):
        Reconciliation.objects.bulk_create(rows)
    SupervisedAccount.objects.bulk_update(accounts, ["bank_reported_balance_fen", "reconciled_at"])
    differ = sum(1 for r in rows if not r.matched)
    return f"账户 {len(accounts)} 个 × {len(days)} 天，对账 {len(rows)} 条，不一致 {differ} 条"
