"""Bulk import of organizations from Excel (.xlsx) and CSV: the columns, the validation of
a row, the plan (create, update or leave each organization), and the apply.

Reading the file, the row loop that collects every bad row and field, the template
workbook and the job around the apply are shared with the other importers
(`hubportal.imports`). The dry run (`check_file`) and the apply (`apply_file`) share one
validation, `validate_rows`. The dry run remembers its plans (in the cache, by the file's
digest and the user); the apply, inside its transaction, writes them if one query finds the
organizations the rows match at the versions the dry run read (and the units, the cadre's
jurisdiction and the day unchanged), else it validates the stored file again and writes
nothing if a single row is wrong. Rows are matched to the registry by credit
code, else by name within the unit; unchanged rows are skipped, so importing the same file
twice changes nothing. The apply writes the whole file through one service,
`services.import_organizations` (COPY and set-based updates, history kept, the same stored
result as `create_organization` and `update_organization` row by row): 100,000 rows in
seconds rather than the half hour the per-row services took.

The column headers are Chinese in the file (the format the provinces exchange); a header
may also be given as the English field name.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import logging
import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext as _

from hubportal.imports import (
    EXAMPLE_MARK,
    ApplyProgress,
    ImportFileError,
    ImportRejected,
    ImportReport,
    Progress,
    RowError,
    RowPlan,
    cell_date,
    cell_text,
    check_rows,
    choice_label,
    choice_lookup,
    norm,
    read_table,
)
from hubportal.imports import Column as ImportColumn
from hubportal.imports import build_template_xlsx as build_workbook
from hubportal.imports import template_csv as build_csv
from hubportal.jurisdiction import Action, user_can

from . import services
from .models import LeagueUnit, Organization
from .models.units import PATH_SEGMENT_WIDTH
from .validators import validate_credit_code

__all__ = [
    "COLUMNS",
    "MAX_IMPORT_BYTES",
    "MAX_IMPORT_ROWS",
    "ImportFileError",
    "ImportRejected",
    "ImportReport",
    "apply_file",
    "check_file",
    "choice_label",
]

# A province moves its sheets in at once: up to 200,000 organizations, 50 MB.
MAX_IMPORT_BYTES = 50 * 1024 * 1024
MAX_IMPORT_ROWS = 200_000
PHONE_RE = re.compile(r"^(1\d{10}|0\d{2,3}-?\d{7,8})$")
LIST_SEPARATORS = re.compile(r"[、,，;；/|]+")
PATH_SEPARATOR = re.compile(r"\s*/\s*")

# The order of the template and of the export. `status` is exported for information and
# ignored by the import (an imported organization is listed, as a cadre's own entry is).
COLUMNS = [
    # The example row can never match a record: its name is marked 示例 (a row so marked is
    # refused by the dry run) and its credit code's check character is wrong on purpose.
    ImportColumn("name", "组织名称", True, f"{EXAMPLE_MARK}：古镇灯饰青年商会"),
    ImportColumn("unit_path", "所属团组织", True, "广东省/中山市/古镇镇"),
    ImportColumn("tier", "层级", True, "N"),
    ImportColumn("body", "所属团属组织", False, ""),
    ImportColumn("kind", "组织类型", False, "青年社会组织"),
    ImportColumn("category", "类别", True, "公益类"),
    ImportColumn("service_fields", "服务领域", False, "社区服务、文化体育"),
    ImportColumn("registration_status", "登记状态", True, "社会团体"),
    ImportColumn("credit_code", "统一社会信用代码", False, "51442000MJL6217730"),
    ImportColumn("founded_on", "成立日期", False, "2019-05-04"),
    ImportColumn("registered_on", "登记日期", False, "2020-01-15"),
    ImportColumn("youth_covered", "覆盖青年人数", False, "300"),
    ImportColumn("contact_person", "联系人", False, "王小明"),
    ImportColumn("phone", "联系电话", False, "13800138000"),
    ImportColumn("email", "电子邮箱", False, ""),
    ImportColumn("address", "地址", False, "古镇镇中兴大道1号"),
    ImportColumn("description", "简介", False, ""),
]
EXPORT_ONLY = [ImportColumn("status", "状态")]
COLUMN_BY_KEY = {c.key: c for c in COLUMNS}
CHOICE_FIELDS = {
    "tier": Organization.Tier,
    "body": Organization.Body,
    "kind": Organization.Kind,
    "category": Organization.Category,
    "registration_status": Organization.RegistrationStatus,
}
COMPARED_FIELDS = [c.key for c in COLUMNS if c.key != "unit_path"] + ["governing_unit"]


# Validation -------------------------------------------------------------------------------


def unit_paths() -> dict[str, LeagueUnit]:
    """Every unit by its path of names (“广东省/中山市/古镇镇”), in one query."""
    units = list(LeagueUnit.objects.only("pk", "name", "path", "depth", "parent_id"))
    by_path = {u.path: u for u in units}
    step = PATH_SEGMENT_WIDTH + 1
    named: dict[str, LeagueUnit] = {}
    for unit in units:
        prefixes = [unit.path[: i * step] for i in range(1, len(unit.path) // step + 1)]
        names = [by_path[p].name for p in prefixes if p in by_path]
        named["/".join(names)] = unit
    return named


def unit_path_names() -> dict[int, str]:
    """The reverse: every unit's id → its path of names (used by the export)."""
    return {unit.pk: path for path, unit in unit_paths().items()}


