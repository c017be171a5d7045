"""Sessions end after two idle hours and twelve hours in all, and say so on the login page;
"log out everywhere" and a password change end every other session."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from accounts import services
from accounts.models import ApiToken

pytestmark = pytest.mark.django_db

PASSWORD = "pw-for-tests-2026"


def logged_in(username: str = "zs_cadre") -> Client:
    client = Client()
    assert client.post("/accounts/login/", {"username": username, "password": PASSWORD}).status_code == 302
    return client


def later(**delta):
    return time_machine.travel(timezone.now() + datetime.timedelta(**delta), tick=False)


def test_a_session_idle_for_longer_than_the_limit_goes_to_the_login_page_which_says_why(zhongshan_cadre):
    client = logged_in()
    with later(hours=2, minutes=1):
        response = client.get("/orgs/units/")
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?expired=idle")
        assert "next=%2Forgs%2Funits%2F" in response["Location"]
        page = client.get(response["Location"]).content.decode()
        assert "120 分钟未操作，会话已结束" in page
        assert client.get("/api/accounts/me/").status_code in (401, 403)


def test_activity_keeps_a_session_open_past_the_idle_limit(zhongshan_cadre):
    client = logged_in()
    for minutes in (60, 120, 180):
        with later(minutes=minutes):
            assert client.get("/accounts/profile/").status_code == 200


def test_a_session_ends_after_the_absolute_limit_however_busy(zhongshan_cadre):
    client = logged_in()
    for hours in range(1, 12):
        with later(hours=hours):
            assert client.get("/accounts/profile/").status_code == 200
    with later(hours=12, minutes=1):
        response = client.get("/accounts/profile/")
        assert response["Location"].startswith("/accounts/login/?expired=absolute")
        assert "登录 12 小时后，会话已结束" in client.get(response["Location"]).content.decode()


def test_the_limits_are_configurable(zhongshan_cadre, settings):
    settings.HUB_SESSION_IDLE_MINUTES = 10
    client = logged_in()
    with later(minutes=11):
        assert client.get("/accounts/profile/")["Location"].startswith("/accounts/login/?expired=idle")


def test_an_htmx_request_of_an_expired_session_is_told_to_load_the_login_page(zhongshan_cadre):
    client = logged_in()
    with later(hours=3):
        response = client.get("/orgs/units/", headers={"HX-Request": "true"})
    assert response.status_code == 204 and response["HX-Redirect"].startswith("/accounts/login/?expired=idle")


def test_the_session_is_saved_at_most_once_a_minute(zhongshan_cadre, django_assert_num_queries):
    client = logged_in()
    client.get("/accounts/profile/")
    # session, user, memberships (navigation), memberships (page), tokens: the last use is not
    # written again within the minute
    with django_assert_num_queries(5):
        client.get("/accounts/profile/")


def test_log_out_everywhere_ends_the_other_sessions_and_revokes_tokens(zhongshan_cadre):
    here, elsewhere = logged_in(), logged_in()
    _token, key = services.issue_api_token(zhongshan_cadre)
    response = here.post("/accounts/profile/log-out-everywhere/", follow=True)
    assert "已在其他所有地方退出登录" in response.content.decode()
    assert here.get("/accounts/profile/").status_code == 200  # this browser stays
    assert elsewhere.get("/accounts/profile/").status_code == 302
    assert not ApiToken.objects.exists()
    api = Client(headers={"Authorization": f"Token {key}"})
    assert api.get("/api/accounts/me/").status_code == 403


def test_log_out_everywhere_through_the_api(zhongshan_cadre):
    browser = logged_in()
    _token, key = services.issue_api_token(zhongshan_cadre)
    api = Client(headers={"Authorization": f"Token {key}"})
    assert api.post("/api/accounts/log-out-everywhere/").status_code == 204
    assert api.get("/api/accounts/me/").status_code == 403
    assert browser.get("/accounts/profile/").status_code == 302


def test_log_out_everywhere_is_a_post(client_for, zhongshan_cadre):
    client = client_for(zhongshan_cadre)
    assert client.get("/accounts/profile/log-out-everywhere/").status_code == 405
    zhongshan_cadre.refresh_from_db()
    assert zhongshan_cadre.session_salt == ""


def test_a_password_change_ends_the_other_sessions(zhongshan_cadre):
    here, elsewhere = logged_in(), logged_in()
    here.post(
        "/accounts/password/change/",
        {"old_password": PASSWORD, "new_password1": "Qingnian-2026!x", "new_password2": "Qingnian-2026!x"},
    )
    assert here.get("/accounts/profile/").status_code == 200
    assert elsewhere.get("/accounts/profile/").status_code == 302
