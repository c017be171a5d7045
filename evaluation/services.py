"""State changes of the star ratings, shared by the pages, the API, the tasks and the demo.

Every public service follows the portal's convention:

    @service
    def verb_noun(actor, pk, ..., *, options) -> the changed or created record

- `actor` first (the acting user; `None` only for an objection filed by the public), then
  the primary key of the record acted on (of the parent for a create), never an instance.
- Records are read with `hubportal.access.get_for(..., lock=True)`: 404 outside the actor's
  reach, 403 when only viewable. The round's cadres act through jurisdiction (the round's
  unit). A subject's own side (its representatives, the cadres over its owning unit) reaches
  its self-assessment and appeals through `also=owner_q(...)`; an assessor reaches their own
  assignments through `also=Q(assessor=actor)` and nothing else (see `querysets`).
- Lock order: the round row, then the subject, then the assignment or result. Aggregation,
  publication and finalisation lock the round, so two cadres clicking at once are served
  one after the other and the second finds the work done.
- A refusal is a translated `ValidationError` (by field where a field is at fault) and
  leaves nothing changed: a score above the maximum or below zero, scoring after the
  deadline or on a subject not assigned, a change to a published system, an assessor with
  a conflict of interest, an objection after the notice period, a certificate before the
  rating is final.
- Effects belong here: the assessors hear of their assignments, the round's cadres of
  applications, objections and recusals, objectors of the answer, applicants of the
  decision — through the outbox, whichever page, API call or task acted.

Finalising feeds `incubation.BaseRating` through `incubation.services.rate_base` with the
acting cadre, so the base list's stars and filters follow the final ratings.
"""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db import IntegrityError, models, transaction
from django.db.models import Count, F, Max, Model, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Membership
from hubportal.access import get_for, related_for
from hubportal.jurisdiction import Action, user_can
from hubportal.outbox import queue_message, queue_to_users
from hubportal.services import check_version, save_checked, service
from incubation.models import ChecklistItem, IncubationBase
from orgs.models import LeagueUnit, Organization
from orgs.registration import PHONE_RE

from . import aggregation, conflicts, evidence
from .models import (
    Appeal,
    Assignment,
    Certificate,
    Claim,
    Evidence,
    Expert,
    Indicator,
    IndicatorResult,
    IndicatorSystem,
    Objection,
    Rating,
    Round,
    Score,
    ServiceProject,
    Subject,
    SubjectType,
    add_months,
)
from .querysets import owner_q

Phase = Round.Phase
Result = Subject.Result
MAX_POINTS = Decimal("10000")
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed


def _today() -> datetime.date:
    return timezone.localdate()


def _fmt(day: datetime.date | None) -> str:
    return f"{day:%Y-%m-%d}" if day else ""


def _text(value: Any, field: str, message: Any, max_length: int = 2000) -> str:
    text = str(value or "").strip()
    if not text:
        raise ValidationError({field: [message]})
    if len(text) > max_length:
        raise ValidationError(
            {
                field: [
                    _("At most %(n)d characters, please (this has %(m)d).")
                    % {"n": max_length, "m": len(text)}
                ]
            }
        )
    return text


def _points(value: Any, field: str, maximum: Decimal | None = None) -> Decimal:
    """Points as typed: a number ≥ 0 with at most one decimal, at most `maximum`."""
    try:
        points = value if isinstance(value, Decimal) else Decimal(str(value).strip().replace("，", "."))
    except (InvalidOperation, ValueError):
        raise ValidationError({field: [_("Enter the points as a number, e.g. 8 or 7.5.")]}) from None
    if not points.is_finite():
        raise ValidationError({field: [_("Enter the points as a number, e.g. 8 or 7.5.")]})
    if points < 0:
        raise ValidationError({field: [_("Points cannot be below zero.")]})
    if points != points.quantize(Decimal("0.1")):
        raise ValidationError({field: [_("Points are given to one decimal place at most, e.g. 7.5.")]})
    if maximum is not None and points > maximum:
        raise ValidationError(
            {field: [_("At most %(max)s points can be given for this indicator.") % {"max": _num(maximum)}]}
        )
    if points > MAX_POINTS:
        raise ValidationError({field: [_("The number is too large.")]})
    return points.quantize(Decimal("0.1"))


def _num(value: Decimal) -> str:
    """7.0 → “7”, 7.5 → “7.5”."""
    return f"{value.normalize():f}" if value == value.to_integral() else f"{value:f}"


def _cadres_of(unit: LeagueUnit) -> list[Any]:
    """The users who may change records of `unit` (its administrators and editors)."""
    User = get_user_model()
    return list(
        User.objects.filter(
            is_active=True,
            memberships__unit=unit,
            memberships__role__in=Membership.Role.for_action(Action.CHANGE),
        ).distinct()
    )


def _assign_fields(obj: Model, data: Mapping[str, Any], fields: Iterable[str]) -> list[str]:
    changed = []
    for name in fields:
        if name not in data:
            continue
        field = obj._meta.get_field(name)
        value = data[name]
        new = value.pk if isinstance(value, Model) else value
        if new is None and isinstance(field, models.CharField | models.TextField) and not field.null:
            new = ""
        attname = getattr(field, "attname", name)
        if getattr(obj, attname) != new:
            setattr(obj, attname, new)
            changed.append(name)
    return changed


def _full_clean(obj: Model, exclude: Iterable[str] = ()) -> None:
    obj.full_clean(exclude=list(exclude), validate_unique=False, validate_constraints=True)


# Indicator systems -------------------------------------------------------------------------
SYSTEM_FIELDS = ["code", "name", "subject_type", "unit", "grade_style", "description"]
INDICATOR_FIELDS = ["code", "name", "max_points", "guide", "evidence_expected", "checklist_item", "order"]


def _frozen(system: IndicatorSystem) -> None:
    if system.is_frozen:
        raise ValidationError(
            _(
                "Version %(n)s of “%(name)s” is published and frozen: nothing in it can change. "
                "Make a new version to change it."
            )
            % {"n": system.edition, "name": system.name}
        )


def _owning_unit(actor: Any, value: Any, field: str = "unit") -> LeagueUnit:
    if value in (None, ""):
        raise ValidationError({field: [_("Choose the unit.")]})
    return related_for(
        actor, LeagueUnit, value, field, Action.CHANGE, message=_("Choose a unit within your jurisdiction.")
    )


@service
def create_system(actor: Any, data: Mapping[str, Any]) -> IndicatorSystem:
    """A new indicator system (version 1, a draft) owned by a unit the actor may change."""
    unit = _owning_unit(actor, data.get("unit"))
    code = str(data.get("code") or "").strip()
    if code and IndicatorSystem.objects.filter(code=code).exists():
        raise ValidationError(
            {"code": [_("A system with this code exists already: make a new version of it instead.")]}
        )
    system = IndicatorSystem(unit=unit, edition=1)
    _assign_fields(system, {k: v for k, v in data.items() if k != "unit"}, SYSTEM_FIELDS)
    _full_clean(system)
    save_checked(system)
    return system


@service
def update_system(
    actor: Any, system_pk: Any, data: Mapping[str, Any], version: Any = None
) -> IndicatorSystem:
    """Edit a draft system (its code and subject type stay: rounds and versions rely on them)."""
    system = get_for(actor, IndicatorSystem, system_pk, Action.CHANGE, lock=True)
    _frozen(system)
    check_version(system, version)
    values = dict(data)
    if values.get("unit") not in (None, ""):
        values["unit"] = _owning_unit(actor, values["unit"])
    if _assign_fields(system, values, ["name", "unit", "grade_style", "description"]):
        system.version += 1
        _full_clean(system)
        save_checked(system)
    return system


@service
def delete_system(actor: Any, system_pk: Any) -> None:
    """Delete a draft system that no round uses."""
    system = get_for(actor, IndicatorSystem, system_pk, Action.CHANGE, lock=True)
    _frozen(system)
    system.delete()


def _indicator_values(actor: Any, system: IndicatorSystem, data: Mapping[str, Any]) -> dict[str, Any]:
    values = {k: v for k, v in data.items() if k in INDICATOR_FIELDS}
    if "max_points" in values:
        maximum = _points(values["max_points"], "max_points")
        if maximum <= 0:
            raise ValidationError({"max_points": [_("An indicator is worth more than zero points.")]})
        values["max_points"] = maximum
    if values.get("checklist_item") not in (None, ""):
        if system.subject_type != SubjectType.BASE:
            raise ValidationError(
                {"checklist_item": [_("Only a system for Qinqing Home bases checks the standard manual.")]}
            )
        item = values["checklist_item"]
        values["checklist_item"] = ChecklistItem.objects.filter(pk=getattr(item, "pk", item)).first()
        if values["checklist_item"] is None:
            raise ValidationError({"checklist_item": [_("Choose an item of the standard checklist.")]})
    elif "checklist_item" in values:
        values["checklist_item"] = None
    for key in ("guide", "evidence_expected"):
        if key in values and values[key] is None:
            values[key] = ""
    return values


