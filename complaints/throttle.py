"""The rate limit of the public complaint doors (the API and the web form share it).

The rate is the setting ``COMPLAINTS_PUBLIC_RATE`` (``"<n>/<period>"``, e.g. ``"10/h"``), read
on every request so that tests and operators can change it without a restart. The count is
kept per client address in Django's cache.
"""

from django.conf import settings
from ninja.throttling import AnonRateThrottle

DEFAULT_RATE = "10/h"


class PublicFilingThrottle(AnonRateThrottle):
    scope = "complaints_public"

    def __init__(self):
        super().__init__(rate=DEFAULT_RATE)

    def allow_request(self, request):
        self.rate = getattr(settings, "COMPLAINTS_PUBLIC_RATE", DEFAULT_RATE)
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request)
