"""``manage.py refresh_dashboards [--bureau CODE] [--keep-days N]``: queue the recomputation of
the current figures of every district whose dashboard figures are kept (those slow to compute,
``dashboards.figures``), and delete kept figures not used or refreshed for ``--keep-days``.
Run from cron every few minutes (less than ``DASHBOARD_MAX_AGE``, 15 minutes by default), so that
the bureau's district page is always served from fresh kept figures."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from dashboards.models import DistrictFigures
from dashboards.tasks import refresh_district_figures
from org.models import Bureau


class Command(BaseCommand):
    help = "重新计算数据量大的区县的区级看板数据（可每 10 分钟定时运行），并清理过期的看板数据。"

    def add_arguments(self, parser):
        parser.add_argument("--bureau", help="区县教育局行政区划代码；省略则为全部保存了看板数据的区县")
        parser.add_argument("--keep-days", type=int, default=2,
                            help="删除多少天未更新的看板数据（默认 2）")

    def handle(self, *args, bureau=None, keep_days=2, **options):
        if keep_days < 1:
            raise CommandError("--keep-days 至少为 1。")
        cutoff = timezone.now() - dt.timedelta(days=keep_days)
        deleted, _ = DistrictFigures.objects.filter(computed_at__lt=cutoff).delete()
        districts = Bureau.objects.filter(level=Bureau.Level.DISTRICT).order_by("code")
        if bureau:
            districts = districts.filter(code=bureau)
            if not districts.exists():
                raise CommandError(f"没有行政区划代码为 {bureau} 的区县教育局。")
        else:
            districts = districts.filter(pk__in=DistrictFigures.objects.values("bureau_id"))
        queued = 0
        for district in districts:
            refresh_district_figures.enqueue(district.pk)
            queued += 1
            self.stdout.write(f"已排队：{district.name}（{district.code}）区级看板数据")
        self.stdout.write(f"共排队 {queued} 个区县，删除 {deleted} 份过期看板数据。")
