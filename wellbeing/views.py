"""Five-managements pages: the hub, a school's settings checked against the rules, reading lists
(RD-1, RD-2) and the compliance of all schools. Surveys are in ``survey_views``; the burden
report and its publication in ``burden_views``.

Each view: gate (core.access) → form → one service of ``wellbeing.services`` → redirect, or
the fragment of the same page when HTMX asks (STYLE 10).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from core.access import can, get_for, require, visible
from core.errors import RuleViolation, add_to_form
from org.models import Pupil, School
from policy.services import Policy
from schoolcal.models import Term
from wellbeing import compliance, services
from wellbeing.forms import AdvanceForm, ReadingChangeForm, ReadingListForm, SettingsForm
from wellbeing.models import (
    BUREAU_READERS,
    BurdenPublication,
    ReadingList,
    SchoolSettings,
    Survey,
    SurveyReceipt,
)
from wellbeing.page_helpers import (
    choose_term,
    is_overseer,
    new_book,
    overseen_schools,
    pct,
    terms_for,
    verdict,
    xlsx_response,
)

SCHOOLS = School.objects.select_related("bureau")
READING = ReadingList.objects.select_related("school__bureau")


def _posted(request):
    return request.POST if request.method == "POST" else None


# ---- the hub ------------------------------------------------------------------------------


def _children(user):
    """Per child: the surveys of the child's school (answer or answered), the published burden
    reports of its district and the reading lists disclosed to parents."""
    scope = user.scope
    children = list(visible(user, Pupil).filter(pk__in=scope.pupil_ids)
                    .select_related("school", "school_class").order_by("name"))
    schools = {c.school_id for c in children}
    surveys = list(visible(user, Survey).filter(school_id__in=schools)
                   .select_related("term", "school").order_by("-term__start"))
    answered = set(visible(user, SurveyReceipt).values_list("survey_id", "pupil_id"))
    reports = list(visible(user, BurdenPublication).select_related("term", "bureau"))
    lists = list(visible(user, ReadingList).filter(school_id__in=schools))
    cards = []
    for child in children:
        cards.append({
            "pupil": child,
            "surveys": [{"survey": s, "answered": (s.pk, child.pk) in answered,
                         "open": services.is_open(s)}
                        for s in surveys if s.school_id == child.school_id],
            "reports": [p for p in reports if p.bureau_id == child.school.bureau_id],
            "reading": [r for r in lists if r.school_id == child.school_id],
        })
    return cards


def _school_cards(user, term):
    """For a school admin: each of their schools' state this term."""
    schools = list(overseen_schools(user).filter(pk__in=user.scope.admin_school_ids)
                   .select_related("bureau").order_by("code"))
    if term is None:
        return []
    rows = {r["school"].pk: r for r in compliance.district_rows(
        schools=[s for s in schools if s.bureau_id == term.bureau_id], term=term,
        policy=Policy(term.bureau))}
    surveys = {s.school_id: s for s in visible(user, Survey).filter(term=term)}
    return [{"school": s, "compliance": rows.get(s.pk), "survey": surveys.get(s.pk)}
            for s in schools]


@login_required
def index(request):
    user = request.user
    if not (is_overseer(user) or user.scope.pupil_ids):
        raise PermissionDenied("五项管理面向学校管理员、教育局和家长。")
    context = {"children": _children(user) if user.scope.pupil_ids else []}
    if is_overseer(user):
        terms = terms_for(user)
        term = choose_term(request, terms)
        context.update(terms=terms, term=term, school_cards=_school_cards(user, term),
                       bureau=user.scope.has(*BUREAU_READERS))
    return render(request, "wellbeing/index.html", context)


# ---- school settings --------------------------------------------------------------------------


def _school_and_term(user, school_pk, term_pk):
    school = get_for(user, School, school_pk, queryset=SCHOOLS)
    term = get_for(user, Term, term_pk)
    # A term of another district's calendar does not exist for this school.
    if term.bureau_id != school.bureau_id:
        raise Http404
    return school, term


def _settings_context(user, school, term, settings, form):
    policy = Policy(school.bureau)
    lists = list(ReadingList.objects.filter(school=school, school_year=term.school_year))
    items = compliance.check_school(settings, lists, school=school, policy=policy)
    return {"school": school, "term": term, "settings": settings, "form": form, "items": items,
            "summary": compliance.summary(items), "rule_names": compliance.RULE_NAMES,
            "can_edit": school.pk in user.scope.admin_school_ids,
            "pe3": policy["pe.adopt_pe3"] == "yes"}


