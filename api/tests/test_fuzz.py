"""Fuzzing the JSON API with schemathesis, in process, as users of several roles.

Every operation of ``/api/v1/openapi.json`` is one test. For each role of ``ROLES`` it sends
generated requests through the project's WSGI application with that user's bearer token:
requests that fit the document, requests that break it, and requests about the cast's real
objects (path parameters set to ids the role may or may not see). Each response must

* not be a server error (5xx),
* have a status code the document declares for the operation,
* have the declared content type and match the declared schema.

The number of examples is bounded (``FUZZ_EXAMPLES`` per operation and role, default 6) and
generation is deterministic, so a red run repeats; ``FUZZ_SEED=<n>`` explores other inputs
(``FUZZ_SEED=$RANDOM FUZZ_EXAMPLES=100`` for a longer hunt). A failure prints the request as a
curl command, and each role is its own subtest, so one run reports every failing role.

We use schemathesis's strategies with Hypothesis directly rather than its pytest plugin
(``schema.parametrize``), which does not run under pytest 9.2 (it sets ``Node._nodeid``).
"""

import datetime as dt
import os

import hypothesis
import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.models import ApiToken
from api.urls import api
from conftest import fresh
from homework import services as homework_services
from org.models import RoleAssignment, User
from org.roles import Role

pytestmark = pytest.mark.fuzz

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "6"))
SEED = os.environ.get("FUZZ_SEED")
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]
# Actors of the cast (root conftest.py): the bureau admin, a school admin, a subject teacher,
# a head teacher, a guardian, the custodian bank, the supervisor and an institution's staff;
# and three made here (``actors``): the complaints hotline and the ethics officer of district
# A, and school A1's psychologist.
ROLES = ["bureau_admin", "principal", "teacher_a", "head_teacher_a", "guardian_p", "bank",
         "supervisor", "institution_staff", "hotline", "ethics", "psychologist"]
EXTRA = {"hotline": (Role.HOTLINE, "何丽萍", "bureau"),
         "ethics": (Role.ETHICS_OFFICER, "郭振华", "bureau"),
         "psychologist": (Role.PSYCHOLOGIST, "周思敏", "school")}
METHODS = {"get", "post", "put", "patch", "delete"}


def _operations():
    document = api.get_openapi_schema()
    return [f"{method.upper()} {path}" for path, item in document["paths"].items()
            for method in item if method in METHODS]


