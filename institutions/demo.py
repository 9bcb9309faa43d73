"""The demo district's institutions area: guide prices, licences with validity dates, staff
(one of them an in-service teacher, found by the cross-check), courses with published fees,
a week of sessions, a yellow card, the white and black lists, and one pending application.

Written through ``institutions.services`` as the demo supervisor and institution accounts, so
the ledger and the audit log read like a real district's.
"""

import datetime as dt

from django.utils import timezone

from core.errors import RuleViolation
from institutions import services
from institutions.models import Institution
from org.demo import DEMO_STAFF_REGION, credit_code, id_number
from org.models import Teacher, User

PRICES = [("offline", "small", 15000), ("offline", "medium", 8000), ("offline", "large", 5000),
          ("online", "small", 9000), ("online", "medium", 4000), ("online", "large", 2500)]


def _at(date, hm):
    hours, minutes = (int(p) for p in hm.split(":"))
    return timezone.make_aware(dt.datetime.combine(date, dt.time(hours, minutes)))


def build_institutions_demo(district, today=None):
    supervisor = User.objects.get(username="supervisor")
    staff_user = User.objects.get(username="institution")
    today = today or timezone.localdate()
    for mode, band, fen in PRICES:
        services.set_guide_price(actor=supervisor, bureau=district, mode=mode, band=band,
                                 base_price_fen=fen, document="示范市发改委〔2021〕学科类培训基准价（示范）")
    institutions = list(Institution.objects.filter(bureau=district).order_by("pk"))
    for n, inst in enumerate(institutions, start=1):
        if inst.licence_status == "permit_and_licence":
            services.change_institution(
                actor=supervisor, institution=inst, reason="补录证照信息",
                school_permit_no=f"教民1{district.code}{n:05d}号",
                permit_valid_until=today + dt.timedelta(days=40 if n == 2 else 365 + 30 * n),
                business_licence_no=inst.credit_code,
                category="" if inst.subject_type else "art")
    main = institutions[0]  # the `institution` account's: subject-type, offline
    teacher = Teacher.objects.filter(school__bureau=district).exclude(id_number="") \
        .order_by("pk").first()
    staff = [("周文", "maths", True), ("吴敏", "chinese", True), ("郑华", "english", False)]
    for i, (name, subject, full_time) in enumerate(staff, start=1):
        services.add_staff(actor=staff_user, institution=main, name=name,
                           id_number=id_number(DEMO_STAFF_REGION, dt.date(1988, 3, i), 700 + i),
                           kind="teaching", full_time=full_time, subjects=[subject],
                           teacher_certificate_no=f"2015{district.code}{i:04d}")
    if teacher is not None:  # an in-service teacher moonlighting: the cross-check finds them
        services.add_staff(actor=staff_user, institution=main, name=teacher.name,
                           id_number=teacher.id_number, kind="teaching", full_time=False,
                           subjects=["maths"], teacher_certificate_no="2012000000000001")
    maths = services.add_course(
        actor=staff_user, institution=main, name="七年级数学同步提高班", subject="maths",
        mode="offline", grades=[7], class_size=20, lesson_minutes=90, lessons=24,
        price_per_lesson_fen=17000, content_summary="与学校进度同步的巩固练习，不超前。")
    services.add_course(
        actor=staff_user, institution=main, name="小学英语阅读小班", subject="english",
        mode="offline", grades=[4, 5, 6], class_size=8, lesson_minutes=45, lessons=20,
        price_per_lesson_fen=16000, content_summary="分级阅读。")
    day = today
    filed = 0
    while filed < 5:
        day += dt.timedelta(days=1)
        if day.weekday() < 5:
            try:
                services.schedule_session(actor=staff_user, institution=main, course=maths,
                                          start=_at(day, "18:30"), end=_at(day, "20:00"))
            except RuleViolation:  # a day the calendar closes: skip it
                continue
            filed += 1
    # Cards and lists.
    services.issue_card(actor=supervisor, institution=institutions[6], colour="yellow",
                        reason="超出办学许可范围招生", evidence="2026-11-05 现场检查记录", rule="TI-8")
    services.add_to_list(actor=supervisor, institution=institutions[1], kind="white",
                         reason="证照齐全、年检合格")
    services.add_to_list(actor=supervisor, institution=institutions[8], kind="black",
                         reason="无证无照开展学科类培训，拒不整改")
    # A pending (paper) application from a new arts institution, entered by the section.
    services.register_institution(
        actor=supervisor, bureau=district, name="明德区星光舞蹈培训中心",
        credit_code=credit_code("52", "500106", "73120045"), subject_type=False,
        category="art", mode="offline", address="明德区文化路 88 号")
    return main
