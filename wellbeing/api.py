"""Five managements and burden monitoring API (/api/v1/wellbeing/): school settings checked
against SL-2, PE-1, PE-2/PE-3, PH-1, PH-2; reading lists (RD-1, RD-2); surveys, guardians'
answers (once per child, anonymous) and aggregated results with small groups suppressed; the
termly burden report (QM-1, QM-3) and its publication.

Schema names start with ``Wellbeing`` (OpenAPI component names are project-wide)."""

import datetime as dt
from typing import Annotated

from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import PlainSerializer, WithJsonSchema

from api.pagination import LimitOffsetPagination
from api.schemas import READ_ERRORS, WRITE_ERRORS
from core.access import get_for, require, visible
from core.errors import RuleViolation
from org.models import Pupil, School
from policy.services import Policy
from schoolcal.models import Term
from wellbeing import aggregates, burden, compliance, services
from wellbeing.models import (
    BurdenPublication,
    ReadingList,
    SchoolSettings,
    Survey,
    SurveyAnswer,
    SurveyReceipt,
)
from wellbeing.page_helpers import overseen_schools

router = Router(tags=["五项管理与课业负担监测"])

Id = Annotated[int, Field(ge=1, le=2_147_483_647)]
Grade = Annotated[int, Field(ge=1, le=9)]
ClockTime = Annotated[
    dt.time,
    PlainSerializer(lambda t: t.strftime("%H:%M"), return_type=str),
    WithJsonSchema({"type": "string", "pattern": r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$",
                    "examples": ["08:20"]}),
]
Minutes = Annotated[int, Field(ge=0, le=720)]


# ---- schemas -----------------------------------------------------------------------------------


class WellbeingCheckOut(Schema):
    rule: str = Field(..., description="规则编号，如 SL-2、PE-1、PH-1")
    label: str
    value: str = Field(..., description="学校填报的值")
    required: str = Field(..., description="本区要求（国家标准或本区从严设置）")
    ok: bool | None = Field(..., description="true 符合 / false 不符合 / null 未填写或进行中")
    stricter: bool = Field(..., description="本区取值比国家标准更严格")


class WellbeingSettingsIn(Schema):
    class_start_primary: ClockTime | None = Field(None, description="小学部上午第一节课开始时间（SL-2）")
    class_start_junior: ClockTime | None = Field(None, description="初中部上午第一节课开始时间（SL-2）")
    early_arrival_required: bool = Field(False, description="要求学生提前到校参加统一活动（SL-2）")
    pe_lessons: dict[str, int] = Field(..., description="各年级每周体育课时（PE-1），如 {\"1\": 4}",
                                       examples=[{"1": 4, "2": 4, "3": 3}])
    big_break_minutes: Minutes = Field(..., description="大课间时长（PE-2）")
    break_minutes: Minutes = Field(..., description="课间休息时长（PE-3）")
    in_school_activity_minutes: Minutes = Field(..., description="每天校内体育活动时间（PE-2）")
    phone_default: str = Field(..., description="not_allowed 原则上不得带入校园 / allowed 允许（PH-1）")
    phone_consent_required: bool = False
    phone_kept_by_school: bool = False
    phone_banned_in_class: bool = False
    public_phone: bool = Field(False, description="PH-2")
    head_teacher_hotline: bool = False
    e_student_card: bool = False
    other_channel: str = ""


class WellbeingSettingsOut(Schema):
    school: int
    school_name: str
    term: int
    filled: bool
    settings: dict | None = Field(None, description="学校填报的内容；未填写时为 null")
    compliant: bool = Field(..., description="全部检查项均符合")
    checks: list[WellbeingCheckOut]


class WellbeingComplianceOut(Schema):
    school: int
    school_name: str
    stage: str
    by_rule: dict[str, bool | None] = Field(
        ..., description="每条规则：true 符合 / false 不符合 / null 未填写")
    ok: int
    failed: int
    missing: int
    compliant: bool


