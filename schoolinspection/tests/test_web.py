"""The pages: each role lands on its own page; the school submits its self-check on its page and
answers tasks in place (HTMX); the inspector verifies in place; the bureau's overview highlights
missing self-checks, missing visits, overloaded inspectors and overdue tasks, and exports them."""

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from policy import services as policy
from schoolinspection import services
from schoolinspection.models import RectificationTask, SelfCheck
from schoolinspection.tests.conftest import LAST_WEEK, all_compliant

BASE = "/school-inspection"
HTMX = {"HX-Request": "true"}


@pytest.mark.parametrize("actor,target", [
    ("bureau_admin", "/school-inspection/overview/"),
    ("inspector", "/school-inspection/mine/"),
    ("principal", "/school-inspection/schools/{a1}/"),
])
def test_each_role_lands_on_its_page(actor, target, matrix_cast, clock, web_client, request):
    response = web_client(request.getfixturevalue(actor)).get(f"{BASE}/")
    assert response.status_code == 302
    assert response["Location"] == target.format(a1=matrix_cast.school_a1.pk)


def test_the_school_submits_its_self_check_on_its_page(assigned, clock, web_client, principal):
    client = web_client(principal)
    url = f"{BASE}/schools/{assigned.school_a1.pk}/"
    # Given last week's pre-filled form: A1 has no after-school sessions and no week reviewed,
    # which the figures show as problems (数据显示有问题)
    page = client.get(url, {"week": "2026-11-16"}).content.decode()
    assert 'id="self-check-form"' in page and "数据显示有问题" in page
    # When the principal sends it with those items 符合 but no reason
    data = {"week": "2026-11-16"}
    for code in ("hw_limit", "hw_publish", "hw_review", "ex_filing", "fm_sleep", "fm_reading",
                 "fm_fitness", "as_attendance"):
        data[f"{code}-mark"] = "yes"
    data["as_delivery-mark"] = "yes"
    data["fm_phone-mark"] = "no"
    data["fm_phone-note"] = "个别学生带手机进课堂"
    response = client.post(f"{BASE}/schools/{assigned.school_a1.pk}/self-check/", data)
    # Then it is refused on the form, the reason shown at the item
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="as_delivery-errors"' in html and 'id="hw_review-errors"' in html
    assert "标为符合须说明理由" in html
    assert not SelfCheck.objects.exists()
    # When the reasons are given
    data["as_delivery-note"] = "课后服务在线下登记，平台尚未启用"
    data["hw_review-note"] = "教导处纸质审核，已补录"
    response = client.post(f"{BASE}/schools/{assigned.school_a1.pk}/self-check/", data)
    # Then the self-check is stored and its page shows the task of the 不符合 item
    assert response.status_code == 302
    check = SelfCheck.objects.get()
    assert response["Location"] == f"{BASE}/self-checks/{check.pk}/"
    detail = client.get(response["Location"]).content.decode()
    assert "个别学生带手机进课堂" in detail and "待整改" in detail
    assert RectificationTask.objects.get().item_code == "fm_phone"
    # and the school page now says the week is done, without a form
    page = client.get(url, {"week": "2026-11-16"}).content.decode()
    assert 'id="self-check-done"' in page and 'id="self-check-form"' not in page


def test_tasks_are_answered_and_verified_in_place(assigned, clock, web_client, principal,
                                                  inspector):
    task = services.create_task(actor=inspector, school=assigned.school_a1,
                                description="作业公示栏未更新")
    # When the principal submits evidence from the task's row with HTMX
    response = web_client(principal).post(f"{BASE}/tasks/{task.pk}/submit/",
                                          {"evidence": "已更新公示栏并指定专人负责"}, headers=HTMX)
    # Then the row comes back, waiting for acceptance
    html = response.content.decode()
    assert response.status_code == 200 and html.lstrip().startswith(f'<tr id="task-{task.pk}"')
    assert "待验收" in html and "已提交整改情况" in html
    # When the inspector returns it without a reason: the row shows the refusal
    html = web_client(inspector).post(f"{BASE}/tasks/{task.pk}/return/", {"reason": ""},
                                      headers=HTMX).content.decode()
    assert "请填写退回的理由" in html and 'role="alert"' in html
    # When the inspector accepts it
    html = web_client(inspector).post(f"{BASE}/tasks/{task.pk}/accept/", {},
                                      headers=HTMX).content.decode()
    assert "已验收" in html
    assert RectificationTask.objects.get(pk=task.pk).status == "accepted"
    # and the plain form (no HTMX) of a second try is sent back to the task with the refusal
    response = web_client(inspector).post(f"{BASE}/tasks/{task.pk}/accept/", {}, follow=True)
    assert "不能验收通过" in response.content.decode()


