"""``manage.py check_institutions``: the daily check of the institutions area — filed sessions
the calendar now makes illegal (TS-1, TS-2) and staff who are in-service teachers (TT-2)."""

from django.core.management.base import BaseCommand

from institutions.services import cross_check, recheck_sessions


class Command(BaseCommand):
    help = "每日核查：校历变化后违规的已排课次（TS-1/TS-2），以及机构从业人员与在职教师比对（TT-2）。"

    def handle(self, *args, **options):
        flags = recheck_sessions()
        matches = cross_check()
        self.stdout.write(f"新发现违规课次 {flags} 节，疑似在职教师线索 {matches} 条。")
