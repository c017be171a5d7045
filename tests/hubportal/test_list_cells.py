"""A list row drawn in Python (`hubportal.generic.row_cells`) reads as the table's template
drew it: the record's link, yes/no, "—" for nothing, dates and numbers localised, escaped."""

from __future__ import annotations

import datetime

import pytest
from django.template import engines
from django.utils import translation

from hubportal.generic import choice_labels, resolve, row_cells
from orgs.models import Organization
from tests.orgs.factories import make_org

TEMPLATE = (
    "{% load i18n %}{% for value in values %}<td>{% if forloop.first %}"
    '<a href="{{ obj.get_absolute_url }}">{{ value|default_if_none:"—" }}</a>'
    '{% elif value is True %}{% translate "Yes" %}{% elif value is False %}{% translate "No" %}'
    '{% else %}{{ value|default_if_none:"—" }}{% endif %}</td>{% endfor %}'
)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_row_reads_as_the_template_drew_it(language, zhongshan):
    org = make_org(zhongshan, "<b>青年&义工</b>")
    values = [org.name, True, False, None, datetime.date(2005, 3, 7), 12345, "a<b"]
    with translation.override(language):
        drawn = row_cells(org, values)
        expected = engines["django"].from_string(TEMPLATE).render({"obj": org, "values": values})
    assert drawn == expected
    assert "<b>" not in drawn and "&lt;b&gt;青年&amp;义工" in drawn


def test_choice_labels_are_what_get_display_returns(zhongshan):
    org = make_org(zhongshan, status="listed")
    assert choice_labels(Organization, "status") is not None
    assert choice_labels(Organization, "name") is None  # no choices
    for language in ("zh-hans", "en"):
        with translation.override(language):
            assert resolve(org, "status") == org.get_status_display()
            assert resolve(org, "category") == org.get_category_display()
