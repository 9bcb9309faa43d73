"""Time ``manage.py generate_district`` (100,000 pupils by default) on a throwaway database.

    .venv/bin/python bench/generate_district.py [--pupils 100000] [--seed 1]

The command writes the organisation tree, the institutions and the district's training-fee data
(accounts, courses, contracts, lessons, postings) and prints the fee data's share of the time.

Without DATABASE_URL the database is a fresh SQLite file in a temporary directory, deleted
afterwards; with DATABASE_URL that database is migrated and used (the district stays in it).
"""

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pupils", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    data_dir = tempfile.mkdtemp(prefix="shuangjian-bench-")
    os.environ["SHUANGJIAN_DATA_DIR"] = data_dir  # before django.setup(): the SQLite file goes here
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shuangjian.settings")
    sys.path.insert(0, str(ROOT))
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection

        call_command("migrate", verbosity=0)
        print(f"数据库：{connection.vendor}（{connection.settings_dict['NAME']}）")
        started = time.perf_counter()
        call_command("generate_district", pupils=args.pupils, seed=args.seed)
        seconds = time.perf_counter() - started
        print(f"generate_district --pupils {args.pupils}: {seconds:.1f} s, "
              f"{args.pupils / seconds:,.0f} pupils/s")
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
