"""The health check, the in-process fallback without a broker, and job progress."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from hubportal import tasks
from hubportal.models import Job
from hubportal.tasks import cleanup_old_jobs, enqueue, running_job

UNREACHABLE = "redis://127.0.0.1:1/0"


@pytest.fixture(autouse=True)
def fresh_broker_state():
    tasks._broker_state.update(ok=None, checked=0.0)
    yield
    tasks._broker_state.update(ok=None, checked=0.0)


@pytest.fixture
def staff_client(client_for, db):
    """The health check's details are for authenticated staff."""
    from tests.conftest import make_user

    return client_for(make_user("monitor_staff", is_staff=True))


@pytest.mark.django_db
@override_settings(CELERY_BROKER_URL=UNREACHABLE)
def test_health_is_503_and_says_in_process_when_redis_is_down(staff_client):
    response = staff_client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["database"]["ok"] is True
    assert body["redis"]["ok"] is False and body["celery"]["ok"] is False
    assert body["task_mode"] == "in-process"
    assert "进程内" in body["note"]


@pytest.mark.django_db
def test_health_reports_no_worker_as_503(staff_client, monkeypatch):
    monkeypatch.setattr("hubportal.views._worker_queues", lambda: {})
    response = staff_client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["redis"]["ok"] is True
    celery = response.json()["celery"]
    assert (celery["ok"], celery["detail"], celery["workers"]) == (False, "no worker answered", [])
    assert celery["queues"] == {queue: [] for queue in settings.HUB_QUEUES}


@pytest.mark.django_db
def test_health_is_200_when_everything_answers(staff_client, monkeypatch):
    monkeypatch.setattr("hubportal.views._worker_queues", lambda: {"celery@test": list(settings.HUB_QUEUES)})
    response = staff_client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok" and response.json()["celery"]["workers"] == ["celery@test"]


@pytest.mark.django_db(transaction=True)
@override_settings(CELERY_BROKER_URL=UNREACHABLE)
def test_without_broker_tasks_run_in_process_and_the_job_says_so():
    old = Job.objects.create(
        kind="test",
        title="old",
        status=Job.Status.SUCCEEDED,
        finished_at=timezone.now() - timedelta(days=120),
    )
    job = Job.objects.create(kind="cleanup", title="cleanup")
    enqueue(cleanup_old_jobs, job=job)  # outside a transaction: runs at once
    assert not Job.objects.filter(pk=old.pk).exists()
    job.refresh_from_db()
    assert job.ran_in_process is True


@pytest.mark.django_db
def test_administrators_see_the_broker_banner(client_for, monkeypatch):
    from tests.conftest import make_user

    admin = make_user("root", is_staff=True, is_superuser=True)
    monkeypatch.setattr("hubportal.context_processors.broker_reachable", lambda: False)
    assert "Redis" in client_for(admin).get("/").content.decode()


@pytest.mark.django_db
def test_cleanup_is_idempotent():
    Job.objects.create(
        kind="t", title="old", status=Job.Status.FAILED, finished_at=timezone.now() - timedelta(days=91)
    )
    Job.objects.create(kind="t", title="new", status=Job.Status.SUCCEEDED, finished_at=timezone.now())
    assert cleanup_old_jobs() == 1
    assert cleanup_old_jobs() == 0
    assert list(Job.objects.values_list("title", flat=True)) == ["new"]


@pytest.mark.django_db
def test_running_job_records_progress_and_failure(client_for, zhongshan_cadre, foshan_cadre):
    job = Job.objects.create(kind="t", title="导入", user=zhongshan_cadre)
    with running_job(job.pk, total=4) as running:
        running.advance(2, "2/4")
        page = client_for(zhongshan_cadre).get(reverse("job_progress", args=[job.pk])).content.decode()
        assert 'aria-valuenow="50"' in page and 'hx-trigger="every 1s"' in page
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED and job.percent == 100
    # Someone else's job is not theirs to watch.
    assert client_for(foshan_cadre).get(reverse("job_progress", args=[job.pk])).status_code == 404

    failing = Job.objects.create(kind="t", title="x", user=zhongshan_cadre)
    with pytest.raises(ValueError), running_job(failing.pk, total=1):
        raise ValueError("第 3 行格式错误")
    failing.refresh_from_db()
    assert failing.status == Job.Status.FAILED and failing.message == "第 3 行格式错误"


