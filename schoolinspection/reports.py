"""What the bureau and inspectors read (pages, API and the Excel export share these): each
inspector's load (IN-3), self-check submissions per school and week and visit coverage per
school and month (IN-4), with the missing ones flagged.

Each is a fixed number of queries plus one calendar and policy read per bureau, whatever the
number of schools (the pages page through schools 50 at a time).
"""

import calendar
import datetime as dt

from django.db.models import Count, Max, Q

from org.models import Bureau, School, User
from org.roles import Role
from policy.services import Policy
from schoolcal.calendar import SchoolCalendar
from schoolinspection import checklist
from schoolinspection.models import InspectorAssignment, RectificationTask, SelfCheck, Visit


def schools_q(user):
    """The schools of this app's scope: the district's for bureau admins and inspectors, their
    own for school admins (``School.visible_to`` also lets teachers see theirs)."""
    scope = user.scope
    return Q(bureau_id__in=scope.bureau_ids_for(Role.BUREAU_ADMIN, Role.INSPECTOR)) | Q(
        pk__in=scope.admin_school_ids)


def schools_for(user):
    return (School.objects.visible_to(user).filter(schools_q(user))
            .select_related("bureau__parent__parent").order_by("code", "pk"))


class PerBureau(dict):
    """The calendar and the IN-3/IN-4 parameters of each bureau, read once."""

    def of(self, bureau):
        if bureau.pk not in self:
            policy = Policy(bureau)
            self[bureau.pk] = {
                "calendar": SchoolCalendar(bureau),
                "schools_per_inspector": int(policy["in.schools_per_inspector"]),
                "visits_per_month": int(policy["in.visits_per_month"]),
                "rectify_days": int(policy["in.rectify_days"]),
            }
        return self[bureau.pk]


# ---- load (IN-3) --------------------------------------------------------------------------------


def district_load(user, bureaus=None):
    """Every inspector login of the user's districts with their current schools against the
    district's ``in.schools_per_inspector``: ``[{"user", "schools", "limit", "over",
    "school_names"}]``, the most loaded first."""
    bureaus = PerBureau() if bureaus is None else bureaus
    bureau_ids = user.scope.bureau_ids_for(Role.BUREAU_ADMIN, Role.INSPECTOR)
    inspectors = (User.objects.filter(is_active=True, role_assignments__role=Role.INSPECTOR,
                                      role_assignments__bureau_id__in=bureau_ids)
                  .distinct().order_by("name", "username"))
    homes = dict(User.objects.filter(role_assignments__role=Role.INSPECTOR,
                                     role_assignments__bureau_id__in=bureau_ids)
                 .values_list("pk", "role_assignments__bureau_id"))
    current = (InspectorAssignment.objects.current().filter(school__bureau_id__in=bureau_ids)
               .select_related("school").order_by("school__code"))
    schools = {}
    for a in current:
        schools.setdefault(a.inspector_id, []).append(a.school.name)
    bureau_rows = {b.pk: b for b in Bureau.objects.filter(pk__in=set(homes.values()))
                   .select_related("parent__parent")}
    rows = []
    for inspector in inspectors:
        limit = bureaus.of(bureau_rows[homes[inspector.pk]])["schools_per_inspector"]
        names = schools.get(inspector.pk, [])
        rows.append({"user": inspector, "schools": len(names), "limit": limit,
                     "over": len(names) > limit, "school_names": names})
    rows.sort(key=lambda r: -r["schools"])
    return rows


def current_assignments(schools):
    """``{school_id: assignment}`` of the schools' current responsible inspectors."""
    return {a.school_id: a for a in InspectorAssignment.objects.current().filter(
        school__in=schools).select_related("inspector")}


# ---- self-checks (IN-4) -------------------------------------------------------------------------


def recent_weeks(today, count):
    """Mondays of the ``count`` weeks up to this one, oldest first."""
    this = checklist.week_start_of(today)
    return [this - dt.timedelta(weeks=n) for n in range(count - 1, -1, -1)]


