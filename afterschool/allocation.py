"""Fair, reproducible allocation of over-subscribed after-school menu courses (AS-4).

Pupils (through their guardians) rank the menu courses they want; when a course has more
applicants than seats, seats go by lottery. Pure Python: no Django, no database, so the same code
runs in a service, a management command and a benchmark, and an auditor can re-run it.

The draw (``lottery_order``)
    Each pupil's lottery key is ``sha256(f"{seed}:{pupil_id}".encode("utf-8")).hexdigest()``, the
    pupil id written in decimal. Pupils are drawn in ascending order of that hex string, ties
    (which would need a hash collision) broken by pupil id. Anyone who holds the published seed
    and the list of applicants can check the order without Python, for instance::

        printf '%s' '2026秋-实验小学:1042' | sha256sum

    It does not depend on Python's ``random`` module, whose output may change between versions.
    ``ALGORITHM_VERSION`` names this recipe and the allocation below; a run should store it with
    its seed so that a later change of algorithm cannot silently change a past result.

The allocation (``allocate``)
    Random serial dictatorship over ``max_courses`` rounds in snake order: round 1 follows the
    lottery order, round 2 the reverse, round 3 the lottery order again, and so on, so the pupil
    drawn last picks first in round 2. In each round each pupil in turn takes at most one course:
    their highest-ranked choice that still has a seat, admits their grade, is not already theirs
    and does not clash in time with a course they already hold or with their ``busy`` times.
    ``method="fcfs"`` is the first-come-first-served baseline: the order is
    ``(submitted_at, pupil_id)`` and every round uses it unchanged.

    A pupil's *valid choices* are their choices with unknown course ids and courses that do not
    admit their grade dropped, and repeated ids kept once at their first rank. Ranks in the quality
    figures are 1-based positions in that list, so a pupil who listed a course closed to their
    grade first and got their second listed course counts as having got their first choice.

    Times are half-open minute intervals ``(weekday, start, end)``: two meet on the same weekday
    overlap when each starts before the other ends, so a course ending at 17:00 does not clash
    with one starting at 17:00.

Waitlists
    A course's waitlist holds every pupil who had it among their valid choices but did not get it,
    in round-1 order (the lottery order, or the FCFS order). Pupils who since hold the maximum
    number of courses or have a clash stay on it, because that may change; ``next_from_waitlist``
    skips them when a seat frees.

Input order never matters: applicants are keyed by pupil id and courses by course id, and a
repeated pupil id or course id is an error (``ValueError``), not something to resolve silently.
"""

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

ALGORITHM_VERSION = "rsd-snake-sha256-1"

METHODS = ("lottery", "fcfs")

Interval = tuple[int, int, int]


@dataclass(frozen=True)
class CourseSpec:
    """A menu course as the allocation sees it: its seats, when it meets and whom it admits."""

    id: int
    capacity: int | None  # None = unlimited
    times: tuple[Interval, ...]  # (weekday 1-7, start_minute, end_minute)
    grades: frozenset[int]


@dataclass(frozen=True)
class Applicant:
    """One pupil's application: ranked course ids, most preferred first."""

    pupil_id: int
    grade: int
    choices: tuple[int, ...]
    submitted_at: float | int | str  # only the FCFS baseline uses it
    busy: tuple[Interval, ...] = ()  # times the pupil is already committed


@dataclass
class Allocation:
    """The result of one run of ``allocate``."""

    assignments: dict[int, list[int]]  # every applicant's pupil id -> course ids in the order won
    waitlists: dict[int, list[int]]  # every course id -> pupil ids, position 1 first
    order: list[int]  # pupil order of round 1
    quality: dict


def lottery_order(pupil_ids: Iterable[int], seed: str) -> list[int]:
    """Return the pupil ids in lottery order for ``seed`` (see the module docstring)."""
    ids = list(pupil_ids)
    if len(set(ids)) != len(ids):
        raise ValueError("lottery_order: repeated pupil id")
    return sorted(ids, key=lambda pid: (hashlib.sha256(f"{seed}:{pid}".encode()).hexdigest(), pid))


def allocate(courses, applicants, *, seed: str, max_courses: int = 1, method: str = "lottery") -> Allocation:
    """Allocate seats by random serial dictatorship in snake rounds, or by FCFS as a baseline."""
    if method not in METHODS:
        raise ValueError(f"allocate: unknown method {method!r}")
    if max_courses < 1:
        raise ValueError("allocate: max_courses must be at least 1")
    by_id = _index_courses(courses)
    pupils = _index_applicants(applicants)
    if method == "lottery":
        order = lottery_order(pupils, seed)
    else:
        order = [a.pupil_id for a in sorted(pupils.values(), key=lambda a: (a.submitted_at, a.pupil_id))]

    prefs = {pid: _valid_choices(a, by_id) for pid, a in pupils.items()}
    free = {cid: c.capacity for cid, c in by_id.items()}  # None = unlimited
    assignments = {pid: [] for pid in sorted(pupils)}
    blocked = {pid: list(a.busy) for pid, a in pupils.items()}
    # A choice passed over once stays out of reach: seats only fill and a pupil's blocked times
    # only grow. So each pupil's scan resumes where it stopped, and a pupil who finds nothing in a
    # round finds nothing later either. That keeps a whole run linear in the number of choices.
    cursor = dict.fromkeys(pupils, 0)
    active = [pid for pid in order if prefs[pid]]
    for round_no in range(max_courses):
        snake_back = method == "lottery" and round_no % 2 == 1
        served = set()
        for pid in reversed(active) if snake_back else active:
            choices, i = prefs[pid], cursor[pid]
            while i < len(choices):
                cid = choices[i]
                i += 1
                if free[cid] == 0 or _clashes(by_id[cid].times, blocked[pid]):
                    continue
                if free[cid] is not None:
                    free[cid] -= 1
                assignments[pid].append(cid)
                blocked[pid].extend(by_id[cid].times)
                served.add(pid)
                break
            cursor[pid] = i
        active = [pid for pid in active if pid in served]

    waitlists = {cid: [] for cid in sorted(by_id)}
    for pid in order:
        won = assignments[pid]
        for cid in prefs[pid]:
            if cid not in won:
                waitlists[cid].append(pid)
    return Allocation(assignments=assignments, waitlists=waitlists, order=order,
                      quality=quality(pupils.values(), assignments, courses=by_id.values()))


