"""Benchmark: the reporting app on the scale data (`manage.py seed_scale`: 2,000 units,
200,000 organizations, ten years of monthly reports).

- the full target-tracking run of a quarter (every unit, every target, snapshots written),
  run twice to show that re-running replaces the quarter;
- the province's completeness view (service and the page, as the province administrator);
- the target dashboard and the snapshot API of the province.

Times are wall-clock medians of N runs with their SQL query counts. Results also go to
bench/results/reporting.json.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hub_scale .venv/bin/python bench/reporting.py [-n 5]
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

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import User  # noqa: E402
from orgs.models import LeagueUnit  # noqa: E402
from reporting import services  # noqa: E402
from reporting.demo import MONTHLY_CODE  # noqa: E402
from reporting.models import Report, ReportForm, ReportValue, TargetRule, TargetSnapshot  # noqa: E402
from reporting.tracking import Quarter, track_targets  # noqa: E402


def measure(label: str, func, runs: int) -> dict:
    times, queries, result = [], 0, None
    for _ in range(runs):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            result = func()
            times.append(time.perf_counter() - started)
        queries = len(captured)
    row = {
        "scenario": label,
        "median_s": round(statistics.median(times), 3),
        "max_s": round(max(times), 3),
        "queries": queries,
    }
    print(
        f"{label:60s} median {row['median_s']:7.3f}s  max {row['max_s']:7.3f}s  {queries:3d} queries",
        flush=True,
    )
    return row | {"result": result if isinstance(result, dict) else None}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=3, help="runs per scenario")
    args = parser.parse_args()
    setup_test_environment()
    province = LeagueUnit.objects.get(parent__isnull=True)
    form = ReportForm.objects.get(code=MONTHLY_CODE, version=1)
    quarter = str(Quarter.containing(timezone.localdate()))
    last_month = form.period_for(timezone.localdate().replace(day=1) - timezone.timedelta(days=1))[0]
    print(
        f"data: {LeagueUnit.objects.count():,} units, {Report.objects.count():,} reports, "
        f"{ReportValue.objects.count():,} values, {TargetRule.objects.count()} targets; quarter {quarter}",
        flush=True,
    )
    rows = []
    rows.append(
        measure(
            f"track_targets {quarter} (whole province, every target)", lambda: track_targets(quarter), args.n
        )
    )
    rows.append(
        measure(
            f"completeness of the province, {form.name} {last_month:%Y-%m}",
            lambda: services.completeness(province, form, last_month).counts,
            args.n,
        )
    )
    client = Client()
    client.force_login(User.objects.get(username="bench_province"))
    rows.append(
        measure(
            "completeness page (province administrator)",
            lambda: {
                "status": client.get(
                    f"/reporting/completeness/?unit={province.pk}&form={form.pk}&day={last_month}"
                ).status_code
            },
            args.n,
        )
    )
    rows.append(
        measure(
            "target dashboard page (province, 100 rows)",
            lambda: {"status": client.get(f"/reporting/targets/?period={quarter}").status_code},
            args.n,
        )
    )
    rows.append(
        measure(
            "snapshot API (?period, 100 rows)",
            lambda: {
                "status": client.get(f"/api/reporting/snapshots/?period={quarter}&page_size=100").status_code
            },
            args.n,
        )
    )
    print(f"snapshots of {quarter}: {TargetSnapshot.objects.filter(period=quarter).count():,}")
    out = ROOT / "bench" / "results" / "reporting.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(rows, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
