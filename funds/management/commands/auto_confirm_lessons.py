"""``manage.py auto_confirm_lessons [--days N] [--today YYYY-MM-DD]``: release lessons the
guardian left unconfirmed for N days, by default each district's ``pf.auto_confirm_days``
(PF-5; run daily from cron)."""

import datetime as dt

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = ("超期未确认的课时自动确认并拨付（默认按各区参数 pf.auto_confirm_days，全国默认 7 天；"
            "每日定时运行）。")

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None)
        parser.add_argument("--today", type=dt.date.fromisoformat, default=None)

    def handle(self, *args, days=None, today=None, **options):
        from funds.services import auto_confirm

        done = auto_confirm(today, days=days)
        self.stdout.write(f"自动确认课时 {done} 节。")
