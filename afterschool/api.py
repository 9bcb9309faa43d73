"""API for after-school services: programmes and timetables, instructors, courses, applications,
the lottery, sessions and attendance, hours and pay, participation and satisfaction."""

import datetime as dt
from typing import Annotated

from django.db.models import Q
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import PlainSerializer, WithJsonSchema

from afterschool import services
from afterschool.models import (
    STAFF_VIEW,
    Allocation,
    Application,
    Attendance,
    Course,
    Enrolment,
    Instructor,
    Programme,
    Session,
)
from api.pagination import LimitOffsetPagination
from api.schemas import READ_ERRORS, WRITE_ERRORS
from core.access import get_for, require, visible
from core.errors import RuleViolation
from institutions.models import Institution
from org.models import Pupil, School, Teacher
from org.roles import Role
from schoolcal.models import Term

router = Router(tags=["课后服务"])

Id = Annotated[int, Field(ge=1, le=2_147_483_647)]
Grade = Annotated[int, Field(ge=1, le=9)]
Weekday = Annotated[int, Field(ge=1, le=7)]
# Wall-clock times of day (XC-3: China Standard Time) as "HH:MM", in and out. JSON Schema's
# "time" format demands an offset, which a timetable's time of day does not have.
ClockTime = Annotated[
    dt.time,
    PlainSerializer(lambda t: t.strftime("%H:%M"), return_type=str),
    WithJsonSchema({"type": "string", "pattern": r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$",
                    "examples": ["16:40"]}),
]

SEGMENTS = ("guidance 第一时段：作业辅导 / menu 第二时段：菜单课程 / delayed_care 延时托管（AS-7）/ "
            "evening_study 初中晚自习（AS-7、AS-8）")


class SlotIn(Schema):
    weekday: Weekday = Field(..., description="1 周一 … 5 周五（课后服务只在上课日，AS-5）")
    segment: str = Field(..., description=SEGMENTS)
    grades: list[Grade] = Field(..., description="适用年级，如 [3, 4]")
    start: ClockTime
    end: ClockTime


class SlotOut(Schema):
    weekday: int
    segment: str
    grades: list[int]
    start: ClockTime
    end: ClockTime
    minutes: int


class ProgrammeIn(Schema):
    school: Id
    term: Id
    name: str = Field(..., examples=["2026 秋季学期课后服务"])
    kind: str = Field("term", description="term 学期课后服务 / summer 暑期托管")
    grades: list[Grade] | None = Field(None, description="服务年级；省略则为本校全部年级")
    slots: list[SlotIn] = Field(..., description=(
        "时间表：每个上课日、每个年级的时段。学期方案须满足 AS-1（每周 5 天、每天不少于 2 小时）"
        "和 AS-2/AS-3（结束时间）"))
    max_courses: int = Field(2, ge=0, le=5, description="抽签时每生最多分配菜单课程数")
    makeup_weekday: int = Field(1, ge=1, le=5, description="调休上课日按周几的课表")
    start: dt.date | None = Field(None, description="学期方案默认为学期起止；暑期托管必填")
    end: dt.date | None = None


class TimetableIn(Schema):
    slots: list[SlotIn]


class ProgrammeOut(Schema):
    id: int
    school: int = Field(..., alias="school_id")
    school_name: str = Field(..., alias="school.name")
    term: int = Field(..., alias="term_id")
    kind: str
    name: str
    start: dt.date
    end: dt.date
    grades: list[int]
    status: str = Field(..., description="draft 编制中 / open 报名中 / published 已公布分配结果")
    max_courses: int
    makeup_weekday: int
    fee_per_term_fen: int = Field(..., description="基本服务费（分/学期），0 为免费（AS-10）")
    slots: list[SlotOut]

    @staticmethod
    def resolve_slots(obj):
        return list(obj.slots.all())


class InstructorIn(Schema):
    school: Id
    kind: str = Field(..., description=(
        "own_teacher 本校教师 / retired_teacher 退休教师 / professional 专业人员 / volunteer 志愿者"
        " / institution 非学科类机构（AS-9）"))
    teacher: Id | None = Field(None, description="本校教师（kind=own_teacher）")
    institution: Id | None = Field(None, description="培训机构（kind=institution）")
    name: str = ""
    phone: str = ""
    qualification: str = ""
    certificate_no: str = Field("", description="退休教师、专业人员必填")
    background_checked: bool = Field(False, description="校外人员须已完成背景审查")


