"""The admin of the training app: camps, sessions, trainers, quotas, people, enrolments,
attendance and certificates are domain records that change only through
`training.services` (seats, waiting list, messages, history): the admin shows them read-only.
Feedback is not shown at all: it is anonymous, and its averages are on the camp's page.
"""

from django.contrib import admin

from hubportal.admin import ReadOnly

from .models import Attendance, Camp, CampSession, Certificate, Enrolment, SeatQuota, Trainee, Trainer


@admin.register(Camp)
class CampAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["title", "organizer", "level", "starts_on", "ends_on", "capacity", "status"]
    list_filter = ["status", "level"]
    search_fields = ["title", "address"]
    list_select_related = ["organizer"]


@admin.register(CampSession)
class CampSessionAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["title", "camp", "trainer", "starts_at", "ends_at"]
    search_fields = ["title", "camp__title"]
    list_select_related = ["camp", "trainer"]


@admin.register(Trainer)
class TrainerAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["name", "affiliation", "unit", "shared", "active"]
    list_filter = ["shared", "active"]
    search_fields = ["name", "affiliation"]
    list_select_related = ["unit"]


@admin.register(SeatQuota)
class SeatQuotaAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["camp", "unit", "parent", "seats"]
    list_select_related = ["camp", "unit", "parent__unit"]


@admin.register(Trainee)
class TraineeAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["name", "unit", "organization"]
    search_fields = ["name"]
    list_select_related = ["unit", "organization"]


@admin.register(Enrolment)
class EnrolmentAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["trainee", "camp", "status", "unit", "queued_at"]
    list_filter = ["status"]
    search_fields = ["trainee__name", "camp__title"]
    list_select_related = ["trainee", "camp", "unit"]
    exclude = ["access_token"]


@admin.register(Attendance)
class AttendanceAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["enrolment", "session", "checked_in_at", "method"]
    list_filter = ["method"]
    list_select_related = ["enrolment__trainee", "enrolment__camp", "session"]


@admin.register(Certificate)
class CertificateAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["code", "enrolment", "issued_on", "revoked_at"]
    search_fields = ["code", "enrolment__trainee__name"]
    list_select_related = ["enrolment__trainee", "enrolment__camp"]
