"""The school admin's after-school pages, through the doors: the programme and its timetable,
instructors, menu courses and their review, the lottery, fees and exemptions, hours and pay.

Today is Monday 2026-11-23, 18:30 (``pinned_now``); district A's first term runs 2026-09-01 –
2027-01-22. School A1 is a primary school with classes 2-1, 4-1 (head teacher 赵老师) and 4-2.
"""

import io
import re

import pytest
from auditlog.models import LogEntry
from django.urls import reverse
from openpyxl import load_workbook

from afterschool import services
from afterschool.models import (
    Allocation,
    Course,
    Enrolment,
    FeeExemption,
    Instructor,
    Programme,
    Session,
    Slot,
)
from afterschool.tests.conftest import TODAY, five_plus_two
from policy.services import set_rule

pytestmark = pytest.mark.usefixtures("pinned_now")

HTMX = {"HTTP_HX_REQUEST": "true"}


def programme_form(cast, term, **changes):
    """The create form with the compact timetable: guidance 15:40–16:40, menu 16:40–17:40."""
    data = {"school": cast.school_a1.pk, "term": term.pk, "kind": "term", "name": "2026 秋季课后服务",
            "grades": ["2", "4"], "max_courses": "2", "makeup_weekday": "1", "tt-mode": "same",
            "tt-guidance_start": "15:40", "tt-guidance_end": "16:40",
            "tt-menu_start": "16:40", "tt-menu_end": "17:40"}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def grid(**times):
    """The per-weekday grid, every day guidance 15:40–16:40 and menu 16:40–17:40, with changes
    like ``d3_menu_end="17:20"``."""
    data = {"tt-mode": "per_day"}
    for day in range(1, 6):
        data.update({f"tt-d{day}_guidance_start": "15:40", f"tt-d{day}_guidance_end": "16:40",
                     f"tt-d{day}_menu_start": "16:40", f"tt-d{day}_menu_end": "17:40"})
    data.update({f"tt-{k}": v for k, v in times.items()})
    return data


def problems_of(response):
    """(rule, weekday, grade) of each row of the refused timetable's problem table."""
    page = response.content.decode()
    table = re.search(r'<section class="card" id="problems".*?</section>', page, re.S)
    if not table:
        return []
    rows = re.findall(r'<tr><td><span class="badge red">(.*?)</span></td><td>(.*?)</td>'
                      r'<td>(.*?)</td>', table.group(0))
    return rows


def errors_of(response):
    page = response.content.decode()
    return re.findall(r'<ul class="errors"[^>]*>(.*?)</ul>', page, re.S)


