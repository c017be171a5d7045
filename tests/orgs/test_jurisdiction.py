"""Jurisdiction of the registry's records: pages, API and querysets (tests/jurisdiction.py)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.files.base import ContentFile

from orgs.models import (
    BackboneMember,
    ContactLog,
    DirectContact,
    LeagueBuilding,
    LeagueUnit,
    Organization,
    OrganizationDocument,
    StatusChange,
)
from tests.jurisdiction import JurisdictionCases
from tests.orgs.factories import make_org

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


class TestOrganization(JurisdictionCases):
    model = Organization
    read_pages = {"detail": "orgs:organization_detail"}
    pages = {
        "edit": "orgs:organization_edit",
        "delete": "orgs:organization_delete",
        "status": "orgs:organization_status",
        "review": "orgs:organization_review",
        "backbone_create": "orgs:backbone_create",
        "league_building_create": "orgs:league_building_create",
        "document_upload": "orgs:document_upload",
    }
    api = "/api/orgs/organizations/"
    api_methods = ("get", "patch", "put", "delete")
    patch_body = {"name": "改名测试", "version": 1}

    def build(self, ctx):
        return make_org(ctx.zhongshan, "中山市管辖测试社")


class TestStatusChange(JurisdictionCases):
    model = StatusChange

    def build(self, ctx):
        org = make_org(ctx.zhongshan, "中山市状态测试社")
        return StatusChange.objects.create(organization=org, from_status="", to_status="listed")


class TestDirectContact(JurisdictionCases):
    model = DirectContact
    pages = {"edit": "orgs:direct_contact_edit", "delete": "orgs:direct_contact_delete"}
    api = "/api/orgs/direct-contacts/"
    api_methods = ("get", "patch", "put", "delete")
    patch_body = {"note": "改"}

    def build(self, ctx):
        org = make_org(ctx.zhongshan, "中山市直联测试社")
        return DirectContact.objects.create(
            unit=ctx.zhongshan, organization=org, since=datetime.date(2026, 1, 5)
        )


class TestBackboneMember(JurisdictionCases):
    model = BackboneMember
    pages = {"edit": "orgs:backbone_edit", "delete": "orgs:backbone_delete"}
    api = "/api/orgs/backbone-members/"
    api_methods = ("get", "patch", "put", "delete")
    patch_body = {"role": "改"}

    def build(self, ctx):
        org = make_org(ctx.zhongshan, "中山市骨干测试社")
        return BackboneMember.objects.create(organization=org, name="张骨干", gender="male")


class TestLeagueBuilding(JurisdictionCases):
    model = LeagueBuilding
    pages = {"edit": "orgs:league_building_edit", "delete": "orgs:league_building_delete"}
    api = "/api/orgs/league-building/"
    api_methods = ("get", "patch", "put", "delete")
    patch_body = {"member_count": 9}

    def build(self, ctx):
        org = make_org(ctx.zhongshan, "中山市团建测试社")
        building = LeagueBuilding.objects.create(
            unit=ctx.zhongshan,
            lead_organization=org,
            mode="embedded",
            form="independent",
            branch_name="测试团支部",
            founded_on=datetime.date(2025, 5, 4),
            member_count=5,
        )
        building.organizations.set([org])
        return building


class TestContactLog(JurisdictionCases):
    model = ContactLog
    pages = {"edit": "orgs:contact_log_edit", "delete": "orgs:contact_log_delete"}
    api = "/api/orgs/contact-log/"
    api_methods = ("get", "patch", "put", "delete")
    patch_body = {"note": "改"}

    def build(self, ctx):
        org = make_org(ctx.zhongshan, "中山市走访测试社")
        return ContactLog.objects.create(
            organization=org,
            cadre=ctx.zhongshan_cadre,
            unit=ctx.zhongshan,
            date=datetime.date(2026, 3, 2),
            kind="visit",
            days=Decimal("1"),
        )


class TestOrganizationDocument(JurisdictionCases):
    model = OrganizationDocument
    read_pages = {"detail": "orgs:document_download"}
    pages = {"delete": "orgs:document_delete"}

    def build(self, ctx):
        org = make_org(ctx.zhongshan, "中山市章程测试社")
        document = OrganizationDocument(
            organization=org, doc_type="charter", original_name="章程.pdf", size=len(PDF)
        )
        document.file.save("charter.pdf", ContentFile(PDF), save=False)
        document.save()
        return document


class TestLeagueUnit(JurisdictionCases):
    model = LeagueUnit
    read_pages = {"detail": "orgs:unit_detail"}
    pages = {"edit": "orgs:unit_edit", "delete": "orgs:unit_delete"}
    api = "/api/orgs/units/"

    def build(self, ctx):
        return ctx.zhongshan
