"""Figures for checking a term of 50,000 training sessions (RULES.md TS-1..TS-4).

    .venv/bin/python bench/schedules.py [--institutions 50] [--courses 6] [--sessions 50000]
        [--samples 300] [--illegal 0.01] [--repeat 3]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench .venv/bin/python bench/schedules.py

Sets up a new district bureau with the school calendar of ``org.demo.write_calendar`` (spring
2026 to summer 2027), guide prices and ``--institutions`` training institutions (60 % offline
subject-type, 20 % online subject-type, 20 % non-subject art), each with ``--courses`` courses and
a staff login (bulk ORM: the setup is not what is measured). Then times

(a) filing: ``institutions.services.schedule_session`` for ``--samples`` legal sessions on school
    evenings and weekends of the first term (each call locks the institution, loads the
    calendar and the rule parameters, reads the course's other sessions that day and checks
    TS-1..TS-4), p50 / p95 per session; and the same through the door
    (``POST /api/v1/institutions/{id}/sessions`` with Django's test client, full middleware);
(b) the daily re-check: ``institutions.services.recheck_sessions()`` over a term of
    ``--sessions`` filed sessions (bulk-created, a share ``--illegal`` of them breaking a rule:
    National Day, a weekend, the winter vacation, past 20:30, online lessons too long or too
    close), from the first day of the term; total seconds and sessions per second, the first run
    (writing the flags) and ``--repeat`` runs after it (flags already there).

Without DATABASE_URL a throwaway SQLite file is used and deleted afterwards.
"""

import argparse
import datetime as dt
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TERM_START, TERM_END = dt.date(2026, 9, 1), dt.date(2027, 1, 22)


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def summary(name, seconds):
    ms = [s * 1000 for s in seconds]
    print(f"{name}: n={len(ms)} p50={percentile(ms, 50):.1f} ms p95={percentile(ms, 95):.1f} ms "
          f"max={max(ms):.1f} ms mean={statistics.mean(ms):.1f} ms")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--institutions", type=int, default=50)
    parser.add_argument("--courses", type=int, default=6, help="courses per institution")
    parser.add_argument("--sessions", type=int, default=50_000)
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--illegal", type=float, default=0.01,
                        help="share of the bulk-created sessions that break a rule")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    data_dir = None
    if not os.environ.get("DATABASE_URL"):
        data_dir = tempfile.mkdtemp(prefix="shuangjian-bench-")
        os.environ["SHUANGJIAN_DATA_DIR"] = data_dir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shuangjian.settings")
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ["AXES_ENABLED"] = "0"
    sys.path.insert(0, str(ROOT))
    try:
        run(args)
    finally:
        if data_dir:
            shutil.rmtree(data_dir, ignore_errors=True)


