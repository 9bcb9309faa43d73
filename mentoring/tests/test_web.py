"""The mentoring pages through the web client against the real database (MT-1..MT-3): the
principal's plan, automatic assignment and reassignment with MT-3 refusals shown in the row,
completion by class and mentor with chart data and an Excel export; a mentor's tasks and
restricted notes, every read logged; the attention flag reaching the psychologist; the guardian
seeing the mentor's name and the shared written feedback only; the bureau's completion per
school. Today is pinned to Monday 2026-11-23 (district A's term runs 2026-09-01 – 2027-01-22).
"""

import datetime as dt
import io
import json
import re

import pytest
from auditlog.models import LogEntry
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from conftest import PASSWORD, fresh
from mentoring import services
from mentoring.models import Mentorship, Plan, Task
from mentoring.tests.matrix_web import principal_a2, psychologist  # noqa: F401  (actors)
from org import services as org_services
from org.models import User
from policy.services import set_rule
from schoolcal import services as calendar

HTMX = {"HTTP_HX_REQUEST": "true"}
TODAY = dt.date(2026, 11, 23)
READ = "mentoring.records.read"


@pytest.fixture(autouse=True)
def today(monkeypatch):
    real = timezone.localdate
    monkeypatch.setattr(timezone, "localdate",
                        lambda value=None, timezone=None: TODAY if value is None
                        else real(value, timezone))
    return TODAY


@pytest.fixture
def term(cast):
    return calendar.save_term(actor=fresh(cast.bureau_admin), bureau=cast.district_a,
                              school_year="2026-2027", name="第一学期",
                              start=dt.date(2026, 9, 1), end=dt.date(2027, 1, 22))


@pytest.fixture
def plan(cast, term, principal):
    """School A1's plan for grades 2 and 4 (P, Q in 4-1; R in 2-1), 15 pupils per mentor."""
    return services.create_plan(actor=principal, school=cast.school_a1, term=term, grades=[2, 4])


@pytest.fixture
def assigned(cast, plan, principal):
    """Automatic assignment (P, Q → their head teacher; R → teacher_a, the least loaded), then
    Q moved to teacher_a: ``{pupil id: current mentorship}``."""
    services.assign_automatically(actor=principal, plan=plan)
    services.assign(actor=principal, plan=plan, pupil=cast.pupil_q, mentor=cast.teacher_a_profile)
    return {m.pupil_id: m for m in Mentorship.objects.current().filter(plan=plan)}


def html_of(response):
    assert response.status_code == 200, (response.status_code, response.content[:300])
    return response.content.decode()


def json_script(html, element_id):
    found = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>',
                      html, re.S)
    assert found, f"no json_script {element_id}"
    return json.loads(found.group(1))


def reads():
    return LogEntry.objects.filter(additional_data__code=READ)


def record(actor, mentorship, kind, text, on="2026-11-20", shared=False):
    return services.record_task(actor=actor, mentorship=mentorship, kind=kind,
                                on=dt.date.fromisoformat(on), record=text,
                                shared_with_family=shared)


# ---- the school admin: plan, assignment, coverage ----------------------------------------------

def test_principal_makes_the_terms_plan_through_the_form(cast, term, principal, web_client):
    client = web_client(principal)
    url = reverse("mentoring:plan-create")
    # Given the form; when the principal picks a grade the school does not have
    html = html_of(client.post(url, {"school": cast.school_a1.pk, "term": term.pk,
                                     "grades": ["8"]}))
    # Then the form says so and nothing is saved
    assert "errors" in html and not Plan.objects.exists()
    # When no grade is picked, the service's MT-1 message shows
    html = html_of(client.post(url, {"school": cast.school_a1.pk, "term": term.pk}))
    assert "请选择覆盖的年级（MT-1）" in html
    # When grades 2 and 4 are picked, the plan is made with the district's maximum
    response = client.post(url, {"school": cast.school_a1.pk, "term": term.pk,
                                 "grades": ["2", "4"]})
    plan = Plan.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("mentoring:plan",
                                                                           args=[plan.pk])
    assert plan.grades == [2, 4] and plan.max_pupils == 15
    # and a second plan for the same term is refused on the form
    html = html_of(client.post(url, {"school": cast.school_a1.pk, "term": term.pk,
                                     "grades": ["4"]}))
    assert "本学期已有导师制方案" in html and Plan.objects.count() == 1


