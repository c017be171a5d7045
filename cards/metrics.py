"""The card facts the targets count, as evidence for the target engine (the protocol is in
`reporting.metrics`): cards issued per unit and period, and the share of the members and
volunteers known to the portal who hold a valid card (Zhongshan: every member by 2014,
every volunteer by 2015).

The period is decided by the portal's time: a card counts in the period in which it was
issued in the portal (`created_at`), whatever became of it afterwards; a share is a state at
the end of the period: the holders registered by then, and whether a card of theirs was
valid then (issued by then, and still active then: not reported lost, revoked or expired
before the end, not past its date).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from django.db.models import FilteredRelation, Q
from django.utils.translation import gettext_lazy as _

from reporting.metrics import SHARE, Evidence, day_bounds, entered_between

from .models import Card, Holder

CARD_COLUMNS = [
    (_("Card number"), "number"),
    (_("Holder"), "holder__name"),
    (_("Issuing unit"), "issuing_unit__name"),
    (_("Issued on"), "issued_on"),
    (_("Status"), "status"),
]
HOLDER_COLUMNS = [(_("Name"), "name"), (_("Unit"), "unit__name"), (_("Entered at"), "created_at")]


def _issued(kind: str) -> Callable[[date | None, date], Evidence]:
    def evidence(start: date | None, end: date) -> Evidence:
        return Evidence(
            rows=Card.objects.filter(kind=kind).filter(entered_between("created_at", start, end)),
            unit="issuing_unit",
            columns=CARD_COLUMNS,
            link="cards:card_detail",
            order=("issuing_unit__path", "number", "pk"),
        )

    return evidence


def valid_card_at(kind: str, end: date) -> FilteredRelation:
    """The holder's card of `kind` valid at the end of the day `end`, as a LEFT JOIN.

    At most one card of a kind is valid at any moment: the schema allows one active card per
    holder and kind, and a card stops being valid when its status changes (`status_changed_at`),
    before a new one can be issued. So the join keeps one row per holder, and a hash join over
    the cards answers the province's share in about a second where an EXISTS probed the card
    index once for each of 880,000 members (5–16 s)."""
    _lower, upper = day_bounds(None, end)
    return FilteredRelation(
        "cards",
        condition=Q(cards__kind=kind, cards__created_at__lt=upper)
        & (Q(cards__status=Card.Status.ACTIVE) | Q(cards__status_changed_at__gte=upper))
        & (Q(cards__expires_on__isnull=True) | Q(cards__expires_on__gte=end)),
    )


def _coverage(kind: str, flag: str) -> Callable[[date | None, date], Evidence]:
    def evidence(start: date | None, end: date) -> Evidence:
        return Evidence(
            rows=Holder.objects.filter(**{flag: True})
            .filter(entered_between("created_at", None, end))
            .annotate(valid_card=valid_card_at(kind, end)),
            unit="unit",
            aggregate=SHARE,
            hit=Q(valid_card__isnull=False),
            columns=HOLDER_COLUMNS,
            link="cards:holder_detail",
            order=("unit__path", "pk"),
        )

    return evidence


member_cards = _issued(Card.Kind.MEMBER)
volunteer_cards = _issued(Card.Kind.VOLUNTEER)
member_card_coverage = _coverage(Card.Kind.MEMBER, "is_member")
volunteer_card_coverage = _coverage(Card.Kind.VOLUNTEER, "is_volunteer")

# code, evidence, label, definition, extra registration arguments
REGISTERED: list[tuple[str, Callable[[date | None, date], Evidence], Any, Any, dict[str, Any]]] = [
    (
        "member_cards",
        member_cards,
        _("Member cards issued"),
        _(
            "修身团员卡 issued by the unit and the units below it, counted in the period in which the portal "
            "recorded the issue (whatever became of the card afterwards)."
        ),
        {},
    ),
    (
        "volunteer_cards",
        volunteer_cards,
        _("Volunteer cards issued"),
        _(
            "修身志愿者卡 issued by the unit and the units below it, counted in the period in which the portal "
            "recorded the issue."
        ),
        {},
    ),
    (
        "member_card_coverage",
        member_card_coverage,
        _("League members holding a member card (%)"),
        _(
            "Of the league members registered in the portal with the unit's subtree by the end of the period, the "
            "share who held a valid member card then (issued by then, not lost, revoked or expired by then)."
        ),
        {"unit_label": "%"},
    ),
    (
        "volunteer_card_coverage",
        volunteer_card_coverage,
        _("Volunteers holding a volunteer card (%)"),
        _(
            "Of the volunteers registered in the portal with the unit's subtree by the end of the period, the share "
            "who held a valid volunteer card then."
        ),
        {"unit_label": "%"},
    ),
]


def register_with_reporting() -> None:
    """Give the target engine the card metrics by code (their "no data source" disappears)."""
    from reporting.metrics import registry

    for code, evidence, label, definition, extra in REGISTERED:
        registry.register(code, evidence=evidence, label=label, definition=definition, **extra)
