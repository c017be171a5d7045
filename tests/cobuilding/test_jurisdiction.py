"""Jurisdiction of the co-building records: pages, API and querysets (tests/jurisdiction.py).

Every record belongs to the committee of a 中山 town (石岐区): a 佛山 cadre gets 404
everywhere, a 中山 viewer 403 on every change, the 中山 cadre reads them all.
"""

from __future__ import annotations

import datetime
import io

from django.core.files.base import ContentFile
from django.db.models import Model
from PIL import Image

from cobuilding.models import (
    Activity,
    ActivityOrganization,
    ActivityPhoto,
    BranchSubsidy,
    ChairTerm,
    Committee,
    Community,
    Funding,
    JointMeeting,
    MemberUnit,
    Person,
    Venue,
    WorkPlan,
)
from orgs.models import LeagueBuilding, Organization
from tests.jurisdiction import JurisdictionCases
from tests.orgs.factories import make_org

from . import factories as f

D = datetime.date
CHILD_PATCH = {"note": "改"}


def committee_of(ctx) -> Committee:
    return f.committee(ctx.units["442000001"])


def abroad(ctx) -> dict[type[Model], Model]:
    """Records of a committee of a 佛山 subdistrict, and a 佛山 organization, for the
    foreign-id net: a body naming one of them is refused (the 中山 records have no twin
    there to copy)."""
    c = f.committee(f.subdistrict(ctx.foshan, "佛山外域街道"))
    return {
        MemberUnit: f.member_unit(c, "佛山外域成员单位"),
        Venue: f.venue(c, name="佛山外域青年之家"),
        Community: f.community(c, "佛山外域社区"),
        Organization: make_org(ctx.foshan, "佛山外域青年组织"),
    }


class TestCommittee(JurisdictionCases):
    model = Committee
    city_level = False
    read_pages = {"detail": "cobuilding:committee_detail"}
    pages = {
        "edit": "cobuilding:committee_edit",
        "member_unit": "cobuilding:member_unit_create",
        "chair": "cobuilding:chair_term_create",
        "plan": "cobuilding:work_plan_create",
        "meeting": "cobuilding:meeting_create",
        "venue": "cobuilding:venue_create",
        "person": "cobuilding:person_create",
        "activity": "cobuilding:activity_create",
        "funds": "cobuilding:funding_create",
    }
    api = "/api/cobuilding/committees/"
    api_methods = ("get", "patch", "put")
    patch_body = {"description": "改", "version": 1}

    def build(self, ctx):
        return committee_of(ctx)


class TestCommunity(JurisdictionCases):
    model = Community
    city_level = False

    def build(self, ctx):
        return f.community(committee_of(ctx))


class TestMemberUnit(JurisdictionCases):
    model = MemberUnit
    city_level = False
    read_pages = {"detail": "cobuilding:member_unit_detail"}
    pages = {"edit": "cobuilding:member_unit_edit"}
    api = "/api/cobuilding/member-units/"
    api_methods = ("get", "patch", "put")
    patch_body = {"contact_person": "改", "version": 1}

    def build(self, ctx):
        return f.member_unit(committee_of(ctx))


class TestChairTerm(JurisdictionCases):
    model = ChairTerm
    city_level = False
    read_pages = {"detail": "cobuilding:chair_term_detail"}
    pages = {"edit": "cobuilding:chair_term_edit", "delete": "cobuilding:chair_term_delete"}
    api = "/api/cobuilding/chair-terms/"
    api_methods = ("get", "patch", "put", "delete")
    patch_body = CHILD_PATCH

    def build(self, ctx):
        c = committee_of(ctx)
        return f.chair_term(c, f.member_unit(c), D(2026, 1, 1), D(2026, 3, 31))


class TestWorkPlan(JurisdictionCases):
    model = WorkPlan
    city_level = False
    read_pages = {"detail": "cobuilding:work_plan_detail"}
    pages = {"edit": "cobuilding:work_plan_edit", "publish": "cobuilding:work_plan_publish"}
    api = "/api/cobuilding/work-plans/"
    api_methods = ("get", "patch", "put")
    patch_body = {"title": "改", "version": 1}

    def build(self, ctx):
        return f.plan(committee_of(ctx))


