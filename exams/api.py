"""API for exams and tests: filing, changes, withdrawal, recording levels, a pupil's levels.

There is deliberately no endpoint that lists the results of a class or grade, and none that
sorts or ranks them (EX-9): levels are written in bulk by the school and read one pupil at a
time, by that pupil's guardians or the school staff in scope.
"""

import datetime as dt
from typing import Annotated

from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from api.pagination import LimitOffsetPagination
from api.schemas import READ_ERRORS, WRITE_ERRORS
from core.access import get_for, require, visible
from core.errors import RuleViolation
from exams import services
from exams.models import Exam, ExamResult
from org.models import Pupil, School, SchoolClass

router = Router(tags=["考试与测试"])

# Ids and grades are bounded, so that an absurd number is a 422, not a database overflow.
Id = Annotated[int, Field(ge=1, le=2_147_483_647)]
Grade = Annotated[int, Field(ge=1, le=9)]

KINDS = ("final 期末考试 / midterm 期中考试（仅初中）/ mock 模拟考试（仅九年级）/ quiz 测验、限时练习 / "
         "other 其他；weekly 周考、monthly 月考、unit 单元考试一律拒绝（EX-5）")
LEVELS = "等级代码 A 优秀 / B 良好 / C 合格 / D 待合格（也可填写中文等级名）；不接受分数（EX-8）"


class ExamIn(Schema):
    school: Id | None = Field(None, description="学校；为班级测验时可省略（取班级所在学校）")
    grade: Grade | None = Field(None, description="年级 1–9；为班级测验时可省略（取班级年级）")
    school_class: Id | None = Field(None, description="班级：仅任课教师为本班备案的测验填写")
    subjects: list[str] = Field(..., description="学科代码列表，如 [\"maths\", \"chinese\"]")
    kind: str = Field(..., description=KINDS)
    paper_based: bool = Field(True, description="是否为纸笔考试（一二年级不得纸笔考试，EX-1）")
    scope: str = Field("school", description="school 校内 / regional 区域性 / inter_school 跨校际"
                                             "（后两者仅限九年级，EX-4）")
    date: dt.date
    title: str
    note: str = ""


class ExamPatch(Schema):
    title: str | None = None
    date: dt.date | None = None
    kind: str | None = None
    paper_based: bool | None = None
    scope: str | None = None
    subjects: list[str] | None = None
    note: str | None = None


class ExamOut(Schema):
    id: int
    school: int = Field(..., alias="school_id")
    school_name: str = Field(..., alias="school.name")
    grade: int
    school_class: int | None = Field(None, alias="school_class_id")
    subjects: list[str]
    kind: str
    kind_label: str
    paper_based: bool
    scope: str
    date: dt.date
    term: int = Field(..., alias="term_id")
    term_name: str = Field(..., description="如 2026-2027学年第一学期")
    title: str
    note: str
    status: str = Field(..., description="filed 已备案 / withdrawn 已撤回")

    @staticmethod
    def resolve_kind_label(obj):
        return obj.get_kind_display()

    @staticmethod
    def resolve_term_name(obj):
        return str(obj.term)


class ResultIn(Schema):
    pupil: Id
    subject: str | None = Field(None, description="学科代码；考试只有一个学科时可省略")
    level: str | int | float | None = Field(None, description=LEVELS)
    score: float | None = Field(None, description="不接受：填写即拒绝（EX-8）")


class ResultsIn(Schema):
    results: list[ResultIn]


class RecordedOut(Schema):
    exam: int
    recorded: int = Field(..., description="本次提交的等级条数")
    created: int
    changed: int


class ResultOut(Schema):
    exam: int = Field(..., alias="exam_id")
    exam_title: str = Field(..., alias="exam.title")
    kind: str = Field(..., alias="exam.kind")
    date: dt.date = Field(..., alias="exam.date")
    pupil: int = Field(..., alias="pupil_id")
    subject: str
    subject_name: str
    level: str = Field(..., description="A / B / C / D")
    level_label: str = Field(..., description="优秀 / 良好 / 合格 / 待合格")


EXAMS = Exam.objects.select_related("school__bureau__parent", "school_class", "term")


@router.get("", response={200: list[ExamOut], **READ_ERRORS}, summary="考试备案列表")
@paginate(LimitOffsetPagination)
def list_exams(request, school: Id | None = None, grade: Grade | None = None,
               kind: str | None = None, term: Id | None = None, include_withdrawn: bool = False):
    qs = visible(request.user, Exam).select_related("school", "term").order_by("date", "grade", "pk")
    if not include_withdrawn:
        qs = qs.filed()
    if school:
        qs = qs.filter(school_id=school)
    if grade:
        qs = qs.filter(grade=grade)
    if kind:
        qs = qs.filter(kind=kind)
    if term:
        qs = qs.filter(term_id=term)
    return qs


@router.post("", response={201: ExamOut, **WRITE_ERRORS},
             summary="考试备案（违反 EX-1 至 EX-6 时返回 422 及规则编号，不保存）")
def file_exam(request, payload: ExamIn):
    require(request.user, "create", Exam)
    school_class = None
    if payload.school_class is not None:
        school_class = get_for(request.user, SchoolClass, payload.school_class,
                               queryset=SchoolClass.objects.select_related("school"))
    school_id = payload.school or (school_class.school_id if school_class else None)
    if school_id is None:
        raise RuleViolation("required", "请指定学校。", "school")
    school = get_for(request.user, School, school_id,
                     queryset=School.objects.select_related("bureau__parent"))
    exam = services.file_exam(actor=request.user, school=school, school_class=school_class,
                              **payload.dict(exclude={"school", "school_class"}))
    return Status(201, exam)


@router.get("/results", response={200: list[ResultOut], **READ_ERRORS},
            summary="一名学生的考试等级（本人家长及管辖范围内的学校人员；不排名、不公布）")
@paginate(LimitOffsetPagination)
def list_exam_results(request, pupil: Id):
    target = get_for(request.user, Pupil, pupil)
    return visible(request.user, ExamResult).filter(pupil=target).select_related(
        "exam").order_by("-exam__date", "exam_id", "subject")


@router.get("/{int:exam_id}", response={200: ExamOut, **READ_ERRORS}, summary="考试详情")
def get_exam(request, exam_id: int):
    return get_for(request.user, Exam, exam_id, queryset=EXAMS)


@router.patch("/{int:exam_id}", response={200: ExamOut, **WRITE_ERRORS},
              summary="修改考试（考试日期之前；规则重新检查）")
def update_exam(request, exam_id: int, payload: ExamPatch):
    exam = get_for(request.user, Exam, exam_id, "change", queryset=EXAMS)
    return services.change_exam(actor=request.user, exam=exam, **payload.dict())


@router.delete("/{int:exam_id}", response={204: None, **WRITE_ERRORS},
               summary="撤回考试备案（考试日期之前）")
def withdraw_exam(request, exam_id: int):
    exam = get_for(request.user, Exam, exam_id, "change", queryset=EXAMS)
    services.withdraw_exam(actor=request.user, exam=exam)
    return Status(204, None)


@router.post("/{int:exam_id}/results", response={200: RecordedOut, **WRITE_ERRORS},
             summary="录入（或更正）学生等级（批量；只收等级，不收分数，EX-8）")
def record_exam_results(request, exam_id: int, payload: ResultsIn):
    exam = get_for(request.user, Exam, exam_id, "record", queryset=EXAMS)
    counts = services.record_results(actor=request.user, exam=exam,
                                     results=[r.dict() for r in payload.results])
    return {"exam": exam.pk, **counts}
