"""Statistics: counts by category, status and unit, and the on-time rates, through the API, the
page (with its chart data) and the Excel export."""

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from complaints import services
from complaints.tests.conftest import API, file

NOV_2 = dt.date(2026, 11, 2)  # Monday: acknowledge by 11-04, resolve by 11-23
TODAY = dt.date(2026, 11, 30)


@pytest.fixture
def november(cast, clock, principal, supervisor, hotline, bureau_admin):
    """Seven complaints of district A filed in November, handled on time, late or not at all:

    A homework/A1 acknowledged 11-03, resolved 11-10 (both on time)
    B homework/A1 acknowledged 11-05, resolved 11-24 (both late)
    C institution  acknowledged 11-04 (on time), still in progress (resolution overdue)
    D paid tutoring never acknowledged (both overdue)
    E other        rejected 11-03 (answered on time; no resolution counted)
    F homework/A1  merged into A (counted in totals, not in rates)
    G fees         filed today 11-30 (nothing due yet)
    """
    clock.set(NOV_2)
    a, b, f = file(cast), file(cast), file(cast)
    c = file(cast, category="institution", school=None, institution=cast.institution_1.pk)
    d = file(cast, category="paid_tutoring", teacher_name="李老师")
    e = file(cast, category="other")
    services.merge(actor=hotline, complaint=f, into=a)

    def on(date, step, actor, complaint, **data):
        clock.set(date)
        step(actor=actor, complaint=complaint, **data)

    on(dt.date(2026, 11, 3), services.acknowledge, principal, a)
    on(dt.date(2026, 11, 3), services.reject, bureau_admin, e, reason="不属于受理范围")
    on(dt.date(2026, 11, 4), services.acknowledge, supervisor, c)
    on(dt.date(2026, 11, 5), services.acknowledge, principal, b)
    for complaint in (a, b, c):
        services.start(actor=principal if complaint.unit_school_id else supervisor,
                       complaint=complaint)
    on(dt.date(2026, 11, 10), services.resolve, principal, a, outcome="已减量")
    on(dt.date(2026, 11, 24), services.resolve, principal, b, outcome="已减量")
    clock.set(TODAY)
    g = file(cast, category="fees", school=None)
    call_command("escalate_complaints", stdout=io.StringIO())
    return {"a": a, "b": b, "c": c, "d": d, "e": e, "f": f, "g": g}


def counts(rows):
    return {r["key"]: r["count"] for r in rows if r["count"]}


def test_the_bureau_reads_the_district_figures(cast, api_client, bureau_admin, november):
    # When the bureau admin asks for November's statistics
    response = api_client(bureau_admin).get(f"{API}/statistics?start=2026-11-01&end=2026-11-30")
    assert response.status_code == 200, response.content
    body = response.json()
    # Then the counts are by category, status and unit
    assert (body["total"], body["open"], body["overdue"], body["escalated"]) == (7, 3, 2, 2)
    assert counts(body["by_category"]) == {"homework": 3, "institution": 1,
                                           "paid_tutoring": 1, "other": 1, "fees": 1}
    assert counts(body["by_status"]) == {"submitted": 2, "in_progress": 1, "resolved": 2,
                                         "rejected": 1, "merged": 1}
    assert counts(body["by_unit"]) == {f"school:{cast.school_a1.pk}": 3,
                                       "section:supervisor": 2, "section:ethics_officer": 1,
                                       "section:bureau_admin": 1}
    # and the rates: answered on time A, C, E of A–E (G is not due, F is a duplicate)
    assert body["ack"] == {"due": 5, "on_time": 3, "rate": 60.0}
    # resolved on time: A of A–D (E was refused, G is not due)
    assert body["resolve"] == {"due": 4, "on_time": 1, "rate": 25.0}


def test_a_school_reads_only_its_own_figures_and_the_period_filters(cast, api_client, principal,
                                                                    bureau_admin, november):
    own = api_client(principal).get(f"{API}/statistics").json()
    assert own["total"] == 3 and counts(own["by_unit"]) == {f"school:{cast.school_a1.pk}": 3}
    assert own["ack"] == {"due": 2, "on_time": 1, "rate": 50.0}
    today_only = api_client(bureau_admin).get(f"{API}/statistics?start=2026-11-30").json()
    assert today_only["total"] == 1
    assert today_only["ack"] == {"due": 0, "on_time": 0, "rate": None}


def test_the_statistics_page_draws_the_charts_and_exports_excel(cast, web_client, bureau_admin,
                                                                november):
    client = web_client(bureau_admin)
    page = client.get(reverse("complaints:statistics"), {"start": "2026-11-01",
                                                         "end": "2026-11-30"})
    assert page.status_code == 200
    text = page.content.decode()
    assert 'data-chart="bar"' in text and "echarts-6.1.0.min.js" in text
    category = json.loads(text.split('id="chart-category" type="application/json">')[1]
                          .split("</script>")[0])
    assert category["x"][0] == "作业负担" and category["series"][0]["data"][0] == 3
    assert "60.0%" in text and "25.0%" in text
    # The export holds the same figures and the list
    export = client.get(reverse("complaints:export"), {"start": "2026-11-01", "end": "2026-11-30"})
    book = load_workbook(io.BytesIO(export.content))
    summary = {row[0]: row[1:] for row in book["统计"].values if row and row[0]}
    assert summary["投诉总数"][0] == 7
    assert summary["受理及时率"][0] == "60.0%" and summary["办结及时率"][0] == "25.0%"
    assert len(list(book["投诉清单"].values)) == 8  # the header and seven complaints
