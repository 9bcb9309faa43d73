"""The homework web pages, through the doors: teachers file, the head teacher publishes, the
academic office grants exceptions and files weeks, guardians read and report times.

Dates are in the autumn term of 2026: Monday 2026-11-23 to Sunday 2026-11-29.
"""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import fresh
from homework import services
from homework.models import ClassDay, Homework, ItemTime, TimeReport, WeekReview

MON = dt.date(2026, 11, 23)
TUE, WED, THU = MON + dt.timedelta(days=1), MON + dt.timedelta(days=2), MON + dt.timedelta(days=3)
_real_localdate = timezone.localdate


@pytest.fixture(autouse=True)
def _today_is_monday(monkeypatch):
    """The services refuse dates more than a year from today: keep "today" at MON."""

    def localdate(value=None, timezone=None):
        return MON if value is None else _real_localdate(value, timezone)

    monkeypatch.setattr(timezone, "localdate", localdate)


def board_url(cast, date=MON):
    return reverse("homework:board", args=[cast.class_a1_4_1.pk, date.isoformat()])


def file_url(cast, date=MON):
    return reverse("homework:file", args=[cast.class_a1_4_1.pk, date.isoformat()])


def child_url(cast, date=MON, pupil=None):
    pupil = pupil or cast.pupil_p
    return f"{reverse('homework:child', args=[pupil.pk])}?date={date.isoformat()}"


def form(**changes):
    data = {"subject": "maths", "title": "口算练习第 12 页", "content": "完成 1–20 题",
            "kind": "written", "minutes": "20", "layer": "required", "place": "home",
            "parent_role": "none", "channel": "platform"}
    data.update(changes)
    return data


def file(cast, minutes, *, actor=None, subject="maths", date=MON, title=None, **data):
    """File an item through the service (test set-up goes through the services too)."""
    item, _ = services.file_homework(
        actor=fresh(actor or cast.teacher_a), school_class=cast.class_a1_4_1, date=date,
        subject=subject, title=title or f"{subject} {minutes} 分钟", minutes=minutes, **data)
    return item


def publish(cast, date=MON):
    day = ClassDay.objects.get(school_class=cast.class_a1_4_1, date=date)
    return services.publish_class_day(actor=fresh(cast.head_teacher_a), class_day=day)


def messages_of(response, level):
    page = response.content.decode()
    return re.findall(rf'<li class="msg-{level}">(.*?)</li>', page, re.S)


# ---- filing --------------------------------------------------------------------------------

def test_teacher_files_homework_and_it_appears_on_the_board_with_totals(cast, teacher_a,
                                                                        web_client):
    client = web_client(teacher_a)
    # Given teacher_a, who teaches maths in class A1-4-1
    # When they file 20 minutes of written homework through the form
    response = client.post(file_url(cast), form(minutes="20"))
    # Then they land on the board of that class and day
    assert response.status_code == 302
    assert response["Location"] == board_url(cast)
    page = client.get(response["Location"]).content.decode()
    assert "口算练习第 12 页" in page
    assert "<strong>20</strong> / 60 分钟（上限依据 HW-2）" in page
    assert 'id="over-limit"' not in page
    # and the item and the day's running totals are stored
    item = Homework.objects.get()
    assert (item.teacher, item.minutes, item.date) == (cast.teacher_a_profile, 20, MON)
    day = ClassDay.objects.get(school_class=cast.class_a1_4_1, date=MON)
    assert (day.counted_minutes, day.total_minutes, day.item_count) == (20, 20, 1)


def test_subject_teacher_is_offered_only_the_subjects_they_teach(cast, teacher_a,
                                                                 head_teacher_a, web_client):
    # Given the filing form for class A1-4-1
    teacher_page = web_client(teacher_a).get(file_url(cast)).content.decode()
    head_page = web_client(head_teacher_a).get(file_url(cast)).content.decode()
    # Then the maths teacher may choose maths only; the head teacher every subject (HW-5)
    assert re.findall(r'<option value="(\w+)"', teacher_page.split('id="id_subject"')[1]
                      .split("</select>")[0]) == ["maths"]
    assert 'value="english"' in head_page.split('id="id_subject"')[1].split("</select>")[0]


def test_teacher_cannot_file_a_subject_they_do_not_teach(cast, teacher_a, web_client):
    response = web_client(teacher_a).post(file_url(cast), form(subject="chinese"))
    assert response.status_code == 200
    assert "chinese" in response.content.decode()  # "选择一个有效的选项。chinese …"
    assert not Homework.objects.exists()


