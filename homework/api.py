"""API for homework: filing, class-day boards, publication, guardians' view and reports."""

import datetime as dt

from django.http import Http404
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from api.pagination import LimitOffsetPagination
from api.schemas import READ_ERRORS, WRITE_ERRORS
from core.access import get_for, require, visible
from core.errors import RuleViolation
from homework import services
from homework.models import ClassDay, Homework, Kind, Layer, SurveySample, WeekReview
from org.models import Pupil, SchoolClass

router = Router(tags=["作业管理"])


class Warning(Schema):
    code: str
    message: str


class ClassDayOut(Schema):
    id: int = Field(0, description="0：当天尚无作业备案")
    school_class: int = Field(..., alias="school_class_id")
    date: dt.date
    written_minutes: int = Field(..., alias="counted_minutes",
                                 description="计入上限的书面家庭作业分钟数（全体必做 + 分层基础层）")
    total_minutes: int
    item_count: int
    limit_minutes: int
    limit_rule: str = Field(..., description="上限依据的规则编号：HW-1/HW-2/HW-3/HW-4")
    over_limit: bool
    published: bool
    exception_reason: str

    @staticmethod
    def resolve_id(obj):
        return obj.pk or 0


class HomeworkIn(Schema):
    school_class: int
    subject: str = Field(..., description="学科代码，如 maths")
    date: dt.date
    title: str
    content: str = ""
    kind: str = Field("written", description="written 书面 / oral 口头阅读 / practical 实践探究 / "
                                             "labour 劳动 / cross_subject 跨学科")
    minutes: int = Field(..., description="预计完成时间（分钟）")
    layer: str = Field("required", description="required / basic / advanced / challenge / "
                                               "optional / personalised")
    place: str = Field("home", description="in_school / after_school / home")
    parent_role: str = "none"
    channel: str = "platform"
    requires_phone: bool = False
    self_grading: bool = False
    pupils: list[int] = Field([], description="个性化作业指定的学生")


class HomeworkPatch(Schema):
    subject: str | None = None
    date: dt.date | None = None
    title: str | None = None
    content: str | None = None
    kind: str | None = None
    minutes: int | None = None
    layer: str | None = None
    place: str | None = None
    parent_role: str | None = None
    channel: str | None = None
    requires_phone: bool | None = None
    self_grading: bool | None = None
    pupils: list[int] | None = None


class HomeworkOut(Schema):
    id: int
    school_class: int = Field(..., alias="school_class_id")
    subject: str
    date: dt.date
    title: str
    content: str
    kind: str
    minutes: int
    layer: str
    place: str
    teacher: str | None = Field(None, alias="teacher.name")
    counts_toward_limit: bool


class FiledOut(Schema):
    id: int
    warnings: list[Warning]
    class_day: ClassDayOut
    calibrated_minutes: int | None = Field(None, description="按家长反馈校准后的预计用时")


def _enum(value, choices, field):
    if value is not None and value not in choices.values:
        raise RuleViolation("invalid", f"取值无效：{value}。", field)


def _pupils(school_class, ids):
    pupils = list(Pupil.objects.filter(pk__in=ids, school_class=school_class))
    if len(pupils) != len(set(ids)):
        raise RuleViolation("invalid", "指定的学生必须是本班学生。", "pupils")
    return pupils


def _filed(item, warnings):
    day = item.class_day  # the row the service locked and updated
    calibration = services.calibrated_minutes(
        teacher_id=item.teacher_id, school_class=item.school_class, subject=item.subject,
        estimate=item.minutes) if item.teacher_id else None
    return {"id": item.pk, "warnings": warnings, "class_day": day,
            "calibrated_minutes": calibration["minutes"] if calibration else None}


@router.post("/homework", response={201: FiledOut, **WRITE_ERRORS},
             summary="布置作业（超过上限时返回警告，禁止的作业返回 422 及规则编号）")
