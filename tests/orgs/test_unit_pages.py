"""League-unit pages: jurisdiction, query budgets, edits and history."""

from django.urls import reverse

from orgs.models import LeagueUnit


def test_zhongshan_cadre_sees_only_zhongshan_units(client_for, zhongshan_cadre, foshan, zhongshan):
    client = client_for(zhongshan_cadre)
    response = client.get(reverse("orgs:unit_list"), {"per_page": 200})
    names = {obj.name for obj in response.context["object_list"]}
    assert "古镇镇" in names and "中山市" in names
    assert "佛山市" not in names and "南海区" not in names
    assert client.get(reverse("orgs:unit_detail", args=[foshan.pk])).status_code == 404
    assert client.get(reverse("orgs:unit_edit", args=[foshan.pk])).status_code == 404
    assert client.post(reverse("orgs:unit_edit", args=[foshan.pk]), {"name": "x"}).status_code == 404
    foshan.refresh_from_db()
    assert foshan.name == "佛山市"


def test_town_cadre_cannot_touch_its_city_record(client_for, guzhen_cadre, zhongshan, guzhen):
    client = client_for(guzhen_cadre)
    assert client.get(reverse("orgs:unit_detail", args=[zhongshan.pk])).status_code == 404
    assert client.post(reverse("orgs:unit_edit", args=[zhongshan.pk]), {"name": "改名"}).status_code == 404
    assert client.get(reverse("orgs:unit_detail", args=[guzhen.pk])).status_code == 200
    zhongshan.refresh_from_db()
    assert zhongshan.name == "中山市"


def test_viewer_may_read_but_not_edit(client_for, zhongshan_viewer, guzhen):
    client = client_for(zhongshan_viewer)
    assert client.get(reverse("orgs:unit_detail", args=[guzhen.pk])).status_code == 200
    response = client.get(reverse("orgs:unit_edit", args=[guzhen.pk]))
    assert response.status_code == 403
    assert "不能修改" in response.content.decode() or "not change" in response.content.decode()


def test_unit_list_query_count_is_constant(client_for, province_admin, django_assert_max_num_queries):
    client = client_for(province_admin)
    # session, user, memberships, count, page of units (with parent joined), the change stamp
    # and the filter's units (cached afterwards: hubportal.freshness)
    with django_assert_max_num_queries(7):
        small = client.get(reverse("orgs:unit_list"), {"per_page": 20})
    with django_assert_max_num_queries(7):
        large = client.get(reverse("orgs:unit_list"), {"per_page": 200})
    assert len(small.context["object_list"]) == 20 and len(large.context["object_list"]) == 177


def test_filters_level_region_and_subtree(client_for, province_admin, zhongshan):
    client = client_for(province_admin)
    response = client.get(
        reverse("orgs:unit_list"), {"level": "town", "subtree": zhongshan.pk, "per_page": 200}
    )
    assert response.context["paginator"].count == 24
    response = client.get(reverse("orgs:unit_list"), {"level": "city", "region": "non_prd"})
    assert response.context["paginator"].count == 12


def test_htmx_request_gets_only_the_table(client_for, province_admin):
    response = client_for(province_admin).get(
        reverse("orgs:unit_list"), {"q": "中山"}, HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert "<table" in body and "<html" not in body and "中山市" in body


def test_city_cadre_creates_a_town_and_history_records_who(client_for, zhongshan_cadre, zhongshan):
    client = client_for(zhongshan_cadre)
    response = client.post(
        reverse("orgs:unit_create"),
        {"name": "新设街道", "parent": zhongshan.pk, "level": "town", "kind": "regional", "is_active": "on"},
    )
    assert response.status_code == 302, response.context["form"].errors if response.context else ""
    town = LeagueUnit.objects.get(name="新设街道")
    assert town.path.startswith(zhongshan.path)
    client.post(
        reverse("orgs:unit_edit", args=[town.pk]),
        {
            "name": "新设街道团工委",
            "parent": zhongshan.pk,
            "level": "town",
            "kind": "regional",
            "is_active": "on",
            "version": town.version,
        },
    )
    detail = client.get(reverse("orgs:unit_detail", args=[town.pk]))
    history = detail.context["history"]
    assert [h.label for h in history] == ["update", "insert"]
    assert history[0].who == "陈中山"
    assert ("名称", "新设街道", "新设街道团工委") in history[0].changes


def test_city_cadre_cannot_create_a_unit_under_another_city(client_for, zhongshan_cadre, foshan):
    response = client_for(zhongshan_cadre).post(
        reverse("orgs:unit_create"),
        {"name": "越权", "parent": foshan.pk, "level": "county", "kind": "regional"},
    )
    assert response.status_code == 400
    assert "parent" in response.context["form"].errors
    assert not LeagueUnit.objects.filter(name="越权").exists()


def test_bad_form_input_keeps_what_was_typed(client_for, zhongshan_cadre, zhongshan):
    response = client_for(zhongshan_cadre).post(
        reverse("orgs:unit_create"),
        {"name": "某单位", "parent": zhongshan.pk, "level": "city", "kind": "regional"},
    )
    assert response.status_code == 400
    assert "level" in response.context["form"].errors
    assert 'value="某单位"' in response.content.decode()


def test_unit_delete_goes_through_the_service(
    client_for, zhongshan_cadre, foshan_cadre, zhongshan_viewer, zhongshan, guzhen
):
    client = client_for(zhongshan_cadre)
    client.post(
        reverse("orgs:unit_create"),
        {
            "name": "待撤销街道",
            "parent": zhongshan.pk,
            "level": "town",
            "kind": "regional",
            "is_active": "on",
        },
    )
    town = LeagueUnit.objects.get(name="待撤销街道")
    assert client_for(foshan_cadre).post(reverse("orgs:unit_delete", args=[town.pk])).status_code == 404
    assert client_for(zhongshan_viewer).post(reverse("orgs:unit_delete", args=[town.pk])).status_code == 403
    # A unit with sub-units or records stays, and the page says what holds it.
    held = client.post(reverse("orgs:unit_delete", args=[zhongshan.pk]), follow=True)
    assert "无法删除" in held.content.decode()
    assert LeagueUnit.objects.filter(pk=zhongshan.pk).exists()
    response = client.post(reverse("orgs:unit_delete", args=[town.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("orgs:unit_list")
    assert not LeagueUnit.objects.filter(pk=town.pk).exists()


def test_a_unit_cannot_be_moved_below_its_own_town(client_for, province_admin, zhongshan, guzhen):
    response = client_for(province_admin).post(
        reverse("orgs:unit_edit", args=[zhongshan.pk]),
        {"name": "中山市", "parent": guzhen.pk, "level": "city", "kind": "regional", "region": "prd"},
    )
    assert response.status_code == 400 and response.context["form"].errors["parent"]
    zhongshan.refresh_from_db()
    assert zhongshan.depth == 1


def test_the_admin_shows_units_read_only(province_admin, zhongshan, rf):
    from django.contrib.admin.sites import site

    admin = site._registry[LeagueUnit]
    request = rf.get("/admin/")
    province_admin.is_staff = province_admin.is_superuser = True
    request.user = province_admin
    assert not admin.has_add_permission(request)
    assert not admin.has_change_permission(request, zhongshan)
    assert not admin.has_delete_permission(request, zhongshan)
