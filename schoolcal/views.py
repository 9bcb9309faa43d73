"""Calendar pages: a year at a glance, and bureau admins' terms, vacations and overrides."""

import calendar as pycal
import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.access import can, get_for, require
from core.errors import RuleViolation, add_to_form
from schoolcal import services
from schoolcal.api import home_bureau
from schoolcal.calendar import KIND_LABELS, SchoolCalendar, missing_data_warning, package_has_year
from schoolcal.forms import OverrideForm, TermForm, VacationForm
from schoolcal.models import DayOverride, Term, Vacation


def _year(request):
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        year = timezone.localdate().year
    return min(max(year, 2004), 2100)


@login_required
def index(request):
    require(request.user, "view", Term)
    bureau = home_bureau(request.user)
    year = _year(request)
    calendar = SchoolCalendar(bureau)
    months = []
    for month in range(1, 13):
        first = dt.date(year, month, 1)
        last = dt.date(year, month, pycal.monthrange(year, month)[1])
        months.append({"month": month, "blank": range(first.weekday()),
                       "days": list(calendar.days(first, last))})
    warning = None if package_has_year(year) else missing_data_warning(
        year, calendar.overrides_in_year(year))
    return render(request, "schoolcal/index.html", {
        "bureau": bureau, "year": year, "months": months, "warning": warning,
        "legend": KIND_LABELS, "terms": Term.objects.visible_to(request.user).filter(bureau=bureau),
        "vacations": Vacation.objects.visible_to(request.user).filter(bureau=bureau),
        "overrides": DayOverride.objects.visible_to(request.user).filter(bureau=bureau,
                                                                          date__year=year),
        "override_form": OverrideForm(),
        "can_edit": can(request.user, "change", Term),
    })


def _edit(request, model, form_class, save, pk, label):
    obj = get_for(request.user, model, pk, "change") if pk else None
    if obj is None:
        require(request.user, "create", model)
    bureau = home_bureau(request.user)
    form = form_class(request.POST or None, instance=obj)
    if request.method == "POST" and form.is_valid():
        if obj:
            obj.refresh_from_db()  # the form wrote onto it; the service compares before/after
        try:
            save(actor=request.user, bureau=bureau, obj=obj, data=form.cleaned_data)
        except RuleViolation as e:
            add_to_form(form, e)
        else:
            messages.success(request, f"{label}已保存。")
            return redirect("calendar:index")
    return render(request, "org/form.html", {"form": form, "title": f"编辑{label}"})


@login_required
def term_edit(request, pk=None):
    def save(actor, bureau, obj, data):
        services.save_term(actor=actor, bureau=bureau, term=obj, **data)

    return _edit(request, Term, TermForm, save, pk, "学期")


@login_required
def vacation_edit(request, pk=None):
    def save(actor, bureau, obj, data):
        services.save_vacation(actor=actor, bureau=bureau, vacation=obj, **data)

    return _edit(request, Vacation, VacationForm, save, pk, "假期")


@login_required
@require_POST
def override_save(request):
    require(request.user, "create", DayOverride)
    form = OverrideForm(request.POST)
    if form.is_valid():
        try:
            override = services.save_override(actor=request.user,
                                              bureau=home_bureau(request.user),
                                              **form.cleaned_data)
        except RuleViolation as e:
            add_to_form(form, e)
        else:
            messages.success(request, f"已保存 {override.date} 的日期调整。")
            return redirect(f"/calendar/?year={override.date.year}")
    messages.error(request, "日期调整未保存：" + "；".join(
        str(e) for errors in form.errors.values() for e in errors))
    return redirect("calendar:index")


@login_required
@require_POST
def override_delete(request, pk):
    override = get_for(request.user, DayOverride, pk, "delete")
    year = override.date.year
    services.delete_override(actor=request.user, override=override)
    messages.success(request, "已删除该日期调整。")
    return redirect(f"/calendar/?year={year}")
