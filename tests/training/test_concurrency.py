"""Two people racing for the last seat of a camp, each in their own transaction on their own
connection: exactly one gets it, the other waits in line (see tests/incubation/test_concurrency.py)."""

from __future__ import annotations

import pytest

from tests.incubation.test_concurrency import race
from training import services
from training.models import Enrolment

from .conftest import make_camp, make_member

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_people_racing_for_the_last_seat_exactly_one_gets_it(zhongshan, zhongshan_cadre, province_admin):
    from tests.orgs.factories import make_org

    camp = make_camp(zhongshan_cadre, zhongshan, capacity=1)
    org = make_org(zhongshan, "中山青年组织")
    first, second = make_member(org, "甲"), make_member(org, "乙")

    results = race(
        lambda: services.enrol_member(zhongshan_cadre, camp.pk, first.pk),
        lambda: services.enrol_member(province_admin, camp.pk, second.pk),
    )
    assert results["second_was_blocked"], "the second enrolment never waited for the first"
    assert isinstance(results["first"], Enrolment) and isinstance(results["second"], Enrolment)
    statuses = sorted(Enrolment.objects.values_list("status", flat=True))
    assert statuses == ["applied", "waiting"]
    assert Enrolment.objects.get(status="applied").trainee.name == "甲"
