"""A schema-driven fuzz test of the whole API (Schemathesis): every operation of the OpenAPI
schema, called through the WSGI app with generated parameters and bodies, as a province
administrator and as a city cadre on demo records of every app. No answer may be a server
error, and every answer must be one the schema declares: its status code, its content type,
its headers and its body (enums, nullables, arrays, files). An operation on one record is
called on real records the persona may see (and on a generated id), so that its 200 answers
are checked, not only its 404.

Bounded to keep the suite short: 2 derandomized examples per operation and persona, no
shrinking (about 60 s of CPU for the 270 operations, 30 s for the records and the start).
Writes run inside the test's transaction (rolled back afterwards); they run after the reads
and deletions last, so that the reads see the demo records. Two operations are left out
because they end the test's own credentials: logging out everywhere and revoking a token."""

from __future__ import annotations

import os
import time
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from django.test import RequestFactory
from django.urls import resolve
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.models import User
from accounts.services import issue_api_token
from cards import demo as cards_demo
from hubportal.wsgi import application
from incubation import demo as incubation_demo
from orgs import demo as orgs_demo
from reporting import demo as reporting_demo
from tests.cobuilding import factories as cobuilding_factories
from tests.evaluation.conftest import base_system, guzhen_base, pool, scored, scoring, zs_base, zs_round  # noqa: F401
from tests.training.conftest import make_camp, make_trainer

pytestmark = [pytest.mark.django_db, pytest.mark.fuzz]

# HUB_FUZZ_EXAMPLES=20 widens a run by hand.
EXAMPLES_PER_OPERATION = int(os.environ.get("HUB_FUZZ_EXAMPLES", "2"))
# Every Schemathesis check that applies to generated valid requests. Not here, each for its
# reason: negative_data_rejection (the cases are positive, generated from the schema);
# positive_data_acceptance (a schema-valid body may still break a service's rule — dates in
# order, a record in the jurisdiction, a state that allows the step — and the 400/409 that
# says so is documented); missing_required_header, unsupported_method and
# allow_header_conformance (they judge the coverage phase's requests, not run here);
# use_after_free, ensure_resource_availability and object_level_authorization (stateful
# runs over OpenAPI links, which the schema does not declare).
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    ignored_auth,  # a 2xx is asked again without the token, and with a wrong one: 401 expected
]
# (method, path) left out: they revoke the credentials the fuzz test itself is using.
LEFT_OUT = {
    ("POST", "/api/accounts/log-out-everywhere/"),
    ("DELETE", "/api/accounts/tokens/{id}/"),
}
ORDER = {"GET": 0, "HEAD": 0, "OPTIONS": 0, "POST": 1, "PUT": 1, "PATCH": 1, "DELETE": 2}


def token_for(username: str) -> str:
    return issue_api_token(User.objects.get(username=username), name="fuzz")[1]


def load_schema(staff_token: str) -> Any:
    return schemathesis.openapi.from_wsgi(
        "/api/schema/?format=json", application, headers={"Authorization": f"Token {staff_token}"}
    )


def record_ids(operation: Any, user: User) -> list[Any]:
    """Ids of the first records the operation's viewset shows `user` (its own `get_queryset`,
    so the user's jurisdiction): a generated id almost never names a record, and an operation
    on a record must be fuzzed on real ones for its answers to be checked, not only its 404."""
    if "{id}" not in operation.path:
        return []
    match = resolve(operation.path.replace("{id}", "0"))
    viewset = getattr(match.func, "cls", None)
    actions = getattr(match.func, "actions", None)
    if viewset is None or not actions:
        return []
    view = viewset(**getattr(match.func, "initkwargs", {}))
    view.action_map = actions
    request = view.initialize_request(RequestFactory().generic(operation.method.upper(), operation.path))
    request.user = user
    view.request, view.args, view.kwargs, view.format_kwarg = request, (), {}, None
    view.action = actions.get(operation.method.lower())
    return list(view.get_queryset().order_by("pk").values_list("pk", flat=True)[:2])


