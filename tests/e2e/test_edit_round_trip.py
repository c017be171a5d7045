"""In a real browser, saving an organization's edit page untouched keeps its dates, in
Chinese and in English (Chromium drops a date input's value that is not YYYY-MM-DD)."""

import datetime

import pytest

from tests.orgs.factories import make_org

from .conftest import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_dates_survive_an_untouched_save_in_the_browser(page, zhongshan, zhongshan_cadre, language):
    org = make_org(
        zhongshan,
        "中山市日期测试社",
        registration_status="non_enterprise",
        founded_on=datetime.date(2009, 6, 6),
        registered_on=datetime.date(2012, 3, 15),
    )
    log_in(page, "zs_cadre")
    if language == "en":
        with page.expect_navigation():
            page.select_option("select[name=language]", "en")
    page.goto(f"/orgs/organizations/{org.pk}/edit/")
    # What the browser itself holds in the inputs, not what the HTML said.
    assert page.input_value("input[name=founded_on]") == "2009-06-06"
    assert page.input_value("input[name=registered_on]") == "2012-03-15"
    page.fill("input[name=contact_person]", "王小明")
    with page.expect_navigation():
        page.locator("form[method=post] button[type=submit]").last.click()
    org.refresh_from_db()
    assert org.contact_person == "王小明"
    assert (org.founded_on, org.registered_on) == (datetime.date(2009, 6, 6), datetime.date(2012, 3, 15))
