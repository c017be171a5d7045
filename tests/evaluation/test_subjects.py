"""Subjects enter a round (by its cadres, or applying themselves) and assess themselves with
evidence: claims within each maximum, files checked by content, links only to their own
records, nothing after the deadline."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from evaluation import services
from evaluation.models import Claim, Evidence, Subject
from hubportal.models import OutboxMessage
from incubation.models import Residency
from tests.orgs.factories import make_org

from .factories import make_round, make_system, self_assess, today


def test_a_cadre_enters_only_bases_of_the_rounds_subtree(
    zhongshan_cadre, zs_round, zs_base, guzhen_base, fs_base
):
    subject = services.enter_subject(zhongshan_cadre, zs_round.pk, guzhen_base.pk)
    assert (subject.name, subject.owner_unit_id, subject.status) == (
        "古镇镇亲青家园",
        guzhen_base.unit_id,
        "entered",
    )
    with pytest.raises(ValidationError) as refused:
        services.enter_subject(zhongshan_cadre, zs_round.pk, fs_base.pk)
    assert refused.value.message_dict["target"] == ["Choose a Qinqing Home base of 中山市 or below it."]
    with pytest.raises(ValidationError, match="in the round already"):
        services.enter_subject(zhongshan_cadre, zs_round.pk, guzhen_base.pk)


def test_every_base_of_the_subtree_enters_in_one_go(zhongshan_cadre, zs_round, zs_base, guzhen_base, fs_base):
    assert services.enter_all_bases(zhongshan_cadre, zs_round.pk) == 2
    assert services.enter_all_bases(zhongshan_cadre, zs_round.pk) == 0
    assert set(zs_round.subjects.values_list("base_id", flat=True)) == {zs_base.pk, guzhen_base.pk}


@pytest.fixture
def org_round(zhongshan_cadre, zhongshan, province_admin, province):
    system = make_system(province_admin, province, "organization", name="外部评估星级认证")
    return make_round(zhongshan_cadre, zhongshan, system)


def test_a_representative_applies_and_hears_of_the_decision(
    org_round, zhongshan, representative, zhongshan_cadre
):
    org = make_org(zhongshan, "石岐青年读书会")
    org.representatives.add(representative)
    representative.email = "rep@example.cn"
    representative.save()
    zhongshan_cadre.email = "zs@example.cn"
    zhongshan_cadre.save()
    subject = services.apply_to_round(representative, org_round.pk, org.pk, "申请参评")
    assert subject.status == "applied" and subject.applied_by == representative
    assert OutboxMessage.objects.filter(user=zhongshan_cadre, subject__contains=org_round.name).exists()
    with pytest.raises(ValidationError, match="wait for a decision"):
        services.start_scoring(zhongshan_cadre, org_round.pk)
    services.admit_subject(zhongshan_cadre, subject.pk)
    assert OutboxMessage.objects.filter(recipient="rep@example.cn", subject__startswith="Admitted").exists()


def test_a_representative_cannot_apply_with_someone_elses_organization(org_round, zhongshan, representative):
    other = make_org(zhongshan, "别人的组织")
    with pytest.raises(ValidationError) as refused:
        services.apply_to_round(representative, org_round.pk, other.pk)
    assert "target" in refused.value.message_dict
    assert not Subject.objects.exists()


@pytest.fixture
def subject(zhongshan_cadre, zs_round, zs_base):
    return services.enter_subject(zhongshan_cadre, zs_round.pk, zs_base.pk)


def leaves(subject):
    return {i.code: i for i in services.scored_indicators(subject.round.system_id).values()}


def test_a_claim_above_the_maximum_or_below_zero_is_refused_and_nothing_is_saved(zhongshan_cadre, subject):
    codes = leaves(subject)
    claims = {
        codes["A1"].pk: {"points": "8"},
        codes["A2"].pk: {"points": "11"},
        codes["B1"].pk: {"points": "-1"},
    }
    with pytest.raises(ValidationError) as refused:
        services.save_self_assessment(zhongshan_cadre, subject.pk, claims, version=subject.version)
    errors = refused.value.message_dict
    assert errors[f"points_{codes['A2'].pk}"] == ["At most 10 points can be given for this indicator."]
    assert errors[f"points_{codes['B1'].pk}"] == ["Points cannot be below zero."]
    assert not Claim.objects.exists()


def test_the_self_assessment_is_handed_in_only_complete(zhongshan_cadre, subject):
    codes = leaves(subject)
    services.save_self_assessment(
        zhongshan_cadre,
        subject.pk,
        {codes["A1"].pk: {"points": 9, "statement": "有场地"}},
        version=subject.version,
    )
    with pytest.raises(ValidationError, match="missing: A2, B1, B2"):
        services.submit_self_assessment(zhongshan_cadre, subject.pk)
    self_assess(zhongshan_cadre, subject)
    assert Subject.objects.get(pk=subject.pk).self_assessed_at is not None


def test_the_bases_own_unit_assesses_it_but_not_another_base(
    guzhen_cadre, zhongshan_cadre, zs_round, guzhen_base, zs_base
):
    own = services.enter_subject(zhongshan_cadre, zs_round.pk, guzhen_base.pk)
    other = services.enter_subject(zhongshan_cadre, zs_round.pk, zs_base.pk)
    self_assess(guzhen_cadre, own)
    from hubportal.access import NotVisible

    with pytest.raises(NotVisible):
        services.save_self_assessment(guzhen_cadre, other.pk, {})


def test_no_self_assessment_after_the_deadline(zhongshan_cadre, subject):
    later = datetime.datetime.combine(today() + datetime.timedelta(days=11), datetime.time(9))
    with time_machine.travel(later.astimezone(), tick=False):
        with pytest.raises(ValidationError, match="closed on"):
            services.save_self_assessment(zhongshan_cadre, subject.pk, {})


def test_evidence_files_are_checked_by_content(zhongshan_cadre, subject):
    a1 = leaves(subject)["A1"]
    fake = SimpleUploadedFile("report.pdf", b"not a pdf at all", content_type="application/pdf")
    with pytest.raises(ValidationError) as refused:
        services.add_evidence(zhongshan_cadre, subject.pk, a1.pk, "报告", file=fake)
    assert "Only PDF, JPG and PNG" in refused.value.message_dict["file"][0]
    pdf = SimpleUploadedFile("report.pdf", b"%PDF-1.4\n%test\n", content_type="application/pdf")
    item = services.add_evidence(zhongshan_cadre, subject.pk, a1.pk, "自评报告", file=pdf)
    assert (item.kind, item.original_name) == ("file", "report.pdf")


def test_evidence_links_only_the_subjects_own_records(
    zhongshan_cadre, subject, zs_base, guzhen_base, zhongshan
):
    org = make_org(zhongshan, "入驻组织")
    mine = Residency.objects.create(base=zs_base, organization=org, status="applied")
    theirs = Residency.objects.create(
        base=guzhen_base, organization=make_org(zhongshan, "他处组织"), status="applied"
    )
    a1 = leaves(subject)["A1"]
    item = services.add_evidence(zhongshan_cadre, subject.pk, a1.pk, record=f"incubation.residency:{mine.pk}")
    assert item.kind == "record" and item.object_id == mine.pk
    with pytest.raises(ValidationError) as refused:
        services.add_evidence(zhongshan_cadre, subject.pk, a1.pk, record=f"incubation.residency:{theirs.pk}")
    assert refused.value.message_dict["record"] == ["Choose one of this subject's own records."]
    assert Evidence.objects.count() == 1


def test_claims_keep_one_decimal(zhongshan_cadre, subject):
    a1 = leaves(subject)["A1"]
    with pytest.raises(ValidationError, match="one decimal place"):
        services.save_self_assessment(zhongshan_cadre, subject.pk, {a1.pk: {"points": "7.25"}}, version=1)
    services.save_self_assessment(zhongshan_cadre, subject.pk, {a1.pk: {"points": "7.5"}}, version=1)
    assert Claim.objects.get().points == Decimal("7.5")
