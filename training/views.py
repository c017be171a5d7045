"""Cadre pages of the training app: camps and their calendar, sessions with the phone
check-in and the attendance list, trainers, quotas, enrolments and the waiting list,
people, certificates, feedback and the compliance board.

Thin views: rows come through `visible_to()` and `get_for()` (the generic bases: 404
outside the jurisdiction, 403 when only viewable), every change through one service of
`training.services`, whose refusal is shown on the form it came from.
"""

from __future__ import annotations

import calendar
import datetime
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.db.models import Avg, Count, Q
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.decorators.http import require_POST

from hubportal.access import get_for, may
from hubportal.exports import xlsx_response
from hubportal.forms import add_service_errors
from hubportal.generic import (
    Column,
    ObjectDeleteView,
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
    ServiceActionView,
)
from hubportal.http import AuthenticatedHttpRequest
from hubportal.jurisdiction import Action
from hubportal.models import Job
from orgs.models import LeagueUnit, Organization

from . import compliance, services
from .exports import compliance_xlsx, sign_in_sheet
from .filters import (
    AttendanceFilterSet,
    CampFilterSet,
    CertificateFilterSet,
    EnrolmentFilterSet,
    SessionFilterSet,
    TraineeFilterSet,
    TrainerFilterSet,
)
from .forms import (
    CadreEnrolForm,
    CampForm,
    CheckInForm,
    FollowUpForm,
    PeriodForm,
    QuotaForm,
    ReasonForm,
    RequiredReasonForm,
    SessionForm,
    SheetUploadForm,
    TrainerForm,
)
from .models import (
    Attendance,
    Camp,
    CampSession,
    Certificate,
    Enrolment,
    Feedback,
    SeatQuota,
    Trainee,
    Trainer,
)

CAMP_STEPS: dict[str, tuple[Any, Any, tuple[str, ...]]] = {
    # slug: (label, service, statuses where it applies)
    "open": (gettext_lazy("Open for enrolment"), services.open_camp, (Camp.Status.PLANNED,)),
    "start": (gettext_lazy("Start the camp"), services.start_camp, (Camp.Status.OPEN,)),
    "finish": (
        gettext_lazy("Finish: judge completion"),
        services.finish_camp,
        (Camp.Status.OPEN, Camp.Status.RUNNING),
    ),
}


# Camps --------------------------------------------------------------------------------------
class CampListView(ObjectListView):
    model = Camp
    filterset_class = CampFilterSet
    title = gettext_lazy("Training camps")
    default_ordering = "-starts_on"
    create_url_name = "training:camp_create"
    extra_actions = [(gettext_lazy("Calendar"), "training:calendar")]
    columns = [
        Column(gettext_lazy("Title"), "title", link=True, order_by="title"),
        Column(gettext_lazy("Organiser"), "organizer.name", order_by="organizer__path"),
        Column(gettext_lazy("Level"), "level", order_by="level"),
        Column(gettext_lazy("Dates"), "dates_label", order_by="starts_on"),
        Column(gettext_lazy("Status"), "status", order_by="status"),
        Column(gettext_lazy("Seats taken"), "seats_label", order_by="seats_taken"),
        Column(gettext_lazy("Waiting"), "waiting", order_by="waiting"),
    ]

    def optimize(self, queryset):
        return queryset.select_related("organizer").with_counts()


def _latest_certificate_job(request: AuthenticatedHttpRequest, camp: Camp) -> Job | None:
    job_id = request.GET.get("job")
    if not job_id or not str(job_id).isdigit():
        return None
    return Job.objects.filter(pk=int(job_id), kind="training.certificates", user=request.user).first()


