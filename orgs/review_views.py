"""The cadres' review queue (登记审核): pending self-registrations and listed organizations'
key-field edits within the cadre's jurisdiction, with their possible duplicates.

A decision is one service, `orgs.services.decide_registration`, which re-checks the
cadre's right on the locked row and tells the group what was decided (through the outbox),
as it does when the same decision comes from the organization's page or the API.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.postgres.search import TrigramSimilarity
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import OuterRef, Q, QuerySet
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hubportal import forms as hub
from hubportal.access import get_for, may
from hubportal.generic import ServiceActionView
from hubportal.http import AuthenticatedHttpRequest
from hubportal.jurisdiction import Action
from hubportal.personal import Masked, may_see_personal

from . import services
from .models import Organization
from .registration import pending_change_rows

Status = Organization.Status
QUEUE_PAGE_SIZE = 20


class DecisionForm(hub.Form):
    DECISIONS = [
        ("approve", gettext_lazy("Approve")),
        ("return", gettext_lazy("Return for correction")),
        ("reject", gettext_lazy("Reject")),
    ]
    decision = forms.ChoiceField(
        label=gettext_lazy("Decision"),
        choices=DECISIONS,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    reason = forms.CharField(
        label=gettext_lazy("Reasons or comment"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Required to return or reject; the organization will see it."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") in ("return", "reject") and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Please give the reason; the organization will see it."))
        return data


def awaiting_review(user: Any) -> QuerySet[Organization]:
    """Pending registrations and listed organizations' waiting edits the user may see."""
    return Organization.objects.visible_to(user, Action.VIEW).filter(
        Q(status=Status.PENDING) | (Q(status__in=[Status.LISTED, Status.SUSPENDED]) & ~Q(pending_changes={}))
    )


def with_duplicate_names(rows: QuerySet[Organization]) -> QuerySet[Organization]:
    """Annotate each row with up to five names it may duplicate (same credit code anywhere,
    near-identical name in the same unit): one correlated subquery, not a query per row."""
    candidates = (
        Organization.objects.exclude(pk=OuterRef("pk"))
        # django-stubs types TrigramSimilarity's string as `str`; Django takes any expression.
        .annotate(similarity=TrigramSimilarity("name", OuterRef("name")))  # type: ignore[arg-type]  # the stub takes only str/F, OuterRef works
        .filter(
            (Q(credit_code=OuterRef("credit_code")) & ~Q(credit_code=""))
            | Q(
                governing_unit=OuterRef("governing_unit"),
                similarity__gte=services.DUPLICATE_NAME_SIMILARITY,
            )
        )
        .order_by("-similarity", "pk")
        .values("name")[:5]
    )
    return rows.annotate(duplicate_names=ArraySubquery(candidates))


@login_required
def review_queue(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The queue, oldest submission first; constant queries whatever the page size."""
    if not (request.user.is_cadre or request.user.is_superuser):
        raise PermissionDenied(_("Only league cadres review registrations."))
    rows = with_duplicate_names(awaiting_review(request.user)).select_related("governing_unit")
    kind = request.GET.get("kind", "")
    if kind == "new":
        rows = rows.filter(status=Status.PENDING)
    elif kind == "changes":
        rows = rows.exclude(status=Status.PENDING)
    rows = rows.order_by("submitted_at", "pk")
    page = Paginator(rows, QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "orgs/review/queue.html",
        {"title": _("Registration review"), "page_obj": page, "kind": kind},
    )


class ReviewDetailView(ServiceActionView):
    """One registration (or one set of waiting edits): every field, the possible duplicates,
    the before/after of key-field edits, the documents, the history, and the decision.

    A viewer reads it; deciding needs the right to change the organization (the service
    checks it: 403 otherwise)."""

    model = Organization
    form_class = DecisionForm
    service = services.decide_registration
    right = Action.VIEW
    template_name = "orgs/review/detail.html"
    success_message = gettext_lazy("Decision recorded; the organization has been told.")

    def get_object(self) -> Organization:
        rows = awaiting_review(self.request.user).select_related("governing_unit")
        return get_for(self.request.user, rows, self.kwargs["pk"], Action.VIEW)

    def get_success_url(self, result: Any) -> str:
        return reverse("orgs_flow:review_queue")

    def render(self, form: Any, status: int = 200) -> HttpResponse:
        org = self.object
        # Personal data in full only for those who may decide (change the organization).
        full = may_see_personal(self.request.user, org)
        duplicates = services.find_possible_duplicates(
            org.pending_changes.get("name", org.name),
            org.pending_changes.get("credit_code", org.credit_code),
            org.governing_unit,
            exclude_pk=org.pk,
        )
        return render(
            self.request,
            self.template_name,
            {
                "title": _("Review: %(name)s") % {"name": org.name},
                "org": Masked(org, self.request.user, full),
                "form": form,
                "can_decide": may(self.request.user, org, Action.CHANGE),
                "duplicates": duplicates,
                "pending": pending_change_rows(org),
                "documents": list(org.documents.order_by("-uploaded_at", "-pk")),
                "backbone_members": [
                    Masked(m, self.request.user, full) for m in org.backbone_members.order_by("name", "pk")
                ],
                "status_changes": list(org.status_changes.select_related("by").order_by("-at", "-pk")),
                "representatives": list(org.representatives.order_by("pk")),
            },
            status=status,
        )
