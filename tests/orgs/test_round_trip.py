"""Round trips of the registry's edit forms: render the form for a fully filled record, send
back exactly what a browser sends for it untouched, and nothing stored changes — in Chinese
(where Django's own date input rendered 2009/06/06, which a browser drops) and in English.

`tests.browser_form.browser_submission` reads the page as Chromium does (a date input whose
value is not YYYY-MM-DD is sent empty, unchecked boxes and disabled fields are not sent ...).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import models

from orgs.models import BackboneMember, ContactLog, DirectContact, LeagueBuilding, LeagueUnit, Organization
from tests.browser_form import browser_submission

from .factories import credit_code, id_number, make_org

pytestmark = pytest.mark.django_db

LANGUAGES = ["zh-hans", "en"]


def stored(obj: models.Model) -> dict[str, Any]:
    """Every stored column of the record, and its many-to-many sets."""
    row = type(obj)._default_manager.filter(pk=obj.pk).values().get()
    for field in obj._meta.many_to_many:
        row[field.name] = set(getattr(obj, field.name).values_list("pk", flat=True))
    return row


def round_trip(client: Any, url: str, obj: models.Model, language: str) -> dict[str, list[str]]:
    before = stored(obj)
    page = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
    assert page.status_code == 200
    html = page.content.decode()
    assert f'lang="{language}"' in html
    data = browser_submission(html)
    response = client.post(url, data, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 302, response.context and response.context["form"].errors
    assert stored(obj) == before
    return data


# The records, fully filled -------------------------------------------------------------------
def full_organization(unit: LeagueUnit) -> Organization:
    org = make_org(
        unit,
        "古镇灯饰青年商会",
        tier=Organization.Tier.FIVE,
        body=Organization.Body.YOUNG_ENTREPRENEURS,
        kind="",
        category=Organization.Category.EMPLOYMENT,
        service_fields=["employment", "community"],
        registration_status=Organization.RegistrationStatus.SOCIAL_GROUP,
        credit_code=credit_code(),
        founded_on=datetime.date(2009, 6, 6),
        registered_on=datetime.date(2012, 3, 4),
        youth_covered=1500,
        description="服务古镇灯饰行业青年 & 外来务工青年",
        contact_person="王小明",
        phone="0760-88881234",
        email="qingshang@example.cn",
        address="古镇镇中兴大道1号",
    )
    org.version = 3
    org.save(update_fields=["version"])
    return org


CASES: dict[str, Callable[..., tuple[str, models.Model]]] = {}


def case(
    name: str,
) -> Callable[[Callable[..., tuple[str, models.Model]]], Callable[..., tuple[str, models.Model]]]:
    def register(build: Callable[..., tuple[str, models.Model]]) -> Callable[..., tuple[str, models.Model]]:
        CASES[name] = build
        return build

    return register


@case("organization")
def organization_case(guzhen: LeagueUnit, **_: Any) -> tuple[str, models.Model]:
    org = full_organization(guzhen)
    return f"/orgs/organizations/{org.pk}/edit/", org


@case("backbone member")
def backbone_case(guzhen: LeagueUnit, **_: Any) -> tuple[str, models.Model]:
    member = BackboneMember.objects.create(
        organization=full_organization(guzhen),
        name="李青",
        gender=BackboneMember.Gender.FEMALE,
        birth_year=1995,
        birth_date=datetime.date(1995, 6, 12),
        phone="13912345678",
        id_number=id_number("19950612"),
        role="秘书长",
    )
    return f"/orgs/backbone/{member.pk}/edit/", member


@case("league building")
def league_building_case(guzhen: LeagueUnit, **_: Any) -> tuple[str, models.Model]:
    lead = full_organization(guzhen)
    other = make_org(guzhen, "古镇青年义工队")
    building = LeagueBuilding.objects.create(
        unit=guzhen,
        lead_organization=lead,
        mode=LeagueBuilding.Mode.HUB,
        form=LeagueBuilding.Form.JOINT,
        branch_name="古镇灯饰青年联合团支部",
        founded_on=datetime.date(2019, 5, 4),
        member_count=23,
    )
    building.organizations.set([lead, other])
    return f"/orgs/league-building/{building.pk}/edit/", building


@case("contact log")
def contact_log_case(guzhen: LeagueUnit, cadre: Any, **_: Any) -> tuple[str, models.Model]:
    entry = ContactLog.objects.create(
        organization=full_organization(guzhen),
        cadre=cadre,
        unit=cadre.primary_unit,
        date=datetime.date(2026, 2, 1),
        kind=ContactLog.Kind.ACTIVITY,
        days=Decimal("1.5"),
        note="参加青年创业沙龙 <第三期>",
    )
    return f"/orgs/contact-log/{entry.pk}/edit/", entry


@case("direct contact")
def direct_contact_case(guzhen: LeagueUnit, zhongshan: LeagueUnit, **_: Any) -> tuple[str, models.Model]:
    contact = DirectContact.objects.create(
        unit=zhongshan,
        organization=full_organization(guzhen),
        since=datetime.date(2020, 1, 15),
        note="市级直联",
    )
    return f"/orgs/direct-contacts/{contact.pk}/edit/", contact


@case("town unit")
def town_case(guzhen: LeagueUnit, **_: Any) -> tuple[str, models.Model]:
    LeagueUnit.objects.filter(pk=guzhen.pk).update(
        code="442000112", address="古镇镇东兴中路2号", phone="0760-22341234", is_active=True
    )
    return f"/orgs/units/{guzhen.pk}/edit/", guzhen


@case("own city unit")
def city_case(zhongshan: LeagueUnit, **_: Any) -> tuple[str, models.Model]:
    LeagueUnit.objects.filter(pk=zhongshan.pk).update(address="中山市兴中道1号", phone="0760-88888888")
    return f"/orgs/units/{zhongshan.pk}/edit/", zhongshan


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", list(CASES))
def test_an_untouched_edit_form_changes_nothing(
    client_for, zhongshan_cadre, zhongshan, guzhen, name, language
):
    url, obj = CASES[name](guzhen=guzhen, zhongshan=zhongshan, cadre=zhongshan_cadre)
    round_trip(client_for(zhongshan_cadre), url, obj, language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_organization_dates_are_sent_back_as_the_browser_reads_them(
    client_for, zhongshan_cadre, guzhen, language
):
    """The bug this guards against: in Chinese the dates came back empty and were erased."""
    org = full_organization(guzhen)
    data = round_trip(client_for(zhongshan_cadre), f"/orgs/organizations/{org.pk}/edit/", org, language)
    assert data["founded_on"] == ["2009-06-06"] and data["registered_on"] == ["2012-03-04"]
    assert data["version"] == ["3"]
    org.refresh_from_db()
    assert (org.founded_on, org.registered_on, org.version) == (
        datetime.date(2009, 6, 6),
        datetime.date(2012, 3, 4),
        3,
    )


def test_one_changed_field_changes_only_that_field(client_for, zhongshan_cadre, guzhen):
    org = full_organization(guzhen)
    client = client_for(zhongshan_cadre)
    url = f"/orgs/organizations/{org.pk}/edit/"
    before = stored(org)
    data = browser_submission(client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode())
    data["youth_covered"] = ["1600"]
    assert client.post(url, data, HTTP_ACCEPT_LANGUAGE="zh-hans").status_code == 302
    after = stored(org)
    changed = {k for k in before if before[k] != after[k]}
    assert changed == {"youth_covered", "version", "updated_at"}
    assert (after["youth_covered"], after["version"]) == (1600, 4)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_groups_own_edit_page_changes_nothing_when_untouched(
    client_for, representative, guzhen, language
):
    """The representative's page of a listed organization: saving it untouched neither
    changes the record nor sends key fields to review."""
    org = full_organization(guzhen)
    org.representatives.add(representative)
    round_trip(client_for(representative), f"/directory/mine/{org.pk}/edit/", org, language)
    org.refresh_from_db()
    assert org.pending_changes == {}
