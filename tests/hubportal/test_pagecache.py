"""Whole pages served again from the cache (`hubportal.pagecache`): only to the user they were
drawn for, in their language, and never after a write."""

from __future__ import annotations

import re
import threading

import pytest
from django.contrib.messages import constants, get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.test import Client, override_settings
from django.urls import reverse
from rest_framework.test import APIClient

from hubportal import pagecache
from orgs.models import Organization
from tests.conftest import make_user
from tests.orgs.factories import make_org

pytestmark = pytest.mark.django_db

LIST = "/orgs/organizations/"
TOKEN_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]{64})"')


def tokens(response) -> set[str]:
    return set(TOKEN_FIELD.findall(response.content.decode()))


def without_tokens(response) -> str:
    return TOKEN_FIELD.sub("", re.sub(r'"X-CSRFToken": "[A-Za-z0-9]{64}"', "", response.content.decode()))


def test_a_page_opened_again_is_served_from_the_cache_until_a_write(
    client_for, zhongshan_cadre, zhongshan, django_assert_max_num_queries
):
    org = make_org(zhongshan, name="青年读书会")
    client = client_for(zhongshan_cadre)
    first = client.get(LIST)
    assert first.context is not None  # drawn
    with django_assert_max_num_queries(4):  # session, user, stamp, (the page's nothing)
        again = client.get(LIST)
    assert again.context is None  # served from the cache
    assert without_tokens(again) == without_tokens(first)
    for header in ("Content-Type", "Content-Security-Policy", "Cache-Control", "X-Frame-Options"):
        assert again[header] == first[header], header  # the middleware's headers on a replay too
    assert "青年读书会" in again.content.decode()

    Organization.objects.filter(pk=org.pk).update(name="青年书法社")  # any committed write
    after = client.get(LIST)
    assert after.context is not None
    assert "青年书法社" in after.content.decode() and "青年读书会" not in after.content.decode()


def test_the_csrf_token_is_masked_afresh_and_still_accepted(client_for, zhongshan_cadre, zhongshan):
    make_org(zhongshan)
    client = client_for(zhongshan_cadre)
    client.handler.enforce_csrf_checks = True
    first = client.get(LIST)
    again = client.get(LIST)
    assert again.context is None
    secret = client.cookies["csrftoken"].value
    assert tokens(first) and tokens(again) and tokens(first) != tokens(again)
    assert {pagecache._unmask(t) for t in tokens(again)} == {secret}
    assert pagecache.PLACEHOLDER not in again.content.decode()
    # the replayed page's token signs a form: here the language switch
    token = tokens(again).pop()
    answer = client.post(reverse("set_language"), {"language": "en", "csrfmiddlewaretoken": token})
    assert answer.status_code == 302


def test_another_user_never_gets_the_page_drawn_for_someone_else(
    client_for, zhongshan_cadre, foshan_cadre, zhongshan, foshan
):
    make_org(zhongshan, name="中山青年志愿队")
    make_org(foshan, name="佛山青年志愿队")
    zs = client_for(zhongshan_cadre)
    fs = client_for(foshan_cadre)
    assert "中山青年志愿队" in zs.get(LIST).content.decode()
    page = fs.get(LIST)
    assert page.context is not None  # drawn for the Foshan cadre, not replayed
    assert "中山青年志愿队" not in page.content.decode()
    assert "佛山青年志愿队" in page.content.decode()
    anonymous = Client().get(LIST)
    assert anonymous.status_code == 302  # the sign-in page, not anyone's list


def test_each_language_and_each_address_has_its_own_page(client_for, zhongshan_cadre, zhongshan):
    make_org(zhongshan)
    client = client_for(zhongshan_cadre)
    assert '<html lang="zh-hans">' in client.get(LIST).content.decode()
    client.cookies["django_language"] = "en"
    english = client.get(LIST)
    assert english.context is not None
    assert '<html lang="en">' in english.content.decode()
    assert client.get(LIST + "?status=listed").context is not None
    partial = client.get(LIST, headers={"HX-Request": "true"})
    assert partial.context is not None
    assert "<html" not in partial.content.decode()
    assert "<html" in client.get(LIST).content.decode()  # the full page is still the full page


def test_waiting_messages_are_shown_not_a_page_without_them(rf, zhongshan_cadre, zhongshan):
    make_org(zhongshan)
    request = rf.get(LIST)
    request.user = zhongshan_cadre
    request.session = {}
    request.LANGUAGE_CODE = "zh-hans"
    request._messages = FallbackStorage(request)
    assert pagecache.page_key(request) is not None
    request._messages.add(constants.SUCCESS, "已保存")
    assert pagecache.page_key(request) is None
    assert [m.message for m in get_messages(request)] == ["已保存"]  # still there to show


