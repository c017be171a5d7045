"""The card metrics of the target engine: cards issued per unit and period (by the portal's
time), and the share of known members and volunteers holding a valid card at the period's end."""

from __future__ import annotations

import datetime

import time_machine
from django.utils import timezone

from cards.models import Card
from reporting.metrics import compute_figures, registry

from . import factories as f
from .conftest import SHANGHAI

D = datetime.date


def _evidence(code: str):
    metric = registry.get(code)
    assert metric is not None and metric.evidence is not None, code
    return metric.evidence


def figures(code, units, start, end):
    return compute_figures(_evidence(code)(start, end), units)


def test_card_metrics_are_registered_with_evidence():
    for code in ("member_cards", "volunteer_cards", "member_card_coverage", "volunteer_card_coverage"):
        metric = registry.get(code)
        assert metric is not None and metric.has_evidence, code


def test_cards_count_in_the_period_the_portal_issued_them(guzhen, zhongshan):
    with time_machine.travel(datetime.datetime(2025, 12, 30, 10, tzinfo=SHANGHAI), tick=False):
        f.card(f.holder(guzhen, D(2000, 1, 1)), issued_on=D(2026, 1, 5))  # typed later, entered in 2025
    with time_machine.travel(datetime.datetime(2026, 2, 1, 10, tzinfo=SHANGHAI), tick=False):
        f.card(f.holder(guzhen, D(2000, 1, 2)))
        f.card(f.holder(guzhen, D(2000, 1, 3), is_volunteer=True), kind="volunteer")
    this_year = figures("member_cards", [zhongshan, guzhen], D(2026, 1, 1), D(2026, 12, 31))
    assert this_year[zhongshan.pk].value == 1 and this_year[guzhen.pk].value == 1
    assert figures("volunteer_cards", [zhongshan], D(2026, 1, 1), D(2026, 12, 31))[zhongshan.pk].value == 1


def test_the_share_counts_cards_valid_at_the_end_of_the_period(guzhen, zhongshan):
    with time_machine.travel(datetime.datetime(2026, 1, 10, 10, tzinfo=SHANGHAI), tick=False):
        holding = [f.card(f.holder(guzhen, D(2000, 1, 1) + datetime.timedelta(days=i))) for i in range(3)]
        f.holder(guzhen, D(2001, 1, 1))  # no card
    with time_machine.travel(datetime.datetime(2026, 5, 10, 10, tzinfo=SHANGHAI), tick=False):
        Card.objects.filter(pk=holding[0].pk).update(status="lost", status_changed_at=timezone.now())
    march = figures("member_card_coverage", [zhongshan], None, D(2026, 3, 31))[zhongshan.pk]
    june = figures("member_card_coverage", [zhongshan], None, D(2026, 6, 30))[zhongshan.pk]
    assert (march.numerator, march.denominator, march.value) == (3, 4, 75)
    assert (june.numerator, june.denominator) == (2, 4)


def test_a_replaced_card_counts_its_holder_once(guzhen, zhongshan):
    """The share joins each holder to the card valid at the period's end: a card reported lost
    and its replacement issued in the same moment never make two rows for one person."""
    from reporting.metrics import live_records

    with time_machine.travel(datetime.datetime(2026, 1, 10, 10, tzinfo=SHANGHAI), tick=False):
        holder = f.holder(guzhen, D(2000, 1, 1))
        first = f.card(holder)
    with time_machine.travel(datetime.datetime(2026, 4, 1, 10, tzinfo=SHANGHAI), tick=False):
        Card.objects.filter(pk=first.pk).update(status="lost", status_changed_at=timezone.now())
        f.card(holder)
    for end in (D(2026, 3, 31), D(2026, 4, 1), D(2026, 6, 30)):
        share = figures("member_card_coverage", [zhongshan], None, end)[zhongshan.pk]
        assert (share.numerator, share.denominator) == (1, 1), end
        assert live_records(_evidence("member_card_coverage")(None, end), zhongshan).count() == 1
