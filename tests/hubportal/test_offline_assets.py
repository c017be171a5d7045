"""Everything a page loads comes from this server: no font, script or icon from elsewhere."""

import re

import pytest

OUTSIDE = re.compile(r"""(?:src|href)=["'](?:https?:)?//(?!testserver)""")


def test_the_api_reference_pages_load_nothing_from_outside(client_for, province_admin):
    client = client_for(province_admin)
    for url in ("/api/redoc/", "/api/docs/"):
        html = client.get(url).content.decode()
        assert not OUTSIDE.search(html), url
        assert "googleapis" not in html


@pytest.mark.django_db
def test_the_favicon_is_served(client):
    answer = client.get("/favicon.ico")
    assert answer.status_code == 301 and answer["Location"].endswith("favicon.ico")
