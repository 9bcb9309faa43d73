"""What the dashboard pages show, as data: the KPI cards of each area and every table, built
once from the indicator dicts (``dashboards.indicators``) and rendered twice, as HTML by the
templates and as an Excel workbook by ``workbook`` (one sheet per table, the cards as the
first sheet "概况").

A value is a ``Cell`` that knows its kind, so the page and the workbook agree on every figure:
shares (0–1) print as "81.3%" and are written as percentage cells, money in fen prints as yuan
with thousands separators and is written in yuan, ``None`` prints as "—" and is an empty cell.
Links (drill-down to a school or class, a funds account) are only set when the reader may open
them; the view passes them in as ``Links``.
"""

import io
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from afterschool.models import Segment

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DASH = "—"
FORMATS = {"share": "0.0%", "pct": "0.0%", "yuan": "#,##0.00", "num": "0.0#"}


@dataclass
class Cell:
    """One figure: ``kind`` is text, int, num, share (0–1), pct (already ×100), yuan (fen),
    bool or ratio (a prebuilt "a / b" text)."""

    value: Any
    kind: str = "text"
    url: str = ""
    badge: str = ""

    @property
    def text(self):
        v = self.value
        if v is None or v == "":
            return DASH
        if self.kind == "share":
            return f"{v * 100:.1f}%"
        if self.kind == "pct":
            return f"{v:.1f}%"
        if self.kind == "yuan":
            return f"{v / 100:,.2f}"
        if self.kind == "bool":
            return "是" if v else "否"
        return str(v)

    @property
    def excel(self):
        v = self.value
        if v is None or v == "":
            return None
        if self.kind == "pct":
            return round(v / 100, 4)
        if self.kind == "yuan":
            return v / 100
        if self.kind == "bool":
            return "是" if v else "否"
        return v


def C(value, kind="text", **kw):  # noqa: N802  (a short constructor for the tables below)
    return Cell(value, kind, **kw)


def ratio(part, whole):
    """"part / whole", or None when either is missing."""
    return None if part is None or whole is None else f"{part} / {whole}"


@dataclass
class Card:
    value: Cell
    label: str
    rule: str = ""
    note: str = ""


@dataclass
class Section:
    """One area's KPI cards (作业, 课后服务, …)."""

    key: str
    title: str
    cards: list
    hint: str = ""


@dataclass
class Table:
    key: str  # the HTML id
    title: str  # heading on the page and sheet name (at most 31 characters)
    headers: list
    rows: list = field(default_factory=list)
    hint: str = ""
    empty: str = "无数据"
    wide: bool = False  # the full page width (the others sit two abreast)


@dataclass
class Links:
    """URL makers for the drill-down links the reader may open (``None``: no link)."""

    school: Any = None
    klass: Any = None
    account: Any = None

    def of(self, kind, pk):
        make = getattr(self, kind)
        return make(pk) if make and pk else ""


def _g(data, *keys):
    """data[k1][k2]…, or None when any level is missing (a district without a term)."""
    for key in keys:
        if data is None:
            return None
        data = data.get(key)
    return data


def _red(n):
    return "red" if n else ""


def _amber(n):
    return "amber" if n else ""


# --- the cards ---------------------------------------------------------------------------------

def _homework_section(hw):
    return Section("homework", "作业管理", [
        Card(C(hw["within_share"], "share"), "班级日未超上限占比", "HW-2/HW-3/HW-4"),
        Card(C(hw["avg_minutes"] if hw["class_days"] else None, "num"),
             "平均每班每天书面家庭作业（分钟）", "HW-2/HW-3"),
        Card(C(hw["over_days"], "int", badge=_red(hw["over_days"])), "超限班级日",
             "HW-2/HW-3", f"共 {hw['class_days']} 个有作业的班级日"),
        Card(C(ratio(hw["silent_classes"], hw["classes"]),
               badge=_amber(hw["silent_classes"])), "未布置任何作业的班级", "HW-19",
             "可能漏报，请核实"),
        Card(C(hw["layered_share"], "share"), "分层、弹性、个性化作业占比", "HW-12"),
        Card(C(hw["in_school_share"], "share"), "校内完成的作业时间占比", "HW-13"),
    ])


