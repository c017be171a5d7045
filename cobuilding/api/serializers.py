"""Serializers of the co-building API. They check the shape of a body; the rules that need
the database (jurisdiction of every record named, a term's overlap and length, the chair
being a member unit's leader, a branch paid once) are the services'.

Records named in a body travel as ids (`committee`, `member_unit`, `organizations` ...): the
service reads each within the caller's reach, so a record of another jurisdiction is refused
without being revealed (the serializer never looks it up).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Model
from django.urls import reverse
from rest_framework import serializers

from cobuilding.models import (
    Activity,
    ActivityPhoto,
    BranchSubsidy,
    ChairTerm,
    Committee,
    Funding,
    JointMeeting,
    MemberUnit,
    Person,
    Venue,
    WorkPlan,
)
from hubportal.drf import version_field
from hubportal.jurisdiction import Action, user_can
from orgs.models.registry import mask_phone


class IdField(serializers.IntegerField):
    """A related record's id: read as the id, written as an id the service checks."""

    def get_attribute(self, instance: Any) -> Any:
        # The foreign key's own column: no query for the related row.
        attname = f"{self.source}_id"
        return getattr(instance, attname) if hasattr(instance, attname) else super().get_attribute(instance)

    def to_representation(self, value: Any) -> Any:
        return value.pk if isinstance(value, Model) else value


class IdList(serializers.ListField):
    """Related records' ids (a many-to-many read from its prefetch cache)."""

    child = serializers.IntegerField()

    def to_representation(self, data: Any) -> list[Any]:
        items = data.all() if hasattr(data, "all") else data
        return [getattr(item, "pk", item) for item in items]


class NameList(serializers.ListField):
    """Names (a committee's communities): read from the prefetched records, written as names."""

    child = serializers.CharField(max_length=64)

    def to_representation(self, data: Any) -> list[Any]:
        items = data.all() if hasattr(data, "all") else data
        return [getattr(item, "name", item) for item in items]


def money(*, read_only: bool = False) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=14, decimal_places=2, read_only=read_only)


class CommitteeSerializer(serializers.ModelSerializer):
    subdistrict = IdField()
    subdistrict_name = serializers.CharField(source="subdistrict.name", read_only=True)
    communities = NameList(required=False)
    member_count = serializers.IntegerField(read_only=True)
    terms_without_activity = serializers.IntegerField(read_only=True)
    version = version_field()

    class Meta:
        model = Committee
        fields = [
            "id",
            "subdistrict",
            "subdistrict_name",
            "name",
            "founded_on",
            "secretariat_address",
            "secretariat_contact",
            "secretariat_phone",
            "description",
            "communities",
            "member_count",
            "terms_without_activity",
            "created_at",
            "version",
        ]
        read_only_fields = ["created_at"]


class ChildSerializer(serializers.ModelSerializer):
    """A record of a committee: `committee` is given when creating it."""

    committee = IdField()
    committee_name = serializers.CharField(source="committee.name", read_only=True)


class MemberUnitSerializer(ChildSerializer):
    version = version_field()

    class Meta:
        model = MemberUnit
        fields = [
            "id",
            "committee",
            "committee_name",
            "name",
            "affiliation",
            "league_organization",
            "leader_name",
            "leader_title",
            "contact_person",
            "contact_phone",
            "joined_on",
            "left_on",
            "created_at",
            "version",
        ]
        read_only_fields = ["created_at"]
        validators: list = []


class ChairTermSerializer(ChildSerializer):
    member_unit = IdField()
    member_unit_name = serializers.CharField(source="member_unit.name", read_only=True)
    held_activity = serializers.BooleanField(read_only=True)
    ended_without_activity = serializers.BooleanField(read_only=True)
    version = version_field()

    class Meta:
        model = ChairTerm
        fields = [
            "id",
            "committee",
            "committee_name",
            "member_unit",
            "member_unit_name",
            "chair_name",
            "chair_title",
            "starts_on",
            "ends_on",
            "note",
            "held_activity",
            "ended_without_activity",
            "created_at",
            "version",
        ]
        read_only_fields = ["created_at"]
        extra_kwargs = {"chair_name": {"required": False}}
        validators: list = []


class WorkPlanSerializer(ChildSerializer):
    version = version_field()

    class Meta:
        model = WorkPlan
        fields = [
            "id",
            "committee",
            "committee_name",
            "year",
            "title",
            "content",
            "status",
            "published_at",
            "version",
        ]
        read_only_fields = ["status", "published_at"]
        validators: list = []