def self_check_grid(schools, today, weeks=4, bureaus=None):
    """Submission state per school and week: ``{"weeks": [monday], "rows": [{"school",
    "cells": [{"week", "state", "check"}], "missing"}]}`` with state ``"submitted"``,
    ``"missing"`` (a week with school days that has ended without one), ``"due"`` (this week,
    not yet) or ``"none"`` (no school days)."""
    bureaus = PerBureau() if bureaus is None else bureaus
    mondays = recent_weeks(today, weeks)
    checks = {(c.school_id, c.week_start): c for c in SelfCheck.objects.filter(
        school__in=schools, week_start__in=mondays).only(
        "pk", "school_id", "week_start", "non_compliant")}
    rows = []
    for school in schools:
        calendar = bureaus.of(school.bureau)["calendar"]
        cells = []
        for monday in mondays:
            check = checks.get((school.pk, monday))
            sunday = monday + dt.timedelta(days=6)
            if check is not None:
                state = "submitted"
            elif not calendar.school_days(monday, sunday):
                state = "none"
            else:
                state = "missing" if sunday < today else "due"
            cells.append({"week": monday, "state": state, "check": check})
        rows.append({"school": school, "cells": cells,
                     "missing": sum(1 for c in cells if c["state"] == "missing")})
    return {"weeks": mondays, "rows": rows}


# ---- visit coverage (IN-4) ----------------------------------------------------------------------


def month_bounds(month):
    """(first day, last day) of the month of ``month`` (a date)."""
    first = month.replace(day=1)
    return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])


def recent_months(today, count):
    """The first days of the ``count`` months up to today's, oldest first."""
    months, first = [], today.replace(day=1)
    for _ in range(count):
        months.append(first)
        first = (first - dt.timedelta(days=1)).replace(day=1)
    return months[::-1]


def coverage(schools, months, today, bureaus=None):
    """Visits per school and month against ``in.visits_per_month`` (IN-4): ``[{"school",
    "required", "months": [{"month", "visits", "state"}], "missing"}]`` with state ``"ok"``,
    ``"missing"`` (an ended month with school days and too few visits), ``"due"`` (this month,
    not yet enough) or ``"none"`` (no school days: a vacation month)."""
    if not schools or not months:
        return []
    bureaus = PerBureau() if bureaus is None else bureaus
    start, end = months[0], month_bounds(months[-1])[1]
    counts = {}
    for school_id, visited_on in Visit.objects.filter(
            school__in=schools, visited_on__range=(start, end)).values_list("school_id",
                                                                            "visited_on"):
        key = (school_id, visited_on.replace(day=1))
        counts[key] = counts.get(key, 0) + 1
    teaching = {}  # (bureau id, month) -> the month has school days
    rows = []
    for school in schools:
        info = bureaus.of(school.bureau)
        required = info["visits_per_month"]
        cells = []
        for month in months:
            key = (school.bureau_id, month)
            if key not in teaching:
                teaching[key] = bool(info["calendar"].school_days(*month_bounds(month)))
            visits = counts.get((school.pk, month), 0)
            if visits >= required:
                state = "ok"
            elif not teaching[key]:
                state = "none"
            else:
                state = "missing" if month_bounds(month)[1] < today else "due"
            cells.append({"month": month, "visits": visits, "state": state})
        rows.append({"school": school, "required": required, "months": cells,
                     "missing": sum(1 for c in cells if c["state"] == "missing")})
    return rows


def last_visits(schools):
    """``{school_id: date}`` of each school's latest visit."""
    return dict(Visit.objects.filter(school__in=schools).values("school_id")
                .annotate(last=Max("visited_on")).values_list("school_id", "last"))


def open_task_counts(schools):
    """``{school_id: {"open", "submitted"}}`` of the schools' unfinished tasks."""
    rows = (RectificationTask.objects.filter(school__in=schools).exclude(
        status=RectificationTask.Status.ACCEPTED).values("school_id").annotate(
        open=Count("pk", filter=Q(status="open")),
        submitted=Count("pk", filter=Q(status="submitted"))))
    return {r["school_id"]: r for r in rows}
