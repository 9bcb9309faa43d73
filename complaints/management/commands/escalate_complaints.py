"""``manage.py escalate_complaints [--today YYYY-MM-DD]``: raise complaints whose acknowledgement
or resolution deadline has passed to the bureau (IN-6; run daily from cron). Idempotent: each
missed deadline escalates a complaint once."""

import datetime as dt

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "投诉超期升级督办：超过受理期限或办结期限的投诉升级至教育局（每日定时运行，可重复运行）。"

    def add_arguments(self, parser):
        parser.add_argument("--today", type=dt.date.fromisoformat, default=None,
                            help="按该日期判断是否超期（默认今天）")

    def handle(self, *args, today=None, **options):
        from complaints.services import escalate_overdue

        count = escalate_overdue(today=today)
        self.stdout.write(f"超期升级督办投诉 {count} 件。")
