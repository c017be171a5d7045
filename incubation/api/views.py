"""The incubation API: bases, residencies, services delivered, funds and grants.

Rows come through `visible_to()` (the shared viewsets), the FilterSets are the pages' own,
and every write goes through `incubation.services`, so a bad body is a 400 with the same
messages the pages show, and nothing is half-applied.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.utils import timezone
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from hubportal.api import JurisdictionViewSet
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
    ApplySerializer,
    BaseSerializer,
    FundMovementSerializer,
    FundSerializer,
    ResidencyActionSerializer,
    ResidencySerializer,
    ReverseSerializer,
    ServiceDeliverySerializer,
)

NO_DELETE = ["get", "post", "put", "patch", "head", "options"]


class BaseViewSet(JurisdictionViewSet):
    """Qinqing Home bases; `?stars=0` for those not yet rated, `?subtree=<unit id>` for a branch."""

    queryset = IncubationBase.objects.all()
    serializer_class = BaseSerializer
    filterset_class = BaseFilterSet
    ordering_fields = ["name", "opened_on", "stars", "residents"]
    ordering = ["name"]
    http_method_names = NO_DELETE

    def optimize(self, queryset):
        return queryset.select_related("unit").with_stars().with_residents().with_checklist_score()

    def _save(self, serializer, base):
        for field, value in serializer.validated_data.items():
            setattr(base, field, value)
        saved = services.save_base(self.request.user, base)
        serializer.instance = self.get_queryset().get(pk=saved.pk)

    def perform_create(self, serializer):
        self._save(serializer, IncubationBase())

    def perform_update(self, serializer):
        self._save(serializer, serializer.instance)


class ResidencyViewSet(JurisdictionViewSet):
    """Residencies. POST applies (`base`, `organization`); the steps are actions:
    `admit`, `decline` (reason), `start`, `graduate` (outcomes), `exit` (reason)."""

    queryset = Residency.objects.all()
    serializer_class = ResidencySerializer
    filterset_class = ResidencyFilterSet
    ordering_fields = ["applied_on", "admitted_on", "ended_on", "status"]
    ordering = ["-applied_on", "-pk"]
    http_method_names = ["get", "post", "head", "options"]

    def optimize(self, queryset):
        return queryset.select_related("base", "organization")

    def create(self, request, *args, **kwargs):
        body = ApplySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        residency = services.apply(
            request.user, data["base"], data["organization"], data.get("note", ""), data.get("applied_on")
        )
        return Response(self.get_serializer(residency).data, status=status.HTTP_201_CREATED)

    def _step(self, request, pk, run):
        residency = self.get_object()
        body = ResidencyActionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        updated = run(request.user, residency.pk, body.validated_data)
        return Response(self.get_serializer(updated).data)

    @action(detail=True, methods=["post"])
    def admit(self, request, pk=None):
        return self._step(request, pk, lambda user, rid, d: services.admit(user, rid, d.get("on")))

    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        return self._step(
            request, pk, lambda user, rid, d: services.decline(user, rid, d["reason"], d.get("on"))
        )

    @action(detail=True, methods=["post"])
    def start(self, request, pk=None):
        return self._step(request, pk, lambda user, rid, d: services.start(user, rid, d.get("on")))

    @action(detail=True, methods=["post"])
    def graduate(self, request, pk=None):
        return self._step(
            request, pk, lambda user, rid, d: services.graduate(user, rid, d["outcomes"], d.get("on"))
        )

    @action(detail=True, methods=["post"], url_path="exit")
    def exit_base(self, request, pk=None):
        return self._step(
            request, pk, lambda user, rid, d: services.exit_residency(user, rid, d["reason"], d.get("on"))
        )


class ServiceDeliveryViewSet(JurisdictionViewSet):
    """The service log; POST records a service delivered to a resident."""

    queryset = ServiceDelivery.objects.all()
    serializer_class = ServiceDeliverySerializer
    filterset_class = ServiceDeliveryFilterSet
    ordering_fields = ["date"]
    ordering = ["-date", "-pk"]
    http_method_names = ["get", "post", "head", "options"]

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.log_service(
            self.request.user,
            data["residency_id"],
            data["service_type"],
            data.get("date"),
            data.get("hours", 1),
            data.get("description", ""),
        )


class FundViewSet(JurisdictionViewSet):
    """Incubation funds with their totals; `statement/` gives the Excel statement."""

    queryset = IncubationFund.objects.all()
    serializer_class = FundSerializer
    filterset_class = FundFilterSet
    ordering_fields = ["name", "established_on", "balance"]
    ordering = ["unit__path", "pk"]
    http_method_names = NO_DELETE

    def optimize(self, queryset):
        return queryset.select_related("unit").with_totals()

    def _save(self, serializer, fund):
        for field, value in serializer.validated_data.items():
            setattr(fund, field, value)
        saved = services.save_fund(self.request.user, fund)
        serializer.instance = self.get_queryset().get(pk=saved.pk)

    def perform_create(self, serializer):
        self._save(serializer, IncubationFund())

    def perform_update(self, serializer):
        self._save(serializer, serializer.instance)

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

    def optimize(self, queryset):
        return queryset.with_balance_after()

    def perform_create(self, serializer):
        data = serializer.validated_data
        user, fund_id = self.request.user, data["fund_id"]
        if data["kind"] == FundMovement.Kind.RAISED:
            movement = services.raise_money(
                user, fund_id, data["amount"], data.get("date"), data.get("purpose", "")
            )
        else:
            movement = services.grant(
                user,
                fund_id,
                data["amount"],
                data.get("date"),
                data.get("purpose", ""),
                grantee_base_id=data.get("grantee_base_id"),
                grantee_organization_id=data.get("grantee_organization_id"),
                approved_by=data.get("approved_by", ""),
                disbursed_on=data.get("disbursed_on"),
            )
        serializer.instance = self.get_queryset().get(pk=movement.pk)

    @action(detail=True, methods=["post"])
    def reverse(self, request, pk=None):
        movement = self.get_object()
        body = ReverseSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        reversal = services.reverse_grant(
            request.user, movement.pk, body.validated_data.get("date"), body.validated_data["reason"]
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=reversal.pk)).data, status=201)
