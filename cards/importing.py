"""Issuing cards in bulk from an Excel (.xlsx) or CSV list: the columns, the validation of a
row, the plan, and the apply — on the shared import flow (`hubportal.imports`: reading with
limits, the dry run's report of every bad row and field, the all-or-nothing apply as a job
with a progress bar).

One row is one card for one person. The person is matched by ID card number: a new one is
registered with the row's unit, a known one (within the cadre's reach) gets the card. A row
without a card number registers the member or volunteer without a card yet: the portal then
knows them, and the share of known members and volunteers holding a card is what the
targets measure. A row whose card number is already that person's card of that kind from
that unit (or a known person without a number) is unchanged, so importing the same list
twice issues nothing twice. Refused with a message on the row
and column: a bad or duplicate card number, a bad ID number, a person already holding an
active card of that kind, a member outside 14–28 on the day of issue, a unit outside the
cadre's reach, a date in the future.

The dry run and the apply read the file the same way, in a fixed number of queries
whatever its length (the units, the card numbers, the ID numbers); the apply writes every
card in ONE transaction through `cards.services.issue_cards` (COPY), or none.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hubportal.imports import (
    ApplyProgress,
    Column,
    ErrorFunc,
    ImportRejected,
    ImportReport,
    Progress,
    RowError,
    RowPlan,
    build_template_xlsx,
    cell_date,
    cell_text,
    check_rows,
    choice_lookup,
    norm,
    read_table,
    template_csv,
)
from hubportal.jurisdiction import Action, user_can
from orgs.importing import unit_paths
from orgs.models import LeagueUnit
from orgs.validators import birth_date_from_id_number, validate_id_number

from . import services
from .models import Card, member_age_limits, validate_card_number

MAX_CARD_ROWS = 200_000
MAX_CARD_BYTES = 40 * 1024 * 1024
PHONE_RE = re.compile(r"^(1\d{10}|0\d{2,3}-?\d{7,8})$")

COLUMNS = [
    Column("number", "卡号", False, "ZS2026000001"),
    Column("kind", "卡类别", True, "修身团员卡"),
    Column("name", "姓名", True, "示例：王小明"),  # marked: the dry run refuses the example row
    Column("id_number", "身份证号码", True, "442000200305060012"),
    Column("phone", "手机号码", False, "13800138000"),
    Column("unit_path", "发卡单位", True, "广东省/中山市/古镇镇"),
    Column("issued_on", "发卡日期", False, "2026-03-01"),
    Column("expires_on", "有效期至", False, ""),
]
COLUMN_BY_KEY = {c.key: c for c in COLUMNS}
# Besides the labels of the choice, the short names a list is likely to carry.
KIND_WORDS = {
    "修身团员卡": Card.Kind.MEMBER,
    "团员卡": Card.Kind.MEMBER,
    "团员": Card.Kind.MEMBER,
    "修身志愿者卡": Card.Kind.VOLUNTEER,
    "志愿者卡": Card.Kind.VOLUNTEER,
    "志愿者": Card.Kind.VOLUNTEER,
}


def _kind_lookup() -> dict[str, str]:
    """The kinds as a list may spell them: the labels (修身团员卡 …) and the short names."""
    lookup = choice_lookup(Card.Kind)
    lookup.update({norm(word): kind for word, kind in KIND_WORDS.items()})
    return lookup


def _clean_row(
    raw: dict[str, Any],
    units: dict[str, LeagueUnit],
    kinds: dict[str, str],
    user: Any,
    today: datetime.date,
    error: ErrorFunc,
) -> dict[str, Any]:
    """One row as the service's data; every problem goes to `error` (column, value, message)."""
    text = {k: cell_text(v) for k, v in raw.items()}
    data: dict[str, Any] = {}
    for column in COLUMNS:
        if column.required and not text.get(column.key):
            error(column.key, "", _("This column must not be empty."))
    number = text.get("number", "").replace(" ", "").upper()
    if number:
        try:
            validate_card_number(number)
        except ValidationError as exc:
            error("number", number, " ".join(exc.messages))
    data["number"] = number
    kind = kinds.get(norm(text.get("kind", ""))) if text.get("kind") else None
    if text.get("kind") and kind is None:
        error("kind", text["kind"], _("Write 修身团员卡 or 修身志愿者卡."))
    data["kind"] = kind
    name = " ".join(text.get("name", "").split())
    if len(name) > 64:
        error("name", name[:20] + "…", _("A name has at most 64 characters."))
    data["name"] = name
    data.update(_clean_person(text, error))
    data["unit"] = _clean_unit(text, units, user, error)
    data.update(_clean_dates(raw, text, data, today, error))
    return data