@pytest.mark.django_db
def test_beat_schedule_lives_in_the_database():
    from django_celery_beat.models import PeriodicTask

    assert PeriodicTask.objects.filter(task="hubportal.cleanup_old_jobs", enabled=True).exists()
    assert PeriodicTask.objects.filter(task="hubportal.sweep_import_files", enabled=True).exists()


def test_import_files_no_token_reaches_are_swept(settings, tmp_path):
    """An upload whose apply never came and a dry run's result file go after two days; a
    file of this morning's dry run stays (its token may still be in a browser)."""
    import os

    from hubportal.tasks import sweep_import_files

    settings.MEDIA_ROOT = str(tmp_path)
    folder = tmp_path / "private" / "imports" / "2026" / "11"
    folder.mkdir(parents=True)
    stale = [folder / "a-check.xlsx", folder / "b.xlsx"]
    fresh = folder / "c-check.xlsx"
    for path in [*stale, fresh]:
        path.write_bytes(b"x")
    three_days_ago = (timezone.now() - timedelta(days=3)).timestamp()
    for path in stale:
        os.utime(path, (three_days_ago, three_days_ago))
    other = tmp_path / "private" / "org-documents" / "old.pdf"
    other.parent.mkdir(parents=True)
    other.write_bytes(b"%PDF")
    os.utime(other, (three_days_ago, three_days_ago))

    assert sweep_import_files() == 2
    assert sweep_import_files() == 0
    assert fresh.exists() and other.exists() and not any(path.exists() for path in stale)


def test_a_job_lost_with_its_worker_is_marked_failed_and_its_user_told(db, zhongshan_cadre):
    import time_machine

    from hubportal.jobs import fail_stale_jobs
    from hubportal.models import OutboxMessage

    zhongshan_cadre.email = "zs@example.cn"
    zhongshan_cadre.save()
    lost = Job.objects.create(kind="orgs.import", title="导入 名录.xlsx", user=zhongshan_cadre)
    lost.start(total=100)
    lost.advance(40)
    alive = Job.objects.create(kind="reporting.track", title="跟踪", user=zhongshan_cadre)
    alive.start(total=10)
    later = timezone.now() + timedelta(minutes=6)
    with time_machine.travel(later):
        alive.advance(5)  # still reporting progress
        assert fail_stale_jobs() == 1
        assert fail_stale_jobs() == 0  # nothing is marked twice
    lost.refresh_from_db()
    alive.refresh_from_db()
    assert lost.status == Job.Status.FAILED and lost.message and lost.finished_at is not None
    assert alive.status == Job.Status.RUNNING
    told = OutboxMessage.objects.get(recipient="zs@example.cn", tags="job")
    assert "导入 名录.xlsx" in told.subject


def test_a_job_no_worker_took_up_is_failed_after_half_an_hour(db):
    import time_machine

    from hubportal.jobs import fail_stale_jobs

    waiting = Job.objects.create(kind="training.certificates", title="证书")
    with time_machine.travel(timezone.now() + timedelta(minutes=29)):
        assert fail_stale_jobs() == 0
    with time_machine.travel(timezone.now() + timedelta(minutes=31)):
        assert fail_stale_jobs() == 1
    waiting.refresh_from_db()
    assert waiting.status == Job.Status.FAILED


def test_a_job_writes_its_messages_in_the_language_it_was_started_in(db):
    """A worker has no request: the task speaks the language of the page that started the
    job (an English import page read “新增 1 个…” before)."""
    from django.utils import translation
    from django.utils.translation import gettext

    from hubportal.jobs import start_job
    from hubportal.tasks import ping, running_job

    with translation.override("en"):
        english = start_job(None, ping, kind="test", title="in English")
    with translation.override("zh-hans"):
        chinese = start_job(None, ping, kind="test", title="中文")
    assert (english.language, chinese.language) == ("en", "zh-hans")
    with translation.override("zh-hans"):  # the worker's own language
        for job, expected in ((english, "Finished"), (chinese, "已完成")):
            with running_job(job.pk) as running:
                running.succeed(running.result, gettext("Finished"))
            job.refresh_from_db()
            assert job.message == expected
            assert translation.get_language() == "zh-hans"  # given back afterwards
