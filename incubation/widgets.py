"""A select that draws its options in one pass.

Django renders every option of a Select through a template: for the 2,000 units a province
administrator may filter by, that alone takes about a second. The filter forms of the
incubation lists use this one instead.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe


class FastSelect(forms.Select):
    def render(self, name: str, value: Any, attrs: dict | None = None, renderer: Any = None) -> str:
        final = self.build_attrs(self.attrs, attrs)
        final["name"] = name
        final.setdefault("id", f"id_{name}")
        chosen = "" if value is None else str(value)
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (key, mark_safe(" selected") if key == chosen else "", label)  # noqa: S308 - a constant
                for key, label in ((("" if v is None else str(v)), label) for v, label in self.choices)
            ),
        )
        return format_html("<select{}>{}</select>", flatatt(final), options)
