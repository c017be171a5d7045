"""More than one machine (issue 14): tasks routed to named queues, /healthz naming a queue
without a worker, reads of dashboards, exports and API lists routed to a read replica (here a
second alias on the same test database), with a fallback to the primary when it is down."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import OperationalError, connections, transaction
from django.test.utils import CaptureQueriesContext

from hubportal import replica
from hubportal.celery import app as celery_app
from orgs.models import LeagueUnit
from tests.conftest import make_user

ROOT = Path(__file__).resolve().parents[2]
BOTH = ["default", "replica"]


def queue_of(task_name: str) -> str:
    route = celery_app.amqp.router.route({}, task_name)
    return route["queue"].name


@pytest.mark.parametrize(
    ("task", "queue"),
    [
        ("orgs.apply_import", "imports"),
        ("cards.apply_card_import", "imports"),
        ("training.generate_certificates", "documents"),
        ("evaluation.certificate_bundle", "documents"),
        ("reporting.track_targets_job", "tracking"),
        ("reporting.track_previous_quarter", "tracking"),
        ("hubportal.deliver_messages", "messages"),
        ("reporting.send_reminders", "messages"),
        ("hubportal.cleanup_old_jobs", settings.CELERY_TASK_DEFAULT_QUEUE),
    ],
)
def test_tasks_go_to_their_named_queue(task, queue):
    assert queue_of(task) == queue


def test_every_task_goes_to_a_queue_that_bin_run_consumes():
    celery_app.loader.import_default_modules()
    ours = [name for name in celery_app.tasks if not name.startswith("celery.")]
    assert len(ours) >= 15
    assert {queue_of(name) for name in ours} <= set(settings.HUB_QUEUES)
    run = (ROOT / "bin" / "run").read_text()
    assert f"-Q {','.join(settings.HUB_QUEUES)}" in run.replace('"', "").replace("${WORKER_QUEUES:-", "")


@pytest.fixture
def staff_client(client_for, db):
    return client_for(make_user("monitor_staff", is_staff=True))


@pytest.mark.django_db
def test_health_names_a_queue_without_a_worker(staff_client, monkeypatch):
    served = [q for q in settings.HUB_QUEUES if q != "documents"]
    monkeypatch.setattr("hubportal.views._worker_queues", lambda: {"w1@host": served})
    response = staff_client.get("/healthz")
    assert response.status_code == 503
    celery = response.json()["celery"]
    assert celery["detail"] == "no worker consumes: documents"
    assert celery["queues"]["documents"] == [] and celery["queues"]["imports"] == ["w1@host"]
    assert "replica" not in response.json()  # none configured


@pytest.fixture
def replica_on(settings):
    settings.HUB_REPLICA_READS = True
    replica._state.update(ok=None, checked=0.0)
    yield
    replica._state.update(ok=None, checked=0.0)


@pytest.mark.django_db(databases=BOTH, transaction=True)
def test_reads_go_to_the_replica_only_inside_the_scope(replica_on):
    router = replica.ReplicaRouter()
    assert router.db_for_read(LeagueUnit) == "default"
    with replica.replica_reads():
        assert router.db_for_read(LeagueUnit) == "replica"
        assert router.db_for_write(LeagueUnit) == "default"
        with transaction.atomic():  # a transaction reads its own writes
            assert router.db_for_read(LeagueUnit) == "default"
    assert router.allow_migrate("replica", "orgs") is False and router.allow_migrate("default", "orgs")


@pytest.mark.django_db(databases=BOTH, transaction=True)
def test_the_api_list_and_an_export_read_from_the_replica(replica_on, client_for, zhongshan_cadre):
    client = client_for(zhongshan_cadre)
    with CaptureQueriesContext(connections["replica"]) as on_replica:
        with CaptureQueriesContext(connections["default"]) as on_primary:
            assert client.get("/api/orgs/organizations/").status_code == 200
    listed = [q["sql"] for q in on_replica if "orgs_organization" in q["sql"]]
    assert listed, "the API list read no organization from the replica"
    assert not [q for q in on_primary if '"orgs_organization"' in q["sql"] and "SELECT" in q["sql"]]
    with CaptureQueriesContext(connections["replica"]) as on_replica:
        response = client.get("/orgs/organizations/?export=xlsx")
    assert response.status_code == 200
    assert any("orgs_organization" in q["sql"] for q in on_replica)
    # A page that is not a dashboard, export or list of the API reads the primary.
    with CaptureQueriesContext(connections["replica"]) as on_replica:
        assert client.get("/orgs/organizations/").status_code == 200
    assert not on_replica.captured_queries


@pytest.mark.django_db(databases=BOTH, transaction=True)
def test_a_replica_that_is_down_falls_back_to_the_primary(replica_on, monkeypatch, caplog, client_for):
    def refuse(*args, **kwargs):
        raise OSError("connection refused")

    monkeypatch.setattr(connections["replica"], "cursor", refuse)
    caplog.set_level(logging.WARNING, logger="hubportal.replica")
    with replica.replica_reads():
        assert replica.ReplicaRouter().db_for_read(LeagueUnit) == "default"
        assert LeagueUnit.objects.count() >= 0  # the read is served by the primary
    assert "read replica unavailable" in caplog.text

    monkeypatch.setattr("hubportal.views._worker_queues", lambda: {"w@h": list(settings.HUB_QUEUES)})
    response = client_for(make_user("ops", is_staff=True)).get("/healthz")
    assert response.status_code == 503
    line = response.json()["replica"]
    assert line["ok"] is False and "connection refused" in line["detail"] and "主库" in line["note"]


@pytest.mark.django_db(databases=BOTH, transaction=True)
def test_health_shows_a_replica_that_answers(replica_on, monkeypatch, client_for):
    monkeypatch.setattr("hubportal.views._worker_queues", lambda: {"w@h": list(settings.HUB_QUEUES)})
    response = client_for(make_user("ops", is_staff=True)).get("/healthz")
    assert response.status_code == 200 and response.json()["replica"] == {"ok": True, "detail": "ok"}


@pytest.mark.django_db(databases=BOTH, transaction=True)
def test_a_replica_that_goes_away_between_checks_is_read_again_from_the_primary(
    replica_on, monkeypatch, caplog, client_for, zhongshan_cadre
):
    """The replica stopped while the last check still says it answers (bin/rehearse-cluster
    --stop-replica): the API list, a list's export and the target dashboard answer from the
    primary, not 500, and the replica is marked down at once."""
    client = client_for(zhongshan_cadre)
    client.get("/")  # the session is read before the replica goes away

    def gone(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(connections["replica"], "cursor", gone)
    caplog.set_level(logging.WARNING, logger="hubportal.replica")
    for url in ("/api/orgs/organizations/", "/orgs/organizations/?export=xlsx", "/reporting/targets/"):
        replica._state.update(ok=True, checked=time.monotonic(), detail="ok")  # last check: fine
        with CaptureQueriesContext(connections["default"]) as on_primary:
            response = client.get(url)
        assert response.status_code == 200, url
        assert on_primary.captured_queries, url
        assert replica._state["ok"] is False, url
    assert "reading again from the primary" in caplog.text


@pytest.mark.django_db(databases=BOTH, transaction=True)
def test_an_error_that_is_not_the_replica_is_not_retried(replica_on, monkeypatch):
    calls = []

    def broken():
        calls.append(1)
        raise OperationalError("deadlock detected")

    monkeypatch.setattr(replica, "replica_state", lambda force=False: (True, "ok"))
    with pytest.raises(OperationalError):
        replica.on_replica(broken)
    assert calls == [1]
