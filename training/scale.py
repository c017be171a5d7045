"""Training data at provincial scale for `manage.py seed_scale` (its `generate(context)` hook).

Over the years of the monthly reports (ten, this one included): ten camps a year for every
city (and 顺德区) and the province's own ten, each with four sessions taught by trainers of
the organiser's pool (no trainer in two sessions at once: a pool's camps are five weeks
apart), about sixty backbone members of the city's organizations per camp (the province's
from anywhere), their attendance, the completion judged by the 80 % rule, and the
certificates of those who completed (without their PDF, drawn on demand). This year's
camps after today are open, with nobody judged yet. Rows go in with COPY; the services'
rules are kept by construction: one person per ID number and phone, one enrolment per
person and camp, one attendance per person and session, one certificate per completion.
"""

from __future__ import annotations

import datetime
import secrets
import time
from collections import defaultdict
from typing import Any

from django.db import connection
from django.utils import timezone

from .models import (
    CODE_ALPHABET,
    Attendance,
    Camp,
    CampSession,
    Certificate,
    Enrolment,
    Trainee,
    Trainer,
)

YEARS = 10
CAMPS_PER_YEAR = 10
SESSIONS = 4
PEOPLE_PER_CAMP = 60
SEGMENT = 9


def _ids(table: str, n: int) -> list[int]:
    if n == 0:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, n]
        )
        return [row[0] for row in cursor.fetchall()]


def _copy(context: Any, model: Any, rows: list[dict[str, Any]]) -> int:
    """COPY rows given by field attname into the model's table (every concrete column)."""
    columns = [f.column for f in model._meta.concrete_fields]
    names = [f.attname for f in model._meta.concrete_fields]
    return context.copy_rows(model._meta.db_table, columns, ([row.get(n) for n in names] for row in rows))


def _code(rng: Any, length: int, used: set[str]) -> str:
    while True:
        code = "".join(rng.choice(CODE_ALPHABET) for _i in range(length))
        if code not in used:
            used.add(code)
            return code


