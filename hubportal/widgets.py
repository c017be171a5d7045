"""Widgets whose rendered value survives the round trip through a browser in any language.

A browser drops the value of `<input type="date">` unless it is `YYYY-MM-DD`; Django's own
DateInput renders the active language's first input format (`2009/06/06` in Chinese), so a
page saved without touching the date would erase it. These widgets always render the
machine format the input type expects; what the user reads is the browser's own picker.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.forms.utils import flatatt
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

ISO_DATE = "%Y-%m-%d"
ISO_DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


class DateInput(forms.DateInput):
    """`<input type="date">` with its value always `YYYY-MM-DD`."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format=ISO_DATE)


class DateTimeInput(forms.DateTimeInput):
    """`<input type="datetime-local">` with its value always `YYYY-MM-DDTHH:MM` (local time)."""

    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format=ISO_DATETIME_LOCAL)


def format_money(value: Any) -> str:
    """¥ amounts as Chinese offices write them: thousands separated, two decimals."""
    if value is None or value == "":
        return ""
    if isinstance(value, Decimal | int | float):
        return f"{Decimal(str(value)):,.2f}"
    return str(value)


class MoneyInput(forms.TextInput):
    """An amount in yuan shown as `1,234,567.50`; `MoneyField` accepts it back with or
    without the separators (a number input would refuse the commas)."""

    input_type = "text"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__({"inputmode": "decimal", "autocomplete": "off", **(attrs or {})})

    def format_value(self, value: Any) -> str | None:
        return format_money(value) or None


class FastSelect(forms.Select):
    """A select that draws its options in one pass.

    Django renders every option through a template: for the 2,000 units a province
    administrator may choose from, that alone takes about a second.
    """

    def render(self, name: str, value: Any, attrs: dict | None = None, renderer: Any = None) -> SafeString:
        final = self.build_attrs(self.attrs, attrs)
        final["name"] = name
        final.setdefault("id", f"id_{name}")
        chosen = {
            "" if v is None else str(v) for v in (value if isinstance(value, list | tuple) else [value])
        }
        return format_html("<select{}>{}</select>", flatatt(final), mark_safe(self.options_html(chosen)))  # noqa: S308 - escaped below

    def options_html(self, chosen: set[str]) -> str:
        """The `<option>`s, each value and label escaped, those in `chosen` selected."""
        parts = []
        for value, label in self.choices:
            key = "" if value is None else str(value)
            selected = " selected" if key in chosen else ""
            parts.append(f'<option value="{escape(key)}"{selected}>{escape(label)}</option>')
        return "".join(parts)


class UnitSelect(FastSelect):
    """The league-unit picker: every unit the user may choose, indented by depth; the options
    come drawn from the choices' cache (`hubportal.forms.UnitChoiceIterator`)."""

    def options_html(self, chosen: set[str]) -> str:
        drawn = getattr(self.choices, "options_html", None)
        return drawn(chosen) if drawn is not None else super().options_html(chosen)


class FastSelectMultiple(FastSelect):
    """A multiple select drawn in one pass, like `FastSelect`: a city's organizations or a
    province's units are thousands of options."""

    allow_multiple_selected = True

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__({"multiple": True, "size": 8, **(attrs or {})})

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        getter = getattr(data, "getlist", None)
        return getter(name) if getter is not None else data.get(name)

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        # A browser sends nothing for a multiple select with nothing chosen.
        return False


class UnitSelectMultiple(FastSelectMultiple, UnitSelect):
    """The picker of several league units, indented by depth (options drawn as `UnitSelect`'s)."""
