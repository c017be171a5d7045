"""Fixtures of the star-rating tests: a small published base system (40 points), a 中山
round open for self-assessment, bases, an expert pool of six, and a round whose panels
have scored."""

from __future__ import annotations

import pytest
from django.utils import translation

from evaluation import services
from tests.incubation.conftest import make_base

from .factories import add_to_pool, assign, make_assessor, make_round, make_system, score, self_assess


@pytest.fixture(autouse=True)
def english():
    """Services speak the user's language; these tests read their messages in English."""
    with translation.override("en"):
        yield


@pytest.fixture
def base_system(province_admin, province):
    return make_system(province_admin, province, "base", name="亲青家园星级评估")


@pytest.fixture
def zs_base(zhongshan):
    return make_base(zhongshan, "中山市亲青家园")


@pytest.fixture
def guzhen_base(guzhen):
    return make_base(guzhen, "古镇镇亲青家园")


@pytest.fixture
def fs_base(foshan):
    return make_base(foshan, "佛山市亲青家园")


@pytest.fixture
def zs_round(zhongshan_cadre, zhongshan, base_system):
    return make_round(zhongshan_cadre, zhongshan, base_system, name="中山市亲青家园星级评估")


@pytest.fixture
def pool(province_admin, province, assessor):
    """Six assessors in the province's pool; the `assessor` persona is the first."""
    people = [assessor] + [make_assessor(f"expert_{n}") for n in range(1, 6)]
    for person in people:
        add_to_pool(province_admin, province, person)
    return people


@pytest.fixture
def scoring(zhongshan_cadre, zs_round, zs_base, guzhen_base, pool):
    """The 中山 round in panel scoring: two bases self-assessed, three assessors each."""
    subjects = [services.enter_subject(zhongshan_cadre, zs_round.pk, b.pk) for b in (zs_base, guzhen_base)]
    for subject in subjects:
        self_assess(zhongshan_cadre, subject)
    services.start_scoring(zhongshan_cadre, zs_round.pk)
    panels = {s.pk: assign(zhongshan_cadre, s, pool[:3]) for s in subjects}
    return {"round": zs_round, "subjects": subjects, "panels": panels, "pool": pool}


@pytest.fixture
def scored(scoring, zhongshan_cadre):
    """Every panel has submitted: 80% everywhere, 60% by the third assessor."""
    for subject in scoring["subjects"]:
        for n, assignment in enumerate(scoring["panels"][subject.pk]):
            score(assignment.assessor, assignment, 0.6 if n == 2 else 0.8)
    return scoring