class InstructorOut(Schema):
    id: int
    school: int = Field(..., alias="school_id")
    kind: str
    teacher: int | None = Field(None, alias="teacher_id")
    institution: int | None = Field(None, alias="institution_id")
    name: str
    phone: str = Field(..., alias="phone_masked", description="手机号（脱敏）")
    qualification: str
    certificate_no: str
    background_checked: bool
    status: str = Field(..., description="pending 待审核 / approved 已批准 / rejected 未批准")
    review_note: str


class ReviewDecisionIn(Schema):
    approve: bool
    note: str = ""


class CourseIn(Schema):
    programme: Id
    name: str
    category: str = Field("", description="sport / art / science / labour / reading / psychology / "
                                          "club / other")
    instructor: Id | None = None
    duty_teacher: Id | None = Field(None, description="负责考勤与安全的本校教师（校外人员授课时必填）")
    capacity: int = Field(..., ge=1, le=10_000)
    grades: list[Grade]
    weekdays: list[Weekday]
    start: ClockTime
    end: ClockTime
    place: str = ""
    fee_per_term_fen: int = Field(0, ge=0, le=10_000_000,
                                  description="课程收费（分/学期），须在开放报名前公示")
    content_summary: str = ""
    teaches_new_content: bool = Field(False,
                                      description="是否含讲授新课、集体补课、刷题（AS-6：不得通过审核）")


class CoursePatch(Schema):
    name: str | None = None
    category: str | None = None
    capacity: int | None = Field(None, ge=1, le=10_000)
    place: str | None = None
    fee_per_term_fen: int | None = Field(None, ge=0, le=10_000_000)
    content_summary: str | None = None
    teaches_new_content: bool | None = None


class CourseOut(Schema):
    id: int
    programme: int = Field(..., alias="programme_id")
    kind: str = Field(..., description=SEGMENTS)
    school_class: int | None = Field(None, alias="school_class_id")
    name: str
    category: str
    instructor: int | None = Field(None, alias="instructor_id")
    instructor_name: str | None = None
    duty_teacher: int | None = Field(None, alias="duty_teacher_id")
    capacity: int | None
    enrolled_count: int
    free_seats: int | None
    grades: list[int]
    weekdays: list[int]
    start: ClockTime
    end: ClockTime
    place: str
    fee_per_term_fen: int
    content_summary: str
    teaches_new_content: bool
    review_status: str = Field(..., description="pending / approved / rejected")

    @staticmethod
    def resolve_instructor_name(obj):
        return obj.instructor.name if obj.instructor_id else None


class ApplicationIn(Schema):
    pupil: Id
    programme: Id
    base_service: bool = Field(True,
                               description="参加基本课后服务（作业辅导）：报名即录取（愿留尽留，AS-12）")
    choices: list[Id] = Field([], description="菜单课程志愿，按意愿从高到低排列，最多 5 个")
    delayed_care: bool = Field(False, description="延时托管（有特殊需要，AS-7）")
    special_need: str = ""
    evening_study: bool = Field(False, description="晚自习（仅初中，AS-7）")


class ApplicationOut(Schema):
    id: int
    programme: int = Field(..., alias="programme_id")
    pupil: int = Field(..., alias="pupil_id")
    base_service: bool
    choices: list[int]
    delayed_care: bool
    evening_study: bool
    status: str
    submitted_at: dt.datetime

    @staticmethod
    def resolve_choices(obj):
        return [c.course_id for c in sorted(obj.choices.all(), key=lambda c: c.rank)]


class EnrolmentOut(Schema):
    id: int
    course: int = Field(..., alias="course_id")
    course_name: str = Field(..., alias="course.name")
    kind: str = Field(..., alias="course.kind")
    pupil: int = Field(..., alias="pupil_id")
    pupil_name: str = Field(..., alias="pupil.name")
    status: str = Field(..., description="enrolled 已录取 / waitlisted 候补 / withdrawn 已退出")
    source: str
    rank: int | None
    waitlist_position: int | None


