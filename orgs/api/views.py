from hubportal.api import JurisdictionReadOnlyViewSet
from orgs.filters import LeagueUnitFilterSet
from orgs.models import LeagueUnit

from .serializers import LeagueUnitSerializer


class LeagueUnitViewSet(JurisdictionReadOnlyViewSet):
    """The league-unit tree within the caller's jurisdiction; `?subtree=<id>` for a branch."""

    queryset = LeagueUnit.objects.all()
    serializer_class = LeagueUnitSerializer
    filterset_class = LeagueUnitFilterSet
    ordering_fields = ["path", "name", "code", "depth"]
    ordering = ["path"]
