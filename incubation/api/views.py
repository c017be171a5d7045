"""The incubation API: bases, residencies, services delivered, funds and grants.

Rows come through `visible_to()` and `get_for()` (the shared viewsets: 404 outside the
jurisdiction, 403 when only viewable), the FilterSets are the pages' own, and every write is
one service of `incubation.services`, so a bad body gets the same messages the pages show
(translated into an answer by `hubportal.drf.exception_handler`), and nothing is half-applied.

A create names the record it acts on in its body (the fund of a movement, the residency of
a service delivered): it is read like a record in the URL, 404 when out of sight. Other
records named in a body (the organization of an application, a grantee) are refused with a
400 on their field that does not name them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from rest_framework.decorators import action

from hubportal.api import JurisdictionViewSet, service_action
from hubportal.schema import XLSX, file_answer
from incubation import services
from incubation.exports import fund_statement_workbook
from incubation.filters import (
    BaseFilterSet,
    FundFilterSet,
    FundMovementFilterSet,
    ResidencyFilterSet,
    ServiceDeliveryFilterSet,
)
from incubation.models import FundMovement, IncubationBase, IncubationFund, Residency, ServiceDelivery

from .serializers import (
    BaseSerializer,
    DateBody,
    FundMovementSerializer,
    FundSerializer,
    GraduateBody,
    ReasonBody,
    ResidencySerializer,
    ReverseBody,
    ServiceDeliverySerializer,
)

NO_DELETE = ["get", "post", "put", "patch", "head", "options"]


# A body's fields as the services' arguments.
def apply_from_body(actor: Any, data: Mapping[str, Any]) -> Residency:
    return services.apply_for_residency(
        actor, data["base_id"], data["organization_id"], note=data.get("note", ""), on=data.get("applied_on")
    )


def log_service_from_body(actor: Any, data: Mapping[str, Any]) -> ServiceDelivery:
    return services.log_service(
        actor,
        data["residency_id"],
        data.get("service_type", ""),
        data.get("date"),
        data.get("hours", 1),
        data.get("description", ""),
    )


def movement_from_body(actor: Any, data: Mapping[str, Any]) -> FundMovement:
    """`kind=raised`: money raised into the fund; `kind=granted`: a grant out of it."""
    if data["kind"] == FundMovement.Kind.RAISED:
        return services.raise_money(
            actor, data["fund_id"], data["amount"], data.get("date"), data.get("purpose", "")
        )
    return services.grant_money(
        actor,
        data["fund_id"],
        data["amount"],
        data.get("date"),
        data.get("purpose", ""),
        grantee_base=data.get("grantee_base_id"),
        grantee_organization=data.get("grantee_organization_id"),
        approved_by=data.get("approved_by", ""),
        disbursed_on=data.get("disbursed_on"),
    )


class BaseViewSet(JurisdictionViewSet):
    """Qinqing Home bases; `?stars=0` for those not yet rated, `?subtree=<unit id>` for a branch.
    An update sends back the `version` it read."""

    queryset = IncubationBase.objects.all()
    serializer_class = BaseSerializer
    filterset_class = BaseFilterSet
    ordering_fields = ["name", "opened_on", "stars", "residents"]
    ordering = ["name"]
    http_method_names = NO_DELETE
    create_service = services.create_base
    update_service = services.update_base

    def optimize(self, queryset):
        return queryset.select_related("unit").with_stars().with_residents().with_checklist_score()


class ResidencyViewSet(JurisdictionViewSet):
    """Residencies. POST applies (`base`, `organization`); the steps are actions:
    `admit`, `decline` (reason), `start`, `graduate` (outcomes), `exit` (reason)."""

    queryset = Residency.objects.all()
    serializer_class = ResidencySerializer
    filterset_class = ResidencyFilterSet
    ordering_fields = ["applied_on", "admitted_on", "ended_on", "status"]
    ordering = ["-applied_on", "-pk"]
    http_method_names = ["get", "post", "head", "options"]
    create_service = apply_from_body

    admit_residency = service_action(services.admit_residency, body=DateBody, url_path="admit")
    decline_residency = service_action(services.decline_residency, body=ReasonBody, url_path="decline")
    start_residency = service_action(services.start_residency, body=DateBody, url_path="start")
    graduate_residency = service_action(services.graduate_residency, body=GraduateBody, url_path="graduate")
    exit_residency = service_action(services.exit_residency, body=ReasonBody, url_path="exit")

    def optimize(self, queryset):
        return queryset.select_related("base", "organization")

    def reload(self, obj: Any) -> Any:
        # A representative applying for their organization may not see the residency in a
        # list (it lies outside any jurisdiction of theirs): answer with the record itself.
        return self.get_queryset().filter(pk=obj.pk).first() or obj


class ServiceDeliveryViewSet(JurisdictionViewSet):
    """The service log; POST records a service delivered to a resident."""

    queryset = ServiceDelivery.objects.all()
    serializer_class = ServiceDeliverySerializer
    filterset_class = ServiceDeliveryFilterSet
    ordering_fields = ["date"]
    ordering = ["-date", "-pk"]
    http_method_names = ["get", "post", "head", "options"]
    create_service = log_service_from_body


class FundViewSet(JurisdictionViewSet):
    """Incubation funds with their totals; `statement/` gives the Excel statement. An update
    sends back the `version` it read."""

    queryset = IncubationFund.objects.all()
    serializer_class = FundSerializer
    filterset_class = FundFilterSet
    ordering_fields = ["name", "established_on", "balance"]
    ordering = ["unit__path", "pk"]
    http_method_names = NO_DELETE
    create_service = services.create_fund
    update_service = services.update_fund

    def optimize(self, queryset):
        return queryset.select_related("unit").with_totals()

    @file_answer(XLSX, "The fund's statement as an Excel workbook.")
    @action(detail=True, methods=["get"])
    def statement(self, request, pk=None):
        fund = self.get_object()
        response = HttpResponse(
            fund_statement_workbook(fund),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = (
            f'attachment; filename="fund-statement-{fund.pk}-{timezone.localdate():%Y%m%d}.xlsx"'
        )
        return response


class FundMovementViewSet(JurisdictionViewSet):
    """Fund movements (grants, money raised, reversals) with the balance after each.

    POST with `kind=raised` records money raised, with `kind=granted` a grant (to exactly
    one `grantee_base` or `grantee_organization`); `reverse/` undoes a grant.
    """

    queryset = FundMovement.objects.all()
    serializer_class = FundMovementSerializer
    filterset_class = FundMovementFilterSet
    ordering_fields = ["date", "amount"]
    ordering = ["fund_id", "date", "pk"]
    http_method_names = ["get", "post", "head", "options"]
    create_service = movement_from_body

    reverse_grant = service_action(services.reverse_grant, body=ReverseBody, url_path="reverse", created=True)

    def optimize(self, queryset):
        return queryset.with_balance_after()