def _reported_section(rep):
    return Section("reported", "家长反馈的实际用时", [
        Card(C(_g(rep, "reports"), "int"), "家长反馈次数", "XC-4"),
        Card(C(_g(rep, "reported_avg"), "num"), "反馈的平均实际用时（分钟）", "XC-4"),
        Card(C(_g(rep, "estimated_avg"), "num"), "教师估计的平均用时（分钟）", "XC-4"),
        *([Card(C(_g(rep, "over_share"), "share"), "反馈用时超过当天上限的占比", "HW-2/HW-3")]
          if rep is None or "over_share" in rep else []),
    ], hint="" if rep is not None else "本区未设置学期，无法统计。")


def _after_school_section(a):
    cards = [
        Card(C(_g(a, "participation"), "share"), "学生参与率", "AS-12/QM-4",
             f"报名 {_g(a, 'enrolled')} 人 / 服务年级学生 {_g(a, 'pupils')} 人"
             if a and "pupils" in a else ""),
    ]
    if a is None or "teacher_participation" in a:
        cards += [
            Card(C(_g(a, "teacher_participation"), "share"), "教师参与率", "QM-4"),
            Card(C(_g(a, "satisfaction"), "num"), "家长满意度（5 分制）", "QM-4",
                 f"{_g(a, 'responses') or 0} 份问卷"),
        ]
    else:  # a class: enrolled pupils only
        cards.insert(0, Card(C(a["enrolled"], "int"), "报名课后服务的学生", "AS-4"))
    return Section("after-school", "课后服务（5+2）", cards,
                   hint="" if a is not None else "本区未设置学期，无法统计。")


def _five_section(compliance, survey, schools=None):
    if schools is not None:  # the district
        checks = [Card(C(ratio(_g(compliance, "compliant_schools"), schools)),
                       "规定全部符合的学校", "SL-2/PE-1/PH-1/RD-1"),
                  Card(C(_g(compliance, "failed_items"), "int",
                         badge=_red(_g(compliance, "failed_items"))), "不符合的检查项",
                       "SL-2/PE-1/PH-1/RD-1")]
    else:
        checks = [Card(C(_g(compliance, "compliant"), "bool"), "规定全部符合",
                       "SL-2/PE-1/PH-1/RD-1"),
                  Card(C(_g(compliance, "failed"), "int", badge=_red(_g(compliance, "failed"))),
                       "不符合的检查项", "SL-2/PE-1/PH-1/RD-1",
                       f"未填写 {_g(compliance, 'missing')} 项" if compliance else "")]
    suppressed = bool(_g(survey, "suppressed"))
    hint = ("家长问卷样本不足，问卷数据不显示（保护个人信息）。" if suppressed and _g(survey, "n")
            else "")
    if compliance is None:
        hint = "本区未设置学期，无法统计。"
    return Section("five", "五项管理", [
        *checks,
        Card(C(_g(survey, "n"), "int"), "家长问卷份数", "QM-1"),
        Card(C(_g(survey, "sleep_ok_share"), "share"), "睡眠时间达标率（问卷）", "SL-1"),
        Card(C(_g(survey, "bedtime_ok_share"), "share"), "按时就寝率（问卷）", "SL-3"),
        Card(C(_g(survey, "homework_ok_share"), "share"), "作业时长达标率（问卷）", "HW-2/HW-3"),
        Card(C(_g(survey, "phone_to_school_share"), "share"), "带手机进校的比例（问卷）", "PH-1"),
        Card(C(_g(survey, "pe_ok_share"), "share"), "体育活动达标率（问卷）", "PE-2"),
        Card(C(_g(survey, "reading_minutes"), "num"), "每天课外阅读（分钟，问卷）", "RD-1"),
        Card(C(_g(survey, "subject_training_share"), "share"), "参加学科类校外培训的比例（问卷）",
             "QM-2"),
    ], hint=hint)


