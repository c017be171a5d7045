"""The co-building services: committees, activities (a contact-log entry for each youth
organization, through the registry's service), people, venues, plans, working funds and the
branch-subsidy ledger. Each refusal: a message on its field, nothing changed."""

from __future__ import annotations

import datetime
from decimal import Decimal
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from cobuilding import services
from cobuilding.models import (
    Activity,
    ActivityOrganization,
    BranchSubsidy,
    Committee,
    Community,
    Funding,
    Person,
    Venue,
    WorkPlan,
)
from hubportal.access import NotChangeable, NotVisible
from orgs.models import ContactLog, LeagueBuilding
from tests.orgs.factories import make_org

from . import factories as f

D = datetime.date


def messages(error: ValidationError) -> str:
    return (
        " ".join(m for ms in error.message_dict.values() for m in ms)
        if hasattr(error, "error_dict")
        else " ".join(error.messages)
    )


# Committees ---------------------------------------------------------------------------------
def test_one_committee_per_subdistrict(clock, zhongshan_cadre, shiqi):
    data = {
        "subdistrict": shiqi.pk,
        "name": "石岐共建委",
        "founded_on": D(2026, 1, 1),
        "communities": "悦来社区\n太平社区\n",
    }
    committee = services.create_committee(zhongshan_cadre, data)
    assert sorted(committee.communities.values_list("name", flat=True)) == ["太平社区", "悦来社区"]
    with pytest.raises(ValidationError) as refused:
        services.create_committee(zhongshan_cadre, data)
    assert "already has a co-building committee" in messages(refused.value)
    assert Committee.objects.count() == 1


def test_a_committee_covers_a_town_or_subdistrict_within_reach(clock, zhongshan_cadre, zhongshan, foshan):
    with pytest.raises(ValidationError) as city:
        services.create_committee(
            zhongshan_cadre, {"subdistrict": zhongshan.pk, "name": "x", "founded_on": D(2026, 1, 1)}
        )
    assert "covers a town or subdistrict" in messages(city.value)
    town = f.subdistrict(foshan)
    with pytest.raises(ValidationError) as foreign:
        services.create_committee(
            zhongshan_cadre, {"subdistrict": town.pk, "name": "x", "founded_on": D(2026, 1, 1)}
        )
    assert "within your jurisdiction" in messages(foreign.value) and town.name not in messages(foreign.value)


def test_a_viewer_may_not_edit_and_another_city_cannot_see(committee, zhongshan_viewer, foshan_cadre):
    with pytest.raises(NotChangeable):
        services.update_committee(zhongshan_viewer, committee.pk, {"name": "改"}, committee.version)
    with pytest.raises(NotVisible):
        services.update_committee(foshan_cadre, committee.pk, {"name": "改"}, committee.version)


def test_a_stale_edit_is_refused(clock, zhongshan_cadre, committee):
    services.update_committee(zhongshan_cadre, committee.pk, {"name": "新名称"}, 1)
    with pytest.raises(ValidationError) as refused:
        services.update_committee(zhongshan_cadre, committee.pk, {"name": "另一个名称"}, 1)
    assert "version" in refused.value.message_dict
    assert Committee.objects.get().name == "新名称"


def test_a_community_with_its_volunteer_is_not_dropped(clock, zhongshan_cadre, committee):
    kept = f.community(committee, "悦来社区")
    f.person(committee, "community_volunteer", community=kept)
    with pytest.raises(ValidationError) as refused:
        services.update_committee(
            zhongshan_cadre, committee.pk, {"communities": "太平社区"}, committee.version
        )
    assert "悦来社区 still has a volunteer" in messages(refused.value)
    assert list(Community.objects.values_list("name", flat=True)) == ["悦来社区"]


