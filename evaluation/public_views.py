"""Public pages of the star ratings: the notices (公示) of results, the objection form and
the verification of certificates. Public fields only: a subject's name, owning unit,
total, stars and notice dates, and the answers given to objections (never an objector's
name or contact, nor an assessor or a score).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, F, Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from hubportal.forms import add_service_errors
from hubportal.ratelimit import client_address, hit_rate_limit

from . import services
from .forms import ObjectionForm, VerifyForm
from .models import Certificate, Objection, Round, Subject

OBJECTIONS_PER_HOUR = 5
PUBLIC_RESULTS = (Subject.Result.IN_NOTICE, Subject.Result.FINAL)


def notice_list(request: HttpRequest) -> HttpResponse:
    """Rounds with results on public notice now, and those published in the last year."""
    today = timezone.localdate()
    rounds = (
        Round.objects.filter(subjects__result__in=PUBLIC_RESULTS, subjects__status="entered")
        .annotate(
            in_notice=Count(
                "subjects",
                filter=Q(subjects__result="in_notice", subjects__notice_until__gte=today),
                distinct=True,
            ),
            published=Count("subjects", filter=Q(subjects__result__in=PUBLIC_RESULTS), distinct=True),
        )
        .select_related("unit")
        .order_by("-in_notice", "-year", "name", "pk")
    )
    return render(
        request, "evaluation/public/notice_list.html", {"title": _("Star-rating notices"), "rounds": rounds}
    )


def notice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One round's public notice, whatever its length in four queries: the round, its
    published subjects with their objections counted, and the answers on record."""
    round_obj = get_object_or_404(Round.objects.select_related("unit", "system"), pk=pk)
    today = timezone.localdate()
    subjects = list(
        Subject.objects.filter(round=round_obj, status="entered", result__in=PUBLIC_RESULTS)
        .select_related("owner_unit", "round__system")
        .annotate(
            objections_count=Count("objections", filter=Q(objections__attempt=F("attempt")), distinct=True)
        )
        .order_by("-total", "name", "pk")
    )
    answered = list(
        Objection.objects.filter(subject__round=round_obj)
        .exclude(status=Objection.Status.OPEN)
        .select_related("subject")
        .only("subject__name", "status", "reason", "answer", "answered_at", "filed_at")
        .order_by("-answered_at")[:100]
    )
    for subject in subjects:
        subject.objectable = (  # type: ignore[attr-defined]  # read by the template
            subject.result == Subject.Result.IN_NOTICE
            and subject.notice_from is not None
            and subject.notice_until is not None
            and subject.notice_from <= today <= subject.notice_until
        )
    return render(
        request,
        "evaluation/public/notice_detail.html",
        {
            "title": _("Public notice: %(round)s") % {"round": round_obj.name},
            "round": round_obj,
            "subjects": subjects,
            "answered": answered,
            "today": today,
        },
    )


def objection_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Anyone files an objection to a result on notice: contact, reason, an optional file;
    at most five an hour from one address."""
    subject = get_object_or_404(
        Subject.objects.select_related("round__unit", "owner_unit"),
        pk=pk,
        status="entered",
        result__in=PUBLIC_RESULTS,
    )
    form = ObjectionForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if hit_rate_limit("objection", client_address(request), OBJECTIONS_PER_HOUR):
            form.is_valid()
            form.add_error(
                None,
                _(
                    "Too many objections were sent from your network in the last hour (at most %(n)d). Please try again later."
                )
                % {"n": OBJECTIONS_PER_HOUR},
            )
            status = 429
        elif form.is_valid():
            data = form.cleaned_data
            try:
                services.file_objection(
                    request.user if request.user.is_authenticated else None,
                    subject.pk,
                    contact=data["contact"],
                    reason=data["reason"],
                    name=data.get("name", ""),
                    file=data.get("file"),
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request,
                    _(
                        "Your objection is recorded. The round's cadres will answer it; the answer goes to %(contact)s."
                    )
                    % {"contact": data["contact"]},
                )
                return HttpResponseRedirect(reverse("evaluation:notice_detail", args=[subject.round_id]))
        if status == 200:
            status = 400
    return render(
        request,
        "evaluation/public/objection_form.html",
        {
            "title": _("Objection to the result of %(name)s") % {"name": subject.name},
            "subject": subject,
            "form": form,
        },
        status=status,
    )


def verify(request: HttpRequest, code: str = "") -> HttpResponse:
    """Check a certificate by its verification code: whose, which stars, valid until when,
    and whether it still stands (valid, expired, or revoked by a re-rating)."""
    form = VerifyForm(request.GET or ({"code": code} if code else None))
    certificate = None
    searched = False
    if form.is_bound and form.is_valid():
        searched = True
        certificate = (
            Certificate.objects.select_related("rating__subject__owner_unit", "rating__round__unit")
            .filter(code=form.cleaned_data["code"])
            .first()
        )
    return render(
        request,
        "evaluation/public/verify.html",
        {
            "title": _("Verify a star-rating certificate"),
            "form": form,
            "certificate": certificate,
            "searched": searched,
            "today": timezone.localdate(),
        },
        status=404 if searched and certificate is None else 200,
    )
