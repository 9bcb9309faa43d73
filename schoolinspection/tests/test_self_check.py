"""Weekly self-checks (IN-4): the form is pre-filled from what the school recorded through the
homework, after-school and exam services; one submission per school week, never for a week to
come; every 不符合 item becomes a rectification task; missing weeks are flagged."""

import datetime as dt

import pytest
from auditlog.models import LogEntry

from afterschool import services as afterschool
from afterschool.models import Course, Session
from afterschool.tests.conftest import five_plus_two
from conftest import assert_error
from exams import services as exams
from homework import services as homework
from policy import services as policy
from schoolinspection import checklist, services
from schoolinspection.models import RectificationTask, SelfCheck
from schoolinspection.tests.conftest import API, LAST_WEEK, MONDAY, all_compliant, answers, post_json

MON, TUE, WED, THU = (LAST_WEEK + dt.timedelta(days=i) for i in range(4))


def by_code(rows):
    return {row["code"]: row for row in rows}


@pytest.fixture
def last_week(matrix_cast, clock, principal, teacher_a, head_teacher_a, guardian_p):
    """School A1's week of Monday 2026-11-16, recorded through the services as it happened:

    homework of A1-4-1 (grade 4, limit 60): Monday 40 + 30 minutes (over the limit, so it cannot
    be published), Tuesday 20 (published), Wednesday 20 (not published); the week approved by the
    academic office for A1-4-1 only (of A1's three classes);
    after-school: the "5+2" programme of grades 2 and 4 opened on Monday (a guidance group for
    each of the three classes, every school day), P enrolled; Monday's and Tuesday's roll calls
    of A1-4-1 recorded (Tuesday without P's pick-up), Tuesday's session of A1-2-1 cancelled;
    exams: teacher_a's maths quiz of A1-4-1 on Thursday.
    """
    c = matrix_cast
    clock.set(MON, 8, 0)
    programme = afterschool.create_programme(actor=principal, school=c.school_a1, term=c.term,
                                             name="2026 秋季课后服务", slots=five_plus_two(),
                                             grades=[2, 4])
    afterschool.open_programme(actor=principal, programme=programme)
    afterschool.apply(actor=guardian_p, programme=programme, pupil=c.pupil_p)

    homework.file_homework(actor=teacher_a, school_class=c.class_a1_4_1, date=MON,
                           subject="maths", title="口算", minutes=40)
    homework.file_homework(actor=head_teacher_a, school_class=c.class_a1_4_1, date=MON,
                           subject="chinese", title="默写", minutes=30)
    homework.file_homework(actor=teacher_a, school_class=c.class_a1_4_1, date=TUE,
                           subject="maths", title="练习", minutes=20)
    homework.file_homework(actor=teacher_a, school_class=c.class_a1_4_1, date=WED,
                           subject="maths", title="练习", minutes=20)
    tuesday = c.class_a1_4_1.class_days.get(date=TUE)
    homework.publish_class_day(actor=head_teacher_a, class_day=tuesday)

    clock.set(WED, 18, 30)
    group_4_1 = Course.objects.get(programme=programme, school_class=c.class_a1_4_1)
    group_2_1 = Course.objects.get(programme=programme, school_class=c.class_a1_2_1)
    for day, pickup in ((MON, "guardian"), (TUE, "")):
        session = Session.objects.get(course=group_4_1, date=day)
        record = {"pupil": c.pupil_p.pk, "mark": "present", "pickup": pickup,
                  "picked_up_by": "张妈妈" if pickup else ""}
        afterschool.record_attendance(actor=principal, session=session, records=[record])
    afterschool.cancel_session(actor=principal, session=Session.objects.get(course=group_2_1,
                                                                             date=TUE),
                               reason="年级活动")
    exams.file_exam(actor=teacher_a, school=c.school_a1, date=THU, kind="quiz",
                    subjects=["maths"], title="数学小测", school_class=c.class_a1_4_1)

    clock.set(dt.date(2026, 11, 22), 20, 0)  # the Sunday: the office files the week
    homework.review_week(actor=principal, school_class=c.class_a1_4_1, week_start=MON,
                         approve=True)
    clock.set(MONDAY, 9, 0)
    return c


