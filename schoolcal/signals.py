"""``calendar_changed`` is sent (after commit) when a bureau's terms, vacations or day overrides
change, so that areas with dated plans (after-school sessions, later training schedules) can
check them again without the calendar knowing about them."""

from django.dispatch import Signal

calendar_changed = Signal()  # sender=Bureau class, bureau=<Bureau>
