"""Racing ratings on PostgreSQL: the item's count and star total move by ``F()`` updates, so
eight teachers rating at once are all counted, and a double click counts once (STYLE 3.6)."""


import pytest
from django.db import connection
from django.db.models import Avg, Count, Sum

from conftest import race
from homework.tests.conftest import teacher_login
from org.models import SUBJECTS
from resources import services
from resources.models import Rating, ResourceItem

N = 8

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL concurrency"),
    pytest.mark.django_db(transaction=True),
]


def rating(item, stars):
    url = f"/api/v1/resources/items/{item.pk}/ratings"
    return lambda client: client.post(url, {"stars": stars}, content_type="application/json")


@pytest.fixture
def district_item(cast):
    return services.create_item(actor=cast.bureau_admin, title="区教研室推荐：测量实践",
                                subject="maths", grade_from=3, grade_to=5, minutes=20,
                                within_standard=True)


@pytest.fixture
def teachers(cast):
    """Eight teachers of school A1, each teaching one subject in A1-4-2."""
    return [teacher_login(cast, f"rater{i}", f"评分老师{i}", cast.school_a1,
                          [(cast.class_a1_4_2, SUBJECTS[i][0])], seq=40 + i)
            for i in range(N)]


def assert_aggregates_match_rows(item):
    item.refresh_from_db()
    rows = Rating.objects.filter(item=item).aggregate(n=Count("pk"), total=Sum("stars"),
                                                      avg=Avg("stars"))
    assert (item.rating_count, item.rating_total) == (rows["n"], rows["total"] or 0)
    assert item.average_stars == (round(rows["avg"], 1) if rows["n"] else None)


def test_eight_teachers_rating_at_once_are_all_counted(cast, district_item, teachers):
    # Given eight teachers' ratings of 1..5 stars for the same item
    stars = [1 + i % 5 for i in range(N)]
    # When they arrive together
    responses = race([(t, rating(district_item, s)) for t, s in zip(teachers, stars, strict=True)])
    # Then every one is stored and the item's count and average are exactly the rows'
    assert [r.status_code for r in responses] == [201] * N, [r.content for r in responses]
    assert Rating.objects.filter(item=district_item).count() == N
    assert_aggregates_match_rows(district_item)
    assert district_item.rating_total == sum(stars)


def test_a_double_click_counts_one_rating(cast, district_item, teachers):
    # When one teacher's rating is sent eight times at once
    responses = race([(teachers[0], rating(district_item, 5)) for _ in range(N)])
    # Then one is stored, the others conflict, and the aggregates count it once
    codes = sorted(r.status_code for r in responses)
    assert codes == [201] + [409] * (N - 1), [r.content for r in responses]
    assert_aggregates_match_rows(district_item)
    assert (ResourceItem.objects.get(pk=district_item.pk).rating_count) == 1