def setup(args, rng):
    """A district with its calendar, guide prices, institutions, courses and staff logins."""
    from institutions.models import GuidePrice, Institution, TrainingCourse
    from org.demo import credit_code, write_calendar
    from org.models import Bureau, RoleAssignment, User

    seq = Bureau.objects.filter(code__startswith="96").count() + 1
    bureau = Bureau.objects.create(code=f"96{seq:04d}", name=f"排课基准区{seq}")
    write_calendar(bureau)
    GuidePrice.objects.bulk_create([
        GuidePrice(bureau=bureau, mode=mode, band=band, base_price_fen=fen)
        for mode, band, fen in (("offline", "small", 12000), ("offline", "medium", 6000),
                                ("offline", "large", 4000), ("online", "small", 8000),
                                ("online", "medium", 3000), ("online", "large", 2000))])
    kinds = ["subject"] * 3 + ["online"] + ["art"]
    institutions = []
    for i in range(args.institutions):
        kind = kinds[i % len(kinds)]
        institutions.append(Institution(
            bureau=bureau, name=f"基准培训机构{seq}-{i + 1}",
            credit_code=credit_code("52", "410402", f"{seq:02d}{i + 1:06d}"),
            subject_type=kind != "art", category="art" if kind == "art" else "",
            mode="online" if kind == "online" else "offline",
            licence_status="permit_and_licence", status="approved",
            school_permit_no=f"教民{seq:02d}{i + 1:06d}号"))
    Institution.objects.bulk_create(institutions)
    institutions = list(Institution.objects.filter(bureau=bureau).order_by("pk"))
    subjects = ["maths", "chinese", "english", "physics", "chemistry", "biology"]
    courses = []
    for inst in institutions:
        for c in range(args.courses):
            online = inst.mode == "online"
            courses.append(TrainingCourse(
                institution=inst, name=f"课程{c + 1}",
                subject="art" if not inst.subject_type else subjects[c % len(subjects)],
                subject_type=inst.subject_type, mode=inst.mode,
                grades=[rng.randint(3, 9)], class_size=rng.randint(10, 35),
                lesson_minutes=30 if online else 90, lessons=40,
                price_per_lesson_fen=3000 if online else 12000, content_summary="同步巩固"))
    TrainingCourse.objects.bulk_create(courses, batch_size=2000)
    staff = {}
    for inst in institutions:
        user = User.objects.create_user(username=f"bench-sched-{seq}-{inst.pk}")
        RoleAssignment.objects.create(user=user, role="institution_staff", institution=inst)
        staff[inst.pk] = user
    courses = list(TrainingCourse.objects.filter(institution__bureau=bureau)
                   .select_related("institution").order_by("pk"))
    print(f"{bureau.name}：{len(institutions)} 家机构，{len(courses)} 门课程")
    return bureau, institutions, courses, staff


def legal_slots(course, calendar):
    """Legal (start, end) naive local datetimes for a course across the first term: school
    evenings (offline 17:40–18:55 / 19:00–20:30, online 18:00–18:30 / 18:40–19:10 /
    19:20–19:50), and for non-subject courses mornings and afternoons of the days without
    school (weekends, holidays) too."""
    slots = []
    for day in calendar.days(TERM_START, TERM_END):
        d = day.date
        if day.is_school_day:
            if course.mode == "online":
                starts = [(18, 0), (18, 40), (19, 20)]
                slots += [(dt.datetime.combine(d, dt.time(h, m)), 30) for h, m in starts]
            else:
                slots += [(dt.datetime.combine(d, dt.time(17, 40)), 75),
                          (dt.datetime.combine(d, dt.time(19, 0)), 90)]
        elif not course.subject_type:
            slots += [(dt.datetime.combine(d, dt.time(h, 0)), 90) for h in (9, 14)]
    return [(start, start + dt.timedelta(minutes=minutes)) for start, minutes in slots]


def illegal_slot(course, rng):
    """A session that breaks a rule of TS-1..TS-4 for this course."""
    choices = [
        (dt.datetime(2026, 10, rng.randint(1, 7), 9, 0), 90),  # National Day (TS-1 subject)
        (dt.datetime(2026, 11, 28, 9, 0), 90),  # Saturday (TS-1 subject)
        (dt.datetime(2027, 1, 26, 9, 0), 90),  # winter vacation (TS-1 subject)
        (dt.datetime(2026, 11, 24, 19, 45), 60),  # ends 20:45 (TS-3 offline)
        (dt.datetime(2026, 11, 25, 15, 0), 60),  # school hours (TS-2)
    ]
    if course.mode == "online":
        choices += [(dt.datetime(2026, 11, 26, 20, 40), 30),  # ends 21:10 (TS-4)
                    (dt.datetime(2026, 11, 26, 18, 5), 40)]   # 40 minutes (TS-4)
    start, minutes = rng.choice(choices)
    return start, start + dt.timedelta(minutes=minutes)


