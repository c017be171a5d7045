"""Star ratings in a real browser: an assessor scores on a tablet one indicator at a time,
each score saved as it is typed (HTMX), then submits; a member of the public objects to a
result on a phone."""

import pytest

from evaluation import services
from evaluation.models import Assignment, Objection, Score
from tests.evaluation.factories import add_to_pool, make_round, make_system, self_assess
from tests.incubation.conftest import make_base

from .conftest import log_in, wait_until, watched

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def tablet_page(browser, live_server):
    context = browser.new_context(
        locale="zh-CN", base_url=live_server.url, viewport={"width": 1024, "height": 768}, has_touch=True
    )
    page, refused = watched(context)
    yield page
    context.close()
    assert refused == [], "the CSP refused: " + "; ".join(refused)


@pytest.fixture
def assignment(province_admin, province, zhongshan_cadre, zhongshan, assessor):
    system = make_system(province_admin, province, "base")
    round_obj = make_round(zhongshan_cadre, zhongshan, system, panel_size=1)
    subject = services.enter_subject(zhongshan_cadre, round_obj.pk, make_base(zhongshan, "中山市亲青家园").pk)
    self_assess(zhongshan_cadre, subject)
    services.start_scoring(zhongshan_cadre, round_obj.pk)
    add_to_pool(province_admin, province, assessor)
    return services.assign_assessor(zhongshan_cadre, subject.pk, assessor.pk)


def test_an_assessor_scores_on_a_tablet_saving_as_they_go(tablet_page, assignment):
    page = tablet_page
    log_in(page, "assessor")
    page.goto("/evaluation/my/")
    page.get_by_text("中山市亲青家园").click()
    page.wait_for_load_state("networkidle")
    assert "A1 办公场地" in page.locator("#indicator-card").inner_text()
    for expected_code, points in (("A1", "8"), ("A2", "9.5"), ("B1", "12"), ("B2", "4")):
        assert expected_code in page.locator("#indicator-card h2").inner_text()
        page.fill("#id_points", points)
        page.locator("#id_points").dispatch_event("change")
        wait_until(page, "document.querySelector('#save-status').innerText.includes('保存')")
        with page.expect_navigation():
            page.click("#next-button")
    assert sorted(Score.objects.filter(assignment=assignment).values_list("indicator__code", "points")) == [
        ("A1", 8),
        ("A2", 9.5),
        ("B1", 12),
        ("B2", 4),
    ]
    # every indicator scored: the nav shows them done and the submit button is enabled
    assert page.locator("#indicator-nav .btn-outline-success, #indicator-nav .btn-danger").count() == 4
    with page.expect_navigation():
        page.click("#submit-scores")
    assert Assignment.objects.get(pk=assignment.pk).status == "submitted"
    assert "您的评分已提交" in page.content()


def test_a_quick_pick_button_saves_the_points(tablet_page, assignment):
    page = tablet_page
    log_in(page, "assessor")
    page.goto(f"/evaluation/my/{assignment.pk}/?step=3")  # B2, at most 5 points: quick picks 0–5
    page.locator(".quick-point[data-points='3']").click()
    wait_until(page, "document.querySelector('#save-status').innerText.includes('保存')")
    assert Score.objects.get(assignment=assignment).points == 3


def test_the_public_objects_to_a_result_on_a_phone(phone_page, assignment, zhongshan_cadre):
    from tests.evaluation.factories import score

    score(assignment.assessor, assignment, 0.8)
    round_id = assignment.subject.round_id
    services.aggregate_results(zhongshan_cadre, round_id)
    services.publish_results(zhongshan_cadre, round_id)
    page = phone_page
    page.goto(f"/evaluation/notices/{round_id}/")
    assert "中山市亲青家园" in page.locator("#notice-cards").inner_text()
    with page.expect_navigation():
        page.get_by_role("link", name="提出异议").click()
    page.fill("input[name=contact]", "13800138000")
    page.fill("textarea[name=reason]", "该基地全年活动记录不全，请核实。")
    with page.expect_navigation():
        page.get_by_role("button", name="提交异议").click()
    assert "您的异议已记录" in page.content()
    assert Objection.objects.get().reason == "该基地全年活动记录不全，请核实。"


def test_a_score_above_the_maximum_shows_the_refusal_as_it_is_typed(tablet_page, assignment):
    # htmx does not swap an error answer (422) by default: the page must still show why
    page = tablet_page
    log_in(page, "assessor")
    page.goto(f"/evaluation/my/{assignment.pk}/?step=0")  # A1, at most 10 points
    page.fill("#id_points", "11")
    page.locator("#id_points").dispatch_event("change")
    wait_until(page, "document.querySelector('#save-status [role=alert]') !== null")
    assert "最多可给 10 分" in page.locator("#save-status").inner_text()
    assert not Score.objects.filter(assignment=assignment).exists()
    page.fill("#id_points", "7")
    page.locator("#id_points").dispatch_event("change")
    wait_until(page, "document.querySelector('#save-status').innerText.includes('保存')")
    assert Score.objects.get(assignment=assignment).points == 7
