"""The training app's edit pages, fully filled, for tests/hubportal/test_round_trip.py."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django.urls import reverse
from django.utils import timezone

from tests.round_trip import NARRATIVE, Page, fields_of


def full_camp(ctx) -> Any:
    from training.models import Camp

    camp = Camp.objects.create(
        title="中山市2026年第一期亲青汇训练营",
        organizer=ctx.zhongshan,
        series_unit=ctx.zhongshan,
        level="city",
        starts_on=datetime.date(2026, 3, 20),
        ends_on=datetime.date(2026, 3, 22),
        address="中山市石岐区兴中道 6 号青年之家",
        is_online=True,
        online_url="https://meeting.example.cn/qqh/2026-1",
        capacity=120,
        description=NARRATIVE,
        completion_percent=75,
        quota_return_on=datetime.date(2026, 3, 10),
        offer_hold_hours=48,
    )
    camp.audience.set([ctx.units["442000012"]])
    return camp


def camp_edit(ctx) -> Page:
    camp = full_camp(ctx)
    return Page(reverse("training:camp_edit", args=[camp.pk]), ctx.zhongshan_cadre, fields_of(camp))


def trainer(ctx) -> Any:
    from training.models import Trainer

    return Trainer.objects.create(
        name="罗静怡",
        unit=ctx.zhongshan,
        affiliation="中山大学社会学与人类学学院",
        title="副教授",
        fields=["projects", "social_work"],
        phone="13900001234",
        email="luo@example.cn",
        bio=NARRATIVE,
        shared=True,
        active=True,
    )


def trainer_edit(ctx) -> Page:
    record = trainer(ctx)
    return Page(reverse("training:trainer_edit", args=[record.pk]), ctx.zhongshan_cadre, fields_of(record))


def session_edit(ctx) -> Page:
    from training.models import CampSession

    camp = full_camp(ctx)
    start = timezone.make_aware(datetime.datetime(2026, 3, 21, 14, 30))
    session = CampSession.objects.create(
        camp=camp,
        title="公益项目设计与评估",
        trainer=trainer(ctx),
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=2, minutes=45),
        place="三楼多功能厅",
    )
    return Page(reverse("training:session_edit", args=[session.pk]), ctx.zhongshan_cadre, fields_of(session))


CASES: dict[str, Callable[[Any], Page]] = {
    "training:camp_edit": camp_edit,
    "training:trainer_edit": trainer_edit,
    "training:session_edit": session_edit,
}
