"""Search with several words: a name is found when it holds every word, in any order."""

import pytest

from orgs.models import Organization

from .factories import make_org

pytestmark = pytest.mark.django_db


def test_words_separated_by_spaces_all_match(client_for, zhongshan_cadre, zhongshan, guzhen):
    make_org(zhongshan, "中山青年义工联")
    make_org(guzhen, "古镇青年读书会")
    make_org(guzhen, "古镇灯饰商会")
    assert set(Organization.objects.search("中山 义工").values_list("name", flat=True)) == {"中山青年义工联"}
    assert set(Organization.objects.search("读书  古镇").values_list("name", flat=True)) == {"古镇青年读书会"}
    response = client_for(zhongshan_cadre).get("/orgs/organizations/", {"q": "古镇 青年"})
    assert "古镇青年读书会" in response.content.decode()
    assert "古镇灯饰商会" not in response.content.decode()
