"""Builders of co-building records for tests: plain ORM rows with sensible defaults (the
services are tested on their own; these make the records other tests act on)."""

from __future__ import annotations

import datetime
import itertools
from typing import Any

from cobuilding.models import (
    Activity,
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
from orgs.models import LeagueUnit

D = datetime.date
_serial = itertools.count(1)


def subdistrict(parent: LeagueUnit, name: str | None = None) -> LeagueUnit:
    """A new town-level regional unit (a subdistrict) below `parent`."""
    unit = LeagueUnit(name=name or f"测试街道{next(_serial)}", parent=parent, level="town", kind="regional")
    unit.save()
    return unit


def committee(unit: LeagueUnit, **fields: Any) -> Committee:
    defaults: dict[str, Any] = {"name": f"{unit.name}区域团组织共建委员会", "founded_on": D(2025, 9, 1)}
    defaults.update(fields)
    return Committee.objects.create(subdistrict=unit, **defaults)


def member_unit(c: Committee, name: str | None = None, **fields: Any) -> MemberUnit:
    defaults: dict[str, Any] = {
        "affiliation": "enterprise",
        "league_organization": "公司团委",
        "leader_name": "周俊杰",
        "leader_title": "团委书记",
        "joined_on": D(2025, 9, 1),
    }
    defaults.update(fields)
    return MemberUnit.objects.create(committee=c, name=name or f"成员单位{next(_serial)}", **defaults)


def chair_term(c: Committee, unit: MemberUnit, starts: D, ends: D, **fields: Any) -> ChairTerm:
    return ChairTerm.objects.create(
        committee=c, member_unit=unit, chair_name=unit.leader_name, starts_on=starts, ends_on=ends, **fields
    )


def activity(c: Committee, held: D, **fields: Any) -> Activity:
    defaults: dict[str, Any] = {"title": f"活动{next(_serial)}", "kind": "salon", "place": "青年之家"}
    defaults.update(fields)
    return Activity.objects.create(committee=c, held_on=held, **defaults)


def venue(c: Committee, **fields: Any) -> Venue:
    defaults: dict[str, Any] = {
        "name": f"青年之家{next(_serial)}",
        "kind": "youth_home",
        "address": "文化中心二楼",
        "opening_hours": "9:00–21:00",
        "opened_on": D(2025, 10, 1),
    }
    defaults.update(fields)
    return Venue.objects.create(committee=c, **defaults)


def person(c: Committee, role: str = "part_time_cadre", **fields: Any) -> Person:
    defaults: dict[str, Any] = {"name": f"李{next(_serial)}", "started_on": D(2025, 9, 1)}
    defaults.update(fields)
    return Person.objects.create(committee=c, role=role, **defaults)


def community(c: Committee, name: str | None = None) -> Community:
    return Community.objects.create(committee=c, name=name or f"社区{next(_serial)}")


def funding(c: Committee, amount: str = "20000.00", **fields: Any) -> Funding:
    from decimal import Decimal

    defaults: dict[str, Any] = {"year": 2026, "source": "subdistrict", "received_on": D(2026, 3, 1)}
    defaults.update(fields)
    return Funding.objects.create(committee=c, amount=Decimal(amount), **defaults)


def plan(c: Committee, year: int = 2026, **fields: Any) -> WorkPlan:
    defaults: dict[str, Any] = {"title": f"{year}年工作计划", "content": "一、组织共建。\n二、阵地建设。"}
    defaults.update(fields)
    return WorkPlan.objects.create(committee=c, year=year, **defaults)


def meeting(c: Committee, held: D | None = None, **fields: Any) -> JointMeeting:
    defaults: dict[str, Any] = {
        "place": "会议室",
        "attendees": "周俊杰（团委书记）",
        "decisions": "确定轮值主席。",
    }
    defaults.update(fields)
    return JointMeeting.objects.create(committee=c, held_on=held or D(2026, 1, 15), **defaults)
