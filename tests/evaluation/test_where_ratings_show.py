"""Where ratings show: a base's and an organization's pages (cadre and public) with their
current stars and history, expired ratings shown as expired; the organization list and API
filter by the stars in force; final ratings feed the base list's stars (`BaseRating`)."""

from __future__ import annotations

import datetime

from django.urls import reverse

from evaluation.models import Rating
from tests.orgs.factories import make_org

from . import records


def rate_organization(org, stars: int, *, expired: bool = False) -> Rating:
    subject = records.subject_of(org.governing_unit)
    subject.base = None
    subject.organization = org
    subject.save()
    start = datetime.date(2020, 1, 1) if expired else records.today()
    return Rating.objects.create(
        subject=subject,
        round=subject.round,
        subject_type="organization",
        organization=org,
        year=start.year,
        stars=stars,
        total=stars * 200,
        grade_style="a_grade",
        valid_from=start,
        valid_until=start + datetime.timedelta(days=365),
    )


def test_an_organizations_pages_show_its_stars_and_history(client, client_for, zhongshan_cadre, zhongshan):
    org = make_org(zhongshan, "石岐青年读书会")
    rate_organization(org, 2, expired=True)
    rate_organization(org, 4)
    cadre = client_for(zhongshan_cadre).get(f"/orgs/organizations/{org.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    page = cadre.content.decode()
    assert "4A" in page and "2A" in page and "Expired" in page and "In force" in page
    public = client.get(f"/directory/{org.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "4A" in public and "Expired" in public


def test_a_bases_pages_show_its_rating_history(client, client_for, zhongshan_cadre, zhongshan):
    rating = records.rating_of(zhongshan)
    records.certificate_of(zhongshan)
    cadre = client_for(zhongshan_cadre).get(f"/incubation/bases/{rating.base_id}/", HTTP_ACCEPT_LANGUAGE="en")
    assert "★★★★" in cadre.content.decode() and "In force" in cadre.content.decode()
    public = client.get(f"/incubation/public/{rating.base_id}/").content.decode()
    assert rating.round.name in public


def test_the_organization_list_and_api_filter_by_the_stars_in_force(client_for, province_admin, zhongshan):
    four, expired, unrated = (make_org(zhongshan, name) for name in ("四星组织", "过期组织", "未评组织"))
    rate_organization(four, 4)
    rate_organization(expired, 4, expired=True)
    client = client_for(province_admin)

    def listed(**params):
        page = client.get("/orgs/organizations/", params)
        return {o.name for o in page.context["object_list"]}

    assert listed(stars="4") == {"四星组织"}
    unrated_now = listed(stars="0")
    assert {"过期组织", "未评组织"} <= unrated_now and "四星组织" not in unrated_now
    api = client.get("/api/orgs/organizations/", {"stars": "4"}).json()
    assert [row["name"] for row in api["results"]] == ["四星组织"]


def test_a_rounds_thresholds_are_shown_in_its_own_grades(client_for, zhongshan_cadre, zhongshan):
    stars = records.round_of(zhongshan)
    graded = records.round_of(zhongshan)
    graded.system.grade_style = "a_grade"
    graded.system.save()
    client = client_for(zhongshan_cadre)
    for url in ("evaluation:round_detail", "evaluation:round_results"):
        page = client.get(reverse(url, args=[graded.pk])).content.decode()
        assert ">1A</span> ≥ 2" in page and ">5A</span> ≥ 10" in page and "★</span> ≥" not in page, url
        page = client.get(reverse(url, args=[stars.pk])).content.decode()
        assert ">1★</span> ≥ 2" in page and ">5★</span> ≥ 10" in page and "A</span> ≥" not in page, url
    english = client.get(reverse("evaluation:round_detail", args=[graded.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert "Grade thresholds" in english.content.decode()
    assert "等级分数线" in client.get(reverse("evaluation:round_detail", args=[graded.pk])).content.decode()
