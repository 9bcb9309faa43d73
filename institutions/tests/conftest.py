"""Institution test helpers: valid credit codes, an approved subject-type and a non-subject
institution of district A with staff logins, guide prices, and time pinned to 2026-11-23.

Real 2026 dates: 2026-10-01 is a statutory holiday (National Day), 2026-10-10 (a Saturday) the
make-up workday that follows it (调休), 2026-11-23 a Monday in term.
"""

import datetime as dt

import pytest
from django.utils import timezone

from conftest import PASSWORD, fresh
from institutions import services
from institutions.models import Institution
from org.demo import credit_code
from org.models import RoleAssignment, User
from org.roles import Role
from org.tests.test_permissions import matrix_cast  # noqa: F401  (the permission matrix's cast)
from schoolcal.models import Term, Vacation

TODAY = dt.date(2026, 11, 23)
NATIONAL_DAY = dt.date(2026, 10, 1)
MAKEUP_SATURDAY = dt.date(2026, 10, 10)
SATURDAY = dt.date(2026, 11, 28)
_real_localdate = timezone.localdate


def at(date, hm):
    """An aware datetime in China Standard Time (XC-3)."""
    hours, minutes = (int(p) for p in hm.split(":"))
    return timezone.make_aware(dt.datetime.combine(date, dt.time(hours, minutes)))


_codes = iter(range(10_000_000, 99_999_999, 7919))


def new_code(kind="52"):
    return credit_code(kind, "410402", f"{next(_codes):08d}")


@pytest.fixture
def pinned_today(monkeypatch):
    def localdate(value=None, timezone=None):
        return TODAY if value is None else _real_localdate(value, timezone)

    monkeypatch.setattr(timezone, "localdate", localdate)
    return TODAY


@pytest.fixture
def calendar_a(cast):
    """District A's 2026-2027 calendar: first term and winter vacation."""
    Term.objects.create(bureau=cast.district_a, school_year="2026-2027", name="第一学期",
                        start=dt.date(2026, 9, 1), end=dt.date(2027, 1, 22))
    Vacation.objects.create(bureau=cast.district_a, name="寒假", start=dt.date(2027, 1, 23),
                            end=dt.date(2027, 2, 21))


def _staff_login(username, institution):
    user = User.objects.create_user(username=username, password=PASSWORD, name=username)
    RoleAssignment.objects.create(user=user, role=Role.INSTITUTION_STAFF, institution=institution)
    return fresh(user)


@pytest.fixture
def subject_inst(cast, supervisor):
    """An approved subject-type (学科类) offline institution of district A (registered before
    the 2021 ban, so recorded directly by the supervision section with its permit)."""
    return Institution.objects.create(
        bureau=cast.district_a, name="甲区学思文化培训学校", credit_code=new_code(),
        subject_type=True, mode="offline", licence_status="permit_and_licence",
        status="approved", school_permit_no="教民141040270000001号",
        permit_valid_until=dt.date(2027, 12, 31))


@pytest.fixture
def online_inst(cast):
    return Institution.objects.create(
        bureau=cast.district_a, name="甲区云课在线教育有限公司", credit_code=new_code("91"),
        subject_type=True, mode="online", licence_status="permit_and_licence",
        status="approved", school_permit_no="教民141040270000002号")


@pytest.fixture
def art_inst(cast):
    return Institution.objects.create(
        bureau=cast.district_a, name="甲区彩虹美术培训中心", credit_code=new_code(),
        subject_type=False, category="art", mode="offline",
        licence_status="permit_and_licence", status="approved",
        school_permit_no="教民141040270000003号")


@pytest.fixture
def subject_staff(subject_inst):
    return _staff_login("xuesi_staff", subject_inst)


@pytest.fixture
def online_staff(online_inst):
    return _staff_login("yunke_staff", online_inst)


@pytest.fixture
def art_staff(art_inst):
    return _staff_login("caihong_staff", art_inst)


@pytest.fixture
def guide_prices(cast, bureau_admin):
    """Guide base prices of district A (per standard lesson: offline 45 min, online 30 min)."""
    for mode, band, fen in (("offline", "small", 12000), ("offline", "medium", 6000),
                            ("offline", "large", 4000), ("online", "small", 8000),
                            ("online", "medium", 3000), ("online", "large", 2000)):
        services.set_guide_price(actor=bureau_admin, bureau=cast.district_a, mode=mode,
                                 band=band, base_price_fen=fen)


def post_json(client, url, data=None):
    return client.post(url, data or {}, content_type="application/json")
