from typing import Any

from django.urls import reverse
from drf_spectacular.utils import inline_serializer
from rest_framework import serializers

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
)


class ReportMetricSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReportMetric
        fields = ["id", "code", "label", "help_text", "type", "required", "order"]


class ValidationRuleSerializer(serializers.ModelSerializer):
    class Meta:
        model = ValidationRule
        fields = ["id", "expression", "message"]


class ReportFormSerializer(serializers.ModelSerializer):
    metrics = ReportMetricSerializer(many=True, read_only=True)
    rules = ValidationRuleSerializer(many=True, read_only=True)

    class Meta:
        model = ReportForm
        fields = [
            "id",
            "code",
            "version",
            "name",
            "description",
            "owner",
            "period_type",
            "deadline_day",
            "levels",
            "kinds",
            "active_from",
            "active_to",
            "metrics",
            "rules",
        ]


class ReportSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    form_code = serializers.CharField(source="form.code", read_only=True)
    is_late = serializers.BooleanField(read_only=True)

    class Meta:
        model = Report
        fields = [
            "id",
            "form",
            "form_code",
            "unit",
            "unit_name",
            "period_start",
            "period_end",
            "deadline",
            "status",
            "first_submitted_at",
            "submitted_at",
            "approved_at",
            "approved_by",
            "unlocked_until",
            "version",
            "is_late",
        ]
        read_only_fields = fields


class ReportValueSerializer(serializers.ModelSerializer):
    metric_code = serializers.CharField(source="metric.code", read_only=True)
    # Not `get_value`: that name is Field.get_value(dictionary), which DRF itself calls.
    value = serializers.SerializerMethodField(method_name="value_text")

    class Meta:
        model = ReportValue
        fields = ["id", "report", "metric", "metric_code", "value"]

    def value_text(self, obj: ReportValue) -> str | None:
        value = obj.value
        return None if value in (None, "") else str(value)


class SaveValuesSerializer(serializers.Serializer):
    """Body of POST /reports/{id}/save/: the version the client read and the values by code.

    Values are kept exactly as sent (a narrative's commas and spaces included) and checked
    by the service; a missing or garbled version is refused there with a clear message."""

    version = serializers.CharField(required=False, allow_null=True, allow_blank=True, default=None)
    values = serializers.DictField(
        source="raw", child=serializers.CharField(allow_blank=True, allow_null=True, trim_whitespace=False)
    )
    submit = serializers.BooleanField(default=False)


class ReturnSerializer(serializers.Serializer):
    code = serializers.CharField()
    comment = serializers.CharField(allow_blank=True, required=False, default="")


class SpotCheckItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = SpotCheckItem
        fields = ["id", "unit", "description", "weight", "assigned_to", "outcome", "note", "checked_at"]
        read_only_fields = fields


class SpotCheckSerializer(serializers.ModelSerializer):
    class Meta:
        model = SpotCheck
        fields = ["id", "unit", "title", "period_start", "period_end", "seed", "sample_size", "created_at"]
        read_only_fields = fields


class AssignSerializer(serializers.Serializer):
    """Calls of the spot check to give to a cadre; the service checks both are within reach."""

    assignee = serializers.IntegerField(source="assignee_pk")
    items = serializers.ListField(source="item_pks", child=serializers.IntegerField(), allow_empty=False)


class OutcomeSerializer(serializers.Serializer):
    outcome = serializers.CharField()
    note = serializers.CharField(allow_blank=True, required=False, default="")


class TargetRuleSerializer(serializers.ModelSerializer):
    class Meta:
        model = TargetRule
        fields = [
            "id",
            "programme",
            "label",
            "metric",
            "comparator",
            "threshold",
            "window",
            "deadline",
            "levels",
            "region",
            "kinds",
            "undergraduate_only",
            "order",
        ]


class ProgrammeSerializer(serializers.ModelSerializer):
    rules = TargetRuleSerializer(many=True, read_only=True)

    class Meta:
        model = Programme
        fields = [
            "id",
            "owner",
            "name",
            "description",
            "start_year",
            "end_year",
            "launch_on",
            "implementation_on",
            "inspection_on",
            "ends_on",
            "rules",
        ]


