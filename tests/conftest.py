"""Shared fixtures: the demo league tree and the named personas of STYLE.md.

Personas: a province admin, a 中山 cadre, a 佛山 cadre, a 古镇 town cadre, an
organization representative, an assessor and the public (an anonymous client).
"""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client, override_settings

from accounts.models import Membership, User
from orgs import demo
from orgs.models import LeagueUnit

# Tests store passwords with a fast hasher: PBKDF2's million rounds took 1-4 s per user made or
# signed in on a 2-core machine, most of the suite's time. The portal itself keeps Django's default.
override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]).enable()


@pytest.fixture(autouse=True)
def empty_cache():
    """Every test starts with empty rate-limit counters (the cache is per process under pytest)."""
    cache.clear()


@pytest.fixture
def units(db) -> dict[str, LeagueUnit]:
    """The Guangdong demo tree, by division code (towns: 442000012 is 古镇镇)."""
    return demo.seed_units()


@pytest.fixture
def province(units):
    return units["440000"]


@pytest.fixture
def zhongshan(units):
    return units["442000"]


@pytest.fixture
def foshan(units):
    return units["440600"]


@pytest.fixture
def guzhen(units):
    return units["442000012"]


def make_user(
    username: str, unit: LeagueUnit | None = None, role: str = Membership.Role.ADMIN, **extra
) -> User:
    user = User.objects.create_user(username=username, password="pw-for-tests-2026", **extra)
    if unit is not None:
        Membership.objects.create(user=user, unit=unit, role=role)
    return user


@pytest.fixture
def province_admin(province):
    return make_user("gd_admin", province, full_name="李广东")


@pytest.fixture
def zhongshan_cadre(zhongshan):
    return make_user("zs_cadre", zhongshan, full_name="陈中山")


@pytest.fixture
def foshan_cadre(foshan):
    return make_user("fs_cadre", foshan, full_name="黄佛山")


@pytest.fixture
def guzhen_cadre(guzhen):
    return make_user("guzhen_cadre", guzhen, role=Membership.Role.EDITOR, full_name="梁古镇")


@pytest.fixture
def zhongshan_viewer(zhongshan):
    return make_user("zs_viewer", zhongshan, role=Membership.Role.VIEWER)


@pytest.fixture
def representative(db):
    return make_user("org_rep", is_representative=True)


@pytest.fixture
def assessor(db):
    return make_user("assessor", is_assessor=True)


def login(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def client_for():
    """`client_for(user)`: a test client logged in as that persona."""
    return login
