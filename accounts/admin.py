from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from .models import Membership, User


class ReadOnlyMemberships:
    """Memberships are shown, not edited, here: a unit's administrators (and the portal's,
    who administer every unit) change them on the unit's members page, through
    `accounts.services`, which checks the right to manage the unit and mails new accounts."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class MembershipInline(ReadOnlyMemberships, admin.TabularInline):
    model = Membership
    extra = 0
    fields = ["unit", "role", "position"]
    readonly_fields = ["unit", "role", "position"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "full_name", "email", "phone", "is_assessor", "is_representative", "is_staff"]
    search_fields = ["username", "full_name", "email", "phone"]
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        (_("Portal"), {"fields": ["full_name", "phone", "is_assessor", "is_representative"]}),
    )
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(ReadOnlyMemberships, admin.ModelAdmin):
    list_display = ["user", "unit", "role", "position"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__full_name", "unit__name"]
