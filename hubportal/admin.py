"""The admin's shared rule, and the shell's own records.

Domain records (organizations, bases, reports ...) change only through their services,
which check jurisdiction, keep history and send what must be sent; the admin shows them
through `ReadOnly` and changes nothing. Configuration (report forms, checklists, programmes)
stays editable. Administrators also see every outgoing message, and send failed ones again.
"""

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import Job, OutboxMessage
from .outbox import retry_messages


class ReadOnly:
    """Look, never touch: mix into a ModelAdmin or an inline of a domain record."""

    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["created_at", "recipient", "channel", "subject", "status", "attempts", "last_error"]
    list_filter = ["status", "channel"]
    search_fields = ["recipient", "subject"]
    actions = ["retry"]

    @admin.action(description=_("Send the selected failed messages again"))
    def retry(self, request, queryset):
        count = retry_messages(request.user, queryset.values_list("pk", flat=True))
        self.message_user(
            request,
            ngettext("%(n)d message will be sent again.", "%(n)d messages will be sent again.", count)
            % {"n": count},
            messages.SUCCESS,
        )


@admin.register(Job)
class JobAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["created_at", "kind", "title", "status", "done", "total", "user"]
    list_filter = ["status", "kind"]
