"""School settings and reading lists checked against the district's effective rule values
(SL-2, PE-1, PE-2, PE-3, PH-1, PH-2, RD-1, RD-2).

Every check returns ``Item`` rows: the rule id, what is checked, the school's value, what the
district requires (its effective value: national, or stricter where the district set one), and
``ok``: True (符合), False (不符合), or None (未填写 / 进行中). Pure functions over rows already
loaded; the callers load one settings row, the school year's reading lists and one ``Policy``.
"""

from dataclasses import asdict, dataclass

from org.models import GRADE_NAMES, Stage
from policy.params import PARAMS
from wellbeing.models import ReadingList, SchoolSettings

RULE_GROUPS = ["SL-2", "PE-1", "PE-2", "PE-3", "PH-1", "PH-2", "RD-1", "RD-2"]
RULE_NAMES = {
    "SL-2": "上午上课时间", "PE-1": "体育课时", "PE-2": "大课间与校内体育活动",
    "PE-3": "课间与每天 2 小时", "PH-1": "手机进校管理", "PH-2": "学生与家长联系渠道",
    "RD-1": "课外读物推荐程序", "RD-2": "课外读物自愿购买与公开",
}


@dataclass
class Item:
    rule: str
    label: str
    value: str
    required: str
    ok: bool | None
    stricter: bool = False  # the district's value is stricter than the national one

    def as_dict(self):
        return asdict(self)

    @property
    def verdict(self):
        return {True: "符合", False: "不符合", None: "未填写"}[self.ok]


def _yes(value):
    return "是" if value else "否"


def _hm(t):
    return t.strftime("%H:%M") if t else "未填写"


def _stricter(policy, key):
    return policy[key] != PARAMS[key].default


def school_stages(school):
    """The stages of a school's grades: a nine-year school has both (XC-1)."""
    return sorted({school.stage_of_grade(g) for g in school.grades},
                  key=[Stage.PRIMARY, Stage.JUNIOR].index)


def pe_minimum(policy, grade):
    """PE-1: the district's minimum PE lessons per week for a grade."""
    key = "pe.lessons_per_week.g1_2" if grade <= 2 else "pe.lessons_per_week.g3_9"
    return int(policy[key]), key


def check_settings(settings, *, school, policy):
    """SL-2, PE-1, PE-2 (PE-3 when the district adopts it), PH-1 and PH-2 for one school."""
    s = settings
    items = []
    filled = s is not None

    # SL-2: no earlier than the district's time, per stage; no required early arrival.
    for stage in school_stages(school):
        key = f"sl.earliest_start.{stage}"
        start = getattr(s, f"class_start_{stage}", None) if filled else None
        floor = policy[key]
        items.append(Item(
            "SL-2", f"{Stage(stage).label}部上午第一节课开始时间", _hm(start), f"不早于 {floor}",
            None if start is None else start.strftime("%H:%M") >= floor, _stricter(policy, key)))
    items.append(Item("SL-2", "要求学生提前到校参加统一活动",
                      _yes(s.early_arrival_required) if filled else "未填写", "否",
                      (not s.early_arrival_required) if filled else None))

    # PE-1: lessons per week, per grade.
    for grade in school.grades:
        minimum, key = pe_minimum(policy, grade)
        lessons = (s.pe_lessons or {}).get(str(grade)) if filled else None
        items.append(Item(
            "PE-1", f"{GRADE_NAMES[grade]}每周体育课时",
            "未填写" if lessons is None else f"{lessons} 课时", f"不少于 {minimum} 课时",
            None if lessons is None else int(lessons) >= minimum, _stricter(policy, key)))

    # PE-2: a daily big break and an hour of activity in school.
    for key, field, label in (
            ("pe.big_break_minutes", "big_break_minutes", "每天大课间时长"),
            ("pe.min_daily_minutes.in_school", "in_school_activity_minutes", "每天校内体育活动时间")):
        minimum = int(policy[key])
        value = getattr(s, field) if filled else None
        items.append(Item("PE-2", label, "未填写" if value is None else f"{value} 分钟",
                          f"不少于 {minimum} 分钟", None if value is None else value >= minimum,
                          _stricter(policy, key)))

    # PE-3, once the district adopts it: 15-minute breaks (the 2-hour total is the pupils'
    # day in and out of school: the survey measures it).
    if policy["pe.adopt_pe3"] == "yes":
        minimum = int(policy["pe.break_minutes"])
        value = s.break_minutes if filled else None
        items.append(Item("PE-3", "课间休息时长", "未填写" if value is None else f"{value} 分钟",
                          f"不少于 {minimum} 分钟", None if value is None else value >= minimum,
                          _stricter(policy, "pe.break_minutes")))

    # PH-1: phones not brought in by default; if needed, consent and a written application,
    # kept by the school, never in class.
    not_allowed = SchoolSettings.PhoneDefault.NOT_ALLOWED
    for label, value, ok, want in (
            ("学生手机进校", s.get_phone_default_display() if filled else "未填写",
             (s.phone_default == not_allowed) if filled else None, "原则上不得带入校园"),
            ("确需带入的须家长同意、学生书面申请", _yes(s.phone_consent_required) if filled else "未填写",
             s.phone_consent_required if filled else None, "是"),
            ("进校后由学校统一保管", _yes(s.phone_kept_by_school) if filled else "未填写",
             s.phone_kept_by_school if filled else None, "是"),
            ("禁止带入课堂", _yes(s.phone_banned_in_class) if filled else "未填写",
             s.phone_banned_in_class if filled else None, "是")):
        items.append(Item("PH-1", label, value, want, ok))

    # PH-2: at least one way for pupils to reach their parents without a phone of their own.
    if filled:
        channels = [name for name, on in (("校内公共电话", s.public_phone),
                                           ("班主任沟通热线", s.head_teacher_hotline),
                                           ("电子学生证", s.e_student_card)) if on]
        if s.other_channel.strip():
            channels.append(s.other_channel.strip())
        items.append(Item("PH-2", "学生与家长的联系渠道", "、".join(channels) or "无",
                          "至少一种（公共电话、班主任热线、电子学生证等）", bool(channels)))
    else:
        items.append(Item("PH-2", "学生与家长的联系渠道", "未填写",
                          "至少一种（公共电话、班主任热线、电子学生证等）", None))
    return items


