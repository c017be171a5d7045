"""Forms of the star ratings. They check the shape of the input; the rules that need the
database (jurisdiction, phases, deadlines, maxima, conflicts) are the services'."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from hubportal.forms import DateField, Form, VersionedForm, add_version
from hubportal.jurisdiction import Action
from incubation.models import ChecklistItem
from orgs.models import LeagueUnit, Organization

from . import evidence
from .models import Expert, Indicator, IndicatorSystem, Round, ServiceProject, Subject, SubjectType


def choice_field(form: forms.BaseForm, name: str) -> forms.ChoiceField:
    return cast(forms.ChoiceField, form.fields[name])


def model_choice_field(form: forms.BaseForm, name: str) -> forms.ModelChoiceField:
    return cast(forms.ModelChoiceField, form.fields[name])


def points_field(**kwargs: Any) -> forms.DecimalField:
    kwargs.setdefault("max_digits", 7)
    kwargs.setdefault("decimal_places", 1)
    kwargs.setdefault("min_value", Decimal("0"))
    return forms.DecimalField(
        widget=forms.NumberInput(attrs={"step": "0.1", "min": "0", "inputmode": "decimal"}), **kwargs
    )


class ChangeableUnits:
    """Limits a form's `unit` field to the units the user may change."""

    fields: dict[str, Any]
    user: Any

    def limit_units(self) -> None:
        if "unit" in self.fields:
            model_choice_field(cast(forms.BaseForm, self), "unit").queryset = LeagueUnit.objects.visible_to(
                self.user, Action.CHANGE
            )


