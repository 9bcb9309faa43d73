"""Seed data: the demo district (``manage.py load_demo``) and large generated districts
(``manage.py generate_district``), both reusable from tests.

This is the one place that writes the organisation tree without going through ``org.services``:
it is seed data, written in bulk (tens of thousands of rows a second) and without audit entries,
because nobody acted. Nothing that serves a user may copy this shortcut.

Everything is drawn from a seeded ``random.Random``, so a seed always gives the same district.
ID numbers are valid GB 11643 numbers (region code, birth date, order code whose last digit is odd
for boys, check digit); the birth dates fit the grade in the 2026–2027 school year.
"""

import datetime as dt
import os
import random
import time
import unicodedata
from itertools import accumulate
from math import ceil

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models.functions import Substr
from stdnum import numdb
from stdnum.cn import ric, uscc

from institutions.models import Institution
from org.models import (
    Bureau,
    Guardian,
    Guardianship,
    Pupil,
    RoleAssignment,
    School,
    SchoolClass,
    SchoolSystem,
    Stage,
    Teacher,
    TeachingAssignment,
    User,
)
from org.roles import Role
from schoolcal.models import Term, Vacation

DEMO_PASSWORD = "shuangjian"
DEMO_SEED = 2021
DEMO_CITY_CODE = "990100"
DEMO_DISTRICT_CODE = "990101"
DEMO_PUPIL_REGION = "500106"  # region code in the demo pupils' ID numbers
DEMO_STAFF_REGION = "110108"  # and in the demo teachers' (valid for every birth year)
DEMO_PARENT_PHONE = "13912340404"  # the guardian behind the `parent` account

GENERATED_CITY_CODE = "980000"  # generated districts are 98NNNN under this city bureau

SCHOOL_YEAR = 2026  # birth dates fit the grades of the 2026–2027 school year
BATCH = 2000

# ---- names, ID numbers, phones ---------------------------------------------------------------

SURNAMES = ("王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋"
            "蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万"
            "段雷钱汤尹黎易常武乔贺赖龚文")
# Roughly how common each surname is: 王 and 李 about ten times 文.
SURNAME_WEIGHTS = list(accumulate(1 / (rank + 8) for rank in range(len(SURNAMES))))


def _names(*lines):
    """Given names, written as space-separated lines."""
    return " ".join(lines).split()


# Given names of children born in the 2010s, and of their parents and teachers.
BOY_NAMES = _names(
    "子轩 浩然 宇航 梓豪 俊杰 博文 一鸣 天佑 梓睿 皓轩 宇辰 昊然 逸飞 嘉诚",
    "铭哲 奕辰 思源 明轩 瑞霖 家乐 晟睿 鹏飞 翔宇 锦程 雨泽 亦凡 子墨 浩宇",
    "宸宇 俊熙 子豪 文博 泽宇 睿哲 煜祺 景行 彦博 晨阳 志远 宇轩 明哲 天宇",
    "思远 一帆 承泽 书豪 沐阳 梓航 博宇 俊宇 嘉豪 致远 浩 宇 轩 杰",
    "磊 晨 阳 博 睿 航 鑫 涛",
)
GIRL_NAMES = _names(
    "欣怡 梓涵 雨桐 诗琪 语嫣 可馨 思彤 佳怡 悦然 一诺 紫萱 若汐 梦瑶 雅婷",
    "舒涵 晴雯 芷若 安琪 钰涵 婉清 沐晴 依诺 心怡 雨萱 诗涵 欣妍 梓萱 子涵",
    "佳琪 思雨 语桐 可欣 雅琪 梦琪 晓彤 诗雨 欣然 若曦 雨欣 嘉怡 静怡 佳悦",
    "思琪 一涵 子怡 书瑶 婷 琪 萱 悦 妍 瑶 欣 彤 涵 怡",
    "雪 璐",
)
MAN_NAMES = _names(
    "伟 强 磊 军 勇 杰 涛 斌 超 明 刚 平 辉 鹏",
    "华 飞 建国 建华 志强 志刚 海涛 晓东 国强 文斌 俊峰 永刚 立新 建军",
    "宏伟 卫东 小龙 振华 春雷 德明 国栋 海波 建平 晓峰 少华 家伟",
)
WOMAN_NAMES = _names(
    "芳 娜 敏 静 丽 艳 娟 霞 燕 玲 秀英 桂英 丽华 晓燕",
    "海燕 春梅 淑珍 红梅 丽娟 玉兰 晓红 雪梅 美玲 慧敏 小红 丽萍 婷婷 晓丽",
    "玉梅 文静 丽君 秀兰 晓琳 春燕 思敏 雅琴",
)

