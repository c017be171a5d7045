"""Pages of the shell: home pages, the health check and job progress."""

from __future__ import annotations

from typing import cast

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from redis import Redis
from redis.exceptions import RedisError

from . import freshness
from .celery import app as celery_app
from .http import AuthenticatedHttpRequest
from .models import Job
from .pagecache import cached_page
from .registry import HOME_COUNTERS, nav_for
from .tasks import broker_reachable


def home(request: HttpRequest) -> HttpResponse:
    """A cadre sees their unit and live counts of its subtree; everyone else the public home."""
    user = request.user
    if user.is_authenticated and (user.is_cadre or user.is_superuser):
        return cadre_home(cast(AuthenticatedHttpRequest, request))
    # An expert assessor is told what the role does, with the way to their scoring tasks.
    assessor_items = [i for i in nav_for(user) if i.audience == "assessor"] if user.is_authenticated else []
    return render(request, "home_public.html", {"assessor_items": assessor_items})


@cached_page
def cadre_home(request: AuthenticatedHttpRequest) -> HttpResponse:
    from accounts.models import Membership
    from orgs.models import LeagueUnit

    user = request.user
    unit = user.primary_unit or (
        LeagueUnit.objects.filter(parent__isnull=True).first() if user.is_superuser else None
    )
    counters = []
    if unit:
        # Read far more often than the registry changes: served from the cache until the next
        # committed write (`hubportal.freshness`); each figure still links to its list.
        figures = freshness.cached(
            f"home:{len(HOME_COUNTERS)}:{unit.pk}:{timezone.localdate().isoformat()}",
            lambda: [c.count(unit) for c in HOME_COUNTERS],
        )
        counters = [(c, figure, c.link(unit)) for c, figure in zip(HOME_COUNTERS, figures, strict=True)]
    memberships = Membership.objects.filter(user=user).select_related("unit").order_by("unit__path")
    children = LeagueUnit.objects.filter(parent=unit).order_by("path") if unit else []
    return render(
        request,
        "home_cadre.html",
        {
            "unit": unit,
            "counters": counters,
            "memberships": memberships,
            "children": children,
            "ancestors": unit.ancestors() if unit else [],
        },
    )


def _check_database() -> tuple[bool, str]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True, "ok"
    except Exception as exc:  # noqa: BLE001 - any failure means the database is down
        return False, str(exc)[:200]


def _check_redis() -> tuple[bool, str]:
    from django.conf import settings

    try:
        Redis.from_url(settings.CELERY_BROKER_URL, socket_connect_timeout=1, socket_timeout=1).ping()
        return True, "ok"
    except (RedisError, OSError) as exc:
        return False, str(exc)[:200]


def _worker_queues() -> dict[str, list[str]]:
    """{worker name: [queue names it consumes]} from every worker that answers within a second."""
    replies = celery_app.control.inspect(timeout=1.0).active_queues() or {}
    return {name: sorted(q["name"] for q in queues or []) for name, queues in replies.items()}


def _check_workers() -> tuple[bool, str, list[str], dict[str, list[str]]]:
    """Whether workers answer and every queue of HUB_QUEUES has one; {queue: [workers]}."""
    from django.conf import settings

    try:
        consumers = _worker_queues()
    except Exception as exc:  # noqa: BLE001 - broker errors surface as many types
        return False, str(exc)[:200], [], {}
    names = sorted(consumers)
    queues = {q: sorted(w for w, qs in consumers.items() if q in qs) for q in settings.HUB_QUEUES}
    idle = [q for q, workers in queues.items() if not workers]
    if not names:
        return False, "no worker answered", [], queues
    if idle:
        return False, "no worker consumes: " + ", ".join(idle), names, queues
    return True, "ok", names, queues


def _check_replica() -> dict[str, object] | None:
    """The read replica's line (None when none is configured)."""
    from . import replica

    if not replica.configured():
        return None
    ok, detail = replica.replica_state(force=True)
    line: dict[str, object] = {"ok": ok, "detail": detail}
    if not ok:
        line["note"] = _(
            "The read replica does not answer: dashboards, exports and lists read from the primary."
        )
    return line


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """The state of the database, Redis, the Celery workers (and which queue has none) and
    the read replica when one is configured; 503 when any is down.

    Monitors need only the status code: anyone gets it with `{"status": "ok"|"degraded"}`;
    the details (addresses, errors, worker names) are for authenticated staff."""
    db_ok, db_detail = _check_database()
    redis_ok, redis_detail = _check_redis()
    if redis_ok:
        workers_ok, workers_detail, workers, queues = _check_workers()
    else:
        workers_ok, workers_detail, workers, queues = False, "broker unreachable", [], {}
    broker_reachable(force=True)
    replica_line = _check_replica()
    healthy = db_ok and redis_ok and workers_ok and (replica_line is None or bool(replica_line["ok"]))
    status = 200 if healthy else 503
    if not (request.user.is_authenticated and request.user.is_staff):
        return JsonResponse({"status": "ok" if healthy else "degraded"}, status=status)
    body = {
        "status": "ok" if healthy else "degraded",
        "database": {"ok": db_ok, "detail": db_detail},
        "redis": {"ok": redis_ok, "detail": redis_detail},
        "celery": {"ok": workers_ok, "detail": workers_detail, "workers": workers, "queues": queues},
        "task_mode": "queued" if redis_ok else "in-process",
    }
    if replica_line is not None:
        body["replica"] = replica_line
    if not redis_ok:
        body["note"] = _("The message broker is unreachable: background tasks run inside the web process.")
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


@login_required
def job_progress(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The progress bar partial that a page polls with HTMX until the job is finished."""
    job = get_object_or_404(
        Job.objects.filter(user=request.user) if not request.user.is_superuser else Job.objects, pk=pk
    )
    return render(request, "partials/_job_progress.html", {"job": job})
