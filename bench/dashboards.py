"""Dashboards and the monthly bulletin on a district of 100,000 pupils with a term of data
(issue 8: every dashboard page under 500 ms, the bulletin PDF under 30 s), on PostgreSQL.

    createdb -h 127.0.0.1 -U postgres bench_dash     # once: an empty database for the purpose
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_dash .venv/bin/python bench/dashboards.py
        [--pupils 100000] [--repeat 5] [--bulletin-repeat 3] [--reuse | --bureau CODE]
        [--seed 1] [--slowest 3]

Prepares the data in-process (migrate, ``generate_district --pupils N``, then
``generate_term`` for the district's current term up to yesterday), unless ``--reuse`` (the
newest generated district with term data) or ``--bureau CODE``, and runs ``ANALYZE`` (the
server's autovacuum may be off; without statistics the timings mean little). Then, logged in with
``Client.force_login`` as a bureau admin of the district (a login made for the benchmark, its
role given as ``org.demo`` gives roles), it times each target in-process through the whole
stack (middleware, the gate, the indicators, the template or the workbook): one warm-up, then
``--repeat`` runs, and reports the median and p95 wall time and the SQL statements of one run
(``CaptureQueriesContext``, on the warm-up only, so that capturing does not slow the timed runs):

  district compute  dashboards.figures.refresh: the district's figures of the term so far,
                  computed and kept (what the page's 重新计算 button and ``refresh_dashboards``'
                  task do; the district's pages then read them: no target, reported)
  district        GET /dashboard/                     the district dashboard (kept figures)
  district xlsx   GET /dashboard/?export=xlsx         its Excel export
  school ×3       GET /dashboard/schools/<id>/        the largest primary, a junior, the median school
  class ×3        GET /dashboard/classes/<id>/        a class of each of those schools
  evaluation      GET /dashboard/evaluation/          the schools' double-reduction evaluation
  bulletin        dashboards.bulletin.build + render_pdf for the last complete month
                  (what the worker's ``generate`` does, without storing), ``--bulletin-repeat`` runs

With ``--slowest N`` it also prints the N slowest statements of each target's warm-up run.
Exits 1 when a page's median is 500 ms or more, the bulletin's 30 s or more, or a request
fails. PostgreSQL only; it refuses SQLite and the test suite's databases.
"""

import argparse
import datetime as dt
import io
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGE_LIMIT = 0.5  # seconds, median (issue 8)
BULLETIN_LIMIT = 30.0


def database_url_or_exit():
    import dj_database_url

    url = os.environ.get("DATABASE_URL", "")
    if not url:
        sys.exit("bench/dashboards.py needs DATABASE_URL: an empty PostgreSQL database made for the "
                 "purpose, e.g.\n  createdb -h 127.0.0.1 -U postgres bench_dash\n"
                 "  DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_dash "
                 ".venv/bin/python bench/dashboards.py")
    config = dj_database_url.parse(url)
    if "postgresql" not in config["ENGINE"]:
        sys.exit(f"bench/dashboards.py runs on PostgreSQL only, not "
                 f"{config['ENGINE'].rsplit('.', 1)[-1]}: issue 8's targets are PostgreSQL's. "
                 "Set DATABASE_URL=postgres://…")
    name = config["NAME"] or ""
    if name == "test" or name.startswith("test_"):
        sys.exit(f"refusing to use the database {name!r}: the test suite uses such names. "
                 "Create one for the purpose (createdb -h 127.0.0.1 -U postgres bench_dash).")
    return url


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


# ---- set-up ------------------------------------------------------------------------------------

