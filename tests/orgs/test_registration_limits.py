"""Verification codes are limited per client address and per address they go to, whatever
session or network asks (the counters are in the shared cache)."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from orgs import registration
from orgs.registration import CODES_PER_HOUR, CODES_PER_RECIPIENT_PER_HOUR, RateLimited
from tests.orgs.flow_support import isolate, queued

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path):
    isolate(settings, tmp_path)


class Session(dict):
    """A session as the view hands it over: a mapping that knows when it was changed."""

    modified = False


def request_from(address: str):
    return RequestFactory().post("/register/contact/", REMOTE_ADDR=address)


def test_one_recipient_gets_at_most_five_codes_an_hour_from_any_network():
    for i in range(CODES_PER_RECIPIENT_PER_HOUR):
        registration.send_verification_code(Session(), "group@example.cn", request_from(f"192.0.2.{i + 1}"))
    with pytest.raises(RateLimited) as refused:
        registration.send_verification_code(Session(), "group@example.cn", request_from("198.51.100.9"))
    assert "发往该地址的验证码过多" in refused.value.message
    assert len(queued("verification")) == CODES_PER_RECIPIENT_PER_HOUR
    # Another recipient is not affected.
    registration.send_verification_code(Session(), "other@example.cn", request_from("198.51.100.9"))


def test_one_network_asks_for_at_most_ten_codes_an_hour_whatever_the_recipients():
    for i in range(CODES_PER_HOUR):
        registration.send_verification_code(Session(), f"group{i}@example.cn", request_from("203.0.113.5"))
    session = Session()
    with pytest.raises(RateLimited):
        registration.send_verification_code(session, "late@example.cn", request_from("203.0.113.5"))
    assert len(queued("verification")) == CODES_PER_HOUR and not session