@dataclass
class Lookup:
    """The register's organizations a file's rows are matched against: the query's arrays
    (the file's credit codes, and its (name, unit) pairs) and what it found, {id: version}."""

    codes: list[str]
    names: list[str]
    units: list[int]
    found: dict[int, int] = field(default_factory=dict)

    def matching(self) -> RawSQL:
        """The ids of the organizations with one of the codes or one of the pairs: arrays as
        parameters (not an IN list of 100,000 values), the exact pairs joined (not every
        organization named alike in any of the file's units)."""
        return RawSQL(
            "SELECT id FROM orgs_organization WHERE credit_code = ANY(%s::text[]) AND credit_code <> '' "
            "UNION SELECT o.id FROM orgs_organization o JOIN unnest(%s::text[], %s::bigint[]) AS f(name, unit) "
            "ON o.name = f.name AND o.governing_unit_id = f.unit",
            [self.codes, self.names, self.units],
        )

    def organizations(self, *defer: str) -> list[Organization]:
        """The organizations the query finds (in no order: the model's pinyin order would
        sort them all), without the fields `defer`."""
        if not self.names:
            return []
        return list(Organization.objects.order_by().defer(*defer).filter(pk__in=self.matching()))


def validate_rows(table: list[list[Any]], user: Any, progress: Progress | None = None) -> ImportReport:
    """Check every row and plan what to do with it; nothing is written.

    A constant number of queries whatever the number of rows: the units, then the
    organizations matching the file's credit codes or names.
    """
    return _validate(table, user, progress)[0]


def _validate(
    table: list[list[Any]], user: Any, progress: Progress | None = None
) -> tuple[ImportReport, Lookup, dict[str, LeagueUnit]]:
    """`validate_rows`, with what the plan was matched against (the register's organizations
    with the file's credit codes or names) and the units by path."""
    report = ImportReport()
    units = unit_paths()
    lookups = {name: choice_lookup(choices) for name, choices in CHOICE_FIELDS.items()}
    service_lookup = choice_lookup(Organization.ServiceField)

    allowed: dict[int, bool] = {}  # the cadre's right to change each unit, asked once per unit

    def may_change(unit: LeagueUnit) -> bool:
        if unit.pk not in allowed:
            allowed[unit.pk] = user_can(user, unit, Action.CHANGE)
        return allowed[unit.pk]

    def clean(raw: dict[str, Any], error: Report) -> dict[str, Any]:
        return _clean_row(raw, units, lookups, service_lookup, may_change, error)

    parsed = check_rows(
        table,
        COLUMNS,
        report,
        clean,
        ignored=EXPORT_ONLY,
        max_rows=MAX_IMPORT_ROWS,
        nothing_below=_("The file has a header but no organizations below it."),
        progress=progress,
    )
    del table  # the file's cells (the caller keeps no other reference): their data is parsed
    lookup = _plan(parsed, report, user, units)
    return report, lookup, units


Report = Callable[..., None]  # error(column key, value, message)


