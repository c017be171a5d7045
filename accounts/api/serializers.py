from rest_framework import serializers

from accounts.models import Membership, User


class MembershipSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "unit", "unit_name", "role", "position"]


class MeSerializer(serializers.ModelSerializer):
    memberships = MembershipSerializer(many=True, read_only=True)

    class Meta:
        model = User
        fields = ["id", "username", "full_name", "email", "is_assessor", "is_representative", "memberships"]
