"""The library API through its doors: contribute, search, who sees what, ratings, selections."""

import pytest
from auditlog.models import LogEntry
from django.db.models import Avg, Count
from django.utils import timezone

from conftest import assert_error
from resources import services
from resources.models import Rating, ResourceItem, Selection

URL = "/api/v1/resources/items"


def body(**fields):
    data = {"title": "角的度量分层练习", "content": "用量角器量出下列各角。", "subject": "maths",
            "grade_from": 4, "textbook": "人教版 四年级上册", "unit": "第三单元 角的度量",
            "kind": "written", "difficulty": 3, "minutes": 15, "layer": "basic",
            "within_standard": True}
    data.update(fields)
    return data


def post(client, url, data):
    return client.post(url, data, content_type="application/json")


def make(actor, **fields):
    """Set-up goes through the service, like every door."""
    return services.create_item(actor=actor, **body(**fields))


def ids(response):
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["items"]}


# ---- contributing ----------------------------------------------------------------------------

def test_teacher_contributes_an_item_for_their_school(cast, teacher_a, api_client):
    # Given teacher_a of school A1
    # When they post a design with the HW-6 declaration
    response = post(api_client(teacher_a), URL, body())
    # Then it is stored as a shared item of A1, visible to the school only by default
    assert response.status_code == 201, response.content
    out = response.json()
    assert (out["subject_name"], out["grade_from"], out["grade_to"]) == ("数学", 4, 4)
    assert (out["visibility"], out["status"], out["school"]) == ("school", "shared",
                                                                 cast.school_a1.pk)
    assert out["owner"] == "李老师（甲区第一小学）"
    assert (out["rating_count"], out["average_stars"], out["times_used"]) == (0, None, 0)
    item = ResourceItem.objects.get(pk=out["id"])
    assert (item.teacher, item.bureau) == (cast.teacher_a_profile, cast.district_a)
    assert LogEntry.objects.filter(additional_data__code="resources.item.created").count() == 1


def test_bureau_admin_publishes_a_district_item(cast, bureau_admin, teacher_b, api_client):
    # When district A's admin posts an item without a visibility
    response = post(api_client(bureau_admin), URL, body(title="区教研室推荐"))
    # Then it belongs to the bureau, is shared district-wide and every school of A sees it
    assert response.status_code == 201, response.content
    out = response.json()
    assert (out["school"], out["bureau"], out["visibility"]) == (None, cast.district_a.pk,
                                                                 "district")
    assert out["owner"] == "甲区教育局"
    assert out["id"] in ids(api_client(teacher_b).get(URL))


def test_bureau_item_cannot_be_school_only(cast, bureau_admin, api_client):
    response = post(api_client(bureau_admin), URL, body(visibility="school"))
    assert_error(response, 422, "invalid", "visibility")


@pytest.mark.parametrize("kind", ["repetitive", "punitive"])
def test_forbidden_kinds_are_refused_with_hw_8(cast, teacher_a, api_client, kind):
    # When a teacher contributes repetitive or punitive homework
    response = post(api_client(teacher_a), URL, body(kind=kind))
    # Then HW-8 refuses it and nothing is stored
    assert_error(response, 422, "HW-8", "kind")
    assert not ResourceItem.objects.exists()


def test_forbidden_kind_cannot_be_patched_in(cast, teacher_a, api_client):
    item = make(teacher_a)
    response = api_client(teacher_a).patch(f"{URL}/{item.pk}", {"kind": "punitive"},
                                           content_type="application/json")
    assert_error(response, 422, "HW-8", "kind")
    item.refresh_from_db()
    assert item.kind == "written"


