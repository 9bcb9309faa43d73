"""The random-inspection pages through the web client (双随机一公开, IN-1): the draws and the draw
form with its refusals, one draw's record with 复核 and its exports, recording and publishing a
result with its deadline, the roster and declared conflicts, and the public results page."""

import datetime as dt
import hashlib
import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from conftest import PASSWORD, fresh
from inspections import services
from inspections.models import Conflict, Draw, Inspection, InspectionEvent, Inspector
from inspections.tests.conftest import inspection_of, inspection_without, team_of
from org.models import RoleAssignment, User
from org.roles import Role


def ids(response, prefix):
    """Primary keys of the rows ``id="<prefix>-<pk>"`` of a page."""
    return {int(pk) for pk in re.findall(rf'id="{prefix}-(\d+)"', response.content.decode())}


def row(response, element_id):
    """The HTML of one table row, by its id."""
    found = re.search(rf'id="{element_id}">(.*?)</tr>', response.content.decode(), re.S)
    assert found, element_id
    return found.group(1)


def draw_data(**extra):
    data = {"title": "2026 年秋季校外培训机构双随机抽查", "target_kind": "institution", "count": "",
            "percent": "", "per_target": "", "min_departments": "1", "items": "", "seed": ""}
    return {**data, **extra}


def record(client, inspection, **extra):
    data = {"outcome": "pass", "findings": "", "checked_on": "", **extra}
    return client.post(reverse("inspections:inspection", args=[inspection.pk]), data)


# ---- the index and the draw form ----------------------------------------------------------------

def test_supervisor_sees_each_draw_with_its_progress(cast, supervisor, inspector, draw,
                                                     web_client, django_assert_max_num_queries):
    # Given a draw of 3 out of 6 institutions, one result recorded and published, one recorded
    checks = list(draw.inspections.order_by("position"))
    services.record_result(actor=supervisor, inspection=checks[0], outcome="pass")
    services.publish(actor=supervisor, inspection=checks[0])
    services.record_result(actor=supervisor, inspection=checks[1], outcome="rectify",
                           findings="未公示收费标准")
    client = web_client(supervisor)
    # When the supervisor opens the index
    with django_assert_max_num_queries(16):
        response = client.get(reverse("inspections:index"))
    # Then the draw is listed with its size, roster and progress, and the draw form is offered
    assert response.status_code == 200
    assert ids(response, "draw") == {draw.pk}
    html = row(response, f"draw-{draw.pk}")
    assert "第 1 号" in html and "3 / 6" in html and "2 / 1（共 3）" in html
    assert 'id="draw-form"' in response.content.decode()
    assert "不少于名录的 5%" in response.content.decode()


def test_inspector_sees_their_own_tasks_and_no_draw_form(cast, inspector, roster, draw,
                                                         web_client):
    # Given the cast's inspector, on the roster as 周督学, who is on one of the three teams
    mine = inspection_of(draw, roster.du)
    # When they open the index
    response = web_client(inspector).get(reverse("inspections:index"))
    # Then "我的检查任务" lists exactly that inspection with a link to record its result
    assert response.status_code == 200
    assert ids(response, "mine") == {mine.pk}
    assert "录入结果" in row(response, f"mine-{mine.pk}")
    assert reverse("inspections:inspection", args=[mine.pk]) in response.content.decode()
    # and they see the district's draws but cannot run one
    assert ids(response, "draw") == {draw.pk}
    assert 'id="draw-form"' not in response.content.decode()


def test_inspector_cannot_run_a_draw(cast, inspector, roster, institutions_a, web_client):
    # When the inspector posts the draw form anyway
    response = web_client(inspector).post(reverse("inspections:index"), draw_data(count="1"))
    # Then they are refused and nothing is drawn
    assert response.status_code == 403
    assert not Draw.objects.exists()


def test_supervisor_runs_a_draw_from_the_form(cast, supervisor, roster, institutions_a,
                                              web_client):
    # Given six institutions and six inspectors in district A
    client = web_client(supervisor)
    # When the supervisor draws two institutions with a public seed and a list of items
    response = client.post(reverse("inspections:index"), draw_data(
        count="2", seed="福彩 2026318 期 07 12 19", items="证照\n收费公示"))
    # Then they land on the new draw's record
    draw = Draw.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("inspections:draw", args=[draw.pk])
    # and the draw keeps its seed, items and sizes, with two inspections of two inspectors each
    assert (draw.number, draw.count, draw.per_target) == (1, 2, 2)
    assert draw.seed == "福彩 2026318 期 07 12 19" and draw.items == "证照\n收费公示"
    assert draw.created_by == supervisor and draw.bureau == cast.district_a
    assert [len(team_of(i)) for i in draw.inspections.all()] == [2, 2]
    assert "已完成第 1 号抽查" in client.get(response["Location"]).content.decode()


