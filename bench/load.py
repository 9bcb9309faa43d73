"""Load test against the real server (issue 9): gunicorn with several workers on 127.0.0.1.

    createdb -h 127.0.0.1 -U postgres bench_load     # once: an empty database for the purpose
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_load .venv/bin/python bench/load.py
        [--pupils 20000] [--workers 5] [--concurrency 8] [--seconds 15] [--rounds 1]
        [--reuse | --bureau CODE] [--port N]

Prepares the data in-process (migrate, ``generate_district --pupils N`` with its training-fee
data, three school weeks of ``generate_homework`` ending before today, API tokens for a sample
of teachers and guardians, and for the staff and guardians of up to ``--sample`` paid contracts
with lessons left; when those lessons would not last the run, the same families sign and pay
new contracts through ``funds.services`` first),
then starts ``gunicorn shuangjian.wsgi:application`` on 127.0.0.1 as a subprocess and drives it
with C concurrent clients (threads, stdlib ``http.client``), one scenario after the other, each
for ``--seconds`` (after a short warm-up) and at most ``--max-requests`` requests:

  floor      GET  /healthz — the framework floor: the whole middleware stack and one
             ``SELECT 1`` (core/views.py), no authentication, no ORM
  file       POST /api/v1/homework — a teacher files an item for a class and subject they
             teach, on today or a coming school day (the 16:00–18:00 rush)
  guardian   GET  /api/v1/pupils/{id}/homework?date= — a guardian reads their child's
             published homework of a recent day
  public     GET  /api/v1/public/institutions?q= — the public institution lookup, no login
  funds      POST /api/v1/funds/contracts/{id}/lessons, then POST /api/v1/funds/lessons/{id}/confirm
             — lesson consumption (课消): the institution's staff record a delivered lesson of a
             paid contract, the guardian confirms it and one lesson's fee is released; each
             client sends the pair one after the other (two requests, both counted)

For each it prints requests, errors (status >= 400 or exceptions; the first status codes),
throughput, p50/p95/p99 latency as the client sees it, and p50 and throughput relative to the
floor (for funds also each of the two requests' latency).
``--reuse`` skips generating and uses the newest district that has homework. PostgreSQL only.
For every scenario it also reads the CPU time the gunicorn workers and the PostgreSQL backends
spent (Linux /proc), as ms per request: unlike latency, that hardly changes when other
processes share the machine.
"""

import argparse
import collections
import datetime as dt
import http.client
import io
import json
import os
import platform
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
PROTECTED_DATABASES = {"test", "test_test"}  # the test suite's databases: never touch them
SCENARIOS = ("file", "guardian", "public", "funds")
FUNDS_PAIRS_PER_SECOND = 100  # more than 2 cores serve: the lessons prepared never run out


# ---- set-up --------------------------------------------------------------------------------

def database_url_or_exit():
    import dj_database_url

    url = os.environ.get("DATABASE_URL", "")
    if not url:
        sys.exit("bench/load.py needs DATABASE_URL: an empty PostgreSQL database made for the "
                 "purpose, e.g.\n  createdb -h 127.0.0.1 -U postgres bench_load\n"
                 "  DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_load "
                 ".venv/bin/python bench/load.py")
    config = dj_database_url.parse(url)
    if "postgresql" not in config["ENGINE"]:
        sys.exit(f"bench/load.py runs on PostgreSQL only, not {config['ENGINE'].rsplit('.', 1)[-1]}: "
                 "SQLite serialises writers, so several gunicorn workers would measure its file "
                 "lock, not the application. Set DATABASE_URL=postgres://…")
    if config["NAME"] in PROTECTED_DATABASES:
        sys.exit(f"refusing to use the database {config['NAME']!r}: the test suite uses it. "
                 "Create one for the purpose (createdb -h 127.0.0.1 -U postgres bench_load).")
    return url


def school_days(calendar, start, count, *, forward=True):
    days, date = [], start
    while len(days) < count:
        if calendar.day(date).is_school_day:
            days.append(date)
        date += dt.timedelta(days=1 if forward else -1)
    return days


