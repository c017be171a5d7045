"""Forms of the training pages. They check the shape of the input; the rules that need the
database (seats, quotas, audience, a trainer's other sessions, jurisdiction) live in the
services they feed. Dates, datetimes and units use the shared fields of `hubportal.forms`,
so every form survives a round trip through the browser in any language.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from hubportal.forms import Form, UnitChoiceField, UnitMultipleChoiceField, VersionedForm
from hubportal.jurisdiction import Action
from hubportal.widgets import FastSelect
from orgs.models import BackboneMember, LeagueUnit

from .models import Camp, CampSession, Enrolment, Expertise, Trainer
from .services import CAMP_FIELDS, FOLLOW_UP_STATUSES, SESSION_FIELDS, TRAINER_FIELDS


class CampForm(VersionedForm):
    """Plan or edit a camp; the organiser is a unit the cadre may change, the audience units
    within it (above town level: the list stays short at the scale of a province)."""

    audience = UnitMultipleChoiceField(
        label=_("Audience"),
        queryset=LeagueUnit.objects.none(),
        required=False,
        help_text=_(
            "Units whose organizations may enrol (each with the units below it); none: the organiser's "
            "whole jurisdiction."
        ),
    )

    class Meta:
        model = Camp
        fields = list(CAMP_FIELDS)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        organizer = cast(UnitChoiceField, self.fields["organizer"])
        organizer.queryset = LeagueUnit.objects.visible_to(self.user, Action.CHANGE)
        audience = cast(UnitMultipleChoiceField, self.fields["audience"])
        audience.queryset = LeagueUnit.objects.visible_to(self.user, Action.CHANGE)
        if self.instance.pk is not None:
            self.initial["audience"] = list(self.instance.audience.values_list("pk", flat=True))


class SessionForm(VersionedForm):
    trainer = forms.ModelChoiceField(
        label=_("Trainer"), queryset=Trainer.objects.none(), required=False, widget=FastSelect
    )

    class Meta:
        model = CampSession
        fields = list(SESSION_FIELDS)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        trainer = cast(forms.ModelChoiceField, self.fields["trainer"])
        mine = Trainer.objects.visible_to(self.user, Action.VIEW).values("pk")
        trainer.queryset = Trainer.objects.filter(Q(pk__in=mine) | Q(shared=True, active=True)).order_by(
            "name"
        )
        trainer.help_text = _("From the shared trainer pool (社会工作师资库) or your own.")


class TrainerForm(VersionedForm):
    fields_ = forms.MultipleChoiceField(
        label=_("Fields"), choices=Expertise.choices, required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Trainer
        fields = list(TRAINER_FIELDS)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["fields"] = self.fields.pop("fields_")
        if self.instance.pk is not None:
            self.initial["fields"] = list(self.instance.fields)
        unit = cast(UnitChoiceField, self.fields["unit"])
        unit.queryset = LeagueUnit.objects.visible_to(self.user, Action.CHANGE)


class QuotaForm(Form):
    """Seats per unit: one number field per unit below the one that splits."""

    def __init__(self, *args: Any, units: list[LeagueUnit], current: dict[int, int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.units = units
        for unit in units:
            self.fields[f"unit_{unit.pk}"] = forms.IntegerField(
                label=unit.name, min_value=0, required=False, initial=current.get(unit.pk, 0)
            )

    def allocations(self) -> dict[int, int]:
        return {unit.pk: self.cleaned_data.get(f"unit_{unit.pk}") or 0 for unit in self.units}


class MemberLookupField(forms.CharField):
    """A backbone member of the registry, typed by ID card number or mobile number."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", _("The backbone member's ID card number or mobile number."))
        super().__init__(*args, max_length=20, **kwargs)
        self.members: QuerySet[BackboneMember] = BackboneMember.objects.none()

    def clean(self, value: Any) -> BackboneMember | None:
        text = (super().clean(value) or "").strip().upper()
        if not text:
            return None
        found = list(
            self.members.filter(Q(id_number=text) | Q(phone=text)).select_related("organization")[:2]
        )
        if not found:
            raise ValidationError(
                _("No backbone member with the ID card or mobile number %(text)s lies within your reach.")
                % {"text": text}
            )
        return found[0]


