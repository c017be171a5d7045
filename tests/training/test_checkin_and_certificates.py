"""Check-in (QR, typed, refused codes, constant queries), the paper list and the Excel
sign-in sheet, completion by the camp's rule, certificates and their verification, feedback
and follow-up messages."""

from __future__ import annotations

import io
import subprocess
from collections.abc import Sequence
from typing import Any, cast

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from hubportal.models import Job, OutboxMessage
from tests.orgs.factories import make_org
from training import services
from training.certificates import generate_for_camp
from training.exports import sign_in_sheet
from training.models import Attendance, Certificate, Enrolment, Feedback, FeedbackReceipt
from training.tasks import generate_certificates_task

from .conftest import make_camp, make_member, make_trainer, sessions_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]
S = Enrolment.Status


def confirmed(actor, camp, members) -> list[Enrolment]:
    enrolments = [services.enrol_member(actor, camp.pk, m.pk) for m in members]
    services.confirm_enrolments(actor, camp.pk)
    return [Enrolment.objects.get(pk=e.pk) for e in enrolments]


def test_a_scanned_code_checks_in_and_a_second_scan_is_not_counted(zs_camp, zhongshan_cadre, zs_members):
    enrolment = confirmed(zhongshan_cadre, zs_camp, zs_members[:1])[0]
    session = sessions_of(zs_camp)[0]
    first = services.check_in(zhongshan_cadre, session.pk, enrolment.qr_payload)
    second = services.check_in(zhongshan_cadre, session.pk, enrolment.code_label.lower(), method="typed")
    assert (first.status, second.status) == ("ok", "already")
    assert "already checked in" in second.message
    assert Attendance.objects.filter(session=session).count() == 1


@pytest.mark.parametrize(
    ("code", "message"),
    [("ZZZZ-ZZZZ", "Unknown code ZZZZZZZZ"), ("https://example.org/", "not a training camp check-in code")],
)
def test_an_unknown_code_is_refused_clearly(zs_camp, zhongshan_cadre, code, message):
    with pytest.raises(ValidationError, match=message):
        services.check_in(zhongshan_cadre, sessions_of(zs_camp)[0].pk, code)
    assert not Attendance.objects.exists()


def test_a_code_of_another_camp_is_refused_without_naming_it(zhongshan_cadre, zhongshan, zs_camp, zs_members):
    other = make_camp(zhongshan_cadre, zhongshan, "另一个训练营")
    foreign = confirmed(zhongshan_cadre, other, zs_members[:1])[0]
    with pytest.raises(ValidationError) as refused:
        services.check_in(zhongshan_cadre, sessions_of(zs_camp)[0].pk, foreign.qr_payload)
    assert "belongs to another training camp" in str(refused.value)
    assert "另一个训练营" not in str(refused.value)
    assert not Attendance.objects.exists()


def test_a_person_not_confirmed_cannot_check_in(zs_camp, zhongshan_cadre, zs_members):
    enrolment = services.enrol_member(zhongshan_cadre, zs_camp.pk, zs_members[0].pk)
    with pytest.raises(ValidationError, match="not confirmed"):
        services.check_in(zhongshan_cadre, sessions_of(zs_camp)[0].pk, enrolment.qr_payload)


def test_a_town_cadre_cannot_check_in_to_a_city_camp(zs_camp, zhongshan_cadre, guzhen_cadre, zs_members):
    from hubportal.access import NotVisible

    enrolment = confirmed(zhongshan_cadre, zs_camp, zs_members[:1])[0]
    with pytest.raises(NotVisible):
        services.check_in(guzhen_cadre, sessions_of(zs_camp)[0].pk, enrolment.qr_payload)


def _checkin_queries(actor, camp, enrolment) -> int:
    session = sessions_of(camp)[0]
    actor.jurisdiction_paths()  # memberships read once per request, as in a view
    with CaptureQueriesContext(connection) as captured:
        services.check_in(actor, session.pk, enrolment.qr_payload)
    return len(captured)


