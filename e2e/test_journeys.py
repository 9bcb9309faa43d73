"""Each role's main journey through the zh-Hans UI of the demo district, in a real browser:
log in through the login form, do the core task, see the result (and check the database).

Accounts and data are the demo's (``org.demo``, README's table); "today" is Monday 2026-11-23.
"""

import datetime as dt
import re

import pytest
from openpyxl import Workbook

from audit.models import Entry
from core.navigation import entries_for
from homework import services as homework_services
from homework.models import ClassDay, Homework, TimeReport
from institutions.models import Institution
from org.demo import DEMO_PASSWORD, id_number
from org.models import Pupil, SchoolClass, User
from schoolcal.calendar import package_has_year

pytestmark = pytest.mark.e2e

try:
    from playwright.sync_api import expect
except ImportError:  # conftest skips every test with the reason
    expect = None


def log_in(page, username, password=DEMO_PASSWORD):
    page.goto("/login/")
    page.get_by_label("用户名", exact=True).fill(username)
    page.get_by_label("密码", exact=True).fill(password)
    page.get_by_role("button", name="登录").click()
    expect(page.locator("#whoami")).to_be_visible()


def nav(page, label):
    page.locator("#nav").get_by_role("link", name=label, exact=True).click()


def user(username):
    found = User.objects.get(username=username)
    found.__dict__.pop("_scope_cache", None)
    return found


def file_homework(demo, minutes, title):
    """Set-up through the service, as the demo's maths teacher of 四年级（1）班."""
    item, _ = homework_services.file_homework(
        actor=user("teacher"), school_class=demo.class_4_1, date=demo.today, subject="maths",
        title=title, minutes=minutes)
    return item


def publish_day(demo):
    day = ClassDay.objects.get(school_class=demo.class_4_1, date=demo.today)
    return homework_services.publish_class_day(actor=user("headteacher"), class_day=day)


# ---- anonymous ---------------------------------------------------------------------------

