"""Homework use cases: filing, changing, withdrawing, publishing, exceptions, weekly review,
guardians' reported times. Every door (web, API) calls these.

Lock order: a class-day row is locked (``select_for_update``) before its items are written, and
when two days are touched they are locked in primary-key order.
"""

import datetime as dt
import random
import secrets
import statistics

from django.db import IntegrityError, transaction
from django.db.models import Avg, Count, F, Sum
from django.utils import timezone

from audit.actions import created, diff, log_action, snapshot
from core.access import require
from core.errors import Conflict, Forbidden, RuleViolation
from homework.models import (
    FORBIDDEN_KINDS,
    Channel,
    ClassDay,
    ClassWeek,
    Homework,
    ItemTime,
    Kind,
    Layer,
    ParentRole,
    Place,
    SurveySample,
    TimeReport,
    WeekReview,
    WeekReviewEvent,
)
from org.models import SUBJECT_NAMES, Stage, TeachingAssignment
from policy.services import Policy
from schoolcal.calendar import SchoolCalendar

FIELDS = ["subject", "title", "content", "kind", "minutes", "layer", "place", "parent_role",
          "channel", "requires_phone", "self_grading", "date"]
HOLIDAY_FACTOR = {"same_as_school_day": 1, "half_of_school_day": 0.5, "none": 0}


# ---- limits --------------------------------------------------------------------------------

class Context:
    """Policy and calendar of one bureau, loaded once for a batch of checks."""

    def __init__(self, bureau):
        self.policy = Policy(bureau)
        self.calendar = SchoolCalendar(bureau)

    @classmethod
    def of(cls, school_class):
        return cls(school_class.school.bureau)


def limit_for(school_class, date, ctx):
    """(minutes, rule id) of required written homework at home allowed on that class-day."""
    if school_class.grade <= 2:
        return 0, "HW-1"
    junior = school_class.school.stage_of_grade(school_class.grade) == Stage.JUNIOR
    rule = "HW-3" if junior else "HW-2"
    limit = ctx.policy["hw.max_avg_minutes.junior" if junior else "hw.max_avg_minutes.primary"]
    if not ctx.calendar.day(date).is_school_day:
        # HW-4: weekends, holidays and vacations, by the district's policy.
        limit = int(limit * HOLIDAY_FACTOR[ctx.policy["hw.holiday_policy"]])
        rule = "HW-4"
    return limit, rule


def subject_limit(school_class, ctx):
    junior = school_class.school.stage_of_grade(school_class.grade) == Stage.JUNIOR
    return ctx.policy["hw.max_written_subjects.junior" if junior
                      else "hw.max_written_subjects.primary"]


def refresh_limit(day, ctx):
    """Recompute the day's limit from today's policy and calendar (in memory; saved by callers)."""
    day.limit_minutes, day.limit_rule = limit_for(day.school_class, day.date, ctx)
    max_subjects = subject_limit(day.school_class, ctx)
    day.over_limit = (day.counted_minutes > day.limit_minutes
                      or bool(max_subjects and len(day.written_subjects) > max_subjects))


def day_warnings(day, ctx):
    warnings = []
    if day.counted_minutes > day.limit_minutes:
        warnings.append({"code": day.limit_rule, "message": (
            f"当天计入上限的书面家庭作业已达 {day.counted_minutes} 分钟，超过上限 "
            f"{day.limit_minutes} 分钟（{day.limit_rule}）。请与班主任协调调整。")})
    max_subjects = subject_limit(day.school_class, ctx)
    if max_subjects and len(day.written_subjects) > max_subjects:
        warnings.append({"code": "HW-20", "message": (
            f"当天布置书面家庭作业的学科有 {len(day.written_subjects)} 科，"
            f"超过本区规定的 {max_subjects} 科（HW-20）。")})
    return warnings


# ---- checks --------------------------------------------------------------------------------

