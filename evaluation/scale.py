"""Star-rating data at provincial scale for `manage.py seed_scale` (its `generate(context)` hook).

- the external star certification system (1,000 points, 18 scored indicators), published;
- the province's expert pool: 200 assessors;
- a round of 500 organizations in panel scoring, every panel of five submitted (2,500
  assignments, 45,000 scores): what `bench/evaluation.py` aggregates;
- a round of 1,500 organizations on public notice, with 300 objections (two in three
  answered): the public notice page of `bench/evaluation.py`;
- this year's round of bases, closed, with a final rating and a certificate for one base in
  three: what the target engine's `bases_star_rated` and `bases_rated_share` count.

Rows go in with COPY (`context.copy_rows`); what the services enforce holds by construction:
scores within their maxima, one assignment per assessor and subject, panels without a
conflict (the generated assessors belong to no unit and represent no organization),
ratings valid for a year.
"""

from __future__ import annotations

import datetime
import secrets
import time
from decimal import Decimal
from typing import Any

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from hubportal.bulk import reserve_ids

from .demo import ORG_SECTIONS

PANEL = 5
SCORING_SUBJECTS = 500
NOTICE_SUBJECTS = 1500
EXPERTS = 200
THRESHOLDS = [Decimal(t) for t in (500, 600, 700, 800, 900)]


def generate(context: Any) -> None:
    started = time.perf_counter()
    now, today = timezone.now(), timezone.localdate()
    province = next(u for u in context.units if u.level == "province")
    system_id, leaves = _org_system(province.id, now)
    experts = _experts(province.id, now)
    organizations = _organizations(SCORING_SUBJECTS + NOTICE_SUBJECTS)
    scoring = _round(
        province.id, system_id, "规模测试：青年社会组织外部评估（评分中）", "scoring", today, now
    )
    rows = _scoring_round(context, scoring, organizations[:SCORING_SUBJECTS], experts, leaves, today, now)
    notice = _round(province.id, system_id, "规模测试：青年社会组织外部评估（公示中）", "results", today, now)
    rows += _notice_round(context, notice, organizations[SCORING_SUBJECTS:], today, now)
    rows += _base_round(context, province.id, now, today)
    context.report(
        "evaluation rounds, panels, scores, notices and ratings", time.perf_counter() - started, rows
    )
    from django.db import connection

    with connection.cursor() as cursor:
        for table in ("subject", "assignment", "score", "objection", "rating", "certificate", "indicator"):
            cursor.execute(f"ANALYZE evaluation_{table}")


def _org_system(unit_id: int, now: Any) -> tuple[int, list[tuple[int, Decimal]]]:
    """The 1,000-point system, written while a draft, then published: (its id, its leaves)."""
    from .models import Indicator, IndicatorSystem

    system = IndicatorSystem.objects.create(
        code="scale-org-external",
        name="规模测试：青年社会组织外部评估星级认证指标体系",
        subject_type="organization",
        grade_style="a_grade",
        unit_id=unit_id,
        created_at=now,
    )
    leaves: list[tuple[int, Decimal]] = []
    order = 0
    for code, name, indicators in ORG_SECTIONS:
        order += 1
        section = Indicator.objects.create(
            system=system, code=code, name=name, max_points=sum(i[2] for i in indicators), order=order
        )
        for ind_code, ind_name, points, subs in indicators:
            order += 1
            indicator = Indicator.objects.create(
                system=system,
                parent=section,
                code=ind_code,
                name=ind_name,
                depth=1,
                max_points=points,
                order=order,
            )
            if not subs:
                leaves.append((indicator.pk, Decimal(points)))
            for sub_code, sub_name, sub_points in subs:
                order += 1
                sub = Indicator.objects.create(
                    system=system,
                    parent=indicator,
                    code=sub_code,
                    name=sub_name,
                    depth=2,
                    max_points=sub_points,
                    order=order,
                )
                leaves.append((sub.pk, Decimal(sub_points)))
    IndicatorSystem.objects.filter(pk=system.pk).update(
        status="published", published_at=now, total_points=Decimal(1000)
    )
    return system.pk, leaves


