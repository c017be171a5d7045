"""Unit administrators manage the cadres of their unit and the units below it."""

import pytest
from django.urls import reverse

from accounts import services
from accounts.models import Membership, User
from hubportal.access import NotChangeable, NotVisible
from hubportal.messaging import MemoryBackend
from hubportal.models import OutboxMessage


def members_url(unit):
    return reverse("accounts:unit_members", args=[unit.pk])


def test_city_admin_adds_a_new_cadre_to_a_town_who_gets_a_set_password_mail(
    client_for, zhongshan_cadre, guzhen, settings, django_capture_on_commit_callbacks
):
    settings.HUB_MESSAGE_BACKEND = "hubportal.messaging.MemoryBackend"
    settings.CELERY_TASK_ALWAYS_EAGER = True
    MemoryBackend.outbox.clear()
    client = client_for(zhongshan_cadre)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            members_url(guzhen),
            {
                "action": "add",
                "username": "gz_new",
                "full_name": "林小青",
                "email": "gz@example.org",
                "role": "editor",
            },
        )
    assert response.status_code == 302
    user = User.objects.get(username="gz_new")
    assert not user.has_usable_password()
    assert Membership.objects.get(user=user).unit == guzhen
    # The welcome goes through the outbox, in the portal's language, and is delivered after
    # the commit; its set-password link is erased from the row once sent.
    row = OutboxMessage.objects.get(tags="welcome")
    assert (row.recipient, row.user, row.sensitive, row.status, row.body) == (
        "gz@example.org",
        user,
        True,
        "sent",
        "",
    )
    assert "账号" in row.subject or "帐号" in row.subject or "亲青汇" in row.subject
    [sent] = MemoryBackend.outbox
    assert sent.email == "gz@example.org" and "gz_new" in sent.body
    assert "/accounts/password/reset/" in sent.body and "http://testserver/" in sent.body


def test_a_new_account_without_email_is_refused_with_a_message(client_for, zhongshan_cadre, guzhen):
    response = client_for(zhongshan_cadre).post(
        members_url(guzhen), {"action": "add", "username": "x1", "role": "viewer"}
    )
    assert response.status_code == 400
    assert "需要电子邮箱" in " ".join(response.context["form"].errors["email"])
    assert not User.objects.filter(username="x1").exists()


def test_editors_and_other_cities_cannot_manage_members(
    client_for, guzhen_cadre, foshan_cadre, guzhen, zhongshan
):
    # an editor of 古镇 sees the unit but is not its administrator
    assert client_for(guzhen_cadre).get(members_url(guzhen)).status_code == 403
    # 佛山 cannot manage 中山's units
    response = client_for(foshan_cadre).post(
        members_url(zhongshan), {"action": "add", "username": "fs_cadre", "role": "admin"}
    )
    assert response.status_code == 404
    assert not Membership.objects.filter(unit=zhongshan, user__username="fs_cadre").exists()


def test_change_role_and_remove(client_for, zhongshan_cadre, guzhen_cadre, guzhen):
    client = client_for(zhongshan_cadre)
    membership = Membership.objects.get(user=guzhen_cadre)
    client.post(members_url(guzhen), {"action": "role", "membership": membership.pk, "role": "viewer"})
    membership.refresh_from_db()
    assert membership.role == "viewer"
    client.post(members_url(guzhen), {"action": "remove", "membership": membership.pk})
    assert not Membership.objects.filter(pk=membership.pk).exists()


def test_an_admin_cannot_demote_or_remove_themselves(client_for, zhongshan_cadre, zhongshan):
    client = client_for(zhongshan_cadre)
    membership = Membership.objects.get(user=zhongshan_cadre)
    response = client.post(
        members_url(zhongshan), {"action": "role", "membership": membership.pk, "role": "viewer"}, follow=True
    )
    assert "不能降低自己的角色" in response.content.decode()
    client.post(members_url(zhongshan), {"action": "remove", "membership": membership.pk})
    membership.refresh_from_db()
    assert membership.role == "admin"


