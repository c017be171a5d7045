"""Every marked string has a Chinese translation, and the catalogs compile."""

import shutil
import subprocess
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parents[2]
IGNORED = shutil.ignore_patterns(
    ".venv",
    "node_modules",
    "staticfiles",
    ".git",
    "*.mo",
    "__pycache__",
    "media",
    ".pytest_cache",
    ".mypy_cache",
    ".ruff_cache",
    ".run",
)


def test_every_marked_string_is_translated_to_chinese(tmp_path):
    # Regenerate the catalogs from the current source in a copy, so a string marked but
    # never added to a .po file is caught too.
    copy = tmp_path / "src"
    shutil.copytree(ROOT, copy, ignore=IGNORED)
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "makemessages",
            "-l",
            "zh_Hans",
            "--no-location",
            "-v0",
            "--ignore=tests",
            "--ignore=bench",
        ],
        cwd=copy,
        check=True,
    )
    missing = []
    for path in copy.glob("**/locale/zh_Hans/LC_MESSAGES/django.po"):
        po = polib.pofile(str(path))
        missing += [
            f"{path.relative_to(copy)}: {e.msgid!r}" for e in po.untranslated_entries() + po.fuzzy_entries()
        ]
    assert not missing, "Untranslated strings (run bin/i18n, then translate):\n" + "\n".join(missing)


def test_pages_default_to_chinese_and_switch_to_english(client):
    assert "亲青汇门户" in client.get("/").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert "Qinqinghui Hub Portal" in client.get("/").content.decode()


def test_app_roots_lead_to_their_main_pages(client_for, zhongshan_cadre):
    client = client_for(zhongshan_cadre)
    for root in ("/orgs/", "/incubation/", "/reporting/"):
        response = client.get(root, follow=True)
        assert response.status_code == 200, root


def test_cadres_find_the_public_pages_in_one_menu(client_for, zhongshan_cadre, client):
    page = client_for(zhongshan_cadre).get("/").content.decode()
    assert "公开页面" in page and 'href="/directory/"' in page
    public = client.get("/").content.decode()
    assert "公开页面" not in public and 'href="/directory/"' in public