def _experts(unit_id: int, now: Any) -> list[int]:
    from accounts.models import User

    from .models import Expert

    password = make_password(secrets.token_urlsafe(16))
    users = User.objects.bulk_create(
        User(
            username=f"scale_expert_{n:03d}",
            full_name=f"评审专家{n:03d}",
            password=password,
            is_assessor=True,
            date_joined=now,
        )
        for n in range(1, EXPERTS + 1)
    )
    Expert.objects.bulk_create(
        Expert(unit_id=unit_id, user=u, expertise="社会组织评估", created_at=now) for u in users
    )
    return [u.pk for u in users]


def _organizations(n: int) -> list[tuple[int, str, int]]:
    from orgs.models import Organization

    return list(
        Organization.objects.filter(status="listed")
        .order_by("pk")
        .values_list("pk", "name", "governing_unit_id")[:n]
    )


def _round(unit_id: int, system_id: int, name: str, phase: str, today: datetime.date, now: Any) -> int:
    from .models import Round

    return Round.objects.create(
        name=name,
        unit_id=unit_id,
        subject_type="organization",
        year=today.year,
        system_id=system_id,
        phase=phase,
        **{f"threshold_{n}": t for n, t in enumerate(THRESHOLDS, start=1)},
        self_assessment_until=today - datetime.timedelta(days=30),
        scoring_until=today + datetime.timedelta(days=15),
        panel_size=PANEL,
        validity_months=60,
        created_at=now,
    ).pk


SUBJECT_COLUMNS = [
    "id",
    "round_id",
    "organization_id",
    "name",
    "owner_unit_id",
    "status",
    "result",
    "attempt",
    "note",
    "open_flags",
    "created_at",
    "total",
    "stars",
    "aggregated_at",
    "notice_from",
    "notice_until",
]


def _scoring_round(
    context: Any,
    round_id: int,
    organizations: list[tuple[int, str, int]],
    experts: list[int],
    leaves: list[tuple[int, Decimal]],
    today: datetime.date,
    now: Any,
) -> int:
    """Every panel of five submitted, the assessors' load balanced round-robin."""
    rng = context.rng
    subject_ids = reserve_ids("evaluation_subject", len(organizations))
    context.copy_rows(
        "evaluation_subject",
        SUBJECT_COLUMNS,
        (
            (
                sid,
                round_id,
                org,
                name,
                unit,
                "entered",
                "pending",
                1,
                "",
                0,
                now,
                None,
                None,
                None,
                None,
                None,
            )
            for sid, (org, name, unit) in zip(subject_ids, organizations, strict=True)
        ),
    )
    assignment_ids = reserve_ids("evaluation_assignment", len(subject_ids) * PANEL)
    assignments = []
    deadline = today + datetime.timedelta(days=15)
    for index, (subject_id, assignment_id) in enumerate(
        zip((s for s in subject_ids for _ in range(PANEL)), assignment_ids, strict=True)
    ):
        assessor = experts[index % len(experts)]
        assignments.append((assignment_id, subject_id, assessor, 1, "submitted", deadline, now, now, ""))
    context.copy_rows(
        "evaluation_assignment",
        [
            "id",
            "subject_id",
            "assessor_id",
            "attempt",
            "status",
            "deadline",
            "assigned_at",
            "submitted_at",
            "reason",
        ],
        assignments,
    )
    quality = {s: 0.55 + 0.4 * rng.random() for s in subject_ids}

    def scores():
        for assignment_id, subject_id, *_rest in assignments:
            for indicator_id, maximum in leaves:
                share = min(1.0, max(0.0, rng.gauss(quality[subject_id], 0.08)))
                points = (maximum * Decimal(str(round(share, 3)))).quantize(Decimal("0.1"))
                yield (assignment_id, indicator_id, min(points, maximum), maximum, "", now)

    written = context.copy_rows(
        "evaluation_score",
        ["assignment_id", "indicator_id", "points", "max_points", "comment", "saved_at"],
        scores(),
    )
    return len(subject_ids) + len(assignments) + written


