"""Phone spot checks (电话抽查): weighted, seeded draws; outcomes; confirmation rates."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from hubportal.access import NotChangeable, NotVisible
from reporting import services
from reporting.models import SpotCheckItem

from .conftest import GOOD, file_report


@pytest.fixture
def filed(clock, monthly_form, units, zhongshan, zhongshan_cadre):
    towns = sorted(
        (u for u in units.values() if u.parent_id == zhongshan.pk and u.level == "town"), key=lambda u: u.path
    )
    for index, town in enumerate(towns[:10]):
        # One town reports far more organizations than its siblings.
        contacted = "500" if index == 0 else str(10 + index % 3)
        file_report(
            zhongshan_cadre,
            monthly_form,
            town,
            date(2026, 2, 1),
            {**GOOD, "orgs_contacted": contacted},
            submit=True,
        )
    return towns


def draw(user, unit, seed, size=3):
    return services.draw_spot_check(
        user, unit.pk, date(2026, 2, 1), date(2026, 2, 28), size, seed=seed, metric_code="orgs_contacted"
    )


def test_same_seed_draws_the_same_sample(filed, zhongshan, zhongshan_cadre):
    first = sorted(draw(zhongshan_cadre, zhongshan, 42).items.values_list("object_id", flat=True))
    second = sorted(draw(zhongshan_cadre, zhongshan, 42).items.values_list("object_id", flat=True))
    assert first == second and len(first) == 3


def test_unusual_figures_are_weighted_up(filed, zhongshan, zhongshan_cadre):
    outlier = filed[0]
    hits = sum(
        draw(zhongshan_cadre, zhongshan, seed, size=1).items.get().unit_id == outlier.pk for seed in range(40)
    )
    # Uniform sampling would pick the outlier about 4 times in 40; weighted, about 10.
    assert hits >= 8
    item = draw(zhongshan_cadre, zhongshan, 1, size=10).items.get(unit=outlier)
    assert item.weight > 3


def test_outcomes_and_confirmation_rate(filed, zhongshan, zhongshan_cadre, guzhen_cadre):
    check = draw(zhongshan_cadre, zhongshan, 5, size=4)
    items = list(check.items.order_by("pk"))
    services.record_spot_check_outcome(zhongshan_cadre, items[0].pk, "confirmed")
    services.record_spot_check_outcome(zhongshan_cadre, items[1].pk, "false", "只联系了3家")
    with pytest.raises(ValidationError):
        services.record_spot_check_outcome(zhongshan_cadre, items[2].pk, "pending")
    rates = services.confirmation_rates(SpotCheckItem.objects.filter(spot_check=check))
    assert sum(r["checked"] for r in rates) == 2 and sum(r["confirmed"] for r in rates) == 1


def test_outsiders_cannot_draw_or_record(
    filed, zhongshan, zhongshan_cadre, foshan_cadre, guzhen_cadre, zhongshan_viewer
):
    for outsider in (foshan_cadre, guzhen_cadre):  # another city; a town below the city
        with pytest.raises(NotVisible):
            draw(outsider, zhongshan, 1)
    with pytest.raises(NotChangeable):
        draw(zhongshan_viewer, zhongshan, 1)  # sees the city, may not draw over it
    check = draw(zhongshan_cadre, zhongshan, 1)
    item = check.items.first()
    assert item is not None
    # 佛山 does not see 中山's call at all: 404, not a refusal naming it.
    with pytest.raises(NotVisible):
        services.record_spot_check_outcome(foshan_cadre, item.pk, "confirmed")
    assert SpotCheckItem.objects.get(pk=item.pk).outcome == "pending"


def test_spot_check_page_records_an_outcome(filed, client_for, zhongshan, zhongshan_cadre):
    client = client_for(zhongshan_cadre)
    response = client.post(
        "/reporting/spot-checks/new/",
        {
            "unit": zhongshan.pk,
            "period_start": "2026-02-01",
            "period_end": "2026-02-28",
            "sample_size": 3,
            "seed": 9,
            "source": "reports",
        },
    )
    assert response.status_code == 302
    item = SpotCheckItem.objects.first()
    assert item is not None
    outcome_url = f"/reporting/spot-checks/items/{item.pk}/outcome/"
    assert outcome_url in client.get(response["Location"]).content.decode()
    assert client.post(outcome_url, {"outcome": "not_reachable"}).status_code == 302
    assert SpotCheckItem.objects.get(pk=item.pk).outcome == "not_reachable"
    bad = client.post(
        "/reporting/spot-checks/new/",
        {
            "unit": zhongshan.pk,
            "title": "二月抽查",
            "period_start": "2026-03-01",
            "period_end": "2026-02-01",
            "sample_size": 3,
            "source": "reports",
        },
    )
    assert bad.status_code == 400 and SpotCheckItem.objects.values("spot_check").distinct().count() == 1
    assert bad.context["form"].errors["period_end"] and 'value="二月抽查"' in bad.content.decode()


def test_a_foshan_cadre_recording_a_zhongshan_call_on_the_page_gets_404(
    filed, client_for, zhongshan, zhongshan_cadre, foshan_cadre, zhongshan_viewer
):
    item = draw(zhongshan_cadre, zhongshan, 3).items.first()
    assert item is not None
    url = f"/reporting/spot-checks/items/{item.pk}/outcome/"
    assert client_for(foshan_cadre).post(url, {"outcome": "confirmed"}).status_code == 404
    assert client_for(zhongshan_viewer).post(url, {"outcome": "confirmed"}).status_code == 403
    assert SpotCheckItem.objects.get(pk=item.pk).outcome == "pending"


def test_registry_records_can_be_sampled(clock, units, zhongshan, zhongshan_cadre):
    from orgs.demo import seed_registry
    from orgs.models import LeagueBuilding

    seed_registry(units)
    check = services.draw_spot_check(
        zhongshan_cadre, zhongshan.pk, date(2000, 1, 1), date(2026, 12, 31), 5, seed=3, source="registry"
    )
    items = list(check.items.select_related("content_type"))
    assert items and {i.content_type.model for i in items} == {"leaguebuilding"}
    buildings = LeagueBuilding.objects.in_bulk([i.object_id for i in items])
    assert all(buildings[i.object_id].unit.path.startswith(zhongshan.path) for i in items)
    assert all(isinstance(i.record, LeagueBuilding) for i in items)
    with pytest.raises(ValidationError):
        services.draw_spot_check(
            zhongshan_cadre, zhongshan.pk, date(2026, 1, 1), date(2026, 2, 1), 5, source="gossip"
        )


def test_calls_are_assigned_to_a_cadre_who_can_see_them(
    filed, client_for, zhongshan, zhongshan_cadre, guzhen_cadre, foshan_cadre
):
    check = draw(zhongshan_cadre, zhongshan, 4, size=3)
    ids = list(check.items.values_list("pk", flat=True))
    with pytest.raises(ValidationError) as caught:
        services.assign_spot_check_items(
            zhongshan_cadre, check.pk, ids, foshan_cadre.pk
        )  # cannot see 中山's towns
    assert set(caught.value.message_dict) == {"assignee"}
    with pytest.raises(NotVisible):
        services.assign_spot_check_items(foshan_cadre, check.pk, ids, zhongshan_cadre.pk)
    response = client_for(zhongshan_cadre).post(
        f"/reporting/spot-checks/{check.pk}/assign/", {"assignee": zhongshan_cadre.pk, "items": ids}
    )
    assert response.status_code == 302
    assert set(SpotCheckItem.objects.filter(pk__in=ids).values_list("assigned_to", flat=True)) == {
        zhongshan_cadre.pk
    }
    from rest_framework.test import APIClient

    from tests.conftest import make_user

    item = SpotCheckItem.objects.select_related("unit").get(pk=ids[0])
    town_caller = make_user("town_caller", item.unit, role="viewer")
    api = APIClient()
    api.force_authenticate(zhongshan_cadre)
    response = api.post(
        f"/api/reporting/spot-checks/{check.pk}/assign/",
        {"assignee": town_caller.pk, "items": ids},
        format="json",
    )
    # The town's cadre cannot see the other towns' calls: nothing is assigned.
    assert response.status_code == 400 and set(response.json()) == {"assignee"}
    response = api.post(
        f"/api/reporting/spot-checks/{check.pk}/assign/",
        {"assignee": town_caller.pk, "items": ids[:1]},
        format="json",
    )
    assert response.status_code == 200
    assert SpotCheckItem.objects.get(pk=ids[0]).assigned_to == town_caller


def test_a_spot_check_exports_its_calls(filed, zhongshan, zhongshan_cadre, foshan_cadre, client_for):
    """The calls as Excel, with the outcome recorded on the page; outside the jurisdiction 404."""
    import io

    from openpyxl import load_workbook

    check = draw(zhongshan_cadre, zhongshan, seed=7)
    item = check.items.order_by("pk").first()
    services.record_spot_check_outcome(zhongshan_cadre, item.pk, "false", "电话核实，无此活动")
    client = client_for(zhongshan_cadre)
    page = client.get(f"/reporting/spot-checks/{check.pk}/").content.decode()
    assert f"/reporting/spot-checks/{check.pk}/xlsx/" in page
    response = client.get(f"/reporting/spot-checks/{check.pk}/xlsx/")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert check.title in sheet["A1"].value and sheet.freeze_panes == "A3"
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    assert len(rows) == check.items.count()
    marked = next(row for row in rows if row[2] == item.description)
    assert marked[5] == str(SpotCheckItem.Outcome.FALSE.label)
    assert marked[6] == "电话核实，无此活动"
    assert client_for(foshan_cadre).get(f"/reporting/spot-checks/{check.pk}/xlsx/").status_code == 404
