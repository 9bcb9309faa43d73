"""The public doors, no login: filing through the API and the web form (named and anonymous),
the tracking code, the tracking page, field validation and the rate limit."""

import json

import pytest
from auditlog.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from complaints import services
from complaints.models import CODE_ALPHABET, Complaint, ComplaintAttachment, ComplaintEvent
from complaints.tests.conftest import (
    ACK_DUE,
    PHONE,
    PNG,
    PUBLIC_API,
    RESOLVE_DUE,
    file,
    post_json,
    public_body,
)
from conftest import assert_error


def audit_codes():
    return [e.additional_data.get("code") for e in LogEntry.objects.order_by("pk")]


# ---- filing through the API --------------------------------------------------------------------


def test_anyone_files_a_named_complaint_and_gets_a_code_and_deadlines(cast, api_client):
    # Given an anonymous visitor (no token)
    client = api_client(None)
    # When they file a named homework complaint about school A1 on Monday 2026-11-23
    response = post_json(client, PUBLIC_API, public_body(cast))
    # Then they get a 12-character tracking code and the working-day deadlines
    assert response.status_code == 201, response.content
    body = response.json()
    assert len(body["code"]) == 12 and set(body["code"]) <= set(CODE_ALPHABET)
    assert body["code_display"] == "-".join(body["code"][i:i + 4] for i in (0, 4, 8))
    assert (body["ack_due"], body["resolve_due"]) == (ACK_DUE.isoformat(),
                                                      RESOLVE_DUE.isoformat())
    assert body["status"] == "submitted"
    assert body["filed_at"].endswith("+08:00")
    # and the complaint is kept with its complainant, routed to the school, with no account
    complaint = Complaint.objects.get(code=body["code"])
    assert (complaint.channel, complaint.complainant_name, complaint.complainant_phone) == (
        "web", "张三丰", PHONE)
    assert complaint.unit_school == cast.school_a1 and complaint.level == "school"
    assert complaint.filed_by is None
    assert list(complaint.events.values_list("kind", "public")) == [("filed", True)]
    entry = LogEntry.objects.get(additional_data__code="complaints.filed")
    assert entry.actor is None and entry.object_pk == str(complaint.pk)
    # and the log does not carry the complainant's data
    assert PHONE not in json.dumps(entry.additional_data, ensure_ascii=False)


def test_an_anonymous_complaint_keeps_no_name_or_phone_even_when_typed(cast, api_client):
    # Given a visitor who ticks "anonymous" but still types a name and a phone
    body = public_body(cast, anonymous=True)
    # When they file
    response = post_json(api_client(None), PUBLIC_API, body)
    # Then the complaint is accepted and nothing identifying is stored
    assert response.status_code == 201, response.content
    complaint = Complaint.objects.get(code=response.json()["code"])
    assert complaint.anonymous
    assert (complaint.complainant_name, complaint.complainant_phone) == ("", "")


def test_a_landline_number_is_accepted(cast, api_client):
    response = post_json(api_client(None), PUBLIC_API,
                         public_body(cast, complainant_phone="0371-66123456"))
    assert response.status_code == 201, response.content
    assert Complaint.objects.get().complainant_phone == "0371-66123456"


REFUSALS = [
    # (changes to a valid body, status, code, field)
    ({"category": ""}, 422, "required", "category"),
    ({"category": "weather"}, 422, "invalid", "category"),
    ({"subject": "  "}, 422, "required", "subject"),
    ({"subject": "作" * 101}, 422, "too_long", "subject"),
    ({"details": "太多了"}, 422, "too_short", "details"),
    ({"details": "多" * 3001}, 422, "too_long", "details"),
    ({"complainant_phone": ""}, 422, "required", "complainant_phone"),
    ({"complainant_phone": "12345"}, 422, "invalid", "complainant_phone"),
    ({"complainant_name": ""}, 422, "required", "complainant_name"),
    ({"teacher_name": "李" * 51}, 422, "too_long", "teacher_name"),
    ({"bureau_code": "999999"}, 422, "invalid", "bureau_code"),
    ({"bureau_code": "410400"}, 422, "invalid", "bureau_code"),  # the city, not a district
    ({"subject": None}, 422, "invalid", "subject"),
]


@pytest.mark.parametrize("changes,status,code,field", REFUSALS,
                         ids=[f"{r[2]}-{r[3]}" for r in REFUSALS])
def test_invalid_filings_are_refused_with_the_field_and_nothing_is_saved(
        cast, api_client, changes, status, code, field):
    # Given a body with one bad field
    body = public_body(cast, **changes)
    # When it is posted
    response = post_json(api_client(None), PUBLIC_API, body)
    # Then the answer names the field and the check, and nothing was stored or logged
    assert_error(response, status, code, field)
    assert not Complaint.objects.exists() and not ComplaintEvent.objects.exists()
    assert not LogEntry.objects.filter(additional_data__code="complaints.filed").exists()