def prepare(args):
    """Data and tokens, in this process. Returns the request lists of the scenarios."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from api.models import ApiToken
    from homework.models import ClassDay
    from homework.services import Context
    from institutions.models import Institution
    from org.demo import BRANDS
    from org.models import Bureau, Guardian, Pupil, SchoolClass, TeachingAssignment, User

    call_command("migrate", verbosity=0)
    print(f"数据库：PostgreSQL {connection.cursor().connection.info.server_version // 10000}"
          f"（{connection.settings_dict['NAME']}）")
    today = timezone.localdate()
    bureau = None
    if args.bureau:
        bureau = Bureau.objects.filter(code=args.bureau, level=Bureau.Level.DISTRICT).first()
        if bureau is None:
            sys.exit(f"--bureau {args.bureau}: no such district in this database")
    elif args.reuse:
        bureau = (Bureau.objects.filter(level=Bureau.Level.DISTRICT,
                                        schools__classes__homework__isnull=False)
                  .distinct().order_by("-pk").first())
        if bureau is None:
            print("--reuse: no district with homework yet, generating one")
    if bureau is None:
        started = time.perf_counter()
        call_command("generate_district", pupils=args.pupils, seed=11)
        print(f"generate_district --pupils {args.pupils}: {time.perf_counter() - started:.1f} s")
        bureau = Bureau.objects.filter(level=Bureau.Level.DISTRICT).order_by("-pk").first()
        # Three school weeks ending before today; the generator publishes all but the last day.
        calendar = Context(bureau).calendar
        start = school_days(calendar, today - dt.timedelta(days=1), args.days, forward=False)[-1]
        started = time.perf_counter()
        call_command("generate_homework", bureau=bureau.code, days=args.days,
                     start=start.isoformat(), stdout=io.StringIO())
        print(f"generate_homework --days {args.days} --start {start}: "
              f"{time.perf_counter() - started:.1f} s")
    pupils = Pupil.objects.filter(school__bureau=bureau)
    print(f"{bureau.name}（{bureau.code}）：学生 {pupils.count():,} 人，"
          f"班级 {SchoolClass.objects.filter(school__bureau=bureau).count():,} 个，"
          f"班级日 {ClassDay.objects.filter(school_class__school__bureau=bureau).count():,} 个")
    rng = random.Random(5)

    # Teachers: a sample of teaching assignments; a login and a token per teacher.
    assignments = list(TeachingAssignment.objects.filter(school_class__school__bureau=bureau)
                       .select_related("teacher", "school_class").order_by("pk"))
    tokens = {}
    filing = []
    calendar = Context(bureau).calendar
    # 16:00–18:00: filing for today and the next school days (never a generated, published day).
    file_days = school_days(calendar, today, 5)
    for a in rng.sample(assignments, min(args.sample, len(assignments))):
        if a.teacher_id not in tokens:
            if a.teacher.user_id is None:
                user, _ = User.objects.get_or_create(username=f"bench-t-{a.teacher_id}")
                a.teacher.user = user
                a.teacher.save(update_fields=["user"])
            tokens[a.teacher_id] = ApiToken.issue(a.teacher.user)
        for date in file_days:
            body = {"school_class": a.school_class_id, "subject": a.subject,
                    "date": date.isoformat(), "title": "负载测试作业", "minutes": 10,
                    # HW-1: grades 1-2 get no written homework at home
                    "place": "in_school" if a.school_class.grade <= 2 else "home"}
            filing.append(("POST", "/api/v1/homework", json.dumps(body).encode(),
                           {"Authorization": f"Bearer {tokens[a.teacher_id]}",
                            "Content-Type": "application/json"}))
    print(f"布置作业：{len(tokens)} 位教师，{len(filing) // len(file_days)} 个任课安排，"
          f"日期 {file_days[0]}–{file_days[-1]}")

    # Guardians: the guardian of a sampled pupil reads one of the class's latest published days.
    published = {}
    for class_id, date in (ClassDay.objects.filter(school_class__school__bureau=bureau,
                                                   published=True, item_count__gt=0)
                           .order_by("school_class_id", "-date")
                           .values_list("school_class_id", "date")):
        dates = published.setdefault(class_id, [])
        if len(dates) < 5:
            dates.append(date)
    reading = []
    candidates = list(pupils.filter(school_class_id__in=list(published))
                      .values_list("pk", "school_class_id").order_by("pk"))
    sample = rng.sample(candidates, min(args.sample, len(candidates)))
    for pupil_id, class_id in sample:
        guardian = Guardian.objects.filter(links__pupil_id=pupil_id).order_by("pk").first()
        if guardian is None:
            continue
        if guardian.user_id is None:
            user, _ = User.objects.get_or_create(username=f"bench-g-{guardian.pk}")
            guardian.user = user
            guardian.save(update_fields=["user"])
        token = ApiToken.issue(guardian.user)
        for date in published[class_id]:
            reading.append(("GET", f"/api/v1/pupils/{pupil_id}/homework?date={date.isoformat()}",
                            None, {"Authorization": f"Bearer {token}"}))
    print(f"家长查看作业：{len(sample)} 位家长，各自孩子班级最近 5 个已公示日")

    # The public lookup: brand fragments of institution names, a few broad words, a credit code.
    names = list(Institution.objects.public().values_list("name", flat=True))
    fragments = [b for b in BRANDS if any(b in n for n in names)] + ["培训", "科技", "文化"]
    codes = list(Institution.objects.public().exclude(credit_code="")
                 .values_list("credit_code", flat=True)[:5])
    public = [("GET", "/api/v1/public/institutions?" + urllib.parse.urlencode({"q": q}), None, {})
              for q in fragments + codes]
    print(f"公开查询：{Institution.objects.public().count()} 家公开机构，"
          f"{len(public)} 个查询词（{'、'.join(fragments[:6])}…）")
    funds = prepare_funds(args, bureau, rng, today)
    connection.close()
    rng.shuffle(filing)
    rng.shuffle(reading)
    return {"floor": [("GET", "/healthz", None, {})], "file": filing, "guardian": reading,
            "public": public, "funds": funds}


def prepare_funds(args, bureau, rng, today):
    """Lesson consumption: paid contracts of the district with lessons left, a token for each
    contract's institution staff and guardian. Signs and pays new contracts through the services
    when those left would not last the run. Returns the flows (record, then confirm)."""
    from django.db.models import F

    from api.models import ApiToken
    from funds import services
    from funds.models import Contract, SupervisedAccount
    from institutions.models import TrainingCourse
    from org.management.commands.generate_district import write_fund_data
    from org.models import RoleAssignment, User
    from org.roles import Role

    if not SupervisedAccount.objects.filter(institution__bureau=bureau).exists():
        # a district generated before generate_district wrote training-fee data
        started = time.perf_counter()
        write_fund_data(bureau, random.Random(11))
        print(f"预收费资金数据（本区此前没有）：{time.perf_counter() - started:.1f} s")
    open_contracts = (Contract.objects.filter(
        institution__bureau=bureau, status=Contract.Status.ACTIVE,
        institution__funds_account__frozen=False)
        .annotate(left=F("lessons") - F("lessons_consumed") - F("lessons_refunded")
                  - F("lessons_pending")).filter(left__gt=0))
    needed = int(args.rounds * (args.seconds + args.warmup * 2) * FUNDS_PAIRS_PER_SECOND)
    contracts = list(open_contracts.order_by("-left", "pk")[:args.sample])
    signed = 0
    if sum(c.left for c in contracts) < needed and contracts:
        # Not enough lessons left (earlier runs consumed them): the same families sign again.
        bank = User.objects.filter(role_assignments__role=Role.CUSTODIAN_BANK,
                                   role_assignments__bureau=bureau).first()
        if bank is None:
            bank = User.objects.create(username=f"bench-bank-{bureau.code}")
            RoleAssignment.objects.create(user=bank, role=Role.CUSTODIAN_BANK, bureau=bureau)
        families = [(c.guardian, c.pupil) for c in contracts]
        courses = list(TrainingCourse.objects.filter(
            institution__funds_account__frozen=False, institution__bureau=bureau,
            published=True).select_related("institution__bureau__parent"))
        while sum(c.left for c in contracts) < needed:
            guardian, pupil = families[signed % len(families)]
            grade = pupil.school_class.grade
            course = next((c for c in courses if grade in c.grades), courses[0])
            contract = services.create_contract(
                actor=guardian, pupil=pupil, course=course,
                lessons=60, price_per_lesson_fen=course.price_per_lesson_fen, start=today,
                end=today + dt.timedelta(days=80))
            services.record_deposit(actor=bank, contract=contract, amount_fen=contract.total_fen,
                                    idempotency_key=f"load-{contract.pk}")
            contract.left = contract.lessons
            contracts.append(contract)
            signed += 1
    tokens = {}

    def token(user):
        if user.pk not in tokens:
            tokens[user.pk] = {"Authorization": f"Bearer {ApiToken.issue(user)}"}
        return tokens[user.pk]

    staff = {}
    for contract in contracts:
        iid = contract.institution_id
        if iid not in staff:
            user = User.objects.filter(role_assignments__role=Role.INSTITUTION_STAFF,
                                       role_assignments__institution_id=iid).first()
            if user is None:
                user = User.objects.create(username=f"bench-s-{iid}")
                RoleAssignment.objects.create(user=user, role=Role.INSTITUTION_STAFF,
                                              institution_id=iid)
            staff[iid] = token(user)
    flows = [LessonFlow(c.pk, c.left, staff[c.institution_id], token(c.guardian))
             for c in contracts]
    rng.shuffle(flows)
    print(f"消课：{len(flows)} 份已缴费合同（{len(staff)} 家机构），剩余 "
          f"{sum(f.left for f in flows):,} 课时" + (f"（其中新签 {signed} 份）" if signed else ""))
    return flows


class LessonFlow:
    """One contract's lesson consumption: the staff record a lesson, its guardian confirms it.
    Called, it gives a generator of requests that is sent each response (status, body)."""

    def __init__(self, contract, left, staff, guardian):
        self.contract, self.left, self.staff, self.guardian = contract, left, staff, guardian

    def __call__(self):
        if self.left <= 0:  # used up by earlier rounds: the client takes the next contract
            return
        self.left -= 1
        status, body = yield ("POST", f"/api/v1/funds/contracts/{self.contract}/lessons", b"",
                              self.staff, "lesson")
        if status == 201:
            try:
                lesson = json.loads(body)["id"]
            except (ValueError, KeyError, TypeError):
                return
            yield ("POST", f"/api/v1/funds/lessons/{lesson}/confirm", b"", self.guardian,
                   "confirm")


# ---- the server ----------------------------------------------------------------------------

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(args, url, port, log):
    env = {**os.environ, "DATABASE_URL": url, "ALLOWED_HOSTS": "127.0.0.1", "DEBUG": "0",
           "SECRET_KEY": "bench", "AXES_ENABLED": "0", "HTTPS": "0",
           "DJANGO_SETTINGS_MODULE": "shuangjian.settings",
           # as in production (docs/deploy.md): persistent database connections per worker
           "DB_CONN_MAX_AGE": str(args.conn_max_age), "LOG_LEVEL": "WARNING"}
    env.pop("STATIC_MANIFEST", None)  # no collectstatic here; the API serves no static files
    command = [str(GUNICORN), "shuangjian.wsgi:application", "--bind", f"127.0.0.1:{port}",
               "--workers", str(args.workers), "--threads", "1", "--timeout", "30",
               "--graceful-timeout", "5"]
    print("服务器：" + " ".join(command[1:]) +
          f"（DB_CONN_MAX_AGE={args.conn_max_age}，DEBUG=0）")
    if not args.conn_max_age:
        print("DB_CONN_MAX_AGE=0: every request opens its own PostgreSQL backend; their CPU "
              "(and the postmaster's forks) is not counted in 'db CPU'")
    # Its own session: Ctrl-C reaches this script, which then stops the server itself.
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                              start_new_session=True)
    try:
        return wait_for_health(server, port, log)
    except BaseException:  # Ctrl-C or a failed start: never leave the server behind
        stop_server(server)
        raise


def wait_for_health(server, port, log):
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.returncode}; see {log.name}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/healthz")
            response = conn.getresponse()
            body = response.read()
            conn.close()
            if response.status == 200:
                return server
            raise RuntimeError(f"/healthz answered {response.status}: {body[:200]!r}")
        except (ConnectionError, OSError):
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer /healthz within 60 s")


def stop_server(server):
    if server is None or server.poll() is not None:
        return
    server.send_signal(signal.SIGTERM)  # the master stops its workers gracefully
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


# ---- CPU accounting (Linux /proc): what each request costs the server, whatever else runs ---

def _cpu(pid):
    """User + system CPU seconds of one process, or None when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def cpu_snapshot(server):
    """CPU seconds of the gunicorn workers and of the PostgreSQL backends serving this database
    (not this script's own connection)."""
    from django.db import connection

    workers = set()
    for children in Path(f"/proc/{server.pid}/task").glob("*/children"):
        workers.update(int(p) for p in children.read_text().split())
    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                       "AND pid <> pg_backend_pid()")
        backends = {pid for (pid,) in cursor.fetchall()}
    return {"app": {p: _cpu(p) for p in workers}, "db": {p: _cpu(p) for p in backends}}


