"""The dashboards API: the three levels with real figures, the evaluation table and weights
(QM-2), and every denial (role, organisation scope, another district's term)."""

import datetime as dt
import json

import pytest
from auditlog.models import LogEntry
from django.db import connection
from django.test.utils import CaptureQueriesContext

from complaints import services as complaint_services
from conftest import assert_error, fresh
from dashboards.models import EvaluationScheme
from homework import services as homework_services
from mentoring import services as mentoring_services
from mentoring.models import Mentorship
from org import services as org_services
from schoolcal.models import Term

API = "/api/v1/dashboards"
MONDAY = dt.date(2026, 11, 23)
WEEK = "start=2026-11-23&end=2026-11-29"


def file(user, school_class, date, minutes, subject="maths"):
    homework_services.file_homework(actor=fresh(user), school_class=school_class, date=date,
                                    subject=subject, title="练习", minutes=minutes)


@pytest.fixture
def district(cast):
    """District A's autumn term; class 4(1) of A1 over the 60-minute limit on three of five
    days, one item in A2; a complaint about school A1; a mentoring plan with one pupil's three
    tasks done."""
    cast.term = Term.objects.create(bureau=cast.district_a, school_year="2026-2027",
                                    name="第一学期", start=dt.date(2026, 9, 1),
                                    end=dt.date(2027, 1, 20))
    Term.objects.create(bureau=cast.district_b, school_year="2026-2027", name="第一学期",
                        start=dt.date(2026, 9, 1), end=dt.date(2027, 1, 20))
    for offset, minutes in enumerate([70, 65, 80, 40, 30]):
        file(cast.teacher_a, cast.class_a1_4_1, MONDAY + dt.timedelta(days=offset), minutes)
    file(cast.teacher_b, cast.class_a2_4_1, MONDAY, 50)
    complaint_services.file_complaint(
        actor=None, bureau=cast.district_a, channel="web", category="homework",
        subject="作业太多", details="四年级作业每天写到很晚", school=cast.school_a1,
        complainant_name="家长", complainant_phone="13800000000")
    plan = mentoring_services.create_plan(actor=fresh(cast.principal), school=cast.school_a1,
                                          term=cast.term, grades=[4])
    mentorship = mentoring_services.assign(actor=fresh(cast.principal), plan=plan,
                                           pupil=cast.pupil_p, mentor=cast.head_teacher_a_profile)
    mentoring_services.assign(actor=fresh(cast.principal), plan=plan, pupil=cast.pupil_q,
                              mentor=cast.head_teacher_a_profile)
    for kind in ("home_visit", "talk", "written_feedback"):
        mentoring_services.record_task(actor=fresh(cast.head_teacher_a), mentorship=mentorship,
                                       kind=kind, on=MONDAY, record="记录")
    return cast


