"""Cadre, assessor and public pages: a fixed number of queries whatever the length, the
assessor's portal and focused scoring page, the public notice, objections with their
throttle, the exports."""

from __future__ import annotations

import datetime
from io import BytesIO

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from evaluation import services
from evaluation.models import Objection, Score, Subject

from . import records
from .factories import score, today


def queries(client, url, **params):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200, (url, response.status_code)
    return len(captured.captured_queries)


def grow(unit, n):
    """n more subjects in a 中山 round, each with a submitted assignment and an objection, and as
    many certificates (with their ratings), plus a project and an expert."""
    round_obj = records.round_of(unit)
    for _ in range(n):
        subject = records.subject_of(unit, round=round_obj)
        records.assignment_of(subject)
        Objection.objects.create(subject=subject, contact="13800138000", reason="异议")
        records.certificate_of(unit)  # with its rating
    records.project_of(unit)
    records.expert_of(unit)
    return round_obj


LISTS = [
    # session, user, memberships, count, rows (+ annotations in the same query), the change
    # stamp behind the cached unit picker (hubportal.freshness)
    ("/evaluation/rounds/", 7),
    ("/evaluation/subjects/", 8),  # + the round picker of the filters
    ("/evaluation/assignments/", 8),  # + the round picker
    ("/evaluation/objections/", 8),  # + the round picker
    ("/evaluation/ratings/", 8),  # + the round picker
    ("/evaluation/certificates/", 8),  # + the round picker
    ("/evaluation/experts/", 7),
    ("/evaluation/projects/", 7),
    ("/evaluation/systems/", 7),
]


@pytest.mark.parametrize(("url", "budget"), LISTS)
def test_list_pages_answer_in_a_fixed_number_of_queries(url, budget, client_for, province_admin, zhongshan):
    client = client_for(province_admin)
    grow(zhongshan, 2)
    small = queries(client, url)
    grow(zhongshan, 12)
    # The second view may read the unit picker from the cache: never more queries.
    assert queries(client, url, per_page=100) <= small <= budget


def test_the_public_notice_answers_in_at_most_six_queries_whatever_its_length(client, zhongshan):
    round_obj = records.round_of(zhongshan)
    for _ in range(3):
        records.subject_of(zhongshan, round=round_obj, result="in_notice")
    small = queries(client, f"/evaluation/notices/{round_obj.pk}/")
    for _ in range(40):
        subject = records.subject_of(zhongshan, round=round_obj, result="in_notice")
        Objection.objects.create(
            subject=subject,
            contact="13800138000",
            reason="异议",
            status="dismissed",
            answer="维持",
            answered_at=subject.aggregated_at,
        )
    # the round, its published subjects (objections counted in the same query), the answers
    # on record; no session for the public: 3 queries, far within the budget of 6.
    assert queries(client, f"/evaluation/notices/{round_obj.pk}/") == small <= 6


def test_the_public_notice_shows_public_fields_only(client, zhongshan):
    subject = records.subject_of(zhongshan, result="in_notice")
    Objection.objects.create(
        subject=subject,
        name="李先生",
        contact="13800138000",
        reason="台账不实",
        status="dismissed",
        answer="维持结果",
        answered_at=subject.aggregated_at,
    )
    page = client.get(f"/evaluation/notices/{subject.round_id}/").content.decode()
    assert subject.name in page and "维持结果" in page and "台账不实" in page
    assert "13800138000" not in page and "李先生" not in page


def test_an_objection_from_the_public_page_and_the_throttle(client, zhongshan):
    cache.clear()
    subject = records.subject_of(zhongshan, result="in_notice")
    url = f"/evaluation/notices/subjects/{subject.pk}/objection/"
    for n in range(5):
        answer = client.post(url, {"contact": "13800138000", "reason": f"第{n}条异议"})
        assert answer.status_code == 302
    answer = client.post(url, {"contact": "13800138000", "reason": "第六条"}, HTTP_ACCEPT_LANGUAGE="en")
    assert answer.status_code == 429
    assert "Too many objections" in answer.content.decode()
    assert Objection.objects.count() == 5
    cache.clear()


