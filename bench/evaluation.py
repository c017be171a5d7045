"""Benchmark: the star ratings on the scale data (`manage.py seed_scale`).

- the aggregation of a round of 500 subjects × 5 assessors (45,000 scores) in one
  set-based pass, through `evaluation.services.aggregate_results` — the budget is 5 s; each
  run is rolled back, so every run aggregates the same data;
- the public notice page of a round of 1,500 results (budget: at most 6 queries);
- the cadre pages and API lists on those rounds, the assessor's portal, a certificate PDF,
  and the target engine's `bases_star_rated` / `bases_rated_share` for every unit.

Each scenario runs N times through Django's test client in process (the server's time:
middleware, view, SQL, template); the median, the 95th percentile and the number of SQL
queries are printed and written to bench/results/evaluation.json.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hub_scale .venv/bin/python bench/evaluation.py [-n 10]
"""

from __future__ import annotations

import statistics
import sys
from datetime import date

import common  # sets Django up: before the project's imports

# isort: split
from django.db import transaction
from django.test import Client

from accounts.models import User
from evaluation import services
from evaluation.models import Assignment, Certificate, Round, Score
from orgs.models import LeagueUnit
from reporting.metrics import registry

AGGREGATION_BUDGET_S = 5.0
NOTICE_BUDGET_QUERIES = 6


def aggregation(runs: int, admin: User, round_obj: Round) -> dict:
    """Aggregate the scoring round, then roll back: every run starts from the same scores."""
    done: list[int] = []

    def run() -> None:
        with transaction.atomic():
            done[:] = services.aggregate_results(admin, round_obj.pk)
            transaction.set_rollback(True)

    times, queries, _none = common.timed(run, runs)
    seconds = [t / 1000 for t in times]
    return {
        "scenario": f"aggregate a round: {len(done)} subjects × 5 assessors "
        f"({Score.objects.filter(assignment__subject__round=round_obj).count():,} scores)",
        "median_s": statistics.median(seconds),
        "max_s": max(seconds),
        "queries": queries,
        "budget_s": AGGREGATION_BUDGET_S,
        "within_budget": max(seconds) <= AGGREGATION_BUDGET_S,
    }


def pages(runs: int, admin: User, scoring: Round, notice: Round) -> list[dict]:
    client = Client()
    client.force_login(admin)
    public = Client()
    assessor = Assignment.objects.filter(subject__round=scoring).order_by("pk").first().assessor
    expert = Client()
    expert.force_login(assessor)
    mine = Assignment.objects.filter(assessor=assessor, subject__round=scoring).order_by("pk").first()
    certificate = Certificate.objects.order_by("pk").first()
    rows = [
        (
            "public",
            f"public notice ({notice.subjects.count():,} results)",
            public,
            f"/evaluation/notices/{notice.pk}/",
        ),
        ("public", "notices list", public, "/evaluation/notices/"),
        ("public", "certificate verification", public, f"/evaluation/verify/{certificate.code}/"),
        ("province admin", "round page (500 subjects)", client, f"/evaluation/rounds/{scoring.pk}/"),
        ("province admin", "subject list, 200 rows", client, "/evaluation/subjects/?per_page=200"),
        ("province admin", "assignment list, 200 rows", client, "/evaluation/assignments/?per_page=200"),
        ("province admin", "rating list, 200 rows", client, "/evaluation/ratings/?per_page=200"),
        ("province admin", "objection list, 200 rows", client, "/evaluation/objections/?per_page=200"),
        ("province admin", "API subjects, 100 rows", client, "/api/evaluation/subjects/?page_size=100"),
        ("province admin", "API scores, 100 rows", client, "/api/evaluation/scores/?page_size=100"),
        ("province admin", "results workbook (xlsx)", client, f"/evaluation/rounds/{notice.pk}/results.xlsx"),
        ("province admin", "certificate PDF", client, f"/evaluation/certificates/{certificate.pk}/pdf/"),
        ("assessor", "my assessments", expert, "/evaluation/my/"),
        ("assessor", "scoring page", expert, f"/evaluation/my/{mine.pk}/?step=5"),
    ]
    results = []
    for who, label, browser, url in rows:
        times, queries, _response = common.timed(lambda b=browser, u=url: common.get(b, u), runs)
        results.append(common.row(who, label, times, queries))
    return results


def metrics(runs: int) -> list[dict]:
    units = list(LeagueUnit.objects.all())
    end = date.today()
    found = []
    for code in ("bases_star_rated", "bases_rated_share"):
        metric = registry.get(code)
        times, queries, _figures = common.timed(lambda m=metric: m.figures(units, None, end), runs)
        found.append(common.row("metric", f"{code}, all {len(units):,} units", times, queries))
    return found


def main() -> int:
    args = common.arguments(__doc__, 10, "runs per scenario").parse_args()
    scoring = Round.objects.filter(phase="scoring", name__startswith="规模测试").first()
    notice = Round.objects.filter(phase="results", name__startswith="规模测试").first()
    admin = User.objects.filter(username="bench_province").first()
    if scoring is None or notice is None or admin is None:
        print(f"No scale data in {common.database()}: run manage.py seed_scale first.")
        return 1
    load = common.load_average()
    print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    aggregate = aggregation(args.n, admin, scoring)
    print(
        f"{aggregate['scenario']}: median {aggregate['median_s']:.2f} s, max {aggregate['max_s']:.2f} s, "
        f"{aggregate['queries']} queries (budget {AGGREGATION_BUDGET_S:.0f} s: "
        f"{'met' if aggregate['within_budget'] else 'MISSED'})"
    )
    rows = pages(args.n, admin, scoring, notice) + metrics(args.n)
    common.print_header(44)
    for row in rows:
        common.print_row(row, 44)
    notice_queries = rows[0]["queries"]
    print(
        f"public notice: {notice_queries} queries (budget {NOTICE_BUDGET_QUERIES}: "
        f"{'met' if notice_queries <= NOTICE_BUDGET_QUERIES else 'MISSED'})"
    )
    common.write_results("evaluation", {"load_average": load, "aggregation": aggregate, "pages": rows})
    return 0 if aggregate["within_budget"] and notice_queries <= NOTICE_BUDGET_QUERIES else 1


if __name__ == "__main__":
    sys.exit(main())
