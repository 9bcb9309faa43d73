"""``manage.py sync_after_school_sessions [--bureau CODE]``: lay the after-school sessions out
again from today (run daily from cron, and after loading a new State Council holiday calendar)."""

from django.core.management.base import BaseCommand, CommandError

from afterschool.tasks import programmes_to_sync
from org.models import Bureau


class Command(BaseCommand):
    help = "按校历重新生成课后服务课次（节假日、停课日、调休变化后运行；可每日定时运行）。"

    def add_arguments(self, parser):
        parser.add_argument("--bureau", help="教育局行政区划代码（含下级）；省略则为全部")

    def handle(self, *args, bureau=None, **options):
        from afterschool.services import sync_sessions

        bureau_id = None
        if bureau:
            found = Bureau.objects.filter(code=bureau).first()
            if found is None:
                raise CommandError(f"没有行政区划代码为 {bureau} 的教育局。")
            bureau_id = found.pk
        programmes = list(programmes_to_sync(bureau_id))
        created = sum(sync_sessions(p) for p in programmes)
        self.stdout.write(f"已核对 {len(programmes)} 个课后服务方案，新增课次 {created} 个。")