def test_check_in_takes_the_same_number_of_queries_whatever_the_camps_size(zhongshan_cadre, zhongshan):
    org = make_org(zhongshan, "大组织")
    small = make_camp(zhongshan_cadre, zhongshan, "小营", capacity=5)
    large = make_camp(zhongshan_cadre, zhongshan, "大营", capacity=80)
    small_people = confirmed(zhongshan_cadre, small, [make_member(org, f"甲{i}") for i in range(2)])
    large_people = confirmed(zhongshan_cadre, large, [make_member(org, f"乙{i}") for i in range(60)])
    for enrolment in large_people[:30]:
        services.check_in(zhongshan_cadre, sessions_of(large)[0].pk, enrolment.qr_payload)
    # The service's transaction, the session with its camp, the enrolment by code, the INSERT.
    assert _checkin_queries(zhongshan_cadre, small, small_people[0]) == _checkin_queries(
        zhongshan_cadre, large, large_people[-1]
    )
    assert _checkin_queries(zhongshan_cadre, large, large_people[-2]) <= 8


def test_the_ticked_list_sets_exactly_who_was_present(zs_camp, zhongshan_cadre, zs_members):
    people = confirmed(zhongshan_cadre, zs_camp, zs_members[:3])
    session = sessions_of(zs_camp)[0]
    services.check_in(zhongshan_cadre, session.pk, people[0].qr_payload)
    result = services.record_attendance(zhongshan_cadre, session.pk, [people[1].pk, people[2].pk])
    assert result == {"added": 2, "removed": 1}
    assert set(Attendance.objects.values_list("enrolment_id", flat=True)) == {people[1].pk, people[2].pk}


def _sheet_upload(session, marks: dict[int, str], extra_rows: Sequence[list] = ()) -> SimpleUploadedFile:
    book = load_workbook(io.BytesIO(sign_in_sheet(session)))
    sheet = book.active
    for row, mark in marks.items():
        sheet.cell(row=row, column=6, value=mark)
    for values in extra_rows:
        sheet.append(values)
    out = io.BytesIO()
    book.save(out)
    return SimpleUploadedFile("sign-in.xlsx", out.getvalue())


def test_the_signed_excel_sheet_checks_in_the_marked_people(zs_camp, zhongshan_cadre, zs_members):
    confirmed(zhongshan_cadre, zs_camp, zs_members[:3])
    session = sessions_of(zs_camp)[0]
    result = services.import_attendance_sheet(
        zhongshan_cadre, session.pk, _sheet_upload(session, {3: "✓", 5: "1"})
    )
    assert result == {"added": 2, "already": 0}
    assert Attendance.objects.filter(session=session, method="sheet").count() == 2


def test_a_sheet_with_a_foreign_or_unknown_row_changes_nothing(
    zhongshan_cadre, zhongshan, zs_camp, zs_members
):
    confirmed(zhongshan_cadre, zs_camp, zs_members[:2])
    other = make_camp(zhongshan_cadre, zhongshan, "另一个训练营")
    foreign = confirmed(zhongshan_cadre, other, zs_members[2:3])[0]
    session = sessions_of(zs_camp)[0]
    upload = _sheet_upload(
        session,
        {3: "✓"},
        [[9, "外人", "", foreign.code_label, "", "✓"], [10, "无名", "", "AAAA-AAAA", "", "✓"]],
    )
    with pytest.raises(ValidationError) as refused:
        services.import_attendance_sheet(zhongshan_cadre, session.pk, upload)
    messages = refused.value.message_dict["file"]
    assert any("Row 5: the code belongs to another training camp" in m for m in messages)
    assert any("Row 6: unknown code AAAAAAAA" in m for m in messages)
    assert not Attendance.objects.exists()