def test_sharing_needs_the_hw_6_declaration_but_a_draft_does_not(cast, teacher_a, api_client):
    client = api_client(teacher_a)
    # When a teacher shares without confirming the curriculum standard
    refused = post(client, URL, body(within_standard=False))
    # Then HW-6 refuses it; as a draft it is kept
    assert_error(refused, 422, "HW-6", "within_standard")
    draft = post(client, URL, body(within_standard=False, status="draft"))
    assert draft.status_code == 201, draft.content
    # and sharing the draft later needs the declaration too
    response = client.patch(f"{URL}/{draft.json()['id']}", {"status": "shared"},
                            content_type="application/json")
    assert_error(response, 422, "HW-6", "within_standard")


@pytest.mark.parametrize("fields,code,field", [
    ({"title": "  "}, "required", "title"),
    ({"subject": "alchemy"}, "invalid", "subject"),
    ({"grade_from": 5, "grade_to": 3}, "invalid", "grade_to"),
    ({"grade_from": 10}, "invalid", "grade_from"),
    ({"minutes": 0}, "invalid", "minutes"),
    ({"minutes": 301}, "invalid", "minutes"),
    ({"difficulty": 6}, "invalid", "difficulty"),
    ({"kind": "essay"}, "invalid", "kind"),
    ({"layer": "elite"}, "invalid", "layer"),
    ({"visibility": "world"}, "invalid", "visibility"),
    ({"status": "published"}, "invalid", "status"),
])
def test_invalid_items_are_refused_with_field_codes(cast, teacher_a, api_client, fields, code,
                                                    field):
    response = post(api_client(teacher_a), URL, body(**fields))
    assert_error(response, 422, code, field)
    assert not ResourceItem.objects.exists()


def test_missing_required_field_is_422_required(cast, teacher_a, api_client):
    data = body()
    del data["minutes"]
    assert_error(post(api_client(teacher_a), URL, data), 422, "required", "minutes")


@pytest.mark.parametrize("actor", ["principal", "guardian_p", "institution_staff", "inspector"])
def test_only_teachers_and_bureau_admins_contribute(cast, api_client, request, actor):
    response = post(api_client(request.getfixturevalue(actor)), URL, body())
    assert_error(response, 403, "forbidden")


def test_anonymous_gets_401(cast, api_client):
    assert_error(api_client(None).get(URL), 401, "unauthorized")


# ---- changing and deleting --------------------------------------------------------------------

def test_owner_changes_an_item_and_others_cannot(cast, teacher_a, head_teacher_a, teacher_b,
                                                 api_client):
    item = make(teacher_a)
    patch = {"title": "角的度量（修订）", "visibility": "district"}
    # Given a colleague of the same school and a teacher of another school
    assert_error(api_client(head_teacher_a).patch(f"{URL}/{item.pk}", patch,
                                                  content_type="application/json"),
                 403, "forbidden")
    assert_error(api_client(teacher_b).patch(f"{URL}/{item.pk}", patch,
                                             content_type="application/json"),
                 404, "not_found")
    # When the owner changes it
    response = api_client(teacher_a).patch(f"{URL}/{item.pk}", patch,
                                           content_type="application/json")
    # Then it is changed, other fields kept, and now visible to the whole district
    assert response.status_code == 200, response.content
    assert (response.json()["title"], response.json()["minutes"]) == ("角的度量（修订）", 15)
    assert item.pk in ids(api_client(teacher_b).get(URL))


def test_owner_deletes_an_item_with_its_ratings(cast, teacher_a, head_teacher_a, api_client):
    item = make(teacher_a)
    services.rate_item(actor=head_teacher_a, item=item, stars=4)
    assert_error(api_client(head_teacher_a).delete(f"{URL}/{item.pk}"), 403, "forbidden")
    response = api_client(teacher_a).delete(f"{URL}/{item.pk}")
    assert response.status_code == 204
    assert not ResourceItem.objects.exists() and not Rating.objects.exists()


def test_an_awarded_design_cannot_be_deleted(cast, teacher_a, principal, api_client):
    item = make(teacher_a)
    services.select_item(actor=principal, item=item, level="school", reason="设计分层清晰")
    assert_error(api_client(teacher_a).delete(f"{URL}/{item.pk}"), 409, "selected")
    assert ResourceItem.objects.filter(pk=item.pk).exists()


