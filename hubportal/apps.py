from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HubPortalConfig(AppConfig):
    name = "hubportal"
    verbose_name = _("Hub Portal")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from . import pdf  # noqa: F401 - registers the font check
        from .freshness import install_triggers

        # Once per migrate (sent for every app; this app's signal only), after every app's tables.
        post_migrate.connect(install_triggers, sender=self, dispatch_uid="hub_data_change_triggers")