def _clean_row(
    raw: dict[str, Any],
    units: dict[str, LeagueUnit],
    lookups: dict[str, dict[str, str]],
    service_lookup: dict[str, str],
    may_change: Callable[[LeagueUnit], bool],
    error: Report,
) -> dict[str, Any]:
    """One row's cells as service data; each problem is reported through `error`, in the
    order of the columns' checks below."""
    text = {k: cell_text(v) for k, v in raw.items()}
    data: dict[str, Any] = {}
    for column in COLUMNS:
        if column.required and not text.get(column.key):
            error(column.key, "", _("This column must not be empty."))
    data["name"] = _clean_name(text, error)
    unit = _clean_unit(text, units, may_change, error)
    if unit is not None:
        data["governing_unit"] = unit
    data.update(_clean_choices(text, lookups, error))
    _check_tier(data, text, error)
    data["service_fields"] = _clean_service_fields(text, service_lookup, error)
    data["credit_code"] = _clean_credit_code(text, data, error)
    data.update(_clean_dates(raw, text, data, error))
    data.update(_clean_contact(text, error))
    return data


def _clean_name(text: dict[str, str], error: Report) -> str:
    name = " ".join(text.get("name", "").split())
    if len(name) > 100:
        error("name", name, _("A name has at most 100 characters."))
    return name


def _clean_unit(
    text: dict[str, str],
    units: dict[str, LeagueUnit],
    may_change: Callable[[LeagueUnit], bool],
    error: Report,
) -> LeagueUnit | None:
    path = PATH_SEPARATOR.sub("/", text.get("unit_path", "")).strip("/")
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
    if not may_change(unit):
        error("unit_path", path, _("%(unit)s lies outside the units you may change.") % {"unit": unit.name})
        return None
    return unit


def _clean_choices(text: dict[str, str], lookups: dict[str, dict[str, str]], error: Report) -> dict[str, str]:
    data: dict[str, str] = {}
    for key, lookup in lookups.items():
        value = text.get(key, "")
        if not value:
            data[key] = "" if key != "registration_status" else Organization.RegistrationStatus.UNREGISTERED
            continue
        choice = lookup.get(norm(value))
        if choice is None:
            options = "、".join(choice_label(CHOICE_FIELDS[key], v) for v in CHOICE_FIELDS[key].values)
            error(key, value, _("“%(v)s” is not one of: %(options)s.") % {"v": value, "options": options})
        data[key] = choice or ""
    return data


def _check_tier(data: dict[str, Any], text: dict[str, str], error: Report) -> None:
    """Tier N names its kind; tiers 5 and 2 name one of their associations."""
    tier = data.get("tier")
    if tier == Organization.Tier.N:
        if data.get("body"):
            error("body", text.get("body"), _("Leave this empty for tier N; give the kind instead."))
        elif not data.get("kind") and text.get("tier"):
            error("kind", "", _("A tier-N organization needs its kind."))
    elif tier in (Organization.Tier.FIVE, Organization.Tier.TWO):
        allowed = Organization.BODIES_BY_TIER[Organization.Tier(tier)]
        if data.get("kind"):
            error(
                "kind",
                text.get("kind"),
                _("Leave this empty for tiers 5 and 2; give the association instead."),
            )
        elif data.get("body") not in allowed:
            options = "、".join(choice_label(Organization.Body, b) for b in allowed)
            error(
                "body",
                text.get("body", ""),
                _("For tier %(t)s choose one of: %(options)s.") % {"t": tier, "options": options},
            )


def _clean_service_fields(text: dict[str, str], service_lookup: dict[str, str], error: Report) -> list[str]:
    fields: list[str] = []
    for part in LIST_SEPARATORS.split(text.get("service_fields", "")):
        if not part.strip():
            continue
        value = service_lookup.get(norm(part))
        if value is None:
            error("service_fields", part, _("“%(v)s” is not a service field.") % {"v": part})
        elif value not in fields:
            fields.append(value)
    return fields


def _clean_credit_code(text: dict[str, str], data: dict[str, Any], error: Report) -> str:
    code = text.get("credit_code", "").upper()
    if code:
        try:
            validate_credit_code(code)
        except ValidationError as exc:
            error("credit_code", code, " ".join(exc.messages))
    elif data.get("registration_status") not in ("", Organization.RegistrationStatus.UNREGISTERED):
        error("credit_code", "", _("A registered organization needs its unified social credit code."))
    return code


def _clean_date(raw: dict[str, Any], text: dict[str, str], key: str, error: Report) -> datetime.date | None:
    try:
        return cell_date(raw.get(key))
    except ValueError:
        error(key, text[key], _("“%(v)s” is not a date; write it like 2019-05-04.") % {"v": text[key]})
        return None


