from django.contrib import admin

from .models import LeagueUnit


@admin.register(LeagueUnit)
class LeagueUnitAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "level", "kind", "region", "parent"]
    list_filter = ["level", "kind", "region"]
    search_fields = ["name", "code"]
    autocomplete_fields = ["parent"]
    readonly_fields = ["path", "depth"]
