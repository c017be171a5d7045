from django.apps import AppConfig, apps
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class CardsConfig(AppConfig):
    name = "cards"
    verbose_name = _("Member and volunteer cards")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from hubportal.registry import HomeCounter, NavItem, register_home_counter, register_nav

        from .models import Card

        menu = pgettext_lazy("navigation menu", "Cards")
        for order, (label, url_name, icon) in enumerate(
            [
                (_("Member and volunteer cards"), "cards:card_list", "person-vcard"),
                (_("Members and volunteers"), "cards:holder_list", "people"),
                (_("Issue cards from Excel"), "cards:import", "file-earmark-excel"),
                (_("Card figures"), "cards:stats", "bar-chart"),
            ],
            start=46,
        ):
            register_nav(NavItem(label, url_name, icon=icon, order=order, menu=menu))
        register_home_counter(
            HomeCounter(
                _("Valid member and volunteer cards"),
                lambda unit: Card.objects.in_subtree(unit).filter(status=Card.Status.ACTIVE).count(),
                url_name="cards:card_list",
                order=45,
                query=(("status", "active"),),
            )
        )
        if apps.is_installed("reporting"):
            from .metrics import register_with_reporting

            register_with_reporting()
