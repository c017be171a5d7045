"""`hubportal.access.get_for`: the one read-or-refuse answers 404, 403 or the record."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q

from hubportal.access import NotChangeable, NotVisible, get_for, may, parse_pk, related_for
from hubportal.jurisdiction import Action
from orgs.models import Organization
from tests.orgs.factories import make_org


@pytest.fixture
def zs_org(zhongshan):
    return make_org(zhongshan, "中山义工测试社")


def test_a_record_in_the_jurisdiction_is_returned_in_one_query(
    zhongshan_cadre, zs_org, django_assert_num_queries
):
    zhongshan_cadre.jurisdiction_paths()  # memberships read once per request, before
    with django_assert_num_queries(1):
        assert get_for(zhongshan_cadre, Organization, zs_org.pk, Action.CHANGE) == zs_org


def test_another_citys_record_is_not_visible_for_any_action(foshan_cadre, zs_org):
    for action in (Action.VIEW, Action.CHANGE):
        with pytest.raises(NotVisible):
            get_for(foshan_cadre, Organization, zs_org.pk, action)


def test_a_viewer_may_see_but_not_change(zhongshan_viewer, zs_org):
    assert get_for(zhongshan_viewer, Organization, zs_org.pk) == zs_org
    with pytest.raises(NotChangeable):
        get_for(zhongshan_viewer, Organization, zs_org.pk, Action.CHANGE)
    assert not may(zhongshan_viewer, zs_org, Action.CHANGE)


def test_a_town_editor_cannot_reach_its_citys_own_records(guzhen_cadre, zs_org):
    with pytest.raises(NotVisible):
        get_for(guzhen_cadre, Organization, zs_org.pk)


@pytest.mark.parametrize("raw", ["abc", "", None, "1.5", -3, 0, True, "9" * 30])
def test_a_malformed_id_is_a_missing_record_not_an_error(raw, province_admin):
    with pytest.raises(NotVisible):
        get_for(province_admin, Organization, raw)
    with pytest.raises(NotVisible):
        parse_pk(raw)


def test_another_right_can_grant_a_record(representative, zs_org):
    zs_org.representatives.add(representative)
    own = Q(representatives=representative)
    assert get_for(representative, Organization, zs_org.pk, Action.CHANGE, also=own) == zs_org
    with pytest.raises(NotVisible):
        get_for(representative, Organization, zs_org.pk, Action.CHANGE)


def test_related_record_refusal_names_the_field_not_the_record(foshan_cadre, zs_org):
    with pytest.raises(ValidationError) as refused:
        related_for(foshan_cadre, Organization, zs_org.pk, "organization")
    assert set(refused.value.message_dict) == {"organization"}
    assert zs_org.name not in str(refused.value)


def test_anonymous_and_inactive_users_see_nothing(zhongshan_cadre, zs_org):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(NotVisible):
        get_for(AnonymousUser(), Organization, zs_org.pk)
    zhongshan_cadre.is_active = False
    with pytest.raises(NotVisible):
        get_for(zhongshan_cadre, Organization, zs_org.pk)


@pytest.mark.django_db(transaction=True)
def test_lock_holds_the_row_until_the_transaction_ends(units, zhongshan):
    """A second transaction asking for the same locked row waits for the first one."""
    from accounts.models import User

    admin = User.objects.create_superuser("lock-admin", password="pw-for-tests-2026")
    org = make_org(zhongshan, "锁测试组织")
    first_has_lock, release = threading.Event(), threading.Event()
    order: list[str] = []

    def first() -> None:
        try:
            with transaction.atomic():
                get_for(admin, Organization, org.pk, Action.CHANGE, lock=True)
                first_has_lock.set()
                release.wait(10)
                order.append("first done")
        finally:
            connection.close()

    def second() -> None:
        try:
            first_has_lock.wait(10)
            with transaction.atomic():
                get_for(admin, Organization, org.pk, Action.CHANGE, lock=True)
                order.append("second got it")
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    first_has_lock.wait(10)
    # Wait until PostgreSQL shows the second transaction waiting on a lock, then release.
    for _ in range(200):
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
            if cursor.fetchone()[0]:
                break
        threading.Event().wait(0.05)
    release.set()
    for thread in threads:
        thread.join(15)
    assert order == ["first done", "second got it"]
