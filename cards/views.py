"""Pages of the cards app: the cards and the people holding them (within jurisdiction),
issuing one card or a whole list from Excel (the shared import flow), the figures per unit
and year, and the public page a card's QR code opens.

Personal data (ID number, phone, birth date) is shown only to the cadres of the holder's
unit (`services.may_see_personal`); lists and their exports show it masked to everyone.
"""

from __future__ import annotations

import datetime
from typing import Any

import segno
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hubportal.access import get_for
from hubportal.generic import Column, ObjectDetailView, ObjectEditView, ObjectListView, ServiceActionView
from hubportal.http import AuthenticatedHttpRequest
from hubportal.import_views import ImportFlow
from hubportal.jurisdiction import Action
from orgs.models import LeagueUnit

from . import importing, services
from .filters import CardFilterSet, HolderFilterSet
from .forms import HolderForm, IssueCardForm, ReasonForm, StatsForm
from .models import Card, Holder

CARD_IMPORT = ImportFlow(
    namespace="cards",
    title=gettext_lazy("Issue cards from Excel"),
    job_kind=services.IMPORT_JOB_KIND,
    check=importing.check_file,
    start=services.start_card_import,
    may_import=services.check_issuer,
    template_xlsx=importing.build_template,
    template_csv=importing.build_template_csv,
    template_stem="cards-template",
    page_template="cards/import.html",
    max_bytes=importing.MAX_CARD_BYTES,
    max_rows=importing.MAX_CARD_ROWS,
    nothing_to_do=gettext_lazy("Nothing to issue: every card of the list is issued already."),
)


class CardListView(ObjectListView):
    model = Card
    filterset_class = CardFilterSet
    title = gettext_lazy("Member and volunteer cards")
    default_ordering = "-issued_on"
    create_url_name = "cards:card_create"
    extra_actions = [(gettext_lazy("Issue from Excel"), "cards:import")]
    columns = [
        Column(gettext_lazy("Card number"), "number", link=True, order_by="number"),
        Column(gettext_lazy("Kind"), "kind", order_by="kind"),
        Column(gettext_lazy("Holder"), "holder.name"),
        Column(gettext_lazy("ID card number"), "holder.masked_id_number"),
        Column(gettext_lazy("Issuing unit"), "issuing_unit.name", order_by="issuing_unit__path"),
        Column(gettext_lazy("Issued on"), "issued_on", order_by="issued_on"),
        Column(gettext_lazy("Valid until"), "expires_on", order_by="expires_on"),
        Column(gettext_lazy("Status"), "status", order_by="status"),
    ]

    def optimize(self, queryset):
        return queryset.select_related("holder", "issuing_unit")


def qr_svg(url: str) -> str:
    """The card's QR code as inline SVG (segno), pointing at its public verification page."""
    return segno.make(url, error="m").svg_inline(scale=4, border=2, dark="#1a1a1a")


class CardDetailView(ObjectDetailView):
    """The card as it is printed (number, holder, unit, date, QR code) and its status."""

    model = Card
    template_name = "cards/card_detail.html"

    def optimize(self, queryset):
        return queryset.select_related("holder__unit", "issuing_unit")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        card = self.object
        verify = self.request.build_absolute_uri(card.verify_url())
        context.update(
            verify_url=verify,
            qr=qr_svg(verify),
            personal=services.may_see_personal(self.request.user, card.holder.unit_id),
            valid=card.is_valid_on(timezone.localdate()),
        )
        return context


def issue_from_form(actor: Any, data: dict[str, Any]) -> Card:
    return services.issue_card(actor, data)


class IssueCardView(ObjectEditView):
    model = Card
    form_class: Any = IssueCardForm
    create_service = issue_from_form
    success_message = gettext_lazy("The card is issued.")


class ReportLostView(ServiceActionView):
    model = Card
    form_class = ReasonForm
    service = services.report_card_lost
    title = gettext_lazy("Report card %(object)s lost")
    success_message = gettext_lazy("The card is reported lost; it is no longer valid.")


class RevokeView(ServiceActionView):
    model = Card
    form_class = ReasonForm
    service = services.revoke_card
    title = gettext_lazy("Revoke card %(object)s")
    success_message = gettext_lazy("The card is revoked.")


class HolderListView(ObjectListView):
    model = Holder
    filterset_class = HolderFilterSet
    title = gettext_lazy("Members and volunteers")
    default_ordering = "name"
    create_url_name = "cards:holder_create"
    columns = [
        Column(gettext_lazy("Name"), "name", link=True, order_by="name"),
        Column(gettext_lazy("ID card number"), "masked_id_number"),
        Column(gettext_lazy("Unit"), "unit.name", order_by="unit__path"),
        Column(gettext_lazy("League member"), "is_member", order_by="is_member"),
        Column(gettext_lazy("Volunteer"), "is_volunteer", order_by="is_volunteer"),
        Column(gettext_lazy("Entered at"), "created_at", order_by="created_at"),
    ]

    def optimize(self, queryset):
        return queryset.select_related("unit")


class HolderDetailView(ObjectDetailView):
    model = Holder
    template_name = "cards/holder_detail.html"
    edit_url_name = "cards:holder_edit"

    def optimize(self, queryset):
        return queryset.select_related("unit")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        personal = services.may_see_personal(self.request.user, self.object.unit_id)
        context.update(
            personal=personal,
            can_change=context["can_change"] and personal,
            cards=list(self.object.cards.select_related("issuing_unit").order_by("-issued_on", "-pk")),
        )
        return context


class HolderEditView(ObjectEditView):
    model = Holder
    form_class: Any = HolderForm
    create_service = services.register_holder
    update_service = services.update_holder
    success_message = gettext_lazy("Saved.")


@login_required
def stats(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Cards issued in a year and the share of known members and volunteers holding a valid
    card, for a unit and each unit directly below it (one query per figure)."""
    from reporting.metrics import compute_figures

    from . import metrics

    form = StatsForm(request.GET or None, user=request.user)
    today = timezone.localdate()
    unit, year = None, today.year
    if form.is_valid():
        unit, year = form.cleaned_data.get("unit"), form.cleaned_data.get("year") or year
    unit = unit or request.user.primary_unit
    context: dict[str, Any] = {"title": _("Card figures"), "form": form, "year": year}
    if unit is not None:
        unit = get_for(request.user, LeagueUnit, unit.pk, Action.VIEW)
        start, end = datetime.date(year, 1, 1), min(datetime.date(year, 12, 31), today)
        units = [unit, *LeagueUnit.objects.filter(parent=unit).order_by("path")]
        figures = {
            code: compute_figures(evidence(start, end), units)
            for code, evidence, *_rest in metrics.REGISTERED
        }
        context.update(
            unit=unit,
            end=end,
            rows=[(u, {code: figures[code][u.pk] for code in figures}) for u in units],
        )
    return render(request, "cards/stats.html", context)


def verify(request: HttpRequest, token: str) -> HttpResponse:
    """What a card's QR code opens: only whether the card is valid, and which unit issued it."""
    card = get_object_or_404(Card.objects.select_related("issuing_unit"), token=token)
    valid = card.is_valid_on(timezone.localdate())
    return render(
        request,
        "cards/verify.html",
        {
            "title": _("Card check"),
            "valid": valid,
            "unit": card.issuing_unit.name,
            "kind": card.get_kind_display(),
        },
    )
