"""``manage.py restore_db FILE --yes``: replace the whole database with a backup (all or
nothing). Stop the web and task processes first."""

from django.core.management.base import BaseCommand, CommandError

from core.backup import BackupError, restore


class Command(BaseCommand):
    help = "用备份文件整体替换数据库（全部成功或不变）。请先停止网站和后台任务进程。"

    def add_arguments(self, parser):
        parser.add_argument("path", help="备份文件路径")
        parser.add_argument("--yes", action="store_true", help="确认覆盖当前数据库")

    def handle(self, *args, path, yes=False, **options):
        if not yes:
            raise CommandError("恢复会覆盖当前数据库的全部数据：确认请加 --yes。")
        try:
            restore(path)
        except BackupError as e:
            raise CommandError(f"恢复失败：{e}") from e
        self.stdout.write(f"已从 {path} 恢复。")