def _check_item(data, school_class, pupils):
    """The rules an item must meet whatever the day's total (each refusal names its rule)."""
    if not (data.get("title") or "").strip():
        raise RuleViolation("required", "作业标题不能为空。", "title")
    if data["subject"] not in SUBJECT_NAMES:
        raise RuleViolation("invalid", f"学科取值无效：{data['subject']}。", "subject")
    minutes = data.get("minutes")
    if type(minutes) is not int or not 1 <= minutes <= 300:
        raise RuleViolation("invalid", "预计完成时间应为 1–300 分钟。", "minutes")
    for field, choices in (("kind", Kind), ("layer", Layer), ("place", Place),
                           ("parent_role", ParentRole), ("channel", Channel)):
        if data[field] not in choices.values:
            raise RuleViolation("invalid", f"取值无效：{data[field]}。", field)
    if data["kind"] in FORBIDDEN_KINDS:
        raise RuleViolation("HW-8", "严禁布置重复性、惩罚性作业。", "kind")
    if data["parent_role"] != ParentRole.NONE:
        raise RuleViolation("HW-9", "严禁给家长布置或变相布置作业，严禁要求家长检查、批改作业。",
                            "parent_role")
    if data["self_grading"]:
        raise RuleViolation("HW-10", "教师应全批全改，不得要求学生自批自改。", "self_grading")
    if data["channel"] == Channel.PHONE or data["requires_phone"]:
        raise RuleViolation("HW-11", "不得用手机布置作业或要求学生利用手机完成作业。",
                            "requires_phone" if data["requires_phone"] else "channel")
    if school_class.grade <= 2 and data["kind"] == "written" and data["place"] == Place.HOME:
        raise RuleViolation("HW-1", "小学一、二年级不布置家庭书面作业，可在校内适当安排巩固练习。",
                            "place")
    if data["layer"] == Layer.PERSONALISED:
        if not pupils:
            raise RuleViolation("required", "个性化作业须指定学生。", "pupils")
        if any(p.school_class_id != school_class.pk for p in pupils):
            raise RuleViolation("invalid", "指定的学生必须是本班学生。", "pupils")
    elif pupils:
        raise RuleViolation("invalid", "只有个性化作业可以指定学生。", "pupils")


def _check_teacher(actor, school_class, subject):
    """The filing teacher teaches that subject in the class, or is its head teacher."""
    scope = actor.scope
    if school_class.pk in scope.head_class_ids:
        return
    teaches = scope.teacher_id and TeachingAssignment.objects.filter(
        teacher_id=scope.teacher_id, school_class=school_class, subject=subject).exists()
    if not teaches:
        raise Forbidden(f"您不担任该班{SUBJECT_NAMES.get(subject, subject)}的教学，不能为其布置作业。",
                        "subject")


def _check_week_open(school_class, date):
    monday = date - dt.timedelta(days=date.weekday())
    review = WeekReview.objects.filter(school_class=school_class, week_start=monday).first()
    if review is not None and review.status == WeekReview.Status.APPROVED:
        raise Conflict("该周作业已审核备案，如需修改请教导处先撤销备案。", "date", code="week_filed")


def _check_date(date):
    today = timezone.localdate()
    if abs((date - today).days) > 366:
        raise RuleViolation("invalid", "日期应在今天前后一年之内。", "date")


# ---- class-day bookkeeping ------------------------------------------------------------------

def lock_day(school_class, date):
    """The class-day row, created if missing, locked for this transaction."""
    try:
        with transaction.atomic():
            day, _ = ClassDay.objects.get_or_create(school_class=school_class, date=date)
    except IntegrityError:  # created by a concurrent request between the get and the create
        pass
    day = ClassDay.objects.select_for_update().get(school_class=school_class, date=date)
    day.school_class = school_class
    return day


def _add(minutes_by_key, key, minutes):
    totals = dict(minutes_by_key or {})
    totals[key] = totals.get(key, 0) + minutes
    return {k: m for k, m in totals.items() if m > 0}


def _apply(day, item, sign):
    """Add (sign=1) or remove (sign=-1) one item's minutes from the day's running totals."""
    minutes = sign * item.minutes
    day.total_minutes += minutes
    day.item_count += sign
    day.kind_minutes = _add(day.kind_minutes, item.kind, minutes)
    day.layer_minutes = _add(day.layer_minutes, item.layer, minutes)
    day.place_minutes = _add(day.place_minutes, item.place, minutes)
    if item.counts_toward_limit:
        day.counted_minutes += minutes
        day.written_subjects = _add(day.written_subjects, item.subject, minutes)


