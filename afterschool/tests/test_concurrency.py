"""Racing requests on PostgreSQL: a menu course never takes more pupils than its capacity, its
``enrolled_count`` always equals the pupils really enrolled, and waitlist positions stay
distinct, however late applications, withdrawals and promotions interleave (issue: after-school
concurrency; STYLE 3.6).

The data are committed (``django_db(transaction=True)``), so the racing requests, each in its own
thread and connection, see them; pytest-django empties the tables after each test.
"""

import pytest
from django.db import connection

from afterschool import services
from afterschool.models import Course, Enrolment
from afterschool.tests.conftest import post_json
from conftest import race

N = 12
CAPACITY = 3

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locking"),
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("pinned_now"),
]


@pytest.fixture
def go(programme, principal, own_instructor):
    """A published programme with 围棋, a grade-4 menu course of three seats nobody has yet."""
    course = services.add_course(actor=principal, programme=programme, name="围棋",
                                 capacity=CAPACITY, grades=[4], weekdays=[2], start="16:40",
                                 end="17:40", instructor=own_instructor)
    services.review_course(actor=principal, course=course, approve=True)
    services.open_programme(actor=principal, programme=programme)
    run = services.run_allocation(actor=principal, programme=programme, seed="race")
    services.publish_allocation(actor=principal, allocation=run)
    return course


def late_application(pupil, programme, course):
    body = {"pupil": pupil.pk, "programme": programme.pk, "choices": [course.pk]}
    return lambda client: post_json(client, "/api/v1/after-school/applications", body)


def withdrawal(place):
    return lambda client: post_json(client,
                                    f"/api/v1/after-school/enrolments/{place.pk}/withdraw")


def statuses(responses):
    return [(r.status_code, r.content[:200]) for r in responses]


def assert_consistent(course):
    course = Course.objects.get(pk=course.pk)
    enrolled = Enrolment.objects.filter(course=course, status="enrolled").count()
    assert course.enrolled_count == enrolled, (course.enrolled_count, enrolled)
    assert enrolled <= course.capacity
    positions = list(Enrolment.objects.filter(course=course, status="waitlisted")
                     .values_list("waitlist_position", flat=True))
    assert None not in positions and len(positions) == len(set(positions)), positions
    return course, enrolled


def test_concurrent_late_applications_never_exceed_the_capacity(cast, programme, go,
                                                                make_families):
    # Given twelve families of class 4-2, each applying for 围棋 (three free seats) at once
    families = make_families(cast.class_a1_4_2, N)
    jobs = [(guardian, late_application(pupil, programme, go)) for pupil, guardian in families]
    # When the applications race
    responses = race(jobs)
    # Then every one is accepted: three take the seats, the others wait in line
    assert [r.status_code for r in responses] == [201] * N, statuses(responses)
    course, enrolled = assert_consistent(go)
    assert enrolled == CAPACITY
    places = Enrolment.objects.filter(course=go).exclude(status="withdrawn")
    assert places.count() == N
    assert sorted(places.filter(status="waitlisted").values_list("waitlist_position",
                                                                  flat=True)) == list(
        range(1, N - CAPACITY + 1))
    # and everyone kept their base service
    assert Enrolment.objects.filter(course__kind="guidance", status="enrolled").count() == N


def test_concurrent_withdrawals_and_promotions_keep_the_count(cast, programme, go,
                                                              make_families, principal):
    # Given three pupils enrolled in 围棋 and six on its waitlist
    families = make_families(cast.class_a1_4_2, 9)
    for pupil, guardian in families:
        services.apply(actor=guardian, programme=programme, pupil=pupil, choices=[go.pk])
    places = {pupil.pk: Enrolment.objects.get(course=go, pupil=pupil) for pupil, _ in families}
    enrolled = [(p, g) for p, g in families if places[p.pk].status == "enrolled"]
    waiting = sorted(((p, g) for p, g in families if places[p.pk].status == "waitlisted"),
                     key=lambda f: places[f[0].pk].waitlist_position)
    assert len(enrolled) == CAPACITY and len(waiting) == 6
    # When the three enrolled and the first three waiting withdraw at once (so promotions race
    # the withdrawals of the very pupils being promoted)
    leaving = enrolled + waiting[:3]
    jobs = [(guardian, withdrawal(places[pupil.pk])) for pupil, guardian in leaving]
    responses = race(jobs)
    # Then every withdrawal took effect, and the seats went to the last three of the waitlist
    assert [r.status_code for r in responses] == [200] * len(jobs), statuses(responses)
    course, count = assert_consistent(go)
    assert count == CAPACITY
    assert set(Enrolment.objects.filter(course=go, status="enrolled")
               .values_list("pupil_id", flat=True)) == {p.pk for p, _ in waiting[3:]}
    assert not Enrolment.objects.filter(course=go, status="waitlisted").exists()


