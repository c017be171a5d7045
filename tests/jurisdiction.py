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
- readable and changeable for a 中山 administrator.
`tests/hubportal/test_jurisdiction_coverage.py` fails when a model has no such class.
"""

from __future__ import annotations

from typing import Any, ClassVar

import pytest
from django.db import models
from django.urls import reverse

from hubportal.jurisdiction import Action
from tests.personas import Ctx


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

    def build(self, ctx: Ctx) -> models.Model:
        """A record owned by 中山市 (or by its subtree, see `city_level`)."""
        raise NotImplementedError

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

    def test_a_cadre_of_the_unit_reads_it(self, record, zhongshan_cadre, client_for):
        client = client_for(zhongshan_cadre)
        for kind, url in self.page_urls(record).items():
            answer = client.get(url)
            assert answer.status_code in (200, 405), f"GET {kind} {url}: {answer.status_code}"
        if self.api is not None:
            assert client.get(self.api_url(record)).status_code == 200
            assert record.pk in self.api_list_ids(client)