def prepare(args):
    """The district (generated unless reused) and a logged-in client of its bureau admin."""
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from afterschool.models import Programme
    from org.models import Bureau, Pupil, RoleAssignment, User
    from org.roles import Role

    call_command("migrate", verbosity=0)
    print(f"数据库：PostgreSQL {connection.cursor().connection.info.server_version // 10000}"
          f"（{connection.settings_dict['NAME']}）")
    districts = Bureau.objects.filter(level=Bureau.Level.DISTRICT)
    bureau = None
    if args.bureau:
        bureau = districts.filter(code=args.bureau).first()
        if bureau is None:
            sys.exit(f"--bureau {args.bureau}: no such district in this database")
    elif args.reuse:
        bureau = (districts.filter(code__startswith="98",
                                   schools__after_school_programmes__isnull=False)
                  .distinct().order_by("-pk").first())
        if bureau is None:
            print("--reuse: no generated district with term data yet, generating one")
    if bureau is None:
        started = time.perf_counter()
        call_command("generate_district", pupils=args.pupils, seed=args.seed, stdout=io.StringIO())
        print(f"generate_district --pupils {args.pupils}: {time.perf_counter() - started:.1f} s")
        bureau = districts.filter(code__startswith="98").order_by("-pk").first()
    if not Programme.objects.filter(school__bureau=bureau).exists():
        out = io.StringIO()
        started = time.perf_counter()
        call_command("generate_term", bureau=bureau.code, seed=args.seed, stdout=out)
        print(f"generate_term --bureau {bureau.code}: {time.perf_counter() - started:.1f} s")
        print(out.getvalue().rstrip())
    print(f"{bureau.name}（{bureau.code}）：学校 {bureau.schools.count()} 所，"
          f"学生 {Pupil.objects.filter(school__bureau=bureau).count():,} 人")
    # Fresh planner statistics, as autovacuum would have gathered on a live server (it may be
    # off here, and bulk loads leave none): without them PostgreSQL plans these grouped queries
    # as nested loops and the pages take several times longer.
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"ANALYZE: {time.perf_counter() - started:.1f} s")
    admin, _ = User.objects.get_or_create(username=f"bench-dash-{bureau.code}",
                                          defaults={"name": "看板基准测试"})
    RoleAssignment.objects.get_or_create(user=admin, role=Role.BUREAU_ADMIN, bureau=bureau)
    client = Client()
    client.force_login(admin)
    return bureau, client