class TestJointMeeting(JurisdictionCases):
    model = JointMeeting
    city_level = False
    read_pages = {"detail": "cobuilding:meeting_detail"}
    pages = {"edit": "cobuilding:meeting_edit"}
    api = "/api/cobuilding/meetings/"
    api_methods = ("get", "patch", "put")
    patch_body = {"place": "改"}

    def build(self, ctx):
        return f.meeting(committee_of(ctx))

    def foreign_records(self, ctx):
        return abroad(ctx)


class TestVenue(JurisdictionCases):
    model = Venue
    city_level = False
    read_pages = {"detail": "cobuilding:venue_detail"}
    pages = {"edit": "cobuilding:venue_edit"}
    api = "/api/cobuilding/venues/"
    api_methods = ("get", "patch", "put")
    patch_body = {"address": "改", "version": 1}

    def build(self, ctx):
        return f.venue(committee_of(ctx))

    def foreign_records(self, ctx):
        return abroad(ctx)


class TestPerson(JurisdictionCases):
    model = Person
    city_level = False
    read_pages = {"detail": "cobuilding:person_detail"}
    pages = {"edit": "cobuilding:person_edit"}
    api = "/api/cobuilding/people/"
    api_methods = ("get", "patch", "put")
    patch_body = {"position": "改", "version": 1}

    def build(self, ctx):
        return f.person(committee_of(ctx))

    def foreign_records(self, ctx):
        return abroad(ctx)


class TestActivity(JurisdictionCases):
    model = Activity
    city_level = False
    read_pages = {"detail": "cobuilding:activity_detail"}
    pages = {"edit": "cobuilding:activity_edit", "photo": "cobuilding:activity_photo_add"}
    api = "/api/cobuilding/activities/"
    api_methods = ("get", "patch", "put")
    patch_body = {"place": "改", "version": 1}

    def build(self, ctx):
        return f.activity(committee_of(ctx), D(2026, 2, 1))

    def foreign_records(self, ctx):
        return abroad(ctx)


class TestActivityOrganization(JurisdictionCases):
    model = ActivityOrganization
    city_level = False

    def build(self, ctx):
        activity = f.activity(committee_of(ctx), D(2026, 2, 1))
        return ActivityOrganization.objects.create(activity=activity, organization=make_org(ctx.zhongshan))


class TestActivityPhoto(JurisdictionCases):
    model = ActivityPhoto
    city_level = False

    def build(self, ctx):
        image = io.BytesIO()
        Image.new("RGB", (4, 4)).save(image, "PNG")
        photo = ActivityPhoto(activity=f.activity(committee_of(ctx), D(2026, 2, 1)))
        photo.image.save("p.png", ContentFile(image.getvalue()), save=True)
        return photo


class TestFunding(JurisdictionCases):
    model = Funding
    city_level = False
    read_pages = {"detail": "cobuilding:funding_detail"}
    pages = {"edit": "cobuilding:funding_edit"}
    api = "/api/cobuilding/funds/"
    api_methods = ("get", "patch", "put")
    patch_body = {"note": "改"}

    def build(self, ctx):
        return f.funding(committee_of(ctx))


class TestBranchSubsidy(JurisdictionCases):
    """A subsidy of a branch of 中山市 itself: the town's editor does not see it."""

    model = BranchSubsidy
    read_pages = {"detail": "cobuilding:subsidy_detail"}
    api = "/api/cobuilding/subsidies/"

    def build(self, ctx):
        org = make_org(ctx.zhongshan)
        building = LeagueBuilding.objects.create(
            unit=ctx.zhongshan,
            lead_organization=org,
            mode="embedded",
            form="independent",
            branch_name="测试团支部",
            founded_on=D(2026, 1, 10),
        )
        return BranchSubsidy.objects.create(
            league_building=building, payer="city", payer_unit=ctx.zhongshan, paid_on=D(2026, 2, 1)
        )
