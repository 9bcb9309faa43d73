"""Attachments (type by magic bytes, size, count, gated download) and the complainant's
personal data (masked in lists and exports, revealed only to those who call back, every read
in the audit log)."""

import io

import pytest
from auditlog.models import LogEntry
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from complaints import services
from complaints.models import ComplaintAttachment
from complaints.services import MAX_ATTACHMENT_BYTES
from complaints.tests.conftest import API, JPEG, PDF, PHONE, PNG
from conftest import assert_error


def upload(client, complaint, name, content):
    return client.post(f"{API}/{complaint.pk}/attachments",
                       {"file": SimpleUploadedFile(name, content)})


def stored_files():
    root = settings.MEDIA_ROOT
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def reads(code):
    return LogEntry.objects.filter(additional_data__code=code)


# ---- attachments -------------------------------------------------------------------------------


def test_staff_attach_images_and_pdfs_detected_by_their_content(cast, api_client, principal,
                                                                school_complaint):
    client = api_client(principal)
    # When the school attaches a JPEG, a PNG named .jpg and a PDF
    answers = [upload(client, school_complaint, name, content) for name, content in (
        ("现场.jpg", JPEG), ("截图.jpg", PNG), ("通知.pdf", PDF))]
    # Then each is stored with the type its bytes show, under MEDIA_ROOT, with a random name
    assert [a.status_code for a in answers] == [201, 201, 201], answers[0].content
    assert [a.json()["content_type"] for a in answers] == ["image/jpeg", "image/png",
                                                           "application/pdf"]
    files = stored_files()
    assert len(files) == 3 and {f.suffix for f in files} == {".jpg", ".png", ".pdf"}
    assert not any("现场" in f.name or "截图" in f.name for f in files)
    assert ComplaintAttachment.objects.filter(from_complainant=False).count() == 3
    # and a fourth is one too many
    assert_error(upload(client, school_complaint, "多余.png", PNG), 422, "too_many", "file")


@pytest.mark.parametrize("name,content,code", [
    ("大图.jpg", JPEG + b"0" * MAX_ATTACHMENT_BYTES, "too_large"),
    ("病毒.jpg", b"MZ\x90\x00 an executable", "file_type"),
    ("动图.gif", b"GIF89a" + b"\x00" * 20, "file_type"),
    ("说明.pdf", b"just text, not a PDF", "file_type"),
    ("空.png", b"", "invalid"),
])
def test_wrong_or_oversized_files_are_refused_and_nothing_is_stored(
        cast, api_client, principal, school_complaint, name, content, code):
    response = upload(api_client(principal), school_complaint, name, content)
    assert_error(response, 422, code, "file")
    assert not ComplaintAttachment.objects.exists() and stored_files() == []


def test_attachments_are_served_only_to_staff_who_see_the_complaint(
        cast, api_client, web_client, principal, inspector, supervisor, teacher_a,
        bureau_admin_b, school_complaint):
    upload(api_client(principal), school_complaint, "现场.png", PNG)
    attachment = ComplaintAttachment.objects.get()
    url = reverse("complaints:attachment", args=[attachment.pk])
    # The responsible school and the inspector get the file, as a download
    for actor in (principal, inspector):
        response = web_client(actor).get(url)
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == PNG
        assert response["Content-Type"] == "image/png"
        assert response["Content-Disposition"].startswith("attachment")
    # and each download is in the audit log
    assert [e.actor for e in reads("complaints.attachment.read").order_by("pk")] == [
        principal, inspector]
    # The supervision section (not its unit) and another district: as if missing
    assert web_client(supervisor).get(url).status_code == 404
    assert web_client(bureau_admin_b).get(url).status_code == 404
    # A teacher has no complaint role; an anonymous visitor is sent to log in
    assert web_client(teacher_a).get(url).status_code == 403
    assert web_client(None).get(url)["Location"].startswith("/login/")
    assert reads("complaints.attachment.read").count() == 2


def test_the_api_lists_attachments_with_their_gated_address(cast, api_client, principal,
                                                            school_complaint):
    upload(api_client(principal), school_complaint, "现场.png", PNG)
    detail = api_client(principal).get(f"{API}/{school_complaint.pk}").json()
    attachment = ComplaintAttachment.objects.get()
    assert detail["attachments"] == [{
        "id": attachment.pk, "name": "现场.png", "content_type": "image/png", "size": len(PNG),
        "from_complainant": False, "uploaded_at": detail["attachments"][0]["uploaded_at"],
        "url": reverse("complaints:attachment", args=[attachment.pk])}]


def test_inspectors_and_other_units_cannot_upload(cast, api_client, inspector, supervisor,
                                                  school_complaint):
    assert_error(upload(api_client(inspector), school_complaint, "a.png", PNG), 403, "forbidden")
    assert_error(upload(api_client(supervisor), school_complaint, "a.png", PNG), 404,
                 "not_found")
    assert not ComplaintAttachment.objects.exists()


