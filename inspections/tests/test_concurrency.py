"""Racing requests on PostgreSQL: draws of one bureau are numbered one after the other, and a
result recorded twice at once, or published twice at once, is written once (STYLE 6)."""

import pytest
from django.db import connection
from django.test import Client

from api.models import ApiToken
from conftest import race
from inspections.models import Draw, Inspection, InspectionEvent, Inspector
from institutions.models import Institution
from institutions.tests.conftest import new_code

URL = "/api/v1/inspections"

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locking"),
    pytest.mark.django_db(transaction=True),
]


def post(client, url, data=None):
    return client.post(url, data or {}, content_type="application/json")


@pytest.fixture
def district(cast):
    for n in range(6):
        Inspector.objects.create(bureau=cast.district_a, name=f"督学{n}",
                                 department=["education", "market"][n % 2])
    for n in range(10):
        Institution.objects.create(bureau=cast.district_a, name=f"机构{n}",
                                   credit_code=new_code(), licence_status="permit_and_licence",
                                   status="approved")
    return cast


def test_simultaneous_draws_get_distinct_numbers(district, supervisor, bureau_admin):
    body = {"title": "同时抽查", "target_kind": "institution", "count": 2}
    jobs = [(user, lambda c: post(c, f"{URL}/draws", body))
            for user in (supervisor, bureau_admin) * 3]
    responses = race(jobs)
    assert [r.status_code for r in responses] == [201] * 6, [r.content for r in responses]
    assert sorted(Draw.objects.values_list("number", flat=True)) == [1, 2, 3, 4, 5, 6]


def test_a_result_recorded_and_published_at_once_is_written_once(district, supervisor,
                                                                 bureau_admin):
    draw = post_json_draw(supervisor)
    inspection = Inspection.objects.filter(draw_id=draw).first()
    result = {"outcome": "pass"}
    responses = race([(user, lambda c: post(c, f"{URL}/inspections/{inspection.pk}/result",
                                            result)) for user in (supervisor, bureau_admin)])
    # A correction before publishing is allowed, so both may succeed, one after the other
    assert {r.status_code for r in responses} == {200}
    responses = race([(user, lambda c: post(c, f"{URL}/inspections/{inspection.pk}/publish"))
                      for user in (supervisor, bureau_admin, supervisor)])
    codes = sorted(r.status_code for r in responses)
    assert codes == [200, 409, 409], [r.content for r in responses]
    assert InspectionEvent.objects.filter(inspection=inspection,
                                          to_status="published").count() == 1


def post_json_draw(user):
    client = Client(HTTP_AUTHORIZATION=f"Bearer {ApiToken.issue(user)}")
    response = post(client, f"{URL}/draws", {"title": "抽查", "target_kind": "institution",
                                             "count": 2})
    assert response.status_code == 201, response.content
    return response.json()["id"]
