"""Homework speed on a district of 100,000 pupils with a term of homework (issue 3 targets).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench .venv/bin/python bench/homework.py
        [--pupils 100000] [--days 90] [--reuse] [--samples 200]

Measured in-process through the real doors (Django's test client, full middleware stack):
filing one item (POST /api/v1/homework, target p95 < 50 ms), the head teacher's class-day board
(GET /api/v1/classes/{id}/days/{date}, p95 < 100 ms) and the district monitoring page
(GET /monitoring/homework/, < 500 ms). Without DATABASE_URL a throwaway SQLite file is used.
``--reuse`` keeps a district already generated in that database.
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


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def summary(name, seconds):
    ms = [s * 1000 for s in seconds]
    print(f"{name}: n={len(ms)} p50={percentile(ms, 50):.1f} ms p95={percentile(ms, 95):.1f} ms "
          f"p99={percentile(ms, 99):.1f} ms max={max(ms):.1f} ms")
    return {"p50": percentile(ms, 50), "p95": percentile(ms, 95)}


def timed(call):
    started = time.perf_counter()
    response = call()
    elapsed = time.perf_counter() - started
    assert response.status_code < 400, (response.status_code, response.content[:300])
    return elapsed


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pupils", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--reuse", action="store_true")
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

    from api.models import ApiToken
    from homework.models import ClassDay, Homework
    from org.models import Bureau, RoleAssignment, TeachingAssignment, User

    call_command("migrate", verbosity=0)
    print(f"数据库：{connection.vendor}（{connection.settings_dict['NAME']}）")
    bureau = (Bureau.objects.filter(level=Bureau.Level.DISTRICT, schools__classes__homework__isnull=False)
              .distinct().order_by("-pk").first() if args.reuse else None)
    if bureau is None:
        started = time.perf_counter()
        call_command("generate_district", pupils=args.pupils, seed=7)
        print(f"generate_district: {time.perf_counter() - started:.1f} s")
        bureau = Bureau.objects.filter(level=Bureau.Level.DISTRICT).order_by("-pk").first()
        started = time.perf_counter()
        call_command("generate_homework", bureau=bureau.code, days=args.days)
        print(f"generate_homework: {time.perf_counter() - started:.1f} s")
    classes = ClassDay.objects.filter(school_class__school__bureau=bureau)
    print(f"{bureau.name}: {Homework.objects.filter(school_class__school__bureau=bureau).count():,} "
          f"项作业，{classes.count():,} 个班级日")

    rng = random.Random(3)
    admin, _ = User.objects.get_or_create(username=f"bench-admin-{bureau.pk}")
    RoleAssignment.objects.get_or_create(user=admin, role="bureau_admin", bureau=bureau)
    admin_api = Client(HTTP_AUTHORIZATION=f"Bearer {ApiToken.issue(admin)}")
    admin_web = Client()
    admin_web.force_login(admin)

    # 1. Filing: teachers file for their own classes on new days after the generated term.
    assignments = list(TeachingAssignment.objects.filter(school_class__school__bureau=bureau)
                       .select_related("teacher", "school_class").order_by("pk"))
    sample = rng.sample(assignments, min(args.samples, len(assignments)))
    clients = {}
    for a in sample:
        if a.teacher_id not in clients:
            user = a.teacher.user or User.objects.create_user(username=f"bench-t-{a.teacher_id}")
            if a.teacher.user_id is None:
                a.teacher.user = user
                a.teacher.save(update_fields=["user"])
            clients[a.teacher_id] = Client(HTTP_AUTHORIZATION=f"Bearer {ApiToken.issue(user)}")
    new_days = [dt.date(2027, 3, 1) + dt.timedelta(days=d) for d in range(5)]
    filing = []
    for i, a in enumerate(sample):
        body = {"school_class": a.school_class_id, "subject": a.subject,
                "date": new_days[i % 5].isoformat(), "title": "基准测试作业", "minutes": 15,
                # HW-1: grades 1-2 get no written homework at home
                "place": "in_school" if a.school_class.grade <= 2 else "home"}
        filing.append(timed(lambda b=body, c=clients[a.teacher_id]: c.post(
            "/api/v1/homework", b, content_type="application/json")))
    results = {"file": summary("POST /api/v1/homework（布置一项作业）", filing)}

    # 2. The class-day board.
    days = list(classes.order_by("?").values_list("school_class_id", "date")[:args.samples])
    board = [timed(lambda c=c, d=d: admin_api.get(f"/api/v1/classes/{c}/days/{d.isoformat()}"))
             for c, d in days]
    results["board"] = summary("GET /api/v1/classes/{id}/days/{date}（班级当日统筹）", board)

    # 3. The district monitoring page, default period (the last four weeks) and a whole term.
    admin_web.get("/monitoring/homework/")  # warm-up
    month = [timed(lambda: admin_web.get("/monitoring/homework/")) for _ in range(10)]
    results["monitoring"] = summary("GET /monitoring/homework/（全区，近四周）", month)
    term = [timed(lambda: admin_web.get("/monitoring/homework/?start=2026-09-01&end=2027-01-22"))
            for _ in range(5)]
    results["monitoring_term"] = summary("GET /monitoring/homework/（全区，整个学期）", term)
    print("targets: file p95 < 50 ms, board p95 < 100 ms, monitoring < 500 ms")
    print({k: round(v["p95"], 1) for k, v in results.items()}, "mean file",
          round(statistics.mean(filing) * 1000, 1), "ms")


if __name__ == "__main__":
    main()
