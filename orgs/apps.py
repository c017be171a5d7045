from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgsConfig(AppConfig):
    name = "orgs"
    verbose_name = _("Registry")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from hubportal.registry import HomeCounter, NavItem, register_home_counter, register_nav

        from .models import LeagueUnit

        register_nav(NavItem(_("League units"), "orgs:unit_list", icon="diagram-3", order=10))
        register_home_counter(
            HomeCounter(
                _("League units in my jurisdiction"),
                lambda unit: LeagueUnit.objects.in_subtree(unit).count(),
                url_name="orgs:unit_list",
                order=10,
            )
        )
