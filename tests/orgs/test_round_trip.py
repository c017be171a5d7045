"""Round trips of the registry's edit forms: render the form for a fully filled record, send
back exactly what a browser sends for it untouched, and nothing stored changes — in Chinese
(where Django's own date input rendered 2009/06/06, which a browser drops) and in English.

`browser_submission` reads the page as Chromium does: a date input whose value is not
YYYY-MM-DD is sent empty, unchecked boxes and disabled fields are not sent, a select sends
its selected options (or its first one), a textarea loses the newline after its start tag.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from decimal import Decimal
from html.parser import HTMLParser
from typing import Any

import pytest
from django.db import models

from orgs.models import BackboneMember, ContactLog, DirectContact, LeagueBuilding, LeagueUnit, Organization

from .factories import credit_code, id_number, make_org

pytestmark = pytest.mark.django_db

LANGUAGES = ["zh-hans", "en"]
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class _Form:
    def __init__(self, attrs: dict[str, str | None]) -> None:
        self.attrs = attrs
        self.fields: list[tuple[str, str]] = []


class BrowserForm(HTMLParser):
    """The fields each POST form of a page would send, submitted untouched."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[_Form] = []
        self.form: _Form | None = None
        self.select: dict[str, Any] | None = None
        self.option: dict[str, Any] | None = None
        self.textarea: dict[str, Any] | None = None

    def handle_starttag(self, tag: str, attrs_list: list[tuple[str, str | None]]) -> None:
        attrs = dict(attrs_list)
        if tag == "form":
            self.form = _Form(attrs)
            self.forms.append(self.form)
            return
        if self.form is None:
            return
        disabled = "disabled" in attrs
        name = attrs.get("name")
        if tag == "input" and name and not disabled:
            self._input(name, attrs)
        elif tag == "select" and name:
            self.select = {"name": name, "disabled": disabled, "multiple": "multiple" in attrs, "options": []}
        elif tag == "option" and self.select is not None:
            self.option = {"value": attrs.get("value"), "selected": "selected" in attrs, "text": ""}
            self.select["options"].append(self.option)
        elif tag == "textarea" and name:
            self.textarea = {"name": name, "disabled": disabled, "text": ""}

    def _input(self, name: str, attrs: dict[str, str | None]) -> None:
        assert self.form is not None
        kind = (attrs.get("type") or "text").lower()
        value = attrs.get("value") or ""
        if kind in ("checkbox", "radio"):
            if "checked" in attrs:
                self.form.fields.append((name, attrs.get("value") or "on"))
        elif kind in ("submit", "button", "reset", "image", "file"):
            return
        elif kind == "date":
            self.form.fields.append((name, value if ISO_DATE.match(value) else ""))
        elif kind == "number":
            self.form.fields.append((name, value if re.fullmatch(r"-?\d+(\.\d+)?", value) else ""))
        else:
            self.form.fields.append((name, value))

    def handle_data(self, data: str) -> None:
        if self.option is not None:
            self.option["text"] += data
        if self.textarea is not None:
            self.textarea["text"] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.form = None
        elif tag == "option":
            self.option = None
        elif tag == "select" and self.select is not None:
            self._close_select()
        elif tag == "textarea" and self.textarea is not None:
            if self.form is not None and not self.textarea["disabled"]:
                text = self.textarea["text"]
                text = text[1:] if text.startswith("\n") else text
                # A browser sends a textarea's line breaks as CR LF.
                self.form.fields.append((self.textarea["name"], re.sub(r"\r?\n", "\r\n", text)))
            self.textarea = None

    def _close_select(self) -> None:
        select, self.select = self.select, None
        assert select is not None
        if self.form is None or select["disabled"]:
            return
        options = select["options"]
        chosen = [o for o in options if o["selected"]]
        if not chosen and not select["multiple"] and options:
            chosen = options[:1]
        for option in chosen:
            value = option["value"] if option["value"] is not None else option["text"]
            self.form.fields.append((select["name"], value))


def browser_submission(html: str) -> dict[str, list[str]]:
    """What the page's edit form sends back untouched: the POST form that posts to the page
    itself (not the language switch or the logout button of the navigation bar)."""
    parser = BrowserForm()
    parser.feed(html)
    forms = [
        f
        for f in parser.forms
        if (f.attrs.get("method") or "").lower() == "post" and not f.attrs.get("action")
    ]
    form = max(forms, key=lambda f: len(f.fields))
    data: dict[str, list[str]] = {}
    for name, value in form.fields:
        data.setdefault(name, []).append(value)
    return data


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


def test_the_parser_sends_what_chromium_sends():
    html = """<form method="post">
      <input type="date" name="a" value="2009/06/06"><input type="date" name="b" value="2009-06-06">
      <input type="checkbox" name="c" value="x"><input type="checkbox" name="d" checked>
      <select name="e"><option value="1">one</option><option value="2">two</option></select>
      <select name="f" disabled><option value="1" selected>one</option></select>
      <textarea name="g">
first &amp; second</textarea><input name="h" value="keep" disabled></form>"""
    assert browser_submission(html) == {
        "a": [""],
        "b": ["2009-06-06"],
        "d": ["on"],
        "e": ["1"],
        "g": ["first & second"],
    }


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