# ---- who sees what -------------------------------------------------------------------------

def test_school_items_stay_in_the_school_and_district_items_reach_the_district(
        cast, teacher_a, teacher_b, principal, bureau_admin, bureau_admin_b, api_client):
    # Given a school-only item and a district item of A1, a draft, and an item of A2
    school_only = make(teacher_a, title="本校")
    district = make(teacher_a, title="全区", visibility="district")
    draft = make(teacher_a, title="草稿", status="draft", within_standard=False)
    a2 = make(teacher_b, title="二小本校")
    # Then each actor sees exactly what their scope reaches
    assert ids(api_client(teacher_a).get(URL)) == {school_only.pk, district.pk, draft.pk}
    assert ids(api_client(principal).get(URL)) == {school_only.pk, district.pk}
    assert ids(api_client(teacher_b).get(URL)) == {district.pk, a2.pk}
    assert ids(api_client(bureau_admin).get(URL)) == {school_only.pk, district.pk, a2.pk}
    assert ids(api_client(bureau_admin_b).get(URL)) == set()
    # and a single item outside the scope is 404, like a missing one
    assert_error(api_client(teacher_b).get(f"{URL}/{school_only.pk}"), 404, "not_found")
    assert_error(api_client(principal).get(f"{URL}/{draft.pk}"), 404, "not_found")


def test_district_items_of_a_bureau_above_reach_every_district_below(cast, teacher_a,
                                                                    bureau_admin_b, api_client):
    # Given an admin of the city bureau (above districts A and B)
    from conftest import _user
    from org.roles import Role

    city_admin = _user("city", "市局管理员", (Role.BUREAU_ADMIN, {"bureau": cast.city}))
    # When they publish an item
    city_item = make(city_admin, title="市级推荐")
    assert city_item.bureau == cast.city
    # Then teachers and admins of both districts see it, and the city sees A's shared items
    a1 = make(teacher_a, title="一小")
    assert city_item.pk in ids(api_client(teacher_a).get(URL))
    assert city_item.pk in ids(api_client(bureau_admin_b).get(URL))
    assert ids(api_client(city_admin).get(URL)) == {city_item.pk, a1.pk}


@pytest.mark.parametrize("actor", ["guardian_p", "guardian_nobody", "institution_staff", "bank"])
def test_guardians_institutions_and_the_bank_see_nothing(cast, teacher_a, api_client, request,
                                                         actor):
    item = make(teacher_a, visibility="district")
    client = api_client(request.getfixturevalue(actor))
    assert_error(client.get(URL), 403, "forbidden")
    assert_error(client.get(f"{URL}/{item.pk}"), 403, "forbidden")


# ---- search --------------------------------------------------------------------------------

def test_search_and_filters(cast, teacher_a, head_teacher_a, api_client,
                            django_assert_max_num_queries):
    angles = make(teacher_a, title="角的度量", difficulty=2)
    reading = make(teacher_a, title="课外阅读记录", subject="chinese", kind="oral", grade_from=3,
                   grade_to=6, unit="第五单元 习作", content="读一篇童话并复述", difficulty=4)
    labour = make(teacher_a, title="家务劳动打卡", subject="labour", kind="labour", grade_from=1,
                  grade_to=2, unit="", textbook="")
    client = api_client(head_teacher_a)

    def search(query):
        with django_assert_max_num_queries(12):
            return ids(client.get(f"{URL}?{query}"))

    assert search("") == {angles.pk, reading.pk, labour.pk}
    assert search("q=度量") == {angles.pk}  # the unit
    assert search("q=童话") == {reading.pk}  # the content
    assert search("q=人教版") == {angles.pk, reading.pk}  # the textbook
    assert search("subject=chinese") == {reading.pk}
    assert search("grade=4") == {angles.pk, reading.pk}
    assert search("grade=2") == {labour.pk}
    assert search("kind=oral") == {reading.pk}
    assert search("difficulty=4") == {reading.pk}
    assert search("grade=4&subject=maths&q=角") == {angles.pk}


