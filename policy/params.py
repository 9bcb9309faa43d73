"""Every configurable number of RULES.md, with its rule id and national default.

A district may only be stricter than the national value (and than its parent bureau), never
looser: ``stricter`` says which direction is stricter ("lower" or "higher"); choice parameters
list their options from loosest to strictest.
"""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Param:
    key: str
    rule: str
    label: str
    default: object
    kind: str = "int"  # int | choice
    stricter: str | None = "lower"  # lower | higher | None (choices: later = stricter)
    choices: tuple = field(default_factory=tuple)  # ((value, label), ...) loosest first
    unit: str = ""
    minimum: int = 0
    maximum: int = 10_000
    help: str = ""


PARAMS = {p.key: p for p in [
    Param("hw.max_avg_minutes.primary", "HW-2", "小学（三年级及以上）每天书面作业平均完成时间上限", 60,
          unit="分钟", maximum=60, help="国家标准 60 分钟；如鞍山为 45 分钟。按学段计算（XC-1）。"),
    Param("hw.max_avg_minutes.junior", "HW-3", "初中每天书面作业平均完成时间上限", 90, unit="分钟",
          maximum=90, help="国家标准 90 分钟；如鞍山为 60 分钟。"),
    Param("hw.holiday_policy", "HW-4", "周末、节假日和寒暑假的书面作业总量", "same_as_school_day",
          kind="choice", stricter=None,
          choices=(("same_as_school_day", "每天不超过上课日上限"),
                   ("half_of_school_day", "每天不超过上课日上限的一半"),
                   ("none", "不布置书面家庭作业")),
          help="国家未规定具体数值（RULES 开放问题 7），默认与上课日相同，区县可从严。"),
    Param("hw.max_written_subjects.primary", "HW-20", "小学每天布置书面作业的学科数上限", 0,
          unit="科（0 为不限）", maximum=15, help="如浙江：小学三至六年级不超过 3 科。0 表示不限。"),
    Param("hw.max_written_subjects.junior", "HW-20", "初中每天布置书面作业的学科数上限", 0,
          unit="科（0 为不限）", maximum=15, help="如浙江：初中不超过 4 科。0 表示不限。"),
]}


def is_stricter_or_equal(param, value, than):
    """True when ``value`` is at least as strict as ``than`` for this parameter."""
    if param.kind == "choice":
        order = [v for v, _ in param.choices]
        return order.index(value) >= order.index(than)
    if param.key.startswith("hw.max_written_subjects"):
        # 0 means "no limit", the loosest value of all.
        return than == 0 or (value != 0 and value <= than)
    if param.stricter == "lower":
        return value <= than
    if param.stricter == "higher":
        return value >= than
    return True
