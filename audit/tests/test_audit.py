"""The audit log (STYLE 7): every change through the API is recorded with its actor, dotted code
and changed fields, sensitive values masked; bureau admins read it on the web and the API."""

import json
import re

import pytest
from auditlog.models import LogEntry

from conftest import assert_error, make_id_number
from org.models import Pupil, School, Teacher


def _entry(code, obj):
    return LogEntry.objects.get(additional_data__code=code, object_pk=str(obj.pk))


def _whole_entry(entry):
    """Everything an entry stores, as one string (to look for leaked values)."""
    return json.dumps([entry.changes, entry.changes_text, entry.additional_data,
                       entry.serialized_data, entry.object_repr], ensure_ascii=False,
                      default=str)


# ---- writes are logged ---------------------------------------------------------------------

def test_creating_a_school_is_logged_with_actor_code_and_fields(cast, bureau_admin, api_client):
    # When the bureau admin creates a school through the API
    response = api_client(bureau_admin).post(
        "/api/v1/schools", {"name": "甲区第三小学", "code": "A3", "stage": "primary"},
        content_type="application/json")
    assert response.status_code == 201
    # Then one CREATE entry names the actor, the code and the new values
    entry = _entry("org.school.created", School.objects.get(code="A3"))
    assert entry.actor_id == bureau_admin.pk
    assert entry.action == LogEntry.Action.CREATE
    assert entry.changes["name"] == [None, "甲区第三小学"]
    assert entry.changes["code"] == [None, "A3"]


def test_changing_a_school_name_logs_old_and_new(cast, bureau_admin, api_client):
    school = cast.school_a1
    # When the bureau admin renames school A1
    response = api_client(bureau_admin).patch(f"/api/v1/schools/{school.pk}",
                                              {"name": "甲区实验小学"},
                                              content_type="application/json")
    assert response.status_code == 200
    # Then the entry records exactly that change
    entry = _entry("org.school.changed", school)
    assert entry.actor_id == bureau_admin.pk
    assert entry.action == LogEntry.Action.UPDATE
    assert entry.changes == {"name": ["甲区第一小学", "甲区实验小学"]}


def test_creating_and_changing_a_class_is_logged(cast, principal, api_client):
    client = api_client(principal)
    created = client.post("/api/v1/classes",
                          {"school": cast.school_a1.pk, "grade": 5, "number": 2},
                          content_type="application/json")
    assert created.status_code == 201
    class_id = created.json()["id"]
    changed = client.patch(f"/api/v1/classes/{class_id}",
                           {"number": 3, "head_teacher": cast.teacher_a_profile.pk},
                           content_type="application/json")
    assert changed.status_code == 200
    created_entry = LogEntry.objects.get(additional_data__code="org.class.created",
                                         object_pk=str(class_id))
    assert created_entry.actor_id == principal.pk
    assert created_entry.changes["grade"] == [None, "5"]
    changed_entry = LogEntry.objects.get(additional_data__code="org.class.changed",
                                         object_pk=str(class_id))
    assert changed_entry.changes["number"] == ["2", "3"]
    assert changed_entry.changes["head_teacher"] == [None, str(cast.teacher_a_profile.pk)]


def test_creating_a_teacher_logs_masked_id_number_and_phone(cast, principal, api_client):
    id_number = make_id_number(41, birth="19900202")
    # When the principal adds a teacher with an ID number and a phone
    response = api_client(principal).post("/api/v1/teachers", {
        "school": cast.school_a1.pk, "name": "钱老师", "id_number": id_number,
        "phone": "13955556666",
        "assignments": [{"school_class": cast.class_a1_4_2.pk, "subject": "english"}],
    }, content_type="application/json")
    assert response.status_code == 201, response.content
    teacher = Teacher.objects.get(name="钱老师")
    # Then the entry has the masked values and nowhere the full ones
    entry = _entry("org.teacher.created", teacher)
    assert entry.actor_id == principal.pk
    assert entry.changes["id_number"] == [None, id_number[:6] + "********" + id_number[-4:]]
    assert entry.changes["phone"] == [None, "139****6666"]
    stored = _whole_entry(entry)
    assert id_number not in stored and "13955556666" not in stored


def test_creating_a_pupil_logs_masked_id_number(cast, principal, api_client):
    id_number = make_id_number(42)
    response = api_client(principal).post("/api/v1/pupils", {
        "school_class": cast.class_a1_4_1.pk, "name": "孙小美", "gender": "F",
        "id_number": id_number,
        "guardians": [{"name": "孙妈妈", "phone": "13677778888", "relation": "mother"}],
    }, content_type="application/json")
    assert response.status_code == 201, response.content
    pupil = Pupil.objects.get(id_number=id_number)
    entry = _entry("org.pupil.created", pupil)
    assert entry.actor_id == principal.pk
    assert entry.changes["name"] == [None, "孙小美"]
    assert entry.changes["id_number"] == [None, id_number[:6] + "********" + id_number[-4:]]
    stored = _whole_entry(entry)
    assert id_number not in stored and "13677778888" not in stored


