"""Allocation of over-subscribed menu courses (AS-4): the lottery draw, snake rounds, waitlists and
the quality figures, with hand-worked cases and property tests. Pure Python: no database."""

import copy
import hashlib
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from afterschool.allocation import (
    ALGORITHM_VERSION,
    Applicant,
    CourseSpec,
    allocate,
    compare,
    lottery_order,
    next_from_waitlist,
    quality,
)

ALL_GRADES = frozenset(range(1, 7))
MON, TUE, WED = 1, 2, 3
SEED = "2026秋-实验小学"


def course(cid, capacity=None, times=(), grades=ALL_GRADES):
    return CourseSpec(id=cid, capacity=capacity, times=tuple(times), grades=frozenset(grades))


def pupil(pid, choices, grade=3, submitted_at=0, busy=()):
    return Applicant(pupil_id=pid, grade=grade, choices=tuple(choices), submitted_at=submitted_at,
                     busy=tuple(busy))


def clash(a, b):
    return any(d1 == d2 and s1 < e2 and s2 < e1 for d1, s1, e1 in a for d2, s2, e2 in b)


# --- the draw ---------------------------------------------------------------------------------


def test_draw_follows_the_published_sha256_recipe():
    # Pinned, so that a change of recipe shows up here and comes with a new ALGORITHM_VERSION.
    assert ALGORITHM_VERSION == "rsd-snake-sha256-1"
    assert lottery_order(range(1, 9), SEED) == [2, 4, 3, 6, 7, 1, 8, 5]
    # Anyone can recompute it from the seed and the pupil ids alone
    ids = list(range(1000, 1060))
    keys = {pid: hashlib.sha256(f"{SEED}:{pid}".encode()).hexdigest() for pid in ids}
    assert lottery_order(reversed(ids), SEED) == sorted(ids, key=keys.__getitem__)


def test_same_seed_same_draw_and_another_seed_another_draw():
    ids = list(range(1, 21))
    assert lottery_order(ids, SEED) == lottery_order(list(reversed(ids)), SEED)
    assert lottery_order(ids, SEED) != lottery_order(ids, "2027春-实验小学")
    courses = [course(1, capacity=5)]
    applicants = [pupil(pid, [1]) for pid in ids]
    first = allocate(courses, applicants, seed=SEED)
    assert allocate(courses, applicants, seed=SEED) == first
    other = allocate(courses, applicants, seed="2027春-实验小学")
    assert other.order != first.order
    assert other.assignments != first.assignments


def test_repeated_pupil_ids_are_refused():
    with pytest.raises(ValueError):
        lottery_order([1, 2, 1], SEED)
    with pytest.raises(ValueError):
        allocate([course(1)], [pupil(1, [1]), pupil(1, [1], grade=4)], seed=SEED)
    with pytest.raises(ValueError):
        allocate([course(1), course(1, capacity=2)], [pupil(1, [1])], seed=SEED)


def test_bad_method_and_max_courses_are_refused():
    with pytest.raises(ValueError):
        allocate([course(1)], [pupil(1, [1])], seed=SEED, method="random")
    with pytest.raises(ValueError):
        allocate([course(1)], [pupil(1, [1])], seed=SEED, max_courses=0)


# --- allocation -------------------------------------------------------------------------------


def test_capacity_is_never_exceeded_and_seats_go_in_lottery_order():
    courses = [course(1, capacity=3), course(2, capacity=3), course(3, capacity=3)]
    applicants = [pupil(pid, [1, 2, 3]) for pid in range(1, 11)]
    result = allocate(courses, applicants, seed=SEED)
    order = result.order
    assert [result.assignments[pid] for pid in order] == [[1]] * 3 + [[2]] * 3 + [[3]] * 3 + [[]]
    assert result.quality["seats_filled"] == 9 and result.quality["unassigned"] == 1


def test_unlimited_capacity_takes_everyone():
    applicants = [pupil(pid, [1, 2]) for pid in range(1, 51)]
    result = allocate([course(1, capacity=None), course(2, capacity=1)], applicants, seed=SEED)
    assert all(result.assignments[pid] == [1] for pid in range(1, 51))
    assert result.waitlists[1] == []
    assert result.quality["first_choice_share"] == 1.0


def test_a_course_closed_to_the_pupils_grade_is_passed_over():
    courses = [course(1, capacity=5, grades={5}), course(2, capacity=5)]
    result = allocate(courses, [pupil(1, [1, 2], grade=4), pupil(2, [1, 2], grade=5)], seed=SEED)
    assert result.assignments == {1: [2], 2: [1]}
    # Pupil 1 was never eligible for course 1, so is not waiting for it
    assert result.waitlists[1] == []
    # For pupil 1 course 2 is the first valid choice
    assert result.quality["first_choice"] == 2


