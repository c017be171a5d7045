"""Forms of the cards pages: they check the shape of the input; the rules (age, one active
card of a kind, a number used once, jurisdiction) are the services'."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from hubportal.forms import Form, ModelForm, UnitChoiceField, VersionedForm
from hubportal.jurisdiction import Action
from orgs.models import LeagueUnit

from .models import Card, Holder


class IssueCardForm(ModelForm):
    """One card: the number, the kind, the issuing unit and date, and the person."""

    name = forms.CharField(
        label=_("Holder's name"), max_length=64, help_text=_("Family name first, e.g. 王小明.")
    )
    id_number = forms.CharField(label=_("ID card number"), max_length=18)
    phone = forms.CharField(label=_("Mobile phone"), max_length=20, required=False)

    class Meta:
        model = Card
        fields = ["number", "kind", "issuing_unit", "issued_on", "expires_on"]
        help_texts = {
            "expires_on": _(
                "Empty: a member card is valid until the holder turns 29, a volunteer card has no end."
            ),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        unit = cast(UnitChoiceField, self.fields["issuing_unit"])
        unit.queryset = LeagueUnit.objects.visible_to(self.user, Action.CHANGE)
        self.fields["issued_on"].required = False


class HolderForm(VersionedForm):
    """A member or volunteer registered with a unit (the ID number is set once)."""

    class Meta:
        model = Holder
        fields = ["unit", "name", "id_number", "phone", "is_member", "is_volunteer"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            del self.fields["unit"], self.fields["id_number"]
        else:
            unit = cast(UnitChoiceField, self.fields["unit"])
            unit.queryset = LeagueUnit.objects.visible_to(self.user, Action.CHANGE)


class ReasonForm(Form):
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)


class StatsForm(Form):
    unit = UnitChoiceField(queryset=LeagueUnit.objects.none(), label=_("Unit"), required=False)
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        unit = cast(UnitChoiceField, self.fields["unit"])
        unit.queryset = LeagueUnit.objects.visible_to(self.user)
