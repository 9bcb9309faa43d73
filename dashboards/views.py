"""The dashboard pages: the district (/dashboard/), a school and a class, each with its Excel
export (``?export=xlsx``).

Access: ``require(user, <level>, Dashboard)`` first (403 for a role that never reads that level),
then the bureau, school or class is picked from ``Dashboard.districts/schools/classes(user)``
(404 outside the reader's scope, exactly like a missing one). The figures come from
``dashboards.indicators`` (the district's through ``dashboards.figures``, which keeps them when
they are slow to compute); ``dashboards.export`` turns them into the cards and tables that both
the page and the workbook show.
"""

import datetime as dt
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from core.access import can, require
from core.navigation import ENTRIES
from dashboards import export, figures, indicators
from dashboards.indicators import MAX_DAYS
from dashboards.models import Bulletin, Dashboard, EvaluationScheme
from schoolcal.models import Term

AREA_PAGES = [  # (url name, label): the detailed pages of each area, shown when the reader may
    ("monitoring:homework", "作业监测"), ("afterschool:index", "课后服务"),
    ("wellbeing:index", "五项管理"), ("mentoring:index", "全员导师制"),
    ("complaints:index", "投诉举报"), ("institutions:index", "培训机构"),
    ("funds:index", "预收费监管"), ("inspections:index", "双随机抽查"),
    ("schoolinspection:index", "学校督导"),
]


def _pick(queryset, pk):
    """One row of a scoped queryset: 404 when it is not there (or the key cannot exist)."""
    if not 0 < pk < 2**63:
        raise Http404
    obj = queryset.filter(pk=pk).first()
    if obj is None:
        raise Http404
    return obj


def _date(raw):
    try:
        value = dt.date.fromisoformat(raw.strip())
    except ValueError:
        return None
    return value if 2000 <= value.year <= 2100 else None


def period_of_request(request, bureau):
    """The period asked for: ``?term=`` (one of the bureau's terms, else 404) and/or
    ``?start=&end=`` (an invalid date is ignored with a notice); the district's current term by
    default. Returns ``(period, terms, notices)``."""
    terms = list(Term.objects.filter(bureau=bureau).order_by("-start"))
    term, notices, dates = None, [], {}
    wanted = request.GET.get("term", "").strip()
    if wanted:
        term = next((t for t in terms if str(t.pk) == wanted), None)
        if term is None:  # another district's term, or none at all
            raise Http404
    for key, label in (("start", "开始日期"), ("end", "结束日期")):
        raw = request.GET.get(key, "").strip()
        if raw:
            dates[key] = _date(raw)
            if dates[key] is None:
                del dates[key]
                notices.append(f"{label}“{raw[:20]}”无效，已忽略。")
    period = indicators.Period.of(bureau, term=term, **dates)  # cut to MAX_DAYS
    if period.cut:
        notices.append(f"统计期最长 {MAX_DAYS} 天，已从结束日期往前截取。")
    return period, terms, notices


def query_string(period, **extra):
    return urlencode({**extra, "start": period.start.isoformat(), "end": period.end.isoformat()})


def _pages_for(user):
    """URL names of the navigation entries the user's roles open (core.navigation)."""
    roles = user.scope.roles
    return {name for _, name, who, _ in ENTRIES if who is None or roles & who}


def _area_links(user, query=""):
    """The area pages of the navigation the user may open, then the evaluation and bulletins."""
    allowed = _pages_for(user)
    links = [(label, reverse(name)) for name, label in AREA_PAGES if name in allowed]
    if can(user, "view", EvaluationScheme):
        links.append(("学校“双减”评价", f"{reverse('dashboards:evaluation')}{query}"))
    if can(user, "view", Bulletin):
        links.append(("月度快报", reverse("dashboards:bulletins")))
    return links


def _links(user, period):
    """Drill-down links the user may open, each keeping the period."""
    q = query_string(period)
    return export.Links(
        school=(lambda pk: f"{reverse('dashboards:school', args=[pk])}?{q}")
        if can(user, "school", Dashboard) else None,
        klass=(lambda pk: f"{reverse('dashboards:class', args=[pk])}?{q}")
        if can(user, "class", Dashboard) else None,
        account=(lambda pk: reverse("funds:account", args=[pk]))
        if "funds:index" in _pages_for(user) else None)


def _page(request, template, context, *, level, name, period):
    """Render the page, or its workbook when ``?export=xlsx``."""
    if request.GET.get("export") == "xlsx":
        content = export.workbook(name, context["data"]["period"], context["sections"],
                                  context["tables"])
        return export.response(content, f"双减看板_{level}_{name}_{period.start}_{period.end}.xlsx")
    return render(request, template, context)


def _pct_series(values):
    return [None if v is None else round(v * 100, 1) for v in values]