class CampDetailView(ObjectDetailView):
    """A camp: facts, its state's next steps, the programme, seats and quotas, the people by
    status with the waiting list in order, certificates and feedback."""

    model = Camp
    template_name = "training/camp_detail.html"
    edit_url_name = "training:camp_edit"

    def optimize(self, queryset):
        return queryset.select_related("organizer", "series_unit").with_counts()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        camp = self.object
        by_status = services.camp_attendance_summary(camp)
        sessions = list(
            CampSession.objects.filter(camp=camp).select_related("trainer").with_attendance().with_rating()
        )
        waiting = list(
            Enrolment.objects.filter(
                camp=camp, status__in=[Enrolment.Status.WAITING, Enrolment.Status.OFFERED]
            )
            .select_related("trainee", "organization", "unit")
            .with_queue_position()
            .order_by("status", "queued_at", "pk")
        )
        seats = services.seats_of(camp)
        context.update(
            by_status=[(label, by_status.get(value, 0), value) for value, label in Enrolment.Status.choices],
            sessions=sessions,
            waiting=waiting,
            seats=seats,
            quotas=[(q, seats.own_free(q)) for q in sorted(seats.quotas.values(), key=lambda q: q.unit.path)],
            steps=[
                (slug, label) for slug, (label, _s, statuses) in CAMP_STEPS.items() if camp.status in statuses
            ],
            can_cancel=camp.status in (Camp.Status.PLANNED, Camp.Status.OPEN, Camp.Status.RUNNING),
            audience=list(camp.audience.all()),
            certificates=Certificate.objects.filter(enrolment__camp=camp).count(),
            job=_latest_certificate_job(cast(AuthenticatedHttpRequest, self.request), camp),
        )
        return context


class CampEditView(ObjectEditView):
    model = Camp
    form_class: Any = CampForm  # Any: django-stubs types form_class as a django ModelForm
    success_message = gettext_lazy("The camp is saved.")
    create_service = services.create_camp
    update_service = services.update_camp


class CampStepView(ServiceActionView):
    """A step of a camp's life (open, start, finish): a button on the camp's page."""

    model = Camp
    form_class = None

    def perform(self, form: Any) -> Any:
        step = CAMP_STEPS.get(self.kwargs["step"])
        if step is None:
            raise Http404
        result = step[1](self.request.user, self.object.pk)
        messages.success(self.request, _("Done: %(action)s.") % {"action": step[0]})
        return result


class CampCancelView(ServiceActionView):
    model = Camp
    form_class = RequiredReasonForm
    service = services.cancel_camp
    title = gettext_lazy("Cancel %(object)s")
    submit_label = gettext_lazy("Cancel the camp")
    success_message = gettext_lazy("The camp is cancelled; everyone enrolled is told.")


class ConfirmAllView(ServiceActionView):
    model = Camp
    service = services.confirm_enrolments

    def perform(self, form: Any) -> Any:
        count = services.confirm_enrolments(self.request.user, self.object.pk)
        messages.success(self.request, _("%(n)d enrolments confirmed.") % {"n": count})
        return count


class IssueCertificatesView(ServiceActionView):
    model = Camp
    service = services.issue_certificates

    def perform(self, form: Any) -> Any:
        base = self.request.build_absolute_uri("/").rstrip("/")
        return services.issue_certificates(self.request.user, self.object.pk, base_url=base)

    def get_success_url(self, result: Any) -> str:
        return f"{self.object.get_absolute_url()}?job={result.pk}#certificates"


class FollowUpView(ServiceActionView):
    """A message to the people of a camp by attendance status (no-shows, not completed …)."""

    model = Camp
    form_class = FollowUpForm
    title = gettext_lazy("Message the trainees of %(object)s")
    submit_label = gettext_lazy("Send")

    def get_form(self, data=None, files=None) -> Any:
        form = super().get_form(data, files)
        if data is None:
            form.initial = {
                "statuses": [Enrolment.Status.NO_SHOW],
                "subject": _("After the training camp %(camp)s") % {"camp": self.object.title},
                "body": _(
                    "{name}, we missed you at the training camp %(camp)s. Tell us what kept you away and "
                    "enrol in the next camp: {link}"
                )
                % {"camp": self.object.title},
            }
        return form

    def perform(self, form: Any) -> Any:
        data = form.cleaned_data
        count = services.message_trainees(
            self.request.user, self.object.pk, data["statuses"], data["subject"], data["body"]
        )
        messages.success(self.request, _("%(n)d messages queued.") % {"n": count})
        return count


