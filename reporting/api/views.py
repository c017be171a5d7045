"""The reporting API: the same services, filters and jurisdiction as the pages."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch
from django.utils.translation import gettext as _
from rest_framework import exceptions, permissions, status
from rest_framework.decorators import action
from rest_framework.response import Response

from hubportal.api import JurisdictionReadOnlyViewSet
from reporting import services
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


def _raise(exc: DjangoValidationError):
    detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
    raise exceptions.ValidationError(detail)


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
    """Reports within jurisdiction; POST save/submit act on one (optimistic locking by version)."""

    queryset = Report.objects.all()
    serializer_class = s.ReportSerializer
    filterset_class = ReportFilterSet
    ordering_fields = ["period_start", "deadline", "submitted_at"]
    ordering = ["-period_start", "unit__path"]
    http_method_names = ["get", "head", "options", "post"]

    def optimize(self, queryset):
        return queryset.select_related("unit", "form")

    @action(detail=True, methods=["post"], serializer_class=s.SaveValuesSerializer)
    def save(self, request, pk=None):
        report = self.get_object()
        body = s.SaveValuesSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            report = services.save_report_values(
                report.pk,
                request.user,
                body.validated_data["values"],
                expected_version=body.validated_data["version"],
                submit=body.validated_data["submit"],
            )
        except services.ConcurrentEditError as exc:
            return Response({"detail": exc.messages[0]}, status=status.HTTP_409_CONFLICT)
        except DjangoValidationError as exc:
            _raise(exc)
        return Response(s.ReportSerializer(report).data)


class ReportValueViewSet(JurisdictionReadOnlyViewSet):
    queryset = ReportValue.objects.all()
    serializer_class = s.ReportValueSerializer
    filterset_class = ReportValueFilterSet
    ordering = ["report_id", "metric__order"]

    def optimize(self, queryset):
        return queryset.select_related("metric")


class ApprovalViewSet(JurisdictionReadOnlyViewSet):
    """Reports waiting for the caller's approval (their parent unit is in the caller's care)."""

    queryset = Report.objects.all()
    serializer_class = s.ReportSerializer
    filterset_class = ReportFilterSet
    ordering = ["submitted_at"]
    http_method_names = ["get", "head", "options", "post"]

    def optimize(self, queryset):
        return queryset.awaiting_approval_by(self.request.user).select_related("unit", "form")

    @action(detail=True, methods=["post"], serializer_class=None)
    def approve(self, request, pk=None):
        if not str(pk).isdigit():
            raise exceptions.NotFound(_("This report does not exist or lies outside your jurisdiction."))
        try:
            report = services.approve_report(int(pk), request.user)
        except DjangoValidationError as exc:
            _raise(exc)
        return Response(s.ReportSerializer(report).data)

    @action(detail=True, methods=["post"], url_path="return", serializer_class=s.ReturnSerializer)
    def return_(self, request, pk=None):
        if not str(pk).isdigit():
            raise exceptions.NotFound(_("This report does not exist or lies outside your jurisdiction."))
        body = s.ReturnSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            report = services.return_report(
                int(pk), request.user, body.validated_data["code"], body.validated_data["comment"]
            )
        except DjangoValidationError as exc:
            _raise(exc)
        return Response(s.ReportSerializer(report).data)


class SpotCheckViewSet(JurisdictionReadOnlyViewSet):
    queryset = SpotCheck.objects.all()
    serializer_class = s.SpotCheckSerializer
    filterset_class = SpotCheckFilterSet
    ordering = ["-created_at"]
    http_method_names = ["get", "head", "options", "post"]

    @action(detail=True, methods=["get"])
    def items(self, request, pk=None):
        check = self.get_object()
        items = SpotCheckItem.objects.visible_to(request.user).filter(spot_check=check).order_by("pk")
        return Response(s.SpotCheckItemSerializer(items, many=True).data)

    @action(detail=True, methods=["post"], serializer_class=s.AssignSerializer)
    def assign(self, request, pk=None):
        check = self.get_object()
        body = s.AssignSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        items = body.validated_data["items"]
        if SpotCheckItem.objects.filter(pk__in=items).exclude(spot_check=check).exists():
            raise exceptions.ValidationError({"items": [_("These calls belong to another spot check.")]})
        try:
            count = services.assign_spot_check_items(request.user, items, body.validated_data["assignee"])
        except DjangoValidationError as exc:
            _raise(exc)
        return Response({"assigned": count})

    @action(
        detail=False,
        methods=["post"],
        url_path=r"items/(?P<item_id>\d+)/outcome",
        serializer_class=s.OutcomeSerializer,
    )
    def outcome(self, request, item_id=None):
        body = s.OutcomeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            item = services.record_spot_check_outcome(
                request.user, int(item_id), body.validated_data["outcome"], body.validated_data["note"]
            )
        except DjangoValidationError as exc:
            _raise(exc)
        return Response(s.SpotCheckItemSerializer(item).data)


class ProgrammeViewSet(JurisdictionReadOnlyViewSet):
    """Programmes apply to the units below their issuer: every cadre reads them."""

    serializer_class = s.ProgrammeSerializer
    permission_classes = [permissions.IsAuthenticated]
    filterset_class = ProgrammeFilterSet
    ordering = ["-start_year", "name"]

    def get_queryset(self):
        return Programme.objects.filter(programmes_readable_q(self.request.user)).prefetch_related(
            Prefetch("rules", queryset=TargetRule.objects.order_by("order", "pk"))
        )


class TargetRuleViewSet(JurisdictionReadOnlyViewSet):
    serializer_class = s.TargetRuleSerializer
    permission_classes = [permissions.IsAuthenticated]
    filterset_class = TargetRuleFilterSet
    ordering = ["programme", "order", "pk"]

    def get_queryset(self):
        return TargetRule.objects.filter(programmes_readable_q(self.request.user, "programme"))


class TargetSnapshotViewSet(JurisdictionReadOnlyViewSet):
    """Snapshots of units in the caller's jurisdiction, e.g. ?period=2026Q3&status=behind."""

    queryset = TargetSnapshot.objects.all()
    serializer_class = s.TargetSnapshotSerializer
    filterset_class = TargetSnapshotFilterSet
    ordering_fields = ["period", "status", "value"]
    ordering = ["period", "unit__path", "rule__order"]

    def optimize(self, queryset):
        return queryset.select_related("unit", "rule")
