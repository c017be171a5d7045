"""The star-rating history shown on other apps' pages (a base's or an organization's page,
for cadres and for the public): every final rating, newest first, with its validity, its
standing (in force, expired, superseded) and its certificate's verification code.

Ratings are public facts (the stars are published after the notice period), so the
history is the same for everyone who may open the page. One query.
"""

from __future__ import annotations

from typing import Any

from .models import Rating


def rating_history(*, base: Any = None, organization: Any = None, project: Any = None) -> list[Rating]:
    rows = Rating.objects.select_related("round", "certificate")
    if base is not None:
        rows = rows.filter(base=base)
    elif organization is not None:
        rows = rows.filter(organization=organization)
    elif project is not None:
        rows = rows.filter(project=project)
    else:
        return []
    return list(rows.order_by("-valid_from", "-pk"))


def current_rating(ratings: list[Rating]) -> Rating | None:
    """The newest rating in force (possibly expired: the page says so), or None."""
    return next((r for r in ratings if r.status == Rating.Status.CURRENT), None)
