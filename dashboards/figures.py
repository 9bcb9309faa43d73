"""A district dashboard's figures, kept when they are slow to compute (issue 8).

A district of 10⁵ pupils takes 1–3 s to compute on PostgreSQL (a term of every school's rows),
its page should answer in half a second. So the figures of a district whose computation took at
least ``DASHBOARD_STORE_AFTER`` seconds are kept (``DistrictFigures``, one row per period) and
served while younger than ``DASHBOARD_MAX_AGE``; ``manage.py refresh_dashboards`` (cron, every few
minutes) recomputes the kept districts' current figures through the task worker, and the page's
重新计算 button recomputes them at once. A small district is never kept: always live.

Every caller (the page, its export, the evaluation table and the API) gets the same dict as
``indicators.district`` plus ``as_of`` (when they were computed; None when live) and
``seconds`` (how long that took).
"""

import json
import time

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from dashboards import indicators
from dashboards.models import DistrictFigures


def key_of(period):
    term = period.term.pk if period.term else 0
    return f"{term}:{period.start.isoformat()}:{period.end.isoformat()}"


def _with_time(data, computed_at, seconds):
    return {**data, "as_of": computed_at, "seconds": round(seconds, 2)}


def district(bureau, period, *, recompute=False):
    """The district's figures over ``period``: kept ones while fresh, else computed now (and
    kept if slow, or if they were kept before). ``recompute`` ignores what is kept."""
    key = key_of(period)
    kept = DistrictFigures.objects.filter(bureau=bureau, key=key).first()
    if kept is not None and not recompute:
        age = (timezone.now() - kept.computed_at).total_seconds()
        if age < settings.DASHBOARD_MAX_AGE:
            return _with_time(kept.data, kept.computed_at, kept.seconds)
    started = time.perf_counter()
    data = indicators.district(bureau, period)
    seconds = time.perf_counter() - started
    threshold = settings.DASHBOARD_STORE_AFTER
    if kept is None and (threshold is None or seconds < threshold):
        return _with_time(data, None, seconds)
    # What is served from the table is what JSON holds: serve the same shape when computed.
    data = json.loads(json.dumps(data, cls=DjangoJSONEncoder))
    computed_at = timezone.now()
    DistrictFigures.objects.update_or_create(
        bureau=bureau, key=key,
        defaults={"data": data, "computed_at": computed_at, "seconds": seconds})
    return _with_time(data, computed_at, seconds)


def as_of(data):
    """The ``as_of`` of figures as a datetime (the API's JSON turns it into text)."""
    value = data.get("as_of")
    return parse_datetime(value) if isinstance(value, str) else value


def refresh(bureau):
    """Recompute the district's current figures (the default period: its term so far)."""
    return district(bureau, indicators.Period.of(bureau), recompute=True)
