from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HubPortalConfig(AppConfig):
    name = "hubportal"
    verbose_name = _("Hub Portal")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import pdf  # noqa: F401 - registers the font check
