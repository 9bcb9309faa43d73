"""The double-reduction indicators of every area, for a district, a school or a class.

Each level is one function returning plain JSON-ready data (pages, the API, the Excel export,
the evaluation table and the monthly bulletin all read it):

- ``district(bureau, period)``: the district's figures per area, one row per school (to drill
  down), and weekly trends;
- ``school(school, period)``: the school's figures, one row per class, weekly trends;
- ``klass(school_class, period)``: one class: homework by week and subject, after-school
  enrolment, mentoring per mentor.

Every figure is a grouped query over the whole level (no query per school or class), so the
district page costs the same few dozen statements for 10 schools or 300. Homework, guardians'
reports, after-school, the five-managements surveys and settings come from the termly burden
report (``wellbeing.burden.build``); the rest is read here.

No pupil is named: the dashboards are aggregates. A class's figures go to its head teacher,
grade leader and school; a school's to the school and the district.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.utils import timezone

from afterschool.models import Enrolment, Programme, Segment
from complaints.models import Complaint
from complaints.stats import statistics
from funds.models import Contract, SupervisedAccount
from funds.services import district_totals
from homework.models import ClassWeek, TimeReport
from homework.monitoring import Period as HomeworkPeriod
from inspections.models import Inspection
from institutions.models import Card, Institution, ListEntry
from mentoring.models import Mentorship, Plan, Task
from mentoring.services import KINDS
from org.models import GRADE_NAMES, Pupil, SchoolClass
from schoolcal.models import Term
from schoolinspection.models import RectificationTask, SelfCheck, Visit
from wellbeing import burden

MAX_DAYS = 400  # the longest period a dashboard covers (a school year and a little more)


@dataclass(frozen=True)
class Period:
    """The dates a dashboard covers and the term whose plans, programmes and surveys count."""

    start: dt.date
    end: dt.date
    term: Term | None
    cut: bool = False  # the asked-for period was longer than MAX_DAYS and was cut

    @classmethod
    def of(cls, bureau, *, start=None, end=None, term=None, today=None):
        """By default the district's current term up to today (or its latest term); a given
        start/end narrows it (the term is then the one the end date falls in)."""
        today = today or timezone.localdate()
        terms = Term.objects.filter(bureau=bureau)
        if term is None:
            anchor = end or today
            term = (terms.filter(start__lte=anchor, end__gte=anchor).first()
                    or terms.filter(start__lte=anchor).order_by("-start").first()
                    or terms.order_by("start").first())
        if start is None:
            start = term.start if term else today - dt.timedelta(days=27)
        if end is None:
            end = min(term.end, today) if term else today
            end = max(end, start)
        if start > end:
            start, end = end, start
        earliest = end - dt.timedelta(days=MAX_DAYS)
        return cls(max(start, earliest), end, term, cut=start < earliest)

    def as_dict(self):
        return {"start": self.start.isoformat(), "end": self.end.isoformat(),
                "term": {"id": self.term.pk, "name": str(self.term)} if self.term else None}


def _ratio(part, whole, digits=3):
    return round(part / whole, digits) if whole else None


def _monday(date):
    return date - dt.timedelta(days=date.weekday())


def _weeks(period):
    """Mondays of the period's weeks, oldest first."""
    monday, out = _monday(period.start), []
    while monday <= period.end:
        out.append(monday)
        monday += dt.timedelta(days=7)
    return out


