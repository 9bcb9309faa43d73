"""Journeys through the oversight areas of the demo district, in a real browser: complaints
(the public form, tracking code and the bureau's reply), random inspections (draw, 复核, result,
publication, the public results page), teacher ethics, all-staff mentoring, and training fees
(a guardian signs and confirms a lesson; supervision sees the warnings).

The demo data is ``org.demo``'s (``complaints.demo``, ``inspections.demo``, ``ethics.demo``,
``mentoring.demo``, ``funds.demo``): the ``inspector`` login is 张志强 of the inspector roster;
the supervision section has confirmed a teacher match that waits for the ethics officer; the
first school's grade-4 mentoring plan is assigned; the ``parent``'s child has lessons to
confirm. "Today" is Monday 2026-11-23 (conftest).
"""

import datetime as dt
import re

import pytest

from audit.models import Entry
from complaints.models import Complaint, normalise_code
from core.navigation import entries_for
from e2e.test_journeys import expect, log_in, nav, user
from ethics.models import Case
from funds.models import Contract, Lesson
from inspections.models import Draw, Inspection
from institutions.models import TeacherMatch, TrainingCourse
from mentoring.models import Mentorship, Plan, Task
from org import services as org_services
from org.demo import id_number
from org.models import Pupil, SchoolClass, User

pytestmark = pytest.mark.e2e


def log_out(page):
    page.get_by_role("button", name="退出").click()
    expect(page.locator("#whoami")).to_have_count(0)


# ---- complaints ------------------------------------------------------------------------------

def test_public_files_an_anonymous_complaint_and_tracks_the_bureaus_reply(page, demo):
    # Given a member of the public on the complaint form, without logging in
    page.goto("/public/complaints/")
    form = page.locator("#complaint-form")
    # When they file an anonymous complaint with the district's bureau
    with page.expect_response(lambda r: "bureau=" in r.url):  # its schools, over HTMX
        form.get_by_label("受理教育局（区县）").select_option(label=demo.bureau.name)
    expect(form.get_by_label("涉及学校（选填）")).to_contain_text(demo.school.name)
    form.get_by_label("投诉类别").select_option(label="其他")
    form.get_by_label("标题").fill("希望课后服务增加体育活动")
    form.get_by_label("投诉内容").fill("孩子所在学校课后服务以写作业为主，希望每周安排两次体育活动。")
    form.get_by_label("匿名投诉（不留姓名和电话）").check()
    form.get_by_role("button", name="提交投诉").click()
    # Then they get the tracking code, and nothing identifies them
    expect(page.get_by_role("heading", level=1)).to_have_text("投诉已提交")
    code = page.locator("#tracking-code").inner_text().strip()
    complaint = Complaint.objects.get(code=normalise_code(code))
    assert complaint.anonymous and complaint.complainant_name == complaint.complainant_phone == ""
    assert complaint.unit_role == "bureau_admin"  # no school named: the bureau handles it
    # And the tracking page finds it by that code, typed in lower case
    page.get_by_role("link", name="查询办理进展").click()
    page.get_by_label(re.compile("^查询码")).fill(code.lower())
    page.get_by_role("button", name="查询").click()
    expect(page.locator("#status")).to_have_text("待受理")

    # When the hotline looks it up by its code
    log_in(page, "hotline")
    nav(page, "投诉举报")
    page.get_by_label("查询码或标题").fill(code)
    page.locator("#complaint-filter").get_by_role("button", name="查询").click()
    row = page.locator(f"#complaint-{complaint.pk}")
    # Then it is routed to the bureau, anonymous, waiting to be acknowledged
    expect(page.locator("#complaints tbody tr")).to_have_count(1)
    expect(row).to_contain_text("教育局（综合办理）")
    expect(row).to_contain_text("匿名")
    expect(row).to_contain_text("待受理")
    log_out(page)

    # When the bureau admin opens it, acknowledges it and replies to the complainant
    log_in(page, "bureau")
    nav(page, "投诉举报")
    page.get_by_label("查询码或标题").fill(code)
    page.locator("#complaint-filter").get_by_role("button", name="查询").click()
    page.locator(f"#complaint-{complaint.pk}").get_by_role("link", name=code).click()
    page.locator("#acknowledge-form").get_by_role("button", name="受理").click()
    expect(page.locator(".msg-success")).to_contain_text(f"已受理：{code}")
    reply = page.locator("#reply-form")
    reply.get_by_label("内容").fill("已转学校研究，下月起每周二、周四增加体育活动。")
    reply.get_by_label("答复投诉人（查询页可见）").check()
    reply.get_by_role("button", name="保存").click()
    expect(page.locator(".msg-success")).to_contain_text("已答复投诉人。")
    log_out(page)

    # Then the public tracking page shows the new status and the reply
    page.goto(f"/public/complaints/track/?code={code}")
    expect(page.locator("#status")).to_have_text("已受理")
    expect(page.locator("#replies")).to_contain_text("下月起每周二、周四增加体育活动")
    complaint.refresh_from_db()
    assert complaint.status == "acknowledged" and complaint.responded_at is not None


