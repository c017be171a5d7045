"""What a browser sends back when a user submits a page's form without touching anything.

The test client posts whatever a test writes; a browser posts only what the rendered HTML
lets it: an `<input type="date">` whose value is not `YYYY-MM-DD` is shown empty and sent
empty (Chromium), an unchecked box is not sent, a select sends its selected option (or its
first one), a disabled field is not sent. Round-trip tests build their POST with this.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

VALID_VALUE = {
    "date": re.compile(r"^\d{4}-\d{2}-\d{2}$"),
    "datetime-local": re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$"),
    "month": re.compile(r"^\d{4}-\d{2}$"),
    "time": re.compile(r"^\d{2}:\d{2}(:\d{2})?$"),
    "number": re.compile(r"^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$"),
    "email": re.compile(r"^$|^[^@\s]+@[^@\s]+$"),
}
NOT_SENT = {"submit", "button", "reset", "image", "file"}


@dataclass
class _Select:
    name: str
    multiple: bool
    disabled: bool
    options: list[tuple[str, bool]] = field(default_factory=list)


@dataclass
class Form:
    method: str
    action: str
    id: str = ""
    fields: list[tuple[str, str]] = field(default_factory=list)
    names: set[str] = field(default_factory=set)

    def data(self, button: str | None = None) -> dict[str, list[str]]:
        """The POST body as the test client takes it; `button` is the name of the submit
        button clicked (a browser sends it, e.g. "submit" beside "save")."""
        out: dict[str, list[str]] = {}
        for name, value in self.fields:
            out.setdefault(name, []).append(value)
        if button:
            out.setdefault(button, []).append("")
        return out


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: _Select | None = None
        self._option: dict[str, Any] | None = None
        self._textarea: dict[str, Any] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self._form = Form(
                method=a.get("method", "get").lower(), action=a.get("action", ""), id=a.get("id", "")
            )
            self.forms.append(self._form)
            return
        if self._form is None:
            return
        name = a.get("name")
        if tag == "input" and name:
            self._form.names.add(name)
            kind = a.get("type", "text").lower()
            if kind in NOT_SENT or "disabled" in a:
                return
            value = a.get("value", "")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self._form.fields.append((name, value or "on"))
                return
            pattern = VALID_VALUE.get(kind)
            if pattern is not None and value and not pattern.match(value):
                value = ""  # the browser shows and sends an invalid value as empty
            self._form.fields.append((name, value))
        elif tag == "select" and name:
            self._form.names.add(name)
            self._select = _Select(name, "multiple" in a, "disabled" in a)
        elif tag == "option" and self._select is not None:
            self._option = {"value": a.get("value"), "selected": "selected" in a, "text": ""}
        elif tag == "textarea" and name:
            self._form.names.add(name)
            self._textarea = {"name": name, "disabled": "disabled" in a, "text": ""}

    def handle_data(self, data: str) -> None:
        if self._option is not None:
            self._option["text"] += data
        if self._textarea is not None:
            self._textarea["text"] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "option" and self._option is not None and self._select is not None:
            value = self._option["value"]
            if value is None:
                value = self._option["text"].strip()
            self._select.options.append((value, self._option["selected"]))
            self._option = None
        elif tag == "select" and self._select is not None and self._form is not None:
            select = self._select
            if not select.disabled:
                chosen = [v for v, selected in select.options if selected]
                if not select.multiple and not chosen and select.options:
                    chosen = [select.options[0][0]]
                if not select.multiple:
                    chosen = chosen[-1:]
                self._form.fields.extend((select.name, v) for v in chosen)
            self._select = None
        elif tag == "textarea" and self._textarea is not None and self._form is not None:
            if not self._textarea["disabled"]:
                # The HTML parser keeps the newline right after <textarea>; browsers drop it,
                # and send every line break as CR LF.
                text = self._textarea["text"]
                text = (text[1:] if text.startswith("\n") else text).replace("\r\n", "\n")
                self._form.fields.append((self._textarea["name"], text.replace("\n", "\r\n")))
            self._textarea = None
        elif tag == "form":
            self._form = None


def forms_of(html: str) -> list[Form]:
    parser = _FormParser()
    parser.feed(html)
    return parser.forms


def post_forms(html: str, path: str) -> list[Form]:
    """The POST forms of a page that submit to `path` itself (an empty action or the path)."""
    return [f for f in forms_of(html) if f.method == "post" and f.action in ("", path, ".")]


def browser_submission(
    html: str, path: str = "", *, form_id: str | None = None, button: str | None = None
) -> dict[str, list[str]]:
    """What a browser posts when a form of the page is submitted untouched: the form with
    `form_id`, or else the largest one posting to the page itself (not the language switch
    or the logout button of the navigation bar)."""
    if form_id is not None:
        chosen = [f for f in forms_of(html) if f.id == form_id]
        assert len(chosen) == 1, f"no single form with id {form_id!r} on the page"
        return chosen[0].data(button)
    forms = post_forms(html, path)
    assert forms, f"no form posting to {path or 'the page itself'} on the page"
    return max(forms, key=lambda f: len(f.names)).data(button)