class AllocateIn(Schema):
    reason: str = Field("", description="第二次及以后抽签必填，记入审计日志")
    seed: str | None = Field(None, description="随机种子；省略则随机生成并记录")


class QualityOut(Schema):
    applicants: int
    assigned: int
    unassigned: int
    first_choice: int
    first_choice_share: float
    top3_share: float
    mean_best_rank: float | None
    seats_filled: int


class AllocationOut(Schema):
    id: int
    programme: int = Field(..., alias="programme_id")
    number: int
    seed: str
    algorithm: str
    inputs_digest: str
    reason: str
    run_at: dt.datetime
    published_at: dt.datetime | None
    lottery: QualityOut = Field(..., description="本次抽签的分配质量")
    fcfs: QualityOut = Field(..., description="同样输入按报名先后（先到先得）的对照结果")

    @staticmethod
    def resolve_lottery(obj):
        return obj.quality["lottery"]

    @staticmethod
    def resolve_fcfs(obj):
        return obj.quality["fcfs"]


class AllocationVerifyOut(Schema):
    allocation: int
    reproduced: bool = Field(..., description="用记录的种子和输入重新运行，结果完全一致")


class SessionOut(Schema):
    id: int
    course: int = Field(..., alias="course_id")
    course_name: str = Field(..., alias="course.name")
    kind: str = Field(..., alias="course.kind")
    date: dt.date
    start: ClockTime
    end: ClockTime
    status: str = Field(..., description="scheduled 待上课 / delivered 已上课 / cancelled 已取消")
    delivered_minutes: int


class AttendanceIn(Schema):
    pupil: Id
    mark: str = Field(..., description="present 出勤 / absent 缺勤 / leave 请假")
    note: str = ""
    pickup: str = Field("", description="guardian 家长接走 / authorised 委托人接走 / alone 自行离校"
                                        "（家长同意）/ care 转入延时托管或晚自习")
    picked_up_by: str = ""
    picked_up_at: dt.datetime | None = Field(None, description="省略则为提交时间")


class AttendanceBatchIn(Schema):
    records: list[AttendanceIn]


class AttendanceOut(Schema):
    pupil: int = Field(..., alias="pupil_id")
    pupil_name: str = Field(..., alias="pupil.name")
    mark: str
    note: str
    pickup: str
    picked_up_by: str
    picked_up_at: dt.datetime | None


class SessionDetailOut(SessionOut):
    roster: list[dict] = Field(..., description="本次课名单：pupil、name、school_class 与已登记的考勤")


class HoursRowOut(Schema):
    teacher: int
    name: str
    staff_no: str
    sessions: int
    minutes: int
    hours: float
    rate_fen_per_hour: int
    pay_fen: int


class HoursOut(Schema):
    school: int
    month: str
    rate_fen_per_hour: int
    total_minutes: int
    total_pay_fen: int
    rows: list[HoursRowOut]


class SurveyIn(Schema):
    programme: Id
    pupil: Id
    liking: int = Field(..., ge=1, le=5, description="孩子喜爱度 1–5")
    satisfaction: int = Field(..., ge=1, le=5, description="家长满意度 1–5")
    comment: str = ""


class SurveyOut(Schema):
    id: int
    programme: int = Field(..., alias="programme_id")
    pupil: int = Field(..., alias="pupil_id")
    liking: int
    satisfaction: int
    comment: str


class ParticipationOut(Schema):
    programme: int
    school: int
    school_name: str
    pupils: int
    enrolled: int
    menu_enrolled: int
    participation: float = Field(..., description="参与率：参加人数 / 服务年级学生数")
    teachers: int
    teachers_running: int
    teacher_participation: float
    responses: int
    liking: float | None = Field(None, description="学生喜爱度均值（1–5）")
    satisfaction: float | None = Field(None, description="家长满意度均值（1–5）")
    satisfied_share: float | None = Field(None, description="满意（4–5 分）占比")


PROGRAMMES = Programme.objects.select_related("school__bureau__parent", "term").prefetch_related(
    "slots")
COURSES = Course.objects.select_related("programme__school", "instructor")
SESSIONS = Session.objects.select_related("course__programme__school", "course__instructor")


