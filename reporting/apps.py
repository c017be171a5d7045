from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ReportingConfig(AppConfig):
    name = "reporting"
    verbose_name = _("Reports and targets")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from hubportal.registry import HomeCounter, NavItem, register_home_counter, register_nav

        from . import metrics
        from .models import Report

        metrics.register_builtin_metrics()
        reports = pgettext_lazy("navigation menu", "Reports")
        register_nav(
            NavItem(
                _("Monthly reports"), "reporting:report_list", icon="journal-text", order=50, menu=reports
            )
        )
        register_nav(NavItem(_("Targets"), "reporting:dashboard", icon="bullseye", order=55, menu=reports))
        register_home_counter(
            HomeCounter(
                _("Reports awaiting approval"),
                lambda unit: (
                    Report.objects.in_subtree(unit)
                    .filter(status__in=Report.AWAITING_APPROVAL)
                    .exclude(unit=unit)
                    .count()
                ),
                url_name="reporting:approval_list",
                order=50,
            )
        )
