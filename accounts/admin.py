from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from hubportal.admin import ReadOnly

from .models import Membership, User


class MembershipInline(ReadOnly, admin.TabularInline):
    """Memberships are shown, not edited, here: a unit's administrators change them on the
    unit's members page, through `accounts.services` (the right to manage the unit, the
    welcome mail of a new account)."""

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
class MembershipAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["user", "unit", "role", "position"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__full_name", "unit__name"]
