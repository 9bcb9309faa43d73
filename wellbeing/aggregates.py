"""Survey results: sums of anonymous answers per group, compared with the district's values of
SL-1, SL-3, HW-1/2/3 and PE-2/PE-3 by stage, with small groups suppressed.

Privacy (never an individual's answer to school staff):

- answers are only ever summed, in SQL, per (school,) stage and grade; no door reads one row;
- a group of fewer than ``MIN_GROUP`` answers shows its size but no figure (primary
  suppression);
- siblings are suppressed together so that no hidden figure can be recovered by subtracting the
  shown siblings from their parent: when exactly one sibling is hidden, or the hidden ones add
  up to fewer than ``MIN_GROUP`` answers, the next smallest sibling is hidden too
  (complementary suppression). Parents are: the school for its stages, a stage for its grades,
  the district for its schools.
"""

from django.db.models import Count, F, Q, Sum

from org.models import GRADE_NAMES, Stage

MIN_GROUP = 5

SUMS = ["sleep_minutes", "homework_minutes", "screen_minutes", "reading_minutes",
        "pe_in_school_minutes", "pe_out_school_minutes", "burden"]
COUNTS = ["sleep_ok", "bedtime_ok", "homework_done_ok", "homework_ok", "phone_to_school",
          "compulsory_purchase", "pe2_ok", "pe3_ok", "subject_training"]
FIGURES = ["sleep_hours", "homework_minutes", "screen_minutes", "reading_minutes",
           "pe_in_school_minutes", "pe_out_school_minutes", "burden",
           *[f"{c}_share" for c in COUNTS], "pe_ok_share"]


def after_noon(t):
    """Minutes after 12:00, so that 00:30 sorts after 21:20 (bedtimes cross midnight)."""
    return (t.hour * 60 + t.minute - 720) % 1440


def _clock(text):
    hours, minutes = (int(p) for p in str(text).split(":"))
    return (hours * 60 + minutes - 720) % 1440


def thresholds(policy):
    """The district's values the answers are compared with, by stage."""
    return {
        "sleep_hours": {Stage.PRIMARY: int(policy["sl.min_hours.primary"]),
                        Stage.JUNIOR: int(policy["sl.min_hours.junior"])},
        "bedtime": {Stage.PRIMARY: policy["sl.latest_bedtime.primary"],
                    Stage.JUNIOR: policy["sl.latest_bedtime.junior"]},
        "homework": {"g1_2": 0, Stage.PRIMARY: int(policy["hw.max_avg_minutes.primary"]),
                     Stage.JUNIOR: int(policy["hw.max_avg_minutes.junior"])},
        "pe_in": int(policy["pe.min_daily_minutes.in_school"]),
        "pe_out": int(policy["pe.min_daily_minutes.out_school"]),
        "pe_total": int(policy["pe.daily_total_minutes"]),
        "adopt_pe3": policy["pe.adopt_pe3"] == "yes",
    }


def _by_stage(field, lookup, values):
    q = Q()
    for stage, value in values.items():
        q |= Q(stage=stage, **{f"{field}__{lookup}": value})
    return q


def _expressions(t):
    primary, junior = Stage.PRIMARY, Stage.JUNIOR
    bedtimes = {s: _clock(v) for s, v in t["bedtime"].items()}
    homework_ok = (Q(grade__lte=2, homework_minutes__lte=t["homework"]["g1_2"])  # HW-1
                   | Q(stage=primary, grade__gte=3, homework_minutes__lte=t["homework"][primary])
                   | Q(stage=junior, homework_minutes__lte=t["homework"][junior]))
    counts = {
        # SL-1: at least the stage's hours of sleep
        "sleep_ok": _by_stage("sleep_minutes", "gte",
                              {s: h * 60 for s, h in t["sleep_hours"].items()}),
        # SL-3: asleep by the stage's latest bedtime, and homework done by then
        "bedtime_ok": _by_stage("bedtime_after_noon", "lte", bedtimes),
        "homework_done_ok": Q(homework_done_after_noon__isnull=True) | _by_stage(
            "homework_done_after_noon", "lte", bedtimes),
        "homework_ok": homework_ok,
        "phone_to_school": Q(phone_to_school=True),
        "compulsory_purchase": Q(compulsory_purchase=True),
        # PE-2: an hour in school and an hour out; PE-3: two hours together
        "pe2_ok": Q(pe_in_school_minutes__gte=t["pe_in"], pe_out_school_minutes__gte=t["pe_out"]),
        "pe3_ok": Q(pe_total__gte=t["pe_total"]),
        "subject_training": Q(subject_training=True),
    }
    return {"n": Count("pk"), **{f"sum_{f}": Sum(f) for f in SUMS},
            **{c: Count("pk", filter=q) for c, q in counts.items()}}