# ---- random inspections ------------------------------------------------------------------------

def test_supervisor_draws_the_inspector_records_and_the_result_is_published(page, demo):
    # Given the supervisor on the random-inspection page
    log_in(page, "supervisor")
    nav(page, "双随机抽查")
    # When they draw half of the institutions with a public seed
    form = page.locator("#draw-form")
    form.get_by_label("抽查任务名称").fill("2026 年冬季校外培训机构专项抽查")
    form.get_by_label("或抽取比例（%）").fill("50")
    form.get_by_label("随机种子（可空）").fill("20261123-3D-758")
    form.get_by_role("button", name="抽取").click()
    # Then the draw's record is shown, and 复核 re-runs it to the same result
    expect(page.locator(".msg-success")).to_contain_text("抽取 5 个对象")
    draw = Draw.objects.get(bureau=demo.bureau, title="2026 年冬季校外培训机构专项抽查")
    expect(page.locator("#teams tbody tr")).to_have_count(5)
    page.locator("#verify-button").click()
    expect(page.locator("#verify-ok")).to_have_text("复核一致")
    expect(page.locator("#check-inspections")).to_contain_text("✓ 已派检查一致")
    # (ten places for eight inspectors: the inspector's login is on at least one team)
    mine = Inspection.objects.filter(draw=draw, inspectors__user__username="inspector") \
        .order_by("position").first()
    target = mine.target.name
    log_out(page)

    # When the inspector opens their task and records the result
    log_in(page, "inspector")
    nav(page, "双随机抽查")
    page.locator(f"#mine-{mine.pk}").get_by_role("link", name="录入结果").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(target)
    result = page.locator("#result-form")
    result.get_by_label("责令整改").check()
    result.get_by_label("发现的问题与处理").fill("收费公示未列明退费办法，责令 10 日内整改。")
    result.get_by_role("button", name="保存结果").click()
    expect(page.locator(".msg-success")).to_contain_text("已录入检查结果：责令整改")
    expect(page.locator("#status")).to_have_text("已录入结果")
    log_out(page)

    # When the supervisor publishes it from the draw's page
    log_in(page, "supervisor")
    nav(page, "双随机抽查")
    page.locator(f"#draw-{draw.pk}").get_by_role("link", name=draw.title).click()
    page.locator(f"#inspection-{mine.pk}").get_by_role("link", name=target).click()
    page.locator("#publish-button").click()
    expect(page.locator(".msg-success")).to_contain_text(f"已公示“{target}”的检查结果")
    log_out(page)

    # Then the public results page shows it, without the inspectors' names
    page.goto("/public/inspections/")
    page.locator("#search-form").get_by_label("机构或学校名称").fill(target)
    page.locator("#search-form").get_by_role("button", name="查询").click()
    published = page.locator(f"#result-{mine.pk}")
    expect(published).to_contain_text("责令整改")
    expect(published).to_contain_text("收费公示未列明退费办法")
    expect(published).to_contain_text(draw.title)
    expect(page.locator("#results")).not_to_contain_text("张志强")


# ---- teacher ethics ----------------------------------------------------------------------------

def test_ethics_officer_opens_a_case_from_a_match_and_the_principal_sees_it(page, demo):
    match = TeacherMatch.objects.select_related("teacher").get(
        status="confirmed", ethics_cases__isnull=True)
    # Given the ethics officer on the teacher-ethics page, with the confirmed match waiting
    log_in(page, "ethics")
    nav(page, "师德师风")
    row = page.locator(f"#match-{match.pk}")
    expect(row).to_contain_text(match.teacher.name)
    # When they open a case from it and start the investigation
    row.get_by_role("button", name="立案").click()
    expect(page.locator(".msg-success")).to_contain_text("已由比对线索立案")
    case = Case.objects.get(teacher_match=match)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"师德师风案件 {case.number}")
    expect(page.locator("#case-status")).to_have_text("已立案")
    move = page.locator("#move-investigating")
    move.get_by_label("说明").fill("线索经监管科核实，进入调查。")
    move.get_by_role("button", name="开始调查").click()
    expect(page.locator(".msg-success")).to_contain_text("案件状态已改为“调查中”")
    expect(page.locator("#case-status")).to_have_text("调查中")
    log_out(page)

    # Then the teacher's principal finds the case in their list and reads it (logged)
    log_in(page, "principal")
    nav(page, "师德师风")
    listed = page.locator(f"#case-{case.pk}")
    expect(listed).to_contain_text(match.teacher.name)
    expect(listed).to_contain_text("调查中")
    listed.get_by_role("link", name=case.number).click()
    expect(page.locator("#case-teacher")).to_have_text(match.teacher.name)
    expect(page.locator("#decided-by-officer")).to_be_visible()  # decisions are the officer's
    assert Entry.objects.filter(additional_data__code="ethics.case.viewed",
                                actor__username="principal", object_id=case.pk).exists()


# ---- mentoring ---------------------------------------------------------------------------------

