"""The teacher-ethics pages through the web client (IN-8, PN-8, TT-6): the cases list with its
filters, the confirmed teacher matches and opening a case, one case with its logged reading,
steps and declared transitions, the negative list, and the restricted access: only the
district's ethics officers and the teacher's principal, everyone else 403, another school's or
district's case 404."""

import datetime as dt
import re

import pytest
from auditlog.models import LogEntry
from django.urls import reverse
from django.utils import timezone

from ethics import services
from ethics.models import Case, CaseStep
from ethics.tests.test_api import ethics_officer, ethics_officer_b  # noqa: F401  (fixtures)
from institutions import services as institution_services
from institutions.models import TeacherMatch

INDEX = reverse("ethics:index")
OPEN = reverse("ethics:case-open")
NEGATIVE_LIST = reverse("ethics:negative-list")
OTHERS = ["bureau_admin", "bureau_admin_b", "supervisor", "inspector", "bank", "teacher_a",
          "head_teacher_a", "teacher_b", "guardian_p", "guardian_nobody", "institution_staff"]


def case_url(case, what=""):
    name = {"": "ethics:case", "step": "ethics:case-step", "move": "ethics:case-move"}[what]
    return reverse(name, args=[case.pk])


def listed(response, what="case"):
    """Primary keys of the rows ``id="<what>-<pk>"`` on the page."""
    return {int(pk) for pk in re.findall(rf'id="{what}-(\d+)"', response.content.decode())}


def codes(form, field=None):
    """The codes of a form's errors on ``field`` (None: the form's own errors)."""
    errors = form.errors.as_data().get(field or "__all__", [])
    return {e.code for e in errors}


def viewed(**filters):
    return LogEntry.objects.filter(additional_data__code="ethics.case.viewed", **filters).count()


def _open(officer, teacher, **extra):
    data = {"category": "organise_tutoring", "source": "complaint",
            "summary": "家长反映该教师在家中组织本班学生有偿补课。", **extra}
    return services.open_case(actor=officer, teacher=teacher, **data)


@pytest.fixture
def case(cast, ethics_officer):  # noqa: F811
    """A paid-tutoring complaint against teacher_a (school A1)."""
    return _open(ethics_officer, cast.teacher_a_profile, source_ref="TS7K2M9Q4PXA")


@pytest.fixture
def case_a2(cast, ethics_officer):  # noqa: F811
    """A gifts case against teacher_b (school A2, another principal's)."""
    return _open(ethics_officer, cast.teacher_b_profile, category="gifts", source="media",
                 summary="媒体报道该教师收受家长购物卡。")


@pytest.fixture
def confirmed_match(cast, supervisor):
    """I2 registers teacher_a as staff (TT-2); the supervision section confirms the match."""
    staff = institution_services.add_staff(
        actor=supervisor, institution=cast.institution_2, name="李某",
        id_number=cast.teacher_a_profile.id_number, kind="other")
    match = TeacherMatch.objects.filter(staff=staff).first()
    return institution_services.close_match(actor=supervisor, match=match, confirmed=True,
                                            note="本人承认周末在机构兼职授课")


# ---- the cases list -----------------------------------------------------------------------------

def test_the_ethics_officer_sees_the_districts_cases_matches_and_the_open_form(
        cast, case, case_a2, confirmed_match, ethics_officer, web_client,  # noqa: F811
        django_assert_max_num_queries):
    # Given two cases of district A and a confirmed match not yet a case
    client = web_client(ethics_officer)
    # When the ethics officer opens the cases page
    with django_assert_max_num_queries(14):
        response = client.get(INDEX)
    # Then both cases, the match with its 立案 form and the open form are on it
    assert response.status_code == 200
    assert listed(response) == {case.pk, case_a2.pk}
    assert listed(response, "match") == {confirmed_match.pk}
    html = response.content.decode()
    assert 'id="open-form"' in html and 'id="restricted-banner"' in html
    row = re.search(rf'id="case-{case.pk}">(.*?)</tr>', html, re.S).group(1)
    assert all(text in row for text in (case.number, "李老师", "甲区第一小学", "投诉举报",
                                        "已立案", case.opened_at.strftime("%Y-%m-%d")))
    # and listing does not count as reading a case
    assert viewed() == 0