def grouped(answers, group_by, policy):
    """Raw sums and counts of the answers per ``group_by`` fields: one SQL query."""
    t = thresholds(policy)
    rows = (answers.alias(pe_total=F("pe_in_school_minutes") + F("pe_out_school_minutes"))
            .values(*group_by).annotate(**_expressions(t)).order_by(*group_by))
    return [{**r, **{f"sum_{f}": r[f"sum_{f}"] or 0 for f in SUMS}} for r in rows]


def fold(rows, **labels):
    """Add raw rows up into one (sums and counts add; figures are derived afterwards)."""
    out = {"n": 0, **{f"sum_{f}": 0 for f in SUMS}, **{c: 0 for c in COUNTS}, **labels}
    for r in rows:
        for key in ["n", *[f"sum_{f}" for f in SUMS], *COUNTS]:
            out[key] += r[key]
    return out


def finish(row, t):
    """Shares and means from the raw sums of a group."""
    n = row["n"]
    figures = {f: None for f in FIGURES}
    if n:
        figures["sleep_hours"] = round(row["sum_sleep_minutes"] / n / 60, 1)
        for f in SUMS[1:]:
            figures[f] = round(row[f"sum_{f}"] / n, 1)
        for c in COUNTS:
            figures[f"{c}_share"] = round(row[c] / n, 3)
        # the physical-activity rule in force: PE-3 once adopted, else PE-2
        figures["pe_ok_share"] = figures["pe3_ok_share" if t["adopt_pe3"] else "pe2_ok_share"]
    return {**{k: v for k, v in row.items() if not k.startswith("sum_") and k not in COUNTS},
            **figures, "suppressed": False}


def hide(group):
    for f in FIGURES:
        group[f] = None
    group["suppressed"] = True
    return group


def suppress(groups, min_n=MIN_GROUP):
    """Hide the groups below ``min_n`` and enough siblings that none can be recovered by
    subtraction from the parent (see the module docstring). Groups without answers are left
    out beforehand: an empty group reveals nothing."""
    hidden = {i for i, g in enumerate(groups) if g["n"] < min_n}
    shown = sorted((i for i in range(len(groups)) if i not in hidden), key=lambda i: groups[i]["n"])
    while hidden and shown and (len(hidden) == 1 or sum(groups[i]["n"] for i in hidden) < min_n):
        hidden.add(shown.pop(0))
    for i, group in enumerate(groups):
        if i in hidden:
            hide(group)
        else:
            group.setdefault("suppressed", False)
    return groups


def survey_results(survey, policy):
    """One survey (one school): overall, by stage, by grade; suppressed and compared."""
    t = thresholds(policy)
    rows = grouped(survey.answers.all(), ["stage", "grade"], policy)
    overall = finish(fold(rows), t)
    stages = []
    for stage in (Stage.PRIMARY, Stage.JUNIOR):
        mine = [r for r in rows if r["stage"] == stage]
        if not mine:
            continue
        grades = suppress([finish(r, t) | {"label": GRADE_NAMES[r["grade"]]} for r in mine
                           if r["n"]])
        stage_row = finish(fold(mine, stage=stage), t) | {"label": Stage(stage).label,
                                                          "grades": grades}
        stages.append(stage_row)
    suppress(stages)
    if overall["n"] < MIN_GROUP:
        hide(overall)
    for stage_row in stages:
        if stage_row["suppressed"]:  # a hidden stage hides its grades too
            for g in stage_row["grades"]:
                hide(g)
    return {"overall": overall, "stages": stages, "thresholds": t, "min_group": MIN_GROUP}


def schools_results(answers, schools, policy):
    """Per school (and the total of them) for a set of surveys' answers: the bureau's view.
    Schools are siblings under the district total, so complementary suppression applies."""
    t = thresholds(policy)
    rows = grouped(answers, ["survey__school_id", "stage"], policy)
    per_school = []
    names = {s.pk: s.name for s in schools}
    for school in schools:
        mine = [r for r in rows if r["survey__school_id"] == school.pk]
        row = finish(fold(mine), t) | {"school_id": school.pk, "label": names[school.pk],
                                       "stages": {r["stage"]: r["n"] for r in mine}}
        per_school.append(row)
    answered = suppress([r for r in per_school if r["n"]])
    total = finish(fold(rows), t)
    if total["n"] < MIN_GROUP:
        hide(total)
    return {"total": total, "schools": per_school, "answered": answered, "thresholds": t,
            "min_group": MIN_GROUP}
