"""An over-limit exception covers the day as it was recorded, not what is filed afterwards."""

import datetime as dt

from conftest import assert_error, fresh
from homework import services

DAY = dt.date(2026, 11, 24)


def test_exception_does_not_cover_homework_filed_after_it(cast, api_client):
    # Given 70 minutes on a grade-4 day (limit 60) and an exception recorded by the principal
    for minutes in (40, 30):
        services.file_homework(actor=fresh(cast.teacher_a), school_class=cast.class_a1_4_1,
                               date=DAY, subject="maths", title="练习", minutes=minutes)
    url = f"/api/v1/classes/{cast.class_a1_4_1.pk}/days/{DAY.isoformat()}"
    recorded = api_client(cast.principal).post(f"{url}/exception", {"reason": "期中复习特殊安排"},
                                               content_type="application/json")
    assert recorded.status_code == 200
    # When another 30 minutes are filed before publication
    services.file_homework(actor=fresh(cast.teacher_a), school_class=cast.class_a1_4_1,
                           date=DAY, subject="maths", title="加练", minutes=30)
    # Then publication is refused with HW-2 until the exception is recorded again
    head = api_client(cast.head_teacher_a)
    assert_error(head.post(f"{url}/publish"), 422, "HW-2")
    api_client(cast.principal).post(f"{url}/exception", {"reason": "再次确认：期中复习安排"},
                                    content_type="application/json")
    assert head.post(f"{url}/publish").json()["published"] is True


def test_publishing_a_day_nobody_filed_for_works_on_every_database(cast, api_client):
    response = api_client(cast.head_teacher_a).post(
        f"/api/v1/classes/{cast.class_a1_4_1.pk}/days/2026-11-26/publish")
    assert response.status_code == 200, response.content
    assert response.json()["published"] is True and response.json()["written_minutes"] == 0
