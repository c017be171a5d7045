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


def test_an_organizations_page_links_to_its_records_in_other_apps(client_for, zhongshan_cadre, zhongshan):
    from django.urls import reverse

    from tests.orgs.factories import make_org

    org = make_org(zhongshan, "中山市青年读书会")
    html = client_for(zhongshan_cadre).get(org.get_absolute_url()).content.decode()
    assert reverse("training:organization_training", args=[org.pk]) in html