def run(args):
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from api.models import ApiToken
    from institutions import services
    from institutions.models import ScheduleFlag, TrainingSession
    from schoolcal.calendar import SchoolCalendar

    call_command("migrate", verbosity=0)
    print(f"数据库：{connection.vendor}（{connection.settings_dict['NAME']}）")
    rng = random.Random(5)
    bureau, institutions, courses, staff = setup(args, rng)
    calendar = SchoolCalendar(bureau)
    aware = timezone.make_aware
    slots = {c.pk: legal_slots(c, calendar) for c in courses}

    # (a) Filing, through the service and through the door, on slots nobody else uses.
    sample = [rng.choice(courses) for _ in range(args.samples * 2)]
    used = set()
    filing, door = [], []
    clients = {}
    for i, course in enumerate(sample):
        free = [s for s in slots[course.pk] if (course.pk, s[0]) not in used]
        start, end = rng.choice(free)
        used.add((course.pk, start))
        inst = course.institution
        if i < args.samples:
            started = time.perf_counter()
            services.schedule_session(actor=staff[inst.pk], institution=inst, course=course,
                                      start=aware(start), end=aware(end))
            filing.append(time.perf_counter() - started)
        else:
            if inst.pk not in clients:
                clients[inst.pk] = Client(
                    HTTP_AUTHORIZATION=f"Bearer {ApiToken.issue(staff[inst.pk])}")
            body = {"course": course.pk, "start": aware(start).isoformat(),
                    "end": aware(end).isoformat()}
            started = time.perf_counter()
            response = clients[inst.pk].post(f"/api/v1/institutions/{inst.pk}/sessions", body,
                                             content_type="application/json")
            door.append(time.perf_counter() - started)
            assert response.status_code == 201, response.content[:300]
    summary("services.schedule_session（排一节课，TS-1..TS-4）", filing)
    summary("POST /api/v1/institutions/{id}/sessions（经 API）", door)

    # (b) A term of sessions, bulk-created, then the daily re-check.
    TrainingSession.objects.filter(course__institution__bureau=bureau).delete()
    rows, illegal = [], 0
    per_course = -(-args.sessions // len(courses))
    for course in courses:
        picks = rng.sample(slots[course.pk], min(per_course, len(slots[course.pk])))
        for start, end in picks:
            if len(rows) >= args.sessions:
                break
            if rng.random() < args.illegal:
                start, end = illegal_slot(course, rng)
                illegal += 1
            rows.append(TrainingSession(course=course, start=aware(start), end=aware(end),
                                        mode=course.mode))
    started = time.perf_counter()
    TrainingSession.objects.bulk_create(rows, batch_size=5000)
    print(f"bulk_create: {len(rows):,} 节课（其中约 {illegal} 节违规）"
          f"{time.perf_counter() - started:.1f} s")

    def recheck():
        started = time.perf_counter()
        made = services.recheck_sessions([bureau.pk], today=TERM_START)
        return time.perf_counter() - started, made

    seconds, made = recheck()
    flags = ScheduleFlag.objects.filter(session__course__institution__bureau=bureau).count()
    print(f"recheck_sessions（首次，写入标记）: {seconds:.2f} s，{len(rows) / seconds:,.0f} 节/秒，"
          f"新标记 {made}（共 {flags} 条）")
    again = []
    for _ in range(args.repeat):
        seconds, made = recheck()
        again.append(seconds)
        assert made == 0, made
    if again:
        median = statistics.median(again)
        print(f"recheck_sessions（再次，标记已在）: n={len(again)} median={median:.2f} s "
              f"max={max(again):.2f} s，{len(rows) / median:,.0f} 节/秒")
    started = time.perf_counter()
    services.recheck_sessions(today=TERM_START)
    print(f"recheck_sessions()（全部教育局，如每日命令）: {time.perf_counter() - started:.2f} s")
    print("target: a term of 50,000 sessions re-checked in well under 10 s")


if __name__ == "__main__":
    main()