def _save_day(day, ctx):
    refresh_limit(day, ctx)
    day.save(update_fields=["counted_minutes", "total_minutes", "item_count", "written_subjects",
                            "kind_minutes", "layer_minutes", "place_minutes", "limit_minutes",
                            "limit_rule", "over_limit"])
    rebuild_week(day.school_class_id, day.date - dt.timedelta(days=day.date.weekday()))


def _merge(dicts):
    total = {}
    for d in dicts:
        for key, minutes in (d or {}).items():
            total[key] = total.get(key, 0) + minutes
    return total


def rebuild_week(school_class_id, monday):
    """Sum the class's seven class-days into its ClassWeek row (called under the day lock).

    Rebuilding from the days rather than adding deltas means a week can never drift from its
    days. The day rows are locked first (by the caller), the week row after: one lock order.
    """
    # Lock the week row before reading the days: a concurrent filing on another day of the
    # week has then committed, and this read sees it (no lost update).
    week, _ = ClassWeek.objects.get_or_create(school_class_id=school_class_id, week_start=monday)
    week = ClassWeek.objects.select_for_update().get(pk=week.pk)
    days = list(ClassDay.objects.filter(
        school_class_id=school_class_id, date__gte=monday,
        date__lt=monday + dt.timedelta(days=7), item_count__gt=0).values(
        "counted_minutes", "total_minutes", "over_limit", "written_subjects", "kind_minutes",
        "layer_minutes", "place_minutes"))
    week.days = len(days)
    week.over_days = sum(d["over_limit"] for d in days)
    week.counted_minutes = sum(d["counted_minutes"] for d in days)
    week.total_minutes = sum(d["total_minutes"] for d in days)
    for field in ("written_subjects", "kind_minutes", "layer_minutes", "place_minutes"):
        setattr(week, field, _merge(d[field] for d in days))
    week.save()


def _check_day_open(day):
    if day.published:
        raise Conflict("该日作业已公示，请班主任先撤回公示再修改。", "date", code="day_published")


# ---- use cases -----------------------------------------------------------------------------

def _defaults(data):
    data.setdefault("content", "")
    data.setdefault("kind", "written")
    data.setdefault("layer", Layer.REQUIRED)
    data.setdefault("place", Place.HOME)
    data.setdefault("parent_role", ParentRole.NONE)
    data.setdefault("channel", Channel.PLATFORM)
    data.setdefault("requires_phone", False)
    data.setdefault("self_grading", False)
    return data


@transaction.atomic
def file_homework(*, actor, school_class, date, pupils=(), ctx=None, **data):
    """File one homework item. Returns (homework, warnings); over the limit is a warning."""
    require(actor, "create", Homework)
    data = _defaults(data)
    data["title"] = (data.get("title") or "").strip()
    pupils = list(pupils)
    _check_item(data, school_class, pupils)
    _check_teacher(actor, school_class, data["subject"])
    _check_date(date)
    _check_week_open(school_class, date)
    ctx = ctx or Context.of(school_class)
    day = lock_day(school_class, date)
    _check_day_open(day)
    item = Homework.objects.create(school_class=school_class, class_day=day, date=date,
                                   teacher_id=actor.scope.teacher_id,
                                   **{k: v for k, v in data.items() if k in FIELDS})
    if pupils:
        item.pupils.set(pupils)
    _apply(day, item, +1)
    _save_day(day, ctx)
    log_action(item, "homework.filed", actor=actor, kind="create", changes=created(item, FIELDS),
               data={"class_day": day.pk, "over_limit": day.over_limit})
    return item, day_warnings(day, ctx)