PHONE_PREFIXES = ["130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151",
                  "152", "155", "156", "157", "158", "159", "180", "181", "182", "185", "186",
                  "187", "188", "189"]


def id_number(region, birth, order):
    """A valid 18-character resident ID number (GB 11643)."""
    body = f"{region}{birth:%Y%m%d}{order:03d}"
    return body + ric.calc_check_digit(body + "0")  # it ignores the last character


def org_code(digits):
    """A 9-character organisation code (GB 11714): 8 digits and their check character."""
    total = sum(int(d) * w for d, w in zip(digits, (3, 7, 9, 10, 5, 8, 4, 2), strict=True))
    check = 11 - total % 11
    return digits + {10: "X", 11: "0"}.get(check, str(check))


def credit_code(kind, region, digits):
    """A unified social credit code (GB 32100): kind ("52" 民办非企业单位, "91" 企业), region,
    organisation code and check character."""
    body = f"{kind}{region}{org_code(digits)}"
    return body + uscc.calc_check_digit(body)


def region_codes(first_year=1960, last_year=SCHOOL_YEAR):
    """County codes that ``stdnum.cn.ric`` accepts for every birth year in the range."""

    def valid(county):
        for part in county.split(","):
            if not part.startswith("["):
                return True
            years, _ = part[1:].split("]")
            start, end = years.split("-")
            if (not start or int(start) <= first_year) and (not end or int(end) >= last_year):
                return True
        return False

    return [province + county
            for _, province, _, _, counties in numdb.get("cn/loc").prefixes
            for _, county, _, props, _ in counties
            if not county.endswith("00") and valid(props.get("county", "[0-0]"))]


def birth_range(grade):
    """Pupils of a grade in the 2026–2027 school year were six by 31 August of their first year."""
    return dt.date(SCHOOL_YEAR - 6 - grade, 9, 1), dt.date(SCHOOL_YEAR - 5 - grade, 8, 31)


class People:
    """Draws names, ID numbers and phone numbers from one seeded generator, never twice the same
    ID number or phone number."""

    def __init__(self, rng):
        self.rng = rng
        self.ids = set()
        self.phones = set()

    def surname(self):
        return self.rng.choices(SURNAMES, cum_weights=SURNAME_WEIGHTS)[0]

    def child(self, gender, surname=None):
        return (surname or self.surname()) + self.rng.choice(
            BOY_NAMES if gender == "M" else GIRL_NAMES)

    def adult(self, gender, surname=None):
        return (surname or self.surname()) + self.rng.choice(
            MAN_NAMES if gender == "M" else WOMAN_NAMES)

    def gender(self, share_female=0.5):
        return "F" if self.rng.random() < share_female else "M"

    def id_number(self, region, first, last, gender):
        span = (last - first).days + 1
        while True:
            order = self.rng.randrange(1000)
            if (order % 2 == 1) != (gender == "M"):  # the order code is odd for men
                order ^= 1
            number = id_number(region, first + dt.timedelta(days=self.rng.randrange(span)), order)
            if number not in self.ids:
                self.ids.add(number)
                return number

    def phone(self):
        while True:
            number = self.rng.choice(PHONE_PREFIXES) + f"{self.rng.randrange(10 ** 8):08d}"
            if number not in self.phones:
                self.phones.add(number)
                return number


# ---- schools, staff, classes and pupils ------------------------------------------------------

# Subjects a class has, by the stage its grade belongs to (XC-1) and the grade.
PRIMARY_SUBJECTS = [("chinese", 1), ("maths", 1), ("english", 3), ("morality", 1), ("science", 1),
                    ("pe", 1), ("music", 1), ("art", 1), ("it", 3)]
