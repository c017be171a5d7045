"""The cards API: cards (issue one; report lost, revoke) and the members and volunteers
holding them. Rows come through `visible_to()`; every write is a service of
`cards.services` (a member outside 14–28, a duplicate card number or ID number, an active
card of the same kind: a 400 by field, nothing changed). Personal data is masked for all but
the cadres of the holder's unit. Bulk issuance is the Excel import (`/cards/import/`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cards import services
from cards.filters import CardFilterSet, HolderFilterSet
from cards.models import Card, Holder
from hubportal.api import JurisdictionViewSet, service_action

from .serializers import CardSerializer, HolderSerializer, ReasonBody


def issue_from_body(actor: Any, data: Mapping[str, Any]) -> Card:
    holder = data.get("holder") or {}
    return services.issue_card(actor, {**data, **holder})


class CardViewSet(JurisdictionViewSet):
    """Cards; POST issues one; `lost/` and `revoke/` (with a `reason`) end its validity."""

    queryset = Card.objects.all()
    serializer_class = CardSerializer
    filterset_class = CardFilterSet
    ordering_fields = ["issued_on", "number"]
    ordering = ["-issued_on", "-pk"]
    http_method_names = ["get", "post", "head", "options"]
    create_service = issue_from_body

    report_lost = service_action(services.report_card_lost, body=ReasonBody, url_path="lost")
    revoke = service_action(services.revoke_card, body=ReasonBody, url_path="revoke")

    def optimize(self, queryset):
        return queryset.select_related("holder", "issuing_unit")


class HolderViewSet(JurisdictionViewSet):
    """Members and volunteers known to the portal; POST registers one, PATCH corrects one
    (only the cadres of the person's unit)."""

    queryset = Holder.objects.all()
    serializer_class = HolderSerializer
    filterset_class = HolderFilterSet
    ordering_fields = ["name", "created_at"]
    ordering = ["unit_id", "name", "pk"]
    http_method_names = ["get", "post", "patch", "head", "options"]
    create_service = services.register_holder
    update_service = services.update_holder

    def optimize(self, queryset):
        return queryset.select_related("unit")
