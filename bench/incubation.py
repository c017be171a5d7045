"""Benchmark: the 亲青家园 pages, API and target counts on the scale data (`manage.py seed_scale`),
as the province administrator and as a city cadre.

Each page scenario is requested N times through Django's test client (in process: the
server's time, middleware, view, SQL and template); the median and the 95th percentile are
printed with the number of SQL queries. The target counts are timed for every unit of the
tree at once. Results also go to bench/results/incubation.json.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hub_scale .venv/bin/python bench/incubation.py [-n 20]
"""

from __future__ import annotations

import datetime
import sys

import common  # sets Django up: before the project's imports

# isort: split
from incubation import metrics
from incubation.models import IncubationBase, IncubationFund, Residency
from orgs.models import LeagueUnit


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
    args = common.arguments(__doc__, 20).parse_args()
    bases = IncubationBase.objects.count()
    if not common.enough(bases, 100, "bases"):
        return 1
    print(
        f"{common.database()}: {LeagueUnit.objects.count():,} units, {bases:,} bases, "
        f"{Residency.objects.count():,} residencies; {args.n} requests per scenario"
    )
    results = []
    common.print_header(44)
    for label, client, unit in common.signed_in():
        for name, url, params in scenarios(unit):
            timings, queries, _response = common.run_page(client, url, params, args.n)
            results.append(common.row(label, name, timings, queries))
            common.print_row(results[-1], 44)
    units = list(LeagueUnit.objects.all())
    end = datetime.date.today()
    # By the names the README's figures use; `bases` and `funds` are now the metrics' evidence,
    # their figures per unit `bases_count` and `funds_count`.
    for name, func in {
        "bases": metrics.bases_count,
        "bases_by_level": metrics.bases_by_level,
        "funds": metrics.funds_count,
        "orgs_incubated": metrics.orgs_incubated,
        "orgs_graduated": metrics.orgs_graduated,
        "orgs_registered_after_incubation": metrics.orgs_registered_after_incubation,
    }.items():
        timings, queries, _figures = common.timed(lambda f=func: f(units, None, end), max(3, args.n // 4))
        results.append(common.row("metric", f"{name} for all {len(units):,} units", timings, queries))
        common.print_row(results[-1], 44)
    common.write_results("incubation", results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
