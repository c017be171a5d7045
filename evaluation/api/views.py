"""The star-rating API under /api/evaluation/: systems and indicators, rounds, subjects with
their self-assessment and evidence, assignments, scores (an assessor's own), results,
objections, appeals, ratings, certificates, the expert pool and service projects.

Rows come through `visible_to()` (the round's unit) and, where the model grants another
right, `also=`: an assessor lists and acts on their own assignments and scores (never
another's score before the whole panel has submitted), a subject's own side on its
subjects. Every write is one service of `evaluation.services`; refusals become
400/403/404/409 in `hubportal.drf.exception_handler`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import Count, Q
from django.http import HttpResponse
from rest_framework.decorators import action

from evaluation import services
from evaluation.filters import (
    AssignmentFilterSet,
    CertificateFilterSet,
    ClaimFilterSet,
    EvidenceFilterSet,
    ExpertFilterSet,
    ObjectionFilterSet,
    ProjectFilterSet,
    RatingFilterSet,
    ResultFilterSet,
    RoundFilterSet,
    ScoreFilterSet,
    SubjectFilterSet,
    SystemFilterSet,
)
from evaluation.models import (
    Appeal,
    Assignment,
    Certificate,
    Claim,
    Evidence,
    Expert,
    Indicator,
    IndicatorResult,
    IndicatorSystem,
    Objection,
    Rating,
    Round,
    Score,
    ServiceProject,
    Subject,
)
from evaluation.querysets import owner_q
from hubportal.access import NotChangeable, NotVisible, get_for, parse_pk, scoped
from hubportal.api import JurisdictionReadOnlyViewSet, JurisdictionScoped, JurisdictionViewSet, service_action
from hubportal.jurisdiction import Action
from hubportal.schema import PDF, XLSX, file_answer

from .serializers import (
    AppealSerializer,
    AssignBody,
    AssignmentSerializer,
    ClaimSerializer,
    DeadlineBody,
    DecisionBody,
    EvidenceSerializer,
    ExpertSerializer,
    IndicatorSerializer,
    ModerateBody,
    ObjectionSerializer,
    ProjectSerializer,
    RatingSerializer,
    ReasonBody,
    ResultSerializer,
    RoundSerializer,
    ScoreSerializer,
    SelfAssessmentBody,
    StarCertificateSerializer,
    SubjectSerializer,
    SystemSerializer,
    TargetBody,
)

NO_DELETE = ["get", "post", "put", "patch", "head", "options"]
PUBLISHED = Q(status__in=[IndicatorSystem.Status.PUBLISHED, IndicatorSystem.Status.RETIRED])


class GrantedViewSetMixin(JurisdictionScoped):
    """Rows by jurisdiction plus the rows `granted(user, action)` gives by another right
    (for reads, and for the actions named in `granted_actions`)."""

    granted_actions: frozenset[str] = frozenset()

    def granted(self, user: Any, right: Action) -> Q | None:
        return None

    def model(self) -> Any:
        return getattr(self.get_serializer_class(), "Meta").model  # noqa: B009 - every serializer here is a ModelSerializer

    def get_queryset(self) -> Any:
        model = self.model()
        user = self.request.user
        return self.optimize(scoped(user, model, Action.VIEW, self.granted(user, Action.VIEW)))

    def get_object(self) -> Any:
        right = self.object_right()
        user = self.request.user
        also = self.granted(user, right) if self.action in self.granted_actions else None
        model = self.model()
        try:
            return get_for(user, self.optimize(model.objects.all()), self.kwargs["pk"], right, also=also)
        except NotVisible:
            # Seen by another right (the subject's own side) but not acted on by it: a 403.
            if right != Action.VIEW and self.get_queryset().filter(pk=parse_pk(self.kwargs["pk"])).exists():
                raise NotChangeable() from None
            raise


# Indicator systems -----------------------------------------------------------------------
class SystemViewSet(GrantedViewSetMixin, JurisdictionViewSet):
    """Indicator systems; published versions are shared by every cadre (and frozen: `publish`
    freezes a draft, `new-version` makes the next draft from a published one)."""

    queryset = IndicatorSystem.objects.all()
    serializer_class = SystemSerializer
    filterset_class = SystemFilterSet
    ordering_fields = ["code", "edition", "name"]
    ordering = ["code", "-edition"]
    http_method_names = NO_DELETE
    create_service = services.create_system
    update_service = services.update_system
    granted_actions = frozenset({"retrieve", "list"})

    publish = service_action(services.publish_system)
    new_version = service_action(services.new_system_version, url_path="new-version", created=True)

    def granted(self, user: Any, right: Action) -> Q | None:
        return PUBLISHED if right == Action.VIEW else None

    def optimize(self, queryset):
        return queryset.select_related("unit")


def indicator_from_body(actor: Any, data: Mapping[str, Any]) -> Indicator:
    values = dict(data)
    values["parent"] = values.pop("parent_id", None)
    values["checklist_item"] = values.pop("checklist_item_id", None)
    return services.add_indicator(actor, values.pop("system_id"), values)


def indicator_update(actor: Any, pk: Any, data: Mapping[str, Any], version: Any = None) -> Indicator:
    values = {k: v for k, v in data.items() if k not in {"system_id", "parent_id"}}
    if "checklist_item_id" in values:
        values["checklist_item"] = values.pop("checklist_item_id")
    return services.update_indicator(actor, pk, values, version=version)


class IndicatorViewSet(GrantedViewSetMixin, JurisdictionViewSet):
    """Indicators of the systems; only a draft's change (`?system=` lists one system)."""

    queryset = Indicator.objects.all()
    serializer_class = IndicatorSerializer
    ordering = ["system", "order", "pk"]
    filterset_fields = ["system", "parent", "depth"]
    create_service = indicator_from_body
    update_service = indicator_update
    destroy_service = services.delete_indicator
    granted_actions = frozenset({"retrieve"})

    def granted(self, user: Any, right: Action) -> Q | None:
        return Q(system__status__in=["published", "retired"]) if right == Action.VIEW else None


