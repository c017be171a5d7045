"""Fixtures of the cards tests: a frozen clock, service messages in English (their msgids),
and a town cadre of 古镇 who issues its cards."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import translation

from tests.conftest import make_user

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def english_messages():
    with translation.override("en"):
        yield


@pytest.fixture
def clock():
    with time_machine.travel(datetime.datetime(2026, 7, 15, 10, tzinfo=SHANGHAI), tick=False) as traveller:
        yield traveller


@pytest.fixture
def guzhen_admin(guzhen):
    return make_user("gz_admin", guzhen, full_name="梁古镇")
