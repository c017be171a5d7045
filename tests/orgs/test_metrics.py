"""Per-unit registry metrics: right numbers on a hand-made data set, one query for many units."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from orgs import metrics
from orgs.models import ContactLog, DirectContact, LeagueBuilding, LeagueUnit, Organization

from .factories import credit_code, make_org

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def data(units, zhongshan, foshan, guzhen, zhongshan_cadre, guzhen_cadre):
    """中山 city: 1 org at city level, 3 in 古镇 (one rejected), 1 in 小榄; 佛山: 1 org."""
    xiaolan = units["442000013"] if units["442000013"].name != "古镇镇" else units["442000014"]
    city_org = make_org(zhongshan, "中山市青年创业协会", youth_covered=1500)
    g1 = make_org(guzhen, "古镇灯饰青年商会", youth_covered=1200)
    g2 = make_org(guzhen, "古镇青年读书会", status=Organization.Status.PENDING)
    make_org(guzhen, "古镇被拒组织", status=Organization.Status.REJECTED)
    x1 = make_org(xiaolan, "小榄义工联合会")
    f1 = make_org(foshan, "佛山青年志愿者协会", youth_covered=3000)
    # Registered (实体化) in 2026 Q1: g1 and f1; city_org in 2025.
    for org, day in ((g1, D(2026, 2, 1)), (f1, D(2026, 3, 1)), (city_org, D(2025, 6, 1))):
        Organization.objects.filter(pk=org.pk).update(
            registration_status="social_group", credit_code=credit_code(), registered_on=day
        )
    # Direct contacts: 中山 and 古镇 both contact g1 (counts once for 中山), 古镇 contacts g2.
    DirectContact.objects.create(unit=zhongshan, organization=g1, since=D(2026, 1, 10))
    DirectContact.objects.create(unit=guzhen, organization=g1, since=D(2026, 1, 5))
    DirectContact.objects.create(unit=guzhen, organization=g2, since=D(2026, 4, 5))
    DirectContact.objects.create(unit=foshan, organization=f1, since=D(2026, 1, 1))
    # League building: a joint branch of g1 and x1 owned by 中山; f1 independent.
    joint = LeagueBuilding.objects.create(
        unit=zhongshan,
        lead_organization=g1,
        mode="embedded",
        form="joint",
        branch_name="联合团支部",
        founded_on=D(2026, 2, 1),
    )
    joint.organizations.set([g1, x1])
    solo = LeagueBuilding.objects.create(
        unit=foshan,
        lead_organization=f1,
        mode="embedded",
        form="independent",
        branch_name="团支部",
        founded_on=D(2026, 5, 1),
    )
    solo.organizations.set([f1])
    # Contact log: the 古镇 cadre visited 1.5 days, called once; the 中山 cadre 0.5 day in Q2.
    ContactLog.objects.create(
        organization=g1, cadre=guzhen_cadre, unit=guzhen, date=D(2026, 2, 3), days=Decimal("1.5")
    )
    ContactLog.objects.create(
        organization=g1, cadre=guzhen_cadre, unit=guzhen, date=D(2026, 2, 4), kind="call", days=1
    )
    ContactLog.objects.create(
        organization=x1, cadre=zhongshan_cadre, unit=zhongshan, date=D(2026, 4, 4), days=Decimal("0.5")
    )
    # All entered the registry at the start of 2025, so date cuts in 2026 keep them.
    Organization.objects.update(created_at=datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC))
    return {"xiaolan": xiaolan}


def test_each_metric_gives_the_right_numbers(data, province, zhongshan, guzhen, foshan):
    xiaolan = data["xiaolan"]
    units = [province, zhongshan, guzhen, xiaolan, foshan]
    today = timezone.localdate()

    def run(metric, start, end):
        values = metric(units, start, end)
        return [values[u.pk] for u in units]

    assert run(metrics.organizations_governed, None, today) == [5, 4, 2, 1, 1]
    assert run(metrics.organizations_listed, None, today) == [4, 3, 1, 1, 1]
    assert run(metrics.organizations_registered, D(2026, 1, 1), D(2026, 3, 31)) == [2, 1, 1, 0, 1]
    assert run(metrics.organizations_registered, None, D(2026, 12, 31)) == [3, 2, 1, 0, 1]
    assert run(metrics.organizations_directly_contacted, None, D(2026, 3, 31)) == [2, 1, 1, 0, 1]
    assert run(metrics.organizations_directly_contacted, None, D(2026, 12, 31)) == [3, 2, 2, 0, 1]
    assert run(metrics.backbone_organizations, None, today) == [3, 2, 1, 0, 1]
    assert run(metrics.organizations_with_league_building, None, D(2026, 3, 31)) == [2, 2, 1, 1, 0]
    # listed: 中山 3 (2 covered), 古镇 1 (1), 小榄 1 (1), 佛山 1 (covered only from May)
    assert run(metrics.league_building_coverage, None, D(2026, 3, 31)) == [
        Decimal("50.00"),
        Decimal("66.67"),
        Decimal("100.00"),
        Decimal("100.00"),
        Decimal("0.00"),
    ]
    assert run(metrics.league_building_coverage, None, D(2026, 6, 30))[4] == Decimal("100.00")
    assert run(metrics.organizations_governed, None, D(2024, 12, 31)) == [0, 0, 0, 0, 0]
    assert run(metrics.cadre_visit_days, D(2026, 1, 1), D(2026, 3, 31)) == [
        Decimal("1.5"),
        Decimal("1.5"),
        Decimal("1.5"),
        0,
        0,
    ]
    assert run(metrics.cadre_visit_days, None, D(2026, 6, 30))[:2] == [Decimal("2.0"), Decimal("2.0")]


@pytest.mark.parametrize("name", sorted(metrics.METRICS))
def test_each_metric_is_one_query_for_all_units(data, name):
    every_unit = list(LeagueUnit.objects.all())
    assert len(every_unit) > 100
    with CaptureQueriesContext(connection) as queries:
        values = metrics.METRICS[name](every_unit, None, D(2026, 12, 31))
    assert len(queries) == 1
    assert set(values) == {u.pk for u in every_unit}


def test_count_by_unit_with_filters(data, zhongshan, guzhen, foshan):
    counts = Organization.objects.count_by_unit(
        [zhongshan, guzhen, foshan], status="listed", youth_covered__gte=1000
    )
    assert counts == {zhongshan.pk: 2, guzhen.pk: 1, foshan.pk: 1}
    assert Organization.objects.count_by_unit([]) == {}