class WellbeingReadingIn(Schema):
    school: Id
    school_year: str = Field(..., examples=["2026-2027"])
    title: str
    grades: list[Grade]
    books: str = Field(..., description="每行一本：书名 / 作者 / 出版社")
    purchase: str = Field("voluntary", description=(
        "voluntary 家长自愿购买 / school_bulk 学校统一组织购买 / required 要求购买（RD-2）"))
    disclosed_to_parents: bool = Field(False, description="推荐书目已向家长公开（RD-2）")


class WellbeingReadingPatch(Schema):
    title: str | None = None
    grades: list[Grade] | None = None
    books: str | None = None
    purchase: str | None = None
    disclosed_to_parents: bool | None = None


class WellbeingAdvanceIn(Schema):
    to: str = Field(..., description="reviewed 审核 / confirmed 确认 / filed 备案（RD-1，依次进行）")
    negative_list_checked: bool = Field(False, description="审核时须确认不含 12 种负面情形")
    note: str = ""


class WellbeingStepOut(Schema):
    status: str
    note: str
    at: dt.datetime


class WellbeingReadingOut(Schema):
    id: int
    school: int = Field(..., alias="school_id")
    school_year: str
    title: str
    grades: list[int]
    books: list[str] = Field(..., alias="book_lines")
    status: str = Field(..., description="selected 初选 / reviewed 审核 / confirmed 确认 / filed 备案")
    negative_list_checked: bool
    purchase: str
    disclosed_to_parents: bool
    steps: list[WellbeingStepOut]

    @staticmethod
    def resolve_steps(obj):
        return list(obj.steps.all())


class WellbeingSurveyIn(Schema):
    school: Id
    term: Id
    closes_on: dt.date


class WellbeingSurveyOut(Schema):
    id: int
    school: int = Field(..., alias="school_id")
    school_name: str = Field(..., alias="school.name")
    term: int = Field(..., alias="term_id")
    status: str = Field(..., description="open 填写中 / closed 已结束")
    opens_on: dt.date
    closes_on: dt.date
    answer_count: int


class WellbeingAnswerIn(Schema):
    pupil: Id
    bedtime: ClockTime = Field(..., description="上学日通常入睡时间")
    wake_time: ClockTime = Field(..., description="上学日通常起床时间")
    homework_minutes: Minutes = Field(..., description="每天在家完成书面作业用时")
    homework_done_by: ClockTime | None = Field(None, description="书面作业通常完成时刻")
    phone_to_school: bool
    screen_minutes: Minutes
    reading_minutes: Minutes
    compulsory_purchase: bool = Field(..., description="学校要求或统一组织购买课外读物")
    pe_in_school_minutes: Minutes
    pe_out_school_minutes: Minutes
    burden: int = Field(..., ge=1, le=5, description="课业负担感受 1 很轻 – 5 很重")
    subject_training: bool = Field(..., description="参加学科类校外培训")


class WellbeingReceiptOut(Schema):
    id: int
    survey: int = Field(..., alias="survey_id")
    pupil: int = Field(..., alias="pupil_id")
    answered_at: dt.datetime


class WellbeingMySurveyOut(Schema):
    survey: int
    school_name: str
    term: str
    pupil: int
    pupil_name: str
    open: bool
    closes_on: dt.date
    answered: bool


class WellbeingPublishIn(Schema):
    term: Id
    public: bool = Field(False, description="同时在公开页面向社会公布")
    note: str = ""


class WellbeingPublicationOut(Schema):
    id: int
    bureau: int = Field(..., alias="bureau_id")
    term: int = Field(..., alias="term_id")
    status: str = Field(..., description="published 已公布 / withdrawn 已撤回")
    public: bool
    version: int
    published_at: dt.datetime


class WellbeingPublicationDetailOut(WellbeingPublicationOut):
    report: dict = Field(..., description="公布时冻结的报告：全区合计、每周趋势，以及调用者可见学校的数据")


READING = ReadingList.objects.select_related("school__bureau").prefetch_related("steps")
SURVEYS = Survey.objects.select_related("school__bureau", "term")
SCHOOLS = School.objects.select_related("bureau")