class MeetingSerializer(ChildSerializer):
    member_units = IdList(required=False)
    version = version_field()

    class Meta:
        model = JointMeeting
        fields = [
            "id",
            "committee",
            "committee_name",
            "held_on",
            "place",
            "member_units",
            "attendees",
            "decisions",
            "version",
        ]
        validators: list = []


class VenueSerializer(ChildSerializer):
    offers = serializers.ListField(child=serializers.ChoiceField(choices=Venue.Offer.choices), required=False)
    shared_by = IdList(required=False)
    version = version_field()

    class Meta:
        model = Venue
        fields = [
            "id",
            "committee",
            "committee_name",
            "name",
            "kind",
            "setup",
            "address",
            "latitude",
            "longitude",
            "opening_hours",
            "offers",
            "description",
            "shared_by",
            "opened_on",
            "closed_on",
            "created_at",
            "version",
        ]
        read_only_fields = ["created_at"]
        validators: list = []


class PersonSerializer(ChildSerializer):
    """A person of the standard. The phone is personal data: whole for the cadres who may
    change the subdistrict's records, masked for everyone else."""

    member_unit = IdField(required=False, allow_null=True)
    community = IdField(required=False, allow_null=True)
    version = version_field()

    class Meta:
        model = Person
        fields = [
            "id",
            "committee",
            "committee_name",
            "name",
            "role",
            "position",
            "member_unit",
            "community",
            "phone",
            "started_on",
            "ended_on",
            "created_at",
            "version",
        ]
        read_only_fields = ["created_at"]
        validators: list = []

    def to_representation(self, instance: Any) -> dict[str, Any]:
        data = super().to_representation(instance)
        request = self.context.get("request")
        user = request.user if request is not None else None
        if not user_can(user, instance.committee.subdistrict, Action.CHANGE):
            data["phone"] = mask_phone(instance.phone)
        return data


class ActivityPhotoSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = ActivityPhoto
        fields = ["id", "caption", "url", "uploaded_at"]

    def get_url(self, photo: ActivityPhoto) -> str:
        """The photo's address on the portal, which checks the caller's jurisdiction."""
        path = reverse("cobuilding:activity_photo", args=[photo.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class PhotoBody(serializers.Serializer):
    """A photo of an activity, sent as multipart/form-data (JPG, PNG or WebP, at most 5 MB:
    the service checks the content)."""

    image = serializers.FileField(allow_empty_file=False)
    caption = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


class ActivitySerializer(ChildSerializer):
    organiser = IdField(required=False, allow_null=True)
    venue = IdField(required=False, allow_null=True)
    member_units = IdList(required=False)
    organizations = IdList(required=False)
    photos = ActivityPhotoSerializer(many=True, read_only=True)
    version = version_field()

    class Meta:
        model = Activity
        fields = [
            "id",
            "committee",
            "committee_name",
            "title",
            "kind",
            "organiser",
            "held_on",
            "place",
            "venue",
            "participants",
            "member_units",
            "organizations",
            "description",
            "photos",
            "created_at",
            "version",
        ]
        read_only_fields = ["created_at"]
        validators: list = []


class FundingSerializer(ChildSerializer):
    amount = money()
    version = version_field()

    class Meta:
        model = Funding
        fields = [
            "id",
            "committee",
            "committee_name",
            "year",
            "source",
            "amount",
            "received_on",
            "note",
            "created_at",
            "version",
        ]
        read_only_fields = ["created_at"]
        validators: list = []


class SubsidySerializer(serializers.ModelSerializer):
    """A payment of the ledger. POST pays a branch (`league_building`, `payer`, `paid_on`,
    optional `amount` (300 by default) and `voucher`); a payment is never changed."""

    league_building = IdField()
    branch_name = serializers.CharField(source="league_building.branch_name", read_only=True)
    payer_unit = IdField(read_only=True)
    payer_unit_name = serializers.CharField(source="payer_unit.name", read_only=True)
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, required=False)

    class Meta:
        model = BranchSubsidy
        fields = [
            "id",
            "league_building",
            "branch_name",
            "payer",
            "payer_unit",
            "payer_unit_name",
            "amount",
            "paid_on",
            "voucher",
            "created_at",
        ]
        read_only_fields = ["created_at"]
        extra_kwargs = {"paid_on": {"required": False}}
        validators: list = []
