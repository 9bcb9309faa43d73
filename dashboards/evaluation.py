"""The double-reduction part of school evaluation (QM-2): each school's indicators turned into
scores of 0–100 and combined with the weights the district sets.

Scores:
- a share (e.g. after-school participation) scores share × 100 (or (1 − share) × 100 when lower
  is better);
- an amount without a natural scale (training spending per pupil, complaints per 1,000 pupils)
  is scored against the district's schools: the best school 100, the worst 0, linearly between
  (all equal: 100).
A school without data for an indicator is scored on the others (the weights are re-normalised)
and the missing indicator is listed, so nobody is ranked on a zero they did not earn; a school
whose figures carry less than 30 % of the weights (``MIN_COVERAGE``) gets a total but no rank,
so a school with little data cannot top the table.
"""

from dataclasses import dataclass

from django.db import transaction

from audit.actions import log_action
from core.access import require
from core.errors import RuleViolation
from dashboards.models import EvaluationScheme


@dataclass(frozen=True)
class Indicator:
    key: str
    label: str
    rule: str
    kind: str  # "share" or "relative"
    higher_is_better: bool
    default_weight: int
    help: str

    def value(self, row):
        return VALUES[self.key](row)


def _get(row, *path):
    for key in path:
        if row is None:
            return None
        row = row.get(key)
    return row


def _per(part, whole, scale=1):
    return round(part * scale / whole, 2) if whole else None


VALUES = {
    "homework_within": lambda r: _get(r, "homework", "within_share")
    if _get(r, "homework", "class_days") else None,
    "reported_within": lambda r: None if _get(r, "reported", "over_share") is None
    else round(1 - r["reported"]["over_share"], 3),
    "after_school_participation": lambda r: _get(r, "after_school", "participation")
    if _get(r, "after_school", "pupils") else None,
    "after_school_satisfaction": lambda r: None if _get(r, "after_school", "satisfaction") is None
    else round(r["after_school"]["satisfaction"] / 5, 3),
    "subject_training": lambda r: _get(r, "survey", "subject_training_share"),
    "training_spend": lambda r: _per(_get(r, "training", "fen") or 0, r.get("pupils"), 0.01),
    "mentoring_completion": lambda r: _get(r, "mentoring", "completion"),
    "five_managements": lambda r: None if not r.get("compliance") else _per(
        r["compliance"]["ok"],
        r["compliance"]["ok"] + r["compliance"]["failed"] + r["compliance"]["missing"]),
    "sleep": lambda r: _get(r, "survey", "sleep_ok_share"),
    "complaints": lambda r: _per(r.get("complaints") or 0, r.get("pupils"), 1000),
}

INDICATORS = [
    Indicator("homework_within", "作业总量达标（班级日未超上限占比）", "HW-2", "share", True, 20,
              "统计期内有作业的班级日中未超过书面家庭作业上限的占比"),
    Indicator("reported_within", "家长反馈用时未超限占比", "HW-2", "share", True, 10,
              "家长反馈的实际完成时间未超过当天上限的占比"),
    Indicator("after_school_participation", "课后服务参与率", "QM-2", "share", True, 15,
              "参加课后服务的学生占服务年级学生的比例（QM-2、QM-4）"),
    Indicator("after_school_satisfaction", "课后服务家长满意度", "QM-4", "share", True, 10,
              "家长满意度评分（5 分制）换算为百分制"),
    Indicator("subject_training", "参加学科类校外培训的学生比例（问卷）", "QM-2", "share", False,
              10, "家长问卷中孩子参加学科类校外培训的比例，越低越好"),
    Indicator("training_spend", "生均预收费培训合同金额（元）", "QM-2", "relative", False, 10,
              "统计期内本校学生家庭在平台签订的校外培训合同金额除以在校学生数，越低越好，"
              "按全区各校相对位置计分"),
    Indicator("mentoring_completion", "导师“三个一”完成率", "MT-2", "share", True, 10,
              "有导师的学生中家访、谈心、书面反馈三项都已完成的比例"),
    Indicator("five_managements", "五项管理合规项占比", "SL-2", "share", True, 10,
              "作息、体育、手机、读物等学校设置检查中符合规定的项目占比"),
    Indicator("sleep", "睡眠时间达标率（问卷）", "SL-1", "share", True, 5,
              "家长问卷中睡眠时间达到本学段要求的比例"),
    Indicator("complaints", "每千名学生投诉件数", "QM-3", "relative", False, 0,
              "统计期内涉及本校的投诉举报件数（每千名学生），越低越好，按全区各校相对位置计分"),
]
BY_KEY = {i.key: i for i in INDICATORS}
AUDIT_CODE = "dashboards.weights.saved"
MIN_COVERAGE = 30  # % of the weights a school's figures must carry to be ranked
DEFAULT_WEIGHTS = {i.key: i.default_weight for i in INDICATORS}


