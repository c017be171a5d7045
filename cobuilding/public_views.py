"""Public pages of 区域化大团建: the youth venues (open to every young person: a list, a page
each, and a layer of the public map) and the committees' published annual work plans.

Only public facts appear: a venue's name, kind, address, hours and what it offers, its
subdistrict; a plan's text once published. Member units' contacts, people and money never do.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from orgs.models import LeagueUnit

from .models import Venue, WorkPlan

PAGE_SIZE = 20


def public_venues():
    """Venues open today, with their subdistrict and its parent (two joins, no extra query)."""
    return Venue.objects.filter(closed_on__isnull=True).select_related("committee__subdistrict__parent")


class PublicVenueFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=gettext_lazy("Name or address"))
    city = django_filters.ModelChoiceFilter(
        queryset=LeagueUnit.objects.filter(
            level=LeagueUnit.Level.CITY, kind=LeagueUnit.Kind.REGIONAL
        ).order_by("path"),
        method="in_city",
        label=gettext_lazy("City"),
    )
    kind = django_filters.ChoiceFilter(choices=Venue.Kind.choices, label=gettext_lazy("Kind"))
    offer = django_filters.ChoiceFilter(
        choices=Venue.Offer.choices, method="offers", label=gettext_lazy("Offers")
    )

    class Meta:
        model = Venue
        fields = ["q", "city", "kind", "offer"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(address__icontains=value))

    def in_city(self, queryset, name, value):
        return queryset.filter(committee__subdistrict__path__startswith=value.path)

    def offers(self, queryset, name, value):
        return queryset.filter(offers__contains=[value])


def venue_list(request: HttpRequest) -> HttpResponse:
    """The public list of youth venues (20 a page; three queries whatever the page)."""
    filterset = PublicVenueFilterSet(request.GET or None, queryset=public_venues().order_by("name", "pk"))
    queryset = filterset.qs if filterset.is_bound else filterset.queryset
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "cobuilding/public_venues.html",
        {
            "title": _("Youth venues"),
            "filterset": filterset,
            "page_obj": page,
            "querystring": query.urlencode(),
        },
    )


def venue_detail(request: HttpRequest, pk: int) -> HttpResponse:
    venue = get_object_or_404(public_venues(), pk=pk)
    return render(request, "cobuilding/public_venue.html", {"title": venue.name, "venue": venue})


def plan_list(request: HttpRequest) -> HttpResponse:
    """The published annual work plans of the committees (newest year first)."""
    plans = (
        WorkPlan.objects.filter(status=WorkPlan.Status.PUBLISHED)
        .select_related("committee__subdistrict__parent")
        .order_by("-year", "committee__subdistrict__path")
    )
    page = Paginator(plans, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "cobuilding/public_plans.html",
        {"title": _("Work plans of the co-building committees"), "page_obj": page},
    )


def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = get_object_or_404(
        WorkPlan.objects.filter(status=WorkPlan.Status.PUBLISHED).select_related(
            "committee__subdistrict__parent"
        ),
        pk=pk,
    )
    return render(request, "cobuilding/public_plan.html", {"title": plan.title, "plan": plan})


def venue_points() -> list[dict[str, Any]]:
    """Open venues with coordinates, as the public map's layer draws them (one query)."""
    return [
        {
            "name": v.name,
            "value": [float(v.longitude), float(v.latitude)],
            "type": v.get_kind_display(),
            "unit": v.committee.subdistrict.name,
            "url": reverse("cobuilding:public_venue", args=[v.pk]),
        }
        for v in public_venues().filter(latitude__isnull=False, longitude__isnull=False).order_by("pk")
    ]
