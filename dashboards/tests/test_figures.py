"""Kept district figures (issue 8's speed): a district slow to compute is served from the
figures computed at most DASHBOARD_MAX_AGE ago, on the page, its export, the evaluation table and
the API; the 重新计算 button and ``refresh_dashboards`` recompute them; a fast district is always
live. The root conftest turns keeping off; these tests turn it on (``DASHBOARD_STORE_AFTER = 0``:
every computation counts as slow)."""

import datetime as dt
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from openpyxl import load_workbook

from dashboards.models import DistrictFigures
from dashboards.tests.conftest import MON, NOW, file
from dashboards.tests.test_web_dashboards import DISTRICT, get_ok


@pytest.fixture(autouse=True)
def _today(pinned_now):
    """Today is Monday 2026-11-23, 18:30."""


API = "/api/v1/dashboards/district"


@pytest.fixture
def keeping(settings):
    settings.DASHBOARD_STORE_AFTER = 0
    settings.DASHBOARD_MAX_AGE = 900
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    return settings


def at(monkeypatch, moment):
    monkeypatch.setattr(timezone, "now", lambda: moment)


def class_days(response):
    return response.context["data"]["homework"]["class_days"]


def test_a_fast_district_is_always_live(world, web_client, api_client, settings):
    # Given keeping is on only for computations of an hour or more
    settings.DASHBOARD_STORE_AFTER = 3600
    response = get_ok(web_client(world.bureau_admin), DISTRICT)
    assert class_days(response) == 6
    assert "as-of" not in response.content.decode()
    assert api_client(world.bureau_admin).get(API).json()["as_of"] is None
    assert not DistrictFigures.objects.exists()


def test_kept_figures_are_served_until_they_are_older_than_the_maximum_age(
        world, keeping, web_client, monkeypatch):
    client = web_client(world.bureau_admin)
    # Given the page was read at 18:30: its figures are kept
    response = get_ok(client, DISTRICT)
    assert class_days(response) == 6
    page = response.content.decode()
    assert 'id="as-of"' in page and "2026-11-23 18:30" in page and "重新计算" in page
    assert DistrictFigures.objects.filter(bureau=world.district_a).count() == 1
    # When a teacher files another day and the page is read 14 minutes later
    file(world.teacher_b, world.class_a2_4_1, MON + dt.timedelta(days=1), 30)
    at(monkeypatch, NOW + dt.timedelta(minutes=14))
    # Then it shows the kept figures, the export and the evaluation table too
    assert class_days(get_ok(client, DISTRICT)) == 6
    book = load_workbook(io.BytesIO(get_ok(client, f"{DISTRICT}?export=xlsx").content))
    assert any(6 in row for ws in book.worksheets for row in ws.iter_rows(values_only=True))
    evaluation = get_ok(client, "/dashboard/evaluation/").content.decode()
    assert 'id="as-of"' in evaluation and "2026-11-23 18:30" in evaluation
    # When 16 minutes have passed, the next reader gets figures computed anew, and kept
    at(monkeypatch, NOW + dt.timedelta(minutes=16))
    response = get_ok(client, DISTRICT)
    assert class_days(response) == 7
    assert "2026-11-23 18:46" in response.content.decode()
    assert DistrictFigures.objects.get(bureau=world.district_a).data["homework"]["class_days"] == 7


def test_the_recompute_button_recomputes_at_once(world, keeping, web_client):
    client = web_client(world.supervisor)
    assert class_days(get_ok(client, DISTRICT)) == 6
    file(world.teacher_b, world.class_a2_4_1, MON + dt.timedelta(days=1), 30)
    # When the reader presses 重新计算 (the period's query string is kept)
    url = f"{DISTRICT}?start=2026-09-01&end=2026-11-23"
    response = client.post(url)
    assert response.status_code == 302 and response["Location"] == url
    response = client.get(url, follow=True)
    assert class_days(response) == 7
    assert "已重新计算全区看板数据" in response.content.decode()


def test_only_district_readers_may_recompute(world, keeping, web_client):
    # A school's principal never reads the district page: 403, nothing computed
    assert web_client(world.principal).post(DISTRICT).status_code == 403
    # Another district's admin cannot name district A: 404
    response = web_client(world.bureau_admin_b).post(f"{DISTRICT}?bureau={world.district_a.pk}")
    assert response.status_code == 404
    assert not DistrictFigures.objects.filter(bureau=world.district_a).exists()
    # Anonymous: to the login page
    response = web_client(None).post(DISTRICT)
    assert response.status_code == 302 and "/login" in response["Location"]


def test_the_api_says_when_kept_figures_were_computed(world, keeping, api_client, settings):
    settings.DASHBOARD_STORE_AFTER = None
    live = api_client(world.bureau_admin).get(API).json()
    assert live["as_of"] is None and live["seconds"] >= 0
    settings.DASHBOARD_STORE_AFTER = 0
    first = api_client(world.bureau_admin).get(API).json()
    kept = api_client(world.bureau_admin).get(API).json()
    assert first["as_of"] is not None and kept["as_of"] == first["as_of"]
    # The kept figures are the live ones (as JSON keeps them)
    drop = ("as_of", "seconds")
    assert {k: v for k, v in kept.items() if k not in drop} == \
        json.loads(json.dumps({k: v for k, v in live.items() if k not in drop}))
    evaluation = api_client(world.bureau_admin).get("/api/v1/dashboards/evaluation").json()
    assert evaluation["as_of"] == kept["as_of"]


def test_refresh_dashboards_recomputes_kept_districts_and_drops_old_ones(
        world, keeping, web_client, monkeypatch, capsys):
    get_ok(web_client(world.bureau_admin), DISTRICT)  # kept at 18:30
    stale = DistrictFigures.objects.create(bureau=world.district_b, key="0:2026-01-01:2026-01-31",
                                           data={}, computed_at=NOW - dt.timedelta(days=3),
                                           seconds=1.0)
    file(world.teacher_b, world.class_a2_4_1, MON + dt.timedelta(days=1), 30)
    at(monkeypatch, NOW + dt.timedelta(minutes=10))
    call_command("refresh_dashboards")
    out = capsys.readouterr().out
    assert "共排队 1 个区县，删除 1 份过期看板数据" in out
    assert not DistrictFigures.objects.filter(pk=stale.pk).exists()
    kept = DistrictFigures.objects.get(bureau=world.district_a)
    assert kept.computed_at == NOW + dt.timedelta(minutes=10)
    assert kept.data["homework"]["class_days"] == 7
    # So the page, read within the maximum age, already shows the new day
    assert class_days(get_ok(web_client(world.bureau_admin), DISTRICT)) == 7


def test_refresh_dashboards_options_and_their_errors(world, keeping, capsys):
    call_command("refresh_dashboards", bureau=world.district_b.code)
    assert "共排队 1 个区县" in capsys.readouterr().out
    with pytest.raises(CommandError, match="没有行政区划代码为 000000"):
        call_command("refresh_dashboards", bureau="000000")
    with pytest.raises(CommandError, match="--keep-days 至少为 1"):
        call_command("refresh_dashboards", keep_days=0)
