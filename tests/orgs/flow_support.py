"""Helpers of the registration-flow tests (self-registration, review, import/export)."""

from __future__ import annotations

import re
from typing import Any

from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile

from hubportal.messaging import MemoryBackend
from hubportal.models import OutboxMessage

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64


def isolate(settings: Any, tmp_path: Any) -> None:
    """Messages into memory (delivered in this process once a transaction commits), uploads
    into a temporary folder, rate limits reset."""
    settings.HUB_MESSAGE_BACKEND = "hubportal.messaging.MemoryBackend"
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.MEDIA_ROOT = str(tmp_path / "media")
    MemoryBackend.outbox.clear()
    cache.clear()


def pdf(name: str = "章程.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


def queued(tag: str) -> list[OutboxMessage]:
    """The outbox rows with `tag`, oldest first (a test's transaction never commits, so they
    wait there with their body)."""
    return list(OutboxMessage.objects.filter(tags__contains=tag).order_by("pk"))


def last_code() -> str:
    """The six-digit code of the newest verification message: from its outbox row while it
    waits, or as delivered (a sensitive row's body is erased once sent)."""
    rows = [m for m in queued("verification") if m.body]
    if rows:
        body = rows[-1].body
    else:
        body = [m for m in MemoryBackend.outbox if "verification" in m.tags][-1].body
    found = re.search(r"\b(\d{6})\b", body)
    assert found is not None, body
    return found.group(1)
