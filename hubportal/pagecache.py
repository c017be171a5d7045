"""Whole pages cached until the data under them change.

A page a user opens again (the organization list after a record, the dashboard after a
drill-down, the home page) is served from the cache while no tracked table has changed since
it was drawn (`hubportal.freshness`: any committed write changes the stamp). It is never shown
to anyone but the user it was drawn for: the key names the user, the language, the address
with its query, the host, the htmx headers, the day, the code's release and the stamp of the
data it reads (the replica's, for a view that reads from it). So the user sees what the view
would draw now; only the work is saved.

Not cached: anything but a GET; a page with messages waiting (they are shown once); a page
following a job (`?job=`: a job's progress is not tracked); an answer other than 200, one
setting cookies, and a download; an administrator's pages (they show the broker's state and
the failed messages, which no stamp follows); a visitor's page with a query (searches no one
signed in could otherwise fill the cache with) — the public directory's front page is cached.

The CSRF token: a page carries a masked token of the user's secret; the stored page keeps a
placeholder in its place and every answer masks the secret afresh, as Django does per page.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.middleware import csrf
from django.utils import timezone

from . import freshness, replica

TIMEOUT = 600  # seconds: bounds the memory a page holds; correctness comes from the key
MAX_BYTES = 2_000_000  # a page this large is drawn each time rather than kept
PLACEHOLDER = "\x00hub-csrf-token\x00"  # never in a page: a NUL cannot be typed into one
TOKEN = re.compile(r"(?<![A-Za-z0-9])[A-Za-z0-9]{64}(?![A-Za-z0-9])")
# One request draws a page while the others asking for it wait up to WAIT_SECONDS (then draw
# it themselves); a drawing that died leaves its mark for DRAW_SECONDS at most.
DRAW_SECONDS, WAIT_SECONDS, POLL_SECONDS = 10, 3.0, 0.02
KEPT_HEADERS = ("Content-Type", "Vary", "HX-Trigger", "HX-Push-Url", "HX-Retarget", "HX-Reswap")


@functools.cache
def release() -> str:
    """The code's templates, translations and modules as deployed (names, sizes, times): a
    page drawn by the previous release is not served by the next one."""
    root = Path(settings.BASE_DIR)
    skipped = {".venv", "node_modules", ".git", "media", "staticfiles", "bench", "tests", ".run"}
    digest = hashlib.sha1(usedforsecurity=False)
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = sorted(d for d in subfolders if d not in skipped)
        for name in sorted(files):
            if name.endswith((".py", ".html", ".mo")):
                info = os.stat(os.path.join(folder, name))
                digest.update(f"{folder}/{name}:{info.st_size}:{info.st_mtime_ns}".encode())
    return digest.hexdigest()[:12]


def _stamp() -> str:
    """The stamp of the database the page reads: the replica's inside a view that reads from
    it (its pages hold what it had replayed, never older than its own stamp; what such a view
    reads from the primary, the session's user, is newer still), else the primary's."""
    return freshness.stamp(replica.read_alias())


def page_key(request: HttpRequest, user: Any = None, kind: str = "page") -> str | None:
    """The key of this request's page, or None when it must be drawn afresh. `user`: who the
    page is for, when not the session's (the API's token)."""
    if request.method != "GET" or not settings.HUB_PAGE_CACHE:
        return None
    user = user if user is not None else request.user
    if user.is_authenticated and user.is_staff:
        return None  # broker and outbox warnings on every page: state no stamp follows
    if "job" in request.GET:  # a page following a job's progress (jobs are not tracked)
        return None
    if not user.is_authenticated and request.GET:
        return None  # a visitor's searches: anyone could fill the cache with them

    if len(get_messages(request)):  # loaded, not consumed: the page will show them
        return None
    htmx = sorted((k, v) for k, v in request.headers.items() if k.lower().startswith("hx-"))
    parts = [
        release(),
        _stamp(),
        str(user.pk or 0),
        request.LANGUAGE_CODE,
        request.get_host(),
        request.get_full_path(),
        repr(htmx),
        timezone.localdate().isoformat(),
    ]
    digest = hashlib.sha1("|".join(parts).encode(), usedforsecurity=False).hexdigest()
    return f"{kind}:{digest}"


def _storable(request: HttpRequest, response: HttpResponse) -> dict[str, Any] | None:
    if (
        response.status_code != 200
        or response.streaming
        or response.cookies
        or response.has_header("Content-Disposition")
        or len(response.content) > MAX_BYTES
    ):
        return None
    text = response.content.decode(response.charset)
    if PLACEHOLDER in text:
        return None
    secret = request.META.get("CSRF_COOKIE")
    if secret:
        text = TOKEN.sub(lambda m: PLACEHOLDER if _unmask(m.group()) == secret else m.group(), text)
    headers = {name: response[name] for name in KEPT_HEADERS if response.has_header(name)}
    return {"text": text, "headers": headers}


def _unmask(token: str) -> str | None:
    try:
        return csrf._unmask_cipher_token(token)  # type: ignore[attr-defined]  # Django's own unmasking
    except Exception:  # noqa: BLE001 - not a token after all (any 64 letters and digits)
        return None


def _replay(request: HttpRequest, stored: dict[str, Any]) -> HttpResponse:
    text = stored["text"]
    if PLACEHOLDER in text:
        text = text.replace(PLACEHOLDER, csrf.get_token(request))
    response = HttpResponse(text)
    for name, value in stored["headers"].items():
        response[name] = value
    return response


def _fetch_or_draw(
    key: str,
    draw: Callable[[], Any],
    keep: Callable[[Any], dict[str, Any] | None],
    replay: Callable[[dict[str, Any]], Any],
) -> Any:
    """The stored page under `key`, else `draw()` kept by `keep`. One request draws a page at
    a time: after a write every user's next request misses at once, and the others wait for
    that drawing (polling the cache) rather than drawing the same page again beside it."""
    stored = cache.get(key)
    if stored is not None:
        return replay(stored)
    drawing = f"{key}:drawing"
    if not cache.add(drawing, 1, DRAW_SECONDS):
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            time.sleep(POLL_SECONDS)
            found = cache.get_many([key, drawing])
            if key in found:
                return replay(found[key])
            if drawing not in found:
                break  # drawn but not kept (a redirect, a message): draw it here
    try:
        response = draw()
        entry = keep(response)
        if entry is not None:
            cache.set(key, entry, TIMEOUT)
        return response
    finally:
        cache.delete(drawing)


def serve(request: HttpRequest, draw: Callable[[], HttpResponse]) -> HttpResponse:
    """The page `draw()` would answer: from the cache when nothing changed since it was
    drawn for this user, else drawn (and kept when it may be)."""
    key = page_key(request)
    if key is None:
        return draw()

    def keep(response: HttpResponse) -> dict[str, Any] | None:
        if hasattr(response, "render") and not getattr(response, "is_rendered", True):
            response.render()
        return _storable(request, response)

    return _fetch_or_draw(key, draw, keep, lambda stored: _replay(request, stored))


def cached_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A function view served through `serve`."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return serve(request, lambda: view(request, *args, **kwargs))

    return wrapped


def serve_api_list(request: Any, draw: Callable[[], Any]) -> Any:
    """An API list's page (a DRF `Response`) by the same rules, for the user DRF signed in
    (session or token); the data is kept and each answer renders it in the format asked."""
    from rest_framework.response import Response

    key = page_key(request._request, user=request.user, kind="api")
    if key is None:
        return draw()

    def keep(response: Any) -> dict[str, Any] | None:
        if response.status_code != 200 or response.cookies:
            return None
        headers = {name: value for name, value in response.items() if name != "Content-Type"}
        return {"data": response.data, "headers": headers}

    return _fetch_or_draw(key, draw, keep, lambda stored: Response(stored["data"], headers=stored["headers"]))
