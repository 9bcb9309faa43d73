"""The demo district (``load_demo``) and generated districts (``generate_district``), checked
through the doors: the commands, the login page, the token endpoint and the API."""

import datetime as dt
import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import F
from django.utils import timezone
from stdnum.cn import ric

from afterschool.models import Application, Attendance, Enrolment, Programme, Session
from complaints.models import Complaint, ComplaintEvent
from core.navigation import entries_for
from ethics.models import Case
from funds import services
from funds.models import Contract, Lesson, Posting, SupervisedAccount
from inspections import services as inspections
from inspections.models import Conflict, Draw, Inspection, Inspector, JointOperation
from institutions.models import (
    Card,
    Institution,
    InstitutionVersion,
    Staff,
    TeacherMatch,
    TrainingSession,
)
from mentoring import services as mentoring
from mentoring.demo import current_term
from mentoring.models import Mentorship, Plan, Task
from org.demo import DEMO_DISTRICT_CODE, DEMO_PASSWORD, birth_range, demo_school_code
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
from schoolcal.calendar import SchoolCalendar
from schoolcal.models import Term, Vacation
from schoolinspection.checklist import week_start_of
from schoolinspection.models import InspectorAssignment, RectificationTask, SelfCheck, Visit

pytestmark = pytest.mark.django_db

COUNTED = [Bureau, School, SchoolClass, Teacher, TeachingAssignment, Pupil, Guardian, Guardianship,
           Institution, User, RoleAssignment, Term, Vacation, Programme, Application, Enrolment,
           Session, Attendance, InstitutionVersion, Staff, TrainingSession, Card, Complaint,
           ComplaintEvent, Inspector, Draw, Inspection, JointOperation, Case, TeacherMatch,
           InspectorAssignment, SelfCheck, Visit, RectificationTask, Plan, Mentorship, Task]

