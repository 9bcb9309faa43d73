"""The homework API beyond the rules: who may file, change, publish and review; what guardians
see and report; calibration; the totals that move with every change (issue 10 conventions)."""

import datetime as dt

import pytest
from auditlog.models import LogEntry

from conftest import assert_error
from homework.models import ClassDay, Homework, ItemTime, TimeReport, WeekReview, WeekReviewEvent
from homework.tests.conftest import (
    MON,
    NEXT_MON,
    SAT,
    TUE,
    WED,
    assert_totals_match_items,
    class_day,
    day_url,
    patch_json,
    post_homework,
    post_json,
    saved_state,
)

pytestmark = pytest.mark.usefixtures("pinned_today")


def audit_codes(obj):
    return [e.additional_data.get("code") for e in
            LogEntry.objects.get_for_object(obj).order_by("pk")]


def file_ok(client, school_class, **fields):
    response = post_homework(client, school_class, **fields)
    assert response.status_code == 201, response.content
    return response.json()


@pytest.fixture
def maths(api_client, teacher_a):
    return api_client(teacher_a)


@pytest.fixture
def head(api_client, head_teacher_a):
    return api_client(head_teacher_a)


@pytest.fixture
def office(api_client, principal):
    return api_client(principal)


# ---- who may file -------------------------------------------------------------------------

@pytest.mark.parametrize("klass", ["class_a1_4_2", "class_a2_4_1", "class_b1_4_1"])
def test_teacher_cannot_file_for_a_class_they_do_not_teach(cast, maths, klass):
    # When teacher A files for a class they do not teach (same school, other school, district)
    response = post_homework(maths, getattr(cast, klass))
    # Then the class is not there for them, and nothing is saved
    assert_error(response, 404, "not_found")
    assert Homework.objects.count() == 0
    assert ClassDay.objects.count() == 0


def test_head_teacher_may_file_any_subject_in_their_class(cast, head):
    for subject in ["chinese", "english", "maths", "science"]:
        file_ok(head, cast.class_a1_4_1, subject=subject, minutes=10)
    assert set(Homework.objects.values_list("subject", flat=True)) == {
        "chinese", "english", "maths", "science"}
    assert Homework.objects.filter(teacher__user=cast.head_teacher_a).count() == 4


def test_subject_teacher_cannot_file_another_subject_in_their_class(cast, maths):
    # Given teacher A teaches maths (only) in A1-4-1
    # When they file Chinese there
    response = post_homework(maths, cast.class_a1_4_1, subject="chinese")
    # Then it is refused: the class is visible but the action is forbidden (issue 10: 403)
    assert_error(response, 403, "forbidden")
    assert Homework.objects.count() == 0


@pytest.mark.parametrize("actor", ["principal", "guardian_p", "bureau_admin", "inspector"])
def test_roles_that_do_not_file_homework_get_403(cast, api_client, actor):
    response = post_homework(api_client(getattr(cast, actor)), cast.class_a1_4_1)
    assert_error(response, 403, "forbidden")
    assert Homework.objects.count() == 0


def test_anonymous_filing_is_401(cast, api_client):
    assert_error(post_homework(api_client(None), cast.class_a1_4_1), 401, "unauthorized")


def test_filing_is_audited_with_its_class_day(cast, maths):
    body = file_ok(maths, cast.class_a1_4_1)
    item = Homework.objects.get(pk=body["id"])
    entry = LogEntry.objects.get_for_object(item).get()
    assert entry.additional_data["code"] == "homework.filed"
    assert entry.additional_data["class_day"] == body["class_day"]["id"]
    assert entry.actor == cast.teacher_a
    assert item.teacher.user == cast.teacher_a


# ---- publication (HW-7) -------------------------------------------------------------------

def test_head_teacher_publishes_a_day_within_the_limit(cast, maths, head):
    # Given 40 minutes filed for Monday
    file_ok(maths, cast.class_a1_4_1, minutes=40)
    # When the head teacher publishes the day
    response = post_json(head, day_url(cast.class_a1_4_1, MON, "publish"))
    # Then it is published, by them, and audited
    assert response.status_code == 200, response.content
    assert response.json()["published"] is True
    day = class_day(cast.class_a1_4_1, MON)
    assert day.published and day.published_by == cast.head_teacher_a and day.published_at
    assert "homework.day.published" in audit_codes(day)


def test_principal_may_publish_too(cast, maths, office):
    file_ok(maths, cast.class_a1_4_1, minutes=40)
    response = post_json(office, day_url(cast.class_a1_4_1, MON, "publish"))
    assert response.status_code == 200, response.content
    assert class_day(cast.class_a1_4_1, MON).published


def test_a_day_without_homework_can_be_published(cast, head):
    # "No homework today" is worth telling the parents too
    response = post_json(head, day_url(cast.class_a1_4_1, TUE, "publish"))
    assert response.status_code == 200, response.content
    assert response.json()["published"] is True
    assert response.json()["written_minutes"] == 0
    assert class_day(cast.class_a1_4_1, TUE).published


