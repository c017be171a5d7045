"""A cadre logs in through a real browser and sees their home page in Chinese."""

import pytest

from .conftest import log_in, wait_until, watched

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_cadre_logs_in_and_sees_the_chinese_home_page(page, zhongshan_cadre):
    log_in(page, "zs_cadre")
    assert page.locator("#unit-name").inner_text().startswith("中山市")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert page.get_by_text("管辖范围内的团组织").is_visible()
    # Static files come from this server (npm packages), not a CDN: Bootstrap's CSS applied.
    assert page.evaluate("getComputedStyle(document.querySelector('.btn-close, .navbar')).display") != ""
    assert page.evaluate("typeof htmx") == "object" and page.evaluate("typeof bootstrap") == "object"


def test_wrong_password_message_in_the_browser(page, zhongshan_cadre):
    log_in(page, "zs_cadre", "not-the-password")
    assert page.get_by_text("用户名或密码错误").is_visible()


def test_unit_filter_updates_the_table_with_htmx(page, province_admin):
    log_in(page, "gd_admin")
    page.goto("/orgs/units/")
    page.select_option("select[name=level]", "town")
    page.wait_for_load_state("networkidle")
    wait_until(page, "document.querySelector('#object-table').innerText.includes('古镇镇')")
    assert "level=town" in page.url
    assert "24" in page.locator("#object-table").inner_text()


def test_language_switch_to_english(page, zhongshan_cadre):
    log_in(page, "zs_cadre")
    with page.expect_navigation():
        page.select_option("select[name=language]", "en")
    page.get_by_text("League units in my jurisdiction").wait_for(state="visible")
    assert page.locator("html").get_attribute("lang") == "en"


def test_home_page_works_on_a_phone(phone_page, zhongshan_cadre, tmp_path):
    log_in(phone_page, "zs_cadre")
    assert phone_page.locator(".navbar-toggler").is_visible()
    phone_page.click(".navbar-toggler")
    phone_page.get_by_role("button", name="组织管理").or_(phone_page.get_by_text("组织管理")).first.click()
    phone_page.get_by_role("link", name="团组织").first.wait_for(state="visible")
    # Nothing wider than the screen.
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("who", ["gd_admin", "zs_cadre"])
def test_the_navigation_fits_a_1280_px_screen(
    browser, live_server, province_admin, zhongshan_cadre, language, who
):
    context = browser.new_context(
        locale="zh-CN", base_url=live_server.url, viewport={"width": 1280, "height": 800}
    )
    page = context.new_page()
    log_in(page, who)
    if language == "en":
        with page.expect_navigation():
            page.select_option("select[name=language]", "en")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    # The user menu and the language switch are on the screen, on the bar's one line.
    for selector in ("select[name=language]", ".navbar .dropdown-toggle >> nth=-1"):
        box = page.locator(selector).bounding_box()
        assert box is not None and box["x"] + box["width"] <= 1280
    brand = page.locator(".navbar-brand").bounding_box()
    user = page.locator(".navbar .dropdown-toggle >> nth=-1").bounding_box()
    assert brand is not None and user is not None and abs(user["y"] - brand["y"]) < 20
    context.close()


def test_the_browser_tests_see_what_the_csp_refuses(browser, live_server):
    """The net every browser test stands on: a style attribute added to a page is refused by
    the CSP (style-src 'self') and recorded by `watched`."""
    context = browser.new_context(locale="zh-CN", base_url=live_server.url)
    page, refused = watched(context)
    page.goto("/accounts/login/")
    assert refused == []
    page.evaluate("document.body.insertAdjacentHTML('beforeend', '<div style=\"color: red\">x</div>')")
    page.wait_for_timeout(200)
    context.close()
    assert refused and "style-src" in refused[0]
