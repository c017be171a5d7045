"""Benchmark: importing 100,000 organizations from Excel (the issue's budget: dry run + apply
≤ 60 s, ≤ 1 GB of memory, with progress) on the scale data (`manage.py seed_scale`).

1. A workbook of 100,000 rows is built: half of them existing organizations of the scale data
   as the export writes them (`orgs.exporting.export_rows`, the template's columns) with a
   new number of young people covered — updates — and half new organizations (a third of them
   registered, with credit codes of a range the scale data never uses), spread over every
   unit whose path of names is unique (a file names units by that path).
2. The dry run (`orgs.importing.check_file`), timed, as the province administrator
   `bench_province`.
3. The apply as the page starts it: `orgs.services.start_import` writes the job row and the
   job's Celery task (`orgs.tasks.apply_import`) runs here, in process, as a worker would run
   it, while a second connection reads the job row twice a second as the progress bar does.
4. Memory: the process's peak resident size (`resource.getrusage`), which covers building the
   workbook, the dry run and the apply.
5. Unless `--keep`: what the run wrote is undone — the new organizations, their status changes,
   the history events and contexts of the import, the updated organizations restored as they
   were, the job row and the stored file — so the scale data stay as they were. Still, run it
   on a copy of the scale database:

    createdb -h 127.0.0.1 -U postgres -T hub_scale hub_scale_import
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hub_scale_import .venv/bin/python bench/orgs_import.py [--rows 100000]
    dropdb -h 127.0.0.1 -U postgres hub_scale_import
"""

from __future__ import annotations

import io
import resource
import sys
import threading
import time
from collections import Counter
from typing import Any
from unittest import mock

import common  # sets Django up: before the project's imports

# isort: split
import pgtrigger
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, transaction
from openpyxl import Workbook

import hubportal.imports
from accounts.models import User
from hubportal.models import Job
from orgs import importing, services
from orgs.exporting import export_rows
from orgs.importing import unit_path_names
from orgs.models import Organization
from orgs.validators import credit_code_check_char

PREFIX = "BENCH导入"
FILE_NAME = "bench-orgs.xlsx"
BUDGET_SECONDS = 60
MEMORY_BUDGET_MB = 1024
BEFORE = "bench_orgs_import_before"  # the updated organizations as they were, for the restore


