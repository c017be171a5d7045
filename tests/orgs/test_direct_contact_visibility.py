"""One rule for a unit's direct contacts (README, "Roles"): they are the unit's records, so the
organization page shows exactly the entries the API shows — a town editor does not see its
city's own entry on an organization of the town, the city's cadre sees both."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from orgs.models import DirectContact

from .factories import make_org

CITY_NOTE, TOWN_NOTE = "市团委直联：每季度走访", "镇团委直联：每月电话"


@pytest.fixture
def org(zhongshan, guzhen):
    org = make_org(guzhen, "古镇灯饰青年商会")
    DirectContact.objects.create(
        unit=zhongshan, organization=org, since=datetime.date(2025, 1, 1), note=CITY_NOTE
    )
    DirectContact.objects.create(
        unit=guzhen, organization=org, since=datetime.date(2025, 2, 1), note=TOWN_NOTE
    )
    return org


def seen(client, org) -> tuple[set[str], set[str]]:
    """(the notes on the organization page, the notes in the API's list) of direct contacts."""
    page = client.get(reverse("orgs:organization_detail", args=[org.pk])).content.decode()
    api = client.get("/api/orgs/direct-contacts/", {"organization": org.pk}).json()
    rows = api["results"] if isinstance(api, dict) else api
    return {n for n in (CITY_NOTE, TOWN_NOTE) if n in page}, {r["note"] for r in rows}


def test_a_town_editor_sees_on_the_page_what_the_api_shows(org, guzhen_cadre, client_for):
    page, api = seen(client_for(guzhen_cadre), org)
    assert page == api == {TOWN_NOTE}


def test_the_citys_cadre_sees_both_on_the_page_and_in_the_api(org, zhongshan_cadre, client_for):
    page, api = seen(client_for(zhongshan_cadre), org)
    assert page == api == {CITY_NOTE, TOWN_NOTE}
