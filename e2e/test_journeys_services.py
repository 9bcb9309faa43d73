"""Journeys through the after-school services (课后服务) and the training-institution pages
(培训机构, and the anonymous public lookup) of the demo district, in a real browser.

The demo's after-school term (``afterschool.demo``): 明德区实验小学's autumn programme is
published, its lottery run once and published; the ``parent`` account's child has applied; the
``headteacher`` is duty teacher of 四年级（1）班's homework-guidance group. The demo's institutions
(``institutions.demo``): the ``institution`` account works for 明德区启航文化培训学校; the
``supervisor`` has one pending application (明德区星光舞蹈培训中心). "Today" is Monday
2026-11-23 (conftest).
"""

import re
from decimal import Decimal

import pytest

from afterschool.models import (
    Allocation,
    Attendance,
    Choice,
    Course,
    Enrolment,
    Programme,
    Segment,
    Session,
    SurveyResponse,
)
from e2e.test_journeys import expect, log_in, nav
from institutions.models import Card, Institution, TrainingCourse, TrainingSession
from institutions.own_forms import yuan
from org.models import Pupil

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}


def programme(demo):
    return Programme.objects.get(school=demo.school)


def share(value):
    """A share as the lottery page shows it (0.6822 → 68.2%)."""
    return f"{Decimal(str(value)) * 100:.1f}%"


# ---- after-school: school admin --------------------------------------------------------------

def test_principal_reviews_the_lottery_and_a_rerun_without_reason_is_refused(page, demo):
    prog = programme(demo)
    run = Allocation.objects.get(programme=prog)

    # Given the principal on the after-school hub
    log_in(page, "principal")
    nav(page, "课后服务")
    # When they open the school's programme
    page.locator("#school-admin").get_by_role("link", name=re.compile("^课后服务方案")).click()
    page.locator("#programmes").get_by_role("link", name=prog.name).click()
    # Then they see its timetable: three segments every weekday, two hours of service (AS-1)
    expect(page.get_by_role("heading", level=1)).to_have_text(prog.name)
    expect(page.locator("#status")).to_contain_text("已公布分配结果")
    timetable = page.locator("#timetable")
    for segment, times in [("第一时段：作业辅导", "15:50–16:50"), ("第二时段：菜单课程", "16:50–17:50"),
                           ("延时托管", "17:50–18:30")]:
        row = timetable.locator("tbody tr", has_text=segment)
        expect(row.locator("td")).to_have_text([segment] + [times] * 5)
    expect(timetable.locator("#service-minutes td")).to_have_text(
        ["课后服务时长（分钟）"] + ["120"] * 5)

    # When they open the lottery page
    page.locator("#programme-nav").get_by_role("link", name="报名与抽签").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("报名与抽签")
    # Then the quality table sets the lottery beside first-come-first-served
    quality = page.locator("#quality")
    expect(quality.get_by_role("heading")).to_have_text("第 1 次抽签的分配质量")
    first = quality.locator("tbody tr", has_text="第一志愿满足率").locator("td")
    expect(first).to_have_text(["第一志愿满足率", share(run.quality["lottery"]["first_choice_share"]),
                                share(run.quality["fcfs"]["first_choice_share"])])
    applicants = quality.locator("tbody tr", has_text="参加抽签人数").locator("td")
    expect(applicants).to_have_text(["参加抽签人数", str(run.quality["lottery"]["applicants"]),
                                     str(run.quality["fcfs"]["applicants"])])
    # And the run is recorded as published, with its seed
    recorded = page.locator(f"#run-{run.pk}")
    expect(recorded).to_contain_text("第 1 次")
    expect(recorded).to_contain_text("已公布")
    expect(recorded).to_contain_text(run.seed)

    # When they run the lottery again without giving a reason (and confirm the dialog)
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#run-button").click()
    # Then it is refused, and no second run exists
    expect(page.locator("#reason-errors")).to_contain_text("重新抽签须填写原因")
    expect(page.locator("#runs tbody tr")).to_have_count(1)
    assert Allocation.objects.filter(programme=prog).count() == 1


# ---- after-school: guardian ------------------------------------------------------------------

