"""The named cast every test shares (STYLE 11), and the clients that act as them.

One city bureau with two district bureaus. District A has two primary schools (A1, A2) and two
training institutions (I1, I2); district B has one school (B1) for cross-district denials.

    bureau_admin, supervisor, inspector, bank   roles at district A
    bureau_admin_b                              bureau admin of district B
    principal                                   school admin of A1
    teacher_a      teaches maths in A1-4-1 only (not its head teacher)
    head_teacher_a head teacher of A1-4-1
    teacher_b      teaches maths in A2-4-1
    guardian_p     guardian of pupil P (A1-4-1)
    guardian_nobody a login linked to no pupil
    institution_staff staff of I1

Pupils: P and Q in A1-4-1, R in A1-2-1, S in A2-4-1, T in B1-4-1.

State is set up through ``org.services`` wherever a service exists; users, bureaus, role
assignments, institutions and the login links of teachers and guardians have no service and are
created directly.
"""

import threading
import types

import pytest
from django.db import connections
from django.test import Client
from stdnum.cn import ric

from api.models import ApiToken
from institutions.models import Institution
from org import services
from org.models import Bureau, Guardian, RoleAssignment, User
from org.roles import Role

PASSWORD = "correct-horse-battery-staple"


def make_id_number(seq, birth="20160315", region="410402"):
    """A valid 18-digit resident ID number (GB 11643) for a child born on ``birth``."""
    first17 = f"{region}{birth}{seq % 1000:03d}"
    # stdnum's calc_check_digit expects the number with a check-digit placeholder at the end.
    return first17 + ric.calc_check_digit(first17 + "0")


def fresh(user):
    """Forget the scope cached on a user object (it is computed once per object)."""
    user.__dict__.pop("_scope_cache", None)
    return user


@pytest.fixture(autouse=True)
def _test_settings(settings):
    # Speed: a cheap password hasher (the real one costs ~0.3 s per login).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # District dashboards are computed live: a test that reads a page, changes data and reads it
    # again must see the change whatever the machine's speed (dashboards/tests/test_figures.py
    # turns keeping on).
    settings.DASHBOARD_STORE_AFTER = None


def _user(username, name, *roles):
    user = User.objects.create_user(username=username, password=PASSWORD, name=name)
    for role, unit in roles:
        RoleAssignment.objects.create(user=user, role=role, **unit)
    return user


def _staff(username, name, school, actor, assignments=(), seq=0):
    user = _user(username, name)
    teacher = services.create_teacher(actor=actor, school=school, assignments=assignments,
                                      name=name, gender="F", phone=f"1390000{seq:04d}",
                                      id_number=make_id_number(seq, birth="19850101"))
    teacher.user = user
    teacher.save(update_fields=["user"])
    return user, teacher


