"""The library pages through the web client: contribute, search, rate, select, and file homework
from a library item on the homework filing page."""

import datetime as dt
import re

import pytest
from auditlog.models import LogEntry
from django.urls import reverse
from django.utils import timezone

from homework.models import Homework
from resources import services
from resources.models import Rating, ResourceItem, Selection

MON = dt.date(2026, 11, 23)
_real_localdate = timezone.localdate


@pytest.fixture(autouse=True)
def _today_is_monday(monkeypatch):
    """Homework services refuse dates more than a year from today: keep "today" at MON."""

    def localdate(value=None, timezone=None):
        return MON if value is None else _real_localdate(value, timezone)

    monkeypatch.setattr(timezone, "localdate", localdate)


def form(**changes):
    data = {"title": "角的度量分层练习", "content": "基础：量出 3 个角\n提高：画一个 75° 的角",
            "subject": "maths", "grade_from": "4", "grade_to": "4", "textbook": "人教版 四年级上册",
            "unit": "第三单元 角的度量", "kind": "written", "difficulty": "3", "minutes": "15",
            "layer": "basic", "visibility": "school", "status": "shared", "within_standard": "on"}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def make(actor, **fields):
    data = {"title": "角的度量分层练习", "content": "量出下列各角。", "subject": "maths",
            "grade_from": 4, "minutes": 15, "layer": "basic", "within_standard": True,
            "unit": "第三单元 角的度量"}
    return services.create_item(actor=actor, **{**data, **fields})


def file_url(cast, date=MON):
    return reverse("homework:file", args=[cast.class_a1_4_1.pk, date.isoformat()])


def homework_form(**changes):
    data = {"subject": "maths", "title": "角的度量分层练习", "content": "量出下列各角。",
            "kind": "written", "minutes": "15", "layer": "basic", "place": "home",
            "parent_role": "none", "channel": "platform"}
    data.update(changes)
    return data


# ---- contributing --------------------------------------------------------------------------

def test_teacher_contributes_an_item_through_the_form(cast, teacher_a, web_client):
    client = web_client(teacher_a)
    # Given the empty form
    assert client.get(reverse("resources:create")).status_code == 200
    # When teacher_a submits a design
    response = client.post(reverse("resources:create"), form())
    # Then they land on its page, and it is stored as theirs
    item = ResourceItem.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("resources:detail", args=[item.pk])
    assert (item.teacher, item.school, item.layer, item.status) == (
        cast.teacher_a_profile, cast.school_a1, "basic", "shared")
    page = client.get(response["Location"]).content.decode()
    assert "角的度量分层练习" in page and "提高：画一个 75° 的角" in page


def test_a_single_grade_needs_no_end_grade(cast, teacher_a, web_client):
    response = web_client(teacher_a).post(reverse("resources:create"),
                                          form(grade_from="5", grade_to=""))
    assert response.status_code == 302
    assert ResourceItem.objects.values_list("grade_from", "grade_to").get() == (5, 5)


def test_form_shows_the_hw_8_refusal(cast, teacher_a, web_client):
    response = web_client(teacher_a).post(reverse("resources:create"), form(kind="punitive"))
    assert response.status_code == 200
    assert "（HW-8）" in response.content.decode()
    assert not ResourceItem.objects.exists()


def test_form_shows_the_hw_6_declaration_is_needed_to_share(cast, teacher_a, web_client):
    response = web_client(teacher_a).post(reverse("resources:create"),
                                          form(within_standard=None))
    assert response.status_code == 200
    assert "（HW-6）" in response.content.decode()
    assert not ResourceItem.objects.exists()


def test_owner_edits_through_the_form(cast, teacher_a, web_client):
    item = make(teacher_a)
    client = web_client(teacher_a)
    page = client.get(reverse("resources:edit", args=[item.pk])).content.decode()
    assert 'value="角的度量分层练习"' in page
    response = client.post(reverse("resources:edit", args=[item.pk]),
                           form(title="角的度量（修订）", visibility="district"))
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.title, item.visibility) == ("角的度量（修订）", "district")


