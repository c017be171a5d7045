"""Fixtures of the co-building tests: a frozen clock, a 中山 town's committee with member
units, and service messages in English (their msgids)."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import translation

from . import factories as f

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def english_messages():
    with translation.override("en"):
        yield


@pytest.fixture
def clock():
    """15 July 2026: the first two quarters' chair terms are over, the third runs."""
    with time_machine.travel(datetime.datetime(2026, 7, 15, 10, tzinfo=SHANGHAI), tick=False) as traveller:
        yield traveller


@pytest.fixture
def shiqi(units):
    return units["442000001"]


@pytest.fixture
def committee(shiqi):
    return f.committee(shiqi)


@pytest.fixture
def member_units(committee):
    return [
        f.member_unit(committee, "石岐供电所", affiliation="enterprise", leader_name="梁志强"),
        f.member_unit(committee, "石岐中学", affiliation="school", leader_name="吴家明"),
        f.member_unit(committee, "某科技公司", affiliation="new_economic", leader_name="周俊杰"),
    ]
