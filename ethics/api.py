"""Teacher ethics API (/api/v1/ethics/): the negative list, cases, investigation steps and
transitions. Restricted: the district's ethics officers and the teacher's principal only; every
read of a case is logged."""

import datetime as dt

from django.http import Http404
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from api.pagination import LimitOffsetPagination
from api.schemas import READ_ERRORS, WRITE_ERRORS
from core.access import get_for, require, visible
from ethics import services
from ethics.models import PAID_TUTORING, Case, NegativeItem
from institutions.models import TeacherMatch
from org.models import Teacher

router = Router(tags=["师德师风"])

CASES = Case.objects.select_related("teacher", "school").prefetch_related("steps")


class EthicsItemOut(Schema):
    code: str
    label: str
    paid_tutoring: bool


class EthicsCaseIn(Schema):
    teacher: int = Field(..., ge=1, le=2_147_483_647)
    category: str = Field(..., description="负面清单条目（GET /ethics/negative-list）")
    source: str = Field(..., description="complaint / staff_match / inspection / undercover / "
                                         "media / other")
    source_ref: str = Field("", max_length=60, description="投诉跟踪码等")
    summary: str = Field(..., max_length=4000)


class EthicsFromMatchIn(Schema):
    summary: str = Field("", max_length=4000)


class EthicsStepIn(Schema):
    kind: str = Field(..., description="interview / evidence / visit / note")
    on: dt.date
    note: str = Field(..., max_length=4000)


class EthicsMoveIn(Schema):
    to: str = Field(..., description="investigating / concluded / dismissed / closed")
    note: str = Field("", max_length=4000)
    finding: str = Field("", description="concluded：founded / partly / unfounded")
    sanction: str = Field("", description="concluded：none / criticism / admonition / "
                                          "self_examination / public_criticism / disqualification "
                                          "/ administrative / dismissal（PN-8）")
    decision: str = Field("", max_length=4000)


class EthicsStepOut(Schema):
    kind: str
    on: dt.date
    note: str
    from_status: str
    to_status: str
    at: dt.datetime


class EthicsCaseOut(Schema):
    id: int
    number: str
    teacher: int = Field(..., alias="teacher_id")
    teacher_name: str = Field(..., alias="teacher.name")
    school: int = Field(..., alias="school_id")
    school_name: str = Field(..., alias="school.name")
    category: str
    source: str
    source_ref: str
    summary: str
    status: str
    finding: str
    sanction: str
    decision: str
    opened_at: dt.datetime
    concluded_at: dt.datetime | None
    steps: list[EthicsStepOut]

    @staticmethod
    def resolve_steps(obj):
        return list(obj.steps.all())


@router.get("/negative-list", response={200: list[EthicsItemOut], **READ_ERRORS},
            summary="师德负面清单（PN-8 六个严禁中的教师条目及师德红线）")
def negative_list(request):
    require(request.user, "view", Case)
    return [{"code": code, "label": label, "paid_tutoring": code in PAID_TUTORING}
            for code, label in NegativeItem.choices]


@router.get("/cases", response={200: list[EthicsCaseOut], **READ_ERRORS},
            summary="师德案件（师德师风专员：本区；校长：本校教师）")
@paginate(LimitOffsetPagination)
def list_cases(request, status: str | None = None, category: str | None = None):
    qs = visible(request.user, Case).select_related("teacher", "school").prefetch_related("steps")
    if status:
        qs = qs.filter(status=status)
    if category:
        qs = qs.filter(category=category)
    return qs


@router.post("/cases", response={201: EthicsCaseOut, **WRITE_ERRORS},
             summary="立案（师德师风专员）")
def open_case(request, payload: EthicsCaseIn):
    require(request.user, "open", Case)
    # Ethics officers reach the teachers of their district's schools (not their pupils).
    teacher = Teacher.objects.select_related("school").filter(
        pk=payload.teacher, school__bureau_id__in=request.user.scope.bureau_ids_for(
            *Case.ACCESS["open"])).first()
    if teacher is None:
        raise Http404
    case = services.open_case(actor=request.user, teacher=teacher, category=payload.category,
                              source=payload.source, summary=payload.summary,
                              source_ref=payload.source_ref)
    return Status(201, CASES.get(pk=case.pk))


@router.post("/cases/from-match/{int:match_id}", response={201: EthicsCaseOut, **WRITE_ERRORS},
             summary="由监管科核实的在职教师比对线索立案（TT-2、PN-8）")
def open_from_match(request, match_id: int, payload: EthicsFromMatchIn):
    require(request.user, "open", Case)
    match = get_for(request.user, TeacherMatch, match_id)
    case = services.open_from_match(actor=request.user, match=match, summary=payload.summary)
    return Status(201, CASES.get(pk=case.pk))


@router.get("/cases/{int:case_id}", response={200: EthicsCaseOut, **READ_ERRORS},
            summary="案件详情（查看即记入审计日志）")
def get_case(request, case_id: int):
    case = get_for(request.user, Case, case_id, queryset=CASES)
    return services.read_case(actor=request.user, case=case)


@router.post("/cases/{int:case_id}/steps", response={201: EthicsCaseOut, **WRITE_ERRORS},
             summary="添加调查记录（师德师风专员、该教师所在学校校长）")
def add_step(request, case_id: int, payload: EthicsStepIn):
    case = get_for(request.user, Case, case_id, "investigate")
    services.add_step(actor=request.user, case=case, kind=payload.kind, on=payload.on,
                      note=payload.note)
    return Status(201, CASES.get(pk=case.pk))


@router.post("/cases/{int:case_id}/move", response={200: EthicsCaseOut, **WRITE_ERRORS},
             summary="变更状态：调查、作出处理（结论、处理方式、决定）、不予立案、结案")
def move(request, case_id: int, payload: EthicsMoveIn):
    case = get_for(request.user, Case, case_id, "decide")
    services.move(actor=request.user, case=case, **payload.dict())
    return CASES.get(pk=case.pk)