def _mentoring_section(m):
    return Section("mentoring", "全员导师制", [
        Card(C(m["coverage"], "share"), "导师覆盖率", "MT-1",
             f"已有导师 {m['with_mentor']} 人 / 方案覆盖 {m['covered']} 人"),
        Card(C(m["completion"], "share"), "“三个一”全部完成率", "MT-2",
             f"{m['complete']} 人已完成家访、谈心、书面反馈"),
        Card(C(m["flagged"], "int", badge=_amber(m["flagged"])), "需要关注的学生", "MT-2"),
    ])


def _complaints_section(c):
    return Section("complaints", "投诉举报", [
        Card(C(c["total"], "int"), "统计期内收到的投诉", "IN-6",
             f"其中涉及培训机构 {c['about_institutions']} 件" if "about_institutions" in c
             else ""),
        Card(C(c["open"], "int", badge=_amber(c["open"])), "未办结", "IN-6"),
        Card(C(c["overdue"], "int", badge=_red(c["overdue"])), "已超期", "IN-6"),
        Card(C(c["escalated"], "int"), "已升级督办", "IN-6"),
        Card(C(c["ack_on_time"]["rate"], "pct"), "受理及时率", "IN-6",
             f"{c['ack_on_time']['on_time']} / {c['ack_on_time']['due']}"),
        Card(C(c["resolve_on_time"]["rate"], "pct"), "办结及时率", "IN-6",
             f"{c['resolve_on_time']['on_time']} / {c['resolve_on_time']['due']}"),
    ])


def _institutions_section(i):
    status = {s["key"]: s["count"] for s in i["by_status"]}
    return Section("institutions", "校外培训机构", [
        Card(C(i["total"], "int"), "机构总数", "TI-13",
             "；".join(f"{s['label']} {s['count']}" for s in i["by_status"] if s["count"])),
        Card(C(status.get("approved"), "int"), "已审批", "TI-1/TI-12"),
        Card(C(status.get("found"), "int", badge=_red(status.get("found"))),
             "检查发现（未审批）", "PN-3"),
        Card(C(ratio(i["cards_standing"]["yellow"], i["cards_standing"]["red"]),
               badge=_red(i["cards_standing"]["red"])), "在册黄牌 / 红牌", "TI-13",
             f"统计期内新亮黄牌 {i['cards_issued']['yellow']}、红牌 {i['cards_issued']['red']}"),
        Card(C(ratio(i["lists"].get("white", 0), i["lists"].get("black", 0))), "白名单 / 黑名单",
             "TI-13", f"负面清单 {i['lists'].get('negative', 0)}"),
    ])


def _funds_section(f):
    return Section("funds", "预收费资金监管", [
        Card(C(f["held_fen"], "yuan"), "托管资金（元）", "PF-4", f"{f['accounts']} 个监管账户"),
        Card(C(f["unconsumed_fen"], "yuan"), "未消课金额（元）", "PF-5"),
        Card(C(f["reserve_fen"], "yuan"), "风险保证金（元）", "PF-10"),
        Card(C(f["red"], "int", badge=_red(f["red"])), "红色预警账户", "PF-14"),
        Card(C(f["yellow"], "int", badge=_amber(f["yellow"])), "黄色预警账户", "PF-14",
             f"已冻结 {f['frozen']} 个"),
        Card(C(f["contracts_signed"], "int"), "统计期内新签合同", "PF-8",
             f"金额 {C(f['contracts_signed_fen'], 'yuan').text} 元"),
    ])


