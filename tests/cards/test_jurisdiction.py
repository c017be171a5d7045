"""Jurisdiction of cards and their holders: pages, API and querysets (tests/jurisdiction.py)."""

from __future__ import annotations

from cards.models import Card, Holder
from tests.jurisdiction import JurisdictionCases

from . import factories as f


class TestCard(JurisdictionCases):
    model = Card
    read_pages = {"detail": "cards:card_detail"}
    pages = {"lost": "cards:card_lost", "revoke": "cards:card_revoke"}
    api = "/api/cards/cards/"

    def build(self, ctx):
        return f.card(f.holder(ctx.zhongshan))


class TestHolder(JurisdictionCases):
    model = Holder
    read_pages = {"detail": "cards:holder_detail"}
    pages = {"edit": "cards:holder_edit"}
    api = "/api/cards/holders/"
    api_methods = ("get", "patch")
    patch_body = {"phone": "13900000000"}

    def build(self, ctx):
        return f.holder(ctx.zhongshan)