# ---- programmes ------------------------------------------------------------------------------


@router.get("/programmes", response={200: list[ProgrammeOut], **READ_ERRORS},
            summary="课后服务方案列表（学校、家长可见本校方案）")
@paginate(LimitOffsetPagination)
def list_programmes(request, school: Id | None = None, term: Id | None = None,
                    status: str | None = None, kind: str | None = None):
    qs = visible(request.user, Programme).select_related("school").prefetch_related("slots")
    if school:
        qs = qs.filter(school_id=school)
    if term:
        qs = qs.filter(term_id=term)
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("-start", "school_id", "pk")


@router.post("/programmes", response={201: ProgrammeOut, **WRITE_ERRORS},
             summary="新建课后服务方案（时间表违反 AS-1、AS-2/AS-3、AS-7、AS-8 时 422，不保存）")
def create_programme(request, payload: ProgrammeIn):
    require(request.user, "create", Programme)
    school = get_for(request.user, School, payload.school,
                     queryset=School.objects.select_related("bureau__parent"))
    term = get_for(request.user, Term, payload.term)
    programme = services.create_programme(
        actor=request.user, school=school, term=term,
        slots=[s.dict() for s in payload.slots],
        **payload.dict(exclude={"school", "term", "slots"}))
    return Status(201, get_for(request.user, Programme, programme.pk, queryset=PROGRAMMES))


@router.get("/programmes/{int:programme_id}", response={200: ProgrammeOut, **READ_ERRORS},
            summary="课后服务方案详情（含时间表）")
def get_programme(request, programme_id: int):
    return get_for(request.user, Programme, programme_id, queryset=PROGRAMMES)


@router.put("/programmes/{int:programme_id}/timetable",
            response={200: ProgrammeOut, **WRITE_ERRORS},
            summary="替换时间表（重新检查 AS-1、AS-2/AS-3；已排课次随之调整）")
def replace_timetable(request, programme_id: int, payload: TimetableIn):
    programme = get_for(request.user, Programme, programme_id, "change", queryset=PROGRAMMES)
    services.replace_timetable(actor=request.user, programme=programme,
                               slots=[s.dict() for s in payload.slots])
    return get_for(request.user, Programme, programme_id, queryset=PROGRAMMES)


@router.post("/programmes/{int:programme_id}/open", response={200: ProgrammeOut, **WRITE_ERRORS},
             summary="开放报名（家长开始报名；按校历生成课次）")
def open_programme(request, programme_id: int):
    programme = get_for(request.user, Programme, programme_id, "change", queryset=PROGRAMMES)
    services.open_programme(actor=request.user, programme=programme)
    return get_for(request.user, Programme, programme_id, queryset=PROGRAMMES)


@router.post("/programmes/{int:programme_id}/allocate",
             response={201: AllocationOut, **WRITE_ERRORS},
             summary="菜单课程抽签（可复现的随机序列独裁；返回分配质量及先到先得对照）")
def allocate(request, programme_id: int, payload: AllocateIn):
    programme = get_for(request.user, Programme, programme_id, "allocate", queryset=PROGRAMMES)
    return Status(201, services.run_allocation(actor=request.user, programme=programme,
                                               reason=payload.reason, seed=payload.seed))


@router.get("/programmes/{int:programme_id}/allocations",
            response={200: list[AllocationOut], **READ_ERRORS}, summary="抽签记录")
@paginate(LimitOffsetPagination)
def list_allocations(request, programme_id: int):
    programme = get_for(request.user, Programme, programme_id, queryset=PROGRAMMES)
    return visible(request.user, Allocation).filter(programme=programme).order_by("number")


@router.post("/allocations/{int:allocation_id}/publish",
             response={200: AllocationOut, **WRITE_ERRORS},
             summary="公布抽签结果（录取与候补生效）")
def publish_allocation(request, allocation_id: int):
    run = get_for(request.user, Allocation, allocation_id, "publish",
                  queryset=Allocation.objects.select_related("programme"))
    return services.publish_allocation(actor=request.user, allocation=run)


@router.get("/allocations/{int:allocation_id}/verify", response={200: AllocationVerifyOut, **READ_ERRORS},
            summary="复核抽签：用记录的种子、输入和算法重新运行，结果是否一致")
