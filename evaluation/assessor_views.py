"""The assessor's portal: their assignments with deadlines, and the focused scoring page.

An assessor's jurisdiction is their assignments, not a unit: every row here is read with
`Q(assessor=user)` (someone else's assignment is a 404, whoever asks, cadres included —
a draft score is the assessor's own). The scoring page shows one indicator at a time,
saves each score as it is typed (HTMX; a plain form post without JavaScript), and shows
the other assessors' scores only once every member of the panel has submitted.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views.decorators.http import require_POST

from hubportal.access import get_for
from hubportal.generic import ServiceActionView, is_htmx
from hubportal.http import AuthenticatedHttpRequest
from hubportal.jurisdiction import Action

from . import services
from .forms import ReasonForm, ScoreForm
from .models import Assignment, Evidence, Indicator, Score


def mine(user: Any) -> Q:
    return Q(assessor=user) if user.is_authenticated else Q(pk__in=[])


def own_assignment(user: Any, pk: Any) -> Assignment:
    """The user's own assignment (404 for anyone else's, cadres included)."""
    source = Assignment.objects.filter(mine(user)).select_related(
        "subject__round__system", "subject__round__unit"
    )
    return get_for(user, source, pk, Action.VIEW, also=mine(user))


@login_required
def my_assignments(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Every assignment of the assessor with its deadline and progress, in three queries
    whatever their number: the assignments with their scores counted, the number of scored
    indicators of each system, and the session's user."""
    rows = list(
        Assignment.objects.filter(assessor=request.user)
        .select_related("subject__round__system", "subject__owner_unit")
        .annotate(scored=Count("scores"))
        .order_by("status", "deadline", "subject__name", "pk")
    )
    systems = {a.subject.round.system_id for a in rows}
    leaves = dict(
        Indicator.objects.filter(system_id__in=systems, children__isnull=True)
        .order_by()
        .values_list("system_id")
        .annotate(n=Count("pk"))
    )
    today = timezone.localdate()
    for assignment in rows:
        assignment.leaves = leaves.get(assignment.subject.round.system_id, 0)  # type: ignore[attr-defined]  # shown by the template
    groups = [
        (_("To score"), [a for a in rows if a.status == Assignment.Status.ASSIGNED]),
        (pgettext("star rating", "Submitted"), [a for a in rows if a.status == Assignment.Status.SUBMITTED]),
        (_("Recused or withdrawn"), [a for a in rows if a.status in ("recused", "withdrawn")]),
    ]
    return render(
        request,
        "evaluation/my_assignments.html",
        {"title": _("My assessments"), "groups": groups, "today": today},
    )


def _step_context(assignment: Assignment, step: int) -> dict[str, Any]:
    leaves = list(services.scored_indicators(assignment.subject.round.system_id).values())
    scores = {s.indicator_id: s for s in Score.objects.filter(assignment=assignment)}
    if not leaves:
        return {"leaves": [], "scores": scores}
    step = max(0, min(step, len(leaves) - 1))
    indicator = leaves[step]
    parents = {
        i.pk: i for i in Indicator.objects.filter(system_id=indicator.system_id, children__isnull=False)
    }
    score = scores.get(indicator.pk)
    claim = assignment.subject.claims.filter(indicator=indicator).first()
    return {
        "leaves": leaves,
        "scores": scores,
        "step": step,
        "indicator": indicator,
        "parent": parents.get(indicator.parent_id) if indicator.parent_id else None,
        "section": _section(indicator, parents),
        "score": score,
        "claim": claim,
        "evidence": list(Evidence.objects.filter(subject=assignment.subject, indicator=indicator)),
        "form": ScoreForm(
            initial={"points": score.points if score else None, "comment": score.comment if score else ""}
        ),
        "done": len(scores),
        "quick": list(range(int(indicator.max_points) + 1)) if indicator.max_points <= 20 else [],
        "percent": round(100 * len(scores) / len(leaves)),
    }


def _section(indicator: Indicator, parents: dict[int, Indicator]) -> Indicator | None:
    node = parents.get(indicator.parent_id) if indicator.parent_id else None
    while node is not None and node.parent_id:
        node = parents.get(node.parent_id)
    return node


