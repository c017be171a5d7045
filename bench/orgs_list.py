"""Benchmark: the organization list page, its search and the organization API on the scale
data (`manage.py seed_scale`), as the province administrator and as a city cadre.

Each scenario is requested N times through Django's test client (in process, so the time
measured is the server's: middleware, view, SQL and template); the median and the 95th
percentile are reported with the number of SQL queries. Results also go to
bench/results/orgs_list.json.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hub_scale .venv/bin/python bench/orgs_list.py [-n 30]
"""

from __future__ import annotations

import argparse
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
from orgs.models import LeagueUnit, Organization  # noqa: E402

USERS = {"province admin": "bench_province", "city cadre (广州)": "bench_city"}


def scenarios(unit_id: int) -> list[tuple[str, str, dict]]:
    return [
        ("list page, 50 rows", "/orgs/organizations/", {}),
        ("list page, 200 rows", "/orgs/organizations/", {"per_page": 200}),
        (
            "list, filtered (listed, backbone, in subtree)",
            "/orgs/organizations/",
            {"status": "listed", "backbone": "true", "subtree": unit_id},
        ),
        ("search: substring 青年读书", "/orgs/organizations/", {"q": "青年读书"}),
        ("search: pinyin initials qnds", "/orgs/organizations/", {"q": "qnds"}),
        ("search: near name 青年读书汇 (typo)", "/orgs/organizations/", {"q": "天河青年读书汇"}),
        ("API list, 100 rows", "/api/orgs/organizations/", {"page_size": 100}),
        ("API search q=义工", "/api/orgs/organizations/", {"q": "义工", "page_size": 50}),
    ]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(share * (len(ordered) - 1))))
    return ordered[index]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=30, help="requests per scenario (default 30)")
    args = parser.parse_args()
    setup_test_environment()
    organizations = Organization.objects.count()
    if organizations < 1000:
        print(
            f"Only {organizations} organizations in {connection.settings_dict['NAME']}: run manage.py seed_scale first."
        )
        return 1
    results = []
    print(
        f"{connection.settings_dict['NAME']}: {LeagueUnit.objects.count():,} units, {organizations:,} organizations; "
        f"{args.n} requests per scenario"
    )
    print(f"{'user':<18} {'scenario':<48} {'median ms':>9} {'p95 ms':>8} {'queries':>7} {'rows':>8}")
    for label, username in USERS.items():
        user = User.objects.filter(username=username).first()
        if user is None:
            print(f"User {username} is missing: run manage.py seed_scale on this database.")
            return 1
        client = Client()
        client.force_login(user)
        unit = user.memberships.select_related("unit").first().unit
        child = LeagueUnit.objects.filter(parent=unit).order_by("path").first() or unit
        for name, url, params in scenarios(child.pk):
            client.get(url, params)  # warm up caches and connections
            timings, queries, total = [], 0, 0
            for _i in range(args.n):
                with CaptureQueriesContext(connection) as captured:
                    started = time.perf_counter()
                    response = client.get(url, params)
                    timings.append((time.perf_counter() - started) * 1000)
                if response.status_code != 200:
                    print(f"{url} answered {response.status_code}")
                    return 1
                queries = len(captured)
                total = (
                    response.json()["count"]
                    if url.startswith("/api/")
                    else response.context["paginator"].count
                )
            row = {
                "user": label,
                "scenario": name,
                "median_ms": round(statistics.median(timings), 1),
                "p95_ms": round(percentile(timings, 0.95), 1),
                "queries": queries,
                "matching_rows": total,
            }
            results.append(row)
            print(f"{label:<18} {name:<48} {row['median_ms']:>9} {row['p95_ms']:>8} {queries:>7} {total:>8,}")
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "orgs_list.json").write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
