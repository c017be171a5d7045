"""Serializers of the registry's API. They check the shape of a body and read the records
it names within the caller's reach; they never write. The viewsets hand the validated data
to the services of `orgs.services` (`create_service`, `update_service`, `destroy_service`),
which read every record again inside their transaction.

A unit or organization named in a body that the caller may not use is refused with one
message, whether or not the record exists, so a body never reveals another jurisdiction.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Model, QuerySet
from rest_framework import serializers

from hubportal.access import NOT_IN_REACH, scoped
from hubportal.api import UnitInJurisdictionField
from hubportal.drf import version_field
from hubportal.jurisdiction import Action
from hubportal.personal import PersonalDataSerializerMixin
from orgs.models import BackboneMember, ContactLog, DirectContact, LeagueBuilding, LeagueUnit, Organization
from orgs.validators import validate_credit_code


class InReachField(serializers.PrimaryKeyRelatedField):
    """The id of a record the caller may act on with `action`; anything else (another
    jurisdiction, a missing record, not a number) gets the same message, which names nothing."""

    default_error_messages = {
        "does_not_exist": NOT_IN_REACH,
        "incorrect_type": NOT_IN_REACH,
    }

    def __init__(self, model: type[Model], action: Action = Action.CHANGE, **kwargs: Any) -> None:
        self.model, self.action = model, action
        super().__init__(**kwargs)

    def get_queryset(self) -> QuerySet:
        request = self.context.get("request")
        return scoped(request.user if request is not None else None, self.model, self.action)


class LeagueUnitSerializer(serializers.ModelSerializer):
    level_display = serializers.CharField(source="get_level_display", read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = LeagueUnit
        fields = [
            "id",
            "name",
            "code",
            "level",
            "level_display",
            "kind",
            "kind_display",
            "region",
            "is_undergraduate",
            "parent",
            "depth",
            "path",
            "address",
            "phone",
            "is_active",
            "version",
        ]
        read_only_fields = ["depth", "path"]


class OrganizationSerializer(PersonalDataSerializerMixin, serializers.ModelSerializer):
    """An organization (optimistic lock: send back the `version` you read when updating;
    an older one is answered with 409)."""

    governing_unit = UnitInJurisdictionField()
    governing_unit_name = serializers.CharField(source="governing_unit.name", read_only=True)
    service_fields = serializers.ListField(
        child=serializers.ChoiceField(choices=Organization.ServiceField.choices), required=False
    )
    is_backbone = serializers.BooleanField(read_only=True)
    version = version_field()

    class Meta:
        model = Organization
        fields = [
            "id",
            "name",
            "name_initials",
            "tier",
            "body",
            "kind",
            "category",
            "service_fields",
            "registration_status",
            "credit_code",
            "founded_on",
            "registered_on",
            "youth_covered",
            "is_backbone",
            "description",
            "contact_person",
            "phone",
            "email",
            "address",
            "governing_unit",
            "governing_unit_name",
            "status",
            "pending_changes",
            "submitted_at",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "name_initials",
            "status",
            "pending_changes",
            "submitted_at",
            "created_at",
            "updated_at",
        ]
        validators: list = []  # uniqueness and constraints are checked by the service, under lock
        extra_kwargs = {"credit_code": {"validators": [validate_credit_code]}}


class StatusChangeSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=Organization.Status.choices)
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class BackboneMemberSerializer(PersonalDataSerializerMixin, serializers.ModelSerializer):
    """A backbone member. Phone and ID number are shown in full only to those who may change
    the organization; for everyone else they are masked and the birth date is left out."""

    organization = InReachField(Organization, Action.CHANGE)
    version = version_field()

    class Meta:
        model = BackboneMember
        fields = [
            "id",
            "organization",
            "name",
            "gender",
            "birth_year",
            "birth_date",
            "phone",
            "id_number",
            "role",
            "created_at",
            "version",
        ]
        read_only_fields = ["created_at"]
        validators: list = []


class LeagueBuildingSerializer(serializers.ModelSerializer):
    """A league-building record; `organizations` lists every organization sharing the branch
    (the lead one included)."""

    lead_organization = InReachField(Organization, Action.CHANGE)
    organizations = InReachField(Organization, Action.VIEW, many=True, required=False)
    unit: Any = serializers.PrimaryKeyRelatedField(read_only=True)
    version = version_field()

    class Meta:
        model = LeagueBuilding
        fields = [
            "id",
            "unit",
            "lead_organization",
            "organizations",
            "branch_name",
            "mode",
            "form",
            "founded_on",
            "member_count",
            "created_at",
            "version",
        ]
        read_only_fields = ["created_at"]


class ContactLogSerializer(serializers.ModelSerializer):
    """A contact with an organization the caller may see; `unit` (a unit they belong to)
    defaults to their highest one."""

    organization = InReachField(Organization, Action.VIEW)
    cadre: Any = serializers.PrimaryKeyRelatedField(read_only=True)
    cadre_name = serializers.CharField(source="cadre.__str__", read_only=True)
    unit = InReachField(LeagueUnit, Action.VIEW, required=False)
    version = version_field()

    class Meta:
        model = ContactLog
        fields = [
            "id",
            "organization",
            "cadre",
            "cadre_name",
            "unit",
            "date",
            "kind",
            "days",
            "note",
            "created_at",
            "version",
        ]
        read_only_fields = ["created_at"]


class DirectContactSerializer(serializers.ModelSerializer):
    """A unit the caller may change lists an organization it may see as directly contacted."""

    unit = UnitInJurisdictionField()
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    organization = InReachField(Organization, Action.VIEW)
    version = version_field()

    class Meta:
        model = DirectContact
        fields = ["id", "unit", "unit_name", "organization", "since", "note", "version"]
        validators: list = []