def test_anonymous_is_sent_to_login_and_a_wrong_password_is_refused(page):
    # Given an anonymous visitor opening the homework page
    page.goto("/homework/")
    # Then they land on the login form, which remembers where they were going
    expect(page).to_have_url(re.compile(r"/login/\?next=/homework/$"))
    expect(page.get_by_role("heading", name="登录")).to_be_visible()

    # When they type a wrong password
    page.get_by_label("用户名", exact=True).fill("teacher")
    page.get_by_label("密码", exact=True).fill("wrong-password")
    page.get_by_role("button", name="登录").click()
    # Then the form says so in Chinese and nobody is logged in
    expect(page.locator(".errors")).to_have_text("用户名或密码错误，请重新输入。")
    expect(page.locator("#whoami")).to_have_count(0)

    # When they try again with the right password, they reach the page they asked for
    page.get_by_label("密码", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(re.compile(r"/homework/$"))
    expect(page.get_by_role("heading", name="作业管理")).to_be_visible()

    # And logging out takes them back to the login form
    page.get_by_role("button", name="退出").click()
    expect(page).to_have_url(re.compile(r"/login/$"))


# ---- bureau admin ------------------------------------------------------------------------

def test_bureau_admin_reveals_an_id_number_and_finds_it_in_the_audit_log(page, demo):
    # Given the bureau admin logged in
    log_in(page, "bureau")
    # Then the home page has the cards of their work and warns about missing calendar years
    cards = page.locator("#home-cards")
    expect(cards.get_by_role("link", name=re.compile("^校历"))).to_be_visible()
    expect(cards.get_by_role("link", name=re.compile("^学校(?!督导|评价)"))).to_be_visible()
    # chinese-calendar 1.11 has no data for 2027 yet: "2027年的法定节假日和调休数据尚未收录…"
    missing = [y for y in (demo.today.year, demo.today.year + 1) if not package_has_year(y)]
    alerts = page.get_by_role("alert")
    expect(alerts).to_have_count(len(missing))
    for year in missing:
        expect(alerts.filter(has_text=f"{year}年的法定节假日和调休数据尚未收录")).to_be_visible()

    # When they open the first school, then its 四年级（1）班
    nav(page, "学校")
    page.locator("#schools").get_by_role("link", name=demo.school.name).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(demo.school.name)
    page.locator("#classes").get_by_role("link", name="四年级（1）班").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("四年级（1）班")

    # And a pupil of that class, whose ID number is masked
    first = page.locator("#pupils tbody tr").first.get_by_role("link")
    name = first.inner_text()
    first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    pupil = Pupil.objects.get(school_class=demo.class_4_1, name=name)
    id_number = page.locator("#id-number")
    expect(id_number).to_contain_text("*")
    expect(id_number).not_to_have_text(pupil.id_number)

    # When they press the button that reveals it (an HTMX request)
    page.get_by_role("button", name=re.compile("查看完整号码")).click()
    # Then the full number replaces the masked one
    expect(page.locator("#id-number")).to_have_text(pupil.id_number)

    # And the audit log shows the reading, by them, of that pupil
    nav(page, "审计日志")
    latest = page.locator("#audit-entries tbody tr").first
    expect(latest).to_contain_text("查看学生身份证号")
    expect(latest).to_contain_text(name)
    expect(latest).to_contain_text(user("bureau").name)
    assert Entry.objects.filter(additional_data__code="org.pupil.id_number.read",
                                actor__username="bureau", object_id=pupil.pk).count() == 1


# ---- principal ---------------------------------------------------------------------------

ROSTER_HEADER = ["姓名", "性别", "身份证号", "学籍号", "年级", "班号", "家长姓名", "家长手机号",
                 "与学生关系"]


def roster_file(path, rows):
    book = Workbook()
    sheet = book.active
    sheet.append(ROSTER_HEADER)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return str(path)


def test_principal_imports_a_roster_after_fixing_a_bad_row(page, demo, tmp_path):
    good_1 = id_number("110105", dt.date(2016, 10, 5), 11)
    good_2 = id_number("110105", dt.date(2016, 11, 7), 22)
    bad = good_2[:-1] + ("0" if good_2[-1] != "0" else "1")  # wrong check digit
    rows = [["林小雨", "女", good_1, "", 4, 9, "林建华", "13811110001", "父亲"],
            ["高子轩", "男", bad, "", 4, 9, "高丽华", "13811110002", "母亲"]]
    bad_file = roster_file(tmp_path / "bad.xlsx", rows)
    rows[1][2] = good_2
    good_file = roster_file(tmp_path / "good.xlsx", rows)

    # Given the principal on the roster import page
    log_in(page, "principal")
    nav(page, "名册导入")
    expect(page.get_by_role("heading", name="导入学生名册")).to_be_visible()

    # When they upload a roster whose second pupil has a wrong ID number
    page.get_by_label("学校").select_option(label=demo.school.name)
    page.get_by_label("名册文件").set_input_files(bad_file)
    page.get_by_role("button", name="检查并导入").click()
    # Then nothing is imported and the table names the row, the field and the problem
    expect(page.locator(".errors")).to_contain_text("名册中有 1 行存在错误，未导入任何数据")
    errors = page.locator("#row-errors tbody tr")
    expect(errors).to_have_count(1)
    expect(errors.first).to_contain_text("3")
    expect(errors.first).to_contain_text("身份证号校验位错误")
    assert not Pupil.objects.filter(id_number__in=[good_1, good_2]).exists()

    # When they upload the corrected file
    page.get_by_label("学校").select_option(label=demo.school.name)
    page.get_by_label("名册文件").set_input_files(good_file)
    page.get_by_role("button", name="检查并导入").click()
    # Then both pupils are imported into a new 四年级（9）班 and the school page says so
    expect(page.locator(".msg-success")).to_contain_text("导入成功：2 名学生")
    expect(page.get_by_role("heading", level=1)).to_have_text(demo.school.name)
    expect(page.locator("#classes").get_by_role("link", name="四年级（9）班")).to_be_visible()
    new_class = SchoolClass.objects.get(school=demo.school, grade=4, number=9)
    assert set(new_class.pupils.values_list("id_number", flat=True)) == {good_1, good_2}


# ---- subject teacher ---------------------------------------------------------------------

def file_through_form(page, title, minutes):
    page.get_by_label(re.compile("^学科")).select_option(label="数学")
    page.get_by_label("标题").fill(title)
    page.get_by_label("预计完成时间").fill(str(minutes))
    page.get_by_role("button", name="布置", exact=True).click()


def test_teacher_files_homework_and_is_warned_over_the_limit(page, demo):
    # Given the maths teacher of 四年级（1）班 on the homework page for today
    log_in(page, "teacher")
    nav(page, "作业")
    row = page.locator("#classes tbody tr", has_text="四年级（1）班")
    expect(row).to_contain_text("数学")

    # When they file 40 minutes of written homework through the filing form
    row.get_by_role("link", name="布置作业").click()
    expect(page.get_by_role("heading", name="布置作业")).to_be_visible()
    file_through_form(page, "口算练习第 12 页", 40)
    # Then the class-day board shows it, within the 60-minute limit of grade 4 (HW-2)
    expect(page.locator(".msg-success")).to_contain_text("已布置“口算练习第 12 页”")
    expect(page.locator("#items")).to_contain_text("口算练习第 12 页")
    expect(page.locator("#totals")).to_contain_text("40 / 60 分钟")
    expect(page.locator("#over-limit")).to_have_count(0)
    expect(page.locator(".msg-warning")).to_have_count(0)

    # When they file another 30 minutes from the board
    page.locator("#file-link").click()
    file_through_form(page, "应用题练习", 30)
    # Then it is filed, but they are warned that the day is over the limit
    expect(page.locator(".msg-warning")).to_contain_text("超过上限 60 分钟（HW-2）")
    expect(page.locator("#over-limit")).to_be_visible()
    expect(page.locator("#totals")).to_contain_text("70 / 60 分钟")
    items = Homework.objects.filter(school_class=demo.class_4_1, date=demo.today)
    assert sorted(items.values_list("minutes", flat=True)) == [30, 40]
    assert ClassDay.objects.get(school_class=demo.class_4_1, date=demo.today).over_limit


# ---- head teacher ------------------------------------------------------------------------

def test_head_teacher_publishes_the_day(page, demo):
    # Given the maths teacher filed homework for 四年级（1）班 today
    file_homework(demo, 30, "口算练习第 12 页")
    # And the class's head teacher on the homework page
    log_in(page, "headteacher")
    nav(page, "作业")
    card = page.locator(".head-card", has_text="四年级（1）班")
    expect(card).to_contain_text("未公示")

    # When they open the class's board and publish the day
    card.get_by_role("link", name=re.compile("打开本班作业统筹")).click()
    expect(page.locator("#items")).to_contain_text("口算练习第 12 页")
    page.locator("#publish").click()
    # Then the board says it is published, and guardians may now see it
    expect(page.locator(".msg-success")).to_contain_text("已公示")
    expect(page.locator("#published-state")).to_contain_text("已公示")
    expect(page.locator("#unpublish")).to_be_visible()
    assert ClassDay.objects.get(school_class=demo.class_4_1, date=demo.today).published


# ---- guardian ----------------------------------------------------------------------------

def test_parent_reads_the_published_homework_and_reports_the_time(page, demo):
    # Given today's homework of 四年级（1）班, filed and published
    item = file_homework(demo, 30, "口算练习第 12 页")
    publish_day(demo)
    child = Pupil.objects.get(guardians__user__username="parent")

    # When the child's guardian logs in and opens their child's homework
    log_in(page, "parent")
    nav(page, "孩子的作业")
    # Then they see the child's page for today, with the published item
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{child.name}的作业")
    expect(page.locator("#items")).to_contain_text(item.title)
    expect(page.locator("#summary")).to_contain_text("30")

    # When they report how long the child really took
    page.get_by_label("实际用时").fill("45")
    page.get_by_role("button", name="提交反馈").click()
    # Then the page thanks them and shows the reported time
    expect(page.locator(".msg-success")).to_contain_text("已收到您的反馈")
    expect(page.locator("#report")).to_contain_text("您已反馈：45 分钟")
    report = TimeReport.objects.get(pupil=child, date=demo.today)
    assert report.minutes == 45


# ---- institution staff -------------------------------------------------------------------

def test_institution_staff_sees_only_their_institution(page, demo):
    own = Institution.objects.filter(bureau=demo.bureau).order_by("pk").first()
    other = Institution.objects.filter(bureau=demo.bureau).exclude(pk=own.pk).first()

    # Given the staff of one institution, following the 培训机构 entry
    log_in(page, "institution")
    nav(page, "培训机构")
    # Then they land on their own institution's page (not the supervision registry), which has
    # their institution and no other
    expect(page).to_have_url(re.compile(r"/institutions/mine/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("本机构")
    panels = page.locator("section[id^=institution-]")
    expect(panels).to_have_count(1)
    expect(panels.first.get_by_role("heading", level=2)).to_contain_text(own.name)
    expect(page.locator("main")).not_to_contain_text(other.name)

    # When they open the registry's address directly, they are sent back to their own page
    page.goto("/institutions/")
    expect(page).to_have_url(re.compile(r"/institutions/mine/$"))
    # And another institution's pages do not exist for them (asked with their session cookie;
    # opening a 404 in the tab would be a console error)
    assert page.request.get(f"/institutions/mine/{other.pk}/staff/").status == 404


# ---- custodian bank, supervisor, everyone ------------------------------------------------

@pytest.mark.parametrize(("username", "entries"), [
    ("bank", ["培训机构", "预收费监管", "接口文档", "帮助"]),
    ("supervisor", ["监测看板", "月度快报", "培训机构", "预收费监管", "投诉举报", "双随机抽查", "校历",
                    "规则参数", "接口文档", "帮助"]),
])
def test_home_page_and_navigation_of_bank_and_supervisor(page, demo, username, entries):
    # Given the account logged in
    log_in(page, username)
    # Then the home page greets them and the navigation has exactly their entries
    expect(page.get_by_role("heading", level=1)).to_have_text(f"您好，{user(username).name}")
    expect(page.locator("#nav a")).to_have_text(entries)
    expect(page.locator("#home-cards a h2")).to_have_text(entries[:-1])  # 帮助 has no card


DEMO_USERNAMES = ["bureau", "supervisor", "inspector", "principal", "headteacher", "teacher",
                  "teacher2", "parent", "institution", "bank", "hotline", "ethics", "psychologist"]


@pytest.mark.parametrize("username", DEMO_USERNAMES)
def test_every_navigation_entry_opens(page, demo, username):
    # Given any demo account logged in, whose navigation is the one its roles give
    log_in(page, username)
    expected = entries_for(user(username))
    expect(page.locator("#nav a")).to_have_text([e["label"] for e in expected])
    # Then every entry opens without an error page
    for entry in expected:
        response = page.goto(entry["url"])
        assert response.status == 200, (entry, response.status)
        expect(page.locator("body")).not_to_contain_text("服务器错误")
