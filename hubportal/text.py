"""Rules for text that comes in from people and files."""

import re

from django.utils.translation import gettext_lazy as _

# C0 control characters and DEL, but not tab, line feed and carriage return: invisible codes
# pasted from other programs, which no Excel file can hold.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
CONTROL_MESSAGE = _(
    "Remove the control characters (invisible codes such as those pasted from another program) from this text."
)