def test_repeated_and_unknown_choices_are_ignored():
    courses = [course(1, capacity=1), course(2, capacity=0)]
    result = allocate(courses, [pupil(7, [99, 2, 2, 1, 1])], seed=SEED, max_courses=3)
    assert result.assignments == {7: [1]}
    assert result.waitlists == {1: [], 2: [7]}
    assert 99 not in result.waitlists
    # Valid choices are (2, 1), so course 1 is rank 2
    assert result.quality["mean_best_rank"] == 2.0


def test_a_clashing_choice_is_skipped_for_the_next_one():
    # 1 and 2 overlap on Monday; 3 starts as 1 ends, which is not a clash
    courses = [course(1, times=[(MON, 960, 1020)]), course(2, times=[(MON, 990, 1050)]),
               course(3, times=[(MON, 1020, 1080)])]
    result = allocate(courses, [pupil(1, [1, 2, 3])], seed=SEED, max_courses=2)
    assert result.assignments == {1: [1, 3]}


def test_busy_times_rule_out_a_course():
    courses = [course(1, times=[(TUE, 960, 1020)]), course(2, times=[(WED, 960, 1020)])]
    result = allocate(courses, [pupil(1, [1, 2], busy=[(TUE, 1000, 1100)])], seed=SEED)
    assert result.assignments == {1: [2]}


def test_round_two_runs_in_reverse_lottery_order():
    courses = [course(cid, capacity=1) for cid in range(1, 7)]
    applicants = [pupil(pid, range(1, 7)) for pid in (11, 12, 13)]
    result = allocate(courses, applicants, seed=SEED, max_courses=2)
    first, second, last = result.order
    assert result.order == lottery_order([11, 12, 13], SEED)
    # Round 1: 1, 2, 3 in lottery order; round 2: the pupil drawn last picks first
    assert result.assignments == {first: [1, 6], second: [2, 5], last: [3, 4]}


def test_fcfs_baseline_uses_submission_order_in_every_round():
    courses = [course(cid, capacity=1) for cid in range(1, 7)]
    applicants = [
        pupil(10, range(1, 7), submitted_at="2026-09-01T09:00"),
        pupil(20, range(1, 7), submitted_at="2026-09-01T09:00"),  # same time: lower id first
        pupil(30, range(1, 7), submitted_at="2026-09-01T08:00"),
    ]
    result = allocate(courses, applicants, seed=SEED, max_courses=2, method="fcfs")
    assert result.order == [30, 10, 20]
    assert result.assignments == {30: [1, 4], 10: [2, 5], 20: [3, 6]}


def test_input_order_does_not_matter():
    rng = random.Random(3)
    courses = [course(cid, capacity=rng.randint(1, 4), times=[(rng.randint(1, 3), 960, 1050)])
               for cid in range(1, 8)]
    applicants = [pupil(pid, rng.sample(range(1, 9), 4), grade=rng.randint(1, 6),
                        submitted_at=rng.randint(0, 9)) for pid in range(100, 140)]
    for method in ("lottery", "fcfs"):
        expected = allocate(courses, applicants, seed=SEED, max_courses=2, method=method)
        shuffled_courses, shuffled_applicants = courses[:], applicants[:]
        rng.shuffle(shuffled_courses)
        rng.shuffle(shuffled_applicants)
        again = allocate(shuffled_courses, shuffled_applicants, seed=SEED, max_courses=2, method=method)
        assert again == expected
        assert list(again.assignments) == list(expected.assignments)


def test_waitlist_follows_the_lottery_and_lists_only_eligible_choosers_who_missed_out():
    courses = [course(1, capacity=2, grades={3}), course(2)]
    applicants = [pupil(pid, [1, 2]) for pid in range(1, 7)] + [pupil(7, [1, 2], grade=4)]
    result = allocate(courses, applicants, seed=SEED)
    eligible = [pid for pid in result.order if pid != 7]
    winners = eligible[:2]
    assert [pid for pid in result.order if result.assignments[pid] == [1]] == winners
    assert result.waitlists[1] == eligible[2:]
    # The winners also ranked course 2 and did not get it (one course each), so they wait for it
    assert result.waitlists[2] == winners


# --- a freed seat -----------------------------------------------------------------------------


def _freed_seat_case():
    courses = [course(10, times=[(MON, 900, 960)], grades={3}), course(11, times=[(MON, 930, 990)]),
               course(12, times=[(TUE, 900, 960)]), course(13, times=[(WED, 900, 960)])]
    applicants = [
        pupil(1, [10, 12, 13]),  # already holds two courses
        pupil(2, [11, 10]),  # holds 11, which clashes
        pupil(3, [10], busy=[(MON, 940, 1000)]),  # busy then
        pupil(4, [10]),  # already holds 10
        pupil(5, [10], grade=4),  # not admitted
        # 6 has withdrawn and is no longer an applicant
        pupil(7, [12, 10], busy=[(MON, 960, 1020)]),  # busy right after: no clash
        pupil(8, [10]),
    ]
    assignments = {1: [12, 13], 2: [11], 4: [10], 7: [12], 8: []}
    return courses, applicants, assignments


