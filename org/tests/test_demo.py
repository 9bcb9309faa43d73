"""The demo district (``load_demo``) and generated districts (``generate_district``), checked
through the doors: the commands, the login page, the token endpoint and the API."""

from io import StringIO

import pytest
from django.core.management import call_command
from stdnum.cn import ric

from afterschool.models import Application, Attendance, Enrolment, Programme, Session
from institutions.models import Card, Institution, InstitutionVersion, Staff, TrainingSession
from org.demo import DEMO_DISTRICT_CODE, DEMO_PASSWORD, birth_range
from org.models import (
    Bureau,
    Guardian,
    Guardianship,
    Pupil,
    RoleAssignment,
    School,
    SchoolClass,
    Teacher,
    TeachingAssignment,
    User,
)
from schoolcal.models import Term, Vacation

pytestmark = pytest.mark.django_db

COUNTED = [Bureau, School, SchoolClass, Teacher, TeachingAssignment, Pupil, Guardian, Guardianship,
           Institution, User, RoleAssignment, Term, Vacation, Programme, Application, Enrolment,
           Session, Attendance, InstitutionVersion, Staff, TrainingSession, Card]

# username → (roles /api/v1/me must show, the unit it must name)
EXPECTED = {
    "bureau": (["bureau_admin"], "bureau"),
    "supervisor": (["supervisor"], "bureau"),
    "inspector": (["inspector"], "bureau"),
    "principal": (["school_admin"], "school"),
    "headteacher": (["head_teacher", "subject_teacher"], "school"),
    "teacher": (["subject_teacher"], "school"),
    "teacher2": (["subject_teacher"], "school"),
    "parent": (["guardian"], None),
    "institution": (["institution_staff"], "institution"),
    "bank": (["custodian_bank"], "bureau"),
}


def load_demo():
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def counts():
    return {model.__name__: model.objects.count() for model in COUNTED}


def token_for(client, username):
    response = client.post("/api/v1/auth/token",
                           {"username": username, "password": DEMO_PASSWORD},
                           content_type="application/json")
    assert response.status_code == 200, (username, response.content)
    return response.json()["token"]


