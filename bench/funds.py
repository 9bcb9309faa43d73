"""Sustained ledger operations per second on PostgreSQL (issue 6), through the funds services.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_funds .venv/bin/python bench/funds.py
        [--institutions 40] [--contracts 400] [--workers 4] [--seconds 20] [--warmup 2]
        [--hot] [--seed 6]

Set-up (not timed): a new district bureau (code 95NNNN) with one primary school of about 2,000
pupils and a guardian login each, ``--institutions`` approved and licensed institutions (a
quarter of them subject-type, priced under the district's guide price), each with a staff
login, a published course and a supervised account (``funds.services.open_account``), and
``--contracts`` contracts signed by guardians (``create_contract``) and paid by the custodian
bank (``record_deposit``), spread over the institutions, or all at one with ``--hot``.

Then ``--workers`` processes (each with its own database connection) run a realistic mix for
``--warmup`` + ``--seconds`` seconds, each op as a door would do it (load the row, then call the
service in its transaction):

  lesson    the institution's staff record a delivered lesson      record_lesson       46 %
  confirm   the guardian confirms a pending lesson (one release)   confirm_lesson      46 %
  sign      a guardian signs a new contract, and at once           create_contract      3 %
  deposit   the bank reports its payment                           record_deposit       3 %
  refund    a guardian withdraws (all lessons not yet delivered)   request_refund       1 %

Each worker owns its share of the contracts, so it never races itself, but two workers hit the
same institution's account row (the services' first lock) whenever they pick the same
institution; ``--hot`` sends every op to one institution, which serialises all of them on its
account row. Prints ops/s per kind and in total, p50/p95/p99 latency, Conflicts (409, counted
apart) and errors (should be 0), CPU per op of the workers and of the PostgreSQL backends, then
checks that the database holds exactly the rows the workers reported and that
``funds.services.check_invariants()`` is empty; exits non-zero otherwise.

Without DATABASE_URL a throwaway SQLite file is used (it serialises writers; only for trying
the script). With DATABASE_URL the rows stay in that database: use one made for the purpose.
"""

import argparse
import collections
import datetime as dt
import multiprocessing
import os
import platform
import random
import shutil
import sys
import tempfile
import time
from math import ceil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROTECTED_DATABASES = {"test", "test_test"}  # the test suite's databases: never touch them
KINDS = ("lesson", "confirm", "sign", "deposit", "refund")
# Per 100 ops: sign and deposit come as a pair (a new contract is paid at once).
MIX = {"lesson": 46, "confirm": 46, "new_contract": 3, "refund": 1}
LABELS = {"lesson": "record_lesson（机构登记课时）", "confirm": "confirm_lesson（家长确认，拨付一课时）",
          "sign": "create_contract（家长签合同）", "deposit": "record_deposit（银行报告缴费）",
          "refund": "request_refund（家长退费）"}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="\n".join(__doc__.splitlines()[2:]))
    parser.add_argument("--institutions", type=int, default=40,
                        help="institutions with an account and a course (default 40)")
    parser.add_argument("--contracts", type=int, default=400,
                        help="contracts signed and paid before the run (default 400)")
    parser.add_argument("--pupils", type=int, default=2000,
                        help="pupils (each with a guardian login) of the district (default 2000)")
    parser.add_argument("--workers", type=int, default=4,
                        help="worker processes, each with its own connection (default 4)")
    parser.add_argument("--seconds", type=float, default=20, help="measured (default 20)")
    parser.add_argument("--warmup", type=float, default=2,
                        help="unmeasured seconds first (default 2)")
    parser.add_argument("--hot", action="store_true",
                        help="every op on one institution: all serialise on its account row")
    parser.add_argument("--seed", type=int, default=6)
    args = parser.parse_args()
    if args.workers < 1 or args.institutions < 1 or args.contracts < args.workers:
        parser.error("need at least one worker, one institution and a contract per worker")

    data_dir = None
    url = os.environ.get("DATABASE_URL")
    if url:
        import dj_database_url

        name = dj_database_url.parse(url)["NAME"]
        if name in PROTECTED_DATABASES:
            sys.exit(f"refusing to use the database {name!r}: the test suite uses it. Create one "
                     "for the purpose (createdb -h 127.0.0.1 -U postgres bench_funds).")
    else:
        data_dir = tempfile.mkdtemp(prefix="shuangjian-bench-")
        os.environ["SHUANGJIAN_DATA_DIR"] = data_dir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shuangjian.settings")
    os.environ["AXES_ENABLED"] = "0"
    sys.path.insert(0, str(ROOT))
    try:
        ok = run(args)
    finally:
        if data_dir:
            shutil.rmtree(data_dir, ignore_errors=True)
    sys.exit(0 if ok else 1)


