"""The school evaluation pages (QM-2): the district's evaluation table with its Excel export,
and the weights the bureau sets.

Who: the district's bureau admins and inspectors read both pages (``EvaluationScheme.ACCESS``);
only its bureau admins change the weights (an inspector sees them read-only; a POST is 403).
A district outside the user's scope is 404, like a missing one.
"""

import io

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_safe

from core.access import require, visible
from core.errors import RuleViolation, add_to_form
from dashboards import evaluation, figures
from dashboards.models import Dashboard, EvaluationScheme
from dashboards.views import period_of_request, query_string

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# ---- the district and the period -------------------------------------------------------------


def _district(request):
    """The district the page is about: ``?bureau=`` among the districts whose evaluation the
    user reads (404 outside them), else the first of them. 403 for roles that read none."""
    user = request.user
    require(user, "view", EvaluationScheme)
    readers = EvaluationScheme.ACCESS["view"]
    districts = Dashboard.districts(user).filter(pk__in=user.scope.bureau_ids_for(*readers))
    wanted = request.GET.get("bureau")
    if wanted:
        try:
            wanted = int(wanted)
        except ValueError:
            raise Http404 from None
        if not 0 < wanted < 2**63:
            raise Http404
        bureau = districts.filter(pk=wanted).first()
    else:
        bureau = districts.first()
    # Outside the scope looks exactly like missing.
    if bureau is None:
        raise Http404
    return bureau, list(districts)


# ---- the table -------------------------------------------------------------------------------


def _show_value(indicator, value):
    """A raw value as the page shows it: shares in %, spending in yuan, complaints per 1,000."""
    if value is None:
        return "—"
    if indicator["kind"] == "share":
        return f"{value * 100:.1f}%"
    if indicator["key"] == "training_spend":
        return f"{value:,.2f} 元"
    return f"{value:g} 件/千人"


def _coverage(result, row):
    """The share (%) of the weights the school's total rests on: less than 100 when it lacks
    figures (a total on 30% of the weights says less than one on all of them; below
    ``evaluation.MIN_COVERAGE`` the school is not ranked)."""
    return row["coverage"]


def _shown(result):
    """The table's rows with each indicator's value and score side by side, for the page."""
    indicators_ = result["indicators"]
    total = result["weights_total"]
    for ind in indicators_:
        ind["share"] = round(ind["weight"] * 100 / total, 1) if total else 0
    return [{**row, "coverage": _coverage(result, row),
             "cells": [{"indicator": ind, "value": _show_value(ind, row["values"][ind["key"]]),
                        "score": row["scores"][ind["key"]]} for ind in indicators_]}
            for row in result["rows"]]


def _chart(rows):
    ranked = [r for r in rows if r["total"] is not None]
    return {"x": [r["name"] for r in ranked],
            "series": [{"name": "总分（0–100）", "data": [r["total"] for r in ranked]}]}


@login_required
@require_safe
def table(request):
    """The district's evaluation table: rank, school, total, each indicator's value and score."""
    bureau, districts = _district(request)
    period, terms, notices = period_of_request(request, bureau)
    weights = evaluation.weights_of(bureau)
    data = figures.district(bureau, period)
    result = evaluation.table(data, weights)
    if request.GET.get("export") == "xlsx":
        return _export(bureau, period, result, weights)
    rows = _shown(result)
    unused = [i for i in evaluation.INDICATORS if not weights.get(i.key)]
    hidden = {"bureau": bureau.pk}
    return render(request, "dashboards/evaluation.html", {
        "bureau": bureau, "bureaus": districts, "period": period, "terms": terms,
        "as_of": figures.as_of(data),
        "notices": notices, "hidden": hidden, "export_query": query_string(period, export="xlsx",
                                                                     **hidden),
        "school_query": query_string(period),
        "result": result, "rows": rows, "unused": unused, "chart": _chart(rows),
        "columns": 4 + 2 * len(result["indicators"]),
        "min_coverage": evaluation.MIN_COVERAGE,
        "can_change": bureau.pk in request.user.scope.bureau_ids_for(
            *EvaluationScheme.ACCESS["change"])})