def test_over_limit_day_is_published_only_after_the_principal_records_an_exception(
        cast, maths, head, office, api_client):
    # Given 70 minutes for grade 4 (limit 60)
    file_ok(maths, cast.class_a1_4_1, minutes=40)
    file_ok(head, cast.class_a1_4_1, subject="chinese", minutes=30)
    # When the head teacher publishes
    response = post_json(head, day_url(cast.class_a1_4_1, MON, "publish"))
    # Then HW-2 refuses it and nothing is published
    assert_error(response, 422, "HW-2")
    assert class_day(cast.class_a1_4_1, MON).published is False

    # The head teacher may not excuse their own class
    response = post_json(head, day_url(cast.class_a1_4_1, MON, "exception"),
                         {"reason": "期中复习周，经年级组同意"})
    assert_error(response, 403, "forbidden")
    # The principal must give a real reason
    response = post_json(office, day_url(cast.class_a1_4_1, MON, "exception"), {"reason": "好"})
    assert_error(response, 422, "required", "reason")
    response = post_json(office, day_url(cast.class_a1_4_1, MON, "exception"), {"reason": "   "})
    assert_error(response, 422, "required", "reason")
    assert class_day(cast.class_a1_4_1, MON).exception_reason == ""

    # When the principal records an exception with a reason
    response = post_json(office, day_url(cast.class_a1_4_1, MON, "exception"),
                         {"reason": "期中复习周，经年级组同意"})
    assert response.status_code == 200, response.content
    assert response.json()["exception_reason"] == "期中复习周，经年级组同意"
    # Then the head teacher can publish, and the day stays marked over its limit
    response = post_json(head, day_url(cast.class_a1_4_1, MON, "publish"))
    assert response.status_code == 200, response.content
    assert response.json()["over_limit"] is True
    day = class_day(cast.class_a1_4_1, MON)
    assert day.published and day.exception_by == cast.principal
    codes = audit_codes(day)
    assert codes.index("homework.day.exception") < codes.index("homework.day.published")
    entry = LogEntry.objects.get_for_object(day).get(
        additional_data__code="homework.day.exception")
    assert entry.actor == cast.principal


def test_an_exception_covers_only_the_minutes_it_was_granted_for(cast, maths, head, office):
    # Given an over-limit day (70 minutes) that the principal excused
    file_ok(maths, cast.class_a1_4_1, minutes=70)
    response = post_json(office, day_url(cast.class_a1_4_1, MON, "exception"),
                         {"reason": "期中复习周，经年级组同意"})
    assert response.status_code == 200
    # When ten more minutes are filed before publication
    file_ok(maths, cast.class_a1_4_1, minutes=10)
    # Then the exception no longer covers the day: HW-2 refuses publication
    assert_error(post_json(head, day_url(cast.class_a1_4_1, MON, "publish")), 422, "HW-2")
    assert class_day(cast.class_a1_4_1, MON).published is False
    # A new exception for the 80 minutes lets it through
    post_json(office, day_url(cast.class_a1_4_1, MON, "exception"), {"reason": "补充练习，已同意"})
    assert post_json(head, day_url(cast.class_a1_4_1, MON, "publish")).status_code == 200


def test_an_exception_still_covers_a_day_that_became_lighter(cast, maths, head, office):
    file_ok(maths, cast.class_a1_4_1, minutes=50)
    extra = file_ok(maths, cast.class_a1_4_1, minutes=30)
    post_json(office, day_url(cast.class_a1_4_1, MON, "exception"), {"reason": "期中复习周，已同意"})
    patch_json(maths, f"/api/v1/homework/{extra['id']}", {"minutes": 20})
    assert post_json(head, day_url(cast.class_a1_4_1, MON, "publish")).status_code == 200


def test_exception_for_another_school_is_404(cast, maths, api_client):
    file_ok(maths, cast.class_a1_4_1, minutes=70)
    # teacher B works at A2; bureau B is another district
    for actor in [cast.teacher_b, cast.bureau_admin_b]:
        response = post_json(api_client(actor), day_url(cast.class_a1_4_1, MON, "exception"),
                             {"reason": "这是一个足够长的理由"})
        assert_error(response, 404, "not_found")
    assert class_day(cast.class_a1_4_1, MON).exception_reason == ""


@pytest.mark.parametrize(("actor", "status"), [
    ("teacher_a", 403),  # teaches in the class: sees it, may not publish
    ("teacher_b", 404),  # another school
    ("guardian_p", 404),
    ("bureau_admin_b", 404),
])
def test_only_head_teacher_or_school_admin_may_publish(cast, maths, api_client, actor, status):
    file_ok(maths, cast.class_a1_4_1, minutes=30)
    response = post_json(api_client(getattr(cast, actor)), day_url(cast.class_a1_4_1, MON,
                                                                   "publish"))
    assert_error(response, status, {403: "forbidden", 404: "not_found"}[status])
    assert class_day(cast.class_a1_4_1, MON).published is False


