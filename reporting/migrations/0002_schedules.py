"""Celery beat schedules of the reporting app, kept in the database so administrators can
change them: nightly tracking of the current quarter, closing the previous quarter at the
start of each quarter, and daily deadline reminders."""

import json

from django.db import migrations

SCHEDULES = [
    # name, task, crontab (minute, hour, day_of_month, month_of_year)
    ("reporting: track the current quarter (nightly)", "reporting.track_targets", ("15", "2", "*", "*")),
    ("reporting: close the previous quarter", "reporting.track_previous_quarter", ("30", "1", "1", "1,4,7,10")),
    ("reporting: report deadline reminders", "reporting.send_reminders", ("0", "9", "*", "*")),
]


def create(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, (minute, hour, day, month) in SCHEDULES:
        crontab, _created = CrontabSchedule.objects.get_or_create(
            minute=minute, hour=hour, day_of_month=day, month_of_year=month, day_of_week="*",
            timezone="Asia/Shanghai",
        )
        PeriodicTask.objects.update_or_create(
            name=name, defaults={"task": task, "crontab": crontab, "args": json.dumps([]), "enabled": True}
        )


def remove(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[s[0] for s in SCHEDULES]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reporting", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create, remove)]
