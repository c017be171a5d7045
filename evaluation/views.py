"""Cadre pages of the star ratings: indicator systems, rounds, subjects and their panels,
results and moderation, objections, appeals, ratings, certificates, the expert pool and
service projects. The subject's own side (self-assessment, appeal) is served here too,
through the same pages with `also=owner_q(...)`.

Thin views: rows come through `visible_to()` and `get_for()` (404 outside the jurisdiction,
403 when only viewable), every change through one service of `evaluation.services`.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, F, Q
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hubportal.access import get_for
from hubportal.files import file_response
from hubportal.forms import add_service_errors
from hubportal.generic import (
    Column,
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
    ServiceActionView,
)
from hubportal.history import history_of
from hubportal.http import AuthenticatedHttpRequest
from hubportal.jurisdiction import Action, user_can

from . import conflicts, evidence, exports, services
from .filters import (
    AssignmentFilterSet,
    CertificateFilterSet,
    ExpertFilterSet,
    ObjectionFilterSet,
    ProjectFilterSet,
    RatingFilterSet,
    RoundFilterSet,
    SubjectFilterSet,
    SystemFilterSet,
)
from .forms import (
    AnswerForm,
    AppealForm,
    AssignForm,
    DeclineForm,
    EnterSubjectForm,
    EvidenceForm,
    ExpertForm,
    IndicatorForm,
    ModerateForm,
    PanelsForm,
    ProjectForm,
    ReasonForm,
    RoundForm,
    SelfAssessmentForm,
    SystemForm,
)
from .models import (
    Appeal,
    Assignment,
    Certificate,
    Evidence,
    Expert,
    Indicator,
    IndicatorResult,
    IndicatorSystem,
    Objection,
    Rating,
    Round,
    ServiceProject,
    Subject,
    SubjectType,
)
from .querysets import assessor_q, owner_q

PUBLISHED = Q(status=IndicatorSystem.Status.PUBLISHED) | Q(status=IndicatorSystem.Status.RETIRED)


def _xlsx(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# Indicator systems ---------------------------------------------------------------------------
class SystemListView(ObjectListView):
    model = IndicatorSystem
    filterset_class = SystemFilterSet
    title = gettext_lazy("Indicator systems")
    default_ordering = "code"
    create_url_name = "evaluation:system_create"
    columns = [
        Column(gettext_lazy("Name"), "name", link=True, order_by="name"),
        Column(gettext_lazy("Code"), "code", order_by="code"),
        Column(gettext_lazy("Version"), "edition", order_by="edition"),
        Column(gettext_lazy("Rates"), "subject_type", order_by="subject_type"),
        Column(gettext_lazy("Total points"), "total_points", order_by="total_points"),
        Column(gettext_lazy("Status"), "status", order_by="status"),
        Column(gettext_lazy("Owning unit"), "unit.name", order_by="unit__path"),
    ]

    def scoped_queryset(self, action=None):
        # Published versions are shared by every cadre; drafts stay within the jurisdiction.
        visible = IndicatorSystem.objects.visible_to(self.actor, action or self.action)
        return IndicatorSystem.objects.filter(Q(pk__in=visible.values("pk")) | PUBLISHED)

    def optimize(self, queryset):
        return queryset.select_related("unit")


class SystemDetailView(ObjectDetailView):
    model = IndicatorSystem
    template_name = "evaluation/system_detail.html"
    edit_url_name = "evaluation:system_edit"

    def get_object(self, queryset: Any = None) -> Any:
        source = IndicatorSystem.objects.select_related("unit", "derived_from", "published_by")
        return get_for(self.request.user, source, self.kwargs["pk"], Action.VIEW, also=PUBLISHED)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        system = self.object
        indicators = list(system.indicators.select_related("checklist_item").order_by("order", "pk"))
        children: dict[int | None, list[Indicator]] = {}
        for indicator in indicators:
            children.setdefault(indicator.parent_id, []).append(indicator)
        ordered: list[tuple[Indicator, bool]] = []

        def walk(parent: int | None) -> None:
            for node in children.get(parent, []):
                ordered.append((node, node.pk not in children))
                walk(node.pk)

        walk(None)
        context.update(
            tree=ordered,
            problems=services._tree_problems(indicators)[0] if not system.is_frozen else [],
            versions=IndicatorSystem.objects.filter(code=system.code).order_by("-edition"),
            rounds=system.rounds.visible_to(self.request.user).select_related("unit")[:20],
            can_change=context["can_change"] and not system.is_frozen,
            may_derive=context["can_change"] and system.is_frozen,
        )
        return context


class SystemEditView(ObjectEditView):
    model = IndicatorSystem
    form_class: Any = SystemForm
    success_message = gettext_lazy("The indicator system is saved.")
    create_service = services.create_system
    update_service = services.update_system


class IndicatorEditView(ObjectEditView):
    """Add an indicator to a system (`/systems/<system>/indicators/new/`) or edit one."""

    model = Indicator
    form_class: Any = IndicatorForm
    success_message = gettext_lazy("The indicator is saved.")

    def get_object(self, queryset=None):
        if "pk" in self.kwargs:
            return get_for(
                self.request.user,
                Indicator.objects.select_related("system"),
                self.kwargs["pk"],
                Action.CHANGE,
            )
        self.system = get_for(self.request.user, IndicatorSystem, self.kwargs["system"], Action.CHANGE)
        return None

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["system"] = self.object.system if self.object else self.system
        return kwargs

    def save_form(self, form):
        if self.object is None:
            return services.add_indicator(self.actor, self.system.pk, form.cleaned_data)
        data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        return services.update_indicator(
            self.actor, self.object.pk, data, version=form.cleaned_data.get("version")
        )


class SystemStepView(ServiceActionView):
    """A plain button on a system's page (publish, new version, delete an indicator)."""

    model = IndicatorSystem

    def get_success_url(self, result: Any) -> str:
        return (
            result.get_absolute_url()
            if isinstance(result, IndicatorSystem)
            else self.object.get_absolute_url()
        )


