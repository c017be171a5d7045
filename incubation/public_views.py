"""Public pages of 亲青家园: the list and the map of bases with their stars, a base's page,
and the application of a listed organization by its representative.

Bases are public facilities: their name, owner, type, address, coordinates, services,
capacity, photos and stars are public; residencies and funds never appear here.
"""

from __future__ import annotations

import django_filters
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from hubportal.files import file_response
from hubportal.forms import add_service_errors
from hubportal.http import AuthenticatedHttpRequest
from orgs.models import LeagueUnit, Organization

from . import map_layers, services
from .filters import BaseFilterSet
from .forms import PublicApplyForm
from .models import BasePhoto, IncubationBase
from .views import star_ratings

PAGE_SIZE = 20


class PublicBaseFilterSet(BaseFilterSet):
    """The cadre filters without jurisdiction; a city instead of "within unit"."""

    subtree = None  # type: ignore[assignment]  # None removes the inherited filter (django-filter)
    city = django_filters.ModelChoiceFilter(
        queryset=LeagueUnit.objects.filter(
            level=LeagueUnit.Level.CITY, kind=LeagueUnit.Kind.REGIONAL
        ).order_by("path"),
        method="in_city",
        label=gettext_lazy("City"),
    )

    class Meta(BaseFilterSet.Meta):
        fields = ["q", "city", "level", "base_type", "service", "stars"]

    def in_city(self, queryset, name, value):
        return queryset.filter(unit__path__startswith=value.path)


def public_bases():
    return IncubationBase.objects.select_related("unit").with_stars().with_residents()


def _representative_orgs(request: HttpRequest):
    user = request.user
    if not user.is_authenticated:
        return Organization.objects.none()
    return Organization.objects.filter(representatives=user, status=Organization.Status.LISTED)


def base_list(request: HttpRequest) -> HttpResponse:
    """The public list of bases with their stars (20 a page)."""
    filterset = PublicBaseFilterSet(request.GET or None, queryset=public_bases().order_by("name", "pk"))
    queryset = filterset.qs if filterset.is_bound else filterset.queryset
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "incubation/public_list.html",
        {
            "title": _("Qinqing Home incubation bases"),
            "filterset": filterset,
            "page_obj": page,
            "querystring": query.urlencode(),
            "can_apply": _representative_orgs(request).exists(),
        },
    )


def base_map(request: HttpRequest) -> HttpResponse:
    """Every base with coordinates, drawn on a locally served schematic of Guangdong."""
    bases = [
        {
            "name": b.name,
            "value": [float(b.longitude), float(b.latitude)],
            "stars": b.stars or 0,
            "type": b.get_base_type_display(),
            "unit": b.unit.name,
            "url": reverse("incubation:public_detail", args=[b.pk]),
        }
        for b in public_bases().filter(latitude__isnull=False, longitude__isnull=False).order_by("pk")
    ]
    return render(
        request,
        "incubation/public_map.html",
        {
            "title": _("Qinqing Home map"),
            "bases": bases,
            # Places other apps put on the map (`incubation.map_layers`), e.g. youth venues.
            "layers": map_layers.layers(),
            "labels": {
                "bases": _("Qinqing Home bases"),
                "cities": _("Cities"),
                "unrated": _("Not yet rated"),
                "outline": _("Guangdong (schematic)"),
            },
        },
    )


def photo(request: HttpRequest, pk: int) -> FileResponse:
    """A base's photo: public, as the base's public page that shows it."""
    shown = get_object_or_404(BasePhoto.objects.filter(base__in=public_bases()), pk=pk)
    return file_response(shown.image, _("The file of this photo is missing."), attachment=False)


def base_detail(request: HttpRequest, pk: int) -> HttpResponse:
    base = get_object_or_404(public_bases(), pk=pk)
    return render(
        request,
        "incubation/public_detail.html",
        {
            "title": base.name,
            "base": base,
            "photos": list(base.photos.all()[:12]),
            "can_apply": _representative_orgs(request).exists(),
            "evaluation_ratings": star_ratings(base=base),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def apply(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A representative applies to a base for a listed organization they represent."""
    base = get_object_or_404(IncubationBase.objects.select_related("unit"), pk=pk)
    if not _representative_orgs(request).exists():
        raise PermissionDenied(_("Only representatives of organizations listed in the registry can apply."))
    form = PublicApplyForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.apply_for_residency(
                request.user, base.pk, form.cleaned_data["organization"].pk, form.cleaned_data["note"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Your application to %(base)s is sent; the base's cadres will answer it.") % {"base": base},
            )
            return HttpResponseRedirect(reverse("incubation:public_detail", args=[base.pk]))
    return render(
        request,
        "incubation/public_apply.html",
        {"title": _("Apply to %(base)s") % {"base": base}, "base": base, "form": form},
        status=400 if form.errors else 200,
    )