# Rounds ------------------------------------------------------------------------------------
def enter_target(actor: Any, pk: Any, target: Any, note: str = "") -> Subject:
    return services.enter_subject(actor, pk, target, note)


class RoundViewSet(JurisdictionViewSet):
    """Rounds and their steps: `open`, `start-scoring`, `enter` (a subject), `enter-bases`,
    `assign-panels`, `aggregate`, `publish`, `finalise`, `certificates`; the results and
    scores as Excel (`results.xlsx`, `scores.xlsx`). An update sends back its `version`."""

    queryset = Round.objects.all()
    serializer_class = RoundSerializer
    filterset_class = RoundFilterSet
    ordering_fields = ["year", "name", "scoring_until"]
    ordering = ["-year", "name", "pk"]
    http_method_names = NO_DELETE
    create_service = services.create_round
    update_service = services.update_round

    open = service_action(services.open_round)
    start_scoring = service_action(services.start_scoring, url_path="start-scoring")
    enter = service_action(enter_target, body=TargetBody, url_path="enter")
    enter_bases = service_action(services.enter_all_bases, url_path="enter-bases")
    assign_panels = service_action(services.assign_panels, body=DeadlineBody, url_path="assign-panels")
    aggregate = service_action(services.aggregate_results)
    publish = service_action(services.publish_results)
    finalise = service_action(services.finalise_round)
    certificates = service_action(services.issue_certificates)

    def optimize(self, queryset):
        return queryset.select_related("unit").annotate(
            subjects_entered=Count("subjects", filter=Q(subjects__status="entered"))
        )

    @file_answer(XLSX, "The round's results as an Excel workbook.")
    @action(detail=True, methods=["get"], url_path="results.xlsx")
    def results_xlsx(self, request, pk=None):
        from evaluation.exports import results_workbook

        return _xlsx(results_workbook(self.get_object()), f"results-{pk}.xlsx")

    @file_answer(XLSX, "The scores the caller may see as an Excel workbook.")
    @action(detail=True, methods=["get"], url_path="scores.xlsx")
    def scores_xlsx(self, request, pk=None):
        from evaluation.exports import scores_workbook

        return _xlsx(scores_workbook(self.get_object(), request.user), f"scores-{pk}.xlsx")


