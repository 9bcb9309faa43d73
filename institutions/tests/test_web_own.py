"""An institution's own pages, the application form and the public lookup, through the web doors.

Today is Monday 2026-11-23 (``pinned_today``); district A's first term runs 2026-09-01 –
2027-01-22. ``subject_inst`` is an approved subject-type offline institution with its staff
login ``subject_staff``; ``art_inst`` / ``art_staff`` another institution of the same district.
"""

import datetime as dt
import re

import pytest
from django.urls import reverse

from conftest import make_id_number
from institutions import services
from institutions.models import Institution, InstitutionVersion, Staff, TeacherMatch, TrainingCourse
from institutions.tests.conftest import NATIONAL_DAY, new_code

pytestmark = pytest.mark.usefixtures("pinned_today")

TUESDAY = dt.date(2026, 11, 24)


def own(name, institution):
    return reverse(f"institutions:{name}", args=[institution.pk])


def text_of(response):
    return response.content.decode()


def errors_of(response):
    """The text of the form's error lists (the page's hints name rule ids too)."""
    return "".join(re.findall(r'<ul class="errors"[^>]*>(.*?)</ul>', text_of(response), re.S))


def staff_row(page, pk):
    found = re.search(rf'<tr id="staff-{pk}">.*?</tr>', page, re.S)
    assert found, f"no row for staff {pk}"
    return found.group(0)


# ---- the institution's record ----------------------------------------------------------------


def test_own_pages_render_for_the_staff_and_are_missing_for_another_institution(
        web_client, subject_inst, subject_staff, art_inst, art_staff,
        django_assert_max_num_queries):
    # Given the staff of the subject-type institution
    client = web_client(subject_staff)
    # When they open their record page; then it shows their registry data and licence
    page = text_of(client.get(reverse("institutions:mine")))
    assert subject_inst.name in page and subject_inst.school_permit_no in page
    assert "2027年12月31日" in page  # permit validity
    assert art_inst.name not in page
    # and each of their own pages opens
    # (a constant budget: the courses page looks up six guide prices up the bureau chain)
    for name in ("mine-staff", "mine-courses", "mine-sessions"):
        with django_assert_max_num_queries(24):
            assert client.get(own(name, subject_inst)).status_code == 200, name
    # When the art institution's staff opens the same pages; then they look missing
    other = web_client(art_staff)
    for name in ("mine-staff", "mine-courses", "mine-sessions"):
        assert other.get(own(name, subject_inst)).status_code == 404, name
    assert other.post(own("mine-contact", subject_inst), {"phone": "1"}).status_code == 404


def test_contact_details_change_with_a_ledger_entry_and_the_name_is_refused(
        web_client, subject_inst, subject_staff):
    client = web_client(subject_staff)
    url = own("mine-contact", subject_inst)
    contact = {"legal_representative": "陈某", "phone": "0379-66668888", "address": "甲区学府路 1 号"}
    # When the staff saves new contact details
    response = client.post(url, contact)
    # Then they are saved, as a new version of the ledger
    assert response.status_code == 302
    subject_inst.refresh_from_db()
    assert (subject_inst.phone, subject_inst.address) == ("0379-66668888", "甲区学府路 1 号")
    version = InstitutionVersion.objects.get(institution=subject_inst, event="changed")
    assert version.changes["phone"] == ["", "0379-66668888"]
    page = text_of(client.get(reverse("institutions:mine")))
    assert "0379-66668888" in page and "变更机构信息" in page
    # When they also send a new name (the form offers none); then the service refuses it
    response = client.post(url, {**contact, "phone": "0379-11112222", "name": "新名称培训学校"})
    assert response.status_code == 403
    subject_inst.refresh_from_db()
    assert subject_inst.name == "甲区学思文化培训学校" and subject_inst.phone == "0379-66668888"


# ---- staff (TT) ------------------------------------------------------------------------------


def staff_form(**changes):
    data = {"name": "钱某", "id_number": make_id_number(301, birth="19900505"), "kind": "teaching",
            "full_time": "on", "subjects": ["maths"], "teacher_certificate_no": "20204100000777",
            "labour_contract": "on"}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_a_subject_teacher_without_a_certificate_is_refused_and_nothing_is_saved(
        web_client, subject_inst, subject_staff):
    # When the staff registers a maths teacher without a teacher certificate
    response = web_client(subject_staff).post(own("mine-staff", subject_inst),
                                              staff_form(teacher_certificate_no=None))
    # Then the page shows TT-1 and nobody is registered
    assert response.status_code == 200
    assert "教师资格证书。（TT-1）" in errors_of(response)
    assert not Staff.objects.filter(institution=subject_inst).exists()
    assert not InstitutionVersion.objects.filter(institution=subject_inst).exists()