def test_a_published_day_is_closed_until_the_head_teacher_unpublishes_it(cast, maths, head):
    # Given a published Monday
    item = file_ok(maths, cast.class_a1_4_1, minutes=30)
    assert post_json(head, day_url(cast.class_a1_4_1, MON, "publish")).status_code == 200
    other = file_ok(maths, cast.class_a1_4_1, date=TUE, minutes=5)
    before = saved_state()
    # When teacher A files, changes or withdraws homework on it
    response = post_homework(maths, cast.class_a1_4_1, minutes=10)
    assert_error(response, 409, "day_published")
    response = patch_json(maths, f"/api/v1/homework/{item['id']}", {"minutes": 10})
    assert_error(response, 409, "day_published")
    response = patch_json(maths, f"/api/v1/homework/{item['id']}", {"date": TUE.isoformat()})
    assert_error(response, 409, "day_published")
    response = maths.delete(f"/api/v1/homework/{item['id']}")
    assert_error(response, 409, "day_published")
    # or moves an item from another day into it
    response = patch_json(maths, f"/api/v1/homework/{other['id']}", {"date": MON.isoformat()})
    assert_error(response, 409, "day_published")
    # Then nothing changed
    assert saved_state() == before
    # A subject teacher may not unpublish
    assert_error(post_json(maths, day_url(cast.class_a1_4_1, MON, "unpublish")), 403, "forbidden")
    # When the head teacher unpublishes
    response = post_json(head, day_url(cast.class_a1_4_1, MON, "unpublish"))
    assert response.status_code == 200
    assert response.json()["published"] is False
    assert "homework.day.unpublished" in audit_codes(class_day(cast.class_a1_4_1, MON))
    # Then filing works again
    file_ok(maths, cast.class_a1_4_1, minutes=10)
    assert class_day(cast.class_a1_4_1, MON).counted_minutes == 40
    assert_totals_match_items(cast.class_a1_4_1)


# ---- guardians' view (HW-7) ---------------------------------------------------------------

@pytest.fixture
def monday(cast, maths, head):
    """Monday in A1-4-1: written maths, oral Chinese, and a personalised item for pupil P."""
    items = {
        "maths": file_ok(maths, cast.class_a1_4_1, minutes=30, title="数学练习"),
        "oral": file_ok(head, cast.class_a1_4_1, subject="chinese", kind="oral", minutes=15,
                        title="朗读课文"),
        "for_p": file_ok(maths, cast.class_a1_4_1, minutes=10, layer="personalised",
                         pupils=[cast.pupil_p.pk], title="张小明的订正"),
    }
    return {k: v["id"] for k, v in items.items()}


def pupil_day(client, pupil, date=MON):
    return client.get(f"/api/v1/pupils/{pupil.pk}/homework", {"date": date.isoformat()})


def test_guardian_sees_nothing_before_the_day_is_published(cast, monday, api_client, guardian_p):
    response = pupil_day(api_client(guardian_p), cast.pupil_p)
    assert response.status_code == 200
    body = response.json()
    assert body["published"] is False
    assert body["items"] == []
    assert body["average_minutes"] == 0
    assert body["composition"] == {}


def test_guardian_sees_the_published_day_with_average_and_composition(
        cast, monday, head, api_client, guardian_p):
    post_json(head, day_url(cast.class_a1_4_1, MON, "publish"))
    body = pupil_day(api_client(guardian_p), cast.pupil_p).json()
    assert body["published"] is True
    assert {i["id"] for i in body["items"]} == set(monday.values())
    # HW-7: the average completion time (counted minutes) and the content composition
    assert body["average_minutes"] == 30
    assert body["composition"] == {"written": 40, "oral": 15}


def test_a_personalised_item_is_shown_only_for_its_pupils(cast, monday, head, api_client,
                                                          guardian_q):
    post_json(head, day_url(cast.class_a1_4_1, MON, "publish"))
    body = pupil_day(api_client(guardian_q), cast.pupil_q).json()
    assert body["published"] is True
    assert {i["id"] for i in body["items"]} == {monday["maths"], monday["oral"]}
    assert body["composition"] == {"written": 30, "oral": 15}


@pytest.mark.parametrize("actor", ["guardian_nobody", "teacher_b", "bureau_admin_b"])
def test_others_cannot_see_a_pupils_homework(cast, monday, head, api_client, actor):
    post_json(head, day_url(cast.class_a1_4_1, MON, "publish"))
    response = pupil_day(api_client(getattr(cast, actor)), cast.pupil_p)
    assert_error(response, 404, "not_found")


def test_guardian_of_another_pupil_cannot_see_pupil_p(cast, monday, head, api_client, guardian_q):
    post_json(head, day_url(cast.class_a1_4_1, MON, "publish"))
    assert_error(pupil_day(api_client(guardian_q), cast.pupil_p), 404, "not_found")