def test_automatic_assignment_from_the_plan_page_gives_every_pupil_a_mentor(
        cast, plan, principal, web_client, django_assert_max_num_queries):
    client = web_client(principal)
    # Given a new plan: the page shows three covered pupils without a mentor
    html = html_of(client.get(reverse("mentoring:plan", args=[plan.pk])))
    unassigned = '<span class="badge red">未分配</span>'
    assert '<h2 id="without">3</h2>' in html and html.count(unassigned) == 3
    # When the principal presses 自动分配
    response = client.post(reverse("mentoring:auto-assign", args=[plan.pk]), follow=True)
    # Then everyone has a mentor: 4-1's head teacher takes P and Q, teacher_a takes R
    html = html_of(response)
    assert "已自动分配 3 名学生" in html
    mentors = {m.pupil_id: m.mentor_id for m in Mentorship.objects.current().filter(plan=plan)}
    assert mentors == {cast.pupil_p.pk: cast.head_teacher_a_profile.pk,
                       cast.pupil_q.pk: cast.head_teacher_a_profile.pk,
                       cast.pupil_r.pk: cast.teacher_a_profile.pk}
    assert 'id="without">0</h2>' in html and unassigned not in html
    assert "赵老师 2" in html and "李老师 1" in html  # the loads
    # and the page's queries do not grow with its rows
    with django_assert_max_num_queries(18):
        html_of(client.get(reverse("mentoring:plan", args=[plan.pk])))


def test_automatic_assignment_reports_the_pupils_left_over_at_the_maximum(
        cast, term, principal, bureau_admin, web_client):
    # Given district A allows one pupil per mentor and the school has two teachers
    set_rule(actor=bureau_admin, bureau=cast.district_a, key="mt.max_pupils_per_mentor",
             value=1, reason="测试从严")
    plan = services.create_plan(actor=principal, school=cast.school_a1, term=term, grades=[2, 4])
    # When the principal assigns automatically
    html = html_of(web_client(principal).post(reverse("mentoring:auto-assign", args=[plan.pk]),
                                              follow=True))
    # Then two pupils get a mentor and the page says one is left, naming MT-3
    assert "已自动分配 2 名学生" in html and "仍有 1 名学生没有导师" in html and "MT-3" in html
    assert Mentorship.objects.current().filter(plan=plan).count() == 2


def test_reassigning_to_a_full_mentor_shows_the_mt3_refusal_in_the_row(
        cast, term, principal, bureau_admin, web_client):
    # Given one pupil per mentor: P → head teacher, Q → teacher_a, R without a mentor
    set_rule(actor=bureau_admin, bureau=cast.district_a, key="mt.max_pupils_per_mentor",
             value=1, reason="测试从严")
    plan = services.create_plan(actor=principal, school=cast.school_a1, term=term, grades=[2, 4])
    services.assign_automatically(actor=principal, plan=plan)
    url = reverse("mentoring:assign", args=[plan.pk])
    # When the principal gives R to teacher_a over HTMX
    html = html_of(web_client(principal).post(
        url, {"pupil": cast.pupil_r.pk, "mentor": cast.teacher_a_profile.pk}, **HTMX))
    # Then the row comes back alone with the refusal and its rule id; nothing changed
    assert html.lstrip().startswith(f'<tr id="pupil-{cast.pupil_r.pk}"')
    assert "已指导 1 名学生，达到上限。（MT-3）" in html and "未分配" in html
    assert not Mentorship.objects.filter(plan=plan, pupil=cast.pupil_r).exists()
    # and the select marks both teachers full
    assert html.count("已满") == 2


