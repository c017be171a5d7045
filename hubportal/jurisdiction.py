"""Jurisdiction: the one place that decides which records a user may see or change.

A cadre's jurisdiction is the subtree below each league unit they are a member of. Every
domain model's manager is built from `JurisdictionQuerySet`, and names in
`jurisdiction_field` the path from the model to the `LeagueUnit` that owns a record
("" for `LeagueUnit` itself). Pages, the API and exports all call `visible_to()`.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Any, Self

from django.db import models
from django.db.models import Q

if TYPE_CHECKING:
    from accounts.models import User


class Action(StrEnum):
    VIEW = "view"
    CHANGE = "change"
    MANAGE = "manage"  # memberships and accounts of a unit


def subtree_q(paths: list[str], field: str) -> Q:
    """A Q matching rows whose unit lies in any of the subtrees whose roots have `paths`."""
    lookup = f"{field}__path__startswith" if field else "path__startswith"
    q = Q()
    for path in _outermost(paths):
        q |= Q(**{lookup: path})
    return q


def _outermost(paths: list[str]) -> list[str]:
    """Drop paths that lie inside another one: the OR stays short and the index is used."""
    kept: list[str] = []
    for path in sorted(set(paths)):
        if not any(path.startswith(k) for k in kept):
            kept.append(path)
    return kept


class JurisdictionQuerySet(models.QuerySet):
    """A queryset that can be scoped to the subtrees a user may act on."""

    @property
    def jurisdiction_field(self) -> str:
        """The path from the model to its owning `LeagueUnit` ("" for the unit itself)."""
        return str(getattr(self.model, "jurisdiction_field"))  # noqa: B009 - a class attribute of the model

    def visible_to(self, user: User | Any, action: Action | str = Action.VIEW) -> Self:
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self.all()
        paths = user.jurisdiction_paths(Action(action))
        if not paths:
            return self.none()
        return self.filter(subtree_q(paths, self.jurisdiction_field))

    def in_subtree(self, unit: Any) -> Self:
        """Records owned by `unit` or any unit below it (one indexed prefix predicate)."""
        return self.filter(subtree_q([unit.path], self.jurisdiction_field))


def user_can(user: User | Any, unit: Any, action: Action | str = Action.VIEW) -> bool:
    """Whether `user` may act on records owned by `unit`, without a query once cached."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return any(unit.path.startswith(p) for p in user.jurisdiction_paths(Action(action)))
