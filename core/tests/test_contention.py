"""Concurrent writers that collide in the database (a deadlock, a serialization failure, a lock
timeout, SQLite's busy lock) get 409 "retry" with a Chinese message, never a 500: the
transaction was rolled back whole and resending succeeds."""

import psycopg
import pytest
from django.db import OperationalError

from conftest import assert_error, has_chinese
from core.errors import is_contention
from policy.services import Policy


def _deadlock(*args, **kwargs):
    try:
        raise psycopg.errors.DeadlockDetected("deadlock detected")
    except psycopg.errors.DeadlockDetected as cause:
        raise OperationalError("deadlock detected") from cause


def _broken(*args, **kwargs):
    raise OperationalError("no such table: nowhere")


def test_a_deadlock_in_the_api_is_a_409_to_retry(cast, supervisor, api_client, monkeypatch):
    # Given the service loses a deadlock to another transaction
    monkeypatch.setattr("inspections.services.add_inspector", _deadlock)
    # When the supervisor adds an inspector through the API
    response = api_client(supervisor).post("/api/v1/inspections/inspectors", {"name": "张三"},
                                           content_type="application/json")
    # Then: 409 "retry", in Chinese
    assert_error(response, 409, "retry")
    assert has_chinese(response.json()["message"])


def test_a_deadlock_on_a_page_is_a_409_page_to_retry(cast, web_client, monkeypatch):
    monkeypatch.setattr("policy.services.set_rule", _deadlock)
    response = web_client(cast.bureau_admin).post(
        "/policy/", {"key": "hw.max_avg_minutes.junior", "value": "60", "reason": "从严"})
    assert response.status_code == 409
    assert "请重试" in response.content.decode()
    assert Policy(cast.district_a)["hw.max_avg_minutes.junior"] == 90


@pytest.mark.parametrize("cause, expected", [
    (psycopg.errors.SerializationFailure, True), (psycopg.errors.LockNotAvailable, True),
    (psycopg.errors.UndefinedTable, False)])
def test_only_contention_counts(cause, expected):
    try:
        raise cause("x")
    except cause as e:
        wrapped = OperationalError("x")
        wrapped.__cause__ = e
    assert is_contention(wrapped) is expected
    assert is_contention(OperationalError("database is locked"))
    assert not is_contention(ValueError("database is locked"))


def test_other_database_errors_stay_server_errors(cast, supervisor, api_client, monkeypatch):
    monkeypatch.setattr("inspections.services.add_inspector", _broken)
    response = api_client(supervisor).post("/api/v1/inspections/inspectors", {"name": "张三"},
                                           content_type="application/json")
    assert response.status_code == 500
