"""Serializers of the incubation API. They check the shape of a body; the rules that need
the database (jurisdiction of every record named, capacity, balance) are the services'."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import build_choice_field
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from hubportal.api import UnitInJurisdictionField
from hubportal.drf import version_field
from incubation.models import (
    FundMovement,
    IncubationBase,
    IncubationFund,
    Residency,
    Service,
    ServiceDelivery,
)


def money(*, read_only: bool = False) -> serializers.DecimalField:
    """An amount in yuan to the fen, as the models keep it (`MoneyField`)."""
    return serializers.DecimalField(max_digits=14, decimal_places=2, read_only=read_only)


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
    version = version_field()

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
            "version",
        ]
        # The partial unique index on the paired group is checked by the model on save.
        validators: list = []


class ResidencySerializer(serializers.ModelSerializer):
    """A residency; POST applies (`base`, `organization`, optional `applied_on`, `note`).
    The ids are read by the service within the caller's reach, not looked up here, so an
    organization out of reach is refused without being named."""

    base = serializers.IntegerField(source="base_id")
    organization = serializers.IntegerField(source="organization_id")
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


class DateBody(serializers.Serializer):
    """The body of a residency step: its date (today when omitted)."""

    on = serializers.DateField(required=False, allow_null=True)


# Its own component name: every app has a ReasonBody.
@extend_schema_serializer(component_name="ResidencyReason")
class ReasonBody(DateBody):
    """A step that needs its reason (decline, exit)."""

    reason = serializers.CharField(required=False, allow_blank=True, default="")


class GraduateBody(DateBody):
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
    raised = money(read_only=True)
    granted = money(read_only=True)
    reversed_total = money(read_only=True)
    version = version_field()

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
            "version",
        ]
        read_only_fields = ["balance"]
        validators: list = []


# The kinds a body may give (FundMovementEntryKindEnum in the schema, see the settings).
ENTRY_KINDS = [("raised", "raised"), ("granted", "granted")]


class MovementKindField(serializers.ChoiceField):
    """A movement's kind: a body gives `raised` or `granted`; an answer may also be a
    `reversal` (made by `reverse/` on a grant)."""

    def __init__(self, **kwargs):
        super().__init__(choices=ENTRY_KINDS, **kwargs)

    def to_representation(self, value):
        return value  # every kind, reversals included


class MovementKindFieldSchema(OpenApiSerializerFieldExtension):
    """The schema of `MovementKindField`: the two kinds a body takes, every kind in answers."""

    target_class = MovementKindField

    def map_serializer_field(self, auto_schema, direction):
        choices = self.target.choices if direction == "request" else FundMovement.Kind.choices
        return build_choice_field(serializers.ChoiceField(choices=choices))


class FundMovementSerializer(serializers.ModelSerializer):
    """A movement. POST creates money raised (`kind=raised`) or a grant (`kind=granted`)."""

    kind = MovementKindField()
    amount = money()
    fund = serializers.IntegerField(source="fund_id")
    grantee_base = serializers.IntegerField(source="grantee_base_id", required=False, allow_null=True)
    grantee_organization = serializers.IntegerField(
        source="grantee_organization_id", required=False, allow_null=True
    )
    reverses = serializers.IntegerField(source="reverses_id", read_only=True, allow_null=True)
    running_balance = money(read_only=True)

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


class ReverseBody(serializers.Serializer):
    date = serializers.DateField(required=False, allow_null=True)
    reason = serializers.CharField(required=False, allow_blank=True, default="")
