"""``manage.py load_demo``: the demo district and its logins (running it again changes nothing)."""

from django.core.management.base import BaseCommand

from org.demo import build_demo, demo_url, format_table


class Command(BaseCommand):
    help = "载入示范区县（示范市明德区）及演示账号；重复运行不会产生重复数据。"

    def handle(self, *args, **options):
        result = build_demo()
        if result["created"]:
            counts = result["counts"]
            self.stdout.write(
                f"已创建{result['bureau'].name}：学校 {counts['schools']} 所，班级 {counts['classes']} 个，"
                f"教职工 {counts['teachers']} 人，学生 {counts['pupils']} 人，家长 {counts['guardians']} 人，"
                f"校外培训机构 {counts['institutions']} 家（用时 {result['seconds']:.1f} 秒）。")
        else:
            self.stdout.write(f"{result['bureau'].name}已存在，未重复创建；已核对演示账号。")
        self.stdout.write("")
        self.stdout.write(format_table(("用户名", "角色", "单位", "密码"), result["accounts"]))
        self.stdout.write("")
        self.stdout.write(f"打开 {demo_url()} 用上面任一账号登录。")
