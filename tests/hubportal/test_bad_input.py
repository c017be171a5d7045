"""Bad input of every kind gets a clear answer, never a 500, and changes nothing."""

from __future__ import annotations

import json

import pytest
from django import forms as django_forms

from hubportal import forms
from orgs.models import Organization
from tests.orgs.factories import make_org


class NameForm(forms.Form):
    name = django_forms.CharField()


@pytest.mark.parametrize("text", ["名称\x01", "a\x1fb", "\x7f", "tab\tis\x0bnot"])
def test_a_form_refuses_control_characters_on_their_field(text):
    form = NameForm({"name": text})
    assert not form.is_valid() and "name" in form.errors


@pytest.mark.parametrize(
    "text", ["两行\n文本", "tab\tseparated", "emoji 🎉 and ‮rtl", "零宽\u200bspace", "x" * 5000]
)
def test_ordinary_text_passes(text):
    assert NameForm({"name": text}).is_valid()


def test_the_api_refuses_a_body_nested_too_deep(client_for, province_admin):
    body = "[" * 100_000 + "]" * 100_000
    answer = client_for(province_admin).post("/api/accounts/token/", body, content_type="application/json")
    assert answer.status_code == 400 and "32" in answer.json()["detail"]


def test_the_api_refuses_control_characters_naming_the_field(client_for, zhongshan_cadre, zhongshan):
    org = make_org(zhongshan, "中山市青年读书会")
    answer = client_for(zhongshan_cadre).patch(
        f"/api/orgs/organizations/{org.pk}/",
        json.dumps({"name": "读书会\u0001", "version": org.version}),
        content_type="application/json",
    )
    assert answer.status_code == 400 and "name" in answer.json()
    assert Organization.objects.get(pk=org.pk).name == "中山市青年读书会"


def test_the_api_refuses_malformed_json_and_a_huge_body(client, db):
    assert client.post("/api/accounts/token/", "{nope", content_type="application/json").status_code == 400
    huge = json.dumps({"username": "x" * (3 * 1024 * 1024)})
    assert client.post("/api/accounts/token/", huge, content_type="application/json").status_code == 400
