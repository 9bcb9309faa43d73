"""The 双随机 draw algorithm (IN-1), pure: reproducible, independent of input order, never
breaking an exclusion, the team size or the department mix, spreading the work evenly."""

import hashlib
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inspections.draw import DrawError, InspectorSpec, digest, draw

DEPARTMENTS = ["education", "market", "fire", "civil_affairs"]


def roster(n, departments=DEPARTMENTS):
    return [InspectorSpec(i, departments[i % len(departments)]) for i in range(1, n + 1)]


TARGETS = [f"institution:{i}" for i in range(1, 41)]


def test_the_target_order_is_sha256_of_seed_and_target_as_documented():
    # Given a seed anyone can publish; when 5 of 40 targets are drawn
    result = draw(seed="2026-11-23", targets=TARGETS, inspectors=roster(6), count=5)
    # Then they are the 5 smallest sha256("seed:target") values, checkable with sha256sum
    expected = sorted(TARGETS, key=lambda t: hashlib.sha256(
        f"2026-11-23:{t}".encode()).hexdigest())[:5]
    assert [t for t, _ in result] == expected


def test_the_same_record_gives_the_same_draw_whatever_the_input_order():
    a = draw(seed="s", targets=TARGETS, inspectors=roster(8), count=10, min_departments=2)
    shuffled_targets = random.Random(1).sample(TARGETS, len(TARGETS))
    shuffled_inspectors = random.Random(2).sample(roster(8), 8)
    b = draw(seed="s", targets=shuffled_targets, inspectors=shuffled_inspectors, count=10,
             min_departments=2)
    assert a == b
    assert draw(seed="other", targets=TARGETS, inspectors=roster(8), count=10) != a


def test_work_is_spread_evenly_without_exclusions():
    result = draw(seed="s", targets=TARGETS, inspectors=roster(7), count=21, per_target=2)
    load = {}
    for _, team in result:
        for i in team:
            load[i] = load.get(i, 0) + 1
    assert sum(load.values()) == 42 and max(load.values()) - min(load.values()) <= 1


def test_conflicts_and_the_last_teams_are_never_sent_again():
    targets = ["school:1", "school:2"]
    exclusions = [(1, "school:1"), (2, "school:1")]
    previous = [(3, "school:1")]
    result = dict(draw(seed="x", targets=targets, inspectors=roster(5), count=2,
                       exclusions=exclusions, previous=previous))
    assert set(result["school:1"]) == {4, 5}


def test_a_joint_team_keeps_places_for_other_departments():
    # Given three education inspectors and one from market regulation
    inspectors = [InspectorSpec(1, "education"), InspectorSpec(2, "education"),
                  InspectorSpec(3, "education"), InspectorSpec(4, "market")]
    for seed in ("a", "b", "c", "d", "e"):
        result = draw(seed=seed, targets=TARGETS[:3], inspectors=inspectors, count=3,
                      per_target=2, min_departments=2)
        # Then every team has the market inspector (the only other department)
        assert all(4 in team for _, team in result)


def test_a_roster_that_cannot_staff_a_target_is_an_error_naming_it():
    with pytest.raises(DrawError) as error:
        draw(seed="s", targets=["institution:7"], inspectors=roster(3), count=1,
             exclusions=[(1, "institution:7"), (2, "institution:7")])
    assert error.value.target == "institution:7"
    with pytest.raises(DrawError):
        draw(seed="s", targets=TARGETS, inspectors=roster(2, ["education"]), count=1,
             min_departments=2)
    with pytest.raises(DrawError):
        draw(seed="s", targets=TARGETS, inspectors=roster(4), count=41)
    with pytest.raises(ValueError):
        draw(seed="s", targets=["a", "a"], inspectors=roster(4), count=1)


def test_the_inputs_digest_is_canonical():
    assert digest({"b": [1, 2], "a": "明德"}) == digest({"a": "明德", "b": [1, 2]})
    assert digest({"a": 1}) != digest({"a": 2})


@settings(max_examples=150, deadline=None)
@given(
    n_targets=st.integers(1, 30), n_inspectors=st.integers(1, 12), per_target=st.integers(1, 4),
    min_departments=st.integers(1, 3), count_share=st.floats(0.01, 1.0),
    exclusion_bits=st.lists(st.booleans(), min_size=0, max_size=360),
    seed=st.text(min_size=1, max_size=12), n_departments=st.integers(1, 4),
)
def test_any_draw_either_fails_cleanly_or_keeps_every_rule(
        n_targets, n_inspectors, per_target, min_departments, count_share, exclusion_bits,
        seed, n_departments):
    targets = [f"institution:{i}" for i in range(1, n_targets + 1)]
    inspectors = roster(n_inspectors, DEPARTMENTS[:n_departments])
    pairs = [(i.id, t) for i in inspectors for t in targets]
    exclusions = [p for p, bit in zip(pairs, exclusion_bits, strict=False) if bit]
    count = max(1, round(n_targets * count_share))
    department = {i.id: i.department for i in inspectors}
    try:
        result = draw(seed=seed, targets=targets, inspectors=inspectors, count=count,
                      per_target=per_target, min_departments=min_departments,
                      exclusions=exclusions)
    except DrawError:
        return
    assert len(result) == count and len({t for t, _ in result}) == count
    for target, team in result:
        assert len(team) == len(set(team)) == per_target
        assert not any((i, target) in set(exclusions) for i in team)
        assert len({department[i] for i in team}) >= min_departments
    # and it is reproducible
    assert result == draw(seed=seed, targets=list(reversed(targets)),
                          inspectors=list(reversed(inspectors)), count=count,
                          per_target=per_target, min_departments=min_departments,
                          exclusions=exclusions)
