"""The admin of the star ratings: every record is read-only here. Systems, rounds, panels,
scores, results, objections and ratings change only through `evaluation.services` (frozen
systems, phases, deadlines, conflicts, blind scoring, history, messages)."""

from django.contrib import admin

from hubportal.admin import ReadOnly

from .models import (
    Assignment,
    Certificate,
    Expert,
    IndicatorSystem,
    Objection,
    Rating,
    Round,
    ServiceProject,
    Subject,
)


@admin.register(IndicatorSystem)
class IndicatorSystemAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["name", "code", "edition", "subject_type", "status", "total_points", "unit"]
    list_filter = ["subject_type", "status"]
    search_fields = ["name", "code"]
    list_select_related = ["unit"]


@admin.register(Round)
class RoundAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["name", "year", "subject_type", "phase", "unit"]
    list_filter = ["subject_type", "phase", "year"]
    search_fields = ["name"]
    list_select_related = ["unit"]


@admin.register(Subject)
class SubjectAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["name", "round", "status", "result", "total", "stars"]
    list_filter = ["status", "result"]
    search_fields = ["name"]
    list_select_related = ["round"]


@admin.register(Expert)
class ExpertAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["user", "unit", "expertise", "active"]
    list_filter = ["active"]
    search_fields = ["user__full_name", "user__username", "expertise"]
    list_select_related = ["user", "unit"]
    exclude = ["id_number"]


@admin.register(Assignment)
class AssignmentAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["subject", "assessor", "attempt", "status", "deadline"]
    list_filter = ["status"]
    list_select_related = ["subject", "assessor"]


@admin.register(Objection)
class ObjectionAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["subject", "filed_at", "status", "answered_at"]
    list_filter = ["status"]
    list_select_related = ["subject"]


@admin.register(Rating)
class RatingAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["subject", "year", "stars", "total", "valid_from", "valid_until", "status"]
    list_filter = ["subject_type", "status", "stars"]
    list_select_related = ["subject"]


@admin.register(Certificate)
class CertificateAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["code", "rating", "issued_at", "revoked_at"]
    search_fields = ["code"]
    list_select_related = ["rating__subject"]


@admin.register(ServiceProject)
class ServiceProjectAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["name", "organization", "started_on", "funder"]
    search_fields = ["name", "organization__name"]
    list_select_related = ["organization"]