def peak_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def workbook(rows: int, user: User) -> tuple[bytes, list[int]]:
    """The file, and the ids of the organizations it updates."""
    named = unit_path_names()
    updates = rows // 2
    # Existing organizations of units with a unique path whose name is unique in their unit (the
    # file matches them back by credit code or by that name): every 3rd one, so that the updates
    # cover the whole province.
    candidates = list(
        Organization.objects.filter(governing_unit_id__in=list(named))
        .order_by("id")
        .values_list("id", "name", "governing_unit_id")
    )
    occurrences = Counter((name, unit_id) for _pk, name, unit_id in candidates)
    unique = [pk for pk, name, unit_id in candidates if occurrences[(name, unit_id)] == 1]
    chosen = unique[:: max(1, len(unique) // updates)][:updates]
    book = Workbook(write_only=True)
    sheet = book.create_sheet("组织")
    exported = export_rows(
        Organization.objects.filter(pk__in=chosen).select_related("governing_unit").order_by("pk"), user
    )
    header = next(exported)
    sheet.append(header)
    youth = header.index(importing.COLUMN_BY_KEY["youth_covered"].header)
    for cells in exported:
        cells[youth] = (cells[youth] or 0) + 7
        sheet.append(cells)
    units = sorted(named.items())
    for i in range(rows - len(chosen)):
        registered = i % 3 == 0
        body = f"524499{i:011d}"[:17]
        sheet.append(
            [
                f"{PREFIX}青年组织{i:06d}",
                units[i % len(units)][1],
                "N",
                "",
                "青年社会组织",
                ("公益类", "兴趣类", "互助类", "就业创业类")[i % 4],
                "社区服务、文化体育" if i % 2 else "",
                "社会团体" if registered else "自组织",
                body + credit_code_check_char(body) if registered else "",
                "2019-05-04",
                "2020-01-15" if registered else "",
                100 + i % 2000,
                "王小明",
                "13800138000",
                "",
                "古镇镇中兴大道1号",
                "",
                "",
            ]
        )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue(), chosen


def bulk_import(rows: int, keep: bool) -> dict[str, object]:
    user = User.objects.filter(username="bench_province").first()
    if user is None:
        raise SystemExit("User bench_province is missing: run manage.py seed_scale on this database.")
    started = time.perf_counter()
    content, chosen = workbook(rows, user)
    made = time.perf_counter() - started
    print(
        f"workbook: {rows:,} rows, {len(content) / 1024 / 1024:.1f} MB, made in {made:.1f} s; peak {peak_mb()} MB"
    )
    started, cpu, db_cpu = time.perf_counter(), time.process_time(), (common.backend_cpu() or 0.0)
    report = importing.check_file(FILE_NAME, content, user)
    checked, checked_cpu = time.perf_counter() - started, time.process_time() - cpu
    checked_db_cpu = (common.backend_cpu() or 0.0) - db_cpu
    print(
        f"dry run: {report.summary()} in {checked:.1f} s ({checked_cpu:.1f} s CPU, the database "
        f"{checked_db_cpu:.1f} s); peak {peak_mb()} MB"
    )
    if not report.ok:
        print("first problems:", [(e.row, e.column, e.value, e.message) for e in report.errors[:5]])
        raise SystemExit(1)
    del report
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {BEFORE}")
        cursor.execute(
            f"CREATE TABLE {BEFORE} AS SELECT * FROM orgs_organization WHERE id = ANY(%s)",  # noqa: S608 - a constant
            [chosen],
        )
    stored = default_storage.save("private/imports/bench-orgs.xlsx", ContentFile(content))
    # The job row as the page writes it; the task runs below, in this process (nothing goes to
    # the broker, where a worker of another database could take it).
    with transaction.atomic(), mock.patch("hubportal.jobs.enqueue"):
        job = services.start_import(user, stored, FILE_NAME)
    samples: list[tuple[float, int, int]] = []
    stop = threading.Event()
    watcher = threading.Thread(target=common.watch_job, args=(job.pk, samples, stop))
    watcher.start()
    from orgs.tasks import apply_import

    # After the job has succeeded (the page shows it done), the task refreshes the tables'
    # statistics (`analyze_after`): timed apart, still counted in the apply.
    housekeeping: list[float] = []
    analyze_after = hubportal.imports.analyze_after

    def timed_analyze(*args: Any) -> bool:
        begun = time.perf_counter()
        try:
            return analyze_after(*args)
        finally:
            housekeeping.append(time.perf_counter() - begun)

    started, cpu, db_cpu = time.perf_counter(), time.process_time(), (common.backend_cpu() or 0.0)
    with mock.patch("hubportal.imports.analyze_after", timed_analyze):
        counts = apply_import(job.pk)
    applied, applied_cpu = time.perf_counter() - started, time.process_time() - cpu
    applied_db_cpu = (common.backend_cpu() or 0.0) - db_cpu
    stop.set()
    watcher.join()
    job.refresh_from_db()
    moving = [s for s in samples if 0 < s[1] < s[2]]
    print(
        f"apply (background job {job.pk}, {job.get_status_display()}: {job.message}): {counts} in {applied:.1f} s "
        f"({applied_cpu:.1f} s CPU in this process, the database {applied_db_cpu:.1f} s; of it the VACUUM "
        "(ANALYZE) after the job succeeded: "
        f"{sum(housekeeping):.1f} s); progress seen {len(moving)} times between 0 and {job.total:,} "
        f"(e.g. {moving[:: max(1, len(moving) // 5)][:6]})"
    )
    peak = peak_mb()
    total = checked + applied
    print(
        f"dry run + apply: {total:.1f} s for {rows:,} rows ({rows / total:,.0f} rows/s); peak memory {peak} MB; "
        f"load average {common.load_average()}"
    )
    if not keep:
        started = time.perf_counter()
        restore(job, chosen)
        print(
            f"undid the import (new rows, history, restored updates, job) in {time.perf_counter() - started:.1f} s"
        )
    return {
        "rows": rows,
        "workbook_mb": round(len(content) / 1024 / 1024, 1),
        "dry_run_s": round(checked, 1),
        "dry_run_cpu_s": round(checked_cpu, 1),
        "dry_run_database_cpu_s": round(checked_db_cpu, 1),
        "apply_s": round(applied, 1),
        "apply_cpu_s": round(applied_cpu, 1),
        "apply_database_cpu_s": round(applied_db_cpu, 1),
        "apply_vacuum_analyze_s": round(sum(housekeeping), 1),
        "total_s": round(total, 1),
        "rows_per_s": round(rows / total),
        "counts": counts,
        "peak_memory_mb": peak,
        "status": job.status,
        "progress_samples": len(moving),
        "within_budget": job.status == Job.Status.SUCCEEDED
        and total <= BUDGET_SECONDS
        and peak <= MEMORY_BUDGET_MB,
    }


def restore(job: Job, chosen: list[int]) -> None:
    """Leave the scale data as they were: set-based, the triggers off (no history of this).
    The SQL is built from the model's column names and constants, never from input."""
    columns = [f.column for f in Organization._meta.concrete_fields if not f.primary_key]
    assignments = ", ".join(f"{c} = b.{c}" for c in columns)
    contexts = "SELECT id FROM pghistory_context WHERE metadata->>'actor' = %s"
    actor = [f"import:{FILE_NAME}"]
    statements: list[tuple[str, list[Any]]] = [
        (
            "CREATE TEMPORARY TABLE bench_new ON COMMIT DROP AS SELECT id FROM orgs_organization WHERE name LIKE %s",
            [f"{PREFIX}%"],
        ),
        (f"DELETE FROM orgs_organizationevent WHERE pgh_context_id IN ({contexts})", actor),  # noqa: S608
        (f"DELETE FROM orgs_statuschangeevent WHERE pgh_context_id IN ({contexts})", actor),  # noqa: S608
        ("DELETE FROM orgs_statuschange WHERE organization_id IN (SELECT id FROM bench_new)", []),
        ("DELETE FROM orgs_organization WHERE id IN (SELECT id FROM bench_new)", []),
        (f"UPDATE orgs_organization o SET {assignments} FROM {BEFORE} b WHERE o.id = b.id", []),  # noqa: S608
        (f"DELETE FROM pghistory_context WHERE id IN ({contexts})", actor),  # noqa: S608
        (f"DROP TABLE {BEFORE}", []),
        ("DELETE FROM hubportal_job WHERE id = %s", [job.pk]),
    ]
    with transaction.atomic(), pgtrigger.ignore(), connection.cursor() as cursor:
        for sql, params in statements:
            cursor.execute(sql, params)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE orgs_organization, orgs_statuschange")  # the planner's figures as they were
    stored = job.result.get("file")
    if stored and default_storage.exists(stored):
        default_storage.delete(stored)


def main() -> int:
    parser = common.arguments(__doc__, 1, "runs (only 1 is supported)")
    parser.add_argument(
        "--rows", type=int, default=100_000, help="rows in the generated file (default 100000)"
    )
    parser.add_argument("--keep", action="store_true", help="leave what the import wrote in the database")
    args = parser.parse_args()
    organizations = Organization.objects.count()
    if not common.enough(organizations, 100_000, "organizations"):
        return 1
    print(f"{common.database()}: {organizations:,} organizations; load average {common.load_average()}")
    result = bulk_import(args.rows, args.keep)
    result["load_average"] = common.load_average()
    common.write_results("orgs_import", {"bulk": result})
    if not result["within_budget"]:
        print(
            f"The dry run and the apply took more than {BUDGET_SECONDS} s, more than {MEMORY_BUDGET_MB} MB, or failed."
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
