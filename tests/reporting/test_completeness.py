"""Completeness and timeliness, and the reminders that chase non-filers."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from hubportal.models import OutboxMessage
from reporting import services
from reporting.models import Reminder, Report

from .conftest import at, file_report, save


def filed_at(form, unit, user, when, clock):
    clock.move_to(when)
    return file_report(user, form, unit, date(2026, 2, 1), submit=True)


@pytest.fixture
def filed(clock, monthly_form, units, zhongshan_cadre):
    """Two towns on time, one late (through an unlock); the other 21 towns never filed."""
    towns = sorted((units[c] for c in units if c.startswith("442000") and len(c) == 9), key=lambda u: u.path)
    filed_at(monthly_form, towns[0], zhongshan_cadre, at(2026, 3, 2), clock)
    filed_at(monthly_form, towns[1], zhongshan_cadre, at(2026, 3, 5, 23), clock)
    clock.move_to(at(2026, 3, 8))
    late = services.open_report(zhongshan_cadre, monthly_form.pk, towns[2].pk, date(2026, 2, 1))
    Report.objects.filter(pk=late.pk).update(unlocked_until=at(2026, 3, 10))
    save(zhongshan_cadre, late, submit=True)
    clock.move_to(at(2026, 3, 12))
    return towns


def test_completeness_sorts_due_units_in_one_query(filed, monthly_form, zhongshan, django_assert_num_queries):
    # 1: the due units LEFT JOINed to their report of the period; 2: the city's children.
    with django_assert_num_queries(2):
        result = services.completeness(zhongshan, monthly_form, date(2026, 2, 10))
    by_unit = {row.unit_id: row.status for row in result.rows}
    assert by_unit[filed[0].pk] == "on_time" and by_unit[filed[1].pk] == "on_time"
    assert by_unit[filed[2].pk] == "late"
    assert result.counts["on_time"] == 2 and result.counts["late"] == 1
    # 24 towns and 中山's due county-level regional units are due; the city itself is not listed.
    assert (
        result.counts["due"] == result.counts["on_time"] + result.counts["late"] + result.counts["not_filed"]
    )
    assert zhongshan.pk not in by_unit


def test_before_the_deadline_unfiled_units_are_pending(clock, monthly_form, zhongshan):
    clock.move_to(at(2026, 3, 4))
    result = services.completeness(zhongshan, monthly_form, date(2026, 2, 1))
    assert result.counts["not_filed"] == 0 and result.counts["pending"] == result.counts["due"] > 20


def test_foshan_cadre_cannot_open_zhongshan_completeness(
    filed, client_for, foshan_cadre, zhongshan, monthly_form
):
    response = client_for(foshan_cadre).get(
        f"/reporting/completeness/?unit={zhongshan.pk}&form={monthly_form.pk}&day=2026-02-01"
    )
    assert response.status_code == 200
    # The unit is not among the choices, so the page falls back to the cadre's own unit.
    assert "古镇镇" not in response.content.decode()


def reminders_to(text):
    """(recipient, subject) of the reminders in the outbox that mention `text`."""
    return [
        (m.recipient, m.subject)
        for m in OutboxMessage.objects.filter(tags__contains="reminder").order_by("pk")
        if text in m.body or text in m.subject
    ]


def test_reminders_go_out_once_per_step_and_escalate_to_the_parent(
    clock, monthly_form, guzhen, guzhen_cadre, zhongshan_cadre
):
    guzhen_cadre.email, zhongshan_cadre.email = "guzhen@example.cn", "zs@example.cn"
    guzhen_cadre.save()
    zhongshan_cadre.save()
    clock.move_to(at(2026, 3, 3))
    sent = services.send_due_reminders()
    assert sent["before"] > 20
    assert [r for r, _s in reminders_to("古镇镇")] == ["guzhen@example.cn"]
    # Running again the same day writes nothing more to the outbox.
    queued = OutboxMessage.objects.count()
    assert services.send_due_reminders() == {"before": 0, "after": 0, "escalated": 0}
    assert OutboxMessage.objects.count() == queued
    clock.move_to(at(2026, 3, 6))
    assert services.send_due_reminders()["after"] > 20
    clock.move_to(at(2026, 3, 10))
    queued = OutboxMessage.objects.count()
    sent = services.send_due_reminders()
    assert sent["escalated"] > 20 and sent["after"] == 0
    escalations = [
        m.recipient for m in OutboxMessage.objects.order_by("pk")[queued:] if "古镇镇" in m.subject
    ]
    assert escalations == ["zs@example.cn"]
    assert Reminder.objects.filter(unit=guzhen, step="escalated").count() == 1


def test_reminders_are_written_in_the_portal_language(clock, monthly_form, guzhen, guzhen_cadre):
    guzhen_cadre.email = "guzhen@example.cn"
    guzhen_cadre.save()
    clock.move_to(at(2026, 3, 3))
    services.send_due_reminders()  # the tests run in English; the portal speaks Chinese
    [message] = OutboxMessage.objects.filter(recipient="guzhen@example.cn")
    assert "月度通报" in message.subject and "Reminder" not in message.subject
    assert message.status == OutboxMessage.Status.PENDING and message.user == guzhen_cadre


def test_reminders_are_delivered_after_the_commit_by_the_outbox(
    clock, monthly_form, guzhen, guzhen_cadre, settings, django_capture_on_commit_callbacks
):
    from hubportal.messaging import MemoryBackend

    settings.HUB_MESSAGE_BACKEND = "hubportal.messaging.MemoryBackend"
    settings.CELERY_TASK_ALWAYS_EAGER = True
    MemoryBackend.outbox.clear()
    guzhen_cadre.email = "guzhen@example.cn"
    guzhen_cadre.save()
    clock.move_to(at(2026, 3, 3))
    with django_capture_on_commit_callbacks(execute=True):
        services.send_due_reminders()
    assert [m.email for m in MemoryBackend.outbox] == ["guzhen@example.cn"]
    assert OutboxMessage.objects.get(recipient="guzhen@example.cn").status == OutboxMessage.Status.SENT


def test_units_that_filed_get_no_reminder(clock, monthly_form, guzhen, guzhen_cadre):
    file_report(guzhen_cadre, monthly_form, guzhen, date(2026, 2, 1), submit=True)
    services.send_due_reminders()
    assert not Reminder.objects.filter(unit=guzhen).exists()
    assert Reminder.objects.filter(step="before").exists()


def test_reminders_record_recipients_without_a_query_per_unit(clock, monthly_form, units):
    from tests.conftest import make_user

    towns = sorted((units[c] for c in units if c.startswith("442000") and len(c) == 9), key=lambda u: u.path)
    for number, town in enumerate(towns[:8]):
        make_user(f"town_cadre_{number}", town, email=f"t{number}@example.cn")
    clock.move_to(at(2026, 3, 3))
    with CaptureQueriesContext(connection) as queries:
        sent = services.send_due_reminders()
    outbox_inserts = [q for q in queries if q["sql"].startswith('INSERT INTO "hubportal_outboxmessage"')]
    # Each person reminded is one outbox row (8). Everything else is fixed: 1 active forms;
    # for each of the two periods (only February's is in its reminder window): 1 non-filers,
    # 1 INSERT … ON CONFLICT, 1 memberships, 1 UPDATE of every reached unit's recipients;
    # plus savepoints. Eight towns with cadres must not cost eight UPDATEs.
    assert len(outbox_inserts) == 8
    assert len(queries) - len(outbox_inserts) <= 8
    assert sent["before"] > 20
    recorded = dict(
        Reminder.objects.filter(step="before", unit__in=towns[:8]).values_list("unit_id", "recipients")
    )
    assert recorded == {town.pk: 1 for town in towns[:8]}
    assert Reminder.objects.filter(step="before", recipients=0).count() == sent["before"] - 8
