"""Conflicts of interest, found from the registry's own facts in one query.

An assessor may not sit on the panel of a subject they are tied to:

- `member`: they are a member (cadre) of the subject's owning unit;
- `representative`: they represent the organization (or the project's organization);
- `backbone`: they are one of the organization's backbone members — matched by the ID
  card number recorded on their entry in an expert pool, or by their mobile phone;
- `declared`: they declared a conflict on an earlier assignment to the same subject.

`find(subject_ids, user_ids)` answers for every pair at once (a UNION of four joins), so
the automatic assignment of a whole round and the check of one manual assignment cost
the same single query.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection
from django.utils.translation import gettext_lazy as _

REASONS = {
    "member": _("is a cadre of the subject's owning unit"),
    "representative": _("represents the organization"),
    "backbone": _("is a backbone member of the organization"),
    "declared": _("declared a conflict of interest with this subject"),
}

SQL = """
WITH s AS (
    SELECT s.id, s.owner_unit_id, COALESCE(s.organization_id, p.organization_id) AS organization_id
    FROM evaluation_subject s
    LEFT JOIN evaluation_serviceproject p ON p.id = s.project_id
    WHERE s.id = ANY(%(subjects)s)
),
u AS (
    SELECT u.id, NULLIF(u.phone, '') AS phone,
           (SELECT MAX(NULLIF(e.id_number, '')) FROM evaluation_expert e WHERE e.user_id = u.id) AS id_number
    FROM accounts_user u
    WHERE u.id = ANY(%(users)s)
)
SELECT s.id, m.user_id, 'member'
FROM s JOIN accounts_membership m ON m.unit_id = s.owner_unit_id
WHERE m.user_id = ANY(%(users)s)
UNION
SELECT s.id, r.user_id, 'representative'
FROM s JOIN orgs_organization_representatives r ON r.organization_id = s.organization_id
WHERE r.user_id = ANY(%(users)s)
UNION
SELECT s.id, u.id, 'backbone'
FROM s JOIN orgs_backbonemember b ON b.organization_id = s.organization_id
JOIN u ON (u.id_number IS NOT NULL AND b.id_number = u.id_number)
       OR (u.phone IS NOT NULL AND b.phone = u.phone)
UNION
SELECT a.subject_id, a.assessor_id, 'declared'
FROM evaluation_assignment a
WHERE a.subject_id = ANY(%(subjects)s) AND a.assessor_id = ANY(%(users)s) AND a.status = 'recused'
"""


def find(subject_ids: Iterable[int], user_ids: Iterable[int]) -> dict[tuple[int, int], list[str]]:
    """{(subject id, user id): [reason codes]} for every tied pair among the given ones."""
    subjects, users = sorted(set(subject_ids)), sorted(set(user_ids))
    if not subjects or not users:
        return {}
    found: dict[tuple[int, int], list[str]] = {}
    with connection.cursor() as cursor:
        cursor.execute(SQL, {"subjects": subjects, "users": users})
        for subject_id, user_id, reason in cursor.fetchall():
            found.setdefault((subject_id, user_id), []).append(reason)
    return found


def describe(reasons: Iterable[str]) -> str:
    return "; ".join(str(REASONS[r]) for r in sorted(set(reasons)))