def test_filing_over_the_limit_is_saved_with_a_warning_naming_hw2(cast, teacher_a, web_client):
    # Given 50 minutes already filed for Monday
    file(cast, 50)
    client = web_client(teacher_a)
    # When the teacher files another 30 minutes
    response = client.post(file_url(cast), form(minutes="30"), follow=True)
    # Then it is filed, with a warning that names the rule, and the board shows it over the limit
    warnings = messages_of(response, "warning")
    assert warnings and "HW-2" in warnings[0] and "80" in warnings[0]
    assert 'id="over-limit"' in response.content.decode()
    assert Homework.objects.count() == 2
    assert ClassDay.objects.get(school_class=cast.class_a1_4_1, date=MON).over_limit


@pytest.mark.parametrize("changes,rule", [
    ({"parent_role": "parent_grading"}, "HW-9"),
    ({"parent_role": "parent_task"}, "HW-9"),
    ({"kind": "punitive"}, "HW-8"),
    ({"kind": "repetitive"}, "HW-8"),
    ({"self_grading": "on"}, "HW-10"),
    ({"channel": "phone"}, "HW-11"),
    ({"requires_phone": "on"}, "HW-11"),
])
def test_a_forbidden_declared_choice_is_refused_with_its_rule_and_nothing_is_saved(
        cast, teacher_a, web_client, changes, rule):
    # Given the filing form; when the teacher declares a forbidden choice
    response = web_client(teacher_a).post(file_url(cast), form(**changes))
    # Then the form comes back with an error naming the rule
    assert response.status_code == 200
    errors = re.findall(r'<ul class="errors"[^>]*>(.*?)</ul>', response.content.decode(), re.S)
    assert any(f"（{rule}）" in e for e in errors), errors
    # and nothing was filed
    assert not Homework.objects.exists()
    assert not ClassDay.objects.filter(item_count__gt=0).exists()


def test_personalised_homework_is_for_the_pupils_picked(cast, teacher_a, web_client):
    response = web_client(teacher_a).post(file_url(cast), form(
        layer="personalised", pupils=[str(cast.pupil_q.pk)], title="错题订正"))
    assert response.status_code == 302
    item = Homework.objects.get()
    assert list(item.pupils.all()) == [cast.pupil_q]
    # Personalised homework does not count toward the class's limit
    assert ClassDay.objects.get(school_class=cast.class_a1_4_1, date=MON).counted_minutes == 0


def test_the_calibration_fragment_suggests_a_time_from_guardians_reports(
        cast, teacher_a, guardian_p, web_client):
    # Given three days of 20-minute maths items that pupil P really took 26 minutes for
    for date in (MON, TUE, WED):
        item = file(cast, 20, date=date)
        publish(cast, date)
        services.report_time(actor=fresh(guardian_p), pupil=cast.pupil_p, date=date, minutes=26,
                             items=[(item.pk, 26)])
    # When teacher_a types 40 minutes for a new maths item (HTMX GET)
    url = reverse("homework:calibration", args=[cast.class_a1_4_1.pk])
    response = web_client(teacher_a).get(url, {"subject": "maths", "minutes": "40"},
                                         HTTP_HX_REQUEST="true")
    # Then the fragment suggests the calibrated time
    assert response.status_code == 200
    fragment = response.content.decode()
    assert "<html" not in fragment
    assert "根据家长反馈，您此类作业实际用时约为估计的 1.3 倍，建议按 <strong>52</strong> 分钟计" \
        in fragment


def test_teacher_edits_and_withdraws_their_item(cast, teacher_a, web_client):
    item = file(cast, 20)
    client = web_client(teacher_a)
    # When the teacher changes the minutes to 35
    response = client.post(reverse("homework:edit", args=[item.pk]),
                           form(minutes="35", date=MON.isoformat(), title="口算练习（改）"))
    assert response.status_code == 302
    day = ClassDay.objects.get(school_class=cast.class_a1_4_1, date=MON)
    assert day.counted_minutes == 35
    # and then withdraws it
    response = client.post(reverse("homework:withdraw", args=[item.pk]))
    assert response.status_code == 302
    assert not Homework.objects.exists()
    day.refresh_from_db()
    assert (day.counted_minutes, day.item_count) == (0, 0)


