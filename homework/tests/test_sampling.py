"""Burden-survey sampling (HW-17): reproducible, recorded, once per class and week."""

import datetime as dt

from auditlog.models import LogEntry

from conftest import assert_error, fresh, make_id_number
from homework import services
from org import services as org_services

MONDAY = "2026-11-23"


def _url(cast, suffix=""):
    return f"/api/v1/classes/{cast.class_a1_4_1.pk}/weeks/{MONDAY}/sample{suffix}"


def _more_pupils(cast, n=8):
    for i in range(n):
        org_services.create_pupil(actor=fresh(cast.bureau_admin), school_class=cast.class_a1_4_1,
                                  name=f"学生{i}", gender="F", id_number=make_id_number(300 + i))


def test_academic_office_draws_a_recorded_sample_that_verifies(cast, api_client):
    _more_pupils(cast)
    client = api_client(cast.principal)
    drawn = client.post(_url(cast), {"size": 4, "seed": 20261123},
                        content_type="application/json")
    assert drawn.status_code == 201, drawn.content
    body = drawn.json()
    assert body["seed"] == 20261123 and len(body["pupils"]) == 4
    roster = set(cast.class_a1_4_1.pupils.values_list("pk", flat=True))
    assert set(body["pupils"]) <= roster
    # The same roster, seed and size give the same pupils: anyone can check the draw
    assert body["pupils"] == services.draw_from(sorted(roster), 20261123, 4)
    verify = client.get(_url(cast, "/verify")).json()
    assert verify["matches"] is True
    assert LogEntry.objects.filter(additional_data__code="homework.sample.drawn").exists()


def test_a_week_is_sampled_once(cast, api_client):
    client = api_client(cast.principal)
    assert client.post(_url(cast), {"size": 1}, content_type="application/json").status_code == 201
    assert_error(client.post(_url(cast), {"size": 1}, content_type="application/json"),
                 409, "already_drawn")


def test_teachers_cannot_draw_and_other_schools_cannot_see(cast, api_client):
    assert_error(api_client(cast.teacher_a).post(_url(cast), {"size": 1},
                                                 content_type="application/json"),
                 403, "forbidden")
    assert_error(api_client(cast.teacher_b).post(_url(cast), {"size": 1},
                                                 content_type="application/json"),
                 404, "not_found")


def test_bad_week_and_size_are_refused(cast, api_client):
    client = api_client(cast.principal)
    tuesday = f"/api/v1/classes/{cast.class_a1_4_1.pk}/weeks/2026-11-24/sample"
    assert_error(client.post(tuesday, {"size": 1}, content_type="application/json"),
                 422, "invalid", "week_start")
    assert_error(client.post(_url(cast), {"size": 0}, content_type="application/json"),
                 422, "invalid", "size")


def test_sample_report_counts_the_sampled_guardians_reports(cast, api_client):
    # Given pupil P sampled and the Tuesday published with 30 minutes
    client = api_client(cast.principal)
    client.post(_url(cast), {"size": 2, "seed": 1}, content_type="application/json")
    day = dt.date(2026, 11, 24)
    services.file_homework(actor=fresh(cast.teacher_a), school_class=cast.class_a1_4_1,
                           date=day, subject="maths", title="练习", minutes=30)
    services.publish_class_day(actor=fresh(cast.head_teacher_a),
                               class_day=cast.class_a1_4_1.class_days.get(date=day))
    # When P's guardian reports 45 minutes
    services.report_time(actor=fresh(cast.guardian_p), pupil=cast.pupil_p, date=day, minutes=45)
    # Then the sample's report shows one response with 45 against 30 estimated
    report = client.get(_url(cast)).json()["report"]
    assert report == {"sampled": 2, "responded": 1, "reports": 1, "reported_avg": 45.0,
                      "estimated_avg": 30.0}


def test_academic_office_draws_through_the_week_page(cast, web_client):
    client = web_client(cast.principal)
    url = f"/homework/weeks/{cast.class_a1_4_1.pk}/{MONDAY}/sample/"
    assert "随机抽取本周样本" in client.get(url).content.decode()
    page = client.post(url, {"size": "1"}, HTTP_HX_REQUEST="true").content.decode()
    assert "已于" in page and "随机种子" in page
    assert cast.class_a1_4_1.survey_samples.get().pupils.count() == 1
    # a head teacher sees the sample but cannot draw
    head = web_client(cast.head_teacher_a).get(url).content.decode()
    assert "随机抽取本周样本" not in head


def test_a_sampled_childs_guardian_is_asked_to_report(cast, api_client, web_client):
    api_client(cast.principal).post(_url(cast), {"size": 2, "seed": 1},
                                    content_type="application/json")
    page = web_client(cast.guardian_p).get(
        f"/homework/children/{cast.pupil_p.pk}/?date=2026-11-24").content.decode()
    assert "作业负担抽样调查" in page
    other_week = web_client(cast.guardian_p).get(
        f"/homework/children/{cast.pupil_p.pk}/?date=2026-12-01").content.decode()
    assert "作业负担抽样调查" not in other_week