# ---- the pre-filled figures ----------------------------------------------------------------------

def test_the_form_is_prefilled_from_the_weeks_homework_after_school_and_exams(last_week, clock):
    # Given A1's recorded week; when the form of that week is read on the following Monday
    week, rows = services.self_check_form(last_week.school_a1, LAST_WEEK, clock.today)
    rows = by_code(rows)
    # Then the week is over and the figures run through its Sunday
    assert week.through == dt.date(2026, 11, 22) and week.over
    assert len(week.school_days) == 5
    # HW-2: Monday's 70 minutes are one over-limit class-day of one class, without exception
    assert rows["hw_limit"]["figures"] == {"class_days": 3, "over_days": 1, "over_classes": 1,
                                           "excepted_days": 0}
    assert rows["hw_limit"]["suggested"] is False
    # Three classes × five school days expected; A1-4-1 filed three of them; Monday (refused
    # publication over the limit) and Wednesday are not published
    assert rows["hw_publish"]["figures"] == {"expected_class_days": 15, "not_filed": 12,
                                             "unpublished": 2}
    assert rows["hw_publish"]["suggested"] is False
    # HW-16: one class of three reviewed, and the week is over
    assert rows["hw_review"]["figures"] == {"classes": 3, "reviewed": 1}
    assert rows["hw_review"]["suggested"] is False
    # AS-1: three guidance groups every school day, two roll calls, one cancellation
    assert rows["as_delivery"]["figures"] == {"planned": 15, "delivered": 2, "cancelled": 1}
    assert rows["as_delivery"]["suggested"] is False
    assert rows["as_attendance"]["figures"] == {"due": 14, "unrecorded": 12, "unpicked": 1}
    assert rows["as_attendance"]["suggested"] is False
    # Exams: the quiz was filed (the services refuse illegal ones)
    assert rows["ex_filing"]["figures"] == {"total": 1, "grade_exams": 0, "quizzes": 1}
    assert rows["ex_filing"]["suggested"] is True
    # The five managements have no platform data: confirmed by hand
    for code in ("fm_sleep", "fm_phone", "fm_reading", "fm_fitness"):
        assert rows[code]["suggested"] is None and not rows[code]["auto"]
    assert list(rows) == checklist.CODES


def test_a_recorded_exception_clears_the_limit_suggestion(last_week, clock, principal):
    # Given Monday's over-limit day of A1-4-1; when the school admin records an exception
    clock.set(MON)
    homework.reopen_week(actor=principal, review=last_week.class_a1_4_1.week_reviews.get(),
                         reason="登记例外")
    day = last_week.class_a1_4_1.class_days.get(date=MON)
    homework.record_exception(actor=principal, class_day=day, reason="学校运动会后的补充练习")
    clock.set(MONDAY)
    rows = by_code(services.self_check_form(last_week.school_a1, LAST_WEEK, clock.today)[1])
    # Then the day still counts as over the limit, but excepted, and the suggestion is 符合
    assert rows["hw_limit"]["figures"]["over_days"] == 1
    assert rows["hw_limit"]["figures"]["excepted_days"] == 1
    assert rows["hw_limit"]["suggested"] is True
    # and the reopened week is no longer reviewed
    assert rows["hw_review"]["figures"]["reviewed"] == 0


