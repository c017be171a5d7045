"""The cards app's edit page, fully filled, for tests/hubportal/test_round_trip.py."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django.urls import reverse

from tests.orgs.factories import id_number
from tests.round_trip import Page, fields_of


def holder_edit(ctx) -> Page:
    from cards.models import Holder

    holder = Holder.objects.create(
        unit=ctx.zhongshan,
        name="王小明",
        id_number=id_number("20030506", 12),
        birth_date=datetime.date(2003, 5, 6),
        phone="13800138000",
        is_member=True,
        is_volunteer=True,
    )
    return Page(reverse("cards:holder_edit", args=[holder.pk]), ctx.zhongshan_cadre, fields_of(holder))


CASES: dict[str, Callable[[Any], Page]] = {"cards:holder_edit": holder_edit}
