"""Public notice, objections, final ratings feeding the bases' stars, certificates with
their verification, appeals and re-rating that keep the whole history."""

import datetime
import subprocess
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError

from evaluation import services
from evaluation.certificates import certificate_pdf
from evaluation.models import Certificate, Objection, Rating, Round, Subject
from hubportal.models import OutboxMessage
from incubation.models import BaseRating

from .factories import assign, score, today


def at(days: int):
    """A moment `days` after today, 9 o'clock in Shanghai."""
    moment = datetime.datetime.combine(today() + datetime.timedelta(days=days), datetime.time(9))
    return time_machine.travel(moment.astimezone(), tick=False)


@pytest.fixture
def published(scored, zhongshan_cadre):
    services.aggregate_results(zhongshan_cadre, scored["round"].pk)
    assert services.publish_results(zhongshan_cadre, scored["round"].pk) == 2
    zhongshan_cadre.email = "zs@example.cn"
    zhongshan_cadre.save()
    return scored


def test_results_are_on_notice_for_the_rounds_period(published):
    subject = Subject.objects.get(pk=published["subjects"][0].pk)
    assert (subject.result, subject.notice_from, subject.notice_until) == (
        "in_notice",
        today(),
        today() + datetime.timedelta(days=6),
    )
    # 80, 80 and 60% of 40 points: (32 + 32 + 24) / 3 = 29.3, two stars.
    assert (subject.total, subject.stars) == (Decimal("29.3"), 2)


def test_anyone_objects_during_the_notice_and_no_one_after_it(published, zhongshan_cadre):
    subject = published["subjects"][0]
    objection = services.file_objection(None, subject.pk, contact="13800138000", reason="台账不实")
    assert objection.status == "open"
    assert OutboxMessage.objects.filter(user=zhongshan_cadre, tags__contains="objection").exists()
    with pytest.raises(ValidationError) as refused:
        services.file_objection(None, subject.pk, contact="x", reason="理由")
    assert refused.value.message_dict["contact"][0].startswith("Enter an 11-digit mobile number")
    with at(7):
        with pytest.raises(ValidationError) as refused:
            services.file_objection(None, subject.pk, contact="13800138000", reason="过期的异议")
    assert (
        "ended on" in refused.value.messages[0]
        and "objections are no longer accepted" in refused.value.messages[0]
    )
    assert Objection.objects.count() == 1


def test_an_open_objection_holds_the_rating_until_it_is_answered(published, zhongshan_cadre):
    first, second = published["subjects"]
    objection = services.file_objection(None, first.pk, contact="objector@example.cn", reason="分数偏高")
    with pytest.raises(ValidationError, match="runs until"):
        services.finalise_round(zhongshan_cadre, published["round"].pk)
    with at(7):
        assert services.finalise_round(zhongshan_cadre, published["round"].pk) == 1  # the other one
        with pytest.raises(ValidationError, match="1 objections still wait"):
            services.finalise_round(zhongshan_cadre, published["round"].pk)
        services.answer_objection(
            zhongshan_cadre, objection.pk, upheld=False, answer="经核查，评分依据充分。"
        )
        assert services.finalise_round(zhongshan_cadre, published["round"].pk) == 1
    assert OutboxMessage.objects.filter(
        recipient="objector@example.cn", body__contains="评分依据充分"
    ).exists()
    assert Round.objects.get(pk=published["round"].pk).phase == "closed"
    assert set(Subject.objects.values_list("result", flat=True)) == {"final"}


def test_final_ratings_feed_the_bases_stars(published, zhongshan_cadre, zs_base):
    with at(7):
        services.finalise_round(zhongshan_cadre, published["round"].pk)
    rating = Rating.objects.get(base=zs_base)
    assert (rating.stars, rating.total, rating.status) == (2, Decimal("29.3"), "current")
    assert rating.valid_until == rating.valid_from.replace(year=rating.valid_from.year + 1)
    stored = BaseRating.objects.get(base=zs_base)
    assert (stored.year, stored.stars, stored.source) == (published["round"].year, 2, published["round"].name)


def test_an_upheld_objection_starts_a_re_rating(published, zhongshan_cadre, pool):
    subject = published["subjects"][0]
    objection = services.file_objection(None, subject.pk, contact="13800138000", reason="未核实台账")
    services.answer_objection(zhongshan_cadre, objection.pk, upheld=True, answer="异议成立，重新评定。")
    subject.refresh_from_db()
    assert (subject.attempt, subject.result, subject.total) == (2, "pending", None)
    assert OutboxMessage.objects.filter(recipient="13800138000", channel="sms").exists()
    second = assign(zhongshan_cadre, subject, pool[3:6])
    for assignment in second:
        score(assignment.assessor, assignment, 0.9)
    services.aggregate_results(zhongshan_cadre, published["round"].pk)
    assert Subject.objects.get(pk=subject.pk).total == Decimal("36.0")
    # The first attempt's results stay on record.
    assert subject.indicator_results.filter(attempt=1).count() == 4


