"""Rules for text that comes in from people and files."""

import re

from django.utils.translation import gettext_lazy as _

# C0 control characters and DEL, but not tab, line feed and carriage return: invisible codes
# pasted from other programs, which no Excel file can hold.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
CONTROL_MESSAGE = _(
    "Remove the control characters (invisible codes such as those pasted from another program) from this text."
)

EXCERPT_CHARS = 50


def excerpt(value: object, limit: int = EXCERPT_CHARS) -> object:
    """Bad input as a message may echo it: at most `limit` characters, then “…” (a 2 MB cell
    must not come back in a 2 MB page). Values other than text are returned as they are."""
    if isinstance(value, str) and len(value) > limit:
        return value[:limit] + "…"
    return value