JUNIOR_SUBJECTS = [("chinese", 6), ("maths", 6), ("english", 6), ("morality", 6), ("history", 6),
                   ("geography", 6), ("biology", 6), ("physics", 8), ("chemistry", 9), ("pe", 6),
                   ("music", 6), ("art", 6), ("it", 6)]
JUNIOR_ONLY_UP_TO = {"geography": 8, "biology": 8, "music": 8, "art": 8, "it": 8}
# Classes one teacher takes: core subjects within a grade, the others across the school.
CORE_LOAD = {"chinese": 2, "maths": 2, "english": 3}
OTHER_LOAD = 6


def subjects_for(stage, grade):
    table = PRIMARY_SUBJECTS if stage == Stage.PRIMARY else JUNIOR_SUBJECTS
    return [s for s, first in table if first <= grade <= JUNIOR_ONLY_UP_TO.get(s, 9)]


def _chunks(items, size):
    return [items[i:i + size] for i in range(0, len(items), size)]


def _saved(objs):
    """bulk_create's objects, which SQLite (3.35+) and PostgreSQL return with primary keys."""
    if objs and objs[0].pk is None:
        raise RuntimeError("this database does not return ids from bulk inserts")
    return objs


class DistrictWriter:
    """Writes one district's schools, staff, classes, pupils and guardians in bulk.

    ``pupil_region``/``staff_region`` are the region codes of the ID numbers; a region code used
    by no other district keeps ID numbers unique across districts.
    """

    def __init__(self, bureau, people, pupil_region, staff_region, two_guardians_share=0.0):
        self.bureau = bureau
        self.people = people
        self.rng = people.rng
        self.pupil_region = pupil_region
        self.staff_region = staff_region
        self.two_guardians_share = two_guardians_share
        self.counts = dict.fromkeys(["schools", "classes", "teachers", "assignments", "pupils",
                                     "guardians"], 0)

    def school(self, *, name, code, stage, system=SchoolSystem.SIX_THREE, classes_per_grade,
               class_size, address=""):
        """One school with its classes; ``class_size()`` gives each class's number of pupils."""
        school = School.objects.create(bureau=self.bureau, name=name, code=code, stage=stage,
                                       system=system, address=address)
        keys = [(g, n) for g in school.grades for n in range(1, classes_per_grade + 1)]
        teachers, pairs, heads = self._staff(school, keys)
        classes = _saved(SchoolClass.objects.bulk_create(
            [SchoolClass(school=school, grade=g, number=n, head_teacher=heads.get((g, n)))
             for g, n in keys], batch_size=BATCH))
        by_key = {(c.grade, c.number): c for c in classes}
        TeachingAssignment.objects.bulk_create(
            [TeachingAssignment(teacher=t, school_class=by_key[key], subject=s)
             for t, key, s in pairs], batch_size=BATCH)
        self._pupils(school, [(c, class_size()) for c in classes])
        self.counts["schools"] += 1
        self.counts["classes"] += len(classes)
        self.counts["teachers"] += len(teachers)
        self.counts["assignments"] += len(pairs)
        return school

    def _staff(self, school, keys):
        """Teachers for every (class, subject); the chinese teacher heads the first class of their
        pair, the maths teacher the second."""
        share_female = 0.8 if school.stage == Stage.PRIMARY else 0.6
        teachers, pairs, heads = [], [], {}

        def new_teacher():
            gender = self.people.gender(share_female)
            t = Teacher(school=school, name=self.people.adult(gender), gender=gender,
                        id_number=self.people.id_number(self.staff_region, dt.date(1968, 1, 1),
                                                        dt.date(1999, 12, 31), gender),
                        phone=self.people.phone(), staff_no=f"{school.code}{len(teachers) + 1:03d}")
            teachers.append(t)
            return t

        subjects = sorted({s for g, _ in keys for s in subjects_for(school.stage_of_grade(g), g)},
                          key=[s for s, _ in PRIMARY_SUBJECTS + JUNIOR_SUBJECTS].index)
        for subject in subjects:
            taught = [k for k in keys if subject in subjects_for(school.stage_of_grade(k[0]), k[0])]
            if subject in CORE_LOAD:
                groups = []
                for grade in sorted({g for g, _ in taught}):
                    groups += _chunks([k for k in taught if k[0] == grade], CORE_LOAD[subject])
            else:
                groups = _chunks(taught, OTHER_LOAD)
            for group in groups:
                teacher = new_teacher()
                pairs += [(teacher, key, subject) for key in group]
                if subject == "chinese":
                    heads[group[0]] = teacher
                elif subject == "maths" and len(group) > 1:
                    heads[group[1]] = teacher
        _saved(Teacher.objects.bulk_create(teachers, batch_size=BATCH))
        return teachers, pairs, heads

    def _pupils(self, school, classes):
        people, rng = self.people, self.rng
        pupils, guardians, links = [], [], []
        for school_class, size in classes:
            first, last = birth_range(school_class.grade)
            for _ in range(size):
                gender = people.gender()
                surname = people.surname()
                number = people.id_number(self.pupil_region, first, last, gender)
                pupils.append(Pupil(school=school, school_class=school_class,
                                    name=people.child(gender, surname), gender=gender,
                                    id_number=number, student_no=f"G{number}"))
                roll = rng.random()
                relations = ["father", "mother"] if roll < 0.55 else \
                    ["mother", "father"] if roll < 0.95 else ["grandparent", "mother"]
                if rng.random() >= self.two_guardians_share:
                    relations = relations[:1]
                for relation in relations:
                    name = people.adult("F", None) if relation == "mother" else \
                        people.adult("M" if relation == "father" else people.gender(), surname)
                    guardians.append(Guardian(name=name, phone=people.phone()))
                    links.append((len(pupils) - 1, len(guardians) - 1, relation))
        _saved(Pupil.objects.bulk_create(pupils, batch_size=BATCH))
        _saved(Guardian.objects.bulk_create(guardians, batch_size=BATCH))
        Guardianship.objects.bulk_create(
            [Guardianship(pupil=pupils[p], guardian=guardians[g], relation=r) for p, g, r in links],
            batch_size=BATCH)
        self.counts["pupils"] += len(pupils)
        self.counts["guardians"] += len(guardians)