def test_a_certificate_only_for_a_final_rating(published, zhongshan_cadre):
    subject = published["subjects"][0]
    with pytest.raises(ValidationError) as refused:
        services.issue_certificate(zhongshan_cadre, subject.pk)
    assert "is not final yet" in refused.value.messages[0]
    assert not Certificate.objects.exists()
    with at(7):
        services.finalise_round(zhongshan_cadre, published["round"].pk)
        certificate = services.issue_certificate(zhongshan_cadre, subject.pk)
    assert services.issue_certificate(zhongshan_cadre, subject.pk) == certificate
    assert len(certificate.code) == 12


def test_the_certificate_pdf_embeds_the_font_and_carries_the_code(published, zhongshan_cadre, tmp_path):
    with at(7):
        services.finalise_round(zhongshan_cadre, published["round"].pk)
        assert services.issue_certificates(zhongshan_cadre, published["round"].pk) == 2
    certificate = Certificate.objects.select_related("rating__subject").order_by("pk")[0]
    path = tmp_path / "certificate.pdf"
    path.write_bytes(certificate_pdf(certificate, "https://hub.example.cn/"))
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    cjk = [line.split() for line in fonts.splitlines()[2:] if "WenQuanYiMicroHei" in line]
    assert cjk and all(columns[-5] == "yes" for columns in cjk), fonts  # embedded (a subset)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert certificate.rating.subject.name in text
    assert certificate.display_code in text and "★★" in text


def test_the_certificate_page_prints_the_portals_full_verification_address(
    published, zhongshan_cadre, client_for, settings, tmp_path
):
    # the printed address and the QR code are read off paper: a path alone opens nothing
    settings.HUB_SITE_URL = "https://hub.example.cn"
    with at(7):
        services.finalise_round(zhongshan_cadre, published["round"].pk)
        services.issue_certificates(zhongshan_cadre, published["round"].pk)
    certificate = Certificate.objects.order_by("pk")[0]
    answer = client_for(zhongshan_cadre).get(f"/evaluation/certificates/{certificate.pk}/pdf/")
    assert answer.status_code == 200 and answer["Content-Type"] == "application/pdf"
    path = tmp_path / "served.pdf"
    path.write_bytes(answer.content)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert f"https://hub.example.cn/evaluation/verify/{certificate.code}/" in text


def test_an_appeal_re_rates_and_the_new_rating_supersedes_the_old(
    published, zhongshan_cadre, guzhen_cadre, pool
):
    subject = published["subjects"][1]  # 古镇's base: its town cadre asks for the review
    with at(7):
        services.finalise_round(zhongshan_cadre, published["round"].pk)
        first_certificate = services.issue_certificate(zhongshan_cadre, subject.pk)
        with pytest.raises(ValidationError, match="The round's cadres decide appeals"):
            services.file_appeal(zhongshan_cadre, subject.pk, "组织者自己申请复核")
        appeal = services.file_appeal(guzhen_cadre, subject.pk, "请求复核工作绩效部分")
        services.decide_appeal(zhongshan_cadre, appeal.pk, upheld=True, answer="同意复核，重新组织评审。")
        for assignment in assign(zhongshan_cadre, subject, pool[3:6]):
            score(assignment.assessor, assignment, 0.95)
        services.aggregate_results(zhongshan_cadre, published["round"].pk)
        services.publish_results(zhongshan_cadre, published["round"].pk)
    with at(15):
        services.finalise_round(zhongshan_cadre, published["round"].pk)
    old, new = Rating.objects.filter(subject=subject).order_by("attempt")
    assert (old.status, old.superseded_by_id, old.stars) == ("superseded", new.pk, 2)
    assert (new.status, new.attempt, new.stars) == ("current", 2, 5)  # 95% of 40: 38.1 points
    first_certificate.refresh_from_db()
    assert first_certificate.revoked_at is not None and "re-rating" in first_certificate.revoked_reason


def test_an_appeal_after_the_appeal_period_is_refused(published, zhongshan_cadre, guzhen_cadre):
    subject = published["subjects"][1]
    with at(7):
        services.finalise_round(zhongshan_cadre, published["round"].pk)
    with at(45):
        with pytest.raises(ValidationError, match="within 30 days"):
            services.file_appeal(guzhen_cadre, subject.pk, "迟到的复核申请")


def test_the_verification_page_says_valid_expired_or_revoked(published, zhongshan_cadre, client):
    with at(7):
        services.finalise_round(zhongshan_cadre, published["round"].pk)
        certificate = services.issue_certificate(zhongshan_cadre, published["subjects"][0].pk)
    page = client.get(f"/evaluation/verify/{certificate.code}/", HTTP_ACCEPT_LANGUAGE="en")
    assert "Valid: this certificate" in page.content.decode()
    with at(400):
        page = client.get(f"/evaluation/verify/{certificate.display_code}/", HTTP_ACCEPT_LANGUAGE="en")
        assert "Expired: the rating was valid until" in page.content.decode()
    Certificate.objects.filter(pk=certificate.pk).update(
        revoked_at=certificate.issued_at, revoked_reason="测试撤销"
    )
    assert "测试撤销" in client.get(f"/evaluation/verify/?code={certificate.code}").content.decode()
    assert client.get("/evaluation/verify/NOSUCHCODE12/").status_code == 404