def test_duties_of_today_are_not_yet_counted_in_a_running_week(last_week, clock):
    # Given Wednesday evening of the recorded week
    clock.set(WED, 18, 30)
    week, rows = services.self_check_form(last_week.school_a1, WED, clock.today)
    rows = by_code(rows)
    # Then publishing and roll calls count through Tuesday only, and the review may still come
    assert week.due_through == TUE and not week.over
    assert rows["hw_publish"]["figures"]["expected_class_days"] == 6  # 3 classes × Mon, Tue
    assert rows["hw_publish"]["figures"]["unpublished"] == 1  # Monday (Wednesday is today)
    assert rows["as_attendance"]["figures"]["due"] == 5  # 6 sessions Mon–Tue, one cancelled
    assert rows["hw_review"]["suggested"] is None


def test_a_school_without_after_school_sessions_is_flagged(matrix_cast, clock):
    # Given school A2 without any programme; when its last week's form is read
    rows = by_code(services.self_check_form(matrix_cast.school_a2, LAST_WEEK, clock.today)[1])
    # Then a week with school days and no sessions is not compliant with AS-1
    assert rows["as_delivery"]["figures"]["planned"] == 0
    assert rows["as_delivery"]["suggested"] is False
    assert rows["as_attendance"]["suggested"] is None  # nothing to call the roll for


def test_the_api_returns_the_prefilled_form(last_week, api_client, principal, inspector):
    # Given A1's recorded week; when the principal and the district's inspector read it
    for user in (principal, inspector):
        response = api_client(user).get(f"{API}/schools/{last_week.school_a1.pk}/self-check",
                                         {"week": "2026-11-18"})
        # Then it is the week of Monday 16 November, not yet submitted, pre-filled
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["week_start"] == "2026-11-16" and body["week_end"] == "2026-11-22"
        assert body["submitted"] is False and body["self_check"] is None
        items = by_code(body["items"])
        assert items["hw_limit"]["figures"]["over_days"] == 1
        assert items["fm_phone"]["suggested"] is None
        assert items["hw_limit"]["compliant"] is None


# ---- submitting ----------------------------------------------------------------------------------

def test_non_compliant_items_become_rectification_tasks(last_week, clock, api_client,
                                                        principal):
    # Given the pre-filled form: the platform's suggestions, 手机管理 marked 不符合 by hand
    body = {"week": "2026-11-16", "items": answers(
        last_week.school_a1, LAST_WEEK, clock.today, marks={"fm_phone": False},
        notes={"fm_phone": "个别班级学生带手机进课堂"})}
    # When the principal submits it
    response = post_json(api_client(principal),
                         f"{API}/schools/{last_week.school_a1.pk}/self-check", body)
    # Then it is stored with the figures of the moment and seven items not compliant
    assert response.status_code == 201, response.content
    check = SelfCheck.objects.get(school=last_week.school_a1, week_start=LAST_WEEK)
    not_ok = {"hw_limit", "hw_publish", "hw_review", "as_delivery", "as_attendance", "fm_phone"}
    assert check.non_compliant == len(not_ok)
    assert check.figures["hw_limit"]["over_days"] == 1
    # and each becomes an open task of A1 from the self-check, due in 10 working days
    tasks = RectificationTask.objects.filter(school=last_week.school_a1)
    assert {t.item_code for t in tasks} == not_ok
    assert {t.source for t in tasks} == {"self_check"} and {t.status for t in tasks} == {"open"}
    assert {t.due for t in tasks} == {dt.date(2026, 12, 7)}  # Mon 23 Nov + 10 working days
    phone = tasks.get(item_code="fm_phone")
    assert phone.description == "手机管理：手机不进课堂，学校提供替代联系方式：个别班级学生带手机进课堂"
    items = {i["code"]: i for i in response.json()["items"]}
    assert items["fm_phone"]["task"] == phone.pk and items["fm_sleep"]["task"] is None
    assert LogEntry.objects.filter(additional_data__code="schoolinspection.selfcheck.submitted"
                                   ).count() == 1
    assert LogEntry.objects.filter(additional_data__code="schoolinspection.task.created"
                                   ).count() == len(not_ok)
    # and the form now shows it as submitted with the school's marks
    form = api_client(principal).get(f"{API}/schools/{last_week.school_a1.pk}/self-check",
                                     {"week": "2026-11-16"}).json()
    assert form["submitted"] is True and form["self_check"] == check.pk
    assert by_code(form["items"])["fm_phone"]["compliant"] is False