def panel_scores(assignment: Assignment) -> list[dict[str, Any]] | None:
    """Once the whole panel has submitted: every assessor's total (anonymised as A, B, C …,
    the user's own marked), read through the blind rule of `ScoreQuerySet.for_assessor`.
    None while anyone is still scoring."""
    subject = assignment.subject
    pending = Assignment.objects.filter(
        subject=subject, attempt=assignment.attempt, status="assigned"
    ).exists()
    if pending or assignment.status != Assignment.Status.SUBMITTED:
        return None
    user = assignment.assessor
    visible = Score.objects.filter(Score.objects.for_assessor(user)).filter(
        assignment__subject=subject, assignment__attempt=assignment.attempt, assignment__status="submitted"
    )
    totals: dict[int, Any] = {}
    for assignment_id, points in visible.values_list("assignment_id", "points"):
        totals[assignment_id] = totals.get(assignment_id, 0) + points
    rows = []
    for index, (assignment_id, total) in enumerate(sorted(totals.items())):
        rows.append({"label": chr(ord("A") + index), "total": total, "mine": assignment_id == assignment.pk})
    return rows


@login_required
def assignment_score(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The focused scoring page: one indicator at a time (`?step=`), the subject's claim and
    evidence beside it, each score saved as it is typed."""
    assignment = own_assignment(request.user, pk)
    try:
        step = int(request.GET.get("step", ""))
    except ValueError:
        step = -1
    leaves_order = list(services.scored_indicators(assignment.subject.round.system_id))
    if step < 0:
        scored = set(Score.objects.filter(assignment=assignment).values_list("indicator_id", flat=True))
        step = next((n for n, pk_ in enumerate(leaves_order) if pk_ not in scored), 0)
    context = _step_context(assignment, step)
    editable = True
    try:
        services._scoring_open(assignment)
    except ValidationError as error:
        editable = False
        context["closed_reason"] = " ".join(error.messages)
    context.update(
        title=assignment.subject.name,
        assignment=assignment,
        subject=assignment.subject,
        round=assignment.subject.round,
        editable=editable,
        panel=panel_scores(assignment),
        conflict_form=ReasonForm(),
    )
    return render(request, "evaluation/score.html", context)


@require_POST
@login_required
def score_save(request: AuthenticatedHttpRequest, pk: int, indicator_pk: int) -> HttpResponse:
    """Save one score (HTMX answers with the save status; a plain post goes to the next
    indicator, or back to the same one with the refusal)."""
    assignment = own_assignment(request.user, pk)
    form = ScoreForm(request.POST)
    step = request.POST.get("step", "0")
    error = ""
    saved = None
    if form.is_valid():
        try:
            saved = services.save_score(
                request.user,
                assignment.pk,
                indicator_pk,
                form.cleaned_data["points"],
                form.cleaned_data["comment"],
            )
        except ValidationError as refusal:
            error = " ".join(refusal.messages)
    else:
        error = " ".join(str(e) for errors in form.errors.values() for e in errors)
    if is_htmx(request):
        return render(
            request,
            "evaluation/partials/_save_status.html",
            {"saved": saved, "error": error, "indicator_pk": indicator_pk},
            status=200 if not error else 422,
        )
    url = reverse("evaluation:assignment_score", args=[assignment.pk])
    if error:
        messages.error(request, error)
        return HttpResponseRedirect(f"{url}?step={step}")
    target = request.POST.get("go")
    next_step = int(step) + (1 if target != "prev" else -1) if step.isdigit() else 0
    return HttpResponseRedirect(f"{url}?step={max(next_step, 0)}")


class OwnAssignmentAction(ServiceActionView):
    """A step on the assessor's own assignment."""

    model = Assignment
    right = Action.VIEW  # the right here is the assignment itself, checked by `own_assignment`

    def get_object(self) -> Any:
        return own_assignment(self.request.user, self.kwargs["pk"])

    def get_success_url(self, result: Any) -> str:
        return reverse("evaluation:my_assignments")


class SubmitScoresView(OwnAssignmentAction):
    service = services.submit_scores
    success_message = gettext_lazy("Your scores are submitted. Thank you.")

    def post(self, request, *args, **kwargs):
        try:
            services.submit_scores(request.user, self.object.pk)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
            return HttpResponseRedirect(reverse("evaluation:assignment_score", args=[self.object.pk]))
        messages.success(request, self.success_message)
        return HttpResponseRedirect(self.get_success_url(None))


class DeclareConflictView(OwnAssignmentAction):
    form_class = ReasonForm
    service = services.declare_conflict
    title = gettext_lazy("Declare a conflict of interest with %(object)s")
    submit_label = gettext_lazy("Declare and leave the panel")
    success_message = gettext_lazy("Your conflict is recorded; the round's cadres will find a replacement.")

    def get_title(self) -> Any:
        return self.title % {"object": self.object.subject.name}