def test_reassigning_moves_the_pupil_and_ends_the_old_mentorship(
        cast, plan, assigned, principal, web_client):
    # Given P mentored by the head teacher; when the principal moves P to teacher_a (HTMX)
    old = assigned[cast.pupil_p.pk]
    html = html_of(web_client(principal).post(
        reverse("mentoring:assign", args=[plan.pk]),
        {"pupil": cast.pupil_p.pk, "mentor": cast.teacher_a_profile.pk}, **HTMX))
    # Then the row shows the new mentor and the old mentorship has ended
    assert f"{cast.pupil_p.name}的导师为李老师。" in html
    assert re.search(r'<td class="mentor">\s*李老师\s*</td>', html)
    old.refresh_from_db()
    assert old.ended_at is not None
    assert Mentorship.objects.current().get(plan=plan, pupil=cast.pupil_p).mentor_id == \
        cast.teacher_a_profile.pk
    # Without HTMX the same request redirects back to the plan with a message
    response = web_client(principal).post(
        reverse("mentoring:assign", args=[plan.pk]),
        {"pupil": cast.pupil_p.pk, "mentor": cast.head_teacher_a_profile.pk}, follow=True)
    assert "的导师为赵老师" in html_of(response)


def test_a_mentor_of_another_school_is_missing(cast, plan, principal, web_client):
    # Given teacher_b of school A2; when the principal of A1 names them as a mentor
    response = web_client(principal).post(reverse("mentoring:assign", args=[plan.pk]), {
        "pupil": cast.pupil_r.pk, "mentor": cast.teacher_b_profile.pk})
    # Then the teacher is not found, and nobody is assigned
    assert response.status_code == 404
    assert not Mentorship.objects.filter(plan=plan).exists()


def test_the_principal_sees_counts_never_the_restricted_records(
        cast, plan, assigned, principal, teacher_a, web_client):
    # Given teacher_a's talk with Q, a note and a flag with its reason
    q = assigned[cast.pupil_q.pk]
    record(teacher_a, q, "talk", "谈到父母争吵的事")
    services.add_note(actor=teacher_a, mentorship=q, text="家庭变故，需持续关注")
    services.flag(actor=teacher_a, mentorship=q, needs_attention=True, reason="失眠厌学")
    client = web_client(principal)
    before = reads().count()
    # When the principal opens the hub, the plan, the completion page and its export
    pages = [html_of(client.get(reverse(name, args=args))) for name, args in (
        ("mentoring:index", []), ("mentoring:plan", [plan.pk]),
        ("mentoring:plan-completion", [plan.pk]))]
    book = load_workbook(io.BytesIO(client.get(
        reverse("mentoring:plan-completion-export", args=[plan.pk])).content))
    cells = " ".join(str(v) for ws in book for row in ws.iter_rows(values_only=True)
                     for v in row if v is not None)
    # Then the talk counts, but no record, note or reason shows anywhere, and nothing was read
    for text in pages + [cells]:
        for secret in ("谈到父母争吵的事", "家庭变故", "失眠厌学"):
            assert secret not in text
    assert "谈话 ✓" in pages[1]
    assert reads().count() == before