def test_a_week_is_submitted_once(matrix_cast, clock, api_client, principal):
    # Given last week's self-check of A1, all compliant
    url = f"{API}/schools/{matrix_cast.school_a1.pk}/self-check"
    body = {"week": "2026-11-16", "items": all_compliant(matrix_cast.school_a1, LAST_WEEK,
                                                         clock.today)}
    assert post_json(api_client(principal), url, body).status_code == 201
    # When it is sent again, for any day of that week
    again = post_json(api_client(principal), url, {**body, "week": "2026-11-20"})
    # Then 409 and still one record
    assert_error(again, 409, "already_submitted", "week")
    assert SelfCheck.objects.filter(school=matrix_cast.school_a1).count() == 1


def test_this_week_may_be_submitted_but_not_a_week_to_come(matrix_cast, clock, api_client,
                                                           principal):
    url = f"{API}/schools/{matrix_cast.school_a1.pk}/self-check"
    school = matrix_cast.school_a1
    # Given Monday 23 November; when next week's self-check is sent
    future = post_json(api_client(principal), url, {
        "week": "2026-11-30", "items": all_compliant(school, MONDAY, clock.today)})
    # Then it is refused (IN-4) and nothing is stored
    assert_error(future, 422, "IN-4", "week")
    assert_error(api_client(principal).get(url, {"week": "2026-11-30"}), 422, "IN-4", "week")
    # while this week's is accepted
    now = post_json(api_client(principal), url, {
        "week": "2026-11-23", "items": all_compliant(school, MONDAY, clock.today)})
    assert now.status_code == 201, now.content
    assert list(SelfCheck.objects.values_list("week_start", flat=True)) == [MONDAY]


def test_a_week_without_school_days_needs_no_self_check(matrix_cast, clock, api_client,
                                                        principal):
    # Given the first week of the winter vacation (from 23 January 2027)
    clock.set(dt.date(2027, 2, 1))
    winter = dt.date(2027, 1, 25)
    # When the principal submits it
    response = post_json(api_client(principal),
                         f"{API}/schools/{matrix_cast.school_a1.pk}/self-check",
                         {"week": winter.isoformat(),
                          "items": all_compliant(matrix_cast.school_a1, winter, clock.today)})
    # Then there is nothing to check (IN-4)
    assert_error(response, 422, "IN-4", "week")
    assert not SelfCheck.objects.exists()


def test_every_item_needs_a_mark_and_explanations_where_needed(last_week, clock, api_client,
                                                              principal):
    url = f"{API}/schools/{last_week.school_a1.pk}/self-check"
    items = answers(last_week.school_a1, LAST_WEEK, clock.today)
    # When one item is left out, one 不符合 has no note, and one 符合 contradicts the figures
    # without a reason
    broken = [i for i in items if i["code"] != "fm_sleep"]
    for item in broken:
        if item["code"] == "fm_reading":
            item.update(compliant=False, note="")
        if item["code"] == "hw_limit":
            item.update(compliant=True, note="")
    response = post_json(api_client(principal), url, {"week": "2026-11-16", "items": broken})
    # Then 422 with one row per problem, and nothing stored
    body = assert_error(response, 422, "required", "items")
    assert {r["field"] for r in body["rows"]} == {"fm_sleep", "fm_reading", "hw_limit"}
    assert not SelfCheck.objects.exists() and not RectificationTask.objects.exists()
    # and an unknown item is refused as such
    unknown = post_json(api_client(principal), url, {"week": "2026-11-16", "items": [
        *items, {"code": "nonsense", "compliant": True}]})
    assert_error(unknown, 422, "invalid", "items")


