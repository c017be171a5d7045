"""Serializers of the cards API. Personal data (ID number, phone, birth date) is whole only
for the cadres of the holder's unit and masked for everyone else, in lists as on one record;
records named in a body travel as ids the services check."""

from __future__ import annotations

from typing import Any

from django.db.models import Model
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from cards.models import Card, Holder
from cards.services import may_see_personal
from hubportal.drf import version_field
from orgs.models.registry import mask_id_number, mask_phone

PERSONAL = ("id_number", "phone", "birth_date")


class IdField(serializers.IntegerField):
    def get_attribute(self, instance: Any) -> Any:
        # The foreign key's own column: no query for the related row.
        attname = f"{self.source}_id"
        return getattr(instance, attname) if hasattr(instance, attname) else super().get_attribute(instance)

    def to_representation(self, value: Any) -> Any:
        return value.pk if isinstance(value, Model) else value


def _mask(
    data: dict[str, Any], serializer: serializers.BaseSerializer, unit_id: int, prefix: str = ""
) -> dict[str, Any]:
    request = serializer.context.get("request")
    if may_see_personal(request.user if request is not None else None, unit_id):
        return data
    if f"{prefix}id_number" in data:
        data[f"{prefix}id_number"] = mask_id_number(data[f"{prefix}id_number"] or "")
    if f"{prefix}phone" in data:
        data[f"{prefix}phone"] = mask_phone(data[f"{prefix}phone"] or "")
    if f"{prefix}birth_date" in data:
        data[f"{prefix}birth_date"] = None
    return data


class HolderSerializer(serializers.ModelSerializer):
    """A member or volunteer; POST registers one (`unit`, `name`, `id_number`, `phone`,
    `is_member`, `is_volunteer`), PATCH corrects the name, phone or roles."""

    unit = IdField()
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    # null where the personal data is masked (see _mask): the schema says so.
    birth_date = serializers.DateField(read_only=True, allow_null=True)
    version = version_field()

    class Meta:
        model = Holder
        fields = [
            "id",
            "unit",
            "unit_name",
            "name",
            "id_number",
            "birth_date",
            "phone",
            "is_member",
            "is_volunteer",
            "created_at",
            "version",
        ]
        read_only_fields = ["birth_date", "created_at"]
        extra_kwargs: dict[str, dict[str, Any]] = {"id_number": {"validators": []}}

    def to_representation(self, instance: Any) -> dict[str, Any]:
        return _mask(super().to_representation(instance), self, instance.unit_id)


class CardSerializer(serializers.ModelSerializer):
    """A card; POST issues one (`number`, `kind`, `issuing_unit`, `issued_on`, `expires_on`
    and the person: `name`, `id_number`, `phone`)."""

    issuing_unit = IdField()
    issuing_unit_name = serializers.CharField(source="issuing_unit.name", read_only=True)
    holder = IdField(read_only=True)
    name = serializers.CharField(source="holder.name", max_length=64)
    id_number = serializers.CharField(source="holder.id_number", max_length=18)
    phone = serializers.CharField(source="holder.phone", max_length=20, required=False, allow_blank=True)
    valid = serializers.SerializerMethodField()
    verify_url = serializers.SerializerMethodField()

    class Meta:
        model = Card
        fields = [
            "id",
            "number",
            "kind",
            "holder",
            "name",
            "id_number",
            "phone",
            "issuing_unit",
            "issuing_unit_name",
            "issued_on",
            "expires_on",
            "status",
            "status_reason",
            "valid",
            "verify_url",
            "created_at",
        ]
        read_only_fields = ["status", "status_reason", "created_at"]
        extra_kwargs: dict[str, dict[str, Any]] = {
            "number": {"validators": []},
            "issued_on": {"required": False},
        }

    def get_valid(self, card: Card) -> bool:
        from django.utils import timezone

        return card.is_valid_on(timezone.localdate())

    def get_verify_url(self, card: Card) -> str:
        request = self.context.get("request")
        return request.build_absolute_uri(card.verify_url()) if request is not None else card.verify_url()

    def to_representation(self, instance: Any) -> dict[str, Any]:
        return _mask(super().to_representation(instance), self, instance.holder.unit_id)


# Its own component name: every app has a ReasonBody.
@extend_schema_serializer(component_name="CardReason")
class ReasonBody(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
