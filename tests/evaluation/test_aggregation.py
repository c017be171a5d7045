"""Aggregation: the round's documented rule, the spread, disagreements flagged for
moderation, stars by the thresholds; one set-based pass whatever the round's size."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from evaluation import services
from evaluation.models import Assignment, IndicatorResult, Round, Score, Subject
from tests.incubation.conftest import make_base

from .factories import assign, make_assessor, score

A1_SCORES = ["2", "8", "8", "9", "10"]


@pytest.fixture
def five(zhongshan_cadre, zs_round, zs_base, pool):
    """One subject scored by five assessors; they disagree on A1 (2 to 10 of 10)."""
    services.update_round(zhongshan_cadre, zs_round.pk, {"panel_size": 5}, version=zs_round.version)
    subject = services.enter_subject(zhongshan_cadre, zs_round.pk, zs_base.pk)
    services.start_scoring(zhongshan_cadre, zs_round.pk)
    for assignment, a1 in zip(assign(zhongshan_cadre, subject, pool[:5]), A1_SCORES, strict=True):
        score(assignment.assessor, assignment, {"A1": a1, "A2": "8", "B1": "12", "B2": "4"})
    return subject


def result(subject, code):
    return IndicatorResult.objects.get(subject=subject, indicator__code=code)


def test_with_five_scores_the_highest_and_lowest_are_dropped(zhongshan_cadre, zs_round, five):
    assert services.aggregate_results(zhongshan_cadre, zs_round.pk) == [five.pk]
    a1 = result(five, "A1")
    assert (a1.value, a1.low, a1.high, a1.scores) == (Decimal("8.33"), Decimal("2"), Decimal("10"), 5)
    assert a1.flagged  # 10 − 2 = 8 > 40% of 10
    assert not result(five, "A2").flagged
    subject = Subject.objects.get(pk=five.pk)
    assert (subject.total, subject.stars, subject.result) == (Decimal("32.3"), 3, "provisional")
    assert (subject.total_low, subject.total_high, subject.open_flags) == (Decimal("26"), Decimal("34"), 1)
    assert Round.objects.get(pk=zs_round.pk).phase == "results"


@pytest.mark.parametrize(("rule", "a1"), [("mean", Decimal("7.40")), ("median", Decimal("8.00"))])
def test_the_rounds_rule_decides(zhongshan_cadre, zs_round, five, rule, a1):
    Round.objects.filter(pk=zs_round.pk).update(rule=rule)
    services.aggregate_results(zhongshan_cadre, zs_round.pk)
    assert result(five, "A1").value == a1


def test_a_flagged_indicator_is_moderated_before_results_are_published(zhongshan_cadre, zs_round, five):
    services.aggregate_results(zhongshan_cadre, zs_round.pk)
    with pytest.raises(ValidationError, match="1 results wait for moderation"):
        services.publish_results(zhongshan_cadre, zs_round.pk)
    a1 = result(five, "A1")
    with pytest.raises(ValidationError, match="Say how"):
        services.moderate_result(zhongshan_cadre, a1.pk, "", value="8")
    with pytest.raises(ValidationError, match="At most 10 points"):
        services.moderate_result(zhongshan_cadre, a1.pk, "合议", value="12")
    services.moderate_result(zhongshan_cadre, a1.pk, "评审组合议：以多数意见为准", value="8")
    subject = Subject.objects.get(pk=five.pk)
    assert (subject.total, subject.stars, subject.open_flags) == (Decimal("32.0"), 3, 0)
    # Aggregating again keeps the moderation (the rerun changes nothing).
    services.aggregate_results(zhongshan_cadre, zs_round.pk)
    assert result(five, "A1").moderated_value == Decimal("8")
    assert Subject.objects.get(pk=five.pk).total == Decimal("32.0")
    assert services.publish_results(zhongshan_cadre, zs_round.pk) == 1


def test_a_subject_whose_panel_is_still_scoring_is_left_alone(zhongshan_cadre, scoring):
    first, second = scoring["subjects"]
    for assignment in scoring["panels"][first.pk]:
        score(assignment.assessor, assignment, 0.8)
    score(scoring["panels"][second.pk][0].assessor, scoring["panels"][second.pk][0], 0.8)
    assert services.aggregate_results(zhongshan_cadre, scoring["round"].pk) == [first.pk]
    assert Subject.objects.get(pk=second.pk).result == "pending"


def test_nothing_to_aggregate_is_said(zhongshan_cadre, scoring):
    with pytest.raises(ValidationError, match="No subject's panel has submitted"):
        services.aggregate_results(zhongshan_cadre, scoring["round"].pk)


def bulk_round(round_obj, unit, assessors, n):
    """n subjects scored by every assessor, written in bulk (what the services would leave)."""
    from django.utils import timezone

    leaves = list(round_obj.system.indicators.filter(children__isnull=True))
    bases = [make_base(unit, f"批量亲青家园{round_obj.pk}-{i}") for i in range(n)]
    subjects = Subject.objects.bulk_create(
        Subject(round=round_obj, base=b, name=b.name, owner_unit=unit, status="entered") for b in bases
    )
    now = timezone.now()
    assignments = Assignment.objects.bulk_create(
        Assignment(
            subject=s, assessor=a, deadline=round_obj.scoring_until, status="submitted", submitted_at=now
        )
        for s in subjects
        for a in assessors
    )
    Score.objects.bulk_create(
        Score(assignment=x, indicator=i, points=i.max_points * Decimal("0.8"), max_points=i.max_points)
        for x in assignments
        for i in leaves
    )


def test_aggregation_is_one_set_based_pass_whatever_the_rounds_size(
    zhongshan_cadre, zs_round, zhongshan, pool
):
    Round.objects.filter(pk=zs_round.pk).update(phase="scoring")
    bulk_round(zs_round, zhongshan, pool[:5], 3)
    with CaptureQueriesContext(connection) as small:
        services.aggregate_results(zhongshan_cadre, zs_round.pk)
    bulk_round(zs_round, zhongshan, pool[:5], 40)
    Round.objects.filter(pk=zs_round.pk).update(phase="scoring")
    with CaptureQueriesContext(connection) as large:
        done = services.aggregate_results(zhongshan_cadre, zs_round.pk)
    assert len(done) == 43  # the first three again: provisional results are recomputed, not doubled
    # a savepoint, the round (locked; the actor's memberships are cached), the one
    # aggregating statement, the round's phase, the release: the same for 3 subjects as for 40.
    assert len(large.captured_queries) == len(small.captured_queries) <= 6
    assert Subject.objects.filter(round=zs_round, result="provisional").count() == 43


def test_an_assessor_without_any_pool_is_never_counted(zhongshan_cadre, scoring):
    make_assessor("not_on_any_panel")
    for subject in scoring["subjects"]:
        for assignment in scoring["panels"][subject.pk]:
            score(assignment.assessor, assignment, 0.8)
    services.aggregate_results(zhongshan_cadre, scoring["round"].pk)
    assert set(IndicatorResult.objects.values_list("scores", flat=True)) == {3}