def test_completion_by_class_and_mentor_with_chart_and_excel(
        cast, plan, assigned, teacher_a, head_teacher_a, principal, web_client,
        django_assert_max_num_queries):
    # Given Q's three tasks done (teacher_a) and P's home visit (head teacher); R nothing
    q, p = assigned[cast.pupil_q.pk], assigned[cast.pupil_p.pk]
    for kind in ("home_visit", "talk", "written_feedback"):
        record(teacher_a, q, kind, "已完成")
    record(head_teacher_a, p, "home_visit", "已家访")
    client = web_client(principal)
    # When the principal opens the completion page
    with django_assert_max_num_queries(20):
        html = html_of(client.get(reverse("mentoring:plan-completion", args=[plan.pk])))
    # Then 4-1 has 2 pupils, 2 home visits, 1 complete (50%); 2-1 has none done
    chart = json_script(html, "chart-classes")
    assert chart["x"] == ["二年级（1）班", "四年级（1）班"]
    assert chart["series"][0] == {"name": "家访（%）", "data": [0.0, 100.0]}
    assert chart["series"][-1] == {"name": "三项全部完成（%）", "data": [0.0, 50.0]}
    assert "33.3%" in html  # one of three pupils complete
    # and the export has the class and mentor sheets and the pupils' counts (no records)
    response = client.get(reverse("mentoring:plan-completion-export", args=[plan.pk]))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["按班级", "按导师", "学生明细"]
    classes = list(book["按班级"].iter_rows(min_row=2, values_only=True))
    assert classes[0] == ("班级", "学生数", "家访", "交心谈话", "书面反馈", "三项全部完成", "完成率（%）")
    assert classes[1:] == [("二年级（1）班", 1, 0, 0, 0, 0, 0.0), ("四年级（1）班", 2, 2, 1, 1, 1, 50.0),
                           ("合计", 3, 2, 1, 1, 1, 33.3)]
    mentors = {r[0]: r for r in book["按导师"].iter_rows(min_row=3, values_only=True)}
    assert mentors["李老师"] == ("李老师", 2, 1, 1, 1, 1, 50.0)
    assert mentors["赵老师"] == ("赵老师", 1, 1, 0, 0, 0, 0.0)
    detail = list(book["学生明细"].iter_rows(min_row=2, values_only=True))
    assert ("四年级（1）班", cast.pupil_q.name, "李老师", 1, 1, 1, "是") in detail


# ---- mentors: mentees, tasks, notes -------------------------------------------------------------

def test_the_mentor_sees_their_mentees_with_task_status(
        cast, assigned, teacher_a, web_client, django_assert_max_num_queries):
    # Given teacher_a mentors Q (talk done) and R
    record(teacher_a, assigned[cast.pupil_q.pk], "talk", "谈心")
    client = web_client(teacher_a)
    # When teacher_a opens the hub
    with django_assert_max_num_queries(12):
        html = html_of(client.get(reverse("mentoring:index")))
    # Then Q and R are listed with their task status and a link to record; P is not
    section = html.split('id="mentees"')[1].split("</section>")[0]
    assert cast.pupil_q.name in section and cast.pupil_r.name in section
    assert cast.pupil_p.name not in section
    row_q = section.split(f'id="mentee-{assigned[cast.pupil_q.pk].pk}"')[1].split("</tr>")[0]
    assert "谈话 ✓" in row_q and "家访 —" in row_q
    assert reverse("mentoring:mentee", args=[assigned[cast.pupil_q.pk].pk]) in row_q


def test_the_mentor_records_a_task_and_refusals_show_on_the_form(
        cast, assigned, teacher_a, web_client):
    q = assigned[cast.pupil_q.pk]
    client = web_client(teacher_a)
    url = reverse("mentoring:task-create", args=[q.pk])
    # When the mentor dates a talk before the term, the service's refusal shows on the form
    html = html_of(client.post(url, {"kind": "talk", "on": "2026-08-01", "record": "x"}))
    assert "日期应在本学期内且不晚于今天" in html
    # and an empty record is refused too
    assert "请填写简要记录" in html_of(client.post(url, {"kind": "talk", "on": "2026-11-20"}))
    assert not Task.objects.exists()
    # When the mentor records a written feedback shared with the family
    response = client.post(url, {"kind": "written_feedback", "on": "2026-11-20",
                                 "record": "本学期进步很大", "shared_with_family": "on"})
    # Then it is saved and the page lists it as shared
    assert response.status_code == 302
    assert response["Location"] == reverse("mentoring:mentee", args=[q.pk]) + "#tasks"
    task = Task.objects.get()
    assert (task.kind, task.shared_with_family, task.created_by_id) == (
        "written_feedback", True, teacher_a.pk)
    html = html_of(client.get(reverse("mentoring:mentee", args=[q.pk])))
    assert "本学期进步很大" in html and "家长可见</span>" in html
    # A shared talk is not shared: only written feedback reaches the family
    client.post(url, {"kind": "talk", "on": "2026-11-20", "record": "谈心",
                      "shared_with_family": "on"})
    assert Task.objects.get(kind="talk").shared_with_family is False


