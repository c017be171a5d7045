"""Every edit page round-trips: saved untouched, in Chinese and in English, nothing stored
changes — what the browser shows is what it sends back.

The page is rendered for a fully filled record, the POST is what a browser would send for
that HTML (`tests.browser_form`: an invalid date input is sent empty, unchecked boxes are
not sent ...), and every stored field is compared before and after. A new edit page is
covered automatically: the test enumerates the URL patterns and fails on an edit page it has
no case for (add one to the app's `tests/<app>/round_trip_cases.py`).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from hubportal.generic import ObjectEditView
from tests.browser_form import browser_submission
from tests.personas import Ctx
from tests.round_trip import all_cases

LANGUAGES = ["zh-hans", "en"]
CASES = all_cases()


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("url_name", sorted(CASES))
def test_saving_an_edit_page_untouched_changes_nothing(url_name, language, request, client_for, units):
    page = CASES[url_name](Ctx(request))
    client = client_for(page.user)
    client.cookies["django_language"] = language
    before = page.snapshot()
    shown = client.get(page.url, HTTP_ACCEPT_LANGUAGE=language)
    assert shown.status_code == 200, shown.status_code
    body = browser_submission(shown.content.decode(), page.url)
    saved = client.post(page.url, body, HTTP_ACCEPT_LANGUAGE=language)
    problems = saved.context["form"].errors if saved.status_code != 302 and saved.context else ""
    assert saved.status_code == 302, f"the untouched page was refused: {problems}"
    assert page.snapshot() == before


# Enumeration: no edit page without a case ----------------------------------------------
def _patterns(patterns: list[Any], namespace: str = "") -> list[tuple[str, str, Any]]:
    found = []
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}:{entry.namespace}" if namespace and entry.namespace else entry.namespace
            found += _patterns(entry.url_patterns, inner or namespace)
        elif isinstance(entry, URLPattern) and entry.name:
            name = f"{namespace}:{entry.name}" if namespace else entry.name
            found.append((name, str(entry.pattern), entry.callback))
    return found


def is_edit_page(name: str, route: str, callback: Any) -> bool:
    """An edit page: a page (not the API or the admin) that edits an existing record."""
    if route.startswith(("api/", "admin/")) or name.startswith("admin:"):
        return False
    view_class = getattr(callback, "view_class", None)
    edits_record = view_class is not None and issubclass(view_class, ObjectEditView) and "<int:pk>" in route
    return edits_record or name.endswith("_edit")


def test_every_edit_page_has_a_round_trip_case():
    pages = {
        name for name, route, cb in _patterns(get_resolver().url_patterns) if is_edit_page(name, route, cb)
    }
    missing = sorted(pages - set(CASES))
    assert not missing, f"edit pages without a round-trip case (tests/<app>/round_trip_cases.py): {missing}"
    assert pages, "the enumeration found no edit page at all"


# Bad input: a page's version garbled or emptied ------------------------------------------
REFUSED_VERSION = {
    "zh-hans": "您提交的页面不完整或已过期",
    "en": "The page you saved is incomplete or too old",
}


@pytest.mark.parametrize("sent", ["abc", ""])
@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("url_name", sorted(CASES))
def test_a_garbled_or_empty_version_is_a_message_in_the_users_language(
    url_name, language, sent, request, client_for, units
):
    """Every edit page carries the version it was opened on and answers a non-numeric or
    empty one with the message in the user's language (400, never a 500) and stores nothing."""
    page = CASES[url_name](Ctx(request))
    client = client_for(page.user)
    client.cookies["django_language"] = language
    before = page.snapshot()
    shown = client.get(page.url, HTTP_ACCEPT_LANGUAGE=language)
    body = browser_submission(shown.content.decode(), page.url)
    versions = [key for key in body if key == "version" or key.endswith("-version")]
    assert versions, "the page carries no version (every edit page does: test_stale_versions)"
    for key in versions:
        body[key] = [sent]
    saved = client.post(page.url, body, HTTP_ACCEPT_LANGUAGE=language)
    assert saved.status_code == 400, saved.status_code
    assert REFUSED_VERSION[language] in saved.content.decode()
    assert page.snapshot() == before
