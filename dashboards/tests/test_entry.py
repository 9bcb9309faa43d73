"""The navigation's 监测看板 entry opens each reader's own level."""

import pytest
from django.urls import reverse

from core.navigation import entries_for

MINE = reverse("dashboards:mine")


@pytest.mark.parametrize("actor,target", [
    ("bureau_admin", lambda c: reverse("dashboards:district")),
    ("inspector", lambda c: reverse("dashboards:district")),
    ("principal", lambda c: reverse("dashboards:school", args=[c.school_a1.pk])),
    ("head_teacher_a", lambda c: reverse("dashboards:class", args=[c.class_a1_4_1.pk])),
])
def test_the_entry_opens_the_readers_level(cast, web_client, request, actor, target):
    user = request.getfixturevalue(actor)
    assert "监测看板" in [e["label"] for e in entries_for(user)]
    response = web_client(user).get(MINE)
    assert response.status_code == 302
    assert response.url == target(cast)
    assert web_client(user).get(response.url).status_code == 200


@pytest.mark.parametrize("actor", ["teacher_a", "guardian_p", "institution_staff"])
def test_no_entry_and_403_without_a_dashboard(cast, web_client, request, actor):
    user = request.getfixturevalue(actor)
    assert "监测看板" not in [e["label"] for e in entries_for(user)]
    response = web_client(user).get(MINE)
    assert response.status_code == 403
    assert "看板" in response.content.decode()
