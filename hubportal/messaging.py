"""Pluggable delivery of short messages to people: verification codes, reminders, notices.

Apps never send themselves: a service writes the message to the outbox
(`hubportal.outbox.queue_message`), whose task hands it to the backend named by
`HUB_MESSAGE_BACKEND` (a dotted path), so a deployment can plug in an SMS gateway without
touching the apps. The default mails through Django's e-mail backend (console in
development); it has no SMS gateway, so a message that only has a phone number is printed to
the log and, outside DEBUG, reported as not delivered: retried, then left failed where the
administrators see it, never marked sent unseen. Tests use `MemoryBackend` and read `outbox`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Protocol

from django.conf import settings
from django.core.mail import send_mail
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

DEFAULT_BACKEND = "hubportal.messaging.EmailBackend"


@dataclass(frozen=True)
class Message:
    """One message to one person; `email` and/or `phone` say where it can reach them."""

    subject: str
    body: str
    email: str = ""
    phone: str = ""
    tags: tuple[str, ...] = field(default_factory=tuple)


class MessageBackend(Protocol):
    def send(self, message: Message) -> bool:
        """Deliver the message; return whether it went out."""
        ...


class ConsoleBackend:
    """Writes messages to the log: development and demo machines."""

    def send(self, message: Message) -> bool:
        logger.info("message to %s: %s\n%s", message.email or message.phone, message.subject, message.body)
        return True


class NoSmsGateway(RuntimeError):
    """A message to a phone number with a backend that only sends e-mail."""


class EmailBackend:
    """Sends by e-mail through Django's EMAIL_BACKEND. A message with only a phone number is
    logged; it counts as delivered only in DEBUG (a developer reads the log), otherwise it
    fails so the outbox retries it and shows it to the administrators."""

    def send(self, message: Message) -> bool:
        if not message.email:
            ConsoleBackend().send(message)
            if settings.DEBUG:
                return True
            raise NoSmsGateway("no SMS gateway: set HUB_MESSAGE_BACKEND to one that sends to phones")
        return bool(send_mail(message.subject, message.body, None, [message.email], fail_silently=False))


class MemoryBackend:
    """Keeps messages in `MemoryBackend.outbox` (tests)."""

    outbox: list[Message] = []

    def send(self, message: Message) -> bool:
        MemoryBackend.outbox.append(message)
        return True


def get_backend() -> MessageBackend:
    return import_string(getattr(settings, "HUB_MESSAGE_BACKEND", DEFAULT_BACKEND))()
