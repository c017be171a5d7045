"""Time is the portal's, and closed quarters stay closed (issue 10, item 3; bad input).

A contact entered on 1 December and dated 31 March does not count in March; a quarter closed
by the province (or automatically after its last report deadline) keeps its snapshots and
their evidence; reopening needs an administrator's reason and is in the history.
"""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from hubportal.history import history_of
from hubportal.models import Job
from orgs.models import DirectContact
from reporting import services
from reporting.models import Programme, QuarterClosure, TargetRule, TargetSnapshot, Window
from reporting.tasks import track_targets_task
from reporting.tracking import Quarter, close_due_quarters, last_report_deadline, track_targets
from tests.orgs.factories import make_org

from .conftest import at


def aware(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(10)))


@pytest.fixture
def contacts(province, zhongshan, monthly_form):
    """A PRD city target: ≥ 3 organizations directly contacted by 31 March."""
    programme = Programme.objects.create(
        owner=province,
        name="亲青汇计划",
        start_year=2026,
        end_year=2026,
        launch_on=date(2026, 1, 1),
        implementation_on=date(2026, 3, 1),
        inspection_on=date(2026, 12, 1),
        ends_on=date(2026, 12, 31),
    )
    TargetRule.objects.create(
        programme=programme,
        label="地市：直接联系组织≥3",
        metric="orgs_contacted",
        threshold=3,
        deadline=date(2026, 3, 31),
        levels=["city"],
        region="prd",
        kinds=["regional"],
        window=Window.TO_DATE,
    )
    for index, day in enumerate((date(2026, 1, 10), date(2026, 2, 10))):
        org = make_org(zhongshan, f"直接联系组织{index}")
        DirectContact.objects.create(unit=zhongshan, organization=org, since=day, created_at=aware(day))
    return programme


def value(period: str, unit) -> TargetSnapshot:
    return TargetSnapshot.objects.get(period=period, unit=unit, rule__label="地市：直接联系组织≥3")


def test_backdating_does_not_rewrite_a_past_quarter(clock, contacts, zhongshan):
    clock.move_to(at(2026, 4, 2))
    track_targets("2026Q1")
    before = value("2026Q1", zhongshan)
    assert before.value == 2 and before.status != "met"
    # Entered on 1 December, dated 31 March: the typed date is a fact, the entry decides.
    clock.move_to(at(2026, 12, 1))
    late = make_org(zhongshan, "补录组织")
    DirectContact.objects.create(unit=zhongshan, organization=late, since=date(2026, 3, 31))
    track_targets("2026Q1")
    assert (value("2026Q1", zhongshan).value, value("2026Q1", zhongshan).status) == (2, before.status)


def test_the_province_closes_a_quarter_and_it_stays_closed(clock, contacts, zhongshan, province_admin):
    clock.move_to(at(2026, 4, 20))
    closure = services.close_quarter(province_admin, "2026q1")
    assert closure.closed and closure.closed_by == province_admin
    frozen = value("2026Q1", zhongshan)
    assert frozen.value == 2 and frozen.evidence_set_id is not None
    org = make_org(zhongshan, "关闭后录入的组织")
    DirectContact.objects.create(
        unit=zhongshan, organization=org, since=date(2026, 3, 1), created_at=aware(date(2026, 3, 30))
    )
    with pytest.raises(ValidationError, match="2026Q1 is closed"):
        track_targets("2026Q1")
    # The nightly run leaves it alone; the snapshot and its evidence are unchanged.
    assert track_targets_task("2026Q1")["skipped"] == "closed"
    again = value("2026Q1", zhongshan)
    assert (again.pk, again.value, again.computed_at, again.evidence_set_id) == (
        frozen.pk,
        frozen.value,
        frozen.computed_at,
        frozen.evidence_set_id,
    )


def test_only_the_provinces_administrators_close_and_reopen(clock, contacts, zhongshan_cadre, province_admin):
    clock.move_to(at(2026, 4, 20))
    with pytest.raises(PermissionDenied):
        services.close_quarter(zhongshan_cadre, "2026Q1")
    assert not QuarterClosure.objects.exists() and not TargetSnapshot.objects.exists()
    services.close_quarter(province_admin, "2026Q1")
    with pytest.raises(PermissionDenied):
        services.reopen_quarter(zhongshan_cadre, "2026Q1", "想改数字")
    assert QuarterClosure.objects.get().closed


def test_a_quarter_that_has_not_ended_cannot_be_closed_nor_one_closed_twice(clock, contacts, province_admin):
    clock.move_to(at(2026, 5, 20))
    with pytest.raises(ValidationError, match="2026Q2 has not ended yet"):
        services.close_quarter(province_admin, "2026Q2")
    services.close_quarter(province_admin, "2026Q1")
    with pytest.raises(ValidationError, match="already closed"):
        services.close_quarter(province_admin, "2026Q1")
    assert QuarterClosure.objects.count() == 1


def test_reopening_needs_a_reason_which_the_history_keeps(clock, contacts, zhongshan, province_admin):
    clock.move_to(at(2026, 4, 20))
    services.close_quarter(province_admin, "2026Q1")
    for blank in ("", "   "):
        with pytest.raises(ValidationError, match="Say why the quarter is reopened"):
            services.reopen_quarter(province_admin, "2026Q1", blank)
    assert QuarterClosure.objects.get().closed
    services.reopen_quarter(province_admin, "2026Q1", "古镇镇补报了3月的直接联系名单，经省团委同意重算")
    closure = QuarterClosure.objects.get()
    assert not closure.closed and closure.reopened_by == province_admin
    history = history_of(closure)
    assert any("古镇镇补报" in str(new) for entry in history for _label, _old, new in entry.changes)
    # Open again: a run may rewrite it.
    assert track_targets("2026Q1")["period"] == "2026Q1"
    with pytest.raises(ValidationError, match="is not closed"):
        services.reopen_quarter(province_admin, "2026Q1", "再开一次")


