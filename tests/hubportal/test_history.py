"""Change history is written for people: names, 是/否, local time, the system in words."""

from __future__ import annotations

import datetime

from django.utils import translation

from hubportal.history import history_context, history_of
from hubportal.services import service
from incubation.models import IncubationBase


@service
def _close_base(actor, pk: int) -> None:
    base = IncubationBase.objects.get(pk=pk)
    base.work_stations, base.unit_id = 3, actor.primary_unit.pk
    base.save()


def test_history_names_records_and_speaks_the_users_language(zhongshan, guzhen, zhongshan_cadre):
    with history_context(actor="seed_demo"):
        base = IncubationBase.objects.create(
            name="古镇镇亲青家园",
            unit=guzhen,
            base_type="physical",
            work_stations=5,
            opened_on=datetime.date(2024, 3, 1),
        )
    _close_base(zhongshan_cadre, base.pk)
    with translation.override("zh-hans"):
        entries = history_of(base)
    update, insert = entries[0], entries[-1]
    assert update.who == "陈中山"
    changes = {field: (old, new) for field, old, new in update.changes}
    assert changes["所属团组织"] == ("古镇镇", "中山市")  # names, not ids 2071 → 1898
    assert changes["工位数"] == (5, 3)
    assert insert.who == "系统（演示数据）"
    shown = {field for field, _old, _new in insert.changes}
    assert "ID" not in shown and "id" not in shown
    with translation.override("en"):
        assert history_of(base)[-1].who == "System (demo data)"


def test_each_service_call_names_its_own_actor_inside_an_outer_context(
    zhongshan, guzhen, zhongshan_cadre, guzhen_cadre
):
    """A demo seeding or a nightly task acts for several people inside one outer context:
    each service call still names its own actor (pghistory alone merged them, and the last
    actor became the author of every change), and the outer block's own writes stay the
    system's."""
    with history_context(actor="seed_demo"):
        base = IncubationBase.objects.create(
            name="古镇镇亲青家园",
            unit=guzhen,
            base_type="physical",
            work_stations=5,
            opened_on=datetime.date(2024, 3, 1),
        )
        _close_base(guzhen_cadre, base.pk)
        _close_base(zhongshan_cadre, base.pk)
    with translation.override("zh-hans"):
        entries = history_of(base)
    assert [entry.who for entry in entries] == ["陈中山", guzhen_cadre.full_name, "系统（演示数据）"]
