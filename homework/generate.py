"""Bulk homework for benchmarks: a term of filings for every class of a district.

Writes ``ClassDay`` rows with their totals computed here, then the items, in chunks of days so
memory stays flat. The totals follow the same counting rule as the services
(``Homework.counts_toward_limit``), so the incremental bookkeeping sees consistent data.
"""

import datetime as dt
import random
import time

from django.db import transaction

from homework.models import COUNTED_LAYERS, ClassDay, ClassWeek, Homework, Kind, Layer, Place
from homework.services import Context, limit_for, rebuild_weeks_bulk, subject_limit
from org.models import SchoolClass, TeachingAssignment

TITLES = {"chinese": ["课文朗读与生字练习", "阅读理解练习", "小练笔"],
          "maths": ["练习册练习", "口算与应用题", "计算专项练习"],
          "english": ["单词默写准备", "课文朗读", "语法练习"]}
DEFAULT_TITLES = ["课后练习", "复习巩固", "预习提纲"]


def _item(rng, school_class, date, day, subject, teacher_id):
    roll = rng.random()
    layer = Layer.REQUIRED if roll < 0.75 else (Layer.BASIC if roll < 0.85 else Layer.OPTIONAL)
    place = Place.HOME if rng.random() < 0.8 else Place.IN_SCHOOL
    kind = Kind.WRITTEN if rng.random() < 0.85 else Kind.ORAL
    return Homework(school_class=school_class, class_day=day, date=date, subject=subject,
                    teacher_id=teacher_id, title=rng.choice(TITLES.get(subject, DEFAULT_TITLES)),
                    kind=kind, minutes=rng.choice([10, 15, 15, 20, 20, 25]), layer=layer,
                    place=place)


def generate_term(bureau, *, start, days, subjects=4, seed=1, chunk_days=5, out=None):
    """File ``subjects`` items a day for every class of the bureau on ``days`` school days."""
    rng = random.Random(seed)
    ctx = Context(bureau)
    dates, date = [], start
    while len(dates) < days:
        if ctx.calendar.day(date).is_school_day:
            dates.append(date)
        date += dt.timedelta(days=1)
    classes = list(SchoolClass.objects.filter(school__bureau=bureau).select_related("school"))
    teaching = {}
    for class_id, subject, teacher_id in TeachingAssignment.objects.filter(
            school_class__school__bureau=bureau).values_list("school_class_id", "subject",
                                                             "teacher_id").order_by("pk"):
        teaching.setdefault(class_id, []).append((subject, teacher_id))
    started, items_total = time.monotonic(), 0
    for first in range(0, len(dates), chunk_days):
        with transaction.atomic():
            days_rows, pending = [], []
            for date in dates[first:first + chunk_days]:
                for school_class in classes:
                    pairs = teaching.get(school_class.pk, [])[:subjects]
                    if not pairs:
                        continue
                    day = ClassDay(school_class=school_class, date=date)
                    items = [_item(rng, school_class, date, day, s, t) for s, t in pairs]
                    if school_class.grade <= 2:  # HW-1: no written homework at home
                        for item in items:
                            if item.kind == Kind.WRITTEN:
                                item.place = Place.IN_SCHOOL
                    counted = [i for i in items if i.kind == Kind.WRITTEN
                               and i.place == Place.HOME and i.layer in COUNTED_LAYERS]
                    day.counted_minutes = sum(i.minutes for i in counted)
                    day.total_minutes = sum(i.minutes for i in items)
                    day.item_count = len(items)
                    subjects_minutes = {}
                    for i in counted:
                        subjects_minutes[i.subject] = subjects_minutes.get(i.subject, 0) + i.minutes
                    day.written_subjects = subjects_minutes
                    for field, key in (("kind_minutes", "kind"), ("layer_minutes", "layer"),
                                       ("place_minutes", "place")):
                        sums = {}
                        for i in items:
                            sums[getattr(i, key)] = sums.get(getattr(i, key), 0) + i.minutes
                        setattr(day, field, sums)
                    day.limit_minutes, day.limit_rule = limit_for(school_class, date, ctx)
                    max_subjects = subject_limit(school_class, ctx)
                    day.over_limit = (day.counted_minutes > day.limit_minutes or bool(
                        max_subjects and len(subjects_minutes) > max_subjects))
                    day.published = date < dates[-1]
                    days_rows.append(day)
                    pending.extend(items)
            ClassDay.objects.bulk_create(days_rows, batch_size=2000)
            for item in pending:
                item.class_day_id = item.class_day.pk
            Homework.objects.bulk_create(pending, batch_size=5000)
            items_total += len(pending)
        if out:
            out(f"  {dates[min(first + chunk_days, len(dates)) - 1]}: {items_total} 项作业，"
                f"用时 {time.monotonic() - started:.1f} 秒")
    weeks = rebuild_weeks_bulk(ClassDay, ClassWeek, ClassDay.objects.filter(
        school_class__school__bureau=bureau, date__range=(dates[0], dates[-1])))
    if out:
        out(f"  每周汇总：{weeks} 行，用时 {time.monotonic() - started:.1f} 秒")
    return {"classes": len(classes), "days": len(dates), "items": items_total,
            "seconds": round(time.monotonic() - started, 1)}
