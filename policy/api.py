"""API for rule parameters."""

from ninja import Router, Schema
from ninja.pagination import paginate

from api.pagination import LimitOffsetPagination
from api.schemas import READ_ERRORS, WRITE_ERRORS
from core.access import require
from policy import services
from policy.models import RuleSetting
from policy.params import PARAMS
from schoolcal.api import home_bureau

router = Router(tags=["规则参数"])


class ParamOut(Schema):
    key: str
    rule: str
    label: str
    national_default: object
    value: object
    source_bureau: int | None


class ParamIn(Schema):
    value: object
    reason: str = ""


def _out(policy, key):
    source = policy.sources.get(key)
    param = PARAMS[key]
    return {"key": key, "rule": param.rule, "label": param.label,
            "national_default": param.default, "value": policy[key],
            "source_bureau": source.bureau_id if source else None}


@router.get("/settings", response={200: list[ParamOut], **READ_ERRORS},
            summary="本局执行的规则参数（国家标准与本地从严值）")
@paginate(LimitOffsetPagination)
def list_settings(request):
    require(request.user, "view", RuleSetting)
    policy = services.Policy(home_bureau(request.user))
    return [_out(policy, key) for key in PARAMS]


@router.put("/settings/{key}", response={200: ParamOut, **WRITE_ERRORS},
            summary="设置本局规则参数（只能比上级更严格，否则 422 及规则编号）")
def set_setting(request, key: str, payload: ParamIn):
    bureau = home_bureau(request.user)
    services.set_rule(actor=request.user, bureau=bureau, key=key, value=payload.value,
                      reason=payload.reason)
    return _out(services.Policy(bureau), key)
