"""Complaint statistics: counts by category, status and unit, and the on-time rates (IN-6).

Definitions (shown on the statistics page and in the help):

- 受理及时率: of the complaints (merged duplicates excluded) that were answered (acknowledged or
  refused) or whose acknowledgement deadline has passed, the share answered by ``ack_due``;
- 办结及时率: of the complaints (merged and refused excluded) that were resolved or whose
  resolution deadline has passed, the share resolved by ``resolve_due``.

Dates are China Standard Time (XC-3). The numbers are computed from one query over the rows
the user may see, so a school admin's figures are their school's.
"""

import datetime as dt

from django.utils import timezone

from complaints.models import SECTIONS, Complaint

Status = Complaint.Status


def in_period(complaints, start=None, end=None):
    """Complaints filed from ``start`` to ``end`` (dates, both included)."""
    if start:
        complaints = complaints.filter(
            filed_at__gte=timezone.make_aware(dt.datetime.combine(start, dt.time.min)))
    if end:
        complaints = complaints.filter(
            filed_at__lt=timezone.make_aware(dt.datetime.combine(end + dt.timedelta(days=1),
                                                                 dt.time.min)))
    return complaints


def _rate(on_time, due):
    return {"due": due, "on_time": on_time,
            "rate": round(on_time * 100 / due, 1) if due else None}


def _counts(values, choices):
    found = {}
    for value in values:
        found[value] = found.get(value, 0) + 1
    return [{"key": str(key), "label": str(label), "count": found.get(key, 0)}
            for key, label in choices]


def statistics(complaints, today=None):
    """The figures of a queryset of complaints (already scoped and filtered)."""
    today = today or timezone.localdate()
    rows = list(complaints.values_list(
        "category", "status", "unit_school_id", "unit_school__name", "unit_role", "ack_due",
        "resolve_due", "responded_at", "resolved_at", "escalated_at"))
    units = {}
    ack_due = ack_on_time = resolve_due = resolve_on_time = overdue = escalated = 0
    for (_, status, school_id, school_name, role, ack_by, resolve_by, responded, resolved,
         escalated_at) in rows:
        key = f"school:{school_id}" if school_id else f"section:{role}"
        label = school_name if school_id else SECTIONS.get(role, role)
        units.setdefault(key, {"key": key, "label": label, "count": 0})["count"] += 1
        escalated += escalated_at is not None
        if status in Complaint.OPEN and (today > resolve_by or
                                         (status == Status.SUBMITTED and today > ack_by)):
            overdue += 1
        if status == Status.MERGED:
            continue
        if responded or today > ack_by:
            ack_due += 1
            ack_on_time += bool(responded and timezone.localdate(responded) <= ack_by)
        if status == Status.REJECTED:
            continue
        if resolved or today > resolve_by:
            resolve_due += 1
            resolve_on_time += bool(resolved and timezone.localdate(resolved) <= resolve_by)
    return {
        "total": len(rows),
        "open": sum(1 for r in rows if r[1] in Complaint.OPEN),
        "overdue": overdue,
        "escalated": escalated,
        "by_category": _counts((r[0] for r in rows), Complaint.Category.choices),
        "by_status": _counts((r[1] for r in rows), Complaint.Status.choices),
        "by_unit": sorted(units.values(), key=lambda u: (-u["count"], u["label"])),
        "ack": _rate(ack_on_time, ack_due),
        "resolve": _rate(resolve_on_time, resolve_due),
    }


def chart_data(figures):
    """The statistics page's ECharts data (static/js/charts.js format)."""
    def bar(items, name):
        return {"x": [i["label"] for i in items], "series": [{"name": name,
                                                              "data": [i["count"] for i in items]}]}

    return {"category": bar(figures["by_category"], "投诉件数"),
            "status": bar([s for s in figures["by_status"] if s["count"]], "投诉件数"),
            "unit": bar(figures["by_unit"][:15], "投诉件数")}