def test_pages_following_a_job_and_administrators_pages_are_drawn_each_time(rf, zhongshan_cadre):
    def request_of(user, url):
        request = rf.get(url)
        request.user = user
        request.session = {}
        request.LANGUAGE_CODE = "zh-hans"
        request._messages = FallbackStorage(request)
        return request

    assert pagecache.page_key(request_of(zhongshan_cadre, "/reporting/targets/")) is not None
    assert pagecache.page_key(request_of(zhongshan_cadre, "/reporting/targets/?job=12")) is None
    assert pagecache.page_key(request_of(make_user("staff", is_staff=True), LIST)) is None


def test_switched_off_every_page_is_drawn(client_for, zhongshan_cadre, zhongshan):
    make_org(zhongshan)
    client = client_for(zhongshan_cadre)
    with override_settings(HUB_PAGE_CACHE=False):
        client.get(LIST)
        assert client.get(LIST).context is not None


def test_a_new_release_draws_the_pages_again(client_for, zhongshan_cadre, zhongshan, monkeypatch):
    make_org(zhongshan)
    client = client_for(zhongshan_cadre)
    client.get(LIST)
    assert client.get(LIST).context is None
    monkeypatch.setattr(pagecache, "release", lambda: "next-release")
    assert client.get(LIST).context is not None


def test_the_home_page_detail_dashboard_and_directory_are_cached(client_for, zhongshan_cadre, zhongshan):
    org = make_org(zhongshan)
    client = client_for(zhongshan_cadre)
    for url in (reverse("home"), f"/orgs/organizations/{org.pk}/", "/reporting/targets/", "/directory/"):
        first = client.get(url)
        assert first.status_code == 200, url
        again = client.get(url)
        assert again.context is None, url
        assert without_tokens(again) == without_tokens(first), url


def test_an_api_list_is_cached_for_the_token_user_and_changes_with_a_write(
    zhongshan_cadre, foshan_cadre, zhongshan, foshan, django_assert_max_num_queries
):
    org = make_org(zhongshan, name="中山青年读书会")
    make_org(foshan, name="佛山青年读书会")
    api = APIClient()
    api.force_authenticate(zhongshan_cadre)
    url = "/api/orgs/organizations/"
    first = api.get(url).json()
    with django_assert_max_num_queries(3):
        again = api.get(url).json()
    assert again == first
    assert [row["name"] for row in again["results"]] == ["中山青年读书会"]
    other = APIClient()
    other.force_authenticate(foshan_cadre)
    assert [row["name"] for row in other.get(url).json()["results"]] == ["佛山青年读书会"]
    Organization.objects.filter(pk=org.pk).update(youth_covered=77)
    assert api.get(url).json()["results"][0]["youth_covered"] == 77


def test_a_page_being_drawn_is_waited_for_not_drawn_again(monkeypatch):
    from django.core.cache import cache

    monkeypatch.setattr(pagecache, "POLL_SECONDS", 0.01)
    drawn = []

    def draw():
        drawn.append(1)
        return "drawn here"

    def keep(response):
        return {"text": response}

    cache.add("page:k:drawing", 1)  # another request is drawing it

    def drawn_there():
        cache.set("page:k", {"text": "drawn there"})
        cache.delete("page:k:drawing")

    timer = threading.Timer(0.05, drawn_there)
    timer.start()
    assert pagecache._fetch_or_draw("page:k", draw, keep, lambda stored: stored["text"]) == "drawn there"
    assert drawn == []
    # a drawing that ends without keeping its page (a redirect): the waiting request draws
    cache.add("page:r:drawing", 1)
    threading.Timer(0.05, lambda: cache.delete("page:r:drawing")).start()
    assert (
        pagecache._fetch_or_draw("page:r", draw, lambda r: None, lambda stored: stored["text"])
        == "drawn here"
    )
    assert drawn == [1] and cache.get("page:r:drawing") is None


def test_a_visitor_gets_the_directory_front_page_cached_but_not_searches(zhongshan):
    make_org(zhongshan)
    visitor = Client()
    visitor.get("/directory/")
    assert visitor.get("/directory/").context is None
    visitor.get("/directory/?q=青年")
    assert visitor.get("/directory/?q=青年").context is not None