# ---- set-up ------------------------------------------------------------------------------------

def setup(args, rng):
    """The district, its institutions, accounts, courses, logins and paid contracts. Returns
    what the workers need, as plain ids (they run in other processes)."""
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from funds import services
    from institutions import services as inst_services
    from institutions.models import Institution
    from org.demo import DistrictWriter, People, free_region, write_calendar, write_institutions
    from org.models import Bureau, Guardian, RoleAssignment, User
    from org.roles import Role

    started = time.perf_counter()
    city, _ = Bureau.objects.get_or_create(
        code="950000", defaults={"name": "资金基准市教育局", "level": Bureau.Level.CITY})
    taken = Bureau.objects.filter(code__startswith="95").exclude(pk=city.pk) \
        .values_list("code", flat=True)
    seq = max((int(c[2:]) for c in taken if c.isdigit()), default=0) + 1
    code = f"95{seq:04d}"
    bureau = Bureau.objects.create(code=code, name=f"资金基准{seq}区教育局",
                                   level=Bureau.Level.DISTRICT, parent=city)
    write_calendar(bureau)
    region = free_region(code)
    writer = DistrictWriter(bureau, People(rng), region, region)
    per_grade = max(1, ceil(args.pupils / (6 * 40)))
    writer.school(name=f"资金基准{seq}区第一小学", code=f"{code}0001", stage="primary",
                  classes_per_grade=per_grade, class_size=lambda: 40)

    def login(suffix, role=None, **unit):
        user = User.objects.create_user(username=f"bench-funds-{code}-{suffix}", name=suffix)
        if role:
            RoleAssignment.objects.create(user=user, role=role, **unit)
        return user

    admin = login("admin", Role.BUREAU_ADMIN, bureau=bureau)
    supervisor = login("supervisor", Role.SUPERVISOR, bureau=bureau)
    bank = login("bank", Role.CUSTODIAN_BANK, bureau=bureau)
    inst_services.set_guide_price(actor=admin, bureau=bureau, mode="offline", band="medium",
                                  base_price_fen=6000)
    specs = [(f"资金基准{seq}区{i + 1}号{'文化' if i % 4 == 0 else '艺术'}培训学校", i % 4 == 0,
              "offline", "permit_and_licence") for i in range(args.institutions)]
    write_institutions(bureau, rng, region, specs)
    institutions = list(Institution.objects.filter(bureau=bureau).order_by("pk"))
    staff, courses = {}, {}
    for inst in institutions:
        user = login(f"staff-{inst.pk}", Role.INSTITUTION_STAFF, institution=inst)
        staff[inst.pk] = user.pk
        if inst.subject_type:  # at the guide price: 60 yuan for 45 minutes (TP-1)
            course = inst_services.add_course(
                actor=user, institution=inst, name="四年级数学", subject="maths", mode="offline",
                grades=[3, 4, 5, 6], class_size=20, lesson_minutes=45, lessons=60,
                price_per_lesson_fen=6000, content_summary="数学同步")
        else:  # 60 lessons at 80 yuan stay under TP-6's 5,000 yuan
            course = inst_services.add_course(
                actor=user, institution=inst, name="少儿美术", subject="art", mode="offline",
                grades=[1, 2, 3, 4, 5, 6], class_size=15, lesson_minutes=60, lessons=60,
                price_per_lesson_fen=8000, content_summary="素描与色彩")
        courses[inst.pk] = course.pk
        services.open_account(actor=supervisor, institution=inst, bank_name="基准银行托管部",
                              account_number=f"6222{inst.pk:012d}")

    # A guardian login for every guardian of the school (bulk: seed data, not a use case).
    guardians = list(Guardian.objects.filter(links__pupil__school__bureau=bureau)
                     .order_by("pk").values_list("pk", "links__pupil_id"))
    password = make_password(None)
    users = User.objects.bulk_create(
        [User(username=f"bench-funds-{code}-g{gid}", name="家长", password=password)
         for gid, _ in guardians], batch_size=2000)
    Guardian.objects.bulk_update([Guardian(pk=gid, user=u) for (gid, _), u
                                  in zip(guardians, users, strict=True)], ["user"], batch_size=2000)
    families = [(u.pk, pupil_id) for u, (_, pupil_id) in zip(users, guardians, strict=True)]

    targets = institutions[:1] if args.hot else institutions
    bank_user = User.objects.get(pk=bank.pk)
    guardian_users = User.objects.in_bulk([f[0] for f in families])
    today = timezone.localdate()
    contracts = []
    for i in range(args.contracts):
        inst = targets[i % len(targets)]
        user_id, pupil_id = families[i % len(families)]
        contract = sign(services, guardian_users[user_id], pupil_id, courses[inst.pk],
                        rng.randint(30, 60), today)
        pay(services, bank_user, contract.pk, f"setup-{code}-{i}")
        contracts.append((contract.pk, inst.pk, user_id, contract.lessons))
    print(f"准备：{bureau.name}（{code}），学生与家长账号 {len(families):,} 个，机构 "
          f"{len(institutions)} 家（监管账户、公示课程、机构账号各一），已签约并缴费的合同 "
          f"{len(contracts)} 份" + ("，全部在同一家机构（--hot）" if args.hot else "，分布在各机构")
          + f"；用时 {time.perf_counter() - started:.1f} s")
    return {"code": code, "bureau": bureau.pk, "bank": bank.pk, "staff": staff,
            "courses": courses, "families": families, "contracts": contracts,
            "targets": [i.pk for i in targets], "today": today}