def file_homework(request, payload: HomeworkIn):
    require(request.user, "create", Homework)
    school_class = get_for(request.user, SchoolClass, payload.school_class,
                           queryset=SchoolClass.objects.select_related("school__bureau"))
    data = payload.dict(exclude={"school_class", "pupils"})
    _enum(data["kind"], Kind, "kind")
    _enum(data["layer"], Layer, "layer")
    item, warnings = services.file_homework(
        actor=request.user, school_class=school_class,
        pupils=_pupils(school_class, payload.pupils), **data)
    return Status(201, _filed(item, warnings))


@router.get("/homework", response={200: list[HomeworkOut], **READ_ERRORS}, summary="作业列表")
@paginate(LimitOffsetPagination)
def list_homework(request, school_class: int | None = None, date: dt.date | None = None,
                  subject: str | None = None, date_from: dt.date | None = None,
                  date_to: dt.date | None = None):
    qs = visible(request.user, Homework).select_related("teacher").order_by("-date", "pk")
    if school_class:
        qs = qs.filter(school_class_id=school_class)
    if date:
        qs = qs.filter(date=date)
    if date_from:
        qs = qs.filter(date__gte=date_from)
    if date_to:
        qs = qs.filter(date__lte=date_to)
    if subject:
        qs = qs.filter(subject=subject)
    return qs


@router.patch("/homework/{int:homework_id}", response={200: FiledOut, **WRITE_ERRORS},
              summary="修改作业")
def update_homework(request, homework_id: int, payload: HomeworkPatch):
    item = get_for(request.user, Homework, homework_id, "change",
                   queryset=Homework.objects.select_related("school_class__school__bureau"))
    data = payload.dict(exclude={"pupils"})
    _enum(data["kind"], Kind, "kind")
    _enum(data["layer"], Layer, "layer")
    pupils = None if payload.pupils is None else _pupils(item.school_class, payload.pupils)
    item, warnings = services.update_homework(actor=request.user, homework=item, pupils=pupils,
                                              **data)
    return _filed(item, warnings)


@router.delete("/homework/{int:homework_id}", response={204: None, **WRITE_ERRORS},
               summary="撤回作业")
def withdraw_homework(request, homework_id: int):
    item = get_for(request.user, Homework, homework_id, "change",
                   queryset=Homework.objects.select_related("school_class__school__bureau"))
    services.withdraw_homework(actor=request.user, homework=item)
    return Status(204, None)


class BoardOut(Schema):
    class_day: ClassDayOut
    items: list[HomeworkOut]
    warnings: list[Warning]


def _day(request, class_id, date):
    school_class = get_for(request.user, SchoolClass, class_id,
                           queryset=SchoolClass.objects.select_related("school__bureau"))
    day = ClassDay.objects.filter(school_class=school_class, date=date).first()
    if day is None:  # a day nobody filed for yet: an empty, unsaved board
        day = ClassDay(school_class=school_class, date=date)
    day.school_class = school_class
    if not day.published:  # the limit in force now (the district may have tightened it)
        services.refresh_limit(day, services.Context.of(school_class))
    return school_class, day


@router.get("/classes/{class_id}/days/{date}", response={200: BoardOut, **READ_ERRORS},
            summary="班级当日作业统筹（各科作业、合计、是否超限）")
def class_day_board(request, class_id: int, date: dt.date):
    require(request.user, "view", ClassDay)
    school_class, day = _day(request, class_id, date)
    items = Homework.objects.filter(school_class=school_class, date=date).select_related(
        "teacher").order_by("subject", "pk")
    ctx = services.Context.of(school_class)
    return {"class_day": day, "items": list(items), "warnings": services.day_warnings(day, ctx)}


@router.post("/classes/{class_id}/days/{date}/publish", response={200: ClassDayOut, **WRITE_ERRORS},
             summary="公示当日作业（超限时 422，规则编号 HW-2/HW-3/HW-4/HW-20）")