def fuzz(operation: Any, headers: dict[str, str], ids: list[Any]) -> None:
    # A real record's id (the simplest example takes the first), or the generated one (None).
    strategy = operation.as_strategy()
    if ids:
        strategy = st.tuples(st.sampled_from([*ids, None]), strategy).map(with_id)

    @hypothesis_settings(
        max_examples=EXAMPLES_PER_OPERATION,
        derandomize=True,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def run(case: Any) -> None:
        response = case.call(headers=headers)
        case.validate_response(response, checks=CHECKS, headers=headers)

    run()


def with_id(drawn: tuple[Any, Any]) -> Any:
    record_id, case = drawn
    if record_id is not None:
        case.path_parameters = {**case.path_parameters, "id": record_id}
    return case


@pytest.fixture
def demo(request, units, province_admin, zhongshan_cadre):
    """Records for every API to be fuzzed on (the whole `seed_demo` takes minutes): the demo
    league tree and registry, the incubation, card and reporting demo data, a 中山 town's
    co-building committee with a record of each kind, a 中山 training camp with its sessions
    and a trainer, a 中山 star-rating round whose panels have scored (tests/evaluation's
    `scored`), the personas of tests/conftest.py (gd_admin, zs_cadre) and a staff account to
    read the schema with."""
    request.getfixturevalue("scored")
    orgs_demo.seed_registry(units)
    incubation_demo.seed(units)
    cards_demo.seed(units)
    committee = cobuilding_factories.committee(units["442000001"])
    member = cobuilding_factories.member_unit(committee, "石岐供电所", affiliation="enterprise")
    today = timezone.localdate()
    cobuilding_factories.chair_term(committee, member, today.replace(day=1), today.replace(day=28))
    cobuilding_factories.activity(committee, today)
    cobuilding_factories.venue(committee)
    cobuilding_factories.person(committee)
    cobuilding_factories.funding(committee)
    cobuilding_factories.plan(committee, year=today.year)
    cobuilding_factories.meeting(committee, today)
    make_camp(zhongshan_cadre, units["442000"])
    make_trainer(units["440000"])
    reporting_demo.seed(units)  # last: its targets count what the others seeded
    User.objects.create_user(username="fuzz_staff", password="pw-for-tests-2026", is_staff=True)


@pytest.fixture(autouse=True)
def keep_the_test_connection():
    """Django's WSGI handler closes old database connections at each request's start and end;
    the test's connection holds its transaction, so (as Django's test client does) not here."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def test_every_operation_answers_as_its_schema_says(demo):
    started, cpu_started = time.monotonic(), time.process_time()
    schema = load_schema(token_for("fuzz_staff"))
    operations = sorted(
        (result.ok() for result in schema.get_all_operations()),
        key=lambda op: (ORDER.get(op.method.upper(), 1), op.path, op.method),
    )
    operations = [op for op in operations if (op.method.upper(), op.path) not in LEFT_OUT]
    assert len(operations) > 100  # every app's API is in the schema
    personas = {name: {"Authorization": f"Token {token_for(name)}"} for name in ("gd_admin", "zs_cadre")}
    users = {name: User.objects.get(username=name) for name in personas}
    failures: list[str] = []
    for operation in operations:
        for name, headers in personas.items():
            try:
                fuzz(operation, headers, record_ids(operation, users[name]))
            except (Exception, BaseExceptionGroup) as error:  # noqa: BLE001 - collected, reported below
                failures.append(f"{name} {operation.method.upper()} {operation.path}:\n{str(error)[:1500]}")
    elapsed, cpu = time.monotonic() - started, time.process_time() - cpu_started
    print(
        f"{len(operations)} operations × {len(personas)} personas × {EXAMPLES_PER_OPERATION} examples"
        f" fuzzed in {elapsed:.0f} s ({cpu:.0f} s of CPU, load average {os.getloadavg()[0]:.1f})"
    )
    assert failures == [], f"{len(failures)} failing:\n\n" + "\n\n".join(failures)