def test_only_the_schools_admin_submits(last_week, clock, api_client, bureau_admin, inspector,
                                        teacher_a, bureau_admin_b):
    body = {"week": "2026-11-16", "items": all_compliant(last_week.school_a1, LAST_WEEK,
                                                         clock.today)}
    url = f"{API}/schools/{last_week.school_a1.pk}/self-check"
    # When others submit A1's self-check: the bureau and its inspectors read but do not submit,
    # a teacher has no role here, another district does not see the school
    assert_error(post_json(api_client(bureau_admin), url, body), 403, "forbidden")
    assert_error(post_json(api_client(inspector), url, body), 403, "forbidden")
    assert_error(post_json(api_client(teacher_a), url, body), 403, "forbidden")
    assert_error(post_json(api_client(bureau_admin_b), url, body), 404, "not_found")
    # Then nothing is stored
    assert not SelfCheck.objects.exists()


def test_a_deadline_counts_working_days_across_national_day(matrix_cast, clock, api_client,
                                                            principal, bureau_admin):
    # Given Wednesday 30 September 2026, the last school day before National Day (1–7 October
    # holidays, Saturday 10 October a working day)
    clock.set(dt.date(2026, 9, 30))
    school = matrix_cast.school_a1
    body = {"week": "2026-09-30", "items": answers(school, dt.date(2026, 9, 28), clock.today,
                                                   marks={"fm_sleep": False},
                                                   notes={"fm_sleep": "到校时间早于 8:20"})}
    # When a non-compliant item becomes a task
    response = post_json(api_client(principal), f"{API}/schools/{school.pk}/self-check", body)
    assert response.status_code == 201, response.content
    # Then its 10 working days are 8, 9, 10 (Sat), 12–16, 19, 20 October
    assert RectificationTask.objects.get(item_code="fm_sleep").due == dt.date(2026, 10, 20)
    # and with a stricter district value of 3 days the deadline is the make-up Saturday
    policy.set_rule(actor=bureau_admin, bureau=matrix_cast.district_a, key="in.rectify_days",
                    value=3, reason="从严")
    assert services.default_due(school) == dt.date(2026, 10, 10)


# ---- missing self-checks -------------------------------------------------------------------------

def test_missing_self_checks_are_flagged_for_the_bureau_and_inspectors(
        matrix_cast, clock, api_client, principal, bureau_admin, inspector):
    # Given A1 submitted the week of 9 November only, A2 nothing, on Monday 23 November
    school = matrix_cast.school_a1
    services.submit_self_check(actor=principal, school=school, week=dt.date(2026, 11, 9),
                               answers=all_compliant(school, dt.date(2026, 11, 9), clock.today))
    # When the bureau and the inspector ask for the missing ones of the last four weeks
    for user in (bureau_admin, inspector):
        response = api_client(user).get(f"{API}/self-checks/status",
                                        {"weeks": 4, "missing": True})
        assert response.status_code == 200, response.content
        found = {(r["school_name"], r["week_start"]) for r in response.json()["items"]}
        # Then every ended week without a self-check is listed, this week is not yet missing,
        # and district B's school is not theirs to see
        assert found == {("甲区第一小学", "2026-11-02"), ("甲区第一小学", "2026-11-16"),
                         ("甲区第二小学", "2026-11-02"), ("甲区第二小学", "2026-11-09"),
                         ("甲区第二小学", "2026-11-16")}
    states = {(r["school"], r["week_start"]): r["state"] for r in api_client(bureau_admin).get(
        f"{API}/self-checks/status", {"weeks": 4}).json()["items"]}
    assert states[(school.pk, "2026-11-09")] == "submitted"
    assert states[(school.pk, "2026-11-23")] == "due"
    # and the school admin sees only their own school
    own = api_client(principal).get(f"{API}/self-checks/status", {"weeks": 4}).json()["items"]
    assert {r["school"] for r in own} == {school.pk}
