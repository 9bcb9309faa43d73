"""Time ``org.roster.import_roster`` on a 10,000-row .xlsx roster (a throwaway database).

    .venv/bin/python bench/roster_import.py [--rows 10000]

Without DATABASE_URL the database is a fresh SQLite file in a temporary directory, deleted
afterwards; with DATABASE_URL that database is migrated and used (the rows stay in it).
Only the import is timed, not writing the workbook.
"""

import argparse
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def write_roster(path, rows, region, rng):
    """A roster in the template's format: 40 pupils a class, grades 1–6, ID numbers as text."""
    from openpyxl import Workbook

    from org.demo import People, birth_range
    from org.roster import TEMPLATE_HEADER

    people = People(rng)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("名册")
    sheet.append(TEMPLATE_HEADER)
    per_grade = -(-rows // 6)
    for i in range(rows):
        grade, number = i // per_grade + 1, (i % per_grade) // 40 + 1
        gender = people.gender()
        surname = people.surname()
        id_number = people.id_number(region, *birth_range(grade), gender)
        relation = rng.choice(["父亲", "母亲"])
        sheet.append([people.child(gender, surname), "男" if gender == "M" else "女", id_number,
                      f"G{id_number}", grade, number,
                      people.adult("M" if relation == "父亲" else "F",
                                   surname if relation == "父亲" else None),
                      people.phone(), relation])
    book.save(path)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
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

        from org.demo import free_region
        from org.models import Bureau, RoleAssignment, School, SchoolSystem, Stage, User
        from org.roles import Role
        from org.roster import import_roster

        call_command("migrate", verbosity=0)
        print(f"数据库：{connection.vendor}（{connection.settings_dict['NAME']}）")
        stamp = f"{int(time.time()) % 10 ** 6:06d}"  # unique codes if DATABASE_URL is reused
        bureau = Bureau.objects.create(name=f"压测区教育局{stamp}", code=f"97{stamp}",
                                       level=Bureau.Level.DISTRICT)
        school = School.objects.create(bureau=bureau, name="压测小学", code=f"97{stamp}0001",
                                       stage=Stage.PRIMARY, system=SchoolSystem.SIX_THREE)
        admin = User.objects.create_user(username=f"bench{stamp}", name="压测管理员")
        RoleAssignment.objects.create(user=admin, role=Role.BUREAU_ADMIN, bureau=bureau)
        admin = User.objects.get(pk=admin.pk)

        path = Path(data_dir) / "roster.xlsx"
        write_roster(path, args.rows, free_region(bureau.code), random.Random(2021))
        print(f"名册：{args.rows} 行，{path.stat().st_size / 1024:.0f} KB")
        with path.open("rb") as upload:
            started = time.perf_counter()
            result = import_roster(actor=admin, school=school, upload=upload)
            seconds = time.perf_counter() - started
        print(f"import_roster: {result['imported']} rows in {seconds:.2f} s, "
              f"{result['imported'] / seconds:,.0f} rows/s "
              f"({result['classes_created']} classes, {result['guardians_created']} guardians created)")
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