def moment_range(period):
    """Aware datetimes bounding the period's days (for DateTimeFields)."""
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(period.start, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(period.end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return start, end


# --- burden (homework, reports, after-school, surveys, settings) -------------------------------

def _measures(classes, period):
    """The homework figures of the period's whole weeks, computed lazily and once."""
    return burden.Measures(classes, HomeworkPeriod.parse(period.start.isoformat(),
                                                         period.end.isoformat(), period.end))


def _burden(period, schools, measures):
    """The burden report over the period (its term, cut to the period's dates); it reuses the
    page's homework figures when its weeks are the period's (the default: the term so far)."""
    if period.term is None:
        return None
    today = min(period.end, timezone.localdate()) if period.end >= period.start else period.end
    return burden.build(term=period.term, schools=schools, today=today, measures=measures)


# --- mentoring ---------------------------------------------------------------------------------

def _complete_pupils(plan_ids, group_by):
    """Pupils with a current mentor and all three tasks done this plan (MT-2), counted per
    ``group_by`` (``"plan"`` → plan id, ``"class"`` → the pupil's class id): one grouped query."""
    if not plan_ids:
        return {}
    task, ship, pupil = Task._meta.db_table, Mentorship._meta.db_table, Pupil._meta.db_table
    key = "c.plan_id" if group_by == "plan" else "p.school_class_id"
    join = "" if group_by == "plan" else f"JOIN {pupil} p ON p.id = c.pupil_id"
    marks = ", ".join(["%s"] * len(plan_ids))
    # Tasks count under any of the pupil's mentorships of the plan (a changed mentor keeps what
    # was done); the pupil must have a current one (at most one: a partial unique constraint).
    # One flag per kind, so that the database can hash the groups instead of sorting them.
    has_all = " AND ".join("MAX(CASE WHEN t.kind = %s THEN 1 ELSE 0 END) = 1" for _ in KINDS)
    sql = f"""
        SELECT {key}, COUNT(*) FROM (
            SELECT m.plan_id, m.pupil_id
            FROM {task} t JOIN {ship} m ON m.id = t.mentorship_id
            WHERE m.plan_id IN ({marks})
            GROUP BY m.plan_id, m.pupil_id
            HAVING {has_all}
        ) done
        JOIN {ship} c ON c.plan_id = done.plan_id AND c.pupil_id = done.pupil_id
                     AND c.ended_at IS NULL
        {join}
        GROUP BY {key}"""
    with connection.cursor() as cursor:
        cursor.execute(sql, [*plan_ids, *KINDS])
        return dict(cursor.fetchall())


def _mentoring(period, schools=None, classes=None):
    """Per school (or per class when ``classes`` is given): pupils covered by the term's plans,
    pupils with a current mentor, pupils with all three tasks done, flags; and tasks per week."""
    plans = Plan.objects.filter(term=period.term) if period.term else Plan.objects.none()
    if schools is not None:
        plans = plans.filter(school__in=schools)
    if classes is not None:
        plans = plans.filter(school__in={c.school_id for c in classes})
    plans = list(plans.values("pk", "school_id", "grades"))
    by_class = classes is not None
    covered = defaultdict(int)
    grades_of = {p["school_id"]: set(p["grades"]) for p in plans}
    pupils = Pupil.objects.filter(school_id__in=grades_of)
    if by_class:
        pupils = pupils.filter(school_class__in=classes)
        for class_id, school_id, grade, n in pupils.values_list(
                "school_class_id", "school_id", "school_class__grade").annotate(n=Count("pk")):
            if grade in grades_of.get(school_id, ()):
                covered[class_id] += n
    else:
        for school_id, grade, n in pupils.values_list("school_id", "school_class__grade") \
                .annotate(n=Count("pk")):
            if grade in grades_of.get(school_id, ()):
                covered[school_id] += n
    current = Mentorship.objects.current().filter(plan_id__in=[p["pk"] for p in plans])
    if by_class:
        current = current.filter(pupil__school_class__in=classes)
        key = "pupil__school_class_id"
    else:
        key = "plan__school_id"
    with_mentor = dict(current.values_list(key).annotate(n=Count("pupil_id", distinct=True)))
    flagged = dict(current.filter(needs_attention=True).values_list(key).annotate(n=Count("pk")))
    complete = _complete_pupils([p["pk"] for p in plans], "class" if by_class else "plan")
    if not by_class:  # plan id → school id
        school_of = {p["pk"]: p["school_id"] for p in plans}
        complete = {school_of[k]: v for k, v in complete.items()}
    tasks = Task.objects.filter(mentorship__plan_id__in=[p["pk"] for p in plans],
                                on__range=(period.start, period.end))
    if by_class:
        tasks = tasks.filter(mentorship__pupil__school_class__in=classes)
    weekly = defaultdict(int)
    for day, n in tasks.values_list("on").annotate(n=Count("pk")):
        weekly[_monday(day)] += n
    rows = {k: {"covered": covered.get(k, 0), "with_mentor": with_mentor.get(k, 0),
                "complete": complete.get(k, 0), "flagged": flagged.get(k, 0)}
            for k in set(covered) | set(with_mentor)}
    for row in rows.values():
        row["coverage"] = _ratio(row["with_mentor"], row["covered"])
        row["completion"] = _ratio(row["complete"], row["with_mentor"])
    return rows, weekly


def _mentoring_total(rows):
    total = {k: sum(r[k] for r in rows.values())
             for k in ("covered", "with_mentor", "complete", "flagged")}
    total["coverage"] = _ratio(total["with_mentor"], total["covered"])
    total["completion"] = _ratio(total["complete"], total["with_mentor"])
    return total


# --- complaints --------------------------------------------------------------------------------

def _complaints(period, *, bureau=None, schools=None):
    start, end = moment_range(period)
    qs = Complaint.objects.filter(filed_at__gte=start, filed_at__lt=end)
    if bureau is not None:
        qs = qs.filter(bureau=bureau)
    if schools is not None:
        qs = qs.filter(Q(school__in=schools) | Q(unit_school__in=schools))
    figures = statistics(qs, today=min(period.end, timezone.localdate()))
    per_school = dict(qs.exclude(school__isnull=True).values_list("school_id")
                      .annotate(n=Count("pk")))
    weekly = defaultdict(int)
    for moment in qs.values_list("filed_at", flat=True):
        weekly[_monday(timezone.localdate(moment))] += 1
    by_institution = qs.exclude(institution__isnull=True).count()
    return {"total": figures["total"], "open": figures["open"], "overdue": figures["overdue"],
            "escalated": figures["escalated"], "about_institutions": by_institution,
            "ack_on_time": figures["ack"], "resolve_on_time": figures["resolve"],
            "by_category": [c for c in figures["by_category"] if c["count"]],
            "by_status": [s for s in figures["by_status"] if s["count"]]}, per_school, weekly


# --- institutions, funds, inspections ----------------------------------------------------------

def _institutions(bureau, period):
    institutions = Institution.objects.filter(bureau=bureau)
    by_status = dict(institutions.values_list("status").annotate(n=Count("pk")))
    start, end = moment_range(period)
    cards = Card.objects.filter(institution__bureau=bureau)
    issued = dict(cards.filter(issued_at__gte=start, issued_at__lt=end)
                  .values_list("colour").annotate(n=Count("pk")))
    standing = dict(cards.filter(revoked_at__isnull=True, escalated_into__isnull=True)
                    .values_list("colour").annotate(n=Count("pk")))
    lists = dict(ListEntry.objects.filter(institution__bureau=bureau, removed_at__isnull=True)
                 .values_list("kind").annotate(n=Count("pk")))
    return {
        "total": sum(by_status.values()),
        "by_status": [{"key": k, "label": str(label), "count": by_status.get(k, 0)}
                      for k, label in Institution.Status.choices],
        "cards_issued": {"yellow": issued.get("yellow", 0), "red": issued.get("red", 0)},
        "cards_standing": {"yellow": standing.get("yellow", 0), "red": standing.get("red", 0)},
        "lists": {k: lists.get(k, 0) for k, _ in ListEntry.Kind.choices},
    }


def _funds(bureau, period):
    accounts = SupervisedAccount.objects.filter(institution__bureau=bureau)
    totals, rows = district_totals(accounts, today=min(period.end, timezone.localdate()))
    start, end = moment_range(period)
    signed = Contract.objects.filter(institution__bureau=bureau, created_at__gte=start,
                                     created_at__lt=end).aggregate(n=Count("pk"),
                                                                   fen=Sum("total_fen"))
    red = [{"institution_id": a.institution_id, "name": a.institution.name,
            "level": row["level"], "warnings": [w.message for w in row["warnings"]][:3]}
           for a, row in rows if row["level"] == "red"]
    return {**totals, "contracts_signed": signed["n"], "contracts_signed_fen": signed["fen"] or 0,
            "red_accounts": red[:20]}


def _inspections(bureau, period):
    qs = Inspection.objects.filter(draw__bureau=bureau)
    checked = qs.filter(checked_on__range=(period.start, period.end))
    by_outcome = dict(checked.values_list("outcome").annotate(n=Count("pk")))
    start, end = moment_range(period)
    return {
        "drawn": qs.filter(draw__created_at__gte=start, draw__created_at__lt=end).count(),
        "checked": sum(by_outcome.values()),
        "by_outcome": [{"key": k, "label": str(label), "count": by_outcome.get(k, 0)}
                       for k, label in Inspection.Outcome.choices],
        "waiting": qs.filter(status=Inspection.Status.ASSIGNED).count(),
        "publish_overdue": qs.filter(status=Inspection.Status.RECORDED,
                                     publish_due__lt=min(period.end, timezone.localdate()))
        .count(),
        "published": qs.filter(published_at__gte=start, published_at__lt=end).count(),
    }


def _school_supervision(period, schools):
    """Per school: self-check weeks submitted, visits, rectification tasks open / overdue /
    accepted (SI-*)."""
    today = min(period.end, timezone.localdate())
    checks = dict(SelfCheck.objects.filter(school__in=schools,
                                           week_start__range=(_monday(period.start), period.end))
                  .values_list("school_id").annotate(n=Count("pk")))
    visits = dict(Visit.objects.filter(school__in=schools,
                                       visited_on__range=(period.start, period.end))
                  .values_list("school_id").annotate(n=Count("pk")))
    tasks = RectificationTask.objects.filter(school__in=schools)
    open_ = Q(status__in=[RectificationTask.Status.OPEN, RectificationTask.Status.SUBMITTED])
    rows = tasks.values("school_id").annotate(
        open=Count("pk", filter=open_),
        overdue=Count("pk", filter=open_ & Q(due__lt=today)),
        accepted=Count("pk", filter=Q(status=RectificationTask.Status.ACCEPTED)))
    per = defaultdict(lambda: {"self_checks": 0, "visits": 0, "tasks_open": 0,
                               "tasks_overdue": 0, "tasks_accepted": 0})
    for school_id, n in checks.items():
        per[school_id]["self_checks"] = n
    for school_id, n in visits.items():
        per[school_id]["visits"] = n
    for r in rows:
        per[r["school_id"]].update(tasks_open=r["open"], tasks_overdue=r["overdue"],
                                   tasks_accepted=r["accepted"])
    weeks = len([w for w in _weeks(period) if w <= today])
    for row in per.values():
        row["self_check_share"] = _ratio(row["self_checks"], weeks)
    return per, weeks


def _training_spend(period, schools):
    """Per school: prepaid training contracts signed by its pupils' families in the period
    (count, yuan), the platform's own measure of off-campus training spending (QM-2)."""
    start, end = moment_range(period)
    return {r["pupil__school_id"]: r for r in Contract.objects.filter(
        pupil__school__in=schools, created_at__gte=start, created_at__lt=end)
        .values("pupil__school_id").annotate(n=Count("pk"), fen=Sum("total_fen"))}


# --- levels ------------------------------------------------------------------------------------

def _trend(period, homework_trend, complaints_weekly, mentoring_weekly):
    by_week = {row["week"]: row for row in homework_trend}
    out = []
    for monday in _weeks(period):
        hw = by_week.get(monday.isoformat(), {})
        out.append({"week": monday.isoformat(),
                    "homework_avg_minutes": hw.get("avg_minutes"),
                    "homework_over_share": hw.get("over_share"),
                    "reported_avg": hw.get("reported_avg"),
                    "complaints": complaints_weekly.get(monday, 0),
                    "mentoring_tasks": mentoring_weekly.get(monday, 0)})
    return out


def _pupils_by(field, **filters):
    return dict(Pupil.objects.filter(**filters).values_list(field).annotate(n=Count("pk")))


def district(bureau, period):
    """Every area's figures for a district, one row per school, and weekly trends."""
    schools = list(bureau.schools.order_by("code"))
    measures = _measures(SchoolClass.objects.filter(school__in=schools), period)
    homework = measures.homework
    homework_by_school = {s["school_id"]: s for s in homework["schools"]}
    burden_data = _burden(period, schools, measures)
    burden_by_school = {r["school_id"]: r for r in (burden_data or {}).get("schools", [])}
    mentoring, mentoring_weekly = _mentoring(period, schools=schools)
    complaints, complaints_by_school, complaints_weekly = _complaints(period, bureau=bureau)
    supervision, weeks = _school_supervision(period, schools)
    spend = _training_spend(period, schools)
    pupils = _pupils_by("school_id", school__bureau=bureau)
    rows = []
    for school in schools:
        hw = homework_by_school.get(school.pk, {})
        b = burden_by_school.get(school.pk)
        m = mentoring.get(school.pk)
        sp = spend.get(school.pk, {})
        rows.append({
            "school_id": school.pk, "code": school.code, "name": school.name,
            "stage": school.get_stage_display(), "pupils": pupils.get(school.pk, 0),
            "classes": hw.get("classes", 0),
            "homework": {"class_days": hw.get("class_days", 0),
                         "avg_minutes": hw.get("avg_minutes"),
                         "within_share": hw.get("within_share"),
                         "silent_classes": hw.get("silent_classes", 0)},
            "reported": b["reported"] if b else None,
            "after_school": b["after_school"] if b else None,
            "survey": b["survey"] if b else None,
            "compliance": ({k: b["compliance"][k] for k in ("ok", "failed", "missing",
                                                             "compliant")} if b else None),
            "mentoring": m or {"covered": 0, "with_mentor": 0, "complete": 0, "flagged": 0,
                               "coverage": None, "completion": None},
            "complaints": complaints_by_school.get(school.pk, 0),
            "supervision": supervision.get(school.pk) or {
                "self_checks": 0, "visits": 0, "tasks_open": 0, "tasks_overdue": 0,
                "tasks_accepted": 0, "self_check_share": _ratio(0, weeks)},
            "training": {"contracts": sp.get("n", 0), "fen": sp.get("fen") or 0},
        })
    totals = burden_data["totals"] if burden_data else None
    return {
        "level": "district",
        "bureau": {"id": bureau.pk, "name": bureau.name, "code": bureau.code},
        "period": period.as_dict(),
        "schools_count": len(schools),
        "pupils": sum(pupils.values()),
        "homework": _homework_summary(homework),
        "reported": totals["reported"] if totals else None,
        "after_school": totals["after_school"] if totals else None,
        "survey": totals["survey"] if totals else None,
        "compliance": totals["compliance"] if totals else None,
        "mentoring": _mentoring_total(mentoring),
        "complaints": complaints,
        "institutions": _institutions(bureau, period),
        "funds": _funds(bureau, period),
        "inspections": _inspections(bureau, period),
        "supervision": _supervision_total(supervision, weeks, len(schools)),
        "schools": rows,
        "trend": _trend(period, burden._trend(measures.weekly), complaints_weekly,
                        mentoring_weekly),
    }


def _homework_summary(data):
    return {"class_days": data["class_days"], "over_days": data["over_days"],
            "within_share": data["within_share"], "avg_minutes": data["avg_minutes"],
            "layered_share": data["layered_share"], "in_school_share": data["in_school_share"],
            "silent_classes": data["silent_count"], "classes": data["class_count"],
            "by_stage": data["by_stage"],
            "repeated": [{"class_id": r["school_class_id"], "class_name": r["class_name"],
                          "school": r["school_class__school__name"], "over_days": r["over_days"]}
                         for r in data["repeated"][:20]]}


def _supervision_total(per, weeks, schools):
    total = {k: sum(r[k] for r in per.values())
             for k in ("self_checks", "visits", "tasks_open", "tasks_overdue", "tasks_accepted")}
    total["self_check_share"] = _ratio(total["self_checks"], weeks * schools)
    total["visited_schools"] = sum(1 for r in per.values() if r["visits"])
    return total


def _class_name(grade, number):
    return f"{GRADE_NAMES[grade]}（{number}）班"


def school(school_obj, period):
    """Every area's figures for one school, one row per class, and weekly trends."""
    classes = list(SchoolClass.objects.filter(school=school_obj).order_by("grade", "number")
                   .select_related("head_teacher"))
    measures = _measures(SchoolClass.objects.filter(school__in=[school_obj]), period)
    homework = measures.homework
    weeks = ClassWeek.objects.filter(school_class__school=school_obj, days__gt=0,
                                     week_start__range=(_monday(period.start), period.end))
    per_class = {r["school_class_id"]: r for r in weeks.values("school_class_id").annotate(
        n=Sum("days"), counted=Sum("counted_minutes"), over=Sum("over_days"))}
    reports = dict(TimeReport.objects.filter(school_class__school=school_obj,
                                             date__range=(period.start, period.end))
                   .values_list("school_class_id").annotate(n=Count("pk")))
    burden_data = _burden(period, [school_obj], measures)
    row = burden_data["schools"][0] if burden_data else None
    programmes = Programme.objects.filter(school=school_obj, term=period.term,
                                          kind=Programme.Kind.TERM) if period.term else []
    enrolled = dict(Enrolment.objects.filter(course__programme__in=programmes,
                                             status=Enrolment.Status.ENROLLED)
                    .exclude(course__kind=Segment.EVENING_STUDY)
                    .values_list("pupil__school_class_id")
                    .annotate(n=Count("pupil_id", distinct=True))) if programmes else {}
    mentoring, mentoring_weekly = _mentoring(period, classes=classes)
    complaints, _, complaints_weekly = _complaints(period, schools=[school_obj])
    supervision, n_weeks = _school_supervision(period, [school_obj])
    pupils = _pupils_by("school_class_id", school=school_obj)
    class_rows = []
    for c in classes:
        hw = per_class.get(c.pk, {"n": 0, "counted": 0, "over": 0})
        n = pupils.get(c.pk, 0)
        class_rows.append({
            "class_id": c.pk, "name": _class_name(c.grade, c.number), "grade": c.grade,
            "head_teacher": c.head_teacher.name if c.head_teacher else "",
            "pupils": n,
            "homework": {"class_days": hw["n"],
                         "avg_minutes": round((hw["counted"] or 0) / hw["n"], 1) if hw["n"]
                         else None,
                         "over_days": hw["over"],
                         "within_share": _ratio(hw["n"] - hw["over"], hw["n"])},
            "reports": reports.get(c.pk, 0),
            "after_school": {"enrolled": enrolled.get(c.pk, 0),
                             "participation": _ratio(enrolled.get(c.pk, 0), n)},
            "mentoring": mentoring.get(c.pk) or {"covered": 0, "with_mentor": 0, "complete": 0,
                                                 "flagged": 0, "coverage": None,
                                                 "completion": None},
        })
    return {
        "level": "school",
        "school": {"id": school_obj.pk, "name": school_obj.name, "code": school_obj.code,
                   "stage": school_obj.get_stage_display(), "bureau_id": school_obj.bureau_id},
        "period": period.as_dict(),
        "pupils": sum(pupils.values()),
        "homework": _homework_summary(homework),
        "by_subject": homework["by_subject"],
        "reported": row["reported"] if row else None,
        "after_school": row["after_school"] if row else None,
        "survey": row["survey"] if row else None,
        "compliance": row["compliance"] if row else None,
        "mentoring": _mentoring_total(mentoring),
        "complaints": complaints,
        "supervision": supervision.get(school_obj.pk) or {
            "self_checks": 0, "visits": 0, "tasks_open": 0, "tasks_overdue": 0,
            "tasks_accepted": 0, "self_check_share": _ratio(0, n_weeks)},
        "classes": class_rows,
        "trend": _trend(period, burden._trend(measures.weekly), complaints_weekly,
                        mentoring_weekly),
    }


def klass(school_class, period):
    """One class: homework by week and subject, guardians' reports, after-school enrolment
    and mentoring per mentor. No pupil is named."""
    measures = _measures(SchoolClass.objects.filter(pk=school_class.pk), period)
    homework = measures.homework
    pupils = Pupil.objects.filter(school_class=school_class).count()
    programmes = Programme.objects.filter(school_id=school_class.school_id, term=period.term,
                                          kind=Programme.Kind.TERM) if period.term else []
    enrolments = Enrolment.objects.filter(course__programme__in=programmes,
                                          pupil__school_class=school_class,
                                          status=Enrolment.Status.ENROLLED)
    enrolled = (enrolments.exclude(course__kind=Segment.EVENING_STUDY)
                .values("pupil_id").distinct().count()) if programmes else 0
    by_course = [{"course": name, "kind": kind, "pupils": n} for name, kind, n in
                 enrolments.values_list("course__name", "course__kind")
                 .annotate(n=Count("pupil_id", distinct=True)).order_by("-n", "course__name")
                 ] if programmes else []
    mentoring, mentoring_weekly = _mentoring(period, classes=[school_class])
    plans = Plan.objects.filter(term=period.term, school_id=school_class.school_id) \
        if period.term else Plan.objects.none()
    current = Mentorship.objects.current().filter(plan__in=plans,
                                                  pupil__school_class=school_class)
    done = Exists(Task.objects.filter(mentorship__plan_id=OuterRef("plan_id"),
                                      mentorship__pupil_id=OuterRef("pupil_id")))
    mentors = [{"mentor": name, "pupils": n, "with_tasks": k} for name, n, k in
               current.values_list("mentor__name").annotate(
                   n=Count("pk"), k=Count("pk", filter=Q(done))).order_by("mentor__name")]
    reported = TimeReport.objects.filter(school_class=school_class,
                                         date__range=(period.start, period.end)).aggregate(
        n=Count("pk"), minutes=Sum("minutes"), estimated=Sum("estimated_minutes"))
    return {
        "level": "class",
        "class": {"id": school_class.pk, "name": _class_name(school_class.grade,
                                                             school_class.number),
                  "school_id": school_class.school_id, "school": school_class.school.name,
                  "grade": school_class.grade},
        "period": period.as_dict(),
        "pupils": pupils,
        "homework": _homework_summary(homework),
        "by_subject": homework["by_subject"],
        "by_kind": homework["by_kind"],
        "reported": {"reports": reported["n"],
                     "reported_avg": round(reported["minutes"] / reported["n"], 1)
                     if reported["n"] else None,
                     "estimated_avg": round(reported["estimated"] / reported["n"], 1)
                     if reported["n"] else None},
        "after_school": {"enrolled": enrolled, "participation": _ratio(enrolled, pupils),
                         "by_course": by_course},
        "mentoring": _mentoring_total(mentoring),
        "mentors": mentors,
        "trend": _trend(period, burden._trend(measures.weekly), {}, mentoring_weekly),
    }