def test_edit_links_are_offered_to_the_head_teacher_but_not_once_published(
        cast, head_teacher_a, web_client):
    item = file(cast, 20)
    client = web_client(head_teacher_a)
    edit_url = reverse("homework:edit", args=[item.pk])
    assert edit_url in client.get(board_url(cast)).content.decode()
    publish(cast)
    assert edit_url not in client.get(board_url(cast)).content.decode()


# ---- publication and exceptions ------------------------------------------------------------

def test_head_teacher_cannot_publish_an_over_limit_day(cast, head_teacher_a, web_client):
    # Given 70 minutes filed for Monday (limit 60)
    file(cast, 70)
    # When the head teacher publishes
    response = web_client(head_teacher_a).post(
        reverse("homework:publish", args=[cast.class_a1_4_1.pk, MON.isoformat()]), follow=True)
    # Then the board shows the refusal with the rule id, and nothing is published
    errors = messages_of(response, "error")
    assert errors and "HW-2" in errors[0]
    assert not ClassDay.objects.get(school_class=cast.class_a1_4_1, date=MON).published


def test_subject_teacher_may_not_publish(cast, teacher_a, web_client):
    file(cast, 20)
    response = web_client(teacher_a).post(
        reverse("homework:publish", args=[cast.class_a1_4_1.pk, MON.isoformat()]))
    assert response.status_code == 403
    assert not ClassDay.objects.get(school_class=cast.class_a1_4_1, date=MON).published


def test_principal_records_an_exception_then_the_head_teacher_publishes(
        cast, principal, head_teacher_a, web_client):
    file(cast, 70)
    # Given the principal sees the exception form on the over-limit board
    admin = web_client(principal)
    page = admin.get(board_url(cast)).content.decode()
    assert 'id="exception"' in page
    # When they record a reason
    url = reverse("homework:exception", args=[cast.class_a1_4_1.pk, MON.isoformat()])
    response = admin.post(url, {"reason": "本周为数学实践活动周，经教导处同意"})
    assert response.status_code == 302
    day = ClassDay.objects.get(school_class=cast.class_a1_4_1, date=MON)
    assert day.exception_by == principal
    # Then the head teacher can publish the day
    response = web_client(head_teacher_a).post(
        reverse("homework:publish", args=[cast.class_a1_4_1.pk, MON.isoformat()]), follow=True)
    assert not messages_of(response, "error")
    day.refresh_from_db()
    assert day.published


def test_a_too_short_exception_reason_is_refused(cast, principal, web_client):
    file(cast, 70)
    url = reverse("homework:exception", args=[cast.class_a1_4_1.pk, MON.isoformat()])
    response = web_client(principal).post(url, {"reason": "需要"}, follow=True)
    assert messages_of(response, "error")
    assert not ClassDay.objects.get(school_class=cast.class_a1_4_1, date=MON).exception_reason


def test_teacher_of_another_school_gets_404_on_the_board(cast, teacher_b, web_client):
    assert web_client(teacher_b).get(board_url(cast)).status_code == 404


def test_board_of_a_bad_date_is_missing(cast, teacher_a, web_client):
    url = reverse("homework:board", args=[cast.class_a1_4_1.pk, "2026-13-40"])
    assert web_client(teacher_a).get(url).status_code == 404


def test_board_shows_every_subject_in_few_queries(cast, teacher_a, head_teacher_a, principal,
                                                  web_client, django_assert_max_num_queries):
    # Given six items of two teachers, one personalised, on Monday
    for minutes in (10, 15, 5):
        file(cast, minutes)
    file(cast, 20, actor=head_teacher_a, subject="chinese", kind="oral")
    file(cast, 10, actor=head_teacher_a, subject="english", place="in_school")
    file(cast, 15, layer="personalised", pupils=[cast.pupil_p])
    client = web_client(principal)
    # When the principal opens the board
    with django_assert_max_num_queries(20):
        response = client.get(board_url(cast))
    # Then every item is listed with the totals kept in the class-day row
    page = response.content.decode()
    assert page.count('id="item-') == 6
    assert "<strong>30</strong> / 60 分钟" in page
    assert "口头/阅读 20 分钟（1 项）" in page
    assert "个性化（指定学生） 15 分钟（1 项）" in page


# ---- guardians -----------------------------------------------------------------------------