class CadreEnrolForm(Form):
    """A cadre enrols a backbone member found by ID or phone, or anyone typed in."""

    member = MemberLookupField(label=_("Backbone member"), required=False)
    name = forms.CharField(
        label=_("Full name"), max_length=64, required=False, help_text=_("Family name first.")
    )
    id_number = forms.CharField(label=_("ID card number"), max_length=18, required=False)
    phone = forms.CharField(label=_("Mobile phone"), max_length=20, required=False)
    gender = forms.ChoiceField(
        label=_("Gender"), required=False, choices=[("", "—"), ("female", _("Female")), ("male", _("Male"))]
    )
    unit = UnitChoiceField(label=_("Counted for unit"), queryset=LeagueUnit.objects.none(), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        member = cast(MemberLookupField, self.fields["member"])
        member.members = BackboneMember.objects.visible_to(self.user, Action.VIEW)
        unit = cast(UnitChoiceField, self.fields["unit"])
        unit.queryset = LeagueUnit.objects.visible_to(self.user, Action.CHANGE)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        if data.get("member") is None and not data.get("name"):
            raise ValidationError(
                _("Give a backbone member's ID or phone, or type the person in (name and unit).")
            )
        if data.get("member") is None and not data.get("unit"):
            self.add_error("unit", _("Choose the unit the person is counted for."))
        return data


class MemberChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        role = f"，{obj.role}" if obj.role else ""
        return f"{obj.name}（{obj.organization.name}{role}）"


class GroupEnrolForm(Form):
    """A representative enrols several backbone members of their organizations at once."""

    members = MemberChoiceField(
        label=_("Backbone members"),
        queryset=BackboneMember.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one backbone member.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        members = cast(forms.ModelMultipleChoiceField, self.fields["members"])
        members.queryset = (
            BackboneMember.objects.filter(
                organization__representatives=self.user, organization__status="listed"
            )
            .select_related("organization")
            .order_by("organization__name", "name")
        )


class ReasonForm(Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class RequiredReasonForm(Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class CheckInForm(Form):
    """The typed code on the phone check-in page (without JavaScript)."""

    code = forms.CharField(label=_("Check-in code"), max_length=40)


class SheetUploadForm(Form):
    file = forms.FileField(
        label=_("Signed sign-in sheet (Excel)"),
        help_text=_("The sheet downloaded here, marked ✓ in its last column."),
    )


class FollowUpForm(Form):
    statuses = forms.MultipleChoiceField(
        label=_("To"),
        choices=[(s, Enrolment.Status(s).label) for s in FOLLOW_UP_STATUSES],
        widget=forms.CheckboxSelectMultiple,
    )
    subject = forms.CharField(label=_("Subject"), max_length=200)
    body = forms.CharField(
        label=_("Message"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("{name} is replaced by the person's name, {link} by the link to their page."),
    )


class FeedbackForm(Form):
    """The survey on the trainee's phone: 1–5 for each session and for the camp."""

    RATINGS = [(str(n), "★" * n) for n in range(5, 0, -1)]

    def __init__(self, *args: Any, sessions: list[CampSession], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sessions = sessions
        for session in sessions:
            trainer = f" · {session.trainer.name}" if session.trainer else ""
            self.fields[f"session_{session.pk}"] = forms.ChoiceField(
                label=f"{session.title}{trainer}",
                choices=self.RATINGS,
                required=False,
                widget=forms.RadioSelect,
            )
        self.fields["overall"] = forms.ChoiceField(
            label=_("The camp as a whole"), choices=self.RATINGS, widget=forms.RadioSelect
        )
        self.fields["comment"] = forms.CharField(
            label=_("What should we keep or change?"),
            required=False,
            widget=forms.Textarea(attrs={"rows": 3}),
        )

    def ratings(self) -> dict[int, Any]:
        return {s.pk: self.cleaned_data.get(f"session_{s.pk}") for s in self.sessions}


class VerifyForm(Form):
    code = forms.CharField(label=_("Verification code"), max_length=20)


class PeriodForm(Form):
    """Year and quarter of the compliance board."""

    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    quarter = forms.TypedChoiceField(
        label=_("Quarter"), choices=[(str(q), f"Q{q}") for q in range(1, 5)], coerce=int
    )
    unit = UnitChoiceField(label=_("Unit"), queryset=LeagueUnit.objects.none(), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        unit = cast(UnitChoiceField, self.fields["unit"])
        unit.queryset = LeagueUnit.objects.visible_to(self.user, Action.VIEW).exclude(level="town")