def _clean_person(text: dict[str, str], error: ErrorFunc) -> dict[str, Any]:
    data: dict[str, Any] = {"birth_date": None}
    id_number = text.get("id_number", "").replace(" ", "").upper()
    if id_number:
        try:
            validate_id_number(id_number)
        except ValidationError as exc:
            error("id_number", id_number, " ".join(exc.messages))
        else:
            data["birth_date"] = birth_date_from_id_number(id_number)
    data["id_number"] = id_number
    phone = text.get("phone", "").replace(" ", "")
    if phone and not PHONE_RE.match(phone):
        error("phone", phone, _("Enter an 11-digit mobile number or a landline with its area code."))
    data["phone"] = phone
    return data


def _clean_unit(
    text: dict[str, str], units: dict[str, LeagueUnit], user: Any, error: ErrorFunc
) -> LeagueUnit | None:
    path = re.sub(r"\s*/\s*", "/", text.get("unit_path", "")).strip("/")
    if not path:
        return None
    unit = units.get(path)
    if unit is None:
        error(
            "unit_path",
            path,
            _(
                "No league unit has the path “%(p)s”; write it from the province down, like 广东省/中山市/古镇镇."
            )
            % {"p": path},
        )
        return None
    if not user_can(user, unit, Action.CHANGE):
        error("unit_path", path, _("%(unit)s lies outside the units you may change.") % {"unit": unit.name})
        return None
    return unit


def _date(raw: dict[str, Any], text: dict[str, str], key: str, error: ErrorFunc) -> datetime.date | None:
    try:
        return cell_date(raw.get(key))
    except ValueError:
        error(key, text[key], _("“%(v)s” is not a date; write it like 2026-03-01.") % {"v": text[key]})
        return None


def _clean_dates(
    raw: dict[str, Any], text: dict[str, str], data: dict[str, Any], today: datetime.date, error: ErrorFunc
) -> dict[str, Any]:
    issued = _date(raw, text, "issued_on", error) if text.get("issued_on") else today
    expires = _date(raw, text, "expires_on", error) if text.get("expires_on") else None
    if issued is not None and issued > today:
        error("issued_on", text.get("issued_on"), _("A card cannot be issued in the future."))
    if issued is not None and expires is not None and expires < issued:
        error("expires_on", text.get("expires_on"), _("A card cannot expire before it is issued."))
    born = data.get("birth_date")
    if data.get("kind") == Card.Kind.MEMBER and born is not None and issued is not None:
        first, last = member_age_limits(born)
        if not first <= issued <= last:
            error(
                "id_number",
                data["id_number"],
                _(
                    "A member card goes to league members aged 14 to 28; on %(day)s this person (born %(born)s) is "
                    "not."
                )
                % {"day": issued, "born": born},
            )
        elif expires is None:
            expires = last  # a member card is valid until the holder turns 29
    return {"issued_on": issued, "expires_on": expires}