def _xlsx(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# Subjects and their own side -----------------------------------------------------------------
def save_claims(actor: Any, pk: Any, claims: list[Mapping[str, Any]], version: Any = None) -> Subject:
    return services.save_self_assessment(
        actor,
        pk,
        {c["indicator"]: {"points": c.get("points"), "statement": c.get("statement", "")} for c in claims},
        version=version,
    )


def assign_one(actor: Any, pk: Any, assessor: Any, deadline: Any = None) -> Assignment:
    return services.assign_assessor(actor, pk, assessor, deadline)


class SubjectViewSet(GrantedViewSetMixin, JurisdictionReadOnlyViewSet):
    """Subjects of rounds. The round's cadres: `admit`, `decline`, `withdraw`, `reopen`,
    `assign` (an assessor), `certificate`. The subject's own side (its representatives, the
    cadres over its unit) lists its subjects and acts with `self-assessment` (claims),
    `submit-self-assessment` and `appeal`."""

    queryset = Subject.objects.all()
    serializer_class = SubjectSerializer
    filterset_class = SubjectFilterSet
    ordering_fields = ["name", "total", "stars"]
    ordering = ["round", "name", "pk"]
    granted_actions = frozenset({"retrieve", "self_assessment", "submit_self_assessment", "appeal"})

    admit = service_action(services.admit_subject)
    decline = service_action(services.decline_subject, body=ReasonBody)
    withdraw = service_action(services.withdraw_subject, body=ReasonBody)
    reopen = service_action(services.reopen_subject, body=ReasonBody)
    assign = service_action(assign_one, body=AssignBody, url_path="assign")
    certificate = service_action(services.issue_certificate)
    self_assessment = service_action(save_claims, body=SelfAssessmentBody, url_path="self-assessment")
    submit_self_assessment = service_action(
        services.submit_self_assessment, url_path="submit-self-assessment"
    )
    appeal = service_action(services.file_appeal, body=ReasonBody)

    def granted(self, user: Any, right: Action) -> Q | None:
        return owner_q(user, right)

    def optimize(self, queryset):
        return queryset.select_related("round", "owner_unit")

    def reload(self, obj: Any) -> Any:
        return self.get_queryset().filter(pk=obj.pk).first() or obj


class ClaimViewSet(GrantedViewSetMixin, JurisdictionReadOnlyViewSet):
    """Self-assessment claims (`?subject=`); written through `subjects/<id>/self-assessment/`."""

    queryset: Any = Claim.objects.all()
    serializer_class: Any = ClaimSerializer
    filterset_class = ClaimFilterSet
    ordering = ["subject", "indicator__order", "pk"]
    granted_actions = frozenset({"retrieve"})

    def granted(self, user: Any, right: Action) -> Q | None:
        return owner_q(user, right, "subject__")


class EvidenceViewSet(ClaimViewSet):
    """Evidence of the self-assessments (`?subject=`); added on the self-assessment page."""

    queryset = Evidence.objects.all()
    serializer_class = EvidenceSerializer
    filterset_class = EvidenceFilterSet
    ordering = ["subject", "indicator__order", "pk"]

    def optimize(self, queryset):
        return queryset.select_related("content_type")


# Panels and scores -----------------------------------------------------------------------------
def assign_from_body(actor: Any, data: Mapping[str, Any]) -> Assignment:
    return services.assign_assessor(actor, data["subject_id"], data["assessor_id"], data.get("deadline"))


class AssignmentViewSet(GrantedViewSetMixin, JurisdictionViewSet):
    """Assignments: the round's cadres list theirs and POST one (`subject`, `assessor`,
    optional `deadline`), `withdraw` one; an assessor lists their own and acts with
    `submit` and `declare-conflict`."""

    queryset = Assignment.objects.all()
    serializer_class = AssignmentSerializer
    filterset_class = AssignmentFilterSet
    ordering_fields = ["deadline", "assigned_at"]
    ordering = ["deadline", "pk"]
    http_method_names = ["get", "post", "head", "options"]
    create_service = assign_from_body
    granted_actions = frozenset({"retrieve", "submit", "declare_conflict"})

    withdraw = service_action(services.withdraw_assignment, body=ReasonBody)
    submit = service_action(services.submit_scores, right=Action.VIEW)
    declare_conflict = service_action(
        services.declare_conflict, body=ReasonBody, url_path="declare-conflict", right=Action.VIEW
    )

    def granted(self, user: Any, right: Action) -> Q | None:
        return Q(assessor=user) if user.is_authenticated else None

    def optimize(self, queryset):
        return queryset.select_related("subject", "assessor")


def score_from_body(actor: Any, data: Mapping[str, Any]) -> Score:
    return services.save_score(
        actor, data["assignment_id"], data["indicator_id"], data["points"], data.get("comment", "")
    )


class ScoreViewSet(GrantedViewSetMixin, JurisdictionViewSet):
    """Scores. An assessor lists their own (and a panel's once all are in) and POSTs a score
    (`assignment`, `indicator`, `points`, `comment`: saved again if it exists); the round's
    cadres list the scores of submitted assignments."""

    queryset = Score.objects.all()
    serializer_class = ScoreSerializer
    filterset_class = ScoreFilterSet
    ordering = ["assignment", "indicator__order", "pk"]
    http_method_names = ["get", "post", "head", "options"]
    create_service = score_from_body
    granted_actions = frozenset({"retrieve"})

    def granted(self, user: Any, right: Action) -> Q | None:
        return Score.objects.for_assessor(user) if right == Action.VIEW else None

    def reload(self, obj: Any) -> Any:
        return self.get_queryset().filter(pk=obj.pk).first() or obj


class ResultViewSet(JurisdictionReadOnlyViewSet):
    """The panel's aggregate per subject and indicator, with the spread; `moderate` settles a
    flagged one (`note`, optional `value`)."""

    queryset = IndicatorResult.objects.all()
    serializer_class = ResultSerializer
    filterset_class = ResultFilterSet
    ordering = ["subject", "attempt", "indicator__order", "pk"]

    moderate = service_action(services.moderate_result, body=ModerateBody)

    def optimize(self, queryset):
        return queryset.select_related("indicator")


class ObjectionViewSet(JurisdictionReadOnlyViewSet):
    """Objections filed during public notices; `answer` (`upheld`, `answer`) puts the
    answer on record."""

    queryset = Objection.objects.all()
    serializer_class = ObjectionSerializer
    filterset_class = ObjectionFilterSet
    ordering = ["-filed_at", "-pk"]

    answer = service_action(services.answer_objection, body=DecisionBody)


class AppealViewSet(JurisdictionReadOnlyViewSet):
    """Appeals (复核); `decide` (`upheld`, `answer`)."""

    queryset = Appeal.objects.all()
    serializer_class = AppealSerializer
    ordering = ["-filed_at", "-pk"]
    filterset_fields = ["subject", "status"]

    decide = service_action(services.decide_appeal, body=DecisionBody)


class RatingViewSet(JurisdictionReadOnlyViewSet):
    """Final star ratings with their validity and standing (`?standing=current|expired|superseded`)."""

    queryset = Rating.objects.all()
    serializer_class = RatingSerializer
    filterset_class = RatingFilterSet
    ordering_fields = ["valid_from", "valid_until", "stars", "total"]
    ordering = ["-valid_from", "-pk"]

    def optimize(self, queryset):
        return queryset.select_related("subject", "certificate")


class CertificateViewSet(JurisdictionReadOnlyViewSet):
    """Certificates; `pdf/` gives the PDF."""

    queryset = Certificate.objects.all()
    serializer_class = StarCertificateSerializer
    filterset_class = CertificateFilterSet
    ordering = ["-issued_at", "-pk"]

    def optimize(self, queryset):
        return queryset.select_related("rating__subject")

    @file_answer(PDF, "The certificate as a PDF.")
    @action(detail=True, methods=["get"])
    def pdf(self, request, pk=None):
        from evaluation.certificates import certificate_pdf

        certificate = self.get_object()
        response = HttpResponse(
            certificate_pdf(certificate, request.build_absolute_uri("/")), content_type="application/pdf"
        )
        response["Content-Disposition"] = f'inline; filename="certificate-{certificate.code}.pdf"'
        return response


class ExpertViewSet(JurisdictionViewSet):
    """The expert pools; an update sends back its `version`. The ID card number is written,
    never read back (only masked)."""

    queryset = Expert.objects.all()
    serializer_class = ExpertSerializer
    filterset_class = ExpertFilterSet
    ordering = ["unit__path", "pk"]
    http_method_names = NO_DELETE
    create_service = services.add_expert
    update_service = services.update_expert

    def optimize(self, queryset):
        return queryset.select_related("user", "unit")


class ProjectViewSet(JurisdictionViewSet):
    """Youth service projects; an update sends back its `version`."""

    queryset = ServiceProject.objects.all()
    serializer_class = ProjectSerializer
    filterset_class = ProjectFilterSet
    ordering_fields = ["name", "started_on"]
    ordering = ["name", "pk"]
    http_method_names = NO_DELETE
    create_service = services.create_project
    update_service = services.update_project

    def optimize(self, queryset):
        return queryset.select_related("organization")
