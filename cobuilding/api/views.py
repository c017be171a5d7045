"""The co-building API: committees and everything under them, the subsidy ledger, and the
subdistrict standard.

Rows come through `visible_to()` and `get_for()` (the shared viewsets: 404 outside the
jurisdiction, 403 when only viewable), the FilterSets are the pages' own, and every write is
one service of `cobuilding.services` — a bad body gets the messages the pages show (a term
over three months, overlapping terms, a chair who is not a member unit's leader, a second
subsidy for a branch ...), as a 400 by field, and nothing is half-applied.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, cast

from django.db.models import Prefetch
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cobuilding import services, standard
from cobuilding.filters import (
    ActivityFilterSet,
    ChairTermFilterSet,
    CommitteeFilterSet,
    FundingFilterSet,
    MeetingFilterSet,
    MemberUnitFilterSet,
    PersonFilterSet,
    SubsidyFilterSet,
    VenueFilterSet,
    WorkPlanFilterSet,
)
from cobuilding.models import (
    Activity,
    BranchSubsidy,
    ChairTerm,
    Committee,
    Community,
    Funding,
    JointMeeting,
    MemberUnit,
    Person,
    Venue,
    WorkPlan,
)
from hubportal.access import get_for
from hubportal.api import JurisdictionViewSet, service_action
from hubportal.jurisdiction import Action
from orgs.models import LeagueUnit, Organization

if TYPE_CHECKING:
    from accounts.models import User

from .serializers import (
    ActivitySerializer,
    ChairTermSerializer,
    CommitteeSerializer,
    FundingSerializer,
    MeetingSerializer,
    MemberUnitSerializer,
    PersonSerializer,
    PhotoBody,
    SubsidySerializer,
    VenueSerializer,
    WorkPlanSerializer,
)

NO_DELETE = ["get", "post", "put", "patch", "head", "options"]


def under_committee(service: Callable[..., Any]) -> Callable[[Any, Mapping[str, Any]], Any]:
    """A create service of a committee's record, fed from a body naming the committee."""

    def create(actor: Any, data: Mapping[str, Any]) -> Any:
        return service(actor, data.get("committee"), data)

    create.__doc__ = service.__doc__
    return create


def pay_from_body(actor: Any, data: Mapping[str, Any]) -> BranchSubsidy:
    return services.pay_branch_subsidy(actor, data.get("league_building"), data)


class ChildViewSet(JurisdictionViewSet):
    http_method_names = NO_DELETE

    def optimize(self, queryset):
        return queryset.select_related("committee")


class CommitteeViewSet(JurisdictionViewSet):
    """Co-building committees (one per subdistrict) with their communities; an update sends
    back the `version` it read."""

    queryset = Committee.objects.all()
    serializer_class = CommitteeSerializer
    filterset_class = CommitteeFilterSet
    ordering_fields = ["name", "founded_on"]
    ordering = ["subdistrict__path"]
    http_method_names = NO_DELETE
    create_service = services.create_committee
    update_service = services.update_committee

    def optimize(self, queryset):
        return (
            queryset.select_related("subdistrict")
            .with_counts()
            .prefetch_related(Prefetch("communities", queryset=Community.objects.order_by("name")))
        )


class MemberUnitViewSet(ChildViewSet):
    """Member units of the committees; POST names the `committee`."""

    queryset = MemberUnit.objects.all()
    serializer_class = MemberUnitSerializer
    filterset_class = MemberUnitFilterSet
    ordering_fields = ["name", "joined_on"]
    ordering = ["committee_id", "name"]
    create_service = under_committee(services.add_member_unit)
    update_service = services.update_member_unit


class ChairTermViewSet(JurisdictionViewSet):
    """Rotating chairs: at most three months, never overlapping, the leader of a member
    unit's league organization; `ended_without_activity` flags a term that ended without one."""

    queryset = ChairTerm.objects.all()
    serializer_class = ChairTermSerializer
    filterset_class = ChairTermFilterSet
    ordering_fields = ["starts_on", "ends_on"]
    ordering = ["committee_id", "starts_on"]
    create_service = under_committee(services.appoint_chair)
    update_service = services.update_chair_term
    destroy_service = services.delete_chair_term

    def optimize(self, queryset):
        return queryset.select_related("committee", "member_unit").with_activity()


class WorkPlanViewSet(ChildViewSet):
    """Annual work plans; `publish/` puts one on the public site."""

    queryset = WorkPlan.objects.all()
    serializer_class = WorkPlanSerializer
    filterset_class = WorkPlanFilterSet
    ordering_fields = ["year"]
    ordering = ["committee_id", "-year"]
    create_service = under_committee(services.create_work_plan)
    update_service = services.update_work_plan

    publish = service_action(services.publish_work_plan, url_path="publish")


class MeetingViewSet(ChildViewSet):
    queryset = JointMeeting.objects.all()
    serializer_class = MeetingSerializer
    filterset_class = MeetingFilterSet
    ordering_fields = ["held_on"]
    ordering = ["-held_on", "-pk"]
    create_service = under_committee(services.record_meeting)
    update_service = services.update_meeting

    def optimize(self, queryset):
        return queryset.select_related("committee").prefetch_related("member_units")


class VenueViewSet(ChildViewSet):
    queryset = Venue.objects.all()
    serializer_class = VenueSerializer
    filterset_class = VenueFilterSet
    ordering_fields = ["name", "opened_on"]
    ordering = ["committee_id", "name"]
    create_service = under_committee(services.create_venue)
    update_service = services.update_venue

    def optimize(self, queryset):
        return queryset.select_related("committee").prefetch_related("shared_by")