# ---- the complainant's data --------------------------------------------------------------------


def test_lists_and_details_mask_the_complainant(cast, api_client, web_client, principal,
                                                school_complaint):
    # When the school lists its complaints and opens one, by API and on the page
    listed = api_client(principal).get(API)
    detail = api_client(principal).get(f"{API}/{school_complaint.pk}")
    page = web_client(principal).get(reverse("complaints:index"))
    detail_page = web_client(principal).get(reverse("complaints:detail",
                                                    args=[school_complaint.pk]))
    # Then the name and phone are masked everywhere
    item = listed.json()["items"][0]
    assert (item["complainant_name"], item["complainant_phone"]) == ("张**", "139****5678")
    assert detail.json()["complainant_phone"] == "139****5678"
    for response in (listed, detail, page, detail_page):
        text = response.content.decode()
        assert PHONE not in text and "张三丰" not in text
    # and reading lists logs nothing
    assert not reads("complaints.complainant.read").exists()


def test_revealing_the_complainant_is_logged(cast, api_client, web_client, principal, hotline,
                                             school_complaint):
    # When the school reads the complainant's contact through the API
    response = api_client(principal).get(f"{API}/{school_complaint.pk}/complainant")
    # Then it gets them, and the read is in the audit log with who and which complaint
    assert response.json() == {"id": school_complaint.pk, "anonymous": False, "name": "张三丰",
                               "phone": PHONE}
    entry = reads("complaints.complainant.read").get()
    assert (entry.actor, entry.object_pk, entry.action) == (principal, str(school_complaint.pk),
                                                            LogEntry.Action.ACCESS)
    assert PHONE not in str(entry.additional_data) and PHONE not in str(entry.changes)
    # When the hotline reveals it on the page (htmx)
    page = web_client(hotline).post(reverse("complaints:reveal", args=[school_complaint.pk]),
                                    headers={"HX-Request": "true"})
    assert page.status_code == 200 and PHONE in page.content.decode()
    assert [e.actor for e in reads("complaints.complainant.read").order_by("pk")] == [
        principal, hotline]


def test_only_those_who_call_back_may_reveal(cast, api_client, web_client, inspector,
                                             supervisor, bureau_admin_b, school_complaint):
    url = f"{API}/{school_complaint.pk}/complainant"
    assert_error(api_client(inspector).get(url), 403, "forbidden")
    assert_error(api_client(supervisor).get(url), 404, "not_found")
    assert_error(api_client(bureau_admin_b).get(url), 404, "not_found")
    assert web_client(inspector).post(reverse("complaints:reveal",
                                              args=[school_complaint.pk])).status_code == 403
    assert not reads("complaints.complainant.read").exists()


def test_an_anonymous_complaint_has_nothing_to_reveal(cast, api_client, supervisor,
                                                      institution_complaint):
    response = api_client(supervisor).get(f"{API}/{institution_complaint.pk}/complainant")
    assert response.json() == {"id": institution_complaint.pk, "anonymous": True, "name": "",
                               "phone": ""}
    assert not reads("complaints.complainant.read").exists()
    item = api_client(supervisor).get(API).json()["items"][0]
    assert (item["complainant_name"], item["complainant_phone"]) == ("匿名", "")


def test_the_export_carries_only_masked_data_and_is_logged(cast, web_client, bureau_admin,
                                                           school_complaint):
    response = web_client(bureau_admin).get(reverse("complaints:export"))
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    rows = list(book["投诉清单"].values)
    assert rows[1][0] == school_complaint.code_display
    assert rows[1][-2:] == ("张**", "139****5678")
    assert PHONE not in str(rows)
    assert reads("complaints.exported").get().actor == bureau_admin


def test_files_are_not_reachable_without_the_gate(cast, api_client, client, principal,
                                                  school_complaint):
    upload(api_client(principal), school_complaint, "现场.png", PNG)
    stored = ComplaintAttachment.objects.get().file.name
    # No media URL is served: the stored path is not a page
    assert client.get(f"/media/{stored}").status_code == 404
    assert client.get(f"/{stored}").status_code == 404


def test_services_refuse_reading_an_attachment_outside_the_role(cast, principal, teacher_a,
                                                                school_complaint):
    services.add_attachment(actor=principal, complaint=school_complaint,
                            upload=SimpleUploadedFile("a.pdf", PDF))
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.open_attachment(actor=teacher_a, attachment=ComplaintAttachment.objects.get())


def test_a_vanished_file_is_404_and_no_read_is_logged(cast, api_client, web_client, principal,
                                                      school_complaint):
    upload(api_client(principal), school_complaint, "现场.png", PNG)
    attachment = ComplaintAttachment.objects.get()
    attachment.file.storage.delete(attachment.file.name)
    response = web_client(principal).get(reverse("complaints:attachment", args=[attachment.pk]))
    assert response.status_code == 404
    assert not reads("complaints.attachment.read").exists()