def weights_of(bureau):
    """The district's weights (the defaults where it set none)."""
    scheme = EvaluationScheme.objects.filter(bureau=bureau).first()
    stored = scheme.weights if scheme else {}
    return {key: int(stored.get(key, default)) for key, default in DEFAULT_WEIGHTS.items()}


def save_weights(*, actor, bureau, weights):
    """Store a district's weights (the district's bureau admins only): whole numbers 0–100 for
    known indicators, not all zero. Raises RuleViolation (QM-2, with the field) otherwise;
    nothing is saved then. Audited with old → new; returns those changes."""
    require(actor, "change", EvaluationScheme(bureau=bureau))
    unknown = sorted(set(weights) - set(BY_KEY))
    if unknown:
        raise RuleViolation("QM-2", f"未知的评价指标：{'、'.join(unknown)}", "weights")
    clean = {}
    for key in BY_KEY:
        value = weights.get(key, DEFAULT_WEIGHTS[key])
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
            raise RuleViolation("QM-2", f"“{BY_KEY[key].label}”的权重须为 0 至 100 的整数", key)
        clean[key] = value
    if not any(clean.values()):
        raise RuleViolation("QM-2", "至少一项指标的权重须大于 0", "weights")
    with transaction.atomic():
        scheme, _ = EvaluationScheme.objects.select_for_update(of=("self",)).get_or_create(
            bureau=bureau)
        old = {key: int(scheme.weights.get(key, DEFAULT_WEIGHTS[key])) for key in BY_KEY}
        scheme.weights = clean
        scheme.updated_by = actor
        scheme.save()
        changes = {key: [old[key], clean[key]] for key in BY_KEY if old[key] != clean[key]}
        log_action(scheme, AUDIT_CODE, actor=actor, changes=changes,
                   data={"bureau": bureau.code})
    return changes


def _scores(indicator, values):
    """Scores of one indicator for every school (None where a school has no value)."""
    if indicator.kind == "share":
        return {k: None if v is None else round((v if indicator.higher_is_better else 1 - v)
                                                 * 100, 1) for k, v in values.items()}
    present = [v for v in values.values() if v is not None]
    if not present:
        return dict.fromkeys(values)
    low, high = min(present), max(present)
    out = {}
    for k, v in values.items():
        if v is None:
            out[k] = None
        elif high == low:
            out[k] = 100.0
        else:
            position = (v - low) / (high - low)
            out[k] = round((position if indicator.higher_is_better else 1 - position) * 100, 1)
    return out


def table(district_data, weights):
    """The evaluation table of a district's dashboard data: one row per school with its raw
    values, scores, weighted total and rank (ties share a rank)."""
    schools = district_data["schools"]
    used = [i for i in INDICATORS if weights.get(i.key, 0) > 0]
    values = {i.key: {s["school_id"]: i.value(s) for s in schools} for i in used}
    scores = {i.key: _scores(i, values[i.key]) for i in used}
    rows = []
    all_weight = sum(weights[i.key] for i in used)
    for s in schools:
        sid = s["school_id"]
        total_weight = sum(weights[i.key] for i in used if scores[i.key][sid] is not None)
        coverage = round(total_weight * 100 / all_weight) if all_weight else 0
        total = (round(sum(weights[i.key] * scores[i.key][sid] for i in used
                           if scores[i.key][sid] is not None) / total_weight, 1)
                 if total_weight else None)
        rows.append({
            "school_id": sid, "code": s["code"], "name": s["name"], "stage": s["stage"],
            "values": {i.key: values[i.key][sid] for i in used},
            "scores": {i.key: scores[i.key][sid] for i in used},
            "missing": [i.label for i in used if scores[i.key][sid] is None],
            "total": total,
            "coverage": coverage,
        })
    ranked = sorted((r for r in rows if r["total"] is not None
                     and r["coverage"] >= MIN_COVERAGE), key=lambda r: -r["total"])
    rank, previous = 0, None
    for position, row in enumerate(ranked, 1):
        if row["total"] != previous:
            rank, previous = position, row["total"]
        row["rank"] = rank
    for row in rows:
        row.setdefault("rank", None)
    rows.sort(key=lambda r: (r["rank"] is None, r["rank"] or 0, -(r["total"] or 0), r["code"]))
    return {"indicators": [{"key": i.key, "label": i.label, "rule": i.rule, "kind": i.kind,
                            "higher_is_better": i.higher_is_better, "weight": weights[i.key],
                            "help": i.help} for i in used],
            "weights_total": all_weight, "min_coverage": MIN_COVERAGE,
            "rows": rows}
