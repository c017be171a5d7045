"""Enrolment: one person from registry to certificate, the audience, the waiting list that
moves inside the cancelling transaction, held seat offers, seat quotas down the tree."""

from __future__ import annotations

import datetime
from typing import Any, cast

import pytest
import time_machine
from django.core.exceptions import ValidationError

from hubportal.models import OutboxMessage
from orgs.models import BackboneMember
from tests.orgs.factories import id_number, make_org
from training import services
from training.models import Enrolment, SeatQuota, Trainee

from .conftest import make_camp, make_member

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]
S = Enrolment.Status


def messages_to(phone: str) -> list[str]:
    return list(OutboxMessage.objects.filter(recipient=phone).values_list("subject", flat=True))


def test_a_representative_enrols_the_members_of_their_organization(
    zs_camp, zs_org, zs_members, representative
):
    zs_org.representatives.add(representative)
    enrolments = services.enrol_members(representative, zs_camp.pk, [m.pk for m in zs_members[:3]])
    assert [e.status for e in enrolments] == [S.APPLIED] * 3
    assert {e.trainee.name for e in enrolments} == {"中山骨干0", "中山骨干1", "中山骨干2"}
    assert all(e.unit_id == zs_org.governing_unit_id and e.enrolled_by == representative for e in enrolments)
    assert messages_to(zs_members[0].phone)  # the person is told through the outbox


def test_a_representative_cannot_enrol_another_organizations_member(zs_camp, zs_members, representative):
    with pytest.raises(ValidationError) as refused:
        services.enrol_member(representative, zs_camp.pk, zs_members[0].pk)
    assert "member" in refused.value.message_dict
    assert not Enrolment.objects.exists()


def test_the_same_id_number_under_another_spelling_is_the_same_person(
    zs_camp, zhongshan_cadre, zs_org, guzhen_org
):
    number = id_number("19920301", 77)
    first = make_member(zs_org, "王小明", id_no=number, phone="13800000001")
    again = make_member(guzhen_org, "王晓明", id_no=number, phone="")
    services.enrol_member(zhongshan_cadre, zs_camp.pk, first.pk)
    with pytest.raises(ValidationError) as refused:
        services.enrol_member(zhongshan_cadre, zs_camp.pk, again.pk)
    assert "王小明 is already enrolled in this camp" in str(refused.value)
    assert Enrolment.objects.count() == 1
    assert Trainee.objects.count() == 1


def test_a_person_is_matched_by_phone_when_there_is_no_id_number(zs_camp, zhongshan_cadre, zhongshan, zs_org):
    member = make_member(zs_org, "李华", id_no="", phone="13912345678")
    services.enrol_member(zhongshan_cadre, zs_camp.pk, member.pk)
    with pytest.raises(ValidationError, match="already enrolled"):
        services.enrol_person(
            zhongshan_cadre, zs_camp.pk, {"name": "李 华", "phone": "139-1234-5678", "unit": zhongshan.pk}
        )
    assert Trainee.objects.count() == 1


def test_one_enrolment_per_person_and_camp_is_a_database_rule(zs_camp, zhongshan_cadre, zs_members):
    from django.db import IntegrityError, transaction

    enrolment = services.enrol_member(zhongshan_cadre, zs_camp.pk, zs_members[0].pk)
    with pytest.raises(IntegrityError), transaction.atomic():
        Enrolment.objects.create(
            camp=zs_camp, trainee=enrolment.trainee, unit=enrolment.unit, status=S.WAITING
        )


def test_an_id_number_and_a_phone_of_two_people_are_refused(zs_camp, zhongshan_cadre, zhongshan, zs_org):
    services.enrol_member(zhongshan_cadre, zs_camp.pk, make_member(zs_org, "甲", phone="13800000011").pk)
    services.enrol_member(
        zhongshan_cadre, zs_camp.pk, make_member(zs_org, "乙", id_no="", phone="13800000022").pk
    )
    first = Trainee.objects.get(name="甲")
    with pytest.raises(ValidationError) as refused:
        services.enrol_person(
            zhongshan_cadre,
            zs_camp.pk,
            {"name": "丙", "id_number": first.id_number, "phone": "13800000022", "unit": zhongshan.pk},
        )
    assert "phone" in refused.value.message_dict
    assert Enrolment.objects.count() == 2