# username → (roles /api/v1/me must show, the unit it must name)
EXPECTED = {
    "bureau": (["bureau_admin"], "bureau"),
    "supervisor": (["supervisor"], "bureau"),
    "inspector": (["inspector"], "bureau"),
    "hotline": (["hotline"], "bureau"),
    "ethics": (["ethics_officer"], "bureau"),
    "principal": (["school_admin"], "school"),
    "psychologist": (["psychologist"], None),  # /me names no school for this role
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


NAV_LINK = re.compile(r'<a href="([^"]+)"[^>]*>([^<]+)</a>')
HOME_CARD = re.compile(r'<a class="card link-card" href="([^"]+)"><h2>([^<]+)</h2>')


def test_every_demo_account_home_page_lists_its_navigation_entries(client):
    load_demo()
    for username in EXPECTED:
        # Given the account logged in through the login form
        assert client.post("/login/", {"username": username, "password": DEMO_PASSWORD}).url == "/"
        expected = [(e["url"], e["label"]) for e in entries_for(User.objects.get(
            username=username))]
        # Then its home page has exactly its navigation entries, and a card for each but help
        page = client.get("/").content.decode()
        nav = re.search(r'<nav id="nav"[^>]*>(.*?)</nav>', page, re.S).group(1)
        assert NAV_LINK.findall(nav) == expected, username
        assert HOME_CARD.findall(page) == [e for e in expected if e[1] != "帮助"], username
        client.post("/logout/")
    # The new accounts' areas among them
    labels = {u: [e["label"] for e in entries_for(User.objects.get(username=u))]
              for u in ("hotline", "ethics", "psychologist")}
    assert "投诉举报" in labels["hotline"] and "师德师风" in labels["ethics"]
    assert "全员导师制" in labels["psychologist"]


def test_demo_has_complaints_in_every_state_routed_to_school_and_sections():
    load_demo()
    district = Bureau.objects.get(code=DEMO_DISTRICT_CODE)
    complaints = Complaint.objects.filter(bureau=district)
    assert complaints.count() == 8
    assert {"submitted", "acknowledged", "in_progress", "resolved", "merged", "rejected"} <= \
        set(complaints.values_list("status", flat=True))
    assert {"web", "hotline"} == set(complaints.values_list("channel", flat=True))
    assert complaints.filter(anonymous=True).exists()
    assert complaints.filter(anonymous=False, channel="web").exists()
    # routed to the first school and to the supervision section and the ethics officer
    assert complaints.filter(unit_school__code=demo_school_code(1)).exists()
    assert {"supervisor", "ethics_officer", "bureau_admin"} <= set(
        complaints.values_list("unit_role", flat=True))
    # a public reply, a merged duplicate, and one overdue complaint escalated to the bureau
    assert ComplaintEvent.objects.filter(complaint__bureau=district, kind="replied",
                                         public=True).exists()
    assert complaints.get(status="merged").duplicate_of.status == "resolved"
    escalated = complaints.get(escalated_at__isnull=False)
    assert escalated.overdue_for(timezone.localdate()) and escalated.level == "bureau"


def test_demo_has_a_roster_draws_with_results_and_a_joint_operation():
    load_demo()
    district = Bureau.objects.get(code=DEMO_DISTRICT_CODE)
    roster = Inspector.objects.filter(bureau=district)
    assert roster.count() == 8 and roster.values("department").distinct().count() >= 4
    assert roster.get(user__username="inspector").name == "张志强"
    assert Conflict.objects.filter(inspector__bureau=district).count() == 1
    autumn = Draw.objects.get(bureau=district, target_kind="institution")
    checks = Inspection.objects.filter(draw=autumn)
    assert inspections.verify_draw(autumn)["ok"]
    # results recorded for some, one published, one past its deadline, the inspector's to do
    assert checks.filter(status="published").count() == 1
    assert inspections.overdue(checks).count() == 1
    assert checks.filter(status="assigned", inspectors__user__username="inspector").exists()
    assert Draw.objects.filter(bureau=district, target_kind="school").exists()
    operation = JointOperation.objects.get(bureau=district)
    assert sorted(operation.visits.values_list("outcome", flat=True)) == ["card", "compliant"]
    assert operation.visits.get(outcome="card").card.colour == "yellow"


def test_demo_has_ethics_cases_and_a_confirmed_match_waiting_for_a_case():
    load_demo()
    district = Bureau.objects.get(code=DEMO_DISTRICT_CODE)
    cases = Case.objects.filter(bureau=district)
    assert {c.status for c in cases} == {"investigating", "concluded"}
    assert cases.get(source="staff_match").teacher_match.status == "confirmed"
    assert cases.get(source="complaint").source_ref == \
        Complaint.objects.get(category="paid_tutoring").code_display
    # every case is about a teacher of the demo principal's school
    assert set(cases.values_list("school__code", flat=True)) == {demo_school_code(1)}
    assert TeacherMatch.objects.filter(status="confirmed", ethics_cases__isnull=True,
                                       teacher__school__bureau=district).count() == 1


def test_demo_has_school_supervision_and_mentoring_under_way():
    load_demo()
    district = Bureau.objects.get(code=DEMO_DISTRICT_CODE)
    school = School.objects.get(code=demo_school_code(1))
    today = timezone.localdate()
    # The inspector is the responsible inspector of the first schools
    assert set(InspectorAssignment.objects.current().filter(inspector__username="inspector")
               .values_list("school__code", flat=True)) >= {demo_school_code(1),
                                                            demo_school_code(2)}
    # last week's self-check (when last week had school days), a visit that made a task
    last_week = week_start_of(today) - dt.timedelta(days=7)
    if SchoolCalendar(district).school_days(last_week, last_week + dt.timedelta(days=6)):
        assert SelfCheck.objects.filter(school=school, week_start=last_week).exists()
    visit = Visit.objects.get(school=school, inspector__username="inspector")
    assert RectificationTask.objects.filter(visit=visit, source="visit").count() == 1
    # Mentoring: the term's plan, everybody covered, the demo teachers have mentees
    plan = Plan.objects.get(school=school, term=current_term(district, today))
    assert plan.grades == [4]
    assert mentoring.coverage(plan)["without"] == 0
    for username in ("teacher", "headteacher"):
        assert Mentorship.objects.current().filter(plan=plan, mentor__user__username=username) \
            .exists(), username
    assert Task.objects.filter(mentorship__plan=plan, created_by__username="teacher").exists()
    # one pupil flagged for the psychologist; the parent's child has a shared written feedback
    assert Mentorship.objects.filter(plan=plan, needs_attention=True).count() == 1
    child = Pupil.objects.get(guardian_links__guardian__user__username="parent")
    assert Task.objects.filter(mentorship__pupil=child, kind="written_feedback",
                               shared_with_family=True).exists()


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


def test_generated_district_has_consistent_training_fee_data():
    # When a district of 2,500 pupils is generated
    call_command("generate_district", pupils=2500, stdout=StringIO())
    bureau = Bureau.objects.get(code="980001")
    licensed = Institution.objects.filter(bureau=bureau, status="approved",
                                          licence_status="permit_and_licence")
    # Then every licensed institution has a supervised account, published courses, a staff login
    assert licensed.exists()
    assert SupervisedAccount.objects.filter(institution__bureau=bureau).count() == licensed.count()
    assert not licensed.filter(courses__isnull=True).exists()
    assert RoleAssignment.objects.filter(institution__in=licensed,
                                         role="institution_staff").count() == licensed.count()
    # and about one pupil in 25 has a contract, signed by their guardian's login
    contracts = Contract.objects.filter(institution__bureau=bureau)
    assert contracts.count() == 100
    assert not contracts.exclude(guardian__guardian__links__pupil=F("pupil")).exists()
    assert {"active", "completed", "refunded"} <= set(contracts.values_list("status", flat=True))
    # with deposits, lessons confirmed and released and lessons waiting for confirmation
    postings = Posting.objects.filter(institution__bureau=bureau)
    assert postings.filter(kind="deposit").count() == contracts.exclude(paid_at=None).count()
    released = Lesson.objects.filter(contract__in=contracts, status="confirmed")
    assert released.count() == postings.filter(kind="release").count() > 0
    assert Lesson.objects.filter(contract__in=contracts, status="pending").exists()
    # and the ledger agrees with the contracts exactly as the services would have left it
    assert services.check_invariants() == []
    # Contracts can go on through the services: the bank's login and the staff's work
    contract = contracts.filter(status="active").exclude(lessons_pending=0).first()
    staff = User.objects.get(role_assignments__institution=contract.institution_id)
    assert contract.lessons_left > 0
    lesson = services.record_lesson(actor=staff, contract=contract)
    services.confirm_lesson(actor=contract.guardian, lesson=lesson)
    assert services.check_invariants() == []
