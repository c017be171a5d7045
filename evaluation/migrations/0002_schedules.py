"""The beat schedule of the star ratings, kept in the database so administrators can change
it: every morning, results whose public notice ended without an objection waiting become
final (see `evaluation.tasks.finalise_due_rounds`)."""

import json

from django.db import migrations

NAME = "evaluation: finalise ratings after their public notice (daily)"


def create(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    crontab, _created = CrontabSchedule.objects.get_or_create(
        minute="20", hour="1", day_of_month="*", month_of_year="*", day_of_week="*", timezone="Asia/Shanghai"
    )
    PeriodicTask.objects.update_or_create(
        name=NAME,
        defaults={"task": "evaluation.finalise_due_rounds", "crontab": crontab, "args": json.dumps([]), "enabled": True},
    )


def remove(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("evaluation", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create, remove)]
