"""The admin of the incubation app.

The standard manual's checklist items are configuration: administrators edit them here.
Bases, residencies, funds and their movements are domain records that change only through
`incubation.services` (capacity, balance, history, notifications): the admin shows them
read-only.
"""

from django.contrib import admin

from hubportal.admin import ReadOnly

from .models import ChecklistItem, FundMovement, IncubationBase, IncubationFund, Residency


@admin.register(ChecklistItem)
class ChecklistItemAdmin(admin.ModelAdmin):
    list_display = ["code", "text", "weight", "active", "order"]
    list_editable = ["weight", "active", "order"]
    search_fields = ["code", "text"]


@admin.register(IncubationBase)
class IncubationBaseAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["name", "unit", "base_type", "work_stations", "opened_on"]
    list_filter = ["base_type", "unit__level"]
    search_fields = ["name", "address"]
    list_select_related = ["unit"]


@admin.register(Residency)
class ResidencyAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["organization", "base", "status", "applied_on", "admitted_on", "ended_on"]
    list_filter = ["status"]
    search_fields = ["organization__name", "base__name"]
    list_select_related = ["organization", "base"]


@admin.register(IncubationFund)
class IncubationFundAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["name", "unit", "established_on", "balance"]
    search_fields = ["name"]
    list_select_related = ["unit"]


@admin.register(FundMovement)
class FundMovementAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["fund", "date", "kind", "amount", "purpose"]
    list_filter = ["kind"]
    search_fields = ["purpose", "fund__name"]
    list_select_related = ["fund"]