def test_guardian_sees_the_items_only_after_publication(cast, guardian_p, web_client):
    file(cast, 20, title="数学口算")
    file(cast, 15, actor=cast.head_teacher_a, subject="chinese", title="朗读课文", kind="oral")
    client = web_client(guardian_p)
    # Given the day is not published: the guardian sees nothing of it
    page = client.get(child_url(cast)).content.decode()
    assert "数学口算" not in page and 'id="not-published"' in page
    # When the head teacher publishes
    publish(cast)
    # Then the items, the average time and the composition by kind are shown (HW-7)
    page = client.get(child_url(cast)).content.decode()
    assert "数学口算" in page and "朗读课文" in page
    assert "<strong>20</strong> 分钟" in page
    assert "书面作业 20 分钟；口头/阅读 15 分钟" in page


def test_guardian_does_not_see_personalised_items_of_other_pupils(cast, guardian_p, web_client):
    file(cast, 15, layer="personalised", pupils=[cast.pupil_q], title="给刘小红的订正")
    file(cast, 10, title="全班口算")
    publish(cast)
    page = web_client(guardian_p).get(child_url(cast)).content.decode()
    assert "全班口算" in page and "给刘小红的订正" not in page


def test_guardian_of_nobody_gets_404_on_a_child_page(cast, guardian_nobody, guardian_p,
                                                     web_client):
    assert web_client(guardian_nobody).get(child_url(cast)).status_code == 404
    # and a guardian gets 404 on a classmate's page
    assert web_client(guardian_p).get(child_url(cast, pupil=cast.pupil_q)).status_code == 404


def test_guardian_reports_the_real_time(cast, guardian_p, web_client):
    item = file(cast, 20)
    publish(cast)
    client = web_client(guardian_p)
    assert 'id="report"' in client.get(child_url(cast)).content.decode()
    # When the guardian reports 35 minutes, difficulty 4, 30 of them on the maths item
    response = client.post(reverse("homework:report", args=[cast.pupil_p.pk]), {
        "date": MON.isoformat(), "minutes": "35", "difficulty": "4",
        f"item_{item.pk}": "30"})
    # Then the report is stored against the day's estimate
    assert response.status_code == 302
    report = TimeReport.objects.get(pupil=cast.pupil_p, date=MON)
    assert (report.minutes, report.difficulty, report.estimated_minutes) == (35, 4, 20)
    assert ItemTime.objects.get(report=report).minutes == 30


def test_guardian_cannot_report_an_unpublished_day(cast, guardian_p, web_client):
    file(cast, 20)
    response = web_client(guardian_p).post(reverse("homework:report", args=[cast.pupil_p.pk]),
                                           {"date": MON.isoformat(), "minutes": "35"})
    assert response.status_code == 200
    assert "尚未公示" in response.content.decode()
    assert not TimeReport.objects.exists()


def test_guardian_with_one_child_goes_straight_to_the_child_page(cast, guardian_p, web_client):
    response = web_client(guardian_p).get(reverse("homework:index"))
    assert response.status_code == 302
    assert response["Location"] == reverse("homework:child", args=[cast.pupil_p.pk])


# ---- weekly review (HW-16) -----------------------------------------------------------------

def weeks_url():
    return f"{reverse('homework:weeks')}?week={MON.isoformat()}"


def review_url(cast):
    return reverse("homework:review", args=[cast.class_a1_4_1.pk, MON.isoformat()])


def test_approved_week_refuses_later_filing_with_the_week_filed_message(
        cast, principal, teacher_a, web_client):
    file(cast, 20)
    # Given the academic office approves the week of class A1-4-1
    response = web_client(principal).post(review_url(cast), {"decision": "approve"})
    assert response.status_code == 302
    review = WeekReview.objects.get(school_class=cast.class_a1_4_1, week_start=MON)
    assert review.status == WeekReview.Status.APPROVED
    assert len(review.snapshot["items"]) == 1
    # When the teacher later files for the Wednesday of that week
    response = web_client(teacher_a).post(file_url(cast, WED), form())
    # Then the form says the week is filed and nothing is saved
    assert response.status_code == 200
    assert "该周作业已审核备案" in response.content.decode()
    assert Homework.objects.count() == 1


