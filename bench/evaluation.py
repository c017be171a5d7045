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

import argparse
import json
import os
import statistics
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hubportal.settings")
# Plain http through the test client, as bin/run serves localhost (else every page is a 301 to https).
os.environ.setdefault("SECURE_COOKIES", "0")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

from accounts.models import User  # noqa: E402
from evaluation import services  # noqa: E402
from evaluation.models import Assignment, Certificate, Round, Score  # noqa: E402
from orgs.models import LeagueUnit  # noqa: E402
from reporting.metrics import registry  # noqa: E402

AGGREGATION_BUDGET_S = 5.0
NOTICE_BUDGET_QUERIES = 6


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(share * (len(ordered) - 1))))]


def timed(runs: int, action) -> tuple[list[float], int]:
    times, queries = [], 0
    for _ in range(runs):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            action()
            times.append(time.perf_counter() - started)
        queries = len(captured.captured_queries)
    return times, queries


def aggregation(runs: int, admin: User, round_obj: Round) -> dict:
    """Aggregate the scoring round, then roll back: every run starts from the same scores."""
    done: list[int] = []

    def run() -> None:
        with transaction.atomic():
            done[:] = services.aggregate_results(admin, round_obj.pk)
            transaction.set_rollback(True)

    times, queries = timed(runs, run)
    return {
        "scenario": f"aggregate a round: {len(done)} subjects × 5 assessors "
        f"({Score.objects.filter(assignment__subject__round=round_obj).count():,} scores)",
        "median_s": statistics.median(times),
        "max_s": max(times),
        "queries": queries,
        "budget_s": AGGREGATION_BUDGET_S,
        "within_budget": max(times) <= AGGREGATION_BUDGET_S,
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
        times, queries = timed(runs, lambda b=browser, u=url: _get(b, u))
        results.append(
            {
                "user": who,
                "scenario": label,
                "median_ms": 1000 * statistics.median(times),
                "p95_ms": 1000 * percentile(times, 0.95),
                "queries": queries,
            }
        )
    return results


def _get(client: Client, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)


def metrics(runs: int) -> list[dict]:
    units = list(LeagueUnit.objects.all())
    end = date.today()
    found = []
    for code in ("bases_star_rated", "bases_rated_share"):
        metric = registry.get(code)
        times, queries = timed(runs, lambda m=metric: m.figures(units, None, end))
        found.append(
            {
                "user": "metric",
                "scenario": f"{code}, all {len(units):,} units",
                "median_ms": 1000 * statistics.median(times),
                "p95_ms": 1000 * percentile(times, 0.95),
                "queries": queries,
            }
        )
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=10, help="runs per scenario (default 10)")
    args = parser.parse_args()
    setup_test_environment()
    scoring = Round.objects.filter(phase="scoring", name__startswith="规模测试").first()
    notice = Round.objects.filter(phase="results", name__startswith="规模测试").first()
    admin = User.objects.filter(username="bench_province").first()
    if scoring is None or notice is None or admin is None:
        print(f"No scale data in {connection.settings_dict['NAME']}: run manage.py seed_scale first.")
        return 1
    load = os.getloadavg()
    print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    aggregate = aggregation(args.n, admin, scoring)
    print(
        f"{aggregate['scenario']}: median {aggregate['median_s']:.2f} s, max {aggregate['max_s']:.2f} s, "
        f"{aggregate['queries']} queries (budget {AGGREGATION_BUDGET_S:.0f} s: "
        f"{'met' if aggregate['within_budget'] else 'MISSED'})"
    )
    rows = pages(args.n, admin, scoring, notice) + metrics(args.n)
    print(f"{'user':16} {'scenario':44} {'median ms':>10} {'p95 ms':>8} {'queries':>8}")
    for row in rows:
        print(
            f"{row['user']:16} {row['scenario']:44} {row['median_ms']:10.0f} {row['p95_ms']:8.0f} {row['queries']:8d}"
        )
    notice_queries = rows[0]["queries"]
    print(
        f"public notice: {notice_queries} queries (budget {NOTICE_BUDGET_QUERIES}: "
        f"{'met' if notice_queries <= NOTICE_BUDGET_QUERIES else 'MISSED'})"
    )
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "evaluation.json").write_text(
        json.dumps(
            {"load_average": load, "aggregation": aggregate, "pages": rows}, ensure_ascii=False, indent=2
        )
    )
    return 0 if aggregate["within_budget"] and notice_queries <= NOTICE_BUDGET_QUERIES else 1


if __name__ == "__main__":
    sys.exit(main())
