"""The API schema and the health check's details are for authenticated staff; the health
status code stays public for monitors."""

from __future__ import annotations

import pytest
from django.conf import settings

from tests.conftest import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def workers_answer(monkeypatch):
    monkeypatch.setattr("hubportal.views._worker_queues", lambda: {"celery@test": list(settings.HUB_QUEUES)})


def test_anonymous_health_check_gives_only_the_status_and_the_code(client, workers_answer):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_anonymous_health_check_says_degraded_with_a_503(client, monkeypatch):
    monkeypatch.setattr("hubportal.views._worker_queues", lambda: {})
    response = client.get("/healthz")
    assert response.status_code == 503 and response.json() == {"status": "degraded"}


def test_a_cadre_gets_no_health_details(client_for, province_admin, workers_answer):
    assert client_for(province_admin).get("/healthz").json() == {"status": "ok"}


def test_staff_get_the_health_details(client_for, workers_answer):
    body = client_for(make_user("ops", is_staff=True)).get("/healthz").json()
    assert body["status"] == "ok" and body["celery"]["workers"] == ["celery@test"] and "database" in body


def test_the_schema_is_refused_to_anonymous_callers(client):
    response = client.get("/api/schema/")
    assert response.status_code in (401, 403) and b"/api/orgs/" not in response.content


def test_the_schema_is_refused_to_a_cadre_who_is_not_staff(client_for, province_admin):
    response = client_for(province_admin).get("/api/schema/")
    assert response.status_code == 403 and b"/api/orgs/" not in response.content


def test_the_api_docs_send_non_staff_to_the_admin_login(client, client_for, province_admin):
    for caller in (client, client_for(province_admin)):
        for url in ("/api/docs/", "/api/redoc/"):
            response = caller.get(url)
            assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_staff_read_the_schema(client_for):
    staff = client_for(make_user("ops", is_staff=True))
    assert staff.get("/api/schema/").status_code == 200
    assert staff.get("/api/docs/").status_code == 200
