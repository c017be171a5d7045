from rest_framework import serializers

from accounts.models import ApiToken, Membership, User


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


class TokenRequestSerializer(serializers.Serializer):
    """What the token endpoint takes: the account's credentials and a name for the token."""

    username = serializers.CharField(max_length=150, trim_whitespace=False)
    password = serializers.CharField(max_length=128, trim_whitespace=False, style={"input_type": "password"})
    name = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")


class ApiTokenSerializer(serializers.ModelSerializer):
    """A token as its owner sees it later: never the key, only how it begins."""

    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "created_at", "expires_at", "last_used_at"]
        read_only_fields = fields


class IssuedTokenSerializer(ApiTokenSerializer):
    """The answer of the token endpoint: the key, shown this once."""

    token = serializers.CharField(read_only=True, help_text="The key, for `Authorization: Token <key>`.")

    class Meta(ApiTokenSerializer.Meta):
        fields = ["token", *ApiTokenSerializer.Meta.fields]
        read_only_fields = fields
