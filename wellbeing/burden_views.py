"""The termly burden report (QM-1, QM-3): live for the bureau and school admins, published by the
bureau (负担公示) for the guardians of the district's schools and, when the bureau chooses, on
the public page (no login).

Who sees what of a publication: the bureau every school; a school admin their own schools and
the district's totals; a guardian their children's schools and the district's totals; the
public page (when published publicly) the district's totals and every school's row.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from core.access import get_for, require, visible
from core.errors import RuleViolation
from org.models import School
from schoolcal.models import Term
from wellbeing import burden, services
from wellbeing.forms import PublishForm
from wellbeing.models import BUREAU_READERS, BurdenPublication
from wellbeing.page_helpers import (
    choose_term,
    is_bureau_admin_of,
    new_book,
    overseen_schools,
    pct,
    terms_for,
    xlsx_response,
)

PUBLICATIONS = BurdenPublication.objects.select_related("term", "bureau", "published_by")


def charts(report, rows=None):
    """The weekly trend (homework minutes against the limit, over-limit share, reported time)
    and, for several schools, the schools side by side."""
    trend = report["trend"]
    rows = report["schools"] if rows is None else rows
    # The limit line only where one limit applies to all the schools shown (HW-2 or HW-3).
    stages = {r["stage"] for r in rows}
    limit = {frozenset({"小学"}): report["limits"]["primary"],
             frozenset({"初中"}): report["limits"]["junior"]}.get(frozenset(stages))
    out = {
        "minutes": {"x": [r["week"] for r in trend], "series": [
            {"name": "平均每班每天书面家庭作业（分钟）", "data": [r["avg_minutes"] for r in trend],
             "limit": limit},
            {"name": "家长反馈平均实际用时（分钟）", "data": [r["reported_avg"] for r in trend]}]},
        "over": {"x": [r["week"] for r in trend], "percent": True, "series": [
            {"name": "超过上限的班级日占比（%）", "data": [pct(r["over_share"]) for r in trend]}]},
    }
    if len(rows) > 1:
        out["schools"] = {"x": [r["name"] for r in rows], "percent": True, "series": [
            {"name": "超限班级日占比（%）", "data": [pct(r["homework"]["over_share"]) for r in rows]},
            {"name": "课后服务参与率（%）",
             "data": [pct(r["after_school"]["participation"]) for r in rows]},
            {"name": "睡眠达标（%）", "data": [pct(r["survey"]["sleep_ok_share"]) for r in rows]}]}
    return out


# ---- the live report ----------------------------------------------------------------------------


def _live(request):
    """(terms, term, school or None, report) for the live report page and its export."""
    user = request.user
    require(user, "report", BurdenPublication)
    terms = terms_for(user)
    term = choose_term(request, terms)
    if term is None:
        return terms, None, None, None
    schools = overseen_schools(user).filter(bureau_id=term.bureau_id).order_by("code")
    school = None
    if request.GET.get("school"):
        school = get_for(user, School, request.GET["school"], queryset=schools)
        schools = [school]
    elif not user.scope.has(*BUREAU_READERS) and len(schools) == 1:
        school = schools[0]
    return terms, term, school, burden.build(term=term, schools=schools)


@login_required
def burden_report(request):
    user = request.user
    terms, term, school, report = _live(request)
    publication = (visible(user, BurdenPublication).filter(term=term).first()
                   if term else None)
    can_publish = bool(term) and is_bureau_admin_of(user, term.bureau_id)
    return render(request, "wellbeing/burden.html", {
        "terms": terms, "term": term, "school": school, "report": report,
        "rows": report["schools"] if report else [], "charts": charts(report) if report else None,
        "publication": publication, "can_publish": can_publish and school is None,
        "publish_form": PublishForm(initial={"term": term.pk if term else None,
                                             "public": bool(publication and publication.public)}),
        "live": True})


def _sheet_rows(report, rows):
    header = ["学校", "学段", "班级日", "平均书面家庭作业（分钟）", "超限班级日占比",
              "家长反馈数", "家长反馈平均用时（分钟）", "教师估计平均（分钟）", "反馈超限占比",
              "课后服务参与率", "教师参与率", "家长满意度（1–5）", "问卷答卷数", "睡眠达标占比",
              "按时就寝占比", "体育活动达标占比", "负担感受（1–5）", "规定符合项", "规定不符合项"]
    out = [header]
    for r in rows:
        h, rep, a, s, c = (r["homework"], r["reported"], r["after_school"], r["survey"],
                           r["compliance"])
        out.append([r["name"], r["stage"], h["class_days"], h["avg_minutes"], h["over_share"],
                    rep["reports"], rep["reported_avg"], rep["estimated_avg"], rep["over_share"],
                    a["participation"], a["teacher_participation"], a["satisfaction"], s["n"],
                    s["sleep_ok_share"], s["bedtime_ok_share"], s["pe_ok_share"], s["burden"],
                    c["ok"], c["failed"]])
    return out


def report_book(report, rows, title):
    """The report as a workbook: schools, weekly trend, totals by stage, notes."""
    book = new_book()
    sheet = book.create_sheet("各校")
    sheet.append([title])
    for line in _sheet_rows(report, rows):
        sheet.append(line)
    t = report["totals"]
    if len(rows) > 1:
        h, rep, a, s = t["homework"], t["reported"], t["after_school"], t["survey"]
        sheet.append(["合计", "", h["class_days"], h["avg_minutes"], h["over_share"],
                      rep["reports"], rep["reported_avg"], rep["estimated_avg"], rep["over_share"],
                      a["participation"], a["teacher_participation"], a["satisfaction"], s["n"],
                      s["sleep_ok_share"], s["bedtime_ok_share"], s["pe_ok_share"], s["burden"]])
    trend = book.create_sheet("每周趋势")
    trend.append(["周一日期", "班级日", "平均书面家庭作业（分钟）", "超限班级日占比", "家长反馈数",
                  "家长反馈平均用时（分钟）"])
    for w in report["trend"]:
        trend.append([w["week"], w["class_days"], w["avg_minutes"], w["over_share"],
                      w["reports"], w["reported_avg"]])
    stages = book.create_sheet("分学段")
    stages.append(["学段", "班级日", "平均书面家庭作业（分钟）", "超限班级日占比", "上限（分钟）"])
    for s in t["by_stage"]:
        limit = report["limits"]["junior" if s["stage"] == "初中" else "primary"]
        stages.append([s["stage"], s["class_days"], s["avg_minutes"], s["over_share"], limit])
    notes = book.create_sheet("说明")
    for line in NOTES:
        notes.append(line)
    return book


NOTES = [
    ["书面家庭作业", "每个班级每天计入上限的书面家庭作业（全体必做、分层基础层、回家完成）；"
                 "上限：一、二年级 0（HW-1），小学其他年级、初中按本区设置（HW-2、HW-3），"
                 "周末和节假日按 HW-4"],
    ["超限班级日占比", "超过当天上限的班级日 ÷ 有作业的班级日"],
    ["家长反馈", "家长对已公示作业反馈的孩子实际用时；反馈超限占比 = 实际用时超过当天上限的反馈 ÷ 全部反馈"],
    ["课后服务", "参与率 = 参加人数 ÷ 服务年级学生数（QM-4）"],
    ["问卷", "家长匿名问卷；答卷少于 5 份的学校不显示数据"],
    ["比例", "以小数表示，如 0.125 即 12.5%"],
]


@login_required
def burden_export(request):
    terms, term, school, report = _live(request)
    if report is None:
        raise Http404
    book = report_book(report, report["schools"],
                       f"课业负担监测报告 · {report['bureau']['name']} · {report['term']['name']}")
    return xlsx_response(book, f"burden-report-{term.pk}.xlsx")


# ---- publication ----------------------------------------------------------------------------------


@login_required
@require_POST
def publish(request):
    user = request.user
    require(user, "publish", BurdenPublication)
    form = PublishForm(request.POST)
    if not form.is_valid():
        raise Http404
    term = get_for(user, Term, form.cleaned_data["term"])
    try:
        publication = services.publish_burden_report(
            actor=user, term=term, public=form.cleaned_data["public"],
            note=form.cleaned_data["note"])
    except RuleViolation as e:
        messages.error(request, f"未公布：{e.message}")
        return redirect(f"{reverse('wellbeing:burden')}?term={term.pk}")
    messages.success(request, "报告已公布：本区学校的家长可以查看" + (
        "，并已在公开页面向社会公布。" if publication.public else "。"))
    return redirect("wellbeing:publication", publication.pk)


@login_required
@require_POST
def withdraw(request, pk):
    publication = get_for(request.user, BurdenPublication, pk, "publish", queryset=PUBLICATIONS)
    try:
        services.withdraw_publication(actor=request.user, publication=publication)
    except RuleViolation as e:
        messages.error(request, e.message)
    else:
        messages.success(request, "报告已撤回，家长和公众不再能看到。")
    return redirect("wellbeing:publication", publication.pk)


@login_required
def publication(request, pk):
    user = request.user
    publication = get_for(user, BurdenPublication, pk, queryset=PUBLICATIONS)
    report = publication.snapshot
    rows = burden.rows_for(user, publication)
    return render(request, "wellbeing/publication.html", {
        "publication": publication, "report": report, "rows": rows,
        "charts": charts(report, rows), "whole_district": len(rows) == len(report["schools"]),
        "can_publish": is_bureau_admin_of(user, publication.bureau_id),
        "school_charts": [(r, {**charts({**report, "trend": r["trend"]}, [r]),
                               "source_id": f"chart-school-{r['school_id']}"})
                          for r in rows] if len(rows) <= 3 else []})


@login_required
def publication_export(request, pk):
    user = request.user
    publication = get_for(user, BurdenPublication, pk, queryset=PUBLICATIONS)
    report = publication.snapshot
    book = report_book(report, burden.rows_for(user, publication),
                       f"课业负担监测报告（第 {publication.version} 版公布）· {report['bureau']['name']}"
                       f" · {report['term']['name']}")
    return xlsx_response(book, f"burden-publication-{publication.pk}.xlsx")


# ---- the public page (no login) -------------------------------------------------------------------


def public(request):
    """Reports the bureau published publicly (负担公示, 结果公告制): district totals and each
    school's row. Only what a publication froze; nothing live, nothing withdrawn."""
    published = BurdenPublication.objects.public().select_related("term", "bureau").order_by(
        "-published_at", "-pk")
    chosen = None
    if request.GET.get("id", "").isdigit():
        chosen = published.filter(pk=int(request.GET["id"])).first()
    chosen = chosen or published.first()
    report = chosen.snapshot if chosen else None
    return render(request, "wellbeing/public.html", {
        "publications": published[:50], "publication": chosen, "report": report,
        "rows": report["schools"] if report else [],
        "charts": charts(report) if report else None})


urlpatterns = [
    path("burden/", burden_report, name="burden"),
    path("burden/export/", burden_export, name="burden-export"),
    path("burden/publish/", publish, name="publish"),
    path("burden/publications/<int:pk>/", publication, name="publication"),
    path("burden/publications/<int:pk>/export/", publication_export, name="publication-export"),
    path("burden/publications/<int:pk>/withdraw/", withdraw, name="withdraw"),
    path("public/", public, name="public"),
]