def test_a_file_that_is_not_excel_is_refused(zs_camp, zhongshan_cadre):
    with pytest.raises(ValidationError, match="not a valid Excel workbook"):
        services.import_attendance_sheet(
            zhongshan_cadre, sessions_of(zs_camp)[0].pk, SimpleUploadedFile("x.xlsx", b"not a workbook")
        )


@pytest.mark.parametrize("kind", ["malformed", "billion laughs", "xxe", "huge cell"])
def test_a_malformed_bomb_or_oversized_sheet_is_refused_with_a_short_message(kind, zs_camp, zhongshan_cadre):
    from tests.hubportal.test_bad_input import BAD_WORKBOOKS, BIG, SHEET, _workbook

    content = _workbook(**{SHEET: BIG}) if kind == "huge cell" else BAD_WORKBOOKS[kind]
    with pytest.raises(ValidationError) as refused:
        services.import_attendance_sheet(
            zhongshan_cadre, sessions_of(zs_camp)[0].pk, SimpleUploadedFile("x.xlsx", content)
        )
    message = " ".join(refused.value.messages)
    assert ("32,767" if kind == "huge cell" else "not a valid Excel workbook") in message and len(
        message
    ) < 300
    assert not Attendance.objects.exists()


def finished_camp(actor, camp, members, present: dict[int, int]) -> list[Enrolment]:
    """Confirm `members`, check person i in to the first present[i] sessions, finish."""
    people = confirmed(actor, camp, members)
    sessions = sessions_of(camp)
    for index, enrolment in enumerate(people):
        for session in sessions[: present.get(index, 0)]:
            services.check_in(actor, session.pk, enrolment.qr_payload)
    services.start_camp(actor, camp.pk)
    services.finish_camp(actor, camp.pk)
    return [Enrolment.objects.get(pk=e.pk) for e in people]


def test_finishing_judges_completion_by_the_camps_rule(zhongshan_cadre, zhongshan, zs_members):
    camp = make_camp(zhongshan_cadre, zhongshan, sessions=5, completion_percent=80, capacity=10)
    people = finished_camp(zhongshan_cadre, camp, zs_members[:3], {0: 4, 1: 3, 2: 0})
    assert [e.status for e in people] == [S.COMPLETED, S.INCOMPLETE, S.NO_SHOW]
    camp.refresh_from_db()
    assert camp.finished_at is not None


def test_a_certificate_for_someone_who_did_not_complete_is_refused(zhongshan_cadre, zhongshan, zs_members):
    camp = make_camp(zhongshan_cadre, zhongshan, sessions=2)
    people = finished_camp(zhongshan_cadre, camp, zs_members[:2], {0: 2, 1: 1})
    with pytest.raises(ValidationError, match="did not complete the camp"):
        services.issue_certificate(zhongshan_cadre, people[1].pk)
    assert not Certificate.objects.exists()