def test_list_is_paginated_with_items_and_count(cast, teacher_a, head_teacher_a, api_client):
    for i in range(5):
        make(teacher_a, title=f"练习{i}")
    out = api_client(head_teacher_a).get(f"{URL}?limit=2&offset=1").json()
    assert out["count"] == 5 and len(out["items"]) == 2


def test_invalid_selected_filter_is_422(cast, teacher_a, api_client):
    assert_error(api_client(teacher_a).get(f"{URL}?selected=gold"), 422, "invalid", "selected")


# ---- ratings -------------------------------------------------------------------------------

def rate(client, item, stars, comment=""):
    return post(client, f"{URL}/{item.pk}/ratings", {"stars": stars, "comment": comment})


def test_teachers_rate_and_the_average_follows(cast, teacher_a, head_teacher_a, teacher_b,
                                               api_client):
    item = make(teacher_a, visibility="district")
    # When two other teachers rate it 4 and 5 stars
    first = rate(api_client(head_teacher_a), item, 4, "层次清楚")
    second = rate(api_client(teacher_b), item, 5)
    # Then both are stored and the item's count and average are those of the rows
    assert first.status_code == 201, first.content
    assert (first.json()["rating_count"], first.json()["average_stars"]) == (1, 4.0)
    assert (second.json()["rating_count"], second.json()["average_stars"]) == (2, 4.5)
    out = api_client(teacher_a).get(f"{URL}/{item.pk}").json()
    assert (out["rating_count"], out["average_stars"]) == (2, 4.5)
    stored = Rating.objects.filter(item=item).aggregate(n=Count("pk"), avg=Avg("stars"))
    assert (stored["n"], stored["avg"]) == (2, 4.5)
    ratings = api_client(teacher_a).get(f"{URL}/{item.pk}/ratings").json()
    assert ratings["count"] == 2
    assert {r["teacher"] for r in ratings["items"]} == {"赵老师", "孙老师"}


def test_one_rating_per_teacher_per_item(cast, teacher_a, head_teacher_a, api_client):
    item = make(teacher_a)
    client = api_client(head_teacher_a)
    assert rate(client, item, 4).status_code == 201
    # When the same teacher rates again
    response = rate(client, item, 1)
    # Then it is a conflict and the aggregates are unchanged
    assert_error(response, 409, "already_rated")
    item.refresh_from_db()
    assert (item.rating_count, item.rating_total) == (1, 4)


def test_owner_cannot_rate_their_own_design(cast, teacher_a, api_client):
    item = make(teacher_a)
    assert_error(rate(api_client(teacher_a), item, 5), 403, "forbidden")
    assert not Rating.objects.exists()


@pytest.mark.parametrize("actor", ["principal", "bureau_admin"])
def test_only_teachers_rate(cast, teacher_a, api_client, request, actor):
    item = make(teacher_a)
    assert_error(rate(api_client(request.getfixturevalue(actor)), item, 5), 403, "forbidden")


def test_rating_another_schools_school_item_is_404(cast, teacher_a, teacher_b, api_client):
    item = make(teacher_a)
    assert_error(rate(api_client(teacher_b), item, 5), 404, "not_found")


@pytest.mark.parametrize("stars", [0, 6])
def test_stars_are_1_to_5(cast, teacher_a, head_teacher_a, api_client, stars):
    item = make(teacher_a)
    assert_error(rate(api_client(head_teacher_a), item, stars), 422, "invalid", "stars")
    item.refresh_from_db()
    assert item.rating_count == 0


# ---- excellent-design selections (QM-5) -------------------------------------------------------

def select(client, item, level, reason="分层设计清晰，贴近生活", **extra):
    return post(client, f"{URL}/{item.pk}/selections", {"level": level, "reason": reason, **extra})