def test_changing_a_pupil_id_number_logs_both_masked(cast, principal, api_client):
    pupil = cast.pupil_p
    old, new = pupil.id_number, make_id_number(43, birth="20160820")
    response = api_client(principal).patch(f"/api/v1/pupils/{pupil.pk}", {"id_number": new},
                                           content_type="application/json")
    assert response.status_code == 200, response.content
    entry = _entry("org.pupil.changed", pupil)
    assert entry.changes == {"id_number": [old[:6] + "********" + old[-4:],
                                           new[:6] + "********" + new[-4:]]}
    stored = _whole_entry(entry)
    assert old not in stored and new not in stored


def test_a_refused_change_logs_nothing(cast, principal, api_client):
    before = LogEntry.objects.count()
    response = api_client(principal).patch(f"/api/v1/schools/{cast.school_a1.pk}",
                                           {"name": "改不了"}, content_type="application/json")
    assert_error(response, 403, "forbidden")
    assert LogEntry.objects.count() == before


# ---- reading the log on the web ------------------------------------------------------------

def _table(page):
    start = page.index('id="audit-entries"')
    return page[start:page.index("</table>", start)]


def test_bureau_admin_reads_the_audit_log_and_filters_by_code(cast, bureau_admin, api_client,
                                                              web_client,
                                                              django_assert_max_num_queries):
    # Given a school rename among the cast's creations
    api_client(bureau_admin).patch(f"/api/v1/schools/{cast.school_a1.pk}",
                                   {"name": "甲区实验小学"}, content_type="application/json")
    client = web_client(bureau_admin)
    # When the bureau admin opens the log
    with django_assert_max_num_queries(15):
        everything = client.get("/audit/")
    # Then creations and the change are listed
    assert everything.status_code == 200
    table = _table(everything.content.decode())
    assert "新建学生" in table and "修改学校" in table
    # and filtering by code keeps only that code
    filtered = client.get("/audit/?code=org.school.changed")
    rows = list(filtered.context["page"])
    assert rows and {e.code for e in rows} == {"org.school.changed"}
    table = _table(filtered.content.decode())
    assert "修改学校" in table and "新建学生" not in table
    assert "甲区实验小学" in table


def test_the_web_log_shows_masked_id_numbers_only(cast, bureau_admin, web_client):
    page = web_client(bureau_admin).get("/audit/?code=org.pupil.created").content.decode()
    assert cast.pupil_p.id_number not in page
    assert cast.pupil_p.id_number_masked in page


@pytest.mark.parametrize("actor", ["principal", "teacher_a", "supervisor", "guardian_p"])
def test_only_bureau_admins_read_the_web_log(actor, cast, web_client, request):
    assert web_client(request.getfixturevalue(actor)).get("/audit/").status_code == 403


# ---- reading the log through the API -------------------------------------------------------

def test_api_audit_entries_filter_by_code(cast, bureau_admin, api_client,
                                          django_assert_max_num_queries):
    client = api_client(bureau_admin)
    with django_assert_max_num_queries(12):
        response = client.get("/api/v1/audit/entries?code=org.pupil.created&limit=500")
    assert response.status_code == 200
    items = response.json()["items"]
    # the four district A pupils were created by this admin; B's pupil is not theirs to see
    assert len(items) == 4
    assert {e["code"] for e in items} == {"org.pupil.created"}
    assert {e["actor"] for e in items} == {"bureau"}
    assert all(e["label"] == "新建学生" for e in items)
    assert all(re.match(r"^\d{6}\*{8}[\dX]{4}$", e["changes"]["id_number"][1]) for e in items)


def test_api_audit_entries_are_scoped_to_the_bureau(cast, bureau_admin_b, api_client):
    items = api_client(bureau_admin_b).get("/api/v1/audit/entries?limit=500").json()["items"]
    assert items
    assert {e["actor"] for e in items} == {"bureau_b"}


@pytest.mark.parametrize("actor", ["principal", "teacher_a", "supervisor"])
def test_only_bureau_admins_read_the_api_log(actor, cast, api_client, request):
    response = api_client(request.getfixturevalue(actor)).get("/api/v1/audit/entries")
    assert_error(response, 403, "forbidden")
