"""``manage.py generate_district --pupils N``: a large generated district for load tests."""

from django.core.management.base import BaseCommand, CommandError

from org.demo import generate_district


class Command(BaseCommand):
    help = "生成一个新的样例区县（学校、班级、教职工、学生及家长），用于性能测试。"

    def add_arguments(self, parser):
        parser.add_argument("--pupils", type=int, default=100_000, help="学生人数（默认 100000）")
        parser.add_argument("--seed", type=int, default=1, help="随机数种子（默认 1）")
        parser.add_argument("--name", default=None, help="教育局名称，如 样例市东湖区教育局")

    def handle(self, *args, pupils, seed, name, **options):
        if pupils < 1:
            raise CommandError("--pupils 至少为 1。")
        try:
            result = generate_district(pupils=pupils, seed=seed, name=name)
        except RuntimeError as e:
            raise CommandError(str(e)) from None
        c, bureau = result["counts"], result["bureau"]
        self.stdout.write(
            f"已生成{bureau.name}（代码 {bureau.code}，身份证地区码 {result['region']}）："
            f"学校 {c['schools']} 所，班级 {c['classes']} 个，教职工 {c['teachers']} 人，"
            f"任课安排 {c['assignments']} 条，学生 {c['pupils']} 人，家长 {c['guardians']} 人，"
            f"校外培训机构 {c['institutions']} 家。")
        self.stdout.write(f"用时 {result['seconds']:.1f} 秒。")
