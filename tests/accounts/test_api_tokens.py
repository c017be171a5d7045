"""API tokens: several named ones per user, only a hash kept, expiry, last use, revoked on a
password change, "log out everywhere" and deactivation; the user sees and revokes them on
their account page and through the API."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone
from rest_framework.test import APIClient

from accounts import services
from accounts.models import ApiToken

pytestmark = pytest.mark.django_db

PASSWORD = "pw-for-tests-2026"


def token_client(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


# A refused token is a 403 with DRF's message: session authentication comes first, and it
# names no `WWW-Authenticate` scheme that a 401 would need.
REFUSED = 403


def test_a_token_keeps_only_the_hash_of_its_key_and_expires_after_the_configured_days(
    zhongshan_cadre, settings
):
    settings.HUB_API_TOKEN_DAYS = 7
    token, key = services.issue_api_token(zhongshan_cadre, name="月报脚本")
    stored = ApiToken.objects.get(pk=token.pk)
    assert len(key) == 40 and key not in {stored.key_hash, stored.prefix} and stored.prefix == key[:6]
    assert stored.key_hash == ApiToken.hash_key(key)
    assert stored.expires_at - stored.created_at == datetime.timedelta(days=7)
    assert stored.name == "月报脚本"


def test_a_user_holds_several_named_tokens_and_each_opens_the_api(zhongshan_cadre):
    _first, key1 = services.issue_api_token(zhongshan_cadre, name="导入")
    _second, key2 = services.issue_api_token(zhongshan_cadre, name="报表")
    for key in (key1, key2):
        assert token_client(key).get("/api/accounts/me/").json()["username"] == "zs_cadre"
    assert ApiToken.objects.filter(user=zhongshan_cadre).count() == 2


def test_an_unnamed_token_is_named_by_its_date(zhongshan_cadre):
    token, _key = services.issue_api_token(zhongshan_cadre)
    assert token.name.startswith("令牌") and str(timezone.localdate().year) in token.name


def test_an_expired_token_is_refused_with_a_message(zhongshan_cadre):
    _token, key = services.issue_api_token(zhongshan_cadre)
    with time_machine.travel(timezone.now() + datetime.timedelta(days=31), tick=False):
        answer = token_client(key).get("/api/accounts/me/")
    assert answer.status_code == REFUSED and "过期" in answer.json()["detail"]


def test_a_wrong_key_is_refused(zhongshan_cadre):
    services.issue_api_token(zhongshan_cadre)
    assert token_client("0" * 40).get("/api/accounts/me/").status_code == REFUSED


def test_the_last_use_is_recorded_at_most_every_few_minutes(zhongshan_cadre, django_assert_num_queries):
    token, key = services.issue_api_token(zhongshan_cadre)
    client = token_client(key)
    client.get("/api/accounts/me/")
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None
    # token with its user, the user, memberships, units: no write the second time
    with django_assert_num_queries(4):
        client.get("/api/accounts/me/")
    token.refresh_from_db()
    assert token.last_used_at == first


def test_a_password_change_revokes_every_token(zhongshan_cadre):
    _token, key = services.issue_api_token(zhongshan_cadre)
    zhongshan_cadre.set_password("Qingnian-2026!new")
    zhongshan_cadre.save()
    assert not ApiToken.objects.filter(user=zhongshan_cadre).exists()
    assert token_client(key).get("/api/accounts/me/").status_code == REFUSED


def test_the_password_change_page_revokes_every_token(client_for, zhongshan_cadre):
    services.issue_api_token(zhongshan_cadre)
    client_for(zhongshan_cadre).post(
        "/accounts/password/change/",
        {"old_password": PASSWORD, "new_password1": "Qingnian-2026!x", "new_password2": "Qingnian-2026!x"},
    )
    assert not ApiToken.objects.exists()


def test_a_deactivated_account_loses_its_tokens(zhongshan_cadre):
    _token, key = services.issue_api_token(zhongshan_cadre)
    zhongshan_cadre.is_active = False
    zhongshan_cadre.save()
    assert not ApiToken.objects.exists()
    assert token_client(key).get("/api/accounts/me/").status_code == REFUSED


def test_saving_other_fields_keeps_the_tokens(zhongshan_cadre):
    services.issue_api_token(zhongshan_cadre)
    zhongshan_cadre.full_name = "陈中山"
    zhongshan_cadre.save()
    assert ApiToken.objects.count() == 1


def test_an_account_holds_at_most_the_configured_number_of_tokens(zhongshan_cadre, settings):
    settings.HUB_API_TOKENS_PER_USER = 2
    services.issue_api_token(zhongshan_cadre)
    services.issue_api_token(zhongshan_cadre)
    with pytest.raises(ValidationError) as refused:
        services.issue_api_token(zhongshan_cadre)
    assert "2" in refused.value.messages[0]
    assert ApiToken.objects.count() == 2


def test_expired_tokens_do_not_count_and_are_cleared_on_the_next_issue(zhongshan_cadre, settings):
    settings.HUB_API_TOKENS_PER_USER = 1
    services.issue_api_token(zhongshan_cadre)
    with time_machine.travel(timezone.now() + datetime.timedelta(days=40), tick=False):
        token, _key = services.issue_api_token(zhongshan_cadre)
    assert list(ApiToken.objects.all()) == [token]


def test_a_name_longer_than_64_characters_is_refused(zhongshan_cadre):
    with pytest.raises(ValidationError) as refused:
        services.issue_api_token(zhongshan_cadre, name="名" * 65)
    assert "name" in refused.value.message_dict
    assert not ApiToken.objects.exists()


# The token endpoint -------------------------------------------------------------------------


def test_the_endpoint_issues_a_named_token_with_its_expiry(client, zhongshan_cadre):
    answer = client.post(
        "/api/accounts/token/", {"username": "zs_cadre", "password": PASSWORD, "name": "统计脚本"}
    )
    body = answer.json()
    assert answer.status_code == 200 and body["name"] == "统计脚本" and body["expires_at"]
    assert token_client(body["token"]).get("/api/orgs/units/").status_code == 200


def test_the_endpoint_refuses_a_300_character_username_with_a_400(client, db):
    answer = client.post("/api/accounts/token/", {"username": "u" * 300, "password": "x"})
    assert answer.status_code == 400 and "username" in answer.json()


def test_the_endpoint_refuses_an_inactive_account(client, zhongshan_cadre):
    zhongshan_cadre.is_active = False
    zhongshan_cadre.save()
    answer = client.post("/api/accounts/token/", {"username": "zs_cadre", "password": PASSWORD})
    assert answer.status_code == 400 and not ApiToken.objects.exists()


# Listing and revoking ------------------------------------------------------------------------


def test_the_api_lists_only_the_callers_valid_tokens_without_keys(
    zhongshan_cadre, foshan_cadre, django_assert_max_num_queries
):
    mine, key = services.issue_api_token(zhongshan_cadre, name="我的")
    services.issue_api_token(foshan_cadre, name="别人的")
    expired, _ = services.issue_api_token(zhongshan_cadre, name="旧的")
    ApiToken.objects.filter(pk=expired.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=40),
        expires_at=timezone.now() - datetime.timedelta(days=10),
    )
    client = APIClient()
    client.force_authenticate(zhongshan_cadre)
    # count, page
    with django_assert_max_num_queries(2):
        rows = client.get("/api/accounts/tokens/").json()["results"]
    assert [row["name"] for row in rows] == ["我的"]
    assert key not in str(rows) and rows[0]["prefix"] == key[:6]


def test_the_api_revokes_the_callers_token(zhongshan_cadre):
    token, key = services.issue_api_token(zhongshan_cadre)
    client = APIClient()
    client.force_authenticate(zhongshan_cadre)
    assert client.delete(f"/api/accounts/tokens/{token.pk}/").status_code == 204
    assert token_client(key).get("/api/accounts/me/").status_code == REFUSED


def test_another_users_token_cannot_be_revoked_and_stays(zhongshan_cadre, foshan_cadre):
    theirs, _key = services.issue_api_token(foshan_cadre)
    client = APIClient()
    client.force_authenticate(zhongshan_cadre)
    assert client.delete(f"/api/accounts/tokens/{theirs.pk}/").status_code == 404
    assert client.get(f"/api/accounts/tokens/{theirs.pk}/").status_code == 404
    assert ApiToken.objects.filter(pk=theirs.pk).exists()


def test_the_profile_page_lists_and_revokes_tokens(client_for, zhongshan_cadre):
    token, key = services.issue_api_token(zhongshan_cadre, name="月报导入")
    client = client_for(zhongshan_cadre)
    page = client.get("/accounts/profile/").content.decode()
    assert "月报导入" in page and key[:6] in page and key not in page
    response = client.post(f"/accounts/profile/tokens/{token.pk}/revoke/", follow=True)
    assert "已吊销" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_the_profile_page_cannot_revoke_another_users_token(client_for, zhongshan_cadre, foshan_cadre):
    theirs, _key = services.issue_api_token(foshan_cadre)
    assert (
        client_for(zhongshan_cadre).post(f"/accounts/profile/tokens/{theirs.pk}/revoke/").status_code == 404
    )
    assert ApiToken.objects.filter(pk=theirs.pk).exists()


def test_the_profile_page_creates_a_token_and_shows_its_key_once(client_for, zhongshan_cadre):
    client = client_for(zhongshan_cadre)
    response = client.post("/accounts/profile/tokens/", {"name": "周报", "password": PASSWORD})
    page = response.content.decode()
    token = ApiToken.objects.get()
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    assert "只显示这一次" in page and token.name == "周报"
    key = page.split('id="new-token-key">', 1)[1].split("<", 1)[0]
    assert ApiToken.hash_key(key) == token.key_hash
    assert key not in client.get("/accounts/profile/").content.decode()


def test_the_profile_page_refuses_a_token_without_the_right_password(client_for, zhongshan_cadre):
    response = client_for(zhongshan_cadre).post(
        "/accounts/profile/tokens/", {"name": "周报", "password": "no"}
    )
    assert response.status_code == 400 and "密码不正确" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_the_profile_page_in_english(client_for, zhongshan_cadre):
    services.issue_api_token(zhongshan_cadre, name="weekly")
    client = client_for(zhongshan_cadre)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get("/accounts/profile/").content.decode()
    assert "API tokens" in page and "Log out everywhere" in page and "Revoke" in page