def test_an_in_service_teachers_id_number_gives_the_institution_no_hint(
        cast, web_client, subject_inst, subject_staff):
    client = web_client(subject_staff)
    url = own("mine-staff", subject_inst)
    teacher_id = cast.teacher_a_profile.id_number
    # When the staff registers an in-service teacher and someone who is not one
    answers = [client.post(url, staff_form(name=name, id_number=number), follow=True)
               for name, number in (("甲某", teacher_id),
                                    ("乙某", make_id_number(302, birth="19850101")))]
    # Then supervision holds a match for the teacher only
    assert TeacherMatch.objects.filter(teacher=cast.teacher_a_profile).count() == 1
    teacher, other = (Staff.objects.get(institution=subject_inst, name=n) for n in ("甲某", "乙某"))
    # and the institution gets the same answer for both: message and roster row differ only
    # in the name, the masked ID number and the row id
    def normalised(html, staff):
        for value in (staff.name, staff.id_masked, f"staff-{staff.pk}", f"/staff/{staff.pk}/"):
            html = html.replace(value, "X")
        return html

    messages = [re.search(r'<ul class="messages">.*?</ul>', text_of(r), re.S).group(0)
                for r in answers]
    assert normalised(messages[0], teacher) == normalised(messages[1], other)
    page = text_of(client.get(url))
    assert normalised(staff_row(page, teacher.pk), teacher) == \
        normalised(staff_row(page, other.pk), other)
    # nor does the full ID number or any word about teachers appear anywhere they look
    for path in (url, reverse("institutions:mine")):
        page = text_of(client.get(path))
        assert teacher_id not in page
        assert "在职教师比对" not in page and "疑似" not in page and "李老师" not in page


def test_staff_leave_and_the_full_time_share_is_shown(web_client, subject_inst, subject_staff):
    client = web_client(subject_staff)
    url = own("mine-staff", subject_inst)
    client.post(url, staff_form())
    client.post(url, staff_form(name="孙某", id_number=make_id_number(303, birth="19910101"),
                                full_time=None))
    # Then one of two is full-time: 50 % meets TT-3
    page = text_of(client.get(url))
    assert "专职教学、教研人员 1 人 / 在职从业人员 2 人（50%）" in page and "share-short" not in page
    # When the full-time one leaves; then the share falls short
    leaver = Staff.objects.get(name="钱某")
    assert client.post(reverse("institutions:mine-staff-left",
                               args=[subject_inst.pk, leaver.pk])).status_code == 302
    leaver.refresh_from_db()
    assert leaver.left_on == dt.date(2026, 11, 23)
    assert 'id="share-short"' in text_of(client.get(url))


# ---- courses and fees (TP) -------------------------------------------------------------------


def course_form(**changes):
    data = {"name": "初一数学提高", "subject": "maths", "mode": "offline", "grades": ["7"],
            "class_size": "20", "lesson_minutes": "45", "lessons": "12", "price": "66.01",
            "content_summary": "同步巩固"}
    data.update(changes)
    return data


def test_a_course_over_the_guide_price_is_refused_with_the_ceiling(
        web_client, subject_inst, subject_staff, guide_prices):
    client = web_client(subject_staff)
    url = own("mine-courses", subject_inst)
    # Given the offline 10–35 band's base price of 60.00 元 per 45 minutes, up at most 10 %
    # When the staff publishes 66.01 元 per 45-minute lesson
    response = client.post(url, course_form())
    # Then TP-1 refuses it, naming the ceiling, and nothing is saved
    errors = errors_of(response)
    assert response.status_code == 200
    assert "（TP-1）" in errors and "最高 66.00 元" in errors
    assert not TrainingCourse.objects.exists()
    # When they publish 66.00 元; then the course is stored in fen and shown in 元
    assert client.post(url, course_form(price="66.00")).status_code == 302
    course = TrainingCourse.objects.get()
    assert course.price_per_lesson_fen == 6600 and course.lessons == 12
    page = text_of(client.get(url))
    assert "66.00 元" in page and "792.00 元" in page


# ---- the schedule (TS) -----------------------------------------------------------------------


@pytest.fixture
def maths_course(subject_inst, subject_staff, guide_prices):
    return services.add_course(
        actor=subject_staff, institution=subject_inst, name="初一数学提高", subject="maths",
        mode="offline", grades=[7], class_size=20, lesson_minutes=45, price_per_lesson_fen=6000,
        content_summary="同步巩固")