def test_a_school_or_institution_of_another_district_is_refused(cast, api_client):
    client = api_client(None)
    # When the school named is district B's
    response = post_json(client, PUBLIC_API, public_body(cast, school=cast.school_b1.pk))
    # Then 422 on the school
    assert_error(response, 422, "invalid", "school")
    # And an institution that does not exist is refused the same way
    response = post_json(client, PUBLIC_API, public_body(cast, category="institution",
                                                         institution=2_000_000))
    assert_error(response, 422, "invalid", "institution")
    assert not Complaint.objects.exists()


def test_a_missing_field_is_422_required(cast, api_client):
    body = public_body(cast)
    del body["details"]
    response = post_json(api_client(None), PUBLIC_API, body)
    assert_error(response, 422, "required", "details")


# ---- tracking ----------------------------------------------------------------------------------


def test_tracking_shows_status_and_public_replies_never_contact_or_internal_notes(
        cast, api_client, principal, hotline, school_complaint):
    # Given a complaint the school acknowledged with a note, then a public reply and an
    # internal note from the hotline
    services.acknowledge(actor=principal, complaint=school_complaint, note="已交年级组核查")
    services.reply(actor=principal, complaint=school_complaint, text="本周起四年级作业减量",
                   public=True)
    services.reply(actor=hotline, complaint=school_complaint, text="来电人情绪激动，需回访",
                   public=False)
    # When anybody asks with the code
    response = api_client(None).get(f"{PUBLIC_API}/{school_complaint.code}")
    # Then they see the status, the deadlines and the public history
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["status_label"], body["category"]) == (
        "acknowledged", "已受理", "homework")
    assert body["ack_due"] == ACK_DUE.isoformat() and not body["merged"]
    assert [r["kind"] for r in body["replies"]] == ["filed", "acknowledged", "replied"]
    assert body["replies"][1]["note"] == "已交年级组核查"
    # and nothing of the complainant, the routing or the internal note
    text = response.content.decode()
    for secret in (PHONE, "张三丰", "来电人情绪激动", cast.school_a1.name, "principal"):
        assert secret not in text


def test_the_code_may_be_typed_with_hyphens_and_in_lower_case(cast, api_client,
                                                              school_complaint):
    typed = school_complaint.code_display.lower()
    response = api_client(None).get(f"{PUBLIC_API}/{typed}")
    assert response.status_code == 200
    assert response.json()["code"] == school_complaint.code_display


@pytest.mark.parametrize("code", ["23456789ABCD", "not-a-code", "O0O0O0O0O0O0"])
def test_an_unknown_code_is_404_with_a_chinese_message(cast, api_client, school_complaint, code):
    response = api_client(None).get(f"{PUBLIC_API}/{code}")
    body = assert_error(response, 404, "not_found", "code")
    assert "查询码" in body["message"]


# ---- the rate limit ----------------------------------------------------------------------------


def test_public_filing_is_rate_limited_per_address(cast, api_client, web_client, settings):
    # Given a limit of two filings an hour
    settings.COMPLAINTS_PUBLIC_RATE = "2/h"
    client = api_client(None)
    # When a third filing comes from the same address
    codes = [post_json(client, PUBLIC_API, public_body(cast)).status_code for _ in range(3)]
    # Then it is refused with 429, a Chinese message and a Retry-After header
    assert codes == [201, 201, 429]
    refused = post_json(client, PUBLIC_API, public_body(cast))
    assert_error(refused, 429, "throttled")
    assert int(refused["Retry-After"]) > 0
    # and the web form shares the limit
    page = web_client(None).post(reverse("public-complaints:form"), form_data(cast))
    assert page.status_code == 429
    assert "过于频繁" in page.content.decode()
    assert Complaint.objects.count() == 2


def test_another_address_is_not_limited_by_the_first(cast, api_client, settings):
    settings.COMPLAINTS_PUBLIC_RATE = "1/h"
    client = api_client(None)
    assert post_json(client, PUBLIC_API, public_body(cast)).status_code == 201
    other = client.post(PUBLIC_API, public_body(cast), content_type="application/json",
                        REMOTE_ADDR="10.1.2.3")
    assert other.status_code == 201


# ---- the web pages -----------------------------------------------------------------------------


def form_data(cast, **changes):
    data = public_body(cast, **changes)
    data["bureau"] = data.pop("bureau_code")
    data["anonymous"] = "on" if data["anonymous"] else ""
    return {k: ("" if v is None else v) for k, v in data.items()}