def write_calendar(bureau):
    """The bureau's school calendar from the spring term 2026 to the summer of 2027."""
    d = dt.date
    Term.objects.bulk_create([
        Term(bureau=bureau, school_year="2025-2026", name="第二学期", start=d(2026, 3, 2),
             end=d(2026, 7, 3)),
        Term(bureau=bureau, school_year="2026-2027", name="第一学期", start=d(2026, 9, 1),
             end=d(2027, 1, 22)),
        Term(bureau=bureau, school_year="2026-2027", name="第二学期", start=d(2027, 2, 22),
             end=d(2027, 7, 2)),
    ])
    Vacation.objects.bulk_create([
        Vacation(bureau=bureau, name="暑假", start=d(2026, 7, 4), end=d(2026, 8, 31)),
        Vacation(bureau=bureau, name="寒假", start=d(2027, 1, 23), end=d(2027, 2, 21)),
    ])


STREETS = ["人民路", "解放路", "中山路", "建设路", "文化路", "学府路", "新华路", "和平路", "育才路",
           "青年路", "光明路", "滨江路"]

# (name, subject type, mode, licence status)
DEMO_INSTITUTIONS = [
    ("明德区启航文化培训学校", True, "offline", "permit_and_licence"),
    ("明德区博雅艺术培训中心", False, "offline", "permit_and_licence"),
    ("明德区小天鹅舞蹈培训学校", False, "offline", "permit_and_licence"),
    ("明德区思维树科技教育培训学校", True, "offline", "permit_and_licence"),
    ("示范市乐学在线教育科技有限公司", True, "online", "permit_and_licence"),
    ("明德区跃动体育培训中心", False, "offline", "permit_and_licence"),
    ("明德区翰墨书法培训有限公司", False, "offline", "licence_only"),
    ("示范市云端学堂网络科技有限公司", True, "online", "licence_only"),
    ("明德区金榜学业辅导工作室", True, "offline", "neither"),
    ("明德区童画美术工作室", False, "offline", "neither"),
]


