from django.apps import AppConfig, apps
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class EvaluationConfig(AppConfig):
    name = "evaluation"
    verbose_name = _("Star ratings")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from hubportal.registry import HomeCounter, NavItem, register_home_counter, register_nav

        from .models import Objection, Subject

        register_nav(
            NavItem(
                _("Star ratings"),
                "evaluation:round_list",
                icon="star-half",
                order=40,
                menu=pgettext_lazy("navigation menu", "Incubation"),
            )
        )
        register_nav(
            NavItem(
                _("My assessments"),
                "evaluation:my_assignments",
                icon="clipboard-check",
                audience="assessor",
                order=5,
            )
        )
        register_nav(
            NavItem(
                _("Star ratings"), "evaluation:my_ratings", icon="star", audience="representative", order=40
            )
        )
        register_nav(
            NavItem(
                _("Star-rating notices"),
                "evaluation:notice_list",
                icon="megaphone",
                audience="public",
                order=40,
            )
        )
        register_home_counter(
            HomeCounter(
                _("Star-rating results awaiting moderation"),
                lambda unit: Subject.objects.in_subtree(unit).filter(open_flags__gt=0).count(),
                url_name="evaluation:moderation_list",
                order=40,
            )
        )
        register_home_counter(
            HomeCounter(
                _("Objections awaiting an answer"),
                lambda unit: Objection.objects.in_subtree(unit).filter(status="open").count(),
                url_name="evaluation:open_objection_list",
                order=41,
            )
        )
        if apps.is_installed("reporting"):
            from . import metrics

            metrics.register_with_reporting()