# Activities and the contact log ------------------------------------------------------------------
def test_an_activity_logs_a_contact_for_each_organization_through_the_registry_service(
    clock, zhongshan_cadre, committee, member_units, zhongshan
):
    orgs = [make_org(zhongshan, "中山读书会"), make_org(zhongshan, "中山义工队")]
    with mock.patch(
        "cobuilding.services.registry.log_contact", wraps=services.registry.log_contact
    ) as logged:
        activity = services.record_activity(
            zhongshan_cadre,
            committee.pk,
            {
                "title": "亲青议事沙龙",
                "kind": "salon",
                "held_on": D(2026, 5, 4),
                "place": "青年之家",
                "organiser": member_units[0].pk,
                "member_units": [member_units[0].pk, member_units[1].pk],
                "organizations": [o.pk for o in orgs],
                "participants": 40,
            },
        )
    assert logged.call_count == 2
    entries = ContactLog.objects.filter(organization__in=orgs).order_by("organization__name")
    assert [(e.kind, e.date, e.days) for e in entries] == [("activity", D(2026, 5, 4), Decimal("0.5"))] * 2
    assert all("亲青议事沙龙" in e.note for e in entries)
    assert set(ActivityOrganization.objects.values_list("contact_log_id", flat=True)) == {
        e.pk for e in entries
    }
    # Removing an organization removes its entry; a new date moves the others'.
    services.update_activity(
        zhongshan_cadre,
        activity.pk,
        {"organizations": [orgs[0].pk], "held_on": D(2026, 5, 5)},
        activity.version,
    )
    assert list(ContactLog.objects.values_list("organization__name", "date")) == [
        ("中山读书会", D(2026, 5, 5))
    ]


def test_an_activity_names_only_organizations_within_reach(clock, zhongshan_cadre, committee, foshan):
    foreign = make_org(foshan, "佛山青年商会")
    with pytest.raises(ValidationError) as refused:
        services.record_activity(
            zhongshan_cadre,
            committee.pk,
            {
                "title": "t",
                "kind": "salon",
                "held_on": D(2026, 5, 4),
                "place": "p",
                "organizations": [foreign.pk],
            },
        )
    assert "佛山" not in messages(refused.value)
    assert not Activity.objects.exists() and not ContactLog.objects.exists()


def test_an_activity_is_recorded_once_held(clock, zhongshan_cadre, committee):
    with pytest.raises(ValidationError) as refused:
        services.record_activity(
            zhongshan_cadre,
            committee.pk,
            {"title": "t", "kind": "salon", "held_on": D(2026, 8, 1), "place": "p"},
        )
    assert "once it has taken place" in messages(refused.value)


def test_member_units_of_another_committee_are_refused(clock, zhongshan_cadre, committee, units):
    other = f.member_unit(f.committee(units["442000002"]))
    with pytest.raises(ValidationError) as refused:
        services.record_meeting(
            zhongshan_cadre,
            committee.pk,
            {"held_on": D(2026, 1, 5), "attendees": "a", "decisions": "b", "member_units": [other.pk]},
        )
    assert "Choose member units of this committee" in messages(refused.value)


# People, venues, plans ------------------------------------------------------------------------------
def test_ending_a_role_records_when_the_portal_learnt_it(clock, zhongshan_cadre, committee):
    person = services.add_person(
        zhongshan_cadre,
        committee.pk,
        {"name": "李青", "role": "part_time_cadre", "started_on": D(2025, 9, 1)},
    )
    assert person.ended_at is None
    person = services.update_person(zhongshan_cadre, person.pk, {"ended_on": D(2026, 6, 30)}, person.version)
    assert person.ended_at is not None


def test_only_a_community_volunteer_serves_a_community(clock, zhongshan_cadre, committee):
    community = f.community(committee)
    with pytest.raises(ValidationError) as refused:
        services.add_person(
            zhongshan_cadre,
            committee.pk,
            {"name": "王", "role": "full_time_cadre", "community": community.pk, "started_on": D(2026, 1, 1)},
        )
    assert "Only a community volunteer" in messages(refused.value)
    assert not Person.objects.exists()


def test_a_venue_needs_both_coordinates(clock, zhongshan_cadre, committee):
    with pytest.raises(ValidationError) as refused:
        services.create_venue(
            zhongshan_cadre,
            committee.pk,
            {
                "name": "青年之家",
                "kind": "youth_home",
                "address": "x",
                "opening_hours": "9-21",
                "opened_on": D(2026, 1, 1),
                "latitude": Decimal("22.5"),
            },
        )
    assert "both the latitude and the longitude" in messages(refused.value)
    assert not Venue.objects.exists()


def test_a_plan_per_year_published_once(clock, zhongshan_cadre, committee):
    plan = services.create_work_plan(
        zhongshan_cadre, committee.pk, {"year": 2026, "title": "计划", "content": "内容"}
    )
    with pytest.raises(ValidationError):
        services.create_work_plan(
            zhongshan_cadre, committee.pk, {"year": 2026, "title": "又一个", "content": "内容"}
        )
    published = services.publish_work_plan(zhongshan_cadre, plan.pk)
    assert published.status == "published" and published.published_at is not None
    with pytest.raises(ValidationError):
        services.publish_work_plan(zhongshan_cadre, plan.pk)
    assert WorkPlan.objects.count() == 1


