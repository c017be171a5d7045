"""The admin of the co-building app: every record is a domain record that changes only
through `cobuilding.services` (terms that never overlap, a chair who leads a member unit's
league organization, contact-log entries for activities, a branch paid once): the admin
shows them read-only, for searching."""

from django.contrib import admin

from hubportal.admin import ReadOnly

from .models import Activity, BranchSubsidy, ChairTerm, Committee, Funding, MemberUnit, Person, Venue


@admin.register(Committee)
class CommitteeAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["name", "subdistrict", "founded_on"]
    search_fields = ["name", "subdistrict__name"]
    list_select_related = ["subdistrict"]


@admin.register(MemberUnit)
class MemberUnitAdmin(ReadOnly, admin.ModelAdmin):
    list_display = [
        "name",
        "committee",
        "affiliation",
        "league_organization",
        "leader_name",
        "joined_on",
        "left_on",
    ]
    list_filter = ["affiliation"]
    search_fields = ["name", "league_organization", "leader_name"]
    list_select_related = ["committee"]


@admin.register(ChairTerm)
class ChairTermAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["chair_name", "member_unit", "committee", "starts_on", "ends_on"]
    search_fields = ["chair_name", "member_unit__name"]
    list_select_related = ["committee", "member_unit"]


@admin.register(Venue)
class VenueAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["name", "committee", "kind", "setup", "opened_on", "closed_on"]
    list_filter = ["kind", "setup"]
    search_fields = ["name", "address"]
    list_select_related = ["committee"]


@admin.register(Person)
class PersonAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["name", "role", "committee", "started_on", "ended_on"]
    list_filter = ["role"]
    search_fields = ["name"]
    list_select_related = ["committee"]
    exclude = ["phone"]  # personal data: on the portal's pages, for those who may change the record


@admin.register(Activity)
class ActivityAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["title", "committee", "kind", "held_on", "participants"]
    list_filter = ["kind"]
    search_fields = ["title"]
    list_select_related = ["committee"]


@admin.register(Funding)
class FundingAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["committee", "year", "source", "amount", "received_on"]
    list_filter = ["source", "year"]
    list_select_related = ["committee"]


@admin.register(BranchSubsidy)
class BranchSubsidyAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["league_building", "payer", "payer_unit", "amount", "paid_on", "voucher"]
    list_filter = ["payer"]
    list_select_related = ["league_building", "payer_unit"]
