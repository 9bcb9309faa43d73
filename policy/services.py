"""Reading and setting rule parameters for a bureau."""

from django.db import transaction

from audit.actions import log_action
from core.access import require
from core.errors import RuleViolation
from org.roles import Role
from policy.models import RuleSetting
from policy.params import PARAMS, is_stricter_or_equal


def _chain(bureau):
    chain = []
    while bureau is not None:
        chain.append(bureau)
        bureau = bureau.parent
    return chain  # own bureau first


class Policy:
    """The effective parameters of one bureau: its own values, else its parents', else national.

    Load once per request or per batch (one query), then read with ``policy[key]``.
    """

    def __init__(self, bureau):
        chain = _chain(bureau)
        rank = {b.pk: i for i, b in enumerate(chain)}
        rows = sorted(RuleSetting.objects.filter(bureau_id__in=rank),
                      key=lambda r: -rank[r.bureau_id])
        self.bureau = bureau
        self.values = {r.key: r.value for r in rows}  # nearest bureau wins
        self.sources = {r.key: r for r in rows}

    def __getitem__(self, key):
        return self.values.get(key, PARAMS[key].default)

    def parent_value(self, key):
        parent = self.bureau.parent
        return Policy(parent)[key] if parent is not None else PARAMS[key].default


def clean_value(param, raw):
    if param.kind == "time":
        text = str(raw or "").strip()
        try:
            hours, minutes = (int(part) for part in text.split(":"))
        except ValueError:
            raise RuleViolation("invalid", "请按 时:分 填写，如 17:30。", "value") from None
        if not (0 <= hours <= 23 and 0 <= minutes <= 59):
            raise RuleViolation("invalid", "时间无效。", "value")
        return f"{hours:02d}:{minutes:02d}"
    if param.kind == "choice":
        if raw not in dict(param.choices):
            raise RuleViolation("invalid", f"取值无效：{raw}。", "value")
        return raw
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise RuleViolation("invalid", "请填写整数。", "value") from None
    if not param.minimum <= value <= param.maximum:
        raise RuleViolation("invalid", f"取值应在 {param.minimum}–{param.maximum} 之间。", "value")
    return value


@transaction.atomic
def set_rule(*, actor, bureau, key, value, reason=""):
    """Set a bureau's value; refused (with the rule id) when looser than the parent's value."""
    require(actor, "change", RuleSetting)
    if bureau.pk not in actor.scope.bureau_ids_for(Role.BUREAU_ADMIN):
        raise RuleViolation("forbidden_unit", "只能设置本局的规则参数。", "bureau")
    param = PARAMS.get(key)
    if param is None:
        raise RuleViolation("invalid", f"没有这个参数：{key}。", "key")
    value = clean_value(param, value)
    floor = Policy(bureau).parent_value(key)
    if not is_stricter_or_equal(param, value, floor):
        raise RuleViolation(param.rule, f"区县只能比上级（国家）标准更严格：上级取值为 {floor}。",
                            "value")
    setting = RuleSetting.objects.filter(bureau=bureau, key=key).first()
    old = setting.value if setting else None
    setting = setting or RuleSetting(bureau=bureau, key=key)
    setting.value, setting.reason, setting.updated_by = value, reason.strip(), actor
    setting.save()
    log_action(setting, "policy.rule.set", actor=actor, changes={key: [old, value]},
               data={"rule": param.rule})
    return setting
