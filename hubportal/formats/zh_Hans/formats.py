"""Chinese formats as offices write them in figures and finance: Django's own, but amounts
grouped by thousands with a comma (1,234,567.50) — Django's zh_Hans has no separator — and
the ISO date first among the input formats (what a date input sends)."""

from django.conf.locale.zh_Hans.formats import *  # noqa: F403 - extend Django's formats

DATE_INPUT_FORMATS = ["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日"]
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
