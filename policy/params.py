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
    kind: str = "int"  # int | choice | time ("HH:MM", compared as text)
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
    # Five managements (五项管理): sleep, phones, reading, physical fitness (RULES §3).
    Param("sl.min_hours.primary", "SL-1", "小学生每天睡眠时间下限", 10, stricter="higher",
          unit="小时", minimum=10, maximum=12, help="小学生每天睡眠时间应达到 10 小时。用于问卷结果比较。"),
    Param("sl.min_hours.junior", "SL-1", "初中生每天睡眠时间下限", 9, stricter="higher",
          unit="小时", minimum=9, maximum=12, help="初中生每天睡眠时间应达到 9 小时。"),
    Param("sl.earliest_start.primary", "SL-2", "小学上午上课时间不早于", "08:20", kind="time",
          stricter="higher", help="小学上午上课时间一般不早于 8:20；只能往后调（更严格）。"),
    Param("sl.earliest_start.junior", "SL-2", "初中上午上课时间不早于", "08:00", kind="time",
          stricter="higher", help="中学上午上课时间一般不早于 8:00；只能往后调（更严格）。"),
    Param("sl.latest_bedtime.primary", "SL-3", "小学生就寝时间不晚于", "21:20", kind="time",
          stricter="lower", help="小学生就寝时间一般不晚于 21:20；也是家长反馈作业完成时刻的最晚时间。"),
    Param("sl.latest_bedtime.junior", "SL-3", "初中生就寝时间不晚于", "22:00", kind="time",
          stricter="lower", help="初中生就寝时间一般不晚于 22:00。"),
    Param("rd.recommend_per_year", "RD-1", "每学年推荐课外读物的次数上限", 1, unit="次",
          minimum=1, maximum=1,
          help="原则上每学年推荐一次，经初选、审核、确认、备案；国家标准即最严格值，不可调整。"),
    Param("pe.lessons_per_week.g1_2", "PE-1", "小学一、二年级每周体育课时下限", 4,
          stricter="higher", unit="课时", minimum=4, maximum=10, help="国家课程方案：每周 4 课时。"),
    Param("pe.lessons_per_week.g3_9", "PE-1", "小学三年级至初中每周体育课时下限", 3,
          stricter="higher", unit="课时", minimum=3, maximum=10,
          help="国家课程方案：每周 3 课时；有条件的地方可每天开设 1 节体育课。"),
    Param("pe.big_break_minutes", "PE-2", "每天大课间时长下限", 30, stricter="higher",
          unit="分钟", minimum=30, maximum=90, help="每天统一安排 30 分钟的大课间体育活动。"),
    Param("pe.min_daily_minutes.in_school", "PE-2", "每天校内体育活动时间下限", 60,
          stricter="higher", unit="分钟", minimum=60, maximum=240,
          help="保证学生每天校内、校外各 1 小时体育活动时间。"),
    Param("pe.min_daily_minutes.out_school", "PE-2", "每天校外体育活动时间下限", 60,
          stricter="higher", unit="分钟", minimum=60, maximum=240,
          help="校外 1 小时体育活动，由家长问卷反映。"),
    Param("pe.adopt_pe3", "PE-3", "是否执行每天 2 小时综合体育活动的新标准", "no", kind="choice",
          stricter=None,
          choices=(("no", "否：执行 2021 年标准（校内、校外各 1 小时，PE-2）"),
                   ("yes", "是：每天综合体育活动不少于 2 小时、课间 15 分钟（PE-3）")),
          help="RULES 差异 10：2024–2035 年规划要求每天综合体育活动不少于 2 小时，2026 年前各地推开；"
               "执行后不能退回旧标准。"),
    Param("pe.daily_total_minutes", "PE-3", "每天综合体育活动时间下限（执行 PE-3 时）", 120,
          stricter="higher", unit="分钟", minimum=120, maximum=300,
          help="校内与校外体育活动合计不少于 2 小时。"),
    Param("pe.break_minutes", "PE-3", "课间休息时长下限（执行 PE-3 时）", 15, stricter="higher",
          unit="分钟", minimum=15, maximum=30, help="推行课间 15 分钟。"),
    Param("as.min_minutes_per_day", "AS-1", "课后服务每天时长下限", 120, stricter="higher",
          unit="分钟", minimum=120, maximum=300,
          help="“5+2”：每周 5 个上课日都开展，每天不少于 2 小时。只计作业辅导和菜单课程时段。"),
    Param("as.office_end_time", "AS-2", "当地正常下班时间", "17:30", kind="time",
          stricter="higher",
          help="课后服务结束时间原则上不早于当地正常下班时间。国家未规定具体时刻，按本地设置；"
               "只能往后调（更严格）。"),
    Param("as.end_offset", "AS-3", "课后服务结束时间要求", "0", kind="choice", stricter=None,
          choices=(("0", "不早于下班时间（中办发〔2021〕40号，AS-2）"),
                   ("30", "不早于下班时间后半小时（2021年6月教育部通知，AS-3）")),
          help="两份文件不一致（RULES 差异 1）：默认采用层级更高、时间更晚的 40 号文，可选更严格的半小时。"),
    Param("as.evening_study_latest_end", "AS-8", "初中晚自习最晚结束时间", "20:30", kind="time",
          stricter="lower", help="如杭州、江苏：非寄宿初中生晚自习不晚于 20:30 结束。"),
    Param("as.fee_per_term_fen", "AS-10", "课后服务基本服务费（每生每学期）", 0, stricter=None,
          unit="分（0 为免费）", maximum=1_000_000,
          help="由省级定价、区县公布；0 表示财政全额保障、免费。学校不得在公示项目之外收费。"),
    Param("as.pay_rate_fen_per_hour", "AS-11", "教师课后服务课时补助标准", 0, stricter=None,
          unit="分/小时（0 为未设置）", maximum=100_000,
          help="作为增量纳入绩效工资，单独设立项目。未设置时课时统计照常，金额显示为未设置。"),
    Param("ts.offline_latest_end", "TS-3", "线下培训最晚结束时间", "20:30", kind="time",
          stricter="lower", help="线下培训结束时间不得晚于 20:30（学科类与非学科类均适用）。"),
    Param("ts.online_max_lesson_minutes", "TS-4", "线上培训每课时时长上限", 30, unit="分钟",
          minimum=10, maximum=30, help="每课时不超过 30 分钟（2019 年规定的 40 分钟已被取代）。"),
    Param("ts.online_min_gap_minutes", "TS-4", "线上培训课程间隔下限", 10, stricter="higher",
          unit="分钟", minimum=10, maximum=60, help="同一课程相邻课时间隔不少于 10 分钟。"),
    Param("ts.online_latest_end", "TS-4", "线上培训最晚结束时间", "21:00", kind="time",
          stricter="lower", help="线上培训结束时间不晚于 21:00。"),
    Param("ts.school_hours_start", "TS-2", "上课日中小学教学时间开始", "08:00", kind="time",
          stricter="lower",
          help="培训时间不得与当地中小学教学时间冲突。国家未规定具体时刻，如泸州为 08:00–18:00。"),
    Param("ts.school_hours_end", "TS-2", "上课日中小学教学时间结束（含课后服务）", "17:30", kind="time",
          stricter="higher", help="上课日此时段内不得安排面向中小学生的培训。"),
    Param("ts.makeup_workday_is_rest", "TS-1", "调休上课日是否按休息日禁止学科类培训", "no",
          kind="choice", stricter=None,
          choices=(("no", "否：调休日是工作日（字面解释）"), ("yes", "是：按休息日从严禁止")),
          help="RULES 开放问题 8：字面上调休日为工作日；以学生休息为目的可从严。"),
    Param("tp.max_up_percent", "TP-1", "学科类培训收费上浮幅度上限", 10, unit="%", maximum=10,
          help="政府指导价：基准价上浮不超过 10%，下浮不限。"),
    Param("tp.non_subject_max_single_charge", "TP-6", "非学科类培训单次收费上限", 5000, unit="元",
          minimum=1, maximum=5000, help="国家规定单次收费不得超过 5000 元（在 PF-6 之外另行限制）。"),
    Param("pf.max_lessons", "PF-6", "一次收费的课时数上限", 60, unit="课时", minimum=1, maximum=60,
          help="不得一次性或以充值、次卡等形式收取超过 60 课时的费用；与时间跨度上限同时适用。"),
    Param("pf.max_months", "PF-6", "一次收费的时间跨度上限", 3, unit="个月", minimum=1, maximum=3,
          help="从合同开始日期起算的自然月（如 11 月 30 日起 3 个月至次年 2 月 28 日）。"),
    Param("pf.mode", "PF-3", "预收费监管方式", "custody", kind="choice", stricter=None,
          choices=(("custody", "银行托管：全部预收费进入托管专用账户，按课消拨付"),
                   ("reserve", "托管＋风险保证金（保证金模式）"),
                   ("both", "托管＋风险保证金＋未消课保证金（如成都）")),
          help="本平台的预收费一律进入托管账户按课消拨付；选择保证金模式时另须缴存风险保证金，"
               "新开账户的监管方式不得宽于本区设置。"),
    Param("pf.reserve_min_yuan", "PF-11", "风险保证金固定下限", 0, stricter="higher", unit="元",
          maximum=100_000_000, help="如上海：不少于 10 万元。仅在保证金模式下适用。"),
    Param("pf.reserve_percent", "PF-11", "风险保证金比例（上一年度收费总额的百分比）", 0,
          stricter="higher", unit="%", maximum=100, help="如上海 10%、自贡 20%。与固定下限取高者。"),
    Param("pf.auto_confirm_days", "PF-5", "家长未确认课消的自动确认天数", 7, stricter=None,
          unit="天", minimum=1, maximum=30, help="如厦门：课消经机构和家长确认后 7 日内拨付。"),
    Param("pf.alert_outflow_percent", "PF-14", "大额资金异动预警：7 天内流出占托管余额的比例", 30,
          unit="%", minimum=1, maximum=100, help="达到此比例为黄色预警，达到两倍（最多 100%）为红色预警。"),
    Param("pf.alert_sales_ratio", "PF-14", "售课远超消课预警：30 天内售出课时与已上课时之比", 3,
          unit="倍", minimum=1, maximum=100, help="售出不少于 20 课时且超过此倍数为黄色，超过两倍为红色。"),
    Param("pf.alert_refunds", "PF-14", "退费集中预警：30 天内退费笔数", 5, unit="笔", minimum=1,
          maximum=1000, help="达到此数为黄色预警，达到两倍为红色预警。"),
    Param("pf.alert_complaints", "PF-14", "投诉集中预警：30 天内涉及该机构或收费退费的投诉件数", 3,
          unit="件", minimum=1, maximum=1000, help="达到此数为黄色预警，达到两倍为红色预警。"),
    Param("in.sample_percent", "IN-1", "双随机抽查比例（占检查对象名录）", 5, stricter="higher",
          unit="%", minimum=1, maximum=100,
          help="国家未规定教育领域比例；示例：不低于名录的 5%；成都预收费专项抽查 10%–20%（IN-7）。"),
    Param("in.inspectors_per_check", "IN-1", "每个检查对象的执法检查人员数", 2, stricter="higher",
          unit="人", minimum=2, maximum=10, help="不少于 2 人。"),
    Param("in.publish_days", "IN-1", "抽查结果公示期限（检查结果录入后）", 20, unit="个工作日",
          minimum=1, maximum=60, help="“一公开”：抽查情况和查处结果及时向社会公开；默认 20 个工作日。"),
    Param("in.schools_per_inspector", "IN-3", "每名责任督学负责的学校数上限", 5, unit="所",
          minimum=1, maximum=30, help="按 1 人负责 5 所左右学校的标准配备责任督学。"),
    Param("in.visits_per_month", "IN-4", "责任督学每月入校督导次数（每所学校）", 1,
          stricter="higher", unit="次", minimum=1, maximum=10,
          help="如两江新区：督学每月 1 次入校全覆盖督导。"),
    Param("in.rectify_days", "IN-4", "整改期限（默认）", 10, unit="个工作日", minimum=1, maximum=60,
          help="督导发现的问题形成整改任务的默认期限。"),
    Param("in.complaint_ack_days", "IN-6", "投诉受理（回复已收到）期限", 2, unit="个工作日",
          minimum=1, maximum=15, help="国家未规定处理时限（RULES IN-6），默认 2 个工作日，区县可从严。"),
    Param("in.complaint_resolve_days", "IN-6", "投诉办结期限", 15, unit="个工作日", minimum=1,
          maximum=60, help="国家未规定处理时限，默认 15 个工作日；超期自动升级到教育局。"),
    Param("mt.max_pupils_per_mentor", "MT-3", "每位导师指导学生数上限", 15, unit="名", minimum=1,
          maximum=50, help="上海 2023 年方案：原则上不超过 15 名。"),
    Param("tt.min_fulltime_percent", "TT-3", "专职教学教研人员占比下限", 50, stricter="higher",
          unit="%", minimum=50, maximum=100, help="专职教学、教研人员原则上不低于从业人员总数的 50%。"),
    Param("ti.permit_reminder_days", "TI-13", "许可证、营业执照到期提前提醒天数", 60,
          stricter="higher", unit="天", minimum=1, maximum=365),
    Param("ti.yellow_cards_for_red", "TI-13", "升级为红牌的黄牌数", 2, stricter=None, unit="张",
          minimum=1,
          maximum=10, help="时间窗口内累计黄牌达到此数即升级为红牌；红牌暂停招生。"),
    Param("ti.yellow_window_months", "TI-13", "黄牌累计时间窗口", 12, stricter=None,
          unit="个月", minimum=1, maximum=60),
]}


def is_stricter_or_equal(param, value, than):
    """True when ``value`` is at least as strict as ``than`` for this parameter."""
    if param.kind == "choice":
        order = [v for v, _ in param.choices]
        return order.index(value) >= order.index(than)
    if param.key.startswith("hw.max_written_subjects"):
        # 0 means "no limit", the loosest value of all.
        return than == 0 or (value != 0 and value <= than)
    if param.kind == "time":
        value, than = str(value), str(than)  # "HH:MM" compares correctly as text
    if param.stricter == "lower":
        return value <= than
    if param.stricter == "higher":
        return value >= than
    return True
