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

import datetime
import sys

import common  # sets Django up: before the project's imports

# isort: split
from cobuilding import metrics
from cobuilding.models import Committee
from orgs.models import LeagueUnit
from reporting.metrics import compute_figures

BUDGET_QUERIES = 10


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


def main() -> int:
    args = common.arguments(__doc__, 10).parse_args()
    committees = Committee.objects.count()
    if not common.enough(committees, 100, "committees"):
        return 1
    print(
        f"{common.database()}: {LeagueUnit.objects.count():,} units, {committees:,} committees; "
        f"{args.n} requests per scenario; load average {common.load_average()[0]:.1f}"
    )
    results = []
    failed = False
    common.print_header(52)
    for label, client, unit in common.signed_in():
        for name, url, params in scenarios(unit):
            timings, queries, _response = common.run_page(client, url, params, args.n)
            row = common.row(label, name, timings, queries)
            if name.startswith("standard page,") and "subdistricts)" in name and queries > BUDGET_QUERIES:
                failed = True
                row["over_budget"] = True
            results.append(row)
            common.print_row(row, 52)
    units = list(LeagueUnit.objects.all())
    today = datetime.date.today()
    for code, evidence, *_rest in metrics.REGISTERED:
        timings, queries, _figures = common.timed(
            lambda e=evidence: compute_figures(e(datetime.date(today.year, 1, 1), today), units),
            max(3, args.n // 3),
        )
        results.append(common.row("metric", f"{code}, all {len(units):,} units", timings, queries))
        common.print_row(results[-1], 52)
    common.write_results("cobuilding", results)
    if failed:
        print(f"The standard page took more than {BUDGET_QUERIES} queries.")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
