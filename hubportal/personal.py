"""Personal data (phone and ID card numbers, birth dates): who sees them in full, and the
one masking rule every page, API answer, history, review page and export applies.

The rule (README, "Personal data"): a user sees a person's full numbers only where they may
change the record that holds them — administrators and editors of a unit whose subtree owns
it. Everyone else who may read the record (viewers, a town editor reading a city's record,
assessors) sees them masked, and a masked record never shows its birth date: the date with
the ID number's region and last characters would leave only a handful of candidates.

A model names its personal fields and their kind in `personal_fields`:

    personal_fields = {"phone": PHONE, "id_number": ID_NUMBER, "birth_date": BIRTH_DATE}

Responses to signed-in users (pages, the API, downloads) carry `Cache-Control: no-store`
(`NoStoreMiddleware`; `no_store` for a view anyone may open that shows personal data).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

from django.db import models
from django.http import HttpRequest, HttpResponseBase
from django.utils.cache import patch_cache_control

from .jurisdiction import Action, user_can

PHONE = "phone"
ID_NUMBER = "id_number"
BIRTH_DATE = "birth_date"


def mask_phone(value: str) -> str:
    """138****5678: enough to recognise a number, not to call it."""
    digits = (value or "").strip()
    if len(digits) < 7:
        return "*" * len(digits)
    return f"{digits[:3]}{'*' * (len(digits) - 7)}{digits[-4:]}"


def mask_id_number(value: str) -> str:
    """4420************2X: the province and city, and the last two characters; the birth
    date's digits (7–14) are always hidden."""
    number = (value or "").strip()
    if not number:
        return ""
    if len(number) <= 6:
        return "*" * len(number)
    return f"{number[:4]}{'*' * (len(number) - 6)}{number[-2:]}"


def mask(kind: str, value: Any) -> Any:
    """`value` of a personal field of `kind`, masked; a birth date is dropped (None)."""
    if kind == PHONE:
        return mask_phone(str(value or ""))
    if kind == ID_NUMBER:
        return mask_id_number(str(value or ""))
    return None


def personal_fields(model: type[models.Model] | models.Model) -> dict[str, str]:
    """The model's personal fields: {field name: kind}."""
    return dict(getattr(model, "personal_fields", {}) or {})


def owning_unit(obj: models.Model) -> Any:
    """The league unit that owns `obj` along its `jurisdiction_field` (select the relations
    beforehand in a list, or this reads them one by one)."""
    target: Any = obj
    path = str(getattr(type(obj), "jurisdiction_field", ""))
    for part in path.split("__") if path else []:
        target = getattr(target, part)
        if target is None:
            return None
    return target


def may_see_personal(user: Any, obj: models.Model | None = None, *, unit: Any = None) -> bool:
    """Whether `user` sees full personal data on `obj` (or on records owned by `unit`): only
    with the right to change it. No query once the user's jurisdiction is cached."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if unit is None and obj is not None:
        unit = owning_unit(obj)
    if unit is None:
        return bool(user.is_superuser)
    return user_can(user, unit, Action.CHANGE)


def mask_values(data: dict[str, Any], fields: dict[str, str]) -> dict[str, Any]:
    """`data` (a serialized record, an export row as a dict) with its personal fields masked."""
    for name, kind in fields.items():
        if name in data:
            data[name] = mask(kind, data[name])
    return data


def shown(obj: models.Model, name: str, user: Any, *, full: bool | None = None) -> Any:
    """The value of field `name` of `obj` as `user` may see it (`full` when already known)."""
    value = getattr(obj, name)
    kind = personal_fields(obj).get(name)
    if kind is None:
        return value
    if full is None:
        full = may_see_personal(user, obj)
    return value if full else mask(kind, value)


class Masked:
    """A record as one user may see it: personal fields masked when they may not change it,
    every other attribute read through. For templates: `{{ member.phone }}`."""

    def __init__(self, obj: models.Model, user: Any, full: bool | None = None) -> None:
        self._obj = obj
        self._fields = personal_fields(obj)
        self.full = may_see_personal(user, obj) if full is None else full

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._obj, name)
        if not self.full and name in self._fields:
            return mask(self._fields[name], value)
        return value


def masked_rows(rows: Iterable[models.Model], user: Any) -> list[Masked]:
    return [Masked(row, user) for row in rows]


def no_store(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """A view whose answers no browser or proxy may keep (personal data)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = view(request, *args, **kwargs)
        patch_cache_control(response, no_store=True, private=True)
        return response

    return wrapped


class NoStoreMiddleware:
    """Every answer to a signed-in user (a page, an API call with a session or a token, a
    download) is `Cache-Control: no-store, private`: such answers carry internal records and
    personal data, which must not stay in a shared or browser cache."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        user = getattr(request, "user", None)  # DRF sets a token's user on the request too
        if user is not None and user.is_authenticated:
            patch_cache_control(response, no_store=True, private=True)
        return response


class PersonalDataSerializerMixin:
    """For a ModelSerializer whose model has `personal_fields`: the fields are masked (a birth
    date dropped) unless the request's user may change the record — in lists as on one record.
    The list's queryset must select the relations along the model's `jurisdiction_field`."""

    def to_representation(self, instance: Any) -> Any:
        data = super().to_representation(instance)  # type: ignore[misc]
        context = getattr(self, "context", {})
        request = context.get("request")
        if not may_see_personal(getattr(request, "user", None), instance):
            mask_values(data, personal_fields(instance))
        return data
