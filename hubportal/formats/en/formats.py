"""English formats: Django's own (1,234,567.50 and ISO dates are already its defaults)."""

from django.conf.locale.en.formats import *  # noqa: F403 - extend Django's formats