def _clean_dates(
    raw: dict[str, Any], text: dict[str, str], data: dict[str, Any], error: Report
) -> dict[str, datetime.date | None]:
    dates = {key: _clean_date(raw, text, key, error) for key in ("founded_on", "registered_on")}
    today = datetime.date.today()  # noqa: DTZ011 - a calendar date
    founded = dates["founded_on"]
    if founded and founded > today:
        error("founded_on", text.get("founded_on"), _("The founding date cannot lie in the future."))
    if (
        dates["registered_on"]
        and data.get("registration_status") == Organization.RegistrationStatus.UNREGISTERED
    ):
        error(
            "registered_on",
            text.get("registered_on"),
            _("Only a registered organization has a registration date."),
        )
    return dates


def _clean_contact(text: dict[str, str], error: Report) -> dict[str, Any]:
    """Youth covered, phone, e-mail and the free-text columns."""
    data: dict[str, Any] = {}
    youth = text.get("youth_covered", "")
    try:
        data["youth_covered"] = int(youth.replace(",", "")) if youth else 0
        if data["youth_covered"] < 0:
            raise ValueError
    except ValueError:
        error("youth_covered", youth, _("Write the number of young people as a whole number, like 300."))
    phone = text.get("phone", "").replace(" ", "")
    if phone and not PHONE_RE.match(phone):
        error("phone", phone, _("Enter an 11-digit mobile number or a landline with its area code."))
    data["phone"] = phone
    email = text.get("email", "")
    if email:
        try:
            validate_email(email)
        except ValidationError:
            error("email", email, _("“%(v)s” is not an e-mail address.") % {"v": email})
    data["email"] = email
    for key, limit in (("contact_person", 64), ("address", 200), ("description", 500)):
        value = text.get(key, "")
        if len(value) > limit:
            error(key, value[:20] + "…", _("At most %(n)d characters.") % {"n": limit})
        data[key] = value
    return data