def publish_day(request, class_id: int, date: dt.date):
    _, day = _day(request, class_id, date)
    # An unsaved day (nothing filed yet) is fine: the service locks the row in its transaction.
    return services.publish_class_day(actor=request.user, class_day=day)


@router.post("/classes/{class_id}/days/{date}/unpublish",
             response={200: ClassDayOut, **WRITE_ERRORS}, summary="撤回当日作业公示")
def unpublish_day(request, class_id: int, date: dt.date):
    _, day = _day(request, class_id, date)
    if not day.pk:
        raise Http404
    return services.unpublish_class_day(actor=request.user, class_day=day)


class ExceptionIn(Schema):
    reason: str


@router.post("/classes/{class_id}/days/{date}/exception",
             response={200: ClassDayOut, **WRITE_ERRORS},
             summary="学校管理员登记超限例外（记录审计日志）")
def record_exception(request, class_id: int, date: dt.date, payload: ExceptionIn):
    _, day = _day(request, class_id, date)
    if not day.pk:
        raise Http404
    return services.record_exception(actor=request.user, class_day=day, reason=payload.reason)


class PupilDayOut(Schema):
    pupil: int
    date: dt.date
    published: bool
    average_minutes: int = Field(..., description="当日书面家庭作业平均完成时间（HW-7 公示）")
    composition: dict = Field(..., description="按作业类型的分钟数（HW-7 作业内容构成）")
    items: list[HomeworkOut]


@router.get("/pupils/{pupil_id}/homework", response={200: PupilDayOut, **READ_ERRORS},
            summary="学生当日已公示的作业（本人家长及管辖范围内的学校人员）")
def pupil_homework(request, pupil_id: int, date: dt.date):
    pupil = get_for(request.user, Pupil, pupil_id)
    day = ClassDay.objects.filter(school_class_id=pupil.school_class_id, date=date,
                                  published=True).first()
    items = list(services.published_items_for(pupil, date))
    composition = {}
    for item in items:
        composition[item.kind] = composition.get(item.kind, 0) + item.minutes
    return {"pupil": pupil.pk, "date": date, "published": day is not None,
            "average_minutes": day.counted_minutes if day else 0, "composition": composition,
            "items": items}


class TimeIn(Schema):
    date: dt.date
    minutes: int = Field(..., description="孩子完成当天作业的实际用时（分钟）")
    difficulty: int | None = Field(None, description="1 很容易 – 5 很难")
    items: list[dict] = Field([], description="可选：逐项用时 [{\"homework\": id, \"minutes\": n}]")


class TimeOut(Schema):
    id: int
    pupil: int = Field(..., alias="pupil_id")
    date: dt.date
    minutes: int
    difficulty: int | None
    estimated_minutes: int


@router.post("/pupils/{pupil_id}/homework-times", response={201: TimeOut, **WRITE_ERRORS},
             summary="家长反馈孩子当天作业的实际用时")
def report_time(request, pupil_id: int, payload: TimeIn):
    pupil = get_for(request.user, Pupil, pupil_id)
    try:
        items = [(int(i["homework"]), int(i["minutes"])) for i in payload.items]
    except (KeyError, TypeError, ValueError):
        raise RuleViolation("invalid", "逐项用时格式应为 [{\"homework\": id, \"minutes\": n}]。",
                            "items") from None
    report = services.report_time(actor=request.user, pupil=pupil, date=payload.date,
                                  minutes=payload.minutes, difficulty=payload.difficulty,
                                  items=items)
    return Status(201, report)


class ReviewIn(Schema):
    approve: bool
    comment: str = ""


class ReviewOut(Schema):
    id: int
    school_class: int = Field(..., alias="school_class_id")
    week_start: dt.date
    status: str
    version: int
    comment: str


@router.post("/classes/{class_id}/weeks/{week_start}/review",
             response={200: ReviewOut, **WRITE_ERRORS}, summary="教导处审核备案（或退回）一周作业")
