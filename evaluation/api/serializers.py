"""Serializers of the star-rating API. They check the shape of a body; every rule that needs
the database (jurisdiction, phases, deadlines, maxima, conflicts) is the services'. Records
named in a body are plain ids, read by the service within the caller's reach, so a record
out of reach is refused without being named."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from evaluation.models import (
    Appeal,
    Assignment,
    Certificate,
    Claim,
    Evidence,
    Expert,
    Indicator,
    IndicatorResult,
    IndicatorSystem,
    Objection,
    Rating,
    Round,
    Score,
    ServiceProject,
    Subject,
)
from hubportal.api import UnitInJurisdictionField
from hubportal.drf import version_field


def points(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=7, decimal_places=1, **kwargs)


class SystemSerializer(serializers.ModelSerializer):
    unit = UnitInJurisdictionField()
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    version = version_field()

    class Meta:
        model = IndicatorSystem
        fields = [
            "id",
            "code",
            "edition",
            "name",
            "subject_type",
            "unit",
            "unit_name",
            "grade_style",
            "description",
            "status",
            "total_points",
            "derived_from",
            "published_at",
            "version",
        ]
        read_only_fields = ["edition", "status", "total_points", "derived_from", "published_at"]
        validators: list = []


class IndicatorSerializer(serializers.ModelSerializer):
    system = serializers.IntegerField(source="system_id")
    parent = serializers.IntegerField(  # type: ignore[assignment]  # DRF takes declared fields off the class: "parent" is only the API's name
        source="parent_id", required=False, allow_null=True
    )
    checklist_item = serializers.IntegerField(source="checklist_item_id", required=False, allow_null=True)
    max_points = points()
    version = version_field()

    class Meta:
        model = Indicator
        fields = [
            "id",
            "system",
            "parent",
            "code",
            "name",
            "depth",
            "max_points",
            "guide",
            "evidence_expected",
            "checklist_item",
            "order",
            "version",
        ]
        read_only_fields = ["depth"]
        validators: list = []


class RoundSerializer(serializers.ModelSerializer):
    unit = UnitInJurisdictionField()
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    system = serializers.IntegerField(source="system_id")
    subjects_entered = serializers.IntegerField(read_only=True)
    version = version_field()

    class Meta:
        model = Round
        fields = [
            "id",
            "name",
            "unit",
            "unit_name",
            "subject_type",
            "year",
            "system",
            "phase",
            "threshold_1",
            "threshold_2",
            "threshold_3",
            "threshold_4",
            "threshold_5",
            "self_assessment_until",
            "scoring_until",
            "notice_days",
            "panel_size",
            "rule",
            "trim_from",
            "disagreement_share",
            "validity_months",
            "appeal_days",
            "accepts_applications",
            "description",
            "subjects_entered",
            "version",
        ]
        read_only_fields = ["phase"]
        validators: list = []

    def to_internal_value(self, data):
        values = super().to_internal_value(data)
        if "system_id" in values:
            values["system"] = values.pop("system_id")
        return values


class SubjectSerializer(serializers.ModelSerializer):
    round_name = serializers.CharField(source="round.name", read_only=True)
    owner_unit_name = serializers.CharField(source="owner_unit.name", read_only=True)

    class Meta:
        model = Subject
        fields = [
            "id",
            "round",
            "round_name",
            "name",
            "base",
            "organization",
            "project",
            "owner_unit",
            "owner_unit_name",
            "status",
            "result",
            "attempt",
            "self_assessed_at",
            "total",
            "stars",
            "total_low",
            "total_high",
            "open_flags",
            "aggregated_at",
            "notice_from",
            "notice_until",
            "version",
        ]
        read_only_fields = fields


class ClaimSerializer(serializers.ModelSerializer):
    class Meta:
        model = Claim
        fields = ["id", "subject", "indicator", "points", "statement", "updated_at"]
        read_only_fields = fields


class EvidenceSerializer(serializers.ModelSerializer):
    record_kind = serializers.SerializerMethodField()

    class Meta:
        model = Evidence
        fields = [
            "id",
            "subject",
            "indicator",
            "kind",
            "label",
            "original_name",
            "record_kind",
            "object_id",
            "added_at",
        ]
        read_only_fields = fields

    def get_record_kind(self, obj: Evidence) -> str:
        kind = obj.content_type
        return f"{kind.app_label}.{kind.model}" if kind is not None else ""


class AssignmentSerializer(serializers.ModelSerializer):
    subject = serializers.IntegerField(source="subject_id")
    assessor = serializers.IntegerField(source="assessor_id")
    subject_name = serializers.CharField(source="subject.name", read_only=True)
    assessor_name = serializers.CharField(source="assessor.__str__", read_only=True)
    deadline = serializers.DateField(required=False, allow_null=True)

    class Meta:
        model = Assignment
        fields = [
            "id",
            "subject",
            "subject_name",
            "assessor",
            "assessor_name",
            "attempt",
            "status",
            "deadline",
            "assigned_at",
            "submitted_at",
            "reason",
        ]
        read_only_fields = ["attempt", "status", "assigned_at", "submitted_at", "reason"]
        validators: list = []


class ScoreSerializer(serializers.ModelSerializer):
    """A score; POST saves (creates or replaces) the caller's own score of one indicator."""

    assignment = serializers.IntegerField(source="assignment_id")
    indicator = serializers.IntegerField(source="indicator_id")
    points = points()

    class Meta:
        model = Score
        fields = ["id", "assignment", "indicator", "points", "max_points", "comment", "saved_at"]
        read_only_fields = ["max_points", "saved_at"]
        validators: list = []


