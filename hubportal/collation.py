"""Chinese text sorts by pinyin (阿 < 北 < 中), not by code point: text columns are ordered
under PostgreSQL's ICU collation `zh-x-icu` (Unicode CLDR's Chinese order, pinyin for the
common characters). `pinyin("name")` is the expression for a model's `Meta.ordering`, an
expression index or an `order_by()`; `sort_terms()` turns a list's `?ordering=` value into
the same expression when it names a text field, so every sortable column of every
`ObjectListView` sorts the same way.

A default order on a big table needs an index with the same collation, e.g.
`models.Index(pinyin("name"), F("id"), name="org_name_pinyin")`, so its first page is read
from the index instead of sorting the table.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import F, OrderBy
from django.db.models.functions import Collate

PINYIN_COLLATION = "zh-x-icu"
TEXT_FIELDS = (models.CharField, models.TextField)
# Codes, not words: they keep the byte order their own indexes serve (the tree's `path` is the
# unit list's order, read from its index); a collation would only make the sort slower.
CODE_FIELDS = (models.EmailField, models.SlugField, models.URLField)
CODE_NAMES = frozenset({"path", "code", "credit_code", "id_number", "number", "phone", "period", "username"})


def pinyin(field: str) -> Collate:
    """The field (a name or a `__` path) under the pinyin collation."""
    return Collate(F(field), PINYIN_COLLATION)


def pinyin_order(field: str) -> OrderBy:
    """`pinyin(field)` ascending, or descending for “-field”, as `order_by()` takes it."""
    if field.startswith("-"):
        return pinyin(field[1:]).desc()
    return pinyin(field).asc()


def is_text(model: Any, path: str) -> bool:
    """Whether `path` (“name”, “organization__name”) leads to a text column of `model`."""
    current = model
    parts = path.split("__")
    for index, part in enumerate(parts):
        try:
            field = current._meta.get_field(part)
        except FieldDoesNotExist:
            return False
        if index == len(parts) - 1:
            return (
                isinstance(field, TEXT_FIELDS)
                and not isinstance(field, CODE_FIELDS)
                and not field.choices
                and part not in CODE_NAMES
            )
        if not field.is_relation or field.related_model is None:
            return False
        current = field.related_model
    return False


def sort_terms(model: Any, ordering: str) -> list[Any]:
    """What to pass to `order_by()` for a list's `?ordering=` value: text in pinyin order
    (choices keep their stored order, as their labels are translated), the rest as given."""
    if is_text(model, ordering.lstrip("-")):
        return [pinyin_order(ordering)]
    return [ordering]
