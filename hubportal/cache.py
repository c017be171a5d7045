"""The cache on Redis, degrading instead of failing when Redis is away.

The cache holds the rate-limit counters that every web process must share (credential
endpoints, registration, verification codes, objections). Losing Redis must not take a page
down with it (the portal serves without Redis, see README), so a Redis error reads as a miss
and a write is dropped; the counters are then simply not kept until Redis is back, and
django-axes' database lock-outs still hold. After an error the cache is left alone for a few
seconds, so a page does not wait for a dead server on every call.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# Seconds to stay away from Redis after an error.
RETRY_AFTER = 5.0


class ResilientRedisCache(RedisCache):
    """Django's Redis cache; an unreachable Redis is a miss, not a 500."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._down_until = 0.0

    def _call(self, method: Callable[..., Any], fallback: Any, *args: Any) -> Any:
        if time.monotonic() < self._down_until:
            return fallback
        try:
            return method(*args)
        except (RedisError, OSError) as exc:
            self._down_until = time.monotonic() + RETRY_AFTER
            logger.warning("cache unavailable (%s): %s", method.__name__, exc)
            return fallback

    def available(self) -> bool:
        """Whether the last call reached Redis (False for a few seconds after an error)."""
        return time.monotonic() >= self._down_until

    def add(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None) -> bool:
        return bool(self._call(super().add, False, key, value, timeout, version))

    def get(self, key: Any, default: Any = None, version: Any = None) -> Any:
        return self._call(super().get, default, key, default, version)

    def set(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None) -> None:
        self._call(super().set, None, key, value, timeout, version)

    def touch(self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None) -> bool:
        return bool(self._call(super().touch, False, key, timeout, version))

    def delete(self, key: Any, version: Any = None) -> bool:
        return bool(self._call(super().delete, False, key, version))

    def get_many(self, keys: Any, version: Any = None) -> dict[Any, Any]:
        return dict(self._call(super().get_many, {}, keys, version))

    def has_key(self, key: Any, version: Any = None) -> bool:
        return bool(self._call(super().has_key, False, key, version))

    def incr(self, key: Any, delta: int = 1, version: Any = None) -> int:
        # Django's contract for a key the cache does not hold: ValueError (the caller starts anew).
        missing = object()
        value = self._call(super().incr, missing, key, delta, version)
        if value is missing:
            raise ValueError(f"Key {key!r} not found (cache unavailable)")
        return int(value)

    def set_many(self, data: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None) -> list[Any]:
        return list(self._call(super().set_many, [], data, timeout, version))

    def delete_many(self, keys: Any, version: Any = None) -> None:
        self._call(super().delete_many, None, keys, version)

    def clear(self) -> None:
        """Delete this cache's keys only: Redis' database also holds Celery's queues, which
        Django's `clear()` (FLUSHDB) would erase."""
        if not self.key_prefix:
            self._call(super().clear, None)
            return
        self._call(self._clear_prefix, None)

    def _clear_prefix(self) -> None:
        client = self._cache.get_client(write=True)
        batch: list[Any] = []
        for key in client.scan_iter(match=f"{self.key_prefix}:*", count=500):
            batch.append(key)
            if len(batch) >= 500:
                client.delete(*batch)
                batch.clear()
        if batch:
            client.delete(*batch)