@transaction.atomic
def update_homework(*, actor, homework, pupils=None, ctx=None, **data):
    """Change an item (its date too); both days' totals move under their locks."""
    require(actor, "change", homework)
    before = snapshot(homework, FIELDS)
    merged = {**{f: getattr(homework, f) for f in FIELDS},
              **{k: v for k, v in data.items() if k in FIELDS and v is not None}}
    merged["title"] = (merged.get("title") or "").strip()
    new_pupils = list(pupils) if pupils is not None else list(homework.pupils.all())
    school_class = homework.school_class
    _check_item(merged, school_class, new_pupils if merged["layer"] == Layer.PERSONALISED
                else ([] if pupils is None else new_pupils))
    if merged["subject"] != homework.subject:
        _check_teacher(actor, school_class, merged["subject"])
    _check_date(merged["date"])
    ctx = ctx or Context.of(school_class)
    dates = sorted({homework.date, merged["date"]})
    for date in dates:
        _check_week_open(school_class, date)
    days = {d: lock_day(school_class, d) for d in dates}  # sorted dates: a fixed lock order
    for day in days.values():
        _check_day_open(day)
    # Re-read the item under the day lock: a concurrent change or withdrawal must not be
    # subtracted twice (lock, then check; never check-then-act on the totals).
    current = Homework.objects.filter(pk=homework.pk, class_day=days[homework.date],
                                      updated_at=homework.updated_at).first()
    if current is None:
        raise Conflict("该作业刚被他人修改或撤回，请刷新后重试。", code="stale")
    old_day, new_day = days[homework.date], days[merged["date"]]
    _apply(old_day, homework, -1)
    for field, value in merged.items():
        setattr(homework, field, value)
    homework.class_day = new_day
    if merged["layer"] != Layer.PERSONALISED:
        new_pupils = []
    homework.save()
    homework.pupils.set(new_pupils)
    _apply(new_day, homework, +1)
    for day in days.values():
        _save_day(day, ctx)
    log_action(homework, "homework.changed", actor=actor,
               changes=diff(before, snapshot(homework, FIELDS)))
    return homework, day_warnings(new_day, ctx)


@transaction.atomic
def withdraw_homework(*, actor, homework, ctx=None):
    require(actor, "change", homework)
    school_class = homework.school_class
    _check_week_open(school_class, homework.date)
    day = lock_day(school_class, homework.date)
    _check_day_open(day)
    homework = Homework.objects.filter(pk=homework.pk, class_day=day).first()
    if homework is None:  # withdrawn or moved by a concurrent request
        raise Conflict("该作业已被撤回或修改，请刷新后重试。", code="stale")
    _apply(day, homework, -1)
    log_action(homework, "homework.withdrawn", actor=actor, kind="delete",
               changes={"title": [homework.title, None], "minutes": [homework.minutes, None]})
    homework.delete()
    _save_day(day, ctx or Context.of(school_class))
    return day


@transaction.atomic
def publish_class_day(*, actor, class_day):
    """The head teacher publishes the day to guardians; over the limit needs an exception."""
    require(actor, "publish", class_day)
    day = lock_day(class_day.school_class, class_day.date)
    if day.published:
        return day
    refresh_limit(day, Context.of(day.school_class))
    # An exception covers the day as it was when it was recorded, not later additions.
    excepted = bool(day.exception_reason) and day.counted_minutes <= day.exception_minutes
    if day.over_limit and not excepted:
        rule = day.limit_rule if day.counted_minutes > day.limit_minutes else "HW-20"
        raise RuleViolation(rule, (
            f"当天计入上限的书面家庭作业 {day.counted_minutes} 分钟，上限 {day.limit_minutes} 分钟"
            f"（{rule}）：请先调整作业，或由学校管理员登记例外原因后再公示。"), "minutes")
    day.published, day.published_at, day.published_by = True, timezone.now(), actor
    day.save(update_fields=["published", "published_at", "published_by", "limit_minutes",
                            "limit_rule", "over_limit"])
    rebuild_week(day.school_class_id, day.date - dt.timedelta(days=day.date.weekday()))
    log_action(day, "homework.day.published", actor=actor,
               changes={"published": ["False", "True"]},
               data={"counted_minutes": day.counted_minutes, "over_limit": day.over_limit})
    return day


@transaction.atomic
def unpublish_class_day(*, actor, class_day):
    require(actor, "publish", class_day)
    day = lock_day(class_day.school_class, class_day.date)
    _check_week_open(day.school_class, day.date)
    if not day.published:
        return day
    day.published = False
    day.save(update_fields=["published"])
    log_action(day, "homework.day.unpublished", actor=actor,
               changes={"published": ["True", "False"]})
    return day


@transaction.atomic
def record_exception(*, actor, class_day, reason):
    """A school admin allows publishing an over-limit day, with a reason (audited)."""
    require(actor, "except", class_day)
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise RuleViolation("required", "请写明例外原因（至少 5 个字）。", "reason")
    day = lock_day(class_day.school_class, class_day.date)
    old = day.exception_reason
    day.exception_reason, day.exception_by = reason[:300], actor
    day.exception_minutes = day.counted_minutes
    day.save(update_fields=["exception_reason", "exception_by", "exception_minutes"])
    log_action(day, "homework.day.exception", actor=actor,
               changes={"exception_reason": [old or None, day.exception_reason]})
    return day