def _plan(
    parsed: list[tuple[int, dict[str, Any]]],
    report: ImportReport,
    user: Any,
    units_by_path: dict[str, LeagueUnit],
) -> Lookup:
    """Find duplicates within the file and the organizations each row updates (1 query),
    then check each new or changed organization as the service would save it. Returns the
    lookup: the query's arrays and what it found, as {id: version}."""
    paths = {unit.pk: path for path, unit in units_by_path.items()}
    seen_codes: dict[str, int] = {}
    seen_names: dict[tuple[str, int], int] = {}
    checked: dict[Any, Any] = {}  # each field's verdict on the values seen (organization_errors)
    today = timezone.localdate()
    candidates: list[tuple[int, dict[str, Any]]] = []
    for number, data in parsed:
        code, key = data["credit_code"], (data["name"], data["governing_unit"].pk)
        if code and code in seen_codes:
            report.errors.append(
                RowError(
                    number,
                    COLUMN_BY_KEY["credit_code"].header,
                    code,
                    _("The same credit code is on row %(n)d of this file.") % {"n": seen_codes[code]},
                )
            )
            continue
        if key in seen_names:
            report.errors.append(
                RowError(
                    number,
                    COLUMN_BY_KEY["name"].header,
                    data["name"],
                    _("Row %(n)d of this file has the same name in the same unit.") % {"n": seen_names[key]},
                )
            )
            continue
        if code:
            seen_codes[code] = number
        seen_names[key] = number
        candidates.append((number, data))
    # The registry's organizations with one of the file's credit codes or one of its (name,
    # unit) pairs, in one query (`Lookup.matching`): each organization read once, without its
    # unit (the units are at hand) and in no order (the model's pinyin order would sort them all).
    lookup = Lookup(
        [d["credit_code"] for _n, d in candidates if d["credit_code"]],
        [d["name"] for _n, d in candidates],
        [d["governing_unit"].pk for _n, d in candidates],
    )
    found = lookup.organizations()
    lookup.found = {org.pk: org.version for org in found}
    units = {unit.pk: unit for unit in units_by_path.values()}
    unit_field = Organization._meta.get_field("governing_unit")
    for org in found:
        if org.governing_unit_id in units:  # every unit is; the relation then costs no query
            unit_field.set_cached_value(org, units[org.governing_unit_id])
    code_set = set(lookup.codes)
    by_code = {o.credit_code: o for o in found if o.credit_code in code_set}
    by_name = {(o.name, o.governing_unit_id): o for o in found}
    for number, data in candidates:
        match_code = by_code.get(data["credit_code"]) if data["credit_code"] else None
        match_name = by_name.get((data["name"], data["governing_unit"].pk))
        if match_code and match_name and match_code.pk != match_name.pk:
            report.errors.append(
                RowError(
                    number,
                    COLUMN_BY_KEY["name"].header,
                    data["name"],
                    _(
                        "Another organization in this unit already has this name, and the credit code belongs to “%(other)s”."
                    )
                    % {"other": match_code.name},
                )
            )
            continue
        target = match_code or match_name
        if match_code and not user_can(user, match_code.governing_unit, Action.CHANGE):
            report.errors.append(
                RowError(
                    number,
                    COLUMN_BY_KEY["credit_code"].header,
                    data["credit_code"],
                    _("This credit code is already registered to “%(other)s”, outside your jurisdiction.")
                    % {"other": match_code.name},
                )
            )
            continue
        if target is not None and target.credit_code and not data["credit_code"]:
            # A file without the code does not erase a known one.
            data["credit_code"] = target.credit_code
        plan = RowPlan(number, data, target=target, label=data["name"])
        if target is None:
            plan.action = "create"
            saved = services.organization_to_create(data)
        else:
            plan.changes = _changes(target, data)
            plan.action = "update" if plan.changes else "unchanged"
            plan.label = target.name
            plan.diff = [
                (
                    COLUMN_BY_KEY[_column_key(name)].header,
                    _shown(name, getattr(target, name), paths),
                    _shown(name, new, paths),
                )
                for name, new in plan.changes.items()
            ]
            saved = services.organization_after_update(target, plan.changes)
        # The apply's own check (the service's `full_clean`) without its queries: the same rules.
        problems = services.organization_errors(saved, checked, today) if plan.action != "unchanged" else {}
        for name, messages in problems.items():
            column = COLUMN_BY_KEY.get(_column_key(name))
            for message in messages:
                report.errors.append(
                    RowError(
                        number,
                        column.header if column else "—",
                        _shown(name, getattr(saved, name, ""), paths) if column else "",
                        message,
                    )
                )
        if not problems:
            report.plans.append(plan)
    return lookup


def _column_key(field: str) -> str:
    return "unit_path" if field == "governing_unit" else field


