"""The homework monitoring page for the bureau, inspectors, schools and grade leaders."""

import io

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from openpyxl import Workbook

from core.access import get_for, require, visible
from homework import monitoring
from homework.models import ClassDay
from org.models import School, SchoolClass

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _charts(data):
    return {
        "trend": {"x": [r["week"] for r in data["trend"]], "series": [
            {"name": "平均书面家庭作业（分钟）", "data": [r["avg_minutes"] for r in data["trend"]]},
            {"name": "未超限占比（%）",
             "data": [round((r["within_share"] or 0) * 100, 1) for r in data["trend"]]}]},
        "grades": {"x": [r["grade_name"] for r in data["by_grade"]], "series": [
            {"name": "平均分钟", "data": [r["avg_minutes"] for r in data["by_grade"]]}]},
        "kinds": {"x": [r["label"] for r in data["by_kind"]], "series": [
            {"name": "分钟", "data": [r["minutes"] for r in data["by_kind"]]}]},
        "layers": {"x": [r["label"] for r in data["by_layer"]], "series": [
            {"name": "分钟", "data": [r["minutes"] for r in data["by_layer"]]}]},
    }


@login_required
def homework_monitoring(request):
    require(request.user, "monitor", ClassDay)
    classes = visible(request.user, SchoolClass)
    school = None
    if request.GET.get("school"):
        school = get_for(request.user, School, request.GET["school"])
        classes = classes.filter(school=school)
    period = monitoring.Period.parse(request.GET.get("start"), request.GET.get("end"),
                                     timezone.localdate())
    data = monitoring.report(classes, period)
    schools = None if school else data["schools"]
    if request.GET.get("export") == "xlsx":
        return _export(data, schools, school)
    return render(request, "monitoring/homework.html", {
        "data": data, "schools": schools, "school": school, "charts": _charts(data)})


def _export(data, schools, school):
    book = Workbook(write_only=True)

    def sheet(title, header, rows):
        ws = book.create_sheet(title)
        ws.append(header)
        for row in rows:
            ws.append(row)

    p = data["period"]
    sheet("概况", ["指标", "数值"], [
        ["统计期", f"{p.start} 至 {p.end}"], ["有作业的班级日", data["class_days"]],
        ["超限班级日", data["over_days"]], ["未超限占比", data["within_share"]],
        ["平均书面家庭作业（分钟）", data["avg_minutes"]], ["分层/弹性作业占比", data["layered_share"]],
        ["校内完成占比", data["in_school_share"]], ["未布置作业的班级数", data["silent_count"]]])
    if schools:
        sheet("分校", ["学校", "班级数", "班级日", "平均分钟", "未超限占比", "未布置班级"],
              [[s["name"], s["classes"], s["class_days"], s["avg_minutes"], s["within_share"],
                s["silent_classes"]] for s in schools])
    sheet("分年级", ["年级", "班级日", "平均分钟", "超限日"],
          [[r["grade_name"], r["class_days"], r["avg_minutes"], r["over_days"]]
           for r in data["by_grade"]])
    sheet("分学科", ["学科", "计入上限分钟", "每班级日平均"],
          [[r["subject_name"], r["counted_minutes"], r["avg_per_class_day"]]
           for r in data["by_subject"]])
    sheet("作业类型", ["类型", "分钟"], [[r["label"], r["minutes"]] for r in data["by_kind"]])
    sheet("分层", ["分层", "分钟"], [[r["label"], r["minutes"]] for r in data["by_layer"]])
    sheet("多次超限班级", ["学校", "班级", "超限天数"],
          [[r["school_class__school__name"], r["class_name"], r["over_days"]]
           for r in data["repeated"]])
    sheet("估计偏差", ["教师", "学科", "作业项", "反馈数", "平均估计", "平均实际", "实际/估计"],
          [[r["teacher"], r["subject_name"], r["items"], r["reports"], r["estimated"],
            r["reported"], r["ratio"]] for r in data["drift"]])
    out = io.BytesIO()
    book.save(out)
    response = HttpResponse(out.getvalue(), content_type=XLSX)
    name = f"homework-monitoring-{school.pk if school else 'district'}-{p.start}-{p.end}.xlsx"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{name}"
    return response