def test_principal_assigns_a_new_pupil_and_a_teacher_records_a_home_visit(page, demo):
    # Given a pupil who joined 四年级（2）班 today, without a mentor
    principal = User.objects.get(username="principal")
    pupil = org_services.create_pupil(
        actor=principal, school_class=SchoolClass.objects.get(school=demo.school, grade=4,
                                                              number=2),
        name="林小禾", gender="F", id_number=id_number("110105", dt.date(2016, 12, 1), 22),
        student_no="G2026112301")
    plan = Plan.objects.get(school=demo.school)

    # When the principal opens the plan and assigns mentors automatically
    log_in(page, "principal")
    nav(page, "全员导师制")
    page.locator(f"#plan-{plan.pk}").get_by_role("link", name="分配导师").click()
    expect(page.locator("#without")).to_have_text("1")
    page.locator("#auto-assign-button").click()
    # Then the new pupil has a mentor, and nobody is left without one
    expect(page.locator(".msg-success")).to_contain_text("已自动分配 1 名学生")
    expect(page.locator("#without")).to_have_text("0")
    assert Mentorship.objects.current().filter(plan=plan, pupil=pupil).exists()
    log_out(page)

    # When the maths teacher opens a mentee and records a home visit
    log_in(page, "teacher")
    nav(page, "全员导师制")
    mentee = Mentorship.objects.current().filter(plan=plan, mentor__user__username="teacher") \
        .select_related("pupil").order_by("pupil_id").last()
    page.locator(f"#mentee-{mentee.pk}").get_by_role("link", name="记录").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(mentee.pupil.name)
    form = page.locator("#task-form")
    form.get_by_label(re.compile("^任务")).select_option(label="家访")
    form.get_by_label("简要记录").fill("家访：与家长商定每天九点前睡觉，周末一起阅读。")
    form.get_by_role("button", name="登记").click()
    # Then it is on the mentee's record
    expect(page.locator(".msg-success")).to_contain_text("已登记家访（2026-11-23）")
    expect(page.locator("#tasks")).to_contain_text("与家长商定每天九点前睡觉")
    assert Task.objects.filter(mentorship=mentee, kind="home_visit", on=demo.today).exists()


# ---- training fees -----------------------------------------------------------------------------

def test_guardian_signs_a_contract_and_confirms_a_lesson_and_supervision_sees_a_red_warning(
        page, demo):
    child = Pupil.objects.get(guardian_links__guardian__user__username="parent")
    course = TrainingCourse.objects.get(name="少儿创意美术")
    lesson = Lesson.objects.filter(contract__pupil=child, status="pending").order_by("pk").first()
    # Given the parent on their child's training fees
    log_in(page, "parent")
    nav(page, "培训缴费")
    expect(page.locator(f"#child-{child.pk}")).to_contain_text(child.name)
    # When they look for an art course and sign for it
    page.locator("#browse-courses").click()
    page.get_by_label("机构或课程名称").fill("美术")
    page.locator("#course-search").get_by_role("button", name="查找").click()
    page.locator(f"#course-{course.pk}").get_by_role("link", name="签约").click()
    form = page.locator("#sign-form")
    expect(form.get_by_label(re.compile("^课程"))).to_have_value(str(course.pk))
    form.get_by_label(re.compile("^购买课时数")).fill("12")
    form.get_by_label(re.compile("^结束日期")).fill("2027-01-31")
    form.get_by_role("button", name="签订合同").click()
    # Then the contract is signed at the published price, waiting for the deposit
    expect(page.locator(".msg-success")).to_contain_text("合同已签订")
    contract = Contract.objects.get(pupil=child, course=course)
    assert contract.lessons == 12 and contract.price_per_lesson_fen == course.price_per_lesson_fen

    # When they confirm a lesson the institution recorded
    nav(page, "培训缴费")
    row = page.locator(f"#lesson-{lesson.pk}")
    row.get_by_role("button", name="确认").click()
    # Then the row says it is confirmed and paid out to the institution (一课一消)
    expect(row).to_contain_text("已确认")
    expect(row).to_contain_text("元已拨付给机构")
    lesson.refresh_from_db()
    assert lesson.status == "confirmed"
    log_out(page)

    # And the supervision section's overview has red warnings, red first
    log_in(page, "supervisor")
    nav(page, "预收费监管")
    expect(page.get_by_role("heading", level=1)).to_have_text("预收费资金监管")
    expect(page.locator("#count-red")).not_to_have_text("红色预警 0")
    first = page.locator("#accounts tbody tr").first
    expect(first).to_have_attribute("data-level", "red")
    expect(first.locator(".warning[data-level=red]").first).to_be_visible()


# ---- the oversight accounts ------------------------------------------------------------------

@pytest.mark.parametrize("username", ["hotline", "ethics", "psychologist"])
def test_every_navigation_entry_of_the_oversight_accounts_opens(page, demo, username):
    # Given the hotline, ethics officer or school psychologist logged in
    log_in(page, username)
    expected = entries_for(user(username))
    expect(page.locator("#nav a")).to_have_text([e["label"] for e in expected])
    # Then every entry opens without an error page
    for entry in expected:
        response = page.goto(entry["url"])
        assert response.status == 200, (entry, response.status)
        expect(page.locator("body")).not_to_contain_text("服务器错误")