def _shown(key: str, value: Any, paths: dict[int, str]) -> str:
    """A field's value as the file writes it (path of names, Chinese labels, ISO dates)."""
    if value is None or value == "":
        return ""
    if key == "governing_unit":
        return paths.get(getattr(value, "pk", value), str(value))
    if key in CHOICE_FIELDS:
        return choice_label(CHOICE_FIELDS[key], value)
    if key == "service_fields":
        return "、".join(choice_label(Organization.ServiceField, v) for v in value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def _changes(org: Organization, data: dict[str, Any]) -> dict[str, Any]:
    changes = {}
    for key in COMPARED_FIELDS:
        new = data.get(key)
        old = getattr(org, key)
        if key == "governing_unit":
            if getattr(new, "pk", None) != org.governing_unit_id:
                changes[key] = new
        elif key == "service_fields":
            if sorted(new or []) != sorted(old or []):
                changes[key] = new
        elif key == "registered_on" and new is None:
            continue  # kept as recorded (the 实体化 date is set by the registry itself)
        elif (new if new is not None else "") != (old if old is not None else ""):
            changes[key] = new
    return changes


# Dry run and apply ------------------------------------------------------------------------


def check_file(name: str, content: bytes, user: Any, progress: Progress | None = None) -> ImportReport:
    """The dry run: read and validate; raises ImportFileError for an unreadable file. A file
    that would write is remembered for its apply (`_remember_check`)."""
    report, lookup, units = _validate(_read(name, content), user, progress)
    if report.ok and report.writes:
        _remember_check(content, user, report, lookup, units)
    return report


def _read(name: str, content: bytes) -> list[list[Any]]:
    return read_table(name, content, max_bytes=MAX_IMPORT_BYTES, max_rows=MAX_IMPORT_ROWS)


@transaction.atomic
def apply_file(name: str, content: bytes, user: Any, progress: Progress | None = None) -> dict[str, int]:
    """Write every row of a checked file in ONE transaction; any failure writes nothing.

    When the register is as the dry run of this very file found it (`_checked_plans`: the
    organizations its rows match, with their versions, the units, the cadre's jurisdiction
    and the day), the dry run's plans are written; otherwise the file is validated again here
    and refused if a single row is wrong. `progress(done, total)` follows the checking and the
    writing (ApplyProgress). Returns the counts of created, updated and unchanged rows.
    """
    bar = ApplyProgress(progress)
    checked = _checked_plans(content, user)
    if checked is not None:
        counts, creates, updates = checked
    else:
        report = validate_rows(_read(name, content), user, bar.checking)
        if not report.ok:
            raise ImportRejected(report)
        counts = {k: v for k, v in report.summary().items() if k != "errors"}
        creates = [plan.data for plan in report.plans if plan.action == "create"]
        updates = [(plan.target, plan.changes) for plan in report.plans if plan.action == "update"]
        del report  # the rows' plans are no longer needed while the writing runs
    unchanged = counts["unchanged"]
    total = unchanged + len(creates) + len(updates)
    bar.writing(0, total)
    services.import_organizations(
        user, creates, updates, progress=lambda done, _rows: bar.writing(unchanged + done, total)
    )
    return counts


# The dry run remembered for the apply -------------------------------------------------------
# The apply runs in a worker, from the stored file: instead of reading and checking all of it
# again (as long as the dry run itself), it takes the dry run's plans when nothing they depend
# on has changed — one query compares the organizations the rows match, and their versions.
# Every write of an organization bumps its version, so an equal answer means the same plans.

CHECK_RECORD_SECONDS = 2 * 3600  # longer than an apply token lives (import_views.TOKEN_MAX_AGE)
CHECK_RECORD_FORMAT = 1
DATE_KEYS = ("founded_on", "registered_on")
# Fields of an updated organization the write neither reads nor compares (only the check does).
WRITE_IGNORES = ("pending_changes", "submitted_at", "created_at", "updated_at")
logger = logging.getLogger(__name__)


def _record_key(content: bytes, user: Any) -> str:
    """The file (its digest) checked by this user in this database."""
    digest = hashlib.sha256(content).hexdigest()
    return f"orgs.import.check:{connection.settings_dict['NAME']}:{user.pk}:{digest}"


def _conditions(user: Any, units: dict[str, LeagueUnit], lookup: Lookup) -> dict[str, Any]:
    """What the plans depend on besides the file: the day the rules compare dates with, the
    units by path, the cadre's right to change, and the organizations the rows match."""
    return {
        "format": CHECK_RECORD_FORMAT,
        "today": timezone.localdate().isoformat(),
        "units": sorted((path, unit.pk) for path, unit in units.items()),
        "reach": [bool(user.is_superuser), sorted(user.jurisdiction_paths(Action.CHANGE))],
        "found": sorted(lookup.found.items()),
    }


def _encoded(data: dict[str, Any]) -> dict[str, Any]:
    return {
        key: value.pk
        if key == "governing_unit"
        else value.isoformat()
        if key in DATE_KEYS and value is not None
        else value
        for key, value in data.items()
    }


def _decoded(data: dict[str, Any], units: dict[int, LeagueUnit]) -> dict[str, Any]:
    return {
        key: units[value]
        if key == "governing_unit"
        else datetime.date.fromisoformat(value)
        if key in DATE_KEYS and value is not None
        else value
        for key, value in data.items()
    }


def _remember_check(
    content: bytes, user: Any, report: ImportReport, lookup: Lookup, units: dict[str, LeagueUnit]
) -> None:
    """Keep a clean dry run's plans (compressed JSON in the cache) for this file's apply."""
    record = {
        **_conditions(user, units, lookup),
        "lookup": [lookup.codes, lookup.names, lookup.units],
        "counts": {k: v for k, v in report.summary().items() if k != "errors"},
        "creates": [_encoded(plan.data) for plan in report.plans if plan.action == "create"],
        "updates": [
            [plan.target.pk, plan.target.version, _encoded(plan.changes)]
            for plan in report.plans
            if plan.action == "update"
        ],
    }
    try:
        cache.set(
            _record_key(content, user),
            zlib.compress(json.dumps(record, ensure_ascii=False).encode(), 1),
            CHECK_RECORD_SECONDS,
        )
    except Exception:  # an optimisation only: the apply then checks the file again
        logger.warning("The import's dry run could not be remembered", exc_info=True)


Plans = tuple[dict[str, int], list[dict[str, Any]], list[tuple[Organization, dict[str, Any]]]]


def _checked_plans(content: bytes, user: Any) -> Plans | None:
    """The dry run's (counts, creates, updates) for this file and user, if it was remembered
    and the register is still as it found it; None otherwise (the apply checks again)."""
    try:
        stored = cache.get(_record_key(content, user))
        record = json.loads(zlib.decompress(stored)) if stored is not None else None
    except Exception:
        logger.warning("The import's dry run could not be read back", exc_info=True)
        return None
    if not record or record.get("format") != CHECK_RECORD_FORMAT:
        return None
    units = unit_paths()
    lookup = Lookup(*record["lookup"])
    # The organizations the rows match, read as the dry run read them (one query): the same
    # ones at the same versions, or the file is checked again.
    found = {org.pk: org for org in lookup.organizations(*WRITE_IGNORES)}
    lookup.found = {pk: org.version for pk, org in found.items()}
    now = json.loads(json.dumps(_conditions(user, units, lookup)))  # compared as stored
    if any(record[key] != now[key] for key in now):
        return None
    by_pk = {unit.pk: unit for unit in units.values()}
    unit_field = Organization._meta.get_field("governing_unit")
    creates = [_decoded(data, by_pk) for data in record["creates"]]
    updates = []
    for pk, _version, changes in record["updates"]:
        target = found[pk]  # found at the version the dry run planned this update on
        unit_field.set_cached_value(target, by_pk[target.governing_unit_id])
        updates.append((target, _decoded(changes, by_pk)))
    return record["counts"], creates, updates


# The template -------------------------------------------------------------------------------


def _choice_options() -> dict[str, list[str]]:
    options = {
        key: [choice_label(choices, v) for v in choices.values] for key, choices in CHOICE_FIELDS.items()
    }
    options["tier"] = list(Organization.Tier.values)
    return options


def instructions() -> list[tuple[str, str]]:
    """(column, how to fill it) for the template's instructions sheet."""
    options = _choice_options()
    notes = {
        "name": _(
            "The organization's full name. Rows are matched by credit code, else by name within the unit."
        ),
        "unit_path": _("The governing league unit, from the province down, e.g. 广东省/中山市/古镇镇."),
        "tier": _("5, 2 or N (the “5+2+N” system)."),
        "body": _("For tiers 5 and 2 only: %(o)s.") % {"o": "、".join(options["body"])},
        "kind": _("For tier N only: %(o)s.") % {"o": "、".join(options["kind"])},
        "category": "、".join(options["category"]),
        "service_fields": _("Any of %(o)s, separated by 、.")
        % {
            "o": "、".join(
                choice_label(Organization.ServiceField, v) for v in Organization.ServiceField.values
            )
        },
        "registration_status": "、".join(options["registration_status"]),
        "credit_code": _(
            "18 characters with a valid check character; required for a registered organization."
        ),
        "founded_on": _("A date such as 2019-05-04."),
        "registered_on": _("For a registered organization: when it was registered (实体化)."),
        "youth_covered": _("A whole number; 1,000 or more makes a backbone organization."),
        "phone": _("An 11-digit mobile number or a landline such as 0760-88888888."),
    }
    rows = [(c.header + ("*" if c.required else ""), str(notes.get(c.key, ""))) for c in COLUMNS]
    rows.append(("", ""))
    rows.append(
        (_("Note"), _("Columns marked * are required. Importing the same file again changes nothing."))
    )
    rows.append(
        (
            _("Changes"),
            _(
                "Checking the file lists, for every organization it would change, each field before → after; nothing is written until you import."
            ),
        )
    )
    return rows


def build_template_xlsx(user: Any) -> bytes:
    """The import template: a header row in Chinese, drop-downs for choices (the units the
    user may change among them), instructions."""
    options = _choice_options()
    options["unit_path"] = sorted(p for p, u in unit_paths().items() if user_can(user, u, Action.CHANGE))
    return build_workbook("组织", COLUMNS, options, instructions(), max_rows=MAX_IMPORT_ROWS)


def template_csv() -> str:
    return build_csv(COLUMNS)
