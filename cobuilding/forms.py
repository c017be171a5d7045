"""Forms of the co-building pages. They check the shape of the input; the rules that need
the database (a term's overlap, the chair being a member unit's leader, jurisdiction) live
in the services they feed.

A record of a committee is edited on a form that knows its committee: the member units,
communities and venues offered are that committee's (the service checks it again).
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Field
from django.utils.translation import gettext_lazy as _

from hubportal.forms import Form, ModelForm, UnitChoiceField, VersionedForm
from hubportal.jurisdiction import Action
from hubportal.widgets import FastSelect, FastSelectMultiple
from orgs.models import LeagueBuilding, LeagueUnit, Organization

from .models import (
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
from .services import (
    ACTIVITY_FIELDS,
    CHAIR_TERM_FIELDS,
    COMMITTEE_FIELDS,
    FUNDING_FIELDS,
    MEETING_FIELDS,
    MEMBER_UNIT_FIELDS,
    PERSON_FIELDS,
    VENUE_FIELDS,
    WORK_PLAN_FIELDS,
)


class CommitteeForm(VersionedForm):
    """A committee: its subdistrict (when founding it), secretariat and communities."""

    subdistrict = UnitChoiceField(queryset=LeagueUnit.objects.none(), label=_("Subdistrict"))
    communities = forms.CharField(
        label=_("Communities"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "The communities (社区) of the subdistrict, one per line; each should have a fixed volunteer."
        ),
    )

    class Meta:
        model = Committee
        fields = ["subdistrict", *COMMITTEE_FIELDS]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            del self.fields["subdistrict"]
            names = (
                Community.objects.filter(committee=self.instance)
                .order_by("name")
                .values_list("name", flat=True)
            )
            self.fields["communities"].initial = "\n".join(names)
        else:
            field = cast(UnitChoiceField, self.fields["subdistrict"])
            field.queryset = LeagueUnit.objects.visible_to(self.user, Action.CHANGE).filter(
                level=LeagueUnit.Level.TOWN, kind=LeagueUnit.Kind.REGIONAL, cobuilding_committee__isnull=True
            )


class CommitteeChildForm(VersionedForm):
    """A record of one committee: `committee=` (the record's, or the one it is created under)
    limits the member units, communities and venues offered."""

    committee_choices: dict[str, type[models.Model]] = {}

    def __init__(self, *args: Any, committee: Committee | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        committee = committee or getattr(self.instance, "committee", None)
        for name, model in self.committee_choices.items():
            if name not in self.fields:
                continue
            field = cast(forms.ModelChoiceField, self.fields[name])
            multiple = isinstance(field, forms.ModelMultipleChoiceField)
            field.widget = forms.CheckboxSelectMultiple() if multiple else FastSelect()
            # Setting the queryset sets the widget's choices too.
            field.queryset = model._default_manager.filter(committee=committee).order_by("name")


class MemberUnitForm(CommitteeChildForm):
    class Meta:
        model = MemberUnit
        fields = list(MEMBER_UNIT_FIELDS)


class ChairTermForm(CommitteeChildForm):
    committee_choices = {"member_unit": MemberUnit}

    class Meta:
        model = ChairTerm
        fields = list(CHAIR_TERM_FIELDS)
        help_texts = {
            "chair_name": _("Leave empty to take the member unit's recorded leader."),
            "ends_on": _("At most three months after the first day; terms never overlap."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["chair_name"].required = False


class WorkPlanForm(CommitteeChildForm):
    class Meta:
        model = WorkPlan
        fields = list(WORK_PLAN_FIELDS)
        widgets = {"content": forms.Textarea(attrs={"rows": 12})}


class MeetingForm(CommitteeChildForm):
    committee_choices = {"member_units": MemberUnit}

    class Meta:
        model = JointMeeting
        fields = [*MEETING_FIELDS, "member_units"]


class VenueForm(CommitteeChildForm):
    committee_choices = {"shared_by": MemberUnit}
    offers = forms.MultipleChoiceField(
        label=_("What it offers"),
        choices=Venue.Offer.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Venue
        fields = [*VENUE_FIELDS, "shared_by"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["latitude"].help_text = _("Decimal degrees, e.g. 22.517 for 中山.")
        self.fields["longitude"].help_text = _("Decimal degrees, e.g. 113.392 for 中山.")
        for name in ("latitude", "longitude"):
            ranges = cast(Field, Venue._meta.get_field(name)).validators
            self.fields[name].validators.extend(
                v for v in ranges if isinstance(v, MinValueValidator | MaxValueValidator)
            )


class PersonForm(CommitteeChildForm):
    committee_choices = {"member_unit": MemberUnit, "community": Community}

    class Meta:
        model = Person
        fields = list(PERSON_FIELDS)


class ActivityForm(CommitteeChildForm):
    committee_choices = {"organiser": MemberUnit, "venue": Venue, "member_units": MemberUnit}
    organizations = forms.ModelMultipleChoiceField(
        label=_("Youth organizations taking part"),
        queryset=Organization.objects.none(),
        required=False,
        widget=FastSelectMultiple,
        help_text=_(
            "Listed organizations of the subdistrict's district or city; each gets a contact-log entry."
        ),
    )

    class Meta:
        model = Activity
        fields = [*ACTIVITY_FIELDS, "member_units", "organizations"]

    def __init__(self, *args: Any, committee: Committee | None = None, **kwargs: Any) -> None:
        super().__init__(*args, committee=committee, **kwargs)
        committee = committee or getattr(self.instance, "committee", None)
        area = committee.subdistrict.parent if committee is not None else None
        organizations = Organization.objects.visible_to(self.user).filter(status=Organization.Status.LISTED)
        if area is not None:
            organizations = organizations.in_subtree(area)
        else:
            organizations = organizations.none()
        field = cast(forms.ModelMultipleChoiceField, self.fields["organizations"])
        field.queryset = organizations.order_by("name").only("pk", "name")
        if self.instance.pk is not None:
            self.initial["organizations"] = list(
                self.instance.participations.values_list("organization_id", flat=True)
            )


class FundingForm(CommitteeChildForm):
    class Meta:
        model = Funding
        fields = list(FUNDING_FIELDS)


class PhotoForm(Form):
    image = forms.ImageField(label=_("Photo"), help_text=_("JPG, PNG or WebP, at most 5 MB."))
    caption = forms.CharField(label=_("Caption"), max_length=100, required=False)


class SubsidyForm(ModelForm):
    """A subsidy paid for a league branch: who pays, when, how much, the voucher."""

    class Meta:
        model = BranchSubsidy
        fields = ["league_building", "payer", "amount", "paid_on", "voucher"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["league_building"])
        field.widget = FastSelect()
        field.queryset = (
            LeagueBuilding.objects.visible_to(self.user)
            .select_related("lead_organization")
            .order_by("-founded_on", "pk")
        )


class StandardForm(Form):
    """The unit and year of the subdistrict-standard page."""

    unit = UnitChoiceField(queryset=LeagueUnit.objects.none(), label=_("Unit"), required=False)
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(UnitChoiceField, self.fields["unit"])
        field.queryset = LeagueUnit.objects.visible_to(self.user).filter(kind=LeagueUnit.Kind.REGIONAL)
