"""The phone check-in page in a real browser (the camera cannot be driven headless): a
typed code checks in, a second scan is reported and not counted, a wrong code is refused
with its reason; scans made while the phone is offline are kept in the browser and sent,
each reported, when it is back online."""

import pytest

from tests.orgs.factories import make_org
from tests.training.conftest import make_camp, make_member, sessions_of
from training import services
from training.models import Attendance, Enrolment

from .conftest import log_in, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def confirmed_camp(cadre, unit, people: int):
    camp = make_camp(cadre, unit, capacity=10)
    org = make_org(unit, "中山青年义工联")
    for i in range(people):
        services.enrol_member(cadre, camp.pk, make_member(org, f"学员{i}").pk)
    services.confirm_enrolments(cadre, camp.pk)
    return camp, list(Enrolment.objects.filter(camp=camp).select_related("trainee").order_by("pk"))


def type_code(page, code: str) -> None:
    page.fill("#code-input", code)
    page.press("#code-input", "Enter")


def test_a_typed_code_checks_in_and_a_second_scan_is_reported(phone_page, zhongshan_cadre, zhongshan):
    camp, people = confirmed_camp(zhongshan_cadre, zhongshan, 2)
    session = sessions_of(camp)[0]
    page = phone_page
    log_in(page, "zs_cadre")
    page.goto(f"/training/sessions/{session.pk}/check-in/")
    type_code(page, people[0].code_label.lower())
    page.wait_for_selector("#scan-log .scan-ok")
    assert "学员0" in page.inner_text("#scan-log .scan-ok")
    assert page.inner_text("#present-count") == "1"
    type_code(page, people[0].code_label)
    page.wait_for_selector("#scan-log .scan-already")
    assert "不重复计入" in page.inner_text("#scan-log .scan-already")
    type_code(page, "ABCD-EFGH")
    page.wait_for_selector("#scan-log .scan-refused")
    assert "未知签到码" in page.inner_text("#scan-log .scan-refused")
    assert Attendance.objects.filter(session=session).count() == 1


def test_scans_made_offline_are_kept_and_sent_when_back_online(phone_page, zhongshan_cadre, zhongshan):
    camp, people = confirmed_camp(zhongshan_cadre, zhongshan, 3)
    session = sessions_of(camp)[0]
    page = phone_page
    log_in(page, "zs_cadre")
    page.goto(f"/training/sessions/{session.pk}/check-in/")
    page.context.set_offline(True)
    wait_until(page, "!navigator.onLine")
    type_code(page, people[1].code_label)
    type_code(page, people[2].code_label)
    wait_until(page, "document.querySelectorAll('#scan-log .scan-kept').length === 2")
    assert page.get_attribute("#queue-line", "data-count") == "2"
    assert not page.locator("#network-state").is_hidden()
    assert Attendance.objects.count() == 0
    page.context.set_offline(False)
    wait_until(page, "document.querySelectorAll('#scan-log .scan-ok').length === 2")
    assert page.get_attribute("#queue-line", "data-count") == "0"
    reported = page.inner_text("#scan-log")
    assert "学员1" in reported and "学员2" in reported and "联网后补传" in reported
    assert set(Attendance.objects.values_list("enrolment_id", "method")) == {
        (people[1].pk, "offline"),
        (people[2].pk, "offline"),
    }
