"""Typed requests: a view behind a login sees `request.user` as a `User`, not a union with
`AnonymousUser`, so the type checker holds every use of it to the real model."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest

if TYPE_CHECKING:
    from accounts.models import User


class AuthenticatedHttpRequest(HttpRequest):
    user: User
