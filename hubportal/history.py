"""Change history of domain records.

PostgreSQL triggers (django-pghistory) write an event row for every insert, update and
delete of a tracked model, whether it comes from a form, the API, an import, a bulk
`update()` or raw SQL; the request middleware and `history_context()` attach who did it.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pghistory
from django.contrib.auth import get_user_model
from django.db import models
from pghistory.models import Events


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


def history_of(obj: models.Model, limit: int = 100) -> list[HistoryEntry]:
    """The newest changes of `obj`, with field labels and the name of who made them.

    Two queries whatever the number of events: the events, then their users.
    """
    events = list(Events.objects.tracks(obj).order_by("-pgh_created_at", "-pgh_id")[:limit])
    user_ids = {int(u) for e in events if (u := (e.pgh_context or {}).get("user")) is not None}
    users = {u.pk: str(u) for u in get_user_model().objects.filter(pk__in=user_ids)} if user_ids else {}
    labels = {f.attname: f.verbose_name for f in obj._meta.concrete_fields}
    labels |= {f.name: f.verbose_name for f in obj._meta.concrete_fields}
    shown = _choice_labels(obj)
    entries = []
    for event in events:
        meta = event.pgh_context or {}
        user_id = meta.get("user")
        who = (users.get(int(user_id)) if user_id is not None else None) or meta.get("actor") or ""
        if event.pgh_diff:
            changes = [
                (str(labels.get(k, k)), shown(k, old), shown(k, new))
                for k, (old, new) in event.pgh_diff.items()
                if k in labels
            ]
        elif event.pgh_label == "insert":
            changes = [
                (str(labels.get(k, k)), None, shown(k, v))
                for k, v in (event.pgh_data or {}).items()
                if k in labels
            ]
        else:
            changes = []
        entries.append(HistoryEntry(event.pgh_created_at, event.pgh_label, who, changes))
    return entries