class ResultSerializer(serializers.ModelSerializer):
    indicator_code = serializers.CharField(source="indicator.code", read_only=True)

    class Meta:
        model = IndicatorResult
        fields = [
            "id",
            "subject",
            "attempt",
            "indicator",
            "indicator_code",
            "scores",
            "value",
            "low",
            "high",
            "flagged",
            "moderated_value",
            "moderation_note",
            "moderated_at",
        ]
        read_only_fields = fields


class ObjectionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Objection
        fields = [
            "id",
            "subject",
            "attempt",
            "name",
            "contact",
            "reason",
            "original_name",
            "filed_at",
            "status",
            "answer",
            "answered_at",
        ]
        read_only_fields = fields


class AppealSerializer(serializers.ModelSerializer):
    class Meta:
        model = Appeal
        fields = ["id", "subject", "attempt", "reason", "filed_at", "status", "answer", "answered_at"]
        read_only_fields = fields


class RatingSerializer(serializers.ModelSerializer):
    subject_name = serializers.CharField(source="subject.name", read_only=True)
    standing = serializers.CharField(read_only=True)
    certificate_code = serializers.SerializerMethodField()

    class Meta:
        model = Rating
        fields = [
            "id",
            "subject",
            "subject_name",
            "round",
            "subject_type",
            "base",
            "organization",
            "project",
            "attempt",
            "year",
            "stars",
            "total",
            "valid_from",
            "valid_until",
            "status",
            "standing",
            "superseded_by",
            "certificate_code",
        ]
        read_only_fields = fields

    def get_certificate_code(self, obj: Rating) -> str:
        certificate = getattr(obj, "certificate", None)
        return certificate.code if certificate is not None else ""


class StarCertificateSerializer(serializers.ModelSerializer):
    subject_name = serializers.CharField(source="rating.subject.name", read_only=True)
    stars = serializers.IntegerField(source="rating.stars", read_only=True)
    valid_until = serializers.DateField(source="rating.valid_until", read_only=True)

    class Meta:
        model = Certificate
        fields = [
            "id",
            "rating",
            "code",
            "subject_name",
            "stars",
            "valid_until",
            "issued_at",
            "revoked_at",
            "revoked_reason",
        ]
        read_only_fields = fields


class ExpertSerializer(serializers.ModelSerializer):
    unit = UnitInJurisdictionField()
    user = serializers.IntegerField(source="user_id")
    user_name = serializers.CharField(source="user.__str__", read_only=True)
    id_number = serializers.CharField(required=False, allow_blank=True, write_only=True)
    masked_id_number = serializers.CharField(read_only=True)
    version = version_field()

    class Meta:
        model = Expert
        fields = [
            "id",
            "unit",
            "user",
            "user_name",
            "expertise",
            "employer",
            "id_number",
            "masked_id_number",
            "active",
            "version",
        ]
        validators: list = []

    def to_internal_value(self, data):
        values = super().to_internal_value(data)
        if "user_id" in values:
            values["user"] = values.pop("user_id")
        return values


class ProjectSerializer(serializers.ModelSerializer):
    organization = serializers.IntegerField(source="organization_id")
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    budget = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, allow_null=True)
    version = version_field()

    class Meta:
        model = ServiceProject
        fields = [
            "id",
            "organization",
            "organization_name",
            "name",
            "service_field",
            "started_on",
            "ended_on",
            "budget",
            "funder",
            "beneficiaries",
            "description",
            "version",
        ]
        validators: list = []

    def to_internal_value(self, data):
        values = super().to_internal_value(data)
        if "organization_id" in values:
            values["organization"] = values.pop("organization_id")
        return values


# Bodies of the actions ----------------------------------------------------------------------
# Its own component name: every app has a ReasonBody.
@extend_schema_serializer(component_name="RatingReason")
class ReasonBody(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class TargetBody(serializers.Serializer):
    target = serializers.IntegerField(help_text=_("The id of the base, organization or project."))
    note = serializers.CharField(required=False, allow_blank=True, default="")


class DeadlineBody(serializers.Serializer):
    deadline = serializers.DateField(required=False, allow_null=True)


class AssignBody(DeadlineBody):
    assessor = serializers.IntegerField()


class ClaimBody(serializers.Serializer):
    indicator = serializers.IntegerField()
    points = points(required=False, allow_null=True)
    statement = serializers.CharField(required=False, allow_blank=True, default="")


class SelfAssessmentBody(serializers.Serializer):
    claims = ClaimBody(many=True)
    # The claims are the subject's: the subject's `version` as read (a stale one is a 409).
    version = version_field()


class ModerateBody(serializers.Serializer):
    value = points(required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class DecisionBody(serializers.Serializer):
    upheld = serializers.BooleanField()
    answer = serializers.CharField(required=False, allow_blank=True, default="")