def _at(day: datetime.date, hour: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def generate(context: Any) -> None:
    started = time.perf_counter()
    rng = context.rng
    now, today = timezone.now(), timezone.localdate()
    province = next(u for u in context.units if u.level == "province")
    cities = [u for u in context.units if u.level == "city" and u.kind == "regional"]
    organisers = [province, *cities]
    # Trainers: a pool of eight per organiser.
    trainer_ids = iter(_ids(Trainer._meta.db_table, 8 * len(organisers)))
    pools: dict[int, list[int]] = {}
    trainers = []
    for unit in organisers:
        pools[unit.id] = []
        for i in range(8):
            pk = next(trainer_ids)
            pools[unit.id].append(pk)
            trainers.append(
                {
                    "id": pk,
                    "name": f"师资{unit.id}-{i}",
                    "unit_id": unit.id,
                    "affiliation": f"{unit.name}社会工作师资库",
                    "title": "",
                    "fields": "{social_work}",
                    "phone": "",
                    "email": "",
                    "bio": "",
                    "shared": True,
                    "active": True,
                    "version": 1,
                    "created_at": now,
                }
            )
    _copy(context, Trainer, trainers)

    people = _people(context, cities)
    years = list(range(today.year - YEARS + 1, today.year + 1))
    plan = [(unit, year, j) for year in years for unit in organisers for j in range(CAMPS_PER_YEAR)]
    camp_ids = iter(_ids(Camp._meta.db_table, len(plan)))
    session_ids = iter(_ids(CampSession._meta.db_table, len(plan) * SESSIONS))
    camps, sessions, enrolments, attendances, certificates = [], [], [], [], []
    trainees: dict[int, dict[str, Any]] = {}
    codes: set[str] = set()
    certificate_codes: set[str] = set()
    enrolment_ids = iter(_ids(Enrolment._meta.db_table, len(plan) * PEOPLE_PER_CAMP))
    for unit, year, j in plan:
        start = datetime.date(year, 1, 10) + datetime.timedelta(days=35 * j)
        end = start + datetime.timedelta(days=1)
        done = end < today
        camp_id = next(camp_ids)
        finished_at = _at(end, 18) if done else None
        camps.append(
            {
                "id": camp_id,
                "title": f"{unit.name}{year}年第{j + 1}期亲青汇训练营",
                "organizer_id": unit.id,
                "level": unit.level,
                "series_unit_id": unit.id,
                "starts_on": start,
                "ends_on": end,
                "address": f"{unit.name}青年之家",
                "is_online": False,
                "online_url": "",
                "capacity": PEOPLE_PER_CAMP + 10,
                "description": "",
                "status": "finished" if done else "open",
                "completion_percent": 80,
                "quota_return_on": None,
                "offer_hold_hours": 0,
                "cancel_reason": "",
                "finished_at": finished_at,
                "version": 1,
                "created_at": now,
                "updated_at": now,
            }
        )
        camp_sessions = []
        for s in range(SESSIONS):
            day, hour = start + datetime.timedelta(days=s // 2), (9 if s % 2 == 0 else 14)
            pk = next(session_ids)
            camp_sessions.append(pk)
            sessions.append(
                {
                    "id": pk,
                    "camp_id": camp_id,
                    "title": f"第{s + 1}讲",
                    "trainer_id": pools[unit.id][(j + s) % 8],
                    "starts_at": _at(day, hour),
                    "ends_at": _at(day, hour + 3),
                    "place": "",
                    "is_active": True,
                    "version": 1,
                }
            )
        source = people.get(unit.id) or people.get(0) or []
        chosen = rng.sample(source, min(PEOPLE_PER_CAMP, len(source)))
        for person in chosen:
            trainees.setdefault(person["trainee_id"], person)
            enrolment_id = next(enrolment_ids)
            present = [pk for pk in camp_sessions if rng.random() < 0.88] if done else []
            if not done:
                status = "confirmed"
            elif not present:
                status = "no_show"
            elif len(present) * 100 >= 80 * SESSIONS:
                status = "completed"
            else:
                status = "incomplete"
            enrolments.append(
                {
                    "id": enrolment_id,
                    "camp_id": camp_id,
                    "trainee_id": person["trainee_id"],
                    "organization_id": person["organization_id"],
                    "backbone_member_id": person["member_id"],
                    "unit_id": person["unit_id"],
                    "role": person["role"],
                    "status": status,
                    "quota_id": None,
                    "queued_at": now,
                    "offer_expires_at": None,
                    "confirmed_at": now,
                    "closed_at": finished_at,
                    "cancel_reason": "",
                    "checkin_code": _code(rng, 8, codes),
                    "access_token": secrets.token_urlsafe(24),
                    "enrolled_by_id": None,
                    "created_at": now,
                }
            )
            for pk in present:
                attendances.append(
                    {
                        "enrolment_id": enrolment_id,
                        "session_id": pk,
                        "checked_in_at": _at(start, 9),
                        "method": "qr",
                        "recorded_by_id": None,
                    }
                )
            if status == "completed":
                certificates.append(
                    {
                        "enrolment_id": enrolment_id,
                        "code": _code(rng, 10, certificate_codes),
                        "issued_on": end,
                        "file": "",
                        "revoked_at": None,
                        "revoke_reason": "",
                        "created_at": now,
                    }
                )
    _copy(context, Trainee, [_trainee_row(p, now) for p in trainees.values()])
    _copy(context, Camp, camps)
    _copy(context, CampSession, sessions)
    _copy(context, Enrolment, enrolments)
    attendance_ids = iter(_ids(Attendance._meta.db_table, len(attendances)))
    for row in attendances:
        row["id"] = next(attendance_ids)
    _copy(context, Attendance, attendances)
    certificate_ids = iter(_ids(Certificate._meta.db_table, len(certificates)))
    for row in certificates:
        row["id"] = next(certificate_ids)
    _copy(context, Certificate, certificates)
    with connection.cursor() as cursor:
        for model in (Trainer, Camp, CampSession, Trainee, Enrolment, Attendance, Certificate):
            cursor.execute(f"ANALYZE {model._meta.db_table}")
    context.report(
        f"training: {len(camps):,} camps, {len(enrolments):,} enrolments, {len(attendances):,} attendances, "
        f"{len(certificates):,} certificates",
        time.perf_counter() - started,
        len(camps) + len(enrolments) + len(attendances) + len(certificates),
    )


def _trainee_row(person: dict[str, Any], now: Any) -> dict[str, Any]:
    return {
        "id": person["trainee_id"],
        "name": person["name"],
        "gender": person["gender"],
        "id_number": person["id_number"],
        "phone": person["phone"],
        "email": "",
        "unit_id": person["unit_id"],
        "organization_id": person["organization_id"],
        "created_at": now,
    }


def _people(context: Any, cities: list[Any]) -> dict[int, list[dict[str, Any]]]:
    """Backbone members (one in eight, with a phone), each one person (the first row of an
    ID number or phone wins), grouped by city; key 0 holds everyone (the province's camps)."""
    city_by_prefix = {c.path: c.id for c in cities}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT m.id, m.name, m.gender, m.phone, m.id_number, m.role, o.id, o.governing_unit_id, u.path "
            "FROM orgs_backbonemember m JOIN orgs_organization o ON o.id = m.organization_id "
            "JOIN orgs_leagueunit u ON u.id = o.governing_unit_id "
            "WHERE m.id %% 8 = 0 AND m.phone <> '' AND o.status = 'listed' ORDER BY m.id"
        )
        rows = cursor.fetchall()
    seen: set[str] = set()
    kept = []
    for member_id, name, gender, phone, id_number, role, org_id, unit_id, path in rows:
        keys = {f"p:{phone}"} | ({f"i:{id_number}"} if id_number else set())
        if keys & seen:
            continue
        seen |= keys
        kept.append((member_id, name, gender, phone, id_number, role, org_id, unit_id, path))
    trainee_ids = iter(_ids(Trainee._meta.db_table, len(kept)))
    grouped: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for member_id, name, gender, phone, id_number, role, org_id, unit_id, path in kept:
        person = {
            "trainee_id": next(trainee_ids),
            "member_id": member_id,
            "name": name,
            "gender": gender,
            "phone": phone,
            "id_number": id_number,
            "role": role,
            "organization_id": org_id,
            "unit_id": unit_id,
        }
        city = city_by_prefix.get(path[: 2 * SEGMENT])
        if city is not None:
            grouped[city].append(person)
        grouped[0].append(person)
    return grouped