class PublishSystemView(SystemStepView):
    service = services.publish_system
    success_message = gettext_lazy("Published: this version is frozen from now on.")


class NewVersionView(SystemStepView):
    service = services.new_system_version
    success_message = gettext_lazy("A new draft version is ready to edit.")


class DeleteIndicatorView(ServiceActionView):
    model = Indicator
    service = services.delete_indicator
    success_message = gettext_lazy("The indicator is removed.")

    def get_success_url(self, result: Any) -> str:
        return reverse("evaluation:system_detail", args=[self.object.system_id])


# Rounds ----------------------------------------------------------------------------------
class RoundListView(ObjectListView):
    model = Round
    filterset_class = RoundFilterSet
    title = gettext_lazy("Assessment rounds")
    default_ordering = "-year"
    create_url_name = "evaluation:round_create"
    columns = [
        Column(gettext_lazy("Name"), "name", link=True, order_by="name"),
        Column(gettext_lazy("Year"), "year", order_by="year"),
        Column(gettext_lazy("Rates"), "subject_type", order_by="subject_type"),
        Column(gettext_lazy("Organizing unit"), "unit.name", order_by="unit__path"),
        Column(gettext_lazy("Phase"), "phase", order_by="phase"),
        Column(gettext_lazy("Subjects"), "subject_count", order_by="subject_count"),
        Column(gettext_lazy("Scoring until"), "scoring_until", order_by="scoring_until"),
    ]
    extra_actions = [
        (gettext_lazy("Indicator systems"), "evaluation:system_list"),
        (gettext_lazy("Expert pool"), "evaluation:expert_list"),
        (gettext_lazy("Ratings"), "evaluation:rating_list"),
    ]

    def optimize(self, queryset):
        return queryset.select_related("unit").annotate(
            subject_count=Count("subjects", filter=Q(subjects__status="entered"))
        )


class RoundEditView(ObjectEditView):
    model = Round
    form_class: Any = RoundForm
    success_message = gettext_lazy("The round is saved.")
    create_service = services.create_round
    update_service = services.update_round


class RoundDetailView(ObjectDetailView):
    model = Round
    template_name = "evaluation/round_detail.html"
    edit_url_name = "evaluation:round_edit"

    def optimize(self, queryset):
        return queryset.select_related("unit", "system", "created_by")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        round_obj = self.object
        subjects = (
            round_obj.subjects.select_related("owner_unit")
            .annotate(
                panel=Count(
                    "assignments",
                    filter=Q(
                        assignments__attempt=F("attempt"), assignments__status__in=["assigned", "submitted"]
                    ),
                    distinct=True,
                ),
                submitted=Count(
                    "assignments",
                    filter=Q(assignments__attempt=F("attempt"), assignments__status="submitted"),
                    distinct=True,
                ),
                open_objections=Count("objections", filter=Q(objections__status="open"), distinct=True),
            )
            .order_by("status", "name", "pk")
        )
        by_result = dict(
            round_obj.subjects.filter(status="entered")
            .order_by()
            .values_list("result")
            .annotate(n=Count("pk"))
        )
        context.update(
            subjects=subjects,
            by_result=[(label, by_result.get(value, 0)) for value, label in Subject.Result.choices],
            phases=Round.Phase.choices,
            panels_form=PanelsForm(),
            pool_size=services.pool_for(round_obj).count(),
            today=timezone.localdate(),
        )
        return context


class RoundStepView(ServiceActionView):
    """One step of a round, a plain button on its page; the message says what it did."""

    model = Round
    done: Any = ""

    def perform(self, form: Any) -> Any:
        result = super().perform(form)
        self.success_message = self.message(result)
        return result

    def message(self, result: Any) -> str:
        return str(self.done)


class OpenRoundView(RoundStepView):
    service = services.open_round
    done = gettext_lazy("The round is open for self-assessment.")


class StartScoringView(RoundStepView):
    service = services.start_scoring
    done = gettext_lazy("Panel scoring has started.")


class AggregateView(RoundStepView):
    service = services.aggregate_results

    def message(self, result: Any) -> str:
        return _("Results computed for %(n)d subjects.") % {"n": len(result)}

    def get_success_url(self, result: Any) -> str:
        return reverse("evaluation:round_results", args=[self.object.pk])


class PublishResultsView(RoundStepView):
    service = services.publish_results

    def message(self, result: Any) -> str:
        return _("%(n)d results are on public notice.") % {"n": result}