def get(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.content.decode()
    return response.json()


def test_district_figures_for_the_bureau(district, api_client):
    data = get(api_client(district.bureau_admin), f"{API}/district?{WEEK}")
    assert data["bureau"]["id"] == district.district_a.pk
    assert data["homework"]["class_days"] == 6
    assert data["homework"]["over_days"] == 3
    assert data["homework"]["within_share"] == 0.5
    assert data["complaints"]["total"] == 1
    assert data["mentoring"] == {"covered": 2, "with_mentor": 2, "complete": 1, "flagged": 0,
                                 "coverage": 1.0, "completion": 0.5}
    schools = {s["name"]: s for s in data["schools"]}
    assert set(schools) == {"甲区第一小学", "甲区第二小学"}
    assert schools["甲区第一小学"]["complaints"] == 1
    assert schools["甲区第一小学"]["homework"]["class_days"] == 5
    assert schools["甲区第二小学"]["homework"]["within_share"] == 1.0
    assert [r["class_id"] for r in data["homework"]["repeated"]] == [district.class_a1_4_1.pk]
    week = next(w for w in data["trend"] if w["week"] == "2026-11-23")
    assert week["complaints"] == 1 and week["mentoring_tasks"] == 3
    assert week["homework_over_share"] == 0.5


def test_tasks_of_an_earlier_mentor_count_once_the_pupil_has_a_new_one(district, api_client):
    # Given Q's first mentor did two of the three tasks, then Q changed mentor (MT-2)
    first = Mentorship.objects.get(pupil=district.pupil_q, ended_at__isnull=True)
    for kind in ("home_visit", "talk"):
        mentoring_services.record_task(actor=fresh(district.head_teacher_a), mentorship=first,
                                       kind=kind, on=MONDAY, record="记录")
    second = mentoring_services.assign(actor=fresh(district.principal), plan=first.plan,
                                       pupil=district.pupil_q, mentor=district.teacher_a_profile)
    data = get(api_client(district.bureau_admin), f"{API}/district?{WEEK}")
    assert data["mentoring"]["complete"] == 1 and data["mentoring"]["with_mentor"] == 2
    # When the new mentor writes the feedback, Q's three tasks are done: both pupils complete
    mentoring_services.record_task(actor=fresh(district.teacher_a), mentorship=second,
                                   kind="written_feedback", on=MONDAY, record="记录")
    for url in (f"{API}/district?{WEEK}", f"{API}/schools/{district.school_a1.pk}?{WEEK}"):
        assert get(api_client(district.bureau_admin), url)["mentoring"]["complete"] == 2
    data = get(api_client(district.bureau_admin), f"{API}/schools/{district.school_a1.pk}?{WEEK}")
    classes = {c["class_id"]: c for c in data["classes"]}
    assert classes[district.class_a1_4_1.pk]["mentoring"]["complete"] == 2


def test_each_district_sees_its_own(district, api_client):
    data = get(api_client(district.bureau_admin_b), f"{API}/district?{WEEK}")
    assert data["bureau"]["id"] == district.district_b.pk
    assert [s["name"] for s in data["schools"]] == ["乙区第一小学"]
    assert data["homework"]["class_days"] == 0
    response = api_client(district.bureau_admin_b).get(
        f"{API}/district?bureau={district.district_a.pk}")
    assert_error(response, 404, "not_found")


def test_a_term_of_another_district_is_not_found(district, api_client):
    other = Term.objects.get(bureau=district.district_b)
    response = api_client(district.bureau_admin).get(f"{API}/district?term={other.pk}")
    assert_error(response, 404, "not_found")
    data = get(api_client(district.bureau_admin), f"{API}/district?term={district.term.pk}")
    assert data["period"]["term"]["id"] == district.term.pk
    assert data["period"]["start"] == "2026-09-01"


@pytest.mark.parametrize("query", ["start=2026-13-01", "end=yesterday", "start=1900-01-01",
                                   "term=0", "bureau=99999999999"])
def test_bad_parameters_are_422(district, api_client, query):
    response = api_client(district.bureau_admin).get(f"{API}/district?{query}")
    assert response.status_code == 422, response.content.decode()


def test_school_level_with_classes(district, api_client):
    client = api_client(district.principal)
    data = get(client, f"{API}/schools/{district.school_a1.pk}?{WEEK}")
    assert data["school"]["name"] == "甲区第一小学"
    classes = {c["class_id"]: c for c in data["classes"]}
    assert set(classes) == {district.class_a1_4_1.pk, district.class_a1_4_2.pk,
                            district.class_a1_2_1.pk}
    assert classes[district.class_a1_4_1.pk]["homework"]["over_days"] == 3
    assert classes[district.class_a1_4_1.pk]["mentoring"]["complete"] == 1
    assert classes[district.class_a1_4_1.pk]["pupils"] == 2
    assert data["complaints"]["total"] == 1
    assert data["mentoring"]["completion"] == 0.5
    # another school of the district is out of the principal's scope
    assert_error(client.get(f"{API}/schools/{district.school_a2.pk}"), 404, "not_found")
    # the district's inspector reads it; the other district's admin does not find it
    get(api_client(district.inspector), f"{API}/schools/{district.school_a2.pk}")
    assert_error(api_client(district.bureau_admin_b).get(f"{API}/schools/{district.school_a1.pk}"),
                 404, "not_found")


def test_class_level_names_no_pupil(district, api_client):
    client = api_client(district.head_teacher_a)
    data = get(client, f"{API}/classes/{district.class_a1_4_1.pk}?{WEEK}")
    assert data["homework"]["over_days"] == 3
    assert data["pupils"] == 2
    assert data["mentors"] == [{"mentor": "赵老师", "pupils": 2, "with_tasks": 1}]
    body = json.dumps(data, ensure_ascii=False)
    assert "张小明" not in body and "刘小红" not in body
    assert_error(client.get(f"{API}/classes/{district.class_a1_4_2.pk}"), 404, "not_found")


@pytest.mark.parametrize("actor,level", [
    ("principal", "district"), ("teacher_a", "district"), ("guardian_p", "district"),
    ("institution_staff", "district"), ("bank", "district"),
    ("teacher_a", "school"), ("supervisor", "school"), ("guardian_p", "school"),
    ("teacher_a", "class"), ("guardian_p", "class"), ("supervisor", "class"),
])
def test_roles_without_the_level_are_refused(district, api_client, request, actor, level):
    url = {"district": f"{API}/district", "school": f"{API}/schools/{district.school_a1.pk}",
           "class": f"{API}/classes/{district.class_a1_4_1.pk}"}[level]
    assert_error(api_client(request.getfixturevalue(actor)).get(url), 403, "forbidden")


def test_anonymous_is_401(district, api_client):
    assert api_client(None).get(f"{API}/district").status_code == 401


def test_district_query_count_does_not_grow_with_schools(district, api_client):
    client = api_client(district.bureau_admin)

    def statements():
        with CaptureQueriesContext(connection) as queries:
            get(client, f"{API}/district?{WEEK}")
        return len(queries)

    before = statements()
    for n in range(3, 9):
        school = org_services.create_school(actor=district.bureau_admin,
                                            bureau=district.district_a, name=f"甲区第{n}小学",
                                            code=f"A{n}", stage="primary", system="6-3",
                                            ownership="public")
        org_services.create_class(actor=district.bureau_admin, school=school, grade=4, number=1)
    assert statements() <= before + 2  # the token lookup and scope may vary, schools do not


# ---- evaluation -------------------------------------------------------------------------------


def test_evaluation_table_ranks_the_schools(district, api_client):
    data = get(api_client(district.inspector), f"{API}/evaluation?{WEEK}")
    keys = [i["key"] for i in data["indicators"]]
    assert "homework_within" in keys and "after_school_participation" in keys
    rows = {r["name"]: r for r in data["rows"]}
    # A1's class was over the limit on 3 of 5 days: 40 %; A2 was within on its one day
    assert rows["甲区第一小学"]["scores"]["homework_within"] == 40.0
    assert rows["甲区第二小学"]["scores"]["homework_within"] == 100.0
    assert rows["甲区第一小学"]["scores"]["mentoring_completion"] == 50.0
    assert "导师“三个一”完成率" in rows["甲区第二小学"]["missing"]
    assert rows["甲区第二小学"]["rank"] < rows["甲区第一小学"]["rank"]
    assert rows["甲区第一小学"]["coverage"] == 50 and rows["甲区第二小学"]["coverage"] == 40


def test_weights_change_the_total_and_are_audited(district, api_client):
    client = api_client(district.bureau_admin)
    weights = get(client, f"{API}/evaluation/weights")["weights"]
    zeroed = {key: 0 for key in weights} | {"homework_within": 50, "mentoring_completion": 50}
    response = client.put(f"{API}/evaluation/weights", json.dumps({"weights": zeroed}),
                          content_type="application/json")
    assert response.status_code == 200, response.content.decode()
    assert response.json()["weights"] == zeroed
    rows = {r["name"]: r for r in get(client, f"{API}/evaluation?{WEEK}")["rows"]}
    assert rows["甲区第一小学"]["total"] == 45.0  # (40 × 50 + 50 × 50) / 100
    assert rows["甲区第二小学"]["total"] == 100.0  # mentoring missing: re-normalised
    scheme = EvaluationScheme.objects.get(bureau=district.district_a)
    entry = LogEntry.objects.get_for_object(scheme).get()
    assert entry.additional_data["code"] == "dashboards.weights.saved"
    assert entry.actor == district.bureau_admin
    assert entry.changes["homework_within"] == [20, 50]


@pytest.mark.parametrize("weights,field", [
    ({"homework_within": -1}, "homework_within"), ({"homework_within": 101}, "homework_within"),
    ({"nonsense": 5}, "weights"),
    ({"homework_within": 0, "reported_within": 0, "after_school_participation": 0,
      "after_school_satisfaction": 0, "subject_training": 0, "training_spend": 0,
      "mentoring_completion": 0, "five_managements": 0, "sleep": 0, "complaints": 0},
     "weights"),
])
def test_bad_weights_save_nothing(district, api_client, weights, field):
    client = api_client(district.bureau_admin)
    response = client.put(f"{API}/evaluation/weights", json.dumps({"weights": weights}),
                          content_type="application/json")
    assert_error(response, 422, "QM-2", field)
    assert not EvaluationScheme.objects.exists()


def test_text_weight_is_422(district, api_client):
    response = api_client(district.bureau_admin).put(
        f"{API}/evaluation/weights", json.dumps({"weights": {"homework_within": "很多"}}),
        content_type="application/json")
    assert response.status_code == 422


@pytest.mark.parametrize("actor,status", [("inspector", 403), ("principal", 403),
                                          ("supervisor", 403), ("teacher_a", 403)])
def test_only_the_bureau_admin_sets_weights(district, api_client, request, actor, status):
    response = api_client(request.getfixturevalue(actor)).put(
        f"{API}/evaluation/weights", json.dumps({"weights": {"homework_within": 30}}),
        content_type="application/json")
    assert response.status_code == status
    assert not EvaluationScheme.objects.exists()


def test_another_districts_weights_are_not_found(district, api_client):
    response = api_client(district.bureau_admin_b).put(
        f"{API}/evaluation/weights?bureau={district.district_a.pk}",
        json.dumps({"weights": {"homework_within": 30}}), content_type="application/json")
    assert_error(response, 404, "not_found")
