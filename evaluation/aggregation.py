"""Aggregation of a round's scores: one set-based SQL statement for the whole round.

The rule is the round's (`Round.rule`), documented on the results page:

- `trimmed_mean`: with at least `trim_from` scores (5 by default) on an indicator, the
  highest and the lowest are dropped and the rest averaged; with fewer, all are averaged;
- `mean`: the average of all scores;
- `median`: the middle score (the average of the two middle ones for an even count).

Only subjects whose panel is complete for their current attempt are aggregated: at least
one submitted assignment and none still being scored (recused or withdrawn assessors do not
count). Per scored indicator the statement writes the aggregate, the number of scores, the
lowest and the highest; an indicator whose highest and lowest differ by more than the
round's `disagreement_share` of its maximum is flagged for moderation. Per subject it
writes the total (the sum of the indicators' aggregates, or of their moderated values), the
lowest and the highest assessor total (the spread), the number of flags still open and the
stars the total earns by the round's thresholds.

Running it again gives the same result (an upsert that keeps moderation decisions), so a
repeated click or a retried task never double-counts.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db import connection

if TYPE_CHECKING:
    from .models import Round

AGGREGATE_SQL = """
WITH eligible AS (
    SELECT s.id, s.attempt
    FROM evaluation_subject s
    WHERE s.round_id = %(round)s AND s.status = 'entered' AND s.result IN ('pending', 'provisional')
      AND EXISTS (SELECT 1 FROM evaluation_assignment a
                  WHERE a.subject_id = s.id AND a.attempt = s.attempt AND a.status = 'submitted')
      AND NOT EXISTS (SELECT 1 FROM evaluation_assignment a
                      WHERE a.subject_id = s.id AND a.attempt = s.attempt AND a.status = 'assigned')
),
ranked AS (
    SELECT e.id AS subject_id, e.attempt, a.id AS assignment_id, sc.indicator_id, sc.points, sc.max_points,
           COUNT(*) OVER (PARTITION BY e.id, sc.indicator_id) AS n,
           ROW_NUMBER() OVER (PARTITION BY e.id, sc.indicator_id ORDER BY sc.points, sc.id) AS rn
    FROM eligible e
    JOIN evaluation_assignment a ON a.subject_id = e.id AND a.attempt = e.attempt AND a.status = 'submitted'
    JOIN evaluation_score sc ON sc.assignment_id = a.id
),
agg AS (
    SELECT subject_id, attempt, indicator_id, MAX(max_points) AS max_points, COUNT(*) AS n,
           MIN(points) AS low, MAX(points) AS high,
           CASE
               WHEN %(rule)s = 'trimmed_mean' AND COUNT(*) >= %(trim_from)s
                   THEN AVG(points) FILTER (WHERE rn > 1 AND rn < n)
               WHEN %(rule)s = 'median'
                   THEN percentile_cont(0.5) WITHIN GROUP (ORDER BY points)::numeric
               ELSE AVG(points)
           END AS value
    FROM ranked
    GROUP BY subject_id, attempt, indicator_id
),
written AS (
    INSERT INTO evaluation_indicatorresult
        (subject_id, attempt, indicator_id, scores, value, low, high, flagged, moderated_value,
         moderation_note, moderated_by_id, moderated_at)
    SELECT subject_id, attempt, indicator_id, n, ROUND(value, 2), low, high,
           (high - low) > %(share)s * max_points, NULL, '', NULL, NULL
    FROM agg
    ON CONFLICT (subject_id, attempt, indicator_id) DO UPDATE
        SET scores = EXCLUDED.scores, value = EXCLUDED.value, low = EXCLUDED.low, high = EXCLUDED.high,
            flagged = EXCLUDED.flagged
    RETURNING subject_id, value, moderated_value, flagged, moderated_at
),
totals AS (
    SELECT subject_id, ROUND(SUM(COALESCE(moderated_value, value)), 1) AS total,
           COUNT(*) FILTER (WHERE flagged AND moderated_at IS NULL) AS open_flags
    FROM written GROUP BY subject_id
),
assessor_totals AS (
    SELECT subject_id, assignment_id, SUM(points) AS total FROM ranked GROUP BY subject_id, assignment_id
),
spread AS (
    SELECT subject_id, MIN(total) AS low, MAX(total) AS high FROM assessor_totals GROUP BY subject_id
)
UPDATE evaluation_subject s
SET total = t.total, open_flags = t.open_flags, total_low = sp.low, total_high = sp.high,
    stars = CASE WHEN t.total >= r.threshold_5 THEN 5 WHEN t.total >= r.threshold_4 THEN 4
                 WHEN t.total >= r.threshold_3 THEN 3 WHEN t.total >= r.threshold_2 THEN 2
                 WHEN t.total >= r.threshold_1 THEN 1 END,
    result = 'provisional', aggregated_at = now()
FROM totals t
JOIN spread sp ON sp.subject_id = t.subject_id
JOIN evaluation_round r ON r.id = %(round)s
WHERE s.id = t.subject_id
RETURNING s.id
"""

# After a moderation decision: the subjects' totals, flags and stars from their results.
RECOMPUTE_SQL = """
WITH totals AS (
    SELECT r.subject_id, ROUND(SUM(COALESCE(r.moderated_value, r.value)), 1) AS total,
           COUNT(*) FILTER (WHERE r.flagged AND r.moderated_at IS NULL) AS open_flags
    FROM evaluation_indicatorresult r
    JOIN evaluation_subject s ON s.id = r.subject_id AND s.attempt = r.attempt
    WHERE s.id = ANY(%(subjects)s)
    GROUP BY r.subject_id
)
UPDATE evaluation_subject s
SET total = t.total, open_flags = t.open_flags,
    stars = CASE WHEN t.total >= r.threshold_5 THEN 5 WHEN t.total >= r.threshold_4 THEN 4
                 WHEN t.total >= r.threshold_3 THEN 3 WHEN t.total >= r.threshold_2 THEN 2
                 WHEN t.total >= r.threshold_1 THEN 1 END
FROM totals t, evaluation_round r
WHERE s.id = t.subject_id AND r.id = s.round_id
"""


def aggregate_round(round_obj: Round) -> list[int]:
    """Aggregate every complete subject of the round; the ids of the subjects aggregated."""
    with connection.cursor() as cursor:
        cursor.execute(
            AGGREGATE_SQL,
            {
                "round": round_obj.pk,
                "rule": round_obj.rule,
                "trim_from": round_obj.trim_from,
                "share": round_obj.disagreement_share,
            },
        )
        return [row[0] for row in cursor.fetchall()]


def recompute(subject_ids: Iterable[int]) -> None:
    """Totals, open flags and stars of these subjects from their stored results."""
    ids = sorted(set(subject_ids))
    if ids:
        with connection.cursor() as cursor:
            cursor.execute(RECOMPUTE_SQL, {"subjects": ids})
