"""Cadre pages of the league-unit tree."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from hubportal.generic import Column, ObjectDeleteView, ObjectDetailView, ObjectEditView, ObjectListView

from .filters import LeagueUnitFilterSet
from .forms import LeagueUnitForm
from .models import LeagueUnit


class UnitListView(ObjectListView):
    model = LeagueUnit
    filterset_class = LeagueUnitFilterSet
    title = _("League units")
    default_ordering = "path"
    create_url_name = "orgs:unit_create"
    columns = [
        Column(_("Name"), "name", link=True, order_by="name"),
        Column(_("Division code"), "code", order_by="code"),
        Column(_("Level"), "level", order_by="depth"),
        Column(_("Kind"), "kind"),
        Column(_("Region"), "region"),
        Column(_("Parent unit"), "parent.name"),
    ]

    def optimize(self, queryset):
        return queryset.select_related("parent")


class UnitDetailView(ObjectDetailView):
    model = LeagueUnit
    template_name = "orgs/unit_detail.html"
    edit_url_name = "orgs:unit_edit"
    delete_url_name = "orgs:unit_delete"
    fields = ["name", "code", "level", "kind", "region", "is_undergraduate", "address", "phone", "is_active"]

    def optimize(self, queryset):
        return queryset.select_related("parent")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        unit = self.object
        visible = LeagueUnit.objects.visible_to(self.request.user)
        context["ancestors"] = visible.ancestors_of(unit)
        context["children"] = visible.filter(parent=unit).order_by("path")
        context["subtree_size"] = visible.descendants_of(unit, include_self=False).count()
        return context


class UnitEditView(ObjectEditView):
    model = LeagueUnit
    form_class = LeagueUnitForm

    def get_initial(self):
        initial = super().get_initial()
        if "parent" in self.request.GET:
            initial["parent"] = self.request.GET["parent"]
        return initial


class UnitDeleteView(ObjectDeleteView):
    model = LeagueUnit

    def get_success_url(self):
        return reverse("orgs:unit_list")
