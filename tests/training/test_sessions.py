"""A camp's programme: a trainer is never in two sessions at once (in one camp or across
camps, in the services, the API and the schema), and a session stays within the camp's
dates; each refusal is a clear message and changes nothing."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from training import services
from training.models import CampSession

from .conftest import START, at, make_camp, sessions_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]


def booked(actor, camp, trainer) -> CampSession:
    """The camp's first session (09:00–12:00 on its first day) given to `trainer`."""
    session = sessions_of(camp)[0]
    services.update_session(actor, session.pk, {"trainer": trainer.pk}, version=session.version)
    return session


def test_a_trainer_in_two_overlapping_sessions_of_two_camps_is_refused(zhongshan_cadre, zhongshan, trainer):
    first = make_camp(zhongshan_cadre, zhongshan, "第一期")
    second = make_camp(zhongshan_cadre, zhongshan, "第二期")
    booked(zhongshan_cadre, first, trainer)
    with pytest.raises(ValidationError) as refused:
        services.create_session(
            zhongshan_cadre,
            second.pk,
            {
                "title": "撞车的课",
                "trainer": trainer.pk,
                "starts_at": at(START, 11),
                "ends_at": at(START, 13),
            },
        )
    message = " ".join(refused.value.message_dict["trainer"])
    assert "罗静怡 is already booked from 2026-03-20 09:00 to 12:00" in message
    assert not CampSession.objects.filter(title="撞车的课").exists()


def test_moving_a_booked_trainer_onto_another_of_their_sessions_is_refused(
    zhongshan_cadre, zhongshan, trainer
):
    camp = make_camp(zhongshan_cadre, zhongshan, sessions=2)
    morning, afternoon = sessions_of(camp)
    booked(zhongshan_cadre, camp, trainer)
    moved = services.update_session(  # 14:00: no clash
        zhongshan_cadre, afternoon.pk, {"trainer": trainer.pk}, version=afternoon.version
    )
    with pytest.raises(ValidationError, match="already booked"):
        services.update_session(
            zhongshan_cadre, afternoon.pk, {"starts_at": at(START, 11)}, version=moved.version
        )
    afternoon.refresh_from_db()
    assert afternoon.starts_at == at(START, 14)


def test_back_to_back_sessions_of_one_trainer_are_allowed(zhongshan_cadre, zhongshan, trainer):
    camp = make_camp(zhongshan_cadre, zhongshan, sessions=1)
    booked(zhongshan_cadre, camp, trainer)
    services.create_session(
        zhongshan_cadre,
        camp.pk,
        {"title": "紧接着", "trainer": trainer.pk, "starts_at": at(START, 12), "ends_at": at(START, 13)},
    )
    assert CampSession.objects.filter(trainer=trainer).count() == 2


def test_the_schema_refuses_a_trainer_twice_at_once_whatever_writes(zhongshan_cadre, zhongshan, trainer):
    first = make_camp(zhongshan_cadre, zhongshan, "第一期")
    second = make_camp(zhongshan_cadre, zhongshan, "第二期")
    booked(zhongshan_cadre, first, trainer)
    with pytest.raises(IntegrityError), transaction.atomic():
        CampSession.objects.create(
            camp=second, title="绕过服务", trainer=trainer, starts_at=at(START, 10), ends_at=at(START, 11)
        )


def test_a_cancelled_camp_frees_its_trainers(zhongshan_cadre, zhongshan, trainer):
    first = make_camp(zhongshan_cadre, zhongshan, "第一期")
    booked(zhongshan_cadre, first, trainer)
    services.cancel_camp(zhongshan_cadre, first.pk, "台风")
    second = make_camp(zhongshan_cadre, zhongshan, "第二期")
    booked(zhongshan_cadre, second, trainer)
    assert CampSession.objects.filter(trainer=trainer, is_active=True).count() == 1


@pytest.mark.parametrize(
    ("starts", "ends"),
    [
        (at(START - datetime.timedelta(days=1), 9), at(START - datetime.timedelta(days=1), 12)),
        (at(START + datetime.timedelta(days=1), 20), at(START + datetime.timedelta(days=2), 9)),
    ],
    ids=["the day before", "ending after the last day"],
)
def test_a_session_outside_the_camps_dates_is_refused(zhongshan_cadre, zhongshan, starts, ends):
    camp = make_camp(zhongshan_cadre, zhongshan, sessions=2)  # 2026-03-20 – 2026-03-21
    before = CampSession.objects.filter(camp=camp).count()
    with pytest.raises(ValidationError) as refused:
        services.create_session(
            zhongshan_cadre, camp.pk, {"title": "场外课", "starts_at": starts, "ends_at": ends}
        )
    assert refused.value.message_dict["starts_at"] == [
        "The session lies outside the camp's dates (2026-03-20 – 2026-03-21)."
    ]
    assert CampSession.objects.filter(camp=camp).count() == before


def test_a_session_that_ends_before_it_starts_is_refused(zhongshan_cadre, zhongshan):
    camp = make_camp(zhongshan_cadre, zhongshan, sessions=1)
    with pytest.raises(ValidationError) as refused:
        services.create_session(
            zhongshan_cadre,
            camp.pk,
            {"title": "倒着的课", "starts_at": at(START, 12), "ends_at": at(START, 10)},
        )
    assert "ends_at" in refused.value.message_dict
    assert not CampSession.objects.filter(title="倒着的课").exists()


def test_the_api_answers_a_clash_and_a_session_out_of_dates_with_400(
    client_for, zhongshan_cadre, zhongshan, trainer
):
    first = make_camp(zhongshan_cadre, zhongshan, "第一期")
    second = make_camp(zhongshan_cadre, zhongshan, "第二期")
    booked(zhongshan_cadre, first, trainer)
    client = client_for(zhongshan_cadre)
    body = {"camp": second.pk, "title": "撞车的课", "trainer": trainer.pk}
    clash = client.post(
        "/api/training/sessions/",
        {**body, "starts_at": at(START, 10).isoformat(), "ends_at": at(START, 11).isoformat()},
        content_type="application/json",
    )
    assert clash.status_code == 400 and "trainer" in clash.json(), clash.content
    day_after = START + datetime.timedelta(days=5)
    outside = client.post(
        "/api/training/sessions/",
        {**body, "starts_at": at(day_after, 10).isoformat(), "ends_at": at(day_after, 11).isoformat()},
        content_type="application/json",
    )
    assert outside.status_code == 400 and "starts_at" in outside.json(), outside.content
    assert not CampSession.objects.filter(title="撞车的课").exists()


def test_the_session_page_names_the_clash_on_the_trainer_field(
    client_for, zhongshan_cadre, zhongshan, trainer
):
    first = make_camp(zhongshan_cadre, zhongshan, "第一期")
    second = make_camp(zhongshan_cadre, zhongshan, "第二期")
    booked(zhongshan_cadre, first, trainer)
    before = CampSession.objects.count()
    page = client_for(zhongshan_cadre).post(
        f"/training/sessions/new/?camp={second.pk}",
        {
            "camp": second.pk,
            "title": "撞车的课",
            "trainer": trainer.pk,
            "starts_at": "2026-03-20 10:00",
            "ends_at": "2026-03-20 11:00",
            "place": "",
        },
    )
    assert page.status_code == 400
    html = page.content.decode()
    assert "罗静怡 在 2026-03-20 09:00 至 12:00 已安排其他课程" in html
    assert CampSession.objects.count() == before
