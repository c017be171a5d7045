"""A stale edit page never overwrites a colleague's save (optimistic locking, issue 8).

Editor A opens an edit page; colleague B opens the same page, changes one field and saves;
A then saves the page as opened. A's save is refused with the message in A's language
(400), and B's change stays: nothing of A's copy is stored. Before that, a save of the page
without a change leaves the version as it was (it would otherwise refuse every colleague
who opened the page before it). The pages are those of `tests/<app>/round_trip_cases.py`,
each with the field B changes; a versioned page without an entry here fails
`test_an_edit_page_without_a_stale_version_case_carries_no_version`.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser_form import browser_submission
from tests.personas import Ctx
from tests.round_trip import all_cases

# The field colleague B changes on each page: its name, or the prefix of the first such field
# of a page that edits a set of rows (a base's checklist notes, a subject's statements).
CHANGED_FIELD = {
    "cards:holder_edit": "name",
    "cobuilding:chair_term_edit": "note",
    "cobuilding:funding_edit": "note",
    "cobuilding:meeting_edit": "decisions",
    "evaluation:indicator_edit": "guide",
    "evaluation:subject_self_assessment": "statement_",
    "incubation:base_checklist": "note_",
    "orgs:backbone_edit": "role",
    "orgs:contact_log_edit": "note",
    "orgs:direct_contact_edit": "note",
    "orgs:league_building_edit": "branch_name",
    "orgs:unit_edit": "name",
    "training:session_edit": "place",
    # Pages versioned before issue 8's audit: the same net.
    "cobuilding:committee_edit": "secretariat_address",
    "cobuilding:member_unit_edit": "league_organization",
    "cobuilding:venue_edit": "address",
    "incubation:base_edit": "address",
    "incubation:fund_edit": "name",
    "orgs:organization_edit": "address",
    "training:camp_edit": "address",
    "training:trainer_edit": "bio",
    "cobuilding:activity_edit": "description",
    "cobuilding:person_edit": "position",
    "cobuilding:work_plan_edit": "content",
    "evaluation:expert_edit": "employer",
    "evaluation:project_edit": "funder",
    "evaluation:round_edit": "description",
    "evaluation:system_edit": "description",
    "reporting:report_edit": "narrative",
    "orgs_public:my_organization_edit": "contact-address",
}
STALE = {"zh-hans": "本次未保存任何内容", "en": "Nothing was saved"}
CASES = all_cases()


def _field(body: dict[str, list[str]], url_name: str) -> str:
    wanted = CHANGED_FIELD[url_name]
    if wanted.endswith("_"):
        return next(key for key in sorted(body) if key.startswith(wanted))
    return wanted


def _open(client: Any, url: str, language: str) -> dict[str, list[str]]:
    shown = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
    assert shown.status_code == 200, shown.status_code
    return browser_submission(shown.content.decode(), url)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("url_name", sorted(CHANGED_FIELD))
def test_a_stale_page_is_refused_and_keeps_the_colleagues_save(
    url_name, language, request, client_for, units
):
    page = CASES[url_name](Ctx(request))
    client = client_for(page.user)
    client.cookies["django_language"] = language

    # Saved without a change: the version stays, so the copy opened before is still current.
    mine = _open(client, page.url, language)
    assert mine.get("version"), "the page carries no version"
    untouched = client.post(page.url, mine, HTTP_ACCEPT_LANGUAGE=language)
    assert untouched.status_code == 302, untouched.status_code
    assert _open(client, page.url, language)["version"] == mine["version"]

    # The colleague's save moves the version on.
    theirs = _open(client, page.url, language)
    name = _field(theirs, url_name)
    theirs[name] = [(theirs[name][0] if theirs.get(name) else "") + "（同事改过）"]
    saved = client.post(page.url, theirs, HTTP_ACCEPT_LANGUAGE=language)
    assert saved.status_code == 302, saved.context["form"].errors if saved.context else saved.status_code
    after_theirs = page.snapshot()
    assert _open(client, page.url, language)["version"] != mine["version"]

    # The page opened before that save: refused with the message, nothing of it stored.
    mine[name] = ["我的旧副本"]
    refused = client.post(page.url, mine, HTTP_ACCEPT_LANGUAGE=language)
    assert refused.status_code == 400, refused.status_code
    assert STALE[language] in refused.content.decode()
    assert page.snapshot() == after_theirs


def test_every_edit_page_has_a_stale_version_case():
    """Every edit page carries the version it was opened on and is tested here: a new edit page
    without one would let a stale copy overwrite a colleague's save (add it to CHANGED_FIELD)."""
    missing = sorted(set(CASES) - set(CHANGED_FIELD))
    assert not missing, f"edit pages without a stale-version case: {missing}"
    assert CASES, "the round-trip cases found no edit page at all"
