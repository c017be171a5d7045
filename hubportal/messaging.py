"""Pluggable delivery of short messages to people: verification codes, reminders, notices.

Apps call `send_message(Message(...))`; which backend delivers it is a setting
(`HUB_MESSAGE_BACKEND`, a dotted path), so a deployment can plug in an SMS gateway without
touching the apps. The default mails through Django's e-mail backend (console in
development); tests use `MemoryBackend` and read `outbox`.
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


class EmailBackend:
    """Sends by e-mail through Django's EMAIL_BACKEND; a message without an address is logged."""

    def send(self, message: Message) -> bool:
        if not message.email:
            return ConsoleBackend().send(message)
        return bool(send_mail(message.subject, message.body, None, [message.email], fail_silently=False))


class MemoryBackend:
    """Keeps messages in `MemoryBackend.outbox` (tests)."""

    outbox: list[Message] = []

    def send(self, message: Message) -> bool:
        MemoryBackend.outbox.append(message)
        return True


def get_backend() -> MessageBackend:
    return import_string(getattr(settings, "HUB_MESSAGE_BACKEND", DEFAULT_BACKEND))()


def send_message(message: Message) -> bool:
    """Deliver one message with the configured backend."""
    return get_backend().send(message)