def test_freed_seat_goes_to_the_first_eligible_pupil_on_the_waitlist():
    courses, applicants, assignments = _freed_seat_case()
    waitlist = [1, 2, 3, 4, 5, 6, 7, 8]
    before = copy.deepcopy((courses, applicants, assignments, waitlist))
    assert next_from_waitlist(10, waitlist, assignments, courses, applicants, 2) == 7
    assert (courses, applicants, assignments, waitlist) == before


def test_freed_seat_with_nobody_eligible_goes_to_nobody():
    courses, applicants, assignments = _freed_seat_case()
    assert next_from_waitlist(10, [1, 2, 3, 4, 5, 6], assignments, courses, applicants, 2) is None
    # With one course each allowed, 7 (who holds 12) can no longer take it, but 8 can
    assert next_from_waitlist(10, [7, 8], assignments, courses, applicants, 1) == 8
    assert next_from_waitlist(10, [], assignments, courses, applicants, 2) is None
    with pytest.raises(ValueError):
        next_from_waitlist(99, [8], assignments, courses, applicants, 2)


# --- quality ----------------------------------------------------------------------------------


def test_quality_figures_on_a_worked_example():
    courses = [course(1), course(2), course(3), course(4, grades={5}), course(5)]
    applicants = [
        pupil(1, [1, 2, 3]),  # got 1: rank 1
        pupil(2, [4, 2, 3]),  # 4 is closed to grade 3, so valid (2, 3); got 3: rank 2
        pupil(3, [1, 2]),  # got nothing
        pupil(4, []),  # applied for nothing: not counted
        pupil(5, [9]),  # only an unknown course: not counted
        pupil(6, [1, 2, 3, 5]),  # got 5 and 2: best rank 2
        pupil(7, [1, 2, 3, 5]),  # got 5: rank 4, outside the top 3
    ]
    assignments = {1: [1], 2: [3], 3: [], 6: [5, 2], 7: [5]}
    assert quality(applicants, assignments, courses=courses) == {
        "applicants": 5, "assigned": 4, "unassigned": 1, "first_choice": 1,
        "first_choice_share": 0.2, "top3_share": 0.6, "mean_best_rank": 2.25, "seats_filled": 5,
    }
    # Without the courses every listed id counts: pupil 5 applied, pupil 2's course 3 is rank 3
    assert quality(applicants, assignments) == {
        "applicants": 6, "assigned": 4, "unassigned": 2, "first_choice": 1,
        "first_choice_share": 0.1667, "top3_share": 0.5, "mean_best_rank": 2.5, "seats_filled": 5,
    }


def test_quality_of_nobody():
    assert quality([], {}) == {
        "applicants": 0, "assigned": 0, "unassigned": 0, "first_choice": 0,
        "first_choice_share": 0.0, "top3_share": 0.0, "mean_best_rank": None, "seats_filled": 0,
    }


def test_compare_runs_both_methods_on_the_same_inputs():
    courses = [course(1, capacity=1), course(2, capacity=1)]
    applicants = [pupil(pid, [1, 2], submitted_at=pid) for pid in range(1, 6)]
    result = compare(courses, applicants, seed=SEED)
    assert result["algorithm"] == ALGORITHM_VERSION
    assert result["lottery"] == allocate(courses, applicants, seed=SEED).quality
    assert result["fcfs"] == allocate(courses, applicants, seed=SEED, method="fcfs").quality
    assert result["fcfs"]["seats_filled"] == 2


# --- properties -------------------------------------------------------------------------------

slots = st.tuples(st.integers(1, 2), st.sampled_from([0, 30, 60, 90]), st.sampled_from([30, 60])).map(
    lambda s: (s[0], s[1], s[1] + s[2]))


@st.composite
def markets(draw):
    """A small, often over-subscribed market: up to 6 courses and 12 pupils, a few clashes."""
    n_courses = draw(st.integers(1, 6))
    courses = [
        course(cid, capacity=draw(st.none() | st.integers(0, 4)),
               times=draw(st.lists(slots, max_size=2)),
               grades=draw(st.sets(st.integers(1, 3), min_size=1)))
        for cid in range(1, n_courses + 1)
    ]
    applicants = [
        pupil(pid, draw(st.lists(st.integers(1, n_courses + 2), max_size=6)),
              grade=draw(st.integers(1, 3)), submitted_at=draw(st.integers(0, 5)),
              busy=draw(st.lists(slots, max_size=1)))
        for pid in draw(st.lists(st.integers(1, 500), max_size=12, unique=True))
    ]
    return courses, applicants