@pytest.fixture
def cast(db):
    """Build the whole cast once per test; the actor fixtures below pick from it."""
    c = types.SimpleNamespace()
    c.city = Bureau.objects.create(name="示例市教育局", code="410400", level=Bureau.Level.CITY)
    c.district_a = Bureau.objects.create(name="甲区教育局", code="410402", parent=c.city)
    c.district_b = Bureau.objects.create(name="乙区教育局", code="410403", parent=c.city)

    c.bureau_admin = _user("bureau", "局管理员", (Role.BUREAU_ADMIN, {"bureau": c.district_a}))
    c.bureau_admin_b = _user("bureau_b", "乙区管理员",
                             (Role.BUREAU_ADMIN, {"bureau": c.district_b}))
    c.supervisor = _user("supervisor", "监管科", (Role.SUPERVISOR, {"bureau": c.district_a}))
    c.inspector = _user("inspector", "督学", (Role.INSPECTOR, {"bureau": c.district_a}))
    c.bank = _user("bank", "存管银行", (Role.CUSTODIAN_BANK, {"bureau": c.district_a}))

    school = {"stage": "primary", "system": "6-3", "ownership": "public"}
    c.school_a1 = services.create_school(actor=c.bureau_admin, bureau=c.district_a,
                                         name="甲区第一小学", code="A1", **school)
    c.school_a2 = services.create_school(actor=c.bureau_admin, bureau=c.district_a,
                                         name="甲区第二小学", code="A2", **school)
    c.school_b1 = services.create_school(actor=c.bureau_admin_b, bureau=c.district_b,
                                         name="乙区第一小学", code="B1", **school)

    def klass(school, grade, number, actor=c.bureau_admin):
        return services.create_class(actor=actor, school=school, grade=grade, number=number)

    c.class_a1_4_1 = klass(c.school_a1, 4, 1)
    c.class_a1_4_2 = klass(c.school_a1, 4, 2)
    c.class_a1_2_1 = klass(c.school_a1, 2, 1)
    c.class_a2_4_1 = klass(c.school_a2, 4, 1)
    c.class_a2_5_1 = klass(c.school_a2, 5, 1)
    c.class_b1_4_1 = klass(c.school_b1, 4, 1, actor=c.bureau_admin_b)

    c.principal = _user("principal", "王校长", (Role.SCHOOL_ADMIN, {"school": c.school_a1}))
    c.teacher_a, c.teacher_a_profile = _staff(
        "teacher_a", "李老师", c.school_a1, c.bureau_admin,
        assignments=[(c.class_a1_4_1, "maths")], seq=1)
    c.head_teacher_a, c.head_teacher_a_profile = _staff(
        "head_teacher_a", "赵老师", c.school_a1, c.bureau_admin,
        assignments=[(c.class_a1_4_1, "chinese")], seq=2)
    services.update_class(actor=c.bureau_admin, school_class=c.class_a1_4_1,
                          head_teacher=c.head_teacher_a_profile)
    c.teacher_b, c.teacher_b_profile = _staff(
        "teacher_b", "孙老师", c.school_a2, c.bureau_admin,
        assignments=[(c.class_a2_4_1, "maths")], seq=3)

    def pupil(school_class, seq, name, guardian_phone, actor=c.bureau_admin):
        return services.create_pupil(
            actor=actor, school_class=school_class, name=name, gender="M",
            id_number=make_id_number(seq), student_no=f"S{seq:04d}",
            guardians=[(f"{name}家长", guardian_phone, "mother")])

    c.pupil_p = pupil(c.class_a1_4_1, 101, "张小明", "13812345678")
    c.pupil_q = pupil(c.class_a1_4_1, 102, "刘小红", "13812340002")
    c.pupil_r = pupil(c.class_a1_2_1, 103, "陈小刚", "13812340003")
    c.pupil_s = pupil(c.class_a2_4_1, 104, "周小丽", "13812340004")
    c.pupil_t = pupil(c.class_b1_4_1, 105, "吴小军", "13812340005", actor=c.bureau_admin_b)

    c.guardian_p = _user("guardian_p", "张小明家长")
    Guardian.objects.filter(phone="13812345678").update(user=c.guardian_p)
    c.guardian_nobody = _user("guardian_nobody", "无关家长")

    c.institution_1 = Institution.objects.create(
        bureau=c.district_a, name="启航培训学校", credit_code="91410402MA0000001X",
        licence_status=Institution.LicenceStatus.PERMIT_AND_LICENCE)
    c.institution_2 = Institution.objects.create(
        bureau=c.district_a, name="远航艺术培训中心", credit_code="91410402MA0000002X",
        licence_status=Institution.LicenceStatus.LICENCE_ONLY)
    c.institution_staff = _user("institution_staff", "机构职员",
                                (Role.INSTITUTION_STAFF, {"institution": c.institution_1}))

    for value in vars(c).values():
        if isinstance(value, User):
            fresh(value)
    return c


ACTORS = ["bureau_admin", "bureau_admin_b", "supervisor", "inspector", "bank", "principal",
          "teacher_a", "head_teacher_a", "teacher_b", "guardian_p", "guardian_nobody",
          "institution_staff"]


def _actor_fixture(name):
    @pytest.fixture(name=name)
    def _fixture(cast):
        return fresh(getattr(cast, name))

    return _fixture


for _name in ACTORS:
    globals()[f"_fixture_{_name}"] = _actor_fixture(_name)


@pytest.fixture
def anonymous():
    return None


@pytest.fixture
def api_client(db):
    """``api_client(user)``: a test Client sending ``Authorization: Bearer <token>`` for user.

    ``api_client(None)`` is a client without credentials.
    """

    def make(user):
        if user is None:
            return Client()
        return Client(HTTP_AUTHORIZATION=f"Bearer {ApiToken.issue(user)}")

    return make


@pytest.fixture
def web_client(db):
    """``web_client(user)``: a test Client logged in as user (``None``: anonymous)."""

    def make(user):
        client = Client()
        if user is not None:
            client.force_login(user)
        return client

    return make


def has_chinese(text):
    return any("\u4e00" <= ch <= "\u9fff" for ch in text or "")


def assert_error(response, status, code, field=...):
    """An API error: the status, JSON ``{"code", "message", "field"}``, a Chinese message."""
    assert response.status_code == status, response.content.decode()
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    assert {"code", "message", "field"} <= set(body), body
    assert body["code"] == code, body
    assert has_chinese(body["message"]), body
    if field is not ...:
        assert body["field"] == field, body
    return body


def pytest_configure(config):
    # WhiteNoise warns once per test client that STATIC_ROOT does not exist (no collectstatic).
    config.addinivalue_line("filterwarnings", "ignore:No directory at:UserWarning")


def race(jobs):
    """Run each ``(user, send)`` job in its own thread and client, released together.

    For the PostgreSQL concurrency tests (``django_db(transaction=True)``).
    """
    tokens = [ApiToken.issue(user) for user, _ in jobs]
    barrier = threading.Barrier(len(jobs))
    responses = [None] * len(jobs)
    errors = []

    def worker(i):
        try:
            client = Client(HTTP_AUTHORIZATION=f"Bearer {tokens[i]}")
            barrier.wait(timeout=10)
            responses[i] = jobs[i][1](client)
        except Exception as e:  # surfaced below; a thread must not die silently
            errors.append(e)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(jobs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    return responses