def sign(services, guardian, pupil_id, course_id, lessons, today):
    """A door's work for a new contract: load the pupil and the course, then sign."""
    from institutions.models import TrainingCourse
    from org.models import Pupil

    course = TrainingCourse.objects.select_related("institution__bureau__parent").get(pk=course_id)
    return services.create_contract(
        actor=guardian, pupil=Pupil.objects.get(pk=pupil_id), course=course, lessons=lessons,
        price_per_lesson_fen=course.price_per_lesson_fen, start=today,
        end=today + dt.timedelta(days=60))


def pay(services, bank, contract_id, key):
    """The bank's deposit report: load the contract, then record the payment."""
    contract = load_contract(contract_id)
    services.record_deposit(actor=bank, contract=contract, amount_fen=contract.total_fen,
                            idempotency_key=key, bank_reference=key[-64:])
    return contract


def load_contract(pk):
    from funds.models import Contract

    return Contract.objects.select_related("institution__bureau").get(pk=pk)


# ---- the workers -------------------------------------------------------------------------------

def backend_cpu(pid):
    """CPU seconds of one PostgreSQL backend (Linux /proc), or None."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


class Worker:
    """One process: its share of the contracts, its guardians, and the op mix."""

    def __init__(self, index, world, args):
        from funds import services
        from org.models import User

        self.services = services
        self.index, self.world, self.args = index, world, args
        self.rng = random.Random(args.seed * 1000 + index)
        mine = world["contracts"][index::args.workers]
        self.active = [[cid, inst, guardian, left] for cid, inst, guardian, left in mine]
        self.pending = collections.deque()  # (lesson id, guardian user id)
        self.families = world["families"][index::args.workers] or world["families"]
        ids = {world["bank"], *world["staff"].values(), *(f[0] for f in self.families),
               *(c[2] for c in self.active)}
        self.users = User.objects.in_bulk(list(ids))
        # Each actor's scope is computed once, here, before the run: a request computes it once
        # too (five small queries, outside the services), and this measures the services.
        for user in self.users.values():
            user.scope  # noqa: B018
        self.bank = self.users[world["bank"]]
        self.made = 0
        self.name = f"w{index}"
        self.queries = None  # {kind: statements} when probing
        self.done = collections.Counter()  # successes, warm-up included, for the cross-check

    def step(self):
        """One op of the mix. Returns [(kind, seconds, outcome)]."""
        kind = self.rng.choices(list(MIX), weights=list(MIX.values()))[0]
        self.active = [c for c in self.active if c[3] > 0]
        if kind == "confirm" and not self.pending:
            kind = "lesson"
        if kind in ("lesson", "refund") and not self.active:
            kind = "new_contract"
        return getattr(self, kind)()

    def _run(self, kind, call):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from core.errors import Conflict

        started = time.perf_counter()
        try:
            if self.queries is None:
                call()
            else:  # the probe: count the statements too
                with CaptureQueriesContext(connection) as captured:
                    call()
                self.queries[kind] = len(captured)
            outcome = "ok"
            self.done[kind] += 1
        except Conflict:
            outcome = "conflict"
        except Exception as e:  # noqa: BLE001 - counted and shown, the run goes on
            outcome = f"{type(e).__name__}: {str(e)[:120]}"
        return kind, time.perf_counter() - started, outcome

    def lesson(self):
        from funds.models import Contract

        contract = self.rng.choice(self.active)
        staff = self.users[self.world["staff"][contract[1]]]

        def call():
            lesson = self.services.record_lesson(actor=staff, contract=load_contract(contract[0]))
            contract[3] -= 1
            self.pending.append((lesson.pk, contract[2]))

        result = self._run("lesson", call)
        if result[2] == "conflict":  # it ran out after all: read what is left
            contract[3] = Contract.objects.get(pk=contract[0]).lessons_left
        return [result]

    def confirm(self):
        from funds.models import Lesson

        lesson_id, guardian = self.pending.popleft()
        return [self._run("confirm", lambda: self.services.confirm_lesson(
            actor=self.users[guardian],
            lesson=Lesson.objects.select_related("contract").get(pk=lesson_id)))]

    def refund(self):
        contract = self.rng.choice(self.active)

        def call():
            self.services.request_refund(actor=self.users[contract[2]],
                                         contract=load_contract(contract[0]))
            contract[3] = 0

        return [self._run("refund", call)]

    def new_contract(self):
        user_id, pupil_id = self.rng.choice(self.families)
        inst = self.rng.choice(self.world["targets"])
        self.made += 1
        key = f"bench-{self.world['code']}-{self.name}-{self.made}"
        signed = []

        def call_sign():
            signed.append(sign(self.services, self.users[user_id], pupil_id,
                               self.world["courses"][inst], self.rng.randint(20, 60),
                               self.world["today"]))

        results = [self._run("sign", call_sign)]
        if signed:
            contract = signed[0]
            results.append(self._run("deposit", lambda: pay(self.services, self.bank,
                                                            contract.pk, key)))
            if results[-1][2] == "ok":
                self.active.append([contract.pk, inst, user_id, contract.lessons])
        return results


def work(index, world, args, ready, queue):
    """A worker process: load its actors, wait for the others (``ready``, a barrier), run the
    mix for warm-up + measured seconds; send back the measured ops and the CPU used."""
    from django.db import connection

    try:
        worker = Worker(index, world, args)
        pid = None
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                pid = cursor.fetchone()[0]
        ready.wait(timeout=600)
        measure_from = time.monotonic() + args.warmup
        end = measure_from + args.seconds
        ops, cpu = [], None
        while (now := time.monotonic()) < end:
            if cpu is None and now >= measure_from:
                cpu = (time.process_time(), backend_cpu(pid) if pid else None)
            results = worker.step()
            if now >= measure_from:
                ops.extend(results)
        used = (time.process_time() - cpu[0],
                (backend_cpu(pid) - cpu[1]) if pid and cpu[1] is not None else 0.0) \
            if cpu else (0.0, 0.0)
        queue.put({"ops": ops, "cpu": used, "done": dict(worker.done)})
    except BaseException as e:  # the parent must hear of a crashed worker
        queue.put({"crash": f"{type(e).__name__}: {e}"})
        raise
    finally:
        connection.close()


# ---- measuring and reporting -------------------------------------------------------------------

def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))] if values else 0.0


def queries_per_op(world, args):
    """Statements each kind sends, counted on one op of each, in this process."""
    probe = Worker(0, world, args)
    probe.name, probe.active = "probe", []  # its own new contract: the workers' stay untouched
    probe.queries = {}
    for kind in ("new_contract", "lesson", "confirm", "refund"):
        results = getattr(probe, kind)()
        if any(outcome != "ok" for _, _, outcome in results):
            raise RuntimeError(f"probe {kind} failed: {results}")
    return {kind: probe.queries[kind] for kind in KINDS}


def ledger_counts(bureau_id):
    from django.db.models import Count

    from funds.models import Contract, Lesson, Posting

    by_kind = dict(Posting.objects.filter(institution__bureau_id=bureau_id)
                   .values_list("kind").annotate(n=Count("pk")))
    return {"lesson": Lesson.objects.filter(contract__institution__bureau_id=bureau_id).count(),
            "confirm": by_kind.get("release", 0), "deposit": by_kind.get("deposit", 0),
            "refund": by_kind.get("refund", 0),
            "sign": Contract.objects.filter(institution__bureau_id=bureau_id).count()}


def machine(connection):
    cpu, ram = "unknown CPU", 0.0
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        ram = int(Path("/proc/meminfo").read_text().split()[1]) / 1024 / 1024
    except OSError:
        pass
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
        else:
            cursor.execute("SELECT 'SQLite ' || sqlite_version()")
        db = cursor.fetchone()[0]
    db = db if connection.vendor != "postgresql" else f"PostgreSQL {db.split()[0]}"
    return (f"{os.cpu_count()} cores ({cpu}), {ram:.0f} GB RAM, Python "
            f"{platform.python_version()}, {db} ({connection.settings_dict['NAME']})")


def report(rows, seconds, cpu):
    print()
    print(f"{'kind':<8} {'ops':>7} {'ops/s':>8} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} "
          f"{'max ms':>7} {'409':>5} {'errors':>6}")
    by_kind = collections.defaultdict(list)
    for kind, secs, outcome in rows:
        by_kind[kind].append((secs * 1000, outcome))
    total_ok = 0
    for kind in (*KINDS, "total"):
        mine = [r for k in KINDS for r in by_kind[k]] if kind == "total" else by_kind[kind]
        ok = [ms for ms, outcome in mine if outcome == "ok"]
        conflicts = sum(outcome == "conflict" for _, outcome in mine)
        errors = len(mine) - len(ok) - conflicts
        if kind == "total":
            total_ok = len(ok)
        print(f"{kind:<8} {len(ok):>7} {len(ok) / seconds:>8.1f} {percentile(ok, 50):>7.1f} "
              f"{percentile(ok, 95):>7.1f} {percentile(ok, 99):>7.1f} "
              f"{max(ok, default=0):>7.1f} {conflicts:>5} {errors:>6}")
    failures = collections.Counter(outcome for _, _, outcome in rows
                                   if outcome not in ("ok", "conflict"))
    for message, n in failures.most_common(5):
        print(f"  error ×{n}: {message}")
    if total_ok and cpu[1]:
        print(f"CPU per op: workers {cpu[0] * 1000 / total_ok:.1f} ms + PostgreSQL backends "
              f"{cpu[1] * 1000 / total_ok:.1f} ms (of {os.cpu_count()} cores: "
              f"{(cpu[0] + cpu[1]) / seconds:.2f} busy)")
    elif total_ok:
        print(f"CPU per op: workers {cpu[0] * 1000 / total_ok:.1f} ms")
    return total_ok, sum(failures.values())


def run(args):
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, connections

    from funds import services

    call_command("migrate", verbosity=0)
    print(f"机器：{machine(connection)}；1 分钟平均负载 {os.getloadavg()[0]:.2f}")
    print("命令：" + " ".join([".venv/bin/python", "bench/funds.py", *sys.argv[1:]]))
    if connection.vendor != "postgresql":
        print("SQLite: every write transaction takes the file lock (BEGIN IMMEDIATE), so the "
              "workers run one at a time; the figure to record is PostgreSQL's.")
    rng = random.Random(args.seed)
    world = setup(args, rng)
    queries = queries_per_op(world, args)
    print("每种操作的 SQL 语句数（含读取该行）：" + "，".join(
        f"{k} {n}" for k, n in queries.items()))
    before = ledger_counts(world["bureau"])

    connections.close_all()  # each worker process opens its own connection
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    ready = context.Barrier(args.workers)
    processes = [context.Process(target=work, args=(i, world, args, ready, queue), daemon=True)
                 for i in range(args.workers)]
    print(f"{args.workers} 个工作进程，预热 {args.warmup:g} s，测量 {args.seconds:g} s"
          + ("，全部操作集中在一家机构（--hot）" if args.hot else "，分散在各机构"))
    for p in processes:
        p.start()
    results = []
    try:
        deadline = time.monotonic() + args.warmup + args.seconds + 600
        while len(results) < len(processes):
            results.append(queue.get(timeout=max(1.0, deadline - time.monotonic())))
    finally:
        for p in processes:
            p.join(timeout=10)
            if p.is_alive():
                p.terminate()
    crashed = [r["crash"] for r in results if "crash" in r]
    if crashed:
        print("worker crashed: " + "; ".join(crashed))
        return False
    rows = [op for r in results for op in r["ops"]]
    cpu = (sum(r["cpu"][0] for r in results), sum(r["cpu"][1] for r in results))
    total_ok, errors = report(rows, args.seconds, cpu)

    # The database holds exactly what the workers say they did, and the ledger is consistent.
    done = collections.Counter()
    for r in results:
        done.update(r["done"])
    after = ledger_counts(world["bureau"])
    mismatched = {k: (after[k] - before[k], done[k]) for k in KINDS
                  if after[k] - before[k] != done[k]}
    if mismatched:
        print(f"MISMATCH between the workers' successes and the rows written: {mismatched}")
    started = time.perf_counter()
    broken = services.check_invariants()
    seconds = time.perf_counter() - started
    from funds.models import Contract, Posting

    if broken:
        print(f"INVARIANTS BROKEN ({len(broken)}):")
        for line in broken[:20]:
            print("  " + line)
    else:
        print(f"check_invariants(): holds — {Contract.objects.count():,} contracts, "
              f"{Posting.objects.count():,} postings in the database ({seconds:.1f} s)")
    return not broken and not mismatched and not errors and total_ok > 0


if __name__ == "__main__":
    main()
