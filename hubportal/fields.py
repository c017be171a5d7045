"""Model fields shared by the apps."""

from __future__ import annotations

from typing import Any

from django.db import models


class MoneyField(models.DecimalField):
    """An amount in yuan to the fen (Decimal(14, 2), never a float). Forms show it with
    thousands separators and accept it back with or without them (`hubportal.forms`)."""

    is_money = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_digits", 14)
        kwargs.setdefault("decimal_places", 2)
        super().__init__(*args, **kwargs)
