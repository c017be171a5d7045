from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.serializers import as_serializer_error

from hubportal.api import UnitInJurisdictionField
from hubportal.jurisdiction import Action
from orgs import services
from orgs.models import BackboneMember, ContactLog, DirectContact, LeagueBuilding, LeagueUnit, Organization
from orgs.validators import validate_credit_code


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
        ]
        read_only_fields = ["depth", "path"]


def _raise_as_drf(error: DjangoValidationError) -> None:
    raise serializers.ValidationError(as_serializer_error(error))


class OrganizationSerializer(serializers.ModelSerializer):
    """An organization; writes go through `orgs.services` (jurisdiction, review rules,
    optimistic lock: send back the `version` you read)."""

    governing_unit = UnitInJurisdictionField()
    governing_unit_name = serializers.CharField(source="governing_unit.name", read_only=True)
    service_fields = serializers.ListField(
        child=serializers.ChoiceField(choices=Organization.ServiceField.choices), required=False
    )
    is_backbone = serializers.BooleanField(read_only=True)
    version = serializers.IntegerField(
        required=False, help_text=_("Required when updating: the version you read.")
    )

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

    def create(self, validated_data):
        validated_data.pop("version", None)
        try:
            return services.create_organization(self.context["request"].user, validated_data)
        except DjangoValidationError as error:
            _raise_as_drf(error)

    def update(self, instance, validated_data):
        version = validated_data.pop("version", None)
        if version is None:
            raise serializers.ValidationError(
                {"version": [_("Send the version you read, to protect against lost updates.")]}
            )
        try:
            return services.update_organization(
                self.context["request"].user, instance.pk, validated_data, version
            )
        except DjangoValidationError as error:
            _raise_as_drf(error)


class StatusChangeSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=Organization.Status.choices)
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class BackboneMemberSerializer(serializers.ModelSerializer):
    """A backbone member. Phone and ID number are masked in lists and shown in full only on
    a single record (the caller's jurisdiction covers it, or it would be a 404)."""

    organization = serializers.PrimaryKeyRelatedField(queryset=Organization.objects.all())

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
        ]
        read_only_fields = ["created_at"]
        validators: list = []

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        if request is not None:
            fields["organization"].queryset = Organization.objects.visible_to(request.user, Action.CHANGE)
        return fields

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if self.context.get("mask_personal_data"):
            data["phone"] = instance.masked_phone
            data["id_number"] = instance.masked_id_number
        return data

    def create(self, validated_data):
        org = validated_data.pop("organization")
        try:
            return services.add_backbone_member(self.context["request"].user, org, validated_data)
        except DjangoValidationError as error:
            _raise_as_drf(error)

    def update(self, instance, validated_data):
        validated_data.pop("organization", None)
        try:
            return services.update_backbone_member(self.context["request"].user, instance.pk, validated_data)
        except DjangoValidationError as error:
            _raise_as_drf(error)


class LeagueBuildingSerializer(serializers.ModelSerializer):
    """A league-building record; `organizations` lists every organization sharing the branch
    (the lead one included)."""

    lead_organization = serializers.PrimaryKeyRelatedField(queryset=Organization.objects.all())
    organizations = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.all(), many=True, required=False
    )
    unit = serializers.PrimaryKeyRelatedField(read_only=True)

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
        ]
        read_only_fields = ["created_at"]

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        if request is not None:
            fields["lead_organization"].queryset = Organization.objects.visible_to(
                request.user, Action.CHANGE
            )
            fields["organizations"].child_relation.queryset = Organization.objects.visible_to(request.user)
        return fields

    def create(self, validated_data):
        lead = validated_data.pop("lead_organization")
        organizations = validated_data.pop("organizations", [])
        try:
            return services.record_league_building(
                self.context["request"].user, lead, validated_data, organizations
            )
        except DjangoValidationError as error:
            _raise_as_drf(error)

    def update(self, instance, validated_data):
        validated_data.pop("lead_organization", None)
        organizations = validated_data.pop("organizations", None)
        try:
            return services.update_league_building(
                self.context["request"].user, instance.pk, validated_data, organizations
            )
        except DjangoValidationError as error:
            _raise_as_drf(error)


class ContactLogSerializer(serializers.ModelSerializer):
    organization = serializers.PrimaryKeyRelatedField(queryset=Organization.objects.all())
    cadre = serializers.PrimaryKeyRelatedField(read_only=True)
    cadre_name = serializers.CharField(source="cadre.__str__", read_only=True)
    unit = serializers.PrimaryKeyRelatedField(queryset=LeagueUnit.objects.all(), required=False)

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
        ]
        read_only_fields = ["created_at"]

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        if request is not None:
            fields["organization"].queryset = Organization.objects.visible_to(request.user)
            fields["unit"].queryset = LeagueUnit.objects.visible_to(request.user)
        return fields

    def create(self, validated_data):
        org = validated_data.pop("organization")
        unit = validated_data.pop("unit", None)
        try:
            return services.log_contact(self.context["request"].user, org, validated_data, unit)
        except DjangoValidationError as error:
            _raise_as_drf(error)

    def update(self, instance, validated_data):
        validated_data.pop("organization", None)
        validated_data.pop("unit", None)
        try:
            return services.update_contact_log(self.context["request"].user, instance.pk, validated_data)
        except DjangoValidationError as error:
            _raise_as_drf(error)


class DirectContactSerializer(serializers.ModelSerializer):
    unit = UnitInJurisdictionField()
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    organization = serializers.PrimaryKeyRelatedField(queryset=Organization.objects.all())

    class Meta:
        model = DirectContact
        fields = ["id", "unit", "unit_name", "organization", "since", "note"]
        validators: list = []

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        if request is not None:
            fields["organization"].queryset = Organization.objects.visible_to(request.user)
        return fields

    def create(self, validated_data):
        try:
            return services.add_direct_contact(
                self.context["request"].user,
                validated_data["unit"],
                validated_data["organization"],
                validated_data["since"],
                validated_data.get("note", ""),
            )
        except DjangoValidationError as error:
            _raise_as_drf(error)

    def update(self, instance, validated_data):
        data = {k: v for k, v in validated_data.items() if k in ("since", "note")}
        try:
            return services.update_direct_contact(self.context["request"].user, instance.pk, data)
        except DjangoValidationError as error:
            _raise_as_drf(error)
