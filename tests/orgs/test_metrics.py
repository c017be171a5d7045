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


def aware(day: datetime.date) -> datetime.datetime:
    """Ten in the morning of `day` in Shanghai: when a record entered the portal."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(10)))


def record_registration(org: Organization, day: datetime.date, registered_on: datetime.date) -> None:
    """The organization becomes registered; the portal records it on `day` (its history says
    when), whatever date is typed as `registered_on`."""
    from django.apps import apps

    OrganizationEvent = apps.get_model("orgs", "OrganizationEvent")
    Organization.objects.filter(pk=org.pk).update(
        registration_status="social_group", credit_code=credit_code(), registered_on=registered_on
    )
    # PostgreSQL's own clock wrote the event: put it on the day the test means.
    OrganizationEvent.objects.filter(pgh_obj_id=org.pk).exclude(registration_status="unregistered").update(
        pgh_created_at=aware(day)
    )


@pytest.fixture
def data(units, zhongshan, foshan, guzhen, zhongshan_cadre, guzhen_cadre):
    """中山 city: 1 org at city level, 3 in 古镇 (one pending, one rejected), 1 in 小榄; 佛山: 1 org."""
    xiaolan = units["442000013"] if units["442000013"].name != "古镇镇" else units["442000014"]
    city_org = make_org(zhongshan, "中山市青年创业协会", youth_covered=1500)
    g1 = make_org(guzhen, "古镇灯饰青年商会", youth_covered=1200)
    g2 = make_org(guzhen, "古镇青年读书会", status=Organization.Status.PENDING)
    make_org(guzhen, "古镇被拒组织", status=Organization.Status.REJECTED)
    x1 = make_org(xiaolan, "小榄义工联合会")
    f1 = make_org(foshan, "佛山青年志愿者协会", youth_covered=3000)
    # All entered the registry at the start of 2025 (listed then: no status history here).
    Organization.objects.update(created_at=datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC))
    # Registered (实体化), recorded in 2026 Q1: g1 and f1; city_org in 2025.
    for org, day in ((g1, D(2026, 2, 1)), (f1, D(2026, 3, 1)), (city_org, D(2025, 6, 1))):
        record_registration(org, day, day)
    # Direct contacts, entered on their `since` day: 中山 and 古镇 both contact g1 (counts once
    # for 中山), 古镇 contacts g2 (pending: does not count), 佛山 f1.
    for unit, org, day in (
        (zhongshan, g1, D(2026, 1, 10)),
        (guzhen, g1, D(2026, 1, 5)),
        (guzhen, g2, D(2026, 4, 5)),
        (foshan, f1, D(2026, 1, 1)),
    ):
        DirectContact.objects.create(unit=unit, organization=org, since=day, created_at=aware(day))
    # League building: a joint branch of g1 and x1 owned by 中山; f1 independent.
    joint = LeagueBuilding.objects.create(
        unit=zhongshan,
        lead_organization=g1,
        mode="embedded",
        form="joint",
        branch_name="联合团支部",
        founded_on=D(2026, 2, 1),
        created_at=aware(D(2026, 2, 1)),
    )
    joint.organizations.set([g1, x1])
    solo = LeagueBuilding.objects.create(
        unit=foshan,
        lead_organization=f1,
        mode="embedded",
        form="independent",
        branch_name="团支部",
        founded_on=D(2026, 5, 1),
        created_at=aware(D(2026, 5, 1)),
    )
    solo.organizations.set([f1])
    return {"xiaolan": xiaolan, "g1": g1, "g2": g2, "joint": joint}


def test_each_metric_gives_the_right_numbers(data, province, zhongshan, guzhen, foshan):
    xiaolan = data["xiaolan"]
    units = [province, zhongshan, guzhen, xiaolan, foshan]
    today = timezone.localdate()

    def run(metric, start, end):
        values = metric(units, start, end)
        return [values[u.pk] for u in units]

    # Listed (and suspended) organizations only: the pending and the rejected one do not count.
    assert run(metrics.organizations_governed, None, today) == [4, 3, 1, 1, 1]
    assert run(metrics.organizations_listed, None, today) == [4, 3, 1, 1, 1]
    assert run(metrics.organizations_registered, D(2026, 1, 1), D(2026, 3, 31)) == [2, 1, 1, 0, 1]
    assert run(metrics.organizations_registered, None, D(2026, 12, 31)) == [3, 2, 1, 0, 1]
    assert run(metrics.organizations_directly_contacted, None, D(2026, 3, 31)) == [2, 1, 1, 0, 1]
    # g2 was put on 古镇's list in April, but it is still pending review: it does not count.
    assert run(metrics.organizations_directly_contacted, None, D(2026, 12, 31)) == [2, 1, 1, 0, 1]
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


def test_the_portals_time_decides_not_a_typed_date(data, zhongshan, guzhen, foshan):
    """A contact entered on 1 December and dated 31 March does not count in March; a
    registration recorded in December and typed as March neither."""
    late = make_org(guzhen, "古镇补录组织")
    Organization.objects.filter(pk=late.pk).update(created_at=aware(D(2025, 1, 1)))
    DirectContact.objects.create(
        unit=guzhen, organization=late, since=D(2026, 3, 31), created_at=aware(D(2026, 12, 1))
    )
    record_registration(late, D(2026, 12, 1), D(2026, 3, 31))
    units = [zhongshan, guzhen]
    q1 = metrics.organizations_directly_contacted(units, None, D(2026, 3, 31))
    assert q1 == {zhongshan.pk: 1, guzhen.pk: 1}
    assert metrics.organizations_directly_contacted(units, None, D(2026, 12, 31))[guzhen.pk] == 2
    assert metrics.organizations_registered(units, D(2026, 1, 1), D(2026, 3, 31))[guzhen.pk] == 1
    assert metrics.organizations_registered(units, D(2026, 10, 1), D(2026, 12, 31))[guzhen.pk] == 1


def test_a_unit_own_list_counts_its_own_pilots_not_its_subtree(data, province, zhongshan, guzhen):
    from reporting.metrics import compute_figures

    own = compute_figures(metrics.contacted_own(None, D(2026, 12, 31)), [province, zhongshan, guzhen])
    assert [own[u.pk].value for u in (province, zhongshan, guzhen)] == [0, 1, 1]
    subtree = metrics.organizations_directly_contacted([province], None, D(2026, 12, 31))
    assert subtree[province.pk] == 2


def test_a_league_branch_found_false_stops_counting_until_corrected(data, zhongshan, guzhen, zhongshan_cadre):
    from reporting import services

    end = D(2026, 3, 31)
    before = metrics.league_building_coverage([zhongshan], None, end)[zhongshan.pk]
    check = services.draw_spot_check(
        zhongshan_cadre, zhongshan.pk, D(2026, 1, 1), end, 5, seed=3, source="registry"
    )
    item = check.items.get(object_id=data["joint"].pk)
    services.record_spot_check_outcome(zhongshan_cadre, item.pk, "false", "电话核实：尚未建立团支部")
    assert before == Decimal("66.67")
    assert metrics.league_building_coverage([zhongshan], None, end)[zhongshan.pk] == Decimal("0.00")
    assert metrics.organizations_with_league_building([zhongshan], None, end)[zhongshan.pk] == 0
    services.record_spot_check_outcome(zhongshan_cadre, item.pk, "corrected", "已补建团支部并核实")
    assert metrics.league_building_coverage([zhongshan], None, end)[zhongshan.pk] == before


def test_cadres_days_are_counted_per_cadre_and_shared_per_unit(
    data, province, zhongshan, guzhen, province_admin, zhongshan_cadre, guzhen_cadre
):
    """“Every cadre 5 days a quarter”: per cadre, distinct days in youth organizations (a
    three-day activity is three days, a call is none); per unit, the share of its own cadres
    who met it."""
    from reporting.metrics import compute_figures

    g1 = data["g1"]

    def log(cadre, unit, day, days="1", kind="visit", entered=None):
        ContactLog.objects.create(
            organization=g1,
            cadre=cadre,
            unit=unit,
            date=day,
            kind=kind,
            days=Decimal(days),
            created_at=aware(entered or day),
        )

    # 古镇's cadre: a visit each on 2 and 3 Feb, a three-day activity from 10 Feb: 5 days.
    log(guzhen_cadre, guzhen, D(2026, 2, 2))
    log(guzhen_cadre, guzhen, D(2026, 2, 3), "0.5")
    log(guzhen_cadre, guzhen, D(2026, 2, 3))  # the same day again: still one day
    log(guzhen_cadre, guzhen, D(2026, 2, 10), "3", "activity")
    log(guzhen_cadre, guzhen, D(2026, 2, 20), "1", "call")  # a phone call is not a day in an organization
    # 中山's cadre: four days, and one entered in April (counts for Q2, not Q1).
    for day in (5, 6, 7, 8):
        log(zhongshan_cadre, zhongshan, D(2026, 3, day))
    log(zhongshan_cadre, zhongshan, D(2026, 3, 30), entered=D(2026, 4, 2))
    # The province's administrator has nine days, but for 中山 (not for the province).
    for day in range(1, 10):
        log(province_admin, zhongshan, D(2026, 1, day))
    figures = compute_figures(
        metrics.cadres_meeting_days(D(2026, 1, 1), D(2026, 3, 31)), [province, zhongshan, guzhen]
    )
    assert (figures[guzhen.pk].numerator, figures[guzhen.pk].denominator) == (1, 1)
    assert figures[guzhen.pk].value == Decimal("100.00")
    assert (figures[zhongshan.pk].numerator, figures[zhongshan.pk].denominator) == (0, 1)
    assert (figures[province.pk].numerator, figures[province.pk].denominator) == (0, 1)
    # The drill-down lists the unit's cadres with their days.
    from reporting.metrics import live_records

    rows = list(live_records(metrics.cadres_meeting_days(D(2026, 1, 1), D(2026, 3, 31)), zhongshan))
    assert [(r.user.username, r.ev_amount) for r in rows] == [("zs_cadre", 4)]


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