@service
def add_indicator(actor: Any, system_pk: Any, data: Mapping[str, Any]) -> Indicator:
    """Add a section (no parent), an indicator or a sub-indicator to a draft system."""
    system = get_for(actor, IndicatorSystem, system_pk, Action.CHANGE, lock=True)
    _frozen(system)
    parent = None
    if data.get("parent") not in (None, ""):
        parent_pk = getattr(data["parent"], "pk", data["parent"])
        parent = Indicator.objects.filter(system=system, pk=parent_pk).first()
        if parent is None:
            raise ValidationError({"parent": [_("Choose a section or indicator of this system.")]})
        if parent.depth >= 2:
            raise ValidationError({"parent": [_("A sub-indicator cannot have indicators below it.")]})
    values = _indicator_values(actor, system, data)
    if Indicator.objects.filter(system=system, code=str(values.get("code", "")).strip()).exists():
        raise ValidationError({"code": [_("Another indicator of this system has this number.")]})
    if "order" not in values or values["order"] in (None, ""):
        values["order"] = (Indicator.objects.filter(system=system).aggregate(m=Max("order"))["m"] or 0) + 1
    indicator = Indicator(system=system, parent=parent, depth=(parent.depth + 1) if parent else 0)
    _assign_fields(indicator, values, INDICATOR_FIELDS)
    _full_clean(indicator, exclude=["system", "parent"])
    save_checked(indicator)
    _touch(system)
    return indicator


def _touch(system: IndicatorSystem) -> None:
    """An edit of a system's indicators is an edit of the system: its version moves on."""
    IndicatorSystem.objects.filter(pk=system.pk).update(version=F("version") + 1, updated_at=timezone.now())


@service
def update_indicator(
    actor: Any, indicator_pk: Any, data: Mapping[str, Any], version: Any = None
) -> Indicator:
    """Edit an indicator of a draft system (its place in the tree stays), with an optimistic
    lock on the indicator's `version` (the one the editor read)."""
    indicator = get_for(actor, Indicator.objects.select_related("system"), indicator_pk, Action.CHANGE)
    system = get_for(actor, IndicatorSystem, indicator.system_id, Action.CHANGE, lock=True)
    _frozen(system)
    indicator = Indicator.objects.select_for_update().get(pk=indicator.pk)
    check_version(indicator, version)
    values = _indicator_values(actor, system, data)
    code = str(values.get("code", indicator.code)).strip()
    if Indicator.objects.filter(system=system, code=code).exclude(pk=indicator.pk).exists():
        raise ValidationError({"code": [_("Another indicator of this system has this number.")]})
    if _assign_fields(indicator, values, INDICATOR_FIELDS):
        indicator.version += 1
        _full_clean(indicator, exclude=["system", "parent"])
        save_checked(indicator)
        _touch(system)
    return indicator


@service
def delete_indicator(actor: Any, indicator_pk: Any) -> None:
    """Remove an indicator (and what lies below it) from a draft system."""
    indicator = get_for(actor, Indicator, indicator_pk, Action.CHANGE)
    system = get_for(actor, IndicatorSystem, indicator.system_id, Action.CHANGE, lock=True)
    _frozen(system)
    Indicator.objects.filter(pk=indicator.pk).delete()
    _touch(system)


def _tree_problems(indicators: list[Indicator]) -> tuple[list[str], Decimal]:
    """What keeps a system from being published, and its total."""
    children: dict[int | None, list[Indicator]] = {}
    for indicator in indicators:
        children.setdefault(indicator.parent_id, []).append(indicator)
    sections = children.get(None, [])
    problems = []
    if not sections:
        problems.append(_("The system has no section yet."))
    for indicator in indicators:
        below = children.get(indicator.pk, [])
        if below:
            total = sum((c.max_points for c in below), Decimal("0"))
            if total != indicator.max_points:
                problems.append(
                    _("%(code)s %(name)s is worth %(max)s points but its indicators add up to %(sum)s.")
                    % {
                        "code": indicator.code,
                        "name": indicator.name,
                        "max": _num(indicator.max_points),
                        "sum": _num(total),
                    }
                )
    return problems, sum((s.max_points for s in sections), Decimal("0"))


@service
def publish_system(actor: Any, system_pk: Any) -> IndicatorSystem:
    """Publish a draft: the tree must add up; it is frozen from now on, and the version it
    replaces (same code) is retired, so new rounds use the new one."""
    system = get_for(actor, IndicatorSystem, system_pk, Action.CHANGE, lock=True)
    _frozen(system)
    problems, total = _tree_problems(list(system.indicators.all()))
    if problems:
        raise ValidationError(problems)
    IndicatorSystem.objects.filter(code=system.code, status=IndicatorSystem.Status.PUBLISHED).exclude(
        pk=system.pk
    ).update(status=IndicatorSystem.Status.RETIRED)
    system.status = IndicatorSystem.Status.PUBLISHED
    system.total_points = total
    system.published_at = timezone.now()
    system.published_by = actor if getattr(actor, "is_authenticated", False) else None
    system.version += 1
    save_checked(system)
    return system


@service
def new_system_version(actor: Any, system_pk: Any) -> IndicatorSystem:
    """A new draft version of a published system, copying its whole tree: the way to
    change a frozen system. Rounds keep the version they were opened with."""
    source = get_for(actor, IndicatorSystem, system_pk, Action.CHANGE, lock=True)
    if not source.is_frozen:
        raise ValidationError(_("This version is still a draft: edit it directly."))
    if IndicatorSystem.objects.filter(code=source.code, status=IndicatorSystem.Status.DRAFT).exists():
        raise ValidationError(_("This system already has a draft version being edited."))
    edition = (IndicatorSystem.objects.filter(code=source.code).aggregate(m=Max("edition"))["m"] or 0) + 1
    copy = IndicatorSystem.objects.create(
        code=source.code,
        edition=edition,
        name=source.name,
        subject_type=source.subject_type,
        unit=source.unit,
        grade_style=source.grade_style,
        description=source.description,
        derived_from=source,
    )
    mapping: dict[int, Indicator] = {}
    for indicator in source.indicators.order_by("depth", "order", "pk"):
        mapping[indicator.pk] = Indicator.objects.create(
            system=copy,
            parent=mapping.get(indicator.parent_id) if indicator.parent_id else None,
            code=indicator.code,
            name=indicator.name,
            depth=indicator.depth,
            max_points=indicator.max_points,
            guide=indicator.guide,
            evidence_expected=indicator.evidence_expected,
            checklist_item=indicator.checklist_item,
            order=indicator.order,
        )
    return copy


# Service projects --------------------------------------------------------------------------
PROJECT_FIELDS = [
    "organization",
    "name",
    "service_field",
    "started_on",
    "ended_on",
    "budget",
    "funder",
    "beneficiaries",
    "description",
]


def _project_values(actor: Any, data: Mapping[str, Any]) -> dict[str, Any]:
    values = {k: v for k, v in data.items() if k in PROJECT_FIELDS}
    if "organization" in values:
        values["organization"] = related_for(
            actor,
            Organization,
            values["organization"],
            "organization",
            Action.CHANGE,
            message=_("Choose an organization within the units you may change."),
        )
    for key in ("service_field", "funder", "description"):
        if key in values and values[key] is None:
            values[key] = ""
    return values


@service
def create_project(actor: Any, data: Mapping[str, Any]) -> ServiceProject:
    """Record a youth service project of an organization within the actor's jurisdiction."""
    if data.get("organization") in (None, ""):
        raise ValidationError({"organization": [_("Choose the organization that runs the project.")]})
    project = ServiceProject()
    _assign_fields(project, _project_values(actor, data), PROJECT_FIELDS)
    _full_clean(project)
    save_checked(project)
    return project


@service
def update_project(
    actor: Any, project_pk: Any, data: Mapping[str, Any], version: Any = None
) -> ServiceProject:
    project = get_for(actor, ServiceProject, project_pk, Action.CHANGE, lock=True)
    check_version(project, version)
    if _assign_fields(project, _project_values(actor, data), PROJECT_FIELDS):
        project.version += 1
        _full_clean(project)
        save_checked(project)
    return project


# Rounds ------------------------------------------------------------------------------------
ROUND_FIELDS = [
    "name",
    "unit",
    "subject_type",
    "year",
    "system",
    "threshold_1",
    "threshold_2",
    "threshold_3",
    "threshold_4",
    "threshold_5",
    "self_assessment_until",
    "scoring_until",
    "notice_days",
    "panel_size",
    "rule",
    "trim_from",
    "disagreement_share",
    "validity_months",
    "appeal_days",
    "accepts_applications",
    "description",
]
# What may still change once a round has moved on (the rest would change the meaning of
# self-assessments, scores or results already given).
EDITABLE_IN = {
    Phase.DRAFT: set(ROUND_FIELDS),
    Phase.SELF_ASSESSMENT: set(ROUND_FIELDS) - {"unit", "subject_type", "system", "year"},
    Phase.SCORING: {
        "name",
        "description",
        "scoring_until",
        "notice_days",
        "panel_size",
        "rule",
        "trim_from",
        "disagreement_share",
        "validity_months",
        "appeal_days",
        "threshold_1",
        "threshold_2",
        "threshold_3",
        "threshold_4",
        "threshold_5",
    },
    Phase.RESULTS: {"name", "description", "notice_days", "appeal_days", "scoring_until"},
    Phase.CLOSED: {"name", "description", "appeal_days"},
}


