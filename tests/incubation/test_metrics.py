"""The counts the targets need: per unit subtree, many units at once, one query each.

The period is decided by when the portal recorded a fact (entry time, the residency's
history), so the fixture records each fact on its typed day, as a cadre entering it at once."""

import datetime

import pytest
from django.utils import timezone

from incubation import metrics, services
from incubation.models import IncubationFund
from orgs.models import LeagueUnit
from tests.orgs.factories import make_org

from .conftest import make_base

D = datetime.date
START, END = D(2024, 1, 1), D(2024, 12, 31)
APRIL = D(2024, 4, 1)


@pytest.fixture
def history(units, zhongshan, guzhen, foshan, province_admin):
    xiaolan = units["442000013"]
    province = units["440000"]
    make_base(province, "广东青年社会组织孵化中心", opened_on=D(2023, 5, 4))
    zs = make_base(zhongshan, "中山市亲青家园", opened_on=D(2024, 3, 1), work_stations=10)
    gz = make_base(guzhen, "古镇镇亲青家园", opened_on=D(2024, 6, 1))
    make_base(xiaolan, "小榄镇网络亲青家园", base_type="network", work_stations=None, opened_on=D(2024, 7, 1))
    fs = make_base(foshan, "佛山市亲青家园", opened_on=D(2024, 2, 1))
    IncubationFund.objects.create(unit=province, name="省培育发展基金", established_on=D(2023, 3, 1))
    IncubationFund.objects.create(unit=zhongshan, name="中山基金", established_on=D(2024, 5, 1))
    IncubationFund.objects.create(unit=guzhen, name="古镇基金", established_on=D(2024, 6, 1))

    def run(base, org, graduate=None, exit_=False, admitted=APRIL):
        residency = services.apply_for_residency(province_admin, base.pk, org.pk, on=admitted)
        services.admit_residency(province_admin, residency.pk, on=admitted)
        if graduate or exit_:
            services.start_residency(province_admin, residency.pk, on=admitted)
        if graduate:
            services.graduate_residency(province_admin, residency.pk, graduate, on=D(2024, 10, 1))
        if exit_:
            services.exit_residency(province_admin, residency.pk, "搬迁", on=D(2024, 9, 1))
        return residency

    a, b, c, d = (make_org(zhongshan, f"组织{i}") for i in range(4))
    run(zs, a, graduate=["registered"])
    run(gz, a, admitted=D(2024, 11, 1))  # the same organization again, in a town: counts once for 中山
    run(zs, b, graduate=["purchased_service"])
    run(gz, c, exit_=True)
    services.apply_for_residency(province_admin, zs.pk, d.pk)  # only applied: not incubated
    run(fs, make_org(foshan, "佛山组织"), graduate=["registered", "backbone"])
    run(zs, make_org(zhongshan, "旧组织"), admitted=D(2023, 6, 1))  # before the period
    entered_on_their_typed_days()
    return {"xiaolan": xiaolan, "province": province}


def aware(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(10)))


def entered_on_their_typed_days() -> None:
    """Bases and funds entered on their opening and establishment days, each step of a
    residency recorded on its day (PostgreSQL's clock wrote the history: set it)."""
    from django.apps import apps

    from incubation.models import IncubationBase

    ResidencyEvent = apps.get_model("incubation", "ResidencyEvent")

    for base in IncubationBase.objects.all():
        IncubationBase.objects.filter(pk=base.pk).update(created_at=aware(base.opened_on))
    for fund in IncubationFund.objects.all():
        IncubationFund.objects.filter(pk=fund.pk).update(created_at=aware(fund.established_on))
    for event in ResidencyEvent.objects.all():
        day = event.ended_on if event.status in ("graduated", "exited", "declined") else None
        day = day or event.started_on or event.admitted_on or event.applied_on
        ResidencyEvent.objects.filter(pk=event.pk).update(pgh_created_at=aware(day))


