"""The bureau's rule parameters: national default, effective value, where it comes from."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from core.access import require
from core.errors import RuleViolation
from policy import services
from policy.models import RuleSetting
from policy.params import PARAMS
from schoolcal.api import home_bureau


@login_required
def index(request):
    require(request.user, "view", RuleSetting)
    bureau = home_bureau(request.user)
    policy = services.Policy(bureau)
    if request.method == "POST":
        require(request.user, "change", RuleSetting)
        try:
            services.set_rule(actor=request.user, bureau=bureau, key=request.POST.get("key", ""),
                              value=request.POST.get("value"), reason=request.POST.get("reason", ""))
        except RuleViolation as e:
            messages.error(request, f"未保存：{e.message}（{e.rule}）")
        else:
            messages.success(request, "规则参数已保存。")
        return redirect("policy:index")
    rows = [{"param": p, "value": policy[p.key], "source": policy.sources.get(p.key),
             "value_label": dict(p.choices).get(policy[p.key], policy[p.key])}
            for p in PARAMS.values()]
    return render(request, "policy/index.html", {
        "bureau": bureau, "rows": rows,
        "can_edit": request.user.scope.has("bureau_admin") and
        bureau.pk in request.user.scope.bureau_ids_for("bureau_admin")})
