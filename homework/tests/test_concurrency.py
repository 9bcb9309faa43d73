"""Racing requests on PostgreSQL: the class-day totals are kept under a row lock, so no filing,
change or withdrawal is lost, and a day is never published with totals that disagree with its
items (STYLE 3.6)."""


import pytest
from django.db import connection
from django.test import Client

from api.models import ApiToken
from conftest import race
from homework import services
from homework.models import ClassDay, Homework
from homework.tests.conftest import (
    MON,
    assert_totals_match_items,
    class_day,
    day_url,
    hw_body,
    recomputed,
)

N = 8

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locking"),
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("pinned_today"),
]


def filing(school_class, **fields):
    body = hw_body(school_class, **fields)
    return lambda client: client.post("/api/v1/homework", body, content_type="application/json")


def statuses(responses):
    return [(r.status_code, r.content[:200]) for r in responses]


def test_concurrent_filings_are_all_counted(cast):
    # Given eight teachers' requests of 10 minutes for the same class and day
    jobs = [(cast.teacher_a, filing(cast.class_a1_4_1, minutes=10, title=f"练习{i}"))
            for i in range(N)]
    # When they arrive together
    responses = race(jobs)
    # Then every one is filed and counted: no lost update
    assert [r.status_code for r in responses] == [201] * N, statuses(responses)
    day = class_day(cast.class_a1_4_1, MON)
    assert (day.counted_minutes, day.total_minutes, day.item_count) == (80, 80, N)
    assert day.written_subjects == {"maths": 80}
    assert day.over_limit is True
    assert ClassDay.objects.filter(school_class=cast.class_a1_4_1).count() == 1
    assert_totals_match_items(cast.class_a1_4_1)


def test_concurrent_filings_and_withdrawals_keep_the_totals(cast):
    # Given four items already filed
    teacher = cast.teacher_a
    items = [services.file_homework(actor=teacher, school_class=cast.class_a1_4_1, date=MON,
                                    subject="maths", title=f"旧{i}", minutes=5 + i)[0]
             for i in range(4)]
    # When four withdrawals race four new filings
    jobs = [(teacher, (lambda pk: lambda c: c.delete(f"/api/v1/homework/{pk}"))(item.pk))
            for item in items]
    jobs += [(teacher, filing(cast.class_a1_4_1, minutes=7, title=f"新{i}")) for i in range(4)]
    responses = race(jobs)
    # Then every request succeeded and the totals are exactly the remaining items
    assert sorted(r.status_code for r in responses) == [201] * 4 + [204] * 4, statuses(responses)
    assert set(Homework.objects.values_list("title", flat=True)) == {f"新{i}" for i in range(4)}
    day = class_day(cast.class_a1_4_1, MON)
    assert (day.counted_minutes, day.item_count) == (28, 4)
    assert_totals_match_items(cast.class_a1_4_1)


def test_withdrawing_the_same_item_twice_at_once_subtracts_it_once(cast):
    # Given two items, 30 and 20 minutes
    teacher = cast.teacher_a
    keep, twice = (services.file_homework(actor=teacher, school_class=cast.class_a1_4_1, date=MON,
                                          subject="maths", title=title, minutes=m)[0]
                   for title, m in [("保留", 30), ("撤回", 20)])
    # When the 20-minute item is withdrawn by several requests at once (a double click)
    responses = race([(teacher, lambda c: c.delete(f"/api/v1/homework/{twice.pk}"))
                      for _ in range(N)])
    # Then one withdrawal took effect and the others found nothing
    codes = sorted(r.status_code for r in responses)
    assert codes.count(204) == 1, statuses(responses)
    assert all(c in (204, 404, 409) for c in codes), statuses(responses)
    # and the day still counts the 30-minute item, once
    assert list(Homework.objects.values_list("pk", flat=True)) == [keep.pk]
    day = class_day(cast.class_a1_4_1, MON)
    assert (day.counted_minutes, day.item_count) == (30, 1)
    assert_totals_match_items(cast.class_a1_4_1)


def test_concurrent_changes_of_one_item_keep_the_totals(cast):
    # Given one 10-minute item
    teacher = cast.teacher_a
    item, _ = services.file_homework(actor=teacher, school_class=cast.class_a1_4_1, date=MON,
                                     subject="maths", title="练习", minutes=10)
    # When several requests change its minutes at once
    jobs = [(teacher, (lambda m: lambda c: c.patch(f"/api/v1/homework/{item.pk}",
                                                   {"minutes": m},
                                                   content_type="application/json"))(11 + i))
            for i in range(N)]
    responses = race(jobs)
    # Then each either applied or was told of the conflict, and the day equals the item
    assert all(r.status_code in (200, 409) for r in responses), statuses(responses)
    item.refresh_from_db()
    day = class_day(cast.class_a1_4_1, MON)
    assert (day.counted_minutes, day.total_minutes, day.item_count) == (item.minutes,) * 2 + (1,)
    assert_totals_match_items(cast.class_a1_4_1)


def test_publishing_while_teachers_file_never_publishes_stale_totals(cast):
    # Given one item already on the day
    services.file_homework(actor=cast.teacher_a, school_class=cast.class_a1_4_1, date=MON,
                           subject="maths", title="已有", minutes=5)
    # When seven filings race the head teacher's publication
    jobs = [(cast.teacher_a, filing(cast.class_a1_4_1, minutes=5, title=f"练习{i}"))
            for i in range(N - 1)]
    jobs.insert(N // 2, (cast.head_teacher_a,
                         lambda c: c.post(day_url(cast.class_a1_4_1, MON, "publish"))))
    responses = race(jobs)
    publish = responses[N // 2]
    filings = responses[:N // 2] + responses[N // 2 + 1:]
    # Then the day is published
    assert publish.status_code == 200, publish.content
    # and every filing was either counted or refused because the day was already published
    for r in filings:
        assert r.status_code in (201, 409), statuses(filings)
        if r.status_code == 409:
            assert r.json()["code"] == "day_published"
    filed = sum(r.status_code == 201 for r in filings)
    day = class_day(cast.class_a1_4_1, MON)
    assert day.published
    assert Homework.objects.count() == 1 + filed
    assert (day.counted_minutes, day.item_count) == (5 * (1 + filed), 1 + filed)
    # and what publication answered is what the day holds: nothing slipped in after it
    assert publish.json()["item_count"] == day.item_count
    assert publish.json()["written_minutes"] == day.counted_minutes
    assert_totals_match_items(cast.class_a1_4_1)
    assert recomputed(cast.class_a1_4_1)[MON]["counted_minutes"] == day.counted_minutes


def test_publishing_a_day_without_filings_works_without_a_test_transaction(cast):
    # Not a race, but it needs what only these tests have: no test-wide transaction around the
    # request, as in production. "No homework today" is published like any other day.
    token = ApiToken.issue(cast.head_teacher_a)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    response = client.post(day_url(cast.class_a1_4_1, MON, "publish"))
    assert response.status_code == 200, response.content
    assert class_day(cast.class_a1_4_1, MON).published
