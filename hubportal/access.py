"""Read-or-refuse: the one way a page, an API view or a service fetches a record to act on.

`get_for(actor, Model, pk, action)` answers the same everywhere:

- the record does not exist, or lies outside every subtree the actor may see → `NotVisible`
  (a 404: the portal never confirms that a record of another jurisdiction exists);
- the actor may see it but not perform `action` on it → `NotChangeable` (a 403);
- otherwise the record, locked with `SELECT … FOR UPDATE` when `lock=True` (inside the
  caller's transaction, so a check made on it still holds when the change is written).

A related record named in a form or an API body (the organization of an application, the
fund of a grant) is read with `related_for()`, which refuses with a field error instead —
a 400 that names the field, never the foreign record.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar, cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from .jurisdiction import Action

M = TypeVar("M", bound=models.Model)

NOT_VISIBLE = _("This record does not exist or lies outside your jurisdiction.")
NOT_CHANGEABLE = _("You may view this record but not change it.")
NOT_IN_REACH = _("Choose a record that exists and lies within the units you may change.")


class NotVisible(Http404):
    """The record does not exist or lies outside the actor's jurisdiction (404)."""

    def __init__(self, message: Any = NOT_VISIBLE) -> None:
        super().__init__(message)


class NotChangeable(PermissionDenied):
    """The actor may see the record but not act on it (403)."""

    def __init__(self, message: Any = NOT_CHANGEABLE) -> None:
        super().__init__(message)


def parse_pk(value: Any) -> int:
    """An id from a URL, a form or a body; anything that is not a positive integer is a
    record that cannot exist (404), never a 500."""
    if isinstance(value, models.Model):
        value = value.pk
    if isinstance(value, bool):
        raise NotVisible()
    try:
        pk = int(str(value).strip())
    except (TypeError, ValueError):
        raise NotVisible() from None
    if pk <= 0 or pk > 2**63 - 1:
        raise NotVisible()
    return pk


def _base_queryset(source: type[M] | models.QuerySet[M]) -> models.QuerySet[M]:
    if isinstance(source, models.QuerySet):
        return source
    return source._default_manager.all()


def scoped(
    actor: Any,
    source: type[M] | models.QuerySet[M],
    action: Action | str = Action.VIEW,
    also: Q | None = None,
) -> models.QuerySet[M]:
    """The rows of `source` the actor may perform `action` on: their jurisdiction, plus the
    rows `also` grants by another right (e.g. an organization's own representative)."""
    queryset = _base_queryset(source)
    allowed = cast(Any, queryset).visible_to(actor, action)  # a JurisdictionQuerySet by convention
    if also is None:
        return allowed
    return queryset.filter(Q(pk__in=allowed.values("pk")) | also)


def get_for(
    actor: Any,
    source: type[M] | models.QuerySet[M],
    pk: Any,
    action: Action | str = Action.VIEW,
    *,
    lock: bool = False,
    also: Q | None = None,
) -> M:
    """The record `pk` of `source` if `actor` may perform `action` on it; otherwise
    `NotVisible` (404) or `NotChangeable` (403). One query when the answer is yes.

    `source` is a model or a queryset of it (to add `select_related`); `lock=True` locks the
    row (`FOR UPDATE OF` the model's own table) in the caller's transaction; `also` grants
    rows by another right than jurisdiction.
    """
    key = parse_pk(pk)
    rows = scoped(actor, source, action, also).filter(pk=key)
    if lock:
        rows = rows.select_for_update(of=("self",))
    found = rows.first()
    if found is not None:
        return found
    if Action(action) != Action.VIEW and scoped(actor, source, Action.VIEW, also).filter(pk=key).exists():
        raise NotChangeable()
    raise NotVisible()


def may(actor: Any, obj: models.Model, action: Action | str = Action.CHANGE, also: Q | None = None) -> bool:
    """Whether `actor` may perform `action` on `obj` (one query): for buttons and links."""
    return scoped(actor, type(obj), action, also).filter(pk=obj.pk).exists()


def all_for(
    actor: Any, source: type[M] | models.QuerySet[M], pks: Iterable[Any], action: Action | str, message: Any
) -> None:
    """Refuse with `PermissionDenied(message)` unless the actor may perform `action` on every
    record of `pks` (a bulk import's units and records): one query for a whole list, and the
    refusal names none of the records outside the actor's reach."""
    keys = set(pks)
    if keys and scoped(actor, source, action).filter(pk__in=keys).count() != len(keys):
        raise PermissionDenied(message)


def related_for(
    actor: Any,
    source: type[M] | models.QuerySet[M],
    pk: Any,
    field: str,
    action: Action | str = Action.CHANGE,
    *,
    lock: bool = False,
    also: Q | None = None,
    message: Any = None,
) -> M:
    """A record named in a form or body field: the same rule as `get_for`, but a refusal is
    a `ValidationError` on `field` that does not say whether the record exists."""
    try:
        return get_for(actor, source, pk, action, lock=lock, also=also)
    except (NotVisible, NotChangeable):
        raise ValidationError({field: [message or NOT_IN_REACH]}) from None