def test_pupil_day_needs_a_date(cast, api_client, guardian_p):
    response = api_client(guardian_p).get(f"/api/v1/pupils/{cast.pupil_p.pk}/homework")
    assert_error(response, 422, "required", "date")


# ---- guardians' reported times --------------------------------------------------------------

def times_url(pupil):
    return f"/api/v1/pupils/{pupil.pk}/homework-times"


@pytest.fixture
def published_monday(cast, monday, head):
    assert post_json(head, day_url(cast.class_a1_4_1, MON, "publish")).status_code == 200
    return monday


def test_guardian_reports_the_real_time_once_per_day(cast, published_monday, api_client,
                                                     guardian_p):
    client = api_client(guardian_p)
    # When guardian P reports 50 minutes for Monday
    response = post_json(client, times_url(cast.pupil_p),
                         {"date": MON.isoformat(), "minutes": 50, "difficulty": 3})
    # Then it is stored against the day's counted estimate
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["pupil"], body["minutes"], body["estimated_minutes"]) == (cast.pupil_p.pk, 50, 30)
    # When they correct it
    response = post_json(client, times_url(cast.pupil_p), {"date": MON.isoformat(), "minutes": 45})
    # Then the same row is updated
    assert response.status_code == 201
    report = TimeReport.objects.get()
    assert (report.minutes, report.pupil, report.reported_by) == (45, cast.pupil_p, cast.guardian_p)
    assert report.pk == body["id"]


def test_time_for_an_unpublished_day_is_refused(cast, monday, api_client, guardian_p):
    response = post_json(api_client(guardian_p), times_url(cast.pupil_p),
                         {"date": MON.isoformat(), "minutes": 50})
    assert_error(response, 422, "invalid", "date")
    response = post_json(api_client(guardian_p), times_url(cast.pupil_p),
                         {"date": TUE.isoformat(), "minutes": 50})
    assert_error(response, 422, "invalid", "date")
    assert TimeReport.objects.count() == 0


@pytest.mark.parametrize(("actor", "status", "code"), [
    ("guardian_nobody", 404, "not_found"),
    ("teacher_b", 404, "not_found"),
    # teacher A sees pupil P (their class) but is not P's guardian: visible but forbidden
    ("teacher_a", 403, "forbidden"),
    ("head_teacher_a", 403, "forbidden"),
])
def test_only_the_pupils_guardian_may_report_time(cast, published_monday, api_client, actor,
                                                  status, code):
    response = post_json(api_client(getattr(cast, actor)), times_url(cast.pupil_p),
                         {"date": MON.isoformat(), "minutes": 50})
    assert_error(response, status, code)
    assert TimeReport.objects.count() == 0


@pytest.mark.parametrize(("data", "field"), [
    ({"minutes": 601}, "minutes"),
    ({"minutes": -1}, "minutes"),
    ({"minutes": 30, "difficulty": 6}, "difficulty"),
    ({"minutes": 30, "difficulty": 0}, "difficulty"),
])
def test_reported_time_must_be_plausible(cast, published_monday, api_client, guardian_p, data,
                                         field):
    response = post_json(api_client(guardian_p), times_url(cast.pupil_p),
                         {"date": MON.isoformat(), **data})
    assert_error(response, 422, "invalid", field)
    assert TimeReport.objects.count() == 0


def test_guardian_reports_time_per_item(cast, published_monday, api_client, guardian_p):
    items = [{"homework": published_monday["maths"], "minutes": 40},
             {"homework": published_monday["for_p"], "minutes": 12}]
    response = post_json(api_client(guardian_p), times_url(cast.pupil_p),
                         {"date": MON.isoformat(), "minutes": 70, "items": items})
    assert response.status_code == 201, response.content
    assert sorted(ItemTime.objects.values_list("homework_id", "minutes")) == sorted(
        (i["homework"], i["minutes"]) for i in items)
    # Reporting again replaces the items
    response = post_json(api_client(guardian_p), times_url(cast.pupil_p),
                         {"date": MON.isoformat(), "minutes": 40, "items": items[:1]})
    assert response.status_code == 201
    assert list(ItemTime.objects.values_list("homework_id", "minutes")) == [
        (published_monday["maths"], 40)]


def test_item_times_must_be_items_of_that_day_for_that_pupil(cast, published_monday, maths, head,
                                                             api_client, guardian_p, guardian_q):
    # An item of another (published) day
    tuesday = file_ok(maths, cast.class_a1_4_1, date=TUE, minutes=20)
    post_json(head, day_url(cast.class_a1_4_1, TUE, "publish"))
    for bad in [[{"homework": tuesday["id"], "minutes": 20}],
                [{"homework": 999_999, "minutes": 20}],
                [{"homework": published_monday["maths"], "minutes": 601}],
                [{"hw": published_monday["maths"]}],
                [{"homework": "abc", "minutes": 3}],
                [{"homework": published_monday["maths"], "minutes": 10},
                 {"homework": published_monday["maths"], "minutes": 20}]]:
        response = post_json(api_client(guardian_p), times_url(cast.pupil_p),
                             {"date": MON.isoformat(), "minutes": 40, "items": bad})
        assert_error(response, 422, "invalid", "items")
    # Pupil P's personalised item is not Q's
    response = post_json(api_client(guardian_q), times_url(cast.pupil_q),
                         {"date": MON.isoformat(), "minutes": 40,
                          "items": [{"homework": published_monday["for_p"], "minutes": 10}]})
    assert_error(response, 422, "invalid", "items")
    assert TimeReport.objects.count() == 0
    assert ItemTime.objects.count() == 0


