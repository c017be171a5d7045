"""The target engine's star-rating metrics (reporting.metrics protocol): bases star-rated and
the share of bases rated, each value with the records behind it, in one query for any number
of units; an expired or superseded rating does not count."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from evaluation.models import Rating
from incubation.models import IncubationBase
from orgs.models import LeagueUnit
from reporting.metrics import registry
from tests.incubation.conftest import make_base

from . import records

END = datetime.date(2026, 12, 31)


def star_metric(code: str) -> Any:
    metric = registry.get(code)
    assert metric is not None, code
    return metric


def rate(base, *, start=datetime.date(2026, 11, 10), months=12, finalised=None):
    subject = records.subject_of(base.unit, base=base, round=records.round_of(base.unit))
    return Rating.objects.create(
        subject=subject,
        round=subject.round,
        subject_type="base",
        base=base,
        year=start.year,
        stars=3,
        total=Decimal("8"),
        valid_from=start,
        valid_until=start + datetime.timedelta(days=30 * months),
        finalised_at=finalised or timezone.make_aware(datetime.datetime.combine(start, datetime.time(10))),
    )


@pytest.fixture
def bases(zhongshan, guzhen, foshan):
    rated, expired, late, unrated = (make_base(guzhen, f"古镇测试家园{n}") for n in range(4))
    fs_rated = make_base(foshan, "佛山测试家园")
    rate(rated)
    rate(expired, start=datetime.date(2025, 6, 1), months=12)
    rate(
        late, finalised=timezone.make_aware(datetime.datetime(2027, 1, 5, 10))
    )  # made final after the period
    rate(fs_rated)
    # Entered at the start of the year (the metrics count bases entered by the end of a period).
    IncubationBase.objects.update(created_at=timezone.make_aware(datetime.datetime(2026, 1, 5, 9)))
    return {"rated": rated, "expired": expired, "late": late, "unrated": unrated, "fs": fs_rated}


def test_the_evaluation_app_is_the_source_of_both_metrics():
    for code in ("bases_star_rated", "bases_rated_share"):
        metric = registry.get(code)
        assert metric is not None and metric.has_source and metric.evidence is not None
        assert metric.evidence.__module__ == "evaluation.metrics"
        assert str(metric.definition)


def test_bases_star_rated_counts_ratings_in_force_with_their_records(bases, guzhen, zhongshan, province):
    metric = star_metric("bases_star_rated")
    figures = metric.figures([guzhen, zhongshan, province], None, END)
    assert (
        figures[guzhen.pk].value == 1 and figures[zhongshan.pk].value == 1 and figures[province.pk].value == 2
    )
    assert list(metric.records(guzhen, None, END).values_list("pk", flat=True)) == [bases["rated"].pk]


def test_the_share_of_bases_rated_has_its_numerator_and_denominator(bases, guzhen):
    metric = star_metric("bases_rated_share")
    figures = metric.figures([guzhen], None, END)[guzhen.pk]
    assert (figures.numerator, figures.denominator, figures.value) == (1, 4, Decimal("25.00"))


def test_a_superseded_rating_stops_counting_once_its_successor_is_final(bases, guzhen):
    old = Rating.objects.get(base=bases["rated"])
    successor = rate(bases["rated"], start=datetime.date(2026, 12, 15))
    Rating.objects.filter(pk=old.pk).update(status="superseded", superseded_by=successor)
    metric = star_metric("bases_star_rated")
    assert metric.figures([guzhen], None, END)[guzhen.pk].value == 1  # the successor counts, once
    before = datetime.date(2026, 12, 1)
    assert metric.figures([guzhen], None, before)[guzhen.pk].value == 1  # the old one, then in force


def test_one_query_for_any_number_of_units(bases):
    metric = star_metric("bases_star_rated")
    few = list(LeagueUnit.objects.order_by("path")[:3])
    many = list(LeagueUnit.objects.order_by("path"))
    with CaptureQueriesContext(connection) as small:
        metric.figures(few, None, END)
    with CaptureQueriesContext(connection) as large:
        metric.figures(many, None, END)
    assert len(small.captured_queries) == len(large.captured_queries) == 1
