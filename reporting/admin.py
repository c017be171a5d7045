from django.contrib import admin

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


@admin.register(models.Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ["unit", "form", "period_start", "status", "first_submitted_at"]
    list_filter = ["status", "form"]
    raw_id_fields = ["unit", "approved_by", "updated_by"]


class TargetRuleInline(admin.TabularInline):
    model = models.TargetRule
    extra = 0


@admin.register(models.Programme)
class ProgrammeAdmin(admin.ModelAdmin):
    list_display = ["name", "owner", "start_year", "end_year"]
    inlines = [TargetRuleInline]


@admin.register(models.TargetSnapshot)
class TargetSnapshotAdmin(admin.ModelAdmin):
    list_display = ["unit", "rule", "period", "value", "threshold", "status"]
    list_filter = ["period", "status"]
    raw_id_fields = ["unit", "rule"]


admin.site.register(
    [models.UnlockRequest, models.Reminder, models.SpotCheck, models.SpotCheckItem, models.ReturnReason]
)
