"""All-staff mentoring API (/api/v1/mentoring/): plans, assignments (by hand or automatic),
the three tasks, restricted notes, the "needs attention" flag and completion figures."""

import datetime as dt

from django.db.models import Count, Q
from django.http import Http404
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from api.pagination import LimitOffsetPagination
from api.schemas import READ_ERRORS, WRITE_ERRORS
from core.access import get_for, require, visible
from mentoring import services
from mentoring.models import Mentorship, Plan, Task
from org.models import Pupil, School, Teacher
from schoolcal.models import Term

router = Router(tags=["全员导师制"])

Id = Field(..., ge=1, le=2_147_483_647)


class MentoringPlanIn(Schema):
    school: int = Id
    term: int = Id
    grades: list[int] = Field(..., description="覆盖的年级（MT-1）")


class MentoringCoverageOut(Schema):
    pupils: int
    with_mentor: int
    without: int
    mentors: int
    max_load: int
    over_max: int
    flagged: int = Field(..., description="标记需要关注的学生数")


class MentoringCompletionOut(Schema):
    pupils: int
    complete: int = Field(..., description="三项任务均已完成的学生数")
    rate: float
    home_visit: int
    talk: int
    written_feedback: int


class MentoringPlanOut(Schema):
    id: int
    school: int = Field(..., alias="school_id")
    term: int = Field(..., alias="term_id")
    grades: list[int]
    max_pupils: int
    coverage: MentoringCoverageOut
    completion: MentoringCompletionOut

    @staticmethod
    def resolve_coverage(obj):
        return services.coverage(obj)

    @staticmethod
    def resolve_completion(obj):
        return services.completion(list(obj.mentorships.filter(ended_at__isnull=True)))[1]


class MentoringAssignIn(Schema):
    pupil: int = Id
    mentor: int = Id


class MentoringAutoOut(Schema):
    assigned: int
    unassigned: int = Field(..., description="无导师可分配（均已达上限）的学生数")


class MentorshipOut(Schema):
    id: int
    plan: int = Field(..., alias="plan_id")
    pupil: int = Field(..., alias="pupil_id")
    pupil_name: str = Field(..., alias="pupil.name")
    mentor: int = Field(..., alias="mentor_id")
    mentor_name: str = Field(..., alias="mentor.name")
    needs_attention: bool | None = Field(
        None, description="需要关注；仅导师、班主任、心理健康教师可见，其他人为 null")
    done: dict[str, int] = Field(..., description="各项任务完成次数（不含记录内容）")

    @staticmethod
    def resolve_needs_attention(obj, context):
        scope = context["request"].user.scope
        return obj.needs_attention if obj.sees_records(scope) else None

    @staticmethod
    def resolve_done(obj):
        return {k: getattr(obj, f"n_{k}", 0) for k in services.KINDS}


class MentoringTaskIn(Schema):
    kind: str = Field(..., description="home_visit 家访 / talk 交心谈话 / written_feedback 书面反馈")
    on: dt.date
    record: str = Field(..., max_length=1000)
    shared_with_family: bool = Field(False, description="书面反馈可让家长看到")


class MentoringTaskOut(Schema):
    id: int
    kind: str
    on: dt.date
    record: str
    shared_with_family: bool


class MentoringNoteIn(Schema):
    text: str = Field(..., max_length=2000)


class MentoringNoteOut(Schema):
    id: int
    text: str
    created_at: dt.datetime


class MentoringFlagIn(Schema):
    needs_attention: bool
    reason: str = Field("", max_length=300)


class MentoringRecordsOut(Schema):
    tasks: list[MentoringTaskOut]
    notes: list[MentoringNoteOut]


def _with_counts(qs):
    return qs.select_related("pupil", "mentor", "plan").annotate(**{
        f"n_{k}": Count("tasks", filter=Q(tasks__kind=k)) for k in services.KINDS})


@router.get("/plans", response={200: list[MentoringPlanOut], **READ_ERRORS},
            summary="导师制方案（含覆盖率与三项任务完成情况）")
@paginate(LimitOffsetPagination)
def list_plans(request, school: int | None = None):
    qs = visible(request.user, Plan).select_related("school", "term")
    if school:
        qs = qs.filter(school_id=school)
    return qs


@router.post("/plans", response={201: MentoringPlanOut, **WRITE_ERRORS},
             summary="制定本学期导师制方案（学校管理员）")
def create_plan(request, payload: MentoringPlanIn):
    require(request.user, "manage", Plan)
    school = get_for(request.user, School, payload.school)
    term = get_for(request.user, Term, payload.term)
    return Status(201, services.create_plan(actor=request.user, school=school, term=term,
                                            grades=payload.grades))


