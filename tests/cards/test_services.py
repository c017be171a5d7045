"""Issuing one card and changing its status: a member card only to someone aged 14–28 on
the day of issue, one active card of a kind per person, a card number used once; each
refusal a clear message on its field, nothing changed."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cards import services
from cards.models import Card, Holder, member_age_limits

from . import factories as f

D = datetime.date


BORN = D(2003, 5, 6)


def issue(actor, unit, born=BORN, **extra):
    data = {
        "number": "ZS0001",
        "kind": "member",
        "issuing_unit": unit.pk,
        "name": "王小明",
        "id_number": f.id_for(born, 1),
        "phone": "13800138000",
        "issued_on": D(2026, 3, 1),
    }
    data.update(extra)
    return services.issue_card(actor, data)


def messages(error: ValidationError) -> str:
    return (
        " ".join(m for ms in error.message_dict.values() for m in ms)
        if hasattr(error, "error_dict")
        else " ".join(error.messages)
    )


def test_a_member_card_is_valid_until_the_holder_turns_29(clock, guzhen_admin, guzhen):
    card = issue(guzhen_admin, guzhen)
    assert card.holder.birth_date == D(2003, 5, 6) and card.holder.unit == guzhen
    assert card.expires_on == D(2032, 5, 5) and card.status == "active" and len(card.token) >= 20


@pytest.mark.parametrize(
    ("born", "ok"),
    [(D(2012, 3, 1), True), (D(2012, 3, 2), False), (D(1997, 3, 2), True), (D(1997, 3, 1), False)],
)
def test_members_are_14_to_28_on_the_day_of_issue(clock, guzhen_admin, guzhen, born, ok):
    if ok:
        assert issue(guzhen_admin, guzhen, born).pk
        return
    with pytest.raises(ValidationError) as refused:
        issue(guzhen_admin, guzhen, born)
    assert "aged 14 to 28" in messages(refused.value)
    assert not Card.objects.exists() and not Holder.objects.exists()


def test_volunteers_have_no_age_limit(clock, guzhen_admin, guzhen):
    assert issue(guzhen_admin, guzhen, D(1960, 1, 1), kind="volunteer").expires_on is None


def test_the_age_limits_around_a_leap_day():
    assert member_age_limits(D(2004, 2, 29)) == (D(2018, 2, 28), D(2033, 2, 27))


def test_a_duplicate_card_number_is_refused(clock, guzhen_admin, guzhen):
    issue(guzhen_admin, guzhen)
    with pytest.raises(ValidationError) as refused:
        issue(guzhen_admin, guzhen, D(2004, 1, 1))
    assert "already taken" in messages(refused.value)
    assert Card.objects.count() == 1 and Holder.objects.count() == 1


def test_a_second_active_card_of_a_kind_is_refused_until_the_first_is_lost(clock, guzhen_admin, guzhen):
    first = issue(guzhen_admin, guzhen)
    with pytest.raises(ValidationError) as refused:
        issue(guzhen_admin, guzhen, number="ZS0002")
    assert "already holds an active card of this kind (ZS0001)" in messages(refused.value)
    assert issue(guzhen_admin, guzhen, number="ZS0003", kind="volunteer").holder_id == first.holder_id
    services.report_card_lost(guzhen_admin, first.pk, "丢失")
    assert issue(guzhen_admin, guzhen, number="ZS0004").holder_id == first.holder_id
    holder = Holder.objects.get()
    assert holder.is_member and holder.is_volunteer


def test_a_bad_id_number_is_refused(clock, guzhen_admin, guzhen):
    with pytest.raises(ValidationError) as refused:
        issue(guzhen_admin, guzhen, id_number="442000200305060019")
    assert list(refused.value.message_dict) == ["id_number"]


def test_a_person_of_another_jurisdiction_is_refused_without_details(clock, guzhen_admin, guzhen, foshan):
    other = f.holder(foshan, name="佛山人")
    with pytest.raises(ValidationError) as refused:
        issue(guzhen_admin, guzhen, id_number=other.id_number)
    assert "outside your jurisdiction" in messages(refused.value) and "佛山" not in messages(refused.value)


def test_only_units_within_reach_issue(clock, guzhen_admin, zhongshan):
    with pytest.raises(ValidationError) as refused:
        issue(guzhen_admin, zhongshan)
    assert list(refused.value.message_dict) == ["issuing_unit"]


def test_a_card_changes_status_once(clock, guzhen_admin, guzhen):
    card = issue(guzhen_admin, guzhen)
    with pytest.raises(ValidationError):
        services.revoke_card(guzhen_admin, card.pk, "")
    card = services.revoke_card(guzhen_admin, card.pk, "超龄离团")
    assert (card.status, card.status_reason) == ("revoked", "超龄离团") and card.status_changed_at
    with pytest.raises(ValidationError):
        services.report_card_lost(guzhen_admin, card.pk)


def test_cards_past_their_date_expire_once(clock, guzhen):
    h = f.holder(guzhen)
    old = f.card(h, expires_on=D(2026, 7, 14))
    f.card(h, kind="volunteer", expires_on=D(2026, 7, 15))
    assert services.expire_cards() == 1 and services.expire_cards() == 0
    old.refresh_from_db()
    assert old.status == "expired" and old.status_reason == ""  # the status speaks the reader's language


def test_only_the_holders_units_cadres_edit_personal_data(clock, guzhen, guzhen_admin, zhongshan_cadre):
    h = f.holder(guzhen)
    with pytest.raises(PermissionDenied):
        services.update_holder(zhongshan_cadre, h.pk, {"phone": "13900000000"})
    saved = services.update_holder(guzhen_admin, h.pk, {"phone": "13900000000"}, version=h.version)
    assert (saved.phone, saved.version) == ("13900000000", h.version + 1)


def test_registering_a_member_without_a_card(clock, guzhen_admin, guzhen):
    holder = services.register_holder(
        guzhen_admin,
        {"unit": guzhen.pk, "name": "李青", "id_number": f.id_for(D(2005, 1, 1), 7), "is_member": True},
    )
    assert holder.is_member and not holder.cards.exists()
    with pytest.raises(ValidationError):
        services.register_holder(
            guzhen_admin,
            {"unit": guzhen.pk, "name": "李青", "id_number": holder.id_number, "is_member": True},
        )
