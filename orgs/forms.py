from django import forms
from django.utils.translation import gettext_lazy as _

from hubportal.jurisdiction import Action

from .models import LeagueUnit


class LeagueUnitForm(forms.ModelForm):
    """Create or edit a unit; the parent can only be a unit the cadre may change."""

    class Meta:
        model = LeagueUnit
        fields = [
            "name",
            "code",
            "parent",
            "level",
            "kind",
            "region",
            "is_undergraduate",
            "address",
            "phone",
            "is_active",
        ]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        parents = LeagueUnit.objects.visible_to(user, Action.CHANGE)
        if self.instance.pk:
            parents = parents.exclude(path__startswith=self.instance.path)
        self.fields["parent"].queryset = parents.order_by("path")
        self.fields["parent"].required = not user.is_superuser
        self.fields["region"].help_text = _("Only for cities; the units below a city inherit its tag.")

    def clean_parent(self):
        parent = self.cleaned_data.get("parent")
        if self.instance.pk and self.instance.parent_id and parent is None and not self.user.is_superuser:
            raise forms.ValidationError(_("Choose the parent unit."))
        return parent
