"""The demo data: made through the services, the year's camps with one quarter missing, a
full quota camp whose waiting list has moved, and safe to load twice."""

from __future__ import annotations

import pytest

from orgs import demo as orgs_demo
from training import demo
from training.models import Camp, Certificate, Enrolment, SeatQuota

pytestmark = pytest.mark.django_db


def test_the_demo_loads_once_and_shows_what_the_issue_asks(
    units, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    settings.CELERY_TASK_ALWAYS_EAGER = True
    orgs_demo.seed_users(units)
    orgs_demo.seed_registry(units)
    with django_capture_on_commit_callbacks(execute=True):  # the certificate jobs run after the commit
        demo.seed(units)
    counts = (Camp.objects.count(), Enrolment.objects.count(), SeatQuota.objects.count())
    quota_camp = Camp.objects.get(title__contains="第10期")
    assert quota_camp.capacity == 100 and SeatQuota.objects.filter(camp=quota_camp).count() == 6
    assert Enrolment.objects.filter(camp=quota_camp, status="waiting").exists()
    assert Enrolment.objects.filter(camp=quota_camp, status="cancelled").count() == 2
    assert not Camp.objects.filter(title="汕尾市2026年第2季度亲青汇训练营").exists()
    assert Camp.objects.filter(status="running").count() == 1
    assert Certificate.objects.exclude(file="").exists()
    demo.seed(units)
    assert (Camp.objects.count(), Enrolment.objects.count(), SeatQuota.objects.count()) == counts