def test_only_the_mentor_records_tasks(cast, assigned, head_teacher_a, psychologist,  # noqa: F811
                                       web_client):
    # Given Q mentored by teacher_a; the head teacher and the psychologist may read, not record
    q = assigned[cast.pupil_q.pk]
    url = reverse("mentoring:task-create", args=[q.pk])
    data = {"kind": "talk", "on": "2026-11-20", "record": "x"}
    for user in (head_teacher_a, psychologist):
        assert web_client(user).post(url, data).status_code == 403
        html = html_of(web_client(user).get(reverse("mentoring:mentee", args=[q.pk])))
        assert 'id="task-form"' not in html and 'id="note-form"' in html
    assert not Task.objects.exists()


def test_restricted_records_are_read_by_the_three_and_every_read_is_logged(
        cast, assigned, teacher_a, head_teacher_a, psychologist, principal,  # noqa: F811
        bureau_admin, guardian_p, teacher_b, web_client):
    # Given teacher_a's note on Q added through the page
    q = assigned[cast.pupil_q.pk]
    response = web_client(teacher_a).post(reverse("mentoring:note-create", args=[q.pk]),
                                          {"text": "父母离异，近期情绪低落"})
    assert response.status_code == 302
    before = reads().count()
    url = reverse("mentoring:mentee", args=[q.pk])
    # When the mentor, the head teacher and the psychologist open Q's page
    for user in (teacher_a, head_teacher_a, psychologist):
        html = html_of(web_client(user).get(url))
        # Then they read the note under the banner saying reads are logged
        assert "父母离异，近期情绪低落" in html
        assert 'id="restricted-banner"' in html and "每次查看都记入审计日志" in html
    # and each read is in the audit log, with its reader
    logged = reads().order_by("pk")[before:]
    assert [e.actor_id for e in logged] == [teacher_a.pk, head_teacher_a.pk, psychologist.pk]
    # The principal and the bureau are refused, another school's teacher finds nothing
    for user, status in ((principal, 403), (bureau_admin, 403), (teacher_b, 404)):
        assert web_client(user).get(url).status_code == status
    assert web_client(guardian_p).get(
        reverse("mentoring:mentee", args=[assigned[cast.pupil_p.pk].pk])).status_code == 403
    assert reads().count() == before + 3


def test_an_empty_note_is_refused_on_the_form(cast, assigned, head_teacher_a, web_client):
    q = assigned[cast.pupil_q.pk]
    html = html_of(web_client(head_teacher_a).post(reverse("mentoring:note-create", args=[q.pk]),
                                                   {"text": "  "}))
    assert "请填写内容" in html and not q.notes.exists()


