"""API for the school calendar."""

import datetime as dt

from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate

from api.pagination import LimitOffsetPagination
from api.schemas import READ_ERRORS, WRITE_ERRORS
from core.access import get_for, require, visible
from core.errors import RuleViolation
from org.models import Bureau, School
from schoolcal import services
from schoolcal.calendar import SchoolCalendar
from schoolcal.models import DayOverride, Term

router = Router(tags=["校历"])


class DayOut(Schema):
    date: dt.date
    kind: str
    label: str
    is_school_day: bool
    is_workday: bool
    name: str
    source: str
    warning: str


def home_bureau(user, bureau_id=None):
    """The bureau whose calendar the caller reads: the one asked for, or their own."""
    scope = user.scope
    if bureau_id is None:
        bureau_id = scope.home_bureau_id
        if bureau_id is None and scope.school_ids:
            bureau_id = School.objects.filter(pk__in=scope.school_ids).values_list(
                "bureau_id", flat=True).first()
    if bureau_id is None:
        raise RuleViolation("required", "请指定教育局。", "bureau")
    return get_for(user, Bureau, bureau_id)


@router.get("/days", response={200: list[DayOut], **READ_ERRORS},
            summary="日期类型（上课日、休息日、法定节假日、调休、寒暑假）")
@paginate(LimitOffsetPagination)
def list_days(request, start: dt.date, end: dt.date, bureau: int | None = None):
    require(request.user, "view", Term)
    if end < start or (end - start).days > 400:
        raise RuleViolation("invalid", "日期范围无效（结束不早于开始，且不超过400天）。", "end")
    calendar = SchoolCalendar(home_bureau(request.user, bureau))
    return [d.__dict__ | {"label": d.label} for d in calendar.days(start, end)]


class OverrideIn(Schema):
    date: dt.date
    kind: str
    note: str = ""


class OverrideOut(Schema):
    id: int
    bureau: int
    date: dt.date
    kind: str
    note: str

    @staticmethod
    def resolve_bureau(obj):
        return obj.bureau_id


@router.get("/overrides", response={200: list[OverrideOut], **READ_ERRORS},
            summary="本局录入的日期调整")
@paginate(LimitOffsetPagination)
def list_overrides(request, year: int | None = Query(None, ge=1900, le=2100)):
    qs = visible(request.user, DayOverride).order_by("date")
    if year:
        qs = qs.filter(date__year=year)
    return qs


@router.post("/overrides", response={201: OverrideOut, **WRITE_ERRORS},
             summary="录入日期调整（法定节假日、调休上班日、停课日）")
def create_override(request, payload: OverrideIn):
    bureau = home_bureau(request.user)
    return Status(201, services.save_override(actor=request.user, bureau=bureau, **payload.dict()))