# ---- weekly review (HW-16) -----------------------------------------------------------------

def week_snapshot(school_class, monday):
    """What is filed for the week: every item, by day (frozen into the review record)."""
    items = Homework.objects.filter(
        school_class=school_class, date__gte=monday, date__lt=monday + dt.timedelta(days=7)
    ).order_by("date", "subject", "pk").values("pk", "date", "subject", "title", "kind",
                                               "minutes", "layer", "place", "teacher__name")
    return {"items": [{**i, "date": i["date"].isoformat()} for i in items]}


@transaction.atomic
def review_week(*, actor, school_class, week_start, approve, comment=""):
    """The academic office approves (files) or returns a class's week, holidays included."""
    review = (WeekReview.objects.select_for_update()
              .filter(school_class=school_class, week_start=week_start).first())
    probe = review or WeekReview(school_class=school_class, week_start=week_start)
    require(actor, "review", probe)
    if week_start.weekday() != 0:
        raise RuleViolation("invalid", "周起始日期必须是周一。", "week_start")
    target = WeekReview.Status.APPROVED if approve else WeekReview.Status.RETURNED
    current = review.status if review else None
    if target not in WeekReview.TRANSITIONS[current]:
        raise Conflict("该周已审核备案；如需修改请先撤销备案。", "week_start",
                       code="invalid_transition")
    if not approve and not comment.strip():
        raise RuleViolation("required", "退回时请填写审核意见。", "comment")
    review = review or probe
    review.status, review.comment, review.reviewer = target, comment.strip()[:500], actor
    review.snapshot = week_snapshot(school_class, week_start) if approve else {}
    review.save()
    WeekReviewEvent.objects.create(review=review, status=target, version=review.version,
                                   comment=review.comment, snapshot=review.snapshot, actor=actor)
    log_action(review, "homework.week.approved" if approve else "homework.week.returned",
               actor=actor, changes={"status": [current, target]},
               data={"version": review.version})
    return review


@transaction.atomic
def reopen_week(*, actor, review, reason):
    """Undo a filing so the week can change; the next approval is a new version."""
    require(actor, "review", review)
    review = WeekReview.objects.select_for_update().get(pk=review.pk)
    if WeekReview.Status.REOPENED not in WeekReview.TRANSITIONS[review.status]:
        raise Conflict("只有已备案的周可以撤销备案。", "status", code="invalid_transition")
    reason = (reason or "").strip()[:500]
    if not reason:
        raise RuleViolation("required", "请填写撤销备案的原因。", "reason")
    review.status, review.comment, review.reviewer = WeekReview.Status.REOPENED, reason, actor
    review.version = F("version") + 1
    review.save()
    review.refresh_from_db()
    WeekReviewEvent.objects.create(review=review, status=review.status, version=review.version,
                                   comment=reason, actor=actor)
    log_action(review, "homework.week.reopened", actor=actor,
               changes={"status": ["approved", "reopened"]}, data={"version": review.version})
    return review


# ---- guardians' reported times -------------------------------------------------------------

def published_items_for(pupil, date):
    """Published items of the pupil's class on a date: personalised ones only if for them."""
    items = Homework.objects.filter(school_class_id=pupil.school_class_id, date=date,
                                    class_day__published=True).select_related("teacher")
    items = items.exclude(layer=Layer.PERSONALISED) | items.filter(layer=Layer.PERSONALISED,
                                                                   pupils=pupil)
    return items.order_by("subject", "pk")