def test_the_head_teacher_sees_the_class_with_mentors_and_task_status(
        cast, assigned, teacher_a, head_teacher_a, web_client, django_assert_max_num_queries):
    # Given Q's home visit by teacher_a
    record(teacher_a, assigned[cast.pupil_q.pk], "home_visit", "家访")
    client = web_client(head_teacher_a)
    # When the head teacher of 4-1 opens the hub
    with django_assert_max_num_queries(16):
        html = html_of(client.get(reverse("mentoring:index")))
    # Then 4-1's pupils are listed with their mentors and status, with links to the records
    section = html.split('id="my-class"')[1].split("</section>")[0]
    row_q = section.split(f'id="pupil-{cast.pupil_q.pk}"')[1].split("</tr>")[0]
    assert "李老师" in row_q and "家访 ✓" in row_q
    assert reverse("mentoring:mentee", args=[assigned[cast.pupil_q.pk].pk]) in row_q
    row_p = section.split(f'id="pupil-{cast.pupil_p.pk}"')[1].split("</tr>")[0]
    assert "赵老师" in row_p
    assert cast.pupil_r.name not in section  # 2-1 is not their class
    # and the head teacher is P's mentor: P is in "my mentees" too
    assert cast.pupil_p.name in html.split('id="mentees"')[1].split("</section>")[0]


def test_no_id_or_phone_numbers_on_the_pages(cast, plan, assigned, principal, head_teacher_a,
                                             guardian_p, web_client):
    pages = [
        (principal, reverse("mentoring:plan", args=[plan.pk])),
        (principal, reverse("mentoring:plan-completion", args=[plan.pk])),
        (head_teacher_a, reverse("mentoring:index")),
        (head_teacher_a, reverse("mentoring:mentee", args=[assigned[cast.pupil_q.pk].pk])),
        (guardian_p, reverse("mentoring:index")),
    ]
    for user, url in pages:
        html = html_of(web_client(user).get(url))
        for pupil in (cast.pupil_p, cast.pupil_q):
            assert pupil.id_number not in html and pupil.student_no not in html
        for phone in ("13812345678", "13812340002", "1390000"):
            assert phone not in html


# ---- the attention flag -----------------------------------------------------------------------

def test_the_flag_reaches_the_psychologist_who_clears_it(
        cast, assigned, teacher_a, psychologist, web_client,  # noqa: F811
        django_assert_max_num_queries):
    q = assigned[cast.pupil_q.pk]
    url = reverse("mentoring:flag", args=[q.pk])
    # When the mentor raises the flag without a reason, the form asks for one
    html = html_of(web_client(teacher_a).post(url, {"needs_attention": "1"}))
    assert "请说明需要关注的原因" in html
    # With a reason it is raised
    response = web_client(teacher_a).post(url, {"needs_attention": "1", "reason": "连续失眠、厌学"})
    assert response.status_code == 302
    q.refresh_from_db()
    assert q.needs_attention and q.attention_reason == "连续失眠、厌学"
    # Then the psychologist's hub lists Q with the reason and the mentor
    client = web_client(psychologist)
    with django_assert_max_num_queries(10):
        html = html_of(client.get(reverse("mentoring:index")))
    section = html.split('id="attention"')[1].split("</section>")[0]
    assert cast.pupil_q.name in section and "连续失眠、厌学" in section and "李老师" in section
    # When the psychologist clears it from the hub
    response = web_client(psychologist).post(url, {"needs_attention": "0", "back": "index"},
                                             follow=True)
    html = html_of(response)
    assert response.redirect_chain[-1][0] == reverse("mentoring:index")
    assert f"已取消{cast.pupil_q.name}的“需要关注”标记" in html and 'id="no-flagged"' in html
    q.refresh_from_db()
    assert not q.needs_attention and q.attention_reason == ""


def test_the_psychologist_of_another_school_does_not_see_the_flag(
        cast, assigned, teacher_a, web_client):
    services.flag(actor=teacher_a, mentorship=assigned[cast.pupil_q.pk], needs_attention=True,
                  reason="情绪低落")
    other = User.objects.create_user(username="psy_a2", password=PASSWORD, name="乙心理老师")
    other.role_assignments.create(role="psychologist", school=cast.school_a2)
    html = html_of(web_client(fresh(other)).get(reverse("mentoring:index")))
    assert "情绪低落" not in html and 'id="no-flagged"' in html
    assert web_client(other).get(reverse(
        "mentoring:mentee", args=[assigned[cast.pupil_q.pk].pk])).status_code == 404


