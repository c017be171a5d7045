"""Cadre pages of 区域化大团建: committees and everything under them, the subsidy ledger and
the subdistrict-standard page.

Thin views over `hubportal.generic`: rows come through `visible_to()` and `get_for()` (404
outside the jurisdiction, 403 when only viewable), every change through one service of
`cobuilding.services`, whose refusal is shown on the form it came from. A record of a
committee is created under the committee's URL (`committees/<id>/venues/new/`), so its
form offers that committee's member units, communities and venues.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Prefetch, Sum
from django.http import FileResponse, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hubportal.access import get_for
from hubportal.files import file_response
from hubportal.generic import (
    Column,
    ObjectDeleteView,
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
    ServiceActionView,
)
from hubportal.http import AuthenticatedHttpRequest
from hubportal.jurisdiction import Action
from orgs.models import LeagueUnit

from . import services, standard
from .filters import (
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
from .forms import (
    ActivityForm,
    ChairTermForm,
    CommitteeForm,
    FundingForm,
    MeetingForm,
    MemberUnitForm,
    PersonForm,
    PhotoForm,
    StandardForm,
    SubsidyForm,
    VenueForm,
    WorkPlanForm,
)
from .models import (
    Activity,
    ActivityOrganization,
    ActivityPhoto,
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

COMMITTEE = Column(gettext_lazy("Committee"), "committee.name", order_by="committee__subdistrict__path")


# Committees ------------------------------------------------------------------------------------
class CommitteeListView(ObjectListView):
    model = Committee
    filterset_class = CommitteeFilterSet
    title = gettext_lazy("Regional co-building committees")
    default_ordering = "subdistrict__path"
    create_url_name = "cobuilding:committee_create"
    columns = [
        Column(gettext_lazy("Name"), "name", link=True, order_by="name"),
        Column(gettext_lazy("Subdistrict"), "subdistrict.name", order_by="subdistrict__path"),
        Column(gettext_lazy("District or city"), "subdistrict.parent.name"),
        Column(gettext_lazy("Founded on"), "founded_on", order_by="founded_on"),
        Column(gettext_lazy("Member units"), "member_count", order_by="member_count"),
        Column(
            gettext_lazy("Chair terms without an activity"),
            "terms_without_activity",
            order_by="terms_without_activity",
        ),
    ]

    def optimize(self, queryset):
        return queryset.select_related("subdistrict__parent").with_counts()


class CommitteeDetailView(ObjectDetailView):
    """The committee's page: member units, chairs (a term ended without an activity is
    flagged), plans, meetings, venues, people against the standard, activities, funds."""

    model = Committee
    template_name = "cobuilding/committee_detail.html"
    edit_url_name = "cobuilding:committee_edit"

    def optimize(self, queryset):
        return queryset.select_related("subdistrict__parent")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        committee = self.object
        today = timezone.localdate()
        year = today.year
        whole, _groups = standard.assess(committee.subdistrict, year)
        assessed = whole.subdistricts[0] if whole.subdistricts else None
        people = dict(
            Person.objects.filter(committee=committee)
            .active_on(today)
            .order_by()
            .values_list("role")
            .annotate(n=Count("pk"))
        )
        context.update(
            today=today,
            year=year,
            member_units=list(committee.member_units.order_by("left_on", "name")),
            terms=list(
                ChairTerm.objects.filter(committee=committee)
                .with_activity()
                .select_related("member_unit")
                .order_by("-starts_on")
            ),
            plans=list(committee.work_plans.order_by("-year")),
            meetings=list(
                committee.meetings.prefetch_related(
                    Prefetch("member_units", queryset=MemberUnit.objects.order_by("name"))
                ).order_by("-held_on")[:10]
            ),
            venues=list(committee.venues.order_by("closed_on", "name")),
            people=[(label, people.get(value, 0), value) for value, label in Person.Role.choices],
            communities=list(
                Community.objects.filter(committee=committee)
                .annotate(volunteer_count=Count("volunteers"))
                .order_by("name")
            ),
            activities=list(committee.activities.select_related("organiser").order_by("-held_on")[:10]),
            funding=list(
                Funding.objects.filter(committee=committee)
                .order_by("-year")
                .values("year")
                .annotate(total=Sum("amount"))
            ),
            assessed=assessed,
            items=[(item, assessed.met[item.key], assessed.values[item.main]) for item in standard.ITEMS]
            if assessed is not None
            else [],
        )
        return context


class CommitteeEditView(ObjectEditView):
    model = Committee
    form_class: Any = CommitteeForm
    success_message = gettext_lazy("The committee is saved.")
    create_service = services.create_committee
    update_service = services.update_committee


class CommitteeChildCreateView(ObjectEditView):
    """Create a record under a committee the user may change: `add_service(actor,
    committee_pk, data)` writes it."""

    add_service: Callable[..., Any]
    committee: Committee

    def dispatch(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.committee = get_for(request.user, Committee, kwargs["committee_pk"], Action.CHANGE)
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["committee"] = self.committee
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["title"] = _("New %(kind)s · %(committee)s") % {
            "kind": self.model._meta.verbose_name,
            "committee": self.committee,
        }
        return context

    def save_form(self, form):
        return type(self).add_service(self.actor, self.committee.pk, self.service_data(form))


# Member units ----------------------------------------------------------------------------------
class MemberUnitListView(ObjectListView):
    model = MemberUnit
    filterset_class = MemberUnitFilterSet
    title = gettext_lazy("Member units")
    default_ordering = "name"
    columns = [
        Column(gettext_lazy("Name"), "name", link=True, order_by="name"),
        COMMITTEE,
        Column(gettext_lazy("Type of unit"), "affiliation", order_by="affiliation"),
        Column(gettext_lazy("League organization"), "league_organization"),
        Column(gettext_lazy("Leader"), "leader_name"),
        Column(gettext_lazy("Joined on"), "joined_on", order_by="joined_on"),
        Column(gettext_lazy("Left on"), "left_on", order_by="left_on"),
    ]

    def optimize(self, queryset):
        return queryset.select_related("committee")


class MemberUnitDetailView(ObjectDetailView):
    model = MemberUnit
    template_name = "cobuilding/member_unit_detail.html"
    edit_url_name = "cobuilding:member_unit_edit"
    fields = [
        "committee",
        "name",
        "affiliation",
        "league_organization",
        "leader_name",
        "leader_title",
        "contact_person",
        "joined_on",
        "left_on",
    ]


class MemberUnitCreateView(CommitteeChildCreateView):
    model = MemberUnit
    form_class: Any = MemberUnitForm
    add_service = services.add_member_unit


class MemberUnitEditView(ObjectEditView):
    model = MemberUnit
    form_class: Any = MemberUnitForm
    update_service = services.update_member_unit


# Chair terms -----------------------------------------------------------------------------------
class ChairTermListView(ObjectListView):
    model = ChairTerm
    filterset_class = ChairTermFilterSet
    title = gettext_lazy("Rotating chairs")
    default_ordering = "-starts_on"
    columns = [
        Column(gettext_lazy("Chair"), "chair_name", link=True, order_by="chair_name"),
        Column(gettext_lazy("Member unit"), "member_unit.name"),
        COMMITTEE,
        Column(gettext_lazy("Term starts on"), "starts_on", order_by="starts_on"),
        Column(gettext_lazy("Term ends on"), "ends_on", order_by="ends_on"),
        Column(gettext_lazy("Activity held in the term"), "activity_label"),
    ]

    def optimize(self, queryset):
        return queryset.select_related("committee", "member_unit").with_activity()


class ChairTermDetailView(ObjectDetailView):
    model = ChairTerm
    template_name = "cobuilding/chair_term_detail.html"
    edit_url_name = "cobuilding:chair_term_edit"
    delete_url_name = "cobuilding:chair_term_delete"

    def optimize(self, queryset):
        return queryset.select_related("committee", "member_unit").with_activity()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        term = self.object
        context["activities"] = list(
            Activity.objects.filter(
                committee_id=term.committee_id, held_on__gte=term.starts_on, held_on__lte=term.ends_on
            ).order_by("held_on")
        )
        context["today"] = timezone.localdate()
        return context


class ChairTermCreateView(CommitteeChildCreateView):
    model = ChairTerm
    form_class: Any = ChairTermForm
    add_service = services.appoint_chair
    success_message = gettext_lazy("The chair is appointed.")


class ChairTermEditView(ObjectEditView):
    model = ChairTerm
    form_class: Any = ChairTermForm
    update_service = services.update_chair_term


class ChairTermDeleteView(ObjectDeleteView):
    model = ChairTerm
    delete_service = services.delete_chair_term
    success_url_name = "cobuilding:chair_term_list"


# Work plans ------------------------------------------------------------------------------------
class WorkPlanListView(ObjectListView):
    model = WorkPlan
    filterset_class = WorkPlanFilterSet
    title = gettext_lazy("Annual work plans")
    default_ordering = "-year"
    columns = [
        Column(gettext_lazy("Title"), "title", link=True, order_by="title"),
        COMMITTEE,
        Column(gettext_lazy("Year"), "year", order_by="year"),
        Column(gettext_lazy("Status"), "status", order_by="status"),
        Column(gettext_lazy("Published at"), "published_at", order_by="published_at"),
    ]

    def optimize(self, queryset):
        return queryset.select_related("committee")


class WorkPlanDetailView(ObjectDetailView):
    model = WorkPlan
    template_name = "cobuilding/work_plan_detail.html"
    edit_url_name = "cobuilding:work_plan_edit"

    def optimize(self, queryset):
        return queryset.select_related("committee")


class WorkPlanCreateView(CommitteeChildCreateView):
    model = WorkPlan
    form_class: Any = WorkPlanForm
    add_service = services.create_work_plan


class WorkPlanEditView(ObjectEditView):
    model = WorkPlan
    form_class: Any = WorkPlanForm
    update_service = services.update_work_plan


class PublishWorkPlanView(ServiceActionView):
    model = WorkPlan
    service = services.publish_work_plan
    success_message = gettext_lazy("The plan is published on the public site.")


# Joint meetings --------------------------------------------------------------------------------
class MeetingListView(ObjectListView):
    model = JointMeeting
    filterset_class = MeetingFilterSet
    title = gettext_lazy("Joint meetings")
    default_ordering = "-held_on"
    columns = [
        Column(gettext_lazy("Held on"), "held_on", link=True, order_by="held_on"),
        COMMITTEE,
        Column(gettext_lazy("Place"), "place"),
        Column(gettext_lazy("Member units present"), "unit_count"),
        Column(gettext_lazy("Decisions"), "decisions"),
    ]

    def optimize(self, queryset):
        return queryset.select_related("committee").annotate(unit_count=Count("member_units"))


class MeetingDetailView(ObjectDetailView):
    model = JointMeeting
    template_name = "cobuilding/meeting_detail.html"
    edit_url_name = "cobuilding:meeting_edit"

    def optimize(self, queryset):
        return queryset.select_related("committee").prefetch_related("member_units")


class MeetingCreateView(CommitteeChildCreateView):
    model = JointMeeting
    form_class: Any = MeetingForm
    add_service = services.record_meeting


class MeetingEditView(ObjectEditView):
    model = JointMeeting
    form_class: Any = MeetingForm
    update_service = services.update_meeting


# Venues ----------------------------------------------------------------------------------------
class VenueListView(ObjectListView):
    model = Venue
    filterset_class = VenueFilterSet
    title = gettext_lazy("Youth venues")
    default_ordering = "name"
    columns = [
        Column(gettext_lazy("Name"), "name", link=True, order_by="name"),
        COMMITTEE,
        Column(gettext_lazy("Kind"), "kind", order_by="kind"),
        Column(gettext_lazy("How it was set up"), "setup", order_by="setup"),
        Column(gettext_lazy("Address"), "address"),
        Column(gettext_lazy("Opening hours"), "opening_hours"),
        Column(gettext_lazy("Opened on"), "opened_on", order_by="opened_on"),
        Column(gettext_lazy("Closed on"), "closed_on", order_by="closed_on"),
    ]

    def optimize(self, queryset):
        return queryset.select_related("committee")


class VenueDetailView(ObjectDetailView):
    model = Venue
    template_name = "cobuilding/venue_detail.html"
    edit_url_name = "cobuilding:venue_edit"

    def optimize(self, queryset):
        return queryset.select_related("committee__subdistrict").prefetch_related("shared_by")


class VenueCreateView(CommitteeChildCreateView):
    model = Venue
    form_class: Any = VenueForm
    add_service = services.create_venue


class VenueEditView(ObjectEditView):
    model = Venue
    form_class: Any = VenueForm
    update_service = services.update_venue


# People ----------------------------------------------------------------------------------------
class PersonListView(ObjectListView):
    model = Person
    filterset_class = PersonFilterSet
    title = gettext_lazy("People")
    default_ordering = "name"
    columns = [
        Column(gettext_lazy("Full name"), "name", link=True, order_by="name"),
        COMMITTEE,
        Column(gettext_lazy("Role"), "role", order_by="role"),
        Column(gettext_lazy("Position"), "position"),
        Column(gettext_lazy("Community"), "community.name"),
        Column(gettext_lazy("Mobile phone"), "masked_phone"),
        Column(gettext_lazy("In the role since"), "started_on", order_by="started_on"),
        Column(gettext_lazy("In the role until"), "ended_on", order_by="ended_on"),
    ]

    def optimize(self, queryset):
        return queryset.select_related("committee", "community")


class PersonDetailView(ObjectDetailView):
    model = Person
    edit_url_name = "cobuilding:person_edit"
    fields = ["committee", "name", "role", "position", "member_unit", "community", "started_on", "ended_on"]

    def optimize(self, queryset):
        return queryset.select_related("committee", "member_unit", "community")


class PersonCreateView(CommitteeChildCreateView):
    model = Person
    form_class: Any = PersonForm
    add_service = services.add_person


class PersonEditView(ObjectEditView):
    model = Person
    form_class: Any = PersonForm
    update_service = services.update_person


# Activities ------------------------------------------------------------------------------------
class ActivityListView(ObjectListView):
    model = Activity
    filterset_class = ActivityFilterSet
    title = gettext_lazy("Activities")
    default_ordering = "-held_on"
    columns = [
        Column(gettext_lazy("Title"), "title", link=True, order_by="title"),
        COMMITTEE,
        Column(gettext_lazy("Kind"), "kind", order_by="kind"),
        Column(gettext_lazy("Held on"), "held_on", order_by="held_on"),
        Column(gettext_lazy("Place"), "place"),
        Column(gettext_lazy("Organiser"), "organiser.name"),
        Column(gettext_lazy("Participants"), "participants", order_by="participants"),
        Column(gettext_lazy("Youth organizations"), "organization_count"),
    ]

    def optimize(self, queryset):
        return queryset.select_related("committee", "organiser").annotate(
            organization_count=Count("participations")
        )


class ActivityDetailView(ObjectDetailView):
    model = Activity
    template_name = "cobuilding/activity_detail.html"
    edit_url_name = "cobuilding:activity_edit"

    def optimize(self, queryset):
        return queryset.select_related("committee", "organiser", "venue").prefetch_related("member_units")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["participations"] = list(
            ActivityOrganization.objects.filter(activity=self.object)
            .select_related("organization", "contact_log")
            .order_by("organization__name")
        )
        context["photos"] = list(self.object.photos.all()[:24])
        context["photo_form"] = PhotoForm()
        return context


class ActivityCreateView(CommitteeChildCreateView):
    model = Activity
    form_class: Any = ActivityForm
    add_service = services.record_activity
    success_message = gettext_lazy("The activity is recorded; each youth organization's contact log has it.")


class ActivityEditView(ObjectEditView):
    model = Activity
    form_class: Any = ActivityForm
    update_service = services.update_activity


class ActivityPhotoView(ServiceActionView):
    """Add a photo (the form sits on the activity's page; a refused file is explained here)."""

    model = Activity
    form_class = PhotoForm
    service = services.add_activity_photo
    title = gettext_lazy("Add a photo of %(object)s")
    success_message = gettext_lazy("The photo is added.")
    submit_label = gettext_lazy("Upload")


# Money -----------------------------------------------------------------------------------------
class FundingListView(ObjectListView):
    model = Funding
    filterset_class = FundingFilterSet
    title = gettext_lazy("Working funds")
    default_ordering = "-received_on"
    columns = [
        Column(gettext_lazy("Year"), "year", link=True, order_by="year"),
        COMMITTEE,
        Column(gettext_lazy("Source"), "source", order_by="source"),
        Column(gettext_lazy("Amount (yuan)"), "amount", order_by="amount", money=True),
        Column(gettext_lazy("Received on"), "received_on", order_by="received_on"),
        Column(gettext_lazy("Note"), "note"),
    ]

    def optimize(self, queryset):
        return queryset.select_related("committee")


class FundingDetailView(ObjectDetailView):
    model = Funding
    edit_url_name = "cobuilding:funding_edit"
    fields = ["committee", "year", "source", "amount", "received_on", "note", "created_at"]


class FundingCreateView(CommitteeChildCreateView):
    model = Funding
    form_class: Any = FundingForm
    add_service = services.record_funding


class FundingEditView(ObjectEditView):
    model = Funding
    form_class: Any = FundingForm
    update_service = services.update_funding


class SubsidyListView(ObjectListView):
    model = BranchSubsidy
    filterset_class = SubsidyFilterSet
    title = gettext_lazy("League-branch subsidies")
    default_ordering = "-paid_on"
    create_url_name = "cobuilding:subsidy_create"
    columns = [
        Column(gettext_lazy("League branch"), "league_building.branch_name", link=True),
        Column(gettext_lazy("Organization"), "league_building.lead_organization.name"),
        Column(gettext_lazy("Founded on"), "league_building.founded_on"),
        Column(gettext_lazy("Payer"), "payer", order_by="payer"),
        Column(gettext_lazy("Paying unit"), "payer_unit.name"),
        Column(gettext_lazy("Amount (yuan)"), "amount", order_by="amount", money=True),
        Column(gettext_lazy("Paid on"), "paid_on", order_by="paid_on"),
        Column(gettext_lazy("Voucher number"), "voucher"),
    ]

    def optimize(self, queryset):
        return queryset.select_related("league_building__lead_organization", "payer_unit")


class SubsidyDetailView(ObjectDetailView):
    model = BranchSubsidy
    fields = ["league_building", "payer", "payer_unit", "amount", "paid_on", "voucher", "created_at"]

    def optimize(self, queryset):
        return queryset.select_related("league_building", "payer_unit")


def pay_subsidy(actor: Any, data: dict[str, Any]) -> BranchSubsidy:
    """The form's fields as the service's arguments (the branch is the record paid for)."""
    building = data.get("league_building")
    return services.pay_branch_subsidy(actor, building.pk if building is not None else None, data)


class SubsidyCreateView(ObjectEditView):
    model = BranchSubsidy
    form_class: Any = SubsidyForm
    create_service = pay_subsidy
    success_message = gettext_lazy("The subsidy is recorded in the ledger.")


# The subdistrict standard ----------------------------------------------------------------------
@login_required
def standard_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    """For a subdistrict: each item of the standard, met or not, with the records behind it.
    For a county, a city or the province: the share of its subdistricts meeting each item,
    by the units directly below it, down to each subdistrict (ONE query for all of them)."""
    form = StandardForm(request.GET or None, user=request.user)
    today = timezone.localdate()
    unit: LeagueUnit | None = None
    year = today.year
    if form.is_valid():
        unit = form.cleaned_data.get("unit")
        year = form.cleaned_data.get("year") or year
    if unit is None:
        unit = request.user.primary_unit
    if unit is None:
        return render(request, "cobuilding/standard.html", {"title": _("Subdistrict standard"), "form": form})
    unit = get_for(request.user, LeagueUnit, unit.pk, Action.VIEW)
    whole, groups = standard.assess(unit, year)
    start, end = standard.window(year, today)
    context: dict[str, Any] = {
        "title": _("Subdistrict standard of %(unit)s") % {"unit": unit.name},
        "form": form,
        "unit": unit,
        "year": year,
        "start": start,
        "end": end,
        "items": standard.ITEMS,
        "whole": whole,
        "groups": groups,
        "is_subdistrict": unit.level == LeagueUnit.Level.TOWN,
    }
    if context["is_subdistrict"] and whole.subdistricts:
        assessed = whole.subdistricts[0]
        context["assessed"] = assessed
        context["checks"] = [
            (item, assessed.met[item.key], assessed.values[item.main]) for item in standard.ITEMS
        ]
        context["records"] = standard.records(unit, year)
    return render(request, "cobuilding/standard.html", context)


@login_required
def activity_photo(request: AuthenticatedHttpRequest, pk: int) -> FileResponse:
    """An activity's photo, for whoever may read the activity (never from /media/)."""
    photo = get_for(request.user, ActivityPhoto.objects.select_related("activity"), pk, Action.VIEW)
    return file_response(photo.image, _("The file of this photo is missing."), attachment=False)
