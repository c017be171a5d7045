"""The training API: camps, sessions (with check-in), trainers, quotas, enrolments,
attendance, certificates and people.

Rows come through `visible_to()` and `get_for()` (the shared viewsets: 404 outside the
jurisdiction, 403 when only viewable), the FilterSets are the pages' own, and every write is
one service of `training.services`, so a bad body gets the same messages the pages show
(translated into an answer by `hubportal.drf.exception_handler`), and nothing is half-applied.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from hubportal.api import JurisdictionReadOnlyViewSet, JurisdictionViewSet, service_action
from hubportal.jurisdiction import Action
from training import services
from training.filters import (
    AttendanceFilterSet,
    CampFilterSet,
    CertificateFilterSet,
    EnrolmentFilterSet,
    SessionFilterSet,
    TraineeFilterSet,
    TrainerFilterSet,
)
from training.models import Attendance, Camp, CampSession, Certificate, Enrolment, SeatQuota, Trainee, Trainer

from .serializers import (
    AttendanceAnswer,
    AttendanceBody,
    AttendanceSerializer,
    CampSerializer,
    CertificateSerializer,
    CheckInAnswer,
    CheckInBody,
    EnrolmentSerializer,
    QuotaBody,
    QuotaSerializer,
    ReasonBody,
    SessionSerializer,
    TraineeSerializer,
    TrainerSerializer,
)

NO_DELETE = ["get", "post", "put", "patch", "head", "options"]


def session_from_body(actor: Any, data: Mapping[str, Any]) -> CampSession:
    values = {k: v for k, v in data.items() if k not in ("camp_id", "trainer_id")}
    values["trainer"] = data.get("trainer_id")
    return services.create_session(actor, data["camp_id"], values)


def session_update_from_body(
    actor: Any, pk: Any, data: Mapping[str, Any], version: Any = None
) -> CampSession:
    values = {k: v for k, v in data.items() if k not in ("camp_id", "trainer_id")}
    if "trainer_id" in data:
        values["trainer"] = data.get("trainer_id")
    return services.update_session(actor, pk, values, version=version)


def enrol_from_body(actor: Any, data: Mapping[str, Any]) -> Enrolment:
    if data.get("member") is not None:
        return services.enrol_member(actor, data["camp_id"], data["member"])
    person = {k: data.get(k) for k in ("name", "id_number", "phone", "gender")}
    person["unit"] = data.get("person_unit")
    return services.enrol_person(actor, data["camp_id"], person)


def set_quotas_from_body(actor: Any, pk: Any, allocations: Mapping[str, int], quota: Any = None) -> Camp:
    services.set_quotas(actor, pk, dict(allocations), parent=quota)
    return Camp.objects.get(pk=pk)


class CampViewSet(JurisdictionViewSet):
    """Training camps. Steps: `open`, `start`, `finish` (judges completion), `cancel` (reason),
    `confirm-all`, `quotas` (split the seats), `certificates` (a background job)."""

    queryset = Camp.objects.all()
    serializer_class = CampSerializer
    filterset_class = CampFilterSet
    ordering_fields = ["starts_on", "title", "seats_taken"]
    ordering = ["-starts_on", "-pk"]
    http_method_names = NO_DELETE
    create_service = services.create_camp
    update_service = services.update_camp

    open_camp = service_action(services.open_camp, url_path="open")
    start_camp = service_action(services.start_camp, url_path="start")
    finish_camp = service_action(services.finish_camp, url_path="finish")
    cancel_camp = service_action(services.cancel_camp, body=ReasonBody, url_path="cancel")
    confirm_all = service_action(services.confirm_enrolments, url_path="confirm-all")
    quotas = service_action(set_quotas_from_body, body=QuotaBody, url_path="quotas")

    def optimize(self, queryset):
        return queryset.select_related("organizer").prefetch_related("audience").with_counts()

    @extend_schema(request=None, responses={202: None})
    @action(detail=True, methods=["post"], url_path="certificates")
    def certificates(self, request: Request, pk: Any = None) -> Response:
        """Start generating the certificates of a finished camp; answers the job to poll."""
        camp = self.get_object()
        job = services.issue_certificates(
            request.user, camp.pk, base_url=request.build_absolute_uri("/").rstrip("/")
        )
        return Response(
            {"job": job.pk, "status": job.status, "progress": f"/jobs/{job.pk}/"},
            status=status.HTTP_202_ACCEPTED,
        )


class SessionViewSet(JurisdictionViewSet):
    """Sessions of camps. `check-in/` (a code scanned or typed; answers `ok` or `already`, a
    refused code is a 400 with its reason) and `attendance/` (the ticked list)."""

    queryset = CampSession.objects.all()
    serializer_class = SessionSerializer
    filterset_class = SessionFilterSet
    ordering_fields = ["starts_at"]
    ordering = ["starts_at", "pk"]
    create_service = session_from_body
    update_service = session_update_from_body
    destroy_service = services.delete_session
    object_rights = {"check_in": Action.CHANGE, "attendance": Action.CHANGE}

    def optimize(self, queryset):
        return queryset.select_related("trainer").with_attendance()

    @extend_schema(request=CheckInBody, responses=CheckInAnswer)
    @action(detail=True, methods=["post"], url_path="check-in")
    def check_in(self, request: Request, pk: Any = None) -> Response:
        body = CheckInBody(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        result = services.check_in(
            request.user,
            pk,
            data["code"],
            scanned_at=data.get("scanned_at"),
            method=data.get("method") or Attendance.Method.QR,
            client_id=data.get("client_id") or "",
        )
        return Response(result.as_dict())

    @extend_schema(request=AttendanceBody, responses=AttendanceAnswer)
    @action(detail=True, methods=["post"], url_path="attendance")
    def attendance(self, request: Request, pk: Any = None) -> Response:
        session = self.get_object()
        body = AttendanceBody(data=request.data)
        body.is_valid(raise_exception=True)
        return Response(services.record_attendance(request.user, session.pk, body.validated_data["present"]))


class TrainerViewSet(JurisdictionViewSet):
    """The trainer pool (社会工作师资库); an update sends back the `version` it read."""

    queryset = Trainer.objects.all()
    serializer_class = TrainerSerializer
    filterset_class = TrainerFilterSet
    ordering_fields = ["name", "rating"]
    ordering = ["name", "pk"]
    http_method_names = NO_DELETE
    create_service = services.create_trainer
    update_service = services.update_trainer

    def optimize(self, queryset):
        return queryset.with_rating()


class QuotaViewSet(JurisdictionReadOnlyViewSet):
    """Seat quotas; set them with `POST camps/<id>/quotas/`."""

    queryset = SeatQuota.objects.all()
    serializer_class = QuotaSerializer
    ordering = ["camp", "unit__path"]

    def optimize(self, queryset):
        return queryset.select_related("unit")


class EnrolmentViewSet(JurisdictionViewSet):
    """Enrolments. POST enrols (a backbone `member`, or a person typed in); steps: `confirm`,
    `cancel` (reason), `accept` and `decline` (an offered seat), `certificate`."""

    queryset = Enrolment.objects.all()
    serializer_class = EnrolmentSerializer
    filterset_class = EnrolmentFilterSet
    ordering_fields = ["created_at", "queued_at", "status"]
    ordering = ["-created_at", "pk"]
    http_method_names = ["get", "post", "head", "options"]
    create_service = enrol_from_body
    object_rights = {"confirm": Action.VIEW, "certificate": Action.VIEW}

    confirm = service_action(services.confirm_enrolment, url_path="confirm")
    cancel = service_action(services.cancel_enrolment, body=ReasonBody, url_path="cancel")
    accept = service_action(services.accept_offer, url_path="accept")
    decline = service_action(services.decline_offer, url_path="decline")
    certificate = service_action(services.issue_certificate, url_path="certificate")

    def optimize(self, queryset):
        return (
            queryset.select_related("camp", "trainee", "organization").with_queue_position().with_attended()
        )

    def reload(self, obj: Any) -> Any:
        # A representative enrolling their member may not see the enrolment in a list.
        return self.get_queryset().filter(pk=obj.pk).first() or obj


class AttendanceViewSet(JurisdictionReadOnlyViewSet):
    queryset = Attendance.objects.all()
    serializer_class = AttendanceSerializer
    filterset_class = AttendanceFilterSet
    ordering = ["session", "checked_in_at", "pk"]

    def optimize(self, queryset):
        return queryset.select_related("enrolment__trainee", "session")


class CertificateViewSet(JurisdictionReadOnlyViewSet):
    queryset = Certificate.objects.all()
    serializer_class = CertificateSerializer
    filterset_class = CertificateFilterSet
    ordering = ["-issued_on", "-pk"]

    revoke = service_action(services.revoke_certificate, body=ReasonBody, url_path="revoke")

    def optimize(self, queryset):
        return queryset.select_related("enrolment__trainee")


class TraineeViewSet(JurisdictionReadOnlyViewSet):
    queryset = Trainee.objects.all()
    serializer_class = TraineeSerializer
    filterset_class = TraineeFilterSet
    ordering = ["name", "pk"]
