"""Jurisdiction of the incubation records: pages, API and querysets (tests/jurisdiction.py)."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

from django.core.files.base import ContentFile
from PIL import Image

from incubation.models import (
    BaseChecklistResult,
    BasePhoto,
    BaseRating,
    ChecklistItem,
    FundMovement,
    IncubationBase,
    IncubationFund,
    Milestone,
    Residency,
    ServiceDelivery,
)
from orgs.models import Organization
from tests.jurisdiction import JurisdictionCases
from tests.orgs.factories import make_org

DAY = datetime.date(2026, 3, 2)


def base_of(ctx, unit=None) -> IncubationBase:
    unit = unit or ctx.zhongshan
    return IncubationBase.objects.create(
        name=f"{unit.name}管辖测试亲青家园",
        unit=unit,
        base_type="physical",
        work_stations=4,
        opened_on=DAY,
    )


def residency_of(ctx, unit=None) -> Residency:
    unit = unit or ctx.zhongshan
    org = make_org(unit, f"{unit.name}入驻测试社")
    return Residency.objects.create(
        base=base_of(ctx, unit),
        organization=org,
        status="incubating",
        applied_on=DAY,
        admitted_on=DAY,
        started_on=DAY,
    )


def fund_of(ctx) -> IncubationFund:
    return IncubationFund.objects.create(
        unit=ctx.zhongshan, name="中山市测试基金", established_on=DAY, balance=Decimal("1000.00")
    )


class TestIncubationBase(JurisdictionCases):
    model = IncubationBase
    read_pages = {"detail": "incubation:base_detail"}
    pages = {
        "edit": "incubation:base_edit",
        "checklist": "incubation:base_checklist",
        "photo": "incubation:base_photo_add",
    }
    api = "/api/incubation/bases/"
    api_methods = ("get", "patch", "put")
    patch_body = {"address": "改", "version": 1}

    def build(self, ctx):
        return base_of(ctx)


class TestBasePhoto(JurisdictionCases):
    model = BasePhoto

    def build(self, ctx):
        image = io.BytesIO()
        Image.new("RGB", (4, 4)).save(image, "PNG")
        photo = BasePhoto(base=base_of(ctx))
        photo.image.save("photo.png", ContentFile(image.getvalue()), save=False)
        photo.save()
        return photo


class TestBaseChecklistResult(JurisdictionCases):
    model = BaseChecklistResult

    def build(self, ctx):
        item = ChecklistItem.objects.create(code="J1", text="场地", weight=10, order=1)
        return BaseChecklistResult.objects.create(base=base_of(ctx), item=item, met=True, checked_on=DAY)


class TestBaseRating(JurisdictionCases):
    model = BaseRating

    def build(self, ctx):
        return BaseRating.objects.create(base=base_of(ctx), year=2026, stars=4)


class TestResidency(JurisdictionCases):
    model = Residency
    read_pages = {"detail": "incubation:residency_detail"}
    api = "/api/incubation/residencies/"
    # Bases are public (the map): an organization may apply to a base of any city, whose
    # cadres then decide (incubation.services.apply_for_residency).
    open_relations = {"base": "an organization applies to any public base"}

    def build(self, ctx):
        return residency_of(ctx)


class TestServiceDelivery(JurisdictionCases):
    model = ServiceDelivery
    api = "/api/incubation/services/"

    def build(self, ctx):
        return ServiceDelivery.objects.create(
            residency=residency_of(ctx), service_type="registration", date=DAY, hours=Decimal("2")
        )

    def foreign_records(self, ctx):
        return {Residency: residency_of(ctx, ctx.foshan)}


class TestMilestone(JurisdictionCases):
    model = Milestone

    def build(self, ctx):
        residency = residency_of(ctx)
        return Milestone.objects.create(
            organization=residency.organization, residency=residency, kind="registered", date=DAY
        )


class TestIncubationFund(JurisdictionCases):
    model = IncubationFund
    read_pages = {"detail": "incubation:fund_detail", "statement": "incubation:fund_statement"}
    pages = {
        "edit": "incubation:fund_edit",
        "raise": "incubation:fund_raise",
        "grant": "incubation:fund_grant",
    }
    api = "/api/incubation/funds/"
    api_methods = ("get", "patch", "put")
    patch_body = {"description": "改", "version": 1}

    def build(self, ctx):
        return fund_of(ctx)


class TestFundMovement(JurisdictionCases):
    model = FundMovement
    pages = {"reverse": "incubation:grant_reverse"}
    api = "/api/incubation/grants/"

    def build(self, ctx):
        fund = fund_of(ctx)
        return FundMovement.objects.create(
            fund=fund,
            kind="granted",
            amount=Decimal("100.00"),
            date=DAY,
            purpose="测试资助",
            grantee_base=base_of(ctx),
            approved_by="书记",
        )

    def foreign_records(self, ctx):
        return {Organization: make_org(ctx.foshan, "佛山外域青年组织")}