@pytest.fixture(scope="module")
def wsgi_app():
    """The project's WSGI application, talking to the test database.

    Like Django's test client, keep the request signals from closing the database connection,
    which holds the test's transaction (on PostgreSQL closing it would end the test).
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture(scope="module")
def api_schema(wsgi_app, django_db_setup, django_db_blocker):
    """The document as the application serves it, loaded once (from the test database)."""
    config = schemathesis.Config.from_dict({
        "generation": {
            # The role's token is sent by the test; generated credentials would replace it.
            "with-security-parameters": False,
            "database": "none",
        },
    })
    with django_db_blocker.unblock():
        return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", wsgi_app, config=config)


@pytest.fixture
def real_ids(cast):
    """Path parameters naming real objects: inside the bureau admin's scope, some inside a
    teacher's or guardian's, none in district B. Also a homework item and a role assignment.
    Parameters not named here (a new endpoint's) are generated like the rest."""
    today = timezone.localdate()
    homework, _ = homework_services.file_homework(
        actor=fresh(cast.teacher_a), school_class=cast.class_a1_4_1, date=today,
        subject="maths", title="口算练习", minutes=20)
    assignment = RoleAssignment.objects.filter(user=cast.principal).first()
    ids = {**_after_school_ids(cast), **_institution_ids(cast)}
    return {**ids,
        "school_id": cast.school_a1.pk, "class_id": cast.class_a1_4_1.pk,
        "pupil_id": cast.pupil_p.pk, "teacher_id": cast.teacher_a_profile.pk,
        "user_id": cast.principal.pk, "assignment_id": assignment.pk,
        "homework_id": homework.pk, "date": today.isoformat(),
        "week_start": (today - dt.timedelta(days=today.weekday())).isoformat(),
        "key": "hw.max_avg_minutes.primary",
    }


def _after_school_ids(cast):
    """An open after-school programme of A1 with a menu course, P's application and today's
    session of P's class group, the lottery run once."""
    from afterschool import services as afterschool
    from schoolcal.models import Term

    principal = fresh(cast.principal)
    today = timezone.localdate()  # a term around today, whenever the suite runs
    term = Term.objects.create(bureau=cast.district_a, school_year="fuzz", name="学期",
                               start=today - dt.timedelta(days=30),
                               end=today + dt.timedelta(days=90))
    slots = [{"weekday": d, "segment": seg, "grades": [2, 4], "start": a, "end": b}
             for d in range(1, 6) for seg, a, b in (("guidance", "15:40", "16:40"),
                                                    ("menu", "16:40", "17:40"))]
    programme = afterschool.create_programme(actor=principal, school=cast.school_a1, term=term,
                                             name="课后服务", slots=slots, grades=[2, 4])
    instructor = afterschool.add_instructor(actor=principal, school=cast.school_a1,
                                            kind="own_teacher", teacher=cast.teacher_a_profile)
    course = afterschool.add_course(actor=principal, programme=programme, name="足球",
                                    instructor=instructor, capacity=10, grades=[4],
                                    weekdays=[1, 3], start="16:40", end="17:40")
    afterschool.review_course(actor=principal, course=course, approve=True)
    afterschool.open_programme(actor=principal, programme=programme)
    application = afterschool.apply(actor=fresh(cast.guardian_p), programme=programme,
                                    pupil=cast.pupil_p, choices=[course.pk])
    run = afterschool.run_allocation(actor=principal, programme=programme, seed="fuzz")
    afterschool.sync_sessions(programme, today=term.start)
    session = programme.courses.get(school_class=cast.class_a1_4_1).sessions.order_by(
        "date").first()
    return {"programme_id": programme.pk, "course_id": course.pk, "instructor_id": instructor.pk,
            "application_id": application.pk, "allocation_id": run.pk,
            "enrolment_id": application.enrolments.first().pk, "session_id": session.pk}


def _institution_ids(cast):
    """Institution 1 with a staff member, a yellow card and a black-list entry."""
    from institutions import services as institutions

    staff = institutions.add_staff(actor=fresh(cast.institution_staff),
                                   institution=cast.institution_1, name="周文",
                                   id_number="110108198803010017", kind="other")
    card = institutions.issue_card(actor=fresh(cast.supervisor), institution=cast.institution_2,
                                   colour="yellow", reason="超时培训")
    entry = institutions.add_to_list(actor=fresh(cast.supervisor),
                                     institution=cast.institution_2, kind="negative",
                                     reason="虚假宣传")
    return {"institution_id": cast.institution_1.pk, "staff_id": staff.pk, "card_id": card.pk,
            "entry_id": entry.pk}


def _strategy(operation, real_ids):
    """Valid requests, invalid ones, and valid ones about real objects."""
    names = {p.name for p in operation.path_parameters}
    strategies = [operation.as_strategy(GenerationMode.POSITIVE),
                  operation.as_strategy(GenerationMode.NEGATIVE)]
    if names:
        fixed = {name: real_ids[name] for name in names if name in real_ids}
        strategies.append(operation.as_strategy(GenerationMode.POSITIVE, path_parameters=fixed))
    return st.one_of(strategies)


def _fuzz(strategy, headers):
    """A Hypothesis test sending the strategy's requests with the role's credentials."""

    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=SEED is None,
              suppress_health_check=list(HealthCheck), print_blob=False)
    @given(case=strategy)
    def fuzz(case):
        case.call_and_validate(headers=headers, checks=CHECKS)

    return hypothesis.seed(int(SEED))(fuzz) if SEED else fuzz


@pytest.fixture
def actors(cast):
    """The cast's users by name, and the three roles the cast does not have."""
    users = {role: getattr(cast, role) for role in ROLES if role not in EXTRA}
    for username, (role, name, unit) in EXTRA.items():
        user = User.objects.create_user(username=f"fuzz_{username}", name=name)
        RoleAssignment.objects.create(user=user, role=role, **(
            {"bureau": cast.district_a} if unit == "bureau" else {"school": cast.school_a1}))
        users[username] = user
    return users


@pytest.mark.parametrize("label", _operations())
def test_operation(label, api_schema, actors, real_ids, subtests):
    method, path = label.split(" ", 1)
    strategy = _strategy(api_schema[path][method], real_ids)
    for role in ROLES:
        token = ApiToken.issue(fresh(actors[role]))
        with subtests.test(role=role):
            _fuzz(strategy, {"Authorization": f"Bearer {token}"})()
