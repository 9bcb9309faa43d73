"""Generate a term of homework for every class of a district (for benchmarks)."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from homework.generate import generate_term
from org.models import Bureau


class Command(BaseCommand):
    help = "为一个区县的所有班级生成一个学期的作业备案数据（用于性能测试）。"

    def add_arguments(self, parser):
        parser.add_argument("--bureau", help="区县教育局代码（默认：班级最多的区县）")
        parser.add_argument("--days", type=int, default=90, help="上课日天数（默认 90）")
        parser.add_argument("--subjects", type=int, default=4, help="每班每天的学科数（默认 4）")
        parser.add_argument("--start", default="2026-09-01", help="开始日期（默认 2026-09-01）")
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, **options):
        if options["bureau"]:
            bureau = Bureau.objects.filter(code=options["bureau"]).first()
        else:
            bureau = (Bureau.objects.filter(level=Bureau.Level.DISTRICT)
                      .order_by("-schools__classes__pk").first())
        if bureau is None:
            raise CommandError("找不到该教育局；请先运行 generate_district。")
        try:
            start = dt.date.fromisoformat(options["start"])
        except ValueError:
            raise CommandError("开始日期格式应为 YYYY-MM-DD。") from None
        self.stdout.write(f"为{bureau.name}生成作业……")
        result = generate_term(bureau, start=start, days=options["days"],
                               subjects=options["subjects"], seed=options["seed"],
                               out=self.stdout.write)
        self.stdout.write(self.style.SUCCESS(
            f"完成：{result['classes']} 个班级 × {result['days']} 个上课日，"
            f"共 {result['items']} 项作业，用时 {result['seconds']} 秒。"))
