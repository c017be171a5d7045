"""亲青汇训练营: camps, their sessions and trainers, seat quotas down the tree, the people
trained, enrolments with a waiting list, attendance, certificates and feedback.

State changes go through `training.services`; the models hold what the schema can say:
one enrolment per person per camp (a partial unique index), one person per ID number and
per mobile number, a trainer never in two overlapping sessions (an exclusion constraint over
a `tstzrange`, with btree_gist), one attendance per person and session, one certificate per
enrolment.
"""

from __future__ import annotations

import secrets
import uuid
from typing import Any

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import ArrayField, DateTimeRangeField, RangeBoundary, RangeOperators
from django.db import models
from django.db.models import F, Func, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from hubportal.collation import pinyin
from hubportal.history import track
from orgs.models import mask_id_number, mask_phone

from .querysets import (
    CampQuerySet,
    EnrolmentQuerySet,
    SessionQuerySet,
    TrainerQuerySet,
    TrainingQuerySet,
)

# Codes people type on a phone: no 0/O, 1/I/L.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CHECKIN_CODE_LENGTH = 8
CERTIFICATE_CODE_LENGTH = 10
QR_PREFIX = "QQH1:"  # what a personal QR code holds before the check-in code


def new_code(length: int) -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _i in range(length))


def new_checkin_code() -> str:
    return new_code(CHECKIN_CODE_LENGTH)


def new_certificate_code() -> str:
    return new_code(CERTIFICATE_CODE_LENGTH)


def new_access_token() -> str:
    return secrets.token_urlsafe(24)


class TsTzRange(Func):
    """`tstzrange(start, end, '[)')`: a session's time as a range, for the exclusion constraint."""

    function = "TSTZRANGE"
    output_field = DateTimeRangeField()


class Expertise(models.TextChoices):
    """Fields of a trainer of the social-work trainer pool (社会工作师资库)."""

    SOCIAL_WORK = "social_work", _("Social work methods")
    GOVERNANCE = "governance", _("Organization management and governance")
    PROJECTS = "projects", _("Project design and management")
    FUNDRAISING = "fundraising", _("Fundraising and finance")
    REGISTRATION = "registration", _("Registration and law")
    VOLUNTEERS = "volunteers", _("Volunteer management")
    LEAGUE_BUILDING = "league_building", _("League building in youth organizations")
    MEDIA = "media", _("Communication and new media")
    COUNSELLING = "counselling", _("Counselling")
    LEADERSHIP = "leadership", _("Leadership")


@track()
class Trainer(models.Model):
    """A trainer of the social-work trainer pool (社会工作师资库), kept by a unit (often a
    university committee) and, when shared, bookable by every organiser of a camp."""

    name = models.CharField(_("name"), max_length=64, help_text=_("Family name first, e.g. 王小明."))
    unit = models.ForeignKey(
        "orgs.LeagueUnit", verbose_name=_("pool kept by"), on_delete=models.PROTECT, related_name="trainers"
    )
    affiliation = models.CharField(_("affiliation"), max_length=100, help_text=_("e.g. 中山大学社会学系"))
    title = models.CharField(_("title"), max_length=64, blank=True, help_text=_("e.g. 副教授, 督导"))
    fields = ArrayField(
        models.CharField(max_length=24, choices=Expertise.choices),
        verbose_name=_("fields"),
        default=list,
        blank=True,
    )
    phone = models.CharField(_("mobile phone"), max_length=20, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    bio = models.TextField(_("short biography"), blank=True)
    shared = models.BooleanField(
        _("shared with other organisers"),
        default=True,
        help_text=_("Shared trainers can be booked by the organiser of any camp (师资共享)."),
    )
    active = models.BooleanField(_("active"), default=True)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = TrainerQuerySet.as_manager()
    jurisdiction_field = "unit"

    class Meta:
        verbose_name = _("trainer")
        verbose_name_plural = _("trainers")
        ordering = ["name", "pk"]
        indexes = [models.Index(fields=["name", "id"], name="trainer_name_order")]

    def __str__(self) -> str:
        return f"{self.name}（{self.affiliation}）" if self.affiliation else self.name

    def get_absolute_url(self) -> str:
        return reverse("training:trainer_detail", args=[self.pk])

    def field_labels(self) -> list[str]:
        labels = dict(Expertise.choices)
        return [str(labels.get(f, f)) for f in self.fields]

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)

    @property
    def rating_label(self) -> str:
        """The average rating (from `with_rating()`), or a dash while unrated."""
        rating = getattr(self, "rating", None)
        return "—" if rating is None else f"{rating:.1f} ★"


