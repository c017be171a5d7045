"""Demo data of the cards: 中山's towns issue 修身团员卡 and 修身志愿者卡 in bulk from their
lists (through the Excel import's own code: check, then apply in one transaction), with some
members and volunteers registered without a card yet, a few cards reported lost or revoked;
广州's 北京街道 issues volunteer cards. 中山's plan gets its two card targets: every member by
the third year, every volunteer by the fourth (2014 and 2015 in the 2012–2015 plan).

Idempotent: a list already issued is not issued again (the import itself would find every
row unchanged), a card already lost stays lost.
"""

from __future__ import annotations

import datetime
import io
import random
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.utils import timezone
from openpyxl import Workbook

from accounts.models import User
from hubportal.history import history_context
from orgs.demo_registry import GIVEN, SURNAMES, make_id_number
from orgs.importing import unit_path_names
from orgs.models import LeagueUnit

from . import importing, services
from .models import Card

D = datetime.date
# (unit code, card number prefix, members, volunteers, share registered without a card)
LISTS = [
    ("442000012", "ZSGZ", 160, 40, 0.2),
    ("442000007", "ZSXL", 120, 30, 0.25),
    ("442000001", "ZSSQ", 90, 25, 0.1),
    ("442000002", "ZSDQ", 60, 20, 0.3),
    ("440104001", "GZBJ", 0, 40, 0.15),
]


def _workbook(rows: list[list[Any]]) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("发卡名单")
    sheet.append([f"{c.header}*" if c.required else c.header for c in importing.COLUMNS])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _rows(
    code: str, prefix: str, members: int, volunteers: int, unregistered: float, path: str, today: D
) -> list[list[Any]]:
    rng = random.Random(f"cards-{code}")  # noqa: S311 - demo data, reproducible on purpose
    rows = []
    issued = min(D(today.year, 3, 1), today)
    for index in range(members + volunteers):
        member = index < members
        lowest = issued.year - (27 if member else 40)
        born = D(lowest, 1, 1) + datetime.timedelta(days=rng.randrange(365 * (12 if member else 22)))
        number = f"{prefix}{today.year}{index + 1:05d}" if rng.random() >= unregistered else ""
        rows.append(
            [
                number,
                "修身团员卡" if member else "修身志愿者卡",
                rng.choice(SURNAMES) + rng.choice(GIVEN),
                make_id_number(rng, code[:6] if code.startswith("44") else "442000", born),
                f"13{rng.randrange(10**9):09d}",
                path,
                issued,
                None,
            ]
        )
    return rows


def seed_cards(units: dict[str, LeagueUnit], today: D) -> None:
    paths = unit_path_names()
    for code, prefix, members, volunteers, unregistered in LISTS:
        unit = units.get(code) or LeagueUnit.objects.filter(code=code).first()
        actor = User.objects.filter(username="zs_cadre" if code.startswith("442000") else "gd_admin").first()
        if unit is None or actor is None or Card.objects.filter(number__startswith=prefix).exists():
            continue
        content = _workbook(_rows(code, prefix, members, volunteers, unregistered, paths[unit.pk], today))
        name = f"{unit.name}{today.year}年修身卡发放名单.xlsx"
        with history_context(user=actor.pk, actor=f"import:{name}"):
            importing.apply_file(name, content, actor)
    _lost_and_revoked(today)


def _lost_and_revoked(today: D) -> None:
    actor = User.objects.filter(username="zs_cadre").first()
    if (
        actor is None
        or Card.objects.exclude(status=Card.Status.ACTIVE).filter(number__startswith="ZS").exists()
    ):
        return
    cards = list(
        Card.objects.filter(number__startswith="ZSGZ", status=Card.Status.ACTIVE).order_by("number")[:4]
    )
    for card in cards[:3]:
        services.report_card_lost(actor, card.pk, "持卡人报失")
    if len(cards) > 3:
        services.revoke_card(actor, cards[3].pk, "超龄离团")


def seed_targets() -> None:
    """中山's plan: every member holding a card by its third year, every volunteer by its fourth."""
    if not apps.is_installed("reporting"):
        return
    from reporting.models import Comparator, Programme, TargetRule, Window

    programme = (
        Programme.objects.filter(owner__code="442000", name__startswith="中山市亲青汇计划")
        .order_by("-start_year")
        .first()
    )
    if programme is None:
        return
    targets = [
        ("第三年团员全部持有修身团员卡（%）", "member_card_coverage", programme.start_year + 2),
        ("第四年志愿者全部持有修身志愿者卡（%）", "volunteer_card_coverage", programme.start_year + 3),
    ]
    last = programme.rules.order_by("-order").values_list("order", flat=True).first() or 0
    for offset, (label, metric, year) in enumerate(targets, start=1):
        TargetRule.objects.update_or_create(
            programme=programme,
            label=label,
            defaults={
                "metric": metric,
                "comparator": Comparator.GTE,
                "threshold": Decimal(100),
                "window": Window.TO_DATE,
                "deadline": D(year, 12, 31),
                "levels": [LeagueUnit.Level.CITY],
                "region": TargetRule.RegionScope.ANY,
                "kinds": [LeagueUnit.Kind.REGIONAL],
                "order": last + offset,
            },
        )


def seed(units: dict[str, LeagueUnit]) -> None:
    """Entry point of `manage.py seed_demo`; safe to run again."""
    today = timezone.localdate()
    seed_cards(units, today)
    seed_targets()
