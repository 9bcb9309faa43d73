"""Racing duplicates on PostgreSQL: one Idempotency-Key takes effect once, and one class
number is created once, however many requests arrive at the same moment."""

import json
import threading

import pytest
from django.db import connection, connections
from django.test import Client

from api.models import ApiToken
from conftest import make_id_number
from org.models import Pupil, SchoolClass

N = 8

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locking"),
    pytest.mark.django_db(transaction=True),
]


def _race(token, send):
    """Run ``send(client)`` in N threads released together; return their responses."""
    barrier = threading.Barrier(N)
    responses = [None] * N
    errors = []

    def worker(i):
        try:
            client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
            barrier.wait(timeout=10)
            responses[i] = send(client)
        except Exception as e:  # surfaced below; a thread must not die silently
            errors.append(e)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(N)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    return responses


def test_concurrent_requests_with_one_idempotency_key_create_one_pupil(cast, principal):
    # Given N identical POSTs with the same Idempotency-Key
    token = ApiToken.issue(principal)
    body = json.dumps({"school_class": cast.class_a1_4_1.pk, "name": "并发", "gender": "M",
                       "id_number": make_id_number(990)}, ensure_ascii=False)

    def send(client):
        return client.post("/api/v1/pupils", body, content_type="application/json",
                           HTTP_IDEMPOTENCY_KEY="race-1")

    # When they arrive at the same moment
    responses = _race(token, send)
    # Then exactly one pupil exists
    assert Pupil.objects.filter(name="并发").count() == 1
    # and each answer is the creation (or its replay) or "in progress"
    created = [r for r in responses if r.status_code == 201]
    others = [r for r in responses if r.status_code != 201]
    assert created
    assert all(r.json() == created[0].json() for r in created)
    assert all(r.status_code == 409 and r.json()["code"] == "idempotency_in_progress"
               for r in others), [(r.status_code, r.content) for r in others]


def test_concurrent_creation_of_the_same_class_creates_it_once(cast, principal):
    # Given N requests for the same (school, grade, number), without keys
    token = ApiToken.issue(principal)
    body = {"school": cast.school_a1.pk, "grade": 6, "number": 3}

    def send(client):
        return client.post("/api/v1/classes", body, content_type="application/json")

    # When they race
    responses = _race(token, send)
    # Then one is created and every other one is a 409 conflict
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] + [409] * (N - 1), [(r.status_code, r.content) for r in responses]
    assert all(r.json()["code"] == "conflict" for r in responses if r.status_code == 409)
    assert SchoolClass.objects.filter(school=cast.school_a1, grade=6, number=3).count() == 1