def test_a_percentage_is_rounded_up_on_the_roster(cast, supervisor, roster, institutions_a,
                                                  web_client):
    # When the supervisor asks for 34 % of six institutions
    web_client(supervisor).post(reverse("inspections:index"), draw_data(percent="34"))
    # Then three are drawn (2.04 rounded up)
    assert Draw.objects.get().count == 3
    assert Inspection.objects.count() == 3


def test_an_empty_form_draws_the_districts_minimum_share(cast, supervisor, roster,
                                                         institutions_a, web_client):
    # When neither a count nor a percentage is given
    web_client(supervisor).post(reverse("inspections:index"), draw_data())
    # Then 5 % of six, rounded up, is drawn: one institution
    assert Draw.objects.get().count == 1


def test_a_joint_inspection_puts_several_departments_on_each_team(
        cast, supervisor, roster, institutions_a, web_client):
    # When the supervisor draws all six institutions for joint teams of three, three departments
    response = web_client(supervisor).post(reverse("inspections:index"), draw_data(
        count="6", per_target="3", min_departments="3"))
    # Then every team has three people of three departments
    assert response.status_code == 302
    for inspection in Draw.objects.get().inspections.all():
        departments = {i.department for i in inspection.inspectors.all()}
        assert inspection.inspectors.count() == 3 and len(departments) == 3


def test_a_second_draw_does_not_send_the_same_people_back(cast, supervisor, roster,
                                                         institutions_a, web_client):
    # Given a first draw of every institution
    client = web_client(supervisor)
    client.post(reverse("inspections:index"), draw_data(count="6", seed="first"))
    # When a second draw of every institution follows
    client.post(reverse("inspections:index"), draw_data(count="6", seed="second"))
    first, second = Draw.objects.order_by("number")
    assert second.number == 2
    # Then no target gets anybody of its previous team
    for inspection in second.inspections.all():
        before = first.inspections.get(institution=inspection.institution)
        assert not team_of(inspection) & team_of(before)


def test_schools_can_be_drawn_checked_and_published(cast, supervisor, roster, web_client,
                                                    client):
    # Given district A's two schools
    staff = web_client(supervisor)
    # When the supervisor draws one school, records and publishes its result
    response = staff.post(reverse("inspections:index"), draw_data(target_kind="school",
                                                                  count="1", title="作业管理专项"))
    assert response.status_code == 302
    inspection = Draw.objects.get().inspections.get()
    assert inspection.school in (cast.school_a1, cast.school_a2)
    record(staff, inspection, outcome="pass")
    staff.post(reverse("inspections:publish", args=[inspection.pk]))
    # Then the school's result is public
    public = client.get(reverse("public-inspections:results"), {"q": inspection.school.name})
    assert ids(public, "result") == {inspection.pk}
    assert "学校" in row(public, f"result-{inspection.pk}")


@pytest.mark.parametrize("data,field,code", [
    # IN-1: fewer than the district's share (5 %)
    ({"percent": "1"}, "percent", "（IN-1）"),
    # IN-1: fewer than two inspectors per target
    ({"count": "1", "per_target": "1"}, "per_target", "（IN-1）"),
    # IN-1: the roster cannot staff seven-person teams
    ({"count": "1", "per_target": "7"}, None, "（IN-1）"),
    # more departments than people per team
    ({"count": "1", "min_departments": "3"}, "min_departments", "联合检查部门数"),
    # more targets than the roster holds
    ({"count": "7"}, "count", "超过名录"),
    # a title is required (the service's own refusal)
    ({"count": "1", "title": "  "}, "title", "请填写抽查任务名称"),
    # one of count and percent
    ({"count": "1", "percent": "50"}, "percent", "只填一项"),
])
def test_a_refused_draw_shows_why_on_the_form_and_saves_nothing(
        cast, supervisor, roster, institutions_a, web_client, data, field, code):
    # When the supervisor submits a draw the rules refuse
    response = web_client(supervisor).post(reverse("inspections:index"), draw_data(**data))
    # Then the form comes back with the reason (and the rule id where there is one)
    assert response.status_code == 200
    form = response.context["form"]
    errors = form.errors.get(field or "__all__", [])
    assert any(code in e for e in errors), form.errors
    assert code in response.content.decode()
    # and nothing was drawn or written
    assert not Draw.objects.exists() and not Inspection.objects.exists()