def _settings_out(school, term, settings):
    policy = Policy(school.bureau)
    lists = list(ReadingList.objects.filter(school=school, school_year=term.school_year))
    items = compliance.check_school(settings, lists, school=school, policy=policy)
    data = None
    if settings is not None:
        data = {f: getattr(settings, f) for f in services.SETTINGS_FIELDS}
        for f in ("class_start_primary", "class_start_junior"):
            data[f] = data[f].strftime("%H:%M") if data[f] else None
    return {"school": school.pk, "school_name": school.name, "term": term.pk,
            "filled": settings is not None, "settings": data,
            "compliant": compliance.summary(items)["compliant"],
            "checks": [i.as_dict() for i in items]}


def _school_term(user, school_id, term_id):
    school = get_for(user, School, school_id, queryset=SCHOOLS)
    term = get_for(user, Term, term_id)
    if term.bureau_id != school.bureau_id:
        raise RuleViolation("invalid", "该学期不属于学校所在教育局的校历。", "term")
    return school, term


# ---- school settings -----------------------------------------------------------------------------


@router.get("/settings/{int:school_id}/{int:term_id}",
            response={200: WellbeingSettingsOut, **READ_ERRORS},
            summary="学校某学期的五项管理设置及逐项检查（SL-2、PE-1、PE-2/PE-3、PH-1、PH-2、RD-1、RD-2）")
def wellbeing_get_settings(request, school_id: int, term_id: int):
    school, term = _school_term(request.user, school_id, term_id)
    require(request.user, "view", SchoolSettings)
    settings = visible(request.user, SchoolSettings).filter(school=school, term=term).first()
    return _settings_out(school, term, settings)


@router.put("/settings/{int:school_id}/{int:term_id}",
            response={200: WellbeingSettingsOut, **WRITE_ERRORS},
            summary="学校填报五项管理设置（违反规定也保存，检查结果显示不符合）")
def wellbeing_save_settings(request, school_id: int, term_id: int, payload: WellbeingSettingsIn):
    school, term = _school_term(request.user, school_id, term_id)
    require(request.user, "change", SchoolSettings)
    settings = services.save_settings(actor=request.user, school=school, term=term,
                                      **payload.dict())
    return _settings_out(school, term, settings)


@router.get("/compliance", response={200: list[WellbeingComplianceOut], **READ_ERRORS},
            summary="各校五项管理规定符合情况（教育局看全区，学校管理员看本校）")
@paginate(LimitOffsetPagination)
def wellbeing_compliance(request, term: Id):
    require(request.user, "view", SchoolSettings)
    term = get_for(request.user, Term, term)
    schools = list(overseen_schools(request.user).filter(bureau_id=term.bureau_id)
                   .select_related("bureau").order_by("code"))
    rows = compliance.district_rows(schools=schools, term=term, policy=Policy(term.bureau))
    return [{"school": r["school"].pk, "school_name": r["school"].name,
             "stage": r["school"].stage, **r["summary"]} for r in rows]


# ---- reading lists -------------------------------------------------------------------------------


@router.get("/reading-lists", response={200: list[WellbeingReadingOut], **READ_ERRORS},
            summary="课外读物推荐（家长只见已确认并向家长公开的书目）")
@paginate(LimitOffsetPagination)
def wellbeing_list_reading_lists(request, school: Id | None = None,
                                 school_year: str | None = None):
    qs = visible(request.user, ReadingList).prefetch_related("steps")
    if school:
        qs = qs.filter(school_id=school)
    if school_year:
        qs = qs.filter(school_year=school_year)
    return qs.order_by("-school_year", "school_id", "pk")


@router.post("/reading-lists", response={201: WellbeingReadingOut, **WRITE_ERRORS},
             summary="登记推荐书目（初选；每学年推荐次数超过 RD-1 上限时 422）")
def wellbeing_create_reading_list(request, payload: WellbeingReadingIn):
    require(request.user, "create", ReadingList)
    school = get_for(request.user, School, payload.school, queryset=SCHOOLS)
    reading = services.create_reading_list(actor=request.user, school=school,
                                           **payload.dict(exclude={"school"}))
    return Status(201, get_for(request.user, ReadingList, reading.pk, queryset=READING))


@router.patch("/reading-lists/{int:reading_id}", response={200: WellbeingReadingOut, **WRITE_ERRORS},
              summary="修改书目（仅初选阶段）或购买方式、向家长公开（RD-2）")
