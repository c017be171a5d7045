"""Load benchmark (issue 14): 50 users for 2 minutes over the portal's mix of pages.

Starts the portal as `make run` does (gunicorn, the README's 3 workers, `bin/run`'s settings)
against the database in DATABASE_URL (a `seed_scale` database: see bench/README.md), signs
in the city cadre `bench_city` and the province administrator `bench_province` (sessions
written straight into the session store, because seed_scale gives them no password; they are
deleted at the end), runs locust headless over home, organization list, filtered list,
search, detail, target dashboard, public directory and API list, and writes requests per
second, errors and p50/p95/p99 per page to bench/results/load.json.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hub_scale .venv/bin/python bench/load.py
    .venv/bin/python bench/load.py --users 50 --time 120 --port 8141 --workers 3

Against portals already running (`--host`, several comma-separated: each simulated user
keeps one of them, in turn, as a load balancer would; `bin/rehearse-cluster` so spreads the
load over two web processes). On the demo database, which has no `bench_*` accounts, the
demo's city cadre `zs_cadre` and province administrator `gd_admin` stand in for them.

Budget (issue 14): ≥ 100 requests a second, p95 ≤ 300 ms, 0 errors.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

import common  # sets Django up: before the project's imports

# isort: split
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.db import connection
from django.db.models import F

from accounts.models import User
from orgs.models import Organization

LOCUSTFILE = """
import itertools, json, random
from locust import HttpUser, between, task

with open({sessions!r}) as handle:
    SETUP = json.load(handle)
STARTED = itertools.count()


class Cadre(HttpUser):
    wait_time = between({wait_min}, {wait_max})

    def on_start(self):
        if SETUP["hosts"]:  # several portals: each user keeps one, in turn
            self.client.base_url = SETUP["hosts"][next(STARTED) % len(SETUP["hosts"])]
        self.who = random.choice(list(SETUP["sessions"]))
        self.client.cookies.set("sessionid", SETUP["sessions"][self.who])
        self.unit = SETUP["units"][self.who]
        self.orgs = SETUP["orgs"][self.who]

    @task(2)
    def home(self):
        self.client.get("/", name="home")

    @task(3)
    def organization_list(self):
        self.client.get("/orgs/organizations/", name="organization list")

    @task(2)
    def filtered_list(self):
        self.client.get(f"/orgs/organizations/?status=listed&backbone=true&subtree={{self.unit}}",
                        name="filtered list")

    @task(2)
    def search(self):
        self.client.get("/orgs/organizations/?q=" + random.choice(["青年读书", "义工", "qnds"]), name="search")

    @task(2)
    def detail(self):
        self.client.get(f"/orgs/organizations/{{random.choice(self.orgs)}}/", name="organization detail")

    @task(2)
    def dashboard(self):
        self.client.get("/reporting/targets/", name="target dashboard")

    @task(2)
    def directory(self):
        self.client.get("/directory/", name="public directory")

    @task(2)
    def api_list(self):
        self.client.get("/api/orgs/organizations/", name="API list")
"""

USERS = ("bench_city", "bench_province")
DEMO_USERS = ("zs_cadre", "gd_admin")  # the demo database's city cadre and province administrator


def accounts() -> tuple[str, ...]:
    """The bench accounts of a seed_scale database, else the demo's."""
    if (
        not User.objects.filter(username=USERS[0]).exists()
        and User.objects.filter(username=DEMO_USERS[0]).exists()
    ):
        return DEMO_USERS
    return USERS


def prepare(path: Path, hosts: list[str]) -> list[str]:
    """Sessions for the bench users and a few organizations each; returns the session keys."""
    setup: dict[str, Any] = {
        "sessions": {},
        "units": {},
        "orgs": {},
        "hosts": hosts if len(hosts) > 1 else [],
    }
    for username in accounts():
        user = User.objects.filter(username=username).first()
        if user is None:
            raise SystemExit(f"{username} is missing: run manage.py seed_scale on this database")
        membership = user.memberships.select_related("unit").first()
        if membership is None:
            raise SystemExit(f"{username} has no unit: run manage.py seed_scale on this database")
        unit = membership.unit
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        setup["sessions"][username] = session.session_key
        setup["units"][username] = unit.pk
        setup["orgs"][username] = list(
            Organization.objects.in_subtree(unit).order_by("pk").values_list("pk", flat=True)[:200:10]
        )
    path.write_text(json.dumps(setup))
    return list(setup["sessions"].values())


def forget(keys: list[str]) -> None:
    Session.objects.filter(session_key__in=keys).delete()


def stale_every_page() -> None:
    """A change-log row: the stamp moves on, so no page drawn before the run is served."""
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO hubportal_datachange DEFAULT VALUES")


class Writer(threading.Thread):
    """Changes one organization's youth count every `every` seconds, and back at the end."""

    def __init__(self, every: float) -> None:
        super().__init__(daemon=True)
        self.every = every
        self.done = threading.Event()
        self.writes = 0
        self.org = Organization.objects.order_by("pk").values("pk", "youth_covered").first()
        self.start()

    def run(self) -> None:
        try:
            while not self.done.wait(self.every):
                step = 1 if self.writes % 2 == 0 else -1
                Organization.objects.filter(pk=self.org["pk"]).update(youth_covered=F("youth_covered") + step)
                self.writes += 1
        finally:
            connection.close()

    def stop(self) -> None:
        self.done.set()
        self.join()
        Organization.objects.filter(pk=self.org["pk"]).update(youth_covered=self.org["youth_covered"])
        print(f"{self.writes} writes during the run (one every {self.every:g} s)")