def _inspections_section(i):
    return Section("inspections", "双随机抽查", [
        Card(C(i["checked"], "int"), "统计期内已检查", "IN-1",
             "；".join(f"{o['label']} {o['count']}" for o in i["by_outcome"] if o["count"])),
        Card(C(i["drawn"], "int"), "统计期内抽取的检查对象", "IN-1"),
        Card(C(i["waiting"], "int", badge=_amber(i["waiting"])), "待检查", "IN-1"),
        Card(C(i["publish_overdue"], "int", badge=_red(i["publish_overdue"])),
             "逾期未公示", "IN-1"),
        Card(C(i["published"], "int"), "统计期内已公示", "IN-1"),
    ])


def _supervision_section(s, schools=None):
    cards = [
        Card(C(s["self_check_share"], "share"), "每周自查提交率", "IN-4",
             f"提交 {s['self_checks']} 周次"),
        Card(C(s["visits"], "int"), "责任督学入校督导", "IN-3/IN-4",
             f"覆盖 {s['visited_schools']} / {schools} 所学校" if schools is not None else ""),
        Card(C(s["tasks_open"], "int", badge=_amber(s["tasks_open"])), "整改任务未完成", "IN-3"),
        Card(C(s["tasks_overdue"], "int", badge=_red(s["tasks_overdue"])), "整改任务已超期",
             "IN-3"),
    ]
    return Section("supervision", "学校督导", cards)


def district_sections(d):
    return [
        _homework_section(d["homework"]),
        _reported_section(d["reported"]),
        _after_school_section(d["after_school"]),
        _five_section(d["compliance"], d["survey"], schools=d["schools_count"]),
        _mentoring_section(d["mentoring"]),
        _complaints_section(d["complaints"]),
        _institutions_section(d["institutions"]),
        _funds_section(d["funds"]),
        _inspections_section(d["inspections"]),
        _supervision_section(d["supervision"], schools=d["schools_count"]),
    ]


def school_sections(d):
    return [
        _homework_section(d["homework"]),
        _reported_section(d["reported"]),
        _after_school_section(d["after_school"]),
        _five_section(d["compliance"], d["survey"]),
        _mentoring_section(d["mentoring"]),
        _complaints_section(d["complaints"]),
        _supervision_section(d["supervision"]),
    ]


def class_sections(d):
    return [
        _homework_section(d["homework"]),
        _reported_section(d["reported"]),
        _after_school_section(d["after_school"]),
        _mentoring_section(d["mentoring"]),
    ]


# --- the tables --------------------------------------------------------------------------------

def _trend_table(trend, with_complaints=True):
    headers = ["周（周一）", "平均书面家庭作业（分钟）", "超限班级日占比", "家长反馈平均用时（分钟）"]
    headers += ["投诉", "导师任务"] if with_complaints else ["导师任务"]
    rows = []
    for t in trend:
        row = [C(t["week"]), C(t["homework_avg_minutes"], "num"),
               C(t["homework_over_share"], "share"), C(t["reported_avg"], "num")]
        row += [C(t["complaints"], "int")] if with_complaints else []
        rows.append(row + [C(t["mentoring_tasks"], "int")])
    return Table("trend", "每周趋势", headers, rows, wide=True)


def _repeated_table(hw, links):
    return Table("repeated", "多次超限的班级", ["学校", "班级", "超限天数"], [
        [C(r["school"]), C(r["class_name"], url=links.of("klass", r["class_id"])),
         C(r["over_days"], "int", badge="red")] for r in hw["repeated"]],
        hint="统计期内超过上限 3 天及以上的班级。", empty="没有多次超限的班级。")


def _subject_table(rows):
    return Table("by-subject", "分学科", ["学科", "计入上限的分钟", "每班级日平均（分钟）"], [
        [C(r["subject_name"]), C(r["counted_minutes"], "int"), C(r["avg_per_class_day"], "num")]
        for r in rows])


def _categories_table(c):
    return Table("complaint-categories", "投诉分类", ["类别", "件数"],
                 [[C(r["label"]), C(r["count"], "int")] for r in c["by_category"]],
                 empty="统计期内没有投诉。")


