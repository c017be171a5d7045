"""The registry API: filters, jurisdiction, writes through the services, masking, query budget."""

import pytest
from rest_framework.test import APIClient

from orgs.models import BackboneMember, ContactLog, DirectContact, LeagueBuilding, Organization

from .factories import credit_code, id_number, make_org

pytestmark = pytest.mark.django_db

ORGS = "/api/orgs/organizations/"


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def registry(zhongshan, guzhen, foshan):
    return {
        "yigong": make_org(zhongshan, "中山青年义工联", youth_covered=1500),
        "dengshi": make_org(guzhen, "古镇灯饰青年商会"),
        "foshan": make_org(foshan, "佛山青年志愿者协会"),
    }


def names(response) -> set[str]:
    return {row["name"] for row in response.json()["results"]}


def test_list_scoped_and_filtered(registry, zhongshan_cadre, foshan_cadre, guzhen_cadre, guzhen):
    assert names(api_for(zhongshan_cadre).get(ORGS)) == {"中山青年义工联", "古镇灯饰青年商会"}
    assert names(api_for(foshan_cadre).get(ORGS)) == {"佛山青年志愿者协会"}
    assert names(api_for(guzhen_cadre).get(ORGS)) == {"古镇灯饰青年商会"}
    client = api_for(zhongshan_cadre)
    assert names(client.get(ORGS, {"q": "zsqn"})) == {"中山青年义工联"}
    assert names(client.get(ORGS, {"backbone": "true"})) == {"中山青年义工联"}
    assert names(client.get(ORGS, {"subtree": guzhen.pk})) == {"古镇灯饰青年商会"}
    assert api_for(foshan_cadre).get(f"{ORGS}{registry['yigong'].pk}/").status_code == 404


def test_create_update_with_version(zhongshan_cadre, guzhen, foshan):
    client = api_for(zhongshan_cadre)
    body = {
        "name": "中山市青年创业协会",
        "tier": "N",
        "kind": "social_enterprise",
        "category": "employment",
        "governing_unit": guzhen.pk,
        "registration_status": "social_group",
        "credit_code": credit_code(),
    }
    created = client.post(ORGS, body, format="json")
    assert created.status_code == 201, created.json()
    org_id = created.json()["id"]
    assert created.json()["status"] == "listed" and created.json()["version"] == 1
    assert (
        client.patch(f"{ORGS}{org_id}/", {"youth_covered": 50}, format="json").status_code == 400
    )  # no version
    assert (
        client.patch(f"{ORGS}{org_id}/", {"youth_covered": 50, "version": 1}, format="json").status_code
        == 200
    )
    stale = client.patch(f"{ORGS}{org_id}/", {"youth_covered": 60, "version": 1}, format="json")
    assert stale.status_code == 409 and "version" in stale.json()
    outside = client.post(
        ORGS,
        {**body, "name": "别处", "credit_code": credit_code(), "governing_unit": foshan.pk},
        format="json",
    )
    assert outside.status_code == 400 and "governing_unit" in outside.json()


def test_bad_body_gives_field_messages(zhongshan_cadre, guzhen):
    client = api_for(zhongshan_cadre)
    response = client.post(
        ORGS,
        {
            "name": "",
            "tier": "X",
            "category": "interest",
            "governing_unit": guzhen.pk,
            "credit_code": "123",
            "service_fields": ["nope"],
        },
        format="json",
    )
    assert response.status_code == 400
    assert {"name", "tier", "credit_code", "service_fields"} <= set(response.json())
    missing_kind = client.post(
        ORGS,
        {"name": "某组织", "tier": "N", "category": "interest", "governing_unit": guzhen.pk},
        format="json",
    )
    assert missing_kind.status_code == 400 and "kind" in missing_kind.json()
    assert not Organization.objects.exists()


def test_status_action(registry, guzhen_cadre, zhongshan_cadre):
    org = registry["yigong"]
    assert (
        api_for(guzhen_cadre).post(f"{ORGS}{org.pk}/status/", {"to": "suspended", "reason": "x"}).status_code
        == 404
    )
    bad = api_for(zhongshan_cadre).post(f"{ORGS}{org.pk}/status/", {"to": "pending"})
    assert bad.status_code == 400
    ok = api_for(zhongshan_cadre).post(f"{ORGS}{org.pk}/status/", {"to": "suspended", "reason": "停止活动"})
    assert ok.status_code == 200 and ok.json()["status"] == "suspended"


def test_viewer_cannot_write(registry, zhongshan_viewer):
    org = registry["yigong"]
    response = api_for(zhongshan_viewer).patch(
        f"{ORGS}{org.pk}/", {"youth_covered": 1, "version": 1}, format="json"
    )
    assert response.status_code == 403


