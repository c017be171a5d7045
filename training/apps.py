from django.apps import AppConfig, apps
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class TrainingConfig(AppConfig):
    name = "training"
    verbose_name = _("Qinqinghui training camps")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from hubportal.registry import (
            HomeCounter,
            ListAction,
            NavItem,
            RecordLink,
            register_home_counter,
            register_list_action,
            register_nav,
            register_record_link,
        )

        from . import metrics
        from .models import Camp, Enrolment

        register_nav(
            NavItem(
                _("Training camps"),
                "training:camp_list",
                icon="mortarboard",
                order=30,
                menu=pgettext_lazy("navigation menu", "Incubation"),
            )
        )
        register_nav(
            NavItem(
                _("Training camps"), "training:public_list", icon="mortarboard", audience="public", order=30
            )
        )
        register_nav(
            NavItem(
                _("Camps for my organization"),
                "training:public_list",
                icon="mortarboard",
                audience="representative",
                order=30,
            )
        )
        register_home_counter(
            HomeCounter(
                _("Training camps open for enrolment"),
                lambda unit: Camp.objects.in_subtree(unit).filter(status="open").count(),
                url_name="training:camp_list",
                query=(("status", "open"),),
                order=30,
            )
        )
        register_home_counter(
            HomeCounter(
                _("People on camp waiting lists"),
                lambda unit: Enrolment.objects.in_subtree(unit).filter(status="waiting").count(),
                url_name="training:enrolment_list",
                order=31,
            )
        )
        register_list_action(
            ListAction(_("Sessions"), "training:session_list", model="training.camp", order=10)
        )
        register_list_action(
            ListAction(_("Compliance board"), "training:compliance", model="training.camp", order=20)
        )
        register_record_link(
            RecordLink(
                _("Training record"), "training:organization_training", "orgs.organization", "mortarboard"
            )
        )
        if apps.is_installed("reporting"):
            metrics.register_with_reporting()