def write_institutions(bureau, rng, region, specs):
    """Institutions with valid credit codes; 无照无证 ones have none (they are not registered)."""
    used = set(Institution.objects.exclude(credit_code="").values_list("credit_code", flat=True))
    rows = []
    for name, subject_type, mode, status in specs:
        code = ""
        while status != "neither" and (not code or code in used):
            kind = "91" if name.endswith("公司") else "52"
            code = credit_code(kind, region, f"{rng.randrange(10 ** 8):08d}")
        used.add(code)
        rows.append(Institution(bureau=bureau, name=name, credit_code=code, subject_type=subject_type,
                                mode=mode, licence_status=status,
                                # 无照无证: never approved, known from inspections
                                status="found" if status == "neither" else "approved",
                                category="" if subject_type else "other",
                                address=f"{rng.choice(STREETS)}{rng.randrange(1, 300)}号"))
    Institution.objects.bulk_create(rows)
    return rows


# ---- the demo district -----------------------------------------------------------------------

DEMO_SCHOOLS = [
    # (name, stage, system, classes per grade)
    ("明德区实验小学", Stage.PRIMARY, SchoolSystem.SIX_THREE, 3),
    ("明德区育才小学", Stage.PRIMARY, SchoolSystem.SIX_THREE, 3),
    ("明德区新华路小学", Stage.PRIMARY, SchoolSystem.SIX_THREE, 3),
    ("明德区启明小学", Stage.PRIMARY, SchoolSystem.SIX_THREE, 3),
    ("明德区第一中学", Stage.JUNIOR, SchoolSystem.SIX_THREE, 4),
    # 五四制 (XC-1): primary is grades 1–5, so this junior school teaches grades 6–9.
    ("明德区求真初级中学", Stage.JUNIOR, SchoolSystem.FIVE_FOUR, 4),
]

# (username, name, role). No name: the account takes its teacher's or guardian's.
DEMO_ACCOUNTS = [
    ("bureau", "李建国", Role.BUREAU_ADMIN),
    ("supervisor", "王秀英", Role.SUPERVISOR),
    ("inspector", "张志强", Role.INSPECTOR),
    ("hotline", "何丽萍", Role.HOTLINE),
    ("ethics", "郭振华", Role.ETHICS_OFFICER),
    ("principal", "陈丽华", Role.SCHOOL_ADMIN),
    ("psychologist", "周思敏", Role.PSYCHOLOGIST),
    ("headteacher", None, Role.HEAD_TEACHER),
    ("teacher", None, Role.SUBJECT_TEACHER),
    ("teacher2", None, Role.SUBJECT_TEACHER),
    ("parent", None, Role.GUARDIAN),
    ("institution", "赵敏", Role.INSTITUTION_STAFF),
    ("bank", "刘海涛", Role.CUSTODIAN_BANK),
]


def demo_school_code(index):
    return f"{DEMO_DISTRICT_CODE}{index:04d}"


def build_demo():
    """Load the demo district once (found by its bureau code), then make sure the demo accounts
    exist with the demo password. Returns ``{"created", "seconds", "counts", "accounts"}``."""
    started = time.perf_counter()
    with transaction.atomic():
        district = Bureau.objects.filter(code=DEMO_DISTRICT_CODE).first()
        created = district is None
        counts = {}
        if created:
            district, counts = _write_demo_district()
        accounts = ensure_demo_accounts(district)
        if created:
            from afterschool.demo import build_after_school_demo

            build_after_school_demo(district, demo_school_code(1))
            from institutions.demo import build_institutions_demo

            build_institutions_demo(district)
            from funds.demo import build_funds_demo

            build_funds_demo(district)
            _build_oversight_demo(district)
    return {"created": created, "seconds": time.perf_counter() - started, "counts": counts,
            "accounts": accounts, "bureau": district}


