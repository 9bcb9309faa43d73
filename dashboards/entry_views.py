"""``/dashboard/mine/``: the dashboard a school's user starts from (the navigation's entry):
district readers the district, a school admin their school, a grade leader or head teacher
their first class. The level pages check access again."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect

from core.access import can
from dashboards.models import Dashboard


@login_required
def mine(request):
    user = request.user
    if can(user, "district", Dashboard) and Dashboard.districts(user).exists():
        return redirect("dashboards:district")
    if can(user, "school", Dashboard):
        school = Dashboard.schools(user).order_by("code").first()
        if school is not None:
            return redirect("dashboards:school", school.pk)
    if can(user, "class", Dashboard):
        school_class = Dashboard.classes(user).order_by("school__code", "grade", "number").first()
        if school_class is not None:
            return redirect("dashboards:class", school_class.pk)
    raise PermissionDenied("您没有可查看的监测看板。")
