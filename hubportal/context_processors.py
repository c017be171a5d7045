"""Template context every page needs: navigation for the user's roles, broker warnings."""

from django.http import HttpRequest

from .registry import nav_for
from .tasks import broker_reachable


def portal(request: HttpRequest) -> dict:
    user = request.user
    show_broker_warning = bool(user.is_authenticated and user.is_staff and not broker_reachable())
    return {"nav_items": nav_for(user), "broker_down": show_broker_warning}
