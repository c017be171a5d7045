"""Inherited jurisdiction tests, in the style of NetBox's `ViewTestCases`.

Every model with a `jurisdiction_field` gets one class in its app's `tests/<app>/test_jurisdiction.py`:

    class TestOrganizationJurisdiction(JurisdictionCases):
        model = Organization
        read_pages = {"detail": "orgs:organization_detail"}
        pages = {"edit": "orgs:organization_edit"}
        api = "/api/orgs/organizations/"

        def build(self, ctx):
            return make_org(ctx.zhongshan)

and inherits the same checks for its pages, its API and its queryset: a record of 中山市
(or of the unit `owner` names) is
- invisible to a 佛山 cadre: 404 on read, change and delete, absent from the API list;
- invisible to the 古镇 town editor when it belongs to the city itself (a town sees below it);
- visible but not changeable for a 中山 viewer: 403 on change and delete;
- readable and changeable for a 中山 administrator (the API's PATCH of `patch_body` goes
  through and is stored: `test_a_cadre_of_the_unit_changes_it_through_the_api`);
- never pointed at another city's record through a body: every related field of the API's
  writable serializer, set to a 佛山 record in a create (POST on the list) and an update
  (PATCH, when offered), is refused with 400/404 (or 405 without that method) and the answer
  never names the foreign record (`test_foreign_ids_in_bodies_are_refused_without_naming_them`).
  The 佛山 record is a copy of the 中山 one (`foreign_twin`) unless the case supplies it
  (`foreign_records`); a field taking a record of any jurisdiction on purpose is listed in
  `open_relations` with its reason. A field with neither fails the test.
`tests/hubportal/test_jurisdiction_coverage.py` fails when a model has no such class.
"""

from __future__ import annotations

import copy
import json
from typing import Any, ClassVar

import pytest
from django.core.exceptions import FieldDoesNotExist
from django.db import models, transaction
from django.test import RequestFactory
from django.urls import resolve, reverse
from rest_framework import serializers
from rest_framework.request import Request

from hubportal.jurisdiction import Action, subtree_q
from tests.personas import Ctx


def related_fields(api: str, user: Any) -> dict[str, tuple[type[models.Model], bool, str]]:
    """The writable related fields of the serializer behind the API list `api`, by body key:
    (the related model, whether it takes a list, the model attribute). Read from the viewset as
    a request of `user` sees it; an id sent as a plain integer (`source="base_id"`) counts too."""
    viewset = resolve(api).func.cls  # type: ignore[attr-defined]
    request = Request(RequestFactory().get(api))
    request.user = user
    view = viewset(request=request, format_kwarg=None, kwargs={}, action="create")
    try:
        serializer_class = view.get_serializer_class()
    except Exception:  # noqa: BLE001 - a viewset choosing by its own state: use its default
        serializer_class = viewset.serializer_class
    if serializer_class is None:
        return {}
    own = getattr(getattr(serializer_class, "Meta", None), "model", None)
    found: dict[str, tuple[type[models.Model], bool, str]] = {}
    for name, field in serializer_class(context={"request": request, "view": view}).fields.items():
        if field.read_only:
            continue
        source = str(field.source or name)
        if isinstance(field, serializers.ManyRelatedField):
            model = related_model(field.child_relation)
            if model is not None:
                found[name] = (model, True, source)
        elif isinstance(field, serializers.RelatedField):
            model = related_model(field)
            if model is not None:
                found[name] = (model, False, source)
        elif isinstance(field, serializers.IntegerField | serializers.ListField) and own is not None:
            # An id (or a list of ids) the service looks up itself: `base` as `base_id`.
            attr = source.removesuffix("_id")
            try:
                target_field = own._meta.get_field(attr)
            except FieldDoesNotExist:
                continue
            target = target_field.related_model
            many = isinstance(field, serializers.ListField)
            if isinstance(target, type) and issubclass(target, models.Model):
                if many == bool(target_field.many_to_many):
                    found[name] = (target, many, attr)
    return found


def related_model(field: Any) -> type[models.Model] | None:
    model = getattr(field, "model", None)
    if isinstance(model, type) and issubclass(model, models.Model):
        return model
    try:
        queryset = field.get_queryset()
    except Exception:  # noqa: BLE001 - a field without a queryset is not a record's id
        return None
    return queryset.model if queryset is not None else None


