"""The demo registry: every tier, kind, category, status and registration state; valid
codes; idempotent; org_rep represents a listed 中山 organization."""

import pytest

from orgs import demo
from orgs.models import BackboneMember, DirectContact, LeagueBuilding, Organization
from orgs.validators import validate_credit_code, validate_id_number

pytestmark = pytest.mark.django_db


def test_seed_registry_is_complete_valid_and_idempotent(units, zhongshan):
    demo.seed_users(units)
    created = demo.seed_registry(units)
    assert 250 <= created == Organization.objects.count()
    values = lambda field: set(Organization.objects.values_list(field, flat=True))  # noqa: E731
    assert values("tier") == {"5", "2", "N"}
    assert values("kind") - {""} == set(Organization.Kind.values)
    assert values("category") == set(Organization.Category.values)
    assert values("status") == set(Organization.Status.values)
    assert values("registration_status") == set(Organization.RegistrationStatus.values)
    for code in Organization.objects.exclude(credit_code="").values_list("credit_code", flat=True):
        validate_credit_code(code)
    for number in BackboneMember.objects.exclude(id_number="").values_list("id_number", flat=True)[:200]:
        validate_id_number(number)
    for name in ("古镇灯饰青年商会", "小榄义工联合会", "石岐青年读书会", "中山市青年创业协会"):
        assert Organization.objects.filter(name=name, status="listed").exists()
    rep_org = Organization.objects.get(representatives__username="org_rep")
    assert rep_org.status == "listed" and rep_org.governing_unit.path.startswith(zhongshan.path)
    assert Organization.objects.in_subtree(zhongshan).count() > Organization.objects.count() / 2
    assert DirectContact.objects.filter(unit=zhongshan).count() >= 30
    assert LeagueBuilding.objects.filter(form="joint").exists()
    counts = (Organization.objects.count(), BackboneMember.objects.count(), LeagueBuilding.objects.count())
    assert demo.seed_registry(units) == 0
    assert counts == (
        Organization.objects.count(),
        BackboneMember.objects.count(),
        LeagueBuilding.objects.count(),
    )
