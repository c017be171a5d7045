import pytest
from django.core.exceptions import ValidationError

from orgs.models import LeagueUnit


def test_demo_tree_has_the_cities_and_shunde_with_right_prd_tags(units):
    cities = LeagueUnit.objects.filter(level=LeagueUnit.Level.CITY, kind=LeagueUnit.Kind.REGIONAL)
    assert cities.count() == 22  # 21 prefecture cities + 顺德区
    prd = set(cities.filter(region=LeagueUnit.Region.PRD).values_list("name", flat=True))
    assert prd == {
        "广州市",
        "深圳市",
        "珠海市",
        "佛山市",
        "惠州市",
        "东莞市",
        "中山市",
        "江门市",
        "肇庆市",
        "顺德区",
    }
    assert units["440606"].parent == units["440000"]


def test_zhongshan_towns_sit_directly_under_the_city_and_inherit_prd(units, zhongshan):
    towns = LeagueUnit.objects.filter(parent=zhongshan, level=LeagueUnit.Level.TOWN)
    assert towns.count() == 24
    assert set(towns.values_list("region", flat=True)) == {LeagueUnit.Region.PRD}
    assert units["442000012"].name == "古镇镇"
    assert units["442000012"].full_path_name == "广东省/中山市/古镇镇"


def test_subtree_is_one_prefix_query(units, zhongshan, django_assert_num_queries):
    with django_assert_num_queries(1):
        names = set(LeagueUnit.objects.in_subtree(zhongshan).values_list("name", flat=True))
    assert {"中山市", "古镇镇", "电子科技大学中山学院团委", "湖南驻中山团工委"} <= names
    assert "佛山市" not in names and "南海区" not in names


def test_moving_a_unit_moves_its_subtree(units):
    nanhai = units["440605"]  # 南海区 of 佛山
    town = LeagueUnit(name="桂城街道", level=LeagueUnit.Level.TOWN, parent=nanhai)
    town.save()
    zhongshan = units["442000"]
    nanhai.parent = zhongshan
    nanhai.save()
    town.refresh_from_db()
    nanhai.refresh_from_db()
    assert nanhai.path.startswith(zhongshan.path) and town.path.startswith(nanhai.path)
    assert town.depth == 3 and town.region == LeagueUnit.Region.PRD
    assert LeagueUnit.objects.in_subtree(zhongshan).filter(pk=town.pk).exists()
    assert not LeagueUnit.objects.in_subtree(units["440600"]).filter(pk=town.pk).exists()


def test_moving_a_city_into_a_non_prd_subtree_updates_inherited_region(units):
    county = units["440605"]
    county.parent = units["440200"]  # 韶关市, non-PRD
    county.save()
    county.refresh_from_db()
    assert county.region == LeagueUnit.Region.NON_PRD


def test_a_unit_cannot_move_below_itself(units):
    zhongshan = units["442000"]
    zhongshan.parent = units["442000012"]
    with pytest.raises(ValidationError):
        zhongshan.save()


def test_clean_refuses_a_level_not_below_the_parent(units):
    unit = LeagueUnit(name="错误单位", level=LeagueUnit.Level.CITY, parent=units["442000"])
    with pytest.raises(ValidationError) as excinfo:
        unit.clean()
    assert "level" in excinfo.value.message_dict


def test_seeding_twice_changes_nothing(units):
    before = list(LeagueUnit.objects.values_list("pk", "path", "name").order_by("pk"))
    from orgs import demo

    demo.seed_units()
    assert list(LeagueUnit.objects.values_list("pk", "path", "name").order_by("pk")) == before