class TargetSnapshotSerializer(serializers.ModelSerializer):
    """A unit's progress on a target in a quarter. `value` is the number as counted,
    `confirmed_value` after spot checks (reported figures found false left out), and the
    status is judged on `decisive_value`; shares carry their numerator and denominator; the
    same fact from the other source (registry ↔ reports) over the same window is in
    `comparison`; `records` lists the evidence (`/snapshots/<id>/records/`)."""

    unit_name = serializers.CharField(source="unit.name", read_only=True)
    target = serializers.CharField(source="rule.label", read_only=True)
    metric = serializers.CharField(source="rule.metric", read_only=True)
    decisive_value = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)
    comparison = serializers.SerializerMethodField()
    records = serializers.SerializerMethodField()

    class Meta:
        model = TargetSnapshot
        fields = [
            "id",
            "rule",
            "target",
            "metric",
            "unit",
            "unit_name",
            "period",
            "value",
            "confirmed_value",
            "decisive_value",
            "numerator",
            "denominator",
            "threshold",
            "status",
            "computed_at",
            "comparison",
            "records",
        ]

    def get_comparison(self, obj: TargetSnapshot) -> dict[str, Any] | None:
        if not obj.compared_metric:
            return None
        return {
            "metric": obj.compared_metric,
            "value": None if obj.compared_value is None else str(obj.compared_value),
            "difference": None if obj.difference is None else str(obj.difference),
            "flagged": obj.compared_flag,
        }

    def get_records(self, obj: TargetSnapshot) -> str | None:
        if obj.evidence_set_id is None:
            return None
        return reverse("api-snapshot-records", args=[obj.pk])


class QuarterActionSerializer(serializers.Serializer):
    period = serializers.CharField()


class ReopenSerializer(serializers.Serializer):
    period = serializers.CharField()
    reason = serializers.CharField(allow_blank=True, required=False, default="", trim_whitespace=False)


class QuarterClosureSerializer(serializers.ModelSerializer):
    class Meta:
        model = QuarterClosure
        fields = ["id", "period", "closed", "closed_at", "closed_by", "reopened_at", "reopened_by", "reason"]
        read_only_fields = fields


# What GET snapshots/<id>/records/ answers (inline: `fields` and `label` are names of
# Serializer attributes): what the number is (reporting.evidence.summary), then a page of the
# records behind it (reporting.evidence.Line); `columns` when records were stored, `detail`
# when not.
SNAPSHOT_RECORDS = inline_serializer(
    "SnapshotRecords",
    fields={
        "metric": serializers.CharField(),
        "label": serializers.CharField(),
        "definition": serializers.CharField(allow_blank=True),
        "aggregate": serializers.CharField(allow_null=True),
        "scope": serializers.CharField(allow_null=True),
        "counted_from": serializers.DateField(allow_null=True),  # null: since the beginning
        "counted_to": serializers.DateField(),
        "value": serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True),
        "confirmed_value": serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True),
        "numerator": serializers.IntegerField(allow_null=True),
        "denominator": serializers.IntegerField(allow_null=True),
        "has_evidence": serializers.BooleanField(),
        "is_share": serializers.BooleanField(),
        "is_sum": serializers.BooleanField(),
        "discounts_false": serializers.BooleanField(),
        "amount_label": serializers.CharField(allow_blank=True),
        "columns": serializers.ListField(child=serializers.CharField(), required=False),
        "detail": serializers.CharField(required=False),
        "count": serializers.IntegerField(),
        "count_exact": serializers.BooleanField(required=False),
        "next": serializers.URLField(allow_null=True),
        "previous": serializers.URLField(allow_null=True),
        "results": inline_serializer(
            "EvidenceLine",
            many=True,
            fields={
                "id": serializers.IntegerField(),
                "fields": serializers.DictField(help_text="The record's fields by heading (`columns`)."),
                "url": serializers.CharField(allow_blank=True),
                "contribution": serializers.DecimalField(max_digits=20, decimal_places=2),
                "counts": serializers.BooleanField(),
                "found_false": serializers.BooleanField(),
                "deleted": serializers.BooleanField(),
            },
        ),
    },
)
