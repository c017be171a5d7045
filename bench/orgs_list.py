"""Benchmark: the organization list page, its search and the organization API on the scale
data (`manage.py seed_scale`), as the province administrator and as a city cadre.

Each scenario is requested N times through Django's test client (in process, so the time
measured is the server's: middleware, view, SQL and template); the median and the 95th
percentile are reported with the number of SQL queries. Results also go to
bench/results/orgs_list.json.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hub_scale .venv/bin/python bench/orgs_list.py [-n 30]
"""

from __future__ import annotations

import sys

import common  # sets Django up: before the project's imports

# isort: split
from orgs.models import LeagueUnit, Organization


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


def main() -> int:
    args = common.arguments(__doc__, 30).parse_args()
    organizations = Organization.objects.count()
    if not common.enough(organizations, 1000, "organizations"):
        return 1
    results = []
    print(
        f"{common.database()}: {LeagueUnit.objects.count():,} units, {organizations:,} organizations; "
        f"{args.n} requests per scenario"
    )
    common.print_header(48, f" {'rows':>8}")
    for label, client, unit in common.signed_in():
        child = LeagueUnit.objects.filter(parent=unit).order_by("path").first() or unit
        for name, url, params in scenarios(child.pk):
            timings, queries, response = common.run_page(client, url, params, args.n)
            total = (
                response.json()["count"] if url.startswith("/api/") else response.context["paginator"].count
            )
            row = common.row(label, name, timings, queries) | {"matching_rows": total}
            results.append(row)
            common.print_row(row, 48, f" {total:>8,}")
    common.write_results("orgs_list", results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