def test_a_quarter_closes_by_itself_after_its_last_report_deadline(clock, contacts, zhongshan):
    # The monthly form is due on the 5th: Q1's last report (March) is due on 5 April.
    assert last_report_deadline(Quarter(2026, 1)) == date(2026, 4, 5)
    clock.move_to(at(2026, 4, 5, 23))
    assert close_due_quarters() == []
    clock.move_to(at(2026, 4, 6, 2))
    assert close_due_quarters() == ["2026Q1"]
    closure = QuarterClosure.objects.get(period="2026Q1")
    assert closure.closed and closure.closed_by is None
    assert value("2026Q1", zhongshan).value == 2
    assert close_due_quarters() == []  # once


def test_the_nightly_run_closes_due_quarters_but_not_a_reopened_one(clock, contacts, province_admin):
    clock.move_to(at(2026, 4, 6, 2))
    result = track_targets_task()
    assert result["closed"] == ["2026Q1"] and result["period"] == "2026Q2"
    services.reopen_quarter(province_admin, "2026Q1", "更正")
    clock.move_to(at(2026, 4, 7, 2))
    assert track_targets_task()["closed"] == []
    assert not QuarterClosure.objects.get(period="2026Q1").closed


def test_a_quarter_that_has_not_started_is_refused_and_nothing_runs(clock, contacts, province_admin):
    clock.move_to(at(2026, 5, 20))
    with pytest.raises(ValidationError, match="2026Q3 has not started yet"):
        track_targets("2026Q3")
    with pytest.raises(ValidationError, match="2026Q3 has not started yet"):
        services.start_tracking(province_admin, "2026Q3")
    assert not Job.objects.exists() and not TargetSnapshot.objects.exists()


def test_starting_a_run_of_a_closed_quarter_is_refused_with_a_message(
    clock, contacts, province_admin, zhongshan_cadre, client_for
):
    clock.move_to(at(2026, 4, 20))
    services.close_quarter(province_admin, "2026Q1")
    client = client_for(province_admin)
    response = client.post(
        "/reporting/targets/run/", {"period": "2026Q1"}, HTTP_ACCEPT_LANGUAGE="en", follow=True
    )
    assert "2026Q1 is closed" in response.content.decode()
    assert not Job.objects.exists()


def test_quarters_page_and_api(clock, contacts, province_admin, zhongshan_cadre, client_for):
    clock.move_to(at(2026, 4, 20))
    admin = client_for(province_admin)
    page = admin.get("/reporting/quarters/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Close 2026Q1" in page
    assert admin.post("/reporting/quarters/close/", {"period": "2026Q1"}).status_code == 302
    assert QuarterClosure.objects.get().closed
    # Reopening without a reason: the form says so, keeps the quarter closed.
    response = admin.post(
        "/reporting/quarters/reopen/", {"period": "2026Q1", "reason": ""}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400 and "Say why the quarter is reopened" in response.content.decode()
    assert QuarterClosure.objects.get().closed
    # The API: a city cadre is refused, a reason-less reopening is a 400 with the message.
    api = client_for(zhongshan_cadre)
    assert api.post("/api/reporting/quarters/reopen/", {"period": "2026Q1", "reason": "x"}).status_code == 403
    bad = admin.post("/api/reporting/quarters/reopen/", {"period": "2026Q1"}, HTTP_ACCEPT_LANGUAGE="en")
    assert bad.status_code == 400 and "Say why" in str(bad.json())
    ok = admin.post("/api/reporting/quarters/reopen/", {"period": "2026Q1", "reason": "补报"})
    assert ok.status_code == 200 and ok.json()["closed"] is False and ok.json()["reason"] == "补报"
    assert admin.get("/api/reporting/quarters/").json()[0]["period"] == "2026Q1"
    dashboard = admin.get("/reporting/targets/?period=2026Q1", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Reopened on" in dashboard and "补报" in dashboard


def test_the_command_says_why_it_refuses_a_quarter(clock, contacts, province_admin):
    from django.core.management import CommandError, call_command

    clock.move_to(at(2026, 4, 20))
    with pytest.raises(CommandError, match="2026Q3 has not started yet"):
        call_command("track_targets", "--period", "2026Q3")
    services.close_quarter(province_admin, "2026Q1")
    with pytest.raises(CommandError, match="2026Q1 is closed"):
        call_command("track_targets", "--period", "2026Q1")


def test_quarters_page_has_a_fixed_query_count(
    clock, province_admin, client_for, django_assert_max_num_queries
):
    # Sign in after the move: a session does not outlive the clock's jump of months.
    clock.move_to(at(2026, 12, 20))
    client = client_for(province_admin)

    def count_for(periods):
        for period in periods:
            QuarterClosure.objects.create(period=period, closed=True, closed_at=timezone.now())
        # session, user, memberships, the quarters, their history events, the events' users.
        with django_assert_max_num_queries(7):
            page = client.get("/reporting/quarters/").content.decode()
        return page

    assert "2025Q1" in count_for(["2025Q1"])
    assert "2026Q3" in count_for(["2025Q2", "2025Q3", "2025Q4", "2026Q1", "2026Q2", "2026Q3"])
