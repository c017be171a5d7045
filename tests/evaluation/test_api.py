"""The star-rating API: jurisdiction and assignment-based access, the services' refusals
as 400/403/404/409, and a fixed number of queries per list."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from evaluation import services
from evaluation.models import Score

from . import records
from .factories import score


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    client.credentials(HTTP_ACCEPT_LANGUAGE="en")
    return client


def count(user, url):
    """Queries of one list request by a freshly read user (their memberships not cached yet)."""
    client = api(type(user).objects.get(pk=user.pk))
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, {"page_size": 100})
    assert response.status_code == 200, response.content[:300]
    return len(captured.captured_queries)


RESOURCES = [
    # memberships, count, rows (annotations and joins in the same query): 3 or fewer
    "rounds",
    "subjects",
    "claims",
    "evidence",
    "assignments",
    "scores",
    "results",
    "objections",
    "appeals",
    "ratings",
    "certificates",
    "experts",
    "projects",
    "systems",
    "indicators",
]


@pytest.mark.parametrize("resource", RESOURCES)
def test_lists_answer_in_a_fixed_number_of_queries(resource, province_admin, zhongshan):
    url = f"/api/evaluation/{resource}/"

    builders: list[Callable[[Any], Any]] = [
        records.score_of,
        records.claim_of,
        records.evidence_of,
        records.result_of,
        records.objection_of,
        records.appeal_of,
        records.certificate_of,
        records.expert_of,
        records.project_of,
    ]

    def one_of_each():
        for build in builders:
            build(zhongshan)

    one_of_each()
    small = count(province_admin, url)
    for _ in range(5):
        one_of_each()
    assert count(province_admin, url) == small <= 4


def test_an_assessor_lists_and_scores_only_their_own(scoring):
    first, stranger = scoring["pool"][0], scoring["pool"][4]
    mine = scoring["panels"][scoring["subjects"][0].pk][0]
    theirs = scoring["panels"][scoring["subjects"][0].pk][1]
    client = api(first)
    listed = {row["id"] for row in client.get("/api/evaluation/assignments/").json()["results"]}
    assert listed == {mine.pk, scoring["panels"][scoring["subjects"][1].pk][0].pk}
    a1 = mine.subject.round.system.indicators.get(code="A1")
    saved = client.post(
        "/api/evaluation/scores/", {"assignment": mine.pk, "indicator": a1.pk, "points": "9"}, format="json"
    )
    assert saved.status_code == 201, saved.content
    too_much = client.post(
        "/api/evaluation/scores/",
        {"assignment": mine.pk, "indicator": a1.pk, "points": "10.5"},
        format="json",
    )
    assert too_much.status_code == 400
    assert too_much.json()["points"] == ["At most 10 points can be given for this indicator."]
    not_mine = client.post(
        "/api/evaluation/scores/", {"assignment": theirs.pk, "indicator": a1.pk, "points": "9"}, format="json"
    )
    assert not_mine.status_code == 404
    assert api(stranger).get(f"/api/evaluation/assignments/{mine.pk}/").status_code == 404
    assert Score.objects.count() == 1


def test_scores_stay_hidden_until_the_panel_is_in(scoring, zhongshan_cadre):
    first, second, third = scoring["panels"][scoring["subjects"][0].pk]
    score(first.assessor, first, 0.8)
    score(second.assessor, second, 0.7, submit=False)

    def seen(user):
        return {row["assignment"] for row in api(user).get("/api/evaluation/scores/").json()["results"]}

    assert seen(first.assessor) == {first.pk}
    assert seen(second.assessor) == {second.pk}
    assert seen(zhongshan_cadre) == {first.pk}  # submitted ones only
    services.submit_scores(second.assessor, second.pk)
    score(third.assessor, third, 0.6)
    assert seen(first.assessor) == {first.pk, second.pk, third.pk}


def test_submit_and_declare_a_conflict_through_the_api(scoring):
    mine = scoring["panels"][scoring["subjects"][0].pk][0]
    client = api(mine.assessor)
    answer = client.post(f"/api/evaluation/assignments/{mine.pk}/submit/")
    assert answer.status_code == 400 and "Score every indicator first" in answer.json()["non_field_errors"][0]
    answer = client.post(
        f"/api/evaluation/assignments/{mine.pk}/declare-conflict/", {"reason": "曾任顾问"}, format="json"
    )
    assert answer.status_code == 200 and answer.json()["status"] == "recused"


def test_a_viewer_cannot_drive_a_round_and_a_stale_edit_is_409(zs_round, zhongshan_viewer, zhongshan_cadre):
    assert (
        api(zhongshan_viewer).post(f"/api/evaluation/rounds/{zs_round.pk}/start-scoring/").status_code == 403
    )
    client = api(zhongshan_cadre)
    fresh = client.patch(
        f"/api/evaluation/rounds/{zs_round.pk}/",
        {"name": "新名称", "version": zs_round.version},
        format="json",
    )
    assert fresh.status_code == 200
    stale = client.patch(
        f"/api/evaluation/rounds/{zs_round.pk}/",
        {"name": "旧页面", "version": zs_round.version},
        format="json",
    )
    assert stale.status_code == 409


def test_a_representative_self_assesses_through_the_api(
    zhongshan_cadre, zhongshan, province_admin, province, representative
):
    from tests.orgs.factories import make_org

    from .factories import make_round, make_system

    system = make_system(province_admin, province, "organization")
    round_obj = make_round(zhongshan_cadre, zhongshan, system)
    org = make_org(zhongshan, "石岐青年读书会")
    org.representatives.add(representative)
    subject = services.apply_to_round(representative, round_obj.pk, org.pk)
    client = api(representative)
    assert {row["id"] for row in client.get("/api/evaluation/subjects/").json()["results"]} == {subject.pk}
    a1 = system.indicators.get(code="A1")
    answer = client.post(
        f"/api/evaluation/subjects/{subject.pk}/self-assessment/",
        {"claims": [{"indicator": a1.pk, "points": "11", "statement": "x"}], "version": 1},
        format="json",
    )
    assert answer.status_code == 400 and f"points_{a1.pk}" in answer.json()
    body = {"claims": [{"indicator": a1.pk, "points": "9", "statement": "有固定场地"}]}
    answer = client.post(f"/api/evaluation/subjects/{subject.pk}/self-assessment/", body, format="json")
    assert answer.status_code == 400 and "version" in answer.json()  # the version read is required
    answer = client.post(
        f"/api/evaluation/subjects/{subject.pk}/self-assessment/", {**body, "version": 1}, format="json"
    )
    assert answer.status_code == 200 and answer.json()["version"] == 2
    answer = client.post(  # a second save on the copy read before the first: refused, nothing stored
        f"/api/evaluation/subjects/{subject.pk}/self-assessment/",
        {"claims": [{"indicator": a1.pk, "points": "8", "statement": "改"}], "version": 1},
        format="json",
    )
    assert answer.status_code == 409
    assert subject.claims.get().points == 9
    assert client.post(f"/api/evaluation/subjects/{subject.pk}/admit/").status_code == 403


def test_ratings_filter_by_stars_and_standing(province_admin, zhongshan):
    import datetime

    from evaluation.models import Rating

    current, expired = records.rating_of(zhongshan), records.rating_of(zhongshan)
    Rating.objects.filter(pk=expired.pk).update(
        stars=2, valid_from=datetime.date(2024, 1, 1), valid_until=datetime.date(2025, 1, 1)
    )
    client = api(province_admin)

    def ids(**params):
        return {row["id"] for row in client.get("/api/evaluation/ratings/", params).json()["results"]}

    assert ids(stars=4) == {current.pk}
    assert ids(standing="expired") == {expired.pk}
    assert ids(standing="current") == {current.pk}