def wellbeing_update_reading_list(request, reading_id: int, payload: WellbeingReadingPatch):
    reading = get_for(request.user, ReadingList, reading_id, "change", queryset=READING)
    services.change_reading_list(actor=request.user, reading_list=reading,
                                 **payload.dict(exclude_none=True))
    return get_for(request.user, ReadingList, reading_id, queryset=READING)


@router.post("/reading-lists/{int:reading_id}/advance",
             response={200: WellbeingReadingOut, **WRITE_ERRORS},
             summary="进入下一程序：审核 → 确认 → 备案（RD-1；跳步时 409）")
def wellbeing_advance_reading_list(request, reading_id: int, payload: WellbeingAdvanceIn):
    reading = get_for(request.user, ReadingList, reading_id, "change", queryset=READING)
    services.advance_reading_list(actor=request.user, reading_list=reading, **payload.dict())
    return get_for(request.user, ReadingList, reading_id, queryset=READING)


# ---- surveys ---------------------------------------------------------------------------------------


@router.get("/surveys", response={200: list[WellbeingSurveyOut], **READ_ERRORS},
            summary="五项管理问卷（学校、教育局；家长见孩子学校的问卷）")
@paginate(LimitOffsetPagination)
def wellbeing_list_surveys(request, term: Id | None = None, school: Id | None = None):
    qs = visible(request.user, Survey).select_related("school")
    if term:
        qs = qs.filter(term_id=term)
    if school:
        qs = qs.filter(school_id=school)
    return qs.order_by("-term__start", "school_id", "pk")


@router.post("/surveys", response={201: WellbeingSurveyOut, **WRITE_ERRORS},
             summary="发起问卷（每校每学期一次；学校管理员或本区教育局管理员）")
def wellbeing_launch_survey(request, payload: WellbeingSurveyIn):
    require(request.user, "launch", Survey)
    school = get_for(request.user, School, payload.school, queryset=SCHOOLS)
    term = get_for(request.user, Term, payload.term)
    survey = services.launch_survey(actor=request.user, school=school, term=term,
                                    closes_on=payload.closes_on)
    return Status(201, get_for(request.user, Survey, survey.pk, queryset=SURVEYS))


@router.get("/surveys/mine", response={200: list[WellbeingMySurveyOut], **READ_ERRORS},
            summary="家长：孩子学校的问卷和是否已填写")
@paginate(LimitOffsetPagination)
def wellbeing_my_surveys(request):
    user = request.user
    require(user, "answer", Survey)
    children = list(visible(user, Pupil).filter(pk__in=user.scope.pupil_ids).order_by("name"))
    surveys = list(visible(user, Survey).filter(school_id__in={c.school_id for c in children})
                   .select_related("school", "term").order_by("-term__start", "pk"))
    answered = set(visible(user, SurveyReceipt).values_list("survey_id", "pupil_id"))
    return [{"survey": s.pk, "school_name": s.school.name, "term": str(s.term), "pupil": c.pk,
             "pupil_name": c.name, "open": services.is_open(s), "closes_on": s.closes_on,
             "answered": (s.pk, c.pk) in answered}
            for c in children for s in surveys if s.school_id == c.school_id]


@router.post("/surveys/{int:survey_id}/close", response={200: WellbeingSurveyOut, **WRITE_ERRORS},
             summary="结束问卷")
def wellbeing_close_survey(request, survey_id: int):
    survey = get_for(request.user, Survey, survey_id, "close", queryset=SURVEYS)
    services.close_survey(actor=request.user, survey=survey)
    return get_for(request.user, Survey, survey_id, queryset=SURVEYS)


@router.post("/surveys/{int:survey_id}/answers", response={201: WellbeingReceiptOut, **WRITE_ERRORS},
             summary="家长为孩子填写问卷（每名学生一份，不能修改；答卷匿名，只做汇总；重复提交 409）")