def test_bureau_form_offers_only_district_visibility(cast, bureau_admin, web_client):
    page = web_client(bureau_admin).get(reverse("resources:create")).content.decode()
    assert 'value="district"' in page and 'value="school"' not in page


# ---- search page ---------------------------------------------------------------------------

def test_search_page_lists_cards_with_average_and_awards(cast, teacher_a, head_teacher_a,
                                                         teacher_b, principal, web_client,
                                                         django_assert_max_num_queries):
    item = make(teacher_a, visibility="district")
    other = make(teacher_a, title="课外阅读记录", subject="chinese", kind="oral", unit="")
    services.rate_item(actor=head_teacher_a, item=item, stars=4)
    services.rate_item(actor=teacher_b, item=item, stars=5)
    services.select_item(actor=principal, item=item, level="school", reason="分层清晰", year=2026)
    for i in range(10):
        make(teacher_a, title=f"练习{i}")
    client = web_client(teacher_b)
    # When teacher_b (another school) searches maths
    with django_assert_max_num_queries(14):
        response = client.get(reverse("resources:index") + "?subject=maths&grade=4")
    page = response.content.decode()
    # Then the district item shows with its average and award; A1's school-only items do not
    assert response.status_code == 200
    assert "角的度量分层练习" in page and "★ 4.5" in page and "2026 校级优秀设计" in page
    assert "练习1" not in page and other.title not in page
    # and the "selected" filter narrows to awarded designs
    page = web_client(head_teacher_a).get(reverse("resources:index") + "?selected=any")
    assert "角的度量分层练习" in page.content.decode()
    assert "练习1" not in page.content.decode()


def test_search_by_keyword_finds_the_unit(cast, teacher_a, head_teacher_a, web_client):
    make(teacher_a)
    make(teacher_a, title="口算", unit="第一单元 大数的认识")
    page = web_client(head_teacher_a).get(reverse("resources:index") + "?q=大数").content.decode()
    assert "口算" in page and "角的度量分层练习" not in page


# ---- rating and selecting ------------------------------------------------------------------

def test_teacher_rates_through_the_item_page(cast, teacher_a, head_teacher_a, web_client):
    item = make(teacher_a)
    client = web_client(head_teacher_a)
    assert 'id="rate-form"' in client.get(reverse("resources:detail", args=[item.pk])).content.decode()
    response = client.post(reverse("resources:rate", args=[item.pk]),
                           {"stars": "4", "comment": "层次清楚"})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "★ 4.0（1 人评分）" in page and "层次清楚" in page
    assert 'id="rate-form"' not in page and "您已评分：4 星" in page
    # A second rating is refused with a message on the form, nothing more stored
    again = client.post(reverse("resources:rate", args=[item.pk]), {"stars": "1"})
    assert again.status_code == 200 and "只能评一次" in again.content.decode()
    assert Rating.objects.count() == 1


def test_owner_sees_no_rating_form(cast, teacher_a, web_client):
    item = make(teacher_a)
    page = web_client(teacher_a).get(reverse("resources:detail", args=[item.pk])).content.decode()
    assert 'id="rate-form"' not in page


def test_principal_selects_an_excellent_design(cast, teacher_a, principal, web_client):
    item = make(teacher_a)
    client = web_client(principal)
    page = client.get(reverse("resources:detail", args=[item.pk])).content.decode()
    assert 'id="select-form"' in page and 'value="district"' not in page
    response = client.post(reverse("resources:select", args=[item.pk]),
                           {"level": "school", "year": "2026", "reason": "分层清晰，贴近生活"})
    assert response.status_code == 302
    assert "2026 年度校级优秀作业设计" in client.get(response["Location"]).content.decode()
    assert Selection.objects.get().selected_by == principal


