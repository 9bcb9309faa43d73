"""Random-inspection test helpers: district A's inspector roster (six people from four
departments, one of them linked to the cast's inspector login), four more approved institutions
of district A (six with the cast's I1 and I2), and shortcuts to draw, record and publish through
the services.

    roster          the six Inspector rows, by short name:
                    du (督学, education, cast.inspector's login), jiao (education),
                    shi_a, shi_b (market regulation), min (civil affairs), xiao (fire)
    institutions_a  the six approved institutions of district A (I1, I2 and four more)
"""

import types

import pytest

from inspections import services
from institutions.models import Institution
from institutions.tests.conftest import new_code
from org.tests.test_permissions import matrix_cast  # noqa: F401  (the permission matrix's cast)

ROSTER = [
    ("du", "周督学", "education", "JY-0001"),
    ("jiao", "吴教育", "education", "JY-0002"),
    ("shi_a", "郑市监", "market", "SJ-0101"),
    ("shi_b", "王市监", "market", "SJ-0102"),
    ("min", "冯民政", "civil_affairs", "MZ-0201"),
    ("xiao", "陈消防", "fire", "XF-0301"),
]

MORE_INSTITUTIONS = ["甲区博雅美术培训中心", "甲区启明体育培训中心", "甲区知行科技培训中心",
                     "甲区和声音乐培训学校"]


def build_roster(c):
    """District A's roster through the services (the supervisor adds everyone)."""
    people = types.SimpleNamespace()
    for short, name, department, certificate in ROSTER:
        user = c.inspector if short == "du" else None
        setattr(people, short, services.add_inspector(
            actor=c.supervisor, bureau=c.district_a, name=name, department=department,
            certificate_no=certificate, user=user))
    return people


def build_institutions(c):
    """Four more approved non-subject institutions of district A (the cast has I1 and I2)."""
    more = [Institution.objects.create(
        bureau=c.district_a, name=name, credit_code=new_code(), subject_type=False,
        category="art", mode="offline", licence_status="permit_and_licence", status="approved")
        for name in MORE_INSTITUTIONS]
    return [c.institution_1, c.institution_2, *more]


@pytest.fixture
def roster(cast):
    return build_roster(cast)


@pytest.fixture
def institutions_a(cast):
    return build_institutions(cast)


@pytest.fixture
def draw(cast, roster, institutions_a, supervisor):
    """A draw of three institutions of district A, two inspectors each, with a known seed."""
    return services.run_draw(actor=supervisor, bureau=cast.district_a, title="2026 年秋季专项抽查",
                             target_kind="institution", count=3, items="证照\n收费公示\n消防安全",
                             seed="20261123")


def team_of(inspection):
    return set(inspection.inspectors.values_list("pk", flat=True))


def inspection_of(draw, inspector):
    """The first inspection of ``draw`` whose team includes ``inspector`` (or None)."""
    return draw.inspections.filter(inspectors=inspector).order_by("position").first()


def inspection_without(draw, inspector):
    return draw.inspections.exclude(inspectors=inspector).order_by("position").first()
