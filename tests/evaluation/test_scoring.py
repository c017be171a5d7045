"""Scoring: each assessor alone, within each maximum, before the deadline, only on their
own assignments; nobody reads another assessor's scores before the whole panel is in."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from evaluation import services
from evaluation.models import Score
from hubportal.access import NotVisible

from .factories import score, today


def codes(subject):
    return {i.code: i for i in services.scored_indicators(subject.round.system_id).values()}


def test_a_score_above_the_maximum_or_below_zero_is_refused(scoring):
    assignment = scoring["panels"][scoring["subjects"][0].pk][0]
    a1 = codes(assignment.subject)["A1"]
    for points, message in (
        ("10.5", "At most 10 points can be given for this indicator."),
        ("-1", "Points cannot be below zero."),
        ("abc", "Enter the points as a number, e.g. 8 or 7.5."),
        ("7.25", "Points are given to one decimal place at most, e.g. 7.5."),
    ):
        with pytest.raises(ValidationError) as refused:
            services.save_score(assignment.assessor, assignment.pk, a1.pk, points)
        assert refused.value.message_dict["points"] == [message]
    assert not Score.objects.exists()


def test_the_schema_itself_refuses_a_score_above_its_maximum(scoring):
    assignment = scoring["panels"][scoring["subjects"][0].pk][0]
    a1 = codes(assignment.subject)["A1"]
    with pytest.raises(IntegrityError), transaction.atomic():
        Score.objects.create(
            assignment=assignment, indicator=a1, points=Decimal("11"), max_points=a1.max_points
        )


def test_scores_are_saved_as_they_go_and_can_change_until_submitted(scoring):
    assignment = scoring["panels"][scoring["subjects"][0].pk][0]
    a1 = codes(assignment.subject)["A1"]
    services.save_score(assignment.assessor, assignment.pk, a1.pk, "7")
    services.save_score(assignment.assessor, assignment.pk, a1.pk, "8.5", "材料齐全")
    stored = Score.objects.get()
    assert (stored.points, stored.comment, stored.max_points) == (Decimal("8.5"), "材料齐全", Decimal("10"))
    with pytest.raises(ValidationError, match="missing: A2, B1, B2"):
        services.submit_scores(assignment.assessor, assignment.pk)
    score(assignment.assessor, assignment, 0.5)
    with pytest.raises(ValidationError, match="submitted these scores already"):
        services.save_score(assignment.assessor, assignment.pk, a1.pk, "9")


def test_no_score_after_the_deadline(scoring):
    assignment = scoring["panels"][scoring["subjects"][0].pk][0]
    a1 = codes(assignment.subject)["A1"]
    after = datetime.datetime.combine(today() + datetime.timedelta(days=21), datetime.time(9)).astimezone()
    with time_machine.travel(after, tick=False):
        with pytest.raises(ValidationError) as refused:
            services.save_score(assignment.assessor, assignment.pk, a1.pk, "8")
        assert "scoring deadline was" in refused.value.messages[0]
        with pytest.raises(ValidationError, match="deadline"):
            services.submit_scores(assignment.assessor, assignment.pk)
    assert not Score.objects.exists()


def test_no_score_on_a_subject_not_assigned(scoring, pool):
    theirs = scoring["panels"][scoring["subjects"][0].pk][0]
    a1 = codes(theirs.subject)["A1"]
    with pytest.raises(NotVisible):
        services.save_score(pool[4], theirs.pk, a1.pk, "8")  # not on that panel
    with pytest.raises(NotVisible):
        services.save_score(pool[1], theirs.pk, a1.pk, "8")  # on the panel, but not their assignment
    assert not Score.objects.exists()


def test_no_score_before_the_scoring_phase(zhongshan_cadre, zs_round, zs_base, pool):
    subject = services.enter_subject(zhongshan_cadre, zs_round.pk, zs_base.pk)
    assignment = services.assign_assessor(zhongshan_cadre, subject.pk, pool[0].pk)
    with pytest.raises(ValidationError, match="Scoring has not started"):
        services.save_score(pool[0], assignment.pk, codes(subject)["A1"].pk, "8")


def visible_to_assessor(user, subject):
    rows = Score.objects.filter(Score.objects.for_assessor(user), assignment__subject=subject)
    return set(rows.values_list("assignment__assessor_id", flat=True))


def test_nobody_sees_another_assessors_scores_before_the_panel_is_in(scoring, zhongshan_cadre):
    subject = scoring["subjects"][0]
    first, second, third = scoring["panels"][subject.pk]
    score(first.assessor, first, 0.8)
    score(second.assessor, second, 0.7, submit=False)
    assert visible_to_assessor(first.assessor, subject) == {first.assessor_id}
    assert visible_to_assessor(second.assessor, subject) == {second.assessor_id}
    # The round's cadres read submitted scores only: the second assessor's draft stays theirs.
    cadre_sees = set(
        Score.objects.visible_to(zhongshan_cadre).values_list("assignment__assessor_id", flat=True)
    )
    assert cadre_sees == {first.assessor_id}
    services.submit_scores(second.assessor, second.pk)
    score(third.assessor, third, 0.6)
    every = {first.assessor_id, second.assessor_id, third.assessor_id}
    assert visible_to_assessor(first.assessor, subject) == every
    # An assessor of another subject's panel never sees this one.
    outsider = scoring["pool"][3]
    assert visible_to_assessor(outsider, subject) == set()
