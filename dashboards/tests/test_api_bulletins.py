"""The monthly bulletins through the API (/api/v1/dashboards/bulletins, QM-3): a bureau admin
queues a month (202), the worker generates it, the list and the detail show its status and
snapshot; a double request queues once; bad months are 422 on ``month``; every denial."""

import datetime as dt

import pytest
from django.utils import timezone

from conftest import assert_error, fresh
from dashboards import bulletin as bulletins
from dashboards.models import Bulletin
from schoolcal import services as calendar

API = "/api/v1/dashboards/bulletins"


@pytest.fixture
def term(cast):
    today = timezone.localdate()
    return calendar.save_term(actor=fresh(cast.bureau_admin), bureau=cast.district_a, school_year="学年",
                              name="本学期", start=today - dt.timedelta(days=70),
                              end=today + dt.timedelta(days=90))


@pytest.fixture
def worker(settings, monkeypatch):
    """The task runs at once (after the commit), and WeasyPrint is skipped: the PDF is not
    what these tests are about (test_bulletin.py reads real ones)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    monkeypatch.setattr(bulletins, "render_pdf", lambda snapshot: b"%PDF-1.7 stub")


def last_month():
    return bulletins.last_complete_month(timezone.localdate()).strftime("%Y-%m")


def post(client, payload):
    return client.post(API, payload, content_type="application/json")


def test_a_bureau_admin_queues_a_month_and_reads_it_when_ready(
        cast, term, worker, api_client, django_capture_on_commit_callbacks):
    client = api_client(cast.bureau_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, {"month": last_month()})
    assert response.status_code == 202, response.content
    queued = response.json()
    assert queued["status"] == "queued" and queued["month"] == last_month()
    assert queued["bureau"] == cast.district_a.pk
    assert queued["page"] == f"/dashboard/bulletins/{queued['id']}/"
    # The worker ran after the commit: the detail has the snapshot
    detail = client.get(f"{API}/{queued['id']}").json()
    assert detail["status"] == "ready" and detail["seconds"] is not None
    assert detail["data"]["bureau"]["id"] == cast.district_a.pk
    assert {f["key"] for f in detail["data"]["figures"]} >= {"complaints", "homework_within"}
    # The list: newest month first, paginated
    listed = client.get(f"{API}?limit=10").json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == queued["id"]
    assert "data" not in listed["items"][0]


def test_a_double_request_queues_once(cast, term, api_client,
                                      django_capture_on_commit_callbacks):
    client = api_client(cast.bureau_admin)
    with django_capture_on_commit_callbacks() as callbacks:
        first = post(client, {"month": last_month()})
        second = post(client, {"month": last_month()})
    assert first.status_code == second.status_code == 202
    assert first.json()["id"] == second.json()["id"]
    assert len(callbacks) == 1
    assert Bulletin.objects.filter(bureau=cast.district_a).count() == 1


@pytest.mark.parametrize("month", ["2026-13", "2026-00", "0000-01"])
def test_an_impossible_month_is_422_on_month(cast, term, api_client, month):
    assert_error(post(api_client(cast.bureau_admin), {"month": month}), 422, "invalid",
                 field="month")


def test_a_future_month_or_one_before_the_first_term_is_422(cast, term, api_client):
    client = api_client(cast.bureau_admin)
    future = (timezone.localdate().replace(day=1) + dt.timedelta(days=40)).strftime("%Y-%m")
    assert_error(post(client, {"month": future}), 422, "invalid", field="month")
    early = (term.start.replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
    assert_error(post(client, {"month": early}), 422, "invalid", field="month")
    # a malformed one never reaches the services (the schema's pattern)
    assert post(client, {"month": "last month"}).status_code == 422
    assert not Bulletin.objects.exists()


def test_denials(cast, term, worker, api_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        made = post(api_client(cast.bureau_admin), {"month": last_month()}).json()
    # Readers who may not request: the inspector and the supervisor read, but POST is 403
    for reader in (cast.inspector, cast.supervisor):
        client = api_client(reader)
        assert client.get(f"{API}/{made['id']}").status_code == 200
        assert_error(post(client, {"month": last_month()}), 403, "forbidden")
    # Roles that read no bulletin: 403 before any lookup
    for outsider in (cast.principal, cast.guardian_p, cast.bank):
        client = api_client(outsider)
        assert_error(client.get(API), 403, "forbidden")
        assert_error(client.get(f"{API}/{made['id']}"), 403, "forbidden")
    # Another district's admin: an empty list, the bulletin is 404, district A cannot be named
    other = api_client(cast.bureau_admin_b)
    assert other.get(API).json()["count"] == 0
    assert_error(other.get(f"{API}/{made['id']}"), 404, "not_found")
    assert_error(post(other, {"month": last_month(), "bureau": cast.district_a.pk}), 404,
                 "not_found")
    # Anonymous
    assert api_client(None).get(API).status_code == 401
