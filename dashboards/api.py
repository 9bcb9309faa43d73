"""Dashboards API (/api/v1/dashboards/): the district, school and class indicators of every area
(the same data as the pages), the school evaluation table and its weights (QM-2), and the
monthly bulletins (QM-3).

Schema names start with ``Dashboard`` (OpenAPI component names are project-wide)."""

import datetime as dt
from typing import Annotated

from django.http import Http404
from django.urls import reverse
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from api.pagination import LimitOffsetPagination
from api.schemas import READ_ERRORS, WRITE_ERRORS
from core.access import get_for, require, visible
from core.errors import RuleViolation
from dashboards import bulletin as bulletins
from dashboards import evaluation, figures, indicators
from dashboards.models import Bulletin, Dashboard, EvaluationScheme
from org.models import Bureau
from org.scope import scope_of
from schoolcal.models import Term

router = Router(tags=["监测看板、学校评价与月报"])

Id = Annotated[int, Field(ge=1, le=2_147_483_647)]
Day = Annotated[dt.date, Field(ge=dt.date(2000, 1, 1), le=dt.date(2100, 12, 31))]
PERIOD_HELP = ("start/end：统计起止日期（默认本学期开学至今天）；term：学期编号（默认 end 所在学期）")


def _district(user, bureau_id):
    """The district the user asked for (or their first); 404 outside their scope."""
    districts = Dashboard.districts(user)
    if bureau_id is None:
        found = districts.first()
    else:
        found = districts.filter(pk=bureau_id).first()
    if found is None:
        raise Http404
    return found


def _period(user, bureau, start, end, term_id):
    term = None
    if term_id is not None:
        term = get_for(user, Term, term_id)
        if term.bureau_id != bureau.pk:
            raise Http404
    return indicators.Period.of(bureau, start=start, end=end, term=term)


def _one(queryset, pk):
    found = queryset.filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


@router.get("/district", response={200: dict, **READ_ERRORS},
            summary="区级看板：各领域指标、各校一览、每周趋势（教育局管理员、校外培训监管、督学）",
            description=PERIOD_HELP + "；bureau：区教育局编号（可查看多个区时选择）。"
            "计算较慢的区县返回保存的结果（最多 DASHBOARD_MAX_AGE 秒前，默认 15 分钟）：as_of 为其计算时间，"
            "实时计算时为 null；seconds 为计算耗时（秒）")
def dashboard_district(request, bureau: Id | None = None, start: Day | None = None,
                       end: Day | None = None, term: Id | None = None):
    require(request.user, "district", Dashboard)
    district = _district(request.user, bureau)
    return figures.district(district, _period(request.user, district, start, end, term))


@router.get("/schools/{school_id}", response={200: dict, **READ_ERRORS},
            summary="校级看板：本校各领域指标、各班一览、每周趋势（区教育局、督学、本校管理员）",
            description=PERIOD_HELP)
def dashboard_school(request, school_id: Id, start: Day | None = None, end: Day | None = None,
                     term: Id | None = None):
    require(request.user, "school", Dashboard)
    school = _one(Dashboard.schools(request.user).select_related("bureau"), school_id)
    return indicators.school(school, _period(request.user, school.bureau, start, end, term))


@router.get("/classes/{class_id}", response={200: dict, **READ_ERRORS},
            summary="班级看板：作业、家长反馈、课后服务、导师制（不含学生个人信息）",
            description=PERIOD_HELP)
def dashboard_class(request, class_id: Id, start: Day | None = None, end: Day | None = None,
                    term: Id | None = None):
    require(request.user, "class", Dashboard)
    school_class = _one(Dashboard.classes(request.user).select_related("school__bureau"),
                        class_id)
    return indicators.klass(school_class,
                            _period(request.user, school_class.school.bureau, start, end, term))


# ---- school evaluation (QM-2) ---------------------------------------------------------------


def _scheme_district(user, bureau_id):
    require(user, "view", EvaluationScheme)
    districts = Bureau.objects.filter(
        pk__in=scope_of(user).bureau_ids_for(*EvaluationScheme.ACCESS["view"]),
        level=Bureau.Level.DISTRICT).order_by("code")
    found = districts.first() if bureau_id is None else districts.filter(pk=bureau_id).first()
    if found is None:
        raise Http404
    return found


class DashboardIndicatorOut(Schema):
    key: str
    label: str
    rule: str = Field(..., description="规则编号（QM-2 等）")
    kind: str = Field(..., description="share 按比例计分；relative 按全区各校相对位置计分")
    higher_is_better: bool
    weight: int = Field(..., description="本区权重（0–100）")
    help: str


class DashboardWeightsOut(Schema):
    bureau: int
    weights: dict[str, int]
    indicators: list[DashboardIndicatorOut]


class DashboardWeightsIn(Schema):
    weights: dict[str, int] = Field(..., description="指标 key → 权重（0–100 的整数），未给出的保持默认")


