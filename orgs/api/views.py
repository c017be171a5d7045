"""The registry's API: the same FilterSets, jurisdiction and service functions as the pages."""

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.serializers import ValidationError, as_serializer_error

from hubportal.api import JurisdictionReadOnlyViewSet, JurisdictionViewSet
from orgs import services
from orgs.filters import (
    BackboneMemberFilterSet,
    ContactLogFilterSet,
    DirectContactFilterSet,
    LeagueBuildingFilterSet,
    LeagueUnitFilterSet,
    OrganizationFilterSet,
)
from orgs.models import BackboneMember, ContactLog, DirectContact, LeagueBuilding, LeagueUnit, Organization

from .serializers import (
    BackboneMemberSerializer,
    ContactLogSerializer,
    DirectContactSerializer,
    LeagueBuildingSerializer,
    LeagueUnitSerializer,
    OrganizationSerializer,
    StatusChangeSerializer,
)


class LeagueUnitViewSet(JurisdictionReadOnlyViewSet):
    """The league-unit tree within the caller's jurisdiction; `?subtree=<id>` for a branch."""

    queryset = LeagueUnit.objects.all()
    serializer_class = LeagueUnitSerializer
    filterset_class = LeagueUnitFilterSet
    ordering_fields = ["path", "name", "code", "depth"]
    ordering = ["path"]


class OrganizationViewSet(JurisdictionViewSet):
    """Youth organizations within the caller's jurisdiction, with the list page's filters
    (`?q=` searches names, pinyin initials and near names). Updates need the `version` read."""

    queryset = Organization.objects.all()
    serializer_class = OrganizationSerializer
    filterset_class = OrganizationFilterSet
    ordering_fields = ["name", "founded_on", "registered_on", "youth_covered", "created_at", "status", "tier"]
    ordering = ["name", "pk"]

    def optimize(self, queryset):
        return queryset.select_related("governing_unit")

    def perform_destroy(self, instance):
        services.delete_organization(self.request.user, instance.pk)

    @extend_schema(request=StatusChangeSerializer, responses=OrganizationSerializer)
    @action(detail=True, methods=["post"])
    def status(self, request, pk=None):
        """Move the organization to another status (approve, return, reject, suspend, ...)."""
        org = self.get_object()
        body = StatusChangeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            org = services.change_status(
                request.user, org.pk, body.validated_data["to"], body.validated_data["reason"]
            )
        except DjangoValidationError as error:
            raise ValidationError(as_serializer_error(error)) from error
        return Response(
            OrganizationSerializer(org, context=self.get_serializer_context()).data, status=status.HTTP_200_OK
        )


class BackboneMemberViewSet(JurisdictionViewSet):
    """Backbone members; phone and ID number are masked in the list, full on one record."""

    queryset = BackboneMember.objects.all()
    serializer_class = BackboneMemberSerializer
    filterset_class = BackboneMemberFilterSet
    ordering_fields = ["name", "birth_year", "created_at"]
    ordering = ["organization_id", "name", "pk"]

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["mask_personal_data"] = self.action == "list"
        return context

    def perform_destroy(self, instance):
        services.delete_backbone_member(self.request.user, instance.pk)


class LeagueBuildingViewSet(JurisdictionViewSet):
    queryset = LeagueBuilding.objects.all()
    serializer_class = LeagueBuildingSerializer
    filterset_class = LeagueBuildingFilterSet
    ordering_fields = ["founded_on", "branch_name", "member_count"]
    ordering = ["-founded_on", "pk"]

    def optimize(self, queryset):
        return queryset.prefetch_related("organizations")

    def perform_destroy(self, instance):
        services.delete_league_building(self.request.user, instance.pk)


class ContactLogViewSet(JurisdictionViewSet):
    queryset = ContactLog.objects.all()
    serializer_class = ContactLogSerializer
    filterset_class = ContactLogFilterSet
    ordering_fields = ["date", "days"]
    ordering = ["-date", "-pk"]

    def optimize(self, queryset):
        return queryset.select_related("cadre")

    def perform_destroy(self, instance):
        services.delete_contact_log(self.request.user, instance.pk)


class DirectContactViewSet(JurisdictionViewSet):
    queryset = DirectContact.objects.all()
    serializer_class = DirectContactSerializer
    filterset_class = DirectContactFilterSet
    ordering_fields = ["since"]
    ordering = ["-since", "pk"]

    def optimize(self, queryset):
        return queryset.select_related("unit")

    def perform_destroy(self, instance):
        services.remove_direct_contact(self.request.user, instance.pk)