def verify_allocation(request, allocation_id: int):
    run = get_for(request.user, Allocation, allocation_id)
    return {"allocation": run.pk, "reproduced": services.verify_allocation(run)}


@router.get("/programmes/{int:programme_id}/hours", response={200: HoursOut, **READ_ERRORS},
            summary="教师课后服务课时与补助（按月，AS-11；金额为分）")
def programme_hours(request, programme_id: int, month: str):
    programme = get_for(request.user, Programme, programme_id, "report",
                        queryset=PROGRAMMES)
    return {"school": programme.school_id,
            **services.teacher_hours(school=programme.school, month=month)}


@router.get("/participation", response={200: list[ParticipationOut], **READ_ERRORS},
            summary="参与率、教师参与率、学生喜爱度、家长满意度（QM-4；按方案）")
@paginate(LimitOffsetPagination)
def participation(request, term: Id | None = None, school: Id | None = None):
    require(request.user, "report", Programme)
    qs = visible(request.user, Programme).select_related("school")
    s = request.user.scope
    qs = qs.filter(Q(school_id__in=s.admin_school_ids) | Q(
        school__bureau_id__in=s.bureau_ids_for(Role.BUREAU_ADMIN, Role.INSPECTOR)))
    if term:
        qs = qs.filter(term_id=term)
    if school:
        qs = qs.filter(school_id=school)
    rows = services.participation(qs.order_by("school__name", "pk"))
    return [{**r, "programme": r["programme"].pk, "school": r["school"].pk,
             "school_name": r["school"].name} for r in rows]


# ---- instructors -------------------------------------------------------------------------------


@router.get("/instructors", response={200: list[InstructorOut], **READ_ERRORS},
            summary="课后服务授课人员（手机号脱敏）")
@paginate(LimitOffsetPagination)
def list_instructors(request, school: Id | None = None, status: str | None = None):
    qs = visible(request.user, Instructor)
    if school:
        qs = qs.filter(school_id=school)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("school_id", "kind", "name", "pk")


def _district_institution(school, institution_id):
    """An institution the school may bring in (AS-9): one licensed by the school's own district
    (or its city). School admins have no view of institutions (``Institution.ACCESS``), so
    ``get_for`` would answer 404 for every one; the lookup is scoped to the school's bureaus
    here instead, and anything outside them is 404 like a missing object."""
    from django.http import Http404

    bureaus = {school.bureau_id, school.bureau.parent_id} - {None}
    found = Institution.objects.filter(pk=institution_id, bureau_id__in=bureaus).first()
    if found is None:
        raise Http404
    return found


@router.post("/instructors", response={201: InstructorOut, **WRITE_ERRORS},
             summary="登记授课人员（校外人员须资质和背景审查，AS-9；待学校审核）")
def add_instructor(request, payload: InstructorIn):
    require(request.user, "create", Instructor)
    school = get_for(request.user, School, payload.school,
                     queryset=School.objects.select_related("bureau"))
    teacher = get_for(request.user, Teacher, payload.teacher) if payload.teacher else None
    institution = _district_institution(school, payload.institution) if payload.institution \
        else None
    return Status(201, services.add_instructor(
        actor=request.user, school=school, teacher=teacher, institution=institution,
        **payload.dict(exclude={"school", "teacher", "institution"})))


@router.post("/instructors/{int:instructor_id}/review",
             response={200: InstructorOut, **WRITE_ERRORS}, summary="审核校外授课人员")
def review_instructor(request, instructor_id: int, payload: ReviewDecisionIn):
    instructor = get_for(request.user, Instructor, instructor_id, "review")
    return services.review_instructor(actor=request.user, instructor=instructor,
                                      approve=payload.approve, note=payload.note)


# ---- courses -----------------------------------------------------------------------------------


@router.get("/courses", response={200: list[CourseOut], **READ_ERRORS},
            summary="课程列表（家长只看到已审核的菜单课程）")