# ---- the family -------------------------------------------------------------------------------

def test_the_guardian_sees_the_mentor_and_the_shared_feedback_only(
        cast, assigned, head_teacher_a, guardian_p, web_client, django_assert_max_num_queries):
    # Given P's mentor (the head teacher) recorded a talk, a private and a shared feedback,
    # and flagged P
    p = assigned[cast.pupil_p.pk]
    record(head_teacher_a, p, "talk", "谈到与同学的矛盾")
    record(head_teacher_a, p, "written_feedback", "内部：需再家访", on="2026-11-19")
    record(head_teacher_a, p, "written_feedback", "本学期进步很大，继续加油！", shared=True)
    services.add_note(actor=head_teacher_a, mentorship=p, text="家长反映孩子晚睡")
    services.flag(actor=head_teacher_a, mentorship=p, needs_attention=True, reason="作息紊乱")
    client = web_client(guardian_p)
    # When P's guardian opens the hub
    with django_assert_max_num_queries(10):
        html = html_of(client.get(reverse("mentoring:index")))
    # Then the card names the mentor and shows the shared feedback only
    card = html.split(f'id="child-{cast.pupil_p.pk}"')[1].split("</section>")[0]
    assert "导师：<strong>赵老师</strong>" in card and "本学期进步很大，继续加油！" in card
    for private in ("谈到与同学的矛盾", "内部：需再家访", "家长反映孩子晚睡", "作息紊乱", "需要关注"):
        assert private not in html
    # and no other child, no staff sections, no link to the records
    assert cast.pupil_q.name not in html
    for section in ('id="mentees"', 'id="my-class"', 'id="attention"', 'id="admin"'):
        assert section not in html
    assert reverse("mentoring:mentee", args=[p.pk]) not in html


# ---- the bureau ---------------------------------------------------------------------------------

def test_the_bureau_sees_completion_per_school_and_exports_it(
        cast, term, assigned, teacher_a, bureau_admin, web_client,
        django_assert_max_num_queries):
    # Given A1's plan (3 pupils, all with a mentor; Q's three tasks done) and no plan in A2
    for kind in ("home_visit", "talk", "written_feedback"):
        record(teacher_a, assigned[cast.pupil_q.pk], kind, "完成")
    client = web_client(bureau_admin)
    # When the bureau admin opens the district page (the term under way by default)
    with django_assert_max_num_queries(20):
        html = html_of(client.get(reverse("mentoring:district")))
    # Then A1's row has the coverage and completion figures and A2 has no plan
    row = html.split(f'id="school-{cast.school_a1.pk}"')[1].split("</tr>")[0]
    cells = re.findall(r"<td>(.*?)</td>", row)
    assert cells[1:] == ["二年级、四年级", "3", "3", "100.0%", "2", "0", "1", "1", "1", "1",
                         "33.3%"]
    assert "未制定方案" in html.split(f'id="school-{cast.school_a2.pk}"')[1].split("</tr>")[0]
    assert cast.school_b1.name not in html  # another district's school
    assert json_script(html, "chart-schools") == {
        "x": [cast.school_a1.name], "percent": True, "series": [
            {"name": "导师覆盖率（%）", "data": [100.0]},
            {"name": "三项全部完成率（%）", "data": [33.3]}]}
    for secret in (cast.pupil_q.name, "完成"):  # no pupils' names, no records
        assert secret not in row
    # and the export has the same rows and a total
    response = client.get(reverse("mentoring:district-export") + f"?term={term.pk}")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(response.content))
    rows = list(book["各校完成情况"].iter_rows(values_only=True))
    assert rows[1][:5] == ("学校", "覆盖年级", "覆盖学生数", "已有导师", "导师覆盖率（%）")
    assert rows[2] == (cast.school_a1.name, "二年级、四年级", 3, 3, 100.0, 2, 0, 1, 1, 1, 1, 33.3)
    assert rows[3][:2] == (cast.school_a2.name, "未制定方案")
    assert rows[4][0] == "合计" and rows[4][2:5] == (3, 3, 100.0)
    assert "指标说明" in book.sheetnames