def _published_system(actor: Any, value: Any) -> IndicatorSystem:
    # Published systems are shared: any cadre may open a round on one.
    return related_for(
        actor,
        IndicatorSystem,
        value,
        "system",
        Action.VIEW,
        also=Q(status=IndicatorSystem.Status.PUBLISHED),
        message=_("Choose a published indicator system."),
    )


def _check_round(round_obj: Round) -> None:
    system = round_obj.system
    errors: dict[str, list[Any]] = {}
    if system.status != IndicatorSystem.Status.PUBLISHED and round_obj.phase == Phase.DRAFT:
        errors["system"] = [_("Choose a published version of the system (drafts can still change).")]
    if system.subject_type != round_obj.subject_type:
        errors["system"] = [
            _("This system rates %(kind)s; the round rates %(round_kind)s.")
            % {
                "kind": SubjectType(system.subject_type).label,
                "round_kind": SubjectType(round_obj.subject_type).label,
            }
        ]
    thresholds = round_obj.thresholds
    if any(t is None for t in thresholds):
        errors["threshold_1"] = [_("Give the points needed for each number of stars.")]
    else:
        for n, (lower, higher) in enumerate(zip(thresholds, thresholds[1:], strict=False), start=2):
            if higher <= lower:
                errors.setdefault(f"threshold_{n}", []).append(
                    _("%(n)d stars need more points than %(m)d.") % {"n": n, "m": n - 1}
                )
        if system.total_points and thresholds[4] > system.total_points:
            errors.setdefault("threshold_5", []).append(
                _("The system is worth %(total)s points: 5 stars cannot need more.")
                % {"total": _num(system.total_points)}
            )
    if round_obj.self_assessment_until and round_obj.scoring_until:
        if round_obj.scoring_until < round_obj.self_assessment_until:
            errors["scoring_until"] = [_("Scoring cannot end before the self-assessment does.")]
    if round_obj.trim_from is not None and round_obj.trim_from < 3:
        errors["trim_from"] = [_("Dropping the highest and the lowest score needs at least 3 scores.")]
    if errors:
        raise ValidationError(errors)


def _round_values(actor: Any, data: Mapping[str, Any]) -> dict[str, Any]:
    values = {k: v for k, v in data.items() if k in ROUND_FIELDS}
    if values.get("unit") not in (None, ""):
        values["unit"] = _owning_unit(actor, values["unit"])
    if values.get("system") not in (None, ""):
        values["system"] = _published_system(actor, values["system"])
    for n in range(1, 6):
        key = f"threshold_{n}"
        if values.get(key) not in (None, ""):
            values[key] = _points(values[key], key)
    if "description" in values and values["description"] is None:
        values["description"] = ""
    return values


@service
def create_round(actor: Any, data: Mapping[str, Any]) -> Round:
    """Open a round (as a draft) at a unit the actor may change, on a published system."""
    values = _round_values(actor, data)
    if "unit" not in values:
        raise ValidationError({"unit": [_("Choose the organizing unit.")]})
    if "system" not in values:
        raise ValidationError({"system": [_("Choose a published indicator system.")]})
    round_obj = Round(created_by=actor if getattr(actor, "is_authenticated", False) else None)
    _assign_fields(round_obj, values, ROUND_FIELDS)
    _check_round(round_obj)
    _full_clean(round_obj, exclude=["unit", "system"])
    save_checked(round_obj)
    return round_obj


@service
def update_round(actor: Any, round_pk: Any, data: Mapping[str, Any], version: Any = None) -> Round:
    """Edit a round; what may change depends on how far it has gone (`EDITABLE_IN`)."""
    round_obj = get_for(actor, Round, round_pk, Action.CHANGE, lock=True)
    check_version(round_obj, version)
    values = _round_values(actor, data)
    allowed = EDITABLE_IN[Phase(round_obj.phase)]
    locked = [
        name
        for name, value in values.items()
        if name not in allowed and getattr(round_obj, _attname(Round, name)) != getattr(value, "pk", value)
    ]
    if locked:
        raise ValidationError(
            {
                name: [
                    _("This can no longer change: the round is at the stage “%(phase)s”.")
                    % {"phase": round_obj.get_phase_display()}
                ]
                for name in locked
            }
        )
    if _assign_fields(round_obj, values, ROUND_FIELDS):
        round_obj.version += 1
        _check_round(round_obj)
        _full_clean(round_obj, exclude=["unit", "system"])
        save_checked(round_obj)
    return round_obj


def _attname(model: type[Model], name: str) -> str:
    return str(getattr(model._meta.get_field(name), "attname", name))


def _round_for_cadre(actor: Any, round_pk: Any) -> Round:
    return get_for(actor, Round.objects.select_related("system", "unit"), round_pk, Action.CHANGE, lock=True)


def _require_phase(round_obj: Round, *phases: str) -> None:
    if round_obj.phase not in phases:
        raise ValidationError(
            _("Not possible at this stage of the round (“%(phase)s”).")
            % {"phase": round_obj.get_phase_display()}
        )


@service
def open_round(actor: Any, round_pk: Any) -> Round:
    """Draft → self-assessment: subjects may now apply, and assess themselves."""
    round_obj = _round_for_cadre(actor, round_pk)
    _require_phase(round_obj, Phase.DRAFT)
    _check_round(round_obj)
    if round_obj.self_assessment_until < _today():
        raise ValidationError(
            {"self_assessment_until": [_("The self-assessment deadline has passed: move it first.")]}
        )
    round_obj.phase = Phase.SELF_ASSESSMENT
    round_obj.version += 1
    round_obj.save(update_fields=["phase", "version", "updated_at"])
    return round_obj


@service
def start_scoring(actor: Any, round_pk: Any) -> Round:
    """Self-assessment → panel scoring. Applications must be decided first."""
    round_obj = _round_for_cadre(actor, round_pk)
    _require_phase(round_obj, Phase.SELF_ASSESSMENT)
    waiting = round_obj.subjects.filter(status=Subject.Status.APPLIED).count()
    if waiting:
        raise ValidationError(
            _("%(n)d applications to the round still wait for a decision: admit or decline them first.")
            % {"n": waiting}
        )
    if not round_obj.subjects.filter(status=Subject.Status.ENTERED).exists():
        raise ValidationError(_("The round has no subject to score yet."))
    round_obj.phase = Phase.SCORING
    round_obj.version += 1
    round_obj.save(update_fields=["phase", "version", "updated_at"])
    return round_obj


# Subjects ----------------------------------------------------------------------------------
def _target(actor: Any, round_obj: Round, target_pk: Any, action: Action, also: Q | None = None) -> Model:
    """The base, organization or project named for the round, within its unit's subtree."""
    kind = SubjectType(round_obj.subject_type)
    within = round_obj.unit
    source: Any
    if kind == SubjectType.BASE:
        source = IncubationBase.objects.in_subtree(within).select_related("unit")
        message = _("Choose a Qinqing Home base of %(unit)s or below it.")
    elif kind == SubjectType.ORGANIZATION:
        source = Organization.objects.in_subtree(within).listed().select_related("governing_unit")
        message = _("Choose an organization listed in the registry, of %(unit)s or below it.")
    else:
        source = ServiceProject.objects.in_subtree(within).select_related("organization__governing_unit")
        message = _("Choose a service project of an organization of %(unit)s or below it.")
    return related_for(
        actor, source, target_pk, "target", action, also=also, message=message % {"unit": within}
    )


def _subject_for(round_obj: Round, target: Any, **fields: Any) -> Subject:
    kind = SubjectType(round_obj.subject_type)
    if kind == SubjectType.BASE:
        owner = target.unit
        subject = Subject(round=round_obj, base=target, name=str(target), owner_unit=owner, **fields)
    elif kind == SubjectType.ORGANIZATION:
        owner = target.governing_unit
        subject = Subject(round=round_obj, organization=target, name=str(target), owner_unit=owner, **fields)
    else:
        owner = target.organization.governing_unit
        subject = Subject(round=round_obj, project=target, name=str(target), owner_unit=owner, **fields)
    try:
        with transaction.atomic():
            subject.save()
    except IntegrityError:
        raise ValidationError({"target": [_("This one is in the round already.")]}) from None
    return subject


