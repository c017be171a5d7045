from django.apps import AppConfig, apps
from django.utils.translation import gettext_lazy as _


class CobuildingConfig(AppConfig):
    name = "cobuilding"
    verbose_name = _("Regional co-building (区域化大团建)")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.utils import timezone

        from hubportal.registry import HomeCounter, NavItem, register_home_counter, register_nav

        from .models import ChairTerm, Committee

        register_nav(
            NavItem(_("Co-building committees"), "cobuilding:committee_list", icon="buildings", order=40)
        )
        register_nav(
            NavItem(_("Subdistrict standard"), "cobuilding:standard", icon="clipboard-check", order=41)
        )
        register_nav(
            NavItem(
                _("Youth venues"), "cobuilding:public_venues", icon="pin-map", audience="public", order=40
            )
        )
        register_home_counter(
            HomeCounter(
                _("Co-building committees"),
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
                url_name="cobuilding:chair_gaps",
                order=41,
            )
        )
        if apps.is_installed("incubation"):
            from incubation.map_layers import MapLayer, register_layer

            from .public_views import venue_points

            register_layer(MapLayer("cobuilding_venues", _("Youth venues"), venue_points, color="#0d6efd"))
        if apps.is_installed("reporting"):
            from .metrics import register_with_reporting

            register_with_reporting()
