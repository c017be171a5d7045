"""What the benchmarks share (see README.md, "Adding a benchmark").

Importing this module sets Django up as the benchmarks need it: the repository on sys.path,
the project's settings, plain http as `bin/run` serves localhost (else every page through the
test client is a 301 to https), `django.setup()`, and the test environment (so that the test
client records `response.context`). A benchmark therefore imports it before anything of the
project, in an import block of its own:

    import common  # sets Django up: before the project's imports
    # isort: split
    from accounts.models import User

`python bench/<name>.py` (and `bench/run.py`, which runs each benchmark so) puts bench/ first
on sys.path, which makes `import common` work.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"

sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hubportal.settings")
# Plain http through the test client, as bin/run serves localhost (else every page is a 301 to https).
os.environ.setdefault("SECURE_COOKIES", "0")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.http import HttpResponseBase  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

from accounts.models import User  # noqa: E402
from orgs.models import LeagueUnit  # noqa: E402

setup_test_environment()

# The users `seed_scale` creates, by the label the tables print.
USERS = {"province admin": "bench_province", "city cadre (广州)": "bench_city"}

T = TypeVar("T")


def arguments(doc: str | None, runs: int, what: str = "requests per scenario") -> argparse.ArgumentParser:
    """The command line every benchmark has: its docstring's first line and `-n` runs."""
    parser = argparse.ArgumentParser(description=(doc or "").splitlines()[0])
    parser.add_argument("-n", type=int, default=runs, help=f"{what} (default {runs})")
    return parser


def database() -> str:
    return connection.settings_dict["NAME"]


def enough(found: int, minimum: int, what: str) -> bool:
    """Whether the database holds scale data; says what to do when it does not."""
    if found < minimum:
        print(f"Only {found:,} {what} in {database()}: run manage.py seed_scale first.")
    return found >= minimum


def backend_cpu() -> float | None:
    """CPU seconds used so far by this connection's PostgreSQL backend (utime + stime from
    /proc: a database on this host only; None elsewhere)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(share * (len(ordered) - 1))))]


def timed(action: Callable[[], T], runs: int) -> tuple[list[float], int, T]:
    """Run `action` `runs` times: the milliseconds of each run, the SQL queries of the last
    run and its result."""
    times: list[float] = []
    queries = 0
    result: Any = None
    for _i in range(runs):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            result = action()
            times.append((time.perf_counter() - started) * 1000)
        queries = len(captured)
    return times, queries, result


def get(client: Client, url: str, params: dict | None = None) -> HttpResponseBase:
    """A page read to its end (a streamed one too); anything but a 200 ends the benchmark."""
    response = client.get(url, params or {})
    if hasattr(response, "streaming_content"):
        b"".join(response.streaming_content)
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code}")
    return response


def run_page(client: Client, url: str, params: dict, runs: int) -> tuple[list[float], int, HttpResponseBase]:
    """The page requested once untimed (it warms up caches and the connection), then `runs`
    times: the milliseconds, the SQL queries and the last response."""
    get(client, url, params)
    return timed(lambda: get(client, url, params), runs)


def signed_in() -> Iterator[tuple[str, Client, LeagueUnit]]:
    """Each of `USERS`, signed in on a client of its own: (label, client, the user's unit)."""
    for label, username in USERS.items():
        user = User.objects.filter(username=username).first()
        membership = user.memberships.select_related("unit").first() if user is not None else None
        if user is None or membership is None:
            raise SystemExit(f"User {username} is missing: run manage.py seed_scale on this database.")
        client = Client()
        client.force_login(user)
        yield label, client, membership.unit


def row(user: str, scenario: str, times: list[float], queries: int) -> dict[str, Any]:
    """A row of the results: the median and the 95th percentile in milliseconds."""
    return {
        "user": user,
        "scenario": scenario,
        "median_ms": round(statistics.median(times), 1),
        "p95_ms": round(percentile(times, 0.95), 1),
        "queries": queries,
    }


def print_header(width: int, extra: str = "") -> None:
    """The table's header; `width` is the scenario column's, `extra` any further columns."""
    print(f"{'user':<18} {'scenario':<{width}} {'median ms':>9} {'p95 ms':>8} {'queries':>7}{extra}")


def print_row(result: dict[str, Any], width: int, extra: str = "") -> None:
    print(
        f"{result['user']:<18} {result['scenario']:<{width}} {result['median_ms']:>9} "
        f"{result['p95_ms']:>8} {result['queries']:>7}{extra}"
    )


def watch_job(job_id: int, samples: list[tuple[float, int, int]], stop: Any) -> None:
    """The progress bar's view of a background job, for a thread to run until `stop` (an
    `threading.Event`) is set: the job row read twice a second on a connection of its own,
    each reading appended to `samples` as (seconds, done, total)."""
    import psycopg

    with psycopg.connect(**connection.get_connection_params(), autocommit=True) as conn:
        started = time.perf_counter()
        while not stop.is_set():
            row = conn.execute("SELECT done, total FROM hubportal_job WHERE id = %s", [job_id]).fetchone()
            if row is not None:
                samples.append((round(time.perf_counter() - started, 1), row[0], row[1]))
            stop.wait(0.5)


def write_results(name: str, results: object) -> Path:
    """bench/results/<name>.json (the folder is not versioned: the README quotes the figures)."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(results, ensure_ascii=False, indent=1, default=str) + "\n", encoding="utf-8")
    return path