def check_reading(lists, *, policy):
    """RD-1 and RD-2 for one school year's reading lists (any order)."""
    limit = int(policy["rd.recommend_per_year"])
    lists = sorted(lists, key=lambda r: r.pk)
    items = [Item("RD-1", "本学年推荐次数", f"{len(lists)} 次", f"不超过 {limit} 次",
                  len(lists) <= limit)]
    if not lists:
        items.append(Item("RD-1", "推荐程序（初选→审核→确认→备案）", "本学年未推荐", "—", True))
        items.append(Item("RD-2", "自愿购买与向家长公开", "本学年未推荐", "—", True))
        return items
    for r in lists:
        filed = r.status == ReadingList.Status.FILED
        items.append(Item("RD-1", f"《{r.title}》推荐程序", r.get_status_display(),
                          "初选→审核→确认→备案", True if filed else None))
        items.append(Item("RD-2", f"《{r.title}》购买方式", r.get_purchase_display(),
                          "家长自愿购买，学校不组织购买",
                          r.purchase == ReadingList.Purchase.VOLUNTARY))
        items.append(Item("RD-2", f"《{r.title}》向家长公开推荐书目", _yes(r.disclosed_to_parents),
                          "是", r.disclosed_to_parents))
    return items


def check_school(settings, reading_lists, *, school, policy):
    return check_settings(settings, school=school, policy=policy) + check_reading(
        reading_lists, policy=policy)


def summary(items):
    """Per rule: True when every item is 符合, False when any is 不符合, None otherwise; and
    the counts."""
    by_rule = {}
    for item in items:
        current = by_rule.get(item.rule, True)
        if item.ok is False or current is False:
            by_rule[item.rule] = False
        elif item.ok is None or current is None:
            by_rule[item.rule] = None
        else:
            by_rule[item.rule] = True
    return {"by_rule": by_rule,
            "ok": sum(1 for i in items if i.ok is True),
            "failed": sum(1 for i in items if i.ok is False),
            "missing": sum(1 for i in items if i.ok is None),
            "compliant": bool(items) and all(i.ok is True for i in items)}


def district_rows(*, schools, term, policy):
    """One row per school: its items and summary for the term. Three queries."""
    settings = {s.school_id: s for s in SchoolSettings.objects.filter(term=term,
                                                                       school__in=schools)}
    lists = {}
    for r in ReadingList.objects.filter(school__in=schools, school_year=term.school_year):
        lists.setdefault(r.school_id, []).append(r)
    rows = []
    for school in schools:
        items = check_school(settings.get(school.pk), lists.get(school.pk, []), school=school,
                             policy=policy)
        rows.append({"school": school, "settings": settings.get(school.pk), "items": items,
                     "summary": summary(items)})
    return rows
