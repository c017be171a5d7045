from __future__ import annotations

from rest_framework import serializers

from hubportal.api import UnitInJurisdictionField
from incubation.models import (
    FundMovement,
    IncubationBase,
    IncubationFund,
    Residency,
    Service,
    ServiceDelivery,
)

MONEY = {"max_digits": 14, "decimal_places": 2}


class BaseSerializer(serializers.ModelSerializer):
    unit = UnitInJurisdictionField()
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    unit_level = serializers.CharField(source="unit.level", read_only=True)
    services = serializers.ListField(child=serializers.ChoiceField(choices=Service.choices), required=False)
    stars = serializers.IntegerField(read_only=True, allow_null=True)
    residents = serializers.IntegerField(read_only=True)
    checklist_score = serializers.DecimalField(
        max_digits=6, decimal_places=1, read_only=True, allow_null=True
    )

    class Meta:
        model = IncubationBase
        fields = [
            "id",
            "name",
            "unit",
            "unit_name",
            "unit_level",
            "base_type",
            "address",
            "latitude",
            "longitude",
            "floor_area",
            "work_stations",
            "services",
            "opened_on",
            "description",
            "paired_group_name",
            "paired_group_contact",
            "stars",
            "residents",
            "checklist_score",
        ]
        # The partial unique index on the paired group is checked by the model on save.
        validators: list = []


class ResidencySerializer(serializers.ModelSerializer):
    base_name = serializers.CharField(source="base.name", read_only=True)
    organization_name = serializers.CharField(source="organization.name", read_only=True)

    class Meta:
        model = Residency
        fields = [
            "id",
            "base",
            "base_name",
            "organization",
            "organization_name",
            "status",
            "is_physical",
            "applied_on",
            "admitted_on",
            "started_on",
            "ended_on",
            "outcomes",
            "reason",
            "note",
        ]
        read_only_fields = [f for f in fields if f not in {"base", "organization", "applied_on", "note"}]
        validators: list = []


class ApplySerializer(serializers.Serializer):
    base = serializers.IntegerField()
    organization = serializers.IntegerField()
    applied_on = serializers.DateField(required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ResidencyActionSerializer(serializers.Serializer):
    """The body of a state action: a date, and a reason or outcomes where the step needs one."""

    on = serializers.DateField(required=False, allow_null=True)
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    outcomes = serializers.ListField(
        child=serializers.ChoiceField(choices=Residency.Outcome.choices), required=False, default=list
    )


class ServiceDeliverySerializer(serializers.ModelSerializer):
    # An id checked by the service (inside the user's jurisdiction), not looked up here, so a
    # residency outside it is refused rather than revealed.
    residency = serializers.IntegerField(source="residency_id")

    class Meta:
        model = ServiceDelivery
        fields = [
            "id",
            "residency",
            "service_type",
            "date",
            "hours",
            "description",
            "delivered_by",
            "created_at",
        ]
        read_only_fields = ["delivered_by", "created_at"]


class FundSerializer(serializers.ModelSerializer):
    unit = UnitInJurisdictionField()
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    raised = serializers.DecimalField(read_only=True, **MONEY)
    granted = serializers.DecimalField(read_only=True, **MONEY)
    reversed_total = serializers.DecimalField(read_only=True, **MONEY)

    class Meta:
        model = IncubationFund
        fields = [
            "id",
            "unit",
            "unit_name",
            "name",
            "established_on",
            "description",
            "balance",
            "raised",
            "granted",
            "reversed_total",
        ]
        read_only_fields = ["balance"]
        validators: list = []


class FundMovementSerializer(serializers.ModelSerializer):
    """A movement. POST creates money raised (`kind=raised`) or a grant (`kind=granted`)."""

    kind = serializers.ChoiceField(choices=[("raised", "raised"), ("granted", "granted")])
    amount = serializers.DecimalField(**MONEY)
    fund = serializers.IntegerField(source="fund_id")
    grantee_base = serializers.IntegerField(source="grantee_base_id", required=False, allow_null=True)
    grantee_organization = serializers.IntegerField(
        source="grantee_organization_id", required=False, allow_null=True
    )
    reverses = serializers.IntegerField(source="reverses_id", read_only=True)
    running_balance = serializers.DecimalField(read_only=True, **MONEY)

    class Meta:
        model = FundMovement
        fields = [
            "id",
            "fund",
            "kind",
            "amount",
            "date",
            "purpose",
            "grantee_base",
            "grantee_organization",
            "reverses",
            "approved_by",
            "disbursed_on",
            "created_at",
            "running_balance",
        ]
        read_only_fields = ["created_at"]
        extra_kwargs = {"approved_by": {"required": False}, "date": {"required": False}}

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["kind"] = instance.kind  # reversals are listed too
        return data


class ReverseSerializer(serializers.Serializer):
    date = serializers.DateField(required=False, allow_null=True)
    reason = serializers.CharField()