class FinaliseView(RoundStepView):
    service = services.finalise_round

    def message(self, result: Any) -> str:
        return _("%(n)d ratings are final.") % {"n": result}


class IssueCertificatesView(RoundStepView):
    service = services.issue_certificates

    def message(self, result: Any) -> str:
        return _("%(n)d certificates issued.") % {"n": result}


class EnterAllBasesView(RoundStepView):
    service = services.enter_all_bases

    def message(self, result: Any) -> str:
        return _("%(n)d bases entered.") % {"n": result}


class AssignPanelsView(RoundStepView):
    form_class = PanelsForm
    service = services.assign_panels
    title = gettext_lazy("Form the panels of %(object)s")
    submit_label = gettext_lazy("Assign automatically")

    def message(self, result: Any) -> str:
        text = _("%(n)d assessors assigned.") % {"n": result["assigned"]}
        if result["short"]:
            text += " " + _(
                "%(n)d subjects still lack assessors: the pool has too few without a conflict."
            ) % {"n": result["short"]}
        return text


class CertificateBundleView(ServiceActionView):
    model = Round
    service = services.start_certificate_bundle

    def get_success_url(self, result: Any) -> str:
        return reverse("evaluation:round_detail", args=[self.object.pk]) + f"?job={result.pk}#certificates"


class EnterSubjectView(ServiceActionView):
    model = Round
    form_class = EnterSubjectForm
    service = services.enter_subject
    title = gettext_lazy("Enter a subject in %(object)s")
    submit_label = gettext_lazy("Enter")
    success_message = gettext_lazy("The subject is entered.")

    def get_form_kwargs(self) -> dict[str, Any]:
        return {"round_obj": self.object}

    def perform(self, form: Any) -> Any:
        target = form.target_pk()
        if target is None:
            raise ValidationError({"organization": form.errors.get("organization", [])})
        return services.enter_subject(
            self.request.user, self.object.pk, target, form.cleaned_data.get("note", "")
        )

    def get_success_url(self, result: Any) -> str:
        return result.get_absolute_url()


class RoundResultsView(ObjectDetailView):
    """Every subject's total, spread and stars, with the flagged indicators to moderate."""

    model = Round
    template_name = "evaluation/round_results.html"

    def optimize(self, queryset):
        return queryset.select_related("unit", "system")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        round_obj = self.object
        flagged = IndicatorResult.objects.filter(
            subject__round=round_obj, flagged=True, attempt=F("subject__attempt")
        ).select_related("indicator", "subject", "moderated_by")
        context.update(
            subjects=round_obj.subjects.filter(status="entered")
            .exclude(aggregated_at__isnull=True)
            .select_related("owner_unit")
            .order_by("-total", "name", "pk"),
            flagged=flagged.order_by("subject__name", "indicator__order"),
            rule_text=rule_text(round_obj),
        )
        return context


def rule_text(round_obj: Round) -> str:
    """The round's aggregation rule in words, with its numbers."""
    if round_obj.rule == Round.Rule.TRIMMED_MEAN:
        text = _(
            "With at least %(n)d scores on an indicator, the highest and the lowest are dropped and the rest "
            "averaged; with fewer, all are averaged."
        ) % {"n": round_obj.trim_from}
    elif round_obj.rule == Round.Rule.MEDIAN:
        text = _("The middle score of each indicator (the average of the two middle ones for an even count).")
    else:
        text = _("The average of all scores of each indicator.")
    return (
        text
        + " "
        + _(
            "An indicator whose highest and lowest score differ by more than %(share)d%% of its maximum is flagged "
            "for moderation before results are published."
        )
        % {"share": round(round_obj.disagreement_share * 100)}
    )


