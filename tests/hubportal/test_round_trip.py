"""Every edit page round-trips: saved untouched, in Chinese and in English, nothing stored
changes — what the browser shows is what it sends back.

The page is rendered for a fully filled record, the POST is what a browser would send for
that HTML (`tests.browser_form`: an invalid date input is sent empty, unchecked boxes are
not sent ...), and every stored field is compared before and after. A new edit page is
covered automatically: the test enumerates the URL patterns and fails on an edit page it has
no case for (add one to `CASES`).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.db import models
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from hubportal.generic import ObjectEditView
from tests.browser_form import browser_submission
from tests.orgs.factories import credit_code, id_number, make_org

LANGUAGES = ["zh-hans", "en"]
# Fields that a save legitimately moves: bookkeeping, not what the user typed.
BOOKKEEPING = {"updated_at", "version", "updated_by", "name_initials", "path", "depth"}
NARRATIVE = "全年联系青年组织14家，新建团支部3个, 其中:\n（一）楼宇建团 2 个；\n（二）区域建团 1 个。"


@dataclass
class Page:
    """An edit page under test: its URL, who opens it, and how to read what it stores."""

    url: str
    user: Any
    snapshot: Callable[[], Any]


def fields_of(obj: models.Model) -> Callable[[], dict[str, Any]]:
    """Every stored field (and many-to-many) of the record, re-read from the database."""

    def read() -> dict[str, Any]:
        fresh = type(obj)._default_manager.get(pk=obj.pk)
        values = {
            f.attname: getattr(fresh, f.attname)
            for f in fresh._meta.concrete_fields
            if f.name not in BOOKKEEPING and not getattr(f, "auto_now", False)
        }
        for m2m in fresh._meta.many_to_many:
            values[m2m.name] = sorted(getattr(fresh, m2m.name).values_list("pk", flat=True))
        return values

    return read


# Builders of fully filled records ---------------------------------------------------------
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


def full_base(unit) -> Any:
    from incubation.models import IncubationBase

    return IncubationBase.objects.create(
        name="中山市亲青家园",
        unit=unit,
        base_type="physical",
        address="中山市东区兴中道 6 号",
        latitude=Decimal("22.517000"),
        longitude=Decimal("113.392000"),
        floor_area=Decimal("1250.50"),
        work_stations=12,
        services=["free_office", "registration"],
        opened_on=datetime.date(2024, 3, 1),
        description=NARRATIVE,
        paired_group_name="中山市青联第三小组",
        paired_group_contact="陈委员 13700137000",
    )


def base_edit(ctx) -> Page:
    base = full_base(ctx.zhongshan)
    return Page(reverse("incubation:base_edit", args=[base.pk]), ctx.zhongshan_cadre, fields_of(base))


def base_checklist(ctx) -> Page:
    from incubation.models import BaseChecklistResult, ChecklistItem

    base = full_base(ctx.zhongshan)
    items = [
        ChecklistItem.objects.create(code=f"A{i}", text=f"标准条目{i}", weight=10, order=i)
        for i in range(1, 4)
    ]
    for i, item in enumerate(items):
        BaseChecklistResult.objects.create(
            base=base, item=item, met=bool(i % 2), note=f"备注，第{i}条", checked_on=datetime.date(2026, 2, 1)
        )

    def read() -> list[tuple[Any, ...]]:
        return sorted(
            BaseChecklistResult.objects.filter(base=base).values_list("item_id", "met", "note", "checked_on")
        )

    return Page(reverse("incubation:base_checklist", args=[base.pk]), ctx.zhongshan_cadre, read)


def fund_edit(ctx) -> Page:
    from incubation.models import IncubationFund

    fund = IncubationFund.objects.create(
        unit=ctx.zhongshan,
        name="中山市青年社会组织孵化基金",
        established_on=datetime.date(2025, 1, 1),
        description=NARRATIVE,
        balance=Decimal("640000.00"),
    )
    return Page(reverse("incubation:fund_edit", args=[fund.pk]), ctx.zhongshan_cadre, fields_of(fund))


def report_edit(ctx) -> Page:
    from reporting.models import MetricType, Report, ReportForm, ReportMetric, ReportValue

    form = ReportForm.objects.create(
        code="round-trip",
        name="月度通报",
        owner=ctx.province,
        period_type="monthly",
        deadline_day=5,
        levels=["city", "county", "town"],
        kinds=["regional"],
        active_from=datetime.date(2020, 1, 1),
    )
    kinds = [
        ("orgs_contacted", MetricType.INTEGER),
        ("subsidy", MetricType.MONEY),
        ("coverage", MetricType.PERCENT),
        ("narrative", MetricType.TEXT),
    ]
    metrics = {
        code: ReportMetric.objects.create(
            form=form, code=code, label=code, type=kind, required=False, order=i
        )
        for i, (code, kind) in enumerate(kinds)
    }
    today = datetime.date.today()
    start = today.replace(day=1)
    report = Report.objects.create(
        form=form,
        unit=ctx.zhongshan,
        period_start=start,
        period_end=(start + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1),
        deadline=(start + datetime.timedelta(days=40)).replace(day=5),
    )
    ReportValue.objects.bulk_create(
        [
            ReportValue(report=report, metric=metrics["orgs_contacted"], int_value=1234),
            ReportValue(report=report, metric=metrics["subsidy"], decimal_value=Decimal("12345.60")),
            ReportValue(report=report, metric=metrics["coverage"], decimal_value=Decimal("87.50")),
            ReportValue(report=report, metric=metrics["narrative"], text_value=NARRATIVE),
        ]
    )

    def read() -> list[tuple[Any, ...]]:
        return sorted(
            ReportValue.objects.filter(report=report).values_list(
                "metric__code", "int_value", "decimal_value", "text_value", "file"
            )
        )

    return Page(reverse("reporting:report_edit", args=[report.pk]), ctx.zhongshan_cadre, read)


# url name → builder. Every edit page of the portal must be here (see the enumeration test).
CASES: dict[str, Callable[[Any], Page]] = {
    "orgs:organization_edit": organization_edit,
    "orgs:backbone_edit": backbone_edit,
    "orgs:league_building_edit": league_building_edit,
    "orgs:contact_log_edit": contact_log_edit,
    "orgs:direct_contact_edit": direct_contact_edit,
    "orgs:unit_edit": unit_edit,
    "orgs_public:my_organization_edit": my_organization_edit,
    "incubation:base_edit": base_edit,
    "incubation:base_checklist": base_checklist,
    "incubation:fund_edit": fund_edit,
    "reporting:report_edit": report_edit,
}


class Ctx:
    def __init__(self, request: pytest.FixtureRequest) -> None:
        self.units = request.getfixturevalue("units")
        for name in ("province", "zhongshan", "zhongshan_cadre", "representative"):
            setattr(self, name, request.getfixturevalue(name))


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("url_name", sorted(CASES))
def test_saving_an_edit_page_untouched_changes_nothing(url_name, language, request, client_for, units):
    page = CASES[url_name](Ctx(request))
    client = client_for(page.user)
    client.cookies["django_language"] = language
    before = page.snapshot()
    shown = client.get(page.url, HTTP_ACCEPT_LANGUAGE=language)
    assert shown.status_code == 200, shown.status_code
    body = browser_submission(shown.content.decode(), page.url)
    saved = client.post(page.url, body, HTTP_ACCEPT_LANGUAGE=language)
    problems = saved.context["form"].errors if saved.status_code != 302 and saved.context else ""
    assert saved.status_code == 302, f"the untouched page was refused: {problems}"
    assert page.snapshot() == before


# Enumeration: no edit page without a case ----------------------------------------------
def _patterns(patterns: list[Any], namespace: str = "") -> list[tuple[str, str, Any]]:
    found = []
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}:{entry.namespace}" if namespace and entry.namespace else entry.namespace
            found += _patterns(entry.url_patterns, inner or namespace)
        elif isinstance(entry, URLPattern) and entry.name:
            name = f"{namespace}:{entry.name}" if namespace else entry.name
            found.append((name, str(entry.pattern), entry.callback))
    return found


def is_edit_page(name: str, route: str, callback: Any) -> bool:
    """An edit page: a page (not the API or the admin) that edits an existing record."""
    if route.startswith(("api/", "admin/")) or name.startswith("admin:"):
        return False
    view_class = getattr(callback, "view_class", None)
    edits_record = view_class is not None and issubclass(view_class, ObjectEditView) and "<int:pk>" in route
    return edits_record or name.endswith("_edit")


def test_every_edit_page_has_a_round_trip_case():
    pages = {
        name for name, route, cb in _patterns(get_resolver().url_patterns) if is_edit_page(name, route, cb)
    }
    missing = sorted(pages - set(CASES))
    assert not missing, f"edit pages without a round-trip case in CASES: {missing}"
    assert pages, "the enumeration found no edit page at all"