@service
def enter_subject(actor: Any, round_pk: Any, target_pk: Any, note: str = "") -> Subject:
    """A round's cadre enters a base, organization or project of the round's subtree."""
    round_obj = _round_for_cadre(actor, round_pk)
    _require_phase(round_obj, Phase.DRAFT, Phase.SELF_ASSESSMENT, Phase.SCORING)
    target = _target(actor, round_obj, target_pk, Action.VIEW)
    return _subject_for(round_obj, target, status=Subject.Status.ENTERED, note=str(note or "").strip())


@service
def enter_all_bases(actor: Any, round_pk: Any) -> int:
    """Enter every Qinqing Home base of the round's subtree that is not in it yet (every
    base is to be star-rated): one read and one insert whatever their number."""
    round_obj = _round_for_cadre(actor, round_pk)
    _require_phase(round_obj, Phase.DRAFT, Phase.SELF_ASSESSMENT, Phase.SCORING)
    if round_obj.subject_type != SubjectType.BASE:
        raise ValidationError(_("This round does not rate Qinqing Home bases."))
    bases = (
        IncubationBase.objects.in_subtree(round_obj.unit)
        .exclude(assessments__round=round_obj)
        .values_list("pk", "name", "unit_id")
    )
    created = Subject.objects.bulk_create(
        Subject(round=round_obj, base_id=pk, name=name, owner_unit_id=unit_id, status=Subject.Status.ENTERED)
        for pk, name, unit_id in bases
    )
    return len(created)


def _applicable(actor: Any, round_obj: Round) -> Q:
    """What the actor may apply with: represented organizations (and their projects), or
    bases, organizations and projects within their change jurisdiction."""
    if not getattr(actor, "is_authenticated", False):
        return Q(pk__in=[])
    represented = Organization.objects.filter(representatives=actor).values("pk")
    kind = SubjectType(round_obj.subject_type)
    if kind == SubjectType.ORGANIZATION:
        return Q(pk__in=represented)
    if kind == SubjectType.PROJECT:
        return Q(organization__in=represented)
    return Q(pk__in=[])


@service
def apply_to_round(actor: Any, round_pk: Any, target_pk: Any, note: str = "") -> Subject:
    """A subject applies: an organization's representative (for it or its project), or a
    cadre for a base, organization or project within their jurisdiction. The round must be
    taking applications; its cadres decide (they hear of it through the outbox)."""
    accepting = Q(phase=Phase.SELF_ASSESSMENT, accepts_applications=True)
    round_obj = get_for(
        actor, Round.objects.select_related("unit", "system"), round_pk, Action.VIEW, also=accepting
    )
    round_obj = (
        Round.objects.select_for_update(of=("self",)).select_related("unit", "system").get(pk=round_obj.pk)
    )
    if not (round_obj.accepts_applications and round_obj.phase == Phase.SELF_ASSESSMENT):
        raise ValidationError(_("This round does not take applications now."))
    if _today() > round_obj.self_assessment_until:
        raise ValidationError(
            _("Applications closed with the self-assessment on %(date)s.")
            % {"date": _fmt(round_obj.self_assessment_until)}
        )
    target = _target(actor, round_obj, target_pk, Action.CHANGE, also=_applicable(actor, round_obj))
    subject = _subject_for(
        round_obj,
        target,
        status=Subject.Status.APPLIED,
        applied_by=actor if getattr(actor, "is_authenticated", False) else None,
        note=str(note or "").strip(),
    )
    queue_to_users(
        _cadres_of(round_obj.unit),
        subject=_("New application to %(round)s") % {"round": round_obj.name},
        body=_("%(name)s applied to the round %(round)s. Decide on the application in the portal.")
        % {"name": subject.name, "round": round_obj.name},
        tags=("evaluation", "application"),
    )
    return subject


def _subject_for_cadre(actor: Any, subject_pk: Any) -> Subject:
    subject = get_for(actor, Subject, subject_pk, Action.CHANGE)
    round_obj = _round_for_cadre(actor, subject.round_id)
    subject = (
        Subject.objects.select_for_update(of=("self",)).select_related("round__system").get(pk=subject.pk)
    )
    subject.round = round_obj
    return subject


def _tell_applicant(subject: Subject, subject_line: str, body: str) -> None:
    person = subject.applied_by
    if person is not None:
        queue_message(
            subject=subject_line,
            body=body,
            email=person.email,
            phone=person.phone,
            user=person,
            tags=("evaluation",),
        )


@service
def admit_subject(actor: Any, subject_pk: Any) -> Subject:
    """A round's cadre admits an application."""
    subject = _subject_for_cadre(actor, subject_pk)
    if subject.status != Subject.Status.APPLIED:
        raise ValidationError(_("Only an application waiting for a decision can be admitted."))
    subject.status = Subject.Status.ENTERED
    subject.save(update_fields=["status"])
    _tell_applicant(
        subject,
        _("Admitted to %(round)s") % {"round": subject.round.name},
        _("%(name)s is admitted to the round %(round)s. Complete the self-assessment by %(date)s.")
        % {
            "name": subject.name,
            "round": subject.round.name,
            "date": _fmt(subject.round.self_assessment_until),
        },
    )
    return subject


@service
def decline_subject(actor: Any, subject_pk: Any, reason: str = "") -> Subject:
    """A round's cadre declines an application, with the reason the applicant reads."""
    subject = _subject_for_cadre(actor, subject_pk)
    if subject.status != Subject.Status.APPLIED:
        raise ValidationError(_("Only an application waiting for a decision can be declined."))
    reason = _text(reason, "reason", _("Say why the application is declined."))
    subject.status = Subject.Status.DECLINED
    subject.note = reason
    subject.save(update_fields=["status", "note"])
    _tell_applicant(
        subject,
        _("Application to %(round)s declined") % {"round": subject.round.name},
        _("The application of %(name)s to %(round)s was declined: %(reason)s")
        % {"name": subject.name, "round": subject.round.name, "reason": reason},
    )
    return subject


@service
def withdraw_subject(actor: Any, subject_pk: Any, reason: str = "") -> Subject:
    """Take a subject out of the round before its rating is final (its panel is released)."""
    subject = _subject_for_cadre(actor, subject_pk)
    if subject.status == Subject.Status.WITHDRAWN or subject.result == Result.FINAL:
        raise ValidationError(_("A withdrawn subject or a final rating cannot be withdrawn."))
    reason = _text(reason, "reason", _("Say why the subject is withdrawn."))
    subject.status = Subject.Status.WITHDRAWN
    subject.note = reason
    subject.save(update_fields=["status", "note"])
    subject.assignments.filter(status=Assignment.Status.ASSIGNED).update(
        status=Assignment.Status.WITHDRAWN, reason=reason
    )
    return subject


# Self-assessment ---------------------------------------------------------------------------
def _subject_for_owner(actor: Any, subject_pk: Any) -> Subject:
    """The subject, for its own side or the round's cadres (CHANGE), locked."""
    subject = get_for(
        actor,
        Subject.objects.select_related("round__system"),
        subject_pk,
        Action.CHANGE,
        lock=True,
        also=owner_q(actor, Action.CHANGE),
    )
    return subject


def _self_assessment_open(subject: Subject) -> None:
    round_obj = subject.round
    if subject.status not in (Subject.Status.ENTERED, Subject.Status.APPLIED):
        raise ValidationError(_("This subject no longer takes part in the round."))
    if round_obj.phase != Phase.SELF_ASSESSMENT:
        raise ValidationError(
            _("The self-assessment is closed: the round is at the stage “%(phase)s”.")
            % {"phase": round_obj.get_phase_display()}
        )
    if _today() > round_obj.self_assessment_until:
        raise ValidationError(
            _("The self-assessment closed on %(date)s.") % {"date": _fmt(round_obj.self_assessment_until)}
        )


def scored_indicators(system_id: int) -> dict[int, Indicator]:
    """The leaves of a system (what is scored), by id, in order."""
    rows = Indicator.objects.filter(system_id=system_id, children__isnull=True).order_by("order", "pk")
    return {i.pk: i for i in rows}


@service
def save_self_assessment(
    actor: Any, subject_pk: Any, claims: Mapping[Any, Mapping[str, Any]], version: Any = None
) -> Subject:
    """Save the claimed points and statements, `{indicator id: {"points", "statement"}}`;
    each within its indicator's maximum. Every claim is checked before any is written.

    The claims are the subject's set of rows, locked by the subject's version (the one the
    editor read): a stale one is refused, changed claims move it on, and a self-assessment
    saved unchanged changes nothing, not even the version or who last saved a claim."""
    subject = _subject_for_owner(actor, subject_pk)
    _self_assessment_open(subject)
    check_version(subject, version)
    leaves = scored_indicators(subject.round.system_id)
    rows: list[tuple[Indicator, Decimal | None, str]] = []
    errors: dict[str, list[Any]] = {}
    for key, values in claims.items():
        indicator = leaves.get(int(getattr(key, "pk", key)))
        if indicator is None:
            raise ValidationError(_("Only the scored indicators of the round's system can be claimed."))
        raw = values.get("points")
        try:
            points = (
                None if raw in (None, "") else _points(raw, f"points_{indicator.pk}", indicator.max_points)
            )
        except ValidationError as error:
            errors.update(error.message_dict)
            continue
        rows.append((indicator, points, str(values.get("statement") or "").strip()[:5000]))
    if errors:
        raise ValidationError(errors)
    user = actor if getattr(actor, "is_authenticated", False) else None
    stored = {c.indicator_id: (c.points, c.statement) for c in Claim.objects.filter(subject=subject)}
    changed = [row for row in rows if stored.get(row[0].pk) != (row[1], row[2])]
    for indicator, points, statement in changed:
        Claim.objects.update_or_create(
            subject=subject,
            indicator=indicator,
            defaults={"points": points, "statement": statement, "updated_by": user},
        )
    if changed:
        subject.version += 1
        subject.save(update_fields=["version"])
    return subject


