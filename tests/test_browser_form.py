"""The browser emulation of the round-trip tests sends what Chromium sends."""

from tests.browser_form import browser_submission

PAGE = """<form method="post" action="/i18n/setlang/"><select name="language"><option>zh</option></select></form>
<form method="post" id="f">
  <input type="date" name="a" value="2009/06/06"><input type="date" name="b" value="2009-06-06">
  <input type="datetime-local" name="t" value="2026-03-01 09:30"><input type="number" name="n" value="1,234">
  <input type="checkbox" name="c" value="x"><input type="checkbox" name="d" checked>
  <select name="e"><option value="1">one</option><option value="2">two</option></select>
  <select name="m" multiple><option value="1" selected>one</option><option value="2" selected>two</option></select>
  <select name="f" disabled><option value="1" selected>one</option></select>
  <textarea name="g">
first &amp; second
third</textarea><input name="h" value="keep" disabled><input type="file" name="doc">
  <button type="submit" name="submit">提交</button>
</form>"""


def test_the_browser_form_sends_what_chromium_sends():
    assert browser_submission(PAGE, "/orgs/x/") == {
        "a": [""],  # not YYYY-MM-DD: shown and sent empty
        "b": ["2009-06-06"],
        "t": [""],
        "n": [""],
        "d": ["on"],  # an unchecked box is not sent
        "e": ["1"],  # no option selected: the first one
        "m": ["1", "2"],
        "g": ["first & second\r\nthird"],  # no leading newline, CR LF line ends
    }  # disabled fields, the file input and the button (not clicked) are not sent


def test_a_form_is_chosen_by_id_and_the_clicked_button_is_sent():
    sent = browser_submission(PAGE, form_id="f", button="submit")
    assert sent["submit"] == [""] and "language" not in sent