def test_an_objection_after_the_notice_is_refused_on_the_page(client, zhongshan):
    cache.clear()
    subject = records.subject_of(zhongshan, result="in_notice")
    Subject.objects.filter(pk=subject.pk).update(notice_until=today() - datetime.timedelta(days=1))
    answer = client.post(
        f"/evaluation/notices/subjects/{subject.pk}/objection/",
        {"contact": "13800138000", "reason": "迟到"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert answer.status_code == 400
    assert "objections are no longer accepted" in answer.content.decode()
    assert not Objection.objects.exists()


def test_the_assessor_sees_only_their_assignments(client_for, scoring):
    first, other = scoring["pool"][0], scoring["pool"][4]
    page = client_for(first).get("/evaluation/my/").content.decode()
    assert all(s.name in page for s in scoring["subjects"])
    assert "中山" in page
    assert client_for(other).get("/evaluation/my/").context["groups"][0][1] == []
    theirs = scoring["panels"][scoring["subjects"][0].pk][1]
    assert client_for(first).get(f"/evaluation/my/{theirs.pk}/").status_code == 404


def test_a_cadre_cannot_open_an_assessors_scoring_page(client_for, scoring, zhongshan_cadre):
    assignment = scoring["panels"][scoring["subjects"][0].pk][0]
    assert client_for(zhongshan_cadre).get(f"/evaluation/my/{assignment.pk}/").status_code == 404


def test_an_assessor_does_not_open_the_subject_page(client_for, scoring):
    subject = scoring["subjects"][0]
    assert client_for(scoring["pool"][0]).get(f"/evaluation/subjects/{subject.pk}/").status_code == 404


def test_the_scoring_page_saves_each_score_with_htmx(client_for, scoring):
    assignment = scoring["panels"][scoring["subjects"][0].pk][0]
    client = client_for(assignment.assessor)
    page = client.get(f"/evaluation/my/{assignment.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    indicator = page.context["indicator"]
    assert indicator.code == "A1" and page.context["step"] == 0
    url = f"/evaluation/my/{assignment.pk}/scores/{indicator.pk}/"
    saved = client.post(
        url,
        {"points": "8.5", "comment": "场地达标", "step": "0"},
        HTTP_HX_REQUEST="true",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert saved.status_code == 200 and "Saved at" in saved.content.decode()
    refused = client.post(
        url, {"points": "11", "step": "0"}, HTTP_HX_REQUEST="true", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "At most 10 points" in refused.content.decode()
    assert Score.objects.get().points == 8.5
    # without JavaScript the form goes on to the next indicator
    onward = client.post(url, {"points": "9", "step": "0", "go": "next"})
    assert onward.status_code == 302 and onward["Location"].endswith("?step=1")
    # the page opens at the first indicator not scored yet
    assert client.get(f"/evaluation/my/{assignment.pk}/").context["indicator"].code == "A2"


def test_the_panels_totals_show_only_once_everyone_has_submitted(client_for, scoring):
    first, second, third = scoring["panels"][scoring["subjects"][0].pk]
    score(first.assessor, first, 0.8)
    client = client_for(first.assessor)
    assert client.get(f"/evaluation/my/{first.pk}/").context["panel"] is None
    score(second.assessor, second, 0.7)
    score(third.assessor, third, 0.6)
    panel = client.get(f"/evaluation/my/{first.pk}/").context["panel"]
    assert sorted(row["total"] for row in panel) == [24, 28, 32]
    assert [row["mine"] for row in panel].count(True) == 1


def test_results_and_scores_export_to_excel(client_for, scored, zhongshan_cadre):
    services.aggregate_results(zhongshan_cadre, scored["round"].pk)
    client = client_for(zhongshan_cadre)
    book = load_workbook(BytesIO(client.get(f"/evaluation/rounds/{scored['round'].pk}/results.xlsx").content))
    results = list(book.worksheets[0].iter_rows(min_row=4, values_only=True))
    assert {r[0] for r in results} == {"中山市亲青家园", "古镇镇亲青家园"}
    assert {r[3] for r in results} == {29.3}
    indicators = list(book.worksheets[1].iter_rows(min_row=4, values_only=True))
    assert len(indicators) == 8
    scores = load_workbook(
        BytesIO(client.get(f"/evaluation/rounds/{scored['round'].pk}/scores.xlsx").content)
    )
    assert len(list(scores.worksheets[0].iter_rows(min_row=4))) == 2 * 3 * 4


def test_the_subjects_own_side_sees_its_self_assessment_but_not_the_panel(
    client_for, scoring, guzhen_cadre, zhongshan_cadre
):
    guzhen_subject = scoring["subjects"][1]
    own = client_for(guzhen_cadre).get(f"/evaluation/subjects/{guzhen_subject.pk}/")
    assert own.status_code == 200
    assert own.context["is_owner"] and not own.context["is_cadre"] and own.context["panel"] == []
    cadre = client_for(zhongshan_cadre).get(f"/evaluation/subjects/{guzhen_subject.pk}/")
    assert len(cadre.context["panel"]) == 3


def test_an_assessor_opens_the_evidence_of_their_subject_without_personal_data(
    client_for, scoring, zhongshan_cadre, zhongshan
):
    from incubation.models import Residency
    from tests.orgs.factories import make_org

    subject = scoring["subjects"][0]
    org = make_org(zhongshan, "入驻组织", phone="13812345678")
    residency = Residency.objects.create(
        base=subject.base, organization=org, status="applied", note="希望入驻"
    )
    from django.contrib.contenttypes.models import ContentType

    from evaluation.models import Evidence

    item = Evidence.objects.create(
        subject=subject,
        indicator=subject.round.system.indicators.get(code="A1"),
        kind="record",
        content_type=ContentType.objects.get_for_model(residency),
        object_id=residency.pk,
        label="入驻记录",
    )
    page = client_for(scoring["pool"][0]).get(f"/evaluation/evidence/{item.pk}/")
    assert page.status_code == 200
    assert "希望入驻" in page.content.decode() and "13812345678" not in page.content.decode()
    assert client_for(scoring["pool"][4]).get(f"/evaluation/evidence/{item.pk}/").status_code == 404


def test_the_home_counters_open_exactly_what_they_count(client_for, zhongshan_cadre, zhongshan):
    from hubportal.registry import HOME_COUNTERS

    flagged = records.result_of(zhongshan).subject
    Subject.objects.filter(pk=flagged.pk).update(open_flags=1)
    records.objection_of(zhongshan)
    records.objection_of(zhongshan)
    client = client_for(zhongshan_cadre)
    mine = [c for c in HOME_COUNTERS if c.url_name and c.url_name.startswith("evaluation:")]
    assert {c.url_name for c in mine} == {"evaluation:moderation_list", "evaluation:open_objection_list"}
    for counter in mine:
        value = counter.count(zhongshan)
        assert isinstance(value, int)
        listed = client.get(reverse(counter.url_name), {"subtree": zhongshan.pk})
        assert listed.context["paginator"].count == value > 0, counter.label
