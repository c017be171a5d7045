"""The change log behind cached figures (`hubportal.freshness`; its triggers are installed
after every migrate) and its prune every ten minutes (schedules live in the database)."""

import django.db.models.functions.datetime
from django.db import migrations, models

TASK = "hubportal.prune_data_changes"


def create_schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_ten_minutes, _ = IntervalSchedule.objects.get_or_create(every=10, period="minutes")
    PeriodicTask.objects.get_or_create(
        name="Prune the change log behind cached figures",
        defaults={"task": TASK, "interval": every_ten_minutes},
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(task=TASK).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("hubportal", "0007_sweep_import_files"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.CreateModel(
            name="DataChange",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "at",
                    models.DateTimeField(
                        db_default=django.db.models.functions.datetime.Now(), verbose_name="changed at"
                    ),
                ),
            ],
            options={"verbose_name": "data change", "verbose_name_plural": "data changes"},
        ),
        migrations.RunPython(create_schedule, remove_schedule),
    ]
