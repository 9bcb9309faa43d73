"""The burden-survey sample of a class's week (HW-17), shown on the week page as a fragment."""

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render

from core.access import can, get_for, require
from core.errors import RuleViolation
from homework import services
from homework.models import SurveySample
from org.models import SchoolClass


@login_required
def sample(request, class_pk, week_start):
    try:
        monday = dt.date.fromisoformat(week_start)
    except ValueError:
        raise Http404 from None
    require(request.user, "view", SurveySample)
    school_class = get_for(request.user, SchoolClass, class_pk,
                           queryset=SchoolClass.objects.select_related("school"))
    error = None
    if request.method == "POST":
        try:
            size = int(request.POST.get("size", ""))
        except ValueError:
            size = 0
        try:
            services.draw_sample(actor=request.user, school_class=school_class, week_start=monday,
                                 size=size)
        except RuleViolation as e:
            error = e.message
    drawn = (SurveySample.objects.visible_to(request.user)
             .filter(school_class=school_class, week_start=monday)
             .prefetch_related("pupils").first())
    probe = drawn or SurveySample(school_class=school_class, week_start=monday)
    return render(request, "homework/sample.html", {
        "school_class": school_class, "monday": monday, "sample": drawn, "error": error,
        "report": services.sample_report(drawn) if drawn else None,
        "can_draw": drawn is None and can(request.user, "draw", probe),
        "algorithm": services.SAMPLE_ALGORITHM})
