"""The shared form pieces render values a browser sends back unchanged, in any language."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django import forms as django_forms
from django.core.exceptions import ValidationError
from django.utils import translation

from hubportal import forms
from orgs.models import LeagueUnit, Organization


class SampleForm(forms.Form):
    day = forms.DateField()
    when = forms.DateTimeField()
    amount = forms.MoneyField()
    name = django_forms.CharField(required=False)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_dates_render_as_the_browser_expects_in_every_language(language):
    form = SampleForm(
        initial={"day": datetime.date(2009, 6, 6), "when": datetime.datetime(2026, 3, 1, 9, 30), "amount": 1}
    )
    with translation.override(language):
        html = str(form["day"]) + str(form["when"])
    assert 'type="date"' in html and 'value="2009-06-06"' in html
    assert 'type="datetime-local"' in html and 'value="2026-03-01T09:30"' in html


@pytest.mark.parametrize(
    "typed", ["5000000", "5,000,000.00", "5，000，000", "¥5,000,000.00", "5 000 000元", "￥5000000.0"]
)
def test_money_is_accepted_with_or_without_separators(typed):
    form = SampleForm({"day": "2026-01-05", "when": "2026-01-05T08:00", "amount": typed})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["amount"] == Decimal("5000000")


def test_money_is_shown_with_thousands_separators_and_round_trips():
    form = SampleForm(initial={"amount": Decimal("640000.00")})
    html = str(form["amount"])
    assert 'value="640,000.00"' in html and 'inputmode="decimal"' in html
    again = SampleForm({"day": "2026-01-05", "when": "2026-01-05T08:00", "amount": "640,000.00"})
    assert again.is_valid() and again.cleaned_data["amount"] == Decimal("640000.00")


@pytest.mark.parametrize("typed", ["abc", "1.234", "1,2,3x"])
def test_bad_money_gets_a_message(typed):
    form = SampleForm({"day": "2026-01-05", "when": "2026-01-05T08:00", "amount": typed})
    assert not form.is_valid() and "amount" in form.errors


@pytest.mark.parametrize("typed", ["2009-06-06", "2009/06/06", "2009.6.6", "2009年6月6日"])
def test_dates_typed_as_chinese_offices_write_them_are_read(typed):
    form = SampleForm({"day": typed, "when": "2026-01-05T08:00", "amount": "1"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["day"] == datetime.date(2009, 6, 6)


def test_model_forms_get_the_shared_fields_without_declaring_widgets(units):
    class OrganizationDates(forms.ModelForm):
        class Meta:
            model = Organization
            fields = ["founded_on", "governing_unit", "description"]

    form = OrganizationDates(instance=Organization(founded_on=datetime.date(2009, 6, 6)))
    assert isinstance(form.fields["founded_on"], forms.DateField)
    assert isinstance(form.fields["governing_unit"], forms.UnitChoiceField)
    with translation.override("zh-hans"):
        assert 'value="2009-06-06"' in str(form["founded_on"])


def widget_of(field: django_forms.Field) -> django_forms.Widget:
    return field.widget  # typed as the field class's widget class; an instance here


def test_the_unit_picker_is_indented_by_depth_in_one_query(units, django_assert_num_queries):
    def picker() -> forms.UnitChoiceField:
        return forms.UnitChoiceField(
            queryset=LeagueUnit.objects.filter(path__startswith=units["442000"].path)
        )

    with django_assert_num_queries(2):  # the change stamp, the units
        choices = list(picker().iterator(picker()))
    labels = {str(value): label for value, label in choices}
    assert labels[str(units["442000"].pk)] == "中山市"
    assert labels[str(units["442000012"].pk)] == "\u3000古镇镇"
    with django_assert_num_queries(1):  # cached until the data change: the stamp only
        assert list(picker().iterator(picker())) == choices
    zhongshan = units["442000"]
    LeagueUnit.objects.filter(pk=units["442000012"].pk).update(name="古镇镇团委")
    assert "\u3000古镇镇团委" in [label for _value, label in picker().iterator(picker())]
    drawn = widget_of(picker()).render("unit", zhongshan.pk)
    assert f'<option value="{zhongshan.pk}" selected>中山市</option>' in drawn
    assert '<option value="">---------</option>' in drawn
    assert drawn.count(" selected") == 1


def test_a_unit_picker_escapes_what_it_draws(units):
    LeagueUnit.objects.filter(pk=units["442000"].pk).update(name="中山<b>&市")
    field = forms.UnitChoiceField(queryset=LeagueUnit.objects.filter(pk=units["442000"].pk), empty_label=None)
    drawn = widget_of(field).render("unit", "")
    assert "中山&lt;b&gt;&amp;市" in drawn and "<b>" not in drawn
    assert 'value=""' not in drawn  # no empty choice when the field has none


def test_service_errors_go_next_to_their_fields_and_the_rest_on_top():
    form = SampleForm({"day": "2026-01-05", "when": "2026-01-05T08:00", "amount": "1"})
    assert form.is_valid()
    forms.add_service_errors(form, ValidationError({"amount": ["余额不足"], "version": ["页面已过期"]}))
    assert form.errors["amount"] == ["余额不足"]
    assert "页面已过期" in form.non_field_errors()
    other = SampleForm({"day": "2026-01-05", "when": "2026-01-05T08:00", "amount": "1"})
    other.is_valid()
    forms.add_service_errors(other, ValidationError("该记录已被他人修改"))
    assert other.non_field_errors() == ["该记录已被他人修改"]