class QuotaView(LoginRequiredMixin, View):
    """The seats of a camp by quota: the organiser splits the camp's seats among the units
    below it; the cadres of a quota's unit split it among theirs (`?parent=<quota>`)."""

    def context(
        self, request: AuthenticatedHttpRequest, pk: int, form: QuotaForm | None = None
    ) -> dict[str, Any]:
        # A camp's organisers see it; so do the cadres of a unit with a quota in it.
        quota_holder = Q(pk__in=SeatQuota.objects.visible_to(request.user).values("camp"))
        camp = get_for(
            request.user, Camp.objects.select_related("organizer"), pk, Action.VIEW, also=quota_holder
        )
        seats = services.seats_of(camp)
        parent = None
        if request.GET.get("parent") or request.POST.get("parent"):
            parent = get_for(
                request.user,
                SeatQuota.objects.filter(camp=camp).select_related("unit"),
                request.GET.get("parent") or request.POST.get("parent"),
                Action.CHANGE,
            )
            within = parent.unit
        else:
            within = camp.organizer
        children = list(
            LeagueUnit.objects.filter(parent=within, is_active=True).exclude(level="town").order_by("path")
            if within.level != LeagueUnit.Level.COUNTY
            else LeagueUnit.objects.filter(parent=within, is_active=True).order_by("path")
        )
        current = {
            q.unit_id: q.seats
            for q in seats.quotas.values()
            if q.parent_id == (parent.pk if parent else None)
        }
        can_split = (
            may(request.user, parent, Action.CHANGE) if parent else may(request.user, camp, Action.CHANGE)
        )
        if form is None:
            form = QuotaForm(units=children, current=current, user=request.user)
        rows = [
            {
                "quota": q,
                "held": seats.held.get(q.pk, 0),
                "split": seats.children_seats.get(q.pk, 0),
                "free": seats.own_free(q),
                "may_split": may(request.user, q, Action.CHANGE),
            }
            for q in sorted(seats.quotas.values(), key=lambda q: q.unit.path)
        ]
        return {
            "title": _("Seat quotas of %(camp)s") % {"camp": camp.title},
            "camp": camp,
            "object": camp,
            "seats": seats,
            "rows": rows,
            "parent": parent,
            "within": within,
            "form": form,
            "can_split": can_split,
            "pool_free": seats.pool_free(),
        }

    def get(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        return render(request, "training/quotas.html", self.context(request, pk))

    def post(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        context = self.context(request, pk)
        form = QuotaForm(request.POST, units=context["form"].units, current={}, user=request.user)
        if form.is_valid():
            try:
                services.set_quotas(
                    request.user,
                    pk,
                    form.allocations(),
                    parent=context["parent"].pk if context["parent"] else None,
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The quotas are saved."))
                query = f"?parent={context['parent'].pk}" if context["parent"] else ""
                return HttpResponseRedirect(reverse("training:camp_quotas", args=[pk]) + query)
        return render(request, "training/quotas.html", self.context(request, pk, form), status=400)


class CadreEnrolView(LoginRequiredMixin, View):
    """A cadre enrols a backbone member (by ID or phone) or anyone typed in."""

    def render(
        self, request: AuthenticatedHttpRequest, camp: Camp, form: CadreEnrolForm, status: int = 200
    ) -> HttpResponse:
        return render(
            request,
            "training/enrol_form.html",
            {
                "form": form,
                "camp": camp,
                "object": camp,
                "title": _("Enrol in %(camp)s") % {"camp": camp.title},
            },
            status=status,
        )

    def get(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        camp = get_for(request.user, Camp, pk, Action.VIEW)
        return self.render(request, camp, CadreEnrolForm(user=request.user))

    def post(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        camp = get_for(request.user, Camp, pk, Action.VIEW)
        form = CadreEnrolForm(request.POST, user=request.user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                if data.get("member") is not None:
                    enrolment = services.enrol_member(request.user, camp.pk, data["member"].pk)
                else:
                    enrolment = services.enrol_person(
                        request.user, camp.pk, {**data, "unit": data["unit"].pk if data.get("unit") else None}
                    )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                if enrolment.status == Enrolment.Status.WAITING:
                    messages.warning(
                        request,
                        _("The camp is full: %(name)s waits in line.") % {"name": enrolment.trainee.name},
                    )
                else:
                    messages.success(request, _("%(name)s is enrolled.") % {"name": enrolment.trainee.name})
                return HttpResponseRedirect(camp.get_absolute_url())
        return self.render(request, camp, form, status=400)


class CampFeedbackView(ObjectDetailView):
    """The survey's averages per session and trainer, and the comments (anonymous)."""

    model = Camp
    template_name = "training/camp_feedback.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        camp = self.object
        context.update(
            title=_("Feedback on %(camp)s") % {"camp": camp.title},
            sessions=CampSession.objects.filter(camp=camp).select_related("trainer").with_rating(),
            overall=Feedback.objects.filter(camp=camp, session=None).aggregate(
                avg=Avg("rating"), n=Count("pk")
            ),
            comments=list(
                Feedback.objects.filter(camp=camp, session=None)
                .exclude(comment="")
                .order_by("id")
                .values_list("comment", flat=True)
            ),
            answered=Enrolment.objects.filter(camp=camp, feedback_receipt__isnull=False).count(),
        )
        return context


@login_required
def calendar_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The month's camps in the cadre's jurisdiction, as a calendar (one query)."""
    today = timezone.localdate()
    try:
        year, month = (int(x) for x in request.GET.get("month", f"{today:%Y-%m}").split("-"))
        first = datetime.date(year, month, 1)
    except ValueError:
        first = today.replace(day=1)
    last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    camps = list(
        Camp.objects.visible_to(request.user)
        .filter(starts_on__lte=last, ends_on__gte=first)
        .exclude(status=Camp.Status.CANCELLED)
        .select_related("organizer")
        .order_by("starts_on", "pk")
    )
    weeks = []
    for week in calendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month):
        weeks.append(
            [
                (day, day.month == first.month, [c for c in camps if c.starts_on <= day <= c.ends_on])
                for day in week
            ]
        )
    previous = (first - datetime.timedelta(days=1)).replace(day=1)
    following = last + datetime.timedelta(days=1)
    return render(
        request,
        "training/calendar.html",
        {
            "title": _("Camp calendar"),
            "month": first,
            "weeks": weeks,
            "camps": camps,
            "previous": f"{previous:%Y-%m}",
            "following": f"{following:%Y-%m}",
            "today": today,
            "weekdays": [_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun")],
        },
    )


@login_required
def compliance_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The plan's board: camps held per quarter and people trained per unit, against the plan."""
    form, board = _compliance_board(request)
    return render(
        request,
        "training/compliance.html",
        {
            "title": _("Training compliance board"),
            "form": form,
            "board": board,
            "summary": compliance.summary(board),
            "plan": {
                "province_camps": compliance.PROVINCE_CAMPS,
                "province_people": compliance.PROVINCE_PEOPLE,
                "targets": compliance.PEOPLE_TARGETS,
            },
        },
    )


@login_required
def compliance_export(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    """The board of the page's year, quarter and unit as Excel."""
    _form, board = _compliance_board(request)
    return xlsx_response(compliance_xlsx(board), "training-compliance")


def _compliance_board(request: AuthenticatedHttpRequest) -> tuple[PeriodForm, compliance.Board]:
    """The form and the board of the request's year, quarter and unit (the page and its export)."""
    today = timezone.localdate()
    initial = {"year": today.year, "quarter": str(compliance.quarter_of(today))}
    form = PeriodForm(request.GET or None, user=request.user, initial=initial)
    year, quarter, unit = today.year, compliance.quarter_of(today), None
    if form.is_bound and form.is_valid():
        year, quarter, unit = (
            form.cleaned_data["year"],
            form.cleaned_data["quarter"],
            form.cleaned_data.get("unit"),
        )
    root = unit or request.user.primary_unit
    if root is None:
        raise Http404(_("The compliance board is for cadres."))
    return form, compliance.build_board(root, year, quarter, today)


# Sessions -----------------------------------------------------------------------------------
class SessionListView(ObjectListView):
    model = CampSession
    filterset_class = SessionFilterSet
    title = gettext_lazy("Sessions")
    default_ordering = "starts_at"
    columns = [
        Column(gettext_lazy("Session"), "title", link=True, order_by="title"),
        Column(gettext_lazy("Camp"), "camp.title", order_by="camp__title"),
        Column(gettext_lazy("Time"), "time_label", order_by="starts_at"),
        Column(gettext_lazy("Trainer"), "trainer.name", order_by="trainer__name"),
        Column(gettext_lazy("Present"), "present", order_by="present"),
    ]

    def optimize(self, queryset):
        return queryset.select_related("camp", "trainer").with_attendance()


class SessionDetailView(ObjectDetailView):
    model = CampSession
    template_name = "training/session_detail.html"
    edit_url_name = "training:session_edit"
    delete_url_name = "training:session_delete"

    def optimize(self, queryset):
        return queryset.select_related("camp", "trainer").with_attendance()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["attendances"] = (
            Attendance.objects.filter(session=self.object)
            .select_related("enrolment__trainee", "enrolment__organization", "recorded_by")
            .order_by("checked_in_at", "pk")
        )
        return context


class SessionEditView(ObjectEditView):
    model = CampSession
    form_class: Any = SessionForm
    success_message = gettext_lazy("The session is saved.")
    update_service = services.update_session

    def save_form(self, form):
        data = self.service_data(form)
        data["trainer"] = data["trainer"].pk if data.get("trainer") else None
        if self.object is None:
            assert self.camp is not None  # dispatch read it for a new session  # noqa: S101 - narrows the type
            return services.create_session(self.actor, self.camp.pk, data)
        return services.update_session(
            self.actor, self.object.pk, data, version=form.cleaned_data.get("version")
        )

    def dispatch(self, request, *args, **kwargs):
        self.camp = None
        if "pk" not in kwargs and request.user.is_authenticated:
            self.camp = get_for(
                request.user, Camp, request.GET.get("camp") or request.POST.get("camp"), Action.CHANGE
            )
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        initial = super().get_initial()
        if self.camp is not None:
            start = datetime.datetime.combine(self.camp.starts_on, datetime.time(9, 0))
            initial.update(starts_at=start, ends_at=start + datetime.timedelta(hours=3))
        return initial

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if self.camp is not None:
            context["title"] = _("New session of %(camp)s") % {"camp": self.camp.title}
        return context


class SessionDeleteView(ObjectDeleteView):
    model = CampSession
    delete_service = services.delete_session

    def get_success_url(self):
        return self.object.camp.get_absolute_url()


class CheckInView(LoginRequiredMixin, View):
    """The phone check-in page of a session: the camera scans the trainee's QR code (the
    pinned @zxing/browser, served locally) or the cadre types the code; scans made offline
    are kept in the browser and sent when it is back. Without JavaScript the typed code is
    a plain form."""

    def page(
        self,
        request: AuthenticatedHttpRequest,
        session: CampSession,
        form: CheckInForm,
        result: Any = None,
        status: int = 200,
    ) -> HttpResponse:
        return render(
            request,
            "training/checkin.html",
            {
                "title": _("Check-in: %(session)s") % {"session": session.title},
                "session": session,
                "object": session,
                "form": form,
                "result": result,
                "present": Attendance.objects.filter(session=session).count(),
                "expected": Enrolment.objects.filter(
                    camp=session.camp, status__in=Enrolment.CHECKS_IN
                ).count(),
                "api_url": reverse("api-training-session-check-in", args=[session.pk]),
                "texts": {
                    "waiting": _("%(n)s scans kept on this phone, sent when it is back online."),
                    "offline": _(
                        "This phone is offline: scans are kept on it and sent when it is back online."
                    ),
                    "sent_later": _("(scanned at %(time)s, sent later)"),
                    "refused": _("Refused."),
                    "refused_code": _("%(code)s refused: %(reason)s"),
                    "kept": _("%(code)s kept on this phone, to be sent when it is back online."),
                    "no_camera": _("The camera cannot be opened here: type the code instead."),
                },
            },
            status=status,
        )

    def get(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        session = get_for(request.user, CampSession.objects.select_related("camp"), pk, Action.CHANGE)
        return self.page(request, session, CheckInForm())

    def post(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        session = get_for(request.user, CampSession.objects.select_related("camp"), pk, Action.CHANGE)
        form = CheckInForm(request.POST)
        if form.is_valid():
            try:
                result = services.check_in(
                    request.user, session.pk, form.cleaned_data["code"], method=Attendance.Method.TYPED
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                return self.page(request, session, CheckInForm(), result)
        return self.page(request, session, form, status=400)


class AttendanceListView(LoginRequiredMixin, View):
    """The paper list: every confirmed trainee of the camp with a box for this session."""

    def context(self, request: AuthenticatedHttpRequest, session: CampSession) -> dict[str, Any]:
        people = list(
            Enrolment.objects.filter(camp=session.camp, status__in=Enrolment.CHECKS_IN)
            .select_related("trainee", "organization")
            .order_by("trainee__name", "pk")
        )
        present = set(Attendance.objects.filter(session=session).values_list("enrolment_id", flat=True))
        return {
            "title": _("Attendance list: %(session)s") % {"session": session.title},
            "session": session,
            "object": session,
            "people": [(e, e.pk in present) for e in people],
            "upload_form": SheetUploadForm(),
        }

    def get(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        session = get_for(request.user, CampSession.objects.select_related("camp"), pk, Action.CHANGE)
        return render(request, "training/attendance_list.html", self.context(request, session))

    def post(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        session = get_for(request.user, CampSession.objects.select_related("camp"), pk, Action.CHANGE)
        try:
            result = services.record_attendance(request.user, session.pk, request.POST.getlist("present"))
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
            return render(
                request, "training/attendance_list.html", self.context(request, session), status=400
            )
        messages.success(request, _("Attendance saved: %(added)d added, %(removed)d removed.") % result)
        return HttpResponseRedirect(session.get_absolute_url())


class SheetUploadView(LoginRequiredMixin, View):
    def post(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        session = get_for(request.user, CampSession.objects.select_related("camp"), pk, Action.CHANGE)
        form = SheetUploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                result = services.import_attendance_sheet(request.user, session.pk, form.cleaned_data["file"])
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request, _("Sign-in sheet read: %(added)d checked in, %(already)d already were.") % result
                )
                return HttpResponseRedirect(session.get_absolute_url())
        context = AttendanceListView().context(request, session)
        context["upload_form"] = form
        return render(request, "training/attendance_list.html", context, status=400)


@login_required
def sheet_download(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    session = get_for(request.user, CampSession.objects.select_related("camp__organizer"), pk, Action.CHANGE)
    response = HttpResponse(
        sign_in_sheet(session),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="sign-in-{session.pk}-{timezone.localdate():%Y%m%d}.xlsx"'
    )
    return response


# Trainers -----------------------------------------------------------------------------------
class TrainerListView(ObjectListView):
    model = Trainer
    filterset_class = TrainerFilterSet
    title = gettext_lazy("Trainer pool (社会工作师资库)")
    default_ordering = "name"
    create_url_name = "training:trainer_create"
    columns = [
        Column(gettext_lazy("Full name"), "name", link=True, order_by="name"),
        Column(gettext_lazy("Affiliation"), "affiliation", order_by="affiliation"),
        Column(gettext_lazy("Fields"), "field_labels"),
        Column(gettext_lazy("Pool kept by"), "unit.name", order_by="unit__path"),
        Column(gettext_lazy("Average rating"), "rating_label", order_by="rating"),
        Column(gettext_lazy("Ratings"), "ratings", order_by="ratings"),
    ]

    def optimize(self, queryset):
        return queryset.select_related("unit").with_rating()


class TrainerDetailView(ObjectDetailView):
    model = Trainer
    template_name = "training/trainer_detail.html"
    edit_url_name = "training:trainer_edit"

    def optimize(self, queryset):
        return queryset.select_related("unit").with_rating()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["sessions"] = (
            CampSession.objects.filter(trainer=self.object)
            .select_related("camp")
            .with_rating()
            .order_by("-starts_at")[:100]
        )
        return context


class TrainerEditView(ObjectEditView):
    model = Trainer
    form_class: Any = TrainerForm
    success_message = gettext_lazy("The trainer is saved.")
    create_service = services.create_trainer
    update_service = services.update_trainer


# Enrolments, people, certificates ---------------------------------------------------------------
class EnrolmentListView(ObjectListView):
    model = Enrolment
    filterset_class = EnrolmentFilterSet
    title = gettext_lazy("Enrolments")
    default_ordering = "-created_at"
    columns = [
        Column(gettext_lazy("Full name"), "trainee.name", link=True, order_by="trainee__name"),
        Column(gettext_lazy("Organization"), "organization.name", order_by="organization__name"),
        Column(gettext_lazy("Counted for"), "unit.name", order_by="unit__path"),
        Column(gettext_lazy("Camp"), "camp.title", order_by="camp__starts_on"),
        Column(gettext_lazy("Status"), "status", order_by="status"),
        Column(gettext_lazy("Place in line"), "queue_position"),
        Column(gettext_lazy("Sessions attended"), "attended", order_by="attended"),
        Column(gettext_lazy("Enrolled at"), "created_at", order_by="created_at"),
    ]

    def optimize(self, queryset):
        return (
            queryset.select_related("trainee", "organization", "unit", "camp")
            .with_queue_position()
            .with_attended()
        )


class EnrolmentDetailView(ObjectDetailView):
    model = Enrolment
    template_name = "training/enrolment_detail.html"

    def get_object(self, queryset=None):
        own = Q(organization__representatives=self.request.user)
        return get_for(
            self.request.user,
            self.get_queryset()
            .model.objects.select_related(
                "trainee", "camp", "organization", "unit", "quota__unit", "enrolled_by"
            )
            .with_queue_position()
            .with_attended(),
            self.kwargs["pk"],
            Action.VIEW,
            also=own,
        )

    def get_queryset(self):
        return Enrolment.objects.all()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        enrolment = self.object
        organiser = may(self.request.user, enrolment.camp, Action.CHANGE)
        context.update(
            title=f"{enrolment.trainee.name} · {enrolment.camp.title}",
            organiser=organiser,
            can_change=context["can_change"] or organiser,
            attendances=list(
                Attendance.objects.filter(enrolment=enrolment)
                .select_related("session")
                .order_by("session__starts_at")
            ),
            certificate=Certificate.objects.filter(enrolment=enrolment).first(),
            cancel_form=ReasonForm(),
        )
        return context


ENROLMENT_STEPS: dict[str, Any] = {
    "confirm": (gettext_lazy("Confirmed."), services.confirm_enrolment),
    "accept": (gettext_lazy("The seat is taken."), services.accept_offer),
    "decline": (gettext_lazy("The offer is declined; the seat passes on."), services.decline_offer),
    "certificate": (gettext_lazy("The certificate is issued."), services.issue_certificate),
}


@login_required
@require_POST
def enrolment_step(request: AuthenticatedHttpRequest, pk: int, step: str) -> HttpResponseBase:
    """A button on an enrolment's page: confirm, accept or decline an offer, cancel, certify."""
    own = Q(organization__representatives=request.user)
    enrolment = get_for(request.user, Enrolment, pk, Action.VIEW, also=own)
    try:
        if step == "cancel":
            services.cancel_enrolment(request.user, enrolment.pk, request.POST.get("reason", ""))
            messages.success(request, _("The enrolment is cancelled."))
        elif step in ENROLMENT_STEPS:
            label, service_function = ENROLMENT_STEPS[step]
            if step == "certificate":
                service_function(
                    request.user, enrolment.pk, base_url=request.build_absolute_uri("/").rstrip("/")
                )
            else:
                service_function(request.user, enrolment.pk)
            messages.success(request, label)
        else:
            raise Http404
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    return HttpResponseRedirect(enrolment.get_absolute_url())


class AttendanceRecordListView(ObjectListView):
    model = Attendance
    filterset_class = AttendanceFilterSet
    title = gettext_lazy("Attendance")
    default_ordering = "-checked_in_at"
    columns = [
        Column(
            gettext_lazy("Full name"),
            "enrolment.trainee.name",
            link=True,
            order_by="enrolment__trainee__name",
        ),
        Column(gettext_lazy("Organization"), "enrolment.organization.name"),
        Column(gettext_lazy("Camp"), "session.camp.title", order_by="session__camp__starts_on"),
        Column(gettext_lazy("Session"), "session.title", order_by="session__starts_at"),
        Column(gettext_lazy("Checked in at"), "checked_in_at", order_by="checked_in_at"),
        Column(gettext_lazy("How"), "method", order_by="method"),
    ]

    def optimize(self, queryset):
        return queryset.select_related("enrolment__trainee", "enrolment__organization", "session__camp")


class TraineeListView(ObjectListView):
    model = Trainee
    filterset_class = TraineeFilterSet
    title = gettext_lazy("People trained")
    default_ordering = "name"
    columns = [
        Column(gettext_lazy("Full name"), "name", link=True, order_by="name"),
        Column(gettext_lazy("Organization"), "organization.name", order_by="organization__name"),
        Column(gettext_lazy("Home unit"), "unit.name", order_by="unit__path"),
        Column(gettext_lazy("Mobile phone"), "masked_phone"),
        Column(gettext_lazy("ID card number"), "masked_id_number"),
        Column(gettext_lazy("Camps completed"), "camps_completed", order_by="camps_completed"),
    ]

    def optimize(self, queryset):
        return queryset.select_related("organization", "unit").annotate(
            camps_completed=Count("enrolments", filter=Q(enrolments__status="completed"))
        )


class TraineeDetailView(ObjectDetailView):
    """One person from registry to certificate: every camp, attendance and certificate."""

    model = Trainee
    template_name = "training/trainee_detail.html"

    def optimize(self, queryset):
        return queryset.select_related("organization", "unit")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["enrolments"] = _enrolments_with_records(Enrolment.objects.filter(trainee=self.object))
        return context


def _enrolments_with_records(rows: Any) -> list[Enrolment]:
    return list(
        rows.select_related("camp", "organization", "certificate", "trainee")
        .with_attended()
        .order_by("-camp__starts_on", "pk")
    )


@login_required
def organization_training(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """An organization's training record: its people's camps, attendance and certificates."""
    own = Q(representatives=request.user)
    organization = get_for(
        request.user, Organization.objects.select_related("governing_unit"), pk, Action.VIEW, also=own
    )
    return render(
        request,
        "training/organization_training.html",
        {
            "title": _("Training record of %(org)s") % {"org": organization.name},
            "organization": organization,
            "enrolments": _enrolments_with_records(Enrolment.objects.filter(organization=organization)),
        },
    )


class CertificateListView(ObjectListView):
    model = Certificate
    filterset_class = CertificateFilterSet
    title = gettext_lazy("Certificates")
    default_ordering = "-issued_on"
    columns = [
        Column(gettext_lazy("Code"), "code", link=True, order_by="code"),
        Column(gettext_lazy("Full name"), "enrolment.trainee.name", order_by="enrolment__trainee__name"),
        Column(gettext_lazy("Camp"), "enrolment.camp.title", order_by="enrolment__camp__starts_on"),
        Column(gettext_lazy("Issued on"), "issued_on", order_by="issued_on"),
        Column(gettext_lazy("Valid"), "is_valid"),
    ]

    def optimize(self, queryset):
        return queryset.select_related("enrolment__trainee", "enrolment__camp")


class CertificateDetailView(ObjectDetailView):
    model = Certificate
    template_name = "training/certificate_detail.html"

    def optimize(self, queryset):
        return queryset.select_related("enrolment__trainee", "enrolment__camp__organizer")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["revoke_form"] = RequiredReasonForm()
        context["organiser"] = may(self.request.user, self.object.enrolment.camp, Action.CHANGE)
        return context


class RevokeCertificateView(ServiceActionView):
    model = Certificate
    form_class = RequiredReasonForm
    service = services.revoke_certificate
    title = gettext_lazy("Revoke the certificate %(object)s")
    submit_label = gettext_lazy("Revoke")
    success_message = gettext_lazy("The certificate is revoked; its public page says so.")


@login_required
def certificate_pdf(request: AuthenticatedHttpRequest, pk: int) -> FileResponse:
    certificate = get_for(request.user, Certificate, pk, Action.VIEW)
    if not certificate.file:
        raise Http404(_("The PDF of this certificate is not drawn yet."))
    return FileResponse(
        certificate.file.open("rb"),
        as_attachment=False,
        filename=f"certificate-{certificate.code}.pdf",
        content_type="application/pdf",
    )
