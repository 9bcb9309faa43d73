"""The demo district's complaints (投诉举报): eight complaints from the public form (anonymous and
named) and the hotline, about homework, after-school service, exams, institutions, fees and an
in-service teacher's paid tutoring, routed to 明德区实验小学 and to the bureau's sections, in every
state: new, acknowledged, in progress, resolved with public replies, merged as a duplicate,
rejected, and one overdue and escalated by the daily command's service.

Written through ``complaints.services`` as the public (no actor), the demo ``hotline``, the
school admin, the supervision section, the ethics officer and the bureau admin. Only the overdue
complaint is seed data on top: its filing date is moved back ten days (nobody can file in the
past), then ``escalate_overdue`` raises it as the daily command would.
"""

import datetime as dt

from django.utils import timezone

from complaints import services
from complaints.models import Complaint, ComplaintEvent
from institutions.models import Institution
from org.demo import demo_school_code
from org.models import School, User

Category = Complaint.Category


def _users(*names):
    return [User.objects.get(username=name) for name in names]


def build_complaints_demo(district, today=None):
    """Returns the complaints by their role in the demo (``paid_tutoring`` is the one the
    ethics demo opens a case from)."""
    today = today or timezone.localdate()
    hotline, principal, supervisor, ethics, bureau = _users(
        "hotline", "principal", "supervisor", "ethics", "bureau")
    school = School.objects.get(code=demo_school_code(1))
    institutions = list(Institution.objects.filter(bureau=district).order_by("pk"))
    main, unlicensed = institutions[0], institutions[8]  # 启航 (the demo's), 金榜 (无证无照)

    def web(category, subject, details, **more):
        return services.file_complaint(actor=None, bureau=district, category=category,
                                       subject=subject, details=details, **more)

    def call(category, subject, details, **more):
        return services.file_complaint(actor=hotline, bureau=district, category=category,
                                       subject=subject, details=details,
                                       channel=Complaint.Channel.HOTLINE, **more)

    # New, anonymous, for the school: nobody has looked at it yet.
    homework = web(Category.HOMEWORK, "四年级书面作业量偏大",
                   "孩子在四年级，最近一周每天书面作业都要做到晚上九点以后，数学和语文各有两页练习，"
                   "希望学校控制作业总量。", anonymous=True, school=school)
    # Named, for the school, acknowledged by the principal.
    after_school = web(Category.AFTER_SCHOOL, "课后服务延时托管结束时间不固定",
                       "延时托管有时六点结束、有时六点半结束，家长接孩子时间不好安排，请学校明确时间。",
                       complainant_name="刘春梅", complainant_phone="13907551234", school=school)
    services.acknowledge(actor=principal, complaint=after_school,
                         note="已受理，学校将在一周内公布统一的延时托管结束时间。")
    # By phone, fees at the demo's institution: the supervision section is on it.
    fees = call(Category.FEES, "培训机构拖延退费",
                "来电人称在该机构缴费 20 课时，上了 6 次课后申请退费，机构一个多月未退。",
                complainant_name="王建华", complainant_phone="13807552468", institution=main)
    services.acknowledge(actor=supervisor, complaint=fees, note="已受理，转监管科核查。")
    services.start(actor=supervisor, complaint=fees, note="已调取该合同的监管账户流水。")
    services.reply(actor=supervisor, complaint=fees, public=True,
                   text="经核查，您的合同尚有 14 课时未上，已要求机构在 5 个工作日内通过监管账户退费。")
    # Anonymous reports of the unlicensed institution: the second is merged into the first,
    # which the section resolves with public replies.
    unlicensed_report = web(Category.INSTITUTION, "无证机构违规开展学科类培训",
                            "该工作室没有办学许可证，周末在居民楼里给初中学生上数学和英语课，"
                            "每次二十多个学生。", anonymous=True, institution=unlicensed)
    duplicate = web(Category.INSTITUTION, "居民楼里有人办补习班",
                    "小区 5 号楼二单元每周六、周日有几十个学生上补习课，疑似无证办学。",
                    anonymous=True, institution=unlicensed)
    services.merge(actor=hotline, complaint=duplicate, into=unlicensed_report,
                   note="与另一件反映同一机构的投诉相同。")
    services.acknowledge(actor=supervisor, complaint=unlicensed_report, note="已受理。")
    services.start(actor=supervisor, complaint=unlicensed_report,
                   note="已会同市场监管部门安排现场检查。")
    services.reply(actor=supervisor, complaint=unlicensed_report, public=True,
                   text="执法人员已到现场检查，该机构确无办学许可证，已责令立即停止培训活动。")
    services.resolve(actor=supervisor, complaint=unlicensed_report,
                     outcome="经查属实。该机构无证开展学科类培训，已由教育、市场监管部门联合取缔，"
                             "并列入黑名单；预收的费用正在督促退还家长。")
    # By phone, an in-service teacher's paid tutoring: the ethics officer (see ethics.demo).
    paid_tutoring = call(Category.PAID_TUTORING, "在职教师课后有偿补课",
                         "来电人反映该校一名体育教师周末在家中组织有偿补课，每次收费 150 元。",
                         complainant_name="赵明", complainant_phone="13607559753", school=school,
                         teacher_name=tutoring_teacher(school).name)
    services.acknowledge(actor=ethics, complaint=paid_tutoring, note="已受理，转师德师风专员调查。")
    services.start(actor=ethics, complaint=paid_tutoring, note="已立案调查。")
    # Outside the bureau's remit: rejected with the reason.
    traffic = call(Category.OTHER, "学校门口早高峰交通拥堵",
                   "来电人反映学校门口早上七点半前后车辆乱停，孩子过马路很危险。",
                   complainant_name="孙丽", complainant_phone="13507558642", school=school)
    services.reject(actor=bureau, complaint=traffic,
                    reason="道路交通秩序由公安交管部门负责，已告知来电人拨打交警热线反映；"
                           "教育局已提醒学校加强上下学时段的护导。")
    # Exams at the school, filed ten days ago and never acknowledged: overdue, escalated.
    overdue = web(Category.EXAMS, "期中考试后按分数排名次",
                  "期中考试后老师在家长群里公布了全班成绩排名，孩子压力很大。",
                  complainant_name="陈静", complainant_phone="13307554321", school=school)
    _file_earlier(overdue, today - dt.timedelta(days=10))
    services.escalate_overdue(today=today)
    return {"homework": homework, "after_school": after_school, "fees": fees,
            "unlicensed": unlicensed_report, "duplicate": duplicate,
            "paid_tutoring": paid_tutoring, "rejected": traffic, "overdue": overdue}


def tutoring_teacher(school):
    """The PE teacher of 明德区实验小学 the paid-tutoring complaint names (no demo login)."""
    from org.models import Teacher

    return (Teacher.objects.filter(school=school, assignments__subject="pe", user__isnull=True)
            .order_by("pk").first())


def _file_earlier(complaint, filed_on):
    """Seed data: the complaint as if filed on ``filed_on``, with that day's deadlines."""
    ack_due, resolve_due = services.deadlines(complaint.bureau, filed_on)
    filed_at = timezone.make_aware(dt.datetime.combine(filed_on, dt.time(9, 30)))
    Complaint.objects.filter(pk=complaint.pk).update(filed_at=filed_at, ack_due=ack_due,
                                                     resolve_due=resolve_due)
    ComplaintEvent.objects.filter(complaint=complaint, kind=ComplaintEvent.Kind.FILED).update(
        at=filed_at, note=f"已收到您的投诉，将于{services.cn_date(ack_due)}前受理。")
