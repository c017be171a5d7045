"""Sessions end after `HUB_SESSION_IDLE_MINUTES` without a request (120) and, however busy,
`HUB_SESSION_MAX_HOURS` after the log-in (12).

The session keeps two times: when its user logged in (set by `user_logged_in`) and when it
was last used. The last use is written at most once a minute, so a page does not save its
session on every request. An expired session is logged out; a page then goes to the login
page, which says why (`?expired=idle|absolute`), and comes back after it; an API call goes on
as anonymous (and is refused as such); an HTMX request is told to load the login page.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import resolve_url

LOGGED_IN_AT = "_hub_logged_in_at"
LAST_SEEN_AT = "_hub_last_seen_at"
SEEN_PRECISION = 60  # seconds between two writes of the last use


@receiver(user_logged_in, dispatch_uid="accounts.middleware.start_session_clock")
def start_session_clock(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    session = getattr(request, "session", None)
    if session is None:
        return
    now = int(time.time())
    session[LOGGED_IN_AT] = now
    session[LAST_SEEN_AT] = now


def session_expiry(session: Any, now: int) -> str | None:
    """“idle”, “absolute”, or None while the session is still good (it is then touched)."""
    logged_in_at = session.get(LOGGED_IN_AT)
    last_seen_at = session.get(LAST_SEEN_AT)
    if logged_in_at is None or last_seen_at is None:
        # A session from before the clocks existed starts its clocks now.
        session[LOGGED_IN_AT] = logged_in_at or now
        session[LAST_SEEN_AT] = now
        return None
    if now - int(logged_in_at) > settings.HUB_SESSION_MAX_HOURS * 3600:
        return "absolute"
    if now - int(last_seen_at) > settings.HUB_SESSION_IDLE_MINUTES * 60:
        return "idle"
    if now - int(last_seen_at) >= SEEN_PRECISION:
        session[LAST_SEEN_AT] = now
    return None


class SessionTimeoutMiddleware:
    """After the authentication middleware: ends a session that idled or lived too long."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        user = getattr(request, "user", None)
        if session is not None and user is not None and user.is_authenticated:
            reason = session_expiry(session, int(time.time()))
            if reason is not None:
                logout(request)
                response = self._after_expiry(request, reason)
                if response is not None:
                    return response
        return self.get_response(request)

    @staticmethod
    def _after_expiry(request: HttpRequest, reason: str) -> HttpResponse | None:
        if request.path.startswith("/api/"):
            return None  # answered as anonymous: the client authenticates again
        login_url = resolve_url(settings.LOGIN_URL)
        query = {"expired": reason}
        if request.method == "GET" and not request.headers.get("HX-Request") and request.path != login_url:
            query["next"] = request.get_full_path()
        url = f"{login_url}?{urlencode(query)}"
        if request.headers.get("HX-Request"):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = url
            return response
        return HttpResponseRedirect(url)
