"""The termly burden report of a school or a district (课业负担监测, QM-1, QM-3).

Built from what the platform already holds, never typed in:

- homework (``homework.monitoring.report`` over the class-week rollup): average daily written
  homework at home per class-day against HW-1/HW-2/HW-3, the share of class-days over the
  limit, by stage, and by week;
- guardians' reported real completion times (``homework.TimeReport``): mean reported minutes
  against the teachers' estimates, and the share of reports above the class-day's limit;
- after-school participation and satisfaction (``afterschool.services.participation``, QM-4);
- the five-managements survey (``wellbeing.aggregates``, small groups suppressed);
- the schools' compliance with SL-2, PE, PH and RD (``wellbeing.compliance``);
- the previous term of the same district, for QM-1's "reduced within one year".

``build`` returns plain JSON-ready data: the pages render it, the export writes it, and a
publication stores it as its snapshot.
"""

import datetime as dt
from functools import cached_property

from django.db import connection
from django.db.models import Count, Sum
from django.utils import timezone

from afterschool.models import Programme
from afterschool.services import participation
from homework.models import ClassDay, ClassWeek, TimeReport
from homework.monitoring import Period, report
from org.models import Pupil, SchoolClass, Stage
from policy.services import Policy
from schoolcal.models import Term
from wellbeing import aggregates, compliance
from wellbeing.models import BUREAU_READERS, SurveyAnswer


def period_of(term, today):
    """Whole weeks from the term's start to its end, or to this week while it runs."""
    end = min(term.end, today)
    if end < term.start:
        return None
    return Period.parse(term.start.isoformat(), end.isoformat(), today)


def limits(policy):
    return {"g1_2": 0, Stage.PRIMARY.value: int(policy["hw.max_avg_minutes.primary"]),
            Stage.JUNIOR.value: int(policy["hw.max_avg_minutes.junior"])}


def _ratio(part, whole, digits=3):
    return round(part / whole, digits) if whole else None


def _mean(total, n, digits=1):
    return round(total / n, digits) if n else None


def _monday(date):
    return date - dt.timedelta(days=date.weekday())


def _weekly(classes, period):
    """Per school and week: class-days, counted minutes, over-limit days (ClassWeek) and the
    guardians' reports (TimeReport). Two queries."""
    weeks = (ClassWeek.objects.filter(school_class__in=classes, days__gt=0,
                                      week_start__range=(period.start, period.end))
             .values("school_class__school_id", "week_start")
             .annotate(n=Sum("days"), counted=Sum("counted_minutes"), over=Sum("over_days")))
    out = {}
    for w in weeks:
        row = out.setdefault((w["school_class__school_id"], w["week_start"]), _week_row())
        row["class_days"] += w["n"]
        row["counted"] += w["counted"] or 0
        row["over_days"] += w["over"]
    for r in _reports(classes, period).values("school_class__school_id", "date").annotate(
            n=Count("pk"), minutes=Sum("minutes")):
        row = out.setdefault((r["school_class__school_id"], _monday(r["date"])), _week_row())
        row["reports"] += r["n"]
        row["reported_minutes"] += r["minutes"] or 0
    return out


def _week_row():
    return {"class_days": 0, "counted": 0, "over_days": 0, "reports": 0, "reported_minutes": 0}


def _trend(weekly, school_ids=None):
    """Weekly rows for the given schools (all when None), oldest first."""
    per_week = {}
    for (school_id, week), row in weekly.items():
        if school_ids is not None and school_id not in school_ids:
            continue
        total = per_week.setdefault(week, _week_row())
        for key in total:
            total[key] += row[key]
    return [{"week": week.isoformat(), "class_days": r["class_days"],
             "avg_minutes": _mean(r["counted"], r["class_days"]) or 0,
             "over_share": _ratio(r["over_days"], r["class_days"]),
             "reports": r["reports"], "reported_avg": _mean(r["reported_minutes"], r["reports"])}
            for week, r in sorted(per_week.items())]


def _reports(classes, period):
    return TimeReport.objects.filter(school_class__in=classes,
                                     date__range=(period.start, period.end))