def wellbeing_answer_survey(request, survey_id: int, payload: WellbeingAnswerIn):
    pupil = get_for(request.user, Pupil, payload.pupil,
                    queryset=Pupil.objects.select_related("school_class"))
    survey = get_for(request.user, Survey, survey_id, "answer", queryset=SURVEYS)
    receipt = services.answer_survey(actor=request.user, survey=survey, pupil=pupil,
                                     **payload.dict(exclude={"pupil"}))
    return Status(201, receipt)


@router.get("/surveys/{int:survey_id}/results", response={200: dict, **READ_ERRORS},
            summary="问卷结果：全校、分学段、分年级与 SL-1、SL-3、HW、PE-2/PE-3 比较；"
                    "少于 5 份答卷的组不显示")
def wellbeing_survey_results(request, survey_id: int):
    survey = get_for(request.user, Survey, survey_id, "results", queryset=SURVEYS)
    results = aggregates.survey_results(survey, Policy(survey.school.bureau))
    return {"survey": survey.pk, "school": survey.school_id, "answers": survey.answer_count,
            **results}


@router.get("/surveys/by-school", response={200: dict, **READ_ERRORS},
            summary="某学期各校问卷结果（教育局看全区；少于 5 份答卷的学校不显示数据）")
def wellbeing_survey_results_by_school(request, term: Id):
    require(request.user, "results", Survey)
    term = get_for(request.user, Term, term)
    schools = list(overseen_schools(request.user).filter(bureau_id=term.bureau_id)
                   .order_by("code"))
    answers = SurveyAnswer.objects.filter(survey__term=term, survey__school__in=schools)
    results = aggregates.schools_results(answers, schools, Policy(term.bureau))
    return {"term": term.pk, "total": results["total"], "schools": results["schools"],
            "thresholds": results["thresholds"], "min_group": results["min_group"]}


# ---- burden report ------------------------------------------------------------------------------


@router.get("/burden", response={200: dict, **READ_ERRORS},
            summary="学期课业负担监测报告（实时；教育局看全区，学校管理员看本校）")
def wellbeing_burden_report(request, term: Id, school: Id | None = None):
    user = request.user
    require(user, "report", BurdenPublication)
    term = get_for(user, Term, term)
    schools = overseen_schools(user).filter(bureau_id=term.bureau_id).order_by("code")
    if school:
        schools = [get_for(user, School, school, queryset=schools)]
    return burden.build(term=term, schools=schools)


@router.get("/publications", response={200: list[WellbeingPublicationOut], **READ_ERRORS},
            summary="已公布的课业负担监测报告（家长可见孩子学校所在区的报告）")
@paginate(LimitOffsetPagination)
def wellbeing_list_publications(request, term: Id | None = None):
    qs = visible(request.user, BurdenPublication)
    if term:
        qs = qs.filter(term_id=term)
    return qs.order_by("-published_at", "-pk")


@router.post("/publications", response={201: WellbeingPublicationOut, **WRITE_ERRORS},
             summary="公布学期课业负担监测报告（负担公示；再次公布即更新版本）")
def wellbeing_publish(request, payload: WellbeingPublishIn):
    require(request.user, "publish", BurdenPublication)
    term = get_for(request.user, Term, payload.term)
    publication = services.publish_burden_report(actor=request.user, term=term,
                                                 public=payload.public, note=payload.note)
    return Status(201, publication)


@router.get("/publications/{int:publication_id}",
            response={200: WellbeingPublicationDetailOut, **READ_ERRORS},
            summary="公布的报告（学校、家长只见本校和全区合计）")
def wellbeing_get_publication(request, publication_id: int):
    publication = get_for(request.user, BurdenPublication, publication_id)
    report = {**publication.snapshot, "schools": burden.rows_for(request.user, publication)}
    return {"id": publication.pk, "bureau_id": publication.bureau_id,
            "term_id": publication.term_id, "status": publication.status,
            "public": publication.public, "version": publication.version,
            "published_at": publication.published_at, "report": report}


@router.post("/publications/{int:publication_id}/withdraw",
             response={200: WellbeingPublicationOut, **WRITE_ERRORS}, summary="撤回已公布的报告")
def wellbeing_withdraw_publication(request, publication_id: int):
    publication = get_for(request.user, BurdenPublication, publication_id, "publish")
    return services.withdraw_publication(actor=request.user, publication=publication)
