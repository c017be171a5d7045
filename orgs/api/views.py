"""The registry's API: the same FilterSets, jurisdiction and services as the pages.

Reads go through `visible_to()` and `get_for` (404 outside the jurisdiction, 403 when only
viewable); every write is a service named on the viewset, so the API and the pages have the
same rules and the same effects (a review decision taken here tells the group, as the review
queue does). Refusals become answers in `hubportal.drf.exception_handler`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hubportal.api import JurisdictionReadOnlyViewSet, JurisdictionViewSet, service_action
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


def under(parent: str, create: Callable[..., Any]) -> Callable[..., Any]:
    """A create service `create(actor, organization_pk, data)` fed from a body that names the
    organization in its `parent` field, as `create_service(actor, validated_data)`."""

    def create_from_body(actor: Any, data: dict[str, Any]) -> Any:
        fields = dict(data)
        return create(actor, fields.pop(parent).pk, fields)

    create_from_body.__name__ = create_from_body.__qualname__ = create.__name__
    create_from_body.__doc__ = create.__doc__
    return create_from_body


class LeagueUnitViewSet(JurisdictionReadOnlyViewSet):
    """The league-unit tree within the caller's jurisdiction; `?subtree=<id>` for a branch."""

    queryset = LeagueUnit.objects.all()
    serializer_class = LeagueUnitSerializer
    filterset_class = LeagueUnitFilterSet
    ordering_fields = ["path", "name", "code", "depth"]
    ordering = ["path"]


class OrganizationViewSet(JurisdictionViewSet):
    """Youth organizations within the caller's jurisdiction, with the list page's filters
    (`?q=` searches names, pinyin initials and near names). Updates need the `version` read;
    an older one is answered with 409."""

    queryset = Organization.objects.all()
    serializer_class = OrganizationSerializer
    filterset_class = OrganizationFilterSet
    ordering_fields = ["name", "founded_on", "registered_on", "youth_covered", "created_at", "status", "tier"]
    ordering = ["name", "pk"]
    create_service = services.create_organization
    update_service = services.update_organization
    destroy_service = services.delete_organization

    # POST …/status/ {"to": …, "reason": …}: approve, return, reject, suspend, dissolve, reinstate.
    change_status = service_action(services.change_status, body=StatusChangeSerializer, url_path="status")

    def optimize(self, queryset):
        return queryset.select_related("governing_unit")


class BackboneMemberViewSet(JurisdictionViewSet):
    """Backbone members; phone and ID number in full only to those who may change the
    organization, masked (without the birth date) for everyone else (`hubportal.personal`)."""

    queryset = BackboneMember.objects.all()
    serializer_class = BackboneMemberSerializer
    filterset_class = BackboneMemberFilterSet
    ordering_fields = ["name", "birth_year", "created_at"]
    ordering = ["organization_id", "name", "pk"]
    create_service = under("organization", services.add_backbone_member)
    update_service = services.update_backbone_member
    destroy_service = services.delete_backbone_member

    def optimize(self, queryset):
        # The owning unit decides the masking of every row: read with the rows.
        return queryset.select_related("organization__governing_unit")


class LeagueBuildingViewSet(JurisdictionViewSet):
    queryset = LeagueBuilding.objects.all()
    serializer_class = LeagueBuildingSerializer
    filterset_class = LeagueBuildingFilterSet
    ordering_fields = ["founded_on", "branch_name", "member_count"]
    ordering = ["-founded_on", "pk"]
    create_service = under("lead_organization", services.record_league_building)
    update_service = services.update_league_building
    destroy_service = services.delete_league_building

    def optimize(self, queryset):
        return queryset.prefetch_related("organizations")


class ContactLogViewSet(JurisdictionViewSet):
    queryset = ContactLog.objects.all()
    serializer_class = ContactLogSerializer
    filterset_class = ContactLogFilterSet
    ordering_fields = ["date", "days"]
    ordering = ["-date", "-pk"]
    create_service = under("organization", services.log_contact)
    update_service = services.update_contact_log
    destroy_service = services.delete_contact_log

    def optimize(self, queryset):
        return queryset.select_related("cadre")


class DirectContactViewSet(JurisdictionViewSet):
    queryset = DirectContact.objects.all()
    serializer_class = DirectContactSerializer
    filterset_class = DirectContactFilterSet
    ordering_fields = ["since"]
    ordering = ["-since", "pk"]
    create_service = under("organization", services.add_direct_contact)
    update_service = services.update_direct_contact
    destroy_service = services.delete_direct_contact

    def optimize(self, queryset):
        return queryset.select_related("unit")