def wait_until_up(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)  # noqa: S310 - our own portal on localhost
            return
        except Exception:  # noqa: BLE001 - not up yet
            time.sleep(0.5)
    raise SystemExit(f"the portal did not answer at {url}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument(
        "--wait",
        default="0.1,0.4",
        help="each user's pause between two requests, min,max seconds (default 0.1,0.4; at 0.5,1.5 "
        "50 users offer at most ≈ 45 requests a second, whatever the portal's speed)",
    )
    parser.add_argument(
        "--write-every",
        type=float,
        default=0,
        help="seconds between two writes (an organization's youth count changed, then changed "
        "back) during the run, as cadres editing would: each write makes every cached page "
        "stale (default 0: none)",
    )
    parser.add_argument(
        "--no-page-cache", action="store_true", help="draw every page (HUB_PAGE_CACHE=0 for gunicorn)"
    )
    parser.add_argument("--time", type=int, default=120, help="seconds (default 120)")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8141")))
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (bin/run: 3)")
    parser.add_argument(
        "--collectstatic", action="store_true", help="run collectstatic first, as bin/run does"
    )
    parser.add_argument(
        "--host", default="", help="already running portals, comma-separated (skips starting one)"
    )
    parser.add_argument("--results", default="load", help="bench/results/<name>.json (default load)")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="hub-load-"))
    hosts = [h.strip().rstrip("/") for h in args.host.split(",") if h.strip()]
    keys = prepare(work / "setup.json", hosts)
    print(f"sessions for {', '.join(accounts())} ready in {work}", flush=True)
    wait_min, wait_max = (float(x) for x in args.wait.split(","))
    (work / "locustfile.py").write_text(
        LOCUSTFILE.format(sessions=str(work / "setup.json"), wait_min=wait_min, wait_max=wait_max)
    )
    host = hosts[0] if hosts else f"http://127.0.0.1:{args.port}"
    server = None
    writer: Writer | None = None
    if not args.host:
        env = {**os.environ, "SECURE_COOKIES": "0", "HUB_PAGE_CACHE": "0" if args.no_page_cache else "1"}
        if args.collectstatic:  # bin/run does; skipped by default (minutes under load, pages do not need it)
            subprocess.run(
                [sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"],
                cwd=common.ROOT,
                env=env,
                check=True,
            )
        server = subprocess.Popen(
            [
                str(common.ROOT / ".venv/bin/gunicorn"),
                "hubportal.wsgi",
                "--bind",
                f"127.0.0.1:{args.port}",
                "--workers",
                str(args.workers),
            ],
            cwd=common.ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=open(work / "gunicorn.log", "w"),
        )
    try:
        for each in hosts or [host]:
            wait_until_up(f"{each}/directory/")
        stale_every_page()  # the run starts with nothing cached
        writer = Writer(args.write_every) if args.write_every else None
        load_before = common.load_average()
        subprocess.run(
            [
                str(common.ROOT / ".venv/bin/locust"),
                "-f",
                str(work / "locustfile.py"),
                "--headless",
                "-u",
                str(args.users),
                "-r",
                "10",
                "-t",
                f"{args.time}s",
                "-H",
                host,
                "--csv",
                str(work / "run"),
                "--only-summary",
            ],
            cwd=work,
            check=False,
        )
        load_after = common.load_average()
    finally:
        if writer is not None:
            writer.stop()
        if server is not None:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
        forget(keys)
    return report(work / "run_stats.csv", args, load_before, load_after, writer.writes if writer else 0)


def report(
    csv_path: Path, args: argparse.Namespace, before: list[float], after: list[float], writes: int
) -> int:
    pages: list[dict[str, Any]] = []
    with open(csv_path) as handle:
        for row in csv.DictReader(handle):
            pages.append(
                {
                    "page": row["Name"],
                    "requests": int(row["Request Count"]),
                    "errors": int(row["Failure Count"]),
                    "req_per_s": round(float(row["Requests/s"]), 1),
                    "p50_ms": float(row["50%"]),
                    "p95_ms": float(row["95%"]),
                    "p99_ms": float(row["99%"]),
                }
            )
    total = next(p for p in pages if p["page"] == "Aggregated")
    result = {
        "users": args.users,
        "wait_seconds": args.wait,
        "seconds": args.time,
        "gunicorn_workers": None if args.host else args.workers,
        "page_cache": not args.no_page_cache,
        "write_every_seconds": args.write_every or None,
        "writes": writes,
        "hosts": args.host.split(",") if args.host else None,
        "database": os.environ.get("DATABASE_URL", "").rsplit("/", 1)[-1],
        "load_average_before": before,
        "load_average_after": after,
        "cpus": os.cpu_count(),
        "pages": pages,
        "budget_met": total["req_per_s"] >= 100 and total["p95_ms"] <= 300 and total["errors"] == 0,
    }
    out = common.write_results(args.results, result)
    print(f"load average before {before[0]:.2f}, after {after[0]:.2f} ({os.cpu_count()} CPUs)")
    print(
        f"{'page':<22} {'requests':>8} {'errors':>6} {'req/s':>6} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7}"
    )
    for p in pages:
        print(
            f"{p['page']:<22} {p['requests']:>8} {p['errors']:>6} {p['req_per_s']:>6} "
            f"{p['p50_ms']:>7.0f} {p['p95_ms']:>7.0f} {p['p99_ms']:>7.0f}"
        )
    print(
        f"written to {out}; budget (≥ 100 req/s, p95 ≤ 300 ms, 0 errors) {'met' if result['budget_met'] else 'MISSED'}"
    )
    return 0 if result["budget_met"] else 1


if __name__ == "__main__":
    sys.exit(main())
