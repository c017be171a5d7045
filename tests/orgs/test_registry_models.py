"""Rules of the registry said in the schema: constraints, derived fields, masking."""

import pytest
from django.db import IntegrityError, transaction

from orgs.models import BackboneMember, DirectContact, Organization, mask_id_number, mask_phone, name_initials

from .factories import credit_code, make_org

pytestmark = pytest.mark.django_db


def test_pinyin_initials_are_kept_up_to_date(zhongshan):
    org = make_org(zhongshan, "中山青年义工联")
    assert org.name_initials == "zsqnygl"
    org.name = "古镇灯饰青年商会"
    org.save(update_fields=["name"])
    org.refresh_from_db()
    assert org.name_initials == "gzdsqnsh"
    assert name_initials("ABC青年 2号") == "abcqn2h"


def test_credit_code_unique_when_present(zhongshan):
    code = credit_code()
    make_org(zhongshan, "甲", registration_status="social_group", credit_code=code)
    make_org(zhongshan, "乙")  # two unregistered organizations without codes are fine
    make_org(zhongshan, "丙")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_org(zhongshan, "丁", registration_status="social_group", credit_code=code)


def test_registered_needs_credit_code(zhongshan):
    with pytest.raises(IntegrityError), transaction.atomic():
        make_org(zhongshan, "甲", registration_status="foundation", credit_code="")


def test_credit_code_format_in_schema(zhongshan):
    with pytest.raises(IntegrityError), transaction.atomic():
        make_org(zhongshan, "甲", registration_status="foundation", credit_code="91350100M000100O43")


@pytest.mark.parametrize(
    ("tier", "body", "kind"),
    [
        ("5", "", "social_organization"),
        ("5", "migrant_committee", ""),
        ("2", "volunteers", ""),
        ("N", "", ""),
    ],
)
def test_tier_body_kind_must_agree(zhongshan, tier, body, kind):
    with pytest.raises(IntegrityError), transaction.atomic():
        make_org(zhongshan, "甲", tier=tier, body=body, kind=kind)


def test_tier_body_kind_valid_combinations(zhongshan):
    make_org(zhongshan, "中山市青年联合会", tier="5", body="youth_federation", kind="")
    make_org(zhongshan, "中山市青年社会组织联合会", tier="2", body="federation", kind="")
    make_org(zhongshan, "小榄青年社区学院", tier="N", kind="community_college")
    assert Organization.objects.count() == 3


def test_direct_contact_unique_per_pair(zhongshan):
    org = make_org(zhongshan)
    DirectContact.objects.create(unit=zhongshan, organization=org, since="2026-01-01")
    with pytest.raises(IntegrityError), transaction.atomic():
        DirectContact.objects.create(unit=zhongshan, organization=org, since="2026-02-01")


def test_backbone_queryset_and_flags(zhongshan):
    big = make_org(zhongshan, youth_covered=1000)
    make_org(zhongshan, youth_covered=999)
    assert list(Organization.objects.backbone()) == [big]
    flags = {o.pk: getattr(o, "is_backbone_org") for o in Organization.objects.annotate_flags()}  # noqa: B009 - an annotation
    assert flags[big.pk] is True and sum(flags.values()) == 1


def test_masking():
    assert mask_phone("13812345678") == "138****5678"
    assert mask_id_number("11010519491231002X") == "1101************2X"
    member = BackboneMember(phone="13912345678", id_number="")
    assert member.masked_phone == "139****5678" and member.masked_id_number == ""


def test_contact_log_days_must_be_positive(zhongshan, zhongshan_cadre):
    from orgs.models import ContactLog

    org = make_org(zhongshan)
    with pytest.raises(IntegrityError), transaction.atomic():
        ContactLog.objects.create(
            organization=org, cadre=zhongshan_cadre, unit=zhongshan, date="2026-03-01", days=0
        )