def _school_row(s, links):
    a, rep, comp, m, sv = (s["after_school"], s["reported"], s["compliance"], s["mentoring"],
                           s["supervision"])
    return [
        C(s["name"], url=links.of("school", s["school_id"])), C(s["stage"]),
        C(s["pupils"], "int"), C(s["classes"], "int"),
        C(s["homework"]["class_days"], "int"),
        C(s["homework"]["avg_minutes"] if s["homework"]["class_days"] else None, "num"),
        C(s["homework"]["within_share"], "share"),
        C(s["homework"]["silent_classes"], "int", badge=_amber(s["homework"]["silent_classes"])),
        C(_g(rep, "reports"), "int"), C(_g(rep, "reported_avg"), "num"),
        C(_g(a, "participation"), "share"), C(_g(a, "teacher_participation"), "share"),
        C(_g(a, "satisfaction"), "num"),
        C(_g(comp, "compliant"), "bool"), C(_g(comp, "failed"), "int"),
        C(m["coverage"], "share"), C(m["completion"], "share"),
        C(s["complaints"], "int"),
        C(sv["self_check_share"], "share"), C(sv["visits"], "int"),
        C(sv["tasks_open"], "int"), C(sv["tasks_overdue"], "int", badge=_red(sv["tasks_overdue"])),
        C(s["training"]["contracts"], "int"), C(s["training"]["fen"], "yuan"),
    ]


SCHOOL_HEADERS = ["学校", "学段", "学生数", "班级数", "有作业的班级日", "平均书面作业（分钟）",
                  "未超限占比", "未布置作业的班级", "家长反馈次数", "反馈平均用时（分钟）",
                  "课后服务参与率", "教师参与率", "家长满意度", "五项管理全部符合", "不符合项",
                  "导师覆盖率", "“三个一”完成率", "投诉", "自查提交率", "入校督导", "整改未完成",
                  "整改超期", "校外培训合同", "校外培训合同金额（元）"]


def district_tables(d, links):
    hw = d["homework"]
    return [
        Table("schools", "各校情况", SCHOOL_HEADERS, [_school_row(s, links) for s in d["schools"]],
              hint="点学校名称查看该校的看板。", empty="本区没有学校。", wide=True),
        Table("by-stage", "分学段作业", ["学段", "有作业的班级日", "平均书面作业（分钟）", "未超限占比"],
              [[C(r["stage"]), C(r["class_days"], "int"), C(r["avg_minutes"], "num"),
                C(r["within_share"], "share")] for r in hw["by_stage"]]),
        _repeated_table(hw, links),
        Table("red-accounts", "红色预警账户", ["机构", "预警"], [
            [C(r["name"], url=links.of("account", r["institution_id"])),
             C(" ".join(r["warnings"]))] for r in d["funds"]["red_accounts"]],
            empty="没有红色预警账户。", wide=True),
        Table("institution-status", "机构状态", ["状态", "机构数"],
              [[C(r["label"]), C(r["count"], "int")] for r in d["institutions"]["by_status"]]),
        _categories_table(d["complaints"]),
        Table("inspection-outcomes", "抽查结果", ["结果", "数量"],
              [[C(r["label"]), C(r["count"], "int")] for r in d["inspections"]["by_outcome"]]),
        _trend_table(d["trend"]),
    ]