@service
def submit_self_assessment(actor: Any, subject_pk: Any) -> Subject:
    """Hand in the self-assessment: every scored indicator needs its claimed points."""
    subject = _subject_for_owner(actor, subject_pk)
    _self_assessment_open(subject)
    leaves = scored_indicators(subject.round.system_id)
    claimed = set(subject.claims.filter(points__isnull=False).values_list("indicator_id", flat=True))
    missing = [i for pk, i in leaves.items() if pk not in claimed]
    if missing:
        raise ValidationError(
            _("Claim points for every indicator first; missing: %(codes)s.")
            % {"codes": ", ".join(i.code for i in missing[:12]) + ("…" if len(missing) > 12 else "")}
        )
    subject.self_assessed_at = timezone.now()
    subject.save(update_fields=["self_assessed_at"])
    return subject


def _leaf(subject: Subject, indicator_pk: Any, field: str = "indicator") -> Indicator:
    try:
        key = int(getattr(indicator_pk, "pk", indicator_pk))
    except (TypeError, ValueError):
        key = 0
    indicator = scored_indicators(subject.round.system_id).get(key)
    if indicator is None:
        raise ValidationError({field: [_("Choose a scored indicator of the round's system.")]})
    return indicator


@service
def add_evidence(
    actor: Any,
    subject_pk: Any,
    indicator_pk: Any,
    label: str = "",
    *,
    file: Any = None,
    record: str = "",
) -> Evidence:
    """Add evidence to an indicator: an uploaded file (PDF, JPG or PNG, ≤ 10 MB), or a link
    to one of the subject's own records in the portal (`app.model:id`, see `evidence`)."""
    subject = _subject_for_owner(actor, subject_pk)
    _self_assessment_open(subject)
    indicator = _leaf(subject, indicator_pk)
    user = actor if getattr(actor, "is_authenticated", False) else None
    if bool(file) == bool(record):
        raise ValidationError(_("Upload a file or choose a record of the portal (one of the two)."))
    if file:
        item = Evidence(
            subject=subject,
            indicator=indicator,
            kind=Evidence.Kind.FILE,
            original_name=str(getattr(file, "name", ""))[:200],
            label=str(label or "").strip()[:200] or str(getattr(file, "name", ""))[:200],
            added_by=user,
        )
        item.file = file
        try:
            item.full_clean(exclude=["subject", "indicator", "content_type", "added_by"])
        except ValidationError as error:
            raise ValidationError({"file": error.message_dict.get("file", error.messages)}) from None
        item.save()
        return item
    key, _sep, pk = str(record).rpartition(":")
    source = evidence.source_for(key)
    found = source.candidates(subject).filter(pk=pk).first() if source is not None and pk.isdigit() else None
    if found is None:
        raise ValidationError({"record": [_("Choose one of this subject's own records.")]})
    item = Evidence.objects.create(
        subject=subject,
        indicator=indicator,
        kind=Evidence.Kind.RECORD,
        content_type=ContentType.objects.get_for_model(found),
        object_id=found.pk,
        label=(str(label or "").strip() or f"{source.label} · {found}")[:200],  # type: ignore[union-attr]  # found implies source
        added_by=user,
    )
    return item


@service
def remove_evidence(actor: Any, evidence_pk: Any) -> Subject:
    """Remove a piece of evidence while the self-assessment is open."""
    item = get_for(
        actor, Evidence, evidence_pk, Action.CHANGE, also=owner_q(actor, Action.CHANGE, "subject__")
    )
    subject = _subject_for_owner(actor, item.subject_id)
    _self_assessment_open(subject)
    Evidence.objects.filter(pk=item.pk).delete()
    return subject


# The expert pool -----------------------------------------------------------------------------
EXPERT_FIELDS = ["unit", "user", "expertise", "employer", "id_number", "active"]


def _expert_values(actor: Any, data: Mapping[str, Any]) -> dict[str, Any]:
    values = {k: v for k, v in data.items() if k in EXPERT_FIELDS}
    if values.get("unit") not in (None, ""):
        values["unit"] = _owning_unit(actor, values["unit"])
    if "user" in values:
        User = get_user_model()
        user = User.objects.filter(pk=getattr(values["user"], "pk", values["user"]), is_assessor=True).first()
        if user is None:
            raise ValidationError({"user": [_("Choose a user marked as an expert assessor.")]})
        values["user"] = user
    for key in ("expertise", "employer", "id_number"):
        if key in values and values[key] is None:
            values[key] = ""
    if values.get("id_number"):
        values["id_number"] = str(values["id_number"]).strip().upper()
    return values


@service
def add_expert(actor: Any, data: Mapping[str, Any]) -> Expert:
    """Put an assessor into the expert pool of a unit the actor may change."""
    values = _expert_values(actor, data)
    if "unit" not in values or "user" not in values:
        raise ValidationError(_("Choose the unit and the assessor."))
    if Expert.objects.filter(unit=values["unit"], user=values["user"]).exists():
        raise ValidationError({"user": [_("This assessor is in the unit's pool already.")]})
    expert = Expert()
    _assign_fields(expert, values, EXPERT_FIELDS)
    _full_clean(expert)
    save_checked(expert)
    return expert


@service
def update_expert(actor: Any, expert_pk: Any, data: Mapping[str, Any], version: Any = None) -> Expert:
    expert = get_for(actor, Expert, expert_pk, Action.CHANGE, lock=True)
    check_version(expert, version)
    values = _expert_values(actor, {k: v for k, v in data.items() if k not in {"unit", "user"}})
    if _assign_fields(expert, values, EXPERT_FIELDS):
        expert.version += 1
        _full_clean(expert)
        save_checked(expert)
    return expert


def pool_for(round_obj: Round) -> Any:
    """The active experts a round may draw on: the pools of its unit and of the units above."""
    paths = [*round_obj.unit.ancestor_paths(), round_obj.unit.path]
    return Expert.objects.active().filter(unit__path__in=paths)


# Panels ------------------------------------------------------------------------------------
def _assignable(subject: Subject) -> None:
    round_obj = subject.round
    if round_obj.phase not in (Phase.SELF_ASSESSMENT, Phase.SCORING, Phase.RESULTS):
        raise ValidationError(
            _("Panels are formed once the round is open (now: “%(phase)s”).")
            % {"phase": round_obj.get_phase_display()}
        )
    if subject.status != Subject.Status.ENTERED:
        raise ValidationError(_("Only a subject entered in the round gets a panel."))
    if subject.result != Result.PENDING:
        raise ValidationError(_("The panel's results are in already; reopen the rating to score again."))


def _deadline(round_obj: Round, deadline: datetime.date | None) -> datetime.date:
    day = deadline or round_obj.scoring_until
    if day < _today():
        raise ValidationError({"deadline": [_("The scoring deadline cannot lie in the past.")]})
    return day


def _notify_assessor(user: Any, count: int, deadline: datetime.date) -> None:
    queue_message(
        subject=_("New assessments for you"),
        body=_(
            "%(n)d new assessments were assigned to you, to be scored by %(date)s. "
            "Open “My assessments” in the portal."
        )
        % {"n": count, "date": _fmt(deadline)},
        email=user.email,
        phone=user.phone,
        user=user,
        tags=("evaluation", "assignment"),
    )


