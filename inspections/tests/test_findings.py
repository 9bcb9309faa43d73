"""Service rules found while building the pages, held at the service (every door gets them)."""

import pytest

from core.errors import RuleViolation
from inspections import services
from inspections.models import Inspector


def test_only_a_district_inspector_login_can_be_linked(cast, supervisor):
    # Given a guardian's login (no inspector role anywhere)
    # When the supervisor adds a roster entry linked to it through the service
    # Then the service refuses it, as the API does
    with pytest.raises(RuleViolation):
        services.add_inspector(actor=supervisor, bureau=cast.district_a, name="张家长",
                               department="education", user=cast.guardian_p)
    assert not Inspector.objects.filter(user=cast.guardian_p).exists()
