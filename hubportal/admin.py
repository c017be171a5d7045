"""Administrators see every outgoing message, and send failed ones again."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import Job, OutboxMessage
from .outbox import retry_messages


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ["created_at", "recipient", "channel", "subject", "status", "attempts", "last_error"]
    list_filter = ["status", "channel"]
    search_fields = ["recipient", "subject"]
    actions = ["retry"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

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
class JobAdmin(admin.ModelAdmin):
    list_display = ["created_at", "kind", "title", "status", "done", "total", "user"]
    list_filter = ["status", "kind"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
