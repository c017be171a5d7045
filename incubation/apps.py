from django.apps import AppConfig, apps
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class IncubationConfig(AppConfig):
    name = "incubation"
    verbose_name = _("Qinqing Home incubation")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from hubportal.registry import HomeCounter, NavItem, register_home_counter, register_nav

        from . import metrics
        from .models import IncubationBase, Residency

        # Homes, camps and star ratings share one menu so the bar fits 1280 px in English too.
        incubating = pgettext_lazy("navigation menu", "Incubation")
        register_nav(
            NavItem(_("Qinqing Homes"), "incubation:base_list", icon="house-heart", order=20, menu=incubating)
        )
        register_nav(
            # The public map and co-building's youth venues share the visitor's "Map" menu.
            NavItem(
                _("Qinqing Home map"),
                "incubation:public_map",
                icon="geo-alt",
                audience="public",
                order=20,
                menu=_("Map"),
            )
        )
        register_home_counter(
            HomeCounter(
                _("Qinqing Home bases"),
                lambda unit: IncubationBase.objects.in_subtree(unit).count(),
                url_name="incubation:base_list",
                order=20,
            )
        )
        register_home_counter(
            HomeCounter(
                _("Applications to Qinqing Homes awaiting a decision"),
                lambda unit: Residency.objects.in_subtree(unit).filter(status="applied").count(),
                url_name="incubation:residency_list",
                query=(("status", "applied"),),
                order=21,
            )
        )
        if apps.is_installed("reporting"):
            metrics.register_with_reporting()
