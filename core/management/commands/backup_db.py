"""``manage.py backup_db FILE``: a consistent backup of the whole database (see core/backup.py)."""

from django.core.management.base import BaseCommand, CommandError

from core.backup import BackupError, backup


class Command(BaseCommand):
    help = "备份整个数据库（PostgreSQL 用 pg_dump 自定义格式；SQLite 用在线备份）。"

    def add_arguments(self, parser):
        parser.add_argument("path", help="备份文件路径")

    def handle(self, *args, path, **options):
        try:
            backup(path)
        except BackupError as e:
            raise CommandError(f"备份失败：{e}") from e
        self.stdout.write(f"已备份到 {path}")