# ---- calibration against reported times (XC-4) ---------------------------------------------

@pytest.fixture
def reported_double(cast, maths, head, api_client, guardian_p):
    """Three 20-minute maths items by teacher A that pupil P took 40 minutes each on."""
    ids = [file_ok(maths, cast.class_a1_4_1, minutes=20, title=f"练习{i}")["id"] for i in range(3)]
    assert post_json(head, day_url(cast.class_a1_4_1, MON, "publish")).status_code == 200
    response = post_json(api_client(guardian_p), times_url(cast.pupil_p), {
        "date": MON.isoformat(), "minutes": 120,
        "items": [{"homework": i, "minutes": 40} for i in ids]})
    assert response.status_code == 201
    return ids


def test_calibration_doubles_an_estimate_that_parents_report_at_double(cast, maths,
                                                                       reported_double):
    # When teacher A asks what 20 minutes of maths really take in that class
    response = maths.get("/api/v1/homework/calibration",
                         {"school_class": cast.class_a1_4_1.pk, "subject": "maths", "minutes": 20})
    # Then the answer is twice the estimate
    assert response.status_code == 200, response.content
    assert response.json() == {"minutes": 40, "ratio": 2.0, "reports": 3, "basis": "item"}


def test_filing_answers_with_the_calibrated_estimate(cast, maths, head, reported_double):
    # When teacher A files a new 25-minute maths item
    body = file_ok(maths, cast.class_a1_4_1, date=TUE, minutes=25)
    # Then the answer carries the calibrated time, twice as long
    assert body["calibrated_minutes"] == 50
    # (the head teacher's Chinese has no history: no calibration)
    assert file_ok(head, cast.class_a1_4_1, date=TUE, subject="chinese")[
        "calibrated_minutes"] is None


def test_calibration_without_reports_is_empty(cast, maths):
    body = file_ok(maths, cast.class_a1_4_1)
    assert body["calibrated_minutes"] is None
    response = maths.get("/api/v1/homework/calibration",
                         {"school_class": cast.class_a1_4_1.pk, "subject": "maths", "minutes": 20})
    assert response.json() == {"minutes": None, "ratio": None, "reports": 0, "basis": None}


def test_calibration_is_for_teachers_of_the_class(cast, api_client):
    params = {"school_class": cast.class_a1_4_1.pk, "subject": "maths", "minutes": 20}
    assert_error(api_client(cast.guardian_p).get("/api/v1/homework/calibration", params),
                 403, "forbidden")
    assert_error(api_client(cast.teacher_b).get("/api/v1/homework/calibration", params),
                 404, "not_found")


# ---- weekly review and filing (HW-16) -------------------------------------------------------

def review_url(school_class, monday=MON, action="review"):
    return f"/api/v1/classes/{school_class.pk}/weeks/{monday.isoformat()}/{action}"


def test_an_approved_week_is_frozen_until_it_is_reopened(cast, maths, office):
    # Given a week with one item on Wednesday
    item = file_ok(maths, cast.class_a1_4_1, date=WED, minutes=20)
    # When the principal approves the week
    response = post_json(office, review_url(cast.class_a1_4_1), {"approve": True})
    # Then it is filed as version 1 with a snapshot of its items
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["version"], body["week_start"]) == ("approved", 1, "2026-11-23")
    review = WeekReview.objects.get()
    assert [i["pk"] for i in review.snapshot["items"]] == [item["id"]]
    assert "homework.week.approved" in audit_codes(review)

    # And the week cannot change: no filing, changing, moving in, withdrawing or unpublishing
    before = saved_state()
    assert_error(post_homework(maths, cast.class_a1_4_1, date=WED), 409, "week_filed")
    assert_error(patch_json(maths, f"/api/v1/homework/{item['id']}", {"minutes": 5}),
                 409, "week_filed")
    assert_error(patch_json(maths, f"/api/v1/homework/{item['id']}",
                            {"date": NEXT_MON.isoformat()}), 409, "week_filed")
    assert_error(maths.delete(f"/api/v1/homework/{item['id']}"), 409, "week_filed")
    later = file_ok(maths, cast.class_a1_4_1, date=NEXT_MON, minutes=5)
    before = saved_state()
    assert_error(patch_json(maths, f"/api/v1/homework/{later['id']}", {"date": WED.isoformat()}),
                 409, "week_filed")
    assert saved_state() == before
    # and approving again is not a transition
    assert_error(post_json(office, review_url(cast.class_a1_4_1), {"approve": True}),
                 409, "invalid_transition")

    # When the principal reopens it without a reason, then with one
    assert_error(post_json(office, review_url(cast.class_a1_4_1, action="reopen"),
                           {"reason": "  "}), 422, "required", "reason")
    response = post_json(office, review_url(cast.class_a1_4_1, action="reopen"),
                         {"reason": "周三数学作业需补充"})
    # Then it is reopened as version 2 and filing works again
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["version"]) == ("reopened", 2)
    file_ok(maths, cast.class_a1_4_1, date=WED, minutes=10)
    assert class_day(cast.class_a1_4_1, WED).counted_minutes == 30
    # When it is approved again
    response = post_json(office, review_url(cast.class_a1_4_1), {"approve": True})
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["version"]) == ("approved", 2)
    assert len(WeekReview.objects.get().snapshot["items"]) == 2
    # The history keeps every step
    assert list(WeekReviewEvent.objects.values_list("status", "version")) == [
        ("approved", 1), ("reopened", 2), ("approved", 2)]