class PersonViewSet(ChildViewSet):
    """People counted against the standard; the phone is masked unless you may change the
    subdistrict's records."""

    queryset = Person.objects.all()
    serializer_class = PersonSerializer
    filterset_class = PersonFilterSet
    ordering_fields = ["name", "started_on"]
    ordering = ["committee_id", "role", "name"]
    create_service = under_committee(services.add_person)
    update_service = services.update_person

    def optimize(self, queryset):
        return queryset.select_related("committee__subdistrict")


class ActivityViewSet(ChildViewSet):
    """Activities; each youth organization in `organizations` gets a contact-log entry."""

    queryset = Activity.objects.all()
    serializer_class = ActivitySerializer
    filterset_class = ActivityFilterSet
    ordering_fields = ["held_on", "participants"]
    ordering = ["-held_on", "-pk"]
    create_service = under_committee(services.record_activity)
    update_service = services.update_activity
    add_photo = service_action(
        services.add_activity_photo,
        body=PhotoBody,
        url_path="photos",
        created=True,
        description="Attach a photo (multipart/form-data: image, caption); answers the activity with its photos.",
    )

    def optimize(self, queryset):
        return queryset.select_related("committee").prefetch_related(
            "member_units", Prefetch("organizations", queryset=Organization.objects.only("pk")), "photos"
        )


class FundingViewSet(ChildViewSet):
    queryset = Funding.objects.all()
    serializer_class = FundingSerializer
    filterset_class = FundingFilterSet
    ordering_fields = ["year", "received_on", "amount"]
    ordering = ["-year", "-received_on", "-pk"]
    create_service = under_committee(services.record_funding)
    update_service = services.update_funding


class SubsidyViewSet(JurisdictionViewSet):
    """The branch-subsidy ledger: POST pays a branch (once per payer); payments are not edited."""

    queryset = BranchSubsidy.objects.all()
    serializer_class = SubsidySerializer
    filterset_class = SubsidyFilterSet
    ordering_fields = ["paid_on", "amount"]
    ordering = ["-paid_on", "-pk"]
    http_method_names = ["get", "post", "head", "options"]
    create_service = pay_from_body

    def optimize(self, queryset):
        return queryset.select_related("league_building", "payer_unit")


class StandardQuery(serializers.Serializer):
    unit = serializers.IntegerField(required=False)
    year = serializers.IntegerField(required=False, min_value=2000, max_value=2100)


class StandardShareSerializer(serializers.Serializer):
    meeting = serializers.IntegerField()
    percent = serializers.CharField(help_text='A decimal string, e.g. "62.5".')


class StandardItemSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # a declared field, popped by DRF's metaclass
    metrics = serializers.ListField(child=serializers.CharField())


class StandardGroupSerializer(serializers.Serializer):
    unit = serializers.IntegerField()
    unit_name = serializers.CharField()
    subdistricts = serializers.IntegerField()
    shares = serializers.DictField(child=StandardShareSerializer(), help_text="By item key.")


class StandardSubdistrictSerializer(serializers.Serializer):
    unit = serializers.IntegerField()
    unit_name = serializers.CharField()
    met = serializers.DictField(child=serializers.BooleanField(), help_text="By item key.")
    values = serializers.DictField(child=serializers.CharField(), help_text="Decimal strings by metric code.")


class StandardSerializer(serializers.Serializer):
    """The answer of GET /api/cobuilding/standard/ (documentation only: the view builds it)."""

    unit = serializers.IntegerField()
    unit_name = serializers.CharField()
    year = serializers.IntegerField()
    counted_from = serializers.DateField()
    counted_to = serializers.DateField()
    items = StandardItemSerializer(many=True)
    subdistricts = serializers.IntegerField()
    shares = serializers.DictField(child=StandardShareSerializer(), help_text="By item key.")
    groups = StandardGroupSerializer(many=True)
    by_subdistrict = StandardSubdistrictSerializer(many=True)


@extend_schema(parameters=[StandardQuery], responses=StandardSerializer)
class StandardView(APIView):
    """The subdistrict standard for `?unit=<id>&year=<year>` (your highest unit and this year
    by default): every subdistrict below the unit with each item met or not and its value,
    and the share of subdistricts meeting each item — one query whatever their number."""

    permission_classes = [permissions.IsAuthenticated]

    def get(self, request: Request) -> Response:
        user = cast("User", request.user)  # IsAuthenticated let only a logged-in user in
        query = StandardQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        unit_pk = query.validated_data.get("unit") or getattr(user.primary_unit, "pk", None)
        unit = get_for(user, LeagueUnit, unit_pk, Action.VIEW)
        year = query.validated_data.get("year") or timezone.localdate().year
        whole, groups = standard.assess(unit, year)
        start, end = standard.window(year)
        return Response(
            {
                "unit": unit.pk,
                "unit_name": unit.name,
                "year": year,
                "counted_from": start,
                "counted_to": end,
                "items": [
                    {"key": item.key, "label": str(item.label), "metrics": item.codes}
                    for item in standard.ITEMS
                ],
                "subdistricts": whole.total,
                "shares": {
                    item.key: {"meeting": n, "percent": str(share)} for item, n, share in whole.shares
                },
                "groups": [
                    {
                        "unit": g.id,
                        "unit_name": g.name,
                        "subdistricts": g.total,
                        "shares": {
                            item.key: {"meeting": n, "percent": str(share)} for item, n, share in g.shares
                        },
                    }
                    for g in groups
                ],
                "by_subdistrict": [
                    {
                        "unit": s.id,
                        "unit_name": s.name,
                        "met": s.met,
                        "values": {code: str(s.values[code]) for code in standard.CODES},
                    }
                    for s in whole.subdistricts
                ],
            }
        )
