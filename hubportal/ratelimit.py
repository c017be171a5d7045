"""Counting uses of public and credential endpoints, per client address and per account.

The counters live in the Django cache, which is Redis in every deployment (`REDIS_CACHE`,
on by default): every web process and server counts in the same place, so a limit of 10 an
hour is 10 an hour whichever process answers. A fixed window per hour: one `add` and one
`incr`, both atomic on Redis.

Used by the login page, the token endpoint and password reset (`accounts.throttle`), the
self-registration and its verification codes (`orgs.registration`) and objections to a
rating (`evaluation.public_views`).
"""

from __future__ import annotations

import hashlib
import time
from typing import Any

from django.core.cache import cache


class RateLimited(Exception):
    """Raised when a client has used up its allowance on an endpoint; `message` says so in
    the user's language and `wait` is the number of seconds until the window turns."""

    def __init__(self, message: str, wait: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.wait = wait


def client_address(request: Any) -> str:
    """The address a request came from.

    REMOTE_ADDR only: a forwarded-for header is the client's to forge unless a trusted proxy
    sets it, and the deployment puts the portal behind none by default.
    """
    return request.META.get("REMOTE_ADDR") or "unknown"


def identity(value: str) -> str:
    """A short, fixed-length stand-in for an account or an e-mail address in a counter's key
    (no personal data in the cache, no key longer than a few dozen characters)."""
    return hashlib.sha256((value or "").strip().casefold().encode("utf-8")).hexdigest()[:32]


def _key(bucket: str, ident: str, window: int) -> str:
    return f"ratelimit:{bucket}:{ident}:{int(time.time() // window)}"


def seconds_left(window: int = 3600) -> int:
    """Seconds until the current window ends (when a refused client may try again)."""
    return max(1, int(window - time.time() % window))


def count_use(bucket: str, ident: str, window: int = 3600) -> int:
    """Count one use of `bucket` by `ident`; the number of uses in this window, this one included."""
    key = _key(bucket, ident, window)
    cache.add(key, 0, timeout=window)
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between add and incr, or the cache is unavailable
        cache.set(key, 1, timeout=window)
        return 1


def hit_rate_limit(bucket: str, ident: str, limit: int, window: int = 3600) -> bool:
    """Count one use of `bucket` by `ident`; True when this use is over `limit` per `window`."""
    return count_use(bucket, ident, window) > limit


def used(bucket: str, ident: str, window: int = 3600) -> int:
    """How many uses `ident` has made of `bucket` in the current window (counts nothing)."""
    return int(cache.get(_key(bucket, ident, window)) or 0)


def over_limit(bucket: str, ident: str, limit: int, window: int = 3600) -> bool:
    """Whether `ident` has already used `limit` uses of `bucket` in this window."""
    return used(bucket, ident, window) >= limit
