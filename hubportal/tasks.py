"""Queueing background work, with an in-process fallback when no broker is reachable.

Every task is queued through `enqueue()` after the surrounding transaction commits. When
Redis cannot be reached (a laptop without it), the task runs in this process instead, so
the portal keeps working; the health page and the administrators' banner say so.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from celery import Task, shared_task
from django.conf import settings
from django.db import transaction
from django.utils import translation
from kombu.exceptions import OperationalError as KombuOperationalError
from redis import Redis
from redis.exceptions import RedisError

from .models import Job

logger = logging.getLogger(__name__)

_BROKER_CHECK_TTL = 15.0
_broker_state: dict[str, Any] = {"ok": None, "checked": 0.0}


def broker_reachable(force: bool = False) -> bool:
    """Whether the Redis broker answers; cached for a few seconds."""
    now = time.monotonic()
    if force or _broker_state["ok"] is None or now - _broker_state["checked"] > _BROKER_CHECK_TTL:
        try:
            client = Redis.from_url(settings.CELERY_BROKER_URL, socket_connect_timeout=1, socket_timeout=1)
            _broker_state["ok"] = bool(client.ping())
        except (RedisError, OSError, ValueError):
            _broker_state["ok"] = False
        _broker_state["checked"] = now
    return bool(_broker_state["ok"])


def _dispatch(task: Task, args: tuple, kwargs: dict, job_id: int | None) -> None:
    if settings.CELERY_TASK_ALWAYS_EAGER or not broker_reachable():
        _run_in_process(task, args, kwargs, job_id)
        return
    try:
        task.apply_async(args=args, kwargs=kwargs, retry=False)
    except (KombuOperationalError, RedisError, OSError):
        logger.warning("broker unreachable, running %s in process", task.name)
        _broker_state["ok"] = False
        _run_in_process(task, args, kwargs, job_id)


def _run_in_process(task: Task, args: tuple, kwargs: dict, job_id: int | None) -> None:
    if job_id is not None:
        Job.objects.filter(pk=job_id).update(ran_in_process=True)
    task.apply(args=args, kwargs=kwargs)


def enqueue(task: Task, *args: Any, job: Job | None = None, **kwargs: Any) -> None:
    """Queue `task` once the current transaction commits (immediately outside one)."""
    job_id = job.pk if job is not None else None
    transaction.on_commit(lambda: _dispatch(task, args, kwargs, job_id))


@shared_task(name="hubportal.ping")
def ping(value: str = "pong") -> str:
    """A trivial task the health check and the worker test use."""
    return value


class running_job:
    """`with running_job(job_id, total) as job:` marks the job running, then done or failed.

    An exception marks the job failed with its message and is raised again, so Celery's
    retry and the caller still see it.
    """

    def __init__(self, job_id: int, total: int = 0) -> None:
        self.job = Job.objects.get(pk=job_id)
        self.total = total
        # Messages in the language of whoever started the job (`Job.language`).
        self.language = translation.override(self.job.language or settings.LANGUAGE_CODE)

    def __enter__(self) -> Job:
        self.language.__enter__()
        self.job.start(self.total)
        return self.job

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            if exc is not None:
                self.job.fail(str(exc) or exc_type.__name__)
            elif not self.job.is_finished:
                self.job.succeed(self.job.result)
        finally:
            self.language.__exit__(exc_type, exc, tb)


@shared_task(name="hubportal.cleanup_old_jobs")
def cleanup_old_jobs(days: int = 90) -> int:
    """Delete finished job records older than `days`; idempotent, scheduled nightly by beat."""
    from datetime import timedelta

    from django.utils import timezone

    cutoff = timezone.now() - timedelta(days=days)
    deleted, _ = Job.objects.filter(
        status__in=[Job.Status.SUCCEEDED, Job.Status.FAILED], finished_at__lt=cutoff
    ).delete()
    return deleted


@shared_task(name="hubportal.sweep_import_files")
def sweep_import_files(hours: int = 48) -> int:
    """Delete the uploads and dry-run result files under `private/imports/` older than
    `hours`: their signed tokens expire after an hour, an applied file is deleted by its job,
    and one whose apply never came (or crashed) would otherwise stay for ever. Nightly by beat."""
    from .imports import sweep_import_files as sweep

    return sweep(hours)


@shared_task(name="hubportal.deliver_messages")
def deliver_messages(ids: list[int]) -> dict[str, int]:
    """Deliver outbox rows just committed; rerunning it sends nothing twice."""
    from .outbox import deliver

    return deliver(ids)


@shared_task(name="hubportal.deliver_due_messages")
def deliver_due_messages(limit: int = 500) -> dict[str, int]:
    """The beat sweep: retry failed deliveries whose delay has passed, and pick up messages
    whose task was lost (a worker killed, Redis down at the commit)."""
    from .outbox import deliver, due_ids

    return deliver(due_ids(limit))


@shared_task(name="hubportal.fail_stale_jobs")
def fail_stale_jobs() -> int:
    """The beat sweep (every minute): jobs lost with their worker are marked failed and their
    users told, within minutes rather than when the broker redelivers the task."""
    from .jobs import fail_stale_jobs as sweep

    return sweep()


@shared_task(name="hubportal.prune_data_changes")
def prune_data_changes() -> int:
    """The beat sweep (every ten minutes): the change log behind cached figures
    (`hubportal.freshness`) kept to a few rows, so reading its stamp stays cheap."""
    from .freshness import prune

    return prune()
