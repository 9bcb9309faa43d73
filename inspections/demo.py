"""The demo district's random inspections (双随机一公开): a roster of eight inspectors of five
departments (张志强 is the demo ``inspector`` login), one declared conflict of interest, the
autumn draw of institutions five weeks ago with its results (one published, one past its
publication deadline, the ``inspector``'s own check still to do), a draw of schools, and a joint
enforcement operation with two visits (one compliant, one yellow card).

Written through ``inspections.services`` as the demo supervisor. Seed data on top: the autumn
draw is dated five weeks back and one result's publication deadline has passed (a deadline is
counted from the day a result is recorded, and nobody records in the past).
"""

import datetime as dt

from django.utils import timezone

from inspections import services
from inspections.models import Draw, Inspection
from institutions.models import Institution
from org.models import User

# (name, department, the demo login it belongs to)
ROSTER = [
    ("张志强", "education", "inspector"),
    ("刘建军", "education", None),
    ("陈晓峰", "education", None),
    ("王海燕", "market", None),
    ("李春梅", "market", None),
    ("赵立新", "civil_affairs", None),
    ("孙国栋", "fire", None),
    ("周丽娟", "human_resources", None),
]
ITEMS = "办学许可证和营业执照\n收费公示与预收费资金监管\n从业人员资质\n培训时间与内容（不超前超标）\n消防安全"


def _at(date, hours=10):
    return timezone.make_aware(dt.datetime.combine(date, dt.time(hours)))


def build_inspections_demo(district, today=None):
    today = today or timezone.localdate()
    supervisor = User.objects.get(username="supervisor")
    institutions = list(Institution.objects.filter(bureau=district).order_by("pk"))
    roster = []
    for n, (name, department, username) in enumerate(ROSTER, start=1):
        roster.append(services.add_inspector(
            actor=supervisor, bureau=district, name=name, department=department,
            certificate_no=f"{district.code}{n:05d}",
            user=User.objects.get(username=username) if username else None))
    services.declare_conflict(actor=supervisor, inspector=roster[2], institution=institutions[3],
                              reason="配偶在该机构担任教学主管")

    # The autumn draw of institutions: 40% of the roster, drawn five weeks ago.
    drawn_on = today - dt.timedelta(days=35)
    autumn = services.run_draw(actor=supervisor, bureau=district, target_kind="institution",
                               title=f"{drawn_on.year} 年秋季校外培训机构双随机抽查", percent=40,
                               items=ITEMS, seed=f"{district.code}-{drawn_on:%Y%m%d}")
    Draw.objects.filter(pk=autumn.pk).update(created_at=_at(drawn_on))
    mine = set(Inspection.objects.filter(draw=autumn, inspectors__user__username="inspector")
               .values_list("pk", flat=True))
    others = list(autumn.inspections.exclude(pk__in=mine).order_by("position"))
    results = [
        ("pass", "", True),
        ("rectify", "收费公示栏未列出教材费；两名授课人员的教师资格证未在机构内公示。责令 10 日内整改。",
         False),
        ("pass", "", False),
    ]
    for inspection, (outcome, findings, publish) in zip(others, results, strict=False):
        done = services.record_result(actor=supervisor, inspection=inspection, outcome=outcome,
                                      findings=findings,
                                      checked_on=drawn_on + dt.timedelta(days=7))
        if publish:
            services.publish(actor=supervisor, inspection=done)
        elif outcome == "rectify":  # recorded four weeks ago and never published: overdue
            Inspection.objects.filter(pk=done.pk).update(
                recorded_at=_at(drawn_on + dt.timedelta(days=7), 16),
                publish_due=today - dt.timedelta(days=4))

    # A draw of schools (today), nothing checked yet.
    services.run_draw(actor=supervisor, bureau=district, target_kind="school", count=2,
                      title=f"{today.year} 年学校“双减”落实情况双随机抽查",
                      items="作业总量与公示\n课后服务开展情况\n考试管理",
                      seed=f"{district.code}-schools-{today:%Y%m%d}")

    # A joint operation of four departments, two weeks ago.
    operation = services.create_operation(
        actor=supervisor, bureau=district, title=f"{today.year} 年秋季校外培训联合执法行动",
        start=today - dt.timedelta(days=16), end=today - dt.timedelta(days=12),
        departments=["education", "market", "fire", "civil_affairs"],
        summary="教育、市场监管、消防、民政部门联合检查校外培训机构的证照、收费和消防安全。")
    services.record_visit(actor=supervisor, operation=operation, institution=institutions[1],
                          visited_on=operation.start, outcome="compliant")
    services.record_visit(actor=supervisor, operation=operation, institution=institutions[3],
                          visited_on=operation.start + dt.timedelta(days=1), outcome="card",
                          card_colour="yellow",
                          findings="安全出口堆放教具，灭火器过期未更换。")
    return autumn
