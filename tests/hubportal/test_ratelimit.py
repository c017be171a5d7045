"""Rate-limit counters are shared by every process through Redis, and a Redis that is away
neither breaks a page nor blocks anyone."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.core.cache import caches

from hubportal import ratelimit
from hubportal.cache import ResilientRedisCache

ROOT = Path(__file__).resolve().parents[2]


def test_two_connections_and_another_process_share_one_counter_on_redis(settings, monkeypatch):
    prefix = f"test-ratelimit-{uuid.uuid4().hex[:8]}"
    settings.CACHES = {"default": {**settings.REDIS_CACHE_SETTINGS, "KEY_PREFIX": prefix}}
    first, second = caches.create_connection("default"), caches.create_connection("default")
    assert isinstance(first, ResilientRedisCache) and isinstance(second, ResilientRedisCache)
    assert first._cache is not second._cache  # two clients, two connection pools
    try:
        monkeypatch.setattr(ratelimit, "cache", first)
        assert ratelimit.count_use("probe", "203.0.113.1") == 1
        monkeypatch.setattr(ratelimit, "cache", second)
        assert ratelimit.count_use("probe", "203.0.113.1") == 2
        assert first.available(), "Redis must run for this test (bin/services starts it)"
        # A separate Django process, configured from the environment as a web server is.
        env = {
            **os.environ,
            "REDIS_CACHE": "1",
            "CACHE_PREFIX": prefix,
            "DJANGO_SETTINGS_MODULE": "hubportal.settings",
        }
        script = (
            "import django; django.setup(); from hubportal.ratelimit import count_use; "
            "print(count_use('probe', '203.0.113.1'))"
        )
        other = subprocess.run(
            [sys.executable, "-c", script],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        assert other.stdout.strip().splitlines()[-1] == "3"
        assert ratelimit.used("probe", "203.0.113.1") == 3
    finally:
        first.clear()  # this prefix's keys only
    assert ratelimit.used("probe", "203.0.113.1") == 0


def test_clearing_the_redis_cache_leaves_other_keys_alone(settings):
    prefix = f"test-clear-{uuid.uuid4().hex[:8]}"
    cache = ResilientRedisCache(settings.REDIS_URL, {"KEY_PREFIX": prefix})
    client = cache._cache.get_client(write=True)
    client.set(f"celery-like-{prefix}", "queued")
    try:
        cache.set("counter", 1)
        cache.clear()
        assert cache.get("counter") is None
        assert client.get(f"celery-like-{prefix}") == b"queued"
    finally:
        client.delete(f"celery-like-{prefix}")


def test_an_unreachable_redis_reads_as_a_miss_and_counts_nobody_out(monkeypatch):
    cache = ResilientRedisCache(
        "redis://127.0.0.1:1/0", {"OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2}}
    )
    monkeypatch.setattr(ratelimit, "cache", cache)
    assert cache.get("x", "default") == "default" and cache.add("x", 1) is False
    assert not cache.available()
    started = time.monotonic()
    assert [ratelimit.hit_rate_limit("probe", "a", limit=1) for _ in range(5)] == [False] * 5
    assert time.monotonic() - started < 0.5  # left alone after the first error, no waiting
    with pytest.raises(ValueError):
        cache.incr("x")


def test_a_fixed_window_turns_with_the_hour(monkeypatch):
    import time_machine

    with time_machine.travel("2026-03-01 10:59:00+08:00", tick=False):
        assert not ratelimit.hit_rate_limit("window", "a", limit=1)
        assert ratelimit.hit_rate_limit("window", "a", limit=1)
        assert ratelimit.seconds_left() == 60
    with time_machine.travel("2026-03-01 11:00:01+08:00", tick=False):
        assert not ratelimit.hit_rate_limit("window", "a", limit=1)


def test_identities_are_fixed_length_and_case_blind():
    assert ratelimit.identity("ZS_Cadre") == ratelimit.identity("zs_cadre ")
    assert len(ratelimit.identity("u" * 300)) == 32