def validate_rows(table: list[list[Any]], user: Any, progress: Progress | None = None) -> ImportReport:
    """Check every row and plan it; nothing is written. A fixed number of queries: the
    units, then the card numbers and the holders of the file's ID numbers."""
    report = ImportReport()
    units = unit_paths()
    kinds = _kind_lookup()
    today = timezone.localdate()

    def clean(raw: dict[str, Any], error: ErrorFunc) -> dict[str, Any]:
        return _clean_row(raw, units, kinds, user, today, error)

    parsed = check_rows(
        table,
        COLUMNS,
        report,
        clean,
        max_rows=MAX_CARD_ROWS,
        nothing_below=_("The file has a header but no cards below it."),
        progress=progress,
    )
    _plan(parsed, report, user)
    return report


def _row_error(report: ImportReport, row: int, key: str, value: str, message: str) -> None:
    report.errors.append(RowError(row, COLUMN_BY_KEY[key].header, value, message))


def _plan(parsed: list[tuple[int, dict[str, Any]]], report: ImportReport, user: Any) -> None:
    """Duplicates within the file, then against the register (two queries)."""
    seen_numbers: dict[str, int] = {}
    seen_people: dict[tuple[str, str], int] = {}
    candidates = []
    for number, data in parsed:
        if data["number"] and data["number"] in seen_numbers:
            _row_error(
                report,
                number,
                "number",
                data["number"],
                _("The same card number is on row %(n)d of this file.") % {"n": seen_numbers[data["number"]]},
            )
            continue
        person = (data["id_number"], data["kind"])
        if person in seen_people:
            _row_error(
                report,
                number,
                "id_number",
                data["id_number"],
                _("Row %(n)d of this file already gives this person a card of this kind.")
                % {"n": seen_people[person]},
            )
            continue
        if data["number"]:
            seen_numbers[data["number"]] = number
        seen_people[person] = number
        candidates.append((number, data))
    cards, holders, active = _known(candidates)
    for number, data in candidates:
        plan = _plan_row(number, data, cards, holders, active, report, user)
        if plan is not None:
            report.plans.append(plan)


def _known(
    candidates: list[tuple[int, dict[str, Any]]],
) -> tuple[dict[str, tuple[str, int, str]], dict[str, Known], dict[tuple[str, str], str]]:
    """What the register already holds of the file's card numbers and ID numbers, in three
    queries whatever the length of the file (arrays as parameters, no model instances)."""
    numbers = [d["number"] for _n, d in candidates]
    id_numbers = list({d["id_number"] for _n, d in candidates})
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.number, c.kind, c.issuing_unit_id, h.id_number FROM cards_card c "
            "JOIN cards_holder h ON h.id = c.holder_id WHERE c.number = ANY(%s)",
            [numbers],
        )
        cards = {number: (kind, unit_id, id_number) for number, kind, unit_id, id_number in cursor.fetchall()}
        cursor.execute(
            "SELECT h.id, h.id_number, u.path FROM cards_holder h JOIN orgs_leagueunit u ON u.id = h.unit_id "
            "WHERE h.id_number = ANY(%s)",
            [id_numbers],
        )
        holders = {id_number: Known(pk, path) for pk, id_number, path in cursor.fetchall()}
        cursor.execute(
            "SELECT h.id_number, c.kind, c.number FROM cards_card c JOIN cards_holder h ON h.id = c.holder_id "
            "WHERE h.id_number = ANY(%s) AND c.status = %s",
            [list(holders), Card.Status.ACTIVE],
        )
        active = {(id_number, kind): number for id_number, kind, number in cursor.fetchall()}
    return cards, holders, active


@dataclass(frozen=True)
class Known:
    """A person already registered: their id and the path of their unit."""

    pk: int
    path: str