def api_get(client, token, url):
    response = client.get(url, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200, (url, response.content)
    return response.json()


def test_loading_the_demo_twice_changes_nothing():
    # Given the demo loaded once
    first_output = load_demo()
    before = counts()
    # When it is loaded again
    second_output = load_demo()
    # Then no row was added, and both runs print the logins and the address
    assert counts() == before
    # ten registered institutions and one pending application; an after-school term under way
    assert before["Pupil"] > 3000 and before["Institution"] == 11
    assert before["Programme"] == 1 and before["Enrolment"] > 500 and before["Attendance"] > 0
    for output in (first_output, second_output):
        assert "http://127.0.0.1:" in output
        assert all(username in output for username in EXPECTED)


def test_loading_again_repairs_a_changed_demo_password():
    load_demo()
    user = User.objects.get(username="teacher")
    user.set_password("something-else-2026")
    user.save()
    load_demo()
    user.refresh_from_db()
    assert user.check_password(DEMO_PASSWORD)


def test_demo_district_has_both_school_systems_valid_pupils_and_a_calendar():
    load_demo()
    district = Bureau.objects.get(code=DEMO_DISTRICT_CODE)
    schools = School.objects.filter(bureau=district)
    # Four 六三制 primary schools of 6 grades × 3 classes, two junior schools
    assert schools.count() >= 6
    assert schools.filter(stage="primary").count() == 4
    for school in schools.filter(stage="primary"):
        assert school.classes.count() == 18
    # XC-1: the 五四制 junior school teaches grades 6–9
    five_four = schools.get(stage="junior", system="5-4")
    assert sorted(set(five_four.classes.values_list("grade", flat=True))) == [6, 7, 8, 9]
    # Every class has a head teacher and about 40 pupils with valid ID numbers fitting the grade
    classes = SchoolClass.objects.filter(school__bureau=district)
    assert not classes.filter(head_teacher__isnull=True).exists()
    pupils = Pupil.objects.filter(school__bureau=district).select_related("school_class")
    assert 35 * classes.count() <= pupils.count() <= 45 * classes.count()
    for pupil in pupils:
        assert ric.is_valid(pupil.id_number), pupil.id_number
        first, last = birth_range(pupil.school_class.grade)
        assert first <= ric.get_birth_date(pupil.id_number) <= last
        assert (int(pupil.id_number[16]) % 2 == 1) == (pupil.gender == "M")
    assert not pupils.filter(guardian_links__isnull=True).exists()
    # The calendar: three terms and the summer and winter vacations between them
    assert Term.objects.filter(bureau=district).count() == 3
    assert set(Vacation.objects.filter(bureau=district).values_list("name", flat=True)) == \
        {"暑假", "寒假"}


def test_every_demo_account_logs_in_on_the_web_and_through_the_api(client):
    load_demo()
    for username in EXPECTED:
        user = User.objects.get(username=username)
        assert user.name and not user.is_staff and not user.is_superuser
        # The login page
        response = client.post("/login/", {"username": username, "password": DEMO_PASSWORD})
        assert response.status_code == 302 and response.url == "/", username
        client.post("/logout/")
        # The token endpoint
        token_for(client, username)


def test_me_shows_each_demo_accounts_roles_and_unit(client):
    load_demo()
    first_primary = School.objects.get(code=f"{DEMO_DISTRICT_CODE}0001")
    for username, (roles, unit) in EXPECTED.items():
        me = api_get(client, token_for(client, username), "/api/v1/me")
        assert me["roles"] == roles, username
        if unit:
            assert me[unit] is not None, username
    principal = api_get(client, token_for(client, "principal"), "/api/v1/me")
    assert principal["school"]["id"] == first_primary.pk
    teacher2 = api_get(client, token_for(client, "teacher2"), "/api/v1/me")
    assert teacher2["school"]["id"] != first_primary.pk
    parent = api_get(client, token_for(client, "parent"), "/api/v1/me")
    assert len(parent["pupils"]) == 1
    assert parent["pupils"][0]["school_class_name"] == f"{first_primary.name} 四年级（1）班"


def test_demo_teacher_sees_exactly_the_two_classes_they_teach(client):
    load_demo()
    token = token_for(client, "teacher")
    classes = api_get(client, token, "/api/v1/classes")
    assert classes["count"] == 2
    assert [c["name"] for c in classes["items"]] == ["一年级（1）班", "四年级（1）班"]
    # maths in both, nothing else, and head of neither
    teacher = Teacher.objects.get(user__username="teacher")
    assert set(teacher.assignments.values_list("subject", flat=True)) == {"maths"}
    assert not teacher.head_of.exists()
    # while the head teacher account heads 四年级（1）班 of the same school
    head = Teacher.objects.get(user__username="headteacher")
    assert head.school_id == teacher.school_id
    assert head.head_of.filter(grade=4, number=1).exists()


def test_generate_district_creates_the_pupils_asked_for_with_guardians():
    # When a district of 500 pupils is generated
    call_command("generate_district", pupils=500, stdout=StringIO())
    bureau = Bureau.objects.get(code="980001")
    pupils = Pupil.objects.filter(school__bureau=bureau)
    # Then it has exactly those pupils, valid and unique ID numbers, and a guardian each
    assert pupils.count() == 500
    assert all(ric.is_valid(n) for n in pupils.values_list("id_number", flat=True))
    assert not pupils.filter(guardian_links__isnull=True).exists()
    assert Guardianship.objects.filter(pupil__school__bureau=bureau).count() == 500
    # and its classes have head teachers and teaching assignments
    classes = SchoolClass.objects.filter(school__bureau=bureau)
    assert not classes.filter(head_teacher__isnull=True).exists()
    assert not classes.filter(assignments__isnull=True).exists()
    assert set(School.objects.filter(bureau=bureau).values_list("stage", flat=True)) == \
        {"primary", "junior"}


def test_generating_again_makes_a_new_district_with_other_id_numbers():
    call_command("generate_district", pupils=300, stdout=StringIO())
    call_command("generate_district", pupils=300, seed=1, name="样例市测试区教育局",
                 stdout=StringIO())
    second = Bureau.objects.get(name="样例市测试区教育局")
    assert second.code == "980002"
    regions = {n[:6] for n in Pupil.objects.values_list("id_number", flat=True)}
    assert Pupil.objects.count() == 600 and len(regions) == 2