def test_school_admin_selects_a_design_of_their_school(cast, teacher_a, principal, api_client):
    item = make(teacher_a)
    year = timezone.localdate().year
    response = select(api_client(principal), item, "school")
    assert response.status_code == 201, response.content
    assert (response.json()["level"], response.json()["year"]) == ("school", year)
    # It shows on the item and in the "selected" filters
    out = api_client(principal).get(f"{URL}/{item.pk}").json()
    assert [(s["level"], s["year"]) for s in out["selections"]] == [("school", year)]
    assert ids(api_client(principal).get(f"{URL}?selected=school")) == {item.pk}
    assert ids(api_client(principal).get(f"{URL}?selected=any")) == {item.pk}
    assert ids(api_client(principal).get(f"{URL}?selected=district")) == set()
    assert LogEntry.objects.filter(additional_data__code="resources.item.selected").exists()


def test_one_selection_per_item_level_and_year(cast, teacher_a, principal, api_client):
    item = make(teacher_a)
    client = api_client(principal)
    assert select(client, item, "school", year=2025).status_code == 201
    assert_error(select(client, item, "school", year=2025), 409, "already_selected")
    assert select(client, item, "school", year=2026).status_code == 201
    assert Selection.objects.filter(item=item).count() == 2


def test_bureau_admin_selects_at_district_level_any_design_of_the_district(
        cast, teacher_a, teacher_b, bureau_admin, api_client):
    school_only = make(teacher_a)
    other_school = make(teacher_b, visibility="district")
    client = api_client(bureau_admin)
    assert select(client, school_only, "district").status_code == 201
    assert select(client, other_school, "district").status_code == 201
    # but not at school level: that is the school's own award
    assert_error(select(client, other_school, "school"), 403, "forbidden", "level")


def test_selections_by_the_wrong_admins_are_refused(cast, teacher_a, teacher_b, principal,
                                                    bureau_admin_b, head_teacher_a, api_client):
    a1 = make(teacher_a, visibility="district")
    a2 = make(teacher_b, visibility="district")
    # a school admin: no district awards, nor awards for another school's design
    assert_error(select(api_client(principal), a1, "district"), 403, "forbidden", "level")
    assert_error(select(api_client(principal), a2, "school"), 403, "forbidden")
    # a teacher: no awards at all
    assert_error(select(api_client(head_teacher_a), a1, "school"), 403, "forbidden")
    # another district: the item does not exist for them
    assert_error(select(api_client(bureau_admin_b), a1, "district"), 404, "not_found")
    assert not Selection.objects.exists()


@pytest.mark.parametrize("extra,code,field", [
    ({"reason": " "}, "required", "reason"),
    ({"level": "national"}, "invalid", "level"),
    ({"year": 2019}, "invalid", "year"),
    ({"year": "next"}, "invalid", "year"),
])
def test_selection_fields_are_checked(cast, teacher_a, principal, api_client, extra, code,
                                      field):
    item = make(teacher_a)
    data = {"level": "school", "reason": "好", **extra}
    response = post(api_client(principal), f"{URL}/{item.pk}/selections", data)
    assert_error(response, 422, code, field)


def test_a_future_year_cannot_be_awarded(cast, teacher_a, principal, api_client):
    item = make(teacher_a)
    response = select(api_client(principal), item, "school", year=timezone.localdate().year + 1)
    assert_error(response, 422, "invalid", "year")


def test_order_by_rating(cast, teacher_a, teacher_b, head_teacher_a, api_client):
    low, high, unrated = (make(teacher_a, title=t, visibility="district") for t in "低高无")
    services.rate_item(actor=head_teacher_a, item=low, stars=2)
    services.rate_item(actor=head_teacher_a, item=high, stars=5)
    services.rate_item(actor=teacher_b, item=high, stars=4)
    rows = api_client(teacher_b).get(f"{URL}?order=rating").json()["items"]
    assert [r["id"] for r in rows] == [high.pk, low.pk, unrated.pk]