def test_parent_sees_the_childs_places_and_answers_the_survey(page, demo):
    prog = programme(demo)
    child = Pupil.objects.get(guardians__user__username="parent")
    # The published lottery decides each ranked menu choice: a place or a waitlist position.
    choices = Choice.objects.filter(application__pupil=child, application__programme=prog)
    live = {e.course_id: e for e in Enrolment.objects.filter(
        pupil=child, course__programme=prog, course__kind=Segment.MENU,
        status__in=[Enrolment.Status.ENROLLED, Enrolment.Status.WAITLISTED])}
    states = {}
    for choice in choices.select_related("course").order_by("rank"):
        place = live.get(choice.course_id)
        states[choice.course.name] = (
            "未录取" if place is None else "已录取" if place.status == Enrolment.Status.ENROLLED
            else f"候补第 {place.waitlist_position} 位")
    assert states

    # Given the child's guardian on the after-school hub
    log_in(page, "parent")
    nav(page, "课后服务")
    card = page.locator(f"#child-{child.pk}")
    # Then the child's card has the programme and the places
    expect(card.get_by_role("heading", level=2)).to_contain_text(child.name)
    expect(card).to_contain_text(prog.name)
    expect(card).to_contain_text("四年级（1）班 作业辅导（已录取）")
    for name, state in states.items():
        if state != "未录取":  # the card lists the places the child holds or waits for
            expect(card).to_contain_text(f"{name}（{state}）")

    # When they open the application
    card.get_by_role("link", name="查看与修改报名").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"课后服务报名 · {child.name}")
    # Then the base service is granted and each menu choice shows its place or waitlist position
    expect(page.locator("#base-state")).to_contain_text("已录取")
    rows = page.locator("#choices li")
    expect(rows).to_have_count(len(states))
    for name, state in states.items():
        expect(rows.filter(has_text=name).locator(".badge")).to_have_text(state)
    expect(page.locator("#fee")).to_contain_text("元")
    # And after the published lottery the choices can no longer be changed
    expect(page.locator("#apply")).to_contain_text("抽签结果已公布，志愿不能再修改")

    # When they go back and fill the satisfaction survey
    page.get_by_role("link", name="返回").click()
    page.locator(f"#child-{child.pk}").get_by_role("link", name="满意度调查").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("课后服务满意度调查")
    page.get_by_role("group", name=re.compile("^孩子对课后服务的喜爱程度")) \
        .get_by_label("5", exact=True).check()
    page.get_by_role("group", name=re.compile("^您对学校课后服务的满意程度")) \
        .get_by_label("4", exact=True).check()
    page.get_by_role("group", name=re.compile("^意见和建议")).locator("textarea").fill(
        "希望增加科学类课程")
    page.get_by_role("button", name="提交评价").click()
    # Then they are thanked, and the hub offers to change the answer
    expect(page.locator(".msg-success")).to_contain_text("谢谢您的评价")
    expect(page.locator(f"#child-{child.pk}").get_by_role("link", name="修改满意度评价")) \
        .to_be_visible()
    answer = SurveyResponse.objects.get(programme=prog, pupil=child)
    assert (answer.liking, answer.satisfaction, answer.comment) == (5, 4, "希望增加科学类课程")


# ---- after-school: duty teacher on a phone ---------------------------------------------------

def test_head_teacher_marks_attendance_and_a_pick_up_on_a_phone(page, demo):
    page.set_viewport_size(PHONE)
    group = Course.objects.get(programme=programme(demo), kind=Segment.GUIDANCE,
                               school_class=demo.class_4_1)
    session = Session.objects.get(course=group, date=demo.today)
    child = Pupil.objects.get(guardians__user__username="parent")  # enrolled in the group
    assert not Attendance.objects.filter(session=session).exists()

    # Given the guidance group's duty teacher, on a phone, on the after-school hub
    log_in(page, "headteacher")
    nav(page, "课后服务")
    today = page.locator("#my-sessions li", has_text=group.name)
    expect(today).to_contain_text("15:50–16:50")
    # When they open today's roster
    today.get_by_role("link", name="点名与接送").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(group.name)
    expect(page.locator("#roster-summary")).to_contain_text("已点名 0 /")
    row = page.locator(f"#pupil-{child.pk}")
    expect(row).to_contain_text("未点名")
    # The roster fits the phone: no sideways scrolling
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # When they tap 出勤 on the child's row (HTMX: only the row is replaced)
    row.get_by_role("group", name=f"{child.name}的考勤").get_by_role("button", name="出勤").click()
    # Then the row shows the mark, the summary follows, and the pick-up controls appear
    expect(row.get_by_role("button", name="出勤")).to_have_attribute("aria-pressed", "true")
    expect(row.locator(".who")).to_contain_text("出勤")
    expect(page.locator("#roster-summary")).to_contain_text("已点名 1 /")

    # When the child's mother collects the child
    row.get_by_label("离校方式").select_option(label="家长接走")
    row.get_by_label("接走人").fill(f"{child.name}妈妈")
    row.get_by_role("button", name="登记离校").click()
    # Then the row says the child has left, and with whom
    expect(row.locator(".pickup-done")).to_contain_text(f"家长接走 · 接走人：{child.name}妈妈")
    expect(row.locator(".who")).to_contain_text("已离校")
    expect(page.locator("#roster-summary")).to_contain_text("已离校 1")

    # And after reloading the page the saved state is still there
    page.reload()
    row = page.locator(f"#pupil-{child.pk}")
    expect(row.get_by_role("button", name="出勤")).to_have_attribute("aria-pressed", "true")
    expect(row.locator(".pickup-done")).to_contain_text(f"接走人：{child.name}妈妈")
    expect(page.locator("#session-status")).to_have_text("已上课")
    mark = Attendance.objects.get(session=session, pupil=child)
    assert (mark.mark, mark.pickup, mark.picked_up_by) == ("present", "guardian",
                                                          f"{child.name}妈妈")