def _reported(classes, period):
    """Per school: guardians' reports, mean reported and estimated minutes, and reports above
    the limit of their class-day (HW-1/2/3, HW-4 on rest days: the limit the day was held to).

    One grouped query; the class-day is a LEFT JOIN on its unique (class, date), which the
    database hashes once, where a correlated EXISTS per report read the index 10⁵ times."""
    report, day = TimeReport._meta.db_table, ClassDay._meta.db_table
    klass = SchoolClass._meta.db_table
    class_sql, class_params = classes.order_by().values("pk").query.sql_with_params()
    sql = f"""
        SELECT c.school_id, COUNT(*), SUM(r.minutes), SUM(r.estimated_minutes),
               SUM(CASE WHEN d.limit_minutes < r.minutes THEN 1 ELSE 0 END)
        FROM {report} r
        JOIN {klass} c ON c.id = r.school_class_id
        LEFT JOIN {day} d ON d.school_class_id = r.school_class_id AND d.date = r.date
        WHERE r.school_class_id IN ({class_sql}) AND r.date BETWEEN %s AND %s
        GROUP BY c.school_id"""
    with connection.cursor() as cursor:
        cursor.execute(sql, [*class_params, period.start, period.end])
        return {school: {"school_class__school_id": school, "n": n, "minutes": minutes,
                         "estimated": estimated, "over": over}
                for school, n, minutes, estimated, over in cursor.fetchall()}


class Measures:
    """The homework figures of some classes over a period, each computed once on first use and
    shared by the burden report and the dashboards when their periods agree."""

    def __init__(self, classes, period):
        self.classes, self.period = classes, period

    @cached_property
    def homework(self):
        return report(self.classes, self.period)

    @cached_property
    def reported(self):
        return _reported(self.classes, self.period)

    @cached_property
    def weekly(self):
        return _weekly(self.classes, self.period)


def _reported_figures(rows):
    n = sum(r["n"] for r in rows)
    minutes = sum(r["minutes"] or 0 for r in rows)
    estimated = sum(r["estimated"] or 0 for r in rows)
    return {"reports": n, "reported_avg": _mean(minutes, n), "estimated_avg": _mean(estimated, n),
            "ratio": _ratio(minutes, estimated, 2),
            "over_share": _ratio(sum(r["over"] for r in rows), n)}


def _after_school(schools, term):
    programmes = Programme.objects.filter(school__in=schools, term=term,
                                          kind=Programme.Kind.TERM).select_related("school")
    return {r["school"].pk: r for r in participation(programmes)}


def _after_school_figures(rows):
    pupils, enrolled = sum(r["pupils"] for r in rows), sum(r["enrolled"] for r in rows)
    teachers = sum(r["teachers"] for r in rows)
    running = sum(r["teachers_running"] for r in rows)
    answered = [r for r in rows if r["responses"]]
    n = sum(r["responses"] for r in answered)
    return {"programmes": len(rows), "pupils": pupils, "enrolled": enrolled,
            "participation": _ratio(enrolled, pupils, 4),
            "teacher_participation": _ratio(running, teachers, 4),
            "responses": n,
            "satisfaction": round(sum(r["satisfaction"] * r["responses"] for r in answered) / n, 2)
            if n else None}


SURVEY_KEYS = ["n", "suppressed", "sleep_hours", "sleep_ok_share", "bedtime_ok_share",
               "homework_minutes", "homework_ok_share", "phone_to_school_share", "reading_minutes",
               "pe_ok_share", "burden", "subject_training_share"]


def _survey(row):
    return {k: row.get(k) for k in SURVEY_KEYS}


def _homework(row):
    """The homework figures of one monitoring row (a school of ``report()["schools"]`` or the
    whole report)."""
    n = row.get("class_days", 0)
    within = row.get("within_share")
    return {"class_days": n, "avg_minutes": row.get("avg_minutes") or 0,
            "over_share": None if within is None else round(1 - within, 3),
            "within_share": within}


def _previous(term, schools, today):
    """QM-1: the same schools' figures in the district's previous term, to compare."""
    previous = Term.objects.filter(bureau_id=term.bureau_id, start__lt=term.start).order_by(
        "-start").first()
    if previous is None:
        return None
    period = period_of(previous, today)
    if period is None:
        return None
    classes = SchoolClass.objects.filter(school__in=schools)
    # Only the totals are compared: one aggregate over the class-weeks, not the whole report.
    week = ClassWeek.objects.filter(school_class__in=classes, days__gt=0,
                                    week_start__range=(period.start, period.end)).aggregate(
        n=Sum("days"), counted=Sum("counted_minutes"), over=Sum("over_days"))
    n = week["n"] or 0
    homework = _homework({"class_days": n,
                          "avg_minutes": round((week["counted"] or 0) / n, 1) if n else 0,
                          "within_share": round(1 - (week["over"] or 0) / n, 3) if n else None})
    reported = _reported_figures(list(_reported(classes, period).values()))
    return {"term": str(previous), "class_days": homework["class_days"],
            "avg_minutes": homework["avg_minutes"], "over_share": homework["over_share"],
            "reports": reported["reports"], "reported_avg": reported["reported_avg"]}