def test_returning_a_week_needs_a_comment_and_reopening_a_reason(cast, principal, web_client):
    client = web_client(principal)
    response = client.post(review_url(cast), {"decision": "return", "comment": ""}, follow=True)
    assert messages_of(response, "error")
    assert not WeekReview.objects.exists()
    client.post(review_url(cast), {"decision": "return", "comment": "周三作业偏多，请调整"})
    assert WeekReview.objects.get().status == WeekReview.Status.RETURNED
    client.post(review_url(cast), {"decision": "approve"})
    reopen = reverse("homework:reopen", args=[cast.class_a1_4_1.pk, MON.isoformat()])
    response = client.post(reopen, {"reason": "家长反映周四作业需调整"})
    assert response.status_code == 302
    review = WeekReview.objects.get()
    assert (review.status, review.version) == (WeekReview.Status.REOPENED, 2)
    # The week page shows the whole history
    page = client.get(reverse("homework:week", args=[cast.class_a1_4_1.pk, MON.isoformat()]))
    history = page.content.decode().split('id="events"')[1]
    assert history.count("<tr>") == 1 + 3  # header and three events
    assert "周三作业偏多" in history and "家长反映周四作业需调整" in history


def test_htmx_review_answers_with_the_class_row(cast, principal, web_client):
    response = web_client(principal).post(review_url(cast), {"decision": "approve"},
                                          HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    fragment = response.content.decode()
    assert "<html" not in fragment
    assert fragment.strip().startswith(f'<tr id="week-{cast.class_a1_4_1.pk}"')
    assert "已审核备案" in fragment


def test_subject_teacher_may_not_review_a_week(cast, teacher_a, web_client):
    response = web_client(teacher_a).post(review_url(cast), {"decision": "approve"})
    assert response.status_code == 403
    assert not WeekReview.objects.exists()


def test_week_review_page_lists_the_school_classes_in_few_queries(
        cast, principal, head_teacher_a, web_client, django_assert_max_num_queries):
    # Given homework on four days of the week, one of them over the limit, and a Saturday item
    for date, minutes in ((MON, 20), (TUE, 70), (WED, 30), (THU, 10)):
        file(cast, minutes, date=date)
    file(cast, 25, date=MON + dt.timedelta(days=5))
    services.review_week(actor=fresh(principal), school_class=cast.class_a1_4_1,
                         week_start=MON, approve=False, comment="周二超限，请调整")
    client = web_client(principal)
    # When the academic office opens the week review
    with django_assert_max_num_queries(20):
        response = client.get(weeks_url())
    # Then every class of the school is listed, the over-limit day highlighted
    page = response.content.decode()
    for c in (cast.class_a1_4_1, cast.class_a1_4_2, cast.class_a1_2_1):
        assert f'id="week-{c.pk}"' in page
    row = page.split(f'id="week-{cast.class_a1_4_1.pk}"')[1].split("</tr>")[0]
    assert row.count('class="day-cell over"') == 1
    assert "70 / 60" in row and "25 / 60" in row
    assert "退回修改" in row and "周二超限" in row
    assert cast.class_b1_4_1.name not in page or f'id="week-{cast.class_b1_4_1.pk}"' not in page


# ---- drift and the entry page --------------------------------------------------------------

def test_drift_page_shows_a_teachers_estimates_against_reports(cast, teacher_a, guardian_p,
                                                               web_client):
    item = file(cast, 20)
    publish(cast)
    services.report_time(actor=fresh(guardian_p), pupil=cast.pupil_p, date=MON, minutes=40,
                         items=[(item.pk, 40)])
    response = web_client(teacher_a).get(reverse("homework:drift"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "我布置的作业" in page
    assert '<tr class="drifted">' in page and '<span class="badge red">2.0</span>' in page


def test_drift_page_renders_without_reports(cast, teacher_a, web_client):
    response = web_client(teacher_a).get(reverse("homework:drift"))
    assert response.status_code == 200
    assert "暂无家长逐项反馈的用时" in response.content.decode()


def test_teacher_entry_page_lists_their_classes_with_links(cast, teacher_a, web_client):
    page = web_client(teacher_a).get(f"{reverse('homework:index')}?date={MON}").content.decode()
    assert cast.class_a1_4_1.name in page
    assert file_url(cast) in page and board_url(cast) in page
    assert cast.class_a1_4_2.name not in page


def test_navigation_offers_homework_to_teachers_and_guardians(cast, teacher_a, guardian_p,
                                                              bureau_admin, web_client):
    assert ">作业</a>" in web_client(teacher_a).get("/").content.decode()
    assert ">孩子的作业</a>" in web_client(guardian_p).get("/").content.decode()
    assert ">作业</a>" not in web_client(bureau_admin).get("/").content.decode()


def test_help_page_for_homework_exists(client, db):
    response = client.get("/help/homework/")
    assert response.status_code == 200
    assert "HW-2" in response.content.decode()
