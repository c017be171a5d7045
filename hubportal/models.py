"""Shared models: the job record that long-running tasks report their progress to."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Job(models.Model):
    """One run of a long task (an import, an export, a target-tracking run).

    The row is the source of truth: the task updates it as it goes and pages poll it, so
    a progress bar survives a reload and a crashed run is visible as such.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Queued")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Finished")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=64)
    title = models.CharField(_("title"), max_length=200)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    done = models.PositiveIntegerField(_("done"), default=0)
    total = models.PositiveIntegerField(_("total"), default=0)
    message = models.TextField(_("message"), blank=True)
    result = models.JSONField(_("result"), default=dict, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # Written whenever the task reports progress: a running job whose heartbeat stops was
    # lost with its worker, and the sweep marks it failed within minutes.
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)
    ran_in_process = models.BooleanField(_("ran in process"), default=False)
    # The language of the page that started it: the task writes its messages in it (a worker
    # has no request, and would otherwise write them in the portal's default, Chinese).
    language = models.CharField(_("language"), max_length=16, blank=True)

    class Meta:
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(done__lte=F("total")) | models.Q(total=0), name="job_done_within_total"
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def percent(self) -> int:
        if self.status == self.Status.SUCCEEDED:
            return 100
        return int(self.done * 100 / self.total) if self.total else 0

    @property
    def is_finished(self) -> bool:
        return self.status in {self.Status.SUCCEEDED, self.Status.FAILED}

    def start(self, total: int) -> None:
        self.status, self.total, self.done = self.Status.RUNNING, total, 0
        self.started_at = self.heartbeat_at = timezone.now()
        self.save(update_fields=["status", "total", "done", "started_at", "heartbeat_at"])

    def advance(self, done: int, message: str = "") -> None:
        """Record progress; a plain UPDATE so it is visible at once to the polling page."""
        self.done = min(done, self.total) if self.total else done
        self.message = message or self.message
        self.heartbeat_at = timezone.now()
        Job.objects.filter(pk=self.pk).update(
            done=self.done, message=self.message, heartbeat_at=self.heartbeat_at
        )

    def succeed(self, result: dict | None = None, message: str = "") -> None:
        self.status, self.done = self.Status.SUCCEEDED, self.total
        self.result, self.message = result or {}, message
        self.finished_at = timezone.now()
        self.save(update_fields=["status", "done", "result", "message", "finished_at"])

    def fail(self, message: str) -> None:
        self.status, self.message = self.Status.FAILED, message
        self.finished_at = timezone.now()
        self.save(update_fields=["status", "message", "finished_at"])


class OutboxMessage(models.Model):
    """A message to one person, written in the same transaction as the change it reports.

    A Celery task delivers it after the commit and retries a failure with a growing delay;
    after the last attempt it stays here as failed, where administrators see it (admin and
    banner) — a message is never lost silently, and never sent for a change rolled back.
    """

    class Channel(models.TextChoices):
        EMAIL = "email", _("E-mail")
        SMS = "sms", _("SMS")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    recipient = models.CharField(_("recipient"), max_length=254)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    subject = models.CharField(_("subject"), max_length=255)
    body = models.TextField(_("body"))
    tags = models.CharField(_("tags"), max_length=200, blank=True, help_text=_("Comma-separated."))
    sensitive = models.BooleanField(
        _("sensitive"), default=False, help_text=_("The body (e.g. a verification code) is erased once sent.")
    )
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("outgoing message")
        verbose_name_plural = _("outgoing messages")
        ordering = ["-created_at", "-pk"]
        indexes = [
            # The delivery sweep reads only what is still due.
            models.Index(fields=["next_attempt_at"], name="outbox_due", condition=models.Q(status="pending")),
        ]

    def __str__(self) -> str:
        return f"{self.recipient}: {self.subject}"

    @property
    def tag_list(self) -> list[str]:
        return [t for t in self.tags.split(",") if t]


class DataChange(models.Model):
    """One row per statement that wrote a table of the portal's apps (a statement-level
    trigger writes it, `hubportal.freshness`): figures computed from those tables are cached
    under a stamp of this table, so they are served until the next committed write."""

    at = models.DateTimeField(_("changed at"), db_default=Now())

    class Meta:
        verbose_name = _("data change")
        verbose_name_plural = _("data changes")

    def __str__(self) -> str:
        return f"{self.pk} @ {self.at:%Y-%m-%d %H:%M:%S}"
