"""Fixtures of the training tests: trainers, camps in 中山 and in the province, backbone
members with their ID card numbers and phones, and a camp ready for check-in."""

from __future__ import annotations

import datetime
import itertools

import pytest
from django.utils import timezone

from orgs.models import BackboneMember
from tests.orgs.factories import id_number, make_org
from training import services
from training.models import Camp, CampSession, Trainer

START = datetime.date(2026, 3, 20)
_phones = itertools.count(1)


def at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def make_member(
    org, name: str, *, id_no: str | None = None, phone: str | None = None, role: str = ""
) -> BackboneMember:
    serial = next(_phones)
    return BackboneMember.objects.create(
        organization=org,
        name=name,
        gender="female",
        phone=phone if phone is not None else f"1380013{serial:04d}",
        id_number=id_no if id_no is not None else id_number("19950612", serial % 1000),
        role=role,
    )


def make_trainer(unit, name: str = "罗静怡", **fields) -> Trainer:
    defaults = {"affiliation": "中山大学社会学系", "fields": ["social_work"], "shared": True, "active": True}
    defaults.update(fields)
    return Trainer.objects.create(name=name, unit=unit, **defaults)


def make_camp(
    actor,
    organizer,
    title: str = "中山市第一期亲青汇训练营",
    *,
    capacity: int = 30,
    sessions: int = 2,
    open_: bool = True,
    **data,
) -> Camp:
    values = {
        "title": title,
        "organizer": organizer.pk,
        "starts_on": START,
        "ends_on": START + datetime.timedelta(days=max(1, (sessions - 1) // 2)),
        "address": "中山市石岐区青年之家",
        "capacity": capacity,
        "completion_percent": 80,
    }
    values.update(data)
    camp = services.create_camp(actor, values)
    for index in range(sessions):
        day = camp.starts_on + datetime.timedelta(days=index // 2)
        hour = 9 if index % 2 == 0 else 14
        services.create_session(
            actor,
            camp.pk,
            {"title": f"第{index + 1}讲", "starts_at": at(day, hour), "ends_at": at(day, hour + 3)},
        )
    if open_:
        services.open_camp(actor, camp.pk)
    camp.refresh_from_db()
    return camp


@pytest.fixture
def zs_org(zhongshan):
    return make_org(zhongshan, "中山市青年义工联合会")


@pytest.fixture
def guzhen_org(guzhen):
    return make_org(guzhen, "古镇灯饰青年商会")


@pytest.fixture
def fs_org(foshan):
    return make_org(foshan, "佛山青年公益社")


@pytest.fixture
def zs_members(zs_org):
    return [make_member(zs_org, f"中山骨干{i}") for i in range(6)]


@pytest.fixture
def zs_camp(zhongshan_cadre, zhongshan):
    return make_camp(zhongshan_cadre, zhongshan)


@pytest.fixture
def trainer(province):
    return make_trainer(province)


def sessions_of(camp: Camp) -> list[CampSession]:
    return list(CampSession.objects.filter(camp=camp).order_by("starts_at"))


@pytest.fixture
def in_english():
    """Service messages read in English (the pages' tests read them in Chinese)."""
    from django.utils import translation

    with translation.override("en"):
        yield
