"""Admin of the reporting app.

Report forms (with their metrics and rules) and programmes (with their targets) are
configuration and stay editable here. Filed reports and every other domain record
(versions, values, returns, unlock requests, reminders, spot checks, snapshots) change only
through the services — filing, approval and unlocking have rules and effects that an edit
form would bypass — so their admins are read-only.
"""

from django.contrib import admin

from hubportal.admin import ReadOnly

from . import models


class MetricInline(admin.TabularInline):
    model = models.ReportMetric
    extra = 0


class RuleInline(admin.TabularInline):
    model = models.ValidationRule
    extra = 0


@admin.register(models.ReportForm)
class ReportFormAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "code",
        "version",
        "period_type",
        "deadline_day",
        "owner",
        "active_from",
        "active_to",
    ]
    inlines = [MetricInline, RuleInline]


class TargetRuleInline(admin.TabularInline):
    model = models.TargetRule
    extra = 0


@admin.register(models.Programme)
class ProgrammeAdmin(admin.ModelAdmin):
    list_display = ["name", "owner", "start_year", "end_year"]
    inlines = [TargetRuleInline]


class ReadOnlyInline(ReadOnly, admin.TabularInline):
    extra = 0


class ValueInline(ReadOnlyInline):
    model = models.ReportValue
    fields = ["metric", "int_value", "decimal_value", "text_value", "file"]


class ReturnInline(ReadOnlyInline):
    model = models.ReturnReason


class UnlockInline(ReadOnlyInline):
    model = models.UnlockRequest


@admin.register(models.Report)
class ReportAdmin(ReadOnly, admin.ModelAdmin):
    """Status, approval and unlocking are the services' (submit, approve, return, unlock)."""

    list_display = ["unit", "form", "period_start", "status", "first_submitted_at"]
    list_filter = ["status", "form"]
    list_select_related = ["unit", "form"]
    search_fields = ["unit__name"]
    inlines = [ValueInline, ReturnInline, UnlockInline]


@admin.register(models.TargetSnapshot)
class TargetSnapshotAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["unit", "rule", "period", "value", "threshold", "status"]
    list_filter = ["period", "status"]
    list_select_related = ["unit", "rule"]


@admin.register(models.UnlockRequest)
class UnlockRequestAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["report", "status", "requested_by", "requested_at", "decided_by", "unlocked_until"]
    list_filter = ["status"]
    list_select_related = ["report__unit", "report__form", "requested_by", "decided_by"]


@admin.register(models.ReturnReason)
class ReturnReasonAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["report", "code", "returned_by", "returned_at"]
    list_filter = ["code"]
    list_select_related = ["report__unit", "report__form", "returned_by"]


@admin.register(models.Reminder)
class ReminderAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["unit", "form", "period_start", "step", "recipients", "sent_at"]
    list_filter = ["step", "form"]
    list_select_related = ["unit", "form"]


class SpotCheckItemInline(ReadOnlyInline):
    model = models.SpotCheckItem
    fields = ["unit", "description", "weight", "assigned_to", "outcome", "note", "checked_at"]


@admin.register(models.SpotCheck)
class SpotCheckAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["title", "unit", "sample_size", "drawn_by", "created_at"]
    list_select_related = ["unit", "drawn_by"]
    inlines = [SpotCheckItemInline]


@admin.register(models.SpotCheckItem)
class SpotCheckItemAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["description", "unit", "outcome", "assigned_to", "checked_at"]
    list_filter = ["outcome"]
    list_select_related = ["unit", "assigned_to"]
