"""Demo data (idempotent, every stage, the 5,000,000-yuan fund) and the public pages."""

from decimal import Decimal

import pytest
from django.urls import reverse

from incubation import demo
from incubation.models import FundMovement, IncubationBase, IncubationFund, Residency
from orgs import demo as orgs_demo
from orgs.models import Organization


@pytest.fixture
def demo_data(units):
    orgs_demo.seed_users(units)
    orgs_demo.seed_registry(units)
    demo.seed(units)
    return units


def test_demo_seed_is_idempotent_and_covers_every_stage(demo_data):
    counts = (IncubationBase.objects.count(), Residency.objects.count(), FundMovement.objects.count())
    demo.seed(demo_data)
    assert (IncubationBase.objects.count(), Residency.objects.count(), FundMovement.objects.count()) == counts
    assert set(Residency.objects.values_list("status", flat=True)) == set(Residency.Status.values)
    levels = set(IncubationBase.objects.values_list("unit__level", flat=True))
    assert {"province", "city", "town"} <= levels
    assert IncubationBase.objects.filter(base_type="network").exists()
    province_fund = IncubationFund.objects.with_totals().get(unit__code="440000")
    raised, computed = (getattr(province_fund, name) for name in ("raised", "computed_balance"))
    assert raised == Decimal("5000000.00")
    assert province_fund.balance == computed < raised
    assert province_fund.movements.filter(kind="granted").count() >= 4
    assert IncubationFund.objects.filter(unit__code="442000").exists()


def test_demo_seed_without_organizations_creates_no_residency(units):
    orgs_demo.seed_users(units)
    assert not Organization.objects.exists()
    demo.seed(units)
    assert IncubationBase.objects.count() >= 5 and not Residency.objects.exists()


def test_demo_pages_render(demo_data, client_for, django_user_model, client):
    admin = django_user_model.objects.get(username="gd_admin")
    cadre = client_for(admin)
    base = IncubationBase.objects.get(name="亲青家园·中山市青年社会组织孵化培育基地")
    fund = IncubationFund.objects.get(unit__code="440000")
    residency = Residency.objects.filter(status="incubating").first()
    assert residency is not None
    for url in [
        reverse("incubation:base_list"),
        reverse("incubation:base_detail", args=[base.pk]),
        reverse("incubation:base_checklist", args=[base.pk]),
        reverse("incubation:residency_list"),
        reverse("incubation:residency_detail", args=[residency.pk]),
        reverse("incubation:fund_list"),
        reverse("incubation:fund_detail", args=[fund.pk]),
        reverse("incubation:fund_grant", args=[fund.pk]),
        reverse("incubation:base_create"),
        reverse("incubation:residency_create"),
    ]:
        assert cadre.get(url).status_code == 200, url
    detail = cadre.get(reverse("incubation:base_detail", args=[base.pk])).content.decode()
    assert "echarts.min.js" in detail and "base-chart-data" in detail
    for url in [
        reverse("incubation:public_list"),
        reverse("incubation:public_map"),
        reverse("incubation:public_detail", args=[base.pk]),
    ]:
        assert client.get(url).status_code == 200, url


def test_public_list_shows_stars_and_unrated(demo_data, client):
    page = client.get(reverse("incubation:public_list"), {"q": "亲青家园"}).content.decode()
    assert "★★★★" in page and ("未评级" in page or "Not yet rated" in page)
    assert (
        client.get(reverse("incubation:public_list"), {"stars": "5"}).context["page_obj"].paginator.count == 1
    )


def test_public_pages_show_no_residencies_or_money(demo_data, client):
    base = IncubationBase.objects.get(name="亲青家园·中山市青年社会组织孵化培育基地")
    page = client.get(reverse("incubation:public_detail", args=[base.pk])).content.decode()
    resident = Residency.objects.filter(base=base, status="incubating").select_related("organization").first()
    assert resident is not None and resident.organization.name not in page and "300,000" not in page


def test_map_works_offline_from_local_files(demo_data, client):
    page = client.get(reverse("incubation:public_map"))
    body = page.content.decode()
    assert "http://" not in body.replace("http://testserver", "") and "https://" not in body
    assert "/static/incubation/guangdong.json" in body and "/static/vendor/echarts/echarts.min.js" in body
    bases = page.context["bases"]
    assert {b["name"] for b in bases} >= {"广东青年社会组织孵化中心", "古镇镇亲青家园"}
    assert all(109 < b["value"][0] < 118 and 20 < b["value"][1] < 26 for b in bases)
    assert "中山市网络亲青家园" not in {b["name"] for b in bases}  # no coordinates


def test_representative_applies_from_the_public_page(demo_data, client_for, django_user_model):
    rep = django_user_model.objects.get(username="org_rep")
    org = Organization.objects.filter(representatives=rep, status="listed").first()
    assert org is not None
    base = IncubationBase.objects.get(name="古镇镇亲青家园")
    client = client_for(rep)
    detail = client.get(reverse("incubation:public_detail", args=[base.pk]))
    assert detail.context["can_apply"]
    assert reverse("incubation:public_apply", args=[base.pk]) in detail.content.decode()
    response = client.post(
        reverse("incubation:public_apply", args=[base.pk]), {"organization": org.pk, "note": "需要场地"}
    )
    assert response.status_code == 302
    assert Residency.objects.get(base=base, organization=org).status == "applied"
    again = client.post(reverse("incubation:public_apply", args=[base.pk]), {"organization": org.pk})
    assert again.status_code == 400 and Residency.objects.filter(base=base, organization=org).count() == 1


def test_public_apply_needs_a_representative(demo_data, client_for, client, django_user_model):
    base = IncubationBase.objects.get(name="古镇镇亲青家园")
    assert client.get(reverse("incubation:public_apply", args=[base.pk])).status_code == 302  # to the login
    cadre = client_for(django_user_model.objects.get(username="zs_cadre"))
    assert cadre.get(reverse("incubation:public_apply", args=[base.pk])).status_code == 403
    assert not client.get(reverse("incubation:public_detail", args=[base.pk])).context["can_apply"]
