"""The counts the targets need: per unit subtree, many units at once, one query each."""

import datetime

import pytest

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
    return {"xiaolan": xiaolan, "province": province}


def test_counts_per_subtree(history, zhongshan, guzhen, foshan):
    province, xiaolan = history["province"], history["xiaolan"]
    units = [province, zhongshan, guzhen, xiaolan, foshan]
    ids = lambda result: [result[u.pk] for u in units]  # noqa: E731
    assert ids(metrics.bases(units, START, END)) == [4, 3, 1, 1, 1]
    assert ids(metrics.bases(units, None, END)) == [5, 3, 1, 1, 1]
    assert ids(metrics.bases(units, None, END, level="town")) == [2, 2, 1, 1, 0]
    assert ids(metrics.funds(units, START, END)) == [2, 2, 1, 0, 0]
    assert ids(metrics.orgs_incubated(units, START, END)) == [4, 3, 2, 0, 1]
    assert ids(metrics.orgs_graduated(units, START, END)) == [3, 2, 0, 0, 1]
    assert ids(metrics.orgs_registered_after_incubation(units, START, END)) == [2, 1, 0, 0, 1]
    by_level = metrics.bases_by_level(units, None, END)
    assert by_level[province.pk] == {"province": 1, "city": 2, "county": 0, "town": 2}
    assert by_level[guzhen.pk]["town"] == 1 and by_level[foshan.pk]["city"] == 1


@pytest.mark.parametrize(
    "name",
    [
        "bases",
        "funds",
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

    for code in ["bases", "funds", "orgs_incubated"]:
        metric = registry.get(code)
        assert metric is not None and metric.has_source
    bases = registry.get("bases")
    assert bases is not None
    computed = bases.compute([zhongshan], START, END)
    assert computed is not None and computed[zhongshan.pk] == 3