@transaction.atomic
def report_time(*, actor, pupil, date, minutes, difficulty=None, items=()):
    """A guardian reports the real time their child spent on a published day."""
    if pupil.pk not in actor.scope.pupil_ids:
        raise Forbidden("只能为自己的孩子反馈作业用时。", "pupil")
    day = ClassDay.objects.filter(school_class_id=pupil.school_class_id, date=date).first()
    if day is None or not day.published:
        raise RuleViolation("invalid", "当天作业尚未公示，暂不能反馈用时。", "date")
    if type(minutes) is not int or not 0 <= minutes <= 600:
        raise RuleViolation("invalid", "实际用时应为 0–600 分钟。", "minutes")
    if difficulty is not None and difficulty not in range(1, 6):
        raise RuleViolation("invalid", "难度应为 1–5。", "difficulty")
    allowed = {h.pk: h for h in published_items_for(pupil, date)}
    if len({h for h, _ in items}) != len(items):
        raise RuleViolation("invalid", "同一项作业只能反馈一次用时。", "items")
    for homework_id, item_minutes in items:
        if homework_id not in allowed:
            raise RuleViolation("invalid", f"作业 {homework_id} 不属于当天已公示的作业。", "items")
        if type(item_minutes) is not int or not 0 <= item_minutes <= 600:
            raise RuleViolation("invalid", "单项用时应为 0–600 分钟。", "items")
    report, _ = TimeReport.objects.update_or_create(
        pupil=pupil, date=date, defaults={
            "school_class_id": pupil.school_class_id, "minutes": minutes,
            "difficulty": difficulty, "estimated_minutes": day.counted_minutes,
            "reported_by": actor})
    report.items.all().delete()
    ItemTime.objects.bulk_create(ItemTime(report=report, homework_id=h, minutes=m)
                                 for h, m in items)
    log_action(pupil, "homework.time.reported", actor=actor,
               data={"date": date.isoformat(), "minutes": minutes})
    return report


# ---- estimates against reported times -------------------------------------------------------

MIN_REPORTS = 3


def drift_by_teacher(items_qs):
    """Per teacher, subject and class: items, reports, mean estimate, mean reported, ratio."""
    return drift_rows(ItemTime.objects.filter(homework__in=items_qs))


def drift_rows(item_times):
    """``drift_by_teacher`` over a queryset of reported item times."""
    rows = (item_times
            .values("homework__teacher_id", "homework__teacher__name", "homework__subject",
                    "homework__school_class_id")
            .annotate(reports=Count("pk"), estimated=Avg("homework__minutes"),
                      reported=Avg("minutes"), items=Count("homework", distinct=True))
            .order_by("homework__teacher__name", "homework__subject"))
    out = []
    for r in rows:
        ratio = r["reported"] / r["estimated"] if r["estimated"] else None
        out.append({"teacher": r["homework__teacher__name"], "subject": r["homework__subject"],
                    "subject_name": SUBJECT_NAMES.get(r["homework__subject"], ""),
                    "school_class": r["homework__school_class_id"], "items": r["items"],
                    "reports": r["reports"], "estimated": round(r["estimated"] or 0, 1),
                    "reported": round(r["reported"] or 0, 1),
                    "ratio": round(ratio, 2) if ratio else None})
    return out


def calibrated_minutes(*, teacher_id, school_class, subject, estimate, since_days=120):
    """A teacher's estimate corrected by how far their past estimates drifted.

    Uses the median ratio reported/estimated over this teacher's items of the subject in the
    class (at least MIN_REPORTS reports), else over the teacher's items of the subject anywhere,
    else the class's day-level reports. ``None`` when there is too little data.
    """
    since = timezone.localdate() - dt.timedelta(days=since_days)
    base = ItemTime.objects.filter(homework__teacher_id=teacher_id, homework__subject=subject,
                                   homework__date__gte=since)
    for qs in (base.filter(homework__school_class=school_class), base):
        pairs = list(qs.values_list("minutes", "homework__minutes")[:2000])
        if len(pairs) >= MIN_REPORTS:
            ratio = statistics.median(m / e for m, e in pairs if e)
            return {"minutes": max(1, round(estimate * ratio)), "ratio": round(ratio, 2),
                    "reports": len(pairs), "basis": "item"}
    days = TimeReport.objects.filter(school_class=school_class, date__gte=since,
                                     estimated_minutes__gt=0)
    pairs = list(days.values_list("minutes", "estimated_minutes")[:2000])
    if len(pairs) >= MIN_REPORTS:
        ratio = statistics.median(m / e for m, e in pairs)
        return {"minutes": max(1, round(estimate * ratio)), "ratio": round(ratio, 2),
                "reports": len(pairs), "basis": "class_day"}
    return None


def day_drift(class_days_qs):
    """Per class: mean reported day time against the counted estimate."""
    return (TimeReport.objects.filter(school_class__in=class_days_qs.values("school_class"))
            .values("school_class_id").annotate(reports=Count("pk"), reported=Avg("minutes"),
                                                estimated=Avg("estimated_minutes"),
                                                total=Sum("minutes")))



