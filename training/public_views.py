"""Public pages of the training app, made for a phone first: the list of open camps with
sign-up (a representative enrols their organization's backbone members), the trainee's
personal page reached by the secret link of their messages (QR code, programme, attendance,
an offered seat, the survey, the certificate), and the public verification of a certificate.

Camps open for enrolment are public: title, organiser, dates, place, seats left, audience.
Nothing about the people enrolled ever appears here; the verification page shows a
certificate's name, camp, date and whether it is valid — nothing else.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from hubportal.forms import add_service_errors
from hubportal.http import AuthenticatedHttpRequest

from . import services
from .forms import FeedbackForm, GroupEnrolForm, VerifyForm
from .models import Attendance, Camp, CampSession, Certificate, Enrolment, FeedbackReceipt
from .qr import qr_svg

PAGE_SIZE = 20


def _open_camps():
    return Camp.objects.public().select_related("organizer").with_counts()


def camp_list(request: HttpRequest) -> HttpResponse:
    """Open camps, soonest first (20 a page, three queries)."""
    page = Paginator(_open_camps().order_by("starts_on", "pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request, "training/public_list.html", {"title": _("Qinqinghui training camps"), "page_obj": page}
    )


def camp_detail(request: HttpRequest, pk: int) -> HttpResponse:
    camp = get_object_or_404(_open_camps(), pk=pk)
    return render(
        request,
        "training/public_detail.html",
        {
            "title": camp.title,
            "camp": camp,
            "sessions": CampSession.objects.filter(camp=camp).select_related("trainer"),
            "audience": list(camp.audience.all()) or [camp.organizer],
            "is_representative": request.user.is_authenticated and request.user.is_representative,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def sign_up(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A representative enrols backbone members of their organizations (a group registration)."""
    camp = get_object_or_404(_open_camps(), pk=pk)
    if not request.user.is_representative:
        raise PermissionDenied(
            _("Sign-up here is for representatives of organizations; cadres enrol on the camp's page.")
        )
    form = GroupEnrolForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            enrolments = services.enrol_members(
                request.user, camp.pk, [m.pk for m in form.cleaned_data["members"]]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            waiting = [e for e in enrolments if e.status == Enrolment.Status.WAITING]
            messages.success(
                request,
                _("%(n)d enrolled, %(w)d of them on the waiting list; each person is told by message.")
                % {"n": len(enrolments), "w": len(waiting)},
            )
            return HttpResponseRedirect(reverse("training:my_enrolments"))
    return render(
        request,
        "training/public_signup.html",
        {"title": _("Sign up for %(camp)s") % {"camp": camp.title}, "camp": camp, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
def my_enrolments(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A representative's people in camps, with their status and place in line."""
    rows = (
        Enrolment.objects.filter(organization__representatives=request.user)
        .select_related("trainee", "camp", "organization")
        .with_queue_position()
        .order_by("-camp__starts_on", "trainee__name", "pk")[:500]
    )
    return render(
        request,
        "training/my_enrolments.html",
        {"title": _("My organizations' people in camps"), "rows": rows},
    )


# The trainee's personal page ------------------------------------------------------------------
def _by_token(token: str) -> Enrolment:
    enrolment = (
        Enrolment.objects.select_related("camp__organizer", "trainee", "organization")
        .with_queue_position()
        .filter(access_token=token)
        .first()
    )
    if enrolment is None:
        raise Http404(_("This link is not valid (any more)."))
    return enrolment


def personal(request: HttpRequest, token: str) -> HttpResponse:
    """QR code (shown big on the phone, printable), programme, own attendance, offer, survey
    and certificate."""
    enrolment = _by_token(token)
    sessions = list(CampSession.objects.filter(camp=enrolment.camp).select_related("trainer"))
    present = set(Attendance.objects.filter(enrolment=enrolment).values_list("session_id", flat=True))
    certificate = Certificate.objects.filter(enrolment=enrolment).first()
    return render(
        request,
        "training/personal.html",
        {
            "title": enrolment.camp.title,
            "enrolment": enrolment,
            "camp": enrolment.camp,
            "sessions": [(s, s.pk in present) for s in sessions],
            "qr": qr_svg(enrolment.qr_payload) if enrolment.status in Enrolment.CHECKS_IN else "",
            "certificate": certificate,
            "survey_done": FeedbackReceipt.objects.filter(enrolment=enrolment).exists(),
            "survey_open": enrolment.camp.status in (Camp.Status.RUNNING, Camp.Status.FINISHED)
            and enrolment.status in Enrolment.CHECKS_IN,
            "token": token,
        },
    )


@require_POST
def personal_step(request: HttpRequest, token: str, step: str) -> HttpResponse:
    """The trainee answers an offered seat, or gives up theirs, with their secret link."""
    enrolment = _by_token(token)
    steps: dict[str, Any] = {
        "accept": (services.accept_offer, _("The seat is yours; your QR code is below.")),
        "decline": (services.decline_offer, _("The offer is declined; the seat passes on.")),
        "cancel": (services.cancel_enrolment, _("Your enrolment is cancelled.")),
    }
    if step not in steps:
        raise Http404
    service_function, done = steps[step]
    try:
        service_function(None, enrolment.pk, token=token)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, done)
    return HttpResponseRedirect(reverse("training:personal", args=[token]))


def personal_qr(request: HttpRequest, token: str) -> HttpResponse:
    enrolment = _by_token(token)
    if enrolment.status not in Enrolment.CHECKS_IN:
        raise Http404(_("The QR code comes with the confirmation of the seat."))
    return HttpResponse(qr_svg(enrolment.qr_payload), content_type="image/svg+xml")


@require_http_methods(["GET", "POST"])
def personal_feedback(request: HttpRequest, token: str) -> HttpResponse:
    enrolment = _by_token(token)
    sessions = list(CampSession.objects.filter(camp=enrolment.camp).select_related("trainer"))
    form = FeedbackForm(request.POST or None, sessions=sessions)
    if request.method == "POST" and form.is_valid():
        try:
            services.submit_feedback(
                None,
                enrolment.pk,
                token=token,
                ratings=form.ratings(),
                overall=form.cleaned_data["overall"],
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Thank you! Your answers are anonymous to the organiser."))
            return HttpResponseRedirect(reverse("training:personal", args=[token]))
    return render(
        request,
        "training/personal_feedback.html",
        {
            "title": _("Survey: %(camp)s") % {"camp": enrolment.camp.title},
            "enrolment": enrolment,
            "form": form,
            "token": token,
        },
        status=400 if form.errors else 200,
    )


def personal_certificate(request: HttpRequest, token: str) -> FileResponse:
    enrolment = _by_token(token)
    certificate = Certificate.objects.filter(enrolment=enrolment, revoked_at=None).exclude(file="").first()
    if certificate is None:
        raise Http404(_("No certificate yet."))
    return FileResponse(
        certificate.file.open("rb"),
        filename=f"certificate-{certificate.code}.pdf",
        content_type="application/pdf",
    )


# Verification ----------------------------------------------------------------------------------
def verify(request: HttpRequest, code: str = "") -> HttpResponse:
    """A certificate's name, camp, date and validity — nothing else."""
    form = VerifyForm(request.GET or None)
    if not code and form.is_bound and form.is_valid():
        return HttpResponseRedirect(
            reverse("training:verify", args=[form.cleaned_data["code"].strip().upper()])
        )
    certificate = None
    if code:
        certificate = (
            Certificate.objects.select_related("enrolment__trainee", "enrolment__camp")
            .filter(code=code.strip().upper())
            .first()
        )
    return render(
        request,
        "training/verify.html",
        {"title": _("Verify a training certificate"), "form": form, "code": code, "certificate": certificate},
        status=404 if code and certificate is None else 200,
    )
