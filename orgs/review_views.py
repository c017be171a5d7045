"""The cadres' review queue (登记审核): pending self-registrations and listed organizations'
key-field edits within the cadre's jurisdiction, with their possible duplicates.

Decisions go through the core services (`approve_registration`, `return_registration`,
`reject_registration`), which re-check jurisdiction on the locked row; the group is then
told through the message backend.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.postgres.search import TrigramSimilarity
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import OuterRef, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from hubportal.jurisdiction import Action

from . import services
from .models import Organization
from .registration import notify_group, pending_change_rows

Status = Organization.Status
QUEUE_PAGE_SIZE = 20


class DecisionForm(forms.Form):
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
        data = super().clean()
        if data.get("decision") in ("return", "reject") and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Please give the reason; the organization will see it."))
        return data


def awaiting_review(user: Any) -> Any:
    """Pending registrations and listed organizations' waiting edits the user may see."""
    return Organization.objects.visible_to(user, Action.VIEW).filter(
        Q(status=Status.PENDING) | (Q(status__in=[Status.LISTED, Status.SUSPENDED]) & ~Q(pending_changes={}))
    )


def with_duplicate_names(rows: Any) -> Any:
    """Annotate each row with up to five names it may duplicate (same credit code anywhere,
    near-identical name in the same unit): one correlated subquery, not a query per row."""
    candidates = (
        Organization.objects.exclude(pk=OuterRef("pk"))
        .annotate(similarity=TrigramSimilarity("name", OuterRef("name")))
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
def review_queue(request: HttpRequest) -> HttpResponse:
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


@login_required
@require_http_methods(["GET", "POST"])
def review_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One registration (or one set of waiting edits): every field, the possible duplicates,
    the before/after of key-field edits, the documents, the history, and the decision."""
    org = get_object_or_404(awaiting_review(request.user).select_related("governing_unit"), pk=pk)
    can_decide = Organization.objects.visible_to(request.user, Action.CHANGE).filter(pk=org.pk).exists()
    form = DecisionForm(request.POST or None)
    if request.method == "POST":
        if not can_decide:
            raise PermissionDenied(_("You may view this record but not change it."))
        if form.is_valid():
            decision, reason = form.cleaned_data["decision"], form.cleaned_data["reason"].strip()
            had_changes = org.status != Status.PENDING
            try:
                if decision == "approve":
                    org = services.approve_registration(request.user, org.pk, reason)
                elif decision == "return":
                    org = services.return_registration(request.user, org.pk, reason)
                else:
                    org = services.reject_registration(request.user, org.pk, reason)
            except ValidationError as error:
                for message in error.messages:
                    form.add_error(None, message)
            else:
                outcome = org.status
                if had_changes:
                    outcome = "changes_applied" if decision == "approve" else "changes_declined"
                notify_group(org, outcome, reason if decision != "approve" else "")
                messages.success(request, _("Decision recorded; the organization has been told."))
                return redirect("orgs_flow:review_queue")
    duplicates = services.find_possible_duplicates(
        org.pending_changes.get("name", org.name),
        org.pending_changes.get("credit_code", org.credit_code),
        org.governing_unit,
        exclude_pk=org.pk,
    )
    return render(
        request,
        "orgs/review/detail.html",
        {
            "title": _("Review: %(name)s") % {"name": org.name},
            "org": org,
            "form": form,
            "can_decide": can_decide,
            "duplicates": duplicates,
            "pending": pending_change_rows(org),
            "documents": list(org.documents.order_by("-uploaded_at", "-pk")),
            "backbone_members": list(org.backbone_members.order_by("name", "pk")),
            "status_changes": list(org.status_changes.select_related("by").order_by("-at", "-pk")),
            "representatives": list(org.representatives.order_by("pk")),
        },
    )