def test_withdrawals_racing_a_capacity_increase_keep_the_count(cast, programme, go,
                                                               make_families, principal):
    # Given three enrolled and five waiting
    families = make_families(cast.class_a1_4_2, 8)
    for pupil, guardian in families:
        services.apply(actor=guardian, programme=programme, pupil=pupil, choices=[go.pk])
    places = {pupil.pk: Enrolment.objects.get(course=go, pupil=pupil) for pupil, _ in families}
    enrolled = [(p, g) for p, g in families if places[p.pk].status == "enrolled"]
    waiting = [(p, g) for p, g in families if places[p.pk].status == "waitlisted"]
    # When two enrolled and two waiting withdraw while the school adds two seats
    jobs = [(guardian, withdrawal(places[pupil.pk])) for pupil, guardian in
            enrolled[:2] + waiting[:2]]
    jobs.append((principal, lambda client: client.patch(
        f"/api/v1/after-school/courses/{go.pk}", {"capacity": CAPACITY + 2},
        content_type="application/json")))
    responses = race(jobs)
    # Then all succeed and the five seats hold exactly the pupils still live, counted right
    assert [r.status_code for r in responses] == [200] * len(jobs), statuses(responses)
    course, count = assert_consistent(go)
    assert course.capacity == CAPACITY + 2
    live = len(families) - 4
    assert count == min(live, CAPACITY + 2)


def test_the_same_place_withdrawn_twice_at_once_frees_one_seat(cast, programme, go,
                                                               make_families):
    # Given a full course with a waitlist of two
    families = make_families(cast.class_a1_4_2, 5)
    for pupil, guardian in families:
        services.apply(actor=guardian, programme=programme, pupil=pupil, choices=[go.pk])
    pupil, guardian = families[0]
    place = Enrolment.objects.get(course=go, pupil=pupil)
    assert place.status == "enrolled"
    # When a guardian double-clicks "withdraw" (six requests at once)
    responses = race([(guardian, withdrawal(place)) for _ in range(6)])
    # Then one withdrawal counts and the others are told it is done already
    codes = sorted(r.status_code for r in responses)
    assert codes == [200] + [409] * 5, statuses(responses)
    course, count = assert_consistent(go)
    assert count == CAPACITY
    assert Enrolment.objects.filter(course=go, status="waitlisted").count() == 1


def test_withdrawn_applications_racing_promotions_keep_the_count(cast, programme, go,
                                                                 make_families):
    # Given three enrolled and five waiting
    from afterschool.models import Application

    families = make_families(cast.class_a1_4_2, 8)
    for pupil, guardian in families:
        services.apply(actor=guardian, programme=programme, pupil=pupil, choices=[go.pk])
    places = {pupil.pk: Enrolment.objects.get(course=go, pupil=pupil) for pupil, _ in families}
    enrolled = [(p, g) for p, g in families if places[p.pk].status == "enrolled"]
    waiting = sorted(((p, g) for p, g in families if places[p.pk].status == "waitlisted"),
                     key=lambda f: places[f[0].pk].waitlist_position)
    # When two enrolled pupils leave the course while the first two waiting families withdraw
    # their whole applications (the very pupils the freed seats would go to)
    jobs = [(guardian, withdrawal(places[pupil.pk])) for pupil, guardian in enrolled[:2]]
    for pupil, guardian in waiting[:2]:
        app = Application.objects.get(programme=programme, pupil=pupil)
        jobs.append((guardian, (lambda pk: lambda client: client.delete(
            f"/api/v1/after-school/applications/{pk}"))(app.pk)))
    responses = race(jobs)
    # Then all succeed, the withdrawn families hold nothing, and the count is exact
    assert sorted(r.status_code for r in responses) == [200, 200, 204, 204], statuses(responses)
    course, count = assert_consistent(go)
    assert count == CAPACITY
    gone = {p.pk for p, _ in waiting[:2]}
    assert not Enrolment.objects.filter(pupil_id__in=gone).exclude(status="withdrawn").exists()
    assert set(Enrolment.objects.filter(course=go, status="enrolled")
               .values_list("pupil_id", flat=True)) == {enrolled[2][0].pk} | {
        p.pk for p, _ in waiting[2:4]}