def test_an_approved_week_also_freezes_its_saturday(cast, maths, office):
    # HW-16: "每周（含节假日）" — the week includes its weekend
    post_json(office, review_url(cast.class_a1_4_1), {"approve": True})
    assert_error(post_homework(maths, cast.class_a1_4_1, date=SAT), 409, "week_filed")
    # the next week is open
    file_ok(maths, cast.class_a1_4_1, date=NEXT_MON)


def test_returning_a_week_needs_a_comment(cast, maths, office):
    file_ok(maths, cast.class_a1_4_1, date=WED)
    response = post_json(office, review_url(cast.class_a1_4_1), {"approve": False})
    assert_error(response, 422, "required", "comment")
    assert WeekReview.objects.count() == 0
    response = post_json(office, review_url(cast.class_a1_4_1),
                         {"approve": False, "comment": "周三作业量偏大，请调整"})
    assert response.status_code == 200
    assert response.json()["status"] == "returned"
    # a returned week stays open for changes
    file_ok(maths, cast.class_a1_4_1, date=WED, minutes=5)


def test_reopening_a_week_that_was_never_filed_is_404(cast, office):
    response = post_json(office, review_url(cast.class_a1_4_1, action="reopen"),
                         {"reason": "没有这回事"})
    assert_error(response, 404, "not_found")


def test_a_long_reopen_reason_is_not_a_server_error(cast, office):
    post_json(office, review_url(cast.class_a1_4_1), {"approve": True})
    response = post_json(office, review_url(cast.class_a1_4_1, action="reopen"),
                         {"reason": "需要修改。" * 120})  # 600 characters; the column holds 500
    assert response.status_code in (200, 422), response.content
    if response.status_code == 200:
        assert WeekReview.objects.get().status == "reopened"


def test_week_start_must_be_a_monday(cast, office):
    response = post_json(office, review_url(cast.class_a1_4_1, monday=TUE), {"approve": True})
    assert_error(response, 422, "invalid", "week_start")
    assert WeekReview.objects.count() == 0


@pytest.mark.parametrize(("actor", "status"), [
    ("teacher_a", 403), ("head_teacher_a", 403), ("teacher_b", 404), ("bureau_admin_b", 404),
    ("guardian_p", 404),
])
def test_only_the_school_admin_reviews_weeks(cast, api_client, actor, status):
    client = api_client(getattr(cast, actor))
    response = post_json(client, review_url(cast.class_a1_4_1), {"approve": True})
    assert_error(response, status, {403: "forbidden", 404: "not_found"}[status])
    assert WeekReview.objects.count() == 0


def test_only_the_school_admin_reopens_weeks(cast, api_client, office):
    post_json(office, review_url(cast.class_a1_4_1), {"approve": True})
    response = post_json(api_client(cast.teacher_a), review_url(cast.class_a1_4_1, action="reopen"),
                         {"reason": "我想改作业"})
    assert_error(response, 403, "forbidden")
    assert WeekReview.objects.get().status == "approved"


# ---- changing and withdrawing --------------------------------------------------------------

def test_moving_an_item_to_another_date_moves_its_minutes(cast, maths):
    # Given 30 + 20 minutes on Monday
    moved = file_ok(maths, cast.class_a1_4_1, minutes=30)
    file_ok(maths, cast.class_a1_4_1, minutes=20)
    # When the 30-minute item moves to Tuesday
    response = patch_json(maths, f"/api/v1/homework/{moved['id']}", {"date": TUE.isoformat()})
    # Then Monday keeps 20 and Tuesday has 30
    assert response.status_code == 200, response.content
    assert response.json()["class_day"]["date"] == TUE.isoformat()
    assert response.json()["class_day"]["written_minutes"] == 30
    monday, tuesday = class_day(cast.class_a1_4_1, MON), class_day(cast.class_a1_4_1, TUE)
    assert (monday.counted_minutes, monday.item_count) == (20, 1)
    assert (tuesday.counted_minutes, tuesday.item_count) == (30, 1)
    assert Homework.objects.get(pk=moved["id"]).class_day == tuesday
    assert_totals_match_items(cast.class_a1_4_1)
    assert "homework.changed" in audit_codes(Homework.objects.get(pk=moved["id"]))


