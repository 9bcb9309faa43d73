"""Survey pages: launching and closing (school admins, the bureau), results in aggregate with
small groups suppressed (never one family's answers), results by school for the bureau, and
the guardian's questionnaire (once per child)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from core.access import get_for, require, visible
from core.errors import RuleViolation, add_to_form
from org.models import Pupil, School
from policy.services import Policy
from schoolcal.models import Term
from wellbeing import aggregates, services
from wellbeing.forms import AnswerForm, LaunchForm
from wellbeing.models import Survey, SurveyAnswer, SurveyReceipt
from wellbeing.page_helpers import (
    choose_term,
    is_bureau_admin_of,
    new_book,
    overseen_schools,
    pct,
    terms_for,
    xlsx_response,
)

SURVEYS = Survey.objects.select_related("school__bureau", "term")

# (figure key, label, kind: share | mean, the threshold text key)
ROWS = [
    ("sleep_hours", "平均睡眠时长（小时）", "mean", None),
    ("sleep_ok_share", "睡眠时间达标（SL-1）", "share", "sleep_hours"),
    ("bedtime_ok_share", "按时就寝（SL-3）", "share", "bedtime"),
    ("homework_done_ok_share", "就寝时间前完成书面作业（SL-3）", "share", "bedtime"),
    ("homework_minutes", "每天在家书面作业（分钟）", "mean", None),
    ("homework_ok_share", "书面作业时间不超过上限（HW-1、HW-2、HW-3）", "share", "homework"),
    ("phone_to_school_share", "带手机进校（PH-1，越低越好）", "share", None),
    ("screen_minutes", "每天电子产品娱乐（分钟）", "mean", None),
    ("reading_minutes", "每天课外阅读（分钟）", "mean", None),
    ("compulsory_purchase_share", "反映学校要求或统一购买读物（RD-2，应为 0）", "share", None),
    ("pe_in_school_minutes", "每天校内体育活动（分钟）", "mean", None),
    ("pe_out_school_minutes", "每天校外体育活动（分钟）", "mean", None),
    ("pe2_ok_share", "校内、校外各达 1 小时（PE-2）", "share", "pe2"),
    ("pe3_ok_share", "每天综合体育活动达 2 小时（PE-3）", "share", "pe3"),
    ("burden", "课业负担感受（1 很轻 – 5 很重）", "mean", None),
    ("subject_training_share", "参加学科类校外培训（QM-2）", "share", None),
]


def threshold_text(t, key, stage=None):
    """What the district requires, in words, for a figure (by stage where it differs)."""
    stages = [stage] if stage else ["primary", "junior"]
    names = {"primary": "小学", "junior": "初中"}
    if key == "sleep_hours":
        return "；".join(f"{names[s]}不少于 {t['sleep_hours'][s]} 小时" for s in stages)
    if key == "bedtime":
        return "；".join(f"{names[s]}不晚于 {t['bedtime'][s]}" for s in stages)
    if key == "homework":
        return ("一、二年级 0 分钟；" if not stage or stage == "primary" else "") + "；".join(
            f"{names[s]}不超过 {t['homework'][s]} 分钟" for s in stages)
    if key == "pe2":
        return f"校内不少于 {t['pe_in']} 分钟、校外不少于 {t['pe_out']} 分钟" + (
            "" if not t["adopt_pe3"] else "（本区已执行 PE-3）")
    if key == "pe3":
        return f"合计不少于 {t['pe_total']} 分钟" + (
            "（本区执行）" if t["adopt_pe3"] else "（本区未执行，仅供参考）")
    return ""


def _cell(group, key, kind):
    value = group.get(key)
    if value is None:
        return None
    return pct(value) if kind == "share" else value


# ---- staff: list, launch, close ----------------------------------------------------------------


def _progress(user, term):
    """Per school the user oversees: its survey of the term (or none), pupils, answer rate."""
    if term is None:
        return []
    schools = list(overseen_schools(user).filter(bureau_id=term.bureau_id).order_by("code"))
    found = {s.school_id: s for s in visible(user, Survey).filter(term=term)}
    pupils = dict(Pupil.objects.filter(school__in=schools).values_list("school_id")
                  .annotate(n=Count("pk")).order_by())
    return [{"school": s, "survey": found.get(s.pk), "pupils": pupils.get(s.pk, 0),
             "rate": pct(found[s.pk].answer_count / pupils[s.pk])
             if s.pk in found and pupils.get(s.pk) else None,
             "can_launch": s.pk in user.scope.admin_school_ids or is_bureau_admin_of(
                 user, s.bureau_id)} for s in schools]


@login_required
def surveys(request):
    user = request.user
    require(user, "results", Survey)
    terms = terms_for(user)
    term = choose_term(request, terms)
    rows = _progress(user, term)
    return render(request, "wellbeing/surveys.html", {
        "terms": terms, "term": term, "rows": rows, "form": LaunchForm(),
        "bureau_admin": bool(term) and is_bureau_admin_of(user, term.bureau_id),
        "missing": [r for r in rows if r["survey"] is None and r["can_launch"]]})


@login_required
@require_POST
def survey_launch(request):
    """Open the questionnaire in one school (``school``) or, for the bureau, in every school of
    the district still without one (``school=all``)."""
    user = request.user
    require(user, "launch", Survey)
    term = get_for(user, Term, request.POST.get("term"))
    form = LaunchForm(request.POST)
    back = redirect(f"{reverse('wellbeing:surveys')}?term={term.pk}")
    if not form.is_valid():
        messages.error(request, "请填写截止日期。")
        return back
    closes_on = form.cleaned_data["closes_on"]
    try:
        if request.POST.get("school") == "all":
            if not is_bureau_admin_of(user, term.bureau_id):
                raise PermissionDenied("只有教育局管理员可以为全区学校发起问卷。")
            schools = overseen_schools(user).filter(bureau_id=term.bureau_id).order_by("code")
            opened = services.launch_district_surveys(actor=user, term=term, closes_on=closes_on,
                                                      schools=schools)
            messages.success(request, f"已为 {len(opened)} 所学校发起问卷。")
        else:
            school = get_for(user, School, request.POST.get("school"))
            services.launch_survey(actor=user, school=school, term=term, closes_on=closes_on)
            messages.success(request, f"已为{school.name}发起问卷，家长登录后即可填写。")
    except RuleViolation as e:
        messages.error(request, f"未发起：{e.message}")
    return back


@login_required
@require_POST
def survey_close(request, pk):
    survey = get_for(request.user, Survey, pk, "close", queryset=SURVEYS)
    try:
        services.close_survey(actor=request.user, survey=survey)
    except RuleViolation as e:
        messages.error(request, e.message)
    else:
        messages.success(request, "问卷已结束，结果不再变化。")
    return redirect("wellbeing:survey", survey.pk)


# ---- staff: results ----------------------------------------------------------------------------


def _table(results):
    """Rows of the results table: each figure for the school and each shown stage/grade."""
    t = results["thresholds"]
    # A school of one stage is compared with that stage's values only.
    only = results["stages"][0]["stage"] if len(results["stages"]) == 1 else None
    columns = [("全校", results["overall"], None)]
    for stage in results["stages"]:
        columns.append((stage["label"], stage, stage["stage"]))
        columns += [(f"　{g['label']}", g, stage["stage"]) for g in stage["grades"]]
    rows = []
    for key, label, kind, threshold in ROWS:
        rows.append({"label": label, "kind": kind, "threshold": threshold_text(t, threshold, only)
                     if threshold else "",
                     "cells": [_cell(group, key, kind) for _, group, _ in columns]})
    return [(name, group) for name, group, _ in columns], rows


def _chart(results):
    """Shares meeting SL-1, SL-3, HW and PE by stage (suppressed stages left out)."""
    stages = [s for s in results["stages"] if not s["suppressed"]]
    keys = [("sleep_ok_share", "睡眠达标"), ("bedtime_ok_share", "按时就寝"),
            ("homework_ok_share", "作业不超时"), ("pe_ok_share", "体育活动达标")]
    return {"x": [label for _, label in keys], "percent": True,
            "series": [{"name": s["label"], "data": [pct(s[k]) for k, _ in keys]} for s in stages]}


@login_required
def survey(request, pk):
    survey = get_for(request.user, Survey, pk, "results", queryset=SURVEYS)
    results = aggregates.survey_results(survey, Policy(survey.school.bureau))
    columns, rows = _table(results)
    pupils = Pupil.objects.filter(school=survey.school).count()
    return render(request, "wellbeing/survey.html", {
        "survey": survey, "results": results, "columns": columns, "rows": rows,
        "chart": _chart(results), "pupils": pupils,
        "rate": pct(survey.answer_count / pupils) if pupils else None,
        "open": services.is_open(survey),
        "can_close": survey.status == Survey.Status.OPEN and (
            survey.school_id in request.user.scope.admin_school_ids
            or is_bureau_admin_of(request.user, survey.school.bureau_id))})


@login_required
def survey_export(request, pk):
    survey = get_for(request.user, Survey, pk, "results", queryset=SURVEYS)
    results = aggregates.survey_results(survey, Policy(survey.school.bureau))
    columns, rows = _table(results)
    book = new_book()
    sheet = book.create_sheet("问卷结果")
    sheet.append([f"{survey.school.name} {survey.term} 五项管理问卷结果（少于 "
                  f"{results['min_group']} 份答卷的组不显示数据）"])
    sheet.append(["指标", "本区要求", *[name.strip() for name, _ in columns]])
    sheet.append(["答卷数", "", *[g["n"] for _, g in columns]])
    for row in rows:
        unit = "%" if row["kind"] == "share" else ""
        sheet.append([f"{row['label']}{'（%）' if unit else ''}", row["threshold"],
                      *[("不显示" if c is None else c) for c in row["cells"]]])
    return xlsx_response(book, f"wellbeing-survey-{survey.pk}.xlsx")


def _by_school(request):
    user = request.user
    require(user, "results", Survey)
    terms = terms_for(user)
    term = choose_term(request, terms)
    if term is None:
        return terms, None, None
    schools = list(overseen_schools(user).filter(bureau_id=term.bureau_id).order_by("code"))
    answers = SurveyAnswer.objects.filter(survey__term=term, survey__school__in=schools)
    return terms, term, aggregates.schools_results(answers, schools, Policy(term.bureau))


SCHOOL_COLUMNS = [r for r in ROWS if r[0] in (
    "sleep_hours", "sleep_ok_share", "bedtime_ok_share", "homework_minutes", "homework_ok_share",
    "phone_to_school_share", "reading_minutes", "compulsory_purchase_share", "pe2_ok_share",
    "pe3_ok_share", "burden", "subject_training_share")]


@login_required
def survey_results(request):
    terms, term, results = _by_school(request)
    rows = []
    if results:
        for group in [*results["schools"], results["total"] | {"label": "合计"}]:
            rows.append({"label": group["label"], "n": group["n"],
                         "suppressed": group["suppressed"],
                         "cells": [{"value": _cell(group, k, kind), "share": kind == "share"}
                                   for k, _, kind, _ in SCHOOL_COLUMNS]})
    chart = None
    if results:
        shown = [g for g in results["schools"] if g["n"] and not g["suppressed"]]
        chart = {"x": [g["label"] for g in shown], "percent": True, "series": [
            {"name": "睡眠达标（SL-1）", "data": [pct(g["sleep_ok_share"]) for g in shown]},
            {"name": "按时就寝（SL-3）", "data": [pct(g["bedtime_ok_share"]) for g in shown]},
            {"name": "体育活动达标", "data": [pct(g["pe_ok_share"]) for g in shown]}]}
    return render(request, "wellbeing/survey_results.html", {
        "terms": terms, "term": term, "results": results, "rows": rows, "chart": chart,
        "columns": SCHOOL_COLUMNS,
        "thresholds": [threshold_text(results["thresholds"], c[3]) if c[3] else ""
                       for c in SCHOOL_COLUMNS] if results else []})


@login_required
def survey_results_export(request):
    terms, term, results = _by_school(request)
    book = new_book()
    sheet = book.create_sheet("各校问卷结果")
    sheet.append([f"五项管理问卷各校结果{' · ' + str(term) if term else ''}（少于 "
                  f"{aggregates.MIN_GROUP} 份答卷的学校不显示数据）"])
    sheet.append(["学校", "答卷数", *[f"{label}{'（%）' if kind == 'share' else ''}"
                                    for _, label, kind, _ in SCHOOL_COLUMNS]])
    if results:
        for group in [*results["schools"], results["total"] | {"label": "合计"}]:
            cells = [_cell(group, k, kind) for k, _, kind, _ in SCHOOL_COLUMNS]
            sheet.append([group["label"], group["n"],
                          *[("不显示" if group["suppressed"] else "") if c is None else c
                            for c in cells]])
    progress = book.create_sheet("填写进度")
    progress.append(["学校", "状态", "截止日期", "学生数", "已填写", "填写率（%）"])
    for row in _progress(request.user, term):
        survey = row["survey"]
        progress.append([row["school"].name, survey.get_status_display() if survey else "未发起",
                         survey.closes_on.isoformat() if survey else "", row["pupils"],
                         survey.answer_count if survey else 0, row["rate"]])
    return xlsx_response(book, f"wellbeing-survey-results-{term.pk if term else 'none'}.xlsx")


# ---- guardians: the questionnaire ---------------------------------------------------------------


@login_required
def answer(request, survey_pk, pupil_pk):
    user = request.user
    pupil = get_for(user, Pupil, pupil_pk, queryset=Pupil.objects.select_related("school_class"))
    survey = get_for(user, Survey, survey_pk, "answer", queryset=SURVEYS)
    if pupil.school_id != survey.school_id or pupil.pk not in user.scope.pupil_ids:
        raise Http404
    receipt = visible(user, SurveyReceipt).filter(survey=survey, pupil=pupil).first()
    form = AnswerForm(_posted(request))
    if request.method == "POST" and receipt is None and form.is_valid():
        try:
            services.answer_survey(actor=user, survey=survey, pupil=pupil, **form.cleaned_data)
        except RuleViolation as e:
            add_to_form(form, e)
        else:
            messages.success(request, "谢谢您的填写！问卷匿名汇总统计，学校看不到您个人的答案。")
            return redirect("wellbeing:index")
    return render(request, "wellbeing/answer.html", {
        "survey": survey, "pupil": pupil, "form": form, "receipt": receipt,
        "open": services.is_open(survey)})


def _posted(request):
    return request.POST if request.method == "POST" else None


urlpatterns = [
    path("surveys/", surveys, name="surveys"),
    path("surveys/launch/", survey_launch, name="survey-launch"),
    path("surveys/results/", survey_results, name="survey-results"),
    path("surveys/results/export/", survey_results_export, name="survey-results-export"),
    path("surveys/<int:pk>/", survey, name="survey"),
    path("surveys/<int:pk>/close/", survey_close, name="survey-close"),
    path("surveys/<int:pk>/export/", survey_export, name="survey-export"),
    path("surveys/<int:survey_pk>/child/<int:pupil_pk>/", answer, name="answer"),
]