def _build_oversight_demo(district):
    """Complaints, random inspections, teacher ethics, school supervision and mentoring, each
    written through its app's services as the demo users (in this order: ethics opens a case
    from a complaint, mentoring's tasks come last)."""
    from complaints.demo import build_complaints_demo
    from ethics.demo import build_ethics_demo
    from inspections.demo import build_inspections_demo
    from mentoring.demo import build_mentoring_demo
    from schoolinspection.demo import build_school_inspection_demo

    complaints = build_complaints_demo(district)
    build_inspections_demo(district)
    build_ethics_demo(district, complaints)
    build_school_inspection_demo(district)
    build_mentoring_demo(district)


def _write_demo_district():
    rng = random.Random(DEMO_SEED)
    people = People(rng)
    people.phones.add(DEMO_PARENT_PHONE)
    city, _ = Bureau.objects.get_or_create(
        code=DEMO_CITY_CODE, defaults={"name": "示范市教育局", "level": Bureau.Level.CITY})
    district = Bureau.objects.create(code=DEMO_DISTRICT_CODE, name="示范市明德区教育局",
                                     level=Bureau.Level.DISTRICT, parent=city)
    write_calendar(district)
    writer = DistrictWriter(district, people, DEMO_PUPIL_REGION, DEMO_STAFF_REGION,
                            two_guardians_share=0.6)
    for index, (name, stage, system, per_grade) in enumerate(DEMO_SCHOOLS, start=1):
        writer.school(name=name, code=demo_school_code(index), stage=stage, system=system,
                      classes_per_grade=per_grade, class_size=lambda: rng.randint(38, 45),
                      address=f"示范市明德区{rng.choice(STREETS)}{rng.randrange(1, 300)}号")
    institutions = write_institutions(district, rng, DEMO_PUPIL_REGION, DEMO_INSTITUTIONS)

    # The `teacher` account: maths in 一年级（1）班 and 四年级（1）班, nothing else, head of none.
    school = School.objects.get(code=demo_school_code(1))
    teacher = Teacher.objects.create(
        school=school, name="孙晓燕", gender="F", phone=people.phone(), staff_no=f"{school.code}900",
        id_number=people.id_number(DEMO_STAFF_REGION, dt.date(1990, 1, 1), dt.date(1990, 12, 31),
                                   "F"))
    TeachingAssignment.objects.filter(school_class__school=school, school_class__number=1,
                                      school_class__grade__in=[1, 4], subject="maths",
                                      ).update(teacher=teacher)
    # The `parent` account: the first guardian of the first pupil of 四年级（1）班.
    first = Pupil.objects.filter(school=school, school_class__grade=4, school_class__number=1) \
        .order_by("pk").first()
    Guardian.objects.filter(pk=first.guardian_links.order_by("pk").first().guardian_id) \
        .update(phone=DEMO_PARENT_PHONE)
    counts = {**writer.counts, "teachers": writer.counts["teachers"] + 1,
              "institutions": len(institutions)}
    return district, counts


