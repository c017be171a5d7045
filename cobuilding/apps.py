from django.apps import AppConfig, apps
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class CobuildingConfig(AppConfig):
    name = "cobuilding"
    verbose_name = _("Regional co-building (区域化大团建)")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.utils import timezone

        from hubportal.registry import HomeCounter, NavItem, register_home_counter, register_nav

        from .models import ChairTerm, Committee

        menu = pgettext_lazy("navigation menu", "Regional co-building")
        for order, (label, url_name, icon) in enumerate(
            [
                (_("Regional co-building committees"), "cobuilding:committee_list", "buildings"),
                (_("Subdistrict standard"), "cobuilding:standard", "clipboard-check"),
                (_("Rotating chairs"), "cobuilding:chair_term_list", "arrow-repeat"),
                (_("Activities"), "cobuilding:activity_list", "calendar-event"),
                (_("Youth venues"), "cobuilding:venue_list", "pin-map"),
                (_("League-branch subsidies"), "cobuilding:subsidy_list", "cash-coin"),
            ],
            start=40,
        ):
            register_nav(NavItem(label, url_name, icon=icon, order=order, menu=menu))
        register_nav(
            NavItem(
                _("Youth venues"),
                "cobuilding:public_venues",
                icon="pin-map",
                audience="public",
                order=40,
                menu=_("Map"),  # beside incubation's public map, in one menu of the visitor's bar
            )
        )
        register_home_counter(
            HomeCounter(
                _("Regional co-building committees"),
                lambda unit: Committee.objects.in_subtree(unit).count(),
                url_name="cobuilding:committee_list",
                order=40,
            )
        )
        register_home_counter(
            HomeCounter(
                _("Chair terms ended without an activity"),
                lambda unit: (
                    ChairTerm.objects.in_subtree(unit).without_activity(timezone.localdate()).count()
                ),
                url_name="cobuilding:chair_term_list",
                order=41,
                query=(("without_activity", "yes"),),
            )
        )
        if apps.is_installed("incubation"):
            from incubation.map_layers import MapLayer, register_layer

            from .public_views import venue_points

            register_layer(MapLayer("cobuilding_venues", _("Youth venues"), venue_points, color="#0d6efd"))
        if apps.is_installed("reporting"):
            from .metrics import register_with_reporting

            register_with_reporting()
