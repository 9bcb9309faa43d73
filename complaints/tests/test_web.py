"""The staff pages through the web client: the list with its filters and badges (and its htmx
fragment), one complaint with its history and forms, each form's success and refusal, the
hotline's intake form."""

import datetime as dt
import re

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from complaints import services
from complaints.models import Complaint, ComplaintAttachment, ComplaintLink
from complaints.tests.conftest import PHONE, PNG, file
from institutions.models import Card


def listed(response):
    return [int(pk) for pk in re.findall(r'id="complaint-(\d+)"', response.content.decode())]


def messages_of(response):
    return [str(m) for m in response.context["messages"]]


def detail_url(complaint, name="detail"):
    return reverse(f"complaints:{name}", args=[complaint.pk])


# ---- the list ----------------------------------------------------------------------------------


def test_the_list_filters_and_shows_overdue_and_escalated_badges(
        cast, clock, web_client, bureau_admin, principal, django_assert_max_num_queries):
    # Given an old complaint, escalated, and a new one acknowledged
    clock.set(dt.date(2026, 11, 2))
    old = file(cast, subject="旧投诉")
    clock.set(dt.date(2026, 11, 23))
    services.escalate_overdue()
    new = file(cast, category="exams", subject="期中考试排名")
    services.acknowledge(actor=principal, complaint=new)
    client = web_client(bureau_admin)
    url = reverse("complaints:index")
    # When the bureau admin opens the list
    with django_assert_max_num_queries(15):
        page = client.get(url)
    # Then both are listed, newest first, the old one with its badges
    assert listed(page) == [new.pk, old.pk]
    row = page.content.decode().split(f'id="complaint-{old.pk}"')[1].split("</tr>")[0]
    assert "受理超期" in row and "已升级督办" in row and "教育局督办" in row
    assert page.context["counts"] == {"open": 2, "overdue": 1, "escalated": 1}
    # When they filter (htmx asks for the results only)
    fragment = client.get(url, {"flag": "overdue"}, headers={"HX-Request": "true"})
    assert "<html" not in fragment.content.decode() and listed(fragment) == [old.pk]
    assert listed(client.get(url, {"flag": "escalated"})) == [old.pk]
    assert listed(client.get(url, {"status": "acknowledged"})) == [new.pk]
    assert listed(client.get(url, {"category": "exams"})) == [new.pk]
    assert listed(client.get(url, {"q": old.code_display.lower()})) == [old.pk]
    assert listed(client.get(url, {"q": "期中"})) == [new.pk]
    # An invalid filter value filters nothing
    assert listed(client.get(url, {"status": "nonsense"})) == [new.pk, old.pk]


# ---- one complaint -----------------------------------------------------------------------------


def test_the_responsible_school_sees_the_next_steps_and_an_inspector_only_reads(
        cast, web_client, principal, inspector, school_complaint):
    page = web_client(principal).get(detail_url(school_complaint)).content.decode()
    assert 'id="acknowledge-form"' in page and 'id="reject-form"' in page
    assert 'id="resolve-form"' not in page  # not before it is acknowledged
    assert 'id="reply-form"' in page and 'id="reveal"' in page
    assert school_complaint.details in page and "张**" in page and PHONE not in page
    read_only = web_client(inspector).get(detail_url(school_complaint)).content.decode()
    assert "-form" not in "".join(re.findall(r'id="[a-z]+-form"', read_only))
    assert 'id="history"' in read_only and 'id="reveal"' not in read_only


def test_acknowledge_resolve_and_close_through_the_pages(cast, web_client, principal,
                                                         school_complaint):
    client = web_client(principal)
    # Acknowledge with a note
    response = client.post(detail_url(school_complaint, "acknowledge"), {"note": "已受理"})
    assert response.status_code == 302 and "已受理" in messages_of(client.get(response["Location"]))[0]
    client.post(detail_url(school_complaint, "start"), {})
    # Resolving without an outcome shows the error on its field
    refused = client.post(detail_url(school_complaint, "resolve"), {"outcome": ""})
    assert refused.status_code == 200
    assert "请填写办理结果" in refused.content.decode()
    assert Complaint.objects.get(pk=school_complaint.pk).status == "in_progress"
    # With one it is resolved, then archived
    client.post(detail_url(school_complaint, "resolve"), {"outcome": "已调整作业"})
    client.post(detail_url(school_complaint, "close"), {})
    assert Complaint.objects.get(pk=school_complaint.pk).status == "closed"
    # A step the state no longer allows comes back as a message, not a form error
    again = client.post(detail_url(school_complaint, "start"), {}, follow=True)
    assert "不能开始办理" in messages_of(again)[-1]