def test_funds_are_positive_amounts_to_the_fen(clock, zhongshan_cadre, committee):
    for amount, message in (
        ("-5", "more than zero"),
        ("1.234", "two decimal places"),
        ("abc", "amount in yuan"),
    ):
        with pytest.raises(ValidationError) as refused:
            services.record_funding(
                zhongshan_cadre,
                committee.pk,
                {"year": 2026, "source": "subdistrict", "amount": amount, "received_on": D(2026, 3, 1)},
            )
        assert message in messages(refused.value)
    assert not Funding.objects.exists()


# The branch-subsidy ledger ----------------------------------------------------------------------------
@pytest.fixture
def branch(units):
    """A league branch founded in a youth organization of 越秀区 (广州): a city and a district above it."""
    yuexiu = units["440104"]
    return LeagueBuilding.objects.create(
        unit=yuexiu,
        lead_organization=make_org(yuexiu, "越秀青年志愿者协会"),
        mode="embedded",
        form="independent",
        branch_name="越秀青年志愿者协会团支部",
        founded_on=D(2026, 3, 1),
    )


def test_a_branch_is_paid_300_by_the_city_and_300_by_the_district_once_each(
    clock, province_admin, branch, units
):
    city = services.pay_branch_subsidy(province_admin, branch.pk, {"payer": "city", "paid_on": D(2026, 4, 1)})
    district = services.pay_branch_subsidy(
        province_admin, branch.pk, {"payer": "county", "paid_on": D(2026, 4, 2)}
    )
    assert (city.payer_unit, city.amount) == (units["440100"], Decimal("300.00"))
    assert (district.payer_unit, district.amount) == (units["440104"], Decimal("300.00"))
    with pytest.raises(ValidationError) as refused:
        services.pay_branch_subsidy(province_admin, branch.pk, {"payer": "city", "paid_on": D(2026, 4, 3)})
    assert "never paid twice" in messages(refused.value)
    assert BranchSubsidy.objects.count() == 2


def test_the_schema_never_pays_a_branch_twice(branch, units):
    BranchSubsidy.objects.create(
        league_building=branch, payer="city", payer_unit=units["440100"], paid_on=D(2026, 4, 1)
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        BranchSubsidy.objects.create(
            league_building=branch, payer="city", payer_unit=units["440100"], paid_on=D(2026, 4, 2)
        )


def test_only_the_paying_committees_cadres_record_a_payment(clock, branch, units):
    from tests.conftest import make_user

    district_cadre = make_user("yx_cadre", units["440104"])
    with pytest.raises(ValidationError) as refused:
        services.pay_branch_subsidy(district_cadre, branch.pk, {"payer": "city"})
    assert "Only cadres of the paying league committee" in messages(refused.value)
    assert (
        services.pay_branch_subsidy(district_cadre, branch.pk, {"payer": "county"}).payer_unit
        == units["440104"]
    )


def test_zhongshan_has_no_district_to_pay(clock, zhongshan_cadre, zhongshan):
    building = LeagueBuilding.objects.create(
        unit=zhongshan,
        lead_organization=make_org(zhongshan),
        mode="embedded",
        form="joint",
        branch_name="联合团支部",
        founded_on=D(2026, 1, 1),
    )
    with pytest.raises(ValidationError) as refused:
        services.pay_branch_subsidy(zhongshan_cadre, building.pk, {"payer": "county"})
    assert "has no" in messages(refused.value)


def test_a_branch_out_of_reach_is_refused_without_being_named(clock, foshan_cadre, branch):
    with pytest.raises(ValidationError) as refused:
        services.pay_branch_subsidy(foshan_cadre, branch.pk, {"payer": "city"})
    assert list(refused.value.message_dict) == ["league_building"] and "越秀" not in messages(refused.value)


def test_a_payment_cannot_precede_the_branch(clock, province_admin, branch):
    with pytest.raises(ValidationError) as refused:
        services.pay_branch_subsidy(province_admin, branch.pk, {"payer": "city", "paid_on": D(2026, 2, 1)})
    assert "founded on 2026-03-01" in messages(refused.value)


def test_permission_refusals_are_not_validation_errors(committee, representative):
    with pytest.raises((NotVisible, PermissionDenied)):
        services.record_funding(representative, committee.pk, {})
