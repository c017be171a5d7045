"""FilterSets of the cards app, shared by the list pages, their Excel exports and the API."""

from __future__ import annotations

import re

import django_filters
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from hubportal.filters import DateFilter, SubtreeFilter

from .models import Card, Holder

CARD_NUMBER = re.compile(r"[A-Za-z0-9-]+")
YES_NO = [("yes", _("Yes")), ("no", _("No"))]


class CardFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Card number or holder"))
    kind = django_filters.ChoiceFilter(choices=Card.Kind.choices, label=_("Kind"))
    status = django_filters.ChoiceFilter(choices=Card.Status.choices, label=_("Status"))
    issued_from = DateFilter(field_name="issued_on", lookup_expr="gte", label=_("Issued from"))
    issued_to = DateFilter(field_name="issued_on", lookup_expr="lte", label=_("Issued until"))
    subtree = SubtreeFilter(unit_field="issuing_unit")

    class Meta:
        model = Card
        fields = ["q", "kind", "status", "issued_from", "issued_to", "subtree"]

    def search(self, queryset, name, value):
        # A card number (letters, digits, hyphens) is looked up by its unique index, a name by
        # the beginning of the holder's name (its prefix index): never both in one OR.
        value = value.strip()
        if CARD_NUMBER.fullmatch(value):
            return queryset.filter(number=value.upper())
        return queryset.filter(holder__name__startswith=value)


class HolderFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="startswith", label=_("Name"))
    member = django_filters.ChoiceFilter(choices=YES_NO, method="flag", label=_("League member"))
    volunteer = django_filters.ChoiceFilter(choices=YES_NO, method="flag", label=_("Volunteer"))
    without_card = django_filters.ChoiceFilter(
        choices=YES_NO, method="no_card", label=_("Without a valid card")
    )
    subtree = SubtreeFilter(unit_field="unit")

    class Meta:
        model = Holder
        fields = ["q", "member", "volunteer", "without_card", "subtree"]

    def flag(self, queryset, name, value):
        field = "is_member" if name == "member" else "is_volunteer"
        return queryset.filter(**{field: value == "yes"})

    def no_card(self, queryset, name, value):
        active = Exists(Card.objects.filter(holder=OuterRef("pk"), status=Card.Status.ACTIVE))
        return queryset.exclude(active) if value == "yes" else queryset.filter(active)
