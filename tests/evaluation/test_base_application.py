"""A base's owner applies to a round of bases (issue 12 item 2): the cadres of the base's
owning unit, for the bases within their jurisdiction only; the round's cadres hear of it."""

import pytest
from django.core.exceptions import ValidationError

from evaluation import services
from hubportal.models import OutboxMessage


def test_a_bases_owning_unit_applies_with_its_own_base_only(
    zs_round, guzhen_cadre, zhongshan_cadre, zs_base, guzhen_base, fs_base, client_for
):
    zhongshan_cadre.email = "zs@example.cn"
    zhongshan_cadre.save()
    page = client_for(guzhen_cadre).get(f"/evaluation/rounds/{zs_round.pk}/apply/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    offered = [label for value, label in page.context["form"].fields["target"].choices if value]
    assert offered == ["古镇镇亲青家园"]
    subject = services.apply_to_round(guzhen_cadre, zs_round.pk, guzhen_base.pk, "申请参评")
    assert (subject.status, subject.applied_by, subject.owner_unit_id) == (
        "applied",
        guzhen_cadre,
        guzhen_base.unit_id,
    )
    assert OutboxMessage.objects.filter(user=zhongshan_cadre, subject__contains=zs_round.name).exists()
    for other in (zs_base, fs_base):  # the city's own base, another city's base: out of reach
        with pytest.raises(ValidationError) as refused:
            services.apply_to_round(guzhen_cadre, zs_round.pk, other.pk)
        assert "target" in refused.value.message_dict
    assert list(zs_round.subjects.values_list("base_id", flat=True)) == [guzhen_base.pk]