@paginate(LimitOffsetPagination)
def list_courses(request, programme: Id | None = None, kind: str | None = None,
                 grade: Grade | None = None, review_status: str | None = None):
    qs = visible(request.user, Course).select_related("instructor")
    if not request.user.scope.has(*STAFF_VIEW):
        qs = qs.filter(review_status=Course.Review.APPROVED)  # guardians: what they can choose
    if programme:
        qs = qs.filter(programme_id=programme)
    if kind:
        qs = qs.filter(kind=kind)
    if review_status:
        qs = qs.filter(review_status=review_status)
    rows = qs.order_by("programme_id", "kind", "name", "pk")
    if grade:
        return [c for c in rows if grade in c.grades]
    return rows


@router.post("/courses", response={201: CourseOut, **WRITE_ERRORS},
             summary="新增菜单课程（时间须在第二时段内；收费须在开放报名前公示，AS-10）")
def add_course(request, payload: CourseIn):
    require(request.user, "create", Course)
    programme = get_for(request.user, Programme, payload.programme, "change",
                        queryset=PROGRAMMES)
    instructor = (get_for(request.user, Instructor, payload.instructor)
                  if payload.instructor else None)
    duty = get_for(request.user, Teacher, payload.duty_teacher) if payload.duty_teacher else None
    return Status(201, services.add_course(
        actor=request.user, programme=programme, instructor=instructor, duty_teacher=duty,
        **payload.dict(exclude={"programme", "instructor", "duty_teacher"})))


@router.get("/courses/{int:course_id}", response={200: CourseOut, **READ_ERRORS},
            summary="课程详情")
def get_course(request, course_id: int):
    return get_for(request.user, Course, course_id, queryset=COURSES)


@router.patch("/courses/{int:course_id}", response={200: CourseOut, **WRITE_ERRORS},
              summary="修改课程（报名开始后不得提高收费，AS-10；容量不少于已录取人数）")
def change_course(request, course_id: int, payload: CoursePatch):
    course = get_for(request.user, Course, course_id, "change", queryset=COURSES)
    return services.change_course(actor=request.user, course=course, **payload.dict())


@router.post("/courses/{int:course_id}/review", response={200: CourseOut, **WRITE_ERRORS},
             summary="审核课程（讲新课、补课、刷题不予通过 AS-6；授课人员须已审核 AS-9）")
def review_course(request, course_id: int, payload: ReviewDecisionIn):
    course = get_for(request.user, Course, course_id, "review", queryset=COURSES)
    return services.review_course(actor=request.user, course=course, approve=payload.approve,
                                  note=payload.note)


# ---- applications and enrolments ----------------------------------------------------------------


APPLICATIONS = Application.objects.prefetch_related("choices")


@router.get("/applications", response={200: list[ApplicationOut], **READ_ERRORS},
            summary="报名列表（家长只看到自己孩子的）")
@paginate(LimitOffsetPagination)
def list_applications(request, programme: Id | None = None, pupil: Id | None = None,
                      status: str | None = None):
    qs = visible(request.user, Application).prefetch_related("choices")
    if programme:
        qs = qs.filter(programme_id=programme)
    if pupil:
        qs = qs.filter(pupil_id=pupil)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("submitted_at", "pk")


@router.post("/applications", response={201: ApplicationOut, **WRITE_ERRORS},
             summary="家长为孩子报名（或修改报名）：基本服务报名即录取，菜单课程按志愿抽签（AS-4、AS-12）")
def apply(request, payload: ApplicationIn):
    require(request.user, "create", Application)
    pupil = get_for(request.user, Pupil, payload.pupil,
                    queryset=Pupil.objects.select_related("school_class", "school"))
    programme = get_for(request.user, Programme, payload.programme, queryset=PROGRAMMES)
    app = services.apply(actor=request.user, programme=programme, pupil=pupil,
                         **payload.dict(exclude={"pupil", "programme"}))
    return Status(201, get_for(request.user, Application, app.pk, queryset=APPLICATIONS))


@router.delete("/applications/{int:application_id}", response={204: None, **WRITE_ERRORS},
               summary="撤回报名（退出全部课程，空出的名额由候补递补）")
def withdraw_application(request, application_id: int):
    app = get_for(request.user, Application, application_id, "change")
    services.withdraw_application(actor=request.user, application=app)
    return Status(204, None)


