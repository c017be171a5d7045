"""Star-rating facts for the target engine (`reporting.metrics`), by its protocol: each
metric returns ONE evidence queryset from which the engine takes both the value and the
drill-down.

- `bases_star_rated`: the 亲青家园 of the subtree entered by the end of the period that hold
  a rating in force at its end — made final in the portal by then (`Rating.finalised_at`,
  the portal's own time), valid on that day, and not superseded by a re-rating made final by
  then. An expired rating no longer counts: the plan asks for every base to be rated, every
  year.
- `bases_rated_share`: of the 亲青家园 of the subtree entered by the end of the period, the
  share holding such a rating (a state at the end of the period; `start` is not used).

They take over the codes incubation provides from `BaseRating` (which final ratings feed),
so the number and its drill-down follow the evaluation rounds themselves.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from .models import Rating

COLUMNS = [
    (_("Qinqing Home base"), "name"),
    (_("Owning unit"), "unit__name"),
    (_("Opening date"), "opened_on"),
]


def rating_in_force(end: date) -> Exists:
    """The base (outer row) holds a rating in force at the end of `end`."""
    from reporting.metrics import day_bounds

    _lower, upper = day_bounds(None, end)
    return Exists(
        Rating.objects.filter(
            base_id=OuterRef("pk"), finalised_at__lt=upper, valid_from__lte=end, valid_until__gte=end
        )
        .exclude(superseded_by__finalised_at__lt=upper)
        .order_by()
    )


def _bases(end: date) -> Any:
    from incubation.models import IncubationBase
    from reporting.metrics import entered_between

    return IncubationBase.objects.filter(entered_between("created_at", None, end))


def bases_star_rated(start: date | None, end: date) -> Any:
    """亲青家园 of the subtree entered by the end of the period holding a star rating in force at
    its end (made final in the portal by then, valid that day, not superseded by then)."""
    from reporting.metrics import Evidence

    return Evidence(
        rows=_bases(end).filter(rating_in_force(end)),
        unit="unit",
        columns=COLUMNS,
        link="incubation:base_detail",
        order=("unit__path", "name", "pk"),
    )


def bases_rated_share(start: date | None, end: date) -> Any:
    """Of the 亲青家园 of the subtree entered by the end of the period, the share holding a star
    rating in force at its end."""
    from reporting.metrics import SHARE, Evidence

    return Evidence(
        rows=_bases(end),
        unit="unit",
        aggregate=SHARE,
        hit=rating_in_force(end),
        columns=COLUMNS,
        link="incubation:base_detail",
        order=("unit__path", "name", "pk"),
    )


REGISTERED: list[tuple[str, Any, Any, Any, dict[str, Any]]] = [
    (
        "bases_star_rated",
        bases_star_rated,
        _("Star-rated 亲青家园"),
        _(
            "亲青家园 of the subtree entered by the end of the period that hold a star rating in force at its "
            "end: made final by an assessment round in the portal by then, valid on that day and not "
            "superseded by a re-rating; an expired rating does not count."
        ),
        {},
    ),
    (
        "bases_rated_share",
        bases_rated_share,
        _("亲青家园 star-rated (%)"),
        _(
            "Of the 亲青家园 of the subtree entered by the end of the period, the share holding a star rating "
            "in force at its end (made final in the portal by then, valid that day, not superseded)."
        ),
        {"unit_label": "%"},
    ),
]


def register_with_reporting() -> None:
    """Give the target engine these metrics by code (they replace incubation's)."""
    from reporting.metrics import registry

    for code, evidence, label, definition, extra in REGISTERED:
        registry.register(code, evidence=evidence, label=label, definition=definition, **extra)