# ---- sampling for the burden survey (HW-17) ------------------------------------------------

SAMPLE_ALGORITHM = "random.Random(seed).sample(sorted pupil ids, size)"


def draw_from(pupil_ids, seed, size):
    """The sampled pupil ids: reproducible from the recorded roster, seed and size."""
    return sorted(random.Random(seed).sample(sorted(pupil_ids), min(size, len(pupil_ids))))


@transaction.atomic
def draw_sample(*, actor, school_class, week_start, size, seed=None):
    """Draw a week's sample of a class's pupils; their guardians are asked for real times."""
    probe = SurveySample(school_class=school_class, week_start=week_start)
    require(actor, "draw", probe)
    if week_start.weekday() != 0:
        raise RuleViolation("invalid", "周起始日期必须是周一。", "week_start")
    if type(size) is not int or not 1 <= size <= 60:
        raise RuleViolation("invalid", "抽样人数应为 1–60。", "size")
    if SurveySample.objects.filter(school_class=school_class, week_start=week_start).exists():
        raise Conflict("该班本周已抽样；抽样结果不可重抽。", "week_start", code="already_drawn")
    roster = list(school_class.pupils.values_list("pk", flat=True))
    if not roster:
        raise RuleViolation("invalid", "该班没有学生。", "school_class")
    seed = seed if seed is not None else secrets.randbits(48)
    sample = SurveySample(school_class=school_class, week_start=week_start, seed=seed, size=size,
                          pupil_ids_drawn_from=sorted(roster), drawn_by=actor)
    try:
        with transaction.atomic():
            sample.save()
    except IntegrityError:
        raise Conflict("该班本周已抽样；抽样结果不可重抽。", "week_start",
                       code="already_drawn") from None
    sample.pupils.set(draw_from(roster, seed, size))
    log_action(sample, "homework.sample.drawn", actor=actor, kind="create",
               data={"seed": seed, "size": size, "algorithm": SAMPLE_ALGORITHM})
    return sample


def sample_report(sample):
    """Reported times of the sampled pupils in that week against the class's estimates."""
    week = (sample.week_start, sample.week_start + dt.timedelta(days=6))
    reports = TimeReport.objects.filter(pupil__in=sample.pupils.all(), date__range=week)
    totals = reports.aggregate(n=Count("pk"), reported=Avg("minutes"),
                               estimated=Avg("estimated_minutes"))
    sampled = sample.pupils.count()
    responded = reports.values("pupil").distinct().count()
    return {"sampled": sampled, "responded": responded, "reports": totals["n"],
            "reported_avg": round(totals["reported"] or 0, 1),
            "estimated_avg": round(totals["estimated"] or 0, 1)}


def rebuild_weeks_bulk(class_day_model, class_week_model, days, batch=5000):
    """Build ClassWeek rows from ClassDay rows in bulk (data migration, generator).

    Takes the models as arguments so a migration can pass its historical models.
    """
    weeks, current = [], None
    rows = days.filter(item_count__gt=0).order_by("school_class_id", "date").values(
        "school_class_id", "date", "counted_minutes", "total_minutes", "over_limit",
        "written_subjects", "kind_minutes", "layer_minutes", "place_minutes")
    for d in rows.iterator(chunk_size=batch):
        key = (d["school_class_id"], d["date"] - dt.timedelta(days=d["date"].weekday()))
        if current is None or (current.school_class_id, current.week_start) != key:
            current = class_week_model(school_class_id=key[0], week_start=key[1])
            weeks.append(current)
        current.days += 1
        current.over_days += int(d["over_limit"])
        current.counted_minutes += d["counted_minutes"]
        current.total_minutes += d["total_minutes"]
        for field in ("written_subjects", "kind_minutes", "layer_minutes", "place_minutes"):
            setattr(current, field, _merge([getattr(current, field), d[field]]))
    class_week_model.objects.bulk_create(weeks, batch_size=batch, update_conflicts=True,
                                         unique_fields=["school_class", "week_start"],
                                         update_fields=["days", "over_days", "counted_minutes",
                                                        "total_minutes", "written_subjects",
                                                        "kind_minutes", "layer_minutes",
                                                        "place_minutes"])
    return len(weeks)
