"""The incubation facts the targets count, defined once as evidence for the target engine
(the protocol is in `reporting.metrics`): the value and the drill-down come from the same
queryset. The plain functions `f(units, start, end) -> {unit_id: value}` (one query for any
number of units) are derived from the same evidence.

The period is decided by the portal's time: a base or a fund by when it was entered, an
admission or a graduation by when the portal recorded the change of status (the residency's
history; its entry time for data loaded without one), a star rating by when it was
recorded. Typed dates (`opened_on`, `established_on`, `admitted_on`, `rated_on`) stay facts
for display and filters.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from django.apps import apps
from django.db.models import DateTimeField, Exists, F, OuterRef, Q
from django.db.models.functions import Cast
from django.utils.translation import gettext_lazy as _

from orgs.models import LeagueUnit
from orgs.querysets import rollup_rows
from reporting.metrics import (
    DISTINCT,
    OWN,
    SHARE,
    Evidence,
    compute_figures,
    entered_between,
    first_recorded,
)

from .models import BaseRating, IncubationBase, IncubationFund, Residency

BASE_COLUMNS = [
    (_("Base"), "name"),
    (_("Owning unit"), "unit__name"),
    (_("Opening date"), "opened_on"),
    (_("Entered at"), "created_at"),
]


def bases(start: date | None, end: date) -> Evidence:
    """亲青家园 owned by the unit or a unit below it, entered in the portal in the period."""
    return Evidence(
        rows=IncubationBase.objects.filter(entered_between("created_at", start, end)),
        unit="unit",
        columns=BASE_COLUMNS,
        link="incubation:base_detail",
        order=("unit__path", "name", "pk"),
    )


def bases_own(start: date | None, end: date) -> Evidence:
    """亲青家园 owned by the unit itself (a city's city-level bases), entered in the period."""
    evidence = bases(start, end)
    return Evidence(
        rows=evidence.rows,
        unit="unit",
        scope=OWN,
        columns=BASE_COLUMNS,
        link=evidence.link,
        order=evidence.order,
    )


def _rating_recorded_by(end: date) -> Exists:
    """The base (outer row) has a star rating the portal recorded by `end`."""
    recorded = first_recorded(apps.get_model("incubation", "BaseRatingEvent"), Q(), fallback="rated_at")
    return Exists(
        BaseRating.objects.filter(base_id=OuterRef("pk"))
        .annotate(rated_at=Cast("rated_on", DateTimeField()))
        .annotate(recorded_at=recorded)
        .filter(entered_between("recorded_at", None, end))
    )


def bases_star_rated(start: date | None, end: date) -> Evidence:
    """亲青家园 of the subtree entered by the end of the period that have a star rating
    recorded by then (a state at the end of the period; `start` is not used)."""
    rows = IncubationBase.objects.filter(entered_between("created_at", None, end)).filter(
        _rating_recorded_by(end)
    )
    return Evidence(
        rows=rows,
        unit="unit",
        columns=BASE_COLUMNS,
        link="incubation:base_detail",
        order=("unit__path", "pk"),
    )


def bases_rated_share(start: date | None, end: date) -> Evidence:
    """Of the 亲青家园 of the subtree entered by the end of the period, the share with a star
    rating recorded by then."""
    return Evidence(
        rows=IncubationBase.objects.filter(entered_between("created_at", None, end)),
        unit="unit",
        aggregate=SHARE,
        hit=_rating_recorded_by(end),
        columns=BASE_COLUMNS,
        link="incubation:base_detail",
        order=("unit__path", "pk"),
    )


def funds(start: date | None, end: date) -> Evidence:
    """Incubation funds of the unit or a unit below it, entered in the portal in the period."""
    return Evidence(
        rows=IncubationFund.objects.filter(entered_between("created_at", start, end)),
        unit="unit",
        columns=[
            (_("Fund"), "name"),
            (_("Owning unit"), "unit__name"),
            (_("Established on"), "established_on"),
            (_("Entered at"), "created_at"),
        ],
        link="incubation:fund_detail",
        order=("unit__path", "pk"),
    )


def _recorded_in(statuses: Sequence[str]) -> Any:
    return first_recorded(apps.get_model("incubation", "ResidencyEvent"), Q(status__in=list(statuses)))


def incubated(start: date | None, end: date) -> Evidence:
    """Distinct organizations admitted to a base of the subtree, counted in the period in
    which the portal recorded the admission (whatever became of them afterwards)."""
    rows = (
        Residency.objects.incubated()
        .annotate(admitted_at=_recorded_in(Residency.INCUBATED))
        .filter(entered_between("admitted_at", start, end))
    )
    return Evidence(
        rows=rows,
        unit="base__unit",
        aggregate=DISTINCT,
        distinct="organization_id",
        columns=[
            (_("Organization"), "organization__name"),
            (_("Base"), "base__name"),
            (_("Admitted on"), "admitted_on"),
            (_("Status"), "status"),
        ],
        link="incubation:residency_detail",
        order=("admitted_at", "pk"),
    )


def graduated(start: date | None, end: date, outcome: str | None = None) -> Evidence:
    """Distinct organizations that graduated from a base of the subtree, counted in the period
    in which the portal recorded the graduation."""
    rows = Residency.objects.filter(status=Residency.Status.GRADUATED)
    if outcome:
        rows = rows.filter(outcomes__contains=[outcome])
    rows = rows.annotate(graduated_at=_recorded_in([Residency.Status.GRADUATED])).filter(
        entered_between("graduated_at", start, end)
    )
    return Evidence(
        rows=rows,
        unit="base__unit",
        aggregate=DISTINCT,
        distinct="organization_id",
        columns=[
            (_("Organization"), "organization__name"),
            (_("Base"), "base__name"),
            (_("Ended on"), "ended_on"),
        ],
        link="incubation:residency_detail",
        order=("graduated_at", "pk"),
    )


def _values(evidence: Callable[[date | None, date], Evidence]) -> Callable[..., dict[int, Any]]:
    def func(units: Sequence[Any], start: date | None, end: date) -> dict[int, Any]:
        found = evidence(start, end)
        figures = compute_figures(found, list(units))
        if found.aggregate == SHARE:
            return {pk: f.value for pk, f in figures.items()}
        return {pk: int(f.value) for pk, f in figures.items()}

    func.__doc__ = evidence.__doc__
    return func


def bases_count(
    units: Sequence[Any], start: date | None, end: date, level: str | None = None
) -> dict[int, int]:
    """Bases entered in the period in each subtree; `level` keeps those owned at one level."""
    found = bases(start, end)
    if level:
        found = Evidence(rows=found.rows.filter(unit__level=level), unit="unit")
    return {pk: int(f.value) for pk, f in compute_figures(found, list(units)).items()}


def bases_by_level(units: Sequence[Any], start: date | None, end: date) -> dict[int, dict[str, int]]:
    """`{unit_id: {level: n}}`: bases in each subtree by the level of their owning unit, one query."""
    levels = list(LeagueUnit.Level.values)
    counts = rollup_rows(
        units,
        bases(start, end).rows,
        "unit__path",
        [f"COUNT(*) FILTER (WHERE r0.level = '{level}')" for level in levels],
        {"level": F("unit__level")},
    )
    return {pk: dict(zip(levels, map(int, values), strict=True)) for pk, values in counts.items()}


funds_count = _values(funds)
orgs_incubated = _values(incubated)
orgs_graduated = _values(graduated)


def orgs_registered_after_incubation(units: Sequence[Any], start: date | None, end: date) -> dict[int, Any]:
    """Distinct organizations that graduated in the period with “registered as an entity”."""
    return _values(lambda s, e: graduated(s, e, outcome=Residency.Outcome.REGISTERED))(units, start, end)


# code, evidence, label, definition, extra registration arguments
REGISTERED: list[tuple[str, Callable[[date | None, date], Evidence], Any, Any, dict[str, Any]]] = [
    (
        "bases",
        bases,
        _("Qinqing Home incubation bases"),
        _(
            "亲青家园 owned by the unit or a unit below it, physical or network-type, counted in the period in "
            "which they were entered in the portal (not by the typed opening date)."
        ),
        {"report_metric": "bases_built", "tolerance": 0},
    ),
    (
        "bases_own",
        bases_own,
        _("Qinqing Homes of the unit's own level"),
        _(
            "亲青家园 owned by the unit itself (for a city: its city-level bases), counted in the period in which "
            "they were entered in the portal; bases of the units below do not count."
        ),
        {},
    ),
    (
        "bases_star_rated",
        bases_star_rated,
        _("Star-rated 亲青家园"),
        _(
            "亲青家园 of the subtree entered by the end of the period that have a star rating recorded in the "
            "portal by then."
        ),
        {},
    ),
    (
        "bases_rated_share",
        bases_rated_share,
        _("亲青家园 star-rated (%)"),
        _(
            "Of the 亲青家园 of the subtree entered by the end of the period, the share with a star rating "
            "recorded in the portal by then."
        ),
        {"unit_label": "%"},
    ),
    (
        "funds",
        funds,
        _("Incubation funds"),
        _(
            "Incubation funds of the unit or a unit below it, counted in the period in which they were entered "
            "in the portal (not by the typed establishment date)."
        ),
        {},
    ),
    (
        "orgs_incubated",
        incubated,
        _("Organizations incubated"),
        _(
            "Distinct organizations admitted to a 亲青家园 of the subtree (admitted, incubating, graduated or "
            "exited afterwards), counted in the period in which the portal recorded the admission."
        ),
        {},
    ),
    (
        "orgs_graduated",
        graduated,
        _("Organizations graduated from incubation"),
        _(
            "Distinct organizations that graduated from a 亲青家园 of the subtree, counted in the period in which "
            "the portal recorded the graduation."
        ),
        {},
    ),
]


def register_with_reporting() -> None:
    """Provide these facts to the reporting app's metric registry by code."""
    from reporting.metrics import registry

    for code, evidence, label, definition, extra in REGISTERED:
        registry.register(code, evidence=evidence, label=label, definition=definition, **extra)


__all__ = ["bases_by_level", "funds_count", "orgs_graduated", "orgs_incubated", "register_with_reporting"]
