"""The reporting API: the same services, filters and jurisdiction as the pages.

Lists are read-only (a POST to them is 405); every write is a service called through
`hubportal.api.service_action`, its refusal answered by the shared exception handler
(400 with field errors, 404 outside the jurisdiction, 403 when only viewable, 409 stale).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, Q
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from hubportal.access import get_for
from hubportal.api import JurisdictionReadOnlyViewSet, service_action
from hubportal.jurisdiction import Action
from reporting import evidence, services
from reporting.filters import (
    ProgrammeFilterSet,
    ReportFilterSet,
    ReportFormFilterSet,
    ReportValueFilterSet,
    SpotCheckFilterSet,
    TargetRuleFilterSet,
    TargetSnapshotFilterSet,
)
from reporting.models import (
    Programme,
    QuarterClosure,
    Report,
    ReportForm,
    ReportMetric,
    ReportValue,
    SpotCheck,
    SpotCheckItem,
    TargetRule,
    TargetSnapshot,
    ValidationRule,
    programmes_readable_q,
)

from . import serializers as s


class ReportFormViewSet(JurisdictionReadOnlyViewSet):
    """Report forms with their metrics and validation rules."""

    queryset = ReportForm.objects.all()
    serializer_class = s.ReportFormSerializer
    filterset_class = ReportFormFilterSet
    ordering = ["code", "-version"]

    def optimize(self, queryset):
        return queryset.prefetch_related(
            Prefetch("metrics", queryset=ReportMetric.objects.order_by("order", "pk")),
            Prefetch("rules", queryset=ValidationRule.objects.order_by("pk")),
        )


class ReportViewSet(JurisdictionReadOnlyViewSet):
    """Reports within jurisdiction; POST save/ saves (and submits) one, optimistic locking by
    the version the client read (409 when stale)."""

    queryset = Report.objects.all()
    serializer_class = s.ReportSerializer
    filterset_class = ReportFilterSet
    ordering_fields = ["period_start", "deadline", "submitted_at"]
    ordering = ["-period_start", "unit__path"]

    def optimize(self, queryset):
        return queryset.select_related("unit", "form")

    save_report = service_action(services.save_report, body=s.SaveValuesSerializer, url_path="save")


class ReportValueViewSet(JurisdictionReadOnlyViewSet):
    queryset = ReportValue.objects.all()
    serializer_class = s.ReportValueSerializer
    filterset_class = ReportValueFilterSet
    ordering = ["report_id", "metric__order"]

    def optimize(self, queryset):
        return queryset.select_related("metric")


class ApprovalViewSet(JurisdictionReadOnlyViewSet):
    """Reports waiting for the caller's approval (their parent unit is in the caller's care).

    A decision reads the report with VIEW; the service then lets only the parent unit decide
    (403 for a report one may only see, 404 for one of another jurisdiction)."""

    queryset = Report.objects.all()
    serializer_class = s.ReportSerializer
    filterset_class = ReportFilterSet
    ordering = ["submitted_at"]
    object_rights = {"approve_report": Action.VIEW, "return_report": Action.VIEW}

    def optimize(self, queryset):
        queryset = queryset.select_related("unit", "form")
        if self.action in self.object_rights:
            return queryset
        return queryset.awaiting_approval_by(self.request.user)

    approve_report = service_action(services.approve_report, url_path="approve")
    return_report = service_action(services.return_report, body=s.ReturnSerializer, url_path="return")


class SpotCheckViewSet(JurisdictionReadOnlyViewSet):
    queryset = SpotCheck.objects.all()
    serializer_class = s.SpotCheckSerializer
    filterset_class = SpotCheckFilterSet
    ordering = ["-created_at"]

    @extend_schema(
        operation_id="reporting_spot_checks_items_of_check",
        responses=s.SpotCheckItemSerializer(many=True),
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def items(self, request, pk=None):
        """The items of one spot check (all of them, not paginated)."""
        check = self.get_object()
        items = SpotCheckItem.objects.visible_to(request.user).filter(spot_check=check).order_by("pk")
        return Response(s.SpotCheckItemSerializer(items, many=True).data)

    assign_spot_check_items = service_action(
        services.assign_spot_check_items, body=s.AssignSerializer, url_path="assign"
    )


class SpotCheckItemViewSet(JurisdictionReadOnlyViewSet):
    """Sampled calls within jurisdiction; POST outcome/ records the result of one. The
    cadres of the unit and the cadre the call was assigned to may record it."""

    queryset = SpotCheckItem.objects.all()
    serializer_class = s.SpotCheckItemSerializer
    ordering = ["spot_check", "pk"]

    def get_object(self):
        assigned = Q(assigned_to=self.request.user.pk)
        return get_for(
            self.request.user, self.get_queryset(), self.kwargs["pk"], self.object_right(), also=assigned
        )

    def get_queryset(self) -> Any:
        if self.action == "record_spot_check_outcome":
            # The assigned cadre reaches the call by assignment, not only by jurisdiction.
            return SpotCheckItem.objects.all()
        return super().get_queryset()

    record_spot_check_outcome = service_action(
        services.record_spot_check_outcome, body=s.OutcomeSerializer, url_path="outcome"
    )


class ProgrammeViewSet(JurisdictionReadOnlyViewSet):
    """Programmes apply to the units below their issuer: every cadre reads them."""

    serializer_class = s.ProgrammeSerializer
    permission_classes = [permissions.IsAuthenticated]
    filterset_class = ProgrammeFilterSet
    ordering = ["-start_year", "name"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no user
            return Programme.objects.none()
        return Programme.objects.filter(programmes_readable_q(self.request.user)).prefetch_related(
            Prefetch("rules", queryset=TargetRule.objects.order_by("order", "pk"))
        )


class TargetRuleViewSet(JurisdictionReadOnlyViewSet):
    serializer_class = s.TargetRuleSerializer
    permission_classes = [permissions.IsAuthenticated]
    filterset_class = TargetRuleFilterSet
    ordering = ["programme", "order", "pk"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no user
            return TargetRule.objects.none()
        return TargetRule.objects.filter(programmes_readable_q(self.request.user, "programme"))


class TargetSnapshotViewSet(JurisdictionReadOnlyViewSet):
    """Snapshots of units in the caller's jurisdiction, e.g. ?period=2026Q3&status=behind.

    GET snapshots/<id>/records/ lists the records behind the value (paginated, with `count`):
    exactly the rows stored by the run that computed it, with each row's contribution and,
    for a share, whether it is in the numerator; a snapshot of another jurisdiction is a 404."""

    queryset = TargetSnapshot.objects.all()
    serializer_class = s.TargetSnapshotSerializer
    filterset_class = TargetSnapshotFilterSet
    ordering_fields = ["period", "status", "value"]
    ordering = ["period", "unit__path", "rule__order"]

    def optimize(self, queryset):
        return queryset.select_related("unit", "rule")

    @extend_schema(
        responses=s.SNAPSHOT_RECORDS,
        filters=False,
        parameters=[OpenApiParameter("page", int), OpenApiParameter("page_size", int)],
    )
    @action(detail=True, methods=["get"])
    def records(self, request, pk=None):
        # Queries: the snapshot (with its rule, unit and evidence set), the count, the page
        # of stored rows and the records' fields.
        snapshot = get_for(
            request.user,
            TargetSnapshot.objects.visible_to(request.user).select_related(
                "unit", "rule", "rule__programme", "evidence_set", "evidence_set__content_type"
            ),
            pk,
        )
        head = evidence.summary(snapshot)
        rows = evidence.evidence_rows(snapshot)
        if rows is None:
            return Response(
                {
                    **_json(head),
                    "count": 0,
                    "next": None,
                    "previous": None,
                    "results": [],
                    "detail": evidence.no_evidence_message(snapshot),
                }
            )
        page = self.paginate_queryset(rows)
        headings = evidence.headings(evidence.evidence_of(snapshot))
        results = [line.as_dict(headings) for line in evidence.lines(snapshot, list(page or []))]
        response = self.get_paginated_response(results)
        response.data = {**_json(head), "columns": headings, **response.data}
        return response


def _json(head: dict[str, Any]) -> dict[str, Any]:
    return {
        k: (str(v) if v is not None and not isinstance(v, bool | int | str) else v) for k, v in head.items()
    }


class QuarterViewSet(viewsets.GenericViewSet):
    """Closed quarters: GET the list; POST close/ {period} and reopen/ {period, reason} — by
    the province's administrators only (403 for anyone else, 400 with a message for a
    quarter that has not ended, is already closed, or a reopening without a reason)."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = s.QuarterClosureSerializer
    queryset = QuarterClosure.objects.all()
    pagination_class = None  # the list is every closed quarter, as an array

    def list(self, request):
        return Response(
            s.QuarterClosureSerializer(QuarterClosure.objects.order_by("-period"), many=True).data
        )

    @extend_schema(request=s.QuarterActionSerializer)
    @action(detail=False, methods=["post"])
    def close(self, request):
        body = s.QuarterActionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        closure = services.close_quarter(request.user, body.validated_data["period"])
        return Response(s.QuarterClosureSerializer(closure).data)

    @extend_schema(request=s.ReopenSerializer)
    @action(detail=False, methods=["post"])
    def reopen(self, request):
        body = s.ReopenSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        closure = services.reopen_quarter(
            request.user, body.validated_data["period"], body.validated_data["reason"]
        )
        return Response(s.QuarterClosureSerializer(closure).data)
