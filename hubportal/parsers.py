"""The API's JSON parser: bodies within bounds, and no control characters in any text.

Kept apart from `hubportal.drf` and `hubportal.api`: DRF imports it while its own settings
are being read, before `rest_framework.views` exists.
"""

from __future__ import annotations

import json
from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.parsers import JSONParser

from .text import CONTROL, CONTROL_MESSAGE

NON_FIELD = "non_field_errors"
API_MAX_BODY = 2 * 1024 * 1024  # a JSON body; files go as multipart uploads
API_MAX_DEPTH = 32


def json_depth(text: str, limit: int) -> int:
    """The nesting depth of a JSON text, stopping as soon as it passes `limit` (a body
    nested 100,000 levels deep must not reach the recursive parser)."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > limit:
                    return deepest
        elif char in "]}":
            depth -= 1
    return deepest


def _control_characters(value: Any, path: str = "") -> str | None:
    """The path of the first text holding a control character, if any."""
    if isinstance(value, str):
        return path or NON_FIELD if CONTROL.search(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            found = _control_characters(item, f"{path}.{key}" if path else str(key))
            if found:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = _control_characters(item, f"{path}[{index}]" if path else f"[{index}]")
            if found:
                return found
    return None


class SafeJSONParser(JSONParser):
    """JSON bodies within bounds: at most API_MAX_BODY bytes and API_MAX_DEPTH levels, and no
    control characters in any text (they break every Excel file the record later goes into)."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        raw = stream.read(API_MAX_BODY + 1) if stream is not None else b""
        if len(raw) > API_MAX_BODY:
            raise exceptions.ParseError(
                _("The request body is larger than %(mb)d MB.") % {"mb": API_MAX_BODY // (1024 * 1024)}
            )
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise exceptions.ParseError(_("The request body is not UTF-8 text.")) from None
        if json_depth(text, API_MAX_DEPTH) > API_MAX_DEPTH:
            raise exceptions.ParseError(
                _("The request body is nested more than %(n)d levels deep.") % {"n": API_MAX_DEPTH}
            )
        try:
            data = json.loads(text) if text.strip() else {}
        except ValueError as exc:
            raise exceptions.ParseError(
                _("The request body is not valid JSON: %(error)s") % {"error": exc}
            ) from None
        field = _control_characters(data)
        if field:
            raise exceptions.ValidationError({field: [CONTROL_MESSAGE]})
        return data
