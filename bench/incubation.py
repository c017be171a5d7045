"""Benchmark: the 亲青家园 pages, API and target counts on the scale data (`manage.py seed_scale`),
as the province administrator and as a city cadre.

Each page scenario is requested N times through Django's test client (in process: the
server's time, middleware, view, SQL and template); the median and the 95th percentile are
printed with the number of SQL queries. The target counts are timed for every unit of the
tree at once. Results also go to bench/results/incubation.json.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hub_scale .venv/bin/python bench/incubation.py [-n 20]
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
from incubation import metrics  # noqa: E402
from incubation.models import IncubationBase, IncubationFund, Residency  # noqa: E402
from orgs.models import LeagueUnit  # noqa: E402

USERS = {"province admin": "bench_province", "city cadre (广州)": "bench_city"}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(share * (len(ordered) - 1))))]


def scenarios(unit: LeagueUnit) -> list[tuple[str, str, dict]]:
    base = IncubationBase.objects.in_subtree(unit).with_residents().order_by("-residents", "pk").first()
    fund = IncubationFund.objects.in_subtree(unit).order_by("unit__path").first()
    rows = [
        ("base list, 50 rows", "/incubation/bases/", {}),
        ("base list, 200 rows", "/incubation/bases/", {"per_page": 200}),
        ("base list, town level, unrated", "/incubation/bases/", {"level": "town", "stars": "0"}),
        ("residency list, 200 rows", "/incubation/residencies/", {"per_page": 200}),
        ("residency list, incubating", "/incubation/residencies/", {"status": "incubating"}),
        ("fund list", "/incubation/funds/", {"per_page": 200}),
        ("API bases, 100 rows", "/api/incubation/bases/", {"page_size": 100}),
        ("API residencies, 100 rows", "/api/incubation/residencies/", {"page_size": 100}),
        ("API grants, 100 rows", "/api/incubation/grants/", {"page_size": 100}),
        ("public list", "/incubation/public/", {}),
        ("public map (every base)", "/incubation/map/", {}),
    ]
    if base is not None:
        rows.append((f"base dashboard ({base.residents} residents)", f"/incubation/bases/{base.pk}/", {}))
    if fund is not None:
        rows.append(("fund detail", f"/incubation/funds/{fund.pk}/", {}))
        rows.append(("fund statement (xlsx)", f"/incubation/funds/{fund.pk}/statement.xlsx", {}))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=20, help="requests per scenario (default 20)")
    args = parser.parse_args()
    setup_test_environment()
    bases = IncubationBase.objects.count()
    if bases < 100:
        print(f"Only {bases} bases in {connection.settings_dict['NAME']}: run manage.py seed_scale first.")
        return 1
    print(
        f"{connection.settings_dict['NAME']}: {LeagueUnit.objects.count():,} units, {bases:,} bases, "
        f"{Residency.objects.count():,} residencies; {args.n} requests per scenario"
    )
    results = []
    print(f"{'user':<18} {'scenario':<44} {'median ms':>9} {'p95 ms':>8} {'queries':>7}")
    for label, username in USERS.items():
        user = User.objects.filter(username=username).first()
        if user is None:
            print(f"User {username} is missing: run manage.py seed_scale on this database.")
            return 1
        client = Client()
        client.force_login(user)
        unit = user.memberships.select_related("unit").first().unit
        for name, url, params in scenarios(unit):
            client.get(url, params)
            timings, queries = [], 0
            for _i in range(args.n):
                with CaptureQueriesContext(connection) as captured:
                    started = time.perf_counter()
                    response = client.get(url, params)
                    timings.append((time.perf_counter() - started) * 1000)
                if response.status_code != 200:
                    print(f"{url} answered {response.status_code}")
                    return 1
                queries = len(captured)
            row = {
                "user": label,
                "scenario": name,
                "median_ms": round(statistics.median(timings), 1),
                "p95_ms": round(percentile(timings, 0.95), 1),
                "queries": queries,
            }
            results.append(row)
            print(f"{label:<18} {name:<44} {row['median_ms']:>9} {row['p95_ms']:>8} {queries:>7}")
    units = list(LeagueUnit.objects.all())
    end = datetime.date.today()
    for name in [
        "bases",
        "bases_by_level",
        "funds",
        "orgs_incubated",
        "orgs_graduated",
        "orgs_registered_after_incubation",
    ]:
        func = getattr(metrics, name)
        timings = []
        for _i in range(max(3, args.n // 4)):
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                func(units, None, end)
                timings.append((time.perf_counter() - started) * 1000)
        row = {
            "user": "metric",
            "scenario": f"{name} for all {len(units):,} units",
            "median_ms": round(statistics.median(timings), 1),
            "p95_ms": round(percentile(timings, 0.95), 1),
            "queries": len(captured),
        }
        results.append(row)
        print(
            f"{'metric':<18} {row['scenario']:<44} {row['median_ms']:>9} {row['p95_ms']:>8} {row['queries']:>7}"
        )
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "incubation.json").write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
