"""Apps plug their demo and scale data in by module; a broken module is an error."""

import sys
import types

import pytest
from django.apps import apps

from hubportal.registry import app_modules


def test_every_app_with_a_demo_module_is_found_in_app_order():
    names = [m.__name__ for m in app_modules("demo")]
    assert names.index("orgs.demo") < names.index("incubation.demo")
    assert "hubportal.demo" not in names  # no such module: skipped


def test_an_import_error_inside_a_demo_module_is_not_swallowed(tmp_path, monkeypatch):
    package = tmp_path / "brokenapp"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "demo.py").write_text("import module_that_is_not_installed  # noqa\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    config = types.SimpleNamespace(name="brokenapp")
    monkeypatch.setattr(apps, "get_app_configs", lambda: [config])
    with pytest.raises(ModuleNotFoundError, match="module_that_is_not_installed"):
        app_modules("demo")
    sys.modules.pop("brokenapp", None)
