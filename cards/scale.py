"""Cards at provincial scale for `manage.py seed_scale` (its `generate(context)` hook): as many
cards as `--people` asks for people, about 1,000,000 by default (`HUB_SCALE_CARDS` to choose
another number), issued over the last four years by the towns, counties and cities of the
generated tree — four in five member cards, one in five volunteer cards — to people registered
with the issuing unit, a tenth more registered without a card yet; a few in a hundred lost,
revoked or expired.

Rows go in with COPY, in id order; the rules the services enforce hold by construction: a
unique card number and token per card, a unique valid ID number per person (its area code,
birth date and sequence never repeat), one active card of a kind per person, members aged
14–28 on the day of issue.
"""

from __future__ import annotations

import datetime
import os
import secrets
import time
from typing import Any

from django.db import connection
from django.utils import timezone

from hubportal.bulk import reserve_ids
from orgs.validators import id_number_check_char

from .models import member_age_limits

D = datetime.date
SURNAMES = "李王张刘陈杨黄赵周吴徐孙马朱胡郭何林罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = "晓明丽华志强静怡嘉豪雅婷俊杰佩珊文博思琪家乐欣怡子轩梓涵浩然诗雨宇航"
CHUNK = 100_000


def _issuers(context: Any) -> list[Any]:
    """Units that issue cards, weighted: towns most, then counties and cities."""
    weights = {"town": 6, "county": 2, "city": 1}
    return [u for u in context.units if u.kind == "regional" for _ in range(weights.get(u.level, 0))]


def generate(context: Any) -> None:
    # As many cards as `--people` (1,000,000 by default): a tiny seed stays tiny.
    target = int(os.environ.get("HUB_SCALE_CARDS", context.options.get("people", 1_000_000)))
    if target <= 0:
        return
    rng, today, now = context.rng, timezone.localdate(), timezone.now()
    issuers = _issuers(context)
    registered_only = target // 10
    people = target + registered_only
    started = time.perf_counter()
    holder_ids = reserve_ids("cards_holder", people)
    card_ids = reserve_ids("cards_card", target)
    holders: list[tuple[Any, ...]] = []
    cards: list[tuple[Any, ...]] = []
    first_year = today.year - 3
    for i in range(people):
        unit = issuers[rng.randrange(len(issuers))]
        volunteer = i % 5 == 0
        issued = D(first_year, 1, 1) + datetime.timedelta(
            days=rng.randrange((today - D(first_year, 1, 1)).days + 1)
        )
        age_days = rng.randrange(14 * 366, 28 * 365) if not volunteer else rng.randrange(18 * 365, 55 * 365)
        born = issued - datetime.timedelta(days=age_days)
        # The area code and the sequence together never repeat: i decides both.
        body = f"{440000 + i // 1000:06d}{born:%Y%m%d}{i % 1000:03d}"
        holders.append(
            (
                holder_ids[i],
                unit.id,
                SURNAMES[rng.randrange(len(SURNAMES))] + GIVEN[rng.randrange(0, len(GIVEN) - 1, 2)],
                body + id_number_check_char(body),
                born,
                f"13{rng.randrange(10**9):09d}",
                not volunteer,
                volunteer,
                now,
            )
        )
        if i >= target:
            continue  # registered without a card yet
        status, changed = "active", None
        roll = rng.random()
        if roll < 0.02:
            status, changed = "lost", now
        elif roll < 0.03:
            status, changed = "revoked", now
        expires = None if volunteer else member_age_limits(born)[1]
        if expires is not None and expires < today and status == "active":
            status, changed = "expired", now
        cards.append(
            (
                card_ids[i],
                f"{'ZY' if volunteer else 'TY'}{unit.id:05d}{i:08d}",
                "volunteer" if volunteer else "member",
                holder_ids[i],
                unit.id,
                issued,
                expires,
                status,
                changed,
                "",
                secrets.token_urlsafe(16),
                now,
            )
        )
    context.report("cards: rows built", time.perf_counter() - started, len(holders) + len(cards))
    _copy(context, "cards_holder", HOLDER_COLUMNS, holders)
    _copy(context, "cards_card", CARD_COLUMNS, cards)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE cards_holder")
        cursor.execute("ANALYZE cards_card")


HOLDER_COLUMNS = [
    "id",
    "unit_id",
    "name",
    "id_number",
    "birth_date",
    "phone",
    "is_member",
    "is_volunteer",
    "created_at",
]
CARD_COLUMNS = [
    "id",
    "number",
    "kind",
    "holder_id",
    "issuing_unit_id",
    "issued_on",
    "expires_on",
    "status",
    "status_changed_at",
    "status_reason",
    "token",
    "created_at",
]


def _copy(context: Any, table: str, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
    started = time.perf_counter()
    written = sum(context.copy_rows(table, columns, rows[i : i + CHUNK]) for i in range(0, len(rows), CHUNK))
    context.report(table, time.perf_counter() - started, written)