@login_required
def settings(request, school_pk, term_pk):
    """The school's declared settings for a term, each item checked (符合/不符合, rule id, the
    district's value). School admins edit; the district's bureau reads."""
    user = request.user
    school, term = _school_and_term(user, school_pk, term_pk)
    require(user, "view", SchoolSettings)
    current = visible(user, SchoolSettings).filter(school=school, term=term).first()
    form = SettingsForm(_posted(request), school=school,
                        initial=SettingsForm.initial_from(current))
    if request.method == "POST":
        require(user, "change", current or SchoolSettings)
        if form.is_valid():
            try:
                services.save_settings(actor=user, school=school, term=term,
                                       **form.service_data())
            except RuleViolation as e:
                add_to_form(form, e)
            else:
                messages.success(request, "已保存。各项是否符合规定见右侧检查结果。")
                return redirect("wellbeing:settings", school.pk, term.pk)
    context = _settings_context(user, school, term, current, form)
    if request.htmx:
        return render(request, "wellbeing/settings.html#checks", context)
    return render(request, "wellbeing/settings.html", context)


# ---- reading lists (RD-1, RD-2) ----------------------------------------------------------------


@login_required
def reading(request, school_pk):
    user = request.user
    school = get_for(user, School, school_pk, queryset=SCHOOLS)
    require(user, "view", ReadingList)
    form = ReadingListForm(_posted(request), school=school)
    if request.method == "POST":
        require(user, "create", ReadingList)
        if form.is_valid():
            data = form.cleaned_data
            try:
                reading_list = services.create_reading_list(
                    actor=user, school=school, school_year=data["school_year"],
                    title=data["title"], grades=data["grades"], books=data["books"],
                    purchase=data["purchase"], disclosed_to_parents=data["disclosed_to_parents"])
            except RuleViolation as e:
                add_to_form(form, e)
            else:
                messages.success(request, "已登记初选书目。请依次完成审核、确认并报教育局备案（RD-1）。")
                return redirect("wellbeing:reading-list", reading_list.pk)
    lists = visible(user, ReadingList).filter(school=school).prefetch_related("steps")
    return render(request, "wellbeing/reading.html", {
        "school": school, "lists": lists, "form": form,
        "can_create": school.pk in user.scope.admin_school_ids})


@login_required
def reading_list(request, pk):
    user = request.user
    reading_list = get_for(user, ReadingList, pk, queryset=READING)
    form = ReadingChangeForm(_posted(request), initial={
        "purchase": reading_list.purchase,
        "disclosed_to_parents": reading_list.disclosed_to_parents})
    if request.method == "POST":
        require(user, "change", reading_list)
        if form.is_valid():
            try:
                services.change_reading_list(actor=user, reading_list=reading_list,
                                             **form.cleaned_data)
            except RuleViolation as e:
                add_to_form(form, e)
            else:
                messages.success(request, "已保存。")
                return redirect("wellbeing:reading-list", reading_list.pk)
    can_change = can(user, "change", reading_list)
    return render(request, "wellbeing/reading_list.html", {
        "reading": reading_list, "form": form, "can_change": can_change,
        "steps": reading_list.steps.select_related("actor"),
        "advance": AdvanceForm(initial={"to": (reading_list.next_statuses or [None])[0]})
        if can_change and reading_list.next_statuses else None,
        "items": compliance.check_reading(
            [reading_list], policy=Policy(reading_list.school.bureau))[1:]})


@login_required
@require_POST
def reading_advance(request, pk):
    user = request.user
    reading_list = get_for(user, ReadingList, pk, "change", queryset=READING)
    form = AdvanceForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请选择下一程序。")
    else:
        try:
            services.advance_reading_list(actor=user, reading_list=reading_list,
                                          **form.cleaned_data)
        except RuleViolation as e:
            messages.error(request, f"未完成：{e.message}（{e.rule}）")
        else:
            messages.success(request, "已进入下一程序。")
    return redirect("wellbeing:reading-list", reading_list.pk)


