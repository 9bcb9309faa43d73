"""Homework monitoring for schools and the district (issue 3, section 8).

Every figure is one aggregate query over ``ClassDay`` (one row per class and day) or over the
homework items of the period, grouped in SQL; nothing loops over rows in Python.
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import IntegerField, Sum
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Coalesce

from homework.models import ClassWeek, ItemTime, Kind, Layer, Place
from homework.services import drift_rows
from org.models import GRADE_NAMES, SUBJECT_NAMES

REPEAT_THRESHOLD = 3  # over-limit days in the period that make a class "repeatedly over"


@dataclass
class Period:
    """Whole weeks, Monday to Sunday: monitoring reads the weekly rollup (ClassWeek)."""

    start: dt.date
    end: dt.date

    @classmethod
    def parse(cls, start, end, today):
        try:
            end = dt.date.fromisoformat(end) if end else today
            start = dt.date.fromisoformat(start) if start else end - dt.timedelta(days=21)
        except ValueError:
            end, start = today, today - dt.timedelta(days=21)
        if start > end:
            start, end = end, start
        start -= dt.timedelta(days=start.weekday())
        end += dt.timedelta(days=6 - end.weekday())
        return cls(start, min(end, start + dt.timedelta(days=371)))

    @property
    def weeks(self):
        return ((self.end - self.start).days + 1) // 7


def _stage(grade, system):
    """XC-1: 1 for junior (G7–9; G6 in a 5-4 school), 0 for primary."""
    return 1 if grade >= 7 or (grade == 6 and system == "5-4") else 0


def _composition(rows):
    """Minutes by kind, layer, place and (counted) subject over the rows: one SQL aggregate."""
    fields = {"kind_minutes": Kind.values, "layer_minutes": Layer.values,
              "place_minutes": Place.values, "written_subjects": list(SUBJECT_NAMES)}
    sums = {f"{field}__{key}": Coalesce(Sum(Cast(KeyTextTransform(key, field), IntegerField())), 0)
            for field, keys in fields.items() for key in keys}
    row = rows.aggregate(**sums)
    return {field: {key: row[f"{field}__{key}"] for key in keys if row[f"{field}__{key}"]}
            for field, keys in fields.items()}


def report(classes, period):
    """All monitoring figures for the classes (a scoped SchoolClass queryset) in the period.

    Five queries whatever the district's size: the classes, the class-weeks grouped by class,
    the composition sums, the weekly trend and the reported-time drift. Everything else is
    folded from those (at most one row per class).
    """
    info = list(classes.values("pk", "grade", "number", "school_id", "school__name",
                               "school__code", "school__system").order_by("school__code",
                                                                          "grade", "number"))
    ids = [c["pk"] for c in info]
    weeks = ClassWeek.objects.filter(school_class_id__in=ids, days__gt=0,
                                     week_start__range=(period.start, period.end))
    per_class = {r["school_class_id"]: r for r in weeks.values("school_class_id").annotate(
        n=Sum("days"), counted=Sum("counted_minutes"), over=Sum("over_days"))}

    class_days = sum(r["n"] for r in per_class.values())
    over_days = sum(r["over"] for r in per_class.values())
    counted = sum(r["counted"] or 0 for r in per_class.values())
    stages, grades, schools = {}, {}, {}
    repeated, silent = [], []
    for c in info:
        r = per_class.get(c["pk"], {"n": 0, "counted": 0, "over": 0})
        name = f"{GRADE_NAMES[c['grade']]}（{c['number']}）班"
        for bucket, key in ((stages, _stage(c["grade"], c["school__system"])),
                            (grades, c["grade"]), (schools, c["school_id"])):
            b = bucket.setdefault(key, {"n": 0, "counted": 0, "over": 0, "classes": 0,
                                        "silent": 0, "name": c["school__name"]})
            b["n"] += r["n"]
            b["counted"] += r["counted"] or 0
            b["over"] += r["over"]
            b["classes"] += 1
            b["silent"] += 0 if r["n"] else 1
        if r["over"] >= REPEAT_THRESHOLD:
            repeated.append({"school_class_id": c["pk"], "class_name": name,
                             "school_class__school__name": c["school__name"],
                             "over_days": r["over"]})
        if not r["n"]:
            silent.append({"pk": c["pk"], "school": c["school__name"], "name": name})

    def share(b):
        return round(1 - b["over"] / b["n"], 3) if b["n"] else None

    def mean(b):
        return round(b["counted"] / b["n"], 1) if b["n"] else 0

    comp = _composition(weeks)
    kind_labels, layer_labels = dict(Kind.choices), dict(Layer.choices)
    place_minutes = comp["place_minutes"]
    all_minutes = sum(place_minutes.values())
    in_school = place_minutes.get(Place.IN_SCHOOL, 0) + place_minutes.get(Place.AFTER_SCHOOL, 0)
    layered = sum(m for k, m in comp["layer_minutes"].items() if k != Layer.REQUIRED)

    trend = [
        {"week": row["week_start"].isoformat(), "class_days": row["n"],
         "avg_minutes": round((row["counted"] or 0) / row["n"], 1) if row["n"] else 0,
         "within_share": round(1 - row["over"] / row["n"], 3) if row["n"] else None}
        for row in weeks.values("week_start").annotate(
            n=Sum("days"), counted=Sum("counted_minutes"), over=Sum("over_days"))
        .order_by("week_start")]
    drift = drift_rows(ItemTime.objects.filter(homework__school_class_id__in=ids,
                                               homework__date__range=(period.start, period.end)))
    repeated.sort(key=lambda r: -r["over_days"])
    return {
        "period": period,
        "class_days": class_days,
        "over_days": over_days,
        "within_share": round(1 - over_days / class_days, 3) if class_days else None,
        "avg_minutes": round(counted / class_days, 1) if class_days else 0,
        "by_stage": [{"stage": "初中" if k else "小学", "class_days": b["n"],
                      "avg_minutes": mean(b), "within_share": share(b)}
                     for k, b in sorted(stages.items()) if b["n"]],
        "by_grade": [{"grade": g, "grade_name": GRADE_NAMES[g], "class_days": b["n"],
                      "avg_minutes": mean(b), "over_days": b["over"]}
                     for g, b in sorted(grades.items()) if b["n"]],
        "schools": [{"school_id": k, "name": b["name"], "classes": b["classes"],
                     "class_days": b["n"], "avg_minutes": mean(b), "within_share": share(b),
                     "silent_classes": b["silent"]} for k, b in schools.items()],
        "by_subject": [{"subject": k, "subject_name": SUBJECT_NAMES.get(k, k), "counted_minutes": m,
                        "avg_per_class_day": round(m / class_days, 1) if class_days else 0}
                       for k, m in sorted(comp["written_subjects"].items(), key=lambda x: -x[1])],
        "by_layer": [{"layer": k, "label": layer_labels[k], "minutes": m}
                     for k, m in sorted(comp["layer_minutes"].items(), key=lambda x: -x[1])],
        "by_kind": [{"kind": k, "label": kind_labels[k], "minutes": m}
                    for k, m in sorted(comp["kind_minutes"].items(), key=lambda x: -x[1])],
        "layered_share": round(layered / all_minutes, 3) if all_minutes else None,  # HW-12
        "in_school_share": round(in_school / all_minutes, 3) if all_minutes else None,  # HW-13
        "repeated": repeated[:50],
        "silent": silent[:100],
        "silent_count": len(silent),
        "class_count": len(info),
        "trend": trend,
        "drift": drift[:100],
    }