def _notice_round(
    context: Any, round_id: int, organizations: list[tuple[int, str, int]], today: datetime.date, now: Any
) -> int:
    rng = context.rng
    subject_ids = reserve_ids("evaluation_subject", len(organizations))
    start, until = today - datetime.timedelta(days=2), today + datetime.timedelta(days=4)
    rows = []
    for sid, (org, name, unit) in zip(subject_ids, organizations, strict=True):
        total = Decimal(rng.randint(5200, 9600)) / 10
        stars = sum(1 for t in THRESHOLDS if total >= t) or None
        rows.append(
            (
                sid,
                round_id,
                org,
                name,
                unit,
                "entered",
                "in_notice",
                1,
                "",
                0,
                now,
                total,
                stars,
                now,
                start,
                until,
            )
        )
    context.copy_rows("evaluation_subject", SUBJECT_COLUMNS, rows)
    objections = []
    for n, sid in enumerate(rng.sample(subject_ids, min(300, len(subject_ids)))):
        answered = n % 3 != 0
        objections.append(
            (
                sid,
                1,
                "",
                "13800138000",
                "请核实该组织的服务项目台账。",
                "",
                "",
                now,
                "dismissed" if answered else "open",
                "经核查，评分依据充分，维持评估结果。" if answered else "",
                now if answered else None,
            )
        )
    context.copy_rows(
        "evaluation_objection",
        [
            "subject_id",
            "attempt",
            "name",
            "contact",
            "reason",
            "file",
            "original_name",
            "filed_at",
            "status",
            "answer",
            "answered_at",
        ],
        objections,
    )
    return len(rows) + len(objections)


def _base_round(context: Any, province_id: int, now: Any, today: datetime.date) -> int:
    """This year's round of bases, closed a month ago: one base in three rated (in force for a
    year), with its certificate."""
    from incubation.models import IncubationBase

    from .models import IndicatorSystem, Round

    rng = context.rng
    final_day = today - datetime.timedelta(days=30)
    year = final_day.year
    bases = list(IncubationBase.objects.order_by("pk").values_list("pk", "name", "unit_id"))
    chosen = [b for b in bases if rng.random() < 1 / 3]
    if not chosen:
        return 0
    system = IndicatorSystem.objects.create(
        code="scale-base-star",
        name="规模测试：亲青家园星级评估指标体系",
        subject_type="base",
        unit_id=province_id,
        status="published",
        published_at=now,
        total_points=Decimal(100),
        created_at=now,
    )
    round_obj = Round.objects.create(
        name=f"规模测试：{year}年度亲青家园星级评估",
        unit_id=province_id,
        subject_type="base",
        year=year,
        system=system,
        phase="closed",
        threshold_1=60,
        threshold_2=70,
        threshold_3=80,
        threshold_4=88,
        threshold_5=95,
        self_assessment_until=final_day - datetime.timedelta(days=60),
        scoring_until=final_day - datetime.timedelta(days=30),
        created_at=now,
    )
    subject_ids = reserve_ids("evaluation_subject", len(chosen))
    valid_until = final_day + datetime.timedelta(days=365)
    subjects, ratings, certificates = [], [], []
    rating_ids = reserve_ids("evaluation_rating", len(chosen))
    finalised = timezone.make_aware(datetime.datetime.combine(final_day, datetime.time(10)))
    for sid, rid, (base_id, name, unit_id) in zip(subject_ids, rating_ids, chosen, strict=True):
        total = Decimal(rng.randint(600, 990)) / 10
        stars = sum(1 for t in (60, 70, 80, 88, 95) if total >= t)
        subjects.append(
            (
                sid,
                round_obj.pk,
                base_id,
                name,
                unit_id,
                "entered",
                "final",
                1,
                "",
                0,
                now,
                total,
                stars,
                finalised,
                final_day - datetime.timedelta(days=7),
                final_day - datetime.timedelta(days=1),
            )
        )
        ratings.append(
            (
                rid,
                sid,
                round_obj.pk,
                "base",
                base_id,
                1,
                year,
                stars,
                total,
                "stars",
                final_day,
                valid_until,
                "current",
                finalised,
            )
        )
        certificates.append((rid, f"S{rid:011d}", finalised))
    context.copy_rows(
        "evaluation_subject", [c if c != "organization_id" else "base_id" for c in SUBJECT_COLUMNS], subjects
    )
    context.copy_rows(
        "evaluation_rating",
        [
            "id",
            "subject_id",
            "round_id",
            "subject_type",
            "base_id",
            "attempt",
            "year",
            "stars",
            "total",
            "grade_style",
            "valid_from",
            "valid_until",
            "status",
            "finalised_at",
        ],
        ratings,
    )
    context.copy_rows(
        "evaluation_certificate",
        ["rating_id", "code", "issued_at", "revoked_reason"],
        ((r, c, t, "") for r, c, t in certificates),
    )
    return len(subjects) + len(ratings) + len(certificates)
