"""Catalog helper for bin/i18n: fills English msgstr from msgid, reports what zh_Hans lacks.

Usage: po_tool.py fill-en | missing | apply FILE.json
`apply` takes a JSON object {msgid: translation} (for plurals: a list of forms) and writes
it into every zh_Hans catalog that has that msgid untranslated; `apply FILE.json --force`
also replaces existing translations (one app's wording must not silently change another's).
"""

import json
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
SKIP = {".venv", "node_modules", "staticfiles"}


def catalogs(lang: str):
    for path in sorted(ROOT.glob(f"**/locale/{lang}/LC_MESSAGES/*.po")):
        if not SKIP & set(path.relative_to(ROOT).parts):
            yield path, polib.pofile(str(path), wrapwidth=0)


def fill_en() -> None:
    for path, po in catalogs("en"):
        for entry in po:
            if entry.msgid_plural:
                entry.msgstr_plural = {0: entry.msgid, 1: entry.msgid_plural}
            else:
                entry.msgstr = entry.msgid
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
        po.save(str(path))


def missing() -> int:
    count = 0
    for path, po in catalogs("zh_Hans"):
        for entry in po.untranslated_entries() + po.fuzzy_entries():
            count += 1
            print(f"{path.relative_to(ROOT)}\t{entry.msgid!r}" + (f"\t{entry.msgid_plural!r}" if entry.msgid_plural else ""))
    return count


def apply(file: str, force: bool = False) -> None:
    translations = json.loads(Path(file).read_text(encoding="utf-8"))
    for path, po in catalogs("zh_Hans"):
        for entry in po:
            value = translations.get(entry.msgid)
            if value is None or (entry.translated() and "fuzzy" not in entry.flags and not force):
                continue
            if entry.msgid_plural:
                forms = value if isinstance(value, list) else [value]
                entry.msgstr_plural = {0: forms[0]}
            else:
                entry.msgstr = value
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
        po.save(str(path))


if __name__ == "__main__":
    command = sys.argv[1]
    if command == "fill-en":
        fill_en()
    elif command == "missing":
        sys.exit(1 if missing() else 0)
    elif command == "apply":
        apply(sys.argv[2], force="--force" in sys.argv[3:])
