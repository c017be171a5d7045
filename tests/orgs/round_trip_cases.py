"""The registry's edit pages, fully filled, for tests/hubportal/test_round_trip.py."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.urls import reverse

from tests.orgs.factories import credit_code, id_number, make_org
from tests.round_trip import NARRATIVE, Page, fields_of


def full_organization(unit, **extra) -> Any:
    return make_org(
        unit,
        "中山市“青益”公益服务中心",
        tier="N",
        kind="social_organization",
        category="public_welfare",
        service_fields=["education", "elderly"],
        registration_status="non_enterprise",
        credit_code=credit_code(),
        founded_on=datetime.date(2009, 6, 6),
        registered_on=datetime.date(2012, 3, 15),
        youth_covered=1200,
        description=NARRATIVE,
        contact_person="王小明",
        phone="13800138000",
        email="qingyi@example.cn",
        address="中山市石岐区悦来南路 1 号",
        **extra,
    )


def organization_edit(ctx) -> Page:
    org = full_organization(ctx.zhongshan)
    return Page(reverse("orgs:organization_edit", args=[org.pk]), ctx.zhongshan_cadre, fields_of(org))


def backbone_edit(ctx) -> Page:
    from orgs.models import BackboneMember

    org = full_organization(ctx.zhongshan)
    member = BackboneMember.objects.create(
        organization=org,
        name="李青",
        gender="female",
        birth_year=1995,
        birth_date=datetime.date(1995, 6, 12),
        phone="13900139000",
        id_number=id_number("19950612"),
        role="理事长",
    )
    return Page(reverse("orgs:backbone_edit", args=[member.pk]), ctx.zhongshan_cadre, fields_of(member))


def league_building_edit(ctx) -> Page:
    from orgs.models import LeagueBuilding

    lead = full_organization(ctx.zhongshan)
    other = make_org(ctx.zhongshan, "中山市青年读书会")
    building = LeagueBuilding.objects.create(
        unit=ctx.zhongshan,
        lead_organization=lead,
        mode="embedded",
        form="joint",
        branch_name="中山市青益联合团支部",
        founded_on=datetime.date(2025, 5, 4),
        member_count=12,
    )
    building.organizations.set([lead, other])
    return Page(
        reverse("orgs:league_building_edit", args=[building.pk]), ctx.zhongshan_cadre, fields_of(building)
    )


def contact_log_edit(ctx) -> Page:
    from orgs.models import ContactLog

    org = full_organization(ctx.zhongshan)
    entry = ContactLog.objects.create(
        organization=org,
        cadre=ctx.zhongshan_cadre,
        unit=ctx.zhongshan,
        date=datetime.date(2026, 3, 31),
        kind="visit",
        days=Decimal("1.5"),
        note=NARRATIVE,
    )
    return Page(reverse("orgs:contact_log_edit", args=[entry.pk]), ctx.zhongshan_cadre, fields_of(entry))


def direct_contact_edit(ctx) -> Page:
    from orgs.models import DirectContact

    org = full_organization(ctx.zhongshan)
    contact = DirectContact.objects.create(
        unit=ctx.zhongshan, organization=org, since=datetime.date(2026, 1, 8), note="每月走访，联系人：王小明"
    )
    return Page(
        reverse("orgs:direct_contact_edit", args=[contact.pk]), ctx.zhongshan_cadre, fields_of(contact)
    )


def unit_edit(ctx) -> Page:
    unit = ctx.units["442000012"]  # 古镇镇
    unit.address, unit.phone = "中山市古镇镇中兴大道 1 号", "0760-22345678"
    unit.save()
    return Page(reverse("orgs:unit_edit", args=[unit.pk]), ctx.zhongshan_cadre, fields_of(unit))


def my_organization_edit(ctx) -> Page:
    org = full_organization(ctx.zhongshan)
    org.representatives.add(ctx.representative)
    return Page(
        reverse("orgs_public:my_organization_edit", args=[org.pk]), ctx.representative, fields_of(org)
    )


CASES: dict[str, Callable[[Any], Page]] = {
    "orgs:organization_edit": organization_edit,
    "orgs:backbone_edit": backbone_edit,
    "orgs:league_building_edit": league_building_edit,
    "orgs:contact_log_edit": contact_log_edit,
    "orgs:direct_contact_edit": direct_contact_edit,
    "orgs:unit_edit": unit_edit,
    "orgs_public:my_organization_edit": my_organization_edit,
}
