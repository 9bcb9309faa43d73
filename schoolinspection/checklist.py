"""The weekly self-check list (作业管理清单, IN-4) and the platform's own figures for one school week.

Items marked ``auto`` are pre-filled from what the school already records on the platform:
homework (class-days over the limit, days filed but not published, the weekly review), after-school
service (sessions held, cancelled and without a roll call, pupils without a recorded pick-up) and
exams filed. The platform *suggests* 符合/不符合 from the figures; the school marks each item and
explains any difference in a note. The five-managements items (sleep, phones, reading, fitness)
have no platform data yet and are confirmed by hand (suggestion ``None``).

A school week runs Monday to Sunday. Things that are due "by the end of the day" (publishing a
day's homework, a session's roll call) count from the week's start through yesterday (or the
week's Sunday, once it has passed), so a self-check sent on a Friday is not faulted for Friday.

``prefill`` costs a fixed handful of queries whatever the school's size.
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, F, Q

from afterschool.models import Attendance, Session
from exams.models import Exam
from homework.models import ClassDay, WeekReview
from org.models import SchoolClass
from schoolcal.calendar import SchoolCalendar


@dataclass(frozen=True)
class Item:
    code: str
    group: str
    label: str
    rules: str
    auto: bool  # pre-filled from the platform's figures


ITEMS = [
    Item("hw_limit", "作业管理", "书面作业总量不超过规定时长", "HW-1、HW-2、HW-3", True),
    Item("hw_publish", "作业管理", "作业按日登记并在校内公示", "HW-7、HW-19", True),
    Item("hw_review", "作业管理", "教导处每周审核备案作业", "HW-16", True),
    Item("as_delivery", "课后服务", "课后服务按计划开展（5+2）", "AS-1、AS-12", True),
    Item("as_attendance", "课后服务", "课后服务考勤与安全接送记录完整", "课后服务安全管理", True),
    Item("ex_filing", "考试管理", "考试、测验均已备案，没有违规考试", "EX-1至EX-6、EX-13", True),
    Item("fm_sleep", "五项管理", "睡眠管理：到校时间、作息和睡眠时间符合要求", "SL-1、SL-2、SL-3", False),
    Item("fm_phone", "五项管理", "手机管理：手机不进课堂，学校提供替代联系方式", "PH-1、PH-2", False),
    Item("fm_reading", "五项管理", "读物管理：课外读物按程序推荐备案，不强制购买", "RD-1、RD-2", False),
    Item("fm_fitness", "五项管理", "体质管理：体育课时和每天体育活动时间达标", "PE-1、PE-2", False),
]
BY_CODE = {item.code: item for item in ITEMS}
CODES = [item.code for item in ITEMS]

# What an inspector may tick as checked on a visit: the same list, plus classroom teaching and
# "other" (a visit looks at more than the weekly list).
VISIT_ITEMS = [(item.code, item.label) for item in ITEMS] + [
    ("teaching", "课堂教学与作业设计质量"), ("other", "其他事项")]


def week_start_of(date):
    return date - dt.timedelta(days=date.weekday())


@dataclass
class Week:
    """One school week of one school as the figures see it."""

    start: dt.date
    today: dt.date
    school_days: list

    @property
    def end(self):
        return self.start + dt.timedelta(days=6)

    @property
    def through(self):
        """The last date figures include: today, or the Sunday once the week is over."""
        return min(self.end, self.today)

    @property
    def due_through(self):
        """The last date whose day-end duties (publish, roll call) are due: yesterday, or the
        Sunday once the week is over."""
        return min(self.end, self.today - dt.timedelta(days=1))

    @property
    def over(self):
        return self.today > self.end

    @property
    def due_school_days(self):
        return [d for d in self.school_days if d <= self.due_through]


def week_of(school, date, today, calendar=None):
    start = week_start_of(date)
    calendar = calendar or SchoolCalendar(school.bureau)
    return Week(start=start, today=today,
                school_days=calendar.school_days(start, start + dt.timedelta(days=6)))


def _row(text, suggested, **figures):
    return {"text": text, "suggested": suggested, "figures": figures}


def _homework(school, week, classes):
    days = ClassDay.objects.filter(school_class__school=school, item_count__gt=0,
                                   date__range=(week.start, week.end))
    excepted = Q(over_limit=True, exception_minutes__gte=F("counted_minutes")) & ~Q(
        exception_reason="")
    agg = days.aggregate(
        filed=Count("pk"),
        over=Count("pk", filter=Q(over_limit=True)),
        excepted=Count("pk", filter=excepted),
        over_classes=Count("school_class", distinct=True, filter=Q(over_limit=True)),
        unpublished=Count("pk", filter=Q(published=False, date__lte=week.due_through)),
        filed_due=Count("pk", filter=Q(date__in=week.due_school_days)),
    )
    reviewed = WeekReview.objects.filter(school_class__school=school, week_start=week.start,
                                         status=WeekReview.Status.APPROVED).count()
    unexcepted = agg["over"] - agg["excepted"]
    limit = _row(
        f"该周有作业登记的班级日 {agg['filed']} 个，超过规定时长的 {agg['over']} 个"
        f"（涉及 {agg['over_classes']} 个班级），其中已登记例外原因的 {agg['excepted']} 个。",
        unexcepted == 0, class_days=agg["filed"], over_days=agg["over"],
        over_classes=agg["over_classes"], excepted_days=agg["excepted"])
    expected = classes * len(week.due_school_days)
    not_filed = max(0, expected - agg["filed_due"])
    publish = _row(
        f"{_until(week)}应登记的班级上课日 {expected} 个，没有作业登记的 {not_filed} 个；"
        f"已登记但未公示的班级日 {agg['unpublished']} 个。",
        agg["unpublished"] == 0, expected_class_days=expected, not_filed=not_filed,
        unpublished=agg["unpublished"])
    if reviewed >= classes:
        suggestion = True
    else:
        # While the week is still running the review may simply not be done yet.
        suggestion = False if week.over else None
    review = _row(f"该周 {classes} 个班级中已审核备案 {reviewed} 个。", suggestion,
                  classes=classes, reviewed=reviewed)
    return {"hw_limit": limit, "hw_publish": publish, "hw_review": review}


def _after_school(school, week):
    sessions = Session.objects.filter(course__programme__school=school,
                                      date__range=(week.start, week.end))
    agg = sessions.aggregate(
        planned=Count("pk"),
        delivered=Count("pk", filter=Q(status=Session.Status.DELIVERED)),
        cancelled=Count("pk", filter=Q(status=Session.Status.CANCELLED)),
        due=Count("pk", filter=Q(date__lte=week.due_through) & ~Q(
            status=Session.Status.CANCELLED)),
        unrecorded=Count("pk", filter=Q(status=Session.Status.SCHEDULED,
                                        date__lte=week.due_through)),
    )
    unpicked = Attendance.objects.filter(
        session__in=sessions.filter(date__lte=week.due_through),
        mark=Attendance.Mark.PRESENT, pickup="").count()
    if week.school_days and not agg["planned"]:
        delivery_ok = False
    else:
        delivery_ok = agg["cancelled"] == 0
    delivery = _row(
        f"该周计划课后服务课次 {agg['planned']} 次，已上 {agg['delivered']} 次，"
        f"取消 {agg['cancelled']} 次。" + ("" if agg["planned"] or not week.school_days
                                          else "该周有上课日，但没有安排课后服务课次。"),
        delivery_ok, planned=agg["planned"], delivered=agg["delivered"],
        cancelled=agg["cancelled"])
    attendance = _row(
        f"{_until(week)}应点名课次 {agg['due']} 次，未点名 {agg['unrecorded']} 次；"
        f"出勤学生中未登记离校方式的 {unpicked} 人次。",
        None if not agg["due"] else (agg["unrecorded"] == 0 and unpicked == 0),
        due=agg["due"], unrecorded=agg["unrecorded"], unpicked=unpicked)
    return {"as_delivery": delivery, "as_attendance": attendance}


def _exams(school, week):
    agg = Exam.objects.filed().filter(school=school, date__range=(week.start, week.end)).aggregate(
        total=Count("pk"), grade_exams=Count("pk", filter=Q(school_class__isnull=True)),
        quizzes=Count("pk", filter=Q(school_class__isnull=False)))
    return {"ex_filing": _row(
        f"该周备案的考试 {agg['grade_exams']} 场、班级测验 {agg['quizzes']} 次"
        "（违反 EX-1至EX-6 的备案平台已拒绝）。请确认该周没有未备案的考试、测验。", True, **agg)}


def _until(week):
    date = week.due_through
    if date < week.start:
        return "本周到目前为止"
    return f"截至{date.month}月{date.day}日"


def prefill(school, week):
    """The checklist for the school's week: ``[{code, group, label, rules, auto, text,
    suggested, figures}]`` in checklist order."""
    classes = SchoolClass.objects.filter(school=school).count()
    found = {**_homework(school, week, classes), **_after_school(school, week),
             **_exams(school, week)}
    rows = []
    for item in ITEMS:
        row = found.get(item.code) or _row("平台暂无该项数据，请学校对照要求自查后确认。", None)
        rows.append({"code": item.code, "group": item.group, "label": item.label,
                     "rules": item.rules, "auto": item.auto, **row})
    return rows
