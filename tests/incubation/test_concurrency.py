"""Two cadres at the same moment, each in their own transaction on their own connection.

The first holds its transaction open after its grant (or admission); the second is started
and the test waits until PostgreSQL reports it blocked on the first one's row lock, then
lets the first commit. The second must then see the first's change and be refused cleanly.
"""

from __future__ import annotations

import datetime
import threading
import time
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction

from incubation import services
from incubation.models import FundMovement, IncubationFund, Residency

from .conftest import make_base

pytestmark = pytest.mark.django_db(transaction=True)
WAIT = 20  # seconds: a generous bound for a stuck test, never a timing assumption


def blocked_sessions() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


def race(first, second) -> dict[str, object]:
    """Run `first` inside a transaction held open until `second` waits on its lock."""
    results: dict[str, object] = {}
    first_done, release = threading.Event(), threading.Event()

    def run_first():
        try:
            with transaction.atomic():
                results["first"] = first()
                first_done.set()
                release.wait(WAIT)
        except Exception as exc:  # noqa: BLE001 - reported to the test below
            results["first"] = exc
            first_done.set()
        finally:
            connections.close_all()

    def run_second():
        first_done.wait(WAIT)
        try:
            results["second"] = second()
        except Exception as exc:  # noqa: BLE001 - reported to the test below
            results["second"] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run_first), threading.Thread(target=run_second)]
    for thread in threads:
        thread.start()
    assert first_done.wait(WAIT)
    deadline = time.monotonic() + WAIT
    while blocked_sessions() == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    results["second_was_blocked"] = blocked_sessions() > 0
    release.set()
    for thread in threads:
        thread.join(WAIT)
    return results


def test_two_cadres_granting_at_the_same_moment_cannot_overdraw(zhongshan, zhongshan_cadre, province_admin):
    fund = IncubationFund.objects.create(
        unit=zhongshan, name="中山市孵化基金", established_on=datetime.date(2024, 1, 1)
    )
    services.raise_money(zhongshan_cadre, fund.pk, "100.00", datetime.date(2024, 2, 1), "捐赠")
    base = make_base(zhongshan, "中山市亲青家园")

    def grant(user):
        return lambda: services.grant_money(
            user,
            fund.pk,
            "70.00",
            datetime.date(2024, 3, 1),
            "资助",
            grantee_base=base.pk,
            approved_by="办公会",
        )

    results = race(grant(zhongshan_cadre), grant(province_admin))
    assert results["second_was_blocked"], "the second grant never waited for the first"
    assert isinstance(results["first"], FundMovement)
    assert isinstance(results["second"], ValidationError)
    assert "30.00" in str(results["second"])  # it saw the balance left by the first grant
    fund.refresh_from_db()
    assert fund.balance == Decimal("30.00")
    assert FundMovement.objects.filter(kind="granted").count() == 1


def test_two_admissions_for_the_last_work_station(zhongshan, zhongshan_cadre, province_admin):
    from tests.orgs.factories import make_org

    base = make_base(zhongshan, "中山市亲青家园", work_stations=1)
    first_app = services.apply_for_residency(zhongshan_cadre, base.pk, make_org(zhongshan, "甲组织").pk)
    second_app = services.apply_for_residency(zhongshan_cadre, base.pk, make_org(zhongshan, "乙组织").pk)

    results = race(
        lambda: services.admit_residency(zhongshan_cadre, first_app.pk),
        lambda: services.admit_residency(province_admin, second_app.pk),
    )
    assert results["second_was_blocked"]
    assert isinstance(results["first"], Residency)
    assert isinstance(results["second"], ValidationError)
    assert Residency.objects.filter(base=base, status="admitted").count() == 1
