"""``manage.py schedule_bulletins [--month YYYY-MM] [--bureau CODE]``: queue the monthly
bulletin (月月出快报, QM-3) of every district that has none for the last complete month. Run daily
from cron: the first run of a month queues, later runs find the bulletins and queue nothing."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from core.errors import RuleViolation
from dashboards import bulletin as bulletins
from dashboards.models import Bulletin
from org.models import Bureau


class Command(BaseCommand):
    help = "为尚无上月月度快报的区县排队生成快报（可每日定时运行，已有快报的不再生成）。"

    def add_arguments(self, parser):
        parser.add_argument("--month", help="月份 YYYY-MM；省略则为上一个完整月份")
        parser.add_argument("--bureau", help="区县教育局行政区划代码；省略则为全部区县")

    def handle(self, *args, month=None, bureau=None, **options):
        today = timezone.localdate()
        if month:
            try:
                month = bulletins.parse_month(month)
            except ValueError:
                raise CommandError(f"月份格式应为 YYYY-MM（如 2026-10），收到：{month}") from None
        else:
            month = bulletins.last_complete_month(today)
        districts = Bureau.objects.filter(level=Bureau.Level.DISTRICT).order_by("code")
        if bureau:
            districts = districts.filter(code=bureau)
            if not districts.exists():
                raise CommandError(f"没有行政区划代码为 {bureau} 的区县教育局。")
        done = set(Bulletin.objects.filter(month=month, bureau__in=districts)
                   .values_list("bureau_id", flat=True))
        queued = 0
        for district in districts:
            if district.pk in done:
                continue
            earliest = bulletins.earliest_month(district)
            if earliest is not None and month < earliest:
                continue  # before the district's first term: nothing to report
            try:
                bulletins.request(actor=None, bureau=district, month=month, today=today)
            except RuleViolation as e:
                raise CommandError(e.message) from None
            queued += 1
            self.stdout.write(f"已排队：{district.name}（{district.code}）"
                              f"{bulletins.month_label(month)}月度快报")
        self.stdout.write(f"共排队 {queued} 份{bulletins.month_label(month)}月度快报。")
