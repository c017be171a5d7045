"""Security headers and the production switch: a Content-Security-Policy whose scripts come
only from this server (no inline script, handler or javascript: URL on any page or template),
Permissions-Policy, and `check --deploy` clean with production settings."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.template.utils import get_app_template_dirs
from django.urls import reverse

from hubportal.registry import nav_for
from tests.conftest import make_user

ROOT = Path(settings.BASE_DIR)
# An event-handler attribute inside a tag, e.g. <select onchange="...">.
HANDLER = re.compile(r"<[a-zA-Z][^>]*?\son[a-z]+\s*=", re.S)
SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.I)
JAVASCRIPT_URL = re.compile(r"""(?:href|src|action)\s*=\s*["']?\s*javascript:""", re.I)


STYLE_ATTRIBUTE = re.compile(r"<[a-zA-Z][^>]*?\sstyle\s*=", re.S)
STYLE_TAG = re.compile(r"<style\b", re.I)


def inline_styles(html: str) -> list[str]:
    """What style-src without 'unsafe-inline' would ignore: style attributes and elements."""
    return [m.group(0)[:80] for m in STYLE_ATTRIBUTE.finditer(html)] + STYLE_TAG.findall(html)


def inline_code(html: str) -> list[str]:
    """What a CSP without 'unsafe-inline' would block: handlers, inline scripts (a JSON data
    block is not run), javascript: URLs."""
    found = [m.group(0)[:80] for m in HANDLER.finditer(html)]
    for match in SCRIPT_TAG.finditer(html):
        attributes = match.group(1)
        if "src=" not in attributes and "application/json" not in attributes:
            found.append(match.group(0))
    found += [m.group(0) for m in JAVASCRIPT_URL.finditer(html)]
    return found


def csp_directives(response) -> dict[str, list[str]]:
    header = response.headers["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in (p.strip() for p in header.split(";")) if part}


def template_files() -> list[Path]:
    configured: list[str] = list(settings.TEMPLATES[0]["DIRS"])  # type: ignore[call-overload]
    dirs = [Path(d) for d in configured]
    dirs += [Path(d) for d in get_app_template_dirs("templates") if ROOT in Path(d).parents]
    files = sorted(path for d in dirs for path in d.rglob("*.html"))
    # Third-party templates the portal uses are overridden in templates/ where they had inline
    # code (django-celery-beat's task form, drf-spectacular's ReDoc page); Swagger UI's inline
    # branch is not taken (SpectacularSwaggerSplitView serves its script from ?script).
    return [path for path in files if ".venv" not in path.parts and "site-packages" not in path.parts]


def test_no_template_has_inline_script_or_handler():
    files = template_files()
    assert len(files) > 50
    offenders = {str(path.relative_to(ROOT)): inline_code(path.read_text()) for path in files}
    assert {name: found for name, found in offenders.items() if found} == {}


# The API documentation pages alone allow inline styles (ReDoc and Swagger UI inject theirs).
API_DOCS_TEMPLATES = {"templates/drf_spectacular/redoc.html"}


def test_no_template_has_an_inline_style():
    offenders = {
        str(path.relative_to(ROOT)): inline_styles(path.read_text())
        for path in template_files()
        if str(path.relative_to(ROOT)) not in API_DOCS_TEMPLATES
    }
    assert {name: found for name, found in offenders.items() if found} == {}


@pytest.mark.django_db
def test_every_page_sends_a_csp_without_unsafe_inline_scripts(client):
    policy = csp_directives(client.get(reverse("accounts:login")))
    assert policy["script-src"] == ["'self'"] and policy["style-src"] == ["'self'"]
    assert "'unsafe-inline'" not in policy["default-src"] and "'unsafe-eval'" not in policy["script-src"]
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
    assert policy["worker-src"] == ["'self'", "blob:"]  # ReDoc's search worker


@pytest.mark.django_db
def test_the_other_security_headers(client):
    response = client.get(reverse("accounts:login"))
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"
    permissions = response.headers["Permissions-Policy"]
    assert "geolocation=()" in permissions and "microphone=()" in permissions
    assert "camera=(self)" in permissions  # the training check-in scans QR codes


@pytest.mark.django_db
def test_pages_render_without_inline_code(client_for, province_admin, zhongshan_cadre):
    """Every page of the navigation, as a province administrator and as a city cadre, plus the
    home page, the language switch, a blank form, the API docs and the admin."""
    staff = make_user("ops", is_staff=True, is_superuser=True)
    checked = 0
    for user in (province_admin, zhongshan_cadre, staff):
        client = client_for(user)
        urls = {reverse("home"), reverse("accounts:profile")} | {
            reverse(item.url_name) for item in nav_for(user)
        }
        if user is staff:
            urls |= {reverse("api-docs"), reverse("api-redoc"), reverse("admin:index")}
            urls |= {reverse("admin:django_celery_beat_periodictask_add")}
        for url in sorted(urls):
            response = client.get(url, follow=True)  # e.g. /register/ goes to its first step
            assert response.status_code == 200, url
            html = response.content.decode()
            assert inline_code(html) == [], url
            if url in (reverse("api-docs"), reverse("api-redoc")):
                assert csp_directives(response)["style-src"] == ["'self'", "'unsafe-inline'"], url
            else:
                assert inline_styles(html) == [], url
                assert csp_directives(response)["style-src"] == ["'self'"], url
            if url == reverse("home"):
                assert "data-autosubmit" in html  # the language switch, once an onchange
            assert "'unsafe-inline'" not in csp_directives(response)["script-src"], url
            checked += 1
    assert checked > 20
    # Swagger UI's initialiser comes from ?script, as a script of its own.
    docs = client_for(staff).get(reverse("api-docs") + "?script")
    assert docs.status_code == 200 and "SwaggerUIBundle" in docs.content.decode()


def test_check_deploy_with_production_settings_gives_no_warning():
    """DEBUG off and secure cookies on (the production default): HSTS, the SSL redirect and
    the API schema's own checks (drf-spectacular) must all be clean."""
    env = {
        key: value
        for key, value in os.environ.items()
        # DJANGO_ALLOW_ASYNC_UNSAFE is set by the browser tests' setup in this process, never in production.
        if key
        not in {
            "DEBUG",
            "SECURE_COOKIES",
            "SECURE_SSL_REDIRECT",
            "SECURE_HSTS_SECONDS",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
        }
    }
    env |= {"SECRET_KEY": secrets.token_urlsafe(50), "DEBUG": "0", "ALLOWED_HOSTS": "hub.example.org"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
    assert "Warning" not in result.stderr


def test_production_settings_turn_on_hsts_and_the_ssl_redirect():
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECURE_COOKIES"}}
    env |= {"SECRET_KEY": secrets.token_urlsafe(50)}
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env | {"DJANGO_SETTINGS_MODULE": "hubportal.settings"},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout.split()
    assert out == ["True", "True", "31536000"]
    plain = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env | {"DJANGO_SETTINGS_MODULE": "hubportal.settings", "SECURE_COOKIES": "0"},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout.split()
    assert plain == ["False", "False", "0"]
