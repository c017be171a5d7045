"""Jurisdiction of the training records: pages, API and querysets (tests/jurisdiction.py)."""

from __future__ import annotations

import datetime

from django.db.models import Model
from django.utils import timezone

from orgs.models import Organization
from tests.jurisdiction import JurisdictionCases
from tests.orgs.factories import make_org
from training.models import (
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

DAY = datetime.date(2026, 3, 20)


def camp_of(ctx, unit=None) -> Camp:
    unit = unit or ctx.zhongshan
    return Camp.objects.create(
        title=f"{unit.name}管辖测试训练营",
        organizer=unit,
        series_unit=unit,
        level="city",
        starts_on=DAY,
        ends_on=DAY,
        address="中山市青年之家",
        capacity=20,
        status="open",
    )


def session_of(ctx) -> CampSession:
    start = timezone.make_aware(datetime.datetime.combine(DAY, datetime.time(9)))
    return CampSession.objects.create(
        camp=camp_of(ctx), title="治理课", starts_at=start, ends_at=start + datetime.timedelta(hours=2)
    )


def trainee_of(ctx, unit=None, phone: str = "13800001234") -> Trainee:
    return Trainee.objects.create(name="王小明", phone=phone, unit=unit or ctx.zhongshan)


def enrolment_of(ctx, camp: Camp | None = None, unit=None, phone: str = "13800001234") -> Enrolment:
    unit = unit or ctx.zhongshan
    org = make_org(unit, f"{unit.name}管辖测试社")
    return Enrolment.objects.create(
        camp=camp or camp_of(ctx, unit),
        trainee=trainee_of(ctx, unit, phone),
        organization=org,
        unit=unit,
        status="confirmed",
    )


def foshan_enrolment(ctx) -> dict[type[Model], Model]:
    return {Enrolment: enrolment_of(ctx, unit=ctx.foshan, phone="13900005678")}


class TestCamp(JurisdictionCases):
    model = Camp
    read_pages = {
        "detail": "training:camp_detail",
        "feedback": "training:camp_feedback",
        "quotas": "training:camp_quotas",
    }
    pages = {
        "edit": "training:camp_edit",
        "cancel": "training:camp_cancel",
        "follow-up": "training:camp_follow_up",
        "confirm-all": "training:camp_confirm_all",
        "certificates": "training:camp_certificates",
    }
    api = "/api/training/camps/"
    api_methods = ("get", "patch", "put")
    patch_body = {"description": "改", "version": 1}

    def build(self, ctx):
        return camp_of(ctx)


class TestCampSession(JurisdictionCases):
    model = CampSession
    read_pages = {"detail": "training:session_detail"}
    pages = {
        "edit": "training:session_edit",
        "delete": "training:session_delete",
        "check-in": "training:session_checkin",
        "attendance": "training:session_attendance",
        "sheet": "training:session_sheet",
        "sheet-upload": "training:session_sheet_upload",
    }
    api = "/api/training/sessions/"
    api_methods = ("get", "patch", "put", "delete")
    patch_body = {"place": "改"}

    def build(self, ctx):
        return session_of(ctx)

    def foreign_records(self, ctx):
        # Not shared: a shared trainer is open to every camp (training.services._trainer).
        return {Trainer: Trainer.objects.create(name="佛山外域讲师", unit=ctx.foshan, shared=False)}


class TestTrainer(JurisdictionCases):
    model = Trainer
    read_pages = {"detail": "training:trainer_detail"}
    pages = {"edit": "training:trainer_edit"}
    api = "/api/training/trainers/"
    api_methods = ("get", "patch", "put")
    patch_body = {"bio": "改", "version": 1}

    def build(self, ctx):
        # Not shared: a trainer only the pool's own jurisdiction may book or see.
        return Trainer.objects.create(
            name="杨振宇", unit=ctx.zhongshan, affiliation="中山市社工协会", shared=False
        )


class TestSeatQuota(JurisdictionCases):
    model = SeatQuota
    api = "/api/training/quotas/"

    def build(self, ctx):
        return SeatQuota.objects.create(camp=camp_of(ctx), unit=ctx.zhongshan, seats=5)


class TestTrainee(JurisdictionCases):
    model = Trainee
    read_pages = {"detail": "training:trainee_detail"}
    api = "/api/training/people/"

    def build(self, ctx):
        return trainee_of(ctx)

    def foreign_records(self, ctx):
        return {Organization: make_org(ctx.foshan, "佛山外域青年组织")}


class TestEnrolment(JurisdictionCases):
    model = Enrolment
    read_pages = {"detail": "training:enrolment_detail"}
    api = "/api/training/enrolments/"

    def build(self, ctx):
        return enrolment_of(ctx)


class TestAttendance(JurisdictionCases):
    model = Attendance
    api = "/api/training/attendance/"

    def build(self, ctx):
        session = session_of(ctx)
        return Attendance.objects.create(enrolment=enrolment_of(ctx, session.camp), session=session)

    def foreign_records(self, ctx):
        return foshan_enrolment(ctx)


class TestCertificate(JurisdictionCases):
    model = Certificate
    read_pages = {"detail": "training:certificate_detail"}
    pages = {"revoke": "training:certificate_revoke"}
    api = "/api/training/certificates/"

    def build(self, ctx):
        enrolment = enrolment_of(ctx)
        Enrolment.objects.filter(pk=enrolment.pk).update(status="completed")
        return Certificate.objects.create(enrolment=enrolment)

    def foreign_records(self, ctx):
        return foshan_enrolment(ctx)


class TestFeedback(JurisdictionCases):
    model = Feedback

    def build(self, ctx):
        return Feedback.objects.create(camp=camp_of(ctx), rating=4, comment="好")
