"""``manage.py generate_district --pupils N``: a large generated district for load tests.

Besides the organisation tree of ``org.demo.generate_district`` (schools, staff, pupils,
guardians, institutions, calendar), the district gets its training-fee data (issue 9, RULES §6):
the district's guide prices, published courses for its approved institutions, a supervised
account for each licensed one (a few with a risk reserve), logins for the custodian bank and one
staff member per institution, and contracts of about one pupil in 25 (``FUND_SHARE``) with their
deposits, confirmed lessons and releases, pending lessons, completed and refunded contracts.

Like the rest of the generated district this is seed data, written in bulk without audit
entries because nobody acted. The postings are written so that the ledger agrees with the
contracts exactly as the services would have left it: ``funds.services.check_invariants()``
holds for the district (the command's test checks it).
"""

import datetime as dt
import random
import time
from contextlib import contextmanager
from math import ceil

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, models, transaction
from django.db.models import OuterRef, Subquery, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from funds.models import Contract, Lesson, Posting, SupervisedAccount
from funds.services import MAX_LESSONS, add_months
from institutions.models import GuidePrice, Institution, TrainingCourse
from org.demo import BATCH, generate_district
from org.models import Guardian, Guardianship, RoleAssignment, User
from org.roles import Role

FUND_SHARE = 25  # one pupil in 25 has a training contract
AS_OF = dt.date(2026, 11, 20)  # lessons delivered up to this day of the autumn term
TERM_START = dt.date(2026, 9, 1)

# The district's guide prices per standard lesson (TP-1..TP-3): offline 45 min, online 30 min.
GUIDE_PRICES = {("offline", "small"): 12_000, ("offline", "medium"): 6_000,
                ("offline", "large"): 4_000, ("online", "small"): 8_000,
                ("online", "medium"): 3_000, ("online", "large"): 2_000}
# Courses: (name, subject, grades); subject-type at the medium band's guide price or below.
SUBJECT_COURSES = [("数学同步提高", "maths", [3, 4, 5, 6]), ("英语阅读", "english", [3, 4, 5, 6]),
                   ("初中数学", "maths", [7, 8, 9]), ("语文阅读写作", "chinese", [1, 2, 3, 4, 5, 6]),
                   ("初中物理", "physics", [8, 9])]
OTHER_COURSES = {"艺术": [("少儿美术", "art"), ("钢琴", "art"), ("舞蹈", "art")],
                 "体育": [("篮球", "sport"), ("游泳", "sport"), ("跆拳道", "sport")],
                 "科技": [("机器人编程", "science"), ("少儿编程", "science")],
                 "书法": [("软笔书法", "art"), ("硬笔书法", "art")]}


class Command(BaseCommand):
    help = ("生成一个新的样例区县（学校、班级、教职工、学生及家长、校外培训机构及其预收费资金数据），"
            "用于性能测试。")

    def add_arguments(self, parser):
        parser.add_argument("--pupils", type=int, default=100_000, help="学生人数（默认 100000）")
        parser.add_argument("--seed", type=int, default=1, help="随机数种子（默认 1）")
        parser.add_argument("--name", default=None, help="教育局名称，如 样例市东湖区教育局")

    def handle(self, *args, pupils, seed, name, **options):
        if pupils < 1:
            raise CommandError("--pupils 至少为 1。")
        started = time.perf_counter()
        try:
            with transaction.atomic():  # the whole district or nothing
                result = generate_district(pupils=pupils, seed=seed, name=name)
                funds_started = time.perf_counter()
                f = write_fund_data(result["bureau"], random.Random(seed))
                fund_seconds = time.perf_counter() - funds_started
        except RuntimeError as e:
            raise CommandError(str(e)) from None
        seconds = time.perf_counter() - started  # the commit included
        c, bureau = result["counts"], result["bureau"]
        self.stdout.write(
            f"已生成{bureau.name}（代码 {bureau.code}，身份证地区码 {result['region']}）："
            f"学校 {c['schools']} 所，班级 {c['classes']} 个，教职工 {c['teachers']} 人，"
            f"任课安排 {c['assignments']} 条，学生 {c['pupils']} 人，家长 {c['guardians']} 人，"
            f"校外培训机构 {c['institutions']} 家。")
        self.stdout.write(
            f"预收费资金：公示课程 {f['courses']} 门，监管账户 {f['accounts']} 个，"
            f"合同 {f['contracts']} 份（履行中 {f['active']}、已完成 {f['completed']}、"
            f"已退费 {f['refunded']}、待付款 {f['awaiting_payment']}），课消记录 {f['lessons']} 条，"
            f"资金分录 {f['postings']} 笔。")
        self.stdout.write(f"用时 {seconds:.1f} 秒"
                          f"（其中预收费资金 {fund_seconds:.1f} 秒）。")


