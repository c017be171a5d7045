from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


def _coverage_percent(unit) -> str:
    from django.utils import timezone

    from .metrics import league_building_coverage

    return f"{league_building_coverage([unit], None, timezone.localdate())[unit.pk]}%"


class OrgsConfig(AppConfig):
    name = "orgs"
    verbose_name = _("Registry")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from hubportal.registry import HomeCounter, NavItem, register_home_counter, register_nav

        from .models import LeagueUnit, Organization

        registry = pgettext_lazy("navigation menu", "Registry")
        register_nav(NavItem(_("League units"), "orgs:unit_list", icon="diagram-3", order=10, menu=registry))
        register_nav(
            NavItem(
                _("Organization registry"), "orgs:organization_list", icon="people", order=11, menu=registry
            )
        )
        register_home_counter(
            HomeCounter(
                _("League units in my jurisdiction"),
                lambda unit: LeagueUnit.objects.in_subtree(unit).count(),
                url_name="orgs:unit_list",
                order=10,
            )
        )
        register_home_counter(
            HomeCounter(
                _("Organizations in my jurisdiction"),
                lambda unit: (
                    Organization.objects.in_subtree(unit)
                    .exclude(status__in=["rejected", "dissolved"])
                    .count()
                ),
                url_name="orgs:organization_list",
                query=tuple(("status", s) for s in ("pending", "returned", "listed", "suspended")),
                order=20,
            )
        )
        register_home_counter(
            HomeCounter(
                _("Listed organizations"),
                lambda unit: Organization.objects.in_subtree(unit).listed().count(),
                url_name="orgs:organization_list",
                query=(("status", "listed"),),
                order=21,
            )
        )
        register_home_counter(
            HomeCounter(
                _("Organizations waiting for review"),
                lambda unit: (
                    Organization.objects.in_subtree(unit).filter(status=Organization.Status.PENDING).count()
                ),
                url_name="orgs:organization_list",
                query=(("status", "pending"),),
                order=22,
            )
        )
        register_home_counter(
            HomeCounter(
                _("League-building coverage"),
                _coverage_percent,
                url_name="orgs:organization_list",
                order=23,
            )
        )
