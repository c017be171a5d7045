"""Rotating chairs: a leader of a member unit's league organization, at most three months,
never overlapping; a term that ended without an activity is flagged. Each refusal is a
clear message on its field and changes nothing."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from cobuilding import services
from cobuilding.models import ChairTerm, term_end_limit

from . import factories as f

D = datetime.date


def appoint(actor, committee, unit, starts, ends, **extra):
    return services.appoint_chair(
        actor, committee.pk, {"member_unit": unit.pk, "starts_on": starts, "ends_on": ends, **extra}
    )


def refusal(error: ValidationError) -> dict[str, str]:
    return {field: " ".join(messages) for field, messages in error.message_dict.items()}


def test_a_chair_is_the_member_units_leader_for_three_months(clock, zhongshan_cadre, committee, member_units):
    term = appoint(zhongshan_cadre, committee, member_units[0], D(2026, 1, 1), D(2026, 3, 31))
    assert (term.chair_name, term.chair_title) == ("梁志强", "团委书记")


def test_a_term_over_three_months_is_refused(clock, zhongshan_cadre, committee, member_units):
    with pytest.raises(ValidationError) as refused:
        appoint(zhongshan_cadre, committee, member_units[0], D(2026, 1, 1), D(2026, 4, 1))
    assert "at most three months" in refusal(refused.value)["ends_on"]
    assert "2026-03-31" in refusal(refused.value)["ends_on"]
    assert not ChairTerm.objects.exists()


def test_three_months_end_on_the_last_day_of_a_shorter_month():
    assert term_end_limit(D(2026, 11, 30)) == D(2027, 2, 28)
    assert term_end_limit(D(2025, 11, 30)) == D(2026, 2, 28)
    assert term_end_limit(D(2024, 1, 31)) == D(2024, 4, 30)


def test_overlapping_terms_are_refused_naming_the_other_chair(
    clock, zhongshan_cadre, committee, member_units
):
    appoint(zhongshan_cadre, committee, member_units[0], D(2026, 1, 1), D(2026, 3, 31))
    with pytest.raises(ValidationError) as refused:
        appoint(zhongshan_cadre, committee, member_units[1], D(2026, 3, 31), D(2026, 6, 29))
    assert "overlaps the term of 梁志强" in refusal(refused.value)["starts_on"]
    assert ChairTerm.objects.count() == 1


def test_the_schema_refuses_overlap_and_length_whatever_writes(committee, member_units):
    f.chair_term(committee, member_units[0], D(2026, 1, 1), D(2026, 3, 31))
    with pytest.raises(IntegrityError), transaction.atomic():
        f.chair_term(committee, member_units[1], D(2026, 3, 1), D(2026, 4, 30))
    with pytest.raises(IntegrityError), transaction.atomic():
        f.chair_term(committee, member_units[1], D(2026, 4, 1), D(2026, 7, 1))


def test_terms_of_two_committees_may_overlap(clock, zhongshan_cadre, committee, member_units, units):
    other = f.committee(units["442000002"])
    unit = f.member_unit(other)
    appoint(zhongshan_cadre, committee, member_units[0], D(2026, 1, 1), D(2026, 3, 31))
    assert appoint(zhongshan_cadre, other, unit, D(2026, 1, 1), D(2026, 3, 31)).pk


def test_a_chair_who_is_not_the_member_units_leader_is_refused(
    clock, zhongshan_cadre, committee, member_units
):
    with pytest.raises(ValidationError) as refused:
        appoint(
            zhongshan_cadre, committee, member_units[0], D(2026, 1, 1), D(2026, 3, 31), chair_name="王路人"
        )
    assert (
        "王路人 is not the leader of a member unit's league organization"
        in refusal(refused.value)["chair_name"]
    )
    assert not ChairTerm.objects.exists()


def test_a_member_unit_without_a_recorded_leader_cannot_chair(clock, zhongshan_cadre, committee):
    unit = f.member_unit(committee, leader_name="")
    with pytest.raises(ValidationError) as refused:
        appoint(zhongshan_cadre, committee, unit, D(2026, 1, 1), D(2026, 3, 31))
    assert "No leader" in refusal(refused.value)["member_unit"]


def test_a_member_unit_of_another_committee_is_refused_without_naming_it(
    clock, zhongshan_cadre, committee, member_units, foshan
):
    foreign = f.member_unit(f.committee(f.subdistrict(foshan)), "佛山某单位")
    with pytest.raises(ValidationError) as refused:
        appoint(zhongshan_cadre, committee, foreign, D(2026, 1, 1), D(2026, 3, 31))
    message = refusal(refused.value)["member_unit"]
    assert "佛山" not in message and "Choose a member unit of this committee" in message


def test_a_unit_that_joined_after_the_term_began_cannot_chair_it(clock, zhongshan_cadre, committee):
    late = f.member_unit(committee, joined_on=D(2026, 2, 1))
    with pytest.raises(ValidationError) as refused:
        appoint(zhongshan_cadre, committee, late, D(2026, 1, 1), D(2026, 3, 31))
    assert "not a member unit for the whole term" in refusal(refused.value)["member_unit"]


def test_a_term_that_ended_without_an_activity_is_flagged_on_the_committee_page(
    clock, zhongshan_cadre, committee, member_units, client_for
):
    quiet = f.chair_term(committee, member_units[0], D(2026, 1, 1), D(2026, 3, 31))
    busy = f.chair_term(committee, member_units[1], D(2026, 4, 1), D(2026, 6, 30))
    running = f.chair_term(committee, member_units[2], D(2026, 7, 1), D(2026, 9, 30))
    f.activity(committee, D(2026, 5, 20))
    flagged = set(ChairTerm.objects.without_activity(D(2026, 7, 15)).values_list("pk", flat=True))
    assert flagged == {quiet.pk}, "a running term is not judged yet"
    page = client_for(zhongshan_cadre).get(reverse("cobuilding:committee_detail", args=[committee.pk]))
    html = page.content.decode()
    assert html.count('class="badge text-bg-danger flagged"') == 1
    assert busy.pk and running.pk


def test_a_town_editor_appoints_the_chairs_of_its_own_committee(clock, units, client_for):
    from tests.conftest import make_user

    guzhen = units["442000012"]
    editor = make_user("gz_editor", guzhen, role="editor")
    c = f.committee(guzhen)
    unit = f.member_unit(c)
    response = client_for(editor).post(
        reverse("cobuilding:chair_term_create", args=[c.pk]),
        {"member_unit": unit.pk, "chair_name": "", "starts_on": "2026-07-01", "ends_on": "2026-09-30"},
    )
    assert response.status_code == 302, response.content.decode()[:500]
    assert ChairTerm.objects.get().chair_name == unit.leader_name


def test_the_form_shows_the_refusal_next_to_its_field(
    clock, zhongshan_cadre, committee, member_units, client_for
):
    response = client_for(zhongshan_cadre).post(
        reverse("cobuilding:chair_term_create", args=[committee.pk]),
        {"member_unit": member_units[0].pk, "starts_on": "2026-01-01", "ends_on": "2026-05-31"},
    )
    assert response.status_code == 400
    assert "任期最长三个月" in " ".join(response.context["form"].errors["ends_on"])
    assert not ChairTerm.objects.exists()


def test_a_term_with_activities_held_stays(clock, zhongshan_cadre, committee, member_units):
    term = f.chair_term(committee, member_units[0], D(2026, 1, 1), D(2026, 3, 31))
    f.activity(committee, D(2026, 2, 2))
    with pytest.raises(ValidationError):
        services.delete_chair_term(zhongshan_cadre, term.pk)
    future = f.chair_term(committee, member_units[1], D(2026, 10, 1), D(2026, 12, 31))
    services.delete_chair_term(zhongshan_cadre, future.pk)
    assert list(ChairTerm.objects.values_list("pk", flat=True)) == [term.pk]