def ensure_demo_accounts(district):
    """Create or repair the demo logins; returns the rows of the table load_demo prints."""
    password = make_password(DEMO_PASSWORD)  # hashed once: the accounts share it
    school = School.objects.get(code=demo_school_code(1))
    junior = School.objects.get(code=demo_school_code(5))
    class_4_1 = SchoolClass.objects.get(school=school, grade=4, number=1)
    institution = Institution.objects.filter(bureau=district).order_by("pk").first()
    head = class_4_1.head_teacher
    maths = TeachingAssignment.objects.filter(school_class=class_4_1, subject="maths").first()
    english = TeachingAssignment.objects.filter(school_class__school=junior, subject="english",
                                                school_class__grade=7, school_class__number=1).first()
    guardian = Guardian.objects.filter(phone=DEMO_PARENT_PHONE).order_by("pk").first()

    links = {
        "bureau": ({"bureau": district}, district.name),
        "supervisor": ({"bureau": district}, district.name),
        "inspector": ({"bureau": district}, district.name),
        "hotline": ({"bureau": district}, district.name),
        "ethics": ({"bureau": district}, district.name),
        "principal": ({"school": school}, school.name),
        "psychologist": ({"school": school}, school.name),
        "headteacher": (head, f"{school.name} {class_4_1.name}"),
        "teacher": (maths and maths.teacher, f"{school.name} 一年级（1）班、四年级（1）班 数学"),
        "teacher2": (english and english.teacher, f"{junior.name} 七年级（1）班等 英语"),
        "parent": (guardian, f"{school.name} {class_4_1.name}学生家长"),
        "institution": (institution and {"institution": institution},
                        institution.name if institution else ""),
        "bank": ({"bureau": district}, district.name),
    }
    rows = []
    for username, name, role in DEMO_ACCOUNTS:
        target, unit = links[username]
        if target is None:  # someone removed the demo's teacher or guardian: say so, go on
            rows.append((username, Role(role).label, "（未找到对应人员，未关联）", DEMO_PASSWORD))
            continue
        profile = target if isinstance(target, Teacher | Guardian) else None
        user = User.objects.filter(username=username).first() or User(username=username)
        user.name = name or profile.name
        user.phone = profile.phone if profile else ""
        user.password = password
        user.is_active, user.is_staff, user.is_superuser = True, False, False
        user.save()
        if profile is None:
            RoleAssignment.objects.get_or_create(user=user, role=role, **target)
        elif profile.user_id != user.pk:
            # A login has one profile (one-to-one): take it from wherever it was.
            type(profile).objects.filter(user=user).update(user=None)
            profile.user = user
            profile.save(update_fields=["user"])
        rows.append((username, Role(role).label, unit, DEMO_PASSWORD))
    return rows


# ---- generated districts ---------------------------------------------------------------------

DISTRICT_NAMES = ["东湖区", "西山区", "南城区", "北岸区", "青山区", "滨江区", "高新区", "临湖区",
                  "云岭区", "清河区", "长乐区", "新安区"]
BRANDS = ["启航", "博雅", "思维树", "金榜", "乐学", "智慧树", "星火", "阳光", "未来", "英才", "优学",
          "睿思", "新起点", "小树苗", "梦想家", "青藤"]
PUPILS_PER_CLASS = 40
PRIMARY_PER_GRADE, JUNIOR_PER_GRADE = 6, 8  # classes per grade in a full-sized school


