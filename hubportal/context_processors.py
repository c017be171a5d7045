"""Template context every page needs: navigation for the user's roles, broker warnings."""

from django.http import HttpRequest

from .outbox import failed_count
from .registry import nav_entries, nav_for
from .tasks import broker_reachable


def portal(request: HttpRequest) -> dict:
    user = request.user
    show_broker_warning = bool(user.is_authenticated and user.is_staff and not broker_reachable())
    failed_messages = failed_count() if user.is_authenticated and user.is_staff else 0
    items = nav_for(user)
    public = [item for item in items if item.audience == "public"]
    # Signed-in users (cadres, representatives, assessors) work in their own pages; the public
    # pages move into one drop-down for them, so the bar fits 1280 px in every language.
    if user.is_authenticated:
        main = [item for item in items if item.audience != "public"]
    else:
        main, public = items, []
    return {
        "nav_items": main,
        "nav_entries": nav_entries(main),
        "public_nav_items": public,
        "all_public_nav_items": [item for item in items if item.audience == "public"],
        "broker_down": show_broker_warning,
        "failed_messages": failed_messages,
    }
