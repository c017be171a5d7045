"""`manage.py seed_scale` at a tiny size: the tree, organizations, people, history off."""

import io

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command

from orgs.models import BackboneMember, LeagueBuilding, LeagueUnit, Organization
from orgs.validators import validate_credit_code

pytestmark = pytest.mark.django_db(transaction=True)


def test_seed_scale_tiny():
    out = io.StringIO()
    call_command("seed_scale", "--units", "50", "--orgs", "500", "--people", "1000", stdout=out)
    assert LeagueUnit.objects.count() == 50
    assert Organization.objects.count() == 500
    assert BackboneMember.objects.count() == 1000
    assert LeagueBuilding.objects.exists()
    province = LeagueUnit.objects.get(code="440000")
    assert Organization.objects.in_subtree(province).count() == 500
    # Every unit's path is its parent's path plus its own segment.
    for unit in LeagueUnit.objects.select_related("parent"):
        expected = (unit.parent.path if unit.parent else "") + f"{unit.pk:08d}."
        assert unit.path == expected and unit.depth == unit.path.count(".") - 1
    for code in Organization.objects.exclude(credit_code="").values_list("credit_code", flat=True)[:100]:
        validate_credit_code(code)
    assert Organization.objects.filter(name_initials="").count() == 0
    # The bulk load writes no history, and leaves the history triggers switched on.
    events = apps.get_model("orgs", "OrganizationEvent").objects
    assert events.count() == 0
    org = Organization.objects.earliest("pk")
    org.youth_covered += 1
    org.save()
    assert events.filter(pgh_obj_id=org.pk).count() == 1
    text = out.getvalue()
    assert "organizations: 500 rows" in text and "backbone members: 1,000 rows" in text
    # A second run is refused: the database already holds a tree.
    with pytest.raises(CommandError):
        call_command("seed_scale", "--units", "50", "--orgs", "10", "--people", "10", stdout=io.StringIO())
