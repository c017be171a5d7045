"""The Celery application. Tasks live in each app's tasks.py; schedules live in the database."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hubportal.settings")

app = Celery("hubportal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