def test_changing_minutes_and_layer_updates_the_totals(cast, maths):
    item = file_ok(maths, cast.class_a1_4_1, minutes=30)
    # more minutes: over the limit
    response = patch_json(maths, f"/api/v1/homework/{item['id']}", {"minutes": 65})
    assert [w["code"] for w in response.json()["warnings"]] == ["HW-2"]
    assert class_day(cast.class_a1_4_1, MON).over_limit is True
    # made optional: no longer counted, no longer over
    response = patch_json(maths, f"/api/v1/homework/{item['id']}", {"layer": "optional"})
    assert response.json()["warnings"] == []
    day = class_day(cast.class_a1_4_1, MON)
    assert (day.counted_minutes, day.total_minutes, day.over_limit) == (0, 65, False)
    assert day.written_subjects == {}
    # made personalised: needs pupils
    response = patch_json(maths, f"/api/v1/homework/{item['id']}", {"layer": "personalised"})
    assert_error(response, 422, "required", "pupils")
    response = patch_json(maths, f"/api/v1/homework/{item['id']}",
                          {"layer": "personalised", "pupils": [cast.pupil_q.pk]})
    assert response.status_code == 200
    assert list(Homework.objects.get(pk=item["id"]).pupils.all()) == [cast.pupil_q]
    # back to required: counted again, pupils cleared
    response = patch_json(maths, f"/api/v1/homework/{item['id']}", {"layer": "required"})
    assert response.status_code == 200
    assert Homework.objects.get(pk=item["id"]).pupils.count() == 0
    assert class_day(cast.class_a1_4_1, MON).counted_minutes == 65
    assert_totals_match_items(cast.class_a1_4_1)


def test_withdrawing_an_item_subtracts_it(cast, maths):
    keep = file_ok(maths, cast.class_a1_4_1, minutes=30)
    gone = file_ok(maths, cast.class_a1_4_1, minutes=40)
    assert class_day(cast.class_a1_4_1, MON).over_limit is True
    response = maths.delete(f"/api/v1/homework/{gone['id']}")
    assert response.status_code == 204
    assert list(Homework.objects.values_list("pk", flat=True)) == [keep["id"]]
    day = class_day(cast.class_a1_4_1, MON)
    assert (day.counted_minutes, day.item_count, day.over_limit) == (30, 1, False)
    assert day.written_subjects == {"maths": 30}
    assert LogEntry.objects.filter(additional_data__code="homework.withdrawn").count() == 1
    # withdrawing it again is 404
    assert_error(maths.delete(f"/api/v1/homework/{gone['id']}"), 404, "not_found")


@pytest.mark.parametrize(("actor", "status"), [
    ("head_teacher_a", 200),  # head teacher of the class
    ("principal", 200),  # school admin
    ("teacher_b", 404),
    ("guardian_p", 404),  # unpublished: not visible to the family
    ("bureau_admin_b", 404),
])
def test_who_may_change_an_item(cast, maths, api_client, actor, status):
    item = file_ok(maths, cast.class_a1_4_1, minutes=30)
    response = patch_json(api_client(getattr(cast, actor)), f"/api/v1/homework/{item['id']}",
                          {"minutes": 25})
    assert response.status_code == status, response.content
    assert Homework.objects.get(pk=item["id"]).minutes == (25 if status == 200 else 30)
    assert class_day(cast.class_a1_4_1, MON).counted_minutes == (25 if status == 200 else 30)


def test_subject_teacher_cannot_change_or_withdraw_a_colleagues_item(cast, maths, head):
    item = file_ok(head, cast.class_a1_4_1, subject="chinese", minutes=30)
    assert_error(patch_json(maths, f"/api/v1/homework/{item['id']}", {"minutes": 5}),
                 403, "forbidden")
    assert_error(maths.delete(f"/api/v1/homework/{item['id']}"), 403, "forbidden")
    assert Homework.objects.get(pk=item["id"]).minutes == 30


def test_guardian_cannot_change_a_published_item(cast, maths, head, api_client, guardian_p):
    item = file_ok(maths, cast.class_a1_4_1, minutes=30)
    post_json(head, day_url(cast.class_a1_4_1, MON, "publish"))
    client = api_client(guardian_p)
    assert_error(patch_json(client, f"/api/v1/homework/{item['id']}", {"minutes": 5}),
                 403, "forbidden")
    assert_error(client.delete(f"/api/v1/homework/{item['id']}"), 403, "forbidden")


