"""Fuzzing the JSON API with schemathesis, in process, as users of several roles.

Every operation of ``/api/v1/openapi.json`` is one test. For each role of ``ROLES`` it sends
generated requests through the project's WSGI application with that user's bearer token:
requests that fit the document, requests that break it, and requests about the cast's real
objects (path parameters set to ids the role may or may not see). Each response must

* not be a server error (5xx),
* have a status code the document declares for the operation,
* have the declared content type and match the declared schema.

The number of examples is bounded (``FUZZ_EXAMPLES`` per operation and role, default 12) and
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
from org.models import RoleAssignment

pytestmark = pytest.mark.fuzz

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "12"))
SEED = os.environ.get("FUZZ_SEED")
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]
# Actors of the cast (root conftest.py): the bureau admin, a school admin, a subject teacher,
# a head teacher, a guardian and the custodian bank.
ROLES = ["bureau_admin", "principal", "teacher_a", "head_teacher_a", "guardian_p", "bank"]
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
    return {
        "school_id": cast.school_a1.pk, "class_id": cast.class_a1_4_1.pk,
        "pupil_id": cast.pupil_p.pk, "teacher_id": cast.teacher_a_profile.pk,
        "user_id": cast.principal.pk, "assignment_id": assignment.pk,
        "homework_id": homework.pk, "date": today.isoformat(),
        "week_start": (today - dt.timedelta(days=today.weekday())).isoformat(),
        "key": "hw.max_avg_minutes.primary",
    }


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


@pytest.mark.parametrize("label", _operations())
def test_operation(label, api_schema, cast, real_ids, subtests):
    method, path = label.split(" ", 1)
    strategy = _strategy(api_schema[path][method], real_ids)
    for role in ROLES:
        token = ApiToken.issue(fresh(getattr(cast, role)))
        with subtests.test(role=role):
            _fuzz(strategy, {"Authorization": f"Bearer {token}"})()
