"""Change history of domain records.

PostgreSQL triggers (django-pghistory) write an event row for every insert, update and
delete of a tracked model, whether it comes from a form, the API, an import, a bulk
`update()` or raw SQL; the request middleware and `history_context()` attach who did it.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pghistory
import pghistory.runtime
from django.contrib.auth import get_user_model
from django.db import models
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from pghistory.models import Events

from .personal import mask, may_see_personal, personal_fields


def track(**kwargs: Any):
    """Decorator for a domain model: keep before/after values of every change."""
    return pghistory.track(
        pghistory.InsertEvent(),
        pghistory.UpdateEvent(),
        pghistory.DeleteEvent(),
        **kwargs,
    )


def history_context(**metadata: Any) -> AbstractContextManager:
    """Attribute the changes made inside the block (a task, a command) to a user or job."""
    return pghistory.context(**metadata)


@contextlib.contextmanager
def service_context(**metadata: Any) -> Iterator[None]:
    """A history context of its own for one service call, even inside another context.

    pghistory merges a nested context into the outer one: every change of the outer block
    then names whoever acted last (a demo seeding or a nightly task acting for several people
    showed one person as the author of everything). Here the call gets a new context that
    keeps the outer one's facts (the request, the job, the import file) and adds its own
    service and user; the outer context is back when the call ends."""
    tracker = pghistory.runtime._tracker  # pinned django-pghistory 3.9.2: the thread's current context
    outer = getattr(tracker, "value", None)
    if outer is None:
        with pghistory.context(**metadata):
            yield
        return
    tracker.value = pghistory.runtime.Context(id=uuid.uuid4(), metadata={**outer.metadata, **metadata})
    try:
        yield
    finally:
        tracker.value = outer


@dataclass
class HistoryEntry:
    when: datetime
    label: str
    who: str
    changes: list[tuple[str, Any, Any]]


def _choice_labels(obj: models.Model) -> Callable[[str, Any], Any]:
    """A function showing a stored value the way users read it: the label of a choice
    (also inside an array of choices) rather than its code; other values unchanged."""
    choices: dict[str, dict[Any, str]] = {}
    for field in obj._meta.concrete_fields:
        base_field = getattr(field, "base_field", None)  # an ArrayField's items
        flat = field.flatchoices or (base_field.flatchoices if base_field is not None else None)
        if flat:
            choices[field.attname] = choices[field.name] = {value: str(label) for value, label in flat}

    def shown(name: str, value: Any) -> Any:
        mapping = choices.get(name)
        if not mapping or value is None:
            return value
        if isinstance(value, list):
            return ", ".join(mapping.get(v, str(v)) if isinstance(v, str | int) else str(v) for v in value)
        return mapping.get(value, value) if isinstance(value, str | int) else value

    return shown


# Bookkeeping a reader does not need in the history: ids, counters, derived columns.
HIDDEN_FIELDS = {"id", "version", "updated_at", "created_at", "name_initials", "path", "depth"}


def actor_label(meta: dict[str, Any]) -> str:
    """Who made a change that no logged-in user made, in words (a demo load, an import...)."""
    actor = str(meta.get("actor") or "")
    if actor == "seed_demo":
        return _("System (demo data)")
    if actor == "seed_scale":
        return _("System (scale data)")
    if actor.startswith("import:"):
        return _("Import of %(file)s") % {"file": actor.removeprefix("import:")}
    if actor.startswith("manage.py") or actor.startswith("task:") or meta.get("service"):
        return _("System (%(what)s)") % {"what": actor or meta.get("service")}
    return actor


def _related_names(obj: models.Model, events: list[Any]) -> dict[str, dict[Any, str]]:
    """The names of the records a foreign key of `obj` pointed to in these events: one query
    per related model that appears (never one per event)."""
    wanted: dict[str, set[Any]] = {}
    fields = {f.attname: f for f in obj._meta.concrete_fields if isinstance(f, models.ForeignKey)}
    for event in events:
        values = (
            list((event.pgh_diff or {}).items()) if event.pgh_diff else list((event.pgh_data or {}).items())
        )
        for key, value in values:
            if key in fields:
                for v in value if event.pgh_diff else [value]:
                    if v is not None:
                        wanted.setdefault(key, set()).add(v)
    names: dict[str, dict[Any, str]] = {}
    for key, ids in wanted.items():
        model = fields[key].related_model
        rows = model._default_manager.filter(pk__in=ids)
        names[key] = {row.pk: str(row) for row in rows}
    return names


def _readable(value: Any) -> Any:
    """Values as people read them: 是/否, local time for timestamps stored as text."""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, str) and len(value) >= 19 and value[4] == "-" and value[10] == "T":
        moment = parse_datetime(value)
        if moment is not None:
            if timezone.is_aware(moment):
                moment = timezone.localtime(moment)
            return date_format(moment, "Y-m-d H:i")
    return value


def history_of(obj: models.Model, limit: int = 100, *, user: Any = None) -> list[HistoryEntry]:
    """The newest changes of `obj`, as a reader reads them: field labels, the names of linked
    records rather than their ids, labels of choices, 是/否, local times, and who made each
    change (a person, or the system's job in words). Personal data (`hubportal.personal`) is
    masked, old values too, unless `user` may change the record; a masked birth date is left out.

    A fixed number of queries whatever the number of events: the events, their users, and
    one per kind of linked record.
    """
    events = list(Events.objects.tracks(obj).order_by("-pgh_created_at", "-pgh_id")[:limit])
    user_ids = {int(u) for e in events if (u := (e.pgh_context or {}).get("user")) is not None}
    users = {u.pk: str(u) for u in get_user_model().objects.filter(pk__in=user_ids)} if user_ids else {}
    labels = {f.attname: f.verbose_name for f in obj._meta.concrete_fields if f.name not in HIDDEN_FIELDS}
    labels |= {f.name: f.verbose_name for f in obj._meta.concrete_fields if f.name not in HIDDEN_FIELDS}
    choice = _choice_labels(obj)
    related = _related_names(obj, events)
    hidden = {} if may_see_personal(user, obj) else personal_fields(obj)
    hidden |= {getattr(obj._meta.get_field(name), "attname", name): kind for name, kind in hidden.items()}

    def shown(key: str, value: Any) -> Any:
        if key in hidden:
            return mask(hidden[key], value)
        if key in related and value is not None:
            return related[key].get(value, value)
        return _readable(choice(key, value))

    entries = []
    for event in events:
        meta = event.pgh_context or {}
        user_id = meta.get("user")
        who = (users.get(int(user_id)) if user_id is not None else None) or actor_label(meta)
        if event.pgh_diff:
            changes = [
                (str(labels[k]), shown(k, old), shown(k, new))
                for k, (old, new) in event.pgh_diff.items()
                if k in labels and not (k in hidden and mask(hidden[k], new) is None)
            ]
        elif event.pgh_label == "insert":
            changes = [
                (str(labels[k]), None, shown(k, v))
                for k, v in (event.pgh_data or {}).items()
                if k in labels and v not in (None, "", [], {}) and shown(k, v) is not None
            ]
        else:
            changes = []
        entries.append(HistoryEntry(event.pgh_created_at, event.pgh_label, who, changes))
    return entries
