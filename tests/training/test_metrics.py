"""The training metrics: camps held in a unit's own series, people trained by the unit of
their organization, organization heads trained; the target engine derives the same values
from the evidence the app registers, and the board agrees."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from orgs.models import LeagueUnit
from tests.orgs.factories import make_org
from training import metrics, services
from training.models import Camp, Enrolment

from .conftest import make_camp, make_member, sessions_of

pytestmark = pytest.mark.django_db
YEAR = (datetime.date(2026, 1, 1), datetime.date(2026, 12, 31))


def held(actor, camp, members, present: bool = True) -> None:
    for member in members:
        services.enrol_member(actor, camp.pk, member.pk)
    services.confirm_enrolments(actor, camp.pk)
    if present:
        for enrolment in Enrolment.objects.filter(camp=camp):
            for session in sessions_of(camp):
                services.check_in(actor, session.pk, enrolment.qr_payload)
    services.start_camp(actor, camp.pk)
    services.finish_camp(actor, camp.pk)


@pytest.fixture
def trained(province_admin, zhongshan_cadre, province, zhongshan, guzhen):
    """A province camp (a 中山 head and a 古镇 member complete) and a 中山 camp (one completes)."""
    zs_org, gz_org = make_org(zhongshan, "中山青年义工联"), make_org(guzhen, "古镇青年商会")
    head = make_member(zs_org, "会长甲", role="会长")
    member = make_member(gz_org, "骨干乙")
    province_camp = make_camp(province_admin, province, "省级训练营")
    held(province_admin, province_camp, [head, member])
    city_camp = make_camp(zhongshan_cadre, zhongshan, "中山市训练营")
    held(zhongshan_cadre, city_camp, [make_member(zs_org, "骨干丙")])
    return {"province_camp": province_camp, "city_camp": city_camp}


def test_camps_count_in_the_series_of_their_own_level(trained, province, zhongshan, guzhen):
    counts = metrics.camps_held([province, zhongshan, guzhen], *YEAR)
    assert counts == {province.pk: 1, zhongshan.pk: 1, guzhen.pk: 0}


def test_a_countys_camp_of_its_citys_series_counts_for_the_city(zhongshan_cadre, foshan_cadre, foshan, units):
    nanhai = units["440605"]
    camp = make_camp(foshan_cadre, nanhai, "南海区承办的市级训练营", level="city")
    assert camp.series_unit == foshan
    held(foshan_cadre, camp, [])
    assert metrics.camps_held([foshan, nanhai], *YEAR) == {foshan.pk: 1, nanhai.pk: 0}


def test_people_are_counted_by_the_unit_of_their_organization(trained, province, zhongshan, guzhen, foshan):
    counts = metrics.people_trained([province, zhongshan, guzhen, foshan], *YEAR)
    assert counts == {province.pk: 3, zhongshan.pk: 3, guzhen.pk: 1, foshan.pk: 0}


def test_a_period_before_the_camps_counts_nothing(trained, province):
    assert metrics.people_trained([province], datetime.date(2025, 1, 1), datetime.date(2025, 12, 31)) == {
        province.pk: 0
    }


def test_heads_trained_is_the_share_of_listed_organizations_whose_head_completed(trained, zhongshan, guzhen):
    counts = metrics.heads_trained([zhongshan, guzhen], *YEAR)
    assert counts == {zhongshan.pk: (1, 2), guzhen.pk: (0, 1)}


def test_the_target_engine_gets_the_same_values_from_the_evidence(trained, province, zhongshan, guzhen):
    from reporting.metrics import registry

    units = [province, zhongshan, guzhen]
    camps = registry.get("camps_held")
    people = registry.get("people_trained")
    heads = registry.get("heads_trained")
    assert camps is not None and people is not None and heads is not None
    assert camps.has_source and people.has_source and heads.has_source
    assert camps.compute(units, *YEAR) == {province.pk: 1, zhongshan.pk: 1, guzhen.pk: 0}
    assert people.compute(units, *YEAR) == {province.pk: 3, zhongshan.pk: 3, guzhen.pk: 1}
    assert heads.compute([zhongshan], *YEAR) == {zhongshan.pk: Decimal("50.00")}


def test_a_cancelled_camp_never_counts(zhongshan_cadre, zhongshan):
    camp = make_camp(zhongshan_cadre, zhongshan)
    services.cancel_camp(zhongshan_cadre, camp.pk, "台风")
    assert Camp.objects.get(pk=camp.pk).status == "cancelled"
    assert metrics.camps_held([zhongshan], *YEAR) == {zhongshan.pk: 0}
    assert isinstance(zhongshan, LeagueUnit)
