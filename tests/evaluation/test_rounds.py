"""Rounds: opened on a published system of the same subject type, thresholds that rise and
fit the system, phases in order, fields that lock as the round moves on."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from evaluation import services
from evaluation.models import Round

from .factories import make_round, make_system, round_data, today


def test_thresholds_must_rise_and_fit_the_system(zhongshan_cadre, zhongshan, base_system):
    with pytest.raises(ValidationError) as refused:
        services.create_round(zhongshan_cadre, round_data(zhongshan, base_system, threshold_3=24))
    assert "3 stars need more points than 2." in refused.value.message_dict["threshold_3"]
    with pytest.raises(ValidationError) as refused:
        services.create_round(zhongshan_cadre, round_data(zhongshan, base_system, threshold_5=41))
    assert "worth 40 points" in refused.value.message_dict["threshold_5"][0]
    assert not Round.objects.exists()


def test_the_system_must_be_published_and_rate_the_rounds_subjects(
    zhongshan_cadre, zhongshan, province_admin, province
):
    draft = make_system(province_admin, province, publish=False)
    with pytest.raises(ValidationError) as refused:
        services.create_round(zhongshan_cadre, round_data(zhongshan, draft))
    assert refused.value.message_dict["system"] == ["Choose a published indicator system."]
    orgs = make_system(province_admin, province, "organization")
    with pytest.raises(ValidationError) as refused:
        services.create_round(zhongshan_cadre, round_data(zhongshan, orgs, subject_type="base"))
    assert "rates Youth organization" in refused.value.message_dict["system"][0]


def test_a_cadre_opens_rounds_only_in_their_jurisdiction(foshan_cadre, zhongshan, base_system):
    with pytest.raises(ValidationError) as refused:
        services.create_round(foshan_cadre, round_data(zhongshan, base_system))
    assert refused.value.message_dict["unit"] == ["Choose a unit within your jurisdiction."]


def test_phases_go_in_order(zhongshan_cadre, zhongshan, base_system, zs_base):
    round_obj = make_round(zhongshan_cadre, zhongshan, base_system, opened=False)
    with pytest.raises(ValidationError, match="stage"):
        services.start_scoring(zhongshan_cadre, round_obj.pk)
    services.open_round(zhongshan_cadre, round_obj.pk)
    with pytest.raises(ValidationError, match="no subject"):
        services.start_scoring(zhongshan_cadre, round_obj.pk)
    services.enter_subject(zhongshan_cadre, round_obj.pk, zs_base.pk)
    services.start_scoring(zhongshan_cadre, round_obj.pk)
    assert Round.objects.get(pk=round_obj.pk).phase == "scoring"


def test_the_system_and_year_lock_once_the_round_is_open(zhongshan_cadre, zs_round, province_admin, province):
    other = make_system(province_admin, province, "base", name="另一版")
    with pytest.raises(ValidationError) as refused:
        services.update_round(
            zhongshan_cadre, zs_round.pk, {"system": other.pk, "name": "改名"}, version=zs_round.version
        )
    assert "system" in refused.value.message_dict
    assert Round.objects.get(pk=zs_round.pk).name != "改名"
    updated = services.update_round(zhongshan_cadre, zs_round.pk, {"name": "改名"}, version=zs_round.version)
    assert updated.name == "改名" and updated.version == zs_round.version + 1


def test_a_stale_edit_is_refused(zhongshan_cadre, zs_round):
    from hubportal.services import StaleVersion

    services.update_round(zhongshan_cadre, zs_round.pk, {"name": "第一次"}, version=zs_round.version)
    with pytest.raises(StaleVersion):
        services.update_round(zhongshan_cadre, zs_round.pk, {"name": "第二次"}, version=zs_round.version)


def test_a_round_cannot_open_after_its_self_assessment_deadline(zhongshan_cadre, zhongshan, base_system):
    round_obj = make_round(
        zhongshan_cadre,
        zhongshan,
        base_system,
        opened=False,
        self_assessment_until=today() - datetime.timedelta(days=1),
    )
    with pytest.raises(ValidationError, match="deadline has passed"):
        services.open_round(zhongshan_cadre, round_obj.pk)
