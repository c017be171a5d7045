"""Completeness and timeliness, and the reminders that chase non-filers."""

from datetime import date

import pytest

from hubportal.messaging import MemoryBackend
from reporting import services
from reporting.models import Reminder, Report

from .conftest import GOOD, at


def file_report(form, unit, user, when, clock):
    clock.move_to(when)
    report = services.report_for(user, form, unit, date(2026, 2, 1))
    services.save_report_values(report.pk, user, GOOD, submit=True)
    return report


@pytest.fixture
def filed(clock, monthly_form, units, zhongshan_cadre):
    """Two towns on time, one late (through an unlock); the other 21 towns never filed."""
    towns = sorted((units[c] for c in units if c.startswith("442000") and len(c) == 9), key=lambda u: u.path)
    file_report(monthly_form, towns[0], zhongshan_cadre, at(2026, 3, 2), clock)
    file_report(monthly_form, towns[1], zhongshan_cadre, at(2026, 3, 5, 23), clock)
    clock.move_to(at(2026, 3, 8))
    late = services.report_for(zhongshan_cadre, monthly_form, towns[2], date(2026, 2, 1))
    Report.objects.filter(pk=late.pk).update(unlocked_until=at(2026, 3, 10))
    services.save_report_values(late.pk, zhongshan_cadre, GOOD, submit=True)
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


@pytest.fixture
def outbox(settings):
    settings.HUB_MESSAGE_BACKEND = "hubportal.messaging.MemoryBackend"
    MemoryBackend.outbox.clear()
    return MemoryBackend.outbox


def test_reminders_go_out_once_per_step_and_escalate_to_the_parent(
    clock, monthly_form, guzhen, guzhen_cadre, zhongshan_cadre, outbox
):
    guzhen_cadre.email, zhongshan_cadre.email = "guzhen@example.cn", "zs@example.cn"
    guzhen_cadre.save()
    zhongshan_cadre.save()
    clock.move_to(at(2026, 3, 3))
    sent = services.send_due_reminders()
    assert sent["before"] > 20
    assert [m.email for m in outbox if "古镇镇" in m.body] == ["guzhen@example.cn"]
    # Running again the same day sends nothing more.
    outbox.clear()
    assert services.send_due_reminders() == {"before": 0, "after": 0, "escalated": 0}
    assert outbox == []
    clock.move_to(at(2026, 3, 6))
    assert services.send_due_reminders()["after"] > 20
    clock.move_to(at(2026, 3, 10))
    outbox.clear()
    sent = services.send_due_reminders()
    assert sent["escalated"] > 20 and sent["after"] == 0
    escalations = [m for m in outbox if "古镇镇" in m.subject]
    assert [m.email for m in escalations] == ["zs@example.cn"]
    assert Reminder.objects.filter(unit=guzhen, step="escalated").count() == 1


def test_units_that_filed_get_no_reminder(clock, monthly_form, guzhen, guzhen_cadre, outbox):
    report = services.report_for(guzhen_cadre, monthly_form, guzhen, date(2026, 2, 1))
    services.save_report_values(report.pk, guzhen_cadre, GOOD, submit=True)
    services.send_due_reminders()
    assert not Reminder.objects.filter(unit=guzhen).exists()
    assert Reminder.objects.filter(step="before").exists()


def test_reminders_record_recipients_without_a_query_per_unit(
    clock, monthly_form, units, outbox, django_assert_max_num_queries
):
    from tests.conftest import make_user

    towns = sorted((units[c] for c in units if c.startswith("442000") and len(c) == 9), key=lambda u: u.path)
    for number, town in enumerate(towns[:8]):
        make_user(f"town_cadre_{number}", town, email=f"t{number}@example.cn")
    clock.move_to(at(2026, 3, 3))
    # 1 active forms; for each of the two periods (only February's is in its reminder window):
    # 1 non-filers, 1 INSERT … ON CONFLICT, 1 memberships, 1 UPDATE of every reached unit's
    # recipients; plus savepoints. Eight towns with cadres must not cost eight UPDATEs.
    with django_assert_max_num_queries(8):
        sent = services.send_due_reminders()
    assert sent["before"] > 20
    recorded = dict(
        Reminder.objects.filter(step="before", unit__in=towns[:8]).values_list("unit_id", "recipients")
    )
    assert recorded == {town.pk: 1 for town in towns[:8]}
    assert Reminder.objects.filter(step="before", recipients=0).count() == sent["before"] - 8