def _trend_charts(trend, complaints=True):
    weeks = [t["week"] for t in trend]
    charts = {"trend": {"x": weeks, "series": [
        {"name": "平均书面家庭作业（分钟）", "data": [t["homework_avg_minutes"] for t in trend]},
        {"name": "超限班级日占比（%）", "data": _pct_series(t["homework_over_share"] for t in trend)},
        {"name": "家长反馈平均用时（分钟）", "data": [t["reported_avg"] for t in trend]}]}}
    series = [{"name": "导师任务", "data": [t["mentoring_tasks"] for t in trend]}]
    if complaints:
        series.insert(0, {"name": "投诉", "data": [t["complaints"] for t in trend]})
    charts["weekly"] = {"x": weeks, "series": series}
    return charts


def _district_of(request):
    """The district the reader asked for (``?bureau=``) or their first; 404 outside scope."""
    bureaus = list(Dashboard.districts(request.user))
    if not bureaus:
        raise Http404
    wanted = request.GET.get("bureau", "").strip()
    bureau = next((b for b in bureaus if str(b.pk) == wanted), None) if wanted else bureaus[0]
    if bureau is None:
        raise Http404
    return bureau, bureaus


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def district(request):
    """The district page; POST (the 重新计算 button) recomputes kept figures at once."""
    require(request.user, "district", Dashboard)
    bureau, bureaus = _district_of(request)
    period, terms, notices = period_of_request(request, bureau)
    if request.method == "POST":
        figures.district(bureau, period, recompute=True)
        messages.success(request, "已重新计算全区看板数据。")
        return redirect(request.get_full_path())
    data = figures.district(bureau, period)
    hw = data["homework"]
    charts = {**_trend_charts(data["trend"]),
              "institutions": {"x": [s["label"] for s in data["institutions"]["by_status"]],
                               "series": [{"name": "机构数", "data": [
                                   s["count"] for s in data["institutions"]["by_status"]]}]},
              "categories": {"x": [c["label"] for c in data["complaints"]["by_category"]],
                             "series": [{"name": "件数", "data": [
                                 c["count"] for c in data["complaints"]["by_category"]]}]},
              "stages": {"x": [s["stage"] for s in hw["by_stage"]], "series": [
                  {"name": "平均书面作业（分钟）", "data": [s["avg_minutes"] for s in hw["by_stage"]]},
                  {"name": "未超限占比（%）",
                   "data": _pct_series(s["within_share"] for s in hw["by_stage"])}]}}
    extra = {"bureau": bureau.pk} if len(bureaus) > 1 else {}
    return _page(request, "dashboards/district.html", {
        "data": data, "as_of": figures.as_of(data), "bureau": bureau, "bureaus": bureaus,
        "period": period, "terms": terms, "notices": notices, "charts": charts, "hidden": extra,
        "sections": export.district_sections(data),
        "tables": export.district_tables(data, _links(request.user, period)),
        "areas": _area_links(request.user, f"?bureau={bureau.pk}"),
        "export_query": query_string(period, export="xlsx", **extra),
    }, level="全区", name=bureau.name, period=period)


@login_required
def school(request, pk):
    require(request.user, "school", Dashboard)
    school = _pick(Dashboard.schools(request.user).select_related("bureau"), pk)
    period, terms, notices = period_of_request(request, school.bureau)
    data = indicators.school(school, period)
    charts = {**_trend_charts(data["trend"]),
              "subjects": {"x": [r["subject_name"] for r in data["by_subject"]], "series": [
                  {"name": "每班级日平均（分钟）",
                   "data": [r["avg_per_class_day"] for r in data["by_subject"]]}]}}
    in_district = Dashboard.districts(request.user).filter(pk=school.bureau_id).exists()
    return _page(request, "dashboards/school.html", {
        "data": data, "school": school, "period": period, "terms": terms, "notices": notices,
        "charts": charts, "hidden": {},
        "district_url": f"{reverse('dashboards:district')}?"
                        f"{query_string(period, bureau=school.bureau_id)}" if in_district else "",
        "sections": export.school_sections(data),
        "tables": export.school_tables(data, _links(request.user, period)),
        "areas": _area_links(request.user),
        "export_query": query_string(period, export="xlsx"),
    }, level="学校", name=school.name, period=period)


@login_required
def klass(request, pk):
    require(request.user, "class", Dashboard)
    school_class = _pick(Dashboard.classes(request.user).select_related("school__bureau"), pk)
    school = school_class.school
    period, terms, notices = period_of_request(request, school.bureau)
    data = indicators.klass(school_class, period)
    charts = {**_trend_charts(data["trend"], complaints=False),
              "kinds": {"x": [r["label"] for r in data["by_kind"]],
                        "series": [{"name": "分钟", "data": [r["minutes"] for r in data["by_kind"]]}]}}
    can_school = (can(request.user, "school", Dashboard)
                  and Dashboard.schools(request.user).filter(pk=school.pk).exists())
    return _page(request, "dashboards/class.html", {
        "data": data, "school_class": school_class, "school": school, "period": period,
        "terms": terms, "notices": notices, "charts": charts, "hidden": {},
        "school_url": f"{reverse('dashboards:school', args=[school.pk])}?{query_string(period)}"
        if can_school else "",
        "sections": export.class_sections(data),
        "tables": export.class_tables(data),
        "export_query": query_string(period, export="xlsx"),
    }, level="班级", name=f"{school.name}{data['class']['name']}", period=period)
