"""Filter building blocks shared by every app's FilterSets (pages, API, exports alike)."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from .forms import DateField, UnitChoiceField
from .jurisdiction import Action, subtree_q
from .widgets import FastSelect, FastSelectMultiple


class ChoicesFilter(django_filters.MultipleChoiceFilter):
    """Any of several values of ONE column of the row itself (status, category, tier…): one
    `column IN (…)` and no DISTINCT. django-filter's MultipleChoiceFilter adds a DISTINCT by
    default (meant for many-valued relations), which on a wide table sorts every match over
    all its columns; a column of the row can never repeat a row."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("distinct", False)
        # Drawn in one pass (the filter bar has several of these on every list page); the
        # browser's default height, as Django's SelectMultiple leaves it.
        kwargs.setdefault("widget", FastSelectMultiple(attrs={"size": None}))
        super().__init__(*args, **kwargs)

    def filter(self, qs: QuerySet, value: Any) -> QuerySet:
        if not value or self.is_noop(qs, value) or self.lookup_expr != "exact":
            return super().filter(qs, value)
        return self.get_method(qs)(**{f"{self.field_name}__in": sorted(set(value))})


class DateFilter(django_filters.DateFilter):
    """A date filter with the portal's locale-proof date input."""

    field_class = DateField


@extend_schema_field(OpenApiTypes.INT)  # a league unit's id (no model field is named after the filter)
class SubtreeFilter(django_filters.ModelChoiceFilter):
    """ "Within unit X": X and every unit below it (one indexed prefix predicate). Only units
    the user may see can be chosen; the picker is indented by depth."""

    field_class = UnitChoiceField

    def __init__(self, *args: Any, unit_field: str = "", **kwargs: Any) -> None:
        from orgs.models import LeagueUnit

        self.unit_field = unit_field
        kwargs.setdefault("queryset", LeagueUnit.objects.all())
        kwargs.setdefault("label", _("Within unit"))
        super().__init__(*args, **kwargs)

    def get_queryset(self, request: Any) -> QuerySet:
        from orgs.models import LeagueUnit

        return LeagueUnit.objects.visible_to(request.user if request is not None else None)

    def filter(self, qs: QuerySet, value: Any) -> QuerySet:
        if not value:
            return qs
        return qs.filter(subtree_q([value.path], self.unit_field))


class ScopedModelChoiceFilter(django_filters.ModelChoiceFilter):
    """A choice of related records limited to those the user may see."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", FastSelect)
        super().__init__(*args, **kwargs)

    def get_queryset(self, request: Any) -> QuerySet:
        model = self.extra["queryset"].model
        return model.objects.visible_to(request.user if request else None, Action.VIEW)
