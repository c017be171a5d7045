"""A number on the home page opens the list of exactly what it counts."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from hubportal.registry import HOME_COUNTERS
from incubation.models import IncubationBase, Residency
from tests.orgs.factories import make_org


@pytest.fixture
def records(zhongshan, guzhen, foshan):
    statuses = ["listed", "listed", "pending", "returned", "rejected", "dissolved", "suspended"]
    orgs = [make_org(guzhen if i % 2 else zhongshan, status=s) for i, s in enumerate(statuses)]
    make_org(foshan, status="pending")
    base = IncubationBase.objects.create(
        name="中山市亲青家园",
        unit=zhongshan,
        base_type="physical",
        work_stations=5,
        opened_on=datetime.date(2024, 1, 1),
    )
    day = datetime.date(2026, 1, 5)
    for org, status in zip(orgs[:3], ["applied", "applied", "incubating"], strict=True):
        moved_in = day if status == "incubating" else None
        Residency.objects.create(
            base=base,
            organization=org,
            status=status,
            applied_on=day,
            admitted_on=moved_in,
            started_on=moved_in,
        )
    return orgs


@pytest.mark.parametrize("persona", ["zhongshan_cadre", "province_admin"])
def test_every_counter_equals_the_list_it_links_to(persona, request, client_for, records):
    client = client_for(request.getfixturevalue(persona))
    home = client.get(reverse("home"))
    checked = 0
    for counter, value, link in home.context["counters"]:
        if not link or not isinstance(value, int):
            continue  # a share (coverage) opens its list of organizations, not a count of it
        listed = client.get(link)
        assert listed.status_code == 200, link
        assert listed.context["paginator"].count == value, f"{counter.label}: {value} → {link}"
        checked += 1
    assert checked >= min(4, len([c for c in HOME_COUNTERS if c.url_name]))
