"""Benchmark: the co-building pages on the scale data (`manage.py seed_scale`: a committee for
every subdistrict), above all the subdistrict-standard page of the province and of a city
(every subdistrict judged on every item: the issue's budget is ≤ 10 queries whatever their
number), the lists and the API, and the co-building metrics for every unit of the tree.

Each page scenario is requested N times through Django's test client (in process: the
server's time, middleware, view, SQL and template); the median and the 95th percentile are
printed with the number of SQL queries. Results also go to bench/results/cobuilding.json.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hub_scale .venv/bin/python bench/cobuilding.py [-n 10]
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hubportal.settings")
# Plain http through the test client, as bin/run serves localhost (else every page is a 301 to https).
os.environ.setdefault("SECURE_COOKIES", "0")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

from accounts.models import User  # noqa: E402
from cobuilding import metrics  # noqa: E402
from cobuilding.models import Committee  # noqa: E402
from orgs.models import LeagueUnit  # noqa: E402
from reporting.metrics import compute_figures  # noqa: E402

USERS = {"province admin": "bench_province", "city cadre (广州)": "bench_city"}
BUDGET_QUERIES = 10


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(share * (len(ordered) - 1))))]


def scenarios(unit: LeagueUnit) -> list[tuple[str, str, dict]]:
    committee = Committee.objects.in_subtree(unit).order_by("subdistrict__path").first()
    subdistricts = LeagueUnit.objects.in_subtree(unit).filter(level="town", kind="regional").count()
    rows = [
        (
            f"standard page, {unit.name} ({subdistricts:,} subdistricts)",
            "/cobuilding/standard/",
            {"unit": unit.pk},
        ),
        ("API standard", "/api/cobuilding/standard/", {"unit": unit.pk}),
        ("committee list, 200 rows", "/cobuilding/committees/", {"per_page": 200}),
        ("chair terms without an activity", "/cobuilding/chairs/", {"without_activity": "yes"}),
        ("people list, 200 rows", "/cobuilding/people/", {"per_page": 200}),
        ("activity list, 200 rows", "/cobuilding/activities/", {"per_page": 200}),
        ("subsidy list, 200 rows", "/cobuilding/subsidies/", {"per_page": 200}),
        ("API committees, 100 rows", "/api/cobuilding/committees/", {"page_size": 100}),
        ("API activities, 100 rows", "/api/cobuilding/activities/", {"page_size": 100}),
        ("public venues", "/cobuilding/public/venues/", {}),
    ]
    if committee is not None:
        rows.append(("committee page", f"/cobuilding/committees/{committee.pk}/", {}))
        rows.append(
            ("standard page, one subdistrict", "/cobuilding/standard/", {"unit": committee.subdistrict_id})
        )
    return rows


def run_page(client: Client, url: str, params: dict, n: int) -> tuple[list[float], int]:
    client.get(url, params)
    timings, queries = [], 0
    for _i in range(n):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url, params)
            timings.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")
        queries = len(captured)
    return timings, queries


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=10, help="requests per scenario (default 10)")
    args = parser.parse_args()
    setup_test_environment()
    committees = Committee.objects.count()
    if committees < 100:
        print(
            f"Only {committees} committees in {connection.settings_dict['NAME']}: run manage.py seed_scale first."
        )
        return 1
    print(
        f"{connection.settings_dict['NAME']}: {LeagueUnit.objects.count():,} units, {committees:,} committees; "
        f"{args.n} requests per scenario; load average {os.getloadavg()[0]:.1f}"
    )
    results = []
    failed = False
    print(f"{'user':<18} {'scenario':<52} {'median ms':>9} {'p95 ms':>8} {'queries':>7}")
    for label, username in USERS.items():
        user = User.objects.filter(username=username).first()
        if user is None:
            print(f"User {username} is missing: run manage.py seed_scale on this database.")
            return 1
        client = Client()
        client.force_login(user)
        unit = user.memberships.select_related("unit").first().unit
        for name, url, params in scenarios(unit):
            timings, queries = run_page(client, url, params, args.n)
            row = {
                "user": label,
                "scenario": name,
                "median_ms": round(statistics.median(timings), 1),
                "p95_ms": round(percentile(timings, 0.95), 1),
                "queries": queries,
            }
            if name.startswith("standard page,") and "subdistricts)" in name and queries > BUDGET_QUERIES:
                failed = True
                row["over_budget"] = True
            results.append(row)
            print(f"{label:<18} {name:<52} {row['median_ms']:>9} {row['p95_ms']:>8} {queries:>7}")
    units = list(LeagueUnit.objects.all())
    today = datetime.date.today()
    for code, evidence, *_rest in metrics.REGISTERED:
        timings = []
        for _i in range(max(3, args.n // 3)):
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                compute_figures(evidence(datetime.date(today.year, 1, 1), today), units)
                timings.append((time.perf_counter() - started) * 1000)
        row = {
            "user": "metric",
            "scenario": f"{code}, all {len(units):,} units",
            "median_ms": round(statistics.median(timings), 1),
            "p95_ms": round(percentile(timings, 0.95), 1),
            "queries": len(captured),
        }
        results.append(row)
        print(
            f"{'metric':<18} {row['scenario']:<52} {row['median_ms']:>9} {row['p95_ms']:>8} {row['queries']:>7}"
        )
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "cobuilding.json").write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    if failed:
        print(f"The standard page took more than {BUDGET_QUERIES} queries.")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
