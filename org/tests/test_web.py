"""The web UI in Simplified Chinese: home, login and lockout, forms, masking and reveals."""

import re

import pytest
from auditlog.models import LogEntry
from django.test import Client

from conftest import PASSWORD, has_chinese, make_id_number
from org.models import Pupil, School


def _cards(page):
    start = page.index('id="home-cards"')
    return re.findall(r"<h2>(.*?)</h2>", page[start:])


# ---- home ----------------------------------------------------------------------------------

def test_home_page_is_simplified_chinese_with_bureau_cards(cast, bureau_admin, web_client):
    # Given a bureau admin; when they open the home page
    response = web_client(bureau_admin).get("/")
    # Then the page is zh-Hans and offers schools and the audit log
    assert response.status_code == 200
    page = response.content.decode()
    assert '<html lang="zh-Hans">' in page
    cards = _cards(page)
    assert "学校" in cards and "审计日志" in cards
    assert "我的孩子" not in cards


def test_guardian_home_shows_my_children_and_not_schools(cast, guardian_p, web_client):
    page = web_client(guardian_p).get("/").content.decode()
    cards = _cards(page)
    assert "我的孩子" in cards
    assert "学校" not in cards and "审计日志" not in cards
    assert 'href="/org/schools/"' not in page
    assert cast.pupil_p.name in page


def test_teacher_home_shows_my_classes_but_not_the_audit_log(cast, teacher_a, web_client):
    cards = _cards(web_client(teacher_a).get("/").content.decode())
    assert "我的班级" in cards and "审计日志" not in cards and "名册导入" not in cards


def test_pages_reference_vendored_htmx_and_no_cdn(cast, principal, web_client):
    # Given any logged-in page
    client = web_client(principal)
    page = client.get("/").content.decode()
    # Then htmx comes from /static/vendor/ and no script or style comes from the internet
    match = re.search(r'<script src="(/static/vendor/htmx-[\w.-]+\.js)"', page)
    assert match, page[:800]
    assert not re.search(r'(src|href)="(https?:)?//', page)
    # and the vendored file is really served
    assert client.get(match.group(1)).status_code == 200


# ---- login, lockout, logout --------------------------------------------------------------

