from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Signal receivers: failed log-ins count against their address and account; a log-in
        # starts its session's clocks.
        from . import middleware, throttle  # noqa: F401
