"""What every domain service shares: the `@service` decorator and optimistic locking.

A service is the one function that performs a domain action (approve a registration, admit a
resident, grant money, submit a report). The page, the API, an import, a task and the admin
all call it, so they all produce the same effects. The convention, in every app:

    @service
    def verb_noun(actor, pk, ..., *, keyword options) -> the changed record

- `actor` first: the user acting (`None` only for the public self-registration flow);
- then the primary key of the record acted on (or of the parent, for a create), never an
  instance: the service reads it itself with `hubportal.access.get_for(..., lock=True)`;
- a refusal is a `ValidationError` (a dict by field where a field is at fault), `NotVisible`
  (404) or `NotChangeable` (403); nothing is changed on refusal;
- messages go through `hubportal.outbox.queue_message()` and follow-up tasks through
  `hubportal.tasks.enqueue()`: both leave only when the transaction commits.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, Concatenate, ParamSpec, TypeVar

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext as _

from .history import service_context

P = ParamSpec("P")
R = TypeVar("R")


def actor_id(actor: Any) -> int | None:
    return actor.pk if actor is not None and getattr(actor, "is_authenticated", False) else None


def service(func: Callable[Concatenate[Any, P], R]) -> Callable[Concatenate[Any, P], R]:
    """Run a domain action in one transaction, its history attributed to the actor.

    The request middleware already names the user of a page; an API token, a Celery task,
    an import or the admin reach the service without it, so the service says it itself.
    """

    @functools.wraps(func)
    def wrapper(actor: Any, *args: P.args, **kwargs: P.kwargs) -> R:
        metadata: dict[str, Any] = {"service": func.__qualname__}
        if (user_id := actor_id(actor)) is not None:
            metadata["user"] = user_id
        with transaction.atomic(), service_context(**metadata):
            return func(actor, *args, **kwargs)

    return wrapper


class StaleVersion(ValidationError):
    """Someone saved the record after the editor loaded it (a 409 in the API)."""


def expected_version(value: Any) -> int:
    """The version a form or body sends back: missing, empty or not a number is a clear
    refusal (the page was not loaded from the portal, or is too old), never a 500."""
    if isinstance(value, bool):
        value = None
    try:
        number = int(str(value).strip()) if value is not None and str(value).strip() != "" else None
    except ValueError:
        number = None
    if number is None or number < 0:
        raise ValidationError(
            {
                "version": [
                    _("The page you saved is incomplete or too old. Reload it and make your changes again.")
                ]
            }
        )
    return number


def check_version(obj: models.Model, sent: Any, *, who: Any = None, when: Any = None) -> None:
    """Refuse a save made on a stale copy of `obj` (optimistic locking on `obj.version`)."""
    version = expected_version(sent)
    current = getattr(obj, "version")  # noqa: B009 - any versioned model
    if version == current:
        return
    if who is not None and when is not None:
        message = _(
            "%(who)s changed this record at %(when)s, after you opened it. Nothing was saved: "
            "reload the page and make your changes again."
        ) % {"who": who, "when": when}
    else:
        message = _(
            "Someone else changed this record in the meantime (you edited version %(yours)s, it is "
            "now at version %(now)s). Nothing was saved: reload it and make your changes again."
        ) % {"yours": version, "now": current}
    raise StaleVersion({"version": [message]})


def save_checked(obj: models.Model, **kwargs: Any) -> None:
    """Save, turning a constraint that a concurrent write broke into a clear message."""
    try:
        with transaction.atomic():
            obj.save(**kwargs)
    except IntegrityError as exc:
        raise ValidationError(
            _("The record conflicts with another one that was just saved; please reload and try again.")
        ) from exc


def delete_checked(obj: models.Model) -> None:
    """Delete a record, or explain which kinds of records still hold it (never a 500)."""
    try:
        with transaction.atomic():
            obj.delete()
    except models.ProtectedError as exc:
        held: dict[str, int] = {}
        for other in exc.protected_objects:
            label = str(other._meta.verbose_name_plural)
            held[label] = held.get(label, 0) + 1
        raise ValidationError(
            _("This record cannot be deleted while other records refer to it: %(held)s.")
            % {"held": _(", ").join(f"{label} ({count})" for label, count in sorted(held.items()))}
        ) from exc
