from rest_framework import serializers

from orgs.models import LeagueUnit


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