def test_counts_per_subtree(history, zhongshan, guzhen, foshan):
    province, xiaolan = history["province"], history["xiaolan"]
    units = [province, zhongshan, guzhen, xiaolan, foshan]
    ids = lambda result: [result[u.pk] for u in units]  # noqa: E731
    assert ids(metrics.bases_count(units, START, END)) == [4, 3, 1, 1, 1]
    assert ids(metrics.bases_count(units, None, END)) == [5, 3, 1, 1, 1]
    assert ids(metrics.bases_count(units, None, END, level="town")) == [2, 2, 1, 1, 0]
    assert ids(metrics.funds_count(units, START, END)) == [2, 2, 1, 0, 0]
    assert ids(metrics.orgs_incubated(units, START, END)) == [4, 3, 2, 0, 1]
    assert ids(metrics.orgs_graduated(units, START, END)) == [3, 2, 0, 0, 1]
    assert ids(metrics.orgs_registered_after_incubation(units, START, END)) == [2, 1, 0, 0, 1]
    by_level = metrics.bases_by_level(units, None, END)
    assert by_level[province.pk] == {"province": 1, "city": 2, "county": 0, "town": 2}
    assert by_level[guzhen.pk]["town"] == 1 and by_level[foshan.pk]["city"] == 1


@pytest.mark.parametrize(
    "name",
    [
        "bases_count",
        "funds_count",
        "orgs_incubated",
        "orgs_graduated",
        "orgs_registered_after_incubation",
        "bases_by_level",
    ],
)
def test_one_query_whatever_the_number_of_units(history, name, django_assert_num_queries):
    func = getattr(metrics, name)
    few = list(LeagueUnit.objects.order_by("path")[:3])
    every = list(LeagueUnit.objects.all())
    assert len(every) > 150
    with django_assert_num_queries(1):
        func(few, START, END)
    with django_assert_num_queries(1):
        result = func(every, START, END)
    assert len(result) == len(every)


def test_counts_are_registered_with_the_reporting_metrics(history, zhongshan):
    from django.apps import apps

    if not apps.is_installed("reporting"):
        pytest.fail("the reporting app is expected beside incubation")
    from reporting.metrics import registry

    for code in ["bases", "bases_own", "funds", "orgs_incubated", "bases_star_rated", "bases_rated_share"]:
        metric = registry.get(code)
        assert metric is not None and metric.has_evidence
    bases = registry.get("bases")
    assert bases is not None
    computed = bases.compute([zhongshan], START, END)
    assert computed is not None and computed[zhongshan.pk] == 3


def test_a_base_entered_late_does_not_count_by_its_typed_opening_date(history, zhongshan):
    """A base entered in the portal in December and typed as opened in March is a December fact."""
    base = make_base(zhongshan, "补录的亲青家园", opened_on=D(2024, 3, 1))
    from incubation.models import IncubationBase

    IncubationBase.objects.filter(pk=base.pk).update(created_at=aware(D(2024, 12, 1)))
    q1 = metrics.bases_count([zhongshan], D(2024, 1, 1), D(2024, 3, 31))[zhongshan.pk]
    q4 = metrics.bases_count([zhongshan], D(2024, 10, 1), D(2024, 12, 31))[zhongshan.pk]
    assert (q1, q4) == (1, 1)


def test_city_level_bases_are_the_citys_own_and_ratings_are_shared(history, zhongshan, province_admin):
    from reporting.metrics import compute_figures

    own = compute_figures(metrics.bases_own(None, END), [zhongshan])[zhongshan.pk]
    every = compute_figures(metrics.bases(None, END), [zhongshan])[zhongshan.pk]
    assert (own.value, every.value) == (1, 3)
    from decimal import Decimal

    from django.apps import apps

    from incubation.models import BaseRating, IncubationBase

    BaseRatingEvent = apps.get_model("incubation", "BaseRatingEvent")

    base = IncubationBase.objects.get(name="中山市亲青家园")
    rating = BaseRating.objects.create(base=base, year=2024, stars=4, rated_on=D(2024, 11, 1))
    BaseRatingEvent.objects.filter(pgh_obj_id=rating.pk).update(pgh_created_at=aware(D(2024, 11, 2)))
    share = compute_figures(metrics.bases_rated_share(None, END), [zhongshan])[zhongshan.pk]
    assert (share.numerator, share.denominator, share.value) == (1, 3, Decimal("33.33"))
    # Recorded in 2025, the rating does not make 2024 rated.
    BaseRatingEvent.objects.filter(pgh_obj_id=rating.pk).update(pgh_created_at=aware(D(2025, 1, 2)))
    assert compute_figures(metrics.bases_rated_share(None, END), [zhongshan])[zhongshan.pk].numerator == 0