def test_an_empty_roster_of_schools_is_refused(cast, bureau_admin_b, web_client):
    # Given district B, with one school and no inspectors on its roster
    # When its bureau admin draws schools
    response = web_client(bureau_admin_b).post(reverse("inspections:index"), draw_data(
        target_kind="school", count="1"))
    # Then the roster cannot staff the draw (IN-1) and nothing is saved
    assert response.status_code == 200
    assert "（IN-1）" in response.content.decode()
    assert not Draw.objects.exists()


def test_a_city_admin_picks_the_district_that_draws(cast, roster, institutions_a, web_client):
    # Given a bureau admin of the city, who reaches both districts
    city_admin = User.objects.create_user(username="city", password=PASSWORD, name="市局管理员")
    RoleAssignment.objects.create(user=city_admin, role=Role.BUREAU_ADMIN, bureau=cast.city)
    client = web_client(fresh(city_admin))
    form = client.get(reverse("inspections:index")).context["form"]
    assert set(form.fields["bureau"].queryset) == {cast.city, cast.district_a, cast.district_b}
    # When they draw for district A
    response = client.post(reverse("inspections:index"), draw_data(
        bureau=cast.district_a.pk, count="2"))
    # Then the draw is district A's, from district A's roster
    assert response.status_code == 302
    assert Draw.objects.get().bureau == cast.district_a
    assert len(Draw.objects.get().inputs["targets"]) == 6


def test_another_districts_admin_sees_none_of_district_a(cast, bureau_admin_b, draw, web_client):
    response = web_client(bureau_admin_b).get(reverse("inspections:index"))
    assert response.status_code == 200 and ids(response, "draw") == set()


# ---- one draw: record, 复核, exports ----------------------------------------------------------

def test_the_draw_page_shows_seed_digest_teams_and_how_to_check(cast, supervisor, roster, draw,
                                                                web_client,
                                                                django_assert_max_num_queries):
    client = web_client(supervisor)
    # When the supervisor opens the draw
    with django_assert_max_num_queries(12):
        response = client.get(reverse("inspections:draw", args=[draw.pk]))
    html = response.content.decode()
    # Then the record shows the seed, the algorithm, the digest and the roster size
    assert response.status_code == 200
    assert "20261123" in html and draw.algorithm in html and draw.inputs_digest in html
    assert "有 6 个" not in html and "校外培训机构 6 个" in html
    # and each drawn target with its team, names and departments
    assert ids(response, "inspection") == set(draw.inspections.values_list("pk", flat=True))
    for inspection in draw.inspections.all():
        team = row(response, f"inspection-{inspection.pk}")
        assert inspection.target.name in team
        for person in inspection.inspectors.all():
            assert f"{person.name}（{person.get_department_display()}）" in team
    # and the recipe's example can be checked with sha256sum
    text = re.search(r'id="example-text">(.*?)</code>', html).group(1)
    shown = re.search(r'id="example-key">(.*?)</code>', html).group(1)
    assert hashlib.sha256(text.encode()).hexdigest() == shown
    assert text.startswith("20261123:institution:")
    # and the items are listed
    assert "收费公示" in html