def test_login_with_correct_password_redirects_home(cast):
    client = Client()
    assert client.get("/login/").status_code == 200
    response = client.post("/login/", {"username": "principal", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.session["_auth_user_id"] == str(cast.principal.pk)


def test_login_with_wrong_password_shows_a_chinese_error(cast):
    client = Client()
    response = client.post("/login/", {"username": "principal", "password": "wrong-password"})
    assert response.status_code == 200
    page = response.content.decode()
    errors = re.search(r'<div class="errors">(.*?)</div>', page)
    assert errors and has_chinese(errors.group(1))
    assert "_auth_user_id" not in client.session


def test_five_wrong_passwords_lock_the_account_out(cast, settings):
    settings.AXES_ENABLED = True
    client = Client()
    # Given five wrong passwords for one username from one address
    for _ in range(5):
        client.post("/login/", {"username": "principal", "password": "wrong-password"})
    # When the right password is sent the sixth time
    response = client.post("/login/", {"username": "principal", "password": PASSWORD})
    # Then the user is not logged in and is told so in Chinese
    assert response.status_code != 302
    assert "_auth_user_id" not in client.session
    assert has_chinese(response.content.decode())
    assert client.get("/")["Location"].startswith("/login/")


def test_logout_is_post_only(cast, principal, web_client):
    client = web_client(principal)
    # A GET does not log out
    assert client.get("/logout/").status_code == 405
    assert client.get("/").status_code == 200
    # A POST does
    response = client.post("/logout/")
    assert response.status_code == 302 and response["Location"] == "/login/"
    assert client.get("/").status_code == 302


# ---- schools -------------------------------------------------------------------------------

SCHOOL_FORM = {"name": "甲区第三小学", "code": "A3", "stage": "primary", "system": "6-3",
               "ownership": "public", "address": "幸福路 1 号"}


def test_bureau_admin_creates_a_school_through_the_form(cast, bureau_admin, web_client,
                                                        django_assert_max_num_queries):
    client = web_client(bureau_admin)
    # When the bureau admin fills in the new-school form
    response = client.post("/org/schools/new/", SCHOOL_FORM)
    # Then the school exists in their district and they are sent to its page
    school = School.objects.get(code="A3")
    assert school.bureau_id == cast.district_a.pk
    assert response.status_code == 302 and response["Location"] == f"/org/schools/{school.pk}/"
    assert LogEntry.objects.filter(additional_data__code="org.school.created",
                                   object_pk=str(school.pk)).exists()
    # and it appears in the school list
    with django_assert_max_num_queries(12):
        listing = client.get("/org/schools/")
    assert "甲区第三小学" in listing.content.decode()


def test_duplicate_school_code_is_a_form_error_not_a_500(cast, bureau_admin, web_client):
    before = School.objects.count()
    response = web_client(bureau_admin).post("/org/schools/new/", {**SCHOOL_FORM, "code": "A1"})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert 'class="errors"' in response.content.decode()
    assert School.objects.count() == before


def test_duplicate_school_name_in_the_district_is_a_form_error(cast, bureau_admin, web_client):
    before = School.objects.count()
    response = web_client(bureau_admin).post(
        "/org/schools/new/", {**SCHOOL_FORM, "name": cast.school_a1.name})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert School.objects.count() == before


# ---- pupils --------------------------------------------------------------------------------

def _pupil_form(cast, **overrides):
    return {"name": "新同学", "gender": "F", "id_number": make_id_number(900),
            "student_no": "", "school_class": cast.class_a1_4_1.pk, "guardian_name": "新家长",
            "guardian_phone": "13600002222", "guardian_relation": "mother", **overrides}


def test_principal_adds_a_pupil_through_the_form(cast, principal, web_client):
    url = f"/org/classes/{cast.class_a1_4_1.pk}/pupils/new/"
    response = web_client(principal).post(url, _pupil_form(cast))
    pupil = Pupil.objects.get(name="新同学")
    assert response.status_code == 302 and response["Location"] == f"/org/pupils/{pupil.pk}/"
    assert list(pupil.guardians.values_list("phone", flat=True)) == ["13600002222"]


def test_bad_id_number_in_the_pupil_form_is_a_form_error_and_nothing_is_saved(
        cast, principal, web_client):
    # Given an ID number with a wrong check digit
    good = make_id_number(900)
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    before = Pupil.objects.count()
    # When the principal submits the new-pupil form
    url = f"/org/classes/{cast.class_a1_4_1.pk}/pupils/new/"
    response = web_client(principal).post(url, _pupil_form(cast, id_number=bad))
    # Then the form shows the error on the ID number field and nothing is saved
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "id_number" in errors and has_chinese(errors["id_number"][0])
    assert Pupil.objects.count() == before


def test_class_page_masks_id_numbers(cast, principal, web_client, django_assert_max_num_queries):
    # Given the principal on class A1-4-1's page
    client = web_client(principal)
    with django_assert_max_num_queries(15):
        response = client.get(f"/org/classes/{cast.class_a1_4_1.pk}/")
    # Then the pupils' ID numbers are masked and never shown in full
    page = response.content.decode()
    assert response.status_code == 200
    assert cast.pupil_p.name in page
    assert "********" in page
    assert cast.pupil_p.id_number not in page
    assert cast.pupil_q.id_number not in page


def test_subject_teacher_sees_masked_guardian_phones_on_the_class_page(cast, teacher_a,
                                                                       web_client):
    page = web_client(teacher_a).get(f"/org/classes/{cast.class_a1_4_1.pk}/").content.decode()
    assert "138****5678" in page and "13812345678" not in page


def test_head_teacher_sees_guardian_phones_on_the_class_page(cast, head_teacher_a, web_client):
    page = web_client(head_teacher_a).get(
        f"/org/classes/{cast.class_a1_4_1.pk}/").content.decode()
    assert "13812345678" in page


def test_pupil_page_reveals_the_id_number_over_htmx_and_logs_the_read(cast, principal,
                                                                       web_client):
    client = web_client(principal)
    url = f"/org/pupils/{cast.pupil_p.pk}/"
    # Given the pupil page, which shows the number masked with a reveal button
    page = client.get(url).content.decode()
    assert cast.pupil_p.id_number not in page
    assert f'hx-post="/org/pupils/{cast.pupil_p.pk}/id-number/"' in page
    # When the button is pressed (an HTMX POST)
    response = client.post(f"{url}id-number/", HTTP_HX_REQUEST="true")
    # Then the full number comes back as a fragment and the read is audited
    assert response.status_code == 200
    assert response.content.decode() == f'<span id="id-number">{cast.pupil_p.id_number}</span>'
    entry = LogEntry.objects.get(additional_data__code="org.pupil.id_number.read")
    assert entry.actor_id == principal.pk and entry.action == LogEntry.Action.ACCESS


@pytest.mark.parametrize("actor", ["teacher_a", "head_teacher_a", "guardian_p"])
def test_pupil_page_offers_no_reveal_to_those_who_may_not(actor, cast, web_client, request):
    page = web_client(request.getfixturevalue(actor)).get(
        f"/org/pupils/{cast.pupil_p.pk}/").content.decode()
    assert "hx-post" not in page
    assert cast.pupil_p.id_number not in page