def test_the_cases_list_filters_by_status_and_category(case, case_a2, ethics_officer,  # noqa: F811
                                                       web_client):
    services.move(actor=ethics_officer, case=case, to="investigating")
    client = web_client(ethics_officer)
    assert listed(client.get(INDEX, {"status": "investigating"})) == {case.pk}
    assert listed(client.get(INDEX, {"status": "open"})) == {case_a2.pk}
    assert listed(client.get(INDEX, {"category": "gifts"})) == {case_a2.pk}
    assert listed(client.get(INDEX, {"category": "gifts", "status": "investigating"})) == set()
    # An unknown value filters nothing instead of failing
    assert listed(client.get(INDEX, {"status": "nonsense"})) == {case.pk, case_a2.pk}


def test_the_cases_list_is_paged(cast, ethics_officer, web_client):  # noqa: F811
    for n in range(51):
        _open(ethics_officer, cast.teacher_a_profile, summary=f"线索 {n}")
    client = web_client(ethics_officer)
    assert len(listed(client.get(INDEX))) == 50
    assert len(listed(client.get(INDEX, {"page": 2}))) == 1


def test_the_principal_sees_their_schools_cases_only_and_no_matches_or_open_form(
        case, case_a2, confirmed_match, principal, web_client):
    # Given cases of A1 and A2 and a confirmed match; when A1's principal opens the page
    response = web_client(principal).get(INDEX)
    # Then only A1's case, no matches and no open form
    assert response.status_code == 200
    assert listed(response) == {case.pk}
    html = response.content.decode()
    assert 'id="matches"' not in html and 'id="open-form"' not in html
    assert "open_form" not in response.context


def test_another_districts_ethics_officer_sees_nothing_of_district_a(
        case, ethics_officer_b, web_client):  # noqa: F811
    client = web_client(ethics_officer_b)
    assert listed(client.get(INDEX)) == set()
    assert client.get(case_url(case)).status_code == 404
    assert viewed() == 0


# ---- one case: logged reading ------------------------------------------------------------------

def test_every_view_of_a_case_is_logged(case, ethics_officer, principal, web_client,  # noqa: F811
                                        django_assert_max_num_queries):
    # Given a case; when the ethics officer opens it twice and the principal once
    officer = web_client(ethics_officer)
    with django_assert_max_num_queries(14):
        response = officer.get(case_url(case))
    assert response.status_code == 200
    assert officer.get(case_url(case)).status_code == 200
    assert web_client(principal).get(case_url(case)).status_code == 200
    # Then each view is one audit entry, with its reader and the case number
    assert viewed(actor=ethics_officer) == 2
    assert viewed(actor=principal) == 1
    entry = LogEntry.objects.filter(additional_data__code="ethics.case.viewed").first()
    assert entry.object_pk == str(case.pk)
    assert entry.additional_data["number"] == case.number
    assert 'id="restricted-banner"' in response.content.decode()


@pytest.mark.parametrize("actor", OTHERS)
def test_a_refused_reader_leaves_no_read_in_the_log(actor, case, web_client, request):
    assert web_client(request.getfixturevalue(actor)).get(case_url(case)).status_code == 403
    assert viewed() == 0


def test_no_page_shows_a_teachers_id_number_or_phone(cast, case, confirmed_match,
                                                     ethics_officer, principal,  # noqa: F811
                                                     web_client):
    secrets = [cast.teacher_a_profile.id_number, cast.teacher_a_profile.phone,
               cast.teacher_b_profile.id_number, cast.teacher_b_profile.phone]
    for user in (ethics_officer, principal):
        client = web_client(user)
        for url in (INDEX, case_url(case), NEGATIVE_LIST, INDEX + "?teacher_q=李"):
            html = client.get(url).content.decode()
            assert not [s for s in secrets if s in html], url


# ---- opening a case ----------------------------------------------------------------------------

def _open_data(cast, **extra):
    return {"teacher": cast.teacher_b_profile.pk, "category": "gifts", "source": "inspection",
            "source_ref": "DD-2026-031", "summary": "督导检查发现收受家长购物卡。", **extra}