@login_required
def reading_export(request, school_pk):
    user = request.user
    school = get_for(user, School, school_pk, queryset=SCHOOLS)
    require(user, "view", ReadingList)
    book = new_book()
    sheet = book.create_sheet("课外读物推荐")
    sheet.append([f"{school.name} 课外读物推荐（RD-1、RD-2）"])
    sheet.append(["学年", "名称", "适用年级", "程序", "书目数", "购买方式", "已向家长公开", "书目"])
    for r in visible(user, ReadingList).filter(school=school):
        sheet.append([r.school_year, r.title, "、".join(str(g) for g in r.grades),
                      r.get_status_display(), len(r.book_lines), r.get_purchase_display(),
                      "是" if r.disclosed_to_parents else "否", "；".join(r.book_lines)])
    return xlsx_response(book, f"reading-lists-{school.code}.xlsx")


# ---- compliance of all schools ----------------------------------------------------------------


def _compliance(request):
    user = request.user
    require(user, "view", SchoolSettings)
    terms = terms_for(user)
    term = choose_term(request, terms)
    if term is None:
        return terms, None, []
    schools = list(overseen_schools(user).filter(bureau_id=term.bureau_id).select_related("bureau")
                   .order_by("code"))
    rows = compliance.district_rows(schools=schools, term=term, policy=Policy(term.bureau))
    return terms, term, rows


def _compliance_chart(rows):
    groups = [g for g in compliance.RULE_GROUPS if any(g in r["summary"]["by_rule"] for r in rows)]
    def share(group):
        judged = [r for r in rows if group in r["summary"]["by_rule"]]
        ok = sum(1 for r in judged if r["summary"]["by_rule"][group] is True)
        return pct(ok / len(judged)) if judged else None
    return {"x": [f"{g} {compliance.RULE_NAMES[g]}" for g in groups], "percent": True,
            "series": [{"name": "符合的学校占比（%）", "data": [share(g) for g in groups]}]}


@login_required
def compliance_view(request):
    terms, term, rows = _compliance(request)
    for r in rows:
        by_rule = r["summary"]["by_rule"]
        r["cells"] = [by_rule.get(g, "n/a") for g in compliance.RULE_GROUPS]
    return render(request, "wellbeing/compliance.html", {
        "terms": terms, "term": term, "rows": rows,
        "groups": [(g, compliance.RULE_NAMES[g]) for g in compliance.RULE_GROUPS],
        "chart": _compliance_chart(rows),
        "compliant": sum(1 for r in rows if r["summary"]["compliant"])})


@login_required
def compliance_export(request):
    terms, term, rows = _compliance(request)
    book = new_book()
    sheet = book.create_sheet("各校符合情况")
    sheet.append([f"五项管理规定符合情况{' · ' + str(term) if term else ''}"])
    groups = compliance.RULE_GROUPS
    sheet.append(["学校", "学段", *[f"{g} {compliance.RULE_NAMES[g]}" for g in groups],
                  "符合项", "不符合项", "未填写/进行中"])
    for r in rows:
        by_rule = r["summary"]["by_rule"]
        sheet.append([r["school"].name, r["school"].get_stage_display(),
                      *[verdict(by_rule[g]) if g in by_rule else "不适用" for g in groups],
                      r["summary"]["ok"], r["summary"]["failed"], r["summary"]["missing"]])
    items = book.create_sheet("检查明细")
    items.append(["学校", "规则", "检查项", "学校填报", "本区要求", "本区从严", "结果"])
    for r in rows:
        for i in r["items"]:
            items.append([r["school"].name, i.rule, i.label, i.value, i.required,
                          "是" if i.stricter else "", verdict(i.ok)])
    return xlsx_response(book, f"wellbeing-compliance-{term.pk if term else 'none'}.xlsx")


urlpatterns = [
    path("", index, name="index"),
    path("schools/<int:school_pk>/terms/<int:term_pk>/settings/", settings, name="settings"),
    path("schools/<int:school_pk>/reading/", reading, name="reading"),
    path("schools/<int:school_pk>/reading/export/", reading_export, name="reading-export"),
    path("reading/<int:pk>/", reading_list, name="reading-list"),
    path("reading/<int:pk>/advance/", reading_advance, name="reading-advance"),
    path("compliance/", compliance_view, name="compliance"),
    path("compliance/export/", compliance_export, name="compliance-export"),
]