def test_enrolling_outside_the_audience_is_refused(
    zhongshan_cadre, zhongshan, guzhen, fs_org, province_admin
):
    camp = make_camp(zhongshan_cadre, zhongshan, audience=[guzhen.pk])
    member = make_member(fs_org, "佛山骨干")
    with pytest.raises(ValidationError) as refused:
        services.enrol_member(province_admin, camp.pk, member.pk)
    assert "outside this camp's audience (古镇镇)" in str(refused.value)
    assert not Enrolment.objects.exists()


def test_a_camp_not_open_takes_no_enrolment(zhongshan_cadre, zhongshan, zs_members):
    camp = make_camp(zhongshan_cadre, zhongshan, open_=False)
    with pytest.raises(ValidationError):
        services.enrol_member(zhongshan_cadre, camp.pk, zs_members[0].pk)


def test_a_full_camp_puts_people_in_line_with_their_position(zhongshan_cadre, zhongshan, zs_members):
    camp = make_camp(zhongshan_cadre, zhongshan, capacity=2)
    done = [services.enrol_member(zhongshan_cadre, camp.pk, m.pk) for m in zs_members[:4]]
    assert [e.status for e in done] == [S.APPLIED, S.APPLIED, S.WAITING, S.WAITING]
    positions = {e.pk: cast(Any, e).queue_position for e in Enrolment.objects.with_queue_position()}
    assert [positions[e.pk] for e in done] == [None, None, 1, 2]
    assert any("候补通知" in s for s in messages_to(zs_members[3].phone))


def test_a_cancelled_seat_goes_to_the_next_in_line_at_once(zhongshan_cadre, zhongshan, zs_members):
    camp = make_camp(zhongshan_cadre, zhongshan, capacity=2)
    first, _second, third, fourth = [
        services.enrol_member(zhongshan_cadre, camp.pk, m.pk) for m in zs_members[:4]
    ]
    services.confirm_enrolment(zhongshan_cadre, first.pk)
    services.cancel_enrolment(zhongshan_cadre, first.pk, "生病")
    third.refresh_from_db()
    fourth.refresh_from_db()
    assert (third.status, fourth.status) == (S.APPLIED, S.WAITING)
    assert cast(Any, Enrolment.objects.filter(pk=fourth.pk).with_queue_position().get()).queue_position == 1
    assert any("候补成功" in s for s in messages_to(zs_members[2].phone))


def test_a_held_offer_passes_on_when_not_accepted_in_time(zhongshan_cadre, zhongshan, zs_members):
    with time_machine.travel(datetime.datetime(2026, 3, 1, 9, 0, tzinfo=datetime.UTC), tick=False) as clock:
        camp = make_camp(zhongshan_cadre, zhongshan, capacity=1, offer_hold_hours=24)
        first, second, third = [services.enrol_member(zhongshan_cadre, camp.pk, m.pk) for m in zs_members[:3]]
        services.cancel_enrolment(zhongshan_cadre, first.pk)
        second.refresh_from_db()
        assert second.status == S.OFFERED
        assert second.offer_expires_at == datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
        clock.shift(datetime.timedelta(hours=25))
        with pytest.raises(ValidationError, match="expired"):
            services.accept_offer(None, second.pk, token=second.access_token)
        assert services.expire_seat_offers(None) == 1
    second.refresh_from_db()
    third.refresh_from_db()
    assert (second.status, third.status) == (S.CANCELLED, S.OFFERED)


def test_an_offer_accepted_in_time_confirms_the_seat(zhongshan_cadre, zhongshan, zs_members):
    camp = make_camp(zhongshan_cadre, zhongshan, capacity=1, offer_hold_hours=24)
    first, second = [services.enrol_member(zhongshan_cadre, camp.pk, m.pk) for m in zs_members[:2]]
    services.cancel_enrolment(zhongshan_cadre, first.pk)
    services.accept_offer(None, second.pk, token=second.access_token)
    second.refresh_from_db()
    assert second.status == S.CONFIRMED