def _weights_out(district):
    weights = evaluation.weights_of(district)
    return {"bureau": district.pk, "weights": weights, "indicators": [
        {"key": i.key, "label": i.label, "rule": i.rule, "kind": i.kind,
         "higher_is_better": i.higher_is_better, "weight": weights[i.key], "help": i.help}
        for i in evaluation.INDICATORS]}


@router.get("/evaluation", response={200: dict, **READ_ERRORS},
            summary="学校“双减”评价表：各校指标、得分、加权总分与排名（QM-2）",
            description=PERIOD_HELP)
def dashboard_evaluation(request, bureau: Id | None = None, start: Day | None = None,
                         end: Day | None = None, term: Id | None = None):
    district = _scheme_district(request.user, bureau)
    data = figures.district(district, _period(request.user, district, start, end, term))
    return {"bureau": district.pk, "period": data["period"], "as_of": data["as_of"],
            **evaluation.table(data, evaluation.weights_of(district))}


@router.get("/evaluation/weights", response={200: DashboardWeightsOut, **READ_ERRORS},
            summary="本区学校评价的指标与权重")
def dashboard_get_weights(request, bureau: Id | None = None):
    return _weights_out(_scheme_district(request.user, bureau))


@router.put("/evaluation/weights", response={200: DashboardWeightsOut, **WRITE_ERRORS},
            summary="设置本区学校评价的权重（教育局管理员；每项 0–100 的整数，至少一项大于 0）")
def dashboard_set_weights(request, payload: DashboardWeightsIn, bureau: Id | None = None):
    district = _scheme_district(request.user, bureau)
    require(request.user, "change", EvaluationScheme(bureau=district))
    evaluation.save_weights(actor=request.user, bureau=district, weights=payload.weights)
    return _weights_out(district)



# ---- monthly bulletins (月月出快报, QM-3) -----------------------------------------------------

MONTH = Annotated[str, Field(pattern=r"^\d{4}-\d{2}$", description="月份 YYYY-MM，如 2026-10")]


class DashboardBulletinOut(Schema):
    id: int
    bureau: int = Field(..., alias="bureau_id")
    month: str = Field(..., description="YYYY-MM")
    label: str = Field(..., description="如 2026年10月")
    status: str = Field(..., description="queued 排队生成中 / ready 已生成 / failed 生成失败")
    error: str
    requested_at: dt.datetime
    generated_at: dt.datetime | None
    seconds: float | None = Field(..., description="生成耗时（秒）")
    page: str = Field(..., description="网页地址：快报页面，可下载 PDF 和 Excel（需登录）")

    @staticmethod
    def resolve_month(obj):
        return obj.month.strftime("%Y-%m")

    @staticmethod
    def resolve_page(obj):
        return reverse("dashboards:bulletin", args=[obj.pk])


class DashboardBulletinDetailOut(DashboardBulletinOut):
    data: dict | None = Field(..., description="快报的数据快照（已生成时）：主要指标、各表、值得关注的情况")

    @staticmethod
    def resolve_data(obj):
        return obj.data if obj.data.get("version") == bulletins.VERSION else None


class DashboardBulletinIn(Schema):
    month: MONTH
    bureau: Id | None = Field(None, description="区教育局编号（可管理多个区时选择）")


@router.get("/bulletins", response={200: list[DashboardBulletinOut], **READ_ERRORS},
            summary="月度快报列表（教育局管理员、校外培训监管、督学），新月份在前")
@paginate(LimitOffsetPagination)
def dashboard_bulletins(request, bureau: Id | None = None):
    require(request.user, "view", Bulletin)
    rows = visible(request.user, Bulletin).defer("data", "pdf").order_by("-month", "bureau_id")
    return rows.filter(bureau_id=bureau) if bureau is not None else rows


@router.get("/bulletins/{bulletin_id}", response={200: DashboardBulletinDetailOut, **READ_ERRORS},
            summary="一份月度快报：状态和数据快照")
def dashboard_bulletin(request, bulletin_id: Id):
    require(request.user, "view", Bulletin)
    return get_for(request.user, Bulletin, bulletin_id, queryset=Bulletin.objects.defer("pdf"))


@router.post("/bulletins", response={202: DashboardBulletinOut, **WRITE_ERRORS},
             summary="生成（或重新生成）某月的月度快报（教育局管理员）：排队后由后台任务生成 PDF",
             description="同一月份已在排队时不重复排队，返回该快报。月份不能晚于本月，也不能早于本区第一个学期。")
def dashboard_request_bulletin(request, payload: DashboardBulletinIn):
    require(request.user, "create", Bulletin)
    districts = Bureau.objects.filter(pk__in=scope_of(request.user).bureau_ids_for(
        *Bulletin.ACCESS["create"]), level=Bureau.Level.DISTRICT).order_by("code")
    district = (districts.first() if payload.bureau is None
                else districts.filter(pk=payload.bureau).first())
    if district is None:
        raise Http404
    try:
        month = bulletins.parse_month(payload.month)
    except ValueError:
        raise RuleViolation("invalid", "月份格式应为 YYYY-MM（如 2026-10）。", "month") from None
    bulletin, _ = bulletins.request(actor=request.user, bureau=district, month=month)
    return Status(202, bulletin)