def test_members_page_query_count_is_constant(
    client_for, zhongshan_cadre, guzhen, django_assert_max_num_queries
):
    from tests.conftest import make_user

    for i in range(30):
        make_user(f"m{i}", guzhen, role="viewer")
    client = client_for(zhongshan_cadre)
    # session, user, memberships (jurisdiction), unit, member list with users
    with django_assert_max_num_queries(5):
        response = client.get(members_url(guzhen))
    assert len(response.context["memberships"]) == 30


def test_services_read_with_the_manage_right(zhongshan_cadre, guzhen_cadre, foshan_cadre, guzhen, zhongshan):
    membership = Membership.objects.get(user=guzhen_cadre)
    with pytest.raises(NotVisible):
        services.change_role(foshan_cadre, membership.pk, "viewer")
    with pytest.raises(NotVisible):
        services.remove_member(foshan_cadre, membership.pk)
    with pytest.raises(NotVisible):
        services.add_member(foshan_cadre, guzhen.pk, username="x2", role="viewer", email="x@example.org")
    # the 古镇 editor sees its own membership but may not manage it
    with pytest.raises(NotChangeable):
        services.change_role(guzhen_cadre, membership.pk, "admin")
    with pytest.raises(NotChangeable):
        services.add_member(guzhen_cadre, guzhen.pk, username="x3", role="viewer", email="x@example.org")
    membership.refresh_from_db()
    assert membership.role == "editor" and not User.objects.filter(username__in=["x2", "x3"]).exists()


def test_an_unknown_role_is_refused_with_a_message(zhongshan_cadre, guzhen_cadre):
    from django.core.exceptions import ValidationError

    membership = Membership.objects.get(user=guzhen_cadre)
    with pytest.raises(ValidationError) as caught:
        services.change_role(zhongshan_cadre, membership.pk, "king")
    assert "role" in caught.value.message_dict


def test_a_foreign_or_garbled_membership_on_the_page_is_404(
    client_for, zhongshan_cadre, foshan_cadre, foshan, guzhen
):
    from tests.conftest import make_user

    other = make_user("fs_member", foshan, role="viewer")
    membership = Membership.objects.get(user=other)
    client = client_for(zhongshan_cadre)
    assert (
        client.post(members_url(guzhen), {"action": "remove", "membership": membership.pk}).status_code == 404
    )
    assert client.post(members_url(guzhen), {"action": "remove", "membership": "abc"}).status_code == 404
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_memberships_are_read_only_in_the_admin(client_for, zhongshan_cadre, guzhen_cadre):
    """The admin does not bypass the services: memberships are changed on the members page."""
    admin_user = User.objects.create_superuser("root", "root@example.org", "pw-for-tests-2026")
    client = client_for(admin_user)
    membership = Membership.objects.get(user=guzhen_cadre)
    page = client.get(f"/admin/accounts/membership/{membership.pk}/change/")
    assert page.status_code == 200 and 'name="role"' not in page.content.decode()
    client.post(f"/admin/accounts/membership/{membership.pk}/change/", {"role": "admin"})
    client.post(f"/admin/accounts/membership/{membership.pk}/delete/", {"post": "yes"})
    membership.refresh_from_db()
    assert membership.role == "editor"
    user_page = client.get(f"/admin/accounts/user/{guzhen_cadre.pk}/change/")
    assert user_page.status_code == 200 and "memberships-0-role" not in user_page.content.decode()


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_role_form_sent_back_untouched_changes_nothing(
    language, client_for, zhongshan_cadre, guzhen_cadre, guzhen
):
    """The members page's role form round-trips (issue 8 item 5): what the browser shows for a
    cadre's role is what it sends back, in either language."""
    from tests.browser_form import forms_of

    membership = Membership.objects.get(user=guzhen_cadre)
    membership.role = Membership.Role.EDITOR
    membership.save()
    before = list(Membership.objects.order_by("pk").values())
    client = client_for(zhongshan_cadre)
    client.cookies["django_language"] = language
    html = client.get(members_url(guzhen), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    role_forms = [
        f.data()
        for f in forms_of(html)
        if f.data().get("action") == ["role"] and f.data().get("membership") == [str(membership.pk)]
    ]
    assert len(role_forms) == 1
    assert role_forms[0]["role"] == [Membership.Role.EDITOR]
    client.post(members_url(guzhen), role_forms[0], HTTP_ACCEPT_LANGUAGE=language)
    assert list(Membership.objects.order_by("pk").values()) == before