@login_required
def round_results_xlsx(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    round_obj = get_for(request.user, Round.objects.select_related("system"), pk, Action.VIEW)
    return _xlsx(exports.results_workbook(round_obj), f"results-{round_obj.pk}.xlsx")


@login_required
def round_scores_xlsx(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    round_obj = get_for(request.user, Round.objects.select_related("system"), pk, Action.VIEW)
    return _xlsx(exports.scores_workbook(round_obj, request.user), f"scores-{round_obj.pk}.xlsx")


# Subjects --------------------------------------------------------------------------------------
class SubjectListView(ObjectListView):
    model = Subject
    filterset_class = SubjectFilterSet
    title = gettext_lazy("Assessed subjects")
    default_ordering = "name"
    columns = [
        Column(gettext_lazy("Name"), "name", link=True, order_by="name"),
        Column(gettext_lazy("Round"), "round.name", order_by="round__name"),
        Column(gettext_lazy("Owning unit"), "owner_unit.name", order_by="owner_unit__path"),
        Column(gettext_lazy("Status"), "status", order_by="status"),
        Column(gettext_lazy("Result"), "result", order_by="result"),
        Column(gettext_lazy("Total"), "total", order_by="total"),
        Column(gettext_lazy("Stars"), "grade", order_by="stars"),
        Column(gettext_lazy("Awaiting moderation"), "open_flags", order_by="open_flags"),
    ]

    def optimize(self, queryset):
        return queryset.select_related("round__system", "owner_unit")


class ModerationListView(SubjectListView):
    """The subjects whose results wait for moderation (the home page's counter)."""

    title = gettext_lazy("Results awaiting moderation")

    def scoped_queryset(self, action=None):
        return super().scoped_queryset(action).filter(open_flags__gt=0)


class SubjectDetailView(ObjectDetailView):
    """A subject: its self-assessment with evidence; for the round's cadres also its panel,
    results, objections and appeals; for its own side the published result and appeals.
    Assessors score on their own page and never open this one."""

    model = Subject
    template_name = "evaluation/subject_detail.html"

    def get_object(self, queryset: Any = None) -> Any:
        source = Subject.objects.select_related("round__system", "round__unit", "owner_unit", "applied_by")
        user = self.request.user
        return get_for(user, source, self.kwargs["pk"], Action.VIEW, also=owner_q(user, Action.VIEW))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        subject = self.object
        round_obj = subject.round
        user = self.request.user
        is_cadre = user_can(user, round_obj.unit)
        can_manage = user_can(user, round_obj.unit, Action.CHANGE)
        is_owner = Subject.objects.filter(owner_q(user, Action.CHANGE), pk=subject.pk).exists()
        leaves = list(services.scored_indicators(round_obj.system_id).values())
        claims = {c.indicator_id: c for c in subject.claims.all()}
        items: dict[int, list[Evidence]] = {}
        for item in subject.evidence.select_related("content_type"):
            items.setdefault(item.indicator_id, []).append(item)
        published = subject.result in (Subject.Result.IN_NOTICE, Subject.Result.FINAL)
        results = (
            {
                r.indicator_id: r
                for r in subject.indicator_results.filter(attempt=subject.attempt).select_related(
                    "moderated_by"
                )
            }
            if is_cadre or published
            else {}
        )
        rows = [(i, claims.get(i.pk), items.get(i.pk, []), results.get(i.pk)) for i in leaves]
        context.update(
            round=round_obj,
            rows=rows,
            is_cadre=is_cadre,
            can_manage=can_manage,
            is_owner=is_owner,
            self_assessment_open=round_obj.is_open_for_self_assessment
            and subject.status in ("entered", "applied"),
            show_results=is_cadre or published,
            panel=(
                subject.assignments.select_related("assessor").order_by("-attempt", "assigned_at", "pk")
                if is_cadre
                else []
            ),
            objections=subject.objections.select_related("answered_by") if is_cadre else [],
            appeals=subject.appeals.select_related("filed_by", "answered_by") if is_cadre or is_owner else [],
            ratings=Rating.objects.filter(subject=subject).select_related("certificate").order_by("-attempt"),
            history=history_of(subject) if is_cadre else [],
            can_appeal=is_owner
            and not can_manage
            and subject.result in (Subject.Result.IN_NOTICE, Subject.Result.FINAL),
        )
        if (
            can_manage
            and subject.status == Subject.Status.ENTERED
            and subject.result == Subject.Result.PENDING
        ):
            context["assign_form"] = AssignForm(options=assessor_options(subject))
        return context


def assessor_options(subject: Subject) -> list[tuple[str, str]]:
    """The round's pool for a subject's panel, each with its conflict (if any) in the label,
    in two queries whatever the pool's size (the pool, then every conflict at once)."""
    pool = list(
        services.pool_for(subject.round).select_related("user", "unit").order_by("user__full_name", "pk")
    )
    users = {e.user_id: e for e in pool}
    on_panel = set(subject.assignments.filter(attempt=subject.attempt).values_list("assessor_id", flat=True))
    tied = conflicts.find([subject.pk], users)
    options = []
    for user_id, expert in users.items():
        if user_id in on_panel:
            continue
        reasons = tied.get((subject.pk, user_id))
        label = f"{expert.user} · {expert.unit.name}" + (f" · {expert.expertise}" if expert.expertise else "")
        if reasons:
            label += " — " + _("conflict: %(why)s") % {"why": conflicts.describe(reasons)}
        options.append((str(user_id), label))
    return options


class SubjectActionView(ServiceActionView):
    """A cadre's step on a subject (admit, decline, withdraw, re-rate, assign, certificate)."""

    model = Subject


class AdmitSubjectView(SubjectActionView):
    service = services.admit_subject
    success_message = gettext_lazy("The application is admitted.")


class DeclineSubjectView(SubjectActionView):
    form_class = DeclineForm
    service = services.decline_subject
    title = gettext_lazy("Decline the application of %(object)s")
    submit_label = gettext_lazy("Decline")
    success_message = gettext_lazy("The application is declined; the applicant is told.")


class WithdrawSubjectView(SubjectActionView):
    form_class = ReasonForm
    service = services.withdraw_subject
    title = gettext_lazy("Withdraw %(object)s from the round")
    submit_label = gettext_lazy("Withdraw")
    success_message = gettext_lazy("The subject is withdrawn.")


class ReopenSubjectView(SubjectActionView):
    form_class = ReasonForm
    service = services.reopen_subject
    title = gettext_lazy("Re-rate %(object)s")
    submit_label = gettext_lazy("Start a re-rating")
    success_message = gettext_lazy("A re-rating has started; assign its panel.")


class AssignAssessorView(SubjectActionView):
    form_class = AssignForm
    service = services.assign_assessor
    title = gettext_lazy("Add an assessor to the panel of %(object)s")
    submit_label = gettext_lazy("Assign")
    success_message = gettext_lazy("The assessor is assigned and told.")

    def get_form_kwargs(self) -> dict[str, Any]:
        subject = Subject.objects.select_related("round__unit").get(pk=self.object.pk)
        return {"options": assessor_options(subject)}

    def service_kwargs(self, form: Any) -> dict[str, Any]:
        return {"assessor_pk": form.cleaned_data["assessor"], "deadline": form.cleaned_data.get("deadline")}


class IssueCertificateView(SubjectActionView):
    service = services.issue_certificate
    success_message = gettext_lazy("The certificate is issued.")

    def get_success_url(self, result: Any) -> str:
        return self.object.get_absolute_url() + "#ratings"


class OwnerActionView(ServiceActionView):
    """A step of the subject's own side (or of the round's cadres)."""

    model = Subject

    def get_object(self) -> Any:
        return get_for(
            self.request.user,
            Subject,
            self.kwargs["pk"],
            Action.CHANGE,
            also=owner_q(self.request.user, Action.CHANGE),
        )


class SubmitSelfAssessmentView(OwnerActionView):
    service = services.submit_self_assessment
    success_message = gettext_lazy("The self-assessment is handed in.")


class AppealView(OwnerActionView):
    form_class = AppealForm
    service = services.file_appeal
    title = gettext_lazy("Ask for a review (复核) of the result of %(object)s")
    submit_label = gettext_lazy("Send")
    success_message = gettext_lazy("Your appeal is sent; the round's cadres will decide on it.")


class SelfAssessmentView(OwnerActionView):
    """The self-assessment: points and statement for every scored indicator, and the
    evidence (files and links to the portal's records) under each."""

    form_class = SelfAssessmentForm
    service = services.save_self_assessment
    template_name = "evaluation/self_assessment.html"
    success_message = gettext_lazy("The self-assessment is saved.")
    submit_label = gettext_lazy("Save")

    def setup(self, request: Any, *args: Any, **kwargs: Any) -> None:
        super().setup(request, *args, **kwargs)
        self.title = _("Self-assessment")

    def get_form_kwargs(self) -> dict[str, Any]:
        subject = Subject.objects.select_related("round__system").get(pk=self.object.pk)
        self.leaves = list(services.scored_indicators(subject.round.system_id).values())
        return {
            "subject": subject,
            "leaves": self.leaves,
            "claims": {c.indicator_id: c for c in subject.claims.all()},
        }

    def service_kwargs(self, form: Any) -> dict[str, Any]:
        return {"claims": form.claims(), "version": form.cleaned_data.get("version")}

    def get_success_url(self, result: Any) -> str:
        return reverse("evaluation:subject_self_assessment", args=[self.object.pk])

    def render(self, form, status: int = 200) -> HttpResponse:
        subject = Subject.objects.select_related("round__system").get(pk=self.object.pk)
        items: dict[int, list[Evidence]] = {}
        for item in subject.evidence.all():
            items.setdefault(item.indicator_id, []).append(item)
        if not subject.round.is_open_for_self_assessment:
            for field in form.fields.values():
                field.disabled = True  # shown as handed in, not editable
        return render(
            self.request,
            self.template_name,
            {
                "form": form,
                "object": subject,
                "title": f"{_('Self-assessment')} · {subject.name}",
                "rows": [(i, p, st, items.get(i.pk, [])) for i, p, st in form.rows()],
                "evidence_form": EvidenceForm(subject=subject, leaves=self.leaves),
                "open": subject.round.is_open_for_self_assessment,
                "submit_label": self.submit_label,
            },
            status=status,
        )


class AddEvidenceView(OwnerActionView):
    form_class = EvidenceForm
    service = services.add_evidence
    title = gettext_lazy("Add evidence to %(object)s")
    submit_label = gettext_lazy("Add")
    success_message = gettext_lazy("The evidence is added.")

    def get_form_kwargs(self) -> dict[str, Any]:
        subject = Subject.objects.select_related("round__system").get(pk=self.object.pk)
        return {
            "subject": subject,
            "leaves": list(services.scored_indicators(subject.round.system_id).values()),
        }

    def service_kwargs(self, form: Any) -> dict[str, Any]:
        data = form.cleaned_data
        return {
            "indicator_pk": data["indicator"],
            "label": data.get("label", ""),
            "file": data.get("file"),
            "record": data.get("record", ""),
        }

    def get_success_url(self, result: Any) -> str:
        return (
            reverse("evaluation:subject_self_assessment", args=[self.object.pk])
            + f"#indicator-{result.indicator_id}"
        )


class RemoveEvidenceView(ServiceActionView):
    model = Evidence
    service = services.remove_evidence
    success_message = gettext_lazy("The evidence is removed.")

    def get_object(self) -> Any:
        user = self.request.user
        return get_for(
            user, Evidence, self.kwargs["pk"], Action.CHANGE, also=owner_q(user, Action.CHANGE, "subject__")
        )

    def get_success_url(self, result: Any) -> str:
        return reverse("evaluation:subject_self_assessment", args=[self.object.subject_id])


@login_required
def evidence_open(request: AuthenticatedHttpRequest, pk: int) -> HttpResponseBase:
    """A piece of evidence, for the round's cadres, the subject's side and its assessors:
    a file is downloaded, a linked record shown as a summary (no personal data)."""
    user = request.user
    also = owner_q(user, Action.VIEW, "subject__") | assessor_q(user, "subject__")
    item = get_for(
        user, Evidence.objects.select_related("subject", "content_type"), pk, Action.VIEW, also=also
    )
    if item.kind == Evidence.Kind.FILE:
        missing = _("The file of this evidence is missing.")
        return file_response(item.file, missing, filename=item.original_name or "evidence")
    record = item.content_type.get_object_for_this_type(pk=item.object_id) if item.content_type else None
    return render(
        request,
        "evaluation/evidence.html",
        {
            "title": item.label,
            "item": item,
            "record": record,
            "rows": evidence.summary(record) if record is not None else [],
            "kind": item.content_type.model_class()._meta.verbose_name if item.content_type else "",  # type: ignore[union-attr]  # a model's content type
        },
    )


# Panels -----------------------------------------------------------------------------------
class AssignmentListView(ObjectListView):
    model = Assignment
    filterset_class = AssignmentFilterSet
    title = gettext_lazy("Assignments of assessors")
    default_ordering = "deadline"
    columns = [
        Column(gettext_lazy("Subject"), "subject.name", order_by="subject__name"),
        Column(gettext_lazy("Round"), "subject.round.name", order_by="subject__round__name"),
        Column(gettext_lazy("Assessor"), "assessor", order_by="assessor__full_name"),
        Column(gettext_lazy("Status"), "status", order_by="status"),
        Column(gettext_lazy("Scoring deadline"), "deadline", order_by="deadline"),
        Column(gettext_lazy("Submitted at"), "submitted_at", order_by="submitted_at"),
    ]

    def optimize(self, queryset):
        return queryset.select_related("subject__round", "assessor")


class WithdrawAssignmentView(ServiceActionView):
    model = Assignment
    form_class = ReasonForm
    service = services.withdraw_assignment
    title = gettext_lazy("Take %(object)s off the panel")
    submit_label = gettext_lazy("Withdraw")
    success_message = gettext_lazy("The assessor is off the panel.")

    def get_success_url(self, result: Any) -> str:
        return reverse("evaluation:subject_detail", args=[self.object.subject_id]) + "#panel"


class ModerateView(ServiceActionView):
    model = IndicatorResult
    form_class = ModerateForm
    service = services.moderate_result
    template_name = "evaluation/moderate.html"
    title = gettext_lazy("Moderate %(object)s")
    submit_label = gettext_lazy("Save the decision")
    success_message = gettext_lazy("The moderation is recorded; the subject's total follows it.")

    def render(self, form, status: int = 200) -> HttpResponse:
        result = IndicatorResult.objects.select_related("indicator", "subject__round").get(pk=self.object.pk)
        scores = (
            result.subject.assignments.filter(attempt=result.attempt, status="submitted")
            .filter(scores__indicator=result.indicator)
            .values_list("assessor__full_name", "assessor__username", "scores__points", "scores__comment")
        )
        return render(
            self.request,
            self.template_name,
            {
                "form": form,
                "object": result,
                "scores": list(scores),
                "title": self.get_title(),
                "submit_label": self.submit_label,
            },
            status=status,
        )

    def get_success_url(self, result: Any) -> str:
        return reverse("evaluation:round_results", args=[self.object.subject.round_id]) + "#flagged"


# Objections and appeals ----------------------------------------------------------------------
class ObjectionListView(ObjectListView):
    model = Objection
    filterset_class = ObjectionFilterSet
    title = gettext_lazy("Objections")
    default_ordering = "-filed_at"
    columns = [
        Column(gettext_lazy("Subject"), "subject.name", link=True, order_by="subject__name"),
        Column(gettext_lazy("Round"), "subject.round.name", order_by="subject__round__name"),
        Column(gettext_lazy("Filed at"), "filed_at", order_by="filed_at"),
        Column(gettext_lazy("Status"), "status", order_by="status"),
        Column(gettext_lazy("Answered at"), "answered_at", order_by="answered_at"),
    ]

    def optimize(self, queryset):
        return queryset.select_related("subject__round")


class OpenObjectionListView(ObjectionListView):
    title = gettext_lazy("Objections awaiting an answer")

    def scoped_queryset(self, action=None):
        return super().scoped_queryset(action).filter(status="open")


class ObjectionDetailView(ObjectDetailView):
    model = Objection
    template_name = "evaluation/objection_detail.html"

    def optimize(self, queryset):
        return queryset.select_related("subject__round", "answered_by")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if context["can_change"] and self.object.status == Objection.Status.OPEN:
            context["answer_form"] = AnswerForm()
        return context


class AnswerObjectionView(ServiceActionView):
    model = Objection
    form_class = AnswerForm
    service = services.answer_objection
    title = gettext_lazy("Answer the %(object)s")
    submit_label = gettext_lazy("Answer")
    success_message = gettext_lazy("The answer is on record and sent to the objector.")

    def service_kwargs(self, form: Any) -> dict[str, Any]:
        return form.service_kwargs()


@login_required
def objection_file(request: AuthenticatedHttpRequest, pk: int) -> FileResponse:
    objection = get_for(request.user, Objection, pk, Action.VIEW)
    missing = _("The file of this objection is missing.")
    return file_response(objection.file, missing, filename=objection.original_name or "objection")


class DecideAppealView(ServiceActionView):
    model = Appeal
    form_class = AnswerForm
    service = services.decide_appeal
    title = gettext_lazy("Decide on the %(object)s")
    submit_label = gettext_lazy("Decide")
    success_message = gettext_lazy("The decision is on record and sent to the applicant.")

    def get_form(self, data=None, files=None) -> Any:
        form = super().get_form(data, files)
        form.fields["decision"].choices = [
            ("dismissed", _("Dismissed: the result stands")),
            ("upheld", _("Upheld: the subject is re-rated")),
        ]
        return form

    def service_kwargs(self, form: Any) -> dict[str, Any]:
        return form.service_kwargs()


# Ratings and certificates ------------------------------------------------------------------
class RatingListView(ObjectListView):
    model = Rating
    filterset_class = RatingFilterSet
    title = gettext_lazy("Star ratings")
    default_ordering = "-valid_from"
    columns = [
        Column(gettext_lazy("Name"), "subject.name", link=True, order_by="subject__name"),
        Column(gettext_lazy("Rates"), "subject_type", order_by="subject_type"),
        Column(gettext_lazy("Year"), "year", order_by="year"),
        Column(gettext_lazy("Stars"), "grade", order_by="stars"),
        Column(gettext_lazy("Total"), "total", order_by="total"),
        Column(gettext_lazy("Valid until"), "valid_until", order_by="valid_until"),
        Column(gettext_lazy("Standing"), "standing"),
    ]
    extra_actions = [(gettext_lazy("Certificates"), "evaluation:certificate_list")]

    def optimize(self, queryset):
        return queryset.select_related("subject")


class CertificateListView(ObjectListView):
    model = Certificate
    filterset_class = CertificateFilterSet
    title = gettext_lazy("Certificates")
    default_ordering = "-issued_at"
    columns = [
        Column(gettext_lazy("Verification code"), "display_code", order_by="code"),
        Column(gettext_lazy("Subject"), "rating.subject.name", order_by="rating__subject__name"),
        Column(gettext_lazy("Stars"), "rating.grade", order_by="rating__stars"),
        Column(gettext_lazy("Valid until"), "rating.valid_until", order_by="rating__valid_until"),
        Column(gettext_lazy("Issued at"), "issued_at", order_by="issued_at"),
        Column(gettext_lazy("Revoked at"), "revoked_at", order_by="revoked_at"),
    ]

    def optimize(self, queryset):
        return queryset.select_related("rating__subject")


@login_required
def certificate_pdf(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The certificate as a PDF (the CJK font embedded), for the round's cadres and the
    subject's own side."""
    from .certificates import certificate_pdf as build

    user = request.user
    certificate = get_for(
        user,
        Certificate.objects.select_related("rating__subject__round__unit", "rating__round__unit"),
        pk,
        Action.VIEW,
        also=owner_q(user, Action.VIEW, "rating__subject__"),
    )
    response = HttpResponse(build(certificate), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="certificate-{certificate.code}.pdf"'
    return response


@login_required
def certificate_bundle(request: AuthenticatedHttpRequest, job_pk: int) -> HttpResponseBase:
    """The ZIP a certificate job made, for the user who started it."""
    from django.core.files.storage import default_storage

    from hubportal.models import Job

    job = Job.objects.filter(pk=job_pk, kind="evaluation.certificates", status=Job.Status.SUCCEEDED)
    found = job.filter(user=request.user).first() if not request.user.is_superuser else job.first()
    path = (found.result or {}).get("file") if found is not None else None
    if not path or not default_storage.exists(path):
        raise Http404
    return FileResponse(
        default_storage.open(path, "rb"), as_attachment=True, filename=path.rsplit("/", 1)[-1]
    )


# The expert pool -------------------------------------------------------------------------------
class ExpertListView(ObjectListView):
    model = Expert
    filterset_class = ExpertFilterSet
    title = gettext_lazy("Expert pool (专业评审顾问团)")
    default_ordering = "unit__path"
    create_url_name = "evaluation:expert_create"
    columns = [
        Column(gettext_lazy("Assessor"), "user", link=True, order_by="user__full_name"),
        Column(gettext_lazy("Pool of unit"), "unit.name", order_by="unit__path"),
        Column(gettext_lazy("Field of expertise"), "expertise"),
        Column(gettext_lazy("Employer"), "employer"),
        Column(gettext_lazy("ID card number"), "masked_id_number"),
        Column(gettext_lazy("Active"), "active", order_by="active"),
        Column(gettext_lazy("Open assignments"), "open_assignments", order_by="open_assignments"),
    ]

    def optimize(self, queryset):
        from django.db.models import OuterRef, Subquery
        from django.db.models.functions import Coalesce

        open_count = (
            Assignment.objects.filter(assessor=OuterRef("user"), status="assigned")
            .order_by()
            .values("assessor")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return queryset.select_related("user", "unit").annotate(
            open_assignments=Coalesce(Subquery(open_count), 0)
        )


class ExpertEditView(ObjectEditView):
    model = Expert
    form_class: Any = ExpertForm
    success_message = gettext_lazy("The expert is saved.")
    create_service = services.add_expert
    update_service = services.update_expert

    def get_success_url(self):
        return reverse("evaluation:expert_list")


# Service projects -------------------------------------------------------------------------
class ProjectListView(ObjectListView):
    model = ServiceProject
    filterset_class = ProjectFilterSet
    title = gettext_lazy("Youth service projects")
    default_ordering = "name"
    create_url_name = "evaluation:project_create"
    columns = [
        Column(gettext_lazy("Name"), "name", link=True, order_by="name"),
        Column(gettext_lazy("Organization"), "organization.name", order_by="organization__name"),
        Column(gettext_lazy("Service field"), "service_field", order_by="service_field"),
        Column(gettext_lazy("Started on"), "started_on", order_by="started_on"),
        Column(gettext_lazy("Funder or purchaser"), "funder"),
        Column(gettext_lazy("Budget (yuan)"), "budget", order_by="budget"),
    ]

    def optimize(self, queryset):
        return queryset.select_related("organization")


class ProjectDetailView(ObjectDetailView):
    model = ServiceProject
    template_name = "evaluation/project_detail.html"
    edit_url_name = "evaluation:project_edit"
    fields = [
        "organization",
        "name",
        "service_field",
        "started_on",
        "ended_on",
        "budget",
        "funder",
        "beneficiaries",
        "description",
    ]

    def optimize(self, queryset):
        return queryset.select_related("organization")

    def get_context_data(self, **kwargs):
        from .panels import rating_history

        context = super().get_context_data(**kwargs)
        context["evaluation_ratings"] = rating_history(project=self.object)
        return context


class ProjectEditView(ObjectEditView):
    model = ServiceProject
    form_class: Any = ProjectForm
    success_message = gettext_lazy("The project is saved.")
    create_service = services.create_project
    update_service = services.update_project


# The subject's side: rounds to apply to, its subjects and ratings -----------------------------
@login_required
def my_ratings(request: AuthenticatedHttpRequest) -> HttpResponse:
    """For an organization's representative (or a cadre of a base's unit): their subjects in
    rounds, the rounds they may apply to, and their ratings."""
    user = request.user
    subjects = (
        Subject.objects.filter(owner_q(user, Action.CHANGE))
        .select_related("round__system", "owner_unit")
        .order_by("-round__year", "name")[:200]
    )
    rounds = Round.objects.accepting_applications().filter(self_assessment_until__gte=timezone.localdate())
    options = apply_options(user, list(rounds.select_related("unit")))
    return render(
        request,
        "evaluation/my_ratings.html",
        {
            "title": _("Star ratings"),
            "subjects": subjects,
            "open_rounds": [(r, opts) for r, opts in options if opts],
        },
    )


def apply_options(user: Any, rounds: list[Round]) -> list[tuple[Round, list[tuple[str, str]]]]:
    """For each round taking applications, what the user may apply with (within the round's
    subtree, not in it yet): represented organizations and their projects, or bases,
    organizations and projects within their change jurisdiction (capped for big subtrees)."""
    from incubation.models import IncubationBase
    from orgs.models import Organization

    represented = Organization.objects.filter(representatives=user).listed()
    found = []
    for round_obj in rounds:
        kind = round_obj.subject_type
        rows: Any
        if kind == SubjectType.ORGANIZATION:
            rows = (
                Organization.objects.in_subtree(round_obj.unit)
                .listed()
                .filter(
                    Q(pk__in=represented.values("pk"))
                    | Q(pk__in=Organization.objects.visible_to(user, Action.CHANGE).values("pk"))
                )
            )
        elif kind == SubjectType.BASE:
            rows = IncubationBase.objects.in_subtree(round_obj.unit).visible_to(user, Action.CHANGE)
        else:
            rows = ServiceProject.objects.in_subtree(round_obj.unit).filter(
                Q(organization__in=represented.values("pk"))
                | Q(pk__in=ServiceProject.objects.visible_to(user, Action.CHANGE).values("pk"))
            )
        rows = rows.exclude(assessments__round=round_obj).order_by("name", "pk")[:200]
        found.append((round_obj, [(str(r.pk), str(r)) for r in rows]))
    return found


@login_required
def round_apply(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    from .forms import ApplyForm

    accepting = Q(phase=Round.Phase.SELF_ASSESSMENT, accepts_applications=True)
    round_obj = get_for(
        request.user, Round.objects.select_related("unit", "system"), pk, Action.VIEW, also=accepting
    )
    options = apply_options(request.user, [round_obj])[0][1]
    form = ApplyForm(request.POST or None, options=options, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            subject = services.apply_to_round(
                request.user, round_obj.pk, form.cleaned_data["target"], form.cleaned_data["note"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Your application is sent; the round's cadres will decide on it."))
            return HttpResponseRedirect(reverse("evaluation:subject_detail", args=[subject.pk]))
    return render(
        request,
        "evaluation/apply.html",
        {"title": _("Apply to %(round)s") % {"round": round_obj.name}, "round": round_obj, "form": form},
        status=400 if form.errors else 200,
    )
