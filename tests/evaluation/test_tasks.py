"""Background work: the daily sweep that makes ratings final after their notice (acting as
the round's opener, idempotent), and the ZIP of a round's certificates made by a job."""

from __future__ import annotations

import datetime
import zipfile

import time_machine
from django.core.files.storage import default_storage

from evaluation import services, tasks
from evaluation.models import Rating, Round, Subject
from hubportal.models import Job

from .factories import today


def test_the_sweep_finalises_after_the_notice_and_a_second_run_does_nothing(scored, zhongshan_cadre):
    round_obj = scored["round"]
    services.aggregate_results(zhongshan_cadre, round_obj.pk)
    services.publish_results(zhongshan_cadre, round_obj.pk)
    assert tasks.finalise_due_rounds() == {"finalised": 0, "rounds_skipped": 0}  # still on notice
    later = datetime.datetime.combine(today() + datetime.timedelta(days=8), datetime.time(2)).astimezone()
    with time_machine.travel(later, tick=False):
        assert tasks.finalise_due_rounds() == {"finalised": 2, "rounds_skipped": 0}
        assert tasks.finalise_due_rounds() == {"finalised": 0, "rounds_skipped": 0}
    assert Round.objects.get(pk=round_obj.pk).phase == "closed"
    assert set(Rating.objects.values_list("finalised_by", flat=True)) == {zhongshan_cadre.pk}


def test_the_sweep_leaves_a_round_whose_opener_lost_their_rights(scored, zhongshan_cadre):
    round_obj = scored["round"]
    services.aggregate_results(zhongshan_cadre, round_obj.pk)
    services.publish_results(zhongshan_cadre, round_obj.pk)
    zhongshan_cadre.memberships.all().delete()
    later = datetime.datetime.combine(today() + datetime.timedelta(days=8), datetime.time(2)).astimezone()
    with time_machine.travel(later, tick=False):
        assert tasks.finalise_due_rounds() == {"finalised": 0, "rounds_skipped": 1}
    assert set(Subject.objects.values_list("result", flat=True)) == {"in_notice"}


def test_the_certificates_of_a_round_come_as_one_zip(scored, zhongshan_cadre):
    round_obj = scored["round"]
    services.aggregate_results(zhongshan_cadre, round_obj.pk)
    services.publish_results(zhongshan_cadre, round_obj.pk)
    later = datetime.datetime.combine(today() + datetime.timedelta(days=8), datetime.time(9)).astimezone()
    with time_machine.travel(later, tick=False):
        services.finalise_round(zhongshan_cadre, round_obj.pk)
    services.issue_certificates(zhongshan_cadre, round_obj.pk)
    job = Job.objects.create(kind="evaluation.certificates", title="证书", user=zhongshan_cadre)
    path = tasks.certificate_bundle_task(job.pk, round_obj.pk)
    job.refresh_from_db()
    assert job.status == "succeeded" and job.result["count"] == 2
    with default_storage.open(path, "rb") as handle, zipfile.ZipFile(handle) as bundle:
        names = bundle.namelist()
        assert len(names) == 2 and all(name.endswith(".pdf") for name in names)
        assert bundle.read(names[0]).startswith(b"%PDF")
    default_storage.delete(path)


def test_withdrawing_a_subject_releases_its_panel(scoring, zhongshan_cadre):
    subject = scoring["subjects"][0]
    services.withdraw_subject(zhongshan_cadre, subject.pk, "基地停止运营")
    assert set(subject.assignments.values_list("status", flat=True)) == {"withdrawn"}
    assert Subject.objects.get(pk=subject.pk).status == "withdrawn"