def chinese_number(n):
    """1 → 一, 12 → 十二, 35 → 三十五, 108 → 一百零八 (for school names); digits from 1000."""
    digits = "零一二三四五六七八九"
    if n >= 1000:
        return str(n)
    if n < 10:
        return digits[n]
    if n < 20:
        return "十" + (digits[n % 10] if n % 10 else "")
    if n < 100:
        return digits[n // 10] + "十" + (digits[n % 10] if n % 10 else "")
    rest = n % 100
    tail = "" if rest == 0 else ("零" if rest < 10 else "") + (
        "一" + chinese_number(rest) if 10 <= rest < 20 else chinese_number(rest))
    return digits[n // 100] + "百" + tail


def plan_schools(pupils):
    """Schools for ``pupils`` pupils at about 40 a class: two thirds of the classes primary
    (6 grades), one third junior (3 grades). Returns [(stage, classes per grade)]."""
    classes = max(1, ceil(pupils / PUPILS_PER_CLASS))
    junior = classes // 3
    plan = []
    for stage, needed, grades, per_grade in ((Stage.PRIMARY, classes - junior, 6, PRIMARY_PER_GRADE),
                                             (Stage.JUNIOR, junior, 3, JUNIOR_PER_GRADE)):
        if needed:
            schools = ceil(needed / (grades * per_grade))
            plan += [(stage, ceil(needed / (schools * grades)))] * schools
    return plan


def free_region(bureau_code):
    """A region code no pupil or teacher has yet, chosen from the bureau code."""
    used = set(Pupil.objects.annotate(r=Substr("id_number", 1, 6)).values_list("r", flat=True)
               .distinct())
    used |= set(Teacher.objects.exclude(id_number="").annotate(r=Substr("id_number", 1, 6))
                .values_list("r", flat=True).distinct())
    used |= {DEMO_PUPIL_REGION, DEMO_STAFF_REGION}
    candidates = region_codes()
    start = int(bureau_code) % len(candidates)
    for code in candidates[start:] + candidates[:start]:
        if code not in used:
            return code
    raise RuntimeError("没有可用的行政区划代码：已生成的区县过多。")


def generate_district(*, pupils, seed=1, name=None):
    """A new district bureau with schools, teachers, classes, ``pupils`` pupils (one guardian
    each), institutions and a calendar. Returns ``{"bureau", "seconds", "counts"}``."""
    started = time.perf_counter()
    rng = random.Random(seed)
    people = People(rng)
    with transaction.atomic():
        city, _ = Bureau.objects.get_or_create(
            code=GENERATED_CITY_CODE, defaults={"name": "样例市教育局", "level": Bureau.Level.CITY})
        taken = Bureau.objects.filter(code__startswith="98").exclude(code=GENERATED_CITY_CODE) \
            .values_list("code", flat=True)
        seq = max((int(c[2:]) for c in taken if c.isdigit() and len(c) == 6), default=0) + 1
        if seq > 9999:
            raise RuntimeError("生成的区县已达上限。")
        code = f"98{seq:04d}"
        short = DISTRICT_NAMES[(seq - 1) % len(DISTRICT_NAMES)]
        if seq > len(DISTRICT_NAMES):
            short = f"第{chinese_number(seq)}区"
        name = name or f"样例市{short}教育局"
        short = name.removesuffix("教育局").removeprefix("样例市")
        bureau = Bureau.objects.create(code=code, name=name, level=Bureau.Level.DISTRICT,
                                       parent=city)
        region = free_region(code)
        write_calendar(bureau)
        writer = DistrictWriter(bureau, people, region, region)
        plan = plan_schools(pupils)
        total_classes = sum(per_grade * (6 if stage == Stage.PRIMARY else 3)
                            for stage, per_grade in plan)
        base, extra = divmod(pupils, total_classes)
        sizes = iter([base + 1] * extra + [base] * (total_classes - extra))
        numbers = {Stage.PRIMARY: 0, Stage.JUNIOR: 0}
        for index, (stage, per_grade) in enumerate(plan, start=1):
            numbers[stage] += 1
            kind = "小学" if stage == Stage.PRIMARY else "中学"
            writer.school(name=f"{short}第{chinese_number(numbers[stage])}{kind}",
                          code=f"{code}{index:04d}", stage=stage, classes_per_grade=per_grade,
                          class_size=lambda: next(sizes),
                          address=f"样例市{short}{rng.choice(STREETS)}{rng.randrange(1, 300)}号")
        specs = []
        for _ in range(max(3, pupils // 2500)):
            subject_type, online = rng.random() < 0.4, rng.random() < 0.15
            status = rng.choices(["permit_and_licence", "licence_only", "neither"], [7, 2, 1])[0]
            brand = rng.choice(BRANDS)
            if online:
                title = f"样例市{brand}在线教育科技有限公司"
            else:
                kind = "文化" if subject_type else rng.choice(["艺术", "体育", "科技", "书法"])
                title = f"{short}{brand}{kind}培训学校"
            specs.append((title, subject_type, "online" if online else "offline", status))
        institutions = write_institutions(bureau, rng, region, specs)
    return {"bureau": bureau, "seconds": time.perf_counter() - started,
            "counts": {**writer.counts, "institutions": len(institutions)}, "region": region}


# ---- printing --------------------------------------------------------------------------------

def _width(text):
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def format_table(header, rows):
    """A plain-text table that lines up Chinese text (two columns a character)."""
    rows = [header, *rows]
    widths = [max(_width(str(r[i])) for r in rows) for i in range(len(header))]

    def line(row):
        return "  ".join(str(v) + " " * (w - _width(str(v))) for v, w in zip(row, widths,
                                                                              strict=True)).rstrip()

    return "\n".join([line(rows[0]), "  ".join("-" * w for w in widths), *map(line, rows[1:])])


def demo_url():
    return f"http://127.0.0.1:{os.environ.get('PORT') or '8000'}/"