def messages_of(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


def saved_state():
    """What a refused request must leave untouched."""
    return (Programme.objects.count(), Slot.objects.count(), Course.objects.count(),
            Instructor.objects.count(), Allocation.objects.count(), LogEntry.objects.count())


def xlsx_text(response):
    book = load_workbook(io.BytesIO(response.content))
    return book, "\n".join(str(cell) for sheet in book.worksheets
                           for row in sheet.iter_rows(values_only=True) for cell in row
                           if cell is not None)


def apply(cast, guardian, pupil, programme, choices=()):
    return services.apply(actor=guardian, programme=programme, pupil=pupil,
                          choices=[c.pk for c in choices])


# ---- programmes and timetables -------------------------------------------------------------


def test_office_creates_a_programme_with_the_compact_timetable(cast, term, principal, web_client):
    client = web_client(principal)
    # Given A1's academic office and the compact form "same times Monday to Friday", with
    # delayed care after the service
    data = programme_form(cast, term, **{"tt-care_start": "17:40", "tt-care_end": "18:30"})
    # When it creates the programme
    response = client.post(reverse("afterschool:programme-create"), data)
    # Then the programme exists with a slot per weekday and segment for grades 2 and 4
    programme = Programme.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("afterschool:programme", args=[programme.pk])
    assert (programme.grades, programme.start, programme.end) == ([2, 4], term.start, term.end)
    slots = list(programme.slots.all())
    assert len(slots) == 15
    assert {(s.weekday, s.segment) for s in slots} == {
        (d, seg) for d in range(1, 6) for seg in ("guidance", "menu", "delayed_care")}
    assert all(s.grades == [2, 4] for s in slots)
    # and a homework-guidance group per class, and delayed care per grade
    assert Course.objects.filter(kind="guidance").count() == 3
    assert Course.objects.filter(kind="delayed_care").count() == 2
    page = client.get(response["Location"]).content.decode()
    assert "2026 秋季课后服务" in page and "编制中" in page and "开放报名" in page
    assert '<tr id="service-minutes"><td>课后服务时长（分钟）</td>' + "<td>120</td>" * 5 in page


def test_a_short_timetable_is_refused_with_as_1_on_every_row_and_saves_nothing(
        cast, term, principal, web_client):
    before = saved_state()
    # Given a compact timetable of 110 minutes a day (menu ends 17:30)
    data = programme_form(cast, term, **{"tt-menu_end": "17:30"})
    # When the office submits it
    response = web_client(principal).post(reverse("afterschool:programme-create"), data)
    # Then the form comes back naming AS-1, with a row per weekday and grade
    assert response.status_code == 200
    assert any("（AS-1）" in e for e in errors_of(response)), errors_of(response)
    rows = problems_of(response)
    assert len(rows) == 10
    assert {r[0] for r in rows} == {"AS-1"}
    assert {(r[1], r[2]) for r in rows} == {(d, g) for d in ("周一", "周二", "周三", "周四", "周五")
                                            for g in ("二年级", "四年级")}
    # and nothing is saved
    assert saved_state() == before


def test_the_per_weekday_grid_reports_only_the_short_day(cast, term, principal, web_client):
    before = saved_state()
    # Given the per-weekday grid, with Wednesday's menu courses ending at 17:20
    data = programme_form(cast, term, **grid(d3_menu_end="17:20"))
    # When the office submits it
    response = web_client(principal).post(reverse("afterschool:programme-create"), data)
    # Then AS-1 and AS-2 refuse Wednesday only, for both grades
    rows = problems_of(response)
    assert sorted(rows) == sorted([("AS-1", "周三", "二年级"), ("AS-2", "周三", "二年级"),
                                   ("AS-1", "周三", "四年级"), ("AS-2", "周三", "四年级")])
    assert saved_state() == before
    # and the same grid with Wednesday fixed creates the programme
    response = web_client(principal).post(reverse("afterschool:programme-create"),
                                          programme_form(cast, term, **grid()))
    assert response.status_code == 302
    assert Slot.objects.filter(weekday=3).count() == 2


@pytest.mark.parametrize(("changes", "rule"), [
    ({"tt-guidance_start": "15:00", "tt-guidance_end": "16:00", "tt-menu_start": "16:00",
      "tt-menu_end": "17:00"}, "AS-2"),
    ({"tt-evening_start": "19:00", "tt-evening_end": "20:00"}, "AS-7"),
    ({"tt-menu_end": "17:50", "tt-care_start": "17:40", "tt-care_end": "18:30"}, "invalid"),
])
def test_timetable_refusals_name_their_rule(cast, term, principal, web_client, changes, rule):
    before = saved_state()
    response = web_client(principal).post(reverse("afterschool:programme-create"),
                                          programme_form(cast, term, **changes))
    assert response.status_code == 200
    assert rule in {r[0] for r in problems_of(response)}, problems_of(response)
    assert saved_state() == before


def test_half_filled_times_are_refused_by_the_form(cast, term, principal, web_client):
    response = web_client(principal).post(
        reverse("afterschool:programme-create"),
        programme_form(cast, term, **{"tt-care_start": "17:40"}))
    assert response.status_code == 200
    assert any("请同时填写开始和结束时间" in e for e in errors_of(response))
    assert not Programme.objects.exists()


def test_a_second_programme_for_the_same_term_is_refused(cast, term, principal, web_client,
                                                         programme):
    response = web_client(principal).post(reverse("afterschool:programme-create"),
                                          programme_form(cast, term))
    assert response.status_code == 200
    assert any("已有同类课后服务方案" in e for e in errors_of(response))
    assert Programme.objects.count() == 1


def test_programmes_list_shows_the_schools_programmes(cast, programme, principal, bureau_admin,
                                                      web_client, django_assert_max_num_queries):
    client = web_client(principal)
    # Given A1's programme; when the office lists programmes
    with django_assert_max_num_queries(12):
        page = client.get(reverse("afterschool:programmes")).content.decode()
    # Then it is there with a button to create another
    assert "2026 秋季课后服务" in page and 'id="create-link"' in page
    # and the bureau reads the list without the button
    page = web_client(bureau_admin).get(reverse("afterschool:programmes")).content.decode()
    assert "2026 秋季课后服务" in page and 'id="create-link"' not in page


def test_office_opens_applications_and_sessions_are_laid_out(programme, courses, principal,
                                                             web_client):
    client = web_client(principal)
    page = client.get(reverse("afterschool:programme", args=[programme.pk])).content.decode()
    assert "足球" in page and "机器人" in page and 'id="open-button"' in page
    # When the office opens applications
    response = client.post(reverse("afterschool:programme-open", args=[programme.pk]))
    # Then the programme is open and its sessions are on the calendar
    assert response.status_code == 302
    programme.refresh_from_db()
    assert programme.status == Programme.Status.OPEN
    assert Session.objects.filter(course__programme=programme, date=TODAY).exists()
    page = client.get(response["Location"]).content.decode()
    assert "报名中" in page and 'id="open-button"' not in page
    # and opening twice is refused politely
    response = client.post(reverse("afterschool:programme-open", args=[programme.pk]), follow=True)
    assert any("已开放报名" in m for m in messages_of(response))


def test_bureau_reads_a_programme_but_cannot_open_it(programme, bureau_admin, web_client):
    client = web_client(bureau_admin)
    page = client.get(reverse("afterschool:programme", args=[programme.pk])).content.decode()
    assert "2026 秋季课后服务" in page and 'id="open-button"' not in page
    assert client.post(reverse("afterschool:programme-open", args=[programme.pk])
                       ).status_code == 403
    programme.refresh_from_db()
    assert programme.status == Programme.Status.DRAFT


def test_office_edits_the_timetable(programme, principal, web_client):
    client = web_client(principal)
    url = reverse("afterschool:timetable", args=[programme.pk])
    # Given the programme's timetable, shown in the compact mode
    page = client.get(url).content.decode()
    assert '<option value="same" selected>' in page
    assert 'name="tt-menu_end" value="17:40"' in page
    # When the menu courses run until 18:00
    response = client.post(url, {"tt-mode": "same", "tt-guidance_start": "15:40",
                                 "tt-guidance_end": "16:40", "tt-menu_start": "16:40",
                                 "tt-menu_end": "18:00"})
    # Then the slots say so
    assert response.status_code == 302
    assert {s.end.strftime("%H:%M") for s in programme.slots.filter(segment="menu")} == {"18:00"}
    # and a short day is refused with the rule, keeping the timetable
    response = client.post(url, grid(d5_menu_end="17:00"))
    assert ("AS-1", "周五", "二年级") in problems_of(response)
    assert {s.end.strftime("%H:%M") for s in programme.slots.filter(segment="menu")} == {"18:00"}


# ---- instructors (AS-9) --------------------------------------------------------------------


def test_office_adds_a_volunteer_and_approves_them(cast, principal, web_client,
                                                   django_assert_max_num_queries):
    client = web_client(principal)
    url = reverse("afterschool:instructors")
    # Given a vetted volunteer; when the office registers them
    response = client.post(url, {"kind": "volunteer", "name": "周阿姨", "phone": "13912345678",
                                 "qualification": "社区志愿者", "background_checked": "on"})
    # Then they wait for review, and the list shows their phone masked
    assert response.status_code == 302
    volunteer = Instructor.objects.get(name="周阿姨")
    assert volunteer.status == Instructor.Status.PENDING
    with django_assert_max_num_queries(15):
        page = client.get(response["Location"]).content.decode()
    assert "139****5678" in page and "13912345678" not in page and "待审核" in page
    # When the office approves them (the row is swapped in place)
    response = client.post(reverse("afterschool:instructor-review", args=[volunteer.pk]),
                           {"decision": "approve"}, **HTMX)
    # Then the row says approved and so does the database
    assert response.status_code == 200
    body = response.content.decode()
    assert body.strip().startswith(f'<tr id="instructor-{volunteer.pk}"') and "已批准" in body
    volunteer.refresh_from_db()
    assert volunteer.status == Instructor.Status.APPROVED


def test_an_unvetted_outsider_is_refused_with_as_9(cast, principal, web_client):
    before = saved_state()
    response = web_client(principal).post(reverse("afterschool:instructors"), {
        "kind": "professional", "name": "钱教练", "qualification": "教练员证",
        "certificate_no": "C123"})
    assert response.status_code == 200
    assert any("（AS-9）" in e for e in errors_of(response)), errors_of(response)
    assert saved_state() == before


def test_an_institution_comes_from_the_district_registry_and_must_be_licensed(cast, principal,
                                                                              web_client):
    client = web_client(principal)
    url = reverse("afterschool:instructors")
    # The form offers the district's non-subject institutions
    page = client.get(url).content.decode()
    assert cast.institution_1.name in page and cast.institution_2.name in page
    # One with a business licence but no school permit is refused with AS-9
    before = saved_state()
    response = client.post(url, {"kind": "institution", "institution": cast.institution_2.pk,
                                 "name": "远航艺术", "background_checked": "on"})
    assert any("（AS-9）" in e for e in errors_of(response)), errors_of(response)
    assert saved_state() == before
    # A fully licensed one is registered, pending review
    response = client.post(url, {"kind": "institution", "institution": cast.institution_1.pk,
                                 "name": "启航培训学校", "background_checked": "on"})
    assert response.status_code == 302
    assert Instructor.objects.get(institution=cast.institution_1).status == "pending"


def test_an_own_teacher_is_approved_at_once_and_a_rejection_is_recorded(cast, principal,
                                                                         web_client):
    client = web_client(principal)
    client.post(reverse("afterschool:instructors"), {"kind": "own_teacher",
                                                     "teacher": cast.teacher_a_profile.pk})
    own = Instructor.objects.get(teacher=cast.teacher_a_profile)
    assert own.status == Instructor.Status.APPROVED
    # A review without a decision changes nothing
    response = client.post(reverse("afterschool:instructor-review", args=[own.pk]), {},
                           follow=True)
    assert any("请选择" in m for m in messages_of(response))
    own.refresh_from_db()
    assert own.status == Instructor.Status.APPROVED
    # A plain (non-HTMX) rejection redirects back with a message
    response = client.post(reverse("afterschool:instructor-review", args=[own.pk]),
                           {"decision": "reject", "note": "本学期不安排"})
    assert response.status_code == 302
    own.refresh_from_db()
    assert (own.status, own.review_note) == (Instructor.Status.REJECTED, "本学期不安排")


# ---- courses (AS-6, AS-10) -----------------------------------------------------------------


def course_form(cast, own_instructor, **changes):
    data = {"name": "书法", "category": "art", "instructor": own_instructor.pk, "capacity": "20",
            "grades": ["2", "4"], "weekdays": ["2", "4"], "start": "16:40", "end": "17:40",
            "place": "书法教室", "fee_yuan": "19.99", "content_summary": "硬笔与毛笔书法"}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_office_adds_a_course_with_a_fee_in_yuan(cast, programme, own_instructor, principal,
                                                 web_client):
    client = web_client(principal)
    # When the office adds a course costing 19.99 元 a term
    response = client.post(reverse("afterschool:course-create", args=[programme.pk]),
                           course_form(cast, own_instructor))
    # Then it is stored as 1999 fen exactly (19.99 * 100 is 1998.999… as a float) and pending
    course = Course.objects.get(name="书法")
    assert response.status_code == 302
    assert response["Location"] == reverse("afterschool:course", args=[course.pk])
    assert (course.fee_per_term_fen, course.capacity, course.weekdays) == (1999, 20, [2, 4])
    assert course.review_status == Course.Review.PENDING
    page = client.get(response["Location"]).content.decode()
    assert "19.99 元/学期" in page and "待审核" in page
    # and the edit form shows the fee in 元 again
    page = client.get(reverse("afterschool:course-edit", args=[course.pk])).content.decode()
    assert 'value="19.99"' in page


def test_a_course_outside_the_menu_segment_is_refused(cast, programme, own_instructor,
                                                      principal, web_client):
    before = saved_state()
    response = web_client(principal).post(
        reverse("afterschool:course-create", args=[programme.pk]),
        course_form(cast, own_instructor, start="15:40"))
    assert response.status_code == 200
    assert any("第二时段" in e for e in errors_of(response)), errors_of(response)
    assert saved_state() == before


def test_a_course_declaring_new_lessons_cannot_be_approved_as_6(cast, programme, own_instructor,
                                                                principal, web_client):
    client = web_client(principal)
    client.post(reverse("afterschool:course-create", args=[programme.pk]),
                course_form(cast, own_instructor, name="数学提高", teaches_new_content="on"))
    course = Course.objects.get(name="数学提高")
    assert course.teaches_new_content
    # When the office tries to approve it from the course page
    response = client.post(reverse("afterschool:course-review", args=[course.pk]),
                           {"decision": "approve", "back": "course"}, follow=True)
    # Then AS-6 refuses it and it stays pending
    assert any("（AS-6）" in m for m in messages_of(response)), messages_of(response)
    course.refresh_from_db()
    assert course.review_status == Course.Review.PENDING
    # and the programme page's row (HTMX) shows the same refusal in place
    response = client.post(reverse("afterschool:course-review", args=[course.pk]),
                           {"decision": "approve"}, **HTMX)
    body = response.content.decode()
    assert body.strip().startswith(f'<tr id="course-{course.pk}"') and "（AS-6）" in body
    # while rejecting it works
    client.post(reverse("afterschool:course-review", args=[course.pk]),
                {"decision": "reject", "note": "讲新课"})
    course.refresh_from_db()
    assert course.review_status == Course.Review.REJECTED


def test_approving_a_course_of_an_unapproved_outsider_is_refused_as_9(cast, programme, principal,
                                                                      web_client):
    outsider = services.add_instructor(actor=principal, school=cast.school_a1, kind="volunteer",
                                       name="周阿姨", background_checked=True)
    course = services.add_course(actor=principal, programme=programme, name="剪纸", capacity=10,
                                 grades=[2], weekdays=[1], start="16:40", end="17:40",
                                 instructor=outsider, duty_teacher=cast.teacher_a_profile)
    response = web_client(principal).post(reverse("afterschool:course-review", args=[course.pk]),
                                          {"decision": "approve"}, follow=True)
    assert any("（AS-9）" in m for m in messages_of(response))
    course.refresh_from_db()
    assert course.review_status == Course.Review.PENDING


def test_raising_a_fee_after_opening_is_refused_as_10(cast, open_programme, courses, principal,
                                                      web_client):
    football = courses["足球"]
    url = reverse("afterschool:course-edit", args=[football.pk])
    response = web_client(principal).post(url, {"name": "足球", "category": "sport",
                                                 "capacity": "2", "fee_yuan": "50.00"})
    assert response.status_code == 200
    fee_errors = re.search(r'name="fee_yuan".*?</label>\s*(?:<span[^>]*>.*?</span>)?\s*'
                           r'<ul class="errors">(.*?)</ul>', response.content.decode(), re.S)
    assert fee_errors and "（AS-10）" in fee_errors.group(1), errors_of(response)
    football.refresh_from_db()
    assert football.fee_per_term_fen == 0
    # while more seats are fine
    response = web_client(principal).post(url, {"name": "足球", "category": "sport",
                                                 "capacity": "4", "fee_yuan": "0"})
    assert response.status_code == 302
    football.refresh_from_db()
    assert football.capacity == 4


# ---- the lottery ---------------------------------------------------------------------------


@pytest.fixture
def applied(cast, open_programme, courses, guardian_p, guardian_q):
    """P and Q both want painting (one seat) first; P wants football second."""
    apply(cast, guardian_p, cast.pupil_p, open_programme, [courses["绘画"], courses["足球"]])
    apply(cast, guardian_q, cast.pupil_q, open_programme, [courses["绘画"]])
    return open_programme


def test_office_runs_the_lottery_reruns_with_a_reason_verifies_and_publishes(
        cast, applied, courses, principal, web_client):
    client = web_client(principal)
    url = reverse("afterschool:lottery", args=[applied.pk])
    # Given two applications; the page shows demand against capacity
    page = client.get(url).content.decode()
    assert re.search(r'id="applications">2<', page) and re.search(r'id="choosers">2<', page)
    painting = courses["绘画"]
    assert re.search(rf'id="demand-{painting.pk}">.*?<td>1</td><td>2</td><td>2</td>', page, re.S)
    # When the office draws with a seed
    response = client.post(url, {"seed": "first-seed"})
    # Then the run is recorded with its seed and the quality against first-come-first-served
    assert response.status_code == 302
    first = Allocation.objects.get()
    assert (first.number, first.seed) == (1, "first-seed")
    page = client.get(url).content.decode()
    assert "第一志愿满足率" in page and "先到先得" in page and "first-seed" in page
    assert first.inputs_digest[:16] in page
    # A second draw without a reason is refused and nothing is run
    response = client.post(url, {"seed": "second-seed"})
    assert response.status_code == 200
    assert any("原因" in e for e in errors_of(response)), errors_of(response)
    assert Allocation.objects.count() == 1
    # With a reason it runs
    client.post(url, {"seed": "second-seed", "reason": "家长反映报名系统故障，补录后重抽"})
    second = Allocation.objects.get(number=2)
    assert second.reason == "家长反映报名系统故障，补录后重抽"
    # Verify reproduces the second run (HTMX swaps the button for the result)
    response = client.post(reverse("afterschool:allocation-verify", args=[second.pk]), **HTMX)
    assert "复核一致" in response.content.decode()
    # Publishing the older run is refused; the latest one is published
    response = client.post(reverse("afterschool:allocation-publish", args=[first.pk]),
                           follow=True)
    assert any("最近一次" in m for m in messages_of(response))
    response = client.post(reverse("afterschool:allocation-publish", args=[second.pk]),
                           follow=True)
    second.refresh_from_db()
    assert second.published_at is not None
    assert Enrolment.objects.filter(course=painting, status="enrolled").count() == 1
    assert Enrolment.objects.filter(course=painting, status="waitlisted").count() == 1
    assert "已公布" in response.content.decode()


def test_the_roster_lists_enrolled_and_waitlisted_pupils_without_id_numbers(
        cast, applied, courses, principal, inspector, web_client):
    services.publish_allocation(actor=principal, allocation=services.run_allocation(
        actor=principal, programme=applied, seed="roster"))
    painting = courses["绘画"]
    page = web_client(principal).get(reverse("afterschool:course", args=[painting.pk])
                                     ).content.decode()
    winner = Enrolment.objects.get(course=painting, status="enrolled").pupil
    waiting = Enrolment.objects.get(course=painting, status="waitlisted").pupil
    enrolled = re.search(r'id="enrolled">.*?</section>', page, re.S).group(0)
    waitlist = re.search(r'id="waitlist">.*?</section>', page, re.S).group(0)
    assert winner.name in enrolled and "四年级（1）班" in enrolled and waiting.name not in enrolled
    assert f"<td>1</td><td>四年级（1）班</td><td>{waiting.name}</td>" in waitlist
    for pupil in (cast.pupil_p, cast.pupil_q):
        assert pupil.id_number not in page and pupil.id_number[-4:] not in page
    # The inspector sees the course and its figures, not the pupils' names
    page = web_client(inspector).get(reverse("afterschool:course", args=[painting.pk])
                                     ).content.decode()
    assert 'id="names-hidden"' in page and "1 人，已录取 1，余 0" in page
    assert winner.name not in page and waiting.name not in page


def test_the_lottery_cannot_run_before_applications_open(programme, principal, web_client):
    response = web_client(principal).post(reverse("afterschool:lottery", args=[programme.pk]), {})
    assert response.status_code == 200
    assert any("尚未开放报名" in e for e in errors_of(response))
    assert not Allocation.objects.exists()


# ---- fees (AS-10) ---------------------------------------------------------------------------


@pytest.fixture
def paid_programme(cast, term, principal, bureau_admin, guardian_p, guardian_q):
    """A programme with a 300 元 base fee (the district's), open, P and Q in the base service."""
    set_rule(actor=bureau_admin, bureau=cast.district_a, key="as.fee_per_term_fen", value=30000)
    programme = services.create_programme(actor=principal, school=cast.school_a1, term=term,
                                          name="收费方案", slots=five_plus_two(), grades=[2, 4])
    services.open_programme(actor=principal, programme=programme)
    apply(cast, guardian_p, cast.pupil_p, programme)
    apply(cast, guardian_q, cast.pupil_q, programme)
    return programme


def test_fee_statement_exemption_and_export(cast, paid_programme, principal, web_client,
                                            django_assert_max_num_queries):
    client = web_client(principal)
    url = reverse("afterschool:fees", args=[paid_programme.pk])
    # Given two pupils in the base service at 300 元
    with django_assert_max_num_queries(15):
        page = client.get(url).content.decode()
    assert re.search(r'id="gross-total">600.00 元', page) and re.search(r'id="due-total">600.00 元',
                                                                        page)
    # When the office exempts Q (subsistence allowance family)
    response = client.post(url, {"pupil": cast.pupil_q.pk, "reason": "subsistence",
                                 "note": "持低保证"})
    # Then Q owes nothing and the totals follow
    assert response.status_code == 302
    assert FeeExemption.objects.get().pupil_id == cast.pupil_q.pk
    page = client.get(url).content.decode()
    row = re.search(rf'<tr id="pupil-{cast.pupil_q.pk}">.*?</tr>', page, re.S).group(0)
    assert "低保家庭" in row and row.endswith("<td>0.00</td></tr>")
    assert re.search(r'id="due-total">300.00 元', page)
    # and the export is a workbook with the same figures and no ID or student numbers
    response = client.get(reverse("afterschool:fees-export", args=[paid_programme.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book, text = xlsx_text(response)
    rows = list(book.active.iter_rows(values_only=True))
    q_row = next(r for r in rows if r[2] == cast.pupil_q.name)
    assert (q_row[1], float(q_row[4]), q_row[5], float(q_row[6])) == (
        "四年级（1）班", 300.0, "低保家庭", 0.0)
    assert rows[-1][0] == "合计" and float(rows[-1][6]) == 300.0
    for pupil in (cast.pupil_p, cast.pupil_q):
        assert pupil.name in text
        assert pupil.id_number not in text and pupil.student_no not in text


def test_bureau_reads_fees_but_cannot_exempt(cast, paid_programme, bureau_admin, web_client):
    client = web_client(bureau_admin)
    url = reverse("afterschool:fees", args=[paid_programme.pk])
    page = client.get(url).content.decode()
    assert cast.pupil_p.name in page and 'id="exemption-form"' not in page
    assert client.post(url, {"pupil": cast.pupil_q.pk, "reason": "subsistence"}).status_code == 403
    assert not FeeExemption.objects.exists()


# ---- hours and pay (AS-11) -----------------------------------------------------------------


@pytest.fixture
def delivered(cast, open_programme, principal, guardian_p):
    """Today's homework guidance of class 4-1 (head teacher 赵老师), delivered: 60 minutes."""
    apply(cast, guardian_p, cast.pupil_p, open_programme)
    session = Session.objects.get(course__school_class=cast.class_a1_4_1, date=TODAY)
    return services.record_attendance(actor=principal, session=session, records=[
        {"pupil": cast.pupil_p.pk, "mark": "present", "pickup": "guardian",
         "picked_up_by": "张妈妈"}])


def test_hours_page_without_a_rate_points_to_the_policy(cast, delivered, principal, web_client):
    url = f"{reverse('afterschool:hours')}?school={cast.school_a1.pk}&month=2026-11"
    page = web_client(principal).get(url).content.decode()
    row = re.search(rf'<tr id="teacher-{cast.head_teacher_a_profile.pk}">.*?</tr>', page,
                    re.S).group(0)
    assert "赵老师" in row and "<td>60</td><td>1.00</td>" in row and "未设置" in row
    assert 'id="rate-unset"' in page and 'href="/policy/"' in page
    # Another month has nothing
    page = web_client(principal).get(url.replace("2026-11", "2026-10")).content.decode()
    assert "本月没有已上课的课次" in page


def test_hours_with_a_rate_and_the_performance_pay_export(cast, delivered, principal,
                                                          bureau_admin, web_client):
    set_rule(actor=bureau_admin, bureau=cast.district_a, key="as.pay_rate_fen_per_hour",
             value=4550)
    client = web_client(principal)
    query = f"?school={cast.school_a1.pk}&month=2026-11"
    page = client.get(reverse("afterschool:hours") + query).content.decode()
    assert 'id="rate-unset"' not in page
    assert "<td>45.50</td><td>45.50</td>" in page and 'id="total-pay">45.50<' in page
    # The export is titled as the performance-pay increment
    response = client.get(reverse("afterschool:hours-export") + query)
    assert response.status_code == 200
    book, text = xlsx_text(response)
    assert book.active.title == "绩效工资增量·课后服务"
    assert "绩效工资增量·课后服务" in str(book.active["A1"].value)
    row = next(r for r in book.active.iter_rows(values_only=True) if r[1] == "赵老师")
    assert (row[2], row[3], float(row[4]), float(row[5])) == (1, 60, 1.0, 45.5)


def test_a_bad_month_is_an_error_message_not_a_crash(cast, principal, web_client):
    response = web_client(principal).get(
        f"{reverse('afterschool:hours')}?school={cast.school_a1.pk}&month=2026-13")
    assert response.status_code == 200
    assert any("YYYY-MM" in e for e in errors_of(response))
    response = web_client(principal).get(
        f"{reverse('afterschool:hours-export')}?school={cast.school_a1.pk}&month=nonsense")
    assert response.status_code == 302
