"""The drill-down of a snapshot: the records its run stored as the evidence of its value.

The page (`/reporting/snapshots/<id>/`) and the API (`/api/reporting/snapshots/<id>/records/`)
both read `evidence_rows(snapshot)` and `lines(snapshot, page)`: a count metric lists as
many rows as its value, a sum each row with its contribution, a share every row of the
denominator with whether it is in the numerator. The rows are those stored by the run that
computed the snapshot, so the list still equals the number after the records change (a
closed quarter's inspection sheet can be shown months later); each row shows the record's
current fields, or says that the record was deleted since.

Queries for one page: the rows' count, the page of rows, and one query for the records'
fields, whatever the page size.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Model, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from .metrics import DISCOUNT, SHARE, SUM, Evidence, Metric, registry, stored_rows
from .models import EvidenceRow, TargetSnapshot
from .tracking import Quarter, window_of


@dataclass
class Line:
    """One record behind a number, as shown in the drill-down."""

    object_id: int
    cells: list[Any]
    url: str
    amount: Decimal
    counts: bool  # a share's numerator; always True for counts and sums
    found_false: bool
    deleted: bool

    def as_dict(self, headings: list[str]) -> dict[str, Any]:
        return {
            "id": self.object_id,
            "fields": {h: _plain(v) for h, v in zip(headings, self.cells, strict=False)},
            "url": self.url,
            "contribution": str(self.amount),
            "counts": self.counts,
            "found_false": self.found_false,
            "deleted": self.deleted,
        }


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat()
    if isinstance(value, date | Decimal):
        return str(value)
    return value


def metric_of(snapshot: TargetSnapshot) -> Metric | None:
    return registry.get(snapshot.rule.metric)


def evidence_of(snapshot: TargetSnapshot) -> Evidence | None:
    """The metric's evidence definition over the snapshot's window (its columns and links);
    builds a queryset, runs nothing."""
    metric = metric_of(snapshot)
    if metric is None or metric.evidence is None:
        return None
    start, end, _deadline = window_of(snapshot.rule, Quarter.parse(snapshot.period))
    return metric.evidence(start, end)


def evidence_rows(snapshot: TargetSnapshot) -> QuerySet[EvidenceRow] | None:
    """The stored rows behind the snapshot's value, or None when the value has no evidence
    (no data source, or a metric registered without evidence)."""
    if snapshot.evidence_set_id is None:
        return None
    return stored_rows(snapshot, snapshot.evidence_set)


def headings(evidence: Evidence | None) -> list[str]:
    return [str(label) for label, _lookup in (evidence.columns if evidence is not None else ())]


def _display(model: type[Model], lookup: str) -> dict[Any, str] | None:
    """The labels of a choice field at the end of `lookup`, to show "已列入" rather than "listed"."""
    current: Any = model
    field: Any = None
    for part in lookup.split("__"):
        try:
            field = current._meta.get_field(part)
        except (FieldDoesNotExist, AttributeError):
            return None
        current = getattr(field, "related_model", None)
    choices = getattr(field, "flatchoices", None)
    return {key: str(label) for key, label in choices} if choices else None


def lines(snapshot: TargetSnapshot, rows: list[EvidenceRow]) -> list[Line]:
    """The page's rows with the current fields of their records (one query)."""
    evidence = evidence_of(snapshot)
    if evidence is None:
        return [Line(r.object_id, [], "", r.amount, r.hit, r.found_false, False) for r in rows]
    model = snapshot.evidence_set.content_type.model_class() if snapshot.evidence_set else evidence.model
    lookups = [lookup for _label, lookup in evidence.columns]
    records: dict[int, dict[str, Any]] = {}
    if model is not None and rows:
        found = model._default_manager.filter(pk__in=[r.object_id for r in rows]).values("pk", *lookups)
        records = {record["pk"]: record for record in found}
    labels = {lookup: _display(model, lookup) for lookup in lookups} if model is not None else {}
    result = []
    for row in rows:
        record = records.get(row.object_id)
        cells = []
        if record is not None:
            for lookup in lookups:
                value = record.get(lookup)
                choices = labels.get(lookup)
                cells.append(choices.get(value, value) if choices else value)
        result.append(
            Line(
                object_id=row.object_id,
                cells=cells if record is not None else [_("(deleted since)")],
                url=_url(evidence.link, row.object_id) if record is not None else "",
                amount=row.amount,
                counts=row.hit,
                found_false=row.found_false,
                deleted=record is None,
            )
        )
    return result


def _url(name: str | None, pk: int) -> str:
    if not name:
        return ""
    try:
        return reverse(name, args=[pk])
    except NoReverseMatch:
        return ""


def summary(snapshot: TargetSnapshot) -> dict[str, Any]:
    """What the drill-down says about the number itself: the metric's definition, the value
    (and after spot checks), numerator and denominator of a share, the window."""
    metric = metric_of(snapshot)
    start, end, _deadline = window_of(snapshot.rule, Quarter.parse(snapshot.period))
    set_ = snapshot.evidence_set
    found = evidence_of(snapshot)
    return {
        "metric": snapshot.rule.metric,
        "label": str(metric.label) if metric is not None else snapshot.rule.metric,
        "definition": str(metric.definition) if metric is not None and metric.definition else "",
        "aggregate": set_.aggregate if set_ is not None else None,
        "scope": set_.scope if set_ is not None else None,
        "counted_from": start,
        "counted_to": end,
        "value": snapshot.value,
        "confirmed_value": snapshot.confirmed_value,
        "numerator": snapshot.numerator,
        "denominator": snapshot.denominator,
        "has_evidence": set_ is not None,
        "is_share": set_ is not None and set_.aggregate == SHARE,
        "is_sum": set_ is not None and set_.aggregate == SUM,
        "discounts_false": found is not None and found.false_facts == DISCOUNT,
        # The heading of each row's contribution: a sum's, or what a share shows per row (days).
        "amount_label": str(found.amount_label or _("Contribution"))
        if found is not None and found.amount is not None
        else "",
    }


def no_evidence_message(snapshot: TargetSnapshot) -> str:
    if snapshot.value is None:
        return _("This target has no data source yet: there is no number and no record behind it.")
    return _("The metric of this target gives a number without listing its records.")
