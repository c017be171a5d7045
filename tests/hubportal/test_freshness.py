"""Cached figures (`hubportal.freshness`): every committed write changes the stamp, whatever
wrote it, so a cached figure is never older than the data."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import override_settings
from django.urls import reverse

from hubportal import freshness
from hubportal.bulk import copy_rows
from orgs.models import LeagueUnit, Organization
from tests.orgs.factories import make_org

pytestmark = pytest.mark.django_db


def test_every_table_of_the_portal_is_tracked_but_history_jobs_and_the_outbox():
    tables = freshness.tracked_tables()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE t.tgname = %s",
            [freshness.TRIGGER],
        )
        triggered = {row[0] for row in cursor.fetchall()}
    assert set(tables) == triggered
    assert {
        "orgs_organization",
        "orgs_leaguebuilding_organizations",
        "reporting_report",
        "cards_card",
    } <= triggered
    assert not {"hubportal_datachange", "hubportal_job", "hubportal_outboxmessage"} & triggered
    assert not any(name.endswith("event") for name in triggered)  # pghistory's own tables


def test_saves_bulk_updates_deletes_and_copy_each_change_the_stamp(zhongshan):
    seen = [freshness.stamp()]

    def changed() -> None:
        now = freshness.stamp()
        assert now not in seen
        seen.append(now)

    org = make_org(zhongshan)
    changed()
    Organization.objects.filter(pk=org.pk).update(youth_covered=5)
    changed()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE orgs_leagueunit SET phone = '020-1' WHERE id = %s", [zhongshan.pk])
    changed()
    copy_rows("hubportal_datachange", ["at"], [])  # a COPY of nothing is still a statement
    assert freshness.stamp() == seen[-1]  # …on an untracked table: no change
    org.delete()
    changed()
    assert freshness.stamp() == seen[-1]  # reading changes nothing


def test_a_prune_keeps_the_stamp_moving_forward(zhongshan):
    make_org(zhongshan)
    make_org(zhongshan)
    before = freshness.stamp()
    assert freshness.prune() >= 2
    after = freshness.stamp()
    assert after != before
    make_org(zhongshan)
    assert freshness.stamp() not in (before, after)


def test_cached_computes_once_until_a_write(zhongshan):
    calls = []

    def compute() -> int:
        calls.append(1)
        return Organization.objects.count()

    assert freshness.cached("test", compute) == 0
    assert freshness.cached("test", compute) == 0
    assert len(calls) == 1
    make_org(zhongshan)
    assert freshness.cached("test", compute) == 1
    assert len(calls) == 2


@override_settings(HUB_PAGE_CACHE=False)  # the figures' own cache; the page's: test_pagecache
def test_the_home_page_counts_what_was_just_written(client_for, zhongshan_cadre, zhongshan):
    client = client_for(zhongshan_cadre)

    def listed() -> int:
        home = client.get(reverse("home"))
        return next(v for c, v, _link in home.context["counters"] if c.query == (("status", "listed"),))

    first = listed()
    assert listed() == first  # served from the cache
    make_org(zhongshan, status="listed")
    assert listed() == first + 1
    LeagueUnit.objects.filter(pk=zhongshan.pk).update(phone="0760-1")  # any write: recomputed, same figure
    assert listed() == first + 1


def test_a_get_reads_the_stamp_once_and_a_post_every_time(rf, django_assert_num_queries):
    def view(request):
        return [freshness.stamp(), freshness.stamp()]

    middleware = freshness.StampPerRequestMiddleware(view)
    with django_assert_num_queries(1):
        first, second = middleware(rf.get("/"))
    assert first == second
    with django_assert_num_queries(2):
        middleware(rf.post("/"))
    with django_assert_num_queries(2):  # outside a request: no memo either
        view(None)
