"""Contact logs are changes: administrators and editors log them, viewers only read (the
README's rule), so a viewer's days never reach a target."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from accounts.models import Membership
from hubportal.access import NotChangeable, NotVisible
from orgs import services
from orgs.models import ContactLog
from tests.conftest import make_user

from .factories import make_org

pytestmark = pytest.mark.django_db

VISIT = {"date": datetime.date(2026, 3, 1), "kind": "visit", "days": 1}


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_a_viewer_cannot_log_a_contact_through_the_service(zhongshan_viewer, zhongshan):
    org = make_org(zhongshan)
    with pytest.raises(NotChangeable):
        services.log_contact(zhongshan_viewer, org.pk, dict(VISIT))
    assert not ContactLog.objects.exists()


def test_a_viewer_gets_403_from_the_api_and_nothing_is_logged(zhongshan_viewer, zhongshan):
    org = make_org(zhongshan)
    answer = api_for(zhongshan_viewer).post(
        "/api/orgs/contact-log/",
        {"organization": org.pk, "date": "2026-03-01", "kind": "visit", "days": "1"},
        format="json",
    )
    assert answer.status_code == 403
    assert not ContactLog.objects.exists()


def test_a_cadre_of_another_city_gets_404_and_nothing_is_logged(foshan_cadre, zhongshan):
    org = make_org(zhongshan)
    with pytest.raises(NotVisible):
        services.log_contact(foshan_cadre, org.pk, dict(VISIT))
    assert not ContactLog.objects.exists()


def test_an_editor_logs_a_contact_for_their_unit(guzhen_cadre, guzhen):
    org = make_org(guzhen)
    entry = services.log_contact(guzhen_cadre, org.pk, dict(VISIT))
    assert entry.unit == guzhen and entry.cadre == guzhen_cadre


def test_days_count_only_for_a_unit_the_cadre_may_change(zhongshan, guzhen):
    # Editor in 古镇, viewer in 中山 (the city above): may log for 古镇, not for 中山.
    cadre = make_user("mixed_cadre", guzhen, role=Membership.Role.EDITOR)
    Membership.objects.create(user=cadre, unit=zhongshan, role=Membership.Role.VIEWER)
    org = make_org(guzhen)
    with pytest.raises(ValidationError) as refused:
        services.log_contact(cadre, org.pk, {**VISIT, "unit": zhongshan.pk})
    assert "unit" in refused.value.message_dict
    assert not ContactLog.objects.exists()
    # Without a unit named, the days go to the highest unit the cadre may change: 古镇.
    assert services.log_contact(cadre, org.pk, dict(VISIT)).unit == guzhen


def test_a_viewer_does_not_see_the_log_button(client_for, zhongshan_viewer, zhongshan_cadre, zhongshan):
    org = make_org(zhongshan)
    url = f"/orgs/organizations/{org.pk}/contact-log/new/"
    assert url not in client_for(zhongshan_viewer).get(org.get_absolute_url()).content.decode()
    assert url in client_for(zhongshan_cadre).get(org.get_absolute_url()).content.decode()