def quality(applicants, assignments: Mapping[int, Iterable[int]], *, courses=None) -> dict:
    """Figures that show how well an allocation met the pupils' wishes.

    Counts are over ``applicants``; a pupil missing from ``assignments`` got nothing. With
    ``courses`` given, only valid choices (known course, grade admitted; see the module docstring)
    count and ranks are positions among them; without it every listed course id counts, repeats
    once. ``applicants`` counts pupils with at least one such choice; ``first_choice_share`` and
    ``top3_share`` are over them. ``mean_best_rank`` is over pupils who got at least one of their
    choices (None when nobody did). ``seats_filled`` counts the courses held by these applicants.
    """
    by_id = _index_courses(courses) if courses is not None else None
    pupils = _index_applicants(applicants)
    counted = assigned = unassigned = first = top3 = seats = 0
    best_ranks = []
    for pid in sorted(pupils):
        prefs = _valid_choices(pupils[pid], by_id)
        won = set(assignments.get(pid, ()))
        counted += bool(prefs)
        assigned += bool(won)
        unassigned += bool(prefs) and not won
        seats += len(won)
        ranks = [rank for rank, cid in enumerate(prefs, 1) if cid in won]
        if ranks:
            best_ranks.append(ranks[0])
            first += ranks[0] == 1
            top3 += ranks[0] <= 3
    return {
        "applicants": counted,
        "assigned": assigned,
        "unassigned": unassigned,
        "first_choice": first,
        "first_choice_share": round(first / counted, 4) if counted else 0.0,
        "top3_share": round(top3 / counted, 4) if counted else 0.0,
        "mean_best_rank": round(sum(best_ranks) / len(best_ranks), 4) if best_ranks else None,
        "seats_filled": seats,
    }


def compare(courses, applicants, *, seed: str, max_courses: int = 1) -> dict:
    """Run the lottery and the FCFS baseline on the same inputs and return both quality figures."""
    courses, applicants = list(courses), list(applicants)
    return {
        method: allocate(courses, applicants, seed=seed, max_courses=max_courses, method=method).quality
        for method in METHODS
    } | {"algorithm": ALGORITHM_VERSION}


def next_from_waitlist(course_id, waitlist, assignments, courses, applicants, max_courses) -> int | None:
    """Return the first pupil on ``waitlist`` who can take a freed seat on ``course_id``, or None.

    A pupil can take it when they hold fewer than ``max_courses`` courses, do not hold this one,
    are in ``applicants`` with a grade the course admits, and the course clashes neither with
    their ``busy`` times nor with the courses they hold (held courses missing from ``courses``
    cannot be checked and are ignored). ``courses`` and ``applicants`` may be iterables or
    mappings of their objects. Nothing passed in is changed.
    """
    by_id = _index_courses(courses)
    if course_id not in by_id:
        raise ValueError(f"next_from_waitlist: unknown course {course_id!r}")
    course = by_id[course_id]
    pupils = _index_applicants(applicants)
    for pid in waitlist:
        pupil = pupils.get(pid)
        held = list(assignments.get(pid, ()))
        if pupil is None or pupil.grade not in course.grades:
            continue
        if len(held) >= max_courses or course_id in held:
            continue
        blocked = list(pupil.busy)
        for cid in held:
            if cid in by_id:
                blocked.extend(by_id[cid].times)
        if not _clashes(course.times, blocked):
            return pid
    return None


def _index_courses(courses) -> dict[int, CourseSpec]:
    if isinstance(courses, Mapping):
        courses = courses.values()
    by_id = {}
    for course in courses:
        if course.id in by_id:
            raise ValueError(f"repeated course id {course.id!r}")
        if course.capacity is not None and course.capacity < 0:
            raise ValueError(f"course {course.id!r}: negative capacity")
        by_id[course.id] = course
    return by_id


def _index_applicants(applicants) -> dict[int, Applicant]:
    if isinstance(applicants, Mapping):
        applicants = applicants.values()
    pupils = {}
    for applicant in applicants:
        if applicant.pupil_id in pupils:
            raise ValueError(f"repeated pupil id {applicant.pupil_id!r}")
        pupils[applicant.pupil_id] = applicant
    return pupils


def _valid_choices(applicant: Applicant, by_id: dict[int, CourseSpec] | None) -> tuple[int, ...]:
    """The applicant's choices in rank order, repeats once; with ``by_id``, only open ones."""
    valid = dict.fromkeys(
        cid for cid in applicant.choices
        if by_id is None or (cid in by_id and applicant.grade in by_id[cid].grades)
    )
    return tuple(valid)


def _clashes(times, blocked) -> bool:
    return any(
        day == other_day and start < other_end and other_start < end
        for day, start, end in times
        for other_day, other_start, other_end in blocked
    )