def test_another_districts_bureau_sees_only_its_own_schools(cast, term, assigned, bureau_admin_b,
                                                            web_client):
    client = web_client(bureau_admin_b)
    # Given district B has no term; its page is empty, district A's term is missing
    html = html_of(client.get(reverse("mentoring:district")))
    assert cast.school_a1.name not in html and 'id="no-data"' in html
    assert client.get(reverse("mentoring:district") + f"?term={term.pk}").status_code == 404
    assert client.get(reverse("mentoring:district-export")).status_code == 404


# ---- rules found while building the pages --------------------------------------------------------

def test_a_mentor_must_teach_in_the_school(cast, plan, principal, bureau_admin):
    # Given a teacher of A1 who teaches no class and leads none (no teacher's role to open
    # the mentee pages with)
    teacher = org_services.create_teacher(actor=bureau_admin, school=cast.school_a1,
                                          assignments=[], name="周老师", gender="F",
                                          phone="13900009999", id_number="")
    # When the principal makes them R's mentor; then it is refused, and nothing saved
    with pytest.raises(services.RuleViolation) as refused:
        services.assign(actor=principal, plan=plan, pupil=cast.pupil_r, mentor=teacher)
    assert refused.value.field == "mentor"
    assert not Mentorship.objects.filter(mentor=teacher).exists()
    # and the automatic assignment never picks them
    assert teacher.pk not in services.suggest(plan).values()


def test_the_api_does_not_tell_the_family_about_the_attention_flag(
        cast, assigned, head_teacher_a, guardian_p, api_client):
    # Given P flagged by the head teacher (P's mentor)
    services.flag(actor=head_teacher_a, mentorship=assigned[cast.pupil_p.pk],
                  needs_attention=True, reason="作息紊乱")
    # When P's guardian lists the child's mentorships through the API
    items = api_client(guardian_p).get("/api/v1/mentoring/mentorships").json()["items"]
    # Then the mentor is named, and nothing says the child was flagged
    assert [i["mentor_name"] for i in items] == ["赵老师"]
    assert all(i["needs_attention"] is None for i in items)
    # and asking for flagged pupils finds none
    flagged = api_client(guardian_p).get("/api/v1/mentoring/mentorships",
                                         {"needs_attention": "true"}).json()
    assert flagged["count"] == 0


def test_a_former_mentor_cannot_add_notes_after_the_pupil_is_reassigned(
        cast, plan, assigned, principal, teacher_a):
    # Given Q moved from teacher_a to the head teacher
    old = assigned[cast.pupil_q.pk]
    services.assign(actor=principal, plan=plan, pupil=cast.pupil_q,
                    mentor=cast.head_teacher_a_profile)
    # When teacher_a adds a note to the ended mentorship; then it is refused like a task
    with pytest.raises(services.Conflict):
        services.add_note(actor=fresh(teacher_a), mentorship=old, text="补记")


def test_tasks_done_before_a_reassignment_still_count_for_the_pupil(
        cast, plan, assigned, principal, teacher_a):
    # Given teacher_a visited Q's home, then Q moved to the head teacher
    record(teacher_a, assigned[cast.pupil_q.pk], "home_visit", "已家访")
    services.assign(actor=principal, plan=plan, pupil=cast.pupil_q,
                    mentor=cast.head_teacher_a_profile)
    # When completion is computed for the plan; then Q's home visit is still done
    _, totals = services.completion(list(Mentorship.objects.current().filter(plan=plan)))
    assert totals["home_visit"] == 1
