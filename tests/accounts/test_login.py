"""Login, lock-out, logout, password change and reset; error pages in the user's language."""

from django.core import mail
from django.urls import reverse

from tests.conftest import make_user


def test_login_shows_a_clear_message_on_a_wrong_password(client, zhongshan_cadre):
    response = client.post(reverse("accounts:login"), {"username": "zs_cadre", "password": "wrong"})
    assert response.status_code == 200
    assert "用户名或密码错误" in response.content.decode()


def test_login_then_home_shows_the_unit(client, zhongshan_cadre):
    response = client.post(
        reverse("accounts:login"), {"username": "zs_cadre", "password": "pw-for-tests-2026"}, follow=True
    )
    page = response.content.decode()
    assert "中山市" in page and "工作台" in page
    assert "管辖范围内的团组织" in page


def test_repeated_failures_lock_the_account_for_a_while(client, zhongshan_cadre, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("accounts:login"), {"username": "zs_cadre", "password": "wrong"})
    response = client.post(
        reverse("accounts:login"), {"username": "zs_cadre", "password": "pw-for-tests-2026"}
    )
    assert response.status_code == 429
    assert "登录已锁定 15 分钟" in response.content.decode()


def test_logout_is_a_post(client_for, zhongshan_cadre):
    client = client_for(zhongshan_cadre)
    assert client.post(reverse("accounts:logout")).status_code == 302
    assert "团干部登录" in client.get("/").content.decode()


def test_password_change(client_for, zhongshan_cadre):
    client = client_for(zhongshan_cadre)
    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": "pw-for-tests-2026",
            "new_password1": "Qingnian-2026!x",
            "new_password2": "Qingnian-2026!x",
        },
    )
    assert response.status_code == 302
    zhongshan_cadre.refresh_from_db()
    assert zhongshan_cadre.check_password("Qingnian-2026!x")


def test_password_reset_mails_a_working_link(client, db):
    make_user("cadre_mail", email="cadre@example.org")
    client.post(reverse("accounts:password_reset"), {"email": "cadre@example.org"})
    assert len(mail.outbox) == 1
    assert "重置" in mail.outbox[0].subject
    link = next(line for line in mail.outbox[0].body.splitlines() if "/accounts/password/reset/" in line)
    path = link.split("://", 1)[1].split("/", 1)[1]
    response = client.get("/" + path, follow=True)
    assert "设置新密码" in response.content.decode()


def test_not_found_is_a_chinese_page_without_a_trace(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode() and "Traceback" not in response.content.decode()


def test_forbidden_is_a_chinese_page(client_for, zhongshan_viewer, guzhen):
    response = client_for(zhongshan_viewer).get(reverse("orgs:unit_edit", args=[guzhen.pk]))
    assert response.status_code == 403
    assert "不能修改" in response.content.decode()


def test_english_pages_are_english(client_for, zhongshan_cadre):
    client = client_for(zhongshan_cadre)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get("/").content.decode()
    assert "Workbench" in page and "League units in my jurisdiction" in page and "工作台" not in page


def test_api_me_lists_memberships(client_for, guzhen_cadre):
    data = client_for(guzhen_cadre).get("/api/accounts/me/").json()
    assert data["memberships"][0]["unit_name"] == "古镇镇" and data["memberships"][0]["role"] == "editor"


def test_navigation_depends_on_role(client_for, zhongshan_cadre, representative, client):
    assert "团组织" in client_for(zhongshan_cadre).get("/").content.decode()
    public = client.get("/").content.decode()
    assert 'href="/orgs/units/"' not in public
    assert 'href="/orgs/units/"' not in client_for(representative).get("/").content.decode()


def test_api_token_is_issued_for_right_credentials_and_refused_otherwise(client, zhongshan_cadre):
    good = client.post("/api/accounts/token/", {"username": "zs_cadre", "password": "pw-for-tests-2026"})
    assert good.status_code == 200 and len(good.json()["token"]) == 40 and good.json()["expires_at"]
    bad = client.post("/api/accounts/token/", {"username": "zs_cadre", "password": "nope"})
    assert bad.status_code == 400 and "non_field_errors" in bad.json()