def pick(bureau):
    """Three schools (the largest primary, a junior, the median by size) and a class of each."""
    from django.db.models import Count

    from org.models import SchoolClass, Stage

    schools = list(bureau.schools.annotate(n=Count("pupils")).order_by("-n", "code"))
    primary = next(s for s in schools if s.stage == Stage.PRIMARY)
    junior = next((s for s in schools if s.stage == Stage.JUNIOR), schools[-1])
    middle = schools[len(schools) // 2]
    chosen = list(dict.fromkeys([primary, junior, middle]))
    classes = []
    for school, grade in zip(chosen, (4, 8, 2), strict=False):
        found = (SchoolClass.objects.filter(school=school, grade=grade).order_by("number").first()
                 or SchoolClass.objects.filter(school=school).order_by("grade", "number").first())
        classes.append(found)
    return chosen, classes


# ---- targets -----------------------------------------------------------------------------------

def page(client, url, *, xlsx=False):
    """A GET through the whole stack; the response must be 200 (and a workbook when xlsx)."""

    def run():
        response = client.get(url)
        if response.status_code != 200:
            raise RuntimeError(f"GET {url}: {response.status_code}")
        if xlsx and not response["Content-Type"].startswith("application/vnd.openxmlformats"):
            raise RuntimeError(f"GET {url}: not a workbook ({response['Content-Type']})")
        return len(response.content)

    return run


def bulletin(bureau, month):
    """What ``dashboards.bulletin.generate`` does, without storing: the snapshot and its PDF."""
    from dashboards import bulletin as bulletins

    def run():
        data = bulletins.build(bureau, month)
        pdf = bulletins.render_pdf(data)
        if not pdf.startswith(b"%PDF"):
            raise RuntimeError("render_pdf: not a PDF")
        return len(pdf)

    return run


def compute(bureau):
    """What the 重新计算 button and ``refresh_dashboards``' task do: the district's figures of
    its term so far, computed and kept (``dashboards.figures.refresh``)."""
    from dashboards import figures

    def run():
        data = figures.refresh(bureau)
        if data["as_of"] is None:
            raise RuntimeError("figures.refresh: not kept (DASHBOARD_STORE_AFTER?)")
        return len(data["schools"])

    return run


def targets(bureau, client):
    from django.urls import reverse
    from django.utils import timezone

    from dashboards import bulletin as bulletins

    schools, classes = pick(bureau)
    district = reverse("dashboards:district")
    out = [("district compute", "全区看板数据计算（重新计算、后台刷新）", compute(bureau), None),
           ("district", "全区看板", page(client, district), PAGE_LIMIT),
           ("district xlsx", "全区看板 Excel 导出", page(client, f"{district}?export=xlsx", xlsx=True),
            PAGE_LIMIT)]
    for school in schools:
        out.append((f"school {school.pk}", f"学校看板 {school.name}",
                    page(client, reverse("dashboards:school", args=[school.pk])), PAGE_LIMIT))
    for school_class in classes:
        out.append((f"class {school_class.pk}",
                    f"班级看板 {school_class.school.name}{school_class.name}",
                    page(client, reverse("dashboards:class", args=[school_class.pk])), PAGE_LIMIT))
    out.append(("evaluation", "学校“双减”评价", page(client, reverse("dashboards:evaluation")),
                PAGE_LIMIT))
    month = bulletins.last_complete_month(timezone.localdate())
    out.append(("bulletin", f"月度快报 {bulletins.month_label(month)}（快照 + PDF）",
                bulletin(bureau, month), BULLETIN_LIMIT))
    return out


def measure(run, repeat, slowest):
    """One warm-up (statements captured), then ``repeat`` timed runs."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        size = run()
        warm = time.perf_counter() - started
    statements = captured.captured_queries
    seconds = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        seconds.append(time.perf_counter() - started)
    slow = sorted(statements, key=lambda q: -float(q["time"]))[:slowest]
    return {"warm": warm, "seconds": seconds, "statements": len(statements),
            "sql_seconds": sum(float(q["time"]) for q in statements), "size": size, "slow": slow}


def commit():
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, text=True,
                              capture_output=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "?"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="\n".join(__doc__.splitlines()[2:]))
    parser.add_argument("--pupils", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per page (default 5)")
    parser.add_argument("--bulletin-repeat", type=int, default=3,
                        help="timed runs of the bulletin (default 3)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--slowest", type=int, default=0,
                        help="print the N slowest statements of each target")
    parser.add_argument("--only", default="", help="run only targets whose key starts with this")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--reuse", action="store_true",
                       help="the newest generated district that has term data")
    group.add_argument("--bureau", help="this district (term data generated when missing)")
    args = parser.parse_args()
    if args.repeat < 1 or args.bulletin_repeat < 1:
        parser.error("--repeat and --bulletin-repeat must be at least 1")

    database_url_or_exit()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shuangjian.settings")
    os.environ["AXES_ENABLED"] = "0"
    os.environ["ALLOWED_HOSTS"] = "testserver"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    bureau, client = prepare(args)
    print(f"commit {commit()}，Python {platform.python_version()}，{os.cpu_count()} 核，"
          f"负载 {' / '.join(f'{x:.1f}' for x in os.getloadavg())}，{dt.datetime.now():%Y-%m-%d %H:%M}")
    results, failed = [], []
    for key, label, run, limit in targets(bureau, client):
        if args.only and not key.startswith(args.only):
            continue
        repeat = args.bulletin_repeat if key == "bulletin" else args.repeat
        try:
            r = measure(run, repeat, args.slowest)
        except Exception as e:  # report every target, then fail
            failed.append(f"{label}: {type(e).__name__}: {e}")
            print(f"  {label}: 失败 {type(e).__name__}: {e}")
            continue
        median, p95 = statistics.median(r["seconds"]), percentile(r["seconds"], 95)
        results.append((key, label, r, median, p95, limit))
        print(f"  {label}: 中位 {median * 1000:.0f} ms，p95 {p95 * 1000:.0f} ms，"
              f"预热 {r['warm'] * 1000:.0f} ms，SQL {r['statements']} 条"
              f"（{r['sql_seconds'] * 1000:.0f} ms）", flush=True)
        for q in r["slow"]:
            print(f"      {float(q['time']) * 1000:7.1f} ms  {q['sql'][:300]}")
    from org.demo import format_table

    over = [label for _, label, _, median, _, limit in results if limit and median >= limit]
    print()
    print(format_table(
        ["目标", "中位 ms", "p95 ms", "SQL 条数", "SQL ms", "上限 ms", ""],
        [[label, f"{median * 1000:.0f}", f"{p95 * 1000:.0f}", r["statements"],
          f"{r['sql_seconds'] * 1000:.0f}", f"{limit * 1000:.0f}" if limit else "—",
          "" if not limit else "达标" if median < limit else "超标"]
         for _, label, r, median, p95, limit in results]))
    if failed or over:
        print(f"\n未达标：{'；'.join(over + failed)}")
        sys.exit(1)
    print("\n全部达标。")


if __name__ == "__main__":
    main()