def test_an_ethics_officer_opens_a_case_by_hand(cast, ethics_officer, web_client):  # noqa: F811
    # When the ethics officer opens a case on teacher_b from an inspection
    response = web_client(ethics_officer).post(OPEN, _open_data(cast))
    # Then it is saved with the district's number and they are sent to it
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == case_url(case)
    assert (case.teacher, case.school, case.category, case.source, case.source_ref) == (
        cast.teacher_b_profile, cast.school_a2, "gifts", "inspection", "DD-2026-031")
    assert case.number.startswith(f"SD-{cast.district_a.code}-")
    assert list(case.steps.values_list("to_status", flat=True)) == ["open"]


@pytest.mark.parametrize("change,field,code", [
    ({"summary": "   "}, "summary", "required"),
    ({"category": ""}, "category", "invalid"),
    ({"category": "lateness"}, "category", "invalid_choice"),
    ({"source": ""}, "source", "invalid"),
    ({"source": "staff_match"}, "source", "invalid_choice"),  # from the matches list only
    ({"teacher": ""}, "teacher", "required"),
])
def test_opening_a_case_refuses_bad_input_and_saves_nothing(change, field, code, cast,
                                                            ethics_officer,  # noqa: F811
                                                            web_client):
    # When the form is sent with one bad field
    response = web_client(ethics_officer).post(OPEN, _open_data(cast, **change))
    # Then the page comes back with the refusal on that field, and nothing is saved
    assert response.status_code == 200
    assert code in codes(response.context["open_form"], field)
    assert f'data-code="{code}"' in response.content.decode()
    assert not Case.objects.exists()


def test_a_teacher_of_another_district_is_not_a_choice(cast, ethics_officer_b,  # noqa: F811
                                                       web_client):
    # Given district B's ethics officer; when they post district A's teacher
    response = web_client(ethics_officer_b).post(OPEN, _open_data(cast))
    # Then the teacher is refused and nothing saved
    assert response.status_code == 200
    assert codes(response.context["open_form"], "teacher") == {"invalid_choice"}
    assert not Case.objects.exists()


def test_the_principal_cannot_open_a_case(cast, principal, web_client):
    assert web_client(principal).post(OPEN, _open_data(cast)).status_code == 403
    assert not Case.objects.exists()


