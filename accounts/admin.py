from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import Membership, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["unit"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "full_name", "email", "phone", "is_assessor", "is_representative", "is_staff"]
    search_fields = ["username", "full_name", "email", "phone"]
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (_("Portal"), {"fields": ["full_name", "phone", "is_assessor", "is_representative"]}),
    )
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "unit", "role", "position"]
    list_filter = ["role"]
    autocomplete_fields = ["user", "unit"]
    search_fields = ["user__username", "user__full_name", "unit__name"]