def school_tables(d, links):
    return [
        Table("classes", "各班情况", [
            "班级", "班主任", "学生数", "有作业的班级日", "平均书面作业（分钟）", "超限天数",
            "未超限占比", "家长反馈次数", "报名课后服务", "课后服务参与率", "导师覆盖率",
            "“三个一”完成率"], [
            [C(c["name"], url=links.of("klass", c["class_id"])), C(c["head_teacher"]),
             C(c["pupils"], "int"), C(c["homework"]["class_days"], "int"),
             C(c["homework"]["avg_minutes"], "num"),
             C(c["homework"]["over_days"], "int", badge=_red(c["homework"]["over_days"])),
             C(c["homework"]["within_share"], "share"), C(c["reports"], "int"),
             C(c["after_school"]["enrolled"], "int"),
             C(c["after_school"]["participation"], "share"),
             C(c["mentoring"]["coverage"], "share"), C(c["mentoring"]["completion"], "share")]
            for c in d["classes"]], hint="点班级名称查看该班的看板。", empty="本校没有班级。",
            wide=True),
        _subject_table(d["by_subject"]),
        _repeated_table(d["homework"], links),
        _categories_table(d["complaints"]),
        _trend_table(d["trend"]),
    ]


def class_tables(d):
    segments = dict(Segment.choices)
    return [
        _subject_table(d["by_subject"]),
        Table("by-kind", "作业类型", ["类型", "分钟"],
              [[C(r["label"]), C(r["minutes"], "int")] for r in d["by_kind"]]),
        Table("courses", "课后服务课程", ["课程", "时段", "本班报名人数"], [
            [C(r["course"]), C(segments.get(r["kind"], r["kind"])), C(r["pupils"], "int")]
            for r in d["after_school"]["by_course"]], empty="本班没有学生报名课后服务。"),
        Table("mentors", "导师", ["导师", "指导本班学生", "已有任务记录的学生"], [
            [C(r["mentor"]), C(r["pupils"], "int"), C(r["with_tasks"], "int")]
            for r in d["mentors"]], empty="本学期没有导师方案覆盖本班。"),
        _trend_table(d["trend"], with_complaints=False),
    ]


# --- the workbook ------------------------------------------------------------------------------

def _sheet_title(title, used):
    title = "".join(ch for ch in title if ch not in "[]:*?/\\")[:31]
    base, n = title, 2
    while title in used:
        title = f"{base[:28]}{n}"
        n += 1
    used.add(title)
    return title


def add_sheet(book, used, title, header, rows):
    """A sheet of a write-only workbook: ``title`` made a valid, unique sheet name (``used``
    holds the names taken), a bold header, then ``rows`` whose cells are plain values or
    ``(value, number_format)`` pairs (``number_format`` None: none)."""
    ws = book.create_sheet(_sheet_title(title, used))
    bold = Font(bold=True)
    head = []
    for text in header:
        cell = WriteOnlyCell(ws, value=text)
        cell.font = bold
        head.append(cell)
    ws.append(head)
    for row in rows:
        out = []
        for c in row:
            if not isinstance(c, tuple):
                out.append(c)
                continue
            value, number_format = c
            cell = WriteOnlyCell(ws, value=value)
            if number_format:
                cell.number_format = number_format
            out.append(cell)
        ws.append(out)


def _excel(c):
    """A table cell as ``add_sheet`` takes it: shares as percentages, money in yuan."""
    if not isinstance(c, Cell):
        return c
    return (c.excel, FORMATS.get(c.kind) if c.excel is not None else None)


def workbook(heading, period, sections, tables):
    """The page as an .xlsx: "概况" (every card: area, indicator, value, rule, note) and one sheet
    per table, with Chinese headers; shares are percentage cells, money is in yuan."""
    book = Workbook(write_only=True)
    used = set()

    def sheet(title, header, rows):
        add_sheet(book, used, title, header, ([_excel(c) for c in row] for row in rows))

    overview = [[heading, "统计期", f"{period['start']} 至 {period['end']}", "",
                 _g(period, "term", "name") or ""]]
    for s in sections:
        overview += [[s.title, card.label, card.value, card.rule, card.note] for card in s.cards]
    sheet("概况", ["领域", "指标", "数值", "规则", "说明"], overview)
    for t in tables:
        sheet(t.title, t.headers, t.rows)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def response(content, filename):
    """The workbook as a download; the (Chinese) file name per RFC 5987."""
    resp = HttpResponse(content, content_type=XLSX)
    resp["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return resp
