"""Every model with a `jurisdiction_field` has its inherited jurisdiction test class."""

from __future__ import annotations

import importlib
from pathlib import Path

from django.apps import apps

from tests.jurisdiction import JurisdictionCases

TESTS = Path(__file__).resolve().parents[1]


def _subclasses(cls: type) -> set[type]:
    found: set[type] = set(cls.__subclasses__())
    for sub in list(found):
        found |= _subclasses(sub)
    return found


def test_every_model_with_a_jurisdiction_has_jurisdiction_tests():
    for path in sorted(TESTS.glob("*/test_jurisdiction.py")):
        importlib.import_module(f"tests.{path.parent.name}.test_jurisdiction")
    covered = {cls.model for cls in _subclasses(JurisdictionCases) if hasattr(cls, "model")}
    scoped = {m for m in apps.get_models() if hasattr(m, "jurisdiction_field")}
    missing = sorted(m._meta.label for m in scoped - covered)
    assert not missing, f"models without a JurisdictionCases test class: {missing}"
