"""Demo data of the training camps, made through `training.services` so it has the history,
seats, waiting-list moves and messages of real use:

- the trainer pool (社会工作师资库) of 中山大学团委 and of 团省委, shared;
- the province's 2026 camps: nine held (March to November) and the tenth open in December
  with 100 seats split into city quotas, full, with a waiting list that has moved (two
  seats given up, their successors offered the seats for 48 hours, one accepted);
- every city's camps of the year, one each quarter, except 汕尾市 in the second quarter
  (so the compliance board shows a missed quarter), and a 中山 camp running today;
- attendance (ticked lists and QR scans), completion by the camps' rule, feedback, messages
  to no-shows, and the certificates of the province's camps (a background job).

The portal records when a camp was held and when a trainee completed it at the moment it
happens; for this demo history, loaded at once, those two times are set to the camp's last
day after the services ran (the one write outside them), so the year's quarters read right.
Idempotent: a camp already there (by title) is left as it is; trainers by name.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from orgs.demo_registry import GIVEN, SURNAMES
from orgs.models import BackboneMember, LeagueUnit

from . import services
from .models import Camp, CampSession, Enrolment, Trainer

D = datetime.date
YEAR = 2026
MISSING = ("441500", 2)  # 汕尾市 holds no camp in the second quarter

TRAINERS = [
    # name, unit code, affiliation, title, fields
    ("罗静怡", "U440001", "中山大学社会学与人类学学院", "副教授", ["social_work", "projects"]),
    ("郑国华", "U440001", "中山大学管理学院", "教授", ["governance", "leadership"]),
    ("何晓东", "U440002", "华南理工大学公共管理学院", "讲师", ["fundraising", "registration"]),
    ("梁慧敏", "U440003", "暨南大学社会工作系", "督导", ["social_work", "counselling"]),
    ("陈志明", "440000", "广东省青年志愿者协会", "秘书长", ["volunteers", "projects"]),
    ("黄丽华", "440000", "广东青年社会组织孵化中心", "主任", ["governance", "registration"]),
    ("吴建新", "440000", "团省委社会联络部", "部长", ["league_building"]),
    ("林晓燕", "442000", "中山市青年社会组织联合会", "理事长", ["projects", "media"]),
    ("杨振宇", "442000", "中山市社会工作协会", "高级社工师", ["social_work", "volunteers"]),
    ("周文博", "440600", "佛山市青年公益创投中心", "项目总监", ["fundraising", "projects"]),
    ("许诺", "440100", "广州市青年社会组织服务中心", "主任", ["media", "leadership"]),
    ("邓卫东", "440300", "深圳市社会组织总会", "副秘书长", ["registration", "governance"]),
]

SESSION_TITLES = [
    "青年社会组织的使命与治理",
    "公益项目设计与评估",
    "筹资与财务管理",
    "登记注册与法律实务",
    "志愿者招募与管理",
    "新媒体传播实务",
    "青年社会组织团建工作",
    "领导力与团队建设",
]


def _actor() -> User | None:
    return User.objects.filter(username="gd_admin").first() or User.objects.filter(is_superuser=True).first()


def _at(day: D, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def _seed_trainers(actor: User, units: dict[str, LeagueUnit]) -> list[Trainer]:
    trainers = []
    for index, (name, code, affiliation, title, fields) in enumerate(TRAINERS):
        found = Trainer.objects.filter(name=name).first()
        if found is None and code in units:
            found = services.create_trainer(
                actor,
                {
                    "name": name,
                    "unit": units[code].pk,
                    "affiliation": affiliation,
                    "title": title,
                    "fields": fields,
                    "phone": f"1390760{index:04d}",
                    "email": "",
                    "bio": f"{affiliation}{title}，长期参与青年社会组织培育工作。",
                    "shared": True,
                    "active": True,
                },
            )
        if found is not None:
            trainers.append(found)
    return trainers


def _camp(
    actor: User,
    *,
    title: str,
    organizer: LeagueUnit,
    start: D,
    days: int,
    capacity: int,
    address: str,
    trainers: list[Trainer],
    offset: int,
    sessions: int = 3,
    **extra: Any,
) -> Camp | None:
    """A camp and its sessions (trainers round-robin; a busy trainer is left out)."""
    if Camp.objects.filter(title=title).exists():
        return None
    camp = services.create_camp(
        actor,
        {
            "title": title,
            "organizer": organizer.pk,
            "level": extra.pop("level", organizer.level),
            "starts_on": start,
            "ends_on": start + datetime.timedelta(days=days - 1),
            "address": address,
            "is_online": False,
            "online_url": "",
            "capacity": capacity,
            "description": extra.pop(
                "description", "围绕青年社会组织骨干的能力建设，采用讲授、案例研讨和实地参访相结合的方式。"
            ),
            "completion_percent": 80,
            **extra,
        },
    )
    for index in range(sessions):
        day = start + datetime.timedelta(days=min(index // 2, days - 1))
        hour = 9 if index % 2 == 0 else 14
        data = {
            "title": SESSION_TITLES[(offset + index) % len(SESSION_TITLES)],
            "starts_at": _at(day, hour),
            "ends_at": _at(day, hour + 3),
            "place": "多功能厅",
            "trainer": trainers[(offset + index) % len(trainers)].pk if trainers else None,
        }
        try:
            services.create_session(actor, camp.pk, data)
        except ValidationError:
            services.create_session(actor, camp.pk, {**data, "trainer": None})
    services.open_camp(actor, camp.pk)
    return camp


def _members(unit: LeagueUnit, count: int, skip: int = 0) -> list[BackboneMember]:
    return list(
        BackboneMember.objects.in_subtree(unit)
        .filter(organization__status="listed")
        .exclude(phone="")
        .select_related("organization")
        .order_by("organization__name", "pk")[skip : skip + count]
    )


def _typed_people(rng: random.Random, unit: LeagueUnit, count: int, serial: int) -> list[dict[str, Any]]:
    code = (unit.code or "440000")[:4]
    return [
        {
            "name": rng.choice(SURNAMES) + rng.choice(GIVEN),
            "phone": f"137{code}{(serial + i) % 10000:04d}",
            "id_number": "",
            "gender": rng.choice(["female", "male"]),
            "unit": unit.pk,
            "role": "骨干",
        }
        for i in range(count)
    ]


def _enrol(
    actor: User, camp: Camp, members: Iterable[BackboneMember], people: Iterable[dict[str, Any]] = ()
) -> None:
    for member in members:
        try:
            services.enrol_member(actor, camp.pk, member.pk)
        except ValidationError:
            continue  # a member without a usable ID or phone, or the same person twice
    for person in people:
        try:
            services.enrol_person(actor, camp.pk, person)
        except ValidationError:
            continue


def _hold(actor: User, camp: Camp, rng: random.Random, *, scans: int = 3, feedback: bool = False) -> None:
    """Confirm, run and finish a camp: ticked lists (about nine in ten present), a few QR
    scans, completion judged; then some feedback."""
    services.confirm_enrolments(actor, camp.pk)
    services.start_camp(actor, camp.pk)
    people = list(Enrolment.objects.filter(camp=camp, status=Enrolment.Status.CONFIRMED).order_by("pk"))
    absent = {e.pk for e in people if rng.random() < 0.08}  # never came: no-shows
    for session in CampSession.objects.filter(camp=camp).order_by("starts_at"):
        present = [e.pk for e in people if e.pk not in absent and rng.random() < 0.9]
        scanned, ticked = present[:scans], present[scans:]
        services.record_attendance(actor, session.pk, ticked)
        for pk in scanned:
            enrolment = next(e for e in people if e.pk == pk)
            services.check_in(
                actor,
                session.pk,
                enrolment.qr_payload,
                scanned_at=session.starts_at + datetime.timedelta(minutes=rng.randint(-10, 5)),
            )
    services.finish_camp(actor, camp.pk)
    held_at = _at(camp.ends_on, 18)
    # The demo history: the portal's own times of "held" and "completed" on the camp's last day.
    Camp.objects.filter(pk=camp.pk).update(finished_at=held_at)
    Enrolment.objects.filter(camp=camp, status__in=Enrolment.AFTER_CAMP).update(closed_at=held_at)
    if feedback:
        sessions = list(CampSession.objects.filter(camp=camp))
        for enrolment in Enrolment.objects.filter(camp=camp, status=Enrolment.Status.COMPLETED)[::2]:
            services.submit_feedback(
                None,
                enrolment.pk,
                token=enrolment.access_token,
                ratings={s.pk: rng.choice([3, 4, 4, 5, 5]) for s in sessions},
                overall=rng.choice([4, 5, 5]),
                comment=rng.choice(
                    ["", "", "案例很实用，希望多安排实地参访。", "时间有点紧，建议增加讨论环节。"]
                ),
            )


@transaction.atomic
def seed(units: dict[str, LeagueUnit]) -> None:
    actor = _actor()
    if actor is None or "440000" not in units:
        return
    rng = random.Random(2026)  # noqa: S311 - deterministic demo data, not a secret
    trainers = _seed_trainers(actor, units)
    province = units["440000"]
    cities = list(LeagueUnit.objects.filter(parent=province, level="city", kind="regional").order_by("code"))
    _seed_province(actor, units, province, cities, trainers, rng)
    _seed_cities(actor, units, cities, trainers, rng)


def _seed_province(
    actor: User,
    units: dict[str, LeagueUnit],
    province: LeagueUnit,
    cities: list[LeagueUnit],
    trainers: list[Trainer],
    rng: random.Random,
) -> None:
    pools = [units[c] for c in ("442000", "440100", "440600", "440300", "440800", "441400") if c in units]
    for number in range(1, 10):
        start = D(YEAR, number + 2, 20)
        camp = _camp(
            actor,
            title=f"{YEAR}年第{number}期“亲青汇训练营”（省级）",
            organizer=province,
            start=start,
            days=3,
            capacity=100,
            address="佛山市南海区桂城街道创益中心" if number == 1 else "广州市天河区天河北路团省委培训中心",
            trainers=trainers,
            offset=number,
            sessions=5,
        )
        if camp is None:
            continue
        pool = pools[number % len(pools)]
        _enrol(
            actor,
            camp,
            _members(pool, 18, skip=number * 7) + _members(units["442000"], 12, skip=200 + number * 12),
        )
        _hold(actor, camp, rng, feedback=number in (1, 5, 9))
        if number in (1, 8, 9):
            services.issue_certificates(actor, camp.pk)
        if number == 9:
            services.message_trainees(
                actor,
                camp.pk,
                [Enrolment.Status.NO_SHOW],
                "训练营后续：我们想念你",
                "{name}，你报名了本期亲青汇训练营但未能参加。欢迎报名下一期：{link}",
            )
    _seed_open_province_camp(actor, units, province, cities, trainers)


def _seed_open_province_camp(
    actor: User,
    units: dict[str, LeagueUnit],
    province: LeagueUnit,
    cities: list[LeagueUnit],
    trainers: list[Trainer],
) -> None:
    """The tenth camp: 100 seats in city quotas, full, with a waiting list that has moved."""
    camp = _camp(
        actor,
        title=f"{YEAR}年第10期“亲青汇训练营”（省级，城市配额）",
        organizer=province,
        start=D(YEAR, 12, 15),
        days=3,
        capacity=100,
        address="广州市天河区天河北路团省委培训中心",
        trainers=trainers,
        offset=10,
        sessions=5,
        quota_return_on=D(YEAR, 12, 10),
        offer_hold_hours=48,
    )
    if camp is None:
        return
    quota = {"440100": 8, "440300": 8, "440600": 8, "442000": 8, "440800": 6, "441400": 6}
    services.set_quotas(actor, camp.pk, {units[code].pk: n for code, n in quota.items() if code in units})
    order = [("440100", 10), ("440300", 8), ("440600", 10), ("440800", 6), ("441400", 6), ("442000", 72)]
    for code, count in order:
        if code in units:
            _enrol(actor, camp, _members(units[code], count, skip=40))
    services.confirm_enrolments(actor, camp.pk)
    # Two seats given up: the first two in line are offered them for 48 hours; one accepts.
    zhongshan = units["442000"]
    givers = list(
        Enrolment.objects.filter(
            camp=camp, status=Enrolment.Status.CONFIRMED, unit__path__startswith=zhongshan.path
        ).order_by("-pk")[:2]
    )
    for enrolment in givers:
        services.cancel_enrolment(actor, enrolment.pk, "工作冲突，无法参加")
    offered = (
        Enrolment.objects.filter(camp=camp, status=Enrolment.Status.OFFERED)
        .order_by("queued_at", "pk")
        .first()
    )
    if offered is not None:
        services.accept_offer(None, offered.pk, token=offered.access_token)


def _seed_cities(
    actor: User,
    units: dict[str, LeagueUnit],
    cities: list[LeagueUnit],
    trainers: list[Trainer],
    rng: random.Random,
) -> None:
    for index, city in enumerate(cities):
        place = city.name.removesuffix("市").removesuffix("区")
        for quarter in range(1, 5):
            if (city.code, quarter) == MISSING:
                continue
            month = 3 * quarter - 2 + index % 2
            start = D(YEAR, month, 3 + (index * 3) % 24)
            camp = _camp(
                actor,
                title=f"{city.name}{YEAR}年第{quarter}季度亲青汇训练营",
                organizer=city,
                start=start,
                days=2,
                capacity=40,
                address=f"{place}青年之家",
                trainers=trainers,
                offset=index + quarter,
                sessions=3,
            )
            if camp is None:
                continue
            members = _members(city, 10, skip=quarter * 10)
            typed = [] if members else _typed_people(rng, city, 5, serial=index * 100 + quarter * 10)
            _enrol(actor, camp, members, typed)
            _hold(actor, camp, rng, scans=1, feedback=city.code == "442000")
    _seed_running_camp(actor, units, trainers)


def _seed_running_camp(actor: User, units: dict[str, LeagueUnit], trainers: list[Trainer]) -> None:
    """A 中山 camp running today, its sessions today and tomorrow: the check-in page has work."""
    zhongshan = units.get("442000")
    if zhongshan is None:
        return
    today = timezone.localdate()
    camp = _camp(
        actor,
        title=f"中山市{today.year}年骨干提升班（进行中）",
        organizer=zhongshan,
        start=today,
        days=2,
        capacity=30,
        address="中山市石岐区兴中道青年之家",
        trainers=trainers,
        offset=3,
        sessions=4,
    )
    if camp is None:
        return
    _enrol(actor, camp, _members(zhongshan, 24, skip=320))
    services.confirm_enrolments(actor, camp.pk)
    services.start_camp(actor, camp.pk)
    first = CampSession.objects.filter(camp=camp).order_by("starts_at").first()
    if first is not None:
        for enrolment in Enrolment.objects.filter(camp=camp, status=Enrolment.Status.CONFIRMED).order_by(
            "pk"
        )[:9]:
            services.check_in(actor, first.pk, enrolment.qr_payload, scanned_at=first.starts_at)
