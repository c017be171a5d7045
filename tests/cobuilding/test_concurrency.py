"""Two cadres at the same moment, each in their own transaction on their own connection:
two chairs appointed for overlapping terms of one committee, and the same branch paid its
city subsidy twice. The first holds its transaction open; the second waits on the row lock
(the committee's, the league branch's), then sees the first's record and is refused with
its message — never an IntegrityError, never two records."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError

from cobuilding import services
from cobuilding.models import BranchSubsidy, ChairTerm
from orgs.models import LeagueBuilding
from tests.incubation.test_concurrency import race
from tests.orgs.factories import make_org

from . import factories as f

pytestmark = pytest.mark.django_db(transaction=True)
D = datetime.date


def test_two_cadres_appointing_overlapping_chairs(units, zhongshan_cadre, province_admin):
    committee = f.committee(units["442000001"])
    first_unit, second_unit = f.member_unit(committee, "甲单位"), f.member_unit(committee, "乙单位")

    def appoint(user, unit, starts, ends):
        return lambda: services.appoint_chair(
            user, committee.pk, {"member_unit": unit.pk, "starts_on": starts, "ends_on": ends}
        )

    results = race(
        appoint(zhongshan_cadre, first_unit, D(2026, 1, 1), D(2026, 3, 31)),
        appoint(province_admin, second_unit, D(2026, 3, 1), D(2026, 5, 31)),
    )
    assert results["second_was_blocked"], f"the second appointment never waited for the first: {results}"
    assert isinstance(results["first"], ChairTerm)
    assert isinstance(results["second"], ValidationError)
    assert "同一委员会的任期不得重叠" in str(results["second"])
    assert ChairTerm.objects.count() == 1


def test_two_payments_of_one_branch(units, province_admin):
    from tests.conftest import make_user

    guangzhou = units["440100"]
    city_cadre = make_user("gz_city", guangzhou)
    building = LeagueBuilding.objects.create(
        unit=units["440104"],
        lead_organization=make_org(units["440104"]),
        mode="embedded",
        form="independent",
        branch_name="团支部",
        founded_on=D(2025, 1, 1),
    )

    def pay(user):
        return lambda: services.pay_branch_subsidy(
            user, building.pk, {"payer": "city", "paid_on": D(2025, 2, 1)}
        )

    results = race(pay(city_cadre), pay(province_admin))
    assert results["second_was_blocked"]
    assert isinstance(results["first"], BranchSubsidy)
    assert isinstance(results["second"], ValidationError)
    assert "不能重复拨付" in str(results["second"])
    assert BranchSubsidy.objects.count() == 1