# Indicator systems ---------------------------------------------------------------------------
class SystemForm(ChangeableUnits, VersionedForm):
    class Meta:
        model = IndicatorSystem
        fields = ["code", "name", "subject_type", "unit", "grade_style", "description"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limit_units()
        if self.instance.pk:
            # The code and the subject type stay with every version of a system.
            del self.fields["code"], self.fields["subject_type"]


class IndicatorForm(VersionedForm):
    parent = forms.ModelChoiceField(
        queryset=Indicator.objects.none(),
        required=False,
        label=_("Below"),
        help_text=_("Leave empty for a section."),
    )

    class Meta:
        model = Indicator
        fields = [
            "parent",
            "code",
            "name",
            "max_points",
            "guide",
            "evidence_expected",
            "checklist_item",
            "order",
        ]

    def __init__(self, *args: Any, system: IndicatorSystem | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        system = system or self.instance.system
        model_choice_field(self, "parent").queryset = Indicator.objects.filter(
            system=system, depth__lt=2
        ).order_by("order", "pk")
        model_choice_field(self, "checklist_item").queryset = ChecklistItem.objects.filter(active=True)
        self.fields["order"].required = False
        if system.subject_type != SubjectType.BASE:
            del self.fields["checklist_item"]
        if self.instance.pk:
            del self.fields["parent"]  # the place in the tree stays


# Rounds ----------------------------------------------------------------------------------
class RoundForm(ChangeableUnits, VersionedForm):
    class Meta:
        model = Round
        fields = [
            "name",
            "unit",
            "subject_type",
            "year",
            "system",
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
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limit_units()
        published = IndicatorSystem.objects.filter(status=IndicatorSystem.Status.PUBLISHED)
        if self.instance.pk:
            published = published | IndicatorSystem.objects.filter(pk=self.instance.system_id)
        model_choice_field(self, "system").queryset = published.order_by("code", "-edition")


class EnterSubjectForm(Form):
    """A base or a project chosen from the round's subtree; an organization named by its
    credit code or exact name (the registry holds too many for a list)."""

    target = forms.ChoiceField(label=_("Subject"), required=False)
    organization = forms.CharField(
        label=_("Organization"),
        required=False,
        help_text=_("Its unified social credit code or its exact name."),
    )
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, round_obj: Round, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.round = round_obj
        kind = round_obj.subject_type
        if kind == SubjectType.ORGANIZATION:
            del self.fields["target"]
            self.fields["organization"].required = True
        else:
            del self.fields["organization"]
            rows: Any
            if kind == SubjectType.BASE:
                from incubation.models import IncubationBase

                rows = IncubationBase.objects.in_subtree(round_obj.unit).exclude(assessments__round=round_obj)
                self.fields["target"].label = _("Qinqing Home base")
            else:
                rows = ServiceProject.objects.in_subtree(round_obj.unit).exclude(assessments__round=round_obj)
                self.fields["target"].label = _("Service project")
            choice_field(self, "target").choices = [("", "---------")] + [
                (str(r.pk), str(r)) for r in rows.order_by("name", "pk")[:2000]
            ]
            self.fields["target"].required = True

    def target_pk(self) -> Any:
        if "organization" in self.cleaned_data:
            text = self.cleaned_data["organization"].strip()
            rows = Organization.objects.in_subtree(self.round.unit).listed()
            match = list(rows.filter(credit_code=text.upper())[:2]) or list(rows.filter(name=text)[:2])
            if len(match) != 1:
                self.add_error(
                    "organization",
                    _("No single listed organization of this round's units has this credit code or name.")
                    if not match
                    else _("Several organizations have this name: give the credit code."),
                )
                return None
            return match[0].pk
        return self.cleaned_data["target"]


class ApplyForm(Form):
    target = forms.ChoiceField(label=_("Apply with"))
    note = forms.CharField(
        label=_("Note to the round's cadres"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, options: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "target").choices = [("", "---------"), *options]


class ReasonForm(Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))


class DeclineForm(ReasonForm):
    pass


class SelfAssessmentForm(Form):
    """Claimed points and a statement for every scored indicator of the round's system. The
    claims are the subject's: the form carries the subject's version, which changed claims
    move on."""

    def __init__(
        self, *args: Any, subject: Subject, leaves: list[Indicator], claims: dict[int, Any], **kwargs: Any
    ):
        super().__init__(*args, **kwargs)
        add_version(self, subject)
        self.leaves = leaves
        for indicator in leaves:
            claim = claims.get(indicator.pk)
            self.fields[f"points_{indicator.pk}"] = points_field(
                label=_("Points claimed (of %(max)s)") % {"max": f"{indicator.max_points.normalize():f}"},
                required=False,
                initial=claim.points if claim else None,
                max_value=indicator.max_points,
            )
            self.fields[f"statement_{indicator.pk}"] = forms.CharField(
                label=pgettext_lazy("star rating", "Statement"),
                required=False,
                initial=claim.statement if claim else "",
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def rows(self) -> list[tuple[Indicator, Any, Any]]:
        return [(i, self[f"points_{i.pk}"], self[f"statement_{i.pk}"]) for i in self.leaves]

    def claims(self) -> dict[int, dict[str, Any]]:
        return {
            i.pk: {
                "points": self.cleaned_data.get(f"points_{i.pk}"),
                "statement": self.cleaned_data.get(f"statement_{i.pk}", ""),
            }
            for i in self.leaves
        }


class EvidenceForm(Form):
    indicator = forms.ChoiceField(label=_("Indicator"))
    label = forms.CharField(label=_("What it shows"), max_length=200, required=False)
    file = forms.FileField(label=_("File (PDF, JPG or PNG, at most 10 MB)"), required=False)
    record = forms.ChoiceField(label=_("Or a record in the portal"), required=False)

    def __init__(self, *args: Any, subject: Subject, leaves: list[Indicator], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "indicator").choices = [(str(i.pk), f"{i.code} {i.name}") for i in leaves]
        choice_field(self, "record").choices = [("", "---------"), *evidence.choices_for(subject)]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if bool(data.get("file")) == bool(data.get("record")):
            raise forms.ValidationError(_("Upload a file or choose a record of the portal (one of the two)."))
        return data


# Panels, scores, moderation --------------------------------------------------------------------
class AssignForm(Form):
    assessor = forms.ChoiceField(label=_("Assessor"))
    deadline = DateField(
        label=_("Scoring deadline"), required=False, help_text=_("The round's when left empty.")
    )

    def __init__(self, *args: Any, options: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "assessor").choices = [("", "---------"), *options]


class PanelsForm(Form):
    deadline = DateField(
        label=_("Scoring deadline"), required=False, help_text=_("The round's when left empty.")
    )


class ScoreForm(Form):
    points = points_field(label=_("Points"))
    comment = forms.CharField(label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class ModerateForm(Form):
    value = points_field(
        label=_("Moderated value"),
        required=False,
        help_text=_("Leave empty to keep the panel's aggregate."),
    )
    note = forms.CharField(
        label=_("How the disagreement was settled"), widget=forms.Textarea(attrs={"rows": 3})
    )


class ExpertForm(ChangeableUnits, VersionedForm):
    class Meta:
        model = Expert
        fields = ["unit", "user", "expertise", "employer", "id_number", "active"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limit_units()
        model_choice_field(self, "user").queryset = (
            get_user_model()
            .objects.filter(is_assessor=True, is_active=True)
            .order_by("full_name", "username")
        )
        if self.instance.pk:
            del self.fields["unit"], self.fields["user"]


class ProjectForm(VersionedForm):
    """A project; the organization (on creation only) is named by its credit code or exact
    name among those the user may change."""

    organization = forms.CharField(
        label=_("Organization"), help_text=_("Its unified social credit code or its exact name.")
    )

    class Meta:
        model = ServiceProject
        fields = [
            "name",
            "service_field",
            "started_on",
            "ended_on",
            "budget",
            "funder",
            "beneficiaries",
            "description",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.order_fields(["organization", *self.Meta.fields])
        if self.instance.pk:
            del self.fields["organization"]  # a project stays with its organization

    def clean_organization(self) -> Any:
        text = self.cleaned_data["organization"].strip()
        rows = Organization.objects.visible_to(self.user, Action.CHANGE).listed()
        match = list(rows.filter(credit_code=text.upper())[:2]) or list(rows.filter(name=text)[:2])
        if len(match) != 1:
            raise forms.ValidationError(
                _("No single listed organization within your jurisdiction has this credit code or name.")
                if not match
                else _("Several organizations have this name: give the credit code.")
            )
        return match[0]


# Objections, appeals, verification ------------------------------------------------------------
class ObjectionForm(Form):
    name = forms.CharField(label=_("Your name"), max_length=64, required=False)
    contact = forms.CharField(
        label=_("Phone or e-mail"),
        max_length=100,
        help_text=_("The answer is sent here; it is not published."),
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 5}), max_length=3000)
    file = forms.FileField(label=_("Supporting file (PDF, JPG or PNG, optional)"), required=False)


class AnswerForm(Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            ("dismissed", _("Dismissed: the result stands")),
            ("upheld", _("Upheld: the subject is re-rated")),
        ],
        widget=forms.RadioSelect,
    )
    answer = forms.CharField(label=_("Answer on the record"), widget=forms.Textarea(attrs={"rows": 4}))

    def service_kwargs(self) -> dict[str, Any]:
        return {"upheld": self.cleaned_data["decision"] == "upheld", "answer": self.cleaned_data["answer"]}


class AppealForm(Form):
    reason = forms.CharField(
        label=_("Why the result should be reviewed"), widget=forms.Textarea(attrs={"rows": 5})
    )


class VerifyForm(Form):
    code = forms.CharField(label=_("Verification code"), max_length=24)

    def clean_code(self) -> str:
        return "".join(c for c in self.cleaned_data["code"].upper() if c.isalnum())
