"""The outbox: a message commits or rolls back with its change, is delivered after the
commit, retried with a growing delay, and left failed (visible) after the last attempt."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone

from hubportal import outbox
from hubportal.messaging import MemoryBackend
from hubportal.models import OutboxMessage
from hubportal.services import service

Status = OutboxMessage.Status


class BrokenBackend:
    def send(self, message):
        raise ConnectionError("SMTP server refused the connection")


@pytest.fixture
def memory(settings):
    settings.HUB_MESSAGE_BACKEND = "hubportal.messaging.MemoryBackend"
    settings.CELERY_TASK_ALWAYS_EAGER = True
    MemoryBackend.outbox.clear()
    return MemoryBackend.outbox


@service
def _refused_action(actor, subject: str) -> None:
    outbox.queue_message(subject=subject, body="…", email="someone@example.cn")
    raise ValueError("the action is refused after writing its message")


def test_a_message_is_delivered_once_the_change_commits(db, memory, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message = outbox.queue_message(subject="您的组织已列入名录", body="正文", email="group@example.cn")
        assert message is not None
        assert memory == []  # nothing leaves before the commit
    message.refresh_from_db()
    assert message.status == Status.SENT and message.attempts == 1
    assert [m.subject for m in memory] == ["您的组织已列入名录"]
    # Delivering again (a retried task) sends nothing twice.
    assert outbox.deliver([message.pk]) == {}
    assert len(memory) == 1


def test_a_rolled_back_change_sends_nothing(db, memory, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValueError):
        _refused_action(None, "不应发出")
    assert not OutboxMessage.objects.exists()
    assert memory == []


def test_a_failed_delivery_is_retried_later_then_left_failed(db, settings):
    settings.HUB_MESSAGE_BACKEND = "tests.hubportal.test_outbox.BrokenBackend"
    settings.HUB_OUTBOX_MAX_ATTEMPTS = 3
    with transaction.atomic():
        message = outbox.queue_message(subject="提醒", body="正文", phone="13800000000")
    assert message is not None
    assert message.channel == OutboxMessage.Channel.SMS
    outbox.deliver([message.pk])
    message.refresh_from_db()
    assert message.status == Status.PENDING and message.attempts == 1
    assert "refused" in message.last_error
    assert message.next_attempt_at > timezone.now()
    # The sweep does not retry before the delay has passed...
    assert outbox.due_ids() == []
    # ...and does after it, until the last attempt leaves the message failed.
    for _ in range(2):
        with time_machine.travel(message.next_attempt_at + timedelta(seconds=1)):
            outbox.deliver(outbox.due_ids())
        message.refresh_from_db()
    assert message.status == Status.FAILED and message.attempts == 3
    assert outbox.failed_count() == 1


def test_a_sensitive_body_is_erased_once_sent(db, memory):
    message = outbox.queue_message(
        subject="验证码", body="您的验证码是 123456", email="a@example.cn", sensitive=True
    )
    assert message is not None
    outbox.deliver([message.pk])
    message.refresh_from_db()
    assert message.status == Status.SENT and message.body == ""
    assert "123456" in memory[-1].body


def test_no_address_no_message(db):
    assert outbox.queue_message(subject="x", body="y") is None
    assert not OutboxMessage.objects.exists()


def test_administrators_see_failed_messages_and_send_them_again(
    db, client_for, memory, django_capture_on_commit_callbacks
):
    from accounts.models import User

    admin = User.objects.create_superuser("ops", password="pw-for-tests-2026", email="ops@example.cn")
    failed = OutboxMessage.objects.create(
        channel="email",
        recipient="a@example.cn",
        subject="退回通知",
        body="…",
        status=Status.FAILED,
        attempts=5,
    )
    client = client_for(admin)
    page = client.get("/").content.decode()
    assert "1 条消息未能送达" in page
    listing = client.get("/admin/hubportal/outboxmessage/?status__exact=failed")
    assert listing.status_code == 200 and "退回通知" in listing.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/admin/hubportal/outboxmessage/", {"action": "retry", "_selected_action": [failed.pk]})
    failed.refresh_from_db()
    assert failed.status == Status.SENT
    assert memory[-1].subject == "退回通知"


def test_only_staff_may_send_messages_again(db, zhongshan_cadre):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        outbox.retry_messages(zhongshan_cadre, [1])


def test_without_an_sms_gateway_a_phone_message_fails_visibly_instead_of_passing_as_sent(db, settings):
    """The default backend only mails: a message to a phone number is logged, and outside
    DEBUG it is not taken for delivered — retried, then failed where administrators see it."""
    settings.HUB_MESSAGE_BACKEND = "hubportal.messaging.EmailBackend"
    settings.HUB_OUTBOX_MAX_ATTEMPTS = 1
    settings.DEBUG = False
    with transaction.atomic():
        message = outbox.queue_message(subject="验证码", body="123456", phone="13800000000")
    assert message is not None
    outbox.deliver([message.pk])
    message.refresh_from_db()
    assert message.status == Status.FAILED and "SMS gateway" in message.last_error
    assert message.body == "123456" and outbox.failed_count() == 1


def test_in_debug_a_phone_message_is_printed_to_the_log_and_counts_as_sent(db, settings, caplog):
    settings.HUB_MESSAGE_BACKEND = "hubportal.messaging.EmailBackend"
    settings.DEBUG = True
    with transaction.atomic():
        message = outbox.queue_message(subject="验证码", body="123456", phone="13800000000")
    assert message is not None
    with caplog.at_level("INFO", logger="hubportal.messaging"):
        outbox.deliver([message.pk])
    message.refresh_from_db()
    assert message.status == Status.SENT and "123456" in caplog.text