def build(*, term, schools, today=None, measures=None):
    """The burden report of ``schools`` (a district's or one school) for ``term``.

    ``measures`` (``Measures(classes, period)`` for these schools' classes) is used when its
    period is the report's, so that a caller who needs the same figures computes them once."""
    today = today or timezone.localdate()
    schools = list(schools)
    policy = Policy(term.bureau)
    period = period_of(term, today)
    base = {
        "bureau": {"id": term.bureau_id, "name": term.bureau.name},
        "term": {"id": term.pk, "name": str(term), "start": term.start.isoformat(),
                 "end": term.end.isoformat()},
        "generated_on": today.isoformat(),
        "limits": limits(policy),
        "thresholds": {k: (dict(v) if isinstance(v, dict) else v)
                       for k, v in aggregates.thresholds(policy).items()},
        "min_group": aggregates.MIN_GROUP,
    }
    classes = SchoolClass.objects.filter(school__in=schools)
    if period is None:
        homework, reported, weekly = {"schools": [], "by_stage": []}, {}, {}
        base["period"] = None
    else:
        if measures is None or measures.period != period:
            measures = Measures(classes, period)
        homework, reported, weekly = measures.homework, measures.reported, measures.weekly
        base["period"] = {"start": period.start.isoformat(), "end": period.end.isoformat(),
                          "weeks": period.weeks}
    homework_by_school = {s["school_id"]: s for s in homework["schools"]}
    after_school = _after_school(schools, term)
    survey = aggregates.schools_results(
        SurveyAnswer.objects.filter(survey__term=term, survey__school__in=schools), schools,
        policy)
    survey_by_school = {r["school_id"]: r for r in survey["schools"]}
    checks = {r["school"].pk: r["summary"] for r in compliance.district_rows(
        schools=schools, term=term, policy=policy)}

    rows = []
    for school in schools:
        check = checks[school.pk]
        rows.append({
            "school_id": school.pk, "name": school.name, "stage": school.get_stage_display(),
            "homework": _homework(homework_by_school.get(school.pk, {})),
            "reported": _reported_figures([reported[school.pk]] if school.pk in reported else []),
            "after_school": _after_school_figures(
                [after_school[school.pk]] if school.pk in after_school else []),
            "survey": _survey(survey_by_school[school.pk]),
            "compliance": {"ok": check["ok"], "failed": check["failed"],
                           "missing": check["missing"], "compliant": check["compliant"],
                           "by_rule": check["by_rule"]},
            "trend": _trend(weekly, {school.pk}),
        })
    totals = {
        "schools": len(schools),
        "homework": _homework(homework if period else {}),
        "by_stage": [{"stage": s["stage"], "class_days": s["class_days"],
                      "avg_minutes": s["avg_minutes"],
                      "over_share": None if s["within_share"] is None
                      else round(1 - s["within_share"], 3)} for s in homework["by_stage"]],
        "reported": _reported_figures(list(reported.values())),
        "after_school": _after_school_figures(list(after_school.values())),
        "survey": _survey(survey["total"]),
        "compliance": {"compliant_schools": sum(1 for c in checks.values() if c["compliant"]),
                       "failed_items": sum(c["failed"] for c in checks.values())},
    }
    return {**base, "totals": totals, "schools": rows, "trend": _trend(weekly),
            "previous": _previous(term, schools, today)}


def school_part(snapshot, school_id):
    """One school's row of a report (a publication's snapshot), or None."""
    return next((r for r in snapshot["schools"] if r["school_id"] == school_id), None)


def rows_for(user, publication):
    """The school rows of a publication a user may read: the district's bureau every school; a
    school admin their schools; a guardian their children's schools. (The district's totals and
    trend are for every reader.)"""
    scope = user.scope
    rows = publication.snapshot["schools"]
    if publication.bureau_id in scope.bureau_ids_for(*BUREAU_READERS):
        return rows
    mine = set(scope.admin_school_ids)
    if scope.pupil_ids:
        mine |= set(Pupil.objects.filter(pk__in=scope.pupil_ids).values_list("school_id",
                                                                            flat=True))
    return [r for r in rows if r["school_id"] in mine]
