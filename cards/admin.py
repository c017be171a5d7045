"""The admin of the cards app: cards and holders are domain records (issued, reported lost
and revoked through `cards.services`): read-only here, and without the personal data."""

from django.contrib import admin

from hubportal.admin import ReadOnly

from .models import Card, Holder


@admin.register(Card)
class CardAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["number", "kind", "issuing_unit", "issued_on", "status"]
    list_filter = ["kind", "status"]
    search_fields = ["number"]
    list_select_related = ["issuing_unit"]
    exclude = ["token"]


@admin.register(Holder)
class HolderAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["name", "unit", "is_member", "is_volunteer", "created_at"]
    list_filter = ["is_member", "is_volunteer"]
    search_fields = ["name"]
    list_select_related = ["unit"]
    exclude = ["id_number", "phone", "birth_date"]  # personal data: for the holder's own unit only
