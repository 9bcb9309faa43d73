"""The district's monthly bulletin (月月出快报, QM-3).

``build`` freezes a month's figures as a JSON snapshot: the district's figures of the month
(one ``indicators.district`` call) and of the month before (one more call) for the changes, the
notable cases, the tables and the charts' data. ``render_pdf`` and ``workbook`` turn a snapshot
into the PDF (WeasyPrint, charts drawn by ``dashboards.svg``) and the spreadsheet; the page shows
the same snapshot. ``request`` creates or re-queues a month's ``Bulletin`` and enqueues
``dashboards.tasks.make_bulletin``, which calls ``generate``.

A running month is cut at today; the previous month is always whole.
"""

import datetime as dt
import io
import logging
import time

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe

from audit.actions import log_action
from core.access import require
from core.errors import RuleViolation
from dashboards import indicators, svg
from dashboards.export import add_sheet
from dashboards.models import Bulletin
from inspections.models import Inspection
from institutions.models import Card, ListEntry
from schoolcal.models import Term

logger = logging.getLogger(__name__)

VERSION = 1
STALE_QUEUE = dt.timedelta(minutes=30)  # a queued bulletin older than this may be queued again
NOTABLE_LIMIT = 50  # rows per notable-case table
CHART_SCHOOLS = 15  # schools in the homework bar chart
PDF_SCHOOLS = 40  # rows of the PDF's school table (the page and the spreadsheet have all)
PDF_NOTABLE = 20  # rows of each notable-case table in the PDF

# The key figures: (key, label, path in indicators.district's dict, kind, better direction).
FIGURES = [
    ("pupils", "在校学生", ("pupils",), "count", None),
    ("homework_avg", "平均每班每天书面作业", ("homework", "avg_minutes"), "minutes", "down"),
    ("homework_within", "班级日未超作业上限", ("homework", "within_share"), "share", "up"),
    ("homework_over_days", "超限班级日", ("homework", "over_days"), "count", "down"),
    ("reported_avg", "家长反馈的实际作业用时", ("reported", "reported_avg"), "minutes", "down"),
    ("after_school", "课后服务参与率", ("after_school", "participation"), "share", "up"),
    ("satisfaction", "课后服务家长满意度（5 分制）", ("after_school", "satisfaction"), "score",
     "up"),
    ("mentor_coverage", "导师覆盖率", ("mentoring", "coverage"), "share", "up"),
    ("mentor_completion", "“三个一”完成率", ("mentoring", "completion"), "share", "up"),
    ("complaints", "新收投诉", ("complaints", "total"), "count", "down"),
    ("complaints_overdue", "逾期未办结投诉", ("complaints", "overdue"), "count", "down"),
    ("complaints_escalated", "升级到教育局的投诉", ("complaints", "escalated"), "count", "down"),
    ("cards_yellow", "新发黄牌", ("institutions", "cards_issued", "yellow"), "count", "down"),
    ("cards_red", "新发红牌", ("institutions", "cards_issued", "red"), "count", "down"),
    ("funds_red", "资金红色预警账户", ("funds", "red"), "count", "down"),
    ("funds_held", "监管资金余额", ("funds", "held_fen"), "yuan", None),
    ("contracts", "新签培训合同", ("funds", "contracts_signed"), "count", None),
    ("inspections", "完成抽查", ("inspections", "checked"), "count", "up"),
    ("self_checks", "学校自查周报提交率", ("supervision", "self_check_share"), "share", "up"),
    ("tasks_overdue", "逾期整改任务", ("supervision", "tasks_overdue"), "count", "down"),
]


# --- months -------------------------------------------------------------------------------------

def parse_month(text):
    """``"2026-11"`` → 2026-11-01; ValueError for anything else."""
    text = (text or "").strip()
    if len(text) != 7 or text[4] != "-":
        raise ValueError(text)
    return dt.date(int(text[:4]), int(text[5:]), 1)


