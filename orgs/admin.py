from django.contrib import admin

from hubportal.admin import ReadOnly

from .models import LeagueUnit


@admin.register(LeagueUnit)
class LeagueUnitAdmin(ReadOnly, admin.ModelAdmin):
    """The tree, read only: units are added, moved and removed on the portal's unit pages,
    through `orgs.services` (jurisdiction of the parent, no move below itself, a unit still
    referenced is kept with a message). The admin keeps it for searching and autocompletion."""

    list_display = ["name", "code", "level", "kind", "region", "parent"]
    list_filter = ["level", "kind", "region"]
    search_fields = ["name", "code"]
