"""Fixtures of the incubation tests: bases in 中山, 古镇 and 佛山, organizations, funds."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from incubation import services
from incubation.models import IncubationBase, IncubationFund
from tests.orgs.factories import make_org

OPENED = datetime.date(2024, 3, 1)


def make_base(unit, name: str, **fields) -> IncubationBase:
    defaults = {
        "base_type": IncubationBase.Type.PHYSICAL,
        "work_stations": 3,
        "opened_on": OPENED,
        "services": ["free_office", "registration"],
        "latitude": Decimal("22.517000"),
        "longitude": Decimal("113.392000"),
    }
    defaults.update(fields)
    return IncubationBase.objects.create(name=name, unit=unit, **defaults)


@pytest.fixture
def zs_base(zhongshan):
    return make_base(zhongshan, "中山市亲青家园", work_stations=2)


@pytest.fixture
def guzhen_base(guzhen):
    return make_base(guzhen, "古镇镇亲青家园", work_stations=5)


@pytest.fixture
def fs_base(foshan):
    return make_base(foshan, "佛山市亲青家园", latitude=Decimal("23.021500"), longitude=Decimal("113.121400"))


@pytest.fixture
def net_base(zhongshan):
    return make_base(zhongshan, "中山网络亲青家园", base_type="network", work_stations=None)


@pytest.fixture
def zs_orgs(zhongshan, guzhen):
    return [make_org(guzhen if i % 2 else zhongshan, f"中山青年组织{i}") for i in range(4)]


@pytest.fixture
def fs_org(foshan):
    return make_org(foshan, "佛山青年公益社")


@pytest.fixture
def zs_fund(zhongshan, zhongshan_cadre):
    fund = IncubationFund.objects.create(
        unit=zhongshan, name="中山市青年社会组织孵化基金", established_on=datetime.date(2024, 1, 1)
    )
    services.raise_money(zhongshan_cadre, fund.pk, "100000.00", datetime.date(2024, 2, 1), "市财政")
    fund.refresh_from_db()
    return fund


@pytest.fixture
def fs_fund(foshan, foshan_cadre):
    fund = IncubationFund.objects.create(
        unit=foshan, name="佛山市孵化基金", established_on=datetime.date(2024, 1, 1)
    )
    services.raise_money(foshan_cadre, fund.pk, "50000", datetime.date(2024, 2, 1), "青企协")
    fund.refresh_from_db()
    return fund
