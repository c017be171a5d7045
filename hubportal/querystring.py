"""Query strings with control characters, refused before any view runs."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase, JsonResponse
from django.shortcuts import render

from .text import CONTROL, CONTROL_MESSAGE


class ControlCharactersInQueryMiddleware:
    """A query string (search, filters, paging) holding a control character — `?q=%00` —
    answers 400 with a message in the user's language, before any view runs: PostgreSQL
    refuses a NUL in a text, so it would otherwise be a 500 wherever a parameter reaches a
    query (search, filters, ordering, the public directory)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if any(
            CONTROL.search(key) or any(CONTROL.search(v) for v in values)
            for key, values in request.GET.lists()
        ):
            message = str(CONTROL_MESSAGE)
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": message}, status=400)
            return render(request, "400.html", {"message": message}, status=400)
        return self.get_response(request)