@router.get("/enrolments", response={200: list[EnrolmentOut], **READ_ERRORS},
            summary="录取与候补名单")
@paginate(LimitOffsetPagination)
def list_enrolments(request, course: Id | None = None, pupil: Id | None = None,
                    status: str | None = None):
    qs = visible(request.user, Enrolment).select_related("course", "pupil")
    if course:
        qs = qs.filter(course_id=course)
    if pupil:
        qs = qs.filter(pupil_id=pupil)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("course_id", "status", "waitlist_position", "pupil__name", "pk")


@router.post("/enrolments/{int:enrolment_id}/withdraw",
             response={200: EnrolmentOut, **WRITE_ERRORS},
             summary="退出一门课程或候补（名额由候补递补）")
def withdraw_enrolment(request, enrolment_id: int):
    enrolment = get_for(request.user, Enrolment, enrolment_id, "withdraw",
                        queryset=Enrolment.objects.select_related("course", "pupil"))
    return services.withdraw_enrolment(actor=request.user, enrolment=enrolment)


# ---- sessions and attendance ------------------------------------------------------------------


@router.get("/sessions", response={200: list[SessionOut], **READ_ERRORS},
            summary="课次（教师看到自己负责的；按日期、课程筛选）")
@paginate(LimitOffsetPagination)
def list_sessions(request, date: dt.date | None = None, course: Id | None = None,
                  programme: Id | None = None, status: str | None = None):
    qs = visible(request.user, Session).select_related("course")
    if date:
        qs = qs.filter(date=date)
    if course:
        qs = qs.filter(course_id=course)
    if programme:
        qs = qs.filter(course__programme_id=programme)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("date", "start", "course_id", "pk")


def _detail(session):
    marks = {a.pupil_id: a for a in session.attendance.all()}
    pupils = Pupil.objects.filter(pk__in=services.roster(session)).select_related(
        "school_class").order_by("school_class__grade", "school_class__number", "name")
    session.roster = [
        {"pupil": p.pk, "name": p.name, "school_class": str(p.school_class),
         "mark": marks[p.pk].mark if p.pk in marks else None,
         "pickup": marks[p.pk].pickup if p.pk in marks else "",
         "picked_up_by": marks[p.pk].picked_up_by if p.pk in marks else "",
         "picked_up_at": marks[p.pk].picked_up_at.isoformat()
         if p.pk in marks and marks[p.pk].picked_up_at else None}
        for p in pupils]
    return session


@router.get("/sessions/{int:session_id}", response={200: SessionDetailOut, **READ_ERRORS},
            summary="课次详情与点名名单")
def get_session(request, session_id: int):
    return _detail(get_for(request.user, Session, session_id, queryset=SESSIONS))


@router.post("/sessions/{int:session_id}/attendance",
             response={200: SessionDetailOut, **WRITE_ERRORS},
             summary="点名与接送登记（出勤/缺勤/请假；接走人与时间）")
def record_attendance(request, session_id: int, payload: AttendanceBatchIn):
    session = get_for(request.user, Session, session_id, "attend", queryset=SESSIONS)
    if not payload.records:
        raise RuleViolation("required", "请至少登记一名学生。", "records")
    services.record_attendance(actor=request.user, session=session,
                               records=[r.dict() for r in payload.records])
    return _detail(get_for(request.user, Session, session_id, queryset=SESSIONS))


@router.get("/unpicked", response={200: list[AttendanceOut], **READ_ERRORS},
            summary="课后服务结束后未登记接走的学生（班主任跟进）")
@paginate(LimitOffsetPagination)
def list_unpicked(request):
    return list(services.unpicked(visible(request.user, Attendance)))


# ---- satisfaction ------------------------------------------------------------------------------


@router.post("/surveys", response={201: SurveyOut, **WRITE_ERRORS},
             summary="家长填写满意度（孩子喜爱度、家长满意度；只做汇总统计）")
def answer_survey(request, payload: SurveyIn):
    pupil = get_for(request.user, Pupil, payload.pupil)
    programme = get_for(request.user, Programme, payload.programme)
    return Status(201, services.answer_survey(
        actor=request.user, programme=programme, pupil=pupil, liking=payload.liking,
        satisfaction=payload.satisfaction, comment=payload.comment))