def test_the_teacher_search_narrows_the_select(cast, ethics_officer, web_client):  # noqa: F811
    client = web_client(ethics_officer)
    # Without a search every district A teacher is offered, none of district B's
    form = client.get(INDEX).context["open_form"]
    offered = {str(v) for v, _ in form.fields["teacher"].widget.choices if v}
    assert {str(cast.teacher_a_profile.pk), str(cast.teacher_b_profile.pk)} <= offered
    # By school name: A2's teacher only
    form = client.get(INDEX, {"teacher_q": "第二小学"}).context["open_form"]
    assert [v for v, _ in form.fields["teacher"].widget.choices if v] == [
        cast.teacher_b_profile.pk]
    # From the search box (HTMX): only the select comes back, for the name asked
    response = client.get(INDEX, {"teacher_q": "李老师"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="teacher-field">') and "<html" not in html
    assert "李老师（甲区第一小学）" in html and "孙老师" not in html


def test_a_principal_cannot_use_the_teacher_search(principal, web_client):
    response = web_client(principal).get(INDEX, {"teacher_q": "李"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 403


# ---- opening a case from a teacher match -------------------------------------------------------

def test_a_confirmed_match_becomes_a_paid_tutoring_case_once(cast, confirmed_match,
                                                             ethics_officer,  # noqa: F811
                                                             web_client):
    client = web_client(ethics_officer)
    url = reverse("ethics:match-open", args=[confirmed_match.pk])
    # When the ethics officer opens a case from the confirmed match
    response = client.post(url, {"summary": ""})
    # Then a paid-tutoring case about the matched teacher is opened, and the match leaves the list
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == case_url(case)
    assert (case.teacher, case.category, case.source, case.teacher_match) == (
        cast.teacher_a_profile, "join_tutoring", "staff_match", confirmed_match)
    assert cast.institution_2.name in case.summary
    assert listed(client.get(INDEX), "match") == set()
    # When they try again, it is refused with a message and no second case
    response = client.post(url, {"summary": ""}, follow=True)
    assert "该线索已立案" in response.content.decode()
    assert Case.objects.count() == 1


def test_an_unconfirmed_match_is_not_the_ethics_officers(cast, supervisor,
                                                         ethics_officer,  # noqa: F811
                                                         web_client):
    # Given a match the supervision section has not checked yet
    staff = institution_services.add_staff(
        actor=supervisor, institution=cast.institution_2, name="李某",
        id_number=cast.teacher_a_profile.id_number, kind="other")
    match = TeacherMatch.objects.get(staff=staff)
    client = web_client(ethics_officer)
    # Then the ethics officer neither sees it nor opens a case from it
    assert listed(client.get(INDEX), "match") == set()
    assert client.post(reverse("ethics:match-open", args=[match.pk])).status_code == 404
    assert not Case.objects.exists()


def test_the_supervision_section_cannot_open_a_case_from_its_match(confirmed_match, supervisor,
                                                                   web_client):
    url = reverse("ethics:match-open", args=[confirmed_match.pk])
    assert web_client(supervisor).post(url).status_code == 403
    assert not Case.objects.exists()


# ---- steps and transitions ---------------------------------------------------------------------

def _moves(response):
    """The transitions offered on the case page (their target states)."""
    return {m["to"] for m in response.context["moves"]}


def test_the_case_runs_through_its_declared_transitions(case, ethics_officer,  # noqa: F811
                                                        web_client):
    client = web_client(ethics_officer)
    # Given an open case: only "investigating" and "dismissed" are offered
    assert _moves(client.get(case_url(case))) == {"investigating", "dismissed"}
    # When the officer starts the investigation
    response = client.post(case_url(case, "move"), {"to": "investigating", "note": "约谈排期"})
    assert response.status_code == 302
    page = client.get(case_url(case))
    assert _moves(page) == {"concluded", "dismissed"}
    # Concluding without a sanction, or with a sanction on an unfounded finding, is refused
    response = client.post(case_url(case, "move"), {"to": "concluded", "finding": "founded",
                                                    "decision": "通报批评"})
    form = next(m["form"] for m in response.context["moves"] if m["to"] == "concluded")
    assert codes(form, "sanction") == {"required"}
    response = client.post(case_url(case, "move"), {
        "to": "concluded", "finding": "unfounded", "sanction": "criticism", "decision": "x"})
    form = next(m["form"] for m in response.context["moves"] if m["to"] == "concluded")
    assert codes(form, "sanction") == {"invalid"}
    response = client.post(case_url(case, "move"), {"to": "concluded", "finding": "founded",
                                                    "sanction": "public_criticism"})
    form = next(m["form"] for m in response.context["moves"] if m["to"] == "concluded")
    assert codes(form, "decision") == {"required"}
    case.refresh_from_db()
    assert (case.status, case.sanction) == ("investigating", "")
    # When the officer concludes with a finding, a sanction and the decision
    response = client.post(case_url(case, "move"), {
        "to": "concluded", "finding": "founded", "sanction": "public_criticism",
        "decision": "全区通报批评，取消本年度评优资格。"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.status, case.finding, case.sanction) == ("concluded", "founded",
                                                          "public_criticism")
    page = client.get(case_url(case))
    assert _moves(page) == {"closed"}
    assert "通报批评" in page.content.decode()
    # Then it closes, and a closed case offers nothing
    assert client.post(case_url(case, "move"), {"to": "closed"}).status_code == 302
    page = client.get(case_url(case))
    assert _moves(page) == set() and not page.context["can_step"]
    assert list(case.steps.exclude(to_status="").values_list("to_status", flat=True)) == [
        "open", "investigating", "concluded", "closed"]


def test_an_undeclared_transition_is_refused_on_the_page(case, ethics_officer,  # noqa: F811
                                                         web_client):
    client = web_client(ethics_officer)
    # When the officer posts "concluded" on an open case (a stale page or a crafted request)
    response = client.post(case_url(case, "move"), {
        "to": "concluded", "finding": "founded", "sanction": "criticism", "decision": "批评"})
    # Then it is refused with its code, shown on the page, and nothing changes
    assert response.status_code == 200
    assert codes(response.context["refused_move"]) == {"invalid_transition"}
    assert 'data-code="invalid_transition"' in response.content.decode()
    # and an unknown state is refused on the form too
    response = client.post(case_url(case, "move"), {"to": "archived"})
    assert codes(response.context["refused_move"], "to") == {"invalid_choice"}
    case.refresh_from_db()
    assert (case.status, case.steps.count()) == ("open", 1)


def test_dismissing_needs_a_reason_then_the_case_closes(case, ethics_officer,  # noqa: F811
                                                        web_client):
    client = web_client(ethics_officer)
    response = client.post(case_url(case, "move"), {"to": "dismissed", "note": " "})
    form = next(m["form"] for m in response.context["moves"] if m["to"] == "dismissed")
    assert codes(form, "note") == {"required"}
    assert client.post(case_url(case, "move"), {"to": "dismissed",
                                                "note": "经核查为免费答疑"}).status_code == 302
    case.refresh_from_db()
    assert case.status == "dismissed"
    assert client.post(case_url(case, "move"), {"to": "closed"}).status_code == 302
    case.refresh_from_db()
    assert case.status == "closed"


def test_the_principal_adds_steps_but_cannot_decide(case, principal, web_client):
    client = web_client(principal)
    # Given the principal of the teacher's school: the page offers steps, no transitions
    page = client.get(case_url(case))
    assert page.context["can_step"] and page.context["moves"] == []
    assert 'id="move-investigating"' not in page.content.decode()
    # When they record an interview
    response = client.post(case_url(case, "step"), {
        "kind": "interview", "on": timezone.localdate().isoformat(),
        "note": "约谈该教师，承认在家辅导 3 名学生"})
    # Then it is saved as a step by them
    assert response.status_code == 302
    step = case.steps.get(kind="interview")
    assert (step.actor, step.note) == (principal, "约谈该教师，承认在家辅导 3 名学生")
    assert "约谈该教师" in client.get(case_url(case)).content.decode()
    # But a transition is forbidden and changes nothing
    assert client.post(case_url(case, "move"), {"to": "investigating"}).status_code == 403
    case.refresh_from_db()
    assert case.status == "open"


def test_another_schools_principal_gets_404(case_a2, principal, web_client):
    client = web_client(principal)
    assert client.get(case_url(case_a2)).status_code == 404
    assert client.post(case_url(case_a2, "step"), {
        "kind": "note", "on": timezone.localdate().isoformat(), "note": "x"}).status_code == 404
    assert viewed() == 0 and case_a2.steps.count() == 1


@pytest.mark.parametrize("change,field,code", [
    ({"note": " "}, "note", "required"),
    ({"on": (timezone.localdate() + dt.timedelta(days=1)).isoformat()}, "on", "invalid"),
    ({"kind": "transition"}, "kind", "invalid_choice"),
    ({"on": "2026-02-30"}, "on", "invalid"),
])
def test_a_bad_step_is_refused_and_nothing_saved(change, field, code, case,
                                                 ethics_officer,  # noqa: F811
                                                 web_client):
    data = {"kind": "evidence", "on": timezone.localdate().isoformat(), "note": "调取补课收费记录",
            **change}
    response = web_client(ethics_officer).post(case_url(case, "step"), data)
    assert response.status_code == 200
    assert code in codes(response.context["step_form"], field)
    assert case.steps.count() == 1


def test_a_closed_case_takes_no_more_steps(case, ethics_officer, principal,  # noqa: F811
                                           web_client):
    services.move(actor=ethics_officer, case=case, to="dismissed", note="查无实据")
    services.move(actor=ethics_officer, case=case, to="closed")
    response = web_client(principal).post(case_url(case, "step"), {
        "kind": "note", "on": timezone.localdate().isoformat(), "note": "补充"})
    assert response.status_code == 200
    assert codes(response.context["step_form"]) == {"invalid_transition"}
    assert not case.steps.filter(kind=CaseStep.Kind.NOTE).exists()


# ---- the negative list -------------------------------------------------------------------------

@pytest.mark.parametrize("actor", ["ethics_officer", "principal"])
def test_the_negative_list_marks_the_paid_tutoring_prohibitions(actor, web_client, request):
    response = web_client(request.getfixturevalue(actor)).get(NEGATIVE_LIST)
    assert response.status_code == 200
    marked = {i["code"] for i in response.context["items"] if i["paid_tutoring"]}
    assert marked == {"organise_tutoring", "join_tutoring", "refer_pupils"}
    html = response.content.decode()
    assert "PN-8 有偿补课" in html and "诫勉谈话" in html and "解除聘用合同" in html


# ---- everyone else -----------------------------------------------------------------------------

@pytest.mark.parametrize("actor", OTHERS)
def test_every_other_role_is_refused_every_page(actor, cast, case, confirmed_match,
                                                web_client, request):
    client = web_client(request.getfixturevalue(actor))
    for url in (INDEX, NEGATIVE_LIST, case_url(case)):
        assert client.get(url).status_code == 403, url
    posts = [(OPEN, _open_data(cast)),
             (reverse("ethics:match-open", args=[confirmed_match.pk]), {}),
             (case_url(case, "step"), {"kind": "note", "on": timezone.localdate().isoformat(),
                                       "note": "x"}),
             (case_url(case, "move"), {"to": "investigating"})]
    for url, data in posts:
        assert client.post(url, data).status_code == 403, url
    assert Case.objects.count() == 1 and case.steps.count() == 1 and viewed() == 0


# ---- help ------------------------------------------------------------------------------------

def test_the_help_page_explains_sources_steps_sanctions_and_access(client, db):
    html = client.get(reverse("help-page", args=["ethics"])).content.decode()
    for text in ("负面清单", "投诉举报", "培训机构从业人员比对", "督导检查", "暗访", "媒体报道",
                 "调查记录", "诫勉谈话", "PN-8", "记入审计日志", "403", "404"):
        assert text in html, text
    assert 'href="/help/ethics/"' in client.get(reverse("help")).content.decode()


# ---- a teacher working in another district -------------------------------------------------------

def test_a_teacher_working_at_another_districts_institution_can_become_a_case(
        cast, ethics_officer, ethics_officer_b, web_client):  # noqa: F811
    from institutions.models import Institution
    from institutions.tests.conftest import new_code
    from org.models import RoleAssignment, User
    from org.roles import Role

    # Given district B licenses an institution that registers teacher_a (district A) as staff,
    # and district B's supervision section confirms the match
    inst_b = Institution.objects.create(
        bureau=cast.district_b, name="乙区启明培训中心", credit_code=new_code(),
        licence_status=Institution.LicenceStatus.PERMIT_AND_LICENCE, status="approved")
    supervisor_b = User.objects.create_user(username="supervisor_b", name="乙区监管科")
    RoleAssignment.objects.create(user=supervisor_b, role=Role.SUPERVISOR, bureau=cast.district_b)
    staff = institution_services.add_staff(actor=supervisor_b, institution=inst_b, name="李某",
                                           id_number=cast.teacher_a_profile.id_number,
                                           kind="other")
    match = TeacherMatch.objects.get(staff=staff)
    institution_services.close_match(actor=supervisor_b, match=match, confirmed=True,
                                     note="本人承认兼职授课")
    url = reverse("ethics:match-open", args=[match.pk])
    # When district B's ethics officer tries to open a case: the teacher is not theirs, so the
    # match is not even visible to them (no leak of district A's teacher)
    assert listed(web_client(ethics_officer_b).get(INDEX), "match") == set()
    assert web_client(ethics_officer_b).post(url, {"summary": ""}).status_code == 404
    assert not Case.objects.exists()
    # Then district A's ethics officer, whose teacher it is, should see the match and open it
    client = web_client(ethics_officer)
    assert listed(client.get(INDEX), "match") == {match.pk}
    assert client.post(url, {"summary": ""}).status_code == 302
    assert Case.objects.get().teacher == cast.teacher_a_profile

