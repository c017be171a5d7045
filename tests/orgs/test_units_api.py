"""The league-unit API: filters, jurisdiction, token auth and query budget."""

from rest_framework.test import APIClient

from accounts import services as accounts_services


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_anonymous_is_refused():
    assert APIClient().get("/api/orgs/units/").status_code in (401, 403)


def test_foshan_cadre_cannot_read_zhongshan(foshan_cadre, zhongshan, foshan):
    client = api_for(foshan_cadre)
    data = client.get("/api/orgs/units/", {"page_size": 500}).json()
    names = {row["name"] for row in data["results"]}
    assert "佛山市" in names and "中山市" not in names and "古镇镇" not in names
    assert client.get(f"/api/orgs/units/{zhongshan.pk}/").status_code == 404
    assert client.get(f"/api/orgs/units/{foshan.pk}/").status_code == 200


def test_filters_level_kind_prd_and_subtree(province_admin, zhongshan):
    client = api_for(province_admin)
    towns = client.get("/api/orgs/units/", {"subtree": zhongshan.pk, "level": "town"}).json()
    assert towns["count"] == 24
    universities = client.get("/api/orgs/units/", {"kind": "university"}).json()
    assert universities["count"] == 5
    prd_cities = client.get("/api/orgs/units/", {"level": "city", "region": "prd", "kind": "regional"}).json()
    assert prd_cities["count"] == 10


def test_token_auth(db, zhongshan_cadre):
    _token, key = accounts_services.issue_api_token(zhongshan_cadre, name="测试")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/accounts/me/").json()["username"] == "zs_cadre"
    assert client.get("/api/orgs/units/").status_code == 200


def test_unit_api_query_count_is_constant(province_admin, django_assert_max_num_queries):
    client = api_for(province_admin)
    # the change stamp (hubportal.pagecache), memberships, count, page
    with django_assert_max_num_queries(4):
        client.get("/api/orgs/units/", {"page_size": 10})
    with django_assert_max_num_queries(4):
        client.get("/api/orgs/units/", {"page_size": 500})


def test_schema_and_offline_docs(client_for, db):
    from tests.conftest import make_user

    client = client_for(make_user("api_staff", is_staff=True))
    schema = client.get("/api/schema/")
    assert schema.status_code == 200 and b"/api/orgs/units/" in schema.content
    docs = client.get("/api/docs/").content.decode()
    assert "swagger-ui" in docs and "cdn" not in docs.lower()