def test_the_form_explains_anonymity_and_privacy(cast, web_client):
    response = web_client(None).get(reverse("public-complaints:form"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "匿名投诉" in page and "查询码" in page and "审计日志" in page
    assert cast.district_a.name in page


def test_the_web_form_files_and_shows_the_tracking_code(cast, web_client):
    client = web_client(None)
    # When a visitor fills in the form with a photo
    data = form_data(cast)
    data["attachments"] = [SimpleUploadedFile("作业.png", PNG, content_type="image/png")]
    response = client.post(reverse("public-complaints:form"), data)
    # Then they land on the page showing the code (kept in the session, not in the address)
    assert response.status_code == 302
    assert response["Location"] == reverse("public-complaints:done")
    complaint = Complaint.objects.get()
    page = client.get(response["Location"]).content.decode()
    assert complaint.code_display in page and "2026-11-25" in page
    assert complaint.code not in response["Location"]
    # and the photo is kept as the complainant's evidence
    attachment = ComplaintAttachment.objects.get()
    assert (attachment.name, attachment.content_type, attachment.from_complainant) == (
        "作业.png", "image/png", True)


def test_the_done_page_without_a_filing_points_to_the_form(db, web_client):
    page = web_client(None).get(reverse("public-complaints:done"))
    assert page.status_code == 200
    assert "没有刚提交的投诉" in page.content.decode()


def test_a_refusal_shows_on_its_field_and_saves_nothing(cast, web_client):
    response = web_client(None).post(reverse("public-complaints:form"),
                                     form_data(cast, complainant_phone="12345"))
    assert response.status_code == 200
    assert "电话号码格式错误" in response.content.decode()
    assert response.context["form"].errors["complainant_phone"]
    assert not Complaint.objects.exists()


def test_four_files_are_refused(cast, web_client):
    data = form_data(cast)
    data["attachments"] = [SimpleUploadedFile(f"{i}.png", PNG) for i in range(4)]
    response = web_client(None).post(reverse("public-complaints:form"), data)
    assert response.status_code == 200
    assert "最多 3 个附件" in response.content.decode()
    assert not Complaint.objects.exists() and not ComplaintAttachment.objects.exists()


def test_choosing_a_district_reloads_its_schools_with_htmx(cast, web_client):
    # When the visitor picks district B in the form (htmx sends the select's value)
    response = web_client(None).get(reverse("public-complaints:form"),
                                    {"bureau": cast.district_b.code}, headers={"HX-Request": "true"})
    # Then only the targets fragment comes back, with district B's schools
    page = response.content.decode()
    assert response.status_code == 200 and "<html" not in page
    assert 'id="targets"' in page
    assert cast.school_b1.name in page and cast.school_a1.name not in page


def test_a_signed_in_guardian_files_as_the_public(cast, web_client, guardian_p):
    # Given P's guardian, signed in, using the public form anonymously
    response = web_client(guardian_p).post(reverse("public-complaints:form"),
                                           form_data(cast, anonymous=True))
    # Then the complaint is linked to no account, in the complaint or in the log
    assert response.status_code == 302
    complaint = Complaint.objects.get()
    assert complaint.anonymous and complaint.filed_by is None
    assert LogEntry.objects.get(additional_data__code="complaints.filed").actor is None


def test_the_tracking_page(cast, web_client, principal, school_complaint):
    client = web_client(None)
    url = reverse("public-complaints:track")
    # Without a code: the form
    assert client.get(url).status_code == 200
    # With a wrong one: 404 and a message
    missing = client.get(url, {"code": "2345-6789-ABCD"})
    assert missing.status_code == 404 and "没有找到" in missing.content.decode()
    # With the right one: the status and the public history, not the complainant
    services.acknowledge(actor=principal, complaint=school_complaint, note="正在核查")
    page = client.get(url, {"code": school_complaint.code_display.lower()}).content.decode()
    assert "已受理" in page and "正在核查" in page
    assert PHONE not in page and "张三丰" not in page


# ---- attachments through the tracking code -----------------------------------------------------


def test_the_complainant_may_add_evidence_until_the_complaint_is_acknowledged(
        cast, api_client, principal, school_complaint):
    client = api_client(None)
    url = f"{PUBLIC_API}/{school_complaint.code}/attachments"
    # When the complainant adds a PDF before acknowledgement
    response = client.post(url, {"file": SimpleUploadedFile("证据.pdf", b"%PDF-1.4 test")})
    # Then it is kept as theirs
    assert response.status_code == 201, response.content
    assert ComplaintAttachment.objects.get().from_complainant
    # After acknowledgement they cannot any more
    services.acknowledge(actor=principal, complaint=school_complaint)
    response = client.post(url, {"file": SimpleUploadedFile("又一个.pdf", b"%PDF-1.4 test")})
    assert_error(response, 409, "invalid_transition")
    assert ComplaintAttachment.objects.count() == 1


def test_a_complaint_filed_through_the_service_is_the_same_as_through_the_door(cast):
    complaint = file(cast, anonymous=True)
    assert complaint.channel == "web" and complaint.complainant_phone == ""
