"""After-school lottery through the real door: one school of about 2,000 pupils, 30 menu
courses, 5 ranked choices each (issue 4 target: allocation under 2 s).

    .venv/bin/python bench/afterschool.py [--classes-per-grade 8] [--courses 30] [--choices 5]
        [--repeat 5]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench .venv/bin/python bench/afterschool.py

Times ``POST /api/v1/after-school/programmes/{id}/allocate`` (read the applications, run the
seeded lottery and the first-come-first-served baseline, store the run with its inputs) and
``POST /api/v1/after-school/allocations/{id}/publish`` (turn places and waitlists into
enrolments) with Django's test client, full middleware stack. Without DATABASE_URL a throwaway
SQLite file is used.
"""

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--classes-per-grade", type=int, default=8)
    parser.add_argument("--class-size", type=int, default=42)
    parser.add_argument("--courses", type=int, default=30)
    parser.add_argument("--choices", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=5)
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


def run(args):
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from afterschool import services
    from afterschool.models import Application, Choice, Instructor
    from api.models import ApiToken
    from org.demo import DistrictWriter, People, free_region, write_calendar
    from org.models import Bureau, RoleAssignment, Teacher, User
    from schoolcal.models import Term

    call_command("migrate", verbosity=0)
    print(f"数据库：{connection.vendor}（{connection.settings_dict['NAME']}）")
    rng = random.Random(4)
    seq = Bureau.objects.filter(code__startswith="97").count() + 1
    bureau = Bureau.objects.create(code=f"97{seq:04d}", name=f"课后服务基准区{seq}")
    write_calendar(bureau)
    region = free_region(bureau.code)
    writer = DistrictWriter(bureau, People(rng), region, region)
    school = writer.school(name=f"基准小学{seq}", code=f"97{seq:04d}0001", stage="primary",
                           classes_per_grade=args.classes_per_grade,
                           class_size=lambda: args.class_size)
    principal = User.objects.create_user(username=f"bench-principal-{seq}")
    RoleAssignment.objects.create(user=principal, role="school_admin", school=school)
    term = Term.objects.get(bureau=bureau, school_year="2026-2027", name="第一学期")
    grades = list(school.grades)
    slots = [{"weekday": d, "segment": s, "grades": grades, "start": a, "end": b}
             for d in range(1, 6) for s, a, b in (("guidance", "15:40", "16:40"),
                                                  ("menu", "16:40", "17:40"))]
    programme = services.create_programme(actor=principal, school=school, term=term,
                                          name="基准方案", slots=slots, max_courses=2)
    teachers = list(Teacher.objects.filter(school=school)[:args.courses])
    courses = []
    for i in range(args.courses):
        instructor = services.add_instructor(actor=principal, school=school,
                                             kind=Instructor.Kind.OWN_TEACHER,
                                             teacher=teachers[i % len(teachers)])
        low = rng.randint(1, 4)
        course = services.add_course(
            actor=principal, programme=programme, name=f"课程{i + 1}", category="club",
            instructor=instructor, capacity=rng.randint(20, 40),
            grades=list(range(low, min(6, low + rng.randint(2, 5)) + 1)),
            weekdays=sorted(rng.sample(range(1, 6), rng.randint(1, 2))), start="16:40",
            end="17:40")
        courses.append(services.review_course(actor=principal, course=course, approve=True))
    services.open_programme(actor=principal, programme=programme)

    weights = [1 / (i + 1) ** 0.8 for i in range(len(courses))]  # some much more popular
    apps, choices = [], []
    pupils = list(school.pupils.select_related("school_class").order_by("pk"))
    for pupil in pupils:
        apps.append(Application(programme=programme, pupil=pupil))
    Application.objects.bulk_create(apps, batch_size=2000)
    for app in apps:
        grade = app.pupil.school_class.grade
        eligible = [(c, w) for c, w in zip(courses, weights, strict=True) if grade in c.grades]
        picked = []
        while eligible and len(picked) < args.choices:
            course = rng.choices([c for c, _ in eligible], [w for _, w in eligible])[0]
            eligible = [(c, w) for c, w in eligible if c.pk != course.pk]
            picked.append(course)
        choices += [Choice(application=app, course=c, rank=r) for r, c in enumerate(picked, 1)]
    Choice.objects.bulk_create(choices, batch_size=5000)
    print(f"{school.name}：{len(pupils)} 名学生报名，{len(courses)} 门菜单课程，"
          f"{len(choices)} 个志愿，座位 {sum(c.capacity for c in courses)} 个")

    client = Client(HTTP_AUTHORIZATION=f"Bearer {ApiToken.issue(principal)}")
    url = f"/api/v1/after-school/programmes/{programme.pk}/allocate"
    seconds, run = [], None
    for i in range(args.repeat):
        body = {"seed": f"bench-{i}", "reason": "" if i == 0 and run is None else "基准测试重新抽签"}
        started = time.perf_counter()
        response = client.post(url, body, content_type="application/json")
        seconds.append(time.perf_counter() - started)
        assert response.status_code == 201, response.content[:300]
        run = response.json()
    print(f"POST …/allocate: n={len(seconds)} p50={statistics.median(seconds) * 1000:.0f} ms "
          f"max={max(seconds) * 1000:.0f} ms")
    print(f"  抽签：首选满足 {run['lottery']['first_choice_share']:.1%}，前三志愿 "
          f"{run['lottery']['top3_share']:.1%}，未分配 {run['lottery']['unassigned']}；"
          f"先到先得：首选 {run['fcfs']['first_choice_share']:.1%}，前三 "
          f"{run['fcfs']['top3_share']:.1%}，未分配 {run['fcfs']['unassigned']}")
    started = time.perf_counter()
    response = client.post(f"/api/v1/after-school/allocations/{run['id']}/publish")
    assert response.status_code == 200, response.content[:300]
    print(f"POST …/publish: {(time.perf_counter() - started) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
