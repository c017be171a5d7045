"""FilterSets of the registry, shared by the list pages, the API and exports."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from hubportal.jurisdiction import subtree_q

from .models import LeagueUnit


class SubtreeFilter(django_filters.ModelChoiceFilter):
    """ "In the subtree of unit X": X and every unit below it (the tree's prefix index)."""

    def __init__(self, *args, unit_field: str = "", **kwargs):
        self.unit_field = unit_field
        kwargs.setdefault("queryset", LeagueUnit.objects.all())
        kwargs.setdefault("label", _("Within unit"))
        super().__init__(*args, **kwargs)

    def get_queryset(self, request):
        # Only units the user may see can be chosen.
        return (
            LeagueUnit.objects.visible_to(request.user) if request is not None else LeagueUnit.objects.none()
        )

    def filter(self, qs, value):
        if not value:
            return qs
        return qs.filter(subtree_q([value.path], self.unit_field))


class LeagueUnitFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Name or code"))
    level = django_filters.ChoiceFilter(choices=LeagueUnit.Level.choices, label=_("Level"))
    kind = django_filters.ChoiceFilter(choices=LeagueUnit.Kind.choices, label=_("Kind"))
    region = django_filters.ChoiceFilter(choices=LeagueUnit.Region.choices, label=_("Region"))
    subtree = SubtreeFilter(label=_("Within unit"))
    parent = django_filters.NumberFilter(field_name="parent_id", label=_("Parent unit id"))

    class Meta:
        model = LeagueUnit
        fields = ["q", "level", "kind", "region", "subtree", "parent"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(code__startswith=value))