def test_replies_and_notes_through_the_page(cast, web_client, principal, hotline,
                                            school_complaint):
    services.acknowledge(actor=principal, complaint=school_complaint)
    web_client(principal).post(detail_url(school_complaint, "reply"),
                               {"text": "正在核实", "visibility": "public"})
    web_client(hotline).post(detail_url(school_complaint, "reply"),
                             {"text": "家长再次来电", "visibility": "internal"})
    # The hotline cannot answer the complainant
    forbidden = web_client(hotline).post(detail_url(school_complaint, "reply"),
                                         {"text": "我们会处理", "visibility": "public"})
    assert forbidden.status_code == 403
    assert list(school_complaint.events.filter(kind__in=["replied", "noted"]).values_list(
        "kind", "public", "note")) == [("replied", True, "正在核实"), ("noted", False, "家长再次来电")]


def test_merge_by_tracking_code_and_reassign_through_the_pages(cast, web_client, hotline):
    main, duplicate, other = file(cast), file(cast), file(cast, category="other")
    client = web_client(hotline)
    # An unknown code is an error on the field
    wrong = client.post(detail_url(duplicate, "merge"), {"main": "2345-6789-ABCD"})
    assert wrong.status_code == 200 and "没有找到" in wrong.content.decode()
    # So is a number outside the hotline's district
    other_district = file(cast, bureau=cast.district_b, school=cast.school_b1.pk)
    hidden = client.post(detail_url(duplicate, "merge"), {"main": str(other_district.pk)})
    assert hidden.status_code == 200 and "没有找到该编号" in hidden.content.decode()
    # The main complaint's code, as typed by a person
    response = client.post(detail_url(duplicate, "merge"),
                           {"main": main.code_display.lower(), "note": "重复"})
    assert response.status_code == 302
    assert Complaint.objects.get(pk=duplicate.pk).duplicate_of_id == main.pk
    # Reassign the "other" complaint to school A1
    response = client.post(detail_url(other, "reassign"),
                           {"unit": f"school:{cast.school_a1.pk}", "reason": "属学校管理问题"})
    assert response.status_code == 302
    assert Complaint.objects.get(pk=other.pk).unit_school_id == cast.school_a1.pk
    # Without a reason, the form says so
    again = client.post(detail_url(other, "reassign"),
                        {"unit": "section:supervisor", "reason": ""})
    assert again.status_code == 200 and "请填写转办原因" in again.content.decode()


def test_card_link_and_attachment_through_the_pages(cast, web_client, supervisor,
                                                    institution_complaint):
    client = web_client(supervisor)
    services.acknowledge(actor=supervisor, complaint=institution_complaint)
    page = client.get(detail_url(institution_complaint)).content.decode()
    assert 'id="card-form"' in page and 'id="link-form"' in page
    response = client.post(detail_url(institution_complaint, "card"),
                           {"colour": "yellow", "reason": "违规培训", "rule": "TS-1"})
    assert response.status_code == 302
    assert Card.objects.get().institution == cast.institution_1
    client.post(detail_url(institution_complaint, "link"),
                {"kind": "refund_review", "object_id": "7", "note": "退费核查"})
    assert set(ComplaintLink.objects.values_list("kind", flat=True)) == {"card",
                                                                        "refund_review"}
    wrong = client.post(detail_url(institution_complaint, "attach"),
                        {"file": SimpleUploadedFile("a.txt", b"hello world")})
    assert wrong.status_code == 200 and "不是 JPG、PNG 图片或 PDF" in wrong.content.decode()
    client.post(detail_url(institution_complaint, "attach"),
                {"file": SimpleUploadedFile("现场.png", PNG)})
    assert ComplaintAttachment.objects.get().name == "现场.png"


# ---- hotline intake ----------------------------------------------------------------------------


def test_the_hotline_files_a_callers_complaint_on_the_intake_form(cast, web_client, hotline):
    client = web_client(hotline)
    url = reverse("complaints:file")
    page = client.get(url)
    assert page.status_code == 200 and cast.school_a1.name in page.content.decode()
    # The school list follows the district (htmx)
    fragment = client.get(url, {"bureau": cast.district_a.code}, headers={"HX-Request": "true"})
    assert 'id="targets"' in fragment.content.decode()
    data = {"bureau": cast.district_a.code, "channel": "hotline", "category": "after_school",
            "subject": "课后服务乱收费", "details": "学校课后服务每月另收托管费三百元，家长反映强烈。",
            "school": str(cast.school_a1.pk), "institution": "", "teacher_name": "",
            "complainant_name": "赵六", "complainant_phone": "13700001234"}
    # A refusal stays on the form
    refused = client.post(url, {**data, "complainant_phone": ""})
    assert refused.status_code == 200 and "手机号不能为空" in refused.content.decode()
    # A good filing goes to the new complaint with its code in the message
    response = client.post(url, data, follow=True)
    complaint = Complaint.objects.get()
    assert response.redirect_chain[-1][0] == detail_url(complaint)
    assert complaint.code_display in messages_of(response)[0]
    assert (complaint.channel, complaint.filed_by, complaint.unit_school) == (
        "hotline", hotline, cast.school_a1)


def test_school_admins_and_inspectors_have_no_intake_form(cast, web_client, principal,
                                                          inspector):
    assert web_client(principal).get(reverse("complaints:file")).status_code == 403
    assert web_client(inspector).get(reverse("complaints:file")).status_code == 403