def review_week(request, class_id: int, week_start: dt.date, payload: ReviewIn):
    school_class = get_for(request.user, SchoolClass, class_id)
    return services.review_week(actor=request.user, school_class=school_class,
                                week_start=week_start, approve=payload.approve,
                                comment=payload.comment)


class ReopenIn(Schema):
    reason: str


@router.post("/classes/{class_id}/weeks/{week_start}/reopen",
             response={200: ReviewOut, **WRITE_ERRORS}, summary="撤销周作业备案（新版本）")
def reopen_week(request, class_id: int, week_start: dt.date, payload: ReopenIn):
    school_class = get_for(request.user, SchoolClass, class_id)
    review = WeekReview.objects.visible_to(request.user).filter(
        school_class=school_class, week_start=week_start).first()
    if review is None:
        raise Http404
    return services.reopen_week(actor=request.user, review=review, reason=payload.reason)


class CalibrationOut(Schema):
    minutes: int | None
    ratio: float | None
    reports: int
    basis: str | None


@router.get("/homework/calibration", response={200: CalibrationOut, **READ_ERRORS},
            summary="按家长反馈校准的预计用时（本人以往估计的偏差）")
def calibration(request, school_class: int, subject: str, minutes: int):
    require(request.user, "create", Homework)
    target = get_for(request.user, SchoolClass, school_class)
    result = services.calibrated_minutes(teacher_id=request.user.scope.teacher_id,
                                         school_class=target, subject=subject, estimate=minutes)
    return result or {"minutes": None, "ratio": None, "reports": 0, "basis": None}


class SampleIn(Schema):
    size: int = Field(..., description="抽样人数（1–60）")
    seed: int | None = Field(None, description="随机种子；不填则由系统生成并记录")


class SampleOut(Schema):
    id: int
    school_class: int = Field(..., alias="school_class_id")
    week_start: dt.date
    seed: int
    size: int
    algorithm: str = services.SAMPLE_ALGORITHM
    pupils: list[int]
    report: dict | None = None

    @staticmethod
    def resolve_pupils(obj):
        return sorted(p.pk for p in obj.pupils.all())


class VerifyOut(Schema):
    matches: bool
    pupils: list[int]


def _sample(request, class_id, week_start):
    school_class = get_for(request.user, SchoolClass, class_id)
    sample = SurveySample.objects.visible_to(request.user).filter(
        school_class=school_class, week_start=week_start).first()
    if sample is None:
        raise Http404
    return sample


@router.post("/classes/{class_id}/weeks/{week_start}/sample",
             response={201: SampleOut, **WRITE_ERRORS},
             summary="抽取本周作业负担调查样本（记录随机种子，可复核）")
def draw_sample(request, class_id: int, week_start: dt.date, payload: SampleIn):
    school_class = get_for(request.user, SchoolClass, class_id,
                           queryset=SchoolClass.objects.select_related("school"))
    sample = services.draw_sample(actor=request.user, school_class=school_class,
                                  week_start=week_start, size=payload.size, seed=payload.seed)
    return Status(201, sample)


@router.get("/classes/{class_id}/weeks/{week_start}/sample",
            response={200: SampleOut, **READ_ERRORS}, summary="本周抽样及样本的家长反馈")
def get_sample(request, class_id: int, week_start: dt.date):
    require(request.user, "view", SurveySample)
    sample = _sample(request, class_id, week_start)
    sample.report = services.sample_report(sample)
    return sample


@router.get("/classes/{class_id}/weeks/{week_start}/sample/verify",
            response={200: VerifyOut, **READ_ERRORS}, summary="按记录的名单和种子重新抽取并比对")
def verify_sample(request, class_id: int, week_start: dt.date):
    require(request.user, "view", SurveySample)
    sample = _sample(request, class_id, week_start)
    again = services.draw_from(sample.pupil_ids_drawn_from, sample.seed, sample.size)
    return {"matches": again == sorted(p.pk for p in sample.pupils.all()), "pupils": again}