@service
def assign_assessor(
    actor: Any, subject_pk: Any, assessor_pk: Any, deadline: datetime.date | None = None
) -> Assignment:
    """Put one assessor from the round's pool on a subject's panel, by hand. An assessor
    tied to the subject is refused, with the tie."""
    subject = _subject_for_cadre(actor, subject_pk)
    _assignable(subject)
    round_obj = subject.round
    expert = (
        pool_for(round_obj)
        .filter(user_id=getattr(assessor_pk, "pk", assessor_pk))
        .select_related("user")
        .first()
    )
    if expert is None:
        raise ValidationError({"assessor": [_("Choose an active assessor of the round's expert pool.")]})
    assessor = expert.user
    tied = conflicts.find([subject.pk], [assessor.pk]).get((subject.pk, assessor.pk))
    if tied:
        raise ValidationError(
            {
                "assessor": [
                    _("%(name)s cannot assess %(subject)s: a conflict of interest (%(why)s).")
                    % {"name": assessor, "subject": subject.name, "why": conflicts.describe(tied)}
                ]
            }
        )
    panel = subject.assignments.filter(attempt=subject.attempt)
    earlier = panel.filter(assessor=assessor).first()
    if earlier is not None:
        message = (
            _("%(name)s is on this panel already.")
            if earlier.is_counted
            else _("%(name)s was taken off this panel earlier (%(reason)s).")
        )
        raise ValidationError({"assessor": [message % {"name": assessor, "reason": earlier.reason}]})
    if panel.counted().count() >= round_obj.panel_size:
        raise ValidationError(
            {"assessor": [_("The panel is complete (%(n)d assessors).") % {"n": round_obj.panel_size}]}
        )
    day = _deadline(round_obj, deadline)
    assignment = Assignment.objects.create(
        subject=subject,
        assessor=assessor,
        attempt=subject.attempt,
        deadline=day,
        assigned_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    _notify_assessor(assessor, 1, day)
    return assignment


@service
def assign_panels(actor: Any, round_pk: Any, deadline: datetime.date | None = None) -> dict[str, int]:
    """Complete every open panel of the round automatically from its pool, balancing load:
    each seat goes to the eligible assessor (no conflict, not yet on the panel) with the
    fewest assignments in the round so far, then the fewest open ones elsewhere. Conflicts
    of every pair are found in one query. Returns how many were assigned and how many
    subjects still lack assessors (too few eligible experts)."""
    round_obj = _round_for_cadre(actor, round_pk)
    _require_phase(round_obj, Phase.SELF_ASSESSMENT, Phase.SCORING, Phase.RESULTS)
    day = _deadline(round_obj, deadline)
    subjects = list(
        round_obj.subjects.filter(status=Subject.Status.ENTERED, result=Result.PENDING).order_by("pk")
    )
    users = {e.user_id: e.user for e in pool_for(round_obj).select_related("user")}
    if not users:
        raise ValidationError(_("The round's expert pool is empty: add assessors to the pool first."))
    panels: dict[int, set[int]] = {s.pk: set() for s in subjects}
    counted: dict[int, int] = {s.pk: 0 for s in subjects}
    for subject_id, assessor_id, status in Assignment.objects.filter(
        subject__in=subjects, attempt=F("subject__attempt")
    ).values_list("subject_id", "assessor_id", "status"):
        panels[subject_id].add(assessor_id)
        if status in ("assigned", "submitted"):
            counted[subject_id] += 1
    in_round = dict(
        Assignment.objects.filter(subject__round=round_obj, assessor_id__in=users)
        .counted()
        .values_list("assessor_id")
        .annotate(n=Count("pk"))
    )
    elsewhere = dict(
        Assignment.objects.filter(assessor_id__in=users, status=Assignment.Status.ASSIGNED)
        .exclude(subject__round=round_obj)
        .values_list("assessor_id")
        .annotate(n=Count("pk"))
    )
    tied = conflicts.find(panels, users)
    load = {u: in_round.get(u, 0) for u in users}
    created: list[Assignment] = []
    short = 0
    by_user: dict[int, int] = {}
    for subject in subjects:
        need = round_obj.panel_size - counted[subject.pk]
        eligible = [u for u in users if u not in panels[subject.pk] and (subject.pk, u) not in tied]
        eligible.sort(key=lambda u: (load[u], elsewhere.get(u, 0), u))
        chosen = eligible[: max(need, 0)]
        if len(chosen) < need:
            short += 1
        for user_id in chosen:
            load[user_id] += 1
            by_user[user_id] = by_user.get(user_id, 0) + 1
            created.append(
                Assignment(
                    subject=subject,
                    assessor_id=user_id,
                    attempt=subject.attempt,
                    deadline=day,
                    assigned_by=actor if getattr(actor, "is_authenticated", False) else None,
                )
            )
    Assignment.objects.bulk_create(created)
    for user_id, count in by_user.items():
        _notify_assessor(users[user_id], count, day)
    return {"assigned": len(created), "short": short}


@service
def withdraw_assignment(actor: Any, assignment_pk: Any, reason: str = "") -> Assignment:
    """A round's cadre takes an assessor off a panel before they submit (e.g. unreachable)."""
    assignment = get_for(actor, Assignment, assignment_pk, Action.CHANGE)
    _subject_for_cadre(actor, assignment.subject_id)
    assignment = Assignment.objects.select_for_update().get(pk=assignment.pk)
    if assignment.status != Assignment.Status.ASSIGNED:
        raise ValidationError(_("Only an assignment still being scored can be withdrawn."))
    assignment.reason = _text(reason, "reason", _("Say why the assessor is taken off the panel."))
    assignment.status = Assignment.Status.WITHDRAWN
    assignment.save(update_fields=["status", "reason"])
    return assignment


def _own_assignment(actor: Any, assignment_pk: Any) -> Assignment:
    """The actor's own assignment (by assignment, not by unit), locked; anyone else's is a 404."""
    mine = Q(assessor=actor) if getattr(actor, "is_authenticated", False) else Q(pk__in=[])
    assignment = get_for(
        actor, Assignment.objects.filter(mine), assignment_pk, Action.VIEW, lock=True, also=mine
    )
    return Assignment.objects.select_related("subject__round__system").get(pk=assignment.pk)


@service
def declare_conflict(actor: Any, assignment_pk: Any, reason: str = "") -> Assignment:
    """The assessor declares a conflict of interest: they leave the panel (their scores are
    not counted), and the round's cadres are told to find a replacement."""
    assignment = _own_assignment(actor, assignment_pk)
    if assignment.status != Assignment.Status.ASSIGNED:
        raise ValidationError(_("Only an assignment still being scored can be declined for a conflict."))
    assignment.reason = _text(reason, "reason", _("Say what ties you to this subject."))
    assignment.status = Assignment.Status.RECUSED
    assignment.save(update_fields=["status", "reason"])
    round_obj = assignment.subject.round
    queue_to_users(
        _cadres_of(round_obj.unit),
        subject=_("An assessor declared a conflict of interest"),
        body=_(
            "%(name)s declared a conflict of interest with %(subject)s in %(round)s; assign a replacement."
        )
        % {"name": actor, "subject": assignment.subject.name, "round": round_obj.name},
        tags=("evaluation", "conflict"),
    )
    return assignment


def _scoring_open(assignment: Assignment) -> None:
    subject, round_obj = assignment.subject, assignment.subject.round
    if assignment.status == Assignment.Status.SUBMITTED:
        raise ValidationError(_("You submitted these scores already: they can no longer change."))
    if assignment.status != Assignment.Status.ASSIGNED:
        raise ValidationError(_("You are no longer on this subject's panel."))
    if assignment.attempt != subject.attempt or subject.result != Result.PENDING:
        raise ValidationError(_("The panel's results are in: scores can no longer change."))
    if round_obj.phase not in (Phase.SCORING, Phase.RESULTS):
        raise ValidationError(
            _("Scoring has not started: the round is at the stage “%(phase)s”.")
            % {"phase": round_obj.get_phase_display()}
        )
    if _today() > assignment.deadline:
        raise ValidationError(
            _("The scoring deadline was %(date)s: scores can no longer be saved.")
            % {"date": _fmt(assignment.deadline)}
        )


@service
def save_score(actor: Any, assignment_pk: Any, indicator_pk: Any, points: Any, comment: str = "") -> Score:
    """The assessor's points for one scored indicator of a subject on their panel, from 0
    to the indicator's maximum; saved as they go, until they submit or the deadline passes."""
    assignment = _own_assignment(actor, assignment_pk)
    _scoring_open(assignment)
    indicator = _leaf(assignment.subject, indicator_pk)
    value = _points(points, "points", indicator.max_points)
    score, _created = Score.objects.update_or_create(
        assignment=assignment,
        indicator=indicator,
        defaults={
            "points": value,
            "max_points": indicator.max_points,
            "comment": str(comment or "").strip()[:5000],
            "saved_at": timezone.now(),
        },
    )
    return score


@service
def submit_scores(actor: Any, assignment_pk: Any) -> Assignment:
    """Hand in the scores of an assignment: every scored indicator needs its points. The
    other assessors' scores become visible to the panel once everyone has submitted."""
    assignment = _own_assignment(actor, assignment_pk)
    _scoring_open(assignment)
    leaves = scored_indicators(assignment.subject.round.system_id)
    scored = set(assignment.scores.values_list("indicator_id", flat=True))
    missing = [i for pk, i in leaves.items() if pk not in scored]
    if missing:
        raise ValidationError(
            _("Score every indicator first; missing: %(codes)s.")
            % {"codes": ", ".join(i.code for i in missing[:12]) + ("…" if len(missing) > 12 else "")}
        )
    assignment.status = Assignment.Status.SUBMITTED
    assignment.submitted_at = timezone.now()
    assignment.save(update_fields=["status", "submitted_at"])
    return assignment


# Results -----------------------------------------------------------------------------------
@service
def aggregate_results(actor: Any, round_pk: Any) -> list[int]:
    """Aggregate every subject whose panel has submitted (one set-based statement, see
    `evaluation.aggregation`); the round moves to its results stage."""
    round_obj = _round_for_cadre(actor, round_pk)
    _require_phase(round_obj, Phase.SCORING, Phase.RESULTS)
    done = aggregation.aggregate_round(round_obj)
    if not done:
        raise ValidationError(
            _("No subject's panel has submitted all its scores yet (or every result is already published).")
        )
    if round_obj.phase != Phase.RESULTS:
        round_obj.phase = Phase.RESULTS
        round_obj.version += 1
        round_obj.save(update_fields=["phase", "version", "updated_at"])
    return done


@service
def moderate_result(actor: Any, result_pk: Any, note: str = "", value: Any = None) -> IndicatorResult:
    """Settle a flagged indicator: keep the panel's aggregate (no value) or set the value
    the moderation agreed on, with the reason on record. The subject's total follows."""
    result = get_for(actor, IndicatorResult, result_pk, Action.CHANGE)
    subject = _subject_for_cadre(actor, result.subject_id)
    result = IndicatorResult.objects.select_for_update().select_related("indicator").get(pk=result.pk)
    if subject.result != Result.PROVISIONAL or result.attempt != subject.attempt:
        raise ValidationError(_("Only a provisional result can be moderated."))
    note = _text(note, "note", _("Say how the panel's disagreement was settled."))
    result.moderated_value = (
        None if value in (None, "") else _points(value, "value", result.indicator.max_points)
    )
    result.moderation_note = note
    result.moderated_by = actor if getattr(actor, "is_authenticated", False) else None
    result.moderated_at = timezone.now()
    result.save(update_fields=["moderated_value", "moderation_note", "moderated_by", "moderated_at"])
    aggregation.recompute([subject.pk])
    return result


@service
def publish_results(actor: Any, round_pk: Any) -> int:
    """Put every provisional result without an open flag on public notice (公示) for the
    round's notice period, from today. Returns how many were published."""
    round_obj = _round_for_cadre(actor, round_pk)
    _require_phase(round_obj, Phase.RESULTS)
    ready = round_obj.subjects.filter(status=Subject.Status.ENTERED, result=Result.PROVISIONAL)
    waiting = ready.filter(open_flags__gt=0).count()
    today = _today()
    published = ready.filter(open_flags=0).update(
        result=Result.IN_NOTICE,
        notice_from=today,
        notice_until=today + datetime.timedelta(days=round_obj.notice_days - 1),
    )
    if not published:
        if waiting:
            raise ValidationError(
                _("%(n)d results wait for moderation of their flagged indicators; settle them first.")
                % {"n": waiting}
            )
        raise ValidationError(_("No provisional result to publish."))
    return published


@service
def finalise_round(actor: Any, round_pk: Any) -> int:
    """Make final every result whose notice period is over without an open or upheld
    objection: a `Rating` valid for the round's validity period (superseding the subject's
    previous one after a re-rating), and the base's stars through
    `incubation.services.rate_base`. The round closes when every subject is final."""
    from incubation.services import rate_base

    round_obj = _round_for_cadre(actor, round_pk)
    _require_phase(round_obj, Phase.RESULTS, Phase.CLOSED)
    today = _today()
    candidates = list(
        round_obj.subjects.filter(
            status=Subject.Status.ENTERED, result=Result.IN_NOTICE, notice_until__lt=today
        )
        .select_for_update(of=("self",))
        .order_by("pk")
    )
    blocked = Objection.objects.filter(
        subject__in=[s.pk for s in candidates], attempt=F("subject__attempt"), status=Objection.Status.OPEN
    )
    blocked_ids = set(blocked.values_list("subject_id", flat=True))
    subjects = [s for s in candidates if s.pk not in blocked_ids]
    if not subjects:
        if blocked_ids:
            raise ValidationError(
                _("%(n)d objections still wait for an answer: answer them before the ratings become final.")
                % {"n": blocked.count()}
            )
        running = round_obj.subjects.filter(result=Result.IN_NOTICE).aggregate(m=Max("notice_until"))["m"]
        if running:
            raise ValidationError(
                _("The public notice runs until %(date)s: ratings become final after it.")
                % {"date": _fmt(running)}
            )
        raise ValidationError(_("No result has finished its public notice."))
    user = actor if getattr(actor, "is_authenticated", False) else None
    for subject in subjects:
        subject.result = Result.FINAL
        subject.save(update_fields=["result"])
        if subject.stars is None or subject.total is None:
            continue  # below the 1-star threshold: the result stands, with no rating to record
        rating = _record_rating(subject, round_obj, user, today, subject.stars, subject.total)
        if subject.base_id:
            rate_base(
                actor, subject.base_id, round_obj.year, rating.stars, round_obj.name, rating.valid_until
            )
    if not round_obj.subjects.filter(status=Subject.Status.ENTERED).exclude(result=Result.FINAL).exists():
        round_obj.phase = Phase.CLOSED
        round_obj.version += 1
        round_obj.save(update_fields=["phase", "version", "updated_at"])
    return len(subjects)


def _record_rating(
    subject: Subject, round_obj: Round, user: Any, today: datetime.date, stars: int, total: Decimal
) -> Rating:
    """The subject's final rating. After a re-rating it replaces the rating in force: both
    stay on record, the old one names its successor, and its certificate is revoked."""
    previous = (
        Rating.objects.select_for_update().filter(subject=subject, status=Rating.Status.CURRENT).first()
    )
    if previous is not None:
        Rating.objects.filter(pk=previous.pk).update(status=Rating.Status.SUPERSEDED)
    rating = Rating.objects.create(
        subject=subject,
        round=round_obj,
        subject_type=round_obj.subject_type,
        base_id=subject.base_id,
        organization_id=subject.organization_id,
        project_id=subject.project_id,
        attempt=subject.attempt,
        year=round_obj.year,
        stars=stars,
        total=total,
        grade_style=round_obj.system.grade_style,
        valid_from=today,
        valid_until=add_months(today, round_obj.validity_months),
        finalised_by=user,
    )
    if previous is not None:
        Rating.objects.filter(pk=previous.pk).update(superseded_by=rating)
        Certificate.objects.filter(rating=previous, revoked_at__isnull=True).update(
            revoked_at=timezone.now(),
            revoked_reason=_("Superseded by the re-rating of %(date)s.") % {"date": _fmt(today)},
        )
    return rating


# Objections and appeals ----------------------------------------------------------------------
def _contact(value: Any) -> str:
    contact = str(value or "").strip()
    if not contact:
        raise ValidationError({"contact": [_("Give a phone number or an e-mail address for the answer.")]})
    if "@" in contact:
        try:
            EmailValidator()(contact)
        except ValidationError:
            raise ValidationError({"contact": [_("This e-mail address is not valid.")]}) from None
    elif not PHONE_RE.fullmatch(contact):
        raise ValidationError(
            {
                "contact": [
                    _("Enter an 11-digit mobile number, a landline with its area code, or an e-mail address.")
                ]
            }
        )
    return contact[:100]


@service
def file_objection(
    actor: Any, subject_pk: Any, contact: str, reason: str, name: str = "", file: Any = None
) -> Objection:
    """Anyone files an objection to a result on public notice, during the notice period.
    The round's cadres hear of it through the outbox and must answer it on the record."""
    subject = (
        Subject.objects.select_for_update(of=("self",))
        .select_related("round__unit")
        .filter(pk=subject_pk, status=Subject.Status.ENTERED, result__in=[Result.IN_NOTICE, Result.FINAL])
        .first()
    )
    if subject is None:
        raise ValidationError(_("This result is not on public notice."))
    today = _today()
    if subject.result != Result.IN_NOTICE or subject.notice_until is None or today > subject.notice_until:
        raise ValidationError(
            _("The public notice of this result ended on %(date)s: objections are no longer accepted.")
            % {"date": _fmt(subject.notice_until)}
        )
    if subject.notice_from is not None and today < subject.notice_from:
        raise ValidationError(_("This result is not on public notice yet."))
    objection = Objection(
        subject=subject,
        attempt=subject.attempt,
        name=str(name or "").strip()[:64],
        contact=_contact(contact),
        reason=_text(reason, "reason", _("Say what is wrong with the result."), max_length=3000),
    )
    if file:
        objection.file = file
        objection.original_name = str(getattr(file, "name", ""))[:200]
        try:
            objection.full_clean(exclude=["subject"])
        except ValidationError as error:
            raise ValidationError({"file": error.message_dict.get("file", error.messages)}) from None
    objection.save()
    round_obj = subject.round
    queue_to_users(
        _cadres_of(round_obj.unit),
        subject=_("Objection to a star-rating result"),
        body=_("An objection to the result of %(subject)s (%(round)s) was filed; answer it in the portal.")
        % {"subject": subject.name, "round": round_obj.name},
        tags=("evaluation", "objection"),
    )
    return objection


def reopen(subject: Subject, reason: str) -> None:
    """Start the subject's next rating attempt (a re-rating): its results leave notice, a new
    panel scores it; the earlier attempt's scores, results and rating stay on record."""
    subject.attempt += 1
    subject.result = Result.PENDING
    subject.total = subject.stars = subject.total_low = subject.total_high = None
    subject.open_flags = 0
    subject.aggregated_at = subject.notice_from = subject.notice_until = None
    subject.note = reason[:2000]
    subject.save(
        update_fields=[
            "attempt",
            "result",
            "total",
            "stars",
            "total_low",
            "total_high",
            "open_flags",
            "aggregated_at",
            "notice_from",
            "notice_until",
            "note",
        ]
    )
    round_obj = subject.round
    if round_obj.phase == Phase.CLOSED:
        round_obj.phase = Phase.RESULTS
        round_obj.version += 1
        round_obj.save(update_fields=["phase", "version", "updated_at"])


def _tell_contact(contact: str, subject_line: str, body: str) -> None:
    if "@" in contact:
        queue_message(subject=subject_line, body=body, email=contact, tags=("evaluation",))
    else:
        queue_message(subject=subject_line, body=body, phone=contact, tags=("evaluation",))


@service
def answer_objection(actor: Any, objection_pk: Any, upheld: bool, answer: str) -> Objection:
    """The round's cadre answers an objection on the record. Upheld, the subject is
    re-rated (a new attempt); dismissed, the result stands. The objector is told."""
    objection = get_for(actor, Objection, objection_pk, Action.CHANGE)
    subject = _subject_for_cadre(actor, objection.subject_id)
    objection = Objection.objects.select_for_update().get(pk=objection.pk)
    if objection.status != Objection.Status.OPEN:
        raise ValidationError(_("This objection has been answered already."))
    objection.answer = _text(
        answer, "answer", _("Write the answer that goes on the record."), max_length=3000
    )
    objection.status = Objection.Status.UPHELD if upheld else Objection.Status.DISMISSED
    objection.answered_by = actor if getattr(actor, "is_authenticated", False) else None
    objection.answered_at = timezone.now()
    objection.save(update_fields=["answer", "status", "answered_by", "answered_at"])
    if (
        upheld
        and objection.attempt == subject.attempt
        and subject.result in (Result.IN_NOTICE, Result.PROVISIONAL)
    ):
        reopen(subject, _("Re-rating after an upheld objection: %(answer)s") % {"answer": objection.answer})
    _tell_contact(
        objection.contact,
        _("Answer to your objection"),
        _("Your objection to the result of %(subject)s was %(decision)s: %(answer)s")
        % {
            "subject": subject.name,
            "decision": objection.get_status_display(),
            "answer": objection.answer,
        },
    )
    return objection


@service
def file_appeal(actor: Any, subject_pk: Any, reason: str) -> Appeal:
    """The subject asks for a review (复核) of its result: during the public notice, or
    within the round's appeal period after the rating became final."""
    subject = _subject_for_owner(actor, subject_pk)
    if user_can(actor, subject.round.unit, Action.CHANGE):
        raise ValidationError(
            _("The round's cadres decide appeals; an appeal comes from the subject's own side.")
        )
    today = _today()
    rating = Rating.objects.filter(
        subject=subject, status=Rating.Status.CURRENT, attempt=subject.attempt
    ).first()
    in_notice = subject.result == Result.IN_NOTICE
    final_recently = subject.result == Result.FINAL and (
        rating is None or (today - rating.valid_from).days <= subject.round.appeal_days
    )
    if not (in_notice or final_recently):
        raise ValidationError(
            _(
                "A review can be asked for during the public notice or within %(n)d days after the rating is final."
            )
            % {"n": subject.round.appeal_days}
        )
    if subject.appeals.filter(status=Appeal.Status.OPEN).exists():
        raise ValidationError(_("An appeal of this result is already waiting for a decision."))
    appeal = Appeal.objects.create(
        subject=subject,
        attempt=subject.attempt,
        reason=_text(reason, "reason", _("Say why the result should be reviewed."), max_length=3000),
        filed_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    queue_to_users(
        _cadres_of(subject.round.unit),
        subject=_("Appeal (复核) of a star-rating result"),
        body=_("%(subject)s asks for a review of its result in %(round)s; decide on it in the portal.")
        % {"subject": subject.name, "round": subject.round.name},
        tags=("evaluation", "appeal"),
    )
    return appeal


@service
def decide_appeal(actor: Any, appeal_pk: Any, upheld: bool, answer: str) -> Appeal:
    """The round's cadre decides an appeal. Upheld, the subject is re-rated (the rating in
    force stays until the re-rating is final, then is superseded); the applicant is told."""
    appeal = get_for(actor, Appeal, appeal_pk, Action.CHANGE)
    subject = _subject_for_cadre(actor, appeal.subject_id)
    appeal = Appeal.objects.select_for_update().get(pk=appeal.pk)
    if appeal.status != Appeal.Status.OPEN:
        raise ValidationError(_("This appeal has been decided already."))
    appeal.answer = _text(answer, "answer", _("Write the decision that goes on the record."), max_length=3000)
    appeal.status = Appeal.Status.UPHELD if upheld else Appeal.Status.DISMISSED
    appeal.answered_by = actor if getattr(actor, "is_authenticated", False) else None
    appeal.answered_at = timezone.now()
    appeal.save(update_fields=["answer", "status", "answered_by", "answered_at"])
    if upheld and appeal.attempt == subject.attempt:
        reopen(subject, _("Re-rating after an upheld appeal: %(answer)s") % {"answer": appeal.answer})
    person = appeal.filed_by
    if person is not None:
        queue_message(
            subject=_("Decision on your appeal"),
            body=_("Your appeal of the result of %(subject)s was %(decision)s: %(answer)s")
            % {"subject": subject.name, "decision": appeal.get_status_display(), "answer": appeal.answer},
            email=person.email,
            phone=person.phone,
            user=person,
            tags=("evaluation",),
        )
    return appeal


@service
def reopen_subject(actor: Any, subject_pk: Any, reason: str) -> Subject:
    """A round's cadre starts a re-rating of a subject (e.g. after a review outside the
    portal); the whole history stays."""
    subject = _subject_for_cadre(actor, subject_pk)
    if subject.status != Subject.Status.ENTERED or subject.result == Result.PENDING:
        raise ValidationError(_("Only a subject with results can be re-rated."))
    reopen(subject, _text(reason, "reason", _("Say why the subject is re-rated.")))
    return subject


# Certificates ------------------------------------------------------------------------------
def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _i in range(12))


@service
def issue_certificate(actor: Any, subject_pk: Any) -> Certificate:
    """The certificate of a subject's final rating (issued once; the same one again after)."""
    subject = _subject_for_cadre(actor, subject_pk)
    rating = Rating.objects.filter(subject=subject, status=Rating.Status.CURRENT).first()
    if subject.result != Result.FINAL or rating is None or rating.attempt != subject.attempt:
        raise ValidationError(
            _("The rating of %(name)s is not final yet: a certificate is issued only for a final rating.")
            % {"name": subject.name}
        )
    existing = Certificate.objects.filter(rating=rating).first()
    if existing is not None:
        return existing
    return Certificate.objects.create(
        rating=rating, code=new_code(), issued_by=actor if getattr(actor, "is_authenticated", False) else None
    )


@service
def issue_certificates(actor: Any, round_pk: Any) -> int:
    """Certificates for every final rating of the round that has none yet."""
    round_obj = _round_for_cadre(actor, round_pk)
    ratings = list(
        Rating.objects.filter(
            round=round_obj, status=Rating.Status.CURRENT, certificate__isnull=True
        ).order_by("pk")
    )
    if not ratings:
        if not Rating.objects.filter(round=round_obj).exists():
            raise ValidationError(
                _("No rating of this round is final yet: certificates follow final ratings.")
            )
        return 0
    user = actor if getattr(actor, "is_authenticated", False) else None
    Certificate.objects.bulk_create(Certificate(rating=r, code=new_code(), issued_by=user) for r in ratings)
    return len(ratings)


@service
def start_certificate_bundle(actor: Any, round_pk: Any) -> Any:
    """Every certificate of the round as PDFs in one ZIP, made by a background job."""
    from hubportal.jobs import start_job

    from .tasks import certificate_bundle_task

    round_obj = _round_for_cadre(actor, round_pk)
    if not Certificate.objects.filter(rating__round=round_obj).exists():
        raise ValidationError(_("No certificate of this round has been issued yet."))
    return start_job(
        actor,
        certificate_bundle_task,
        round_obj.pk,
        kind="evaluation.certificates",
        title=_("Certificates of %(round)s") % {"round": round_obj.name},
    )