def test_backbone_members_full_for_editors_masked_for_viewers(
    registry, zhongshan_cadre, zhongshan_viewer, foshan_cadre
):
    org = registry["dengshi"]
    client = api_for(zhongshan_cadre)
    created = client.post(
        "/api/orgs/backbone-members/",
        {
            "organization": org.pk,
            "name": "王小明",
            "gender": "male",
            "phone": "13812345678",
            "id_number": id_number(),
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    row = client.get("/api/orgs/backbone-members/").json()["results"][0]
    assert row["phone"] == "13812345678" and "*" not in row["id_number"] and row["birth_date"]
    one = client.get(f"/api/orgs/backbone-members/{row['id']}/").json()
    assert one["phone"] == "13812345678"
    viewer = api_for(zhongshan_viewer)
    for seen in (
        viewer.get("/api/orgs/backbone-members/").json()["results"][0],
        viewer.get(f"/api/orgs/backbone-members/{row['id']}/").json(),
    ):
        # Masked, and never beside the birth date (which would give the ID number away).
        assert seen["phone"] == "138****5678" and "*" in seen["id_number"] and seen["birth_date"] is None
    assert api_for(foshan_cadre).get(f"/api/orgs/backbone-members/{row['id']}/").status_code == 404
    bad = client.post(
        "/api/orgs/backbone-members/",
        {"organization": org.pk, "name": "李四", "gender": "female", "id_number": "110105194912310021"},
        format="json",
    )
    assert bad.status_code == 400 and "id_number" in bad.json()
    outside = api_for(foshan_cadre).post(
        "/api/orgs/backbone-members/",
        {"organization": org.pk, "name": "李四", "gender": "female"},
        format="json",
    )
    assert outside.status_code == 400 and "organization" in outside.json()
    assert BackboneMember.objects.count() == 1


def test_league_building_contact_log_direct_contacts(
    registry, guzhen_cadre, zhongshan_cadre, guzhen, zhongshan
):
    org = registry["dengshi"]
    client = api_for(guzhen_cadre)
    bad = client.post(
        "/api/orgs/league-building/",
        {
            "lead_organization": org.pk,
            "organizations": [org.pk],
            "branch_name": "联合团支部",
            "mode": "embedded",
            "form": "joint",
            "founded_on": "2026-01-01",
        },
        format="json",
    )
    assert bad.status_code == 400 and "organizations" in bad.json()
    ok = client.post(
        "/api/orgs/league-building/",
        {
            "lead_organization": org.pk,
            "branch_name": "团支部",
            "mode": "embedded",
            "form": "independent",
            "founded_on": "2026-01-01",
        },
        format="json",
    )
    assert ok.status_code == 201 and ok.json()["unit"] == guzhen.pk
    log = client.post(
        "/api/orgs/contact-log/",
        {"organization": org.pk, "date": "2026-02-01", "kind": "visit", "days": "1.5"},
        format="json",
    )
    assert log.status_code == 201 and log.json()["unit"] == guzhen.pk
    contact = client.post(
        "/api/orgs/direct-contacts/",
        {"unit": zhongshan.pk, "organization": org.pk, "since": "2026-01-01"},
        format="json",
    )
    assert contact.status_code == 400 and "unit" in contact.json()  # a town cadre cannot speak for the city
    contact = api_for(zhongshan_cadre).post(
        "/api/orgs/direct-contacts/",
        {"unit": zhongshan.pk, "organization": org.pk, "since": "2026-01-01"},
        format="json",
    )
    assert contact.status_code == 201
    assert (
        LeagueBuilding.objects.count() == 1
        and ContactLog.objects.count() == 1
        and DirectContact.objects.count() == 1
    )
    # the town cadre cannot see the city's own direct-contact list
    assert api_for(guzhen_cadre).get("/api/orgs/direct-contacts/").json()["count"] == 0


@pytest.mark.parametrize(
    ("url", "budget"),
    [
        # each: + the change stamp (hubportal.pagecache)
        # memberships, count, page (with governing unit)
        (ORGS, 4),
        # memberships, count, page
        ("/api/orgs/backbone-members/", 4),
        # memberships, count, page, organizations of the page (prefetch)
        ("/api/orgs/league-building/", 5),
        # memberships, count, page (with cadre)
        ("/api/orgs/contact-log/", 4),
        # memberships, count, page (with unit)
        ("/api/orgs/direct-contacts/", 4),
    ],
)
def test_api_query_count_is_constant(url, budget, province_admin, zhongshan, django_assert_max_num_queries):
    orgs = [make_org(zhongshan, f"青年组织{i:03d}") for i in range(60)]
    for i, org in enumerate(orgs):
        BackboneMember.objects.create(organization=org, name=f"骨干{i}", gender="female")
        DirectContact.objects.create(unit=zhongshan, organization=org, since="2026-01-01")
        ContactLog.objects.create(
            organization=org, cadre=province_admin, unit=zhongshan, date="2026-01-02", days=1
        )
        LeagueBuilding.objects.create(
            unit=zhongshan,
            lead_organization=org,
            mode="hub",
            form="independent",
            branch_name="团支部",
            founded_on="2026-01-01",
        ).organizations.set([org])
    client = api_for(province_admin)
    with django_assert_max_num_queries(budget):
        small = client.get(url, {"page_size": 5})
    with django_assert_max_num_queries(budget):
        large = client.get(url, {"page_size": 500})
    assert len(small.json()["results"]) == 5 and len(large.json()["results"]) == 60


def test_foreign_or_missing_organizations_in_a_body_get_one_message(registry, foshan_cadre, zhongshan_cadre):
    """A body naming another city's organization is answered exactly like one naming an
    organization that does not exist: 400 on the field, no id, no name."""
    org = registry["dengshi"]
    client = api_for(foshan_cadre)
    answers: dict[str, set[str]] = {}
    for label, pk in (("foreign", org.pk), ("missing", 99_999_999), ("garbled", "abc")):
        for url, body in (
            ("/api/orgs/backbone-members/", {"organization": pk, "name": "李四", "gender": "female"}),
            (
                "/api/orgs/contact-log/",
                {"organization": pk, "date": "2026-02-01", "kind": "visit", "days": "1"},
            ),
            (
                "/api/orgs/league-building/",
                {
                    "lead_organization": pk,
                    "branch_name": "团支部",
                    "mode": "embedded",
                    "form": "independent",
                    "founded_on": "2026-01-01",
                },
            ),
        ):
            response = client.post(url, body, format="json")
            assert response.status_code == 400, (label, url)
            text = str(response.json())
            assert str(org.pk) not in text and org.name not in text
            answers.setdefault(url, set()).add(text)
    assert all(len(texts) == 1 for texts in answers.values()), answers
    joint = api_for(zhongshan_cadre).post(
        "/api/orgs/league-building/",
        {
            "lead_organization": org.pk,
            "organizations": [org.pk, registry["foshan"].pk],
            "branch_name": "联合团支部",
            "mode": "embedded",
            "form": "joint",
            "founded_on": "2026-01-01",
        },
        format="json",
    )
    assert joint.status_code == 400 and "organizations" in joint.json()
    assert registry["foshan"].name not in str(joint.json())
    assert not LeagueBuilding.objects.exists() and not BackboneMember.objects.exists()


def test_api_answers_404_outside_and_403_when_only_viewable(registry, foshan_cadre, zhongshan_viewer):
    org = registry["yigong"]
    for client, expected in ((api_for(foshan_cadre), 404), (api_for(zhongshan_viewer), 403)):
        assert (
            client.patch(f"{ORGS}{org.pk}/", {"youth_covered": 1, "version": 1}, format="json").status_code
            == expected
        )
        assert client.delete(f"{ORGS}{org.pk}/").status_code == expected
        assert (
            client.post(
                f"{ORGS}{org.pk}/status/", {"to": "suspended", "reason": "x"}, format="json"
            ).status_code
            == expected
        )
    assert api_for(zhongshan_viewer).get(f"{ORGS}{org.pk}/").status_code == 200
    org.refresh_from_db()
    assert (org.status, org.youth_covered) == ("listed", 1500)


def test_a_stale_or_garbled_version_in_the_api(registry, zhongshan_cadre):
    org = registry["yigong"]
    client = api_for(zhongshan_cadre)
    assert (
        client.patch(f"{ORGS}{org.pk}/", {"youth_covered": 2, "version": 1}, format="json").status_code == 200
    )
    stale = client.patch(f"{ORGS}{org.pk}/", {"youth_covered": 3, "version": 1}, format="json")
    assert stale.status_code == 409 and "version" in stale.json()
    garbled = client.patch(f"{ORGS}{org.pk}/", {"youth_covered": 3, "version": "abc"}, format="json")
    assert garbled.status_code == 400 and "version" in garbled.json()
    org.refresh_from_db()
    assert (org.youth_covered, org.version) == (2, 2)


def test_a_listed_organization_is_not_deleted_through_the_api(registry, zhongshan_cadre):
    org = registry["yigong"]
    response = api_for(zhongshan_cadre).delete(f"{ORGS}{org.pk}/")
    assert response.status_code == 400 and response.json()["non_field_errors"]
    assert Organization.objects.filter(pk=org.pk).exists()
