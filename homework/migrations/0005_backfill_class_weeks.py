from django.db import migrations


def backfill(apps, schema_editor):
    from homework.services import rebuild_weeks_bulk

    ClassDay = apps.get_model("homework", "ClassDay")
    ClassWeek = apps.get_model("homework", "ClassWeek")
    rebuild_weeks_bulk(ClassDay, ClassWeek, ClassDay.objects.all())


class Migration(migrations.Migration):
    dependencies = [("homework", "0004_class_week_rollup")]
    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