def test_sessions_are_refused_on_holidays_and_after_the_offline_end(
        web_client, subject_inst, subject_staff, maths_course, calendar_a):
    client = web_client(subject_staff)
    url = own("mine-sessions", subject_inst)

    def file(date, start, end):
        return client.post(url, {"course": maths_course.pk, "date": date.isoformat(),
                                 "start": start, "end": end})

    # National Day is a statutory holiday: TS-1
    response = file(NATIONAL_DAY, "09:00", "10:30")
    assert response.status_code == 200
    assert "（TS-1）" in errors_of(response) and "（TS-3）" not in errors_of(response)
    # an offline lesson ending 20:45: TS-3
    errors = errors_of(file(TUESDAY, "19:15", "20:45"))
    assert "20:30。（TS-3）" in errors and "（TS-1）" not in errors
    # both at once: every problem is listed
    errors = errors_of(file(NATIONAL_DAY, "19:15", "20:45"))
    assert "（TS-1）" in errors and "（TS-3）" in errors
    assert not maths_course.sessions.exists()
    # a valid one is filed and listed
    assert file(TUESDAY, "18:30", "20:00").status_code == 302
    session = maths_course.sessions.get()
    assert session.start.isoformat() == "2026-11-24T10:30:00+00:00"  # 18:30 in Beijing
    row = re.search(rf'<tr id="session-{session.pk}">.*?</tr>', text_of(client.get(url)), re.S)
    assert row and "18:30–20:00" in row.group(0) and "初一数学提高" in row.group(0)


# ---- applying (TI) ---------------------------------------------------------------------------


def application(cast, **changes):
    data = {"bureau": str(cast.district_a.pk), "name": "甲区新学科培训学校",
            "credit_code": new_code(), "subject_type": "1", "mode": "offline",
            "serves_compulsory": "on", "legal_representative": "周某", "phone": "0379-61234567",
            "address": "甲区体育路 2 号"}
    data.update(changes)
    return data


def test_an_application_for_compulsory_subject_training_is_refused_ti1(
        cast, web_client, institution_staff):
    client = web_client(institution_staff)
    url = reverse("institutions:apply")
    # When the applicant applies for a subject-type institution for compulsory education
    response = client.post(url, application(cast))
    # Then TI-1 refuses it with a plain explanation and nothing is registered
    assert response.status_code == 200
    assert "（TI-1）" in errors_of(response)
    why = re.search(r'<p class="warning" id="why-refused">(.*?)</p>', text_of(response), re.S)
    assert why and "可以申请体育、艺术" in why.group(1)
    assert not Institution.objects.filter(name="甲区新学科培训学校").exists()
    # When they apply for a sports institution instead; then it is registered as applying and
    # they work for it
    response = client.post(url, application(cast, name="甲区跃动体育", subject_type="0",
                                            category="sport"))
    assert response.status_code == 302
    new = Institution.objects.get(name="甲区跃动体育")
    assert new.status == Institution.Status.APPLYING and new.bureau == cast.district_a
    assert "甲区跃动体育" in text_of(client.get(reverse("institutions:mine")))


# ---- the public lookup -----------------------------------------------------------------------


def test_the_public_finds_an_institution_and_sees_fees_but_nothing_private(
        cast, web_client, subject_inst, subject_staff, art_inst, maths_course,
        django_assert_max_num_queries):
    services.change_institution(actor=subject_staff, institution=subject_inst,
                                phone="0379-66668888")
    id_number = make_id_number(304, birth="19880808")
    teacher = services.add_staff(actor=subject_staff, institution=subject_inst, name="吴某",
                                 id_number=id_number, kind="teaching", subjects=["maths"],
                                 teacher_certificate_no="20204100000888")
    applying = Institution.objects.create(bureau=cast.district_a, name="甲区学思申请中学校",
                                          status="applying", licence_status="licence_only")
    visitor = web_client(None)
    # When an anonymous visitor searches by name
    with django_assert_max_num_queries(6):
        response = visitor.get(reverse("public:search"), {"q": "学思"})
    # Then they find the institution (not the others, nor an application)
    page = text_of(response)
    assert response.status_code == 200
    assert subject_inst.name in page and subject_inst.credit_code in page and "有证有照" in page
    assert art_inst.name not in page and applying.name not in page
    # and by credit code
    page = text_of(visitor.get(reverse("public:search"), {"q": art_inst.credit_code.lower()}))
    assert art_inst.name in page and subject_inst.name not in page
    # When they open the detail; then fees and qualifications show, private data does not
    detail = reverse("public:detail")
    page = text_of(visitor.get(detail, {"id": subject_inst.pk}))
    assert "初一数学提高" in page and "60.00 元" in page
    assert "吴某" in page and "20204100000888" in page
    assert id_number not in page and teacher.id_masked not in page
    assert "0379-66668888" not in page
    # and an application is not public
    assert visitor.get(detail, {"id": applying.pk}).status_code == 404
    assert visitor.get(detail, {"id": "x"}).status_code == 404