def month_label(month):
    return f"{month.year}年{month.month}月"


def previous_month(month):
    return (month.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def month_end(month):
    following = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return following - dt.timedelta(days=1)


def last_complete_month(today):
    return previous_month(today.replace(day=1))


def earliest_month(bureau):
    """The month of the district's first term, or None when it has no calendar yet."""
    first = Term.objects.filter(bureau=bureau).order_by("start").values_list("start", flat=True)
    first = first.first()
    return first.replace(day=1) if first else None


def open_months(bureau, today=None):
    """Months a bulletin can be made for, newest first: the current month and the past ones,
    back to the district's first term (a year back when it has no calendar)."""
    today = today or timezone.localdate()
    month, out = today.replace(day=1), []
    earliest = earliest_month(bureau)
    while (earliest is None and len(out) < 12) or (earliest is not None and month >= earliest):
        out.append(month)
        month = previous_month(month)
    return out


def check_month(bureau, month, today):
    """The month's first day, or a RuleViolation on the ``month`` field (QM-3)."""
    month = month.replace(day=1)
    if month > today.replace(day=1):
        raise RuleViolation("invalid", f"{month_label(month)}还没有到，不能生成未来月份的快报。",
                            "month")
    earliest = earliest_month(bureau)
    if earliest is not None and month < earliest:
        raise RuleViolation("invalid", f"{month_label(month)}早于本区第一个学期"
                                       f"（{month_label(earliest)}），没有可统计的数据。", "month")
    return month


# --- the snapshot -------------------------------------------------------------------------------

def _dig(data, path):
    for key in path:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def fmt(value, kind):
    """One figure as the bulletin prints it."""
    if value is None or value == "":
        return "—"
    if kind == "share":
        return f"{value * 100:.1f}%"
    if kind == "minutes":
        return f"{value:.1f} 分钟"
    if kind == "score":
        return f"{value:.2f}"
    if kind == "yuan":
        return f"{value / 100:,.2f} 元"
    if kind == "count" and isinstance(value, int | float):
        return f"{value:,.0f}"
    return str(value)


def _change(value, previous, kind, better):
    """The change against the previous month: ↑/↓ with the amount, and whether it is good."""
    if value is None or previous is None:
        return {"delta": None, "change": "—", "tone": ""}
    delta = value - previous
    if abs(delta) < 1e-9:
        return {"delta": 0, "change": "持平", "tone": ""}
    arrow = "↑" if delta > 0 else "↓"
    size = abs(delta)
    amount = {"share": f"{size * 100:.1f} 个百分点", "minutes": f"{size:.1f} 分钟",
              "score": f"{size:.2f}", "yuan": f"{size / 100:,.2f} 元"}.get(kind, f"{size:,.0f}")
    tone = ""
    if better:
        tone = "good" if (delta > 0) == (better == "up") else "bad"
    return {"delta": round(delta, 4), "change": f"{arrow}{amount}", "tone": tone}


def _figures(current, previous):
    out = []
    for key, label, path, kind, better in FIGURES:
        value, before = _dig(current, path), _dig(previous, path)
        out.append({"key": key, "label": label, "kind": kind, "value": value,
                    "previous": before, "text": fmt(value, kind),
                    "previous_text": fmt(before, kind), **_change(value, before, kind, better)})
    return out


def _table(key, title, columns, rows, empty="无"):
    return {"key": key, "title": title, "columns": [{"label": c, "kind": k} for c, k in columns],
            "rows": rows, "empty": empty}


def _notable(bureau, period, current):
    """The cases the bulletin names: red funds accounts, classes over the homework limits
    again and again, inspections that found problems, new cards and black-list entries,
    schools with overdue rectification tasks."""
    start, end = indicators.moment_range(period)
    inspections = (Inspection.objects.filter(
        draw__bureau=bureau, checked_on__range=(period.start, period.end),
        outcome__in=[Inspection.Outcome.RECTIFY, Inspection.Outcome.PENALISE])
        .select_related("institution", "school").order_by("checked_on", "pk")[:NOTABLE_LIMIT])
    cards = (Card.objects.filter(institution__bureau=bureau, issued_at__gte=start,
                                 issued_at__lt=end)
             .select_related("institution").order_by("issued_at", "pk")[:NOTABLE_LIMIT])
    black = (ListEntry.objects.filter(institution__bureau=bureau, kind=ListEntry.Kind.BLACK,
                                      added_at__gte=start, added_at__lt=end)
             .select_related("institution").order_by("added_at", "pk")[:NOTABLE_LIMIT])
    overdue_schools = sorted(
        (s for s in current["schools"] if s["supervision"]["tasks_overdue"]),
        key=lambda s: (-s["supervision"]["tasks_overdue"], s["code"]))
    local = timezone.localdate
    return [
        _table("red_accounts", "资金红色预警的机构", [("机构", "text"), ("预警", "text")],
               [[a["name"], " ".join(a["warnings"])] for a in current["funds"]["red_accounts"]],
               "本月没有红色预警账户。"),
        _table("repeated", "多次超过作业时长上限的班级", [("学校", "text"), ("班级", "text"),
                                                 ("超限天数", "count")],
               [[r["school"], r["class_name"], r["over_days"]]
                for r in current["homework"]["repeated"]], "没有多次超限的班级。"),
        _table("inspections", "抽查发现问题（责令整改、立案查处）",
               [("检查日期", "text"), ("检查对象", "text"), ("结果", "text"), ("发现的问题与处理", "text")],
               [[i.checked_on.isoformat(), i.target.name, i.get_outcome_display(),
                 _clip(i.findings, 120)] for i in inspections], "本月抽查未发现需要处理的问题。"),
        _table("cards", "新发红黄牌", [("日期", "text"), ("机构", "text"), ("类型", "text"),
                                  ("事由", "text")],
               [[local(c.issued_at).isoformat(), c.institution.name, c.get_colour_display(),
                 _clip(c.reason, 80)] for c in cards], "本月没有新发红黄牌。"),
        _table("black_list", "新列入黑名单的机构", [("日期", "text"), ("机构", "text"), ("事由", "text")],
               [[local(e.added_at).isoformat(), e.institution.name, _clip(e.reason, 80)]
                for e in black], "本月没有机构新列入黑名单。"),
        _table("overdue_schools", "整改任务逾期的学校", [("学校", "text"), ("未完成整改", "count"),
                                                ("其中逾期", "count")],
               [[s["name"], s["supervision"]["tasks_open"], s["supervision"]["tasks_overdue"]]
                for s in overdue_schools], "没有整改逾期的学校。"),
    ]


def _clip(text, limit):
    text = " ".join(str(text or "").split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _schools_table(current):
    return _table("schools", "各校情况", [
        ("学校", "text"), ("学生", "count"), ("平均书面作业（分钟）", "number"),
        ("未超限占比", "share"), ("未布置作业的班级", "count"), ("课后服务参与率", "share"),
        ("导师覆盖率", "share"), ("“三个一”完成率", "share"), ("投诉", "count"),
        ("未完成整改", "count"), ("逾期整改", "count"), ("督导到校", "count"),
        ("新签培训合同", "count")], [
        [s["name"], s["pupils"], s["homework"]["avg_minutes"], s["homework"]["within_share"],
         s["homework"]["silent_classes"], (s["after_school"] or {}).get("participation"),
         s["mentoring"]["coverage"], s["mentoring"]["completion"], s["complaints"],
         s["supervision"]["tasks_open"], s["supervision"]["tasks_overdue"],
         s["supervision"]["visits"], s["training"]["contracts"]]
        for s in current["schools"]], "本区还没有学校。")


def _trend(previous, current):
    """The weeks of both months, oldest first (a week across the months' border counts with
    the current month)."""
    weeks = {row["week"]: row for row in previous["trend"]}
    weeks.update({row["week"]: row for row in current["trend"]})
    return [weeks[w] for w in sorted(weeks)]


def _charts(trend, current):
    schools = sorted((s for s in current["schools"] if s["homework"]["avg_minutes"]),
                     key=lambda s: -s["homework"]["avg_minutes"])[:CHART_SCHOOLS]
    categories = current["complaints"]["by_category"]
    return {
        "trend": {"title": "每周平均书面作业与家长反馈用时（分钟）",
                  "x": [f"{w['week'][5:7]}/{w['week'][8:]}" for w in trend],
                  "series": [{"name": "平均书面作业",
                              "data": [w["homework_avg_minutes"] for w in trend]},
                             {"name": "家长反馈用时", "data": [w["reported_avg"] for w in trend]}]},
        "weekly_complaints": {"title": "每周新收投诉（件）",
                              "labels": [f"{w['week'][5:7]}/{w['week'][8:]}" for w in trend],
                              "values": [w["complaints"] for w in trend]},
        "schools": {"title": f"平均书面作业最多的学校（前 {CHART_SCHOOLS} 所，分钟）",
                    "labels": [s["name"] for s in schools],
                    "values": [s["homework"]["avg_minutes"] for s in schools]},
        "categories": {"title": "本月投诉类别（件）", "labels": [c["label"] for c in categories],
                       "values": [c["count"] for c in categories]},
    }


def build(bureau, month, *, today=None):
    """The month's bulletin as JSON-ready data (see the module docstring)."""
    today = today or timezone.localdate()
    month = month.replace(day=1)
    end = min(month_end(month), today)
    complete = end == month_end(month)
    before = previous_month(month)
    period = indicators.Period.of(bureau, start=month, end=max(end, month), today=today)
    previous_period = indicators.Period.of(bureau, start=before, end=month_end(before),
                                           today=today)
    current = indicators.district(bureau, period)
    previous = indicators.district(bureau, previous_period)
    trend = _trend(previous, current)
    title = f"{bureau.name}“双减”工作月度快报（{month_label(month)}）"
    district = {k: v for k, v in current.items() if k not in ("schools", "trend")}
    weekly = _table("trend", "每周趋势", [
        ("周（起）", "text"), ("平均书面作业（分钟）", "number"), ("超限占比", "share"),
        ("家长反馈用时（分钟）", "number"), ("新收投诉", "count"), ("导师任务", "count")],
        [[w["week"], w["homework_avg_minutes"], w["homework_over_share"], w["reported_avg"],
          w["complaints"], w["mentoring_tasks"]] for w in trend], "无")
    categories = _table("categories", "投诉类别", [("类别", "text"), ("件数", "count")],
                        [[c["label"], c["count"]] for c in current["complaints"]["by_category"]],
                        "本月没有新收投诉。")
    return {
        "version": VERSION,
        "title": title,
        "bureau": current["bureau"],
        "month": month.strftime("%Y-%m"),
        "label": month_label(month),
        "period": {**period.as_dict(), "complete": complete},
        "previous": {"month": before.strftime("%Y-%m"), "label": month_label(before),
                     **previous_period.as_dict()},
        "built_on": today.isoformat(),
        "figures": _figures(current, previous),
        "complaints": {k: current["complaints"][k]
                       for k in ("total", "open", "overdue", "escalated", "about_institutions")},
        "district": district,
        "tables": [_schools_table(current), weekly, categories],
        "notable": _notable(bureau, period, current),
        "charts": _charts(trend, current),
    }


# --- the PDF and the spreadsheet ----------------------------------------------------------------

def _cell(value, kind):
    if kind == "number":
        return "—" if value is None else f"{value:,.1f}".rstrip("0").rstrip(".")
    return fmt(value, kind) if kind != "text" else ("—" if value in (None, "") else str(value))


def display_tables(tables, limit=None):
    """Tables with every cell as ``(text to print, is a number)``; with ``limit``, at most that many rows
    (``more`` counts the rest, which the spreadsheet has)."""
    out = []
    for t in tables:
        rows = t["rows"] if limit is None else t["rows"][:limit]
        out.append({**t, "more": len(t["rows"]) - len(rows), "rows": [
            [(_cell(v, c["kind"]), c["kind"] != "text")
             for v, c in zip(row, t["columns"], strict=True)] for row in rows]})
    return out


def _pdf_schools(table):
    """The PDF's school table: every school when few, else those with the most homework
    (PDF_SCHOOLS rows keep the PDF's layout time bounded on a large district)."""
    if len(table["rows"]) <= PDF_SCHOOLS:
        return table
    rows = sorted(table["rows"], key=lambda r: -(r[2] or 0))[:PDF_SCHOOLS]
    return {**table, "title": f"{table['title']}（平均书面作业最多的 {PDF_SCHOOLS} 所）",
            "rows": rows, "cut": len(table["rows"])}


def charts_svg(snapshot):
    """The snapshot's charts as inline SVG (escaped by ``dashboards.svg``, so safe to embed)."""
    c = snapshot["charts"]
    return {
        "trend": mark_safe(svg.line_chart(c["trend"]["x"], c["trend"]["series"],  # noqa: S308
                                          title=c["trend"]["title"], unit="分钟")),
        "weekly_complaints": mark_safe(svg.bar_chart(  # noqa: S308
            c["weekly_complaints"]["labels"], c["weekly_complaints"]["values"],
            title=c["weekly_complaints"]["title"], width=320, height=220)),
        "categories": mark_safe(svg.bar_chart(  # noqa: S308
            c["categories"]["labels"], c["categories"]["values"],
            title=c["categories"]["title"], horizontal=True, width=320,
            colour=svg.PALETTE[1])),
        "schools": mark_safe(svg.bar_chart(  # noqa: S308
            c["schools"]["labels"], c["schools"]["values"], title=c["schools"]["title"],
            horizontal=True, colour=svg.PALETTE[2])),
    }


def context(snapshot, *, pdf=False):
    """What the page and the PDF template read. The PDF prints fewer rows of the long tables
    (WeasyPrint's layout time grows with every cell); the page and the spreadsheet have all."""
    tables = snapshot["tables"]
    if pdf:
        tables = [_pdf_schools(tables[0]), *tables[1:]]
    return {"s": snapshot, "charts": charts_svg(snapshot), "pdf": pdf,
            "tables": display_tables(tables),
            "notable": display_tables(snapshot["notable"], PDF_NOTABLE if pdf else None)}


def render_pdf(snapshot):
    """The bulletin as A4 PDF bytes."""
    import weasyprint  # slow to import (about 1.5 s): only the worker needs it

    # WeasyPrint logs every layout step at INFO; the worker's log needs only its warnings.
    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
    html = render_to_string("dashboards/bulletin_pdf.html", context(snapshot, pdf=True))
    return weasyprint.HTML(string=html).write_pdf()


XLSX_FORMATS = {"share": "0.0%", "number": "0.0", "minutes": "0.0", "score": "0.00",
                "yuan": "#,##0.00", "count": "#,##0"}


def workbook(snapshot):
    """The same data as an .xlsx file: one sheet per table (key figures first)."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    used = set()

    def sheet(title, header, rows):
        """``rows`` of ``(value, kind)`` cells."""
        add_sheet(book, used, title, header, (
            [(value, XLSX_FORMATS.get(kind) if isinstance(value, int | float) else None)
             for value, kind in row] for row in rows))

    sheet("主要指标", ["指标", f"本月（{snapshot['label']}）",
                   f"上月（{snapshot['previous']['label']}）", "变化"],
          [[(f["label"], "text"), (_xlsx_value(f["value"], f["kind"]), f["kind"]),
            (_xlsx_value(f["previous"], f["kind"]), f["kind"]), (f["change"], "text")]
           for f in snapshot["figures"]])
    p, before = snapshot["period"], snapshot["previous"]
    sheet("说明", ["项目", "内容"], [[(k, "text"), (v, "text")] for k, v in [
        ("标题", snapshot["title"]), ("统计期", f"{p['start']} 至 {p['end']}"),
        ("对比期", f"{before['start']} 至 {before['end']}"),
        ("月份是否完整", "是" if p["complete"] else "否（月份尚未结束，截至统计期末）"),
        ("生成日期", snapshot["built_on"]), ("金额单位", "元")]])
    for table in [*snapshot["tables"], *snapshot["notable"]]:
        kinds = [c["kind"] for c in table["columns"]]
        sheet(table["title"], [c["label"] for c in table["columns"]],
              [list(zip(row, kinds, strict=True)) for row in table["rows"]])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _xlsx_value(value, kind):
    """Money in yuan in the spreadsheet (the snapshot keeps fen)."""
    if kind == "yuan" and value is not None:
        return value / 100
    return value


# --- requesting and generating ------------------------------------------------------------------

@transaction.atomic
def request(*, actor, bureau, month, today=None):
    """Create the month's bulletin, or queue it again, and enqueue its generation after the
    commit. ``actor`` None is the daily schedule. Returns ``(bulletin, queued)``: ``queued``
    is False when the bulletin was already waiting (a double click enqueues once).

    Each request that queues is written to the audit log. Safe against concurrent requests:
    the unique constraint (bureau, month) lets one insert win (``get_or_create`` fetches the
    winner's row), and the row lock orders the re-queues."""
    from dashboards.tasks import make_bulletin

    today = today or timezone.localdate()
    if actor is not None:
        require(actor, "create", Bulletin(bureau=bureau))
    month = check_month(bureau, month, today)
    bulletin, created = Bulletin.objects.get_or_create(
        bureau=bureau, month=month, defaults={"requested_by": actor})
    if not created:
        bulletin = Bulletin.objects.select_for_update().select_related("bureau").get(
            pk=bulletin.pk)
        if (bulletin.status == Bulletin.Status.QUEUED
                and bulletin.requested_at > timezone.now() - STALE_QUEUE):
            return bulletin, False
        bulletin.status, bulletin.error = Bulletin.Status.QUEUED, ""
        bulletin.requested_by, bulletin.requested_at = actor, timezone.now()
        bulletin.save(update_fields=["status", "error", "requested_by", "requested_at"])
    log_action(bulletin, "dashboards.bulletin.requested", actor=actor,
               kind="create" if created else "update",
               data={"month": month.strftime("%Y-%m"), "scheduled": actor is None})
    pk = bulletin.pk
    transaction.on_commit(lambda: make_bulletin.enqueue(pk))
    return bulletin, True


def generate(bulletin, *, today=None):
    """Build the snapshot and the PDF and store them on the bulletin (status ready), or store
    the error (status failed) without raising: the worker keeps going."""
    started = time.monotonic()
    try:
        data = build(bulletin.bureau, bulletin.month, today=today)
        pdf = render_pdf(data)
    except Exception as e:  # any failure is the bulletin's, not the worker's
        logger.exception("bulletin %s (%s %s) failed", bulletin.pk, bulletin.bureau_id,
                         bulletin.month)
        bulletin.status = Bulletin.Status.FAILED
        bulletin.error = (f"生成失败（{type(e).__name__}：{_clip(str(e), 200)}）。"
                          "请稍后重新生成；仍然失败请联系系统管理员。")
        fields = ["status", "error"]
    else:
        bulletin.status, bulletin.error = Bulletin.Status.READY, ""
        bulletin.data, bulletin.pdf = data, pdf
        fields = ["status", "error", "data", "pdf"]
    bulletin.generated_at = timezone.now()
    bulletin.seconds = round(time.monotonic() - started, 2)
    bulletin.save(update_fields=[*fields, "generated_at", "seconds"])
    return bulletin
