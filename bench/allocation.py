"""Allocation speed and quality on an over-subscribed after-school menu (lottery against FCFS).

    .venv/bin/python bench/allocation.py [--pupils 2000] [--courses 30] [--choices 5]
        [--max-courses 2] [--repeat 7] [--seed 1]

Times ``afterschool.allocation.compare`` (the lottery and the first-come-first-served baseline on
the same inputs; target well under 2 s on a slow 2-core machine, aim < 0.3 s) and prints the
quality figures of both. The menu is made with ``random.Random(seed)``: 20-40 seats a course,
grade bands within 1-6, one or two weekdays at overlapping after-school slots, and skewed
popularity, so that a few courses draw most first choices. Pure Python: no Django, no database.
"""

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from afterschool.allocation import ALGORITHM_VERSION, Applicant, CourseSpec, compare  # noqa: E402

# Overlapping slots (minutes after midnight): 16:00-17:00 clashes with 16:30-17:30.
SLOTS = [(960, 1020), (990, 1050), (1020, 1080), (960, 1050)]


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def make_menu(rng, n_courses):
    courses = []
    for cid in range(1, n_courses + 1):
        low = rng.randint(1, 4)
        high = rng.randint(low + 1, 6)
        days = rng.sample(range(1, 6), rng.randint(1, 2))
        start, end = rng.choice(SLOTS)
        courses.append(CourseSpec(id=cid, capacity=rng.randint(20, 40),
                                  times=tuple((day, start, end) for day in sorted(days)),
                                  grades=frozenset(range(low, high + 1))))
    return courses


def make_applicants(rng, courses, n_pupils, n_choices):
    # Zipf-like popularity in a random order of courses: the favourite draws about ten times
    # the interest of the tenth.
    ranked = rng.sample([c.id for c in courses], len(courses))
    weight = {cid: 1 / (i + 1) for i, cid in enumerate(ranked)}
    by_grade = {g: [c.id for c in courses if g in c.grades] for g in range(1, 7)}
    applicants = []
    for pid in range(1, n_pupils + 1):
        grade = rng.randint(1, 6)
        open_ids = by_grade[grade]
        choices = []
        while len(choices) < min(n_choices, len(open_ids)):
            cid = rng.choices(open_ids, weights=[weight[c] for c in open_ids])[0]
            if cid not in choices:
                choices.append(cid)
        busy = ((rng.randint(1, 5), 960, 1020),) if rng.random() < 0.1 else ()
        applicants.append(Applicant(pupil_id=pid, grade=grade, choices=tuple(choices),
                                    submitted_at=rng.uniform(0, 7 * 24 * 3600), busy=busy))
    return applicants


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pupils", type=int, default=2000)
    parser.add_argument("--courses", type=int, default=30)
    parser.add_argument("--choices", type=int, default=5)
    parser.add_argument("--max-courses", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    rng = random.Random(args.seed)
    courses = make_menu(rng, args.courses)
    applicants = make_applicants(rng, courses, args.pupils, args.choices)
    lottery_seed = f"bench-{args.seed}"
    seats = sum(c.capacity for c in courses)
    firsts = statistics.multimode(a.choices[0] for a in applicants if a.choices)
    top_first = sum(a.choices[:1] == (firsts[0],) for a in applicants)
    print(f"menu: {args.courses} courses, {seats} seats; {args.pupils} pupils x {args.choices} choices, "
          f"max_courses={args.max_courses} ({args.pupils * args.max_courses} seats wanted); "
          f"most popular first choice: course {firsts[0]} by {top_first} pupils")

    seconds, result = [], None
    for _ in range(args.repeat):
        started = time.perf_counter()
        result = compare(courses, applicants, seed=lottery_seed, max_courses=args.max_courses)
        seconds.append(time.perf_counter() - started)
    ms = [s * 1000 for s in seconds]
    print(f"compare (lottery + fcfs): n={len(ms)} p50={percentile(ms, 50):.1f} ms max={max(ms):.1f} ms "
          f"({ALGORITHM_VERSION})")

    keys = ["applicants", "assigned", "unassigned", "first_choice", "first_choice_share", "top3_share",
            "mean_best_rank", "seats_filled"]
    print(f"{'':20}{'lottery':>12}{'fcfs':>12}")
    for key in keys:
        print(f"{key:20}{result['lottery'][key]!s:>12}{result['fcfs'][key]!s:>12}")


if __name__ == "__main__":
    main()
