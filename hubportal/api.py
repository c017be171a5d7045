"""Shared API building blocks: pagination, error format, jurisdiction-scoped viewsets."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, permissions, serializers, viewsets

from .jurisdiction import Action


class JurisdictionPermission(permissions.IsAuthenticated):
    """Reads need view rights, writes need change rights on the record's unit."""

    def has_object_permission(self, request, view, obj):
        action = Action.VIEW if request.method in permissions.SAFE_METHODS else Action.CHANGE
        if type(obj).objects.visible_to(request.user, action).filter(pk=obj.pk).exists():
            return True
        raise exceptions.PermissionDenied(_("This record lies outside the units you may change."))


class JurisdictionViewSet(viewsets.ModelViewSet):
    """A model viewset whose every row comes through `visible_to()`."""

    permission_classes = [JurisdictionPermission]

    def get_queryset(self):
        queryset = (
            self.queryset if self.queryset is not None else self.serializer_class.Meta.model.objects.all()
        )
        return self.optimize(queryset.visible_to(self.request.user, Action.VIEW))

    def optimize(self, queryset):
        return queryset

    def perform_create(self, serializer):
        with transaction.atomic():
            serializer.save()

    def perform_update(self, serializer):
        with transaction.atomic():
            serializer.save()


class JurisdictionReadOnlyViewSet(JurisdictionViewSet, viewsets.ReadOnlyModelViewSet):
    http_method_names = ["get", "head", "options"]


class UnitInJurisdictionField(serializers.PrimaryKeyRelatedField):
    """A league unit chosen in an API body: only units the user may change are accepted."""

    default_error_messages = {
        # DRF fills the message with str.format(), hence braces rather than %(pk_value)s.
        "does_not_exist": gettext_lazy(
            "Unit {pk_value} does not exist or lies outside the units you may change."
        ),
    }

    def get_queryset(self):
        from orgs.models import LeagueUnit

        request = self.context.get("request")
        return LeagueUnit.objects.visible_to(request.user if request else None, Action.CHANGE)
