"""Anti-automation on the credential endpoints: failed log-ins per address and per account,
the token endpoint's 429, password-reset mails per address and per e-mail address."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client

from accounts.models import ApiToken
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

PASSWORD = "pw-for-tests-2026"
LOGIN = "/accounts/login/"
TOKEN = "/api/accounts/token/"


def from_address(address: str) -> Client:
    return Client(REMOTE_ADDR=address)


def test_sixty_guesses_over_34_usernames_from_one_address_are_blocked(zhongshan_cadre, settings):
    client = from_address("203.0.113.7")
    answers = [
        client.post(LOGIN, {"username": f"user{i % 34}", "password": f"guess{i}"}).status_code
        for i in range(60)
    ]
    limit = settings.HUB_LOGIN_FAILURES_PER_ADDRESS
    assert answers[:limit] == [200] * limit  # the form's "wrong password"
    assert set(answers[limit:]) == {429}
    # The right password is refused too while the address is paused ...
    refused = client.post(LOGIN, {"username": "zs_cadre", "password": PASSWORD})
    assert refused.status_code == 429 and "来自您所在网络的登录失败次数过多" in refused.content.decode()
    assert "暂停登录" in refused.content.decode()
    assert refused["Retry-After"].isdigit()
    assert "_auth_user_id" not in client.session
    # ... but not from another address.
    assert (
        from_address("198.51.100.2").post(LOGIN, {"username": "zs_cadre", "password": PASSWORD}).status_code
        == 302
    )


def test_one_account_guessed_from_many_addresses_is_paused(zhongshan_cadre, settings):
    settings.AXES_FAILURE_LIMIT = 1000  # this test is about the per-account count, not axes
    limit = settings.HUB_LOGIN_FAILURES_PER_ACCOUNT
    for i in range(limit):
        answer = from_address(f"192.0.2.{i + 1}").post(LOGIN, {"username": "zs_cadre", "password": "wrong"})
        assert answer.status_code == 200
    refused = from_address("192.0.2.200").post(LOGIN, {"username": "zs_cadre", "password": PASSWORD})
    assert refused.status_code == 429 and "此账号" in refused.content.decode()
    # Another account from the same address is not affected.
    make_user("fs_other")
    assert (
        from_address("192.0.2.200").post(LOGIN, {"username": "fs_other", "password": PASSWORD}).status_code
        == 302
    )


def test_the_admin_login_is_paused_by_the_same_count(db, settings):
    client = from_address("203.0.113.9")
    for i in range(settings.HUB_LOGIN_FAILURES_PER_ADDRESS):
        client.post("/admin/login/", {"username": f"admin{i}", "password": "x"})
    make_user("root", is_staff=True, is_superuser=True)
    assert client.post("/admin/login/", {"username": "root", "password": PASSWORD}).status_code == 429


def test_the_token_endpoint_answers_429_in_the_users_language_after_repeated_guesses(
    zhongshan_cadre, settings
):
    settings.AXES_FAILURE_LIMIT = 1000  # not the lock-out: the per-address count
    client = from_address("203.0.113.20")
    answers = [client.post(TOKEN, {"username": f"u{i % 7}", "password": "guess"}) for i in range(40)]
    codes = [a.status_code for a in answers]
    assert codes[: settings.HUB_LOGIN_FAILURES_PER_ADDRESS] == [400] * settings.HUB_LOGIN_FAILURES_PER_ADDRESS
    assert set(codes[settings.HUB_LOGIN_FAILURES_PER_ADDRESS :]) == {429}
    last = answers[-1]
    assert "登录失败次数过多" in last.json()["detail"] and int(last["Retry-After"]) > 0
    english = client.post(
        TOKEN, {"username": "zs_cadre", "password": PASSWORD}, headers={"Accept-Language": "en"}
    )
    assert english.status_code == 429 and "Too many failed log-ins" in english.json()["detail"]
    assert not ApiToken.objects.exists()


def test_the_token_endpoint_limits_requests_per_account_even_with_the_right_password(
    zhongshan_cadre, settings
):
    settings.HUB_TOKEN_REQUESTS_PER_ACCOUNT = 3
    settings.HUB_API_TOKENS_PER_USER = 50
    codes = [
        from_address(f"192.0.2.{i + 1}")
        .post(TOKEN, {"username": "zs_cadre", "password": PASSWORD})
        .status_code
        for i in range(5)
    ]
    assert codes == [200, 200, 200, 429, 429]
    assert ApiToken.objects.count() == 3


def test_the_token_endpoint_limits_requests_per_address(db, settings):
    settings.HUB_TOKEN_REQUESTS_PER_ADDRESS = 5
    client = from_address("203.0.113.30")
    codes = [client.post(TOKEN, {"username": f"n{i}", "password": "x"}).status_code for i in range(7)]
    assert codes == [400] * 5 + [429] * 2
    assert "令牌请求过多" in client.post(TOKEN, {"username": "n", "password": "x"}).json()["detail"]


def test_the_token_endpoint_is_locked_by_axes_after_five_wrong_passwords_for_a_username(
    zhongshan_cadre, settings
):
    client = from_address("203.0.113.40")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(TOKEN, {"username": "zs_cadre", "password": "wrong"})
    locked = client.post(TOKEN, {"username": "zs_cadre", "password": PASSWORD})
    assert locked.status_code == 429 and "锁定 15 分钟" in locked.json()["detail"]
    assert not ApiToken.objects.exists()


def test_password_reset_mails_at_most_n_an_hour_to_one_email(client, settings):
    settings.HUB_PASSWORD_RESETS_PER_EMAIL = 2
    make_user("cadre_mail", email="cadre@example.org")
    for _ in range(4):
        response = client.post("/accounts/password/reset/", {"email": "cadre@example.org"})
        assert response.status_code == 302 and response["Location"].endswith("/password/reset/done/")
    assert len(mail.outbox) == 2


def test_password_reset_requests_are_limited_per_address(db, settings):
    settings.HUB_PASSWORD_RESETS_PER_ADDRESS = 3
    make_user("cadre_mail", email="cadre@example.org")
    client = from_address("203.0.113.50")
    codes = [
        client.post("/accounts/password/reset/", {"email": f"x{i}@example.org"}).status_code for i in range(3)
    ]
    refused = client.post("/accounts/password/reset/", {"email": "cadre@example.org"})
    assert codes == [302, 302, 302]
    assert refused.status_code == 429 and "密码重置请求过多" in refused.content.decode()
    assert len(mail.outbox) == 0
