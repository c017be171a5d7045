from django.contrib import admin

from .models import ChecklistItem


@admin.register(ChecklistItem)
class ChecklistItemAdmin(admin.ModelAdmin):
    """The standard manual's items are configuration: administrators edit them here."""

    list_display = ["code", "text", "weight", "active", "order"]
    list_editable = ["weight", "active", "order"]
    search_fields = ["code", "text"]