def _export(bureau, period, result, weights):
    """The table as a workbook: 评价表 (one row per school) and 权重 (every indicator)."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("评价表")
    header = ["名次", "学校代码", "学校", "学段", "总分", "计分权重占比（%）"]
    for ind in result["indicators"]:
        unit = "%，" if ind["kind"] == "share" else ""
        header += [f"{ind['label']}（{unit}权重 {ind['weight']}）", f"{ind['label']}·得分"]
    sheet.append(header + ["数据不足的指标"])
    for row in result["rows"]:
        line = [row["rank"], row["code"], row["name"], row["stage"], row["total"],
                _coverage(result, row)]
        for ind in result["indicators"]:
            value = row["values"][ind["key"]]
            if value is not None and ind["kind"] == "share":
                value = round(value * 100, 1)
            line += [value, row["scores"][ind["key"]]]
        sheet.append(line + ["、".join(row["missing"])])
    weights_sheet = book.create_sheet("权重")
    weights_sheet.append(["指标", "规则", "权重", "说明"])
    for ind in evaluation.INDICATORS:
        weights_sheet.append([ind.label, ind.rule, weights[ind.key], ind.help])
    weights_sheet.append(["合计", "", sum(weights.values()),
                          f"{bureau.name}；统计期 {period.start} 至 {period.end}；"
                          "各项权重按合计重新归一，缺数据的指标不计入该校"])
    out = io.BytesIO()
    book.save(out)
    response = HttpResponse(out.getvalue(), content_type=XLSX)
    name = f"evaluation-{bureau.code}-{period.start}-{period.end}.xlsx"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{name}"
    return response


# ---- the weights -----------------------------------------------------------------------------


class WeightsForm(forms.Form):
    """One whole number 0–100 per indicator; the range and "not all zero" are the service's
    checks (QM-2), this form only turns the text into numbers."""

    def __init__(self, *args, disabled=False, **kwargs):
        super().__init__(*args, **kwargs)
        for ind in evaluation.INDICATORS:
            message = f"“{ind.label}”的权重须为 0 至 100 的整数（QM-2）"
            self.fields[ind.key] = forms.IntegerField(
                label=ind.label, help_text=ind.help, disabled=disabled,
                widget=forms.NumberInput(attrs={"min": 0, "max": 100, "step": 1}),
                error_messages={"invalid": message, "required": message})

    def rows(self, shares):
        return [{"field": self[ind.key], "indicator": ind, "share": shares[ind.key]}
                for ind in evaluation.INDICATORS]


def _save(request, bureau, weights):
    """Save through the service (it checks the role and records who changed what)."""
    return evaluation.save_weights(actor=request.user, bureau=bureau, weights=weights)


@login_required
def weights(request):
    """The district's weights: bureau admins change them, inspectors read them."""
    bureau, districts = _district(request)
    can_change = bureau.pk in request.user.scope.bureau_ids_for(
        *EvaluationScheme.ACCESS["change"])
    current = evaluation.weights_of(bureau)
    back = reverse("dashboards:evaluation-weights") + f"?bureau={bureau.pk}"
    if request.method == "POST":
        # Only a bureau admin of this district (an unsaved scheme carries the district to the
        # gate's permits(); inspectors get 403).
        require(request.user, "change", EvaluationScheme(bureau=bureau))
        if request.POST.get("action") == "reset":
            _save(request, bureau, dict(evaluation.DEFAULT_WEIGHTS))
            messages.success(request, "已恢复默认权重。")
            return redirect(back)
        form = WeightsForm(request.POST)
        if form.is_valid():
            try:
                changes = _save(request, bureau, form.cleaned_data)
            except RuleViolation as e:
                add_to_form(form, e)
            else:
                messages.success(request, f"已保存评价权重（{len(changes)} 项有变化）。"
                                 if changes else "权重没有变化。")
                return redirect(back)
    else:
        form = WeightsForm(initial=current, disabled=not can_change)
    scheme = visible(request.user, EvaluationScheme).filter(bureau=bureau).select_related(
        "updated_by").first()
    total = sum(current.values())
    shares = {k: round(v * 100 / total, 1) if total else 0 for k, v in current.items()}
    return render(request, "dashboards/evaluation_weights.html", {
        "bureau": bureau, "bureaus": districts, "form": form, "rows": form.rows(shares),
        "can_change": can_change, "scheme": scheme, "total": total,
        "defaults": evaluation.DEFAULT_WEIGHTS,
        "is_default": current == evaluation.DEFAULT_WEIGHTS,
        "min_coverage": evaluation.MIN_COVERAGE})
