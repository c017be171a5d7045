"""Benchmark: the reporting app on the scale data (`manage.py seed_scale`: 2,000 units,
200,000 organizations, ten years of monthly reports, the current year's quarters tracked).

The budgets of issue 10, in this order so that the first figures are those "straight after
seed_scale":
- the target dashboard of a city (the 广州 cadre `bench_city`): ≤ 10 SQL queries, p95 ≤ 300 ms;
- the whole-province tracking run of the current quarter (every unit, every target, the
  evidence stored): < 10 s; then the city dashboard again, "after a tracking run";
- for reference: the drill-down API of a city snapshot, the province's dashboard, the
  province's completeness and the snapshot API.

Times are server times through Django's test client (middleware, view, SQL, template): the
median, the 95th percentile and the maximum of N runs, with the SQL query count and the
load average at the start. Results also go to bench/results/reporting.json.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hub_scale_targets .venv/bin/python bench/reporting.py [-n 30]
"""

from __future__ import annotations

import statistics
import sys

import common  # sets Django up: before the project's imports

# isort: split
from django.test import Client
from django.utils import timezone

from accounts.models import User
from orgs.models import LeagueUnit
from reporting import services
from reporting.demo import MONTHLY_CODE
from reporting.models import (
    EvidenceRow,
    QuarterClosure,
    Report,
    ReportForm,
    ReportValue,
    TargetRule,
    TargetSnapshot,
)
from reporting.tracking import Quarter, track_targets


def p95(times: list[float]) -> float:
    if len(times) >= 20:
        return statistics.quantiles(times, n=20)[18]
    return max(times)


def measure(label: str, func, runs: int) -> dict:
    times, queries, result = common.timed(func, runs)
    row = {
        "scenario": label,
        "median_ms": round(statistics.median(times)),
        "p95_ms": round(p95(times)),
        "max_ms": round(max(times)),
        "queries": queries,
        "load_average": common.load_average(),
    }
    print(
        f"{label:62s} median {row['median_ms']:6d} ms  p95 {row['p95_ms']:6d} ms  max {row['max_ms']:6d} ms  "
        f"{queries:3d} queries  load {row['load_average'][0]}",
        flush=True,
    )
    return row | {"result": result if isinstance(result, dict) else None}


def page(client: Client, url: str) -> dict:
    return {"status": common.get(client, url).status_code}


def main() -> int:
    parser = common.arguments(__doc__, 30, "requests per page scenario")
    parser.add_argument("--runs", type=int, default=3, help="tracking runs")
    args = parser.parse_args()
    province = LeagueUnit.objects.get(parent__isnull=True)
    form = ReportForm.objects.get(code=MONTHLY_CODE, version=1)
    quarter = Quarter.containing(timezone.localdate())
    last_month = form.period_for(timezone.localdate().replace(day=1) - timezone.timedelta(days=1))[0]
    print(
        f"data: {LeagueUnit.objects.count():,} units, {Report.objects.count():,} reports, "
        f"{ReportValue.objects.count():,} values, {TargetRule.objects.count()} targets, "
        f"{TargetSnapshot.objects.count():,} snapshots, {EvidenceRow.objects.count():,} evidence rows; "
        f"quarter {quarter}; load average {common.load_average()}",
        flush=True,
    )
    city_client = Client()
    city_client.force_login(User.objects.get(username="bench_city"))
    province_client = Client()
    province_client.force_login(User.objects.get(username="bench_province"))
    rows = []
    dashboard = f"/reporting/targets/?period={quarter}"
    # One request per process is not counted: it compiles the templates and loads the
    # translation catalogs (about 1.5 s on this machine), which a running server does once.
    page(city_client, "/reporting/programmes/")
    rows.append(
        measure(
            "city dashboard (广州 cadre), straight after seed_scale",
            lambda: page(city_client, dashboard),
            args.n,
        )
    )
    # The current quarter is open (seed_scale closes only past ones).
    QuarterClosure.objects.filter(period=str(quarter)).delete()
    rows.append(
        measure(
            f"track_targets {quarter} (whole province, every target, evidence stored)",
            lambda: track_targets(str(quarter)),
            args.runs,
        )
    )
    rows.append(
        measure(
            "city dashboard (广州 cadre), after a tracking run", lambda: page(city_client, dashboard), args.n
        )
    )
    city = User.objects.get(username="bench_city").primary_unit
    snapshot = (
        TargetSnapshot.objects.filter(period=str(quarter), unit=city, evidence_set__isnull=False)
        .order_by("-value")
        .first()
    )
    if snapshot is not None:
        rows.append(
            measure(
                f"drill-down API of a city snapshot ({snapshot.rule.metric} = {snapshot.value})",
                lambda: page(city_client, f"/api/reporting/snapshots/{snapshot.pk}/records/?page_size=100"),
                args.n,
            )
        )
    rows.append(
        measure("province dashboard (administrator)", lambda: page(province_client, dashboard), args.n)
    )
    rows.append(
        measure(
            f"completeness of the province, {form.name} {last_month:%Y-%m}",
            lambda: services.completeness(province, form, last_month).counts,
            args.runs,
        )
    )
    rows.append(
        measure(
            "snapshot API (?period, 100 rows)",
            lambda: page(province_client, f"/api/reporting/snapshots/?period={quarter}&page_size=100"),
            args.n,
        )
    )
    print(f"snapshots of {quarter}: {TargetSnapshot.objects.filter(period=str(quarter)).count():,}")
    common.write_results("reporting", rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
