"""Anti-automation on every credential endpoint: the login page, the admin's login, the
token endpoint, password reset.

Three nets, each counted per hour in the shared cache (`hubportal.ratelimit`, Redis):

- **failed log-ins per client address** (`HUB_LOGIN_FAILURES_PER_ADDRESS`, 30): one address
  guessing across many usernames is stopped, whatever usernames it tries;
- **failed log-ins per account** (`HUB_LOGIN_FAILURES_PER_ACCOUNT`, 20): one account guessed
  from many addresses is stopped;
- django-axes' lock-out of a username from one address after five failures (15 minutes),
  kept in the database.

Failures are counted by a receiver of Django's `user_login_failed`, so every caller of
`authenticate()` counts; `LoginThrottleBackend` (first in `AUTHENTICATION_BACKENDS`) refuses
before any password is checked, and the refusal is answered by `lockout_response` (axes'
lock-out hook): a 429 page, or a JSON 429 under `/api/`, saying why and for how long.

The token endpoint also counts every request (`HUB_TOKEN_REQUESTS_PER_ADDRESS` / `_PER_ACCOUNT`),
and password reset every request per address and every mail per e-mail address
(`HUB_PASSWORD_RESETS_PER_ADDRESS` / `_PER_EMAIL`).
"""

from __future__ import annotations

import math
from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import PermissionDenied
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from hubportal.ratelimit import (
    RateLimited,
    client_address,
    count_use,
    hit_rate_limit,
    identity,
    over_limit,
    seconds_left,
)

FAILURES_BY_ADDRESS = "login-failures:address"
FAILURES_BY_ACCOUNT = "login-failures:account"
REQUESTS_BY_ADDRESS = "token-requests:address"
REQUESTS_BY_ACCOUNT = "token-requests:account"
RESET_BY_ADDRESS = "password-reset:address"
RESET_BY_EMAIL = "password-reset:email"


def _minutes(seconds: int) -> int:
    return max(1, math.ceil(seconds / 60))


def login_refusal(request: Any, username: str | None) -> RateLimited | None:
    """Why a credential check from this request must not even be tried, or None.

    Reads the counters of failed log-ins; counts nothing."""
    wait = seconds_left()
    if over_limit(FAILURES_BY_ADDRESS, client_address(request), settings.HUB_LOGIN_FAILURES_PER_ADDRESS):
        return RateLimited(
            _(
                "Too many failed log-ins came from your network in the last hour. For your security, "
                "log-in from this address is paused; try again in %(minutes)d minutes."
            )
            % {"minutes": _minutes(wait)},
            wait,
        )
    if username and over_limit(
        FAILURES_BY_ACCOUNT, identity(username), settings.HUB_LOGIN_FAILURES_PER_ACCOUNT
    ):
        return RateLimited(
            _(
                "Too many failed log-ins for this account in the last hour. For its security, log-in "
                "is paused; try again in %(minutes)d minutes, or reset your password."
            )
            % {"minutes": _minutes(wait)},
            wait,
        )
    return None


@receiver(user_login_failed, dispatch_uid="accounts.throttle.count_failure")
def count_failure(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    """Every failed `authenticate()` with a request counts against its address and account."""
    if request is None:
        return
    count_use(FAILURES_BY_ADDRESS, client_address(request))
    username = credentials.get("username")
    if username:
        count_use(FAILURES_BY_ACCOUNT, identity(str(username)))


class LoginThrottleBackend:
    """Refuses before any password is checked while the address or account is over its limit.

    It authenticates no one itself; its refusal stops `authenticate()` (a `PermissionDenied`),
    and flags the request for `lockout_response`."""

    def authenticate(self, request: Any, username: str | None = None, **kwargs: Any) -> None:
        if request is None:
            return None
        refusal = login_refusal(request, username)
        if refusal is not None:
            request.hub_throttled = refusal
            request.axes_locked_out = True  # answered by lockout_response through AxesMiddleware
            raise PermissionDenied(refusal.message)
        return None


def check_token_request(request: Any, username: str) -> None:
    """Count a request to the token endpoint; raise `RateLimited` when its address or account
    has asked too often this hour, or has failed too often to log in."""
    wait = seconds_left()
    by_address = hit_rate_limit(
        REQUESTS_BY_ADDRESS, client_address(request), settings.HUB_TOKEN_REQUESTS_PER_ADDRESS
    )
    by_account = hit_rate_limit(
        REQUESTS_BY_ACCOUNT, identity(username), settings.HUB_TOKEN_REQUESTS_PER_ACCOUNT
    )
    if by_address or by_account:
        raise RateLimited(
            _("Too many token requests in the last hour; try again in %(minutes)d minutes.")
            % {"minutes": _minutes(wait)},
            wait,
        )
    refusal = login_refusal(request, username)
    if refusal is not None:
        raise refusal


def check_password_reset(request: Any) -> None:
    """Count a password-reset request from this address; `RateLimited` when over the limit."""
    wait = seconds_left()
    if hit_rate_limit(RESET_BY_ADDRESS, client_address(request), settings.HUB_PASSWORD_RESETS_PER_ADDRESS):
        raise RateLimited(
            _(
                "Too many password resets were asked for from your network in the last hour; "
                "try again in %(minutes)d minutes."
            )
            % {"minutes": _minutes(wait)},
            wait,
        )


def may_mail_reset(email: str) -> bool:
    """Count a reset mail to `email`; False once this hour's mails to it are used up (the page
    then says the same as ever: whether an account exists is never told)."""
    return not hit_rate_limit(RESET_BY_EMAIL, identity(email), settings.HUB_PASSWORD_RESETS_PER_EMAIL)


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    """The 429 of a refused credential check (`AXES_LOCKOUT_CALLABLE`): django-axes' lock-out of
    a username, or one of the limits above; JSON under `/api/`, else the lock-out page."""
    refusal: RateLimited | None = getattr(request, "hub_throttled", None)
    if refusal is not None:
        message, wait = refusal.message, refusal.wait or seconds_left()
    else:
        message = _(
            "Too many failed log-in attempts. For your security, log-in is locked for 15 minutes. "
            "Try again later, or reset your password."
        )
        wait = int(float(settings.AXES_COOLOFF_TIME) * 3600)
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse(
            {"detail": message}, status=429, json_dumps_params={"ensure_ascii": False}
        )
    else:
        context = {"message": message, "paused": refusal is not None}
        response = render(request, "accounts/locked_out.html", context, status=429)
    response["Retry-After"] = str(wait)
    return response
