"""Card pages: personal data only for the cadres of the holder's unit (masked in lists,
exports, the API and for everyone else), the QR code opening a public page that says only
whether the card is valid and which unit issued it, the figures per unit and year."""

from __future__ import annotations

import datetime
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from cards.models import Card

from . import factories as f

D = datetime.date


@pytest.fixture
def card(guzhen):
    return f.card(f.holder(guzhen, phone="13812345678"), number="GZ0001")


def test_the_issuing_units_cadre_sees_personal_data(clock, card, guzhen_admin, client_for):
    html = client_for(guzhen_admin).get(card.get_absolute_url()).content.decode()
    assert card.holder.id_number in html and "13812345678" in html and "2003-05-06" in html
    assert "<svg" in html and card.token in html


def test_the_city_sees_the_card_but_not_the_personal_data(clock, card, zhongshan_cadre, client_for):
    client = client_for(zhongshan_cadre)
    html = client.get(card.get_absolute_url()).content.decode()
    assert card.holder.id_number not in html and "13812345678" not in html and "2003-05-06" not in html
    api = client.get(f"/api/cards/cards/{card.pk}/").json()
    assert api["id_number"] != card.holder.id_number and api["phone"] == "138****5678"
    holder = client.get(f"/api/cards/holders/{card.holder.pk}/").json()
    assert holder["birth_date"] is None and "****" in holder["id_number"]


def test_a_viewer_of_the_issuing_unit_sees_the_data_masked(clock, card, guzhen, client_for):
    """The portal's one rule (hubportal.personal): full values only with the right to change."""
    from accounts.models import Membership
    from tests.conftest import make_user

    viewer = make_user("gz_viewer", guzhen, role=Membership.Role.VIEWER)
    client = client_for(viewer)
    html = client.get(card.get_absolute_url()).content.decode()
    assert card.holder.id_number not in html and "13812345678" not in html and "2003-05-06" not in html
    holder = client.get(f"/api/cards/holders/{card.holder.pk}/").json()
    assert holder["birth_date"] is None and holder["phone"] == "138****5678"


def test_lists_and_their_exports_mask_personal_data(clock, card, guzhen_admin, client_for):
    client = client_for(guzhen_admin)
    assert card.holder.id_number not in client.get(reverse("cards:card_list")).content.decode()
    export = client.get(reverse("cards:card_list"), {"export": "xlsx"})
    sheet = load_workbook(io.BytesIO(b"".join(export.streaming_content))).active
    cells = {str(c.value) for r in sheet.iter_rows() for c in r if c.value is not None}
    assert card.holder.id_number not in cells and card.holder.masked_id_number in cells


def test_the_qr_page_says_only_valid_or_not_and_the_unit(clock, card, client):
    valid = client.get(card.verify_url()).content.decode()
    assert "This card is valid" in valid or "有效" in valid
    assert "古镇镇" in valid and card.holder.name not in valid and card.number not in valid
    Card.objects.filter(pk=card.pk).update(status="lost")
    invalid = client.get(card.verify_url()).content.decode()
    assert "not valid" in invalid or "无效" in invalid
    assert client.get(reverse("cards:verify", args=["not-a-token"])).status_code == 404


@pytest.mark.parametrize("url_name", ["cards:card_list", "cards:holder_list"])
def test_lists_answer_in_a_fixed_number_of_queries(
    url_name, clock, guzhen, guzhen_admin, client_for, django_assert_max_num_queries
):
    client = client_for(guzhen_admin)
    for i in range(3):
        f.card(f.holder(guzhen, D(2000, 1, 1) + datetime.timedelta(days=i)))
    # session, user, memberships, the count, the page (holder and unit joined), the unit picker
    with django_assert_max_num_queries(7):
        assert client.get(reverse(url_name)).status_code == 200
    for i in range(30):
        f.card(f.holder(guzhen, D(2001, 1, 1) + datetime.timedelta(days=i)))
    with django_assert_max_num_queries(7):
        assert client.get(reverse(url_name), {"per_page": 50}).status_code == 200


def test_api_lists_answer_in_a_fixed_number_of_queries(
    clock, guzhen, guzhen_admin, client_for, django_assert_max_num_queries
):
    client = client_for(guzhen_admin)
    for i in range(25):
        f.card(f.holder(guzhen, D(2000, 1, 1) + datetime.timedelta(days=i)))
    for url in ("/api/cards/cards/", "/api/cards/holders/"):
        # session, user, the change stamp (hubportal.pagecache), memberships, the count, the page
        with django_assert_max_num_queries(6):
            assert client.get(url).json()["count"] == 25


def test_the_figures_count_cards_and_the_share_of_members_holding_one(
    clock, guzhen, zhongshan, zhongshan_cadre, client_for
):
    for i in range(3):
        f.card(f.holder(guzhen, D(2000, 1, 1) + datetime.timedelta(days=i)))
    f.holder(guzhen, D(2002, 2, 2))  # a member without a card
    response = client_for(zhongshan_cadre).get(reverse("cards:stats"), {"unit": zhongshan.pk, "year": 2026})
    rows = dict((u.pk, figures) for u, figures in response.context["rows"])
    assert rows[zhongshan.pk]["member_cards"].value == 3
    assert (
        rows[guzhen.pk]["member_card_coverage"].numerator,
        rows[guzhen.pk]["member_card_coverage"].denominator,
    ) == (3, 4)
    # A unit where nobody is registered shows a dash, not a share of 0 %.
    page = response.content.decode()
    table = page[page.index('id="card-figures"') :]
    assert "75.00%" in table and "0.00%" not in table and "—" in table


def test_issuing_a_card_from_the_page(clock, guzhen, guzhen_admin, client_for):
    response = client_for(guzhen_admin).post(
        reverse("cards:card_create"),
        {
            "number": "gz-0100",
            "kind": "member",
            "issuing_unit": guzhen.pk,
            "issued_on": "2026-07-01",
            "name": "李青",
            "id_number": f.id_for(D(2012, 7, 2), 5),
            "phone": "",
        },
    )
    assert response.status_code == 400
    assert "2012-07-02" in " ".join(
        response.context["form"].errors["id_number"]
    )  # the refusal names the birth date
    assert not Card.objects.exists()