def foreign_twin(model: type[models.Model], near: Any, foreign_unit: Any, home_unit: Any) -> Any:
    """A record of `model` in `foreign_unit`'s subtree: one that exists, else a copy of `near`
    (a record of the same kind at home) moved there, renamed so that a leak is recognisable."""
    from orgs.models import LeagueUnit

    if model is LeagueUnit:
        return foreign_unit
    path = getattr(model, "jurisdiction_field", None)
    if path is None:
        return None
    manager: Any = model._default_manager
    existing = manager.filter(subtree_q([foreign_unit.path], path)).first()
    if existing is not None:
        return existing
    if near is None:
        near = manager.filter(subtree_q([home_unit.path], path)).first()
    if near is None:
        return None
    twin = copy.copy(near)
    twin.pk = None
    twin._state = copy.copy(near._state)
    twin._state.adding = True
    first = path.split("__")[0]
    field = model._meta.get_field(first)
    if field.related_model is LeagueUnit:
        setattr(twin, first, foreign_unit)
    else:
        parent = foreign_twin(field.related_model, getattr(near, first), foreign_unit, home_unit)  # type: ignore[arg-type]
        if parent is None:
            return None
        setattr(twin, first, parent)
    # A text field unique with others (a system's `code` with its `edition`) is renamed too:
    # the copy keeps the original's other columns, so it would collide on them. (A partial
    # constraint, e.g. on a credit code when one is given, is left alone: its field has a
    # format the rename would break.)
    unique_together = {
        name
        for constraint in model._meta.constraints
        if isinstance(constraint, models.UniqueConstraint) and constraint.condition is None
        for name in constraint.fields
    } | {name for names in model._meta.unique_together for name in names}
    for own in model._meta.concrete_fields:
        if own.primary_key:
            continue
        together = own.name in unique_together and getattr(near, own.attname) not in (None, "")
        if isinstance(own, models.SlugField) and (own.unique or together):
            setattr(twin, own.attname, f"x{near.pk}")
        elif isinstance(own, models.CharField) and (own.unique or own.name in ("name", "title")):
            setattr(twin, own.attname, f"佛山外域{model.__name__}{near.pk}"[: own.max_length])
        elif isinstance(own, models.CharField) and together:
            setattr(twin, own.attname, f"x{near.pk}"[: own.max_length])
    try:
        with transaction.atomic():
            twin.save()
    except Exception:  # noqa: BLE001 - a model whose copy breaks a rule: not covered by this net
        return None
    return twin