def test_the_inspector_records_a_visit_on_the_page(assigned, clock, web_client, inspector):
    client = web_client(inspector)
    url = f"{BASE}/schools/{assigned.school_a1.pk}/visits/new/"
    assert client.get(url).status_code == 200
    response = client.post(url, {"visited_on": "2026-11-20", "items": ["hw_limit", "teaching"],
                                 "summary": "听课两节，查阅作业登记。",
                                 "findings": "五年级作业量偏大\n\n课堂练习时间不足"})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "五年级作业量偏大" in page and "课堂练习时间不足" in page
    assert RectificationTask.objects.filter(source="visit").count() == 2
    # and the inspector's page shows the school with this month's visit done
    mine = client.get(f"{BASE}/mine/").content.decode()
    assert "甲区第一小学" in mine and "1/1" in mine and "已完成" in mine


def test_the_overview_highlights_what_is_missing(assigned, clock, web_client, bureau_admin,
                                                principal, inspector,
                                                django_assert_max_num_queries):
    # Given one inspector over a stricter standard, A1's self-check of last week only, a
    # September visit to nobody, and an overdue task of A2
    policy.set_rule(actor=bureau_admin, bureau=assigned.district_a,
                    key="in.schools_per_inspector", value=1, reason="试点")
    services.assign_inspector(actor=bureau_admin, school=assigned.school_a2, inspector=inspector)
    services.submit_self_check(actor=principal, school=assigned.school_a1, week=LAST_WEEK,
                               answers=all_compliant(assigned.school_a1, LAST_WEEK, clock.today))
    clock.set(dt.date(2026, 11, 2))
    services.create_task(actor=bureau_admin, school=assigned.school_a2, description="食堂公示缺失",
                         due=dt.date(2026, 11, 10))
    clock.set(dt.date(2026, 11, 23))
    # When the bureau admin opens the overview
    client = web_client(bureau_admin)
    with django_assert_max_num_queries(30):
        response = client.get(f"{BASE}/overview/")
    html = response.content.decode()
    # Then the overloaded inspector, the missing weeks and months and the overdue task stand out
    assert response.status_code == 200
    assert "超过标准（IN-3）" in html
    assert "逾期未交" in html and "未达标" in html
    assert "食堂公示缺失" in html and "超期 13 天" in html
    assert 'id="assign-form"' in html


def test_the_overview_exports_to_excel(assigned, clock, web_client, inspector):
    # When the inspector exports the overview
    response = web_client(inspector).get(f"{BASE}/overview/export/")
    # Then the workbook has the five sheets with every school of the district
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["责任督学", "督学工作量", "每周自查", "入校督导覆盖", "超期整改任务"]
    names = [row[1] for row in book["责任督学"].iter_rows(min_row=2, values_only=True)]
    assert names == ["甲区第一小学", "甲区第二小学"]
    coverage = list(book["入校督导覆盖"].iter_rows(values_only=True))
    assert coverage[0][3:] == ("2026-06", "2026-07", "2026-08", "2026-09", "2026-10", "2026-11")
    assert coverage[1][6] == "0（未达标）"  # A1, September


def test_the_task_list_filters_and_stays_within_its_queries(assigned, clock, web_client,
                                                           bureau_admin, principal,
                                                           django_assert_max_num_queries):
    for n in range(6):
        services.create_task(actor=bureau_admin, school=assigned.school_a1,
                             description=f"问题{n}")
    task = services.create_task(actor=bureau_admin, school=assigned.school_a2,
                                description="甲二的问题")
    office, school = web_client(bureau_admin), web_client(principal)
    with django_assert_max_num_queries(15):
        response = office.get(f"{BASE}/tasks/", {"school": assigned.school_a2.pk})
    html = response.content.decode()
    assert f'id="task-{task.pk}"' in html and "问题0" not in html
    with django_assert_max_num_queries(15):
        own = school.get(f"{BASE}/tasks/").content.decode()
    assert "问题5" in own and "甲二的问题" not in own


def test_a_week_to_come_is_refused_on_the_page(matrix_cast, clock, web_client, principal):
    # When the principal's form names next week (a tampered hidden field)
    response = web_client(principal).post(
        f"{BASE}/schools/{matrix_cast.school_a1.pk}/self-check/",
        {"week": "2026-11-30", "fm_phone-mark": "yes"}, follow=True)
    # Then nothing is filed and the refusal names IN-4
    assert "不能提交未来周的自查（IN-4）" in response.content.decode()
    assert not SelfCheck.objects.exists()


def test_the_help_page_is_there(client, db):
    response = client.get("/help/school-inspection/")
    assert response.status_code == 200
    assert "责任督学与学校督导" in response.content.decode()