@router.post("/plans/{int:plan_id}/assign", response={201: MentorshipOut, **WRITE_ERRORS},
             summary="指定导师；导师已满 15 名 422 MT-3（上限见 mt.max_pupils_per_mentor）")
def assign(request, plan_id: int, payload: MentoringAssignIn):
    plan = get_for(request.user, Plan, plan_id, "manage")
    pupil = get_for(request.user, Pupil, payload.pupil)
    mentor = Teacher.objects.filter(pk=payload.mentor, school_id=plan.school_id).first()
    if mentor is None:
        raise Http404
    mentorship = services.assign(actor=request.user, plan=plan, pupil=pupil, mentor=mentor)
    return Status(201, _with_counts(Mentorship.objects.filter(pk=mentorship.pk)).get())


@router.post("/plans/{int:plan_id}/auto-assign", response={200: MentoringAutoOut, **WRITE_ERRORS},
             summary="自动分配：班主任优先带本班学生，其余由任课教师、再由其他教师均衡分担")
def auto_assign(request, plan_id: int):
    plan = get_for(request.user, Plan, plan_id, "manage")
    assigned, unassigned = services.assign_automatically(actor=request.user, plan=plan)
    return {"assigned": assigned, "unassigned": unassigned}


@router.get("/mentorships", response={200: list[MentorshipOut], **READ_ERRORS},
            summary="导师关系：导师看本人学生，班主任看本班，家长看孩子的导师；mine=true 只看本人所带")
@paginate(LimitOffsetPagination)
def list_mentorships(request, plan: int | None = None, mine: bool = False,
                     needs_attention: bool | None = None):
    qs = visible(request.user, Mentorship).current()
    if plan:
        qs = qs.filter(plan_id=plan)
    if mine:
        qs = qs.filter(mentor_id=request.user.scope.teacher_id or 0)
    if needs_attention is not None:  # only among the pupils whose flag the user may know
        qs = qs.filter(needs_attention=needs_attention).filter(
            pk__in=Mentorship.objects.restricted_to(request.user).values("pk"))
    return _with_counts(qs).order_by("pupil__school_class_id", "pupil_id")


@router.post("/mentorships/{int:mentorship_id}/tasks",
             response={201: MentoringTaskOut, **WRITE_ERRORS},
             summary="导师登记家访、交心谈话或书面反馈（MT-2）")
def record_task(request, mentorship_id: int, payload: MentoringTaskIn):
    mentorship = get_for(request.user, Mentorship, mentorship_id, "record")
    return Status(201, services.record_task(actor=request.user, mentorship=mentorship,
                                            **payload.dict()))


@router.post("/mentorships/{int:mentorship_id}/notes",
             response={201: MentoringNoteOut, **WRITE_ERRORS},
             summary="受限记录（仅导师、班主任、心理健康教师可写可读）")
def add_note(request, mentorship_id: int, payload: MentoringNoteIn):
    mentorship = get_for(request.user, Mentorship, mentorship_id)
    return Status(201, services.add_note(actor=request.user, mentorship=mentorship,
                                         text=payload.text))


@router.get("/mentorships/{int:mentorship_id}/records",
            response={200: MentoringRecordsOut, **READ_ERRORS},
            summary="任务记录与受限记录（仅导师、班主任、心理健康教师；查看记入审计日志）")
def records(request, mentorship_id: int):
    mentorship = get_for(request.user, Mentorship, mentorship_id)
    tasks, notes = services.read_records(actor=request.user, mentorship=mentorship)
    return {"tasks": tasks, "notes": notes}


@router.post("/mentorships/{int:mentorship_id}/flag", response={200: MentorshipOut,
                                                                **WRITE_ERRORS},
             summary="标记或取消“需要关注”（送达心理健康教师）")
def flag(request, mentorship_id: int, payload: MentoringFlagIn):
    mentorship = get_for(request.user, Mentorship, mentorship_id, "flag",
                         queryset=Mentorship.objects.select_related("plan", "pupil"))
    services.flag(actor=request.user, mentorship=mentorship, **payload.dict())
    return _with_counts(Mentorship.objects.filter(pk=mentorship.pk)).get()


@router.get("/mentorships/{int:mentorship_id}/feedback",
            response={200: list[MentoringTaskOut], **READ_ERRORS},
            summary="导师给家长的书面反馈（成长寄语；家长可见的部分）")
def family_feedback(request, mentorship_id: int):
    mentorship = get_for(request.user, Mentorship, mentorship_id)
    return list(Task.objects.filter(mentorship=mentorship, shared_with_family=True))