# ---- training-fee data ---------------------------------------------------------------------------

@contextmanager
def _dated(*model_classes):
    """Let bulk_create keep the ``created_at``/``opened_at`` values given: seed data happened in
    the past, and the warnings (PF-14) read recent outflows, refunds and sales by those dates."""
    fields = [f for m in model_classes for f in m._meta.concrete_fields
              if getattr(f, "auto_now_add", False)]
    for field in fields:
        field.auto_now_add = False
    try:
        yield
    finally:
        for field in fields:
            field.auto_now_add = True


POSTING = ("kind", "debit", "credit", "amount_fen", "institution", "contract", "idempotency_key",
           "reference", "created_by", "created_at")
LESSON = ("contract", "number", "status", "delivered_at", "recorded_by", "confirmed_at",
          "confirmed_by", "release")


def _insert(model, fields, rows, returning=False):
    """Insert rows (tuples in the order of ``fields``) and return their primary keys, in order,
    when ``returning``. For bulk seed data only: no model instances, no ``save()``, no signals.
    bulk_create spends most of its time preparing each value (and, on PostgreSQL, psycopg
    quoting it into the statement); this writes the same rows in a fraction of the time:
    PostgreSQL through COPY (primary keys drawn from the table's sequence first), SQLite
    through multi-row INSERT … RETURNING, datetimes adapted as its bulk_create would."""
    opts = model._meta
    columns = [opts.get_field(name) for name in fields]
    qn = connection.ops.quote_name
    names = ", ".join(qn(f.column) for f in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and hasattr(cursor.cursor, "copy"):
            ids = []
            if returning:
                cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) "
                               "FROM generate_series(1, %s)", [opts.db_table, opts.pk.column,
                                                              len(rows)])
                ids = [pk for (pk,) in cursor.fetchall()]
                rows = [(pk, *row) for pk, row in zip(ids, rows, strict=True)]
                names = f"{qn(opts.pk.column)}, {names}"
            with cursor.cursor.copy(f"COPY {qn(opts.db_table)} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return ids
        adapt = [connection.ops.adapt_datetimefield_value
                 if isinstance(f, models.DateTimeField) else None for f in columns]
        size = max(1, min(BATCH, (connection.features.max_query_params or 65535) // len(fields)))
        head = f"INSERT INTO {qn(opts.db_table)} ({names}) VALUES "
        tail = f" RETURNING {qn(opts.pk.column)}" if returning else ""
        one = "(" + ", ".join(["%s"] * len(fields)) + ")"
        ids = []
        for i in range(0, len(rows), size):
            chunk = rows[i:i + size]
            params = [a(v) if a and v is not None else v
                      for row in chunk for a, v in zip(adapt, row, strict=True)]
            cursor.execute(head + ", ".join([one] * len(chunk)) + tail, params)
            if returning:
                ids += [pk for (pk,) in cursor.fetchall()]
        return ids


def _users(rows):
    """Logins written in bulk, with an unusable password (seed accounts nobody signs in to)."""
    password = make_password(None)
    users = [User(username=username, name=name, password=password) for username, name in rows]
    return User.objects.bulk_create(users, batch_size=BATCH)


def _courses(institutions, rng):
    """Two or three published courses for each approved institution, priced by TP-1/TP-6."""
    courses = []
    for inst in institutions:
        online = inst.mode == Institution.Mode.ONLINE
        minutes = 30 if online else 45
        if inst.subject_type:
            guide = GUIDE_PRICES[(inst.mode, "medium")]
            picks = rng.sample(SUBJECT_COURSES, 3)
            specs = [(name, subject, grades, guide - 500 * rng.randrange(3))
                     for name, subject, grades in picks]
        else:
            kind = next((k for k in OTHER_COURSES if k in inst.name), "艺术")
            picks = rng.sample(OTHER_COURSES[kind], 2)
            # 60 lessons at most 80 yuan each stay under TP-6's 5,000 yuan
            specs = [(name, subject, [1, 2, 3, 4, 5, 6, 7, 8, 9], 1000 * rng.randint(5, 8))
                     for name, subject in picks]
        for name, subject, grades, price in specs:
            courses.append(TrainingCourse(
                institution=inst, name=name, subject=subject, subject_type=inst.subject_type,
                mode=inst.mode, grades=grades, class_size=20, lesson_minutes=minutes,
                lessons=MAX_LESSONS, price_per_lesson_fen=price,
                content_summary=f"{name}（{'线上' if online else '线下'}，每课时 {minutes} 分钟）"))
    return TrainingCourse.objects.bulk_create(courses, batch_size=BATCH)


def _plan(rng, lessons):
    """(status, consumed, pending, refunded, start, days between lessons) of one contract signed
    in the autumn term: lessons every two to five days from its start up to ``AS_OF``."""
    roll = rng.random()
    if roll < 0.03:
        return Contract.Status.AWAITING_PAYMENT, 0, 0, 0, AS_OF - dt.timedelta(rng.randrange(7)), 1
    start = TERM_START + dt.timedelta(days=rng.randrange((AS_OF - TERM_START).days - 6))
    gap = rng.uniform(2.0, 5.0)
    delivered = min(lessons, int((AS_OF - start).days / gap) + 1)
    if delivered == lessons:
        return Contract.Status.COMPLETED, lessons, 0, 0, start, gap
    if roll < 0.08:  # withdrawn: every lesson not yet delivered went back (PF-13)
        return Contract.Status.REFUNDED, delivered, 0, lessons - delivered, start, gap
    pending = min(delivered, rng.choice((0, 0, 1, 2)))
    return Contract.Status.ACTIVE, delivered - pending, pending, 0, start, gap


@transaction.atomic
def write_fund_data(bureau, rng):
    """Guide prices, courses, accounts, logins, contracts, lessons and postings of a generated
    district (see the module docstring). Returns counts."""
    tz = timezone.get_current_timezone()
    code = bureau.code
    GuidePrice.objects.bulk_create([
        GuidePrice(bureau=bureau, mode=mode, band=band, base_price_fen=fen,
                   document="样例市发展改革委 样例市教育局 校外培训收费指导价（生成数据）")
        for (mode, band), fen in GUIDE_PRICES.items()])
    approved = list(Institution.objects.filter(bureau=bureau, status=Institution.Status.APPROVED)
                    .order_by("pk"))
    courses = _courses(approved, rng)
    # Only licensed institutions may collect fees (TI-13) and they must have an account (PF-1).
    licensed = [i for i in approved
                if i.licence_status == Institution.LicenceStatus.PERMIT_AND_LICENCE]
    accounts, reserves = [], []
    opened = dt.datetime.combine(TERM_START - dt.timedelta(days=20), dt.time(10), tzinfo=tz)
    for inst in licensed:
        reserve = rng.random() < 0.25
        account = SupervisedAccount(
            institution=inst, bank_name="样例银行托管部", account_number=f"6222{inst.pk:012d}",
            mode=SupervisedAccount.Mode.BOTH if reserve else SupervisedAccount.Mode.CUSTODY,
            reserve_fixed_fen=1_000_000 if reserve else 0, reserve_percent=10 if reserve else 0,
            last_year_fees_fen=rng.randrange(50, 500) * 100_000 if reserve else 0,
            opened_at=opened)
        accounts.append(account)
        if reserve:
            reserves.append(account)
    with _dated(SupervisedAccount):
        SupervisedAccount.objects.bulk_create(accounts, batch_size=BATCH)
    bank, *staff = _users([(f"bank-{code}", "样例银行托管部")] +
                          [(f"staff-{code}-{i.pk}", f"{i.name}工作人员") for i in licensed])
    RoleAssignment.objects.bulk_create(
        [RoleAssignment(user=bank, role=Role.CUSTODIAN_BANK, bureau=bureau)] +
        [RoleAssignment(user=u, role=Role.INSTITUTION_STAFF, institution=i)
         for u, i in zip(staff, licensed, strict=True)], batch_size=BATCH)
    staff_of = {i.pk: u for u, i in zip(staff, licensed, strict=True)}

    # Families: one pupil in FUND_SHARE, each through their first guardian, who gets a login.
    offered = {}
    for course in courses:
        if course.institution_id in staff_of:
            for grade in course.grades:
                offered.setdefault(grade, []).append(course)
    links = list(Guardianship.objects.filter(pupil__school__bureau=bureau)
                 .order_by("pupil_id", "pk").values_list("pupil_id", "guardian_id",
                                                         "pupil__school_class__grade"))
    first = {}
    for pupil_id, guardian_id, grade in links:
        first.setdefault(pupil_id, (guardian_id, grade))
    eligible = [p for p in sorted(first) if first[p][1] in offered]  # a course for their grade
    chosen = sorted(rng.sample(eligible, min(len(eligible), ceil(len(first) / FUND_SHARE))))
    guardian_ids = sorted({first[p][0] for p in chosen})
    logins = dict(zip(guardian_ids, _users([(f"g-{code}-{g}", "家长") for g in guardian_ids]),
                      strict=True))
    # One UPDATE joining each guardian to its login by username (bulk_update's CASE per row is
    # slower by far).
    Guardian.objects.filter(pk__in=guardian_ids).update(user=Subquery(User.objects.filter(
        username=Concat(Value(f"g-{code}-"), Cast(OuterRef("pk"), models.CharField())))
        .values("pk")[:1]))

    contracts, plans = [], []
    for pupil_id in chosen:
        guardian_id, grade = first[pupil_id]
        course = rng.choice(offered[grade])
        lessons = rng.choice((20, 24, 30, 36, 40, 48, 60))
        status, consumed, pending, refunded, start, gap = _plan(rng, lessons)
        paid = status != Contract.Status.AWAITING_PAYMENT
        signed = dt.datetime.combine(start, dt.time(9, rng.randrange(60)), tzinfo=tz)
        contracts.append(Contract(
            guardian=logins[guardian_id], pupil_id=pupil_id, institution_id=course.institution_id,
            course=course, lessons=lessons, price_per_lesson_fen=course.price_per_lesson_fen,
            total_fen=lessons * course.price_per_lesson_fen, start=start,
            end=add_months(start, 3), status=status,
            lessons_pending=pending, lessons_consumed=consumed, lessons_refunded=refunded,
            bank_reference=f"YL{start:%Y%m%d}{pupil_id:010d}" if paid else "",
            created_at=signed, paid_at=signed + dt.timedelta(hours=1) if paid else None))
        plans.append(gap)
    with _dated(Contract):
        Contract.objects.bulk_create(contracts, batch_size=BATCH)

    # The ledger: deposit, one release per confirmed lesson, the refund; then the lessons.
    # Rows as tuples in POSTING/LESSON column order (about 100,000 of them for 100,000 pupils:
    # model instances would double the time of the whole command).
    postings = [(Posting.Kind.RESERVE_IN, f"institution:{a.institution_id}:reserve",
                 "external:institution", a.required_reserve_fen, a.institution_id, None,
                 f"{bank.pk}:reserve-{a.institution_id}", f"BJ{a.institution_id:010d}", bank.pk,
                 opened) for a in reserves]
    lessons, releases = [], []  # releases: (index in lessons, index in postings)
    for contract, gap in zip(contracts, plans, strict=True):
        if contract.paid_at is None:
            continue
        held, iid, cid = contract.held_code, contract.institution_id, contract.pk
        guardian, price = contract.guardian_id, contract.price_per_lesson_fen
        postings.append((Posting.Kind.DEPOSIT, held, "external:guardian", contract.total_fen, iid,
                         cid, f"{bank.pk}:deposit-{cid}", contract.bank_reference, bank.pk,
                         contract.paid_at))
        last = contract.paid_at
        for number in range(1, contract.lessons_consumed + contract.lessons_pending + 1):
            last = dt.datetime.combine(contract.start + dt.timedelta(days=int((number - 1) * gap)),
                                       dt.time(17, 0), tzinfo=tz)
            if number <= contract.lessons_consumed:
                confirmed = last + dt.timedelta(hours=3)
                releases.append((len(lessons), len(postings)))
                postings.append((Posting.Kind.RELEASE, f"institution:{iid}:released", held, price,
                                 iid, cid, None, "", guardian, confirmed))
                lessons.append([cid, number, Lesson.Status.CONFIRMED, last, staff_of[iid].pk,
                                confirmed, guardian, None])
            else:
                lessons.append([cid, number, Lesson.Status.PENDING, last, staff_of[iid].pk, None,
                                None, None])
        if contract.lessons_refunded:
            postings.append((Posting.Kind.REFUND, contract.refunded_code, held,
                             contract.lessons_refunded * price, iid, cid, None, "", guardian,
                             last + dt.timedelta(hours=rng.randrange(12, 120))))
    ids = _insert(Posting, POSTING, postings, returning=True)
    for lesson, posting in releases:
        lessons[lesson][-1] = ids[posting]
    _insert(Lesson, LESSON, lessons)
    statuses = [c.status for c in contracts]
    return {"courses": len(courses), "accounts": len(accounts), "contracts": len(contracts),
            "lessons": len(lessons), "postings": len(postings),
            **{s: statuses.count(s) for s in Contract.Status.values}}
