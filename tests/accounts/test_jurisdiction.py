"""Jurisdiction of memberships (tests/jurisdiction.py)."""

from __future__ import annotations

from accounts.models import Membership
from tests.conftest import make_user
from tests.jurisdiction import JurisdictionCases


class TestMembership(JurisdictionCases):
    model = Membership

    def build(self, ctx):
        person = make_user("zs_member", ctx.zhongshan, role=Membership.Role.EDITOR)
        return Membership.objects.get(user=person, unit=ctx.zhongshan)