def test_owner_deletes_through_the_item_page(cast, teacher_a, web_client):
    item = make(teacher_a)
    response = web_client(teacher_a).post(reverse("resources:delete", args=[item.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("resources:index")
    assert not ResourceItem.objects.exists()


# ---- filing homework from a library item -------------------------------------------------------

def test_item_page_links_to_the_filing_page_of_the_teachers_class(cast, teacher_b, teacher_a,
                                                                   web_client):
    # Given a district item designed by teacher_b of A2
    item = make(teacher_b, visibility="district")
    # When teacher_a (maths in A1-4-1) opens it
    page = web_client(teacher_a).get(reverse("resources:detail", args=[item.pk])).content.decode()
    # Then "用于布置作业" leads to A1-4-1's filing page for today, with the item
    assert f'href="{file_url(cast)}?resource={item.pk}"' in page
    assert "用于布置作业：四年级（1）班" in page


def test_search_started_from_a_filing_page_leads_back_to_that_class_and_day(
        cast, teacher_a, head_teacher_a, web_client):
    item = make(teacher_a)
    client = web_client(head_teacher_a)
    tuesday = "2026-11-24"
    # Given the filing page offers the library, for that class and day
    filing = client.get(file_url(cast, dt.date(2026, 11, 24))).content.decode()
    assert f"?class={cast.class_a1_4_1.pk}&amp;date={tuesday}" in filing
    # When the teacher searches from there and opens an item
    query = f"class={cast.class_a1_4_1.pk}&date={tuesday}"
    index = client.get(reverse("resources:index") + f"?{query}").content.decode()
    detail_url = reverse("resources:detail", args=[item.pk]) + f"?{query}"
    assert detail_url.replace("&", "&amp;") in index
    page = client.get(detail_url).content.decode()
    # Then the item page's button returns to that class and day
    target = reverse("homework:file", args=[cast.class_a1_4_1.pk, tuesday])
    assert f'href="{target}?resource={item.pk}"' in page
    assert page.count("用于布置作业：") == 1


def test_filing_page_is_prefilled_from_a_library_item(cast, teacher_b, teacher_a, web_client):
    item = make(teacher_b, visibility="district", kind="practical", minutes=25,
                content="测量教室里的三个角")
    # When teacher_a opens the filing page with the item
    response = web_client(teacher_a).get(f"{file_url(cast)}?resource={item.pk}")
    page = response.content.decode()
    # Then title, content, kind, minutes and layer come from the item
    assert response.status_code == 200
    assert 'value="角的度量分层练习"' in page
    assert "测量教室里的三个角</textarea>" in page
    assert re.search(r'<option value="practical"[^>]*selected', page)
    assert 'value="25"' in page
    assert re.search(r'<option value="basic"[^>]*selected', page)
    assert "从资源库选用</span>" in page


def test_teacher_files_homework_from_a_library_item(cast, teacher_b, teacher_a, web_client):
    item = make(teacher_b, visibility="district")
    # When teacher_a submits the pre-filled form (possibly adjusted)
    response = web_client(teacher_a).post(f"{file_url(cast)}?resource={item.pk}",
                                          homework_form(minutes="20"))
    # Then the homework is filed for the class and the item's use is counted once
    assert response.status_code == 302, response.content[:500]
    homework = Homework.objects.get()
    assert (homework.title, homework.minutes, homework.school_class) == (
        "角的度量分层练习", 20, cast.class_a1_4_1)
    item.refresh_from_db()
    assert item.times_used == 1
    entry = LogEntry.objects.get(additional_data__code="resources.item.used")
    assert entry.additional_data["homework"] == homework.pk


def test_a_refused_filing_does_not_count_as_a_use(cast, teacher_b, teacher_a, web_client):
    item = make(teacher_b, visibility="district")
    response = web_client(teacher_a).post(f"{file_url(cast)}?resource={item.pk}",
                                          homework_form(channel="phone"))
    assert response.status_code == 200 and "（HW-11）" in response.content.decode()
    item.refresh_from_db()
    assert item.times_used == 0 and not Homework.objects.exists()


def test_an_item_out_of_scope_cannot_be_used(cast, teacher_b, teacher_a, web_client):
    # A school-only item of A2 does not exist for teacher_a of A1
    item = make(teacher_b)
    response = web_client(teacher_a).get(f"{file_url(cast)}?resource={item.pk}")
    assert response.status_code == 404


def test_filing_without_a_library_item_still_works(cast, teacher_a, web_client):
    response = web_client(teacher_a).post(file_url(cast), homework_form())
    assert response.status_code == 302
    assert Homework.objects.count() == 1