@track()
class Camp(models.Model):
    """A 亲青汇 training camp: organised by a unit, at a level (a county's camp may count in
    its city's series: 纳入市级培训序列), with its dates, place, seats, audience, sessions
    and completion rule. planned → open (enrolment) → running → finished, or cancelled."""

    class Level(models.TextChoices):
        PROVINCE = "province", _("Province")
        CITY = "city", _("Prefecture city")
        COUNTY = "county", _("County / district")
        TOWN = "town", _("Town / subdistrict")

    class Status(models.TextChoices):
        PLANNED = "planned", pgettext_lazy("camp", "Planned")
        OPEN = "open", pgettext_lazy("camp", "Open for enrolment")
        RUNNING = "running", pgettext_lazy("camp", "Running")
        FINISHED = "finished", pgettext_lazy("camp", "Finished")
        CANCELLED = "cancelled", pgettext_lazy("camp", "Cancelled")

    title = models.CharField(_("title"), max_length=120)
    organizer = models.ForeignKey(
        "orgs.LeagueUnit", verbose_name=_("organiser"), on_delete=models.PROTECT, related_name="camps"
    )
    level = models.CharField(
        _("level"),
        max_length=16,
        choices=Level.choices,
        help_text=_("The series the camp counts in; a county may hold a camp of its city's series."),
    )
    # The unit whose series the camp counts in: the organiser, or the unit above it of the
    # camp's level (a county's camp in its city's series). Kept by the services.
    series_unit = models.ForeignKey(
        "orgs.LeagueUnit",
        verbose_name=_("counts in the series of"),
        on_delete=models.PROTECT,
        related_name="camps_in_series",
        editable=False,
    )
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))
    address = models.CharField(_("address"), max_length=200, blank=True)
    is_online = models.BooleanField(_("online (network session)"), default=False)
    online_url = models.URLField(_("online meeting link"), blank=True)
    capacity = models.PositiveIntegerField(_("seats"))
    audience = models.ManyToManyField(
        "orgs.LeagueUnit",
        verbose_name=_("audience"),
        blank=True,
        related_name="camps_open_to",
        help_text=_(
            "Units whose organizations may enrol (each with the units below it); empty: the "
            "organiser's whole jurisdiction."
        ),
    )
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PLANNED)
    completion_percent = models.PositiveSmallIntegerField(
        _("completion rule (percentage of sessions)"),
        default=80,
        help_text=_("A trainee completes the camp by attending at least this share of its sessions."),
    )
    quota_return_on = models.DateField(
        _("unused quotas return to the pool on"),
        null=True,
        blank=True,
        help_text=_("From this day every free seat is open to the whole audience."),
    )
    offer_hold_hours = models.PositiveSmallIntegerField(
        _("hold a freed seat for (hours)"),
        default=0,
        help_text=_(
            "0: a freed seat goes to the next in line at once. Otherwise it is offered to them "
            "and passes on if not accepted within these hours."
        ),
    )
    cancel_reason = models.TextField(_("reason of the cancellation"), blank=True)
    # When the portal recorded the camp as held (finished): the date that decides its period.
    finished_at = models.DateTimeField(_("recorded as held at"), null=True, blank=True, editable=False)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = CampQuerySet.as_manager()
    jurisdiction_field = "organizer"

    OPEN_FOR_CHECKIN = (Status.OPEN, Status.RUNNING, Status.FINISHED)

    class Meta:
        verbose_name = _("training camp")
        verbose_name_plural = _("training camps")
        ordering = ["-starts_on", "-pk"]
        indexes = [
            models.Index(fields=["-starts_on", "-id"], name="camp_start_order"),
            models.Index(fields=["status", "ends_on"], name="camp_status_end"),
            models.Index(fields=["series_unit", "finished_at"], name="camp_series_finished"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")),
                name="camp_ends_after_start",
                violation_error_message=_("The last day cannot be before the first day."),
            ),
            models.CheckConstraint(condition=Q(capacity__gt=0), name="camp_capacity_positive"),
            models.CheckConstraint(
                condition=Q(completion_percent__gte=1, completion_percent__lte=100),
                name="camp_completion_1_100",
            ),
            models.CheckConstraint(
                condition=~Q(status="finished") | Q(finished_at__isnull=False),
                name="camp_finished_has_time",
            ),
            models.CheckConstraint(
                condition=Q(is_online=True) | ~Q(address=""),
                name="camp_has_a_place",
                violation_error_message=_("Give the address, or mark the camp as an online session."),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("training:camp_detail", args=[self.pk])

    @property
    def place_label(self) -> str:
        if self.is_online:
            return str(_("Online")) + (f" · {self.address}" if self.address else "")
        return self.address

    @property
    def dates_label(self) -> str:
        if self.starts_on == self.ends_on:
            return f"{self.starts_on:%Y-%m-%d}"
        return f"{self.starts_on:%Y-%m-%d} – {self.ends_on:%Y-%m-%d}"

    @property
    def seats_label(self) -> str:
        """`taken / capacity` (from `with_counts()`)."""
        return f"{getattr(self, 'seats_taken', 0) or 0} / {self.capacity}"

    def quotas_apply(self, today: Any = None) -> bool:
        """Whether seat quotas still reserve seats (until the return date, if any)."""
        today = today or timezone.localdate()
        return self.quota_return_on is None or today < self.quota_return_on


@track()
class CampSession(models.Model):
    """One session of a camp's curriculum, with its trainer and time. A trainer is never in
    two overlapping active sessions: an exclusion constraint says so in the schema."""

    camp = models.ForeignKey(Camp, verbose_name=_("camp"), on_delete=models.CASCADE, related_name="sessions")
    title = models.CharField(_("title"), max_length=120)
    trainer = models.ForeignKey(
        Trainer,
        verbose_name=_("trainer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sessions",
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    place = models.CharField(_("room or place"), max_length=100, blank=True)
    # False once the camp is cancelled: its sessions no longer book their trainers.
    is_active = models.BooleanField(_("active"), default=True, editable=False)
    # Optimistic locking: the version an editor read, moved on by every change
    # (`hubportal.services.check_version`); the database default serves rows written by COPY.
    version = models.PositiveIntegerField(_("version"), default=1, db_default=1, editable=False)

    objects = SessionQuerySet.as_manager()
    jurisdiction_field = "camp__organizer"

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["starts_at", "pk"]
        indexes = [models.Index(fields=["camp", "starts_at"], name="session_camp_start")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")),
                name="session_ends_after_start",
                violation_error_message=_("A session ends after it starts."),
            ),
            ExclusionConstraint(
                name="session_trainer_not_twice_at_once",
                expressions=[
                    (TsTzRange("starts_at", "ends_at", RangeBoundary()), RangeOperators.OVERLAPS),
                    ("trainer", RangeOperators.EQUAL),
                ],
                condition=Q(trainer__isnull=False, is_active=True),
                violation_error_message=_("The trainer is already booked in another session at that time."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({timezone.localtime(self.starts_at):%m-%d %H:%M})"

    def get_absolute_url(self) -> str:
        return reverse("training:session_detail", args=[self.pk])

    @property
    def time_label(self) -> str:
        start, end = timezone.localtime(self.starts_at), timezone.localtime(self.ends_at)
        if start.date() == end.date():
            return f"{start:%Y-%m-%d %H:%M}–{end:%H:%M}"
        return f"{start:%Y-%m-%d %H:%M} – {end:%Y-%m-%d %H:%M}"


@track()
class SeatQuota(models.Model):
    """Seats of a camp reserved for a unit's people (a province camp's city quotas, a city's
    quota split into its counties); unused seats return to the pool on the camp's date."""

    camp = models.ForeignKey(Camp, verbose_name=_("camp"), on_delete=models.CASCADE, related_name="quotas")
    unit = models.ForeignKey(
        "orgs.LeagueUnit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="seat_quotas"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("split from"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    seats = models.PositiveIntegerField(_("seats"))

    objects = TrainingQuerySet.as_manager()
    jurisdiction_field = "unit"

    class Meta:
        verbose_name = _("seat quota")
        verbose_name_plural = _("seat quotas")
        ordering = ["camp", "unit__path"]
        constraints = [
            models.UniqueConstraint(
                fields=["camp", "unit"],
                name="quota_one_per_unit_and_camp",
                violation_error_message=_("This unit already has a quota in the camp."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.camp} · {self.unit}: {self.seats}"

    def get_absolute_url(self) -> str:
        return reverse("training:camp_quotas", args=[self.camp_id])


@track()
class Trainee(models.Model):
    """One person trained, whatever organization sent them and however their name was
    spelt: recognised by ID card number or mobile number (each unique), so the same person is
    never two people. Their home unit (the first enrolment's) decides who sees the record."""

    name = models.CharField(_("name"), max_length=64)
    gender = models.CharField(
        _("gender"), max_length=8, blank=True, choices=[("female", _("Female")), ("male", _("Male"))]
    )
    id_number = models.CharField(_("ID card number"), max_length=18, blank=True)
    phone = models.CharField(_("mobile phone"), max_length=20, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    unit = models.ForeignKey(
        "orgs.LeagueUnit", verbose_name=_("home unit"), on_delete=models.PROTECT, related_name="trainees"
    )
    organization = models.ForeignKey(
        "orgs.Organization",
        verbose_name=_("organization"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="trainees",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = TrainingQuerySet.as_manager()
    jurisdiction_field = "unit"

    class Meta:
        verbose_name = _("trainee")
        verbose_name_plural = _("trainees")
        ordering = ["name", "pk"]
        # The list of people trained sorts by pinyin (hubportal.collation) from this index.
        indexes = [models.Index(pinyin("name"), F("id"), name="trainee_name_pinyin")]
        constraints = [
            models.UniqueConstraint(
                fields=["id_number"],
                condition=~Q(id_number=""),
                name="trainee_one_per_id_number",
                violation_error_message=_("Another person already has this ID card number."),
            ),
            models.UniqueConstraint(
                fields=["phone"],
                condition=~Q(phone=""),
                name="trainee_one_per_phone",
                violation_error_message=_("Another person already has this mobile number."),
            ),
            models.CheckConstraint(
                condition=~Q(id_number="") | ~Q(phone=""),
                name="trainee_recognisable",
                violation_error_message=_("A person needs an ID card number or a mobile number."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("training:trainee_detail", args=[self.pk])

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)


@track(exclude=["access_token"])
class Enrolment(models.Model):
    """A person in a camp: applied → confirmed → completed (or did not complete, or no-show),
    or cancelled; waiting in line when the camp or the quota is full, offered a freed seat
    when the organiser holds offers. The unit is the one the person is counted for (their
    organization's unit): audience, quotas and the targets read it."""

    class Status(models.TextChoices):
        WAITING = "waiting", pgettext_lazy("enrolment", "On the waiting list")
        OFFERED = "offered", pgettext_lazy("enrolment", "Seat offered")
        APPLIED = "applied", pgettext_lazy("enrolment", "Applied")
        CONFIRMED = "confirmed", pgettext_lazy("enrolment", "Confirmed")
        COMPLETED = "completed", pgettext_lazy("enrolment", "Completed")
        INCOMPLETE = "incomplete", pgettext_lazy("enrolment", "Did not complete")
        NO_SHOW = "no_show", pgettext_lazy("enrolment", "No-show")
        CANCELLED = "cancelled", pgettext_lazy("enrolment", "Cancelled")

    # Statuses that occupy a seat of the camp.
    HOLDING = (
        Status.OFFERED,
        Status.APPLIED,
        Status.CONFIRMED,
        Status.COMPLETED,
        Status.INCOMPLETE,
        Status.NO_SHOW,
    )
    # Statuses whose QR code checks in (confirmed, or already judged at the end of the camp).
    CHECKS_IN = (Status.CONFIRMED, Status.COMPLETED, Status.INCOMPLETE, Status.NO_SHOW)
    AFTER_CAMP = (Status.COMPLETED, Status.INCOMPLETE, Status.NO_SHOW)

    camp = models.ForeignKey(
        Camp, verbose_name=_("camp"), on_delete=models.PROTECT, related_name="enrolments"
    )
    trainee = models.ForeignKey(
        Trainee, verbose_name=_("trainee"), on_delete=models.PROTECT, related_name="enrolments"
    )
    organization = models.ForeignKey(
        "orgs.Organization",
        verbose_name=_("organization"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="camp_enrolments",
    )
    backbone_member = models.ForeignKey(
        "orgs.BackboneMember",
        verbose_name=_("backbone member"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="camp_enrolments",
    )
    unit = models.ForeignKey(
        "orgs.LeagueUnit", verbose_name=_("counted for unit"), on_delete=models.PROTECT, related_name="+"
    )
    role = models.CharField(_("role in the organization"), max_length=64, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    quota = models.ForeignKey(
        SeatQuota,
        verbose_name=_("seat from quota"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="enrolments",
    )
    queued_at = models.DateTimeField(_("in line since"), default=timezone.now)
    offer_expires_at = models.DateTimeField(_("offer expires at"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("cancelled or judged at"), null=True, blank=True)
    cancel_reason = models.CharField(_("reason"), max_length=200, blank=True)
    checkin_code = models.CharField(_("check-in code"), max_length=16, unique=True, default=new_checkin_code)
    access_token = models.CharField(max_length=64, unique=True, default=new_access_token, editable=False)
    enrolled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("enrolled by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("enrolled at"), default=timezone.now)

    objects = EnrolmentQuerySet.as_manager()
    jurisdiction_field = "unit"

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        ordering = ["camp", "queued_at", "pk"]
        indexes = [
            models.Index(fields=["camp", "status", "queued_at"], name="enrolment_camp_line"),
            models.Index(fields=["-created_at", "id"], name="enrolment_recent_order"),
            models.Index(fields=["status", "closed_at"], name="enrolment_status_closed"),
            models.Index(fields=["unit", "status", "closed_at"], name="enrolment_unit_status_closed"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["camp", "trainee"],
                condition=~Q(status="cancelled"),
                name="enrolment_one_per_person_per_camp",
                violation_error_message=_("This person is already enrolled in the camp."),
            ),
            models.CheckConstraint(
                condition=~Q(status="offered") | Q(offer_expires_at__isnull=False),
                name="enrolment_offer_has_expiry",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.trainee} · {self.camp}"

    def get_absolute_url(self) -> str:
        return reverse("training:enrolment_detail", args=[self.pk])

    @property
    def qr_payload(self) -> str:
        return f"{QR_PREFIX}{self.checkin_code}"

    @property
    def code_label(self) -> str:
        code = self.checkin_code
        return f"{code[:4]}-{code[4:]}"

    @property
    def holds_seat(self) -> bool:
        return self.status in self.HOLDING


@track()
class Attendance(models.Model):
    """A trainee present at a session: scanned, typed, ticked on the list or read from the
    signed sheet. One row per person and session, so a second scan is never counted."""

    class Method(models.TextChoices):
        QR = "qr", _("QR code scanned")
        TYPED = "typed", _("Code typed")
        OFFLINE = "offline", _("Scanned offline, sent later")
        LIST = "list", _("Ticked on the list")
        SHEET = "sheet", _("Signed sheet (Excel)")

    enrolment = models.ForeignKey(
        Enrolment, verbose_name=_("enrolment"), on_delete=models.CASCADE, related_name="attendances"
    )
    session = models.ForeignKey(
        CampSession, verbose_name=_("session"), on_delete=models.CASCADE, related_name="attendances"
    )
    checked_in_at = models.DateTimeField(_("checked in at"), default=timezone.now)
    method = models.CharField(_("how"), max_length=16, choices=Method.choices, default=Method.QR)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = TrainingQuerySet.as_manager()
    jurisdiction_field = "enrolment__unit"

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        ordering = ["session", "checked_in_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["enrolment", "session"],
                name="attendance_once_per_session",
                violation_error_message=_("Already checked in to this session."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enrolment.trainee} @ {self.session}"

    def get_absolute_url(self) -> str:
        return reverse("training:session_detail", args=[self.session_id])


def certificate_upload_to(instance: Certificate, filename: str) -> str:
    return f"private/training/certificates/{instance.enrolment.camp_id}/{filename}"


@track()
class Certificate(models.Model):
    """A completion certificate: one per enrolment that completed, with a verification code
    anyone can check on the public page; a revoked one says so there."""

    enrolment = models.OneToOneField(
        Enrolment, verbose_name=_("enrolment"), on_delete=models.PROTECT, related_name="certificate"
    )
    code = models.CharField(_("verification code"), max_length=16, unique=True, default=new_certificate_code)
    issued_on = models.DateField(_("issued on"), default=timezone.localdate)
    file = models.FileField(_("PDF"), upload_to=certificate_upload_to, max_length=255, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoke_reason = models.CharField(_("reason of the revocation"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = TrainingQuerySet.as_manager()
    jurisdiction_field = "enrolment__unit"

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["-issued_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True) | ~Q(revoke_reason=""),
                name="certificate_revocation_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return self.code

    def get_absolute_url(self) -> str:
        return reverse("training:certificate_detail", args=[self.pk])

    @property
    def is_valid(self) -> bool:
        return self.revoked_at is None

    def verification_path(self) -> str:
        return reverse("training:verify", args=[self.code])


class FeedbackReceipt(models.Model):
    """That a trainee has answered the survey (so they answer once), kept apart from the
    answers themselves, which carry no link to the person."""

    enrolment = models.OneToOneField(
        Enrolment, verbose_name=_("enrolment"), on_delete=models.CASCADE, related_name="feedback_receipt"
    )
    submitted_on = models.DateField(_("submitted on"), default=timezone.localdate)

    class Meta:
        verbose_name = _("survey answered")
        verbose_name_plural = _("surveys answered")

    def __str__(self) -> str:
        return f"{self.enrolment_id} · {self.submitted_on}"


class Feedback(models.Model):
    """One anonymous rating (1–5) of a session and its trainer, or of the camp as a whole
    (no session), with an optional comment. A random key and a date only: nothing ties it
    to the person who gave it, not even the order of the rows."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    camp = models.ForeignKey(Camp, verbose_name=_("camp"), on_delete=models.CASCADE, related_name="feedback")
    session = models.ForeignKey(
        CampSession,
        verbose_name=_("session"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="feedback",
    )
    trainer = models.ForeignKey(
        Trainer,
        verbose_name=_("trainer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="feedback",
    )
    rating = models.PositiveSmallIntegerField(_("rating"))
    comment = models.TextField(_("comment"), blank=True)
    submitted_on = models.DateField(_("submitted on"), default=timezone.localdate)

    objects = TrainingQuerySet.as_manager()
    jurisdiction_field = "camp__organizer"

    class Meta:
        verbose_name = _("feedback")
        verbose_name_plural = _("feedback")
        ordering = ["camp", "session", "id"]
        indexes = [models.Index(fields=["trainer"], name="feedback_trainer")]
        constraints = [
            models.CheckConstraint(condition=Q(rating__gte=1, rating__lte=5), name="feedback_rating_1_5"),
        ]

    def __str__(self) -> str:
        return f"{self.camp} · {self.rating}"

    def get_absolute_url(self) -> str:
        return reverse("training:camp_feedback", args=[self.camp_id])