# ---- after-school: bureau --------------------------------------------------------------------

def test_bureau_admin_sees_participation_chart_and_table(page, demo):
    # Given the bureau admin on the after-school hub
    log_in(page, "bureau")
    nav(page, "课后服务")
    # When they open participation and satisfaction
    page.locator("#bureau").get_by_role("link", name=re.compile("^参与率与满意度")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("课后服务参与率与满意度")
    # Then both charts are drawn (ECharts puts a canvas in each container)
    charts = page.locator("[data-chart]")
    expect(charts).to_have_count(2)
    for i in range(2):
        expect(charts.nth(i).locator("canvas")).to_be_visible()
    # And the table has the demo school and the district's totals
    table = page.locator("#participation")
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(table.locator("tbody tr").first).to_contain_text(demo.school.name)
    expect(table.locator("tfoot")).to_contain_text("合计")
    expect(page.locator("#kpis")).to_contain_text("学生参与率")
    expect(page.locator("#export")).to_be_visible()


# ---- institutions: supervision section -------------------------------------------------------

def test_supervisor_approves_an_application_and_issues_a_yellow_card(page, demo):
    pending = Institution.objects.get(name="明德区星光舞蹈培训中心")
    target = Institution.objects.get(name="明德区跃动体育培训中心")
    assert pending.status == Institution.Status.APPLYING
    assert not Card.objects.filter(institution=target).exists()

    # Given the supervisor on the registry, which counts one pending application
    log_in(page, "supervisor")
    nav(page, "培训机构")
    expect(page.get_by_role("heading", level=1)).to_have_text("校外培训机构名录")
    applications = page.locator("#section-nav").get_by_role("link", name=re.compile("^机构申请"))
    expect(applications).to_contain_text("1")

    # When they approve the application with a permit number
    applications.click()
    card = page.locator(f"#application-{pending.pk}")
    expect(card.get_by_role("heading", level=2)).to_have_text(pending.name)
    card.get_by_label("批准", exact=True).check()
    card.get_by_label(re.compile("^办学许可证号")).fill("教民152010600099号")
    card.get_by_label("许可证有效期至").fill("2029-11-30")
    card.get_by_role("button", name="提交审批意见").click()
    # Then the institution's page says it is approved, with its permit
    expect(page.locator(".msg-success")).to_contain_text(
        f"已批准“{pending.name}”，办学许可证号 教民152010600099号")
    expect(page.get_by_role("heading", level=1)).to_have_text(pending.name)
    expect(page.locator("#status")).to_have_text("已审批")
    expect(page.locator("#licences")).to_contain_text("教民152010600099号")
    expect(page.locator("#ledger tbody tr").first).to_contain_text("审批培训机构申请")

    # And the registry lists it as approved with permit and licence
    page.locator("#section-nav").get_by_role("link", name="机构名录").click()
    page.get_by_label("名称或统一社会信用代码").fill("星光")
    page.get_by_role("button", name="查询").click()
    row = page.locator(f"#institution-{pending.pk}")
    expect(row).to_contain_text("已审批")
    expect(row).to_contain_text("有证有照")
    expect(page.locator("#section-nav").get_by_role("link", name=re.compile("^机构申请"))) \
        .to_have_text("机构申请")  # no pending application any more

    # When they open another institution and issue a yellow card
    page.get_by_label("名称或统一社会信用代码").fill(target.name)
    page.get_by_role("button", name="查询").click()
    page.locator(f"#institution-{target.pk}").get_by_role("link", name=target.name).click()
    form = page.locator("#card-form")
    form.get_by_label("类型").select_option(label="黄牌")
    form.get_by_label("事由（必填）").fill("未公示收费项目")
    form.get_by_label("证据").fill("2026-11-20 现场检查记录")
    form.get_by_label("违反规则编号").fill("TP-5")
    form.get_by_role("button", name="亮牌").click()
    # Then the card is on the page, and the ledger has the entry
    expect(page.locator(".msg-success")).to_contain_text(f"已对“{target.name}”亮黄牌。")
    issued = page.locator("#cards tbody tr", has_text="未公示收费项目")
    expect(issued).to_contain_text("黄牌")
    expect(issued).to_contain_text("TP-5")
    expect(issued).to_contain_text("有效")
    entry = page.locator("#ledger tbody tr").first
    expect(entry).to_contain_text("亮牌（黄牌/红牌）")
    expect(entry).to_contain_text("红黄牌：— → 黄牌")
    expect(entry).to_contain_text("未公示收费项目")
    expect(page.locator("#suspended")).to_have_count(0)  # one yellow card does not suspend
    assert Card.objects.filter(institution=target, colour="yellow").count() == 1


# ---- institutions: an institution's own staff ------------------------------------------------

def test_institution_staff_schedule_is_checked_against_the_calendar(page, demo):
    own = Institution.objects.get(name="明德区启航文化培训学校")
    course = TrainingCourse.objects.get(institution=own, name="七年级数学同步提高班")
    filed = TrainingSession.objects.filter(course=course).count()

    # Given the institution's staff on their schedule page
    log_in(page, "institution")
    nav(page, "培训机构")
    page.locator("#own-tabs").get_by_role("link", name="排课").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("排课")
    form = page.locator("#session-form")

    def file(date, start, end):
        form.get_by_label(re.compile("^课程")).select_option(label=f"{course.name}（线下，90 分钟/课时）")
        form.get_by_label(re.compile("^日期")).fill(date)
        form.get_by_label(re.compile("^开始时间")).fill(start)
        form.get_by_label(re.compile("^结束时间")).fill(end)
        form.get_by_role("button", name="排课").click()

    # When they file a subject-type lesson on National Day
    file("2026-10-01", "18:30", "20:00")
    # Then it is refused with the rule (TS-1) and nothing is filed
    expect(page.locator("#form-errors")).to_contain_text("2026-10-01")
    expect(page.locator("#form-errors")).to_contain_text("（TS-1）")
    assert TrainingSession.objects.filter(course=course).count() == filed

    # When they file a weekday evening lesson instead
    file("2026-12-01", "18:30", "20:00")
    # Then it is filed and shows in the list of coming sessions
    expect(page.locator(".msg-success")).to_contain_text(f"已排课：{course.name} 2026-12-01 18:30")
    row = page.locator("#sessions tbody tr", has_text="2026-12-01")
    expect(row).to_contain_text("18:30–20:00")
    expect(row).to_contain_text(course.name)
    expect(row).to_contain_text("正常")
    assert TrainingSession.objects.filter(course=course).count() == filed + 1


# ---- institutions: the public lookup ---------------------------------------------------------

def test_anonymous_visitor_looks_up_an_institution_and_its_fees(page, demo):
    inst = Institution.objects.get(name="明德区启航文化培训学校")
    courses = list(TrainingCourse.objects.filter(institution=inst).order_by("name"))

    # Given a visitor who is not logged in, on the public lookup
    page.goto("/public/institutions/")
    expect(page.get_by_role("heading", level=1)).to_have_text("校外培训机构公开查询")
    expect(page.locator("#whoami")).to_have_count(0)
    # When they search by part of the name
    page.get_by_label("机构名称或统一社会信用代码").fill("启航")
    page.get_by_role("button", name="查询").click()
    # Then the one matching institution is listed with its licence class
    rows = page.locator("#results tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(inst.name)
    expect(rows.first).to_contain_text("有证有照")

    # When they open it
    rows.first.get_by_role("link", name=inst.name).click()
    # Then the detail shows the published courses with their fees
    expect(page.get_by_role("heading", level=1)).to_have_text(inst.name)
    expect(page.locator("#registry")).to_contain_text("学科类")
    table = page.locator("#courses tbody tr")
    expect(table).to_have_count(len(courses))
    for c in courses:
        row = table.filter(has_text=c.name)
        expect(row).to_contain_text(f"{yuan(c.price_per_lesson_fen)} 元")
        expect(row).to_contain_text(f"{yuan(c.price_per_lesson_fen * c.lessons)} 元")
    # And the teachers' qualifications, never an ID number
    expect(page.locator("#teachers")).to_contain_text("周文")
    expect(page.locator("main")).not_to_contain_text("********")
