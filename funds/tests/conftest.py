"""Funds test helpers: an approved art institution and a subject-type institution of district A,
each with a supervised account and a published course, a second family, an out-of-district bank,
and shortcuts to sign, pay and deliver through the services."""

import datetime as dt
import itertools

import pytest

from conftest import PASSWORD, fresh
from funds import services
from institutions import services as inst_services
from institutions.models import Institution
from institutions.tests.conftest import new_code
from org.models import Guardian, RoleAssignment, User
from org.roles import Role

START = dt.date(2026, 11, 23)
END = dt.date(2027, 2, 23)  # exactly three calendar months later
_keys = itertools.count(1)


def new_key():
    return f"key-{next(_keys)}"


def post_json(client, url, data=None, **headers):
    return client.post(url, data or {}, content_type="application/json", headers=headers)


def _staff_login(username, institution):
    user = User.objects.create_user(username=username, password=PASSWORD, name=username)
    RoleAssignment.objects.create(user=user, role=Role.INSTITUTION_STAFF, institution=institution)
    return fresh(user)


@pytest.fixture
def art_inst(cast):
    """An approved, licensed non-subject (art) institution of district A."""
    return Institution.objects.create(
        bureau=cast.district_a, name="甲区彩虹美术培训中心", credit_code=new_code(),
        subject_type=False, category="art", mode="offline",
        licence_status="permit_and_licence", status="approved",
        school_permit_no="教民141040270000003号")


@pytest.fixture
def subject_inst(cast):
    """An approved subject-type offline institution of district A (licensed before the ban)."""
    return Institution.objects.create(
        bureau=cast.district_a, name="甲区学思文化培训学校", credit_code=new_code(),
        subject_type=True, mode="offline", licence_status="permit_and_licence",
        status="approved", school_permit_no="教民141040270000001号")


@pytest.fixture
def art_staff(art_inst):
    return _staff_login("caihong_staff", art_inst)


@pytest.fixture
def subject_staff(subject_inst):
    return _staff_login("xuesi_staff", subject_inst)


@pytest.fixture
def guide_prices(cast, bureau_admin):
    """District A's medium-band offline guide price: 60 yuan per 45-minute lesson."""
    inst_services.set_guide_price(actor=bureau_admin, bureau=cast.district_a, mode="offline",
                                  band="medium", base_price_fen=6000)


@pytest.fixture
def guardian_q(cast):
    """The guardian of pupil Q (same class as P): another family."""
    user = User.objects.create_user(username="guardian_q", password=PASSWORD, name="刘小红家长")
    Guardian.objects.filter(phone="13812340002").update(user=user)
    return fresh(user)


@pytest.fixture
def bank_b(cast):
    user = User.objects.create_user(username="bank_b", password=PASSWORD, name="乙区存管银行")
    RoleAssignment.objects.create(user=user, role=Role.CUSTODIAN_BANK, bureau=cast.district_b)
    return fresh(user)


@pytest.fixture
def art_course(art_inst, art_staff):
    """A published art course: 100 yuan a lesson (50 lessons are exactly TP-6's 5,000 yuan)."""
    return inst_services.add_course(
        actor=art_staff, institution=art_inst, name="少儿素描", subject="art", mode="offline",
        grades=[3, 4, 5], class_size=12, lesson_minutes=60, lessons=40,
        price_per_lesson_fen=10_000, content_summary="素描基础")


@pytest.fixture
def odd_course(art_inst, art_staff):
    """A course at 33.33 yuan a lesson (3 lessons: 99.99 yuan, no remainder to spread)."""
    return inst_services.add_course(
        actor=art_staff, institution=art_inst, name="书法体验", subject="art", mode="offline",
        grades=[4], class_size=12, lesson_minutes=45, lessons=3, price_per_lesson_fen=3333,
        content_summary="书法")


@pytest.fixture
def maths_course(subject_inst, subject_staff, guide_prices):
    """A subject-type course at the medium-band guide price (60 yuan / 45 minutes)."""
    return inst_services.add_course(
        actor=subject_staff, institution=subject_inst, name="四年级数学", subject="maths",
        mode="offline", grades=[4], class_size=20, lesson_minutes=45, lessons=30,
        price_per_lesson_fen=6000, content_summary="数学同步")


@pytest.fixture
def art_account(art_inst, supervisor):
    return services.open_account(actor=supervisor, institution=art_inst,
                                 bank_name="示例银行甲区支行", account_number="6222000000000001", mode="both",
                                 reserve_fixed_fen=1_000_000, reserve_percent=10,
                                 last_year_fees_fen=50_000_000)


@pytest.fixture
def subject_account(subject_inst, supervisor):
    return services.open_account(actor=supervisor, institution=subject_inst,
                                 bank_name="示例银行甲区支行", account_number="6222000000000002")


def sign(guardian, pupil, course, lessons=10, **extra):
    fields = {"lessons": lessons, "price_per_lesson_fen": course.price_per_lesson_fen,
              "start": START, "end": START + dt.timedelta(days=60), **extra}
    return services.create_contract(actor=fresh(guardian), pupil=pupil, course=course, **fields)


def pay(bank, contract, key=None):
    posting, _ = services.record_deposit(actor=fresh(bank), contract=contract,
                                         amount_fen=contract.total_fen,
                                         idempotency_key=key or new_key())
    contract.refresh_from_db()
    return posting


@pytest.fixture
def paid_contract(cast, guardian_p, bank, art_course, art_account):
    """Pupil P's paid art contract of 10 lessons (1,000 yuan in custody)."""
    contract = sign(guardian_p, cast.pupil_p, art_course, lessons=10)
    pay(bank, contract)
    return contract


def assert_consistent(institution=None):
    broken = services.check_invariants(institution)
    assert broken == [], broken
