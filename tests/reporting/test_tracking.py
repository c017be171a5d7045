"""Quarterly target tracking: statuses, idempotence, crash safety and set-based queries."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from hubportal.models import Job
from orgs.models import LeagueUnit
from reporting import services
from reporting.models import Programme, Report, TargetRule, TargetSnapshot, Window
from reporting.tasks import track_targets_task
from reporting.tracking import Quarter, track_targets

from .conftest import GOOD, at, file_report

S = TargetSnapshot.Status


# A metric declared for the targets that no installed app provides (as the co-building and
# card metrics were before their apps): its targets show "no data source", never 0.
NO_SOURCE = "test_metric_without_source"


@pytest.fixture
def programme(province):
    from reporting.metrics import registry

    registry.declare(NO_SOURCE, "无数据来源的测试指标")
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
        label="镇街：月度通报联系组织≥20",
        metric="report:orgs_contacted",
        threshold=20,
        deadline=date(2026, 12, 31),
        levels=["town"],
        window=Window.PROGRAMME,
    )
    TargetRule.objects.create(
        programme=programme,
        label="地市：直接联系组织≥30",
        metric="orgs_contacted",
        threshold=30,
        deadline=date(2026, 3, 31),
        levels=["city"],
        region="prd",
        kinds=["regional"],
        window=Window.TO_DATE,
    )
    TargetRule.objects.create(
        programme=programme,
        label="地市：培训骨干≥300",
        metric=NO_SOURCE,
        threshold=300,
        deadline=date(2026, 12, 31),
        levels=["city"],
    )
    return programme


def approved_report(form, unit, month, contacted, cadre, approver, clock):
    clock.move_to(at(2026, month + 1, 2))
    report = file_report(
        cadre, form, unit, date(2026, month, 1), {**GOOD, "orgs_contacted": str(contacted)}, submit=True
    )
    return services.approve_report(approver, report.pk)


def snapshot(rule_label, unit, period="2026Q2"):
    return TargetSnapshot.objects.get(rule__label=rule_label, unit=unit, period=period)


def test_report_metric_targets_sum_approved_values_over_the_subtree(
    clock, programme, monthly_form, guzhen, zhongshan, guzhen_cadre, zhongshan_cadre
):
    approved_report(monthly_form, guzhen, 2, 12, guzhen_cadre, zhongshan_cadre, clock)
    approved_report(monthly_form, guzhen, 3, 10, guzhen_cadre, zhongshan_cadre, clock)
    # A report not approved does not count.
    clock.move_to(at(2026, 5, 2))
    file_report(
        guzhen_cadre, monthly_form, guzhen, date(2026, 4, 1), {**GOOD, "orgs_contacted": "50"}, submit=True
    )
    clock.move_to(at(2026, 5, 15))
    result = track_targets("2026Q2")
    assert result["snapshots"] == TargetSnapshot.objects.filter(period="2026Q2").count() > 0
    guzhen_row = snapshot("镇街：月度通报联系组织≥20", guzhen)
    assert guzhen_row.value == Decimal(22) and guzhen_row.status == S.MET
    other_town = LeagueUnit.objects.filter(parent=zhongshan, level="town").exclude(pk=guzhen.pk).first()
    row = snapshot("镇街：月度通报联系组织≥20", other_town)
    assert row.value == 0 and row.status == S.BEHIND
    # A target whose metric has no source yet is kept, without a value.
    assert snapshot("地市：培训骨干≥300", zhongshan).status == S.NO_DATA
    assert snapshot("地市：培训骨干≥300", zhongshan).value is None
    # Past its deadline and not met: overdue (no directly contacted organizations in the registry).
    assert snapshot("地市：直接联系组织≥30", zhongshan).status == S.OVERDUE
    # Non-PRD cities are not bound by the PRD target.
    assert not TargetSnapshot.objects.filter(
        rule__label="地市：直接联系组织≥30", unit__code="440200"
    ).exists()


def test_on_track_is_pro_rata_of_the_elapsed_time(
    clock, programme, monthly_form, guzhen, guzhen_cadre, zhongshan_cadre
):
    approved_report(monthly_form, guzhen, 1, 15, guzhen_cadre, zhongshan_cadre, clock)
    clock.move_to(at(2026, 3, 20))
    track_targets("2026Q1")
    # 15 of 20 by mid-March, with about a fifth of the year gone: on track.
    assert snapshot("镇街：月度通报联系组织≥20", guzhen, "2026Q1").status == S.ON_TRACK


def test_rerunning_a_quarter_replaces_it_exactly(clock, programme, zhongshan):
    clock.move_to(at(2026, 5, 15))
    first = track_targets("2026Q2")
    q1 = track_targets("2026Q1")
    # The training target now binds only the province: the cities' rows must disappear.
    TargetRule.objects.filter(metric=NO_SOURCE).update(levels=["province"])
    second = track_targets("2026Q2")
    assert TargetSnapshot.objects.filter(period="2026Q2").count() == second["snapshots"] < first["snapshots"]
    assert list(
        TargetSnapshot.objects.filter(period="2026Q2", rule__metric=NO_SOURCE).values_list(
            "unit__level", flat=True
        )
    ) == ["province"]
    again = track_targets("2026Q2")
    assert again["snapshots"] == second["snapshots"]
    assert TargetSnapshot.objects.filter(period="2026Q1").count() == q1["snapshots"]


def test_a_run_killed_half_way_keeps_the_previous_snapshot(clock, programme, monkeypatch):
    clock.move_to(at(2026, 5, 15))
    before = track_targets("2026Q2")["snapshots"]

    def killed(*args, **kwargs):
        raise SystemExit("worker killed")

    monkeypatch.setattr("reporting.tracking._write_snapshots", killed)
    with pytest.raises(SystemExit):
        track_targets("2026Q2")
    monkeypatch.undo()
    assert TargetSnapshot.objects.filter(period="2026Q2").count() == before
    assert track_targets("2026Q2")["snapshots"] == before


def make_towns(parent: LeagueUnit, count: int) -> None:
    for index in range(count):
        LeagueUnit(name=f"测试镇{index}", level="town", parent=parent).save()


def tracking_queries(period: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        track_targets(period)
    return len(captured)


def test_tracking_query_count_does_not_grow_with_the_number_of_units(
    clock, programme, monthly_form, zhongshan
):
    clock.move_to(at(2026, 5, 15))
    make_towns(zhongshan, 50)
    small = tracking_queries("2026Q2")
    make_towns(zhongshan, 450)
    large = tracking_queries("2026Q2")
    assert TargetSnapshot.objects.filter(period="2026Q2", unit__level="town").count() > 500
    # rules, units, one query per (metric, window) and its spot-check variant, DELETE, INSERT,
    # plus the transaction's savepoint and trigger-ignore statements: the same for 50 or 500 towns.
    assert small == large
    assert large < 20


def test_task_records_progress_on_its_job(clock, programme, zhongshan_cadre):
    clock.move_to(at(2026, 5, 15))
    job = Job.objects.create(kind="reporting.track_targets", title="tracking", user=zhongshan_cadre)
    result = track_targets_task("2026Q2", job_id=job.pk)
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED and job.result["snapshots"] == result["snapshots"] > 0
    assert job.done == job.total > 0


def test_start_tracking_records_a_job_and_queues_the_run_on_commit(
    clock, programme, province_admin, django_capture_on_commit_callbacks, settings
):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    clock.move_to(at(2026, 5, 15))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = services.start_tracking(province_admin, "2026q2")
    assert job.status == Job.Status.PENDING and job.user == province_admin
    assert job.result == {"period": "2026Q2"} and len(callbacks) == 1
    assert not TargetSnapshot.objects.exists()  # nothing runs before the commit
    callbacks[0]()
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED and TargetSnapshot.objects.filter(period="2026Q2").exists()


def test_start_tracking_refuses_a_bad_quarter_and_starts_nothing(clock, province_admin, zhongshan_viewer):
    from django.core.exceptions import PermissionDenied, ValidationError

    with pytest.raises(ValidationError, match="2026Q3"):
        services.start_tracking(province_admin, "2026-07")
    with pytest.raises(PermissionDenied):
        services.start_tracking(zhongshan_viewer, "2026Q2")
    assert not Job.objects.exists()


def test_only_the_provinces_administrators_start_a_run_that_rewrites_every_city(
    clock, programme, province_admin, zhongshan_cadre, guzhen_cadre, client_for
):
    """A run rewrites every unit's snapshots: a city's administrator or a town's editor gets
    403 on the page, no button on the dashboard, and nothing starts (README, "Roles")."""
    clock.move_to(at(2026, 5, 15))
    for cadre in (zhongshan_cadre, guzhen_cadre):
        client = client_for(cadre)
        answer = client.post("/reporting/targets/run/", {"period": "2026Q2"}, HTTP_ACCEPT_LANGUAGE="en")
        assert answer.status_code == 403, cadre
        dashboard = client.get("/reporting/targets/?period=2026Q2", HTTP_ACCEPT_LANGUAGE="en")
        assert "Run tracking now" not in dashboard.content.decode()
    assert not Job.objects.exists()
    admin = client_for(province_admin)
    assert (
        "Run tracking now"
        in admin.get("/reporting/targets/?period=2026Q2", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    )
    assert admin.post("/reporting/targets/run/", {"period": "2026Q2"}).status_code == 302
    assert Job.objects.filter(kind="reporting.track_targets", user=province_admin).exists()


def test_management_command_runs_the_same_code(clock, programme, capsys):
    clock.move_to(at(2026, 8, 15))
    call_command("track_targets", "--period", "2026Q3")
    assert "2026Q3" in capsys.readouterr().out
    assert TargetSnapshot.objects.filter(period="2026Q3").exists()


def test_bad_period_is_refused():
    with pytest.raises(Exception, match="2026Q3"):
        Quarter.parse("2026-07")


def test_spot_checked_false_figures_are_discounted(
    clock, programme, monthly_form, guzhen, guzhen_cadre, zhongshan_cadre
):
    report = approved_report(monthly_form, guzhen, 2, 12, guzhen_cadre, zhongshan_cadre, clock)
    approved_report(monthly_form, guzhen, 3, 10, guzhen_cadre, zhongshan_cadre, clock)
    clock.move_to(at(2026, 5, 15))
    check = services.draw_spot_check(
        zhongshan_cadre,
        guzhen.pk,
        date(2026, 2, 1),
        date(2026, 2, 28),
        50,
        seed=7,
        metric_code="orgs_contacted",
    )
    item = check.items.get(object_id=report.values.get(metric__code="orgs_contacted").pk)
    services.record_spot_check_outcome(zhongshan_cadre, item.pk, "false", "电话核实：只联系了2家")
    track_targets("2026Q2")
    row = snapshot("镇街：月度通报联系组织≥20", guzhen)
    assert row.value == 22 and row.confirmed_value == 10
    assert Report.objects.filter(unit=guzhen).count() == 2


def test_beat_schedules_live_in_the_database(db):
    from django_celery_beat.models import PeriodicTask

    tasks = dict(
        PeriodicTask.objects.filter(task__startswith="reporting.").values_list(
            "task", "crontab__month_of_year"
        )
    )
    assert tasks == {
        "reporting.track_targets": "*",
        "reporting.track_previous_quarter": "1,4,7,10",
        "reporting.send_reminders": "*",
    }


def test_start_of_quarter_task_closes_the_previous_quarter(clock, programme):
    from reporting.tasks import track_previous_quarter_task

    clock.move_to(at(2026, 7, 1, 2))
    assert track_previous_quarter_task()["period"] == "2026Q2"
    assert TargetSnapshot.objects.filter(period="2026Q2").exists()
    assert not TargetSnapshot.objects.filter(period="2026Q3").exists()