def cpu_used(before, after):
    return {kind: sum(t - before[kind].get(p, 0) for p, t in after[kind].items() if t is not None)
            for kind in ("app", "db")}


# ---- the load generator --------------------------------------------------------------------

def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def drive(port, requests, *, concurrency, seconds, cap):
    """Run ``concurrency`` clients over ``requests`` (round robin, each client from another
    offset) for ``seconds`` or ``cap`` requests. Returns (elapsed, [(seconds, status)])."""
    lock = threading.Lock()
    issued = [0]
    results = []
    start = time.perf_counter()
    deadline = start + seconds

    def client(index):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine = []
        position = index * max(1, len(requests) // concurrency)
        idle = 0  # items in a row that had nothing to send (flows used up)
        while time.perf_counter() < deadline and idle <= len(requests):
            item = requests[position % len(requests)]
            position += 1
            # A flow (callable) is a generator of requests, each sent the previous response.
            flow = item() if callable(item) else iter([item])
            request = next(flow, None)
            idle = 0 if request is not None else idle + 1
            while request is not None and time.perf_counter() < deadline:
                with lock:
                    if issued[0] >= cap:
                        break
                    issued[0] += 1
                method, path, body, headers = request[:4]
                began = time.perf_counter()
                data = b""
                try:
                    conn.request(method, path, body=body, headers=headers)
                    response = conn.getresponse()
                    data = response.read()
                    status = response.status
                    if response.will_close:  # gunicorn's sync workers close after each response
                        conn.close()
                except Exception as e:  # noqa: BLE001 - every failure is counted as an error
                    status = type(e).__name__
                    conn.close()
                mine.append((time.perf_counter() - began, status, request[4:5] or ("",)))
                try:
                    request = flow.send((status, data)) if callable(item) else None
                except StopIteration:
                    request = None
            else:
                continue
            break  # the cap
        conn.close()
        with lock:
            results.extend(mine)

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - start, results


def summarise(name, elapsed, results, cpu):
    latencies = [s * 1000 for s, _, _ in results]
    errors = [status for _, status, _ in results
              if not (isinstance(status, int) and status < 400)]
    n = len(results) or 1
    parts = {}  # a flow's requests by their tag: (requests, p50, p95)
    for tag in sorted({t for _, _, (t,) in results if t}):
        mine = [s * 1000 for s, _, (t,) in results if t == tag]
        parts[tag] = (len(mine), percentile(mine, 50), percentile(mine, 95))
    return {"name": name, "requests": len(results), "errors": len(errors), "parts": parts,
            "app_cpu": cpu["app"] * 1000 / n, "db_cpu": cpu["db"] * 1000 / n,
            "error_codes": collections.Counter(errors).most_common(4),
            "rps": len(results) / elapsed if elapsed else 0.0,
            "p50": percentile(latencies, 50) if latencies else 0.0,
            "p95": percentile(latencies, 95) if latencies else 0.0,
            "p99": percentile(latencies, 99) if latencies else 0.0}


LABELS = {"floor": "GET /healthz（框架基线：中间件 + SELECT 1）",
          "file": "POST /api/v1/homework（教师布置作业）",
          "guardian": "GET /api/v1/pupils/{id}/homework（家长查看作业）",
          "public": "GET /api/v1/public/institutions?q=（公开查询机构）",
          "funds": "POST /api/v1/funds/contracts/{id}/lessons + /lessons/{id}/confirm（消课）"}


def report(rows):
    """One line per scenario: the median over the rounds; each ratio is taken against the floor
    of the same round, then the median of those ratios."""
    floors = {r["round"]: r for r in rows if r["name"] == "floor"}
    rounds = len(floors)
    print()
    print(f"median of {rounds} round(s)" if rounds > 1 else "one round")
    print(f"{'scenario':<9} {'requests':>8} {'errors':>6} {'req/s':>8} {'p50 ms':>8} "
          f"{'p95 ms':>8} {'p99 ms':>8} {'p50/floor':>9} {'req/s/floor':>11} "
          f"{'app CPU':>7} {'db CPU':>6} {'CPU/floor':>9} {'cores':>5} {'load':>5}")
    names = list(dict.fromkeys(r["name"] for r in rows))
    for name in names:
        mine = [r for r in rows if r["name"] == name]
        floor = [floors[r["round"]] for r in mine]
        p50_ratio = statistics.median(r["p50"] / f["p50"] for r, f in zip(mine, floor, strict=True))
        rps_ratio = statistics.median(r["rps"] / f["rps"] for r, f in zip(mine, floor, strict=True))
        cpu_ratio = statistics.median((r["app_cpu"] + r["db_cpu"]) / (f["app_cpu"] + f["db_cpu"])
                                      if f["app_cpu"] + f["db_cpu"] else 0
                                      for r, f in zip(mine, floor, strict=True))
        print(f"{name:<9} {sum(r['requests'] for r in mine):>8} "
              f"{sum(r['errors'] for r in mine):>6} "
              f"{statistics.median(r['rps'] for r in mine):>8.1f} "
              + " ".join(f"{statistics.median(r[k] for r in mine):>8.1f}"
                         for k in ("p50", "p95", "p99"))
              + f" {p50_ratio:>8.2f}× {rps_ratio:>10.2f}× "
              + " ".join(f"{statistics.median(r[k] for r in mine):>{w}.1f}"
                         for k, w in (("app_cpu", 7), ("db_cpu", 6)))
              + f" {cpu_ratio:>8.2f}× {statistics.median(r['busy'] for r in mine):>5.2f}"
              f" {statistics.median(r['load'] for r in mine):>5.2f}")
    for name in names:
        codes = collections.Counter()
        for r in rows:
            if r["name"] == name:
                codes.update(dict(r["error_codes"]))
        if codes:
            print(f"  {name}: errors " + ", ".join(f"{c}×{n}" for c, n in codes.most_common(4)))
        parts = {tag for r in rows if r["name"] == name for tag in r["parts"]}
        for tag in sorted(parts):
            mine = [r["parts"][tag] for r in rows if r["name"] == name and tag in r["parts"]]
            print(f"  {name} {tag}: {sum(n for n, _, _ in mine)} requests, p50 "
                  f"{statistics.median(p50 for _, p50, _ in mine):.1f} ms, p95 "
                  f"{statistics.median(p95 for _, _, p95 in mine):.1f} ms")
    print("requests and errors: totals over the rounds. app CPU / db CPU: CPU ms per request "
          "of the gunicorn workers / of the PostgreSQL backends; CPU/floor: their sum against the "
          "floor's; cores: CPU the server used (of "
          f"{os.cpu_count()}); load: 1-minute load average after the scenario, this test included")


def machine():
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        ram = int(Path("/proc/meminfo").read_text().split()[1]) / 1024 / 1024
    except OSError:
        ram = 0
    return (f"{os.cpu_count()} cores ({cpu}), {ram:.0f} GB RAM, Python {platform.python_version()}, "
            f"{platform.system()} {platform.release()}")


def interrupted(signum, frame):
    raise KeyboardInterrupt


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="\n".join(__doc__.splitlines()[2:]))
    parser.add_argument("--pupils", type=int, default=20_000,
                        help="pupils of the generated district (default 20000; full run 100000)")
    parser.add_argument("--days", type=int, default=15,
                        help="school days of generated homework before today (default 15)")
    parser.add_argument("--workers", type=int, default=5,
                        help="gunicorn workers (default 5 = 2 × cores + 1 on 2 cores)")
    parser.add_argument("--concurrency", type=int, default=8, help="concurrent clients (default 8)")
    parser.add_argument("--seconds", type=float, default=15, help="per scenario (default 15)")
    parser.add_argument("--warmup", type=float, default=2,
                        help="unmeasured seconds before each scenario (default 2)")
    parser.add_argument("--max-requests", type=int, default=50_000,
                        help="request cap per scenario (default 50000)")
    parser.add_argument("--sample", type=int, default=200,
                        help="teaching assignments and guardians given tokens (default 200)")
    parser.add_argument("--conn-max-age", type=int, default=60,
                        help="DB_CONN_MAX_AGE of the server (default 60, as in production)")
    parser.add_argument("--rounds", type=int, default=1,
                        help="repeat floor and scenarios on the same server; report medians "
                             "(default 1; 3 for recorded figures)")
    parser.add_argument("--only", nargs="+", choices=SCENARIOS,
                        help="measure only these scenarios (the floor is always measured)")
    parser.add_argument("--reuse", action="store_true",
                        help="use the newest district that has homework instead of generating")
    parser.add_argument("--bureau", help="use this existing district (its code, e.g. 980001) "
                                         "instead of generating one")
    parser.add_argument("--port", type=int, default=0, help="server port (default: a free one)")
    args = parser.parse_args()

    url = database_url_or_exit()
    # `kill` or `timeout` (SIGTERM) stops the run like Ctrl-C does: through the finally below.
    signal.signal(signal.SIGTERM, interrupted)
    if not GUNICORN.exists():
        sys.exit(f"{GUNICORN} is missing: .venv/bin/pip install -r requirements.txt")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shuangjian.settings")
    os.environ["AXES_ENABLED"] = "0"
    sys.path.insert(0, str(ROOT))
    print(f"机器：{machine()}；1 分钟平均负载 {os.getloadavg()[0]:.2f}（高于 0.5 说明有别的进程在争用 CPU）")
    print("命令：" + " ".join([".venv/bin/python", "bench/load.py", *sys.argv[1:]]))
    scenarios = prepare(args)
    names = ["floor"] + [n for n in SCENARIOS if not args.only or n in args.only]
    port = args.port or free_port()
    log_dir = Path(tempfile.mkdtemp(prefix="shuangjian-load-"))
    server = None
    rows = []
    try:
        with open(log_dir / "gunicorn.log", "w") as log:
            server = start_server(args, url, port, log)
            print(f"并发客户端 {args.concurrency}，每个场景预热 {args.warmup:g} s、测量 "
                  f"{args.seconds:g} s（最多 {args.max_requests} 个请求）；开始前 1 分钟平均负载 "
                  f"{os.getloadavg()[0]:.2f}")
            for round_ in range(1, args.rounds + 1):
                if args.rounds > 1:
                    print(f"— 第 {round_}/{args.rounds} 轮")
                for name in names:
                    if not scenarios[name]:
                        print(f"{name}: no requests prepared, skipped")
                        continue
                    if args.warmup:
                        drive(port, scenarios[name], concurrency=args.concurrency,
                              seconds=args.warmup, cap=args.max_requests)
                    before = cpu_snapshot(server)
                    elapsed, results = drive(port, scenarios[name],
                                             concurrency=args.concurrency,
                                             seconds=args.seconds, cap=args.max_requests)
                    cpu = cpu_used(before, cpu_snapshot(server))
                    row = summarise(name, elapsed, results, cpu)
                    row.update({"round": round_, "load": os.getloadavg()[0],
                                "busy": (cpu["app"] + cpu["db"]) / elapsed})
                    rows.append(row)
                    print(f"{LABELS[name]}: {row['requests']} 个请求，{row['errors']} 个错误，"
                          f"{row['rps']:.1f} req/s，p50 {row['p50']:.1f} ms，"
                          f"p95 {row['p95']:.1f} ms，p99 {row['p99']:.1f} ms；每个请求 CPU："
                          f"gunicorn {row['app_cpu']:.1f} ms + PostgreSQL {row['db_cpu']:.1f} ms"
                          f"（服务器共用 {row['busy']:.2f} 核，1 分钟平均负载 {row['load']:.2f}）"
                          + "".join(f"；{tag} {n} 个，p50 {p50:.1f} ms，p95 {p95:.1f} ms"
                                    for tag, (n, p50, p95) in row["parts"].items()))
    except KeyboardInterrupt:
        print("\ninterrupted; stopping the server")
    finally:
        stop_server(server)
        server_log = (log_dir / "gunicorn.log").read_text(errors="replace") \
            if (log_dir / "gunicorn.log").exists() else ""
        if any(r["errors"] for r in rows) and server_log.strip():
            print("gunicorn log (last lines):")
            print("\n".join(server_log.splitlines()[-20:]))
        shutil.rmtree(log_dir, ignore_errors=True)
    if rows:
        report(rows)
    if any(r["name"] == "funds" for r in rows):
        from funds import services

        broken = services.check_invariants()  # what the lessons and releases left behind
        print("funds.services.check_invariants(): " + ("holds" if not broken else
                                                       f"BROKEN ({len(broken)}): {broken[:5]}"))


if __name__ == "__main__":
    main()
