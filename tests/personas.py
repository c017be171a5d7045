"""`Ctx`: the personas and units of tests/conftest.py, by name, for builders that run inside
a parametrized test (`ctx.zhongshan`, `ctx.zhongshan_cadre`, `ctx.units["442000012"]`)."""

from __future__ import annotations

from typing import Any

import pytest


class Ctx:
    def __init__(self, request: pytest.FixtureRequest) -> None:
        self.request = request

    def __getattr__(self, name: str) -> Any:
        # Fixtures are made only when a builder asks for them.
        return self.request.getfixturevalue(name)