def test_quotas_reserve_seats_for_their_units_until_the_return_date(
    province_admin, province, zhongshan, foshan
):
    camp = make_camp(
        province_admin, province, "省级训练营", capacity=3, quota_return_on=datetime.date(2026, 12, 20)
    )
    services.set_quotas(province_admin, camp.pk, {zhongshan.pk: 2})
    fs = [make_member(make_org(foshan, f"佛山组织{i}"), f"佛山骨干{i}") for i in range(2)]
    zs = make_member(make_org(zhongshan, "中山组织"), "中山骨干")
    a = services.enrol_member(province_admin, camp.pk, fs[0].pk)
    b = services.enrol_member(province_admin, camp.pk, fs[1].pk)
    c = services.enrol_member(province_admin, camp.pk, zs.pk)
    assert (a.status, b.status, c.status) == (S.APPLIED, S.WAITING, S.APPLIED)
    assert c.quota == SeatQuota.objects.get(unit=zhongshan)
    with time_machine.travel(datetime.datetime(2026, 12, 20, 1, 0, tzinfo=datetime.UTC)):
        assert services.release_quota_seats(None) == 1
    b.refresh_from_db()
    assert b.status == S.APPLIED


def test_quotas_cannot_hold_more_seats_than_the_camp(province_admin, province, zhongshan, foshan):
    camp = make_camp(province_admin, province, "省级训练营", capacity=10)
    with pytest.raises(ValidationError) as refused:
        services.set_quotas(province_admin, camp.pk, {zhongshan.pk: 8, foshan.pk: 8})
    assert "16 seats but 省级训练营 has only 10" in str(refused.value)
    assert not SeatQuota.objects.exists()


def test_a_city_splits_its_quota_among_its_towns_within_its_seats(
    province_admin, zhongshan_cadre, province, zhongshan, guzhen
):
    camp = make_camp(province_admin, province, "省级训练营", capacity=10)
    services.set_quotas(province_admin, camp.pk, {zhongshan.pk: 4})
    city_quota = SeatQuota.objects.get(unit=zhongshan)
    services.set_quotas(zhongshan_cadre, camp.pk, {guzhen.pk: 3}, parent=city_quota.pk)
    assert SeatQuota.objects.get(unit=guzhen).parent == city_quota
    with pytest.raises(ValidationError, match="add up to 5 seats"):
        services.set_quotas(zhongshan_cadre, camp.pk, {guzhen.pk: 5}, parent=city_quota.pk)
    assert SeatQuota.objects.get(unit=guzhen).seats == 3


def test_a_city_cadre_cannot_split_the_camps_seats(zhongshan_cadre, province_admin, province, zhongshan):
    from hubportal.access import NotVisible

    camp = make_camp(province_admin, province, "省级训练营", capacity=10)
    with pytest.raises(NotVisible):
        services.set_quotas(zhongshan_cadre, camp.pk, {zhongshan.pk: 2})


def test_more_seats_move_the_waiting_list(zhongshan_cadre, zhongshan, zs_members):
    camp = make_camp(zhongshan_cadre, zhongshan, capacity=1)
    first, second = [services.enrol_member(zhongshan_cadre, camp.pk, m.pk) for m in zs_members[:2]]
    services.update_camp(zhongshan_cadre, camp.pk, {"capacity": 2}, version=camp.version)
    second.refresh_from_db()
    assert second.status == S.APPLIED
    with pytest.raises(ValidationError, match="2 people hold a seat"):
        services.update_camp(zhongshan_cadre, camp.pk, {"capacity": 1}, version=camp.version + 1)


def test_backbone_member_without_id_or_phone_is_refused(zs_camp, zhongshan_cadre, zs_org):
    member = BackboneMember.objects.create(organization=zs_org, name="无号码", gender="male")
    with pytest.raises(ValidationError, match="neither an ID card number nor a mobile number"):
        services.enrol_member(zhongshan_cadre, zs_camp.pk, member.pk)
