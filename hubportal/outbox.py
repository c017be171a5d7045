"""The outbox: every message to a person is a row first, delivered after the commit.

Services call `queue_message()` inside their transaction. The row commits (or rolls back)
with the change it reports; `transaction.on_commit` then queues `deliver_messages` for the
new rows, and the beat sweep `deliver_due_messages` retries failures with a growing delay
and picks up anything a crashed worker left behind. After `HUB_OUTBOX_MAX_ATTEMPTS` failed
attempts a message stays failed, shown to administrators.

Delivery itself uses the pluggable backend of `hubportal.messaging` (e-mail, SMS gateway).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .messaging import Message, get_backend
from .models import OutboxMessage
from .services import service

logger = logging.getLogger(__name__)

Channel = OutboxMessage.Channel
Status = OutboxMessage.Status


def max_attempts() -> int:
    return int(getattr(settings, "HUB_OUTBOX_MAX_ATTEMPTS", 5))


def queue_message(
    *,
    subject: str,
    body: str,
    email: str = "",
    phone: str = "",
    user: Any = None,
    tags: Iterable[str] = (),
    sensitive: bool = False,
) -> OutboxMessage | None:
    """Write one message to one person (by e-mail if they have one, else by SMS) and have it
    delivered when the current transaction commits. Returns None when there is no address."""
    email, phone = (email or "").strip(), (phone or "").strip()
    if not (email or phone):
        logger.info("no address for message %r", subject)
        return None
    message = OutboxMessage.objects.create(
        channel=Channel.EMAIL if email else Channel.SMS,
        recipient=email or phone,
        user=user if user is not None and getattr(user, "pk", None) else None,
        subject=str(subject)[:255],
        body=str(body),
        tags=",".join(tags)[:200],
        sensitive=sensitive,
    )
    _deliver_after_commit([message.pk])
    return message


def queue_to_users(users: Iterable[Any], *, subject: str, body: str, tags: Iterable[str] = ()) -> int:
    """One message to each of `users` (by their e-mail or phone); returns how many were queued."""
    count = 0
    for person in users:
        if queue_message(
            subject=subject, body=body, email=person.email, phone=person.phone, user=person, tags=tags
        ):
            count += 1
    return count


def _deliver_after_commit(ids: list[int]) -> None:
    from .tasks import deliver_messages, enqueue

    enqueue(deliver_messages, ids)


def _deliver_one(pk: int) -> str | None:
    """Try one due message under a row lock (a second worker skips it); returns its status."""
    with transaction.atomic():
        message = (
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(pk=pk, status=Status.PENDING, next_attempt_at__lte=timezone.now())
            .first()
        )
        if message is None:
            return None
        error = ""
        try:
            delivered = get_backend().send(
                Message(
                    subject=message.subject,
                    body=message.body,
                    email=message.recipient if message.channel == Channel.EMAIL else "",
                    phone=message.recipient if message.channel == Channel.SMS else "",
                    tags=tuple(message.tag_list),
                )
            )
            if not delivered:
                error = "the message backend did not accept the message"
        except Exception as exc:  # noqa: BLE001 - any backend failure is recorded and retried
            error = f"{type(exc).__name__}: {exc}"[:1000]
        message.attempts += 1
        if not error:
            message.status, message.sent_at, message.last_error = Status.SENT, timezone.now(), ""
            if message.sensitive:
                message.body = ""
        else:
            logger.warning("message %s not delivered (attempt %s): %s", pk, message.attempts, error)
            message.last_error = error
            if message.attempts >= max_attempts():
                message.status = Status.FAILED
            else:
                message.next_attempt_at = timezone.now() + timedelta(minutes=2**message.attempts)
        message.save(update_fields=["status", "sent_at", "last_error", "attempts", "next_attempt_at", "body"])
        return message.status


def deliver(ids: Iterable[int]) -> dict[str, int]:
    """Deliver these outbox rows if still due; idempotent (a sent row is never sent again)."""
    counts: dict[str, int] = {}
    for pk in ids:
        status = _deliver_one(pk)
        if status is not None:
            counts[status] = counts.get(status, 0) + 1
    return counts


def due_ids(limit: int = 500) -> list[int]:
    """Pending messages whose time has come, oldest first (the beat sweep's work)."""
    return list(
        OutboxMessage.objects.filter(status=Status.PENDING, next_attempt_at__lte=timezone.now())
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


def failed_count() -> int:
    return OutboxMessage.objects.filter(status=Status.FAILED).count()


@service
def retry_messages(actor: Any, ids: Iterable[int]) -> int:
    """An administrator sends failed messages again (e.g. after fixing the mail server)."""
    if not (actor is not None and actor.is_staff):
        raise PermissionDenied(_("Only administrators can send messages again."))
    rows = list(
        OutboxMessage.objects.select_for_update()
        .filter(pk__in=list(ids), status=Status.FAILED)
        .values_list("pk", flat=True)
    )
    OutboxMessage.objects.filter(pk__in=rows).update(
        status=Status.PENDING, attempts=0, next_attempt_at=timezone.now()
    )
    _deliver_after_commit(rows)
    return len(rows)
