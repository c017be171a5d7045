"""The co-building API: lists in a fixed number of queries, writes through the services with
their refusals as 400s by field, a stale version as 409, personal data masked."""

from __future__ import annotations

import datetime

import pytest

from cobuilding.models import ChairTerm

from . import factories as f

D = datetime.date

APIS = [
    "committees",
    "member-units",
    "chair-terms",
    "work-plans",
    "meetings",
    "venues",
    "people",
    "activities",
    "funds",
    "subsidies",
]


@pytest.mark.parametrize("resource", APIS)
def test_api_lists_answer_in_a_fixed_number_of_queries(
    resource, clock, zhongshan, zhongshan_cadre, client_for, django_assert_max_num_queries
):
    from .test_pages import fill

    client = client_for(zhongshan_cadre)
    fill(zhongshan, 3)
    # session, user, the change stamp, memberships, the count, the page of rows, one prefetch
    # per many-to-many
    with django_assert_max_num_queries(9):
        assert client.get(f"/api/cobuilding/{resource}/").status_code == 200
    fill(zhongshan, 10)
    with django_assert_max_num_queries(9):
        body = client.get(f"/api/cobuilding/{resource}/", {"page_size": 100}).json()
    assert resource == "subsidies" or body["count"] >= 13


def test_bad_chair_terms_are_400s_by_field_and_change_nothing(
    clock, committee, member_units, zhongshan_cadre, client_for
):
    client = client_for(zhongshan_cadre)
    body = {"committee": committee.pk, "member_unit": member_units[0].pk, "starts_on": "2026-01-01"}
    too_long = client.post(
        "/api/cobuilding/chair-terms/", {**body, "ends_on": "2026-04-15"}, content_type="application/json"
    )
    assert too_long.status_code == 400 and "ends_on" in too_long.json()
    ok = client.post(
        "/api/cobuilding/chair-terms/", {**body, "ends_on": "2026-03-31"}, content_type="application/json"
    )
    assert ok.status_code == 201, ok.content
    assert ok.json()["chair_name"] == "梁志强" and ok.json()["ended_without_activity"] is True
    overlap = client.post(
        "/api/cobuilding/chair-terms/",
        {**body, "member_unit": member_units[1].pk, "starts_on": "2026-03-01", "ends_on": "2026-05-31"},
        content_type="application/json",
    )
    assert overlap.status_code == 400 and "starts_on" in overlap.json()
    stranger = client.post(
        "/api/cobuilding/chair-terms/",
        {**body, "starts_on": "2026-04-01", "ends_on": "2026-06-30", "chair_name": "王路人"},
        content_type="application/json",
    )
    assert stranger.status_code == 400 and "chair_name" in stranger.json()
    assert ChairTerm.objects.count() == 1


def test_a_stale_version_is_a_409(clock, committee, zhongshan_cadre, client_for):
    client = client_for(zhongshan_cadre)
    url = f"/api/cobuilding/committees/{committee.pk}/"
    assert client.patch(url, {"name": "新", "version": 1}, content_type="application/json").status_code == 200
    assert client.patch(url, {"name": "旧", "version": 1}, content_type="application/json").status_code == 409


def test_phones_are_masked_for_those_who_may_not_change_the_records(
    clock, committee, zhongshan_cadre, zhongshan_viewer, client_for
):
    f.person(committee, phone="13912345678")
    for user, shown in ((zhongshan_cadre, "13912345678"), (zhongshan_viewer, "139****5678")):
        body = client_for(user).get("/api/cobuilding/people/").json()
        assert body["results"][0]["phone"] == shown


def test_a_second_subsidy_through_the_api_is_a_400(clock, province_admin, client_for, units):
    from cobuilding.models import BranchSubsidy
    from orgs.models import LeagueBuilding
    from tests.orgs.factories import make_org

    yuexiu = units["440104"]
    building = LeagueBuilding.objects.create(
        unit=yuexiu,
        lead_organization=make_org(yuexiu),
        mode="embedded",
        form="independent",
        branch_name="团支部",
        founded_on=D(2026, 1, 1),
    )
    client = client_for(province_admin)
    first = client.post(
        "/api/cobuilding/subsidies/",
        {"league_building": building.pk, "payer": "city"},
        content_type="application/json",
    )
    second = client.post(
        "/api/cobuilding/subsidies/",
        {"league_building": building.pk, "payer": "city"},
        content_type="application/json",
    )
    assert first.status_code == 201, first.content
    assert second.status_code == 400 and "payer" in second.json()
    assert BranchSubsidy.objects.count() == 1


def test_activity_photos_go_up_and_come_back_through_the_api(
    clock, committee, zhongshan_cadre, foshan_cadre, client_for, settings, tmp_path
):
    """A photo sent as multipart is attached (201, the activity with its photos and their
    addresses); a file that is not an image is a 400 on `image` and attaches nothing; another
    city's cadre cannot find the activity (404)."""
    import io

    from PIL import Image

    settings.MEDIA_ROOT = str(tmp_path)
    activity = f.activity(committee, D(2026, 2, 1))
    url = f"/api/cobuilding/activities/{activity.pk}/photos/"
    png = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(png, "PNG")
    png.seek(0)
    png.name = "联谊会.png"
    client = client_for(zhongshan_cadre)
    added = client.post(url, {"image": png, "caption": "青年联谊会合影"})
    assert added.status_code == 201, added.content
    photos = added.json()["photos"]
    assert [p["caption"] for p in photos] == ["青年联谊会合影"]
    assert client.get(f"/api/cobuilding/activities/{activity.pk}/").json()["photos"] == photos
    # the address is the portal's, which checks who asks: the image for the city, 404 for another
    shown = client.get(photos[0]["url"])
    assert shown.status_code == 200 and shown["Content-Type"] == "image/png"
    assert b"".join(shown.streaming_content).startswith(b"\x89PNG")
    assert client_for(foshan_cadre).get(photos[0]["url"]).status_code == 404
    page = client.get(f"/cobuilding/activities/{activity.pk}/").content.decode()
    assert f'src="{photos[0]["url"].removeprefix("http://testserver")}"' in page

    text = io.BytesIO(b"not an image at all")
    text.name = "notes.png"
    refused = client.post(url, {"image": text, "caption": "x"})
    assert refused.status_code == 400 and "image" in refused.json()
    assert activity.photos.count() == 1

    png.seek(0)
    assert client_for(foshan_cadre).post(url, {"image": png}).status_code == 404
    assert activity.photos.count() == 1
