"""Serializers of the training API. They check the shape of a body; the rules that need the
database (seats, quotas, audience, a trainer's other sessions, jurisdiction of every record
named) are the services'. Personal data leave the API masked (phone, ID card number)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from hubportal.api import UnitInJurisdictionField
from hubportal.drf import version_field
from orgs.models import LeagueUnit
from training.models import (
    Attendance,
    Camp,
    CampSession,
    Certificate,
    Enrolment,
    Expertise,
    SeatQuota,
    Trainee,
    Trainer,
)


class CampSerializer(serializers.ModelSerializer):
    organizer = UnitInJurisdictionField()
    organizer_name = serializers.CharField(source="organizer.name", read_only=True)
    # Ids of units; the service checks that each lies within the organiser's subtree.
    audience = serializers.PrimaryKeyRelatedField(
        many=True, queryset=LeagueUnit.objects.all(), required=False
    )
    seats_taken = serializers.IntegerField(read_only=True)
    waiting = serializers.IntegerField(read_only=True)
    session_count = serializers.IntegerField(read_only=True)
    version = version_field()

    class Meta:
        model = Camp
        fields = [
            "id",
            "title",
            "organizer",
            "organizer_name",
            "level",
            "series_unit",
            "starts_on",
            "ends_on",
            "address",
            "is_online",
            "online_url",
            "capacity",
            "audience",
            "description",
            "status",
            "completion_percent",
            "quota_return_on",
            "offer_hold_hours",
            "finished_at",
            "seats_taken",
            "waiting",
            "session_count",
            "version",
        ]
        read_only_fields = ["status", "series_unit", "finished_at"]
        extra_kwargs = {"level": {"required": False}}


class SessionSerializer(serializers.ModelSerializer):
    camp = serializers.IntegerField(source="camp_id")
    trainer = serializers.IntegerField(source="trainer_id", required=False, allow_null=True)
    # A method, not a default on `trainer.name`: DRF leaves a default out of a PATCH's answer.
    trainer_name = serializers.SerializerMethodField()
    present = serializers.IntegerField(read_only=True)
    version = version_field()

    class Meta:
        model = CampSession
        fields = [
            "id",
            "camp",
            "title",
            "trainer",
            "trainer_name",
            "starts_at",
            "ends_at",
            "place",
            "present",
            "version",
        ]

    def get_trainer_name(self, session: CampSession) -> str:
        return session.trainer.name if session.trainer is not None else ""


class TrainerSerializer(serializers.ModelSerializer):
    unit = UnitInJurisdictionField()
    expertise = serializers.ListField(
        source="fields", child=serializers.ChoiceField(choices=Expertise.choices), required=False
    )
    rating = serializers.DecimalField(max_digits=4, decimal_places=2, read_only=True, allow_null=True)
    ratings = serializers.IntegerField(read_only=True)
    version = version_field()

    class Meta:
        model = Trainer
        fields = [
            "id",
            "name",
            "unit",
            "affiliation",
            "title",
            "expertise",
            "phone",
            "email",
            "bio",
            "shared",
            "active",
            "rating",
            "ratings",
            "version",
        ]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["phone"] = instance.masked_phone
        return data


class QuotaSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)

    class Meta:
        model = SeatQuota
        fields = ["id", "camp", "unit", "unit_name", "parent", "seats"]


class QuotaBody(serializers.Serializer):
    allocations = serializers.DictField(
        child=serializers.IntegerField(min_value=0), help_text=_('Seats by unit id, e.g. {"12": 8}.')
    )
    quota = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text=_("The quota being split (its id); none: the camp's seats."),
    )


class EnrolmentSerializer(serializers.ModelSerializer):
    """An enrolment. POST enrols: `camp` and a `member` (a backbone member's id), or a person
    typed in (`name`, `id_number` or `phone`, `unit`, optionally `organization`)."""

    camp = serializers.IntegerField(source="camp_id")
    camp_title = serializers.CharField(source="camp.title", read_only=True)
    trainee_name = serializers.CharField(source="trainee.name", read_only=True)
    organization_name = serializers.CharField(source="organization.name", read_only=True, default="")
    queue_position = serializers.IntegerField(read_only=True, allow_null=True)
    attended = serializers.IntegerField(read_only=True)
    member = serializers.IntegerField(write_only=True, required=False)
    name = serializers.CharField(write_only=True, required=False)
    id_number = serializers.CharField(write_only=True, required=False, allow_blank=True)
    phone = serializers.CharField(write_only=True, required=False, allow_blank=True)
    gender = serializers.CharField(write_only=True, required=False, allow_blank=True)
    person_unit = serializers.IntegerField(write_only=True, required=False)

    class Meta:
        model = Enrolment
        fields = [
            "id",
            "camp",
            "camp_title",
            "trainee",
            "trainee_name",
            "organization",
            "organization_name",
            "unit",
            "role",
            "status",
            "queue_position",
            "offer_expires_at",
            "quota",
            "attended",
            "created_at",
            "member",
            "name",
            "id_number",
            "phone",
            "gender",
            "person_unit",
        ]
        read_only_fields = [
            "trainee",
            "unit",
            "role",
            "status",
            "offer_expires_at",
            "quota",
            "created_at",
            "organization",
        ]


# Its own component name: every app has a ReasonBody.
@extend_schema_serializer(component_name="TrainingReason")
class ReasonBody(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class CheckInBody(serializers.Serializer):
    code = serializers.CharField(max_length=64)
    scanned_at = serializers.DateTimeField(required=False, allow_null=True)
    method = serializers.ChoiceField(choices=Attendance.Method.choices, required=False, default="qr")
    client_id = serializers.CharField(required=False, allow_blank=True, default="", max_length=64)


class AttendanceBody(serializers.Serializer):
    present = serializers.ListField(child=serializers.IntegerField(), allow_empty=True)


class CheckInAnswer(serializers.Serializer):
    """What `check-in/` answers (services.CheckIn)."""

    status = serializers.ChoiceField(choices=[("ok", "ok"), ("already", "already")])
    enrolment = serializers.IntegerField()
    name = serializers.CharField(allow_blank=True)
    organization = serializers.CharField(allow_blank=True)
    code = serializers.CharField(allow_blank=True)
    checked_in_at = serializers.DateTimeField()
    message = serializers.CharField(allow_blank=True)
    session = serializers.IntegerField()
    client_id = serializers.CharField(allow_blank=True)


class AttendanceAnswer(serializers.Serializer):
    """What `attendance/` answers: how many marks the ticked list added and removed."""

    added = serializers.IntegerField()
    removed = serializers.IntegerField()


class AttendanceSerializer(serializers.ModelSerializer):
    trainee_name = serializers.CharField(source="enrolment.trainee.name", read_only=True)
    camp = serializers.IntegerField(source="session.camp_id", read_only=True)

    class Meta:
        model = Attendance
        fields = ["id", "enrolment", "trainee_name", "session", "camp", "checked_in_at", "method"]


class CertificateSerializer(serializers.ModelSerializer):
    trainee_name = serializers.CharField(source="enrolment.trainee.name", read_only=True)
    camp = serializers.IntegerField(source="enrolment.camp_id", read_only=True)
    valid = serializers.BooleanField(source="is_valid", read_only=True)

    class Meta:
        model = Certificate
        fields = [
            "id",
            "code",
            "enrolment",
            "trainee_name",
            "camp",
            "issued_on",
            "valid",
            "revoked_at",
            "revoke_reason",
        ]


class TraineeSerializer(serializers.ModelSerializer):
    phone = serializers.CharField(source="masked_phone", read_only=True)
    id_number = serializers.CharField(source="masked_id_number", read_only=True)

    class Meta:
        model = Trainee
        fields = ["id", "name", "gender", "phone", "id_number", "unit", "organization"]