def test_verify_button_answers_with_what_was_compared(cast, inspector, draw, web_client):
    # Given the draw, opened by an inspector (anyone who may read it may verify it)
    url = reverse("inspections:draw-verify", args=[draw.pk])
    # When they press 复核 (an HTMX request)
    response = web_client(inspector).post(url, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    # Then only the fragment comes back: consistent, with the three comparisons
    assert response.status_code == 200
    assert "<html" not in html
    assert 'id="verify-ok"' in html
    for check in ("check-digest", "check-result", "check-inspections"):
        assert re.search(rf'id="{check}">✓', html), check


def test_verify_reports_a_tampered_result(cast, supervisor, draw, web_client):
    # Given a draw whose stored result was changed afterwards (two targets swapped)
    result = draw.result
    Draw.objects.filter(pk=draw.pk).update(result=[result[1], result[0], *result[2:]])
    # When the supervisor verifies it
    response = web_client(supervisor).post(reverse("inspections:draw-verify", args=[draw.pk]),
                                           HTTP_HX_REQUEST="true")
    html = response.content.decode()
    # Then it is not consistent: the recomputed result and the inspections differ from the record
    assert 'id="verify-failed"' in html
    assert re.search(r'id="check-digest">✓', html)
    assert re.search(r'id="check-result">✗', html)
    assert re.search(r'id="check-inspections">✗', html)


def test_verify_reports_changed_inputs(cast, supervisor, draw, web_client):
    # Given a draw whose stored roster was edited afterwards (an inspector's department)
    inputs = draw.inputs
    inputs["inspectors"][0][1] = "police"
    Draw.objects.filter(pk=draw.pk).update(inputs=inputs)
    # When it is verified without HTMX
    response = web_client(supervisor).post(reverse("inspections:draw-verify", args=[draw.pk]),
                                           follow=True)
    # Then the page says it is not consistent
    assert "复核不一致" in response.content.decode()
    assert not services.verify_draw(Draw.objects.get(pk=draw.pk))["digest_ok"]


def test_verify_without_htmx_redirects_with_a_message(cast, supervisor, draw, web_client):
    response = web_client(supervisor).post(reverse("inspections:draw-verify", args=[draw.pk]),
                                           follow=True)
    assert response.redirect_chain[-1][0] == reverse("inspections:draw", args=[draw.pk])
    assert "复核一致" in response.content.decode()


def test_the_inputs_file_hashes_to_the_digest(cast, inspector, draw, web_client):
    # When the inspector downloads the inputs file
    response = web_client(inspector).get(reverse("inspections:draw-inputs", args=[draw.pk]))
    # Then sha256sum of the file is the draw's inputs digest
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    assert hashlib.sha256(response.content).hexdigest() == draw.inputs_digest
    assert len(response.json()["targets"]) == 6


def test_excel_export_lists_teams_results_and_the_record(cast, supervisor, roster, draw,
                                                         web_client):
    # Given one recorded and published result
    first = draw.inspections.order_by("position").first()
    services.record_result(actor=supervisor, inspection=first, outcome="rectify",
                           findings="未公示收费标准")
    services.publish(actor=supervisor, inspection=first)
    # When the supervisor exports the draw
    response = web_client(supervisor).get(reverse("inspections:draw-export", args=[draw.pk]))
    # Then it is a valid workbook with one row per inspection and the draw's record
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["抽查结果", "抽查记录"]
    rows = list(book["抽查结果"].iter_rows(values_only=True))
    assert rows[0][:3] == ("顺序", "检查对象类型", "检查对象") and len(rows) == 4
    assert rows[1][2] == first.target.name and rows[1][7] == "责令整改"
    assert rows[1][8] == "未公示收费标准" and rows[1][6] == "已公示"
    assert rows[1][4] == hashlib.sha256(f"20261123:{first.target_key}".encode()).hexdigest()
    record_rows = dict(r[:2] for r in book["抽查记录"].iter_rows(values_only=True))
    assert record_rows["随机种子"] == "20261123"
    assert record_rows["输入摘要 SHA-256"] == draw.inputs_digest


# ---- one inspection: result, history, publication -----------------------------------------------

def test_inspector_records_the_result_of_their_inspection(cast, inspector, roster, draw,
                                                          web_client):
    # Given the inspection 周督学 is on
    mine = inspection_of(draw, roster.du)
    client = web_client(inspector)
    page = client.get(reverse("inspections:inspection", args=[mine.pk]))
    assert 'id="result-form"' in page.content.decode() and "您在本组" in page.content.decode()
    # When they record "责令整改" with the findings
    response = record(client, mine, outcome="rectify", findings="收费公示不全，限期 15 日整改")
    # Then the inspection is recorded with its publication deadline
    assert response.status_code == 302
    mine.refresh_from_db()
    assert (mine.status, mine.outcome) == ("recorded", "rectify")
    assert mine.checked_on == timezone.localdate() and mine.publish_due > timezone.localdate()
    # and its history shows the step, by whom, with the outcome in Chinese
    page = client.get(reverse("inspections:inspection", args=[mine.pk]))
    event = InspectionEvent.objects.get(inspection=mine)
    assert "待检查 → 已录入结果" in row(page, f"event-{event.pk}")
    assert "责令整改" in row(page, f"event-{event.pk}") and "督学" in row(page, f"event-{event.pk}")
    # and the inspector has no publish button (publication is the section's)
    assert 'id="publish-button"' not in page.content.decode()


def test_inspector_cannot_record_for_another_team(cast, inspector, roster, draw, web_client):
    # Given an inspection 周督学 is not on
    other = inspection_without(draw, roster.du)
    client = web_client(inspector)
    # When they open it: they may read it, but no result form is offered
    page = client.get(reverse("inspections:inspection", args=[other.pk]))
    assert page.status_code == 200 and 'id="result-form"' not in page.content.decode()
    # and when they post a result anyway, they are refused and nothing changes
    assert record(client, other).status_code == 403
    other.refresh_from_db()
    assert other.status == "assigned" and not other.events.exists()


def test_the_section_records_for_a_team_without_logins(cast, supervisor, roster, draw,
                                                       web_client):
    # Given an inspection whose team has nobody with a login
    other = inspection_without(draw, roster.du)
    # When the supervisor records its result
    response = record(web_client(supervisor), other, outcome="not_found",
                      findings="登记地址已无培训机构")
    # Then it is recorded
    assert response.status_code == 302
    other.refresh_from_db()
    assert (other.status, other.outcome) == ("recorded", "not_found")


@pytest.mark.parametrize("data,field,text", [
    ({"outcome": "rectify", "findings": ""}, "findings", "请填写发现的问题"),
    ({"outcome": "pass", "checked_on": "2099-01-01"}, "checked_on", "检查日期应在抽查之后"),
    ({"outcome": "pass", "checked_on": "2020-01-01"}, "checked_on", "检查日期应在抽查之后"),
    ({"outcome": "excellent"}, "outcome", "有效的选项"),
])
def test_a_refused_result_shows_why_and_saves_nothing(cast, inspector, roster, draw, web_client,
                                                      data, field, text):
    mine = inspection_of(draw, roster.du)
    # When the inspector records a result the rules refuse
    response = record(web_client(inspector), mine, **data)
    # Then the form says why, on the right field, and the inspection is unchanged
    assert response.status_code == 200
    assert any(text in e for e in response.context["form"].errors[field])
    mine.refresh_from_db()
    assert mine.status == "assigned" and not mine.events.exists()


def test_a_result_can_be_corrected_before_publication(cast, inspector, roster, draw,
                                                      web_client):
    mine = inspection_of(draw, roster.du)
    client = web_client(inspector)
    record(client, mine, outcome="pass")
    # When the inspector corrects it
    response = record(client, mine, outcome="rectify", findings="消防通道堵塞")
    # Then the correction is kept, with both steps in the history
    assert response.status_code == 302
    mine.refresh_from_db()
    assert (mine.outcome, mine.findings) == ("rectify", "消防通道堵塞")
    assert list(mine.events.values_list("to_status", flat=True)) == ["recorded", "recorded"]


def test_the_section_publishes_a_result_which_then_cannot_change(cast, supervisor, inspector,
                                                                 roster, draw, web_client):
    # Given 周督学's recorded result
    mine = inspection_of(draw, roster.du)
    record(web_client(inspector), mine, outcome="rectify", findings="收费公示不全")
    client = web_client(supervisor)
    page = client.get(reverse("inspections:inspection", args=[mine.pk]))
    assert 'id="publish-button"' in page.content.decode()
    # When the supervisor publishes it
    response = client.post(reverse("inspections:publish", args=[mine.pk]), follow=True)
    # Then it is published, with the step in the history
    mine.refresh_from_db()
    assert mine.status == "published" and mine.published_at is not None
    assert "已公示" in response.content.decode()
    assert list(mine.events.values_list("to_status", flat=True)) == ["recorded", "published"]
    # and no form to change the result is offered any more
    assert 'id="result-form"' not in response.content.decode()
    # and a result posted anyway is refused (a transition conflict) with a message
    refused = record(client, mine, outcome="pass")
    assert refused.status_code == 302
    assert "未能保存：“已公示”的检查不能改为" in client.get(refused["Location"]).content.decode()
    mine.refresh_from_db()
    assert mine.outcome == "rectify"


def test_an_unrecorded_inspection_cannot_be_published(cast, supervisor, draw, web_client):
    # Given an inspection without a result
    first = draw.inspections.order_by("position").first()
    # When the supervisor posts "publish" anyway
    response = web_client(supervisor).post(reverse("inspections:publish", args=[first.pk]),
                                           follow=True)
    # Then it is refused with a message and nothing changes
    assert "未能公示" in response.content.decode()
    first.refresh_from_db()
    assert first.status == "assigned"


def test_an_overdue_result_is_flagged_everywhere(cast, supervisor, inspector, roster, draw,
                                                 web_client):
    # Given 周督学's result, recorded, whose publication deadline passed three days ago
    mine = inspection_of(draw, roster.du)
    record(web_client(inspector), mine, outcome="pass")
    today = timezone.localdate()
    Inspection.objects.filter(pk=mine.pk).update(publish_due=today - dt.timedelta(days=3))
    client = web_client(supervisor)
    # Then the draw page, the inspection page and the index flag it
    draw_page = client.get(reverse("inspections:draw", args=[draw.pk]))
    assert "超期 3 天" in row(draw_page, f"inspection-{mine.pk}")
    inspection_page = client.get(reverse("inspections:inspection", args=[mine.pk]))
    assert 'id="overdue"' in inspection_page.content.decode()
    index = client.get(reverse("inspections:index"))
    assert '<span class="badge red">1</span>' in row(index, f"draw-{draw.pk}")
    assert "1 项检查结果超期未公示" in index.content.decode()
    # and the inspector's own task list too
    assert "超期 3 天" in row(web_client(inspector).get(reverse("inspections:index")),
                            f"mine-{mine.pk}")


def test_a_deadline_not_yet_passed_is_not_overdue(cast, supervisor, roster, draw, web_client):
    mine = inspection_of(draw, roster.du)
    services.record_result(actor=supervisor, inspection=mine, outcome="pass")
    Inspection.objects.filter(pk=mine.pk).update(publish_due=timezone.localdate())
    page = web_client(supervisor).get(reverse("inspections:draw", args=[draw.pk]))
    assert "超期" not in row(page, f"inspection-{mine.pk}")


def test_correcting_an_overdue_result_does_not_reset_its_deadline(cast, supervisor, roster,
                                                                  draw, web_client):
    # Given a recorded result whose publication deadline passed three days ago
    mine = inspection_of(draw, roster.du)
    services.record_result(actor=supervisor, inspection=mine, outcome="pass")
    due = timezone.localdate() - dt.timedelta(days=3)
    Inspection.objects.filter(pk=mine.pk).update(publish_due=due)
    # When the result is corrected before publication
    record(web_client(supervisor), mine, outcome="rectify", findings="补充：消防通道堵塞")
    # Then the deadline still counts from the first recording: the result is still overdue
    mine.refresh_from_db()
    assert mine.publish_due == due
    assert services.is_overdue(mine)


# ---- the roster and conflicts of interest -----------------------------------------------------

def _district_inspector(cast, username="inspector2", bureau=None):
    user = User.objects.create_user(username=username, password=PASSWORD, name="钱督学")
    RoleAssignment.objects.create(user=user, role=Role.INSPECTOR,
                                  bureau=bureau or cast.district_a)
    return fresh(user)


def test_roster_lists_people_by_department(cast, supervisor, roster, web_client,
                                           django_assert_max_num_queries):
    client = web_client(supervisor)
    with django_assert_max_num_queries(16):
        response = client.get(reverse("inspections:roster"))
    assert ids(response, "inspector") == set(Inspector.objects.values_list("pk", flat=True))
    assert "市场监管 2 人" in response.content.decode()
    assert "JY-0001" in row(response, f"inspector-{roster.du.pk}")
    assert "inspector" in row(response, f"inspector-{roster.du.pk}")  # the linked login


def test_supervisor_adds_a_person_linked_to_a_district_inspector_login(cast, supervisor, roster,
                                                                       institutions_a,
                                                                       web_client):
    # Given a second inspector login of district A, not yet on the roster
    qian = _district_inspector(cast)
    client = web_client(supervisor)
    assert f'value="{qian.pk}"' in client.get(reverse("inspections:roster")).content.decode()
    # When the supervisor adds 钱督学 with that login
    response = client.post(reverse("inspections:roster"), {
        "name": "钱督学", "department": "education", "certificate_no": "JY-0009",
        "user": qian.pk})
    # Then the person is on the roster, linked to the login
    assert response.status_code == 302
    person = Inspector.objects.get(name="钱督学")
    assert (person.user, person.department, person.active) == (qian, "education", True)
    # and once drawn, the inspection shows in their own task list
    draw = services.run_draw(actor=supervisor, bureau=cast.district_a, title="全覆盖",
                             target_kind="institution", count=6, seed="all")
    theirs = set(draw.inspections.filter(inspectors=person).values_list("pk", flat=True))
    assert theirs
    assert ids(web_client(qian).get(reverse("inspections:index")), "mine") == theirs


def test_a_login_of_another_district_cannot_be_linked(cast, supervisor, roster, web_client):
    # Given an inspector login of district B
    other = _district_inspector(cast, "inspector_b", bureau=cast.district_b)
    # When the supervisor tries to link it
    response = web_client(supervisor).post(reverse("inspections:roster"), {
        "name": "外区督学", "department": "education", "user": other.pk})
    # Then the form refuses it and nobody is added
    assert response.status_code == 200 and "user" in response.context["inspector_form"].errors
    assert not Inspector.objects.filter(name="外区督学").exists()


def test_a_person_without_a_name_is_refused(cast, supervisor, web_client):
    response = web_client(supervisor).post(reverse("inspections:roster"),
                                           {"name": " ", "department": "market"})
    assert response.status_code == 200
    assert "请填写姓名" in str(response.context["inspector_form"].errors["name"])
    assert not Inspector.objects.exists()


def test_a_deactivated_person_is_no_longer_drawn(cast, supervisor, roster, institutions_a,
                                                 web_client):
    client = web_client(supervisor)
    # When the supervisor deactivates 陈消防
    response = client.post(reverse("inspections:inspector-active", args=[roster.xiao.pk]),
                           {"active": "0"})
    assert response.status_code == 302
    roster.xiao.refresh_from_db()
    assert not roster.xiao.active
    assert "已停用" in row(client.get(reverse("inspections:roster")), f"inspector-{roster.xiao.pk}")
    # Then a draw covering every institution never sends them
    client.post(reverse("inspections:index"), draw_data(count="6"))
    draw = Draw.objects.get()
    assert roster.xiao.pk not in [pk for pk, _ in draw.inputs["inspectors"]]
    assert not draw.inspections.filter(inspectors=roster.xiao).exists()
    # and when reactivated they are on the roster again
    client.post(reverse("inspections:inspector-active", args=[roster.xiao.pk]), {"active": "1"})
    roster.xiao.refresh_from_db()
    assert roster.xiao.active


def test_a_declared_conflict_keeps_the_person_away_from_the_target(cast, supervisor, roster,
                                                                   institutions_a, web_client):
    client = web_client(supervisor)
    target = institutions_a[2]
    # When the supervisor declares that 周督学 must not inspect one institution
    response = client.post(reverse("inspections:conflict-add"), {
        "inspector": roster.du.pk, "institution": target.pk, "reason": "近亲属在该机构任职"})
    assert response.status_code == 302
    conflict = Conflict.objects.get()
    assert (conflict.inspector, conflict.institution) == (roster.du, target)
    assert "近亲属在该机构任职" in row(client.get(reverse("inspections:roster")),
                                  f"conflict-{conflict.pk}")
    # Then a draw of every institution, under any seed, sends someone else there
    for seed in ("a", "b", "c"):
        draw = services.run_draw(actor=supervisor, bureau=cast.district_a, title=seed,
                                 target_kind="institution", count=6, seed=seed)
        assert roster.du.pk not in team_of(draw.inspections.get(institution=target))


@pytest.mark.parametrize("data,text", [
    ({"institution": "first", "school": "a1"}, "请选择一个回避对象"),
    ({}, "请选择一个回避对象"),
    ({"institution": "first", "reason": ""}, "请填写回避理由"),
])
def test_a_refused_conflict_shows_why_and_saves_nothing(cast, supervisor, roster,
                                                        institutions_a, web_client, data, text):
    values = {"first": institutions_a[0].pk, "a1": cast.school_a1.pk}
    post = {"inspector": roster.du.pk, "reason": "曾在该单位任职",
            **{k: values.get(v, v) for k, v in data.items()}}
    response = web_client(supervisor).post(reverse("inspections:conflict-add"), post)
    assert response.status_code == 200
    assert text in response.content.decode()
    assert not Conflict.objects.exists()


def test_inspector_reads_the_roster_without_forms_and_only_their_own_conflicts(
        cast, supervisor, inspector, roster, institutions_a, web_client):
    # Given two declared conflicts: 周督学's own and 郑市监's
    own = services.declare_conflict(actor=supervisor, inspector=roster.du,
                                    institution=institutions_a[0], reason="曾在该机构兼职")
    services.declare_conflict(actor=supervisor, inspector=roster.shi_a,
                              institution=institutions_a[1], reason="配偶持股")
    # When the inspector opens the roster
    response = web_client(inspector).get(reverse("inspections:roster"))
    html = response.content.decode()
    # Then they read the roster, see only their own declaration, and no form
    assert response.status_code == 200
    assert ids(response, "inspector") == set(Inspector.objects.values_list("pk", flat=True))
    assert ids(response, "conflict") == {own.pk}
    assert "配偶持股" not in html
    for form_id in ("inspector-form", "conflict-form", "toggle-"):
        assert f'id="{form_id}' not in html


# ---- the public results page (一公开) -------------------------------------------------------

def _published(cast, supervisor, draw):
    """First inspection published (rectify), second recorded only, third assigned."""
    first, second, third = draw.inspections.order_by("position")
    services.record_result(actor=supervisor, inspection=first, outcome="rectify",
                           findings="未按规定公示收费标准，已责令 15 日内整改")
    services.publish(actor=supervisor, inspection=first)
    services.record_result(actor=supervisor, inspection=second, outcome="penalise",
                           findings="超范围培训")
    return first, second, third


def test_public_page_shows_only_published_results_without_inspectors(
        cast, supervisor, roster, draw, client, django_assert_max_num_queries):
    first, second, third = _published(cast, supervisor, draw)
    # When anybody, not logged in, opens the public results
    with django_assert_max_num_queries(6):
        response = client.get(reverse("public-inspections:results"))
    html = response.content.decode()
    # Then only the published result is listed, with target, date, outcome and findings
    assert response.status_code == 200
    assert ids(response, "result") == {first.pk}
    listed = row(response, f"result-{first.pk}")
    assert first.target.name in listed and "责令整改" in listed and "15 日内整改" in listed
    assert "甲区教育局" in listed
    assert second.target.name not in html and "超范围培训" not in html
    # and nothing about the inspectors: no names, departments' people or certificate numbers
    for person in Inspector.objects.all():
        assert person.name not in html and person.certificate_no not in html


def test_public_page_searches_by_name_and_filters_by_district(cast, supervisor, roster, draw,
                                                              client):
    first, _, _ = _published(cast, supervisor, draw)
    url = reverse("public-inspections:results")
    name = first.target.name
    assert ids(client.get(url, {"q": name[2:6]}), "result") == {first.pk}
    assert ids(client.get(url, {"q": "不存在的机构"}), "result") == set()
    assert ids(client.get(url, {"bureau": "410402"}), "result") == {first.pk}
    assert ids(client.get(url, {"bureau": "410403"}), "result") == set()
    # the district select offers the bureaus with published results
    assert '<option value="410402">甲区教育局</option>' in client.get(url).content.decode()


def test_public_page_pages_its_results(cast, supervisor, roster, institutions_a, client):
    # Given all six institutions drawn and published
    draw = services.run_draw(actor=supervisor, bureau=cast.district_a, title="全覆盖",
                             target_kind="institution", count=6, seed="page")
    for inspection in draw.inspections.all():
        services.record_result(actor=supervisor, inspection=inspection, outcome="pass")
        services.publish(actor=supervisor, inspection=inspection)
    # When the public pages through them (20 a page: all on one page)
    response = client.get(reverse("public-inspections:results"))
    assert len(ids(response, "result")) == 6
    assert "共 6 条" in response.content.decode()


def test_the_help_page_explains_the_draw(client):
    response = client.get(reverse("help-page", args=["inspections"]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "双随机一公开" in html and "sha256sum" in html and "/public/inspections/" in html
