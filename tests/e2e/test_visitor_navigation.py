"""The bar of those who are not cadres — the public, an organization's representative, an
assessor — fits a 1280 px screen in Chinese and in English, as the cadres' bar does
(test_shell.py): the public pages gather in menus for a visitor and in the "Public pages"
drop-down for anyone signed in."""

from __future__ import annotations

import pytest

from .conftest import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("who", [None, "org_rep", "assessor"])
def test_the_visitors_bar_fits_a_1280_px_screen(
    browser, live_server, representative, assessor, language, who
):
    context = browser.new_context(
        locale="zh-CN", base_url=live_server.url, viewport={"width": 1280, "height": 800}
    )
    context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page = context.new_page()
    if who:
        log_in(page, who)
    page.goto("/cobuilding/public/venues/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    last = ".navbar .dropdown-toggle >> nth=-1" if who else ".navbar a[href='/accounts/login/']"
    brand, end = page.locator(".navbar-brand").bounding_box(), page.locator(last).bounding_box()
    assert brand is not None and end is not None
    assert end["x"] + end["width"] <= 1280 and abs(end["y"] - brand["y"]) < 20  # on the bar's one line
    if who is None:
        # Every public page is one click into a menu away.
        page.click(".navbar .dropdown-toggle >> nth=0")
        assert page.locator(".dropdown-menu.show a[href='/cobuilding/public/venues/']").is_visible()
    context.close()
