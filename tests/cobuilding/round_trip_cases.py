"""The co-building edit pages, fully filled, for tests/hubportal/test_round_trip.py."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.urls import reverse

from tests.round_trip import NARRATIVE, Page, fields_of

D = datetime.date


def full_committee(ctx) -> Any:
    from cobuilding.models import Committee, Community

    committee = Committee.objects.create(
        subdistrict=ctx.units["442000001"],
        name="石岐区区域团组织共建委员会",
        founded_on=D(2025, 9, 1),
        secretariat_address="石岐区党群服务中心三楼",
        secretariat_contact="林晓燕",
        secretariat_phone="0760-88123456",
        description=NARRATIVE,
    )
    for name in ("悦来社区", "太平社区"):
        Community.objects.create(committee=committee, name=name)
    return committee


def full_member_unit(committee, name: str = "石岐供电所", leader: str = "梁志强") -> Any:
    from cobuilding.models import MemberUnit

    return MemberUnit.objects.create(
        committee=committee,
        name=name,
        affiliation="enterprise",
        league_organization="供电所团支部",
        leader_name=leader,
        leader_title="团支部书记",
        contact_person="何美玲",
        contact_phone="13800138000",
        joined_on=D(2025, 9, 1),
        left_on=D(2027, 12, 31),
    )


def committee_edit(ctx) -> Page:
    committee = full_committee(ctx)

    def read() -> dict[str, Any]:
        values = fields_of(committee)()
        values["communities"] = sorted(committee.communities.values_list("name", flat=True))
        return values

    return Page(reverse("cobuilding:committee_edit", args=[committee.pk]), ctx.zhongshan_cadre, read)


def member_unit_edit(ctx) -> Page:
    unit = full_member_unit(full_committee(ctx))
    return Page(reverse("cobuilding:member_unit_edit", args=[unit.pk]), ctx.zhongshan_cadre, fields_of(unit))


def chair_term_edit(ctx) -> Page:
    from cobuilding.models import ChairTerm

    committee = full_committee(ctx)
    unit = full_member_unit(committee)
    term = ChairTerm.objects.create(
        committee=committee,
        member_unit=unit,
        chair_name="梁志强",
        chair_title="团支部书记",
        starts_on=D(2026, 1, 1),
        ends_on=D(2026, 3, 31),
        note=NARRATIVE,
    )
    return Page(reverse("cobuilding:chair_term_edit", args=[term.pk]), ctx.zhongshan_cadre, fields_of(term))


def work_plan_edit(ctx) -> Page:
    from cobuilding.models import WorkPlan

    plan = WorkPlan.objects.create(
        committee=full_committee(ctx), year=2026, title="2026年工作计划", content=NARRATIVE
    )
    return Page(reverse("cobuilding:work_plan_edit", args=[plan.pk]), ctx.zhongshan_cadre, fields_of(plan))


def meeting_edit(ctx) -> Page:
    from cobuilding.models import JointMeeting

    committee = full_committee(ctx)
    units = [full_member_unit(committee), full_member_unit(committee, "石岐中学", "吴家明")]
    meeting = JointMeeting.objects.create(
        committee=committee,
        held_on=D(2026, 1, 15),
        place="会议室",
        attendees="周俊杰\n吴家明",
        decisions=NARRATIVE,
    )
    meeting.member_units.set(units)
    return Page(
        reverse("cobuilding:meeting_edit", args=[meeting.pk]), ctx.zhongshan_cadre, fields_of(meeting)
    )


def venue_edit(ctx) -> Page:
    from cobuilding.models import Venue

    committee = full_committee(ctx)
    venue = Venue.objects.create(
        committee=committee,
        name="石岐青年之家",
        kind="youth_home",
        setup="cobuilt",
        address="石岐区文化中心二楼",
        latitude=Decimal("22.522000"),
        longitude=Decimal("113.383000"),
        opening_hours="周二至周日 9:00–21:00",
        offers=["integration", "study"],
        description=NARRATIVE,
        opened_on=D(2025, 10, 1),
    )
    venue.shared_by.set([full_member_unit(committee)])
    return Page(reverse("cobuilding:venue_edit", args=[venue.pk]), ctx.zhongshan_cadre, fields_of(venue))


def person_edit(ctx) -> Page:
    from cobuilding.models import Person

    committee = full_committee(ctx)
    person = Person.objects.create(
        committee=committee,
        name="郑雨晴",
        role="community_volunteer",
        position="社区志愿者",
        member_unit=full_member_unit(committee),
        community=committee.communities.first(),
        phone="13560001111",
        started_on=D(2025, 10, 8),
        ended_on=D(2026, 6, 30),
    )
    return Page(reverse("cobuilding:person_edit", args=[person.pk]), ctx.zhongshan_cadre, fields_of(person))


def activity_edit(ctx) -> Page:
    from cobuilding.models import Activity, ActivityOrganization, Venue
    from tests.orgs.factories import make_org

    committee = full_committee(ctx)
    unit = full_member_unit(committee)
    venue = Venue.objects.create(
        committee=committee,
        name="青年之家",
        kind="youth_home",
        address="x",
        opening_hours="9-21",
        opened_on=D(2025, 1, 1),
    )
    activity = Activity.objects.create(
        committee=committee,
        title="亲青议事沙龙",
        kind="salon",
        organiser=unit,
        held_on=D(2026, 2, 1),
        place="石岐青年之家",
        venue=venue,
        participants=35,
        description=NARRATIVE,
    )
    activity.member_units.set([unit])
    ActivityOrganization.objects.create(activity=activity, organization=make_org(ctx.zhongshan, "中山读书会"))

    def read() -> dict[str, Any]:
        values = fields_of(activity)()
        values["organizations"] = sorted(activity.participations.values_list("organization_id", flat=True))
        return values

    return Page(reverse("cobuilding:activity_edit", args=[activity.pk]), ctx.zhongshan_cadre, read)


def funding_edit(ctx) -> Page:
    from cobuilding.models import Funding

    funding = Funding.objects.create(
        committee=full_committee(ctx),
        year=2026,
        source="subdistrict",
        amount=Decimal("1234567.50"),
        received_on=D(2026, 3, 10),
        note="街道财政配套",
    )
    return Page(
        reverse("cobuilding:funding_edit", args=[funding.pk]), ctx.zhongshan_cadre, fields_of(funding)
    )


CASES: dict[str, Callable[[Any], Page]] = {
    "cobuilding:committee_edit": committee_edit,
    "cobuilding:member_unit_edit": member_unit_edit,
    "cobuilding:chair_term_edit": chair_term_edit,
    "cobuilding:work_plan_edit": work_plan_edit,
    "cobuilding:meeting_edit": meeting_edit,
    "cobuilding:venue_edit": venue_edit,
    "cobuilding:person_edit": person_edit,
    "cobuilding:activity_edit": activity_edit,
    "cobuilding:funding_edit": funding_edit,
}