runs = st.fixed_dictionaries({
    "seed": st.text(max_size=8),
    "max_courses": st.integers(1, 3),
    "method": st.sampled_from(["lottery", "fcfs"]),
})
bounded = settings(max_examples=100, deadline=None)


def valid_choices(applicant, by_id):
    return list(dict.fromkeys(
        cid for cid in applicant.choices if cid in by_id and applicant.grade in by_id[cid].grades))


@bounded
@given(markets(), runs)
def test_property_seats_choices_grades_and_times_are_respected(market, run):
    courses, applicants = market
    by_id = {c.id: c for c in courses}
    result = allocate(courses, applicants, **run)
    for c in courses:
        holders = sum(c.id in held for held in result.assignments.values())
        assert c.capacity is None or holders <= c.capacity
    for a in applicants:
        held = result.assignments[a.pupil_id]
        assert len(held) == len(set(held)) <= run["max_courses"]
        assert set(held) <= set(valid_choices(a, by_id))
        assert not clash([t for cid in held for t in by_id[cid].times], a.busy)
        for i, one in enumerate(held):
            for other in held[i + 1:]:
                assert not clash(by_id[one].times, by_id[other].times)
    q = result.quality
    assert q["assigned"] + q["unassigned"] == q["applicants"]
    assert q["seats_filled"] == sum(map(len, result.assignments.values()))


@bounded
@given(markets(), runs)
def test_property_no_seat_is_left_empty_while_a_chooser_could_take_it(market, run):
    # A course with a free seat at the end had one all along. So a pupil who ranked it and did not
    # get it either cannot take it (a clash with their busy times or their courses), or was served
    # in every round, each time with a course they ranked higher.
    courses, applicants = market
    by_id = {c.id: c for c in courses}
    result = allocate(courses, applicants, **run)
    for c in courses:
        holders = sum(c.id in held for held in result.assignments.values())
        if c.capacity is not None and holders >= c.capacity:
            continue
        for a in applicants:
            prefs = valid_choices(a, by_id)
            held = result.assignments[a.pupil_id]
            if c.id not in prefs or c.id in held:
                continue
            blocked = list(a.busy) + [t for cid in held for t in by_id[cid].times]
            if clash(c.times, blocked):
                continue
            assert len(held) == run["max_courses"]
            assert all(prefs.index(cid) < prefs.index(c.id) for cid in held)


@bounded
@given(markets(), st.text(max_size=8), st.sampled_from(["lottery", "fcfs"]))
def test_property_with_one_course_each_nobody_envies_a_later_pupil(market, seed, method):
    # Serial dictatorship: every course a pupil preferred to what they got (and could attend) is
    # full, and only of pupils ahead of them in the order.
    courses, applicants = market
    by_id = {c.id: c for c in courses}
    result = allocate(courses, applicants, seed=seed, method=method)
    position = {pid: i for i, pid in enumerate(result.order)}
    holders = {c.id: [pid for pid, held in result.assignments.items() if c.id in held] for c in courses}
    for a in applicants:
        prefs = valid_choices(a, by_id)
        held = result.assignments[a.pupil_id]
        better = prefs[:prefs.index(held[0])] if held else prefs
        for cid in better:
            if clash(by_id[cid].times, a.busy):
                continue
            assert len(holders[cid]) == by_id[cid].capacity
            assert all(position[pid] < position[a.pupil_id] for pid in holders[cid])


@bounded
@given(markets(), runs)
def test_property_waitlists_hold_the_choosers_who_missed_out_in_round_one_order(market, run):
    courses, applicants = market
    by_id = {c.id: c for c in courses}
    result = allocate(courses, applicants, **run)
    position = {pid: i for i, pid in enumerate(result.order)}
    assert sorted(result.waitlists) == sorted(by_id)
    for c in courses:
        waiting = result.waitlists[c.id]
        missed = {a.pupil_id for a in applicants
                  if c.id in valid_choices(a, by_id) and c.id not in result.assignments[a.pupil_id]}
        assert sorted(waiting, key=position.__getitem__) == waiting
        assert len(set(waiting)) == len(waiting)
        assert set(waiting) == missed


@bounded
@given(markets(), runs, st.randoms(use_true_random=False))
def test_property_same_inputs_in_any_order_give_the_same_result(market, run, rng):
    courses, applicants = market
    expected = allocate(courses, applicants, **run)
    courses, applicants = courses[:], applicants[:]
    rng.shuffle(courses)
    rng.shuffle(applicants)
    assert allocate(courses, applicants, **run) == expected
    ids = [a.pupil_id for a in applicants]
    if run["method"] == "lottery":
        assert expected.order == lottery_order(ids, run["seed"])
    else:
        assert expected.order == [a.pupil_id for a in sorted(applicants, key=lambda a: (a.submitted_at,
                                                                                        a.pupil_id))]
