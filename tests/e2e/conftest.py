"""Browser tests: Playwright drives Debian's chromium (Playwright's own download is not used)."""

import os
import shutil

import pytest

# Playwright's sync API runs an event loop in this thread; Django's ORM calls in the test
# body are still synchronous and safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail(f"chromium not found at {CHROMIUM}: `make test` installs Debian's chromium package")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def watched(context):
    """A page of `context` that records what the Content-Security-Policy refused (Chromium
    reports it on the console): a style or script the CSP blocks is a page that looks or
    works differently in production, so every browser test fails on one."""
    page = context.new_page()
    refused: list[str] = []
    page.on(
        "console",
        lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None,
    )
    return page, refused


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(locale="zh-CN", base_url=live_server.url)
    page, refused = watched(context)
    yield page
    context.close()
    assert refused == [], "the CSP refused: " + "; ".join(refused)


@pytest.fixture
def phone_page(browser, live_server):
    context = browser.new_context(
        locale="zh-CN",
        base_url=live_server.url,
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
    )
    page, refused = watched(context)
    yield page
    context.close()
    assert refused == [], "the CSP refused: " + "; ".join(refused)


def log_in(page, username: str, password: str = "pw-for-tests-2026") -> None:
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("#login-button")
    page.wait_for_load_state("networkidle")


def wait_until(page, expression: str, timeout: float = 10.0) -> None:
    """Poll a JavaScript expression until it is true.

    Playwright's wait_for_function builds its predicate with `new Function` inside the page,
    which the portal's CSP (script-src 'self', no 'unsafe-eval') refuses once the first check
    is false; page.evaluate runs through the DevTools protocol, outside the page's CSP.
    """
    import time

    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout:.0f} s: {expression}")
        page.wait_for_timeout(50)