def test_a_camps_certificates_are_made_in_a_job_once_with_the_font_embedded(
    zhongshan_cadre, zhongshan, zs_members, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    camp = make_camp(zhongshan_cadre, zhongshan, sessions=2)
    finished_camp(zhongshan_cadre, camp, zs_members[:3], {0: 2, 1: 2, 2: 0})
    with django_capture_on_commit_callbacks() as callbacks:
        job = services.issue_certificates(zhongshan_cadre, camp.pk, base_url="https://hub.example")
    assert job.kind == "training.certificates" and len(callbacks) == 1
    generate_certificates_task(job.pk, camp.pk, "https://hub.example")
    job.refresh_from_db()
    assert (job.status, job.done, job.total) == (Job.Status.SUCCEEDED, 2, 2)
    assert generate_for_camp(camp.pk, "https://hub.example") == {
        "issued": 0,
        "total": 2,
    }  # re-run: none twice
    assert Certificate.objects.count() == 2
    certificate = Certificate.objects.first()
    assert certificate is not None
    fonts = subprocess.run(
        ["pdffonts", certificate.file.path], capture_output=True, text=True, check=True
    ).stdout
    rows = [line.split() for line in fonts.strip().split("\n")[2:]]
    assert rows and all("CIDFontType2" in " ".join(r) or "TrueType" in " ".join(r) for r in rows), fonts
    assert all(r[-5] == "yes" for r in rows), fonts  # every font embedded (the "emb" column)
    text = subprocess.run(
        ["pdftotext", certificate.file.path, "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "结业证书" in text and certificate.code in text and certificate.enrolment.trainee.name in text


def test_the_verification_page_shows_name_camp_date_and_validity_only(
    client, zhongshan_cadre, zhongshan, zs_members, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    camp = make_camp(zhongshan_cadre, zhongshan, sessions=1)
    people = finished_camp(zhongshan_cadre, camp, zs_members[:1], {0: 1})
    certificate = services.issue_certificate(zhongshan_cadre, people[0].pk, base_url="https://hub.example")
    page = client.get(f"/training/verify/{certificate.code}/").content.decode()
    assert "中山骨干0" in page and camp.title in page and "有效" in page
    assert people[0].trainee.phone not in page and people[0].trainee.id_number not in page
    services.revoke_certificate(zhongshan_cadre, certificate.pk, "信息有误")
    page = client.get(f"/training/verify/{certificate.code}/").content.decode()
    assert "已撤销" in page and "信息有误" not in page
    assert client.get("/training/verify/NOSUCHCODE/").status_code == 404


def test_feedback_is_anonymous_once_per_person_and_averages_per_trainer(
    zhongshan_cadre, zhongshan, zs_members, province
):
    trainer = make_trainer(province)
    camp = make_camp(zhongshan_cadre, zhongshan, sessions=1)
    session = sessions_of(camp)[0]
    services.update_session(zhongshan_cadre, session.pk, {"trainer": trainer.pk}, version=session.version)
    people = finished_camp(zhongshan_cadre, camp, zs_members[:2], {0: 1, 1: 1})
    for enrolment, rating in zip(people, (4, 5), strict=True):
        services.submit_feedback(
            None,
            enrolment.pk,
            token=enrolment.access_token,
            ratings={session.pk: rating},
            overall=5,
            comment="好",
        )
    with pytest.raises(ValidationError, match="already answered"):
        services.submit_feedback(None, people[0].pk, token=people[0].access_token, ratings={}, overall=3)
    assert FeedbackReceipt.objects.count() == 2
    assert not any(f.name == "enrolment" for f in Feedback._meta.get_fields())
    from training.models import Trainer

    assert cast(Any, Trainer.objects.with_rating().get(pk=trainer.pk)).rating == 4.5


def test_a_wrong_token_gives_no_survey(zs_camp, zhongshan_cadre, zs_members):
    enrolment = confirmed(zhongshan_cadre, zs_camp, zs_members[:1])[0]
    with pytest.raises(ValidationError, match="not valid"):
        services.submit_feedback(None, enrolment.pk, token="guess", ratings={}, overall=5)


def test_no_shows_are_messaged_by_attendance_status(zhongshan_cadre, zhongshan, zs_members):
    camp = make_camp(zhongshan_cadre, zhongshan, sessions=1)
    people = finished_camp(zhongshan_cadre, camp, zs_members[:3], {0: 1})
    before = OutboxMessage.objects.count()
    count = services.message_trainees(
        zhongshan_cadre, camp.pk, [S.NO_SHOW], "我们想念你", "{name}，下期见：{link}"
    )
    assert count == 2
    bodies = list(OutboxMessage.objects.order_by("pk").values_list("recipient", "body")[before:])
    assert {r for r, _b in bodies} == {people[1].trainee.phone, people[2].trainee.phone}
    assert all(b.startswith(("中山骨干1", "中山骨干2")) and "/training/t/" in b for _r, b in bodies)