# ---- lists and the board ------------------------------------------------------------------

def list_homework(client, **params):
    response = client.get("/api/v1/homework", {k: v.isoformat() if isinstance(v, dt.date) else v
                                                for k, v in params.items()})
    assert response.status_code == 200, response.content
    return response.json()


def test_list_shows_only_items_the_caller_may_see(cast, monday, maths, api_client):
    file_ok(maths, cast.class_a1_4_1, date=TUE)
    params = {"school_class": cast.class_a1_4_1.pk, "date": MON}
    body = list_homework(maths, **params)
    assert set(body) == {"items", "count"}
    assert body["count"] == 3
    assert {i["id"] for i in body["items"]} == set(monday.values())
    assert list_homework(api_client(cast.bureau_admin), **params)["count"] == 3
    assert list_homework(api_client(cast.principal), **params)["count"] == 3
    for outsider in [cast.teacher_b, cast.bureau_admin_b]:
        assert list_homework(api_client(outsider), **params) == {"items": [], "count": 0}
        assert list_homework(api_client(outsider))["count"] == 0
    # filters
    assert list_homework(maths, school_class=cast.class_a1_4_1.pk)["count"] == 4
    assert list_homework(maths, subject="chinese")["count"] == 1
    assert list_homework(maths, date_from=TUE, date_to=SAT)["count"] == 1


def test_guardian_lists_only_published_items(cast, monday, head, api_client, guardian_p):
    client = api_client(guardian_p)
    assert list_homework(client)["count"] == 0
    post_json(head, day_url(cast.class_a1_4_1, MON, "publish"))
    assert {i["id"] for i in list_homework(client)["items"]} == set(monday.values())


def test_guardian_list_does_not_show_another_pupils_personalised_item(
        cast, monday, head, api_client, guardian_q):
    post_json(head, day_url(cast.class_a1_4_1, MON, "publish"))
    body = list_homework(api_client(guardian_q))
    assert {i["id"] for i in body["items"]} == {monday["maths"], monday["oral"]}
    assert body["count"] == 2


def test_list_needs_a_role_that_sees_homework(cast, api_client):
    assert_error(api_client(cast.guardian_nobody).get("/api/v1/homework"), 403, "forbidden")
    assert_error(api_client(None).get("/api/v1/homework"), 401, "unauthorized")


def test_list_query_count_does_not_grow_with_items(cast, maths, head,
                                                  django_assert_max_num_queries):
    for i in range(12):
        file_ok(maths if i % 2 else head, cast.class_a1_4_1, minutes=3,
                subject="maths" if i % 2 else "chinese")
    with django_assert_max_num_queries(12):
        body = list_homework(maths, school_class=cast.class_a1_4_1.pk)
    assert body["count"] == 12
    assert all(i["teacher"] for i in body["items"])


def test_board_for_a_day_without_filings(cast, maths):
    response = maths.get(day_url(cast.class_a1_4_1, TUE))
    assert response.status_code == 200, response.content
    body = response.json()
    day = body["class_day"]
    assert (day["written_minutes"], day["total_minutes"], day["item_count"]) == (0, 0, 0)
    assert (day["limit_minutes"], day["limit_rule"]) == (60, "HW-2")
    assert (day["over_limit"], day["published"]) == (False, False)
    assert body["items"] == [] and body["warnings"] == []
    # reading the board creates nothing
    assert ClassDay.objects.count() == 0
    # Saturday shows the HW-4 limit
    assert maths.get(day_url(cast.class_a1_4_1, SAT)).json()["class_day"]["limit_rule"] == "HW-4"


def test_board_lists_the_days_items_and_warnings(cast, monday, maths, head):
    file_ok(head, cast.class_a1_4_1, subject="chinese", minutes=40)
    body = maths.get(day_url(cast.class_a1_4_1, MON)).json()
    assert len(body["items"]) == 4
    assert body["class_day"]["written_minutes"] == 70
    assert [w["code"] for w in body["warnings"]] == ["HW-2"]


def test_board_applies_a_limit_the_district_tightened_after_filing(cast, maths):
    # Given 50 minutes filed under the national 60
    file_ok(maths, cast.class_a1_4_1, minutes=50)
    # When district A tightens the primary limit to 45
    from policy.services import set_rule

    set_rule(actor=cast.bureau_admin, bureau=cast.district_a, key="hw.max_avg_minutes.primary",
             value=45)
    # Then the board shows the day over the new limit (as publication will find it)
    body = maths.get(day_url(cast.class_a1_4_1, MON)).json()
    assert body["class_day"]["limit_minutes"] == 45
    assert [w["code"] for w in body["warnings"]] == ["HW-2"]
    assert body["class_day"]["over_limit"] is True


def test_board_of_another_school_is_404(cast, api_client):
    assert_error(api_client(cast.teacher_b).get(day_url(cast.class_a1_4_1, MON)), 404,
                 "not_found")