def _plan_row(
    number: int,
    data: dict[str, Any],
    cards: dict[str, tuple[str, int, str]],
    holders: dict[str, Known],
    active: dict[tuple[str, str], str],
    report: ImportReport,
    user: Any,
) -> RowPlan | None:
    existing = cards.get(data["number"])
    if existing is not None:
        same = existing == (data["kind"], data["unit"].pk, data["id_number"])
        if same:
            return RowPlan(number, data, action="unchanged")
        _row_error(
            report, number, "number", data["number"], _("This card number is already taken by another card.")
        )
        return None
    holder = holders.get(data["id_number"])
    if holder is not None and not data["number"]:
        return RowPlan(number, data, action="unchanged")  # known already, and no card to issue
    if holder is not None and not _within(user, holder.path):
        _row_error(
            report,
            number,
            "id_number",
            data["id_number"],
            _(
                "This ID number is registered with a unit outside your jurisdiction; that unit issues this person's cards."
            ),
        )
        return None
    held = active.get((data["id_number"], data["kind"]))
    if held is not None:
        _row_error(
            report,
            number,
            "id_number",
            data["id_number"],
            _(
                "This person already holds an active card of this kind (%(number)s); report it lost or revoke it first."
            )
            % {"number": held},
        )
        return None
    data["holder_id"] = holder.pk if holder is not None else None
    # "create": a card issued (the person registered if new); "update": a person registered
    # without a card yet.
    return RowPlan(number, data, action="create" if data["number"] else "update")


def _within(user: Any, path: str) -> bool:
    if user.is_superuser:
        return True
    return any(path.startswith(p) for p in user.jurisdiction_paths(Action.CHANGE))


def check_file(name: str, content: bytes, user: Any, progress: Progress | None = None) -> ImportReport:
    """The dry run: read and validate; raises ImportFileError for an unreadable file."""
    table = read_table(name, content, max_bytes=MAX_CARD_BYTES, max_rows=MAX_CARD_ROWS)
    return validate_rows(table, user, progress)


@transaction.atomic
def apply_file(name: str, content: bytes, user: Any, progress: Progress | None = None) -> dict[str, int]:
    """Check again and issue every card in ONE transaction; any refusal issues none.
    `progress(done, total)` follows the checking and the writing (ApplyProgress)."""
    bar = ApplyProgress(progress)
    report = check_file(name, content, user, bar.checking)
    if not report.ok:
        raise ImportRejected(report)
    total = len(report.plans)
    bar.writing(0, total)
    rows = [p.data for p in report.plans if p.action in ("create", "update")]
    unchanged = total - len(rows)
    services.issue_cards(user, rows, progress=lambda done, _all: bar.writing(unchanged + done, total))
    bar.writing(total, total)
    return {"create": report.count("create"), "update": report.count("update"), "unchanged": unchanged}


# The template ------------------------------------------------------------------------------
def instructions() -> list[tuple[str, str]]:
    notes = {
        "number": _(
            "The number printed on the card: 4 to 32 letters, digits or hyphens, unique. Empty: the person is "
            "registered as a member or volunteer without a card yet."
        ),
        "kind": _("修身团员卡 (league members aged 14 to 28 on the day of issue) or 修身志愿者卡."),
        "name": _("Family name first, e.g. 王小明."),
        "id_number": _("18 characters with a valid check digit; a person is matched by it."),
        "phone": _("An 11-digit mobile number or a landline such as 0760-88888888."),
        "unit_path": _("The issuing league unit, from the province down, e.g. 广东省/中山市/古镇镇."),
        "issued_on": _("A date such as 2026-03-01; today when empty."),
        "expires_on": _(
            "Empty: a member card is valid until the holder turns 29, a volunteer card has no end."
        ),
    }
    rows = [(c.header + ("*" if c.required else ""), str(notes.get(c.key, ""))) for c in COLUMNS]
    rows += [
        ("", ""),
        (_("Note"), _("Columns marked * are required. Importing the same list again issues nothing twice.")),
    ]
    return rows


def build_template(user: Any) -> bytes:
    options = {
        "kind": ["修身团员卡", "修身志愿者卡"],
        "unit_path": sorted(p for p, u in unit_paths().items() if user_can(user, u, Action.CHANGE)),
    }
    return build_template_xlsx("发卡名单", COLUMNS, options, instructions(), max_rows=MAX_CARD_ROWS)


def build_template_csv() -> str:
    return template_csv(COLUMNS)
