from django.apps import AppConfig, apps
from django.utils.translation import gettext_lazy as _


class CardsConfig(AppConfig):
    name = "cards"
    verbose_name = _("Member and volunteer cards")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from hubportal.registry import HomeCounter, NavItem, register_home_counter, register_nav

        from .models import Card

        register_nav(
            NavItem(_("Member and volunteer cards"), "cards:card_list", icon="person-vcard", order=45)
        )
        register_home_counter(
            HomeCounter(
                _("Valid member and volunteer cards"),
                lambda unit: Card.objects.in_subtree(unit).filter(status=Card.Status.ACTIVE).count(),
                url_name="cards:card_list",
                order=45,
            )
        )
        if apps.is_installed("reporting"):
            from .metrics import register_with_reporting

            register_with_reporting()