class JurisdictionCases:
    model: ClassVar[type[models.Model]]
    # Page url names taking the record's pk. `read_pages` show it (detail, a download): a
    # viewer opens them; `pages` change it (edit, delete, an action): only editors may.
    read_pages: ClassVar[dict[str, str]] = {}
    pages: ClassVar[dict[str, str]] = {}
    # The API list URL ("/api/orgs/organizations/"), or None when the model has no API.
    api: ClassVar[str | None] = None
    # Which record methods the API offers; the others must answer 405, never touch the row.
    api_methods: ClassVar[tuple[str, ...]] = ("get",)
    # A harmless PATCH body, for APIs that accept PATCH.
    patch_body: ClassVar[dict[str, Any]] = {}
    # Whether the record belongs to the city itself (so the town editor must not see it).
    city_level: ClassVar[bool] = True
    # Whether a viewer of the unit may read the record (some records are for editors only).
    viewer_reads: ClassVar[bool] = True
    # Body keys that deliberately take a record of any jurisdiction (a public one, e.g. the
    # base an organization applies to), each with its reason: the foreign-id net skips them.
    open_relations: ClassVar[dict[str, str]] = {}

    def build(self, ctx: Ctx) -> models.Model:
        """A record owned by 中山市 (or by its subtree, see `city_level`)."""
        raise NotImplementedError

    def foreign_records(self, ctx: Ctx) -> dict[type[models.Model], models.Model]:
        """Records of 佛山's jurisdiction for the foreign-id net, by related model, where
        `foreign_twin` cannot copy one (no `jurisdiction_field`, a copy breaking a rule, no
        record of the kind at home, a kind that is shared once published: give a draft)."""
        return {}

    @pytest.fixture
    def record(self, request: pytest.FixtureRequest, units: Any) -> models.Model:
        return self.build(Ctx(request))

    # Helpers --------------------------------------------------------------------------
    def page_urls(self, record: models.Model, which: str = "all") -> dict[str, str]:
        chosen = {"read": self.read_pages, "change": self.pages, "all": {**self.read_pages, **self.pages}}[
            which
        ]
        return {kind: reverse(name, args=[record.pk]) for kind, name in chosen.items()}

    def api_url(self, record: models.Model) -> str:
        assert self.api is not None
        return f"{self.api}{record.pk}/"

    def api_list_ids(self, client: Any) -> set[int]:
        assert self.api is not None
        response = client.get(self.api, {"page_size": 500})
        assert response.status_code == 200, response.content[:300]
        body = response.json()
        rows = body["results"] if isinstance(body, dict) else body
        return {row["id"] for row in rows}

    def assert_unchanged(self, record: models.Model) -> None:
        assert type(record)._default_manager.filter(pk=record.pk).exists(), "the record was deleted"

    def check_refused(self, client: Any, record: models.Model, status: int) -> None:
        for kind, url in self.page_urls(record, "read").items():
            assert client.get(url).status_code == 404, f"GET {kind} {url}"
        for kind, url in self.page_urls(record, "change").items():
            # A page that only takes POST answers GET with 405 whoever asks.
            assert client.get(url).status_code in (status, 405), f"GET {kind} {url}"
            assert client.post(url, {}).status_code == status, f"POST {kind} {url}"
        if self.api is not None:
            url = self.api_url(record)
            if status == 404:
                assert client.get(url).status_code == 404, f"API GET {url}"
            for method in ("patch", "put", "delete"):
                answer = getattr(client, method)(url, self.patch_body, content_type="application/json")
                expected = status if method in self.api_methods else 405
                if expected == 405:
                    assert answer.status_code in (403, 404, 405), f"API {method.upper()} {url}"
                else:
                    assert answer.status_code == expected, (
                        f"API {method.upper()} {url}: {answer.content[:200]}"
                    )
        self.assert_unchanged(record)

    # The inherited tests ------------------------------------------------------------
    def test_the_queryset_scopes_the_record_to_its_subtree(self, record, zhongshan_cadre, foshan_cadre):
        manager: Any = self.model._default_manager
        assert manager.visible_to(zhongshan_cadre).filter(pk=record.pk).exists()
        assert manager.visible_to(zhongshan_cadre, Action.CHANGE).filter(pk=record.pk).exists()
        assert not manager.visible_to(foshan_cadre).filter(pk=record.pk).exists()

    def test_a_cadre_of_another_city_gets_404_everywhere(self, record, foshan_cadre, client_for):
        client = client_for(foshan_cadre)
        self.check_refused(client, record, 404)
        if self.api is not None:
            assert record.pk not in self.api_list_ids(client)

    def test_a_town_editor_does_not_see_its_citys_own_records(self, record, guzhen_cadre, client_for):
        if not self.city_level:
            pytest.skip("the record belongs to a unit below the city")
        self.check_refused(client_for(guzhen_cadre), record, 404)

    def test_a_viewer_may_read_but_gets_403_on_change(self, record, zhongshan_viewer, client_for):
        client = client_for(zhongshan_viewer)
        if self.viewer_reads:
            for kind, url in self.page_urls(record, "read").items():
                assert client.get(url).status_code == 200, f"GET {kind} {url}"
            if self.api is not None:
                assert client.get(self.api_url(record)).status_code == 200
        for kind, url in self.page_urls(record, "change").items():
            assert client.get(url).status_code in (403, 405), f"GET {kind} {url}"
            assert client.post(url, {}).status_code == 403, f"POST {kind} {url}"
        if self.api is not None:
            for method in ("patch", "delete"):
                if method in self.api_methods:
                    answer = getattr(client, method)(
                        self.api_url(record), self.patch_body, content_type="application/json"
                    )
                    assert answer.status_code == 403, f"API {method.upper()}: {answer.content[:200]}"
        self.assert_unchanged(record)

    def test_foreign_ids_in_bodies_are_refused_without_naming_them(
        self, request, record, zhongshan_cadre, zhongshan, foshan, client_for
    ):
        if self.api is None:
            pytest.skip("no API")
        client = client_for(zhongshan_cadre)
        fields = related_fields(self.api, zhongshan_cadre)
        stale = set(self.open_relations) - set(fields)
        assert not stale, f"open_relations names no related field of the API's bodies: {stale}"
        checked = {name: spec for name, spec in fields.items() if name not in self.open_relations}
        if not checked:
            pytest.skip("no writable related field in the API's bodies")
        supplied = self.foreign_records(Ctx(request))
        for model, given in supplied.items():
            # A supplied record of a model with a jurisdiction must lie in 佛山's, not in 中山's.
            path = getattr(model, "jurisdiction_field", None)
            if path is not None:
                rows: Any = model._default_manager.filter(pk=given.pk)
                assert rows.filter(subtree_q([foshan.path], path)).exists(), f"{given!r} is not 佛山's"
                assert not rows.filter(subtree_q([zhongshan.path], path)).exists(), f"{given!r} is 中山's"
        shown = client.get(self.api_url(record))
        assert shown.status_code == 200
        current = {k: v for k, v in shown.json().items() if k != "id"}
        covered = 0
        uncovered: list[str] = []
        for name, (model, many, source) in checked.items():
            near = getattr(record, source, None) if source and source != "*" else None
            if many and near is not None:
                near = near.first()
            foreign = supplied.get(model) or foreign_twin(
                model, near if isinstance(near, models.Model) else None, foshan, zhongshan
            )
            if foreign is None:
                uncovered.append(f"{name} ({model.__name__})")
                continue
            covered += 1
            value: Any = [foreign.pk] if many else foreign.pk
            before = type(record)._default_manager.count()
            attempts = {
                "POST": client.post(
                    self.api, json.dumps({**current, name: value}), content_type="application/json"
                )
            }
            if "patch" in self.api_methods:
                body = {**self.patch_body, name: value}
                if "version" in current:
                    # The version as it is now: an earlier field's PATCH may have applied
                    # `patch_body` (a stale version would only test the 409).
                    body["version"] = client.get(self.api_url(record)).json()["version"]
                attempts["PATCH"] = client.patch(
                    self.api_url(record), json.dumps(body), content_type="application/json"
                )
            for method, answer in attempts.items():
                where = f"{method} {self.api} {name}={foreign.pk} ({model.__name__})"
                # An update may ignore a field it never changes (200, checked unchanged below).
                allowed = (400, 403, 404, 405, 200) if method == "PATCH" else (400, 403, 404, 405)
                assert answer.status_code in allowed, f"{where}: {answer.status_code} {answer.content[:300]}"
                assert str(foreign) not in answer.content.decode(), f"{where} names the foreign record"
            assert type(record)._default_manager.count() == before
            if not many and isinstance(near, models.Model) and hasattr(record, f"{source}_id"):
                record.refresh_from_db()
                assert getattr(record, f"{source}_id") == near.pk, f"{name} was changed to a foreign record"
        # A field the net cannot test is a hole in it: the case supplies a foreign record
        # (`foreign_records`) or names the field open, with its reason (`open_relations`).
        assert not uncovered, f"no foreign record to send for {uncovered} (covered: {covered})"

    def test_a_cadre_of_the_unit_changes_it_through_the_api(self, record, zhongshan_cadre, client_for):
        """Changeable → success: the unit's administrator's PATCH goes through and is stored
        (so the refusals above come from the jurisdiction, not from an API refusing all)."""
        if self.api is None or "patch" not in self.api_methods:
            pytest.skip("the API offers no update")
        client = client_for(zhongshan_cadre)
        body = dict(self.patch_body)
        current = client.get(self.api_url(record)).json()
        if "version" in current:
            body["version"] = current["version"]
        answer = client.patch(self.api_url(record), json.dumps(body), content_type="application/json")
        assert answer.status_code == 200, f"PATCH {self.api_url(record)}: {answer.content[:300]}"
        shown = client.get(self.api_url(record)).json()
        for key, value in self.patch_body.items():
            if key != "version" and key in shown:
                assert str(shown[key]) == str(value), f"{key} was not stored: {shown[key]!r}"

    def test_an_update_without_the_version_read_or_with_a_stale_one_stores_nothing(
        self, record, zhongshan_cadre, client_for
    ):
        """Optimistic locking in the API (issue 8): a versioned record's PATCH without the
        `version` it read is a 400 naming `version`, one with an older version a 409 (someone
        saved meanwhile); the record reads the same afterwards."""
        if self.api is None or "patch" not in self.api_methods:
            pytest.skip("the API offers no update")
        client = client_for(zhongshan_cadre)
        url = self.api_url(record)
        before = client.get(url).json()
        assert "version" in before, "an updatable record carries the version its editor read"
        body = {k: v for k, v in self.patch_body.items() if k != "version"}
        missing = client.patch(url, json.dumps(body), content_type="application/json")
        assert missing.status_code == 400 and "version" in missing.json(), missing.content[:300]
        stale = {**body, "version": int(before["version"]) - 1}
        answer = client.patch(url, json.dumps(stale), content_type="application/json")
        assert answer.status_code == 409, f"PATCH {url}: {answer.content[:300]}"
        assert client.get(url).json() == before

    def test_a_cadre_of_the_unit_reads_it(self, record, zhongshan_cadre, client_for):
        client = client_for(zhongshan_cadre)
        for kind, url in self.page_urls(record).items():
            answer = client.get(url)
            assert answer.status_code in (200, 405), f"GET {kind} {url}: {answer.status_code}"
        if self.api is not None:
            assert client.get(self.api_url(record)).status_code == 200
            assert record.pk in self.api_list_ids(client)
