"""The demo district's school supervision (责任督学): the demo ``inspector`` is the responsible
inspector of the first three primary schools since two months ago; 明德区实验小学 submitted last
week's self-check (items the platform's figures show as problems marked 不符合, which makes them
rectification tasks); and the inspector visited the school on the last school day, with a
finding that became a rectification task.

Written through ``schoolinspection.services`` as the demo bureau admin, principal and inspector.
A week without school days (a holiday) has no self-check.
"""

import datetime as dt

from django.utils import timezone

from org.demo import demo_school_code
from org.models import School, User
from schoolcal.calendar import SchoolCalendar
from schoolinspection import checklist, services


def build_school_inspection_demo(district, today=None):
    today = today or timezone.localdate()
    bureau, principal, inspector = (User.objects.get(username=name)
                                    for name in ("bureau", "principal", "inspector"))
    since = today - dt.timedelta(days=60)
    for index in (1, 2, 3):
        services.assign_inspector(actor=bureau, school=School.objects.get(
            code=demo_school_code(index)), inspector=inspector, since=since,
            contact_phone="0755-12345678")
    school = School.objects.get(code=demo_school_code(1))

    # Last week's self-check: the school follows the platform's figures, explaining 不符合.
    last_week = checklist.week_start_of(today) - dt.timedelta(days=7)
    week, rows = services.self_check_form(school, last_week)
    answers = [{"code": row["code"], "compliant": row["suggested"] is not False,
                "note": "" if row["suggested"] is not False
                else f"{row['text'].rstrip('。')}；已要求相关班级整改。"} for row in rows]
    if week.school_days:  # a week of holidays has nothing to check
        services.submit_self_check(actor=principal, school=school, week=last_week,
                                   answers=answers)

    # The inspector's visit on the last school day before today, with one finding.
    days = SchoolCalendar(district).school_days(today - dt.timedelta(days=14),
                                                today - dt.timedelta(days=1))
    visited_on = days[-1] if days else today - dt.timedelta(days=1)
    services.record_visit(
        actor=inspector, school=school, visited_on=visited_on,
        items=["hw_limit", "hw_publish", "as_delivery", "fm_phone"],
        summary="查阅作业公示栏和课后服务台账，随堂听课一节，与四年级学生座谈。",
        findings=["四年级部分班级作业公示栏未按日更新（HW-7），请建立每日公示检查制度并报送整改情况。"])
