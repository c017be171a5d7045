"""Unit administrators manage the cadres of their unit and the units below it."""

from django.core import mail
from django.urls import reverse

from accounts.models import Membership, User


def members_url(unit):
    return reverse("accounts:unit_members", args=[unit.pk])


def test_city_admin_adds_a_new_cadre_to_a_town_who_gets_a_set_password_mail(
    client_for, zhongshan_cadre, guzhen, django_capture_on_commit_callbacks
):
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
    assert len(mail.outbox) == 1 and "gz_new" in mail.outbox[0].body


def test_a_new_account_without_email_is_refused_with_a_message(client_for, zhongshan_cadre, guzhen):
    response = client_for(zhongshan_cadre).post(
        members_url(guzhen), {"action": "add", "username": "x1", "role": "viewer"}
    )
    assert response.status_code == 200
    assert "需要电子邮箱" in response.content.decode()
    assert not User.objects.filter(username="x1").exists()


def test_editors_and_other_cities_cannot_manage_members(
    client_for, guzhen_cadre, foshan_cadre, guzhen, zhongshan
):
    # an editor of 古镇 is not an administrator
    assert client_for(guzhen_cadre).get(members_url(guzhen)).status_code == 404
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
