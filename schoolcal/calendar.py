"""Day types for a bureau (XC-2): school day, rest day, statutory holiday, vacation.

``SchoolCalendar(bureau)`` loads the bureau's overrides, vacations and terms (its own and its
parents') once, then answers per date without further queries, so checking a term of 50,000
sessions costs three queries.
"""

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

import chinese_calendar

from schoolcal.models import DayOverride, Term, Vacation


class DayKind:
    SCHOOL_DAY = "school_day"
    WORKDAY = "workday"  # a working day outside any term
    MAKEUP_WORKDAY = "makeup_workday"  # 调休: a weekend date that is a working day
    REST_DAY = "rest_day"
    HOLIDAY = "holiday"
    VACATION = "vacation"
    NO_SCHOOL = "no_school"


KIND_LABELS = {
    DayKind.SCHOOL_DAY: "上课日",
    DayKind.WORKDAY: "工作日（学期外）",
    DayKind.MAKEUP_WORKDAY: "调休上课日",
    DayKind.REST_DAY: "休息日",
    DayKind.HOLIDAY: "法定节假日",
    DayKind.VACATION: "寒暑假",
    DayKind.NO_SCHOOL: "停课日",
}


@dataclass(frozen=True)
class Day:
    date: dt.date
    kind: str
    is_workday: bool
    is_school_day: bool
    name: str = ""
    source: str = "package"  # package | override | fallback
    warning: str = ""

    @property
    def label(self):
        return KIND_LABELS[self.kind]

    @property
    def is_holiday_or_rest(self):
        """TS-1 / HW-4: statutory holidays, rest days and vacations."""
        return self.kind in (DayKind.REST_DAY, DayKind.HOLIDAY, DayKind.VACATION)


@lru_cache(maxsize=8192)
def national_day(date):
    """(is_workday, holiday name, source) from chinese_calendar; weekends when it has no data."""
    try:
        on_holiday, name = chinese_calendar.get_holiday_detail(date)
    except NotImplementedError:
        return date.weekday() < 5, "", "fallback"
    is_workday = not on_holiday
    return is_workday, (name or "") if on_holiday else "", "package"


@lru_cache(maxsize=64)
def package_has_year(year):
    try:
        chinese_calendar.is_workday(dt.date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


HOLIDAY_NAMES = {
    "New Year's Day": "元旦", "Spring Festival": "春节", "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节", "Dragon Boat Festival": "端午节", "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节", "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


def missing_data_warning(year, overrides_count=0):
    text = (f"{year}年的法定节假日和调休安排尚未收录（国务院通知发布后软件包才会更新）。"
            "系统暂按周末休息、周一至周五上班计算")
    if overrides_count:
        text += f"，并已应用本局录入的{overrides_count}条日期调整"
    return text + "。请在“校历”中录入该年的节假日和调休上班日。"


class SchoolCalendar:
    def __init__(self, bureau):
        chain = []
        node = bureau
        while node is not None:  # own entries win over the parent bureau's
            chain.append(node.pk)
            node = node.parent
        rank = {pk: i for i, pk in enumerate(chain)}
        overrides = sorted(DayOverride.objects.filter(bureau_id__in=chain),
                           key=lambda o: -rank[o.bureau_id])
        self.overrides = {o.date: o for o in overrides}
        self.vacations = list(Vacation.objects.filter(bureau_id__in=chain))
        self.terms = list(Term.objects.filter(bureau_id__in=chain))
        self._cache = {}

    def overrides_in_year(self, year):
        return sum(1 for d in self.overrides if d.year == year)

    def day(self, date):
        if isinstance(date, dt.datetime):
            date = date.date()
        found = self._cache.get(date)
        if found is None:
            found = self._cache[date] = self._compute(date)
        return found

    def _compute(self, date):
        is_workday, name, source = national_day(date)
        kind = DayKind.WORKDAY if is_workday else DayKind.REST_DAY
        if not is_workday and name:
            kind = DayKind.HOLIDAY
            name = HOLIDAY_NAMES.get(name, name)
        if is_workday and date.weekday() >= 5:
            kind = DayKind.MAKEUP_WORKDAY
        warning = missing_data_warning(date.year, self.overrides_in_year(date.year)) \
            if source == "fallback" else ""

        override = self.overrides.get(date)
        if override is not None:
            source, name = "override", override.note or name
            kind = {
                DayOverride.Kind.HOLIDAY: DayKind.HOLIDAY,
                DayOverride.Kind.WORKDAY: DayKind.MAKEUP_WORKDAY if date.weekday() >= 5
                else DayKind.WORKDAY,
                DayOverride.Kind.NO_SCHOOL: DayKind.NO_SCHOOL,
                DayOverride.Kind.SCHOOL_DAY: DayKind.SCHOOL_DAY,
            }[override.kind]
            is_workday = override.kind != DayOverride.Kind.HOLIDAY
        if kind in (DayKind.WORKDAY, DayKind.MAKEUP_WORKDAY, DayKind.REST_DAY):
            vacation = next((v for v in self.vacations if v.start <= date <= v.end), None)
            if vacation is not None:
                kind, name = DayKind.VACATION, vacation.name
        in_term = any(t.start <= date <= t.end for t in self.terms)
        is_school_day = kind == DayKind.SCHOOL_DAY or (
            kind in (DayKind.WORKDAY, DayKind.MAKEUP_WORKDAY) and (in_term or not self.terms))
        if is_school_day and kind == DayKind.WORKDAY:
            kind = DayKind.SCHOOL_DAY
        return Day(date=date, kind=kind, is_workday=is_workday, is_school_day=is_school_day,
                   name=name, source=source, warning=warning)

    def days(self, start, end):
        date = start
        while date <= end:
            yield self.day(date)
            date += dt.timedelta(days=1)

    def school_days(self, start, end):
        return [d.date for d in self.days(start, end) if d.is_school_day]

    def add_working_days(self, start, count):
        """The ``count``-th working day after ``start`` (statutory holidays, weekends and the
        bureau's holiday overrides skipped; 调休 make-up days count). ``count`` 0 is ``start``."""
        date = start
        while count > 0:
            date += dt.timedelta(days=1)
            if self.day(date).is_workday:
                count -= 1
        return date

    def working_days_between(self, start, end):
        """Working days after ``start`` up to and including ``end`` (0 when end ≤ start)."""
        return sum(1 for d in self.days(start + dt.timedelta(days=1), end) if d.is_workday)
