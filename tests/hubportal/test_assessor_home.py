"""The assessor's home page says what the role does and opens their scoring tasks
(issue 9, item 8)."""

from __future__ import annotations

from django.urls import reverse


def test_the_assessor_home_says_what_the_role_does(client_for, assessor):
    html = client_for(assessor).get("/").content.decode()
    assert 'id="assessor-home"' in html
    assert reverse("evaluation:my_assignments") in html.split('id="assessor-home"')[1]


def test_the_public_and_representatives_see_no_assessor_block(client, client_for, representative):
    assert 'id="assessor-home"' not in client.get("/").content.decode()
    assert 'id="assessor-home"' not in client_for(representative).get("/").content.decode()
